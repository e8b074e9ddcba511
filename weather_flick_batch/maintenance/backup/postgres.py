"""PostgreSQL: pg_dump in an exported snapshot, pg_restore, table stats, the scratch database of a verification.

The password reaches ``pg_dump``/``pg_restore`` only through the child's ``PGPASSWORD`` environment
variable (never argv) and is stripped from every error message. Every subprocess goes through
:func:`_run_tool`, so tests can inspect (patch, here) the exact argv and environment.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from weather_flick_batch.maintenance.backup.manifest import (
    _ROW_FETCH,
    BackupError,
    BackupManifest,
    TableStat,
    _ContentHash,
)
from weather_flick_batch.maintenance.backup.target import _one_line, _Target

DEFAULT_TOOL_TIMEOUT_S = 6 * 3600.0  # a hung pg_dump must not hold a run (and its snapshot) forever


def _libpq_env(target: _Target) -> dict[str, str]:
    """Environment for pg_dump/pg_restore: the password travels here, never in argv."""
    env = dict(os.environ)
    if target.password:
        env["PGPASSWORD"] = target.password
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    sslmode = target.url.query.get("sslmode")
    if isinstance(sslmode, str):
        env["PGSSLMODE"] = sslmode
    return env


def _libpq_args(target: _Target) -> list[str]:
    args = ["--no-password"]  # never prompt on a TTY: fail instead
    if target.url.host:
        args.append(f"--host={target.url.host}")
    if target.url.port:
        args.append(f"--port={target.url.port}")
    if target.url.username:
        args.append(f"--username={target.url.username}")
    return args


def _pg_dump_command(target: _Target, out_path: Path, snapshot: str | None) -> list[str]:
    argv = ["pg_dump", "--format=custom", f"--file={out_path}", *_libpq_args(target)]
    if snapshot:
        argv.append(f"--snapshot={snapshot}")
    argv.append(f"--dbname={target.url.database}")
    return argv


def _pg_restore_command(target: _Target, dump_path: Path) -> list[str]:
    # --single-transaction: a failing restore leaves the target as it was (it implies
    # --exit-on-error); --no-owner: objects belong to the restoring user, whose roles may differ.
    return [
        "pg_restore", "--no-owner", "--clean", "--if-exists", "--single-transaction",
        *_libpq_args(target), f"--dbname={target.url.database}", str(dump_path),
    ]


def _run_tool(argv: Sequence[str], env: Mapping[str, str], *, what: str, secret: str | None, timeout_s: float) -> None:
    """Run a PostgreSQL client tool; any failure becomes one BackupError line without the secret.

    Every subprocess of this module goes through here, so tests can inspect the exact argv.
    """
    try:
        proc = subprocess.run(
            list(argv), env=dict(env), stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=timeout_s, check=False,
        )
    except FileNotFoundError:
        raise BackupError(f"{argv[0]} is not installed or not on PATH (install the PostgreSQL client tools "
                          "of the server's major version)") from None
    except subprocess.TimeoutExpired:
        raise BackupError(f"{what} did not finish within {timeout_s:.0f} s and was stopped") from None
    if proc.returncode != 0:
        raise BackupError(f"{what} failed (exit {proc.returncode}): {_one_line(proc.stderr, secret)}")


def _pg_connect(target: _Target, database: str | None = None) -> Any:
    import psycopg2

    kwargs: dict[str, Any] = {
        "host": target.url.host, "port": target.url.port, "user": target.url.username,
        "dbname": database or target.url.database, "password": target.password,
        "connect_timeout": 10, "application_name": "weather_flick_batch_backup",
    }
    sslmode = target.url.query.get("sslmode")
    if isinstance(sslmode, str):
        kwargs["sslmode"] = sslmode
    try:
        conn = psycopg2.connect(**{k: v for k, v in kwargs.items() if v is not None})
    except psycopg2.Error as exc:
        shown = target.with_database(database).display if database else target.display
        raise BackupError(f"cannot connect to {shown}: {_one_line(str(exc), target.password)}") from None
    conn.set_client_encoding("UTF8")
    return conn

# Fixed output formats, so the same data always has the same text whatever the server defaults.
_PG_CANONICAL_SESSION = (
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, YMD'",
    "SET LOCAL IntervalStyle = 'postgres'",
    "SET LOCAL extra_float_digits = 1",
    "SET LOCAL bytea_output = 'hex'",
)


def _pg_table_stats(conn: Any) -> dict[str, TableStat]:
    """Stats of every user table, read in the connection's current transaction (and snapshot)."""
    from psycopg2 import sql

    with conn.cursor() as cur:
        for statement in _PG_CANONICAL_SESSION:
            cur.execute(statement)
        # Ordinary tables in user schemas; tables owned by extensions are not pg_dump's to dump.
        cur.execute(
            """
            SELECT c.oid, n.nspname, c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r'
              AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                              AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY n.nspname, c.relname
            """
        )
        tables = cur.fetchall()
    stats: dict[str, TableStat] = {}
    for oid, schema, table in tables:
        with conn.cursor() as cur:
            cur.execute(
                """
                SELECT a.attname, a.attcollation <> 0
                FROM pg_index i
                CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = %s AND i.indisprimary
                ORDER BY k.ord
                """,
                (oid,),
            )
            pk = cur.fetchall()
        if pk:
            # COLLATE "C": byte order, so the scratch database's locale cannot reorder text keys.
            order = sql.SQL(", ").join(
                sql.SQL('_wfb_r.{} COLLATE "C"' if collatable else "_wfb_r.{}").format(sql.Identifier(col))
                for col, collatable in pk
            )
        else:
            order = sql.SQL('ROW(_wfb_r.*)::text COLLATE "C"')
        query = sql.SQL("SELECT ROW(_wfb_r.*)::text FROM {}.{} AS _wfb_r ORDER BY {}").format(
            sql.Identifier(schema), sql.Identifier(table), order
        )
        digest = _ContentHash()
        # A server-side cursor streams the table instead of loading it into memory.
        with conn.cursor(name=f"wfb_stats_{secrets.token_hex(4)}") as cur:
            cur.itersize = _ROW_FETCH
            cur.execute(query)
            for (text,) in cur:
                digest.add(text)
        stats[table if schema == "public" else f"{schema}.{table}"] = digest.stat()
    return stats


def _pg_stats_in_snapshot(target: _Target) -> dict[str, TableStat]:
    """Stats of a whole database in one consistent read-only snapshot."""
    import psycopg2.extensions

    conn = _pg_connect(target)
    try:
        conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
        return _pg_table_stats(conn)
    except BackupError:
        raise
    except Exception as exc:  # noqa: BLE001 - driver errors become one line
        raise BackupError(
            f"reading table stats of {target.display} failed: {_one_line(str(exc), target.password)}") from None
    finally:
        conn.close()


def _dump_postgresql(target: _Target, out_path: Path, timeout_s: float) -> dict[str, TableStat]:
    import psycopg2.extensions

    conn = _pg_connect(target)
    try:
        conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_export_snapshot()")
                snapshot = cur.fetchone()[0]
        except Exception as exc:  # noqa: BLE001
            raise BackupError(
                f"cannot export a snapshot of {target.display}: {_one_line(str(exc), target.password)}") from None
        # pg_dump imports the snapshot, so it must run while this transaction stays open.
        _run_tool(_pg_dump_command(target, out_path, snapshot), _libpq_env(target),
                  what=f"pg_dump of {target.display}", secret=target.password, timeout_s=timeout_s)
        try:
            return _pg_table_stats(conn)
        except Exception as exc:  # noqa: BLE001
            raise BackupError(
                f"reading table stats of {target.display} failed: {_one_line(str(exc), target.password)}") from None
    finally:
        conn.close()  # ends the read-only transaction (nothing to commit)


def _pg_user_tables(target: _Target) -> int:
    conn = _pg_connect(target)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname <> 'information_schema' "
                        "AND schemaname NOT LIKE 'pg\\_%'")
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def _restore_postgresql(path: Path, target: _Target, force: bool, timeout_s: float) -> None:
    if not force and (n := _pg_user_tables(target)):
        raise BackupError(f"refusing to restore into {target.display}: it already has {n} tables "
                          "(restore into an empty database, or pass force to replace them)")
    _run_tool(_pg_restore_command(target, path), _libpq_env(target), what=f"pg_restore into {target.display}",
              secret=target.password, timeout_s=timeout_s)


def _scratch_name(database: str) -> str:
    base = re.sub(r"[^a-z0-9_]", "_", database.lower())[:40] or "warehouse"
    return f"{base}_verify_{secrets.token_hex(4)}"


def _pg_admin(target: _Target, statement: Any, params: Sequence[Any] = ()) -> None:
    conn = _pg_connect(target)
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
    finally:
        conn.close()


def _verify_postgresql(
    path: Path, manifest: BackupManifest, server: _Target, timeout_s: float
) -> tuple[dict[str, TableStat], str | None]:
    """Restore into a scratch database on ``server``, read its stats, always drop it."""
    from psycopg2 import sql

    scratch = server.with_database(_scratch_name(server.url.database or "warehouse"))
    conn = _pg_connect(server)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_encoding_to_char(encoding), datcollate, datctype, "
                        "current_setting('server_version_num')::int "
                        "FROM pg_database WHERE datname = current_database()")
            encoding, collate, ctype, version = cur.fetchone()
    finally:
        conn.close()
    # template0 + the source's encoding and locale: nothing pre-existing, the same data fits.
    try:
        _pg_admin(server, sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING %s LC_COLLATE %s LC_CTYPE %s").format(
            sql.Identifier(scratch.url.database)), (encoding, collate, ctype))
    except Exception as exc:  # noqa: BLE001
        raise BackupError(f"cannot create the scratch database {scratch.url.database}: "
                          f"{_one_line(str(exc), server.password)} (the backup user needs CREATEDB)") from None
    cleanup_error: str | None = None
    try:
        _run_tool(_pg_restore_command(scratch, path), _libpq_env(scratch), what="pg_restore into the scratch database",
                  secret=server.password, timeout_s=timeout_s)
        stats = _pg_stats_in_snapshot(scratch)
    finally:
        drop = "DROP DATABASE IF EXISTS {} WITH (FORCE)" if version >= 130000 else "DROP DATABASE IF EXISTS {}"
        try:
            _pg_admin(server, sql.SQL(drop).format(sql.Identifier(scratch.url.database)))
        except Exception as exc:  # noqa: BLE001 - reported, never hides the verification outcome
            cleanup_error = (f"scratch database {scratch.url.database} was not dropped: "
                             f"{_one_line(str(exc), server.password)}")
    return stats, cleanup_error

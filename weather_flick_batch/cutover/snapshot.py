"""The pre-cutover snapshot of the back end's tables, and the rollback that restores it exactly.

Cutting over means the platform starts writing the back end's tables (``regions`` and the content
tables) that the previous batch wrote. Before that, :func:`take_snapshot` dumps exactly those tables
(``pg_dump --table``, custom format) in one consistent snapshot, with each table's row count and
content checksum in a manifest beside the dump. :func:`rollback` restores them with
``pg_restore --clean --single-transaction`` (all or nothing), drops the back end's tables that did
not exist before the cutover (the platform created them), and verifies every restored table against
the manifest: the back end reads exactly what it read before.

Only the service tables are touched: the back end's other tables (users, travel plans...) keep
everything written since the snapshot. PostgreSQL only: the embedded SQLite warehouse has no back
end in front of it. Dagster-free.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from weather_flick_batch.maintenance import backup as bk
from weather_flick_batch.warehouse.service_tables import SERVICE_TABLE_NAMES

MANIFEST_SUFFIX = ".manifest.json"


class CutoverError(RuntimeError):
    """One line a human can act on."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    schema: str
    tables: dict[str, bk.TableStat]

    @property
    def manifest_path(self) -> Path:
        return self.path.with_name(self.path.name + MANIFEST_SUFFIX)


def _target(url: str, password: str | None):
    target = bk._parse_url(url, password)
    if target.engine != "postgresql":
        raise CutoverError("cutover snapshots are for PostgreSQL (the back end's database); got "
                           f"{target.engine}")
    return target


def _service_stats(conn, schema: str) -> dict[str, bk.TableStat]:
    """Stats of the back end's tables that exist in ``schema`` (read in the connection's snapshot)."""
    prefix = "" if schema == "public" else f"{schema}."
    stats = bk._pg_table_stats(conn)
    return {name: stats[prefix + name] for name in SERVICE_TABLE_NAMES if prefix + name in stats}


def take_snapshot(url: str, out_dir: Path, *, schema: str = "public", password: str | None = None,
                  now: datetime | None = None) -> Snapshot:
    """Dump the back end's tables in ``schema`` and write the manifest; stop their writers first."""
    import psycopg2.extensions

    target = _target(url, password)
    now = now or datetime.now(timezone.utc)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"service-tables-{schema}-{now.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}.dump"
    conn = bk._pg_connect(target)
    try:
        conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot_id = cur.fetchone()[0]
        stats = _service_stats(conn, schema)
        if not stats:
            raise CutoverError(f"no back-end tables in schema {schema!r} of {target.display}: nothing to snapshot")
        argv = ["pg_dump", "--format=custom", f"--file={path}", *bk._libpq_args(target),
                f"--snapshot={snapshot_id}",
                *(f'--table="{schema}"."{name}"' for name in sorted(stats)),
                f"--dbname={target.url.database}"]
        bk._run_tool(argv, bk._libpq_env(target), what=f"pg_dump of the back end's tables in {target.display}",
                     secret=target.password, timeout_s=bk.DEFAULT_TOOL_TIMEOUT_S)
    except bk.BackupError as exc:
        raise CutoverError(str(exc)) from None
    finally:
        conn.close()
    snap = Snapshot(path, schema, stats)
    snap.manifest_path.write_text(json.dumps({
        "schema": schema, "created_at": now.astimezone(timezone.utc).isoformat(), "source": target.display,
        "sha256": bk.sha256_file(path),
        "tables": {name: {"rows": s.row_count, "checksum": s.checksum} for name, s in sorted(stats.items())},
    }, indent=2) + "\n")
    return snap


def read_snapshot(path: Path) -> Snapshot:
    path = Path(path)
    manifest_path = path.with_name(path.name + MANIFEST_SUFFIX)
    if not path.is_file() or not manifest_path.is_file():
        raise CutoverError(f"{path} or its manifest {manifest_path.name} is missing: not a cutover snapshot")
    manifest = json.loads(manifest_path.read_text())
    if bk.sha256_file(path) != manifest["sha256"]:
        raise CutoverError(f"{path} does not match the SHA-256 in its manifest: the dump is damaged")
    tables = {name: bk.TableStat(t["rows"], t["checksum"]) for name, t in manifest["tables"].items()}
    return Snapshot(path, manifest["schema"], tables)


@dataclass(frozen=True)
class RollbackResult:
    restored: list[str]
    dropped: list[str]

    def describe(self) -> str:
        dropped = f"; dropped {', '.join(self.dropped)} (created after the snapshot)" if self.dropped else ""
        return (f"restored {len(self.restored)} tables, row counts and checksums equal to the snapshot"
                f"{dropped}")


def rollback(url: str, snapshot_path: Path, *, password: str | None = None) -> RollbackResult:
    """Restore the snapshot's tables exactly and verify them; drop back-end tables made since."""
    import psycopg2.extensions

    snap = read_snapshot(snapshot_path)
    target = _target(url, password)
    conn = bk._pg_connect(target)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                        "AND table_type = 'BASE TABLE'", (snap.schema,))
            present = {row[0] for row in cur.fetchall()}
    finally:
        conn.close()
    created = sorted((present & set(SERVICE_TABLE_NAMES)) - set(snap.tables))
    # Without --no-owner: the tables come back owned by whom they belonged to (run as a superuser or
    # as their owner), so the back end's own migrations can alter them again.
    argv = ["pg_restore", "--clean", "--if-exists", "--single-transaction",
            *bk._libpq_args(target), f"--dbname={target.url.database}", str(snap.path)]
    try:
        bk._run_tool(argv, bk._libpq_env(target), what=f"pg_restore into {target.display}",
                     secret=target.password, timeout_s=bk.DEFAULT_TOOL_TIMEOUT_S)
    except bk.BackupError as exc:
        raise CutoverError(str(exc)) from None
    conn = bk._pg_connect(target)
    try:
        with conn.cursor() as cur:
            for name in created:
                cur.execute(f'DROP TABLE IF EXISTS "{snap.schema}"."{name}"')
            # The platform's record that it set these tables up is void now (if its schema is reachable).
            cur.execute("SELECT to_regclass('service_table_origin') IS NOT NULL")
            if cur.fetchone()[0]:
                cur.execute("DELETE FROM service_table_origin WHERE schema_name = %s", (snap.schema,))
        conn.commit()
        conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
        after = _service_stats(conn, snap.schema)
    finally:
        conn.close()
    bad = [f"{name}: {after.get(name)} != {stat}" for name, stat in snap.tables.items() if after.get(name) != stat]
    if bad:
        raise CutoverError(f"restored {snap.path.name} but {len(bad)} tables differ from the snapshot: {bad[0]}")
    return RollbackResult(sorted(snap.tables), created)

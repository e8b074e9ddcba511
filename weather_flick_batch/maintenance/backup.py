"""Warehouse backup: consistent dump, SHA-256 manifest, S3 upload, verified restore, retention.

A backup is two files with the same base name:

- the dump, ``warehouse-<engine>-YYYYmmddTHHMMSSZ.<ext>``: ``pg_dump --format=custom`` on
  PostgreSQL (``.dump``, already compressed), a gzip'd copy made with SQLite's online backup API
  in embedded mode (``.sqlite.gz``);
- its manifest, ``<dump name>.manifest.json``: engine, time, size, the dump's SHA-256 and, per
  table, the row count and a content checksum of the SOURCE taken consistently with the dump.

Consistency. On PostgreSQL the stats are read inside a REPEATABLE READ read-only transaction whose
snapshot is exported (``pg_export_snapshot()``) and handed to ``pg_dump --snapshot``: the dump and
the stats see exactly the same committed data even while writers run. On SQLite the online backup
copies the database in one step (a consistent read), and the stats are computed on that copy.

Verification. Every backup can be restored into a scratch database (PostgreSQL: a throw-away
``<db>_verify_<random>`` database, always dropped; SQLite: a temporary file) whose per-table row
counts and content checksums must equal the manifest's. A corrupted file (SHA-256), a restore that
fails, or any table that differs fails the verification with a one-line reason.

Content checksum of a table: SHA-256 over the canonical text of every row, in primary-key order
(byte-wise "C" collation for text keys, so the database locale cannot change the order; tables
without a primary key are ordered by the whole row), each row length-prefixed so row boundaries
are unambiguous. PostgreSQL's canonical text is the row's ``record`` output under fixed session
settings (UTC, ISO dates, shortest exact floats, hex bytea); SQLite's is a JSON array of the row's
values. The value is stable for the same logical content on the same engine, which is what a
restore must reproduce; it is not comparable across engines.

Secrets. The PostgreSQL password reaches ``pg_dump``/``pg_restore`` only through the child's
``PGPASSWORD`` environment variable (never argv, where any local user can read it with ``ps``),
and it is stripped from every error message. A password embedded in the URL is treated the same
way (taken out of the URL, passed through the environment).

Restore command (the CLI's ``backup restore`` subcommand is a thin wrapper over this module)::

    weather-flick-batch backup restore --key backups/warehouse-postgresql-20250101T020000Z.dump \\
        --target-url postgresql+psycopg2://user@host:5432/weather_flick_restored

which calls :func:`restore_from_s3`: download, SHA-256 check, restore, then the restored tables
are compared with the manifest. A non-empty target is refused unless ``--force``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from sqlalchemy.engine import URL, make_url

FORMAT_VERSION = 1
MANIFEST_SUFFIX = ".manifest.json"
DEFAULT_TOOL_TIMEOUT_S = 6 * 3600.0  # a hung pg_dump must not hold a run (and its snapshot) forever
_EXTENSIONS = {"postgresql": "dump", "sqlite": "sqlite.gz"}
_NAME_RE = re.compile(
    r"^(?P<kind>warehouse|instance)-(?P<engine>postgresql|sqlite)-(?P<ts>\d{8}T\d{6}Z)\.(?P<ext>dump|sqlite\.gz)$"
)
_TS_FORMAT = "%Y%m%dT%H%M%SZ"
_CHUNK = 1 << 20
_ROW_FETCH = 10_000


# --------------------------------------------------------------------------------------------
# Errors and value types
# --------------------------------------------------------------------------------------------


class BackupError(RuntimeError):
    """A backup or restore problem a human can act on; the message is one line, without secrets."""


class BackupCorruptError(BackupError):
    """The file does not match its manifest's SHA-256 (or the manifest itself is unreadable)."""


class BackupVerificationError(BackupError):
    """A restored copy does not match the manifest's per-table row counts and checksums."""


class TableStat(NamedTuple):
    """Row count and content checksum of one table."""

    row_count: int
    checksum: str


@dataclass(frozen=True)
class BackupManifest:
    """What the sidecar ``.manifest.json`` records about one dump."""

    name: str
    engine: str
    created_at: datetime
    sha256: str
    size_bytes: int
    table_stats: dict[str, TableStat]
    source: str  # the source URL with the password hidden: for humans reading the bucket
    format_version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        doc = {
            "format_version": self.format_version,
            "name": self.name,
            "engine": self.engine,
            "created_at": self.created_at.astimezone(timezone.utc).isoformat(),
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "source": self.source,
            "tables": {
                t: {"row_count": s.row_count, "checksum": s.checksum} for t, s in sorted(self.table_stats.items())
            },
        }
        return json.dumps(doc, indent=2, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes | str) -> BackupManifest:
        try:
            doc = json.loads(data)
            if doc.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"unsupported format_version {doc.get('format_version')!r}")
            return cls(
                name=str(doc["name"]),
                engine=str(doc["engine"]),
                created_at=datetime.fromisoformat(doc["created_at"]),
                sha256=str(doc["sha256"]),
                size_bytes=int(doc["size_bytes"]),
                table_stats={
                    str(t): TableStat(int(s["row_count"]), str(s["checksum"])) for t, s in doc["tables"].items()
                },
                source=str(doc.get("source", "")),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupCorruptError(f"backup manifest is unreadable: {exc}") from None


@dataclass(frozen=True)
class BackupArtifact:
    """A dump on local disk and its manifest."""

    path: Path
    manifest: BackupManifest

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def sha256(self) -> str:
        return self.manifest.sha256

    @property
    def size(self) -> int:
        return self.manifest.size_bytes

    @property
    def engine(self) -> str:
        return self.manifest.engine

    @property
    def created_at(self) -> datetime:
        return self.manifest.created_at

    @property
    def table_stats(self) -> dict[str, TableStat]:
        return self.manifest.table_stats


@dataclass(frozen=True)
class TableComparison:
    """One table of a verification: what the manifest says and what the restored copy holds."""

    table: str
    expected: TableStat | None
    actual: TableStat | None

    @property
    def ok(self) -> bool:
        return self.expected == self.actual

    def describe(self) -> str:
        if self.actual is None:
            return f"{self.table}: missing from the restored copy"
        if self.expected is None:
            return f"{self.table}: not in the backup's manifest but present in the restored copy"
        if self.expected.row_count != self.actual.row_count:
            return f"{self.table}: {self.actual.row_count} rows restored, {self.expected.row_count} expected"
        return (f"{self.table}: content checksum {self.actual.checksum[:12]} differs from the expected "
                f"{self.expected.checksum[:12]} ({self.actual.row_count} rows)")


@dataclass(frozen=True)
class VerificationResult:
    """Outcome of restoring a backup and comparing it with its manifest."""

    passed: bool
    reason: str  # one line: what failed, or what was checked when it passed
    tables: list[TableComparison] = field(default_factory=list)
    seconds: float = 0.0
    cleanup_error: str | None = None  # the scratch database could not be dropped (not a backup fault)

    @property
    def mismatches(self) -> list[TableComparison]:
        return [t for t in self.tables if not t.ok]

    def as_metadata(self) -> dict[str, Any]:
        return {
            "verification_passed": self.passed,
            "verification": self.reason,
            "tables_verified": len(self.tables),
            "rows_verified": sum(t.actual.row_count for t in self.tables if t.actual is not None),
            "verify_seconds": round(self.seconds, 3),
        }


# --------------------------------------------------------------------------------------------
# Targets, secrets, subprocesses
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """A parsed warehouse URL with the password held apart from it."""

    engine: str
    url: URL  # never carries the password
    password: str | None

    @property
    def display(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @property
    def sqlite_path(self) -> Path:
        db = self.url.database
        if not db or db == ":memory:":
            raise BackupError(f"SQLite URL {self.display} names no database file; "
                              "an in-memory database cannot be backed up")
        return Path(db)

    def with_database(self, database: str) -> _Target:
        return _Target(self.engine, self.url.set(database=database), self.password)


def _parse_url(url: str, password: str | None) -> _Target:
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - the URL may hold a password: never echo it
        raise BackupError("the warehouse URL is not a valid SQLAlchemy URL") from None
    engine = parsed.get_backend_name()
    if engine not in _EXTENSIONS:
        raise BackupError(f"cannot back up a {engine!r} database; supported: sqlite, postgresql")
    secret = password or parsed.password
    return _Target(engine, parsed.set(password=None), str(secret) if secret else None)


def _redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def _one_line(text: str, secret: str | None = None) -> str:
    """The most useful single line of a tool's stderr or an exception, secret removed."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        return "no error output"
    errors = [ln for ln in lines if "error" in ln.lower() or "fatal" in ln.lower()]
    return _redact((errors or lines)[0], secret)


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


# --------------------------------------------------------------------------------------------
# Per-table stats
# --------------------------------------------------------------------------------------------


class _ContentHash:
    """Row count + SHA-256 over length-prefixed canonical row texts, fed in key order."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self.rows = 0

    def add(self, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        self._h.update(len(data).to_bytes(8, "big"))
        self._h.update(data)
        self.rows += 1

    def stat(self) -> TableStat:
        return TableStat(self.rows, self._h.hexdigest())


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


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    raise TypeError(f"unexpected SQLite value type {type(value).__name__}")


def _sqlite_table_stats(conn: sqlite3.Connection) -> dict[str, TableStat]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    )]
    stats: dict[str, TableStat] = {}
    for table in tables:
        columns = conn.execute(f"PRAGMA table_info({_quote_sqlite(table)})").fetchall()
        pk = [c[1] for c in sorted((c for c in columns if c[5]), key=lambda c: c[5])]
        order = ", ".join(_quote_sqlite(c) for c in pk) if pk else ", ".join(str(i + 1) for i in range(len(columns)))
        digest = _ContentHash()
        cursor = conn.execute(f"SELECT * FROM {_quote_sqlite(table)} ORDER BY {order}")
        while rows := cursor.fetchmany(_ROW_FETCH):
            for row in rows:
                digest.add(json.dumps(list(row), default=_sqlite_json_default, ensure_ascii=False,
                                      separators=(",", ":")))
        stats[table] = digest.stat()
    return stats


def table_stats(url: str, password: str | None = None) -> dict[str, TableStat]:
    """Per-table (row count, content checksum) of a live database, read in one snapshot."""
    target = _parse_url(url, password)
    if target.engine == "postgresql":
        return _pg_stats_in_snapshot(target)
    path = target.sqlite_path
    if not path.is_file():
        raise BackupError(f"SQLite database {path} does not exist")
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=60)) as conn:
        conn.execute("BEGIN")  # one read transaction: one snapshot for every table
        return _sqlite_table_stats(conn)


def compare_stats(
    expected: Mapping[str, TableStat], actual: Mapping[str, TableStat], *, allow_extra_tables: bool = False
) -> list[TableComparison]:
    """One comparison per table in either set (extra restored tables ignored if allowed)."""
    names = set(expected) | (set() if allow_extra_tables else set(actual))
    return [TableComparison(t, expected.get(t), actual.get(t)) for t in sorted(names)]


def _summarise(comparisons: list[TableComparison]) -> tuple[bool, str]:
    bad = [c for c in comparisons if not c.ok]
    if not bad:
        rows = sum(c.actual.row_count for c in comparisons if c.actual is not None)
        return True, f"all {len(comparisons)} tables match ({rows} rows, row counts and content checksums)"
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    return False, f"{len(bad)} of {len(comparisons)} tables differ; {bad[0].describe()}{more}"


# --------------------------------------------------------------------------------------------
# Create
# --------------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


#: What a backup is of: the warehouse, or the Dagster instance database (run history, schedules, sensors).
KINDS = ("warehouse", "instance")


def backup_name(engine: str, now: datetime, kind: str = "warehouse") -> str:
    """``<kind>-<engine>-YYYYmmddTHHMMSSZ.<ext>``; the time in UTC so names sort by age."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return f"{kind}-{engine}-{now.astimezone(timezone.utc):{_TS_FORMAT}}.{_EXTENSIONS[engine]}"


def parse_backup_name(name: str) -> tuple[str, datetime] | None:
    """(engine, created_at) of a dump name, None for anything that is not one of ours."""
    match = _NAME_RE.match(name)
    if not match or _EXTENSIONS[match["engine"]] != match["ext"]:
        return None
    return match["engine"], datetime.strptime(match["ts"], _TS_FORMAT).replace(tzinfo=timezone.utc)


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


def _dump_sqlite(target: _Target, out_path: Path, workdir: Path) -> dict[str, TableStat]:
    source = target.sqlite_path
    if not source.is_file():
        raise BackupError(f"SQLite warehouse {source} does not exist")
    with tempfile.TemporaryDirectory(dir=workdir, prefix=".sqlite-backup-") as tmp:
        copy_path = Path(tmp) / "warehouse.sqlite"
        try:
            # Read-only: a backup must never create or change the source. backup() with the
            # default pages=-1 copies everything in one step, i.e. one consistent read.
            with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=60)) as src, \
                    closing(sqlite3.connect(copy_path)) as dst:
                src.backup(dst)
                # A self-contained single file (no -wal needed) whatever the source's journal mode.
                dst.execute("PRAGMA journal_mode=DELETE")
                stats = _sqlite_table_stats(dst)
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite online backup of {source} failed: {exc}") from None
        with open(copy_path, "rb") as raw, open(out_path, "wb") as out:
            # mtime=0 and no embedded file name: the same database gives the same bytes.
            with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6) as gz:
                shutil.copyfileobj(raw, gz, _CHUNK)
    return stats


def create_backup(
    url: str, password: str | None, workdir: Path, now: datetime, *, timeout_s: float = DEFAULT_TOOL_TIMEOUT_S,
    kind: str = "warehouse",
) -> BackupArtifact:
    """Dump the database at ``url`` (the warehouse, or the instance's: ``kind``) into ``workdir`` with its
    source stats (see the module doc)."""
    target = _parse_url(url, password)
    name = backup_name(target.engine, now, kind)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / name
    partial = workdir / f".{name}.partial"  # never a half-written file under the final name
    try:
        if target.engine == "postgresql":
            stats = _dump_postgresql(target, partial, timeout_s)
        else:
            stats = _dump_sqlite(target, partial, workdir)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    manifest = BackupManifest(
        name=name, engine=target.engine, created_at=now.astimezone(timezone.utc), sha256=sha256_file(path),
        size_bytes=path.stat().st_size, table_stats=stats, source=target.display,
    )
    return BackupArtifact(path, manifest)


# --------------------------------------------------------------------------------------------
# Storage: S3 and a local directory
# --------------------------------------------------------------------------------------------


def manifest_key(key: str) -> str:
    return key + MANIFEST_SUFFIX


def _s3_key(prefix: str, name: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/{name}" if prefix else name


def _s3_error(action: str, bucket: str, key: str, exc: Exception) -> BackupError:
    response = getattr(exc, "response", None) or {}
    err = response.get("Error", {})
    detail = f"{err.get('Code')} {err.get('Message') or ''}".strip() if err else _one_line(str(exc))
    return BackupError(f"S3 {action} of s3://{bucket}/{key} failed: {detail}")


def upload_backup(s3_client: Any, bucket: str, prefix: str, artifact: BackupArtifact) -> str:
    """Upload the dump, then its manifest (its presence marks a complete upload); the dump's key."""
    from botocore.exceptions import BotoCoreError, ClientError

    key = _s3_key(prefix, artifact.name)
    try:
        # upload_file switches to multipart for large dumps; the SHA-256 also goes in the
        # object's metadata so a `head-object` shows it without the manifest.
        s3_client.upload_file(
            str(artifact.path), bucket, key,
            ExtraArgs={"Metadata": {"sha256": artifact.sha256, "engine": artifact.engine},
                       "ContentType": "application/octet-stream"},
        )
    except (BotoCoreError, ClientError) as exc:
        raise _s3_error("upload", bucket, key, exc) from None
    try:
        s3_client.put_object(Bucket=bucket, Key=manifest_key(key), Body=artifact.manifest.to_json(),
                             ContentType="application/json")
        head = s3_client.head_object(Bucket=bucket, Key=key)
    except (BotoCoreError, ClientError) as exc:
        raise _s3_error("upload", bucket, manifest_key(key), exc) from None
    if int(head["ContentLength"]) != artifact.size:
        raise BackupError(f"S3 upload of s3://{bucket}/{key} stored {head['ContentLength']} bytes, "
                          f"{artifact.size} were sent")
    return key


def fetch_manifest(s3_client: Any, bucket: str, key: str) -> BackupManifest:
    """The manifest stored next to the dump ``key``."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        body = s3_client.get_object(Bucket=bucket, Key=manifest_key(key))["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            raise BackupError(f"s3://{bucket}/{key} has no manifest ({MANIFEST_SUFFIX}); the upload is "
                              "incomplete or the key is not a backup") from None
        raise _s3_error("download", bucket, manifest_key(key), exc) from None
    except BotoCoreError as exc:
        raise _s3_error("download", bucket, manifest_key(key), exc) from None
    return BackupManifest.from_json(body)


def download_backup(s3_client: Any, bucket: str, key: str, dest: Path) -> Path:
    """Download the dump ``key`` into the directory ``dest``; its SHA-256 must match the manifest.

    The file only appears under its final name once verified; a mismatch raises
    :class:`BackupCorruptError` and leaves nothing behind.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    manifest = fetch_manifest(s3_client, bucket, key)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / PurePosixPath(key).name
    partial = dest / f".{final.name}.partial"
    try:
        try:
            s3_client.download_file(bucket, key, str(partial))
        except (BotoCoreError, ClientError) as exc:
            raise _s3_error("download", bucket, key, exc) from None
        actual = sha256_file(partial)
        if actual != manifest.sha256:
            raise BackupCorruptError(
                f"backup s3://{bucket}/{key} is corrupt: SHA-256 {actual[:16]} does not match the "
                f"manifest's {manifest.sha256[:16]}"
            )
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)
    return final


def store_backup_locally(artifact: BackupArtifact, backup_dir: Path) -> Path:
    """Embedded mode without S3: move the dump into ``backup_dir`` with its manifest beside it."""
    backup_dir = Path(backup_dir)
    backup_dir.mkdir(parents=True, exist_ok=True)
    final = backup_dir / artifact.name
    if artifact.path.resolve() != final.resolve():
        shutil.move(str(artifact.path), final)
    tmp = backup_dir / f".{artifact.name}{MANIFEST_SUFFIX}.partial"
    tmp.write_bytes(artifact.manifest.to_json())
    tmp.replace(backup_dir / (artifact.name + MANIFEST_SUFFIX))
    return final


def read_manifest_file(dump_path: Path) -> BackupManifest:
    """The manifest beside a local dump (``<dump>.manifest.json``)."""
    path = Path(str(dump_path) + MANIFEST_SUFFIX)
    try:
        return BackupManifest.from_json(path.read_bytes())
    except FileNotFoundError:
        raise BackupError(f"{dump_path} has no manifest {path.name}") from None


# --------------------------------------------------------------------------------------------
# Restore and verify
# --------------------------------------------------------------------------------------------


def _check_sha(artifact_path: Path, manifest: BackupManifest) -> None:
    actual = sha256_file(artifact_path)
    if actual != manifest.sha256:
        raise BackupCorruptError(f"backup file {artifact_path.name} is corrupt: SHA-256 {actual[:16]} does not "
                                 f"match the manifest's {manifest.sha256[:16]}")


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


def _restore_sqlite(path: Path, target_path: Path, force: bool) -> None:
    if target_path.exists() and target_path.stat().st_size > 0 and not force:
        raise BackupError(f"refusing to overwrite the non-empty SQLite database {target_path} "
                          "(pass force to replace it)")
    target_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target_path.parent, prefix=f".{target_path.name}.", suffix=".restoring")
    tmp = Path(tmp_name)
    try:
        try:
            with os.fdopen(fd, "wb") as out, gzip.open(path, "rb") as src:
                shutil.copyfileobj(src, out, _CHUNK)
                out.flush()
                os.fsync(out.fileno())
        except (OSError, EOFError, zlib.error) as exc:
            raise BackupError(f"backup {path.name} does not decompress: {exc}") from None
        try:
            with closing(sqlite3.connect(tmp)) as conn:
                check = conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"backup {path.name} is not a valid SQLite database: {exc}") from None
        if check != "ok":
            raise BackupError(f"backup {path.name} fails SQLite's integrity check: {check}")
        # A stale -wal/-shm beside the new file would be replayed into it: remove them first.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target_path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, target_path)  # atomic: readers see the old or the new database, never half
    finally:
        tmp.unlink(missing_ok=True)


def restore_backup(
    artifact_path: Path, manifest: BackupManifest, target_url: str, password: str | None, *,
    force: bool = False, timeout_s: float = DEFAULT_TOOL_TIMEOUT_S,
) -> None:
    """Restore a dump into ``target_url`` after checking its SHA-256 against the manifest.

    PostgreSQL: ``pg_restore --no-owner --clean --if-exists --single-transaction`` (password
    through ``PGPASSWORD``). SQLite: gunzip into a temporary file next to the target, integrity
    check, atomic rename. A target that already holds tables (PostgreSQL) or data (SQLite) is
    refused unless ``force``: a restore replaces what is there, so it must be asked for. Stop the
    writers of a target before forcing a restore into it.
    """
    artifact_path = Path(artifact_path)
    target = _parse_url(target_url, password)
    if target.engine != manifest.engine:
        raise BackupError(f"backup {manifest.name} is a {manifest.engine} dump; it cannot be restored into "
                          f"a {target.engine} database")
    _check_sha(artifact_path, manifest)
    if target.engine == "postgresql":
        _restore_postgresql(artifact_path, target, force, timeout_s)
    else:
        _restore_sqlite(artifact_path, target.sqlite_path, force)


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


def verify_backup(
    artifact_path: Path, manifest: BackupManifest, server_url: str | None = None, password: str | None = None, *,
    timeout_s: float = DEFAULT_TOOL_TIMEOUT_S,
) -> VerificationResult:
    """Restore into a scratch database and compare every table with the manifest's source stats.

    ``server_url``: for PostgreSQL, a database on the server where the scratch database is
    created (normally the source warehouse's URL; the user needs CREATEDB). Unused for SQLite
    (the scratch copy is a temporary file). Never raises for a bad backup: a corrupt file, a
    failed restore or a table that differs give ``passed=False`` with a one-line reason.
    """
    started = time.monotonic()
    artifact_path = Path(artifact_path)

    def failed(reason: str, cleanup_error: str | None = None) -> VerificationResult:
        return VerificationResult(False, reason, [], time.monotonic() - started, cleanup_error)

    try:
        _check_sha(artifact_path, manifest)
    except (BackupCorruptError, OSError) as exc:
        return failed(str(exc))
    cleanup_error: str | None = None
    try:
        if manifest.engine == "postgresql":
            if not server_url:
                raise BackupError("verifying a PostgreSQL backup needs the URL of a server to restore it on")
            server = _parse_url(server_url, password)
            if server.engine != "postgresql":
                raise BackupError(f"cannot verify a PostgreSQL backup on a {server.engine} database")
            actual, cleanup_error = _verify_postgresql(artifact_path, manifest, server, timeout_s)
        else:
            with tempfile.TemporaryDirectory(prefix="wfb-verify-") as tmp:
                scratch = Path(tmp) / "scratch.sqlite"
                _restore_sqlite(artifact_path, scratch, force=False)
                with closing(sqlite3.connect(scratch)) as conn:
                    actual = _sqlite_table_stats(conn)
    except BackupError as exc:
        return failed(f"restore failed: {exc}")
    comparisons = compare_stats(manifest.table_stats, actual)
    passed, reason = _summarise(comparisons)
    return VerificationResult(passed, reason, comparisons, time.monotonic() - started, cleanup_error)


def restore_from_s3(
    s3_client: Any, bucket: str, key: str, target_url: str, password: str | None, force: bool = False, *,
    workdir: Path | None = None, timeout_s: float = DEFAULT_TOOL_TIMEOUT_S,
) -> VerificationResult:
    """The restore command: download ``key``, check its SHA-256, restore, compare with the manifest.

    Raises :class:`BackupCorruptError` for a corrupt download, :class:`BackupError` for a refused
    or failed restore and :class:`BackupVerificationError` when the restored tables differ from
    the manifest (tables in the target that are not in the backup are ignored: ``force`` only
    replaces the backup's own objects).
    """
    manifest = fetch_manifest(s3_client, bucket, key)
    with tempfile.TemporaryDirectory(dir=workdir, prefix="wfb-restore-") as tmp:
        path = download_backup(s3_client, bucket, key, Path(tmp))
        started = time.monotonic()
        restore_backup(path, manifest, target_url, password, force=force, timeout_s=timeout_s)
    comparisons = compare_stats(manifest.table_stats, table_stats(target_url, password), allow_extra_tables=True)
    passed, reason = _summarise(comparisons)
    result = VerificationResult(passed, reason, comparisons, time.monotonic() - started)
    if not passed:
        raise BackupVerificationError(f"restored {manifest.name} but it does not match its manifest: {reason}")
    return result


# --------------------------------------------------------------------------------------------
# Retention
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredBackup:
    """One backup in storage: its dump and manifest keys (or paths), grouped by name."""

    name: str
    engine: str
    created_at: datetime
    keys: tuple[str, ...]
    size_bytes: int
    complete: bool  # dump and manifest both present


@dataclass(frozen=True)
class RetentionResult:
    kept: list[str]  # backup names
    deleted: list[str]  # backup names
    deleted_keys: list[str]  # every object/file removed (dumps and manifests)
    bytes_freed: int
    dry_run: bool

    def as_metadata(self) -> dict[str, Any]:
        return {
            "retention_dry_run": self.dry_run,
            "backups_kept": len(self.kept),
            "backups_deleted": len(self.deleted),
            "retention_bytes_freed": self.bytes_freed,
        }


def _group_backups(entries: Iterable[tuple[str, str, int]]) -> list[StoredBackup]:
    """Group (file name, key, size) entries into backups; names that are not ours are ignored."""
    groups: dict[str, dict[str, Any]] = {}
    for filename, key, size in entries:
        is_manifest = filename.endswith(MANIFEST_SUFFIX)
        base = filename[: -len(MANIFEST_SUFFIX)] if is_manifest else filename
        if parse_backup_name(base) is None:
            continue
        group = groups.setdefault(base, {"keys": [], "size": 0, "dump": False, "manifest": False})
        group["keys"].append(key)
        group["size"] += size
        group["manifest" if is_manifest else "dump"] = True
    backups = []
    for name, group in groups.items():
        engine, created_at = parse_backup_name(name)  # type: ignore[misc]
        backups.append(StoredBackup(name, engine, created_at, tuple(sorted(group["keys"])), group["size"],
                                    group["dump"] and group["manifest"]))
    return sorted(backups, key=lambda b: (b.engine, b.created_at), reverse=True)


def select_retention(
    backups: Sequence[StoredBackup], now: datetime, keep_days: int, keep_count: int
) -> tuple[list[StoredBackup], list[StoredBackup]]:
    """Split backups into (kept, to delete).

    Rule, per engine: a backup is kept if it is among the ``keep_count`` newest COMPLETE backups
    OR younger than ``keep_days``; everything else is deleted. So the newest N restorable backups
    survive even when they are all old (a backup job that stopped working never eats the last
    good ones), and incomplete uploads only survive while they are young.
    """
    if keep_count < 1:
        raise ValueError("keep_count must be at least 1: retention never deletes the last backup")
    if keep_days < 0:
        raise ValueError("keep_days must be >= 0")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cutoff = now - timedelta(days=keep_days)
    newest: set[str] = set()
    for engine in {b.engine for b in backups}:
        complete = sorted((b for b in backups if b.engine == engine and b.complete),
                          key=lambda b: b.created_at, reverse=True)
        newest.update(b.name for b in complete[:keep_count])
    kept = [b for b in backups if b.name in newest or b.created_at > cutoff]
    deleted = [b for b in backups if not (b.name in newest or b.created_at > cutoff)]
    return kept, deleted


def apply_retention(
    s3_client: Any, bucket: str, prefix: str, now: datetime, keep_days: int, keep_count: int, dry_run: bool
) -> RetentionResult:
    """Apply :func:`select_retention` to the backups directly under ``prefix``; dump and manifest go together."""
    from botocore.exceptions import BotoCoreError, ClientError

    list_prefix = _s3_key(prefix, "")
    entries: list[tuple[str, str, int]] = []
    try:
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=list_prefix):
            for obj in page.get("Contents", []):
                rest = obj["Key"][len(list_prefix):]
                if "/" not in rest:  # only this level: never touch keys in sub-prefixes
                    entries.append((rest, obj["Key"], int(obj["Size"])))
    except (BotoCoreError, ClientError) as exc:
        raise _s3_error("listing", bucket, list_prefix, exc) from None
    kept, deleted = select_retention(_group_backups(entries), now, keep_days, keep_count)
    keys = [k for b in deleted for k in b.keys]
    if not dry_run:
        for start in range(0, len(keys), 1000):  # delete_objects takes at most 1000 keys
            chunk = keys[start:start + 1000]
            try:
                response = s3_client.delete_objects(
                    Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
            except (BotoCoreError, ClientError) as exc:
                raise _s3_error("delete", bucket, chunk[0], exc) from None
            if errors := response.get("Errors"):
                raise BackupError(f"S3 refused to delete {len(errors)} backup object(s) in {bucket}, first "
                                  f"{errors[0].get('Key')}: {errors[0].get('Code')} {errors[0].get('Message')}")
    return RetentionResult([b.name for b in kept], [b.name for b in deleted], keys,
                           sum(b.size_bytes for b in deleted), dry_run)


def apply_local_retention(
    backup_dir: Path, now: datetime, keep_days: int, keep_count: int, dry_run: bool
) -> RetentionResult:
    """:func:`apply_retention` for a local backup directory (embedded mode without S3)."""
    backup_dir = Path(backup_dir)
    entries = [(p.name, str(p), p.stat().st_size) for p in backup_dir.iterdir() if p.is_file()] \
        if backup_dir.is_dir() else []
    kept, deleted = select_retention(_group_backups(entries), now, keep_days, keep_count)
    keys = [k for b in deleted for k in b.keys]
    if not dry_run:
        for key in keys:
            Path(key).unlink(missing_ok=True)
    return RetentionResult([b.name for b in kept], [b.name for b in deleted], keys,
                           sum(b.size_bytes for b in deleted), dry_run)


# --------------------------------------------------------------------------------------------
# The whole backup, as the scheduled op runs it
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupReport:
    artifact: BackupArtifact
    location: str  # s3://bucket/key or the local path
    verification: VerificationResult
    retention: RetentionResult

    def as_metadata(self) -> dict[str, Any]:
        return {
            "backup": self.artifact.name,
            "location": self.location,
            "engine": self.artifact.engine,
            "size_bytes": self.artifact.size,
            "sha256": self.artifact.sha256,
            "tables": len(self.artifact.table_stats),
            "rows": sum(s.row_count for s in self.artifact.table_stats.values()),
            **self.verification.as_metadata(),
            **self.retention.as_metadata(),
        }


def run_backup(
    url: str, password: str | None, *, workdir: Path, now: datetime, keep_days: int, keep_count: int,
    s3_client: Any = None, bucket: str | None = None, prefix: str = "backups", local_dir: Path | None = None,
    timeout_s: float = DEFAULT_TOOL_TIMEOUT_S,
) -> BackupReport:
    """Create, verify, store (S3 if ``bucket``, else ``local_dir``), then apply retention.

    Order matters: only a backup that passed verification is stored, and retention runs only
    after it is stored, so a failing backup never causes older good ones to be deleted. A failed
    verification raises :class:`BackupVerificationError` (the run fails).
    """
    if not bucket and local_dir is None:
        raise ValueError("run_backup needs an S3 bucket or a local backup directory")
    artifact = create_backup(url, password, workdir, now, timeout_s=timeout_s)
    stored_locally = False
    try:
        verification = verify_backup(artifact.path, artifact.manifest, url, password, timeout_s=timeout_s)
        if not verification.passed:
            raise BackupVerificationError(f"backup {artifact.name} failed verification: {verification.reason}")
        if bucket:
            key = upload_backup(s3_client, bucket, prefix, artifact)
            location = f"s3://{bucket}/{key}"
            retention = apply_retention(s3_client, bucket, prefix, now, keep_days, keep_count, dry_run=False)
        else:
            assert local_dir is not None
            artifact = BackupArtifact(store_backup_locally(artifact, local_dir), artifact.manifest)
            location = str(artifact.path)
            stored_locally = True
            retention = apply_local_retention(local_dir, now, keep_days, keep_count, dry_run=False)
    finally:
        if not stored_locally:
            # Uploaded: the S3 copy is the backup of record. Failed: an unverified dump is no backup.
            artifact.path.unlink(missing_ok=True)
    return BackupReport(artifact, location, verification, retention)

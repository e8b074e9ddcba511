"""Create a backup, restore one, read a live database's table stats: the engine-neutral entry points.

Each parses the URL (:mod:`.target`) and hands the work to :mod:`.postgres` or :mod:`.sqlite`.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from weather_flick_batch.maintenance.backup.manifest import (
    BackupArtifact,
    BackupError,
    BackupManifest,
    TableStat,
    _check_sha,
    backup_name,
    sha256_file,
)
from weather_flick_batch.maintenance.backup.postgres import (
    DEFAULT_TOOL_TIMEOUT_S,
    _dump_postgresql,
    _pg_stats_in_snapshot,
    _restore_postgresql,
)
from weather_flick_batch.maintenance.backup.sqlite import _dump_sqlite, _restore_sqlite, _sqlite_table_stats
from weather_flick_batch.maintenance.backup.target import _parse_url


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

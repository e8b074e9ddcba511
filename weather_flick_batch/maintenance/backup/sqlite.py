"""SQLite (embedded mode): a gzip'd online-backup copy, its restore with an integrity check, per-table stats."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import tempfile
import zlib
from contextlib import closing
from pathlib import Path
from typing import Any

from weather_flick_batch.maintenance.backup.manifest import _CHUNK, _ROW_FETCH, BackupError, TableStat, _ContentHash
from weather_flick_batch.maintenance.backup.target import _Target


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

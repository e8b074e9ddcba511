"""Verification: restore a backup and compare every table with its manifest.

:func:`verify_backup` restores into a scratch database (PostgreSQL: a throw-away database, always
dropped; SQLite: a temporary file) and never raises for a bad backup; :func:`restore_from_s3`, the
restore command, restores for real and raises when the result differs from the manifest.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weather_flick_batch.maintenance.backup.engines import restore_backup, table_stats
from weather_flick_batch.maintenance.backup.manifest import (
    BackupCorruptError,
    BackupError,
    BackupManifest,
    BackupVerificationError,
    TableStat,
    _check_sha,
)
from weather_flick_batch.maintenance.backup.postgres import DEFAULT_TOOL_TIMEOUT_S, _verify_postgresql
from weather_flick_batch.maintenance.backup.sqlite import _restore_sqlite, _sqlite_table_stats
from weather_flick_batch.maintenance.backup.storage import download_backup, fetch_manifest
from weather_flick_batch.maintenance.backup.target import _parse_url


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

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

Modules (import the names from this package):

- :mod:`.manifest`: names, the manifest, errors, checksums; :mod:`.target`: URLs with the
  password held apart;
- :mod:`.postgres` and :mod:`.sqlite`: dump, restore and table stats per engine;
  :mod:`.engines`: :func:`create_backup`, :func:`restore_backup`, :func:`table_stats` over both;
- :mod:`.storage`: S3 upload/download and the local backup directory;
- :mod:`.verify`: :func:`verify_backup` and :func:`restore_from_s3`;
- :mod:`.retention`: which stored backups to keep;
- here: :func:`run_backup`, the whole backup as the scheduled op runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from weather_flick_batch.maintenance.backup.engines import create_backup, restore_backup, table_stats
from weather_flick_batch.maintenance.backup.manifest import (
    FORMAT_VERSION,
    KINDS,
    MANIFEST_SUFFIX,
    BackupArtifact,
    BackupCorruptError,
    BackupError,
    BackupManifest,
    BackupVerificationError,
    TableStat,
    backup_name,
    parse_backup_name,
    sha256_file,
)
from weather_flick_batch.maintenance.backup.postgres import DEFAULT_TOOL_TIMEOUT_S
from weather_flick_batch.maintenance.backup.retention import (
    RetentionResult,
    StoredBackup,
    apply_local_retention,
    apply_retention,
    select_retention,
)
from weather_flick_batch.maintenance.backup.storage import (
    download_backup,
    fetch_manifest,
    manifest_key,
    read_manifest_file,
    store_backup_locally,
    upload_backup,
)
from weather_flick_batch.maintenance.backup.verify import (
    TableComparison,
    VerificationResult,
    compare_stats,
    restore_from_s3,
    verify_backup,
)

# Internals that weather_flick_batch.cutover.snapshot reuses (bk._pg_connect, bk._run_tool, ...), re-exported
# explicitly. To intercept the client tools, patch ``postgres._run_tool``: the dump, restore and verify code
# calls it there, not through this package.
from weather_flick_batch.maintenance.backup.postgres import (
    _libpq_args as _libpq_args,
    _libpq_env as _libpq_env,
    _pg_connect as _pg_connect,
    _pg_table_stats as _pg_table_stats,
    _run_tool as _run_tool,
)
from weather_flick_batch.maintenance.backup.target import _parse_url as _parse_url

__all__ = [
    "DEFAULT_TOOL_TIMEOUT_S",
    "FORMAT_VERSION",
    "KINDS",
    "MANIFEST_SUFFIX",
    "BackupArtifact",
    "BackupCorruptError",
    "BackupError",
    "BackupManifest",
    "BackupReport",
    "BackupVerificationError",
    "RetentionResult",
    "StoredBackup",
    "TableComparison",
    "TableStat",
    "VerificationResult",
    "apply_local_retention",
    "apply_retention",
    "backup_name",
    "compare_stats",
    "create_backup",
    "download_backup",
    "fetch_manifest",
    "manifest_key",
    "parse_backup_name",
    "read_manifest_file",
    "restore_backup",
    "restore_from_s3",
    "run_backup",
    "select_retention",
    "sha256_file",
    "store_backup_locally",
    "table_stats",
    "upload_backup",
    "verify_backup",
]


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

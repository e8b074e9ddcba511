"""Maintenance as Dagster ops: the steps of the backup and cleanup jobs.

- ``warehouse_backup_job`` (:mod:`.jobs`): create a consistent dump -> verify it by restoring it
  into a scratch database (a mismatch fails the run) -> store it (S3 through dagster-aws when a
  bucket is set, else ``<WEATHER_FLICK_HOME>/backups``) -> retention by age and by count.
- ``cleanup_job`` (:mod:`.jobs`): platform logs, Dagster compute logs, run history and raw API
  archives, each planned first; with ``dry_run: true`` the plan is reported and nothing changes,
  otherwise exactly the plan is applied. Every op reports counts and bytes as metadata.

The jobs and their schedules are in :mod:`.jobs`, ``failed_partition_retry_sensor`` in
:mod:`.sensors`, the settings check and backup locations in :mod:`.config`. The work itself lives in
the Dagster-free modules :mod:`.backup` and :mod:`.cleanup`, imported inside the ops so loading the
code location stays fast. Both jobs run in one process: the dump is a local file handed from step to
step, and the steps are sequential anyway.

No ``from __future__ import annotations`` here: Dagster reads the ops' annotations (context,
Config, resources) at decoration time and needs them as real classes.
"""

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.maintenance.config import (
    BACKUP_PREFIX,
    INSTANCE_BACKUP_PREFIX,
    LOG_DIR_NAME,
    RAW_PREFIX,
    _discard_workdir,
    _setting,
    _workdir,
    backup_dir,
    validate_settings,
)
from weather_flick_batch.resources.s3 import S3StorageResource
from weather_flick_batch.resources.warehouse import WarehouseResource

METADATA_LIST_LIMIT = 200  # paths listed in metadata per op; counts and bytes always cover everything


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _failure(exc: BaseException, what: str, metadata: dict[str, Any] | None = None) -> dg.Failure:
    """One human line for the UI; retrying a refused backup or cleanup would only fail again."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return dg.Failure(description=f"{what}: {first}", metadata=metadata or {}, allow_retries=False)


def _listing(items: Sequence[str]) -> dg.MetadataValue:
    """The paths or keys an op touched (or would touch), capped so metadata stays small."""
    shown = list(items[:METADATA_LIST_LIMIT])
    if len(items) > METADATA_LIST_LIMIT:
        shown.append(f"... and {len(items) - METADATA_LIST_LIMIT} more")
    return dg.MetadataValue.json(shown)


# =============================================================================================
# Warehouse backup
# =============================================================================================


#: The verified warehouse backups, as an asset: what the backup freshness check and the watchdog read.
#: Materialized by warehouse_backup_job's store step, once the dump has restored and verified.
BACKUP_KEY = dg.AssetKey(["maintenance", "warehouse_backup"])
BACKUP_SPEC = dg.AssetSpec(
    BACKUP_KEY, group_name="maintenance", kinds={"s3", "sql"},
    description="The newest verified warehouse backup (dump + manifest of row counts and checksums), stored in S3 "
                "or WEATHER_FLICK_HOME/backups by warehouse_backup_job daily at 02:00 KST. Materialized only once "
                "the dump has been restored into a scratch database and matched its manifest.",
)


INSTANCE_BACKUP_KEY = dg.AssetKey(["maintenance", "instance_backup"])
INSTANCE_BACKUP_SPEC = dg.AssetSpec(
    INSTANCE_BACKUP_KEY, group_name="maintenance", kinds={"s3", "postgres"},
    description="The newest verified backup of the Dagster instance's PostgreSQL database (run history, "
                "event logs, schedule and sensor state, asset check history), stored in S3 under "
                "instance-backups/ (or WEATHER_FLICK_HOME/instance-backups) by warehouse_backup_job. Restore: "
                "`weather-flick-batch backup restore --key instance-backups/<name> --target-url <empty db>`.",
)


@dg.op(
    description="Dump the warehouse consistently (pg_dump with an exported snapshot, or SQLite's online "
                "backup), with a manifest of per-table row counts and content checksums and the dump's SHA-256.",
    tags={"weather_flick/step": "backup"},
)
def create_warehouse_backup(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> Any:
    from weather_flick_batch.maintenance import backup as bk

    # Debris of a crashed earlier run (its process died mid-dump) would otherwise stay forever.
    stale = backup_dir() / ".work"
    if stale.is_dir():
        for leftover in stale.iterdir():
            if leftover.name != context.run_id and time.time() - leftover.stat().st_mtime > 86_400:
                shutil.rmtree(leftover, ignore_errors=True)
    try:
        # The password comes from the resource (an EnvVar) and reaches pg_dump only as PGPASSWORD.
        artifact = bk.create_backup(warehouse.url, warehouse.password, _workdir(context.run_id), _utcnow())
    except bk.BackupError as exc:
        _discard_workdir(None, context.run_id)
        raise _failure(exc, "warehouse backup failed") from None
    context.add_output_metadata({
        "backup": artifact.name,
        "engine": artifact.engine,
        "source": artifact.manifest.source,  # the URL with the password hidden
        "size_bytes": artifact.size,
        "sha256": artifact.sha256,
        "tables": len(artifact.table_stats),
        "rows": sum(s.row_count for s in artifact.table_stats.values()),
    })
    return artifact


@dg.op(
    description="Restore the dump into a scratch database (dropped afterwards) and compare every table's row "
                "count and content checksum with the manifest; any difference fails the run.",
    tags={"weather_flick/step": "backup"},
)
def verify_warehouse_backup(context: dg.OpExecutionContext, warehouse: WarehouseResource, artifact: Any) -> Any:
    from weather_flick_batch.maintenance import backup as bk

    result = bk.verify_backup(artifact.path, artifact.manifest, warehouse.url, warehouse.password)
    metadata: dict[str, Any] = {"backup": artifact.name, **result.as_metadata()}
    if result.mismatches:
        metadata["mismatches"] = _listing([c.describe() for c in result.mismatches])
    if result.cleanup_error:
        # Not a fault of the backup, but a scratch database left behind needs a human.
        context.log.warning(result.cleanup_error)
        metadata["cleanup_error"] = result.cleanup_error
    if not result.passed:
        _discard_workdir(artifact, context.run_id)  # never store a backup that does not restore
        raise dg.Failure(description=f"backup {artifact.name} failed verification: {result.reason}",
                         metadata=metadata, allow_retries=False)
    context.add_output_metadata(metadata)
    return artifact


@dataclass(frozen=True)
class StoredBackup:
    """Where a verified backup now lives."""

    name: str
    location: str  # s3://bucket/key or a local path
    in_s3: bool


@dg.op(
    description="Upload the verified dump and its manifest to S3 (through dagster-aws) when a bucket is "
                "configured; otherwise keep it in WEATHER_FLICK_HOME/backups.",
    tags={"weather_flick/step": "backup"},
)
def store_warehouse_backup(context: dg.OpExecutionContext, s3: S3StorageResource, artifact: Any) -> StoredBackup:
    from weather_flick_batch.maintenance import backup as bk

    try:
        if s3.enabled:
            try:
                key = bk.upload_backup(s3.get_client(), s3.bucket, BACKUP_PREFIX, artifact)
            finally:
                # Uploaded: the S3 copy is the backup of record. Failed: the next run makes a new one.
                _discard_workdir(artifact, context.run_id)
            stored = StoredBackup(artifact.name, f"s3://{s3.bucket}/{key}", True)
        else:
            path = bk.store_backup_locally(artifact, backup_dir())
            _discard_workdir(None, context.run_id)
            stored = StoredBackup(artifact.name, str(path), False)
    except bk.BackupError as exc:
        raise _failure(exc, "storing the warehouse backup failed") from None
    metadata = {
        "backup": stored.name,
        "location": dg.MetadataValue.url(stored.location) if stored.in_s3 else dg.MetadataValue.path(stored.location),
        "storage": "s3" if stored.in_s3 else "local",
        "size_bytes": artifact.size,
        "sha256": artifact.sha256,
    }
    context.add_output_metadata(metadata)
    context.log_event(dg.AssetMaterialization(asset_key=BACKUP_KEY, metadata={
        **metadata, "tables": len(artifact.table_stats), "rows": sum(s.row_count for s in artifact.table_stats.values())}))
    return stored


@dg.op(
    description="Delete backups that are both older than WEATHER_FLICK_BACKUP_KEEP_DAYS and not among the "
                "newest WEATHER_FLICK_BACKUP_KEEP_COUNT complete ones (dump and manifest go together).",
    tags={"weather_flick/step": "backup"},
)
def apply_backup_retention(context: dg.OpExecutionContext, s3: S3StorageResource, stored: StoredBackup) -> None:
    from weather_flick_batch.maintenance import backup as bk

    keep_days = _setting("WEATHER_FLICK_BACKUP_KEEP_DAYS")
    keep_count = _setting("WEATHER_FLICK_BACKUP_KEEP_COUNT")
    now = _utcnow()

    def retention(dry_run: bool) -> Any:
        if stored.in_s3:
            return bk.apply_retention(s3.get_client(), s3.bucket, BACKUP_PREFIX, now, keep_days, keep_count,
                                      dry_run=dry_run)
        return bk.apply_local_retention(backup_dir(), now, keep_days, keep_count, dry_run=dry_run)

    try:
        # Runs only after the new backup is stored, so a failing backup never costs an older good one.
        # The plan is checked first: should a backup carry a later time than this one (a clock that
        # went back), retention stops rather than delete the backup it has just made.
        if stored.name not in retention(dry_run=True).kept:
            raise dg.Failure(description=f"retention would delete the new backup {stored.name}: another backup "
                                         "has a later timestamp (check the clock); nothing was deleted",
                             allow_retries=False)
        result = retention(dry_run=False)
    except bk.BackupError as exc:
        raise _failure(exc, "backup retention failed") from None
    context.add_output_metadata({
        **result.as_metadata(),
        "keep_days": keep_days,
        "keep_count": keep_count,
        "deleted": _listing(result.deleted),
        "kept": _listing(result.kept),
    })


def instance_database(instance: dg.DagsterInstance) -> tuple[str, str | None] | None:
    """The instance's PostgreSQL database as (URL without the password, password); None for other storage."""
    from sqlalchemy.engine import make_url

    url = getattr(instance.run_storage, "postgres_url", None)  # dagster-postgres's run storage
    if not url:
        return None
    parsed = make_url(url)
    return parsed.set(password=None).render_as_string(hide_password=False), parsed.password


@dg.op(
    description="Back up the Dagster instance's PostgreSQL database (run history, schedule and sensor state) like "
                "the warehouse: consistent dump, restored into a scratch database and compared with its manifest, "
                "stored in S3 under instance-backups/ (or locally), retention by the same settings. Skipped, with "
                "a note, on an instance without PostgreSQL storage (embedded: back up DAGSTER_HOME instead).",
    tags={"weather_flick/step": "backup"},
)
def back_up_instance_database(context: dg.OpExecutionContext, s3: S3StorageResource) -> None:
    from weather_flick_batch.maintenance import backup as bk

    database = instance_database(context.instance)
    if database is None:
        context.log.info("the Dagster instance does not store its runs in PostgreSQL (embedded SQLite under "
                         "DAGSTER_HOME): no instance database to back up; copy DAGSTER_HOME instead")
        return
    url, password = database
    now, work = _utcnow(), settings.home_dir() / INSTANCE_BACKUP_PREFIX / ".work" / context.run_id
    local_dir = settings.home_dir() / INSTANCE_BACKUP_PREFIX
    try:
        try:
            artifact = bk.create_backup(url, password, work, now, kind="instance")
            result = bk.verify_backup(artifact.path, artifact.manifest, url, password)
            if not result.passed:
                raise dg.Failure(description=f"instance backup {artifact.name} failed verification: {result.reason}",
                                 metadata=result.as_metadata(), allow_retries=False)
            if s3.enabled:
                key = bk.upload_backup(s3.get_client(), s3.bucket, INSTANCE_BACKUP_PREFIX, artifact)
                location = f"s3://{s3.bucket}/{key}"
            else:
                location = str(bk.store_backup_locally(artifact, local_dir))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        keep_days = _setting("WEATHER_FLICK_BACKUP_KEEP_DAYS")
        keep_count = _setting("WEATHER_FLICK_BACKUP_KEEP_COUNT")
        retention = (bk.apply_retention(s3.get_client(), s3.bucket, INSTANCE_BACKUP_PREFIX, now, keep_days,
                                        keep_count, dry_run=False) if s3.enabled
                     else bk.apply_local_retention(local_dir, now, keep_days, keep_count, dry_run=False))
    except bk.BackupError as exc:
        raise _failure(exc, "instance database backup failed") from None
    context.log_event(dg.AssetMaterialization(asset_key=INSTANCE_BACKUP_KEY, metadata={
        "backup": artifact.name, "location": location, "size_bytes": artifact.size, "sha256": artifact.sha256,
        "tables": len(artifact.table_stats), "rows": sum(t.row_count for t in artifact.table_stats.values()),
        **result.as_metadata(), **retention.as_metadata()}))


# =============================================================================================
# Cleanup
# =============================================================================================


class CleanupConfig(dg.Config):
    """``dry_run: true`` reports what would be compressed, deleted or purged, and changes nothing."""

    dry_run: bool = False


@dataclass(frozen=True)
class CleanupOutcome:
    """What one cleanup area did (or would do, in a dry run)."""

    area: str
    dry_run: bool
    items: int  # files/objects/runs removed or compressed (would be, in a dry run)
    bytes: int  # bytes freed (would be freed, in a dry run)
    skipped: int = 0
    listed: tuple[str, ...] = field(default=())


def _file_cleanup(context: dg.OpExecutionContext, area: str, plan: Any, dry_run: bool) -> CleanupOutcome:
    """Report a file plan (dry run) or apply exactly it; metadata either way."""
    from weather_flick_batch.maintenance import cleanup as cl

    planned = [str(a.path) for a in plan.actions]
    if dry_run:
        # Compressing frees the difference between a log and its gzip, unknown until done: count the
        # planned deletions as bytes to free and report the bytes to compress separately.
        metadata = {**plan.as_metadata(), "directory": str(plan.root), "would_change": _listing(planned)}
        if plan.skipped:
            metadata["left_alone"] = _listing([f"{p}: {why}" for p, why in plan.skipped])
        context.add_output_metadata(metadata)
        return CleanupOutcome(area, True, len(plan.actions), plan.bytes("delete"), len(plan.skipped),
                              tuple(planned))
    result = cl.apply(plan)
    metadata = {
        **result.as_metadata(),
        "directory": str(plan.root),
        "compressed": _listing([str(p) for p in result.compressed]),
        "deleted": _listing([str(p) for p in result.deleted]),
    }
    if result.skipped:
        metadata["skipped"] = _listing([f"{p}: {why}" for p, why in result.skipped])
        context.log.info(f"{area}: {len(result.skipped)} planned file(s) changed or vanished and were left alone")
    context.add_output_metadata(metadata)
    done = [str(p) for p in result.compressed + result.deleted]
    return CleanupOutcome(area, False, len(done), result.bytes_freed, len(result.skipped), tuple(done))


@dg.op(
    description="Gzip platform log files older than WEATHER_FLICK_LOG_COMPRESS_AFTER_DAYS and delete logs older "
                "than WEATHER_FLICK_LOG_DELETE_AFTER_DAYS (WEATHER_FLICK_HOME/logs).",
    tags={"weather_flick/step": "cleanup"},
)
def cleanup_platform_logs(context: dg.OpExecutionContext, config: CleanupConfig) -> CleanupOutcome:
    from weather_flick_batch.maintenance import cleanup as cl

    validate_settings()
    plan = cl.plan_log_cleanup(
        settings.home_dir() / LOG_DIR_NAME, _utcnow(),
        compress_after_days=_setting("WEATHER_FLICK_LOG_COMPRESS_AFTER_DAYS"),
        delete_after_days=_setting("WEATHER_FLICK_LOG_DELETE_AFTER_DAYS"),
    )
    return _file_cleanup(context, "platform logs", plan, config.dry_run)


def compute_log_dir(instance: dg.DagsterInstance) -> Path | None:
    """Where the instance's compute logs are on local disk; None when they are not (S3, noop...)."""
    from dagster._core.storage.local_compute_log_manager import LocalComputeLogManager

    manager = instance.compute_log_manager
    if not isinstance(manager, LocalComputeLogManager):
        return None
    configured = manager.inst_data.config_dict.get("base_dir") if manager.inst_data else None
    if isinstance(configured, str) and configured:
        return Path(configured)
    from weather_flick_batch.maintenance import cleanup as cl

    return cl.default_compute_log_dir(Path(instance.root_directory))


@dg.op(
    description="Delete Dagster's local compute logs (captured stdout/stderr of steps) older than "
                "WEATHER_FLICK_COMPUTE_LOG_RETENTION_DAYS; nothing else in the storage directory is touched.",
    tags={"weather_flick/step": "cleanup"},
)
def cleanup_compute_logs(context: dg.OpExecutionContext, config: CleanupConfig) -> CleanupOutcome:
    from weather_flick_batch.maintenance import cleanup as cl

    storage = compute_log_dir(context.instance)
    if storage is None:
        kind = type(context.instance.compute_log_manager).__name__
        context.add_output_metadata({"dry_run": config.dry_run, "skipped": f"compute logs are not local ({kind})"})
        return CleanupOutcome("compute logs", config.dry_run, 0, 0)
    plan = cl.plan_compute_log_cleanup(storage, _utcnow(), _setting("WEATHER_FLICK_COMPUTE_LOG_RETENTION_DAYS"))
    return _file_cleanup(context, "compute logs", plan, config.dry_run)


@dg.op(
    description="Delete finished Dagster runs (with their event logs) created more than "
                "WEATHER_FLICK_RUN_RETENTION_DAYS ago; queued and running runs are never touched.",
    tags={"weather_flick/step": "cleanup"},
)
def purge_old_runs(context: dg.OpExecutionContext, config: CleanupConfig) -> CleanupOutcome:
    from weather_flick_batch.maintenance import cleanup as cl

    days = _setting("WEATHER_FLICK_RUN_RETENTION_DAYS")
    cutoff = _utcnow() - timedelta(days=days)
    planned = cl.plan_run_purge(context.instance, cutoff)
    if config.dry_run:
        context.add_output_metadata({"dry_run": True, "runs_to_purge": len(planned), "created_before":
                                     cutoff.isoformat(), "run_ids": _listing(planned)})
        return CleanupOutcome("run history", True, len(planned), 0, 0, tuple(planned))
    purged = cl.purge_runs(context.instance, planned)
    # Rows freed in the run and event-log storage; their byte size is the database's business.
    context.add_output_metadata({"dry_run": False, "runs_purged": purged, "runs_skipped": len(planned) - purged,
                                 "created_before": cutoff.isoformat(), "run_ids": _listing(planned)})
    return CleanupOutcome("run history", False, purged, 0, len(planned) - purged, tuple(planned))


@dg.op(
    description="Expire raw API payload archives older than WEATHER_FLICK_RAW_RETENTION_DAYS, in "
                "WEATHER_FLICK_HOME/raw and, when a bucket is configured, under the S3 prefix raw/.",
    tags={"weather_flick/step": "cleanup"},
)
def expire_raw_archives(context: dg.OpExecutionContext, config: CleanupConfig, s3: S3StorageResource) -> CleanupOutcome:
    from weather_flick_batch.core.apiclient import LocalRawArchive, S3RawArchive
    from weather_flick_batch.maintenance import cleanup as cl

    days = _setting("WEATHER_FLICK_RAW_RETENTION_DAYS")
    cutoff = _utcnow() - timedelta(days=days)
    # The local directory is always looked at: archives written before S3 was configured age too.
    archives: list[tuple[str, Any]] = [("local", LocalRawArchive(settings.home_dir() / RAW_PREFIX))]
    if s3.enabled:
        archives.append(("s3", S3RawArchive(s3.get_client(), s3.bucket, prefix=RAW_PREFIX)))
    metadata: dict[str, Any] = {"dry_run": config.dry_run, "older_than": cutoff.isoformat()}
    listed: list[str] = []
    total_items = total_bytes = 0
    for where, archive in archives:
        try:
            plan = cl.plan_archive_expiry(archive, cutoff)
            if config.dry_run:
                entries, freed = plan.entries, sum(size for _, size in plan.entries)
            else:
                result = cl.expire_archive(archive, plan)
                entries, freed = result.expired, result.bytes_freed
                if result.unplanned:  # the archive chose differently from its own dry run: say so
                    context.log.warning(f"{where} raw archive expired {len(result.unplanned)} file(s) not in the plan")
        except Exception as exc:  # noqa: BLE001 - S3 and filesystem errors become one line
            raise _failure(exc, f"expiring the {where} raw archive failed") from None
        metadata[f"{where}_archives"] = len(entries)
        metadata[f"{where}_bytes"] = freed
        listed.extend(loc for loc, _ in entries)
        total_items += len(entries)
        total_bytes += freed
    key = "archives_to_expire" if config.dry_run else "archives_expired"
    metadata.update({key: total_items, "bytes_to_free" if config.dry_run else "bytes_freed": total_bytes,
                     "locations": _listing(listed)})
    context.add_output_metadata(metadata)
    return CleanupOutcome("raw archives", config.dry_run, total_items, total_bytes, 0, tuple(listed))


@dg.op(
    description="Delete warehouse rows nothing reads any more, in bounded batches: KMA partitions older than "
                "WEATHER_FLICK_WEATHER_RETENTION_DAYS, load_audit and destination rejects older than "
                "WEATHER_FLICK_AUDIT_RETENTION_DAYS, scores of days before today.",
    tags={"weather_flick/step": "cleanup"},
)
def expire_warehouse_rows(context: dg.OpExecutionContext, config: CleanupConfig,
                          warehouse: WarehouseResource) -> CleanupOutcome:
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.maintenance import retention

    now = now_kst()
    batch = settings.get("WEATHER_FLICK_RETENTION_BATCH_ROWS")
    wh = warehouse.get()
    if wh.current_revision() is None:
        context.add_output_metadata({"dry_run": config.dry_run, "skipped": "the warehouse has no schema yet"})
        return CleanupOutcome("warehouse rows", config.dry_run, 0, 0)
    by_table, listed = {}, []
    for rule in retention.rules(settings.get("WEATHER_FLICK_WEATHER_RETENTION_DAYS"),
                                settings.get("WEATHER_FLICK_AUDIT_RETENTION_DAYS")):
        cutoff = rule.cutoff(now)
        started = time.perf_counter()
        rows = wh.delete_older_than(rule.table, rule.column, cutoff, batch_rows=batch, run_id=context.run_id,
                                    dry_run=config.dry_run)
        by_table[rule.table] = {"rows": rows, "seconds": round(time.perf_counter() - started, 3)}
        listed.append(f"{retention.describe(rule, cutoff)}: {rows} rows")
    total = sum(t["rows"] for t in by_table.values())
    context.add_output_metadata({
        "dry_run": config.dry_run, ("rows_to_delete" if config.dry_run else "rows_deleted"): total,
        "batch_rows": batch, "by_table": dg.MetadataValue.json(by_table), "rules": _listing(listed)})
    return CleanupOutcome("warehouse rows", config.dry_run, total, 0, 0, tuple(listed))


@dg.op(
    description="Totals of the cleanup: items and bytes freed (or that a dry run would free) per area.",
    tags={"weather_flick/step": "cleanup"},
)
def cleanup_report(
    context: dg.OpExecutionContext, logs: CleanupOutcome, compute_logs: CleanupOutcome, runs: CleanupOutcome,
    raw: CleanupOutcome, warehouse_rows: CleanupOutcome,
) -> dict[str, Any]:
    outcomes = [logs, compute_logs, runs, raw, warehouse_rows]
    dry_run = any(o.dry_run for o in outcomes)
    report = {
        "dry_run": dry_run,
        "items": sum(o.items for o in outcomes),
        "bytes": sum(o.bytes for o in outcomes),
        "by_area": {o.area: {"items": o.items, "bytes": o.bytes, "skipped": o.skipped} for o in outcomes},
    }
    verb = "would free" if dry_run else "freed"
    context.log.info(f"cleanup {verb} {report['bytes']} bytes over {report['items']} item(s)")
    context.add_output_metadata({
        "dry_run": dry_run,
        "total_items": report["items"],
        ("bytes_to_free" if dry_run else "bytes_freed"): report["bytes"],
        "by_area": dg.MetadataValue.json(report["by_area"]),
    })
    return report

"""Maintenance as Dagster ops and jobs, their nightly schedules, and the failed-partition retry sensor.

- ``warehouse_backup_job``: create a consistent dump -> verify it by restoring it into a scratch
  database (a mismatch fails the run) -> store it (S3 through dagster-aws when a bucket is set,
  else ``<WEATHER_FLICK_HOME>/backups``) -> retention by age and by count.
- ``cleanup_job``: platform logs, Dagster compute logs, run history and raw API archives, each
  planned first; with ``dry_run: true`` the plan is reported and nothing changes, otherwise
  exactly the plan is applied. Every op reports counts and bytes as metadata.
- ``failed_partition_retry_sensor``: re-requests the partitions whose runs failed, a bounded
  number of times, never one that has since succeeded or is already being re-run.

The work itself lives in the Dagster-free modules :mod:`.backup` and :mod:`.cleanup`, imported
inside the ops so loading the code location stays fast. Both jobs run in one process: the dump
is a local file handed from step to step, and the steps are sequential anyway.

No ``from __future__ import annotations`` here: Dagster reads the ops' annotations (context,
Config, resources) at decoration time and needs them as real classes.
"""

import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.core.timeutil import KST_NAME, to_kst
from weather_flick_batch.destinations.jobs import destinations_sync_job
from weather_flick_batch.policies import LANE_TAGS
from weather_flick_batch.resources.s3 import S3StorageResource
from weather_flick_batch.resources.warehouse import WarehouseResource
from weather_flick_batch.schedules_policy import default_schedule_status, default_sensor_status
from weather_flick_batch.weather.jobs import mid_range_job, nowcast_job, short_range_job, ultra_short_job

if TYPE_CHECKING:  # imported lazily at run time (load-time budget)
    from weather_flick_batch.maintenance.backup import BackupArtifact

MAINTENANCE_TAGS = LANE_TAGS["maintenance"]

BACKUP_PREFIX = "backups"  # S3 prefix of warehouse backups (and the local directory's name)
INSTANCE_BACKUP_PREFIX = "instance-backups"  # the Dagster instance database's, beside (not under) it
RAW_PREFIX = "raw"  # same as weather_flick_batch.resources.api.RAW_PREFIX (not imported: it loads the API client)
LOG_DIR_NAME = "logs"
METADATA_LIST_LIMIT = 200  # paths listed in metadata per op; counts and bytes always cover everything

# Settings that must be >= a minimum; checked at load by validate_settings() and again at run time.
_MINIMUMS = {
    "WEATHER_FLICK_BACKUP_KEEP_DAYS": 0,
    "WEATHER_FLICK_BACKUP_KEEP_COUNT": 1,  # retention never deletes the last backup
    "WEATHER_FLICK_RUN_RETENTION_DAYS": 0,
    "WEATHER_FLICK_LOG_COMPRESS_AFTER_DAYS": 0,
    "WEATHER_FLICK_LOG_DELETE_AFTER_DAYS": 0,
    "WEATHER_FLICK_COMPUTE_LOG_RETENTION_DAYS": 0,
    "WEATHER_FLICK_PARTITION_RETRY_LIMIT": 0,
    "WEATHER_FLICK_PARTITION_RETRY_LOOKBACK_HOURS": 1,
    "WEATHER_FLICK_RAW_RETENTION_DAYS": 0,
}


def _setting(name: str) -> int:
    """An integer maintenance setting, refused with one line naming it when below its minimum."""
    value = settings.get(name)
    minimum = _MINIMUMS[name]
    if value < minimum:
        raise settings.SettingsError(f"{name}={value!r} is invalid: expected an integer >= {minimum}")
    return value


def validate_settings() -> None:
    """Fail at load, with one line naming the variable, for an unusable maintenance setting."""
    for name in _MINIMUMS:
        _setting(name)
    compress = _setting("WEATHER_FLICK_LOG_COMPRESS_AFTER_DAYS")
    delete = _setting("WEATHER_FLICK_LOG_DELETE_AFTER_DAYS")
    if compress > delete:
        raise settings.SettingsError(
            f"WEATHER_FLICK_LOG_COMPRESS_AFTER_DAYS={compress} is invalid: it must not exceed "
            f"WEATHER_FLICK_LOG_DELETE_AFTER_DAYS={delete}")


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


def backup_dir() -> Path:
    """Where backups are kept without S3 (and where dumps are staged before an upload)."""
    return settings.home_dir() / BACKUP_PREFIX


def _workdir(run_id: str) -> Path:
    # Staged next to the final directory: storing locally is then a rename on the same filesystem.
    return backup_dir() / ".work" / run_id


def _discard_workdir(artifact: "BackupArtifact | None", run_id: str) -> None:
    """Remove this run's staging directory (an unverified or already uploaded dump is no backup)."""
    if artifact is not None:
        artifact.path.unlink(missing_ok=True)
    shutil.rmtree(_workdir(run_id), ignore_errors=True)


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


@dg.job(
    name="warehouse_backup_job",
    description="Consistent warehouse dump, verified by a restore into a scratch database, stored in S3 (or "
                "locally) with its SHA-256 manifest, then retention by age and count; the Dagster instance's "
                "PostgreSQL database the same way.",
    tags=MAINTENANCE_TAGS,
    executor_def=dg.in_process_executor,
)
def warehouse_backup_job() -> None:
    apply_backup_retention(store_warehouse_backup(verify_warehouse_backup(create_warehouse_backup())))
    back_up_instance_database()  # independent: one failing does not stop the other


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


@dg.config_mapping
def _cleanup_run_config(config: CleanupConfig) -> dg.RunConfig:
    """One switch for the whole job (``dry_run: true`` in the launchpad), fanned out to every op."""
    ops = ("cleanup_platform_logs", "cleanup_compute_logs", "purge_old_runs", "expire_raw_archives",
           "expire_warehouse_rows")
    return dg.RunConfig(ops={name: CleanupConfig(dry_run=config.dry_run) for name in ops})


@dg.job(
    name="cleanup_job",
    description="Compress and expire platform logs, expire Dagster compute logs, purge old run history, "
                "expire raw API archives (local and S3) and warehouse rows nothing reads any more. Run config "
                "`dry_run: true` only reports.",
    tags=MAINTENANCE_TAGS,
    config=_cleanup_run_config,
    executor_def=dg.in_process_executor,
)
def cleanup_job() -> None:
    cleanup_report(cleanup_platform_logs(), cleanup_compute_logs(), purge_old_runs(), expire_raw_archives(),
                   expire_warehouse_rows())


# =============================================================================================
# Schedules (KST): the previous system ran log cleanup at 01:00 and the backup at 02:00.
# =============================================================================================


def _nightly(kind: str):
    def evaluate(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        # run_key: a tick evaluated twice (daemon restart) never starts a second run for the night.
        tick = to_kst(context.scheduled_execution_time)
        return dg.RunRequest(run_key=f"{kind}-{tick:%Y-%m-%d}", tags={"weather_flick/scheduled_for": tick.isoformat()})

    return evaluate


cleanup_schedule = dg.ScheduleDefinition(
    name="cleanup_schedule", job=cleanup_job, cron_schedule="0 1 * * *", execution_timezone=KST_NAME,
    execution_fn=_nightly("cleanup"), default_status=default_schedule_status(),
    description="Daily at 01:00 KST: logs, compute logs, run history and raw archives (a real run, not a dry run).",
)
warehouse_backup_schedule = dg.ScheduleDefinition(
    name="warehouse_backup_schedule", job=warehouse_backup_job, cron_schedule="0 2 * * *",
    execution_timezone=KST_NAME, execution_fn=_nightly("backup"), default_status=default_schedule_status(),
    description="Daily at 02:00 KST: verified warehouse backup, then retention.",
)


# =============================================================================================
# Failed partitions: re-requested a bounded number of times
# =============================================================================================

PARTITION_RETRY_TAG = "weather_flick/partition_retry"  # attempts made so far for this partition ("1", "2", ...)
RETRY_OF_TAG = "weather_flick/retry_of"  # the failed run this one re-requests
PARTITION_TAG = "dagster/partition"
WILL_RETRY_TAG = "dagster/will_retry"  # set by Dagster on failed runs that run retries will re-execute

RETRYABLE_JOBS = (nowcast_job, ultra_short_job, short_range_job, mid_range_job, destinations_sync_job)
RETRYABLE_JOB_NAMES = frozenset(job.name for job in RETRYABLE_JOBS)

# A failure is looked at only once it is this old: Dagster tags a failed run with dagster/will_retry
# just after storing the failure, and the run-retry daemon needs a moment to launch its retry.
FAILURE_SETTLE_SECONDS = 30.0
_PAGE = 100
_MAX_PER_TICK = 500


def _sensor_clock() -> float:
    """The sensor's notion of now (a seam for tests; event timestamps are epoch seconds)."""
    return time.time()


@dataclass(frozen=True)
class RetryDecision:
    """What the sensor decided for one failed run (also what it logs)."""

    run_id: str
    job_name: str
    partition: str | None
    request: dg.RunRequest | None
    reason: str


def _carried_tags(tags: dict[str, str]) -> dict[str, str]:
    """The failed run's own tags worth keeping (e.g. the sync mode); Dagster's and ours are reset."""
    return {k: v for k, v in tags.items()
            if not k.startswith(("dagster/", ".dagster/")) and k not in (PARTITION_RETRY_TAG, RETRY_OF_TAG)}


def _succeeded_since(instance: dg.DagsterInstance, repository_def: Any, job_name: str, partition: str,
                     since: datetime) -> bool:
    """True when every asset of the job has a materialization of the partition after ``since``.

    Catches a partition that succeeded through another job (a backfill, a manual materialization),
    which the run-history check cannot see.
    """
    if repository_def is None or not repository_def.has_job(job_name):
        return False
    asset_keys = repository_def.get_job(job_name).asset_layer.selected_asset_keys
    if not asset_keys:
        return False
    for key in asset_keys:
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition], after_timestamp=since.timestamp()),
            limit=1,
        ).records
        if not records:
            return False
    return True


def decide_retry(instance: dg.DagsterInstance, run_id: str, limit: int, repository_def: Any = None) -> RetryDecision:
    """Whether the failed run ``run_id`` gets a new run for its partition, and why (or why not)."""
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        return RetryDecision(run_id, "?", None, None, "run no longer exists")
    run = record.dagster_run
    partition = run.tags.get(PARTITION_TAG)

    def no(reason: str) -> RetryDecision:
        return RetryDecision(run_id, run.job_name, partition, None, reason)

    if run.job_name not in RETRYABLE_JOB_NAMES:
        return no("job is not one of the partitioned jobs this sensor retries")
    if not partition:
        return no("run has no single partition (a range backfill or an unpartitioned run)")
    if run.status != dg.DagsterRunStatus.FAILURE:
        return no(f"run is {run.status.value}, not FAILURE")
    if run.tags.get(WILL_RETRY_TAG) == "true":
        # Run retries (dagster.yaml) re-execute crashed runs; a second retry from here would double it.
        return no("run retries will re-execute this run")
    newer = [r for r in instance.get_run_records(
        filters=dg.RunsFilter(job_name=run.job_name, tags={PARTITION_TAG: partition},
                              created_after=record.create_timestamp),
        limit=5,
    ) if r.dagster_run.run_id != run_id]
    if newer:
        latest = newer[0].dagster_run
        return no(f"partition already has a newer run {latest.run_id} ({latest.status.value})")
    # Since the failure ended (not since the run began): a run that materialized its assets and
    # then failed a blocking check did not succeed.
    failed_at = datetime.fromtimestamp(record.end_time, timezone.utc) if record.end_time else record.update_timestamp
    if _succeeded_since(instance, repository_def, run.job_name, partition, failed_at):
        return no("partition has been materialized since")
    try:
        attempts = int(run.tags.get(PARTITION_RETRY_TAG, "0"))
    except ValueError:
        attempts = limit  # a tag we did not write: do not guess, do not loop
    if attempts >= limit:
        return no(f"gave up: {attempts} re-request(s) already made (limit {limit})")
    if repository_def is not None and repository_def.has_job(run.job_name):
        partitions_def = repository_def.get_job(run.job_name).partitions_def
        if partitions_def is not None and not partitions_def.has_partition_key(partition):
            return no(f"partition {partition} no longer exists in the job's partitions")
    tags = {**_carried_tags(dict(run.tags)), PARTITION_RETRY_TAG: str(attempts + 1), RETRY_OF_TAG: run_id}
    request = dg.RunRequest(
        # One request per failed run: even if the cursor were lost, the run_key dedupes it.
        run_key=f"partition-retry-{run_id}",
        job_name=run.job_name,
        partition_key=partition,
        run_config=run.run_config,  # e.g. the sync mode (full/incremental) the failed run had
        tags=tags,
    )
    return RetryDecision(run_id, run.job_name, partition, request, f"re-requested (attempt {attempts + 1} of {limit})")


def _failures_after(instance: dg.DagsterInstance, cursor: int | None, since_ts: float) -> Iterable[Any]:
    """RUN_FAILURE event records after the cursor (or since ``since_ts`` on a first tick), oldest first."""
    job_names = sorted(RETRYABLE_JOB_NAMES) if instance.event_log_storage.supports_run_status_change_job_name_filter \
        else None
    fetched = 0
    after = cursor
    while fetched < _MAX_PER_TICK:
        records_filter = dg.RunStatusChangeRecordsFilter(
            event_type=dg.DagsterEventType.RUN_FAILURE,
            after_storage_id=after,
            after_timestamp=since_ts if after is None else None,
            job_names=job_names,
        )
        records = instance.fetch_run_status_changes(records_filter, limit=_PAGE, ascending=True).records
        yield from records
        fetched += len(records)
        if len(records) < _PAGE:
            return
        after = records[-1].storage_id


@dg.sensor(
    name="failed_partition_retry_sensor",
    jobs=list(RETRYABLE_JOBS),
    minimum_interval_seconds=300,
    default_status=default_sensor_status(),
    description="Re-requests partitions of the weather and destination-sync jobs whose runs failed, at most "
                "WEATHER_FLICK_PARTITION_RETRY_LIMIT times each (counted by the run tag "
                "weather_flick/partition_retry); skips partitions that succeeded or are being re-run since.",
)
def failed_partition_retry_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Cursor: the event-log storage id of the last RUN_FAILURE handled, so each failure is seen once."""
    limit = _setting("WEATHER_FLICK_PARTITION_RETRY_LIMIT")
    lookback_s = _setting("WEATHER_FLICK_PARTITION_RETRY_LOOKBACK_HOURS") * 3600
    now = _sensor_clock()
    try:
        cursor = int(context.cursor) if context.cursor else None
    except ValueError:
        cursor = None  # an unreadable cursor: start again from the lookback window (run_keys dedupe)
    requests: list[dg.RunRequest] = []
    last = cursor
    for record in _failures_after(context.instance, cursor, now - lookback_s):
        if record.timestamp > now - FAILURE_SETTLE_SECONDS:
            break  # too fresh: look again next tick (the cursor stays before it)
        last = record.storage_id
        if record.timestamp < now - lookback_s:
            context.log.info(f"run {record.run_id}: failed more than the lookback window ago, not retried")
            continue
        if record.event_log_entry.dagster_event and record.event_log_entry.dagster_event.job_name not in \
                RETRYABLE_JOB_NAMES:
            continue
        decision = decide_retry(context.instance, record.run_id, limit, context.repository_def)
        context.log.info(f"run {decision.run_id} ({decision.job_name}, partition {decision.partition}): "
                         f"{decision.reason}")
        if decision.request is not None:
            requests.append(decision.request)
    new_cursor = str(last) if last is not None else context.cursor
    if not requests:
        return dg.SensorResult(skip_reason="no failed partition to re-request", cursor=new_cursor)
    return dg.SensorResult(run_requests=requests, cursor=new_cursor)


jobs = [warehouse_backup_job, cleanup_job]
schedules = [cleanup_schedule, warehouse_backup_schedule]
sensors = [failed_partition_retry_sensor]

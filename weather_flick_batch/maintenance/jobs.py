"""The maintenance jobs (backup, cleanup) and their nightly schedules (KST).

No ``from __future__ import annotations`` here: Dagster reads the config mapping's annotation at
decoration time and needs it as a real class.
"""

import dagster as dg

from weather_flick_batch.core.timeutil import KST_NAME, to_kst
from weather_flick_batch.maintenance.ops import (
    CleanupConfig,
    apply_backup_retention,
    back_up_instance_database,
    cleanup_compute_logs,
    cleanup_platform_logs,
    cleanup_report,
    create_warehouse_backup,
    expire_raw_archives,
    expire_warehouse_rows,
    purge_old_runs,
    store_warehouse_backup,
    verify_warehouse_backup,
)
from weather_flick_batch.policies import LANE_TAGS
from weather_flick_batch.schedules_policy import default_schedule_status

MAINTENANCE_TAGS = LANE_TAGS["maintenance"]


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


jobs = [warehouse_backup_job, cleanup_job]
schedules = [cleanup_schedule, warehouse_backup_schedule]

"""Destination sync jobs and schedules (KST): incremental daily, full weekly, one run per province."""

import dagster as dg

from weather_flick_batch.core.timeutil import KST_NAME
from weather_flick_batch.health.checks import without_freshness
from weather_flick_batch.policies import LANE_TAGS
from weather_flick_batch.destinations.assets import CATALOGUE_KEY, PROVINCE_PARTITION_KEYS, catalogue_sync_fresh
from weather_flick_batch.schedules_policy import default_schedule_status

# Sync yields to weather and health; its lane has one slot so a long crawl never starves them.
SYNC_TAGS = LANE_TAGS["sync"]

# The sync-freshness check looks at every province: it runs after the syncs, not inside each one; the
# catalogue's freshness is judged between runs (health/checks.py).
destinations_sync_job = dg.define_asset_job(
    "destinations_sync_job",
    selection=without_freshness(dg.AssetSelection.assets(CATALOGUE_KEY)
                                - dg.AssetSelection.checks(catalogue_sync_fresh)),
    tags=SYNC_TAGS,
    description="Sync one province's destinations (config mode: auto, full or incremental).",
)


def _per_province(mode: str):
    def evaluate(context: dg.ScheduleEvaluationContext):
        day = context.scheduled_execution_time.strftime("%Y-%m-%d")
        for key in PROVINCE_PARTITION_KEYS:
            yield dg.RunRequest(
                run_key=f"{mode}-{day}-{key}", partition_key=key,
                run_config={"ops": {"destinations__catalogue": {"config": {"mode": mode}}}},
                tags={"weather_flick/sync_mode": mode},
            )

    return evaluate


incremental_sync_schedule = dg.ScheduleDefinition(
    name="destinations_incremental_sync_schedule", job=destinations_sync_job, cron_schedule="0 3 * * *",
    execution_timezone=KST_NAME, execution_fn=_per_province("incremental"),
    default_status=default_schedule_status(),
    description="Daily at 03:00 KST: changes and withdrawals since the last sync, every province.",
)
full_sync_schedule = dg.ScheduleDefinition(
    name="destinations_full_sync_schedule", job=destinations_sync_job, cron_schedule="0 2 * * 0",
    execution_timezone=KST_NAME, execution_fn=_per_province("full"),
    default_status=default_schedule_status(),
    description="Sundays at 02:00 KST: a full crawl of every province (authoritative for withdrawals).",
)

jobs = [destinations_sync_job]
schedules = [incremental_sync_schedule, full_sync_schedule]

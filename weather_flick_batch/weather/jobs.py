"""Weather jobs and schedules: each KMA product is fetched shortly after KMA publishes it (KST)."""

import dagster as dg

from weather_flick_batch.core.timeutil import KST_NAME
from weather_flick_batch.health.checks import without_freshness
from weather_flick_batch.policies import LANE_TAGS
from weather_flick_batch.schedules_policy import default_schedule_status
from weather_flick_batch.weather import assets as w
from weather_flick_batch.weather import issuance

WEATHER_TAGS = LANE_TAGS["weather"]
# Freshness is judged between runs, not in the run that loads the issuance (health/checks.py).

nowcast_job = dg.define_asset_job(
    "weather_nowcast_job", selection=without_freshness([w.NOWCAST_KEY]), tags=WEATHER_TAGS,
    description="Current conditions for every forecast point, one hour.",
)
short_range_job = dg.define_asset_job(
    "weather_short_range_job", selection=without_freshness([w.SHORT_RANGE_KEY]),
    tags=WEATHER_TAGS, description="One short-range issuance for every forecast point.",
)
ultra_short_job = dg.define_asset_job(
    "weather_ultra_short_job", selection=without_freshness([w.ULTRA_SHORT_KEY, w.NEXT_HOURS_KEY]), tags=WEATHER_TAGS,
    description="One ultra-short issuance (the next six hours) for every forecast point, and the next-hours table.",
)
mid_range_job = dg.define_asset_job(
    "weather_mid_range_job", selection=without_freshness([w.MID_LAND_KEY, w.MID_TA_KEY]),
    tags=WEATHER_TAGS, description="One medium-range issuance (land and temperature).",
)


def _issuance_request(latest, partition_key):
    """The run for the issuance KMA has just published at the tick (run_key dedupes re-ticks)."""

    def evaluate(context: dg.ScheduleEvaluationContext):
        base = latest(context.scheduled_execution_time)
        key = partition_key(base)
        return dg.RunRequest(run_key=key, partition_key=key, tags={"weather_flick/issuance": base.isoformat()})

    return evaluate


# Publication: nowcast ~HH:40, ultra-short forecast ~HH:45, short range ~base + 10 min, medium range ~06:00/18:00 + 30 min.
nowcast_schedule = dg.ScheduleDefinition(
    name="weather_nowcast_schedule", job=nowcast_job, cron_schedule="50 * * * *", execution_timezone=KST_NAME,
    execution_fn=_issuance_request(issuance.latest_nowcast_issuance, issuance.nowcast_partition_key),
    default_status=default_schedule_status(),
    description="Every hour at :50 KST, for the hour's observations (published about :40).",
)
ultra_short_schedule = dg.ScheduleDefinition(
    name="weather_ultra_short_schedule", job=ultra_short_job, cron_schedule="50 * * * *",
    execution_timezone=KST_NAME,
    execution_fn=_issuance_request(issuance.latest_ultra_short_issuance, issuance.ultra_short_partition_key),
    default_status=default_schedule_status(),
    description="Every hour at :50 KST, for the HH:30 ultra-short forecast (published about :45).",
)
short_range_schedule = dg.ScheduleDefinition(
    name="weather_short_range_schedule", job=short_range_job, cron_schedule="15 2,5,8,11,14,17,20,23 * * *",
    execution_timezone=KST_NAME,
    execution_fn=_issuance_request(issuance.latest_short_range_issuance, issuance.short_range_partition_key),
    default_status=default_schedule_status(),
    description="15 minutes after each short-range issuance (published about 10 minutes after its base time).",
)
mid_range_schedule = dg.ScheduleDefinition(
    name="weather_mid_range_schedule", job=mid_range_job, cron_schedule="40 6,18 * * *",
    execution_timezone=KST_NAME,
    execution_fn=_issuance_request(issuance.latest_mid_range_issuance, issuance.mid_range_partition_key),
    default_status=default_schedule_status(),
    description="40 minutes after each medium-range issuance (06 and 18 h KST).",
)

schedules = [nowcast_schedule, ultra_short_schedule, short_range_schedule, mid_range_schedule]
jobs = [nowcast_job, ultra_short_job, short_range_job, mid_range_job]

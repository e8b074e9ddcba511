"""Fine-dust jobs and schedules: the forecast shortly after each issuance, the stations every hour (KST)."""

import dagster as dg

from weather_flick_batch.air_quality import assets as a
from weather_flick_batch.air_quality import issuance
from weather_flick_batch.core.timeutil import KST_NAME
from weather_flick_batch.policies import LANE_TAGS
from weather_flick_batch.schedules_policy import default_schedule_status

TAGS = LANE_TAGS["weather"]

dust_forecast_job = dg.define_asset_job(
    "dust_forecast_job", selection=[a.FORECAST_KEY, a.GRADES_KEY], tags=TAGS,
    description="One AirKorea fine-dust forecast issuance, then the grade of each place and day.",
)
dust_measurements_job = dg.define_asset_job(
    "dust_measurements_job", selection=[a.MEASUREMENTS_KEY, a.GRADES_KEY], tags=TAGS,
    description="The stations' current fine-dust measurements, then the grade of each place and day.",
)


def _forecast_request(context: dg.ScheduleEvaluationContext):
    base = issuance.latest_issuance(context.scheduled_execution_time)
    key = issuance.partition_key(base)
    return dg.RunRequest(run_key=key, partition_key=key, tags={"weather_flick/issuance": base.isoformat()})


dust_forecast_schedule = dg.ScheduleDefinition(
    name="dust_forecast_schedule", job=dust_forecast_job, cron_schedule=issuance.FORECAST_SCHEDULE_CRON,
    execution_timezone=KST_NAME, execution_fn=_forecast_request, default_status=default_schedule_status(),
    description="15 minutes after each fine-dust forecast issuance (05, 11, 17, 23 h KST; published ~10 min later).",
)
dust_measurements_schedule = dg.ScheduleDefinition(
    name="dust_measurements_schedule", job=dust_measurements_job, cron_schedule=issuance.REALTIME_SCHEDULE_CRON,
    execution_timezone=KST_NAME, default_status=default_schedule_status(),
    description="Every hour at :20 KST, once the stations' hour is published.",
)

jobs = [dust_forecast_job, dust_measurements_job]
schedules = [dust_forecast_schedule, dust_measurements_schedule]

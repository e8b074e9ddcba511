"""Weather-warning job and schedule: the warnings in force every 10 minutes (KST)."""

import dagster as dg

from weather_flick_batch.core.timeutil import KST_NAME
from weather_flick_batch.policies import LANE_TAGS
from weather_flick_batch.schedules_policy import default_schedule_status
from weather_flick_batch.weather_warnings import assets as a

warnings_job = dg.define_asset_job(
    "weather_warnings_job", selection=[a.WARNINGS_KEY], tags=LANE_TAGS["weather"],
    description="The KMA weather warnings in force now, and the districts they concern.",
)
warnings_schedule = dg.ScheduleDefinition(
    name="weather_warnings_schedule", job=warnings_job, cron_schedule="*/10 * * * *", execution_timezone=KST_NAME,
    default_status=default_schedule_status(),
    description="Every 10 minutes: a warning issued or lifted reaches recommendations and trips within minutes.",
)

jobs = [warnings_job]
schedules = [warnings_schedule]

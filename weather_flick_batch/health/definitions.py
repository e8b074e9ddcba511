"""The health and alerts domain's definitions (resources are added centrally, see ``build_health_resources``).

* asset ``platform/health`` with one non-blocking check per probe, materialized by ``health_job``
  every 5 minutes (``health_schedule``, Asia/Seoul);
* guard checks on ``regions``, ``weather/short_range_forecast`` and ``destinations/catalogue``,
  which run inside those assets' own runs;
* freshness checks on the weather and destination assets, evaluated by ``freshness_checks_sensor``;
* alert sensors ``alert_on_run_failure``, ``alert_on_run_recovery``, ``alert_on_check_failures``.
"""

import dagster as dg

from weather_flick_batch.core.timeutil import KST_NAME
from weather_flick_batch.health import assets, checks, sensors
from weather_flick_batch.policies import LANE_TAGS
from weather_flick_batch.schedules_policy import default_schedule_status

# One step: the in-process executor saves the ~2 s subprocess of the default executor, every 5 minutes.
health_job = dg.define_asset_job(
    name="health_job",
    selection=dg.AssetSelection.assets(assets.HEALTH_KEY),
    tags=LANE_TAGS["health"],
    executor_def=dg.in_process_executor,
    description="Probe the platform (host, warehouse, Redis, KMA, TourAPI, runs): metrics and health checks.",
)

health_schedule = dg.ScheduleDefinition(
    name="health_schedule",
    job=health_job,
    cron_schedule="*/5 * * * *",
    execution_timezone=KST_NAME,
    default_status=default_schedule_status(),
    description="Every 5 minutes: platform health checks and metrics (the previous system's cadence).",
)

defs = dg.Definitions(
    assets=[assets.platform_health],
    asset_checks=[*assets.GUARD_CHECKS, *checks.FRESHNESS_CHECKS],
    jobs=[health_job],
    schedules=[health_schedule],
    sensors=sensors.sensors,
)

"""The recommendations domain's definitions, and the automation that drives the derived assets
(outlook, next hours, fine-dust grades, scores, top lists, trips and analytics)."""

import dagster as dg

from weather_flick_batch.policies import LANE_TAGS
from weather_flick_batch.recommendations import assets

OUTLOOK_KEY = dg.AssetKey(["weather", "daily_outlook"])
NEXT_HOURS_KEY = dg.AssetKey(["weather", "next_hours"])
DUST_GRADES_KEY = dg.AssetKey(["air_quality", "dust_grades"])

# Runs by default (local too): recommendations follow every new forecast without a click, and the
# analytics follow their daily cron. Run tags put these runs in the analytics lane.
automation_sensor = dg.AutomationConditionSensorDefinition(
    "recommendations_automation",
    target=dg.AssetSelection.assets(OUTLOOK_KEY, NEXT_HOURS_KEY, DUST_GRADES_KEY)
    | dg.AssetSelection.groups("recommendations", "analytics", "trips"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    run_tags=LANE_TAGS["analytics"],
    # Dagster's default. A new issuance waits on average half an interval for the next tick, then the
    # tick and the queue (~7 s): 60 s gave 39 s on average (bench_incremental), above the 30 s goal.
    minimum_interval_seconds=30,
    description=("Declarative automation: outlook, next hours, fine-dust grades, scores, top lists and trip notices "
                 "follow new forecasts (and changes in warnings or fine dust); analytics daily."),
)

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([assets]),
    sensors=[automation_sensor],
)

"""The code location: every domain's assets, checks, jobs, schedules and sensors, plus resources.

Import is kept light (no network, no database, no heavy work) so the location loads fast.
"""

import dagster as dg

from weather_flick_batch.policies import apply_global_policies
from weather_flick_batch.regions import assets as region_assets
from weather_flick_batch.regions import checks as region_checks
from weather_flick_batch.resources import build_resources
from weather_flick_batch.weather import assets as weather_assets
from weather_flick_batch.weather import jobs as weather_jobs

# Reference data every partitioned fetch depends on (regions, forecast points).
refresh_reference_job = dg.define_asset_job(
    name="refresh_reference",
    selection=dg.AssetSelection.assets("regions", weather_assets.POINTS_KEY),
    tags={"dagster/priority": "3", "weather_flick/lane": "sync"},
    description="Regions and forecast points, with their checks.",
)

# Everything derived from the newest partitions (the daily outlook; later recommendations, analytics).
refresh_derived_job = dg.define_asset_job(
    name="refresh_derived",
    selection=dg.AssetSelection.assets(weather_assets.OUTLOOK_KEY),
    tags={"dagster/priority": "2", "weather_flick/lane": "analytics"},
    description="Assets derived from the newest forecasts, with their checks.",
)


def build_definitions() -> dg.Definitions:
    defs = dg.Definitions(
        assets=dg.load_assets_from_modules([region_assets, weather_assets]),
        asset_checks=dg.load_asset_checks_from_modules([region_checks]),
        jobs=[refresh_reference_job, refresh_derived_job, *weather_jobs.jobs],
        schedules=weather_jobs.schedules,
        resources=build_resources(),
    )
    return apply_global_policies(defs)


defs = build_definitions()

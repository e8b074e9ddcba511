"""The destinations domain's definitions."""

import dagster as dg

from weather_flick_batch.destinations import assets, jobs

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([assets]),
    asset_checks=dg.load_asset_checks_from_modules([assets]),
    jobs=jobs.jobs,
    schedules=jobs.schedules,
)

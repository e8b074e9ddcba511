"""The weather-warnings domain's definitions."""

import dagster as dg

from weather_flick_batch.weather_warnings import assets, jobs

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([assets]),
    jobs=jobs.jobs,
    schedules=jobs.schedules,
)

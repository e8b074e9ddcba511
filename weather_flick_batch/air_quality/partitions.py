"""Partitions that follow how AirKorea publishes its fine-dust forecast: 05, 11, 17 and 23 h KST."""

import dagster as dg

from weather_flick_batch.air_quality.issuance import FORECAST_PARTITION_CRON
from weather_flick_batch.core.timeutil import KST_NAME
from weather_flick_batch.weather.issuance import PARTITION_KEY_FORMAT

dust_forecast_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule=FORECAST_PARTITION_CRON, start="2026-11-01-05:00", fmt=PARTITION_KEY_FORMAT,
    timezone=KST_NAME, end_offset=1,
)

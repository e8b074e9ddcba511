"""Partitions that follow how AirKorea publishes its fine-dust forecast: 05, 11, 17 and 23 h KST, from
where the warehouse's retention says the data begins (as the weather partitions)."""

import dagster as dg

from weather_flick_batch.air_quality.issuance import FORECAST_PARTITION_CRON
from weather_flick_batch.core.timeutil import KST_NAME
from weather_flick_batch.weather.issuance import PARTITION_KEY_FORMAT
from weather_flick_batch.weather.partitions import PARTITIONS_START

dust_forecast_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule=FORECAST_PARTITION_CRON, start=PARTITIONS_START, fmt=PARTITION_KEY_FORMAT,
    timezone=KST_NAME, end_offset=1,
)

"""Partitions that follow how KMA publishes, all in Asia/Seoul (every Dagster default is UTC).

A partition is one issuance, keyed by its base time; ``end_offset=1`` includes the current
issuance window, so the newest issuance can be asked for as soon as KMA publishes it.
"""

import dagster as dg

from weather_flick_batch.core.timeutil import KST_NAME
from weather_flick_batch.weather.issuance import PARTITION_KEY_FORMAT

# The first issuance the platform knows about. KMA serves only about the last day: a live
# backfill further back fails with a clear message; the sample source serves any time.
PARTITIONS_START = "2026-11-01-00:00"

nowcast_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 * * * *", start=PARTITIONS_START, fmt=PARTITION_KEY_FORMAT,
    timezone=KST_NAME, end_offset=1,
)
short_range_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 2,5,8,11,14,17,20,23 * * *", start="2026-11-01-02:00", fmt=PARTITION_KEY_FORMAT,
    timezone=KST_NAME, end_offset=1,
)
mid_range_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 6,18 * * *", start="2026-11-01-06:00", fmt=PARTITION_KEY_FORMAT,
    timezone=KST_NAME, end_offset=1,
)
ultra_short_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="30 * * * *", start="2026-11-01-00:30", fmt=PARTITION_KEY_FORMAT,
    timezone=KST_NAME, end_offset=1,
)

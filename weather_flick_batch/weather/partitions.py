"""Partitions that follow how KMA publishes, all in Asia/Seoul (every Dagster default is UTC).

A partition is one issuance, keyed by its base time; ``end_offset=1`` includes the current
issuance window, so the newest issuance can be asked for as soon as KMA publishes it.
"""

from datetime import datetime, timedelta

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.core.timeutil import KST_NAME, now_kst
from weather_flick_batch.weather.issuance import PARTITION_KEY_FORMAT


def retention_start(now: datetime | None = None) -> str:
    """Where the partitions begin: midnight (KST) of the first day the warehouse still keeps
    (WEATHER_FLICK_WEATHER_RETENTION_DAYS; cleanup_job deletes older partitions). Earlier partitions
    would only show as "missing" in the UI and widen every backfill's target. Read once, at load: a
    long-running code server's window starts a little earlier, which is harmless. KMA itself serves
    only about the last day: a live backfill further back fails with a clear message."""
    first_day = (now or now_kst()) - timedelta(days=settings.get("WEATHER_FLICK_WEATHER_RETENTION_DAYS"))
    return first_day.replace(hour=0, minute=0, second=0, microsecond=0).strftime(PARTITION_KEY_FORMAT)


PARTITIONS_START = retention_start()

nowcast_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 * * * *", start=PARTITIONS_START, fmt=PARTITION_KEY_FORMAT,
    timezone=KST_NAME, end_offset=1,
)
short_range_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 2,5,8,11,14,17,20,23 * * *", start=PARTITIONS_START, fmt=PARTITION_KEY_FORMAT,
    timezone=KST_NAME, end_offset=1,
)
mid_range_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 6,18 * * *", start=PARTITIONS_START, fmt=PARTITION_KEY_FORMAT,
    timezone=KST_NAME, end_offset=1,
)
ultra_short_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="30 * * * *", start=PARTITIONS_START, fmt=PARTITION_KEY_FORMAT,
    timezone=KST_NAME, end_offset=1,
)

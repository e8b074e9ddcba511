"""AirKorea publishing schedule: forecast issuances (05, 11, 17, 23 KST) and the real-time hour.

Forecasts (``getMinuDustFrcstDspth``) are issued four times a day at **05, 11, 17 and 23 KST** and
are treated as available :data:`FORECAST_PUBLICATION_DELAY` (10 min) later, as the reference says
("available about 10 minutes later"). Right after the hour the list for the day can still lack the
new issuance (public code handles ``items.length == 0``): :mod:`~weather_flick_batch.air_quality.collect`
treats a missing issuance as *not published yet* (a transient error the run retries) until
:data:`NOT_PUBLISHED_GRACE` after its publication time, and only then as *no data*.

One issuance is found with ``searchDate`` = its KST date: ``searchDate`` selects by issue date, so
the 23:00 issuance is on the same day as the 05:00 one.

Real-time measurements (``getCtprvnRltmMesureDnsty``) are hourly; public code reads them "around
HH:15" (매시 15분 내외), so the hour HH:00 is treated as available from HH:20
(:data:`REALTIME_PUBLICATION_DELAY`, conservative **[U]**). The operation only serves the newest
hour: a real-time snapshot cannot be backfilled.

Partition keys use the weather format (``weather.issuance.PARTITION_KEY_FORMAT``,
``"%Y-%m-%d-%H:%M"`` in KST), so a Dagster ``TimeWindowPartitionsDefinition(cron_schedule=
FORECAST_PARTITION_CRON, timezone="Asia/Seoul", fmt=PARTITION_KEY_FORMAT)`` yields the same keys.
Every function takes timezone-aware datetimes (naive ones are refused) and returns KST ones.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from weather_flick_batch.weather.issuance import KST, PARTITION_KEY_FORMAT, to_kst

__all__ = [
    "KST",
    "PARTITION_KEY_FORMAT",
    "FORECAST_ISSUANCE_HOURS",
    "FORECAST_PUBLICATION_DELAY",
    "FORECAST_PARTITION_CRON",
    "FORECAST_SCHEDULE_CRON",
    "NOT_PUBLISHED_GRACE",
    "REALTIME_PUBLICATION_DELAY",
    "REALTIME_PARTITION_CRON",
    "REALTIME_SCHEDULE_CRON",
    "is_issuance",
    "latest_issuance",
    "previous_issuance",
    "next_issuance",
    "publication_time",
    "next_publication",
    "issuances_on",
    "partition_key",
    "issuance_from_partition_key",
    "search_date",
    "parse_data_time",
    "format_data_time",
    "latest_realtime_hour",
    "next_realtime_publication",
    "realtime_partition_key",
    "realtime_hour_from_partition_key",
    "forecast_cache_ttl_s",
]

FORECAST_ISSUANCE_HOURS: tuple[int, ...] = (5, 11, 17, 23)
FORECAST_PUBLICATION_DELAY = timedelta(minutes=10)
#: Cron of the issuance times (the partition starts); evaluate in ``Asia/Seoul``.
FORECAST_PARTITION_CRON = "0 5,11,17,23 * * *"
#: When to run the forecast job: after the publication delay, with a few minutes' margin.
FORECAST_SCHEDULE_CRON = "15 5,11,17,23 * * *"
#: How long after its publication time a missing issuance still counts as "not published yet".
NOT_PUBLISHED_GRACE = timedelta(hours=2)

REALTIME_PUBLICATION_DELAY = timedelta(minutes=20)
REALTIME_PARTITION_CRON = "0 * * * *"
REALTIME_SCHEDULE_CRON = "20 * * * *"


def _fmt(dt: datetime) -> str:
    return to_kst(dt).strftime("%Y-%m-%d %H:%M KST")


def is_issuance(dt: datetime) -> bool:
    """True if ``dt`` is exactly an issuance time (05, 11, 17 or 23:00:00 KST)."""
    k = to_kst(dt)
    return k.hour in FORECAST_ISSUANCE_HOURS and k.minute == 0 and k.second == 0 and k.microsecond == 0


def _require_issuance(dt: datetime) -> datetime:
    k = to_kst(dt)
    if not is_issuance(k):
        raise ValueError(f"{_fmt(k)} is not an AirKorea forecast issuance time (05:00, 11:00, 17:00, 23:00 KST)")
    return k


def issuances_on(day: date) -> list[datetime]:
    """The four issuance times of a KST calendar day."""
    return [datetime.combine(day, time(h), tzinfo=KST) for h in FORECAST_ISSUANCE_HOURS]


def _latest_at_or_before(k: datetime) -> datetime:
    for offset in (0, 1):
        for base in reversed(issuances_on(k.date() - timedelta(days=offset))):
            if base <= k:
                return base
    raise AssertionError("unreachable")


def _earliest_after(k: datetime) -> datetime:
    for offset in (0, 1):
        for base in issuances_on(k.date() + timedelta(days=offset)):
            if base > k:
                return base
    raise AssertionError("unreachable")


def latest_issuance(at: datetime) -> datetime:
    """The newest issuance treated as published at ``at`` (issuance + 10 min ≤ ``at``).

    >>> latest_issuance(datetime(2024, 7, 12, 17, 9, tzinfo=KST)).hour
    11
    >>> latest_issuance(datetime(2024, 7, 12, 17, 10, tzinfo=KST)).hour
    17
    """
    return _latest_at_or_before(to_kst(at) - FORECAST_PUBLICATION_DELAY)


def previous_issuance(base: datetime) -> datetime:
    """The issuance strictly before ``base`` (any instant; 05:00 → the previous day's 23:00)."""
    return _latest_at_or_before(to_kst(base) - timedelta(microseconds=1))


def next_issuance(base: datetime) -> datetime:
    """The issuance strictly after ``base`` (any instant)."""
    return _earliest_after(to_kst(base))


def publication_time(base: datetime) -> datetime:
    """When the issuance ``base`` is treated as published (``base`` + 10 min)."""
    return _require_issuance(base) + FORECAST_PUBLICATION_DELAY


def next_publication(at: datetime) -> datetime:
    """The first forecast publication instant strictly after ``at`` (for cache TTLs and sensors)."""
    return _earliest_after(to_kst(at) - FORECAST_PUBLICATION_DELAY) + FORECAST_PUBLICATION_DELAY


def partition_key(base: datetime) -> str:
    """``"YYYY-MM-DD-HH:MM"`` of an issuance in KST (the weather partition-key format)."""
    return _require_issuance(base).strftime(PARTITION_KEY_FORMAT)


def issuance_from_partition_key(key: str) -> datetime:
    """Inverse of :func:`partition_key` (validates the hour)."""
    try:
        naive = datetime.strptime(key, PARTITION_KEY_FORMAT)
    except (TypeError, ValueError):
        raise ValueError(f"bad air-quality forecast partition key {key!r}: expected 'YYYY-MM-DD-HH:MM'") from None
    return _require_issuance(naive.replace(tzinfo=KST))


def search_date(base: datetime | date) -> str:
    """The ``searchDate`` parameter (``YYYY-MM-DD``) that lists an issuance: its KST date."""
    day = to_kst(base).date() if isinstance(base, datetime) else base
    return day.strftime("%Y-%m-%d")


_DATA_TIME_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*(\d{1,2})\s*(?:시|:\s*(\d{2}))")


def parse_data_time(text: str) -> datetime:
    """KST datetime of an AirKorea ``dataTime``.

    Accepts the forecast form ``"2024-07-12 17시 발표"`` (``발표`` optional, any spacing) and the
    real-time form ``"2024-07-12 17:00"``. Hour ``24`` (``"2024-07-12 24:00"``, the end of the day
    in hour-ending notation, seen in AirKorea hourly data **[U]**) is 00:00 of the next day.
    Raises ``ValueError`` for anything else.
    """
    m = _DATA_TIME_RE.match(str(text)) if text is not None else None
    if m is None:
        raise ValueError(f"unreadable AirKorea dataTime {text!r}")
    year, month, day, hour = (int(m.group(i)) for i in range(1, 5))
    minute = int(m.group(5) or 0)
    try:
        if hour == 24 and minute == 0:
            return datetime(year, month, day, tzinfo=KST) + timedelta(days=1)
        return datetime(year, month, day, hour, minute, tzinfo=KST)
    except ValueError:
        raise ValueError(f"unreadable AirKorea dataTime {text!r}") from None


def format_data_time(base: datetime) -> str:
    """The forecast ``dataTime`` text of an issuance: ``"2024-07-12 17시 발표"``."""
    k = to_kst(base)
    return f"{k:%Y-%m-%d} {k.hour:02d}시 발표"


# --------------------------------------------------------------------------- real time


def latest_realtime_hour(at: datetime) -> datetime:
    """The newest measurement hour (HH:00 KST) treated as published at ``at`` (from HH:20)."""
    k = to_kst(at) - REALTIME_PUBLICATION_DELAY
    return k.replace(minute=0, second=0, microsecond=0)


def next_realtime_publication(at: datetime) -> datetime:
    """The first real-time publication instant (HH:20) strictly after ``at``."""
    return latest_realtime_hour(at) + timedelta(hours=1) + REALTIME_PUBLICATION_DELAY


def realtime_partition_key(hour: datetime) -> str:
    """Partition key of a measurement hour, same format as the forecast keys."""
    k = to_kst(hour)
    if (k.minute, k.second, k.microsecond) != (0, 0, 0):
        raise ValueError(f"{_fmt(k)} is not a measurement hour (HH:00)")
    return k.strftime(PARTITION_KEY_FORMAT)


def realtime_hour_from_partition_key(key: str) -> datetime:
    """Inverse of :func:`realtime_partition_key`."""
    try:
        naive = datetime.strptime(key, PARTITION_KEY_FORMAT)
    except (TypeError, ValueError):
        raise ValueError(f"bad air-quality real-time partition key {key!r}: expected 'YYYY-MM-DD-HH:MM'") from None
    if naive.minute:
        raise ValueError(f"bad air-quality real-time partition key {key!r}: not on the hour")
    return naive.replace(tzinfo=KST)


# --------------------------------------------------------------------------- cache lifetime


def forecast_cache_ttl_s(search_day: date, now: datetime) -> int:
    """How long a forecast page for ``search_day`` may be cached at ``now`` (0: do not cache).

    Only a final day (its 23:00 issuance published) is cached, for a day: a page of the current day
    cached while the newest issuance was still missing would hide that issuance from the retries
    that wait for it.
    """
    last = publication_time(issuances_on(search_day)[-1])
    return 86_400 if to_kst(now) >= last + NOT_PUBLISHED_GRACE else 0

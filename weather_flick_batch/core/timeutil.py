"""Time helpers. Everything in the platform is timezone-aware; schedules and partitions are KST.

The previous system mixed naive server time and UTC, so dates between 00:00 and 09:00 KST landed
on the wrong day. Nothing here returns a naive datetime.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
KST_NAME = "Asia/Seoul"


def now_kst() -> datetime:
    return datetime.now(tz=KST)


def today_kst() -> date:
    return now_kst().date()


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Reject naive datetimes loudly instead of guessing their zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    return value


def to_kst(value: datetime) -> datetime:
    return require_aware(value).astimezone(KST)


def to_utc(value: datetime) -> datetime:
    return require_aware(value).astimezone(timezone.utc)

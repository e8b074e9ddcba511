"""Warehouse retention: which rows of which tables expire, and from when (no Dagster here).

Raw weather partitions accumulate eight short-range issuances, 24 nowcast hours and two medium-range
issuances a day for ever unless something deletes them; so do the audit trail and the rejects. Only
what nothing reads any more goes:

- the KMA tables keep ``WEATHER_FLICK_WEATHER_RETENTION_DAYS`` of partitions (at least 8: the
  forecast verification reads a rolling week of forecasts and observations, the outlook the newest
  two issuances);
- load_audit and destination_rejects keep ``WEATHER_FLICK_AUDIT_RETENTION_DAYS``;
- destination_weather_scores loses the days before today (KST): past the horizon, nobody travels there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Rule:
    table: str
    column: str  # rows with column < cutoff expire
    keep_days: int
    setting: str | None  # the setting keep_days comes from (None: fixed by what the table is)
    is_date: bool = False  # the column is a DATE (compared with a date), not a timestamp

    def cutoff(self, now: datetime) -> Any:
        """The first instant (or day) kept; ``now`` is timezone-aware (KST for the day boundary)."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if self.is_date:
            return now.date() - timedelta(days=self.keep_days)
        return now - timedelta(days=self.keep_days)


def rules(weather_days: int, audit_days: int) -> list[Rule]:
    weather = "WEATHER_FLICK_WEATHER_RETENTION_DAYS"
    audit = "WEATHER_FLICK_AUDIT_RETENTION_DAYS"
    return [
        Rule("weather_nowcast", "partition_hour", weather_days, weather),
        Rule("weather_short_range", "partition_issuance", weather_days, weather),
        Rule("weather_ultra_short", "partition_base", weather_days, weather),
        Rule("air_dust_forecast", "partition_issuance", weather_days, weather),
        Rule("weather_mid_land", "partition_tm_fc", weather_days, weather),
        Rule("weather_mid_ta", "partition_tm_fc", weather_days, weather),
        Rule("load_audit", "written_at", audit_days, audit),
        Rule("destination_rejects", "rejected_at", audit_days, audit),
        Rule("destination_weather_scores", "forecast_date", 0, None, is_date=True),
    ]


def describe(rule: Rule, cutoff: date | datetime) -> str:
    when = cutoff.isoformat() if isinstance(cutoff, date) and not isinstance(cutoff, datetime) \
        else cutoff.strftime("%Y-%m-%d %H:%M %Z")
    return f"{rule.table}: {rule.column} before {when}"

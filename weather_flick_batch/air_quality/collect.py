"""What an asset calls: one forecast issuance, one real-time snapshot. Dagster-free.

``collect_forecast(source, issuance)`` lists the issuance's day (``searchDate``), keeps the items of
that issuance and parses them. An issuance absent from the listing is *not published yet*
(:class:`ForecastNotPublishedError`, a ``TransientApiError``: the step's retry policy tries again)
until :data:`~weather_flick_batch.air_quality.issuance.NOT_PUBLISHED_GRACE` after its publication
time, then ``NoDataError`` (one clear line: AirKorea skipped it or no longer serves it). Calling it
before the publication time raises :class:`ForecastNotPublishedError` without spending a call.

``collect_realtime(source)`` lists every station (``전국`` by default), parses and aggregates them
per district and province. An empty listing is a transient fault, never an empty table.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from weather_flick_batch.air_quality import issuance as I
from weather_flick_batch.air_quality import regions as R
from weather_flick_batch.air_quality.client import OP_FORECAST, OP_REALTIME, SERVICE, AirKoreaSource
from weather_flick_batch.air_quality.parsing import (
    ForecastReport,
    RealtimeReport,
    parse_forecast,
    parse_realtime,
    realtime_by_district,
)
from weather_flick_batch.core.apiclient import NoDataError, TransientApiError

__all__ = [
    "ForecastNotPublishedError",
    "EmptyRealtimeError",
    "ForecastCollection",
    "RealtimeCollection",
    "collect_forecast",
    "collect_realtime",
]

log = logging.getLogger(__name__)


class ForecastNotPublishedError(TransientApiError):
    """The issuance is not (yet) in AirKorea's listing: retry later."""


class EmptyRealtimeError(TransientApiError):
    """AirKorea listed no station at all: a server fault, retried, never written as an empty snapshot."""


@dataclass
class ForecastCollection:
    """One issuance: grade rows (``FORECAST_COLUMNS``), texts (``FORECAST_TEXT_COLUMNS``) and the report."""

    issuance: datetime
    rows: pd.DataFrame
    texts: pd.DataFrame
    report: ForecastReport
    simulated: bool
    items_listed: int

    def as_metadata(self) -> dict[str, Any]:
        summary = self.report.summary()
        meta: dict[str, Any] = {
            "issuance": self.issuance.isoformat(),
            "partition_key": I.partition_key(self.issuance),
            "simulated": self.simulated,
            "items_listed_for_day": self.items_listed,
            "items_of_issuance": summary["items_total"],
            "rows": int(len(self.rows)),
            "inform_codes": sorted(set(self.texts["inform_code"])) if len(self.texts) else [],
            "target_dates": sorted({d.isoformat() for d in self.texts["inform_date"]}) if len(self.texts) else [],
            "clean": self.report.clean,
        }
        for key in ("items_malformed", "placeholders", "duplicate_items", "duplicate_regions"):
            meta[key] = summary[key]
        for key in ("unknown_inform_codes", "unknown_regions", "unknown_grades", "expanded_groups", "missing_regions"):
            if summary[key]:
                meta[key] = summary[key]
        if summary["malformed_examples"]:
            meta["malformed_examples"] = summary["malformed_examples"][:5]
        return meta


@dataclass
class RealtimeCollection:
    """One snapshot: station rows (``REALTIME_COLUMNS``), per-district/province aggregates, the report."""

    sido_name: str
    rows: pd.DataFrame
    by_district: pd.DataFrame
    report: RealtimeReport
    simulated: bool
    data_time: datetime | None

    def as_metadata(self) -> dict[str, Any]:
        summary = self.report.summary()
        meta: dict[str, Any] = {
            "sido_name": self.sido_name,
            "simulated": self.simulated,
            "data_time": self.data_time.isoformat() if self.data_time is not None else None,
            "stations": int(len(self.rows)),
            "stations_with_district": int(self.rows["sigungu_code"].notna().sum()) if len(self.rows) else 0,
            "provinces": int(self.rows["region_code"].nunique()) if len(self.rows) else 0,
            "clean": self.report.clean,
        }
        for key in ("items_total", "items_malformed", "duplicate_rows", "grades_computed", "stations_unassigned",
                    "stale_rows"):
            meta[key] = summary[key]
        for key in ("missing_values", "flagged_values", "implausible", "unknown_sido", "stations_unassigned_examples",
                    "malformed_examples"):
            if summary[key]:
                meta[key] = summary[key]
        return meta


def _now(source: AirKoreaSource, now: datetime | None) -> datetime:
    if now is not None:
        return I.to_kst(now)
    clock = getattr(source, "now", None)
    if callable(clock):
        return I.to_kst(clock())
    from weather_flick_batch.core.timeutil import now_kst

    return now_kst()


def _issued_at(item: Any) -> datetime | None:
    if not isinstance(item, Mapping):
        return None
    try:
        return I.parse_data_time(item.get("dataTime"))
    except ValueError:
        return None


def _fmt(dt: datetime) -> str:
    return I.to_kst(dt).strftime("%Y-%m-%d %H:%M KST")


def collect_forecast(
    source: AirKoreaSource,
    issuance: datetime,
    *,
    now: datetime | None = None,
    cache_ttl_s: int | None = None,
) -> ForecastCollection:
    """Fetch and parse one forecast issuance (05/11/17/23 KST) for all pollutants.

    ``now`` defaults to the source's clock (the sample source) or the wall clock. ``cache_ttl_s``
    is passed to the listing; :func:`issuance.forecast_cache_ttl_s` gives a safe value (0 unless
    the day is final). Items with an unreadable ``dataTime`` are parsed with the issuance so they
    are reported, not silently ignored.
    """
    base = I.issuance_from_partition_key(I.partition_key(issuance))  # validates, normalises to KST
    at = _now(source, now)
    published = I.publication_time(base)
    if at < published:
        raise ForecastNotPublishedError(
            f"{SERVICE} forecast issuance {_fmt(base)} is not published before {_fmt(published)} (now {_fmt(at)}); "
            f"the newest available is {_fmt(I.latest_issuance(at))}",
            service=SERVICE, operation=OP_FORECAST)
    items = source.forecast(I.search_date(base), cache_ttl_s=cache_ttl_s)
    mine = [item for item in items if _issued_at(item) in (base, None)]
    parsed = parse_forecast(mine, latest_only=False)
    keep_rows = parsed.rows["issued_at"] == pd.Timestamp(base)
    keep_texts = parsed.texts["issued_at"] == pd.Timestamp(base)
    rows = parsed.rows[keep_rows].reset_index(drop=True)
    texts = parsed.texts[keep_texts].reset_index(drop=True)
    if texts.empty:
        listed = sorted({_fmt(t) for t in (_issued_at(i) for i in items) if t is not None})
        what = f"lists {', '.join(listed)}" if listed else "lists nothing"
        if at < published + I.NOT_PUBLISHED_GRACE:
            raise ForecastNotPublishedError(
                f"{SERVICE} forecast issuance {_fmt(base)} is not in the listing yet (searchDate "
                f"{I.search_date(base)} {what}); treated as not published, retry later",
                service=SERVICE, operation=OP_FORECAST)
        raise NoDataError(
            f"{SERVICE} has no forecast issuance {_fmt(base)} (searchDate {I.search_date(base)} {what}, "
            f"{_hours(at - published)} h after its publication time): it was skipped or is no longer served",
            service=SERVICE, operation=OP_FORECAST, code="03")
    if not parsed.report.clean:
        log.warning("%s forecast %s: %s", SERVICE, _fmt(base), {k: v for k, v in parsed.report.summary().items()
                                                               if v and k != "items_total"})
    return ForecastCollection(issuance=base, rows=rows, texts=texts, report=parsed.report,
                              simulated=bool(getattr(source, "simulated", False)), items_listed=len(items))


def _hours(delta: Any) -> str:
    return f"{delta.total_seconds() / 3600:.1f}"


def collect_realtime(
    source: AirKoreaSource,
    sido_name: str = R.ALL_SIDO,
    *,
    cache_ttl_s: int | None = None,
) -> RealtimeCollection:
    """Fetch, parse and aggregate the current real-time snapshot (every station of ``sido_name``)."""
    items = source.realtime(sido_name, cache_ttl_s=cache_ttl_s)
    if not items:
        raise EmptyRealtimeError(f"{SERVICE} {OP_REALTIME} listed no station for sidoName {sido_name!r}: "
                                 f"treated as a transient server fault, nothing is written",
                                 service=SERVICE, operation=OP_REALTIME)
    parsed = parse_realtime(items, sido_name=sido_name)
    if parsed.rows.empty:
        raise EmptyRealtimeError(f"{SERVICE} {OP_REALTIME} returned {len(items)} row(s) for {sido_name!r} but none "
                                 f"was usable ({parsed.report.summary()['malformed_examples'][:2]})",
                                 service=SERVICE, operation=OP_REALTIME)
    newest = parsed.rows["data_time"].max()
    return RealtimeCollection(
        sido_name=sido_name, rows=parsed.rows, by_district=realtime_by_district(parsed.rows), report=parsed.report,
        simulated=bool(getattr(source, "simulated", False)),
        data_time=newest.to_pydatetime() if not pd.isna(newest) else None,
    )

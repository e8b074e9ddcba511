"""The destination assets' publication checks as plain functions (no Dagster here).

Each ``*_verdicts`` function is what the asset's gate evaluates (``destinations/assets.py`` turns the
verdicts into check results, in the order of its check specs) and what the re-audit of the published
rows evaluates (:data:`PUBLISHED_AUDITS`, core/published.py): the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from weather_flick_batch.core.published import PublishedCheck, ReAudit, Verdicts, scope, written
from weather_flick_batch.core.quality import Verdict, unique_keys
from weather_flick_batch.core.regions import PROVINCES

if TYPE_CHECKING:
    import pandas as pd

    from weather_flick_batch.warehouse.warehouse import Warehouse

# Inside Korea, as the catalogue and festival checks judge it.
KOREA_LAT = (33, 39)
KOREA_LON = (124, 132)
CALENDAR_DAYS = 60  # festival_calendar_not_empty looks this far ahead
# Checks whose gate reports a failure as a warning (the asset's AssetCheckSeverity.WARN).
WARN_ONLY = frozenset({"festival_calendar_not_empty"})


# -- the checks ----------------------------------------------------------------------------------
def districts_verdicts(districts: pd.DataFrame) -> Verdicts:
    """``every_province_has_districts`` on the districts rows (region_code, sigungu_code, ...)."""
    per_province = districts.groupby("region_code").size()
    missing = sorted({p.area_code for p in PROVINCES} - set(per_province.index))
    return {"every_province_has_districts": Verdict(
        not missing, {"provinces_with_districts": len(per_province), "missing": str(missing)},
        "every province has districts" if not missing else f"no districts for {missing}")}


def catalogue_verdicts(state: pd.DataFrame, area_code: int | None, known_districts: Iterable[int]
                       ) -> Verdicts:
    """The catalogue checks on one province's destinations (``state``: active and withdrawn rows).

    ``area_code``: the partition's TourAPI area code (None: rows that belong to no province);
    ``known_districts``: the province's sigungu codes.
    """
    known = list(known_districts)
    active = state[state["is_active"].astype(bool)]
    required = active[["title", "content_type_id", "latitude", "longitude"]].isna().any(axis=1) | (
        active["title"].astype(str).str.strip() == "")
    outside = ~(active["latitude"].between(*KOREA_LAT) & active["longitude"].between(*KOREA_LON))
    unknown_district = active["sigungu_code"].notna() & ~active["sigungu_code"].isin(set(known))
    wrong_region = active["region_code"] != area_code
    misplaced = unknown_district.any() or wrong_region.any()
    return {
        "catalogue_required_fields": Verdict(
            not required.any(), {"violations": int(required.sum())}, f"{int(required.sum())} rows lack fields"),
        "catalogue_inside_korea": Verdict(
            not outside.any(), {"outside": int(outside.sum())}, f"{int(outside.sum())} rows outside Korea"),
        "catalogue_unique_ids": unique_keys(state, ["content_id"]),
        "catalogue_known_region": Verdict(
            not misplaced,
            {"unknown_district": int(unknown_district.sum()), "wrong_region": int(wrong_region.sum()),
             "districts_known": len(known)},
            "every destination in its region and a known district" if not misplaced
            else f"{int(unknown_district.sum())} unknown districts, {int(wrong_region.sum())} wrong regions"),
    }


def festival_verdicts(festivals: pd.DataFrame, today: date) -> Verdicts:
    """``festival_dates_valid`` (blocking) and ``festival_calendar_not_empty`` (a warning) on the festival
    rows as of ``today``."""
    import pandas as pd

    starts = pd.to_datetime(festivals["event_start_date"])
    ends = pd.to_datetime(festivals["event_end_date"])
    bad = int(((ends < starts) | ~festivals["latitude"].between(*KOREA_LAT)).sum())
    upcoming = int(((starts.dt.date <= today + timedelta(days=CALENDAR_DAYS)) & (ends.dt.date >= today)).sum())
    return {
        "festival_dates_valid": Verdict(bad == 0, {"invalid": bad}, f"{bad} festivals with bad dates or places"),
        "festival_calendar_not_empty": Verdict(
            upcoming > 0, {"upcoming_60_days": upcoming}, f"{upcoming} festivals in the next 60 days"),
    }


def pet_tour_verdicts(pet_tour: pd.DataFrame, active_ids: Collection[str]) -> Verdicts:
    """``pet_tour_in_catalogue``: content_id unique and non-null, an area code, and every row an active
    destination (``active_ids``; the asset builds its rows from them, a published row may outlive one)."""
    ids = pet_tour["content_id"]
    bad = int(ids.isna().sum() + ids.duplicated().sum() + pet_tour["area_code"].isna().sum())
    not_active = int((ids.notna() & ~ids.isin(set(active_ids))).sum())
    description = f"{bad} rows without a unique id or area code"
    if not_active:
        description += f", {not_active} not an active destination"
    return {"pet_tour_in_catalogue": Verdict(
        bad == 0 and not_active == 0, {"rows": len(pet_tour), "bad_rows": bad, "not_active_destinations": not_active},
        description)}


def cells_verdicts(active_ids: pd.Series, cells: pd.DataFrame) -> Verdicts:
    """``every_destination_has_a_cell``: every active destination has a row in the forecast cells."""
    missing = int((~active_ids.isin(set(cells["content_id"]))).sum())
    return {"every_destination_has_a_cell": Verdict(
        missing == 0, {"active": len(active_ids), "mapped": len(active_ids) - missing},
        f"{missing} destinations without a cell")}


# -- re-audits of what is published ---------------------------------------------------------------
def combine(parts: dict[str, Verdicts], unit: str = "provinces") -> Verdicts:
    """One verdict per check from the verdicts of several partitions judged separately: passed when every
    partition passed; counts summed; the failing partitions' descriptions, each with its label."""
    names = list(next(iter(parts.values())))
    out: Verdicts = {}
    for name in names:
        verdicts = {label: checks[name] for label, checks in parts.items()}
        failed = {label: v for label, v in verdicts.items() if not v.passed}
        metadata: dict = {}
        for v in verdicts.values():
            for key, value in v.metadata.items():
                if isinstance(value, int) and not isinstance(value, bool):
                    metadata[key] = metadata.get(key, 0) + value
                else:
                    metadata.setdefault(key, value)
        metadata[unit] = len(verdicts)
        metadata[f"{unit}_failing"] = len(failed)
        description = ("; ".join(f"{label}: {v.description}" for label, v in failed.items()) if failed
                       else f"{next(iter(verdicts.values())).description} ({len(verdicts)} {unit})")
        out[name] = Verdict(not failed, metadata, description)
    return out


def audit_districts(wh: Warehouse) -> PublishedCheck | None:
    from weather_flick_batch.warehouse import schema

    districts = wh.read_table(schema.districts)
    if districts.empty:
        return None
    return PublishedCheck(scope(_published(districts["updated_at"]), len(districts)), districts_verdicts(districts))


def audit_catalogue(wh: Warehouse) -> PublishedCheck | None:
    """Every province's published destinations, judged per province as its partition's gate judges them
    (the known districts of the province as published now). Rows whose region is no province belong to
    no partition: they are judged as a partition of their own and fail ``catalogue_known_region``."""
    from weather_flick_batch.warehouse import schema

    destinations = wh.read_table(schema.destinations)
    if destinations.empty:
        return None
    districts = wh.read_table(schema.districts, columns=["region_code", "sigungu_code"])
    parts: dict[str, Verdicts] = {}
    for province in PROVINCES:
        rows = destinations[destinations["region_code"] == province.area_code]
        if rows.empty:
            continue  # a province not synced yet has published nothing
        known = districts.loc[districts["region_code"] == province.area_code, "sigungu_code"]
        parts[province.name_en.lower()] = catalogue_verdicts(rows, province.area_code, known)
    for region in sorted(set(destinations["region_code"]) - {p.area_code for p in PROVINCES}):
        rows = destinations[destinations["region_code"] == region]
        parts[f"region_code {region} (no province)"] = catalogue_verdicts(rows, None, [])
    synced = sum(1 for p in PROVINCES if p.name_en.lower() in parts)
    label = f"{synced} provinces, {_published(destinations['last_synced_at'])}"
    return PublishedCheck(scope(label, len(destinations)), combine(parts))


def audit_festivals(wh: Warehouse) -> PublishedCheck | None:
    """The published festivals; the calendar is judged as of today (the re-audit's day, not the run's)."""
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.warehouse import schema

    festivals = wh.read_table(schema.festival_events)
    if festivals.empty and not written(wh, schema.festival_events.name):
        return None
    today = now_kst().date()
    verdicts = festival_verdicts(festivals, today)
    calendar = verdicts["festival_calendar_not_empty"]
    verdicts["festival_calendar_not_empty"] = replace(
        calendar, description=f"{calendar.description} (counted from {today}, the re-audit's day)")
    return PublishedCheck(scope(_published(festivals["updated_at"]), len(festivals)), verdicts,
                          warn_only=WARN_ONLY)


def audit_pet_tour(wh: Warehouse) -> PublishedCheck | None:
    """The published pet-travel rows against the catalogue's active destinations as published now."""
    from weather_flick_batch.warehouse import schema

    pet_tour = wh.read_table(schema.pet_tour_info, columns=["content_id", "area_code", "last_sync_at"])
    if pet_tour.empty and not written(wh, schema.pet_tour_info.name):
        return None
    active = wh.read_table(schema.destinations, {"is_active": True}, columns=["content_id"])["content_id"]
    return PublishedCheck(scope(_published(pet_tour["last_sync_at"]), len(pet_tour)),
                          pet_tour_verdicts(pet_tour, active))


def audit_forecast_cells(wh: Warehouse) -> PublishedCheck | None:
    """The published cells against the catalogue's active destinations as published now (a destination
    the catalogue activated since the cells were computed is reported until they are computed again)."""
    from weather_flick_batch.warehouse import schema

    cells = wh.read_table(schema.destination_forecast_cells, columns=["content_id", "updated_at"])
    if cells.empty and not written(wh, schema.destination_forecast_cells.name):
        return None
    active = wh.read_table(schema.destinations, {"is_active": True}, columns=["content_id"])["content_id"]
    return PublishedCheck(scope(_published(cells["updated_at"]), len(cells)), cells_verdicts(active, cells))


def _published(stamps: pd.Series) -> str:
    """When the rows were published (the newest stamp), as the scope says it."""
    return f"published {stamps.max():%Y-%m-%dT%H:%M}" if len(stamps) else "published empty"


PUBLISHED_AUDITS: dict[str, ReAudit] = {
    "destinations/districts": audit_districts,
    "destinations/catalogue": audit_catalogue,
    "destinations/festivals": audit_festivals,
    "destinations/pet_tour_info": audit_pet_tour,
    "destinations/forecast_cells": audit_forecast_cells,
}

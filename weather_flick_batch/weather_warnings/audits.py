"""The publication checks of the warnings assets, as plain functions (no Dagster here).

``zones_verdicts`` and ``warnings_verdicts`` are what the gates of weather/warning_zones and
weather/warnings evaluate before they publish (weather_warnings/assets.py); ``PUBLISHED_AUDITS`` runs
them again on what is published (core/published.py, ``make checks``).

The warnings gate judges the run's input as well as its rows: ``warnings_unique`` holds the source to
its promise of one row per zone and kind *before* the write drops duplicates, and
``warnings_zones_resolved`` counts the zones the run could not resolve. After the fact only the
published rows are left: the re-audit checks their keys, and calls a land warning in force that has
no province or district row in weather_warning_areas unmapped (the published form of the same fault).
The verdicts' descriptions say so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from weather_flick_batch.core import quality
from weather_flick_batch.core.published import PublishedCheck, ReAudit, published_label, scope, whole_table

# warehouse.schema (SQLAlchemy) is imported by the audit_* functions that read the warehouse: the assets
# import this module at code-location load for its verdict functions, which need neither.
if TYPE_CHECKING:
    import pandas as pd

    from weather_flick_batch.warehouse.warehouse import Warehouse

WARNING_KEY = ["area_name", "kind"]


# -- the checks (the gates call these on the new rows) --------------------------------------------
def zones_verdicts(zones: pd.DataFrame, districts: pd.DataFrame) -> Verdicts:
    """``zones``: the zone mapping (region and district codes as integers, 0 for none); ``districts``:
    the catalogue's ``region_code, sigungu_code``."""
    land = zones[zones["zone_type"] != "sea"]
    covered = set(zip(land["region_code"], land["sigungu_code"]))
    missing = [(r, d) for r, d in zip(districts["region_code"], districts["sigungu_code"]) if (r, d) not in covered]
    return {"zones_cover_every_district": quality.Verdict(
        not missing, {"zones": int(zones["zone_id"].nunique()), "districts_uncovered": len(missing)},
        "every district is in a land zone" if not missing else f"{len(missing)} districts in no zone: {missing[:5]}")}


#: A zone KMA renamed or added must not hold back every other warning in force: it is reported (WARN),
#: and the warnings that resolved are published (the unmapped one reaches no recommendation).
WARN_ONLY = frozenset({"warnings_zones_resolved"})


def warnings_verdicts(in_force: pd.DataFrame, unmapped: int, zone_problems: Any) -> Verdicts:
    """``in_force``: the warnings in force (one row per zone and kind, if the source keeps its promise);
    ``unmapped``: how many zones did not resolve, ``zone_problems``: which (for the description)."""
    return {
        "warnings_unique": quality.unique_keys(in_force, WARNING_KEY),
        "warnings_zones_resolved": quality.Verdict(
            unmapped == 0, {"unmapped_zones": unmapped},
            "every zone mapped" if unmapped == 0 else f"{unmapped} zones unmapped: {zone_problems}"),
    }


def unmapped_land_warnings(warnings: pd.DataFrame, areas: pd.DataFrame) -> list[str]:
    """Land warnings in force with no province or district row: zones that resolved to nothing."""
    land = warnings[~warnings["is_sea"].astype(bool)]
    placed = set(zip(areas["area_name"], areas["kind"]))
    return sorted({f"{a} {k}" for a, k in zip(land["area_name"], land["kind"]) if (a, k) not in placed})


# -- the re-audits (the same checks on what is published) ----------------------------------------
def audit_warning_zones(wh: Warehouse) -> PublishedCheck | None:
    from weather_flick_batch.warehouse import schema

    zones = whole_table(wh, schema.weather_warning_zones)
    if zones is None:
        return None
    districts = wh.read_table(schema.districts, columns=["region_code", "sigungu_code"])
    return PublishedCheck(scope(published_label(zones, "updated_at"), len(zones)), zones_verdicts(zones, districts))


def audit_warnings(wh: Warehouse) -> PublishedCheck | None:
    from weather_flick_batch.warehouse import schema

    warnings = whole_table(wh, schema.weather_warnings)
    if warnings is None:
        return None
    areas = wh.read_table(schema.weather_warning_areas, columns=["area_name", "kind"])
    unmapped = unmapped_land_warnings(warnings, areas)
    verdicts = warnings_verdicts(
        warnings, len(unmapped),
        f"land warnings in force with no province or district in weather_warning_areas: {', '.join(unmapped[:10])}")
    verdicts["warnings_unique"].description += (
        " (the published rows; duplicates the source sent are dropped before the write and only the gate sees them)")
    verdicts["warnings_zones_resolved"].description += (
        " (re-audit: the land warnings in force each have a province or district row; the run's events of lifted "
        "warnings and sea zones are not kept)")
    return PublishedCheck(scope(published_label(warnings), len(warnings)), verdicts, warn_only=WARN_ONLY)


PUBLISHED_AUDITS: dict[str, ReAudit] = {
    "weather/warning_zones": audit_warning_zones,
    "weather/warnings": audit_warnings,
}

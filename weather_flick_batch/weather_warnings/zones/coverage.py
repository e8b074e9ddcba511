"""The zone mapping as warehouse rows (``weather_warning_zones``) and its coverage summary."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from weather_flick_batch.weather_warnings.zones.code_table import ZONE_CODES_PATH, _load_zone_code_rows
from weather_flick_batch.weather_warnings.zones.mapping import ZONES, _districts, district_name, zone_by_name

# --------------------------------------------------------------------------------------------
# Warehouse tables
# --------------------------------------------------------------------------------------------

ZONE_MAPPING_COLUMNS: dict[str, str] = {
    "zone_id": "str",
    "zone_name": "str",
    "zone_type": "str",
    "area_code": "str",
    "aliases": "str",
    "region_code": "Int64",
    "sigungu_code": "Int64",
    "sigungu_name": "str",
    "coverage": "str",
    "source": "str",
    "note": "str",
}


def zone_mapping_frame() -> pd.DataFrame:
    """The whole mapping as rows for a warehouse table, one row per (zone, district).

    Land and province-aggregate zones: one row per district covered (``coverage`` whole/part).
    Sea zones: one row per coast province (``coverage`` ``"coast"``, ``sigungu_code`` NA), or
    one row with ``region_code`` NA for offshore zones. ``area_code`` comes from the code table
    when a code's name resolves to the zone (``|``-joined when several). Sorted by zone_id.
    """
    codes_by_zone: dict[str, list[str]] = {}
    for row in _load_zone_code_rows(str(ZONE_CODES_PATH)):
        zone = zone_by_name(row["area_name"])
        if zone is not None and row["area_code"] not in codes_by_zone.setdefault(zone.zone_id, []):
            codes_by_zone[zone.zone_id].append(row["area_code"])
    rows: list[dict[str, Any]] = []
    for zone in sorted(ZONES.values(), key=lambda z: z.zone_id):
        base = {
            "zone_id": zone.zone_id,
            "zone_name": zone.name,
            "zone_type": zone.zone_type,
            "area_code": "|".join(codes_by_zone.get(zone.zone_id, [])) or None,
            "aliases": "|".join(zone.aliases) or None,
            "source": zone.source,
            "note": zone.note or None,
        }
        if zone.is_sea:
            for region in zone.coast_regions or (None,):
                rows.append({**base, "region_code": region, "sigungu_code": None, "sigungu_name": None,
                             "coverage": "coast" if region is not None else "offshore"})
            continue
        for t in zone.targets:
            rows.append({**base, "region_code": t.region_code, "sigungu_code": t.sigungu_code,
                         "sigungu_name": district_name(t.region_code, t.sigungu_code), "coverage": t.coverage})
    frame = pd.DataFrame(rows, columns=list(ZONE_MAPPING_COLUMNS))
    for col, dtype in ZONE_MAPPING_COLUMNS.items():
        if dtype == "Int64":
            frame[col] = pd.array([None if pd.isna(v) else int(v) for v in frame[col]], dtype="Int64")
        else:
            frame[col] = pd.Series(frame[col].tolist(), index=frame.index, dtype="str")
    return frame


def coverage_summary() -> dict[str, Any]:
    """How much of TourAPI's district list the land zones cover (province aggregates excluded)."""
    covered: set[tuple[int, int]] = set()
    for zone in ZONES.values():
        if zone.zone_type == "land":
            covered.update((t.region_code, t.sigungu_code) for t in zone.targets if t.sigungu_code is not None)
    all_districts = {(region, code) for region, rows in _districts().items() for code in rows.values()}
    missing = sorted(all_districts - covered)
    land = [z for z in ZONES.values() if z.zone_type == "land"]
    return {
        "land_zones": len(land),
        "sea_zones": sum(1 for z in ZONES.values() if z.is_sea),
        "province_aggregates": sum(1 for z in ZONES.values() if z.zone_type == "province"),
        "districts_total": len(all_districts),
        "districts_covered": len(all_districts & covered),
        "provinces_covered": len({r for r, _ in covered}),
        "districts_missing": [(r, c, district_name(r, c)) for r, c in missing],
        "zones_by_source": dict(Counter(z.source for z in land)),
        "code_table_rows": len(_load_zone_code_rows(str(ZONE_CODES_PATH))),
    }

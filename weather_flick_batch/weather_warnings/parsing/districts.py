"""The warnings in force per TourAPI district: :func:`expand_to_districts` (through
:mod:`weather_flick_batch.weather_warnings.zones`), :func:`summarise_by_district` (the worst outdoor
effect, :mod:`weather_flick_batch.weather_warnings.codes`) and :func:`warnings_fingerprint` (the data
version that decides rescoring).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import pandas as pd

from weather_flick_batch.weather_warnings import codes, zones
from weather_flick_batch.weather_warnings.zones import ZoneReport, ZoneResolution
from weather_flick_batch.weather_warnings.parsing.frame import _TS, _frame

#: Columns of :func:`expand_to_districts`.
DISTRICT_COLUMNS: dict[str, Any] = {
    "as_of": _TS,
    "source": "str",
    "zone_id": "str",
    "area_code": "str",
    "area_name": "str",
    "kind_code": "Int64",
    "kind": "str",
    "level": "str",
    "level_rank": "int64",
    "level_label": "str",
    "region_code": "int64",  # TourAPI area code
    "sigungu_code": "Int64",  # TourAPI district; NA for scope "province" and "coast"
    "sigungu_name": "str",
    "scope": "str",  # "district" | "province" (district unknown) | "coast" (sea zone: coastal places)
    "coverage": "str",  # "whole" | "part" (zone covers part of the district) | "unknown" | "coast"
    "resolution": "str",  # code_table | name | rule | province_hint | sea
    "applies_to": "str",  # codes.KindPolicy.applies_to: outdoor | coastal | none
    "outdoor_effect": "str",  # none | lower | cap (for the places applies_to names)
    "issued_at": _TS,
    "start_time": _TS,
    "end_time": _TS,
    "in_effect": "bool",
}

#: Columns of :func:`summarise_by_district`.
SUMMARY_COLUMNS: dict[str, Any] = {
    "region_code": "int64",
    "sigungu_code": "Int64",
    "scope": "str",
    "outdoor_effect": "str",  # worst effect on outdoor places (kinds that apply to all outdoor places)
    "coastal_effect": "str",  # worst effect on coastal outdoor places (all kinds that apply to them)
    "max_level_rank": "int64",  # 1 주의보, 2 경보, 3 중대경보
    "warnings": "str",  # "호우경보|강풍주의보", most severe first
    "warning_count": "int64",
}


def _resolution_of(row: Mapping[str, Any]) -> ZoneResolution:
    zone_id = row.get("zone_id")
    if isinstance(zone_id, str) and zone_id in zones.ZONES:
        zone = zones.ZONES[zone_id]
        return ZoneResolution(row.get("area_code"), row.get("area_name"), zone, zone.targets, zone.coast_regions,
                              "sea" if zone.is_sea else "name")
    hint_text = row.get("zone_hint")
    hint = [int(h) for h in hint_text.split("|")] if isinstance(hint_text, str) and hint_text else None
    stn = row.get("stn_id")
    return zones.resolve_zone_detail(row.get("area_code") if isinstance(row.get("area_code"), str) else None,
                                     row.get("area_name") if isinstance(row.get("area_name"), str) else None,
                                     None if stn is None or pd.isna(stn) else int(stn), hint=hint)


def _na(value: Any) -> Any:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def expand_to_districts(frame: pd.DataFrame, report: ZoneReport | None = None) -> pd.DataFrame:
    """One row per (warning, district) (:data:`DISTRICT_COLUMNS`), through :mod:`.zones`.

    Land zones give ``scope`` ``"district"`` rows (``coverage`` whole/part); a zone known only by
    its province gives one ``"province"`` row (``sigungu_code`` NA); a sea zone gives one
    ``"coast"`` row per province whose coast it touches (offshore zones give none). Unmapped
    zones give no row and are recorded in ``report``. Not deduplicated: a district covered by two
    zones with the same warning (강릉평지 and 강원중부산지) has two rows; see
    :func:`summarise_by_district`.
    """
    rows: list[dict[str, Any]] = []
    for record in frame.to_dict("records"):
        record = {k: _na(v) for k, v in record.items()}
        resolution = _resolution_of(record)
        if report is not None:
            report.add(resolution)
        policy = codes.policy_for(record["kind_code"])
        effect = codes.outdoor_effect(record["kind_code"], int(record["level_rank"]))
        base = {
            "as_of": record["as_of"], "source": record["source"],
            "zone_id": record["zone_id"] or resolution.zone_id,
            "area_code": record["area_code"], "area_name": record["area_name"],
            "kind_code": record["kind_code"], "kind": record["kind"], "level": record["level"],
            "level_rank": record["level_rank"], "level_label": record["level_label"],
            "resolution": resolution.method, "applies_to": policy.applies_to, "outdoor_effect": effect,
            "issued_at": record["issued_at"], "start_time": record["start_time"], "end_time": record["end_time"],
            "in_effect": bool(record["in_effect"]),
        }
        if resolution.is_sea:
            for region in resolution.coast_regions:
                rows.append({**base, "region_code": region, "sigungu_code": None, "sigungu_name": None,
                             "scope": "coast", "coverage": "coast"})
            continue
        for target in resolution.targets:
            rows.append({
                **base, "region_code": target.region_code, "sigungu_code": target.sigungu_code,
                "sigungu_name": zones.district_name(target.region_code, target.sigungu_code),
                "scope": "district" if target.sigungu_code is not None else "province",
                "coverage": target.coverage,
            })
    out = _frame(rows, DISTRICT_COLUMNS)
    if out.empty:
        return out
    return out.sort_values(["region_code", "sigungu_code", "kind", "zone_id"], na_position="last",
                           kind="stable").reset_index(drop=True)


def summarise_by_district(districts: pd.DataFrame, *, include_pending: bool = True) -> pd.DataFrame:
    """One row per (region_code, sigungu_code, scope) of :func:`expand_to_districts` output.

    ``outdoor_effect``: the worst effect of kinds that apply to all outdoor places;
    ``coastal_effect``: the worst effect on coastal places (those kinds plus 풍랑 / 폭풍해일).
    A ``"coast"`` row (sea zone) only carries a coastal effect.
    """
    order = {name: i for i, name in enumerate(codes.EFFECT_ORDER)}
    groups: dict[tuple[int, Any, str], list[dict[str, Any]]] = {}
    for record in districts.to_dict("records"):
        record = {k: _na(v) for k, v in record.items()}
        if not include_pending and not record["in_effect"]:
            continue
        groups.setdefault((record["region_code"], record["sigungu_code"], record["scope"]), []).append(record)
    rows = []
    for (region, sigungu, scope), records in groups.items():
        outdoor = [r["outdoor_effect"] for r in records if r["applies_to"] == "outdoor"]
        coastal = [r["outdoor_effect"] for r in records if r["applies_to"] in ("outdoor", "coastal")]
        labels: dict[str, tuple[int, int]] = {}
        for r in records:
            label = f"{r['kind']}{r['level_label']}"
            labels[label] = max(labels.get(label, (-1, -1)), (order.get(r["outdoor_effect"], 0), r["level_rank"]))
        rows.append({
            "region_code": region,
            "sigungu_code": sigungu,
            "scope": scope,
            "outdoor_effect": max(outdoor, key=order.get, default="none"),
            "coastal_effect": max(coastal, key=order.get, default="none"),
            "max_level_rank": max(r["level_rank"] for r in records),
            "warnings": "|".join(sorted(labels, key=lambda k: (-labels[k][0], -labels[k][1], k))),
            "warning_count": len(labels),
        })
    out = _frame(rows, SUMMARY_COLUMNS)
    if out.empty:
        return out
    return out.sort_values(["region_code", "sigungu_code", "scope"], na_position="last",
                           kind="stable").reset_index(drop=True)


def warnings_fingerprint(areas: pd.DataFrame) -> str:
    """What the warnings in force do to recommendations and trips, independent of when they were read
    and of re-issues that change nothing (연장, 정정, a new status bulletin): the data version that
    decides whether the country is rescored."""
    columns = ["region_code", "sigungu_code", "scope", "kind", "level_rank", "applies_to", "outdoor_effect"]
    if areas is None or areas.empty:
        return hashlib.sha256(b"none").hexdigest()[:16]
    rows = sorted(map(str, areas[columns].astype(str).itertuples(index=False, name=None)))
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]

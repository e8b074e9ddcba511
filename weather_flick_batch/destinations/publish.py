"""The back end's tables built from the batch's catalogue, as plain pandas (no Dagster).

The catalogue (``destinations``) is the batch's master; the back end reads its own models' tables
(``warehouse/service_tables.py``). These functions turn one into the other, so the sync writes both
in one transaction. Rules, each from shared/reference/backend-contract.md:

* ``region_code`` and ``tour_api_area_code`` are the TourAPI area code as text ("1".."39"; 36 is
  경남 and 38 전남, the real codes, not the back end's front-end mapping).
* Only active destinations are published; a withdrawn one leaves the back end's table (it stays
  inactive in ``destinations``).
* TourAPI's own forms where the model keeps them: ``createdtime``/``modifiedtime`` as
  ``YYYYMMDDHHMMSS`` KST text, event dates as dates.
* ``category_code`` is TourAPI's ``cat3`` (the finest classification, fits VARCHAR(10)); where the
  model has a name for it (``category_name``, ``accommodation_type``, ``shop_type``...) the Korean
  label of that code is used.
* Values the batch has no source for are NULL (never invented): homepage, overview, amenities.
* ``processing_status`` says where a row came from: ``processed`` (TourAPI) or ``simulated`` (the
  offline sample catalogue of embedded mode).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from weather_flick_batch.core.regions import PROVINCE_BY_AREA_CODE, PROVINCES
from weather_flick_batch.destinations.sample_source import CAT3_LABELS, PROVINCE_FULL_NAMES
from weather_flick_batch.warehouse.schema import SERVICE_TABLES
from weather_flick_batch.warehouse.service_tables import TABLE_BY_CONTENT_TYPE

#: Namespace of ``pet_tour_info.id``: uuid5(content_id), so re-runs keep the same ids.
PET_TOUR_NAMESPACE = uuid.UUID("6f1c2b1e-5d0a-4f5e-9a57-0c1d2e3f4a5b")

#: TourAPI ``detailIntro2`` fields of a travel course (content type 25) -> travel_courses columns.
COURSE_INTRO_FIELDS: dict[str, str] = {
    "theme": "course_theme", "taketime": "required_time", "schedule": "schedule", "distance": "course_distance",
}
COURSE_DETAIL_COLUMNS = (*COURSE_INTRO_FIELDS.values(), "detail_intro_info")

#: ``detailPetTour2`` fields, in the order they are written into ``pet_info``, with their Korean labels.
PET_FIELDS: dict[str, str] = {
    "acmpyPsblCpam": "동반 가능 동물",
    "acmpyNeedMtr": "동반 시 필요사항",
    "relaPosesFclty": "관련 구비 시설",
    "relaFrnshPrdlst": "비치 품목",
    "relaRntlPrdlst": "대여 품목",
    "relaPurcPrdlst": "구매 품목",
    "relaAcdntRiskMtr": "사고 대비사항",
    "etcAcmpyInfo": "기타 동반 정보",
}


def _text(series: pd.Series, limit: int | None = None) -> pd.Series:
    """Stripped text, None where missing or blank, cut to ``limit`` characters (the model's length)."""
    def one(v: Any) -> str | None:
        text = str(v).strip() if pd.notna(v) else ""
        return (text[:limit] if limit else text) or None

    return pd.Series([one(v) for v in series], index=series.index, dtype=object)


def tourapi_time(series: pd.Series) -> pd.Series:
    """Timestamps as TourAPI writes them (YYYYMMDDHHMMSS in KST), None where missing."""
    stamps = pd.to_datetime(series, utc=True).dt.tz_convert("Asia/Seoul")
    return stamps.dt.strftime("%Y%m%d%H%M%S").astype(object).where(stamps.notna(), None)


def _code_text(series: pd.Series) -> pd.Series:
    return pd.Series([str(int(v)) if pd.notna(v) else None for v in series], index=series.index, dtype=object)


def _label(codes: pd.Series, fallback: str | None = None) -> pd.Series:
    return pd.Series([CAT3_LABELS.get(str(c), fallback) if pd.notna(c) else fallback for c in codes],
                     index=codes.index, dtype=object)


def _base(active: pd.DataFrame) -> dict[str, pd.Series]:
    """Columns most content tables share (the contract's STD, CAT, LOC, IMG, KTO and META bundles)."""
    region = _code_text(active["region_code"])
    return {
        "content_id": active["content_id"].astype(str),
        "region_code": region,
        "tour_api_area_code": region,
        "category_code": _text(active["cat3"], 10),
        "address": _text(active["addr1"]),
        "detail_address": _text(active["addr2"]),
        "zipcode": _text(active["zipcode"], 10),
        "latitude": active["latitude"].astype(float).round(8),
        "longitude": active["longitude"].astype(float).round(8),
        "tel": _text(active["tel"], 50),
        "first_image": _text(active["image_url"]),
        "first_image_small": _text(active["thumbnail_url"]),
        "createdtime": tourapi_time(active["created_time"]),
        "modifiedtime": tourapi_time(active["modified_time"]),
        "processing_status": _status(active),
        "created_at": active["first_seen_at"],
        "updated_at": active["last_synced_at"],
        "last_sync_at": active["last_synced_at"],
    }


#: ``processing_status`` of rows from the offline sample sources (the back end's own column for it:
#: its models leave no room for a ``simulated`` flag, and its migrations would drop one).
SIMULATED_STATUS = "simulated"


def _status(rows: pd.DataFrame) -> pd.Series:
    flags = rows["simulated"].astype(bool) if "simulated" in rows else pd.Series(False, index=rows.index)
    return pd.Series([SIMULATED_STATUS if f else "processed" for f in flags], index=rows.index, dtype=object)


def content_tables(
    state: pd.DataFrame,
    festival_dates: pd.DataFrame | None = None,
    course_details: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Every content table's rows for the destinations in ``state`` (the catalogue's columns).

    ``festival_dates``: content_id, event_start_date, event_end_date (from searchFestival2), used
    where the listing carries none. ``course_details``: content_id plus :data:`COURSE_DETAIL_COLUMNS`.
    Returns a frame (possibly empty) for every table in ``TABLE_BY_CONTENT_TYPE``.
    """
    active = state[state["is_active"].astype(bool)]
    out: dict[str, pd.DataFrame] = {}
    for content_type, table in TABLE_BY_CONTENT_TYPE.items():
        rows = active[active["content_type_id"] == content_type]
        base = _base(rows)
        name = rows["title"].astype(str)
        declared = SERVICE_TABLES[table].c
        # The shared bundle where the model declares the column; the rest per table (must be declared).
        cols: dict[str, pd.Series] = {k: v for k, v in base.items() if k in declared}
        if table == "tourist_attractions":
            cols.update(attraction_name=name, category_name=_label(base["category_code"]),
                        image_url=base["first_image"])
        elif table == "cultural_facilities":
            cols.update(facility_name=name, facility_type=_label(base["category_code"]))
        elif table == "festivals_events":
            cols.update(event_name=name, event_place=base["address"], **_festival_dates(rows, festival_dates))
        elif table == "restaurants":
            cols.update(restaurant_name=name, cuisine_type=_label(base["category_code"]))
        elif table == "accommodations":
            cols.update(accommodation_name=name,
                        # NOT NULL in the model: the code's label, else TourAPI's name for the content type.
                        accommodation_type=_label(base["category_code"], "숙박"),
                        address=pd.Series([v or "주소 미상" for v in base["address"]], index=rows.index, dtype=object))
        elif table == "shopping":
            cols.update(shop_name=name, shop_type=_label(base["category_code"]))
        elif table == "leisure_sports":
            cols.update(facility_name=name, sports_type=_label(base["category_code"]),
                        sigungu_code=_code_text(rows["sigungu_code"]))
        elif table == "travel_courses":
            cols.update(course_name=name, sigungu_code=_code_text(rows["sigungu_code"]),
                        **_course_details(rows, course_details))
        undeclared = sorted(set(cols) - set(declared.keys()))
        assert not undeclared, f"{table} does not declare {undeclared}"
        out[table] = pd.DataFrame(cols, index=rows.index).reset_index(drop=True)
    return out


def _festival_dates(rows: pd.DataFrame, festival_dates: pd.DataFrame | None) -> dict[str, pd.Series]:
    start, end = rows["event_start_date"], rows["event_end_date"]
    if festival_dates is not None and len(festival_dates):
        by_id = festival_dates.drop_duplicates("content_id").set_index("content_id")
        start = start.where(start.notna(), rows["content_id"].map(by_id["event_start_date"]))
        end = end.where(end.notna(), rows["content_id"].map(by_id["event_end_date"]))
    return {"event_start_date": start.astype(object).where(start.notna(), None),
            "event_end_date": end.astype(object).where(end.notna(), None)}


def _course_details(rows: pd.DataFrame, details: pd.DataFrame | None) -> dict[str, pd.Series]:
    if details is None or details.empty:
        return {c: pd.Series(None, index=rows.index, dtype=object) for c in COURSE_DETAIL_COLUMNS}
    by_id = details.drop_duplicates("content_id").set_index("content_id")
    return {c: rows["content_id"].map(by_id[c]).astype(object).where(rows["content_id"].isin(by_id.index), None)
            for c in COURSE_DETAIL_COLUMNS}


def course_details_from_intro(items: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """``detailIntro2`` answers (content_id -> item) as travel_courses detail columns; '' is NULL."""
    rows = []
    for content_id, item in items.items():
        row: dict[str, Any] = {"content_id": str(content_id)}
        for field, column in COURSE_INTRO_FIELDS.items():
            value = str(item.get(field, "") or "").strip()
            row[column] = value or None
        row["detail_intro_info"] = {k: str(v) for k, v in item.items() if str(v or "").strip()}
        rows.append(row)
    return pd.DataFrame(rows, columns=["content_id", *COURSE_DETAIL_COLUMNS])


# -- regions --------------------------------------------------------------------------------------
def province_region_rows(now: datetime) -> pd.DataFrame:
    """The back end's level-1 ``regions`` rows: keyed by the TourAPI code, grid cells computed."""
    rows = []
    for p in PROVINCES:
        code = str(p.area_code)
        rows.append({
            "region_code": code, "region_name": p.name_ko, "parent_region_code": None,
            "latitude": p.latitude, "longitude": p.longitude, "region_level": 1, "is_active": True,
            "grid_x": p.grid.nx, "grid_y": p.grid.ny, "region_name_full": PROVINCE_FULL_NAMES[p.area_code],
            "region_name_en": p.name_en, "region_id": code, "center_latitude": p.latitude,
            "center_longitude": p.longitude, "administrative_code": p.admin_code,
            # Keyed as the back end reads them: api_mappings->'tour_api'->>'area_code', ['kma']['region_code'].
            "api_mappings": {
                "tour_api": {"area_code": code},
                "kma": {"region_code": p.mid_land_reg_id, "mid_land_reg_id": p.mid_land_reg_id,
                        "mid_ta_reg_id": p.mid_ta_reg_id, "grid_x": p.grid.nx, "grid_y": p.grid.ny},
                "administrative": {"code": p.admin_code, "former_code": p.former_admin_code,
                                   "legal_dong_code": p.legal_dong_code},
            },
            "coordinate_info": {"latitude": p.latitude, "longitude": p.longitude, "grid_x": p.grid.nx,
                                "grid_y": p.grid.ny, "point": p.capital_ko,
                                "grid": "KMA 5 km Lambert conformal conic"},
            "tour_api_area_code": code, "created_at": now, "updated_at": now,
        })
    return pd.DataFrame(rows)


def district_region_rows(districts: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Level-2 ``regions`` rows from TourAPI's districts (region_code, sigungu_code, name_ko).

    Codes follow the previous batch (``"{area}_{sigungu}"``) so the back end's stored references
    keep resolving. TourAPI gives districts no coordinates: they carry their province's point and
    grid cell, and ``coordinate_info.source`` says so.
    """
    rows = []
    for d in districts.itertuples(index=False):
        p = PROVINCE_BY_AREA_CODE[int(d.region_code)]
        area, sigungu = str(int(d.region_code)), str(int(d.sigungu_code))
        rows.append({
            "region_code": f"{area}_{sigungu}", "region_name": d.name_ko, "parent_region_code": area,
            "latitude": p.latitude, "longitude": p.longitude, "region_level": 2, "is_active": True,
            "grid_x": p.grid.nx, "grid_y": p.grid.ny,
            "region_name_full": f"{PROVINCE_FULL_NAMES[p.area_code]} {d.name_ko}",
            "region_name_en": None, "region_id": f"{area}_{sigungu}", "center_latitude": p.latitude,
            "center_longitude": p.longitude, "administrative_code": None,
            "api_mappings": {"tour_api": {"area_code": area, "sigungu_code": sigungu},
                             "kma": {"region_code": p.mid_land_reg_id, "grid_x": p.grid.nx, "grid_y": p.grid.ny}},
            "coordinate_info": {"latitude": p.latitude, "longitude": p.longitude,
                                "source": "province representative point (TourAPI gives districts none)"},
            "tour_api_area_code": area, "created_at": now, "updated_at": now,
        })
    return pd.DataFrame(rows, columns=list(SERVICE_TABLES["regions"].columns.keys()))


# -- pet travel -----------------------------------------------------------------------------------
def pet_info_text(item: Mapping[str, Any]) -> str | None:
    """The detailPetTour2 fields as one readable text (labelled lines), None when all are empty."""
    lines = [f"{label}: {str(item.get(field) or '').strip()}" for field, label in PET_FIELDS.items()
             if str(item.get(field) or "").strip()]
    return "\n".join(lines) or None


def pet_tour_rows(items: list[Mapping[str, Any]], destinations: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """``pet_tour_info`` rows: detailPetTour2 items joined to the active catalogue by content id.

    Items for destinations the catalogue does not hold (not yet synced, withdrawn) are left out:
    the back end joins pet_tour_info to content tables by content_id.
    """
    active = destinations[destinations["is_active"].astype(bool)].drop_duplicates("content_id")
    by_id = active.set_index("content_id")
    rows = []
    for item in items:
        cid = str(item.get("contentid", "")).strip()
        if not cid or cid not in by_id.index:
            continue
        d = by_id.loc[cid]
        rows.append({
            "id": str(uuid.uuid5(PET_TOUR_NAMESPACE, cid)), "content_id": cid,
            "content_type_id": str(int(d["content_type_id"])), "title": d["title"], "address": d["addr1"],
            "latitude": round(float(d["latitude"]), 8), "longitude": round(float(d["longitude"]), 8),
            "area_code": str(int(d["region_code"])),
            "sigungu_code": None if pd.isna(d["sigungu_code"]) else str(int(d["sigungu_code"])),
            "tel": None if d["tel"] is None or pd.isna(d["tel"]) else str(d["tel"]),
            "first_image": d["image_url"], "first_image2": d["thumbnail_url"],
            "cat1": d["cat1"], "cat2": d["cat2"], "cat3": d["cat3"],
            "pet_acpt_abl": str(item.get("acmpyTypeCd") or "").strip() or None,
            "pet_info": pet_info_text(item),
            "processing_status": SIMULATED_STATUS if bool(d.get("simulated", False)) else "processed",
            "created_at": d["first_seen_at"], "updated_at": now, "last_sync_at": now,
        })
    columns = ["id", "content_id", "content_type_id", "title", "address", "latitude", "longitude", "area_code",
               "sigungu_code", "tel", "first_image", "first_image2", "cat1", "cat2", "cat3", "pet_acpt_abl",
               "pet_info", "processing_status", "created_at", "updated_at", "last_sync_at"]
    return pd.DataFrame(rows, columns=columns)

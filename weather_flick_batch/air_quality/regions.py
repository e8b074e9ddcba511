"""AirKorea's regions mapped onto the platform's keys (TourAPI area code + TourAPI district code).

Three AirKorea vocabularies meet the platform here:

1. The **19 forecast regions** of ``getMinuDustFrcstDspth`` (``informGrade``): 서울, 제주, 전남, 전북,
   광주, 경남, 경북, 울산, 대구, 부산, 충남, 충북, 세종, 대전, 영동, 영서, 경기남부, 경기북부, 인천.
   Fifteen are whole provinces. Two provinces are split:

   * **강원 (32) → 영동 / 영서.** AirKorea's own division is the one 한국환경공단 uses for its fine-dust
     alert zones in 강원: 영동남부 (강릉, 동해, 삼척, 태백), 영동북부 (속초, 양양, 고성) and 영서남부
     (원주, 횡성, 평창, 영월, 정선), 영서북부 (춘천, 홍천, 철원, 인제, 화천, 양구) — as printed with
     the 한국환경공단 alert notices (e.g. 연합뉴스 2026-02-22, "강원 영동남부 4개 시 미세먼지주의보
     해제", zone table). So 영동 = 강릉시, 동해시, 삼척시, 태백시, 속초시, 양양군, 고성군 (7) and
     영서 = the other 11 강원 districts. 태백 (on the ridge) is 영동 and 정선 is 영서, which also
     matches KMA's division (태백 11D20301 is in 강원영동, 정선 11D10502 in 강원영서).
   * **경기 (31) → 경기북부 / 경기남부.** 경기북부 is the official northern 경기: the 10 시·군 under
     경기도청 북부청사 (고양, 남양주, 파주, 의정부, 양주, 구리, 포천, 동두천, 가평, 연천; source:
     경기도 북부청사 jurisdiction, e.g. ko.wikipedia "경기북부"). 김포 is under the main 도청 and
     counts as 경기남부. 경기남부 = the other 21.

   For a split province without a district (province-level data) :func:`region_for` answers the
   region of the province's representative point in ``core.regions`` (수원시청 → 경기남부,
   춘천시청 → 영서); :func:`forecast_regions_for` gives both regions, for "worst of" logic.

2. The **17 ``sidoName`` values** of ``getCtprvnRltmMesureDnsty`` (서울 … 세종; ``전국`` means all).

3. **Stations.** ``getCtprvnRltmMesureDnsty`` returns ``stationName`` and ``sidoName`` but *no
   address or coordinates*, so a station can only be placed in a district by its name:
   :func:`assign_station` matches the district's name (``종로구``) or its stem without the 시/군/구
   suffix (``수원`` → 수원시) within the station's province, then a small hand-checked alias table
   (:data:`STATION_ALIASES`, dong-named stations), then an address if the caller has one. A
   province with a single district (세종) takes every station. Anything else counts for the
   province only (``sigungu_code`` ``None``). **Gap:** most stations outside Seoul are named after a
   dong (``행신동``, ``한강대로``), so district coverage is partial; the exact fix is the station list
   of ``MsrstnInfoInqireSvc/getMsrstnList`` (a separate data.go.kr subscription) whose ``addr``
   (``"경기 고양시 덕양구 ..."``) can be passed as ``address=`` here.

District codes are TourAPI's ``areaCode2`` codes from ``destinations/catalogue/districts.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "FORECAST_REGIONS",
    "WHOLE_PROVINCE_REGIONS",
    "SPLIT_PROVINCES",
    "YEONGDONG_DISTRICTS",
    "GYEONGGI_NORTH_DISTRICTS",
    "SPLIT_PROVINCE_DEFAULT",
    "REGION_GROUPS",
    "REGION_NAME_ALIASES",
    "SIDO_NAMES",
    "REGION_CODE_BY_SIDO_NAME",
    "SIDO_NAME_BY_REGION_CODE",
    "ALL_SIDO",
    "STATION_ALIASES",
    "LEGACY_DISTRICT_SUCCESSORS",
    "DISTRICTS_PATH",
    "ForecastRegionRow",
    "StationAssignment",
    "districts",
    "forecast_region_table",
    "forecast_region_frame",
    "region_for",
    "forecast_regions_for",
    "region_code_for_sido",
    "sido_name_for",
    "assign_station",
]

DISTRICTS_PATH = Path(__file__).resolve().parent.parent / "destinations" / "catalogue" / "districts.json"

#: The 19 forecast regions in the order AirKorea lists them in ``informGrade``.
FORECAST_REGIONS: tuple[str, ...] = (
    "서울", "제주", "전남", "전북", "광주", "경남", "경북", "울산", "대구", "부산",
    "충남", "충북", "세종", "대전", "영동", "영서", "경기남부", "경기북부", "인천",
)

#: Forecast regions that are one whole province → TourAPI area code.
WHOLE_PROVINCE_REGIONS: dict[str, int] = {
    "서울": 1, "인천": 2, "대전": 3, "대구": 4, "광주": 5, "부산": 6, "울산": 7, "세종": 8,
    "충북": 33, "충남": 34, "경북": 35, "경남": 36, "전북": 37, "전남": 38, "제주": 39,
}

#: Provinces split between two forecast regions: area code → (region of the listed districts, the rest).
SPLIT_PROVINCES: dict[int, tuple[str, str]] = {31: ("경기북부", "경기남부"), 32: ("영동", "영서")}

#: 강원 districts in 영동 (한국환경공단 alert zones 영동남부 + 영동북부); every other 강원 district is 영서.
YEONGDONG_DISTRICTS: frozenset[str] = frozenset({"강릉시", "동해시", "삼척시", "태백시", "속초시", "양양군", "고성군"})
#: 경기 districts in 경기북부 (경기도청 북부청사 jurisdiction); every other 경기 district is 경기남부.
GYEONGGI_NORTH_DISTRICTS: frozenset[str] = frozenset(
    {"고양시", "남양주시", "파주시", "의정부시", "양주시", "구리시", "포천시", "동두천시", "가평군", "연천군"}
)
_LISTED_DISTRICTS: dict[int, frozenset[str]] = {31: GYEONGGI_NORTH_DISTRICTS, 32: YEONGDONG_DISTRICTS}
_SPLIT_NOTES: dict[str, str] = {
    "경기북부": "경기도청 북부청사 jurisdiction (10 시·군)",
    "경기남부": "경기 outside the 북부청사 jurisdiction",
    "영동": "한국환경공단 alert zones 영동남부/영동북부",
    "영서": "한국환경공단 alert zones 영서남부/영서북부",
}

#: Region of a split province's representative point (``core.regions``: 수원시청, 춘천시청).
SPLIT_PROVINCE_DEFAULT: dict[int, str] = {31: "경기남부", 32: "영서"}

#: Group names that may appear in an ``informGrade`` or overview text → member regions.
#: Seen in public code for O3 (``"강원권:나쁨"``) **[U]**; expanded defensively by the parser.
REGION_GROUPS: dict[str, tuple[str, ...]] = {
    "수도권": ("서울", "인천", "경기남부", "경기북부"),
    "강원권": ("영동", "영서"),
    "강원": ("영동", "영서"),
    "강원도": ("영동", "영서"),
    "경기": ("경기남부", "경기북부"),
    "경기도": ("경기남부", "경기북부"),
    "충청권": ("대전", "세종", "충남", "충북"),
    "호남권": ("광주", "전북", "전남"),
    "영남권": ("부산", "대구", "울산", "경북", "경남"),
    "제주권": ("제주",),
}
#: Other spellings of single regions (compared without whitespace).
REGION_NAME_ALIASES: dict[str, str] = {"강원영동": "영동", "강원영서": "영서", "제주도": "제주"}

#: ``sidoName`` values of getCtprvnRltmMesureDnsty → TourAPI area code (``전국`` is not a province).
REGION_CODE_BY_SIDO_NAME: dict[str, int] = {
    "서울": 1, "부산": 6, "대구": 4, "인천": 2, "광주": 5, "대전": 3, "울산": 7, "경기": 31, "강원": 32,
    "충북": 33, "충남": 34, "전북": 37, "전남": 38, "경북": 35, "경남": 36, "제주": 39, "세종": 8,
}
SIDO_NAMES: tuple[str, ...] = tuple(REGION_CODE_BY_SIDO_NAME)
SIDO_NAME_BY_REGION_CODE: dict[int, str] = {code: name for name, code in REGION_CODE_BY_SIDO_NAME.items()}
ALL_SIDO = "전국"

_SIDO_LONG_NAMES: dict[str, str] = {
    "서울특별시": "서울", "부산광역시": "부산", "대구광역시": "대구", "인천광역시": "인천", "광주광역시": "광주",
    "대전광역시": "대전", "울산광역시": "울산", "세종특별자치시": "세종", "경기도": "경기", "강원도": "강원",
    "강원특별자치도": "강원", "충청북도": "충북", "충청남도": "충남", "전라북도": "전북", "전북특별자치도": "전북",
    "전라남도": "전남", "경상북도": "경북", "경상남도": "경남", "제주도": "제주", "제주특별자치도": "제주",
}

#: Dong- or road-named stations placed by hand: (area code, stationName) → district name. Each is a
#: real AirKorea station name whose district was checked by hand **[U]**: verify against
#: ``getMsrstnList`` addresses when that service is subscribed. Keep it small; it is not the fix.
STATION_ALIASES: dict[tuple[int, str], str] = {
    (31, "인계동"): "수원시",
    (31, "신풍동"): "수원시",
    (4, "수창동"): "중구",
    (6, "청룡동"): "금정구",
    (39, "이도동"): "제주시",
    (39, "연동"): "제주시",
    (39, "동홍동"): "서귀포시",
}

#: Districts TourAPI still lists but that were merged (cf. destinations.sample_source.LEGACY_DISTRICTS):
#: a station matching one is placed in the successor, which is what destinations carry.
LEGACY_DISTRICT_SUCCESSORS: dict[tuple[int, int], int] = {
    (33, 9): 10,  # 청원군 → 청주시
    (36, 6): 16,  # 마산시 → 창원시
    (36, 14): 16,  # 진해시 → 창원시
    (39, 1): 3,  # 남제주군 → 서귀포시
    (39, 2): 4,  # 북제주군 → 제주시
}


# --------------------------------------------------------------------------- districts


@lru_cache(maxsize=1)
def _districts() -> dict[int, tuple[tuple[int, str], ...]]:
    data = json.loads(DISTRICTS_PATH.read_text(encoding="utf-8"))
    out: dict[int, tuple[tuple[int, str], ...]] = {}
    for area, rows in data["districts"].items():
        out[int(area)] = tuple(sorted(((int(r["code"]), str(r["name"])) for r in rows)))
    return out


def districts(region_code: int) -> tuple[tuple[int, str], ...]:
    """``((sigungu_code, name), ...)`` of a province as TourAPI lists them (legacy districts included)."""
    code = _province_code(region_code)
    return _districts().get(code, ())


def _province_code(region_code: Any) -> int:
    try:
        code = int(region_code)
    except (TypeError, ValueError):
        code = -1
    if code not in SIDO_NAME_BY_REGION_CODE:
        known = ", ".join(str(c) for c in sorted(SIDO_NAME_BY_REGION_CODE))
        raise ValueError(f"unknown TourAPI area code {region_code!r} (known: {known})")
    return code


# --------------------------------------------------------------------------- forecast regions


@dataclass(frozen=True)
class ForecastRegionRow:
    """One row of the forecast-region table.

    ``sigungu_code`` is ``None`` when the row stands for the whole province (15 provinces); the
    split provinces (경기 31, 강원 32) have one row per district instead, each district exactly once.
    """

    forecast_region: str
    region_code: int
    sigungu_code: int | None
    sigungu_name: str | None
    note: str


@lru_cache(maxsize=1)
def _table() -> tuple[ForecastRegionRow, ...]:
    rows: list[ForecastRegionRow] = []
    for region in FORECAST_REGIONS:
        if region in WHOLE_PROVINCE_REGIONS:
            code = WHOLE_PROVINCE_REGIONS[region]
            rows.append(ForecastRegionRow(region, code, None, None, "whole province"))
            continue
        code = next(c for c, pair in SPLIT_PROVINCES.items() if region in pair)
        listed_region, rest_region = SPLIT_PROVINCES[code]
        for sigungu_code, name in districts(code):
            in_listed = name in _LISTED_DISTRICTS[code]
            if (region == listed_region) == in_listed:
                rows.append(ForecastRegionRow(region, code, sigungu_code, name, _SPLIT_NOTES[region]))
    return tuple(rows)


def forecast_region_table() -> list[ForecastRegionRow]:
    """Every forecast region with the province or districts it covers (see :class:`ForecastRegionRow`)."""
    return list(_table())


def forecast_region_frame():
    """:func:`forecast_region_table` as a DataFrame for the warehouse.

    Columns: ``forecast_region`` str, ``region_code`` int64, ``sigungu_code`` Int64 (``<NA>`` = whole
    province), ``sigungu_name`` str, ``note`` str.
    """
    import pandas as pd

    rows = _table()
    return pd.DataFrame({
        "forecast_region": pd.Series([r.forecast_region for r in rows], dtype="str"),
        "region_code": pd.Series([r.region_code for r in rows], dtype="int64"),
        "sigungu_code": pd.Series([r.sigungu_code for r in rows], dtype="Int64"),
        "sigungu_name": pd.Series([r.sigungu_name for r in rows], dtype="str"),
        "note": pd.Series([r.note for r in rows], dtype="str"),
    })


@lru_cache(maxsize=1)
def _region_by_district() -> dict[tuple[int, int], str]:
    return {(r.region_code, r.sigungu_code): r.forecast_region for r in _table() if r.sigungu_code is not None}


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN / pd.NA
    except (TypeError, ValueError):
        return False


def region_for(region_code: int, sigungu_code: int | None = None, *, strict: bool = False) -> str:
    """The forecast region of a province / district (TourAPI codes).

    Whole-province regions ignore ``sigungu_code``. For 경기 (31) and 강원 (32) the district decides;
    without one (``None``/NaN) the answer is the region of the province's representative point
    (:data:`SPLIT_PROVINCE_DEFAULT`: 경기남부, 영서). A district code the table does not know falls
    back the same way, or raises ``ValueError`` with ``strict=True``. An unknown area code raises.
    """
    code = _province_code(region_code)
    if code not in SPLIT_PROVINCES:
        return next(name for name, c in WHOLE_PROVINCE_REGIONS.items() if c == code)
    if _is_missing(sigungu_code):
        return SPLIT_PROVINCE_DEFAULT[code]
    try:
        return _region_by_district()[(code, int(sigungu_code))]
    except (KeyError, TypeError, ValueError):
        if strict:
            raise ValueError(f"unknown district {sigungu_code!r} in area {code} "
                             f"(known: {', '.join(str(c) for c, _ in districts(code))})") from None
        return SPLIT_PROVINCE_DEFAULT[code]


def forecast_regions_for(region_code: int, sigungu_code: int | None = None) -> tuple[str, ...]:
    """Every forecast region that covers a province or district: both halves for a split province
    without a district (take the worst grade of them), otherwise the one of :func:`region_for`."""
    code = _province_code(region_code)
    if code in SPLIT_PROVINCES and _is_missing(sigungu_code):
        listed, rest = SPLIT_PROVINCES[code]
        return (listed, rest) if FORECAST_REGIONS.index(listed) < FORECAST_REGIONS.index(rest) else (rest, listed)
    return (region_for(code, sigungu_code),)


# --------------------------------------------------------------------------- sidoName


def region_code_for_sido(sido_name: str) -> int:
    """TourAPI area code for a ``sidoName`` (short form, or the full name such as ``서울특별시``)."""
    key = "".join(str(sido_name).split())
    key = _SIDO_LONG_NAMES.get(key, key)
    try:
        return REGION_CODE_BY_SIDO_NAME[key]
    except KeyError:
        raise ValueError(f"unknown AirKorea sidoName {sido_name!r}; expected one of {', '.join(SIDO_NAMES)}") from None


def sido_name_for(region_code: int) -> str:
    """The ``sidoName`` to request for a TourAPI area code."""
    return SIDO_NAME_BY_REGION_CODE[_province_code(region_code)]


# --------------------------------------------------------------------------- stations


@dataclass(frozen=True)
class StationAssignment:
    """Where a station counts: always a province, a district when one could be determined.

    ``method``: ``"name"`` (stationName is the district name or its stem), ``"alias"``
    (:data:`STATION_ALIASES`), ``"address"`` (from ``address=``), ``"single_district"`` (the province
    has one district) or ``"province"`` (no district: ``sigungu_code`` is ``None``).
    """

    region_code: int
    sigungu_code: int | None
    sigungu_name: str | None
    method: str


_SUFFIXES = ("시", "군", "구")


def _normalise_name(name: str) -> str:
    text = "".join(str(name).split())
    return text.split("(", 1)[0]


@lru_cache(maxsize=None)
def _name_index(region_code: int) -> dict[str, tuple[int, str]]:
    """Full district names and unambiguous stems (≥ 2 characters) → (code, name), legacy resolved."""
    rows = districts(region_code)
    by_code = dict(rows)

    def resolve(code: int) -> tuple[int, str]:
        successor = LEGACY_DISTRICT_SUCCESSORS.get((region_code, code))
        if successor is not None and successor in by_code:
            return successor, by_code[successor]
        return code, by_code[code]

    index: dict[str, tuple[int, str]] = {name: resolve(code) for code, name in rows}
    stems: dict[str, list[int]] = {}
    for code, name in rows:
        if name.endswith(_SUFFIXES) and len(name) >= 3:
            stems.setdefault(name[:-1], []).append(code)
    for stem, codes in stems.items():
        if len(codes) == 1 and stem not in index:
            index[stem] = resolve(codes[0])
    return index


def _district_by_name(region_code: int, name: str) -> tuple[int, str] | None:
    return _name_index(region_code).get(name)


def assign_station(sido: str | int, station_name: str, address: str | None = None) -> StationAssignment:
    """Place a measuring station in its province and, when the name allows, its district.

    ``sido`` is the row's ``sidoName`` (or a TourAPI area code). Order: the district's full name or
    stem, :data:`STATION_ALIASES`, the first token of ``address`` that names a district of the
    province, a single-district province; otherwise the station counts for the province only.
    """
    region_code = _province_code(sido) if isinstance(sido, int) else region_code_for_sido(sido)
    name = _normalise_name(station_name)
    hit = _district_by_name(region_code, name)
    if hit is not None:
        return StationAssignment(region_code, hit[0], hit[1], "name")
    alias = STATION_ALIASES.get((region_code, name))
    if alias is not None:
        hit = _district_by_name(region_code, alias)
        if hit is not None:
            return StationAssignment(region_code, hit[0], hit[1], "alias")
    if address:
        for token in str(address).split():
            hit = _district_by_name(region_code, token)
            if hit is not None:
                return StationAssignment(region_code, hit[0], hit[1], "address")
    rows = districts(region_code)
    if len(rows) == 1:
        return StationAssignment(region_code, rows[0][0], rows[0][1], "single_district")
    return StationAssignment(region_code, None, None, "province")

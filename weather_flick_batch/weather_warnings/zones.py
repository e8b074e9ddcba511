"""Warning zones (특보구역) to TourAPI provinces (``region_code``) and districts (``sigungu_code``).

KMA issues warnings per zone, and zones are not districts: Seoul is four zones of several
districts each, Gangwon districts are split into lowland (평지) and mountain (산지) parts whose
mountain parts form three zones of their own, 제주 has eight zones over two districts, small
islands (울릉도독도, 흑산도홍도, 서해5도, 추자도, 거문도초도) are zones inside one district, and
sea zones cover no land at all. The official zone-code list is an Excel file attached to the
data.go.kr guide, which we do not have offline, so:

* The mapping is built **by zone name** (:data:`ZONES`). KMA names most land zones after the
  district without 시/군 (``김포``, ``청주``), with the forms ``강릉시평지`` / ``강릉평지``,
  ``울릉도.독도`` / ``울릉도독도`` and short/full province names all accepted
  (:func:`normalize_zone_name`). A zone covers one or more districts, each with coverage
  ``"whole"`` or ``"part"`` (the zone covers only part of the district: a district is affected
  when any zone covering part of it is, which errs on the safe side for travellers).
* The **code -> zone table** is ``zone_codes.csv`` next to this module (columns ``area_code,
  area_name, region_code, sigungu_code, source, note``; several rows per code when a zone covers
  several districts; ``sigungu_code`` empty = the whole province; ``region_code`` empty = resolve
  ``area_name`` by name). It holds the three codes our reference confirms (L1010100 서울,
  L1030100 대전, L1011700 의정부) and is to be completed from the official file.
* Every row of the mapping says where it comes from (``source``) and what is uncertain (``note``):

  ============== ===================================================================================
  source         meaning
  ============== ===================================================================================
  district_name  the zone is one TourAPI district, matched by name
  kma_announcement  names and membership as KMA announced and uses them (press reports of the
                 2020 Seoul split, the 2022 제주 중산간 zones and the 2024 부산/울산 split)
  inferred       membership inferred, to be checked against the official file **[U]**
  public_listing the name appears in public client code that lists KMA zone codes; code unverified
  reference      /work/shared/reference/kma-warnings-airkorea.md
  ============== ===================================================================================

Known gaps (documented, reported when met): exact membership of 강원북부/중부/남부산지 (inferred
from which districts have a 평지 zone, split north to south) and of 경북북동산지, Jeju zones are
coarser than its districts (every zone is
``part`` of 제주시/서귀포시 and the legacy 북제주군/남제주군), sheltered-water zones (평수구역,
e.g. harbours) and any zone KMA added after these notes; sea-zone codes are not known at all.
Names that match nothing are resolved by a rule (strip 평지/산지/북부/남부/... and match a
district, e.g. 곡성북부 -> 곡성군 ``part``), then by the issuing office to a province
(``sigungu_code`` ``None``: somewhere in that province, district unknown), and are always
reported (:class:`ZoneReport`).

Sea zones (``S…`` codes, names ending in 앞바다/먼바다/해상) have no land district; the
provinces whose **coast** they touch are recorded (``coast_regions``) so that 풍랑 and 폭풍해일
can affect coastal places. 앞바다 and 전해상 zones touch a coast; 먼바다 (offshore) zones touch none.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "ZONE_CODES_PATH",
    "DISTRICTS_PATH",
    "OFFICES",
    "Office",
    "CODE_PREFIX_HINTS",
    "ZoneTarget",
    "Zone",
    "ZoneResolution",
    "ZoneReport",
    "ZONES",
    "normalize_zone_name",
    "is_sea_zone",
    "sea_coast_regions",
    "zone_by_name",
    "pick_zone",
    "ZONE_CODE_COLUMNS",
    "ZONE_MAPPING_COLUMNS",
    "zones_named",
    "member_zones",
    "office_regions",
    "hint_regions",
    "resolve_zone",
    "resolve_zone_detail",
    "load_zone_codes",
    "zone_code_frame",
    "zone_mapping_frame",
    "coverage_summary",
    "district_name",
]

log = logging.getLogger(__name__)

ZONE_CODES_PATH = Path(__file__).resolve().parent / "zone_codes.csv"
DISTRICTS_PATH = Path(__file__).resolve().parent.parent / "destinations" / "catalogue" / "districts.json"

# --------------------------------------------------------------------------------------------
# Issuing offices (stnId) and code prefixes: province hints
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Office:
    stn_id: int
    name: str
    region_codes: tuple[int, ...]


#: Issuing offices (the reference's stnId table). 108 is nationwide (some code labels it
#: 서울·인천·경기 **[U]**: it is therefore never used to narrow a name down).
OFFICES: dict[int, Office] = {
    108: Office(108, "기상청", (1, 2, 3, 4, 5, 6, 7, 8, 31, 32, 33, 34, 35, 36, 37, 38, 39)),
    109: Office(109, "서울·인천·경기", (1, 2, 31)),
    105: Office(105, "강원", (32,)),
    131: Office(131, "충북", (33,)),
    133: Office(133, "대전·세종·충남", (3, 8, 34)),
    146: Office(146, "전북", (37,)),
    156: Office(156, "광주·전남", (5, 38)),
    143: Office(143, "대구·경북", (4, 35)),
    159: Office(159, "부산·울산·경남", (6, 7, 36)),
    184: Office(184, "제주", (39,)),
}

#: Land-zone code prefixes -> provinces. **[U]** inferred from public client code that lists
#: zone codes (L101xxxx 경기 group incl. 서울/인천, L103xxxx 충남 group incl. 대전/세종, ...),
#: consistent with the reference's L1010100 서울, L1011700 의정부 and L1030100 대전. Used only to
#: choose between same-named zones (고성, 광주) and for the province fallback, never alone.
CODE_PREFIX_HINTS: dict[str, tuple[int, ...]] = {
    "L101": (1, 2, 31),
    "L102": (32,),
    "L103": (3, 8, 34),
    "L104": (33,),
    "L105": (5, 38),
    "L106": (37,),
    "L107": (4, 35),
    "L108": (6, 7, 36),
    "L109": (39,),
    "L110": (1,),
}


def office_regions(stn_id: Any) -> tuple[int, ...]:
    """Provinces an issuing office covers (all 17 for 108 or an unknown office)."""
    try:
        office = OFFICES.get(int(str(stn_id).strip()))
    except (TypeError, ValueError):
        office = None
    return office.region_codes if office is not None else OFFICES[108].region_codes


def hint_regions(area_code: str | None, stn_id: Any) -> frozenset[int] | None:
    """Provinces the office and the code prefix agree on, or ``None`` when neither narrows anything."""
    hints: list[frozenset[int]] = []
    if stn_id is not None and str(stn_id).strip() not in ("", "108"):
        regions = office_regions(stn_id)
        if len(regions) < 17:
            hints.append(frozenset(regions))
    if area_code:
        prefix = CODE_PREFIX_HINTS.get(str(area_code).strip().upper()[:4])
        if prefix:
            hints.append(frozenset(prefix))
    if not hints:
        return None
    combined = frozenset.intersection(*hints)
    return combined or hints[0]  # disagreeing hints: trust the office


# --------------------------------------------------------------------------------------------
# Districts (TourAPI)
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _districts() -> dict[int, dict[str, int]]:
    """``{region_code: {district name: sigungu_code}}`` from the TourAPI catalogue."""
    data = json.loads(DISTRICTS_PATH.read_text(encoding="utf-8"))
    return {
        int(area): {row["name"]: int(row["code"]) for row in rows}
        for area, rows in data["districts"].items()
    }


@lru_cache(maxsize=1)
def _district_names() -> dict[tuple[int, int], str]:
    return {(area, code): name for area, rows in _districts().items() for name, code in rows.items()}


def district_name(region_code: int, sigungu_code: int | None) -> str | None:
    if sigungu_code is None:
        return None
    return _district_names().get((int(region_code), int(sigungu_code)))


def _stem(name: str) -> str:
    """``김포시`` -> ``김포``; names of two characters or fewer keep their suffix (``중구``)."""
    return name[:-1] if len(name) > 2 and name[-1] in "시군구" else name


# --------------------------------------------------------------------------------------------
# Zones
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneTarget:
    region_code: int
    sigungu_code: int | None
    coverage: str  # "whole" | "part" | "unknown" (province only)


@dataclass(frozen=True)
class Zone:
    """One warning zone. ``zone_id`` is the normalised canonical name (the join key)."""

    zone_id: str
    name: str
    zone_type: str  # "land" | "province" | "sea"
    region_codes: tuple[int, ...]  # land: provinces it lies in; sea: provinces whose coast it touches
    targets: tuple[ZoneTarget, ...]
    aliases: tuple[str, ...] = ()
    source: str = "district_name"
    note: str = ""
    prefer_bare: bool = False  # wins a bare-name tie without a hint (광주 -> 광주광역시)

    @property
    def is_sea(self) -> bool:
        return self.zone_type == "sea"

    @property
    def coast_regions(self) -> tuple[int, ...]:
        return self.region_codes if self.is_sea else ()


_STRIP_CHARS = re.compile(r"[\s.·ㆍ・‧*]+")


def normalize_zone_name(name: Any) -> str:
    """Canonical spelling: no whitespace, no ``.``/``·`` separators, no ``*`` markers, ASCII parentheses.

    ``"울릉도.독도"``, ``"울릉도·독도"`` and ``"울릉도 독도"`` all become ``"울릉도독도"``.
    """
    text = "" if name is None else str(name)
    text = text.replace("（", "(").replace("）", ")").replace("(*)", "")
    return _STRIP_CHARS.sub("", text)


# -- the zone table, as data -------------------------------------------------------------------

#: (province, zone name, [aliases], [(district, coverage)], source, note) for the zones that
#: are not simply "one district named like the zone".
_SPECIAL_LAND: list[tuple[int, str, list[str], list[tuple[str, str]], str, str]] = [
    # 서울: four zones since 2020; membership as KMA bulletins list it (press reports 2021-2026).
    (1, "서울동남권", ["동남권"], [(d, "whole") for d in ("강남구", "강동구", "서초구", "송파구")],
     "kma_announcement", "Seoul zones since 2020"),
    (1, "서울동북권", ["동북권"], [(d, "whole") for d in ("강북구", "광진구", "노원구", "도봉구", "동대문구", "성동구",
                                                        "성북구", "중랑구")],
     "kma_announcement", "Seoul zones since 2020"),
    (1, "서울서남권", ["서남권"], [(d, "whole") for d in ("강서구", "관악구", "구로구", "금천구", "동작구", "양천구",
                                                        "영등포구")],
     "kma_announcement", "Seoul zones since 2020"),
    (1, "서울서북권", ["서북권"], [(d, "whole") for d in ("마포구", "서대문구", "은평구", "종로구", "중구", "용산구")],
     "kma_announcement", "Seoul zones since 2020; includes the 도심권 (종로구, 중구, 용산구)"),
    # 인천: the 인천 zone excludes 강화 and 옹진 (own zones); 서해5도 lies in 옹진군.
    (2, "인천", ["인천광역시", "인천시"], [(d, "whole") for d in ("계양구", "미추홀구", "남동구", "동구", "부평구",
                                                              "서구", "연수구", "중구")],
     "district_name", "the 인천 zone: the city without 강화군 and 옹진군, which are zones of their own"),
    (2, "강화", ["강화군"], [("강화군", "whole")], "district_name", ""),
    (2, "옹진", ["옹진군"], [("옹진군", "whole")], "public_listing", ""),
    (2, "서해5도", ["서해5도서"], [("옹진군", "part")], "public_listing", "백령·대청·연평 islands of 옹진군"),
    (3, "대전", ["대전광역시", "대전시"], [(d, "whole") for d in ("대덕구", "동구", "서구", "유성구", "중구")],
     "reference", "L1030100 in the reference"),
    (4, "대구", ["대구광역시", "대구시"], [(d, "whole") for d in ("남구", "달서구", "달성군", "동구", "북구", "서구",
                                                              "수성구", "중구")],
     "district_name", "the 대구 zone: the city without 군위군 (joined 대구 in 2023, a zone of its own)"),
    (4, "군위", ["군위군"], [("군위군", "whole")], "district_name", "in 대구 since 2023 (TourAPI area 4)"),
    (5, "광주", ["광주광역시"], [(d, "whole") for d in ("광산구", "남구", "동구", "북구", "서구")],
     "district_name", "bare 광주 means 광주광역시 unless the office or the parent is 경기"),
    (6, "부산동부", [], [(d, "whole") for d in ("기장군", "해운대구", "수영구", "남구")],
     "kma_announcement", "부산 split into three zones in 2024"),
    (6, "부산중부", [], [(d, "whole") for d in ("금정구", "북구", "동래구", "연제구", "부산진구", "사상구")],
     "kma_announcement", "부산 split into three zones in 2024"),
    (6, "부산서부", [], [(d, "whole") for d in ("강서구", "사하구", "서구", "중구", "동구", "영도구")],
     "kma_announcement", "부산 split into three zones in 2024"),
    (7, "울산동부", [], [(d, "whole") for d in ("북구", "중구", "남구", "동구")],
     "kma_announcement", "울산 split into two zones in 2024"),
    (7, "울산서부", [], [("울주군", "whole")], "kma_announcement", "울산 split into two zones in 2024"),
    (8, "세종", ["세종특별자치시", "세종시"], [("세종특별자치시", "whole")], "district_name", ""),
    # 충북 / 경남: merged cities keep TourAPI's legacy districts.
    (33, "청주", ["청주시"], [("청주시", "whole"), ("청원군", "whole")],
     "district_name", "청원군 merged into 청주시 in 2014; TourAPI still lists it"),
    (36, "창원", ["창원시"], [("창원시", "whole"), ("마산시", "whole"), ("진해시", "whole")],
     "district_name", "마산시 and 진해시 merged into 창원시 in 2010; TourAPI still lists them"),
    # 전남 islands.
    (38, "신안(흑산면제외)", ["신안군(흑산면제외)", "신안", "신안군"], [("신안군", "part")],
     "public_listing", "신안군 without 흑산면"),
    (38, "흑산도홍도", ["흑산도", "흑산면"], [("신안군", "part")], "public_listing", "흑산면 of 신안군"),
    (38, "거문도초도", ["거문도", "초도"], [("여수시", "part")], "public_listing", "islands of 여수시"),
    # 경북.
    (35, "울릉도독도", ["울릉", "울릉군", "울릉도"], [("울릉군", "whole")], "public_listing", ""),
    (35, "경북북동산지", [], [("영양군", "part"), ("봉화군", "part"), ("울진군", "part")],
     "inferred", "the mountains of the three districts that have a 평지 zone (영양, 봉화, 울진) [U]"),
    # 강원 mountain zones: membership inferred [U].
    (32, "강원북부산지", [], [(d, "part") for d in ("고성군", "속초시", "양양군", "인제군", "양구군")],
     "inferred", "mountains of the northern districts that have a 평지 zone [U]"),
    (32, "강원중부산지", [], [(d, "part") for d in ("강릉시", "평창군", "홍천군")],
     "inferred", "mountains of the central districts that have a 평지 zone (대관령) [U]"),
    (32, "강원남부산지", [], [(d, "part") for d in ("동해시", "삼척시", "정선군")],
     "inferred", "mountains of the southern districts that have a 평지 zone [U]"),
    # 제주: eight zones since 2022 (북부/남부/동부/서부/산지/추자도 + two 중산간), coarser than TourAPI.
    (39, "제주도북부", ["제주북부"], [("제주시", "part"), ("북제주군", "part")], "kma_announcement",
     "north coast: 제주시 (and the legacy 북제주군 TourAPI still lists)"),
    (39, "제주도남부", ["제주남부"], [("서귀포시", "part"), ("남제주군", "part")], "kma_announcement",
     "south coast: 서귀포시 (and the legacy 남제주군)"),
    (39, "제주도동부", ["제주동부"], [(d, "part") for d in ("제주시", "서귀포시", "북제주군", "남제주군")],
     "kma_announcement", "east: parts of both cities (구좌/조천, 성산/표선); district split unknown"),
    (39, "제주도서부", ["제주서부"], [(d, "part") for d in ("제주시", "서귀포시", "북제주군", "남제주군")],
     "kma_announcement", "west: parts of both cities (한림/한경/애월, 대정/안덕); district split unknown"),
    (39, "제주도산지", ["제주산지", "한라산"], [(d, "part") for d in ("제주시", "서귀포시", "북제주군", "남제주군")],
     "kma_announcement", "한라산 above 600 m, in both cities"),
    (39, "제주도북부중산간", ["제주북부중산간"], [("제주시", "part"), ("북제주군", "part")], "kma_announcement",
     "200-600 m above 제주시 (zone since 2022)"),
    (39, "제주도남부중산간", ["제주남부중산간"], [("서귀포시", "part"), ("남제주군", "part")], "kma_announcement",
     "200-600 m above 서귀포시 (zone since 2022)"),
    (39, "추자도", ["추자면"], [("제주시", "part"), ("북제주군", "part")], "kma_announcement", "추자면 of 제주시"),
]

#: 강원 districts split into a lowland zone (``<stem>평지``) and mountain parts in the 산지 zones.
_GANGWON_PLAIN = ("강릉시", "동해시", "삼척시", "속초시", "고성군", "양양군", "평창군", "정선군", "홍천군", "양구군",
                  "인제군")
#: 경북 districts with a lowland zone, their mountains being 경북북동산지.
_GYEONGBUK_PLAIN = ("영양군", "봉화군", "울진군")

#: Provinces whose remaining districts are one zone each, named after the district.
_DISTRICT_ZONE_PROVINCES = (31, 32, 33, 34, 35, 36, 37, 38)

#: Province aggregates: names that stand for every zone of a province (``"경기도"``, ``"서울"``).
_PROVINCE_NAMES: dict[int, tuple[str, ...]] = {
    1: ("서울", "서울특별시", "서울시"),
    6: ("부산", "부산광역시", "부산시"),
    7: ("울산", "울산광역시", "울산시"),
    31: ("경기", "경기도"),
    32: ("강원", "강원도", "강원특별자치도", "강원자치도"),
    33: ("충북", "충청북도"),
    34: ("충남", "충청남도"),
    35: ("경북", "경상북도"),
    36: ("경남", "경상남도"),
    37: ("전북", "전라북도", "전북특별자치도", "전북자치도"),
    38: ("전남", "전라남도"),
    39: ("제주", "제주도", "제주특별자치도", "제주자치도"),
}
#: Provinces whose own name is already a land zone (인천, 대전, 대구, 광주, 세종): the zone stands in
#: for the province as a parent in ``t6`` text.

# -- sea zones ---------------------------------------------------------------------------------

#: Coast provinces named inside sea-zone names.
_SEA_TOKENS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("인천", (2,)), ("경기", (31,)), ("충남", (34,)), ("전북", (37,)), ("전남", (38,)), ("경남", (36,)),
    ("거제", (36,)), ("부산", (6,)), ("울산", (7,)), ("경북", (35,)), ("강원", (32,)), ("제주", (39,)),
)
#: Broad sea zones whose name names no province.
_SEA_BROAD: dict[str, tuple[int, ...]] = {
    "전해상": (2, 31, 34, 37, 38, 36, 6, 7, 35, 32, 39),
    "동해전해상": (32, 35, 7),
    "동해중부전해상": (32,),
    "동해남부전해상": (35, 7),
    "동해중부앞바다": (32,),
    "동해남부앞바다": (35, 7),
    "서해전해상": (2, 31, 34, 37, 38),
    "서해중부전해상": (2, 31, 34),
    "서해남부전해상": (37, 38),
    "서해중부앞바다": (2, 31, 34),
    "서해남부앞바다": (37, 38),
    "남해전해상": (6, 36, 38),
    "남해동부전해상": (6, 36),
    "남해서부전해상": (38,),
    "남해동부앞바다": (6, 36),
    "남해서부앞바다": (38,),
}
#: Sea zone names seen in public listings (codes unverified); any other 앞바다/먼바다/해상 name is
#: recognised by pattern.
_KNOWN_SEA_NAMES: tuple[str, ...] = (
    "동해남부앞바다", "울산앞바다", "경북남부앞바다", "경북북부앞바다", "동해남부남쪽안쪽먼바다",
    "동해남부남쪽바깥먼바다", "동해남부북쪽안쪽먼바다", "동해남부북쪽바깥먼바다", "동해중부앞바다", "강원북부앞바다",
    "강원중부앞바다", "강원남부앞바다", "동해중부안쪽먼바다", "동해중부바깥먼바다",
    "서해중부앞바다", "인천·경기북부앞바다", "인천·경기남부앞바다", "충남북부앞바다", "충남남부앞바다",
    "서해중부안쪽먼바다", "서해중부바깥먼바다", "서해남부앞바다", "전북북부앞바다", "전북남부앞바다",
    "전남북부서해앞바다", "전남중부서해앞바다", "전남남부서해앞바다", "서해남부북쪽안쪽먼바다",
    "서해남부북쪽바깥먼바다", "서해남부남쪽안쪽먼바다", "서해남부남쪽바깥먼바다",
    "남해동부앞바다", "부산앞바다", "경남서부남해앞바다", "경남중부남해앞바다", "거제시동부앞바다",
    "남해동부안쪽먼바다", "남해동부바깥먼바다", "남해서부앞바다", "전남서부남해앞바다", "전남동부남해앞바다",
    "남해서부서쪽먼바다", "남해서부동쪽먼바다",
    "제주도앞바다", "제주도북부앞바다", "제주도동부앞바다", "제주도남부앞바다", "제주도서부앞바다",
    "제주도남쪽바깥먼바다", "제주도남동쪽안쪽먼바다", "제주도남서쪽안쪽먼바다",
)
_SEA_SUFFIXES = ("앞바다", "먼바다", "해상", "바다")


def is_sea_zone(area_code: str | None, area_name: str | None) -> bool:
    """``S…`` codes and names ending in 앞바다 / 먼바다 / 해상 are sea zones."""
    if area_code and str(area_code).strip().upper().startswith("S"):
        return True
    return normalize_zone_name(area_name).endswith(_SEA_SUFFIXES)


def sea_coast_regions(area_name: str | None) -> tuple[int, ...]:
    """Provinces whose coast a sea zone touches; ``()`` for offshore (먼바다) or unknown zones."""
    name = normalize_zone_name(area_name)
    if name in _SEA_BROAD:
        return _SEA_BROAD[name]
    if name.endswith("먼바다"):
        return ()
    found: list[int] = []
    for token, regions in _SEA_TOKENS:
        if token in name:
            found.extend(r for r in regions if r not in found)
    return tuple(found)


# -- building the table ------------------------------------------------------------------------


def _target(region: int, district: str, coverage: str) -> ZoneTarget:
    try:
        code = _districts()[region][district]
    except KeyError:
        raise ValueError(f"zone table names district {district!r} that TourAPI area {region} does not list") from None
    return ZoneTarget(region, code, coverage)


def _build_zones() -> dict[str, Zone]:
    zones: dict[str, Zone] = {}

    def add(zone: Zone) -> None:
        if zone.zone_id in zones:
            raise ValueError(f"zone {zone.zone_id!r} defined twice")
        zones[zone.zone_id] = zone

    special_districts: set[tuple[int, str]] = set()
    for region, name, aliases, targets, source, note in _SPECIAL_LAND:
        add(Zone(normalize_zone_name(name), name, "land", (region,),
                 tuple(_target(region, d, cov) for d, cov in targets), tuple(aliases), source, note,
                 prefer_bare=(name == "광주")))
        if region in _DISTRICT_ZONE_PROVINCES:
            special_districts.update((region, d) for d, cov in targets if cov == "whole")

    for district in _GANGWON_PLAIN:
        stem = _stem(district)
        # No bare alias for 고성군 (강원): bare 고성 is 경남's zone (강원's is always 고성평지).
        aliases = (f"{district}평지",) + (() if district == "고성군" else (stem, district))
        add(Zone(f"{stem}평지", f"{stem}평지", "land", (32,), (_target(32, district, "part"),), aliases,
                 "public_listing", "lowland part; the mountains are in a 강원 산지 zone"))
        special_districts.add((32, district))
    for district in _GYEONGBUK_PLAIN:
        stem = _stem(district)
        add(Zone(f"{stem}평지", f"{stem}평지", "land", (35,), (_target(35, district, "part"),),
                 (f"{district}평지", stem, district), "public_listing", "lowland part; mountains are 경북북동산지"))
        special_districts.add((35, district))

    legacy = {(33, "청원군"), (36, "마산시"), (36, "진해시"), (38, "신안군"), (35, "울릉군")}
    for region in _DISTRICT_ZONE_PROVINCES:
        for district in _districts()[region]:
            if (region, district) in special_districts or (region, district) in legacy:
                continue
            stem = _stem(district)
            zone_id = stem
            if zone_id in zones:  # a same-named zone elsewhere (경기 광주 vs 광주광역시)
                zone_id = f"{stem}({region})"
            add(Zone(zone_id, stem, "land", (region,), (_target(region, district, "whole"),), (district,),
                     "district_name", ""))

    for region, names in _PROVINCE_NAMES.items():
        targets = tuple(ZoneTarget(region, code, "whole") for code in sorted(_districts()[region].values()))
        add(Zone(normalize_zone_name(names[0]) + "(전체)", names[0], "province", (region,), targets, names,
                 "district_name", "every zone of the province"))

    for name in dict.fromkeys((*_KNOWN_SEA_NAMES, *_SEA_BROAD)):
        add(Zone(normalize_zone_name(name), name, "sea", sea_coast_regions(name), (), (), "public_listing",
                 "sea zone; code unverified" + ("" if sea_coast_regions(name) else "; offshore, touches no coast")))
    return zones


ZONES: dict[str, Zone] = _build_zones()


@lru_cache(maxsize=1)
def _name_index() -> dict[str, tuple[Zone, ...]]:
    index: dict[str, list[Zone]] = {}
    for zone in ZONES.values():
        for name in {zone.zone_id, zone.name, *zone.aliases}:
            key = normalize_zone_name(name)
            if zone not in index.setdefault(key, []):
                index[key].append(zone)
    return {key: tuple(zs) for key, zs in index.items()}


@lru_cache(maxsize=1)
def _district_stem_index() -> dict[str, tuple[tuple[int, str], ...]]:
    """District names and stems -> (region, district), for the suffix rule."""
    index: dict[str, list[tuple[int, str]]] = {}
    for region, rows in _districts().items():
        for district in rows:
            for key in {district, _stem(district)}:
                index.setdefault(key, []).append((region, district))
    return {k: tuple(v) for k, v in index.items()}


def zones_named(name: Any) -> tuple[Zone, ...]:
    """Every zone a name may stand for (several for 고성군-like ties); ``()`` when unknown."""
    return _name_index().get(normalize_zone_name(name), ())


def pick_zone(candidates: Sequence[Zone], hint: frozenset[int] | None) -> Zone | None | str:
    """One zone among same-named candidates, ``None`` (no candidate) or ``"ambiguous"``.

    ``hint`` (provinces) narrows the candidates; without it, a zone marked ``prefer_bare`` wins
    (bare 광주 is 광주광역시), then a lone land zone wins over province aggregates."""
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    if hint:
        narrowed = [z for z in candidates if set(z.region_codes) & hint]
        if len(narrowed) == 1:
            return narrowed[0]
        if narrowed:
            candidates = narrowed
    preferred = [z for z in candidates if z.prefer_bare]
    if len(preferred) == 1 and not hint:
        return preferred[0]
    # Land zones win over province aggregates of the same name (세종 zone vs nothing, 광주 ...).
    land = [z for z in candidates if z.zone_type == "land"]
    if len(land) == 1:
        return land[0]
    return "ambiguous"


def zone_by_name(name: Any, hint: Iterable[int] | None = None) -> Zone | None:
    """The zone a name stands for, using ``hint`` (province codes) to break ties; ``None`` if unknown
    or still ambiguous."""
    picked = pick_zone(zones_named(name), frozenset(hint) if hint else None)
    return picked if isinstance(picked, Zone) else None


def member_zones(region_codes: Iterable[int]) -> list[Zone]:
    """The land zones of the given provinces (what ``경기도`` or ``부산(부산동부 제외)`` expands to)."""
    wanted = set(region_codes)
    return [z for z in ZONES.values() if z.zone_type == "land" and set(z.region_codes) & wanted]


# --------------------------------------------------------------------------------------------
# Code table (zone_codes.csv)
# --------------------------------------------------------------------------------------------

ZONE_CODE_COLUMNS = ("area_code", "area_name", "region_code", "sigungu_code", "source", "note")

#: The reference's codes, used when the CSV is missing (e.g. an install without package data).
_REFERENCE_CODE_ROWS: tuple[dict[str, str], ...] = (
    {"area_code": "L1010100", "area_name": "서울", "region_code": "1", "sigungu_code": "", "source": "reference",
     "note": "서울 before the 2020 four-zone split; current files use sub-zone codes"},
    {"area_code": "L1030100", "area_name": "대전", "region_code": "3", "sigungu_code": "", "source": "reference",
     "note": ""},
    {"area_code": "L1011700", "area_name": "의정부", "region_code": "31", "sigungu_code": "25", "source": "reference",
     "note": ""},
)


@lru_cache(maxsize=4)
def _load_zone_code_rows(path: str) -> tuple[dict[str, str], ...]:
    file = Path(path)
    if not file.exists():
        log.warning("warning-zone code table %s is missing; using the reference's three codes only", file)
        return _REFERENCE_CODE_ROWS
    with file.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = set(ZONE_CODE_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{file} lacks column(s) {sorted(missing)}; expected {', '.join(ZONE_CODE_COLUMNS)}")
        rows = []
        for line_no, row in enumerate(reader, start=2):
            clean = {k: (row.get(k) or "").strip() for k in ZONE_CODE_COLUMNS}
            if not clean["area_code"] or clean["area_code"].startswith("#"):
                continue
            for col in ("region_code", "sigungu_code"):
                if clean[col] and not clean[col].isdigit():
                    raise ValueError(f"{file}:{line_no}: {col} must be a number, got {clean[col]!r}")
            rows.append(clean)
    return tuple(rows)


def load_zone_codes(path: str | Path | None = None) -> list[dict[str, str]]:
    """The rows of the code table (strings; empty string = not given)."""
    return [dict(r) for r in _load_zone_code_rows(str(path or ZONE_CODES_PATH))]


def zone_code_frame(path: str | Path | None = None) -> pd.DataFrame:
    """The code table as a frame: ``area_code, area_name`` str; ``region_code, sigungu_code`` Int64;
    ``source, note`` str."""
    rows = load_zone_codes(path)
    frame = pd.DataFrame(rows, columns=list(ZONE_CODE_COLUMNS))
    for col in ("region_code", "sigungu_code"):
        frame[col] = pd.array([int(v) if v else None for v in frame[col]], dtype="Int64")
    for col in ("area_code", "area_name", "source", "note"):
        frame[col] = frame[col].astype("str")
    return frame


def _code_rows(area_code: str) -> list[dict[str, str]]:
    code = area_code.strip().upper()
    return [r for r in _load_zone_code_rows(str(ZONE_CODES_PATH)) if r["area_code"].upper() == code]


# --------------------------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneResolution:
    """How one (area_code, area_name) was resolved.

    ``method``: ``"code_table"``, ``"name"``, ``"rule"`` (suffix rule), ``"sea"``,
    ``"province_hint"`` (district unknown: ``sigungu_code`` ``None``) or ``"unmapped"``.
    ``problem``: ``None`` or a short reason (``"unknown zone"``, ``"ambiguous name"``).
    """

    area_code: str | None
    area_name: str | None
    zone: Zone | None
    targets: tuple[ZoneTarget, ...]
    coast_regions: tuple[int, ...]
    method: str
    problem: str | None = None

    @property
    def zone_id(self) -> str | None:
        if self.zone is not None:
            return self.zone.zone_id
        return None

    @property
    def is_sea(self) -> bool:
        return self.method == "sea"

    def pairs(self) -> list[tuple[int, int | None]]:
        return [(t.region_code, t.sigungu_code) for t in self.targets]


_RULE_SUFFIXES = ("북부중산간", "남부중산간", "중산간", "평지", "산지", "북부", "남부", "동부", "서부", "중부",
                  "내륙", "해안", "동해안", "서해안")


def _rule_targets(name: str, hint: frozenset[int] | None) -> tuple[ZoneTarget, ...]:
    """``곡성북부`` -> part of 곡성군: strip a direction/terrain suffix and match one district."""
    for suffix in _RULE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            stem = name[: -len(suffix)]
            matches = _district_stem_index().get(stem) or _district_stem_index().get(_stem(stem)) or ()
            if hint and len(matches) > 1:
                matches = tuple(m for m in matches if m[0] in hint)
            if len(matches) == 1:
                region, district = matches[0]
                return (ZoneTarget(region, _districts()[region][district], "part"),)
    return ()


def _expand_province_targets(region: int) -> tuple[ZoneTarget, ...]:
    return tuple(ZoneTarget(region, code, "whole") for code in sorted(_districts()[region].values()))


def resolve_zone_detail(area_code: str | None, area_name: str | None, office_stn_id: Any = None,
                        *, hint: Iterable[int] | None = None) -> ZoneResolution:
    """Resolve one zone. Order: sea zones; the code table; the name; the suffix rule; the province
    hint. ``hint`` (provinces, e.g. the parent of a ``t6`` group) is combined with the office's."""
    code = str(area_code).strip() if area_code not in (None, "") else None
    name = str(area_name).strip() if area_name not in (None, "") else None
    hints = hint_regions(code, office_stn_id)
    if hint:
        hints = frozenset(hint) & hints if hints and frozenset(hint) & hints else frozenset(hint)

    if is_sea_zone(code, name):
        zone = zone_by_name(name) if name else None
        coast = zone.coast_regions if zone is not None and zone.is_sea else sea_coast_regions(name)
        return ZoneResolution(code, name, zone if zone is not None and zone.is_sea else None, (), coast, "sea",
                              None if (zone is not None or coast or (name or "").endswith("먼바다"))
                              else "sea zone touching no known coast")

    if code:
        rows = _code_rows(code)
        if rows:
            targets: list[ZoneTarget] = []
            zone = None
            for row in rows:
                if row["region_code"]:
                    region = int(row["region_code"])
                    if row["sigungu_code"]:
                        targets.append(ZoneTarget(region, int(row["sigungu_code"]), "whole"))
                    else:
                        targets.extend(_expand_province_targets(region))
                else:
                    by_name = zone_by_name(row["area_name"], hints)
                    if by_name is not None:
                        targets.extend(by_name.targets)
                        zone = by_name
            # The zone identity comes from the name, so events and status text agree on zone_id.
            zone = zone or zone_by_name(name or rows[0]["area_name"], hints)
            if targets:
                return ZoneResolution(code, name or rows[0]["area_name"], zone, tuple(dict.fromkeys(targets)), (),
                                      "code_table")

    if name:
        picked = pick_zone(zones_named(name), hints)
        if isinstance(picked, Zone):
            if hints and not set(picked.region_codes) & hints and picked.zone_type != "province":
                # The only zone of that name lies outside the office's provinces (bare 고성 from the
                # 강원 office): a district of that name inside them is the better reading.
                local = pick_zone(zones_named(normalize_zone_name(name) + "평지"), hints)
                if isinstance(local, Zone) and set(local.region_codes) & hints:
                    return ZoneResolution(code, name, local, local.targets, (), "name")
                rule = _rule_targets(normalize_zone_name(name) + "평지", hints)
                if rule:
                    return ZoneResolution(code, name, None, rule, (), "rule", "name outside the office's provinces")
            return ZoneResolution(code, name, picked, picked.targets, (), "name")
        problem = "ambiguous name" if picked == "ambiguous" else "unknown zone"
        rule = _rule_targets(normalize_zone_name(name), hints)
        if rule:
            return ZoneResolution(code, name, None, rule, (), "rule", "matched by suffix rule")
    else:
        problem = "no zone name"

    if hints and len(hints) == 1:
        (region,) = tuple(hints)
        return ZoneResolution(code, name, None, (ZoneTarget(region, None, "unknown"),), (), "province_hint", problem)
    return ZoneResolution(code, name, None, (), (), "unmapped", problem)


def resolve_zone(area_code: str | None, area_name: str | None, office_stn_id: Any = None,
                 *, report: ZoneReport | None = None) -> list[tuple[int, int | None]]:
    """``[(region_code, sigungu_code | None), ...]`` a zone covers.

    A land zone gives one pair per district (several for 서울동남권); a sea zone gives ``[]``
    (see :func:`resolve_zone_detail` for the coast it touches); an unknown zone gives
    ``[(province, None)]`` when the office or code narrows it to one province, else ``[]``.
    Unmapped, ambiguous and rule-matched zones are recorded in ``report``.
    """
    resolution = resolve_zone_detail(area_code, area_name, office_stn_id)
    if report is not None:
        report.add(resolution)
    return resolution.pairs()


@dataclass
class ZoneReport:
    """Zones that did not resolve cleanly, with how often each was met."""

    unmapped: Counter = field(default_factory=Counter)  # (area_code, area_name, problem) -> count
    approximate: Counter = field(default_factory=Counter)  # rule / province_hint matches

    def add(self, resolution: ZoneResolution) -> None:
        key = (resolution.area_code, resolution.area_name, resolution.problem)
        if resolution.method == "unmapped":
            self.unmapped[key] += 1
        elif resolution.method in ("rule", "province_hint"):
            self.approximate[key + (resolution.method,)] += 1
        elif resolution.method == "sea" and resolution.problem:
            self.unmapped[key] += 1

    def merge(self, other: ZoneReport) -> None:
        self.unmapped.update(other.unmapped)
        self.approximate.update(other.approximate)

    def lines(self, limit: int = 20) -> list[str]:
        out = [f"unmapped zone {name or '?'} ({code or 'no code'}): {problem} x{n}"
               for (code, name, problem), n in self.unmapped.most_common(limit)]
        out += [f"approximate zone {name or '?'} ({code or 'no code'}): {method} x{n}"
                for (code, name, _problem, method), n in self.approximate.most_common(limit)]
        return out

    def as_metadata(self) -> dict[str, Any]:
        return {"unmapped_zones": sum(self.unmapped.values()), "approximate_zones": sum(self.approximate.values()),
                "zone_problems": self.lines()}


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

"""What KMA calls its warning zones: issuing offices and code prefixes (province hints), name
normalisation, the name tables (the KMA splits of 서울/부산/울산/제주, 강원·경북 평지 zones, island zones,
province aggregates) and the sea zones with the coasts they touch.

Data and name rules only: turning these into zone -> district targets is :mod:`.mapping`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

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
# Names
# --------------------------------------------------------------------------------------------

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

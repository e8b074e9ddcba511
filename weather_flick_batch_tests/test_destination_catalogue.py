"""Checks on the embedded TourAPI sample catalogue and district list.

The catalogue is real data people will see, so these tests cross-check it against facts written
down here independently of the generator: province bounding boxes, official province names in
road addresses, TourAPI's district numbering and category code families.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime

import pytest

from weather_flick_batch.destinations.sample_source import (
    DESTINATIONS_PATH,
    DISTRICTS_PATH,
    load_catalogue,
    load_districts,
)

AREA_CODES = {1, 2, 3, 4, 5, 6, 7, 8, 31, 32, 33, 34, 35, 36, 37, 38, 39}
SERVICE_TYPES = {12, 14, 15, 25, 28, 32, 38, 39}
LARGE_PROVINCES = {1, 6, 31, 32, 39, 35, 38}  # Seoul, Busan, Gyeonggi, Gangwon, Jeju, GB, JN

# Generous (lat_min, lat_max, lon_min, lon_max) per province, islands included:
# Incheon reaches Baengnyeong-do (124.6 E), Gyeongbuk reaches Dokdo (131.87 E), Jeonnam the
# south-western islands, Jeju includes Chuja-do. Written from maps, not from the catalogue.
PROVINCE_BOXES: dict[int, tuple[float, float, float, float]] = {
    1: (37.41, 37.72, 126.76, 127.19),
    2: (36.90, 38.00, 124.50, 126.85),
    3: (36.18, 36.51, 127.24, 127.57),
    4: (35.60, 36.32, 128.34, 128.96),
    5: (35.04, 35.27, 126.63, 127.03),
    6: (34.87, 35.40, 128.75, 129.32),
    7: (35.32, 35.74, 128.96, 129.47),
    8: (36.40, 36.74, 127.13, 127.41),
    31: (36.89, 38.30, 126.36, 127.86),
    32: (37.02, 38.62, 127.08, 129.37),
    33: (35.96, 37.27, 127.26, 128.66),
    34: (35.97, 37.08, 125.50, 127.65),
    35: (35.56, 37.56, 127.79, 131.88),
    36: (34.45, 35.91, 127.56, 129.25),
    37: (35.28, 36.16, 125.95, 127.93),
    38: (33.85, 35.51, 125.00, 127.91),
    39: (33.10, 34.00, 126.10, 126.99),
}

# How road addresses start in each province (2024 names for Gangwon and Jeonbuk).
ADDRESS_PREFIX = {
    1: "서울특별시", 2: "인천광역시", 3: "대전광역시", 4: "대구광역시", 5: "광주광역시",
    6: "부산광역시", 7: "울산광역시", 8: "세종특별자치시", 31: "경기도", 32: "강원특별자치도",
    33: "충청북도", 34: "충청남도", 35: "경상북도", 36: "경상남도", 37: "전북특별자치도",
    38: "전라남도", 39: "제주특별자치도",
}

# Province names as areaCode2 lists them.
PROVINCE_NAMES = {
    1: "서울", 2: "인천", 3: "대전", 4: "대구", 5: "광주", 6: "부산", 7: "울산",
    8: "세종특별자치시", 31: "경기도", 32: "강원특별자치도", 33: "충청북도", 34: "충청남도",
    35: "경상북도", 36: "경상남도", 37: "전북특별자치도", 38: "전라남도", 39: "제주도",
}

LDONG_REGN = {1: "11", 2: "28", 3: "30", 4: "27", 5: "29", 6: "26", 7: "31", 8: "36",
              31: "41", 32: "51", 33: "43", 34: "44", 35: "47", 36: "48", 37: "52",
              38: "46", 39: "50"}

# Which cat1/cat2 families each content type belongs to in TourAPI's category tree.
CATEGORY_FAMILY = {
    12: ("A01", "A02"),
    25: ("C01",),
    14: ("A0206",),
    15: ("A0207", "A0208"),
    28: ("A03",),
    32: ("B02",),
    38: ("A04",),
    39: ("A05",),
}

ITEM_FIELDS = {
    "addr1", "addr2", "areacode", "cat1", "cat2", "cat3", "contentid", "contenttypeid",
    "createdtime", "firstimage", "firstimage2", "cpyrhtDivCd", "mapx", "mapy", "mlevel",
    "modifiedtime", "sigungucode", "tel", "title", "zipcode", "lDongRegnCd", "lDongSignguCd",
    "lclsSystm1", "lclsSystm2", "lclsSystm3",
}
FESTIVAL_EXTRAS = {"festival_month_day", "festival_duration_days"}
COURSE_EXTRAS = {"course_intro"}  # travel courses' detailIntro2 fields
PET_EXTRAS = {"pet_tour"}  # detailPetTour2 fields of the sample pet-friendly places


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    return load_catalogue()


@pytest.fixture(scope="module")
def districts() -> dict:
    return load_districts()


def test_files_are_plain_json() -> None:
    # The committed artifacts are the JSON files themselves; they must parse without our loader.
    assert isinstance(json.loads(DESTINATIONS_PATH.read_text(encoding="utf-8")), list)
    assert set(json.loads(DISTRICTS_PATH.read_text(encoding="utf-8"))) == {"provinces", "districts"}


def test_size_and_coverage(catalogue: list[dict]) -> None:
    assert len(catalogue) >= 300
    per_area = Counter(int(item["areacode"]) for item in catalogue)
    assert set(per_area) == AREA_CODES
    for area in AREA_CODES:
        assert per_area[area] >= 8, (area, per_area[area])
    smallest_large = min(per_area[a] for a in LARGE_PROVINCES)
    assert smallest_large >= 20
    assert smallest_large > max(per_area[a] for a in AREA_CODES - LARGE_PROVINCES) // 2


def test_every_service_type_has_at_least_20(catalogue: list[dict]) -> None:
    per_type = Counter(int(item["contenttypeid"]) for item in catalogue)
    assert set(per_type) == SERVICE_TYPES
    for content_type in SERVICE_TYPES:
        assert per_type[content_type] >= 20, (content_type, per_type[content_type])


def test_content_ids_unique_and_numeric(catalogue: list[dict]) -> None:
    ids = [item["contentid"] for item in catalogue]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[1-9][0-9]{5,6}", cid) for cid in ids)


def test_known_real_ids_are_kept(catalogue: list[dict]) -> None:
    by_title = {item["title"]: item for item in catalogue}
    assert by_title["경복궁"]["contentid"] == "126508"


def test_item_shape_every_value_a_string(catalogue: list[dict]) -> None:
    for item in catalogue:
        is_festival = item["contenttypeid"] == "15"
        extras = (FESTIVAL_EXTRAS if is_festival else set()) | (COURSE_EXTRAS if item["contenttypeid"] == "25"
                                                                 else set())
        assert set(item) - PET_EXTRAS == ITEM_FIELDS | extras, item["title"]
        for key in ITEM_FIELDS:
            assert isinstance(item[key], str), (item["title"], key)


def test_titles_and_addresses_are_clean_korean_text(catalogue: list[dict]) -> None:
    for item in catalogue:
        for key in ("title", "addr1"):
            value = item[key]
            assert value and value == value.strip() and "  " not in value, (key, value)
            assert not re.search(r"[<>&]", value.replace("Art & Science", "")), value
            assert re.search(r"[가-힣]", value), value


@pytest.mark.parametrize("area", sorted(AREA_CODES))
def test_coordinates_inside_korea_and_own_province(catalogue: list[dict], area: int) -> None:
    lat_min, lat_max, lon_min, lon_max = PROVINCE_BOXES[area]
    for item in (i for i in catalogue if int(i["areacode"]) == area):
        lat, lon = float(item["mapy"]), float(item["mapx"])  # mapy is latitude, mapx longitude
        assert 33.0 <= lat <= 39.0 and 124.0 <= lon <= 132.0, item["title"]
        assert lat_min <= lat <= lat_max and lon_min <= lon <= lon_max, (item["title"], lat, lon)


def test_address_matches_area_and_district(catalogue: list[dict], districts: dict) -> None:
    names = {
        (int(area), int(row["code"])): row["name"]
        for area, rows in districts["districts"].items()
        for row in rows
    }
    for item in catalogue:
        area, sigungu = int(item["areacode"]), int(item["sigungucode"])
        assert (area, sigungu) in names, (item["title"], area, sigungu)
        tokens = item["addr1"].split()
        assert tokens[0] == ADDRESS_PREFIX[area], item["addr1"]
        if area != 8:  # Sejong has no districts: its single "district" is the city itself
            assert tokens[1] == names[(area, sigungu)], (item["title"], item["addr1"], sigungu)


def test_legal_dong_province_code(catalogue: list[dict]) -> None:
    for item in catalogue:
        assert item["lDongRegnCd"] == LDONG_REGN[int(item["areacode"])], item["title"]


def test_category_codes_consistent_with_type(catalogue: list[dict]) -> None:
    for item in catalogue:
        cat1, cat2, cat3 = item["cat1"], item["cat2"], item["cat3"]
        assert re.fullmatch(r"[ABC][0-9]{8}", cat3), cat3
        assert cat3.startswith(cat2) and cat2.startswith(cat1) and len(cat2) == 5
        family = CATEGORY_FAMILY[int(item["contenttypeid"])]
        assert cat3.startswith(family), (item["title"], cat3)


def test_festivals_have_a_yearly_slot(catalogue: list[dict]) -> None:
    festivals = [i for i in catalogue if i["contenttypeid"] == "15"]
    months = set()
    for item in festivals:
        start = datetime.strptime("2001-" + item["festival_month_day"], "%Y-%m-%d")
        assert 1 <= item["festival_duration_days"] <= 60
        months.add(start.month)
    # Spread across the year so the festival calendar is never empty for long.
    assert len(months) >= 10
    titles = {i["title"] for i in festivals}
    for famous in ("보령머드축제", "진주남강유등축제", "화천산천어축제", "부산불꽃축제"):
        assert famous in titles


def test_timestamps_are_valid(catalogue: list[dict]) -> None:
    for item in catalogue:
        created = datetime.strptime(item["createdtime"], "%Y%m%d%H%M%S")
        modified = datetime.strptime(item["modifiedtime"], "%Y%m%d%H%M%S")
        assert created <= modified


def test_districts_match_tourapi_numbering(districts: dict) -> None:
    provinces = districts["provinces"]
    assert {int(p["code"]): p["name"] for p in provinces} == PROVINCE_NAMES
    assert [p["rnum"] for p in provinces] == list(range(1, 18))

    by_area = districts["districts"]
    assert {int(a) for a in by_area} == AREA_CODES
    total = sum(len(rows) for rows in by_area.values())
    assert 220 <= total <= 260
    for area, rows in by_area.items():
        codes = [int(r["code"]) for r in rows]
        assert codes == sorted(set(codes)), area
        assert [r["rnum"] for r in rows] == list(range(1, len(rows) + 1)), area
        for row in rows:
            assert isinstance(row["code"], str) and isinstance(row["name"], str)
            assert isinstance(row["rnum"], int)
            assert row["name"].endswith(("시", "군", "구")), row["name"]

    def name(area: str, code: int) -> str:
        return next(r["name"] for r in by_area[area] if int(r["code"]) == code)

    assert len(by_area["1"]) == 25 and name("1", 1) == "강남구" and name("1", 25) == "중랑구"
    assert name("1", 23) == "종로구"
    assert len(by_area["8"]) == 1
    assert len(by_area["31"]) == 31 and name("31", 13) == "수원시"
    # Gunwi moved from Gyeongbuk to Daegu in July 2023.
    assert name("4", 9) == "군위군"
    assert all(r["name"] != "군위군" for r in by_area["35"])
    # Yeongi-gun became Sejong: Chungnam keeps the gap at 10 and appends 계룡시 as 16.
    assert 10 not in {int(r["code"]) for r in by_area["34"]} and name("34", 16) == "계룡시"
    assert {"서귀포시", "제주시"} <= {r["name"] for r in by_area["39"]}

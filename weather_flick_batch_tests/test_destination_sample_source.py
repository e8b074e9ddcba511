"""The offline TourAPI stand-in must answer exactly like KorService2 does."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weather_flick_batch.destinations.sample_source import (
    TourApiSampleSource,
    festival_occurrence,
    load_catalogue,
    load_districts,
    synthetic_catalogue,
)

TODAY = date(2026, 5, 1)
AREA_CODES = [1, 2, 3, 4, 5, 6, 7, 8, 31, 32, 33, 34, 35, 36, 37, 38, 39]
LIST_FIELDS = [
    "addr1", "addr2", "areacode", "cat1", "cat2", "cat3", "contentid", "contenttypeid",
    "createdtime", "firstimage", "firstimage2", "cpyrhtDivCd", "mapx", "mapy", "mlevel",
    "modifiedtime", "sigungucode", "tel", "title", "zipcode", "lDongRegnCd", "lDongSignguCd",
    "lclsSystm1", "lclsSystm2", "lclsSystm3",
]
# Same generous boxes as the catalogue test: synthetic points must land inside them too.
PROVINCE_BOXES: dict[int, tuple[float, float, float, float]] = {
    1: (37.41, 37.72, 126.76, 127.19), 2: (36.90, 38.00, 124.50, 126.85),
    3: (36.18, 36.51, 127.24, 127.57), 4: (35.60, 36.32, 128.34, 128.96),
    5: (35.04, 35.27, 126.63, 127.03), 6: (34.87, 35.40, 128.75, 129.32),
    7: (35.32, 35.74, 128.96, 129.47), 8: (36.40, 36.74, 127.13, 127.41),
    31: (36.89, 38.30, 126.36, 127.86), 32: (37.02, 38.62, 127.08, 129.37),
    33: (35.96, 37.27, 127.26, 128.66), 34: (35.97, 37.08, 125.50, 127.65),
    35: (35.56, 37.56, 127.79, 131.88), 36: (34.45, 35.91, 127.56, 129.25),
    37: (35.28, 36.16, 125.95, 127.93), 38: (33.85, 35.51, 125.00, 127.91),
    39: (33.10, 34.00, 126.10, 126.99),
}

CATALOGUE = load_catalogue()


@pytest.fixture()
def source() -> TourApiSampleSource:
    return TourApiSampleSource(TODAY)


def body(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["response"]["header"] == {"resultCode": "0000", "resultMsg": "OK"}, payload
    return payload["response"]["body"]


def items(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Items of a page, tolerating both TourAPI quirks (empty string, single object)."""
    field = body(payload)["items"]
    if field == "":
        return []
    item = field["item"]
    return [item] if isinstance(item, dict) else item


def fetch_all(src: TourApiSampleSource, operation: str, params: dict[str, str],
              rows: int = 1000) -> tuple[list[dict[str, Any]], int]:
    """Page through like a client would; return items and the number of non-empty pages."""
    collected, pages, page = [], 0, 1
    while True:
        payload = src.respond(operation, {**params, "numOfRows": str(rows), "pageNo": str(page)})
        chunk = items(payload)
        if not chunk:
            return collected, pages
        collected.extend(chunk)
        pages += 1
        page += 1


def error_code(payload: dict[str, Any]) -> str:
    assert "body" not in payload["response"]
    return payload["response"]["header"]["resultCode"]


# --------------------------------------------------------------------------- shape


def test_list_shape_is_exact(source: TourApiSampleSource) -> None:
    payload = source.respond("areaBasedList2", {"numOfRows": "5", "pageNo": "2"})
    assert set(payload) == {"response"} and set(payload["response"]) == {"header", "body"}
    b = body(payload)
    assert set(b) == {"items", "numOfRows", "pageNo", "totalCount"}
    # Paging counters are JSON numbers, as the real gateway sends them.
    assert (b["numOfRows"], b["pageNo"], b["totalCount"]) == (5, 2, len(CATALOGUE))
    assert set(b["items"]) == {"item"} and isinstance(b["items"]["item"], list)
    for item in b["items"]["item"]:
        assert list(item) == LIST_FIELDS
        assert all(isinstance(v, str) for v in item.values())
    json.dumps(payload)  # plain JSON-serialisable data only


def test_empty_page_is_empty_string(source: TourApiSampleSource) -> None:
    beyond = source.respond("areaBasedList2", {"numOfRows": "100", "pageNo": "99"})
    assert body(beyond)["items"] == ""
    assert body(beyond)["totalCount"] == len(CATALOGUE)
    no_match = source.respond("areaBasedList2", {"contentTypeId": "25", "areaCode": "1", "sigunguCode": "99"})
    assert body(no_match)["items"] == "" and body(no_match)["totalCount"] == 0


def test_single_item_can_come_as_object() -> None:
    src = TourApiSampleSource(TODAY, single_item_as_object=True)
    field = body(src.respond("detailCommon2", {"contentId": "126508"}))["items"]
    assert isinstance(field["item"], dict) and field["item"]["title"] == "경복궁"
    many = body(src.respond("areaBasedList2", {"numOfRows": "2"}))["items"]["item"]
    assert isinstance(many, list)


# --------------------------------------------------------------------------- paging


@pytest.mark.parametrize("rows", [1, 7, 100, 1000])
def test_paging_reproduces_full_set(source: TourApiSampleSource, rows: int) -> None:
    got, pages = fetch_all(source, "areaBasedList2", {}, rows=rows)
    ids = [i["contentid"] for i in got]
    assert len(ids) == len(set(ids)) == len(CATALOGUE)
    assert set(ids) == {e["contentid"] for e in CATALOGUE}
    assert pages == math.ceil(len(CATALOGUE) / rows)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(min_value=1, max_value=120),
    area=st.sampled_from([None, *AREA_CODES]),
    content_type=st.sampled_from([None, "12", "14", "15", "28", "32", "38", "39"]),
    arrange=st.sampled_from(["A", "C", "D"]),
)
def test_paging_property(rows: int, area: int | None, content_type: str | None,
                         arrange: str) -> None:
    src = TourApiSampleSource(TODAY, catalogue=CATALOGUE)
    params = {"arrange": arrange}
    if area is not None:
        params["areaCode"] = str(area)
    if content_type is not None:
        params["contentTypeId"] = content_type
    expected = {
        e["contentid"] for e in CATALOGUE
        if (area is None or e["areacode"] == str(area))
        and (content_type is None or e["contenttypeid"] == content_type)
    }
    got, pages = fetch_all(src, "areaBasedList2", params, rows=rows)
    assert [i["contentid"] for i in got] == list(dict.fromkeys(i["contentid"] for i in got))
    assert {i["contentid"] for i in got} == expected
    assert pages == math.ceil(len(expected) / rows)
    first = src.respond("areaBasedList2", {**params, "numOfRows": str(rows)})
    assert body(first)["totalCount"] == len(expected)


# --------------------------------------------------------------------------- filters


def test_filters(source: TourApiSampleSource) -> None:
    got, _ = fetch_all(source, "areaBasedList2",
                       {"areaCode": "1", "sigunguCode": "23", "contentTypeId": "12"})
    expected = [e for e in CATALOGUE if (e["areacode"], e["sigungucode"], e["contenttypeid"])
                == ("1", "23", "12")]
    assert len(got) == len(expected) > 0
    assert "경복궁" in {i["title"] for i in got}

    cutoff = "20250101"
    recent, _ = fetch_all(source, "areaBasedList2", {"modifiedtime": cutoff})
    assert {i["contentid"] for i in recent} == {
        e["contentid"] for e in CATALOGUE if e["modifiedtime"][:8] >= cutoff
    }
    assert 0 < len(recent) < len(CATALOGUE)


def test_arrange_orders(source: TourApiSampleSource) -> None:
    by_title, _ = fetch_all(source, "areaBasedList2", {"arrange": "A"})
    titles = [i["title"] for i in by_title]
    assert titles == sorted(titles)
    by_modified, _ = fetch_all(source, "areaBasedList2", {"arrange": "C"})
    stamps = [i["modifiedtime"] for i in by_modified]
    assert stamps == sorted(stamps, reverse=True)
    by_created, _ = fetch_all(source, "areaBasedList2", {"arrange": "D"})
    created = [i["createdtime"] for i in by_created]
    assert created == sorted(created, reverse=True)
    # O/Q/R only list items with a representative image; the catalogue ships none.
    with_image = {**CATALOGUE[0], "contentid": "1234567",
                  "firstimage": "https://tong.visitkorea.or.kr/x.jpg"}
    src = TourApiSampleSource(TODAY, extra_items=[with_image])
    listed = items(src.respond("areaBasedList2", {"arrange": "O"}))
    assert [i["contentid"] for i in listed] == ["1234567"]


@pytest.mark.parametrize(
    ("operation", "params", "code"),
    [
        ("areaBasedList2", {"numOfRows": "abc"}, "10"),
        ("areaBasedList2", {"numOfRows": "0"}, "10"),
        ("areaBasedList2", {"pageNo": "-1"}, "10"),
        ("areaBasedList2", {"arrange": "Z"}, "10"),
        ("areaBasedList2", {"modifiedtime": "2025-01-01"}, "10"),
        ("areaBasedList2", {"modifiedtime": "20251341"}, "10"),
        ("areaBasedList2", {"sigunguCode": "1"}, "10"),
        ("areaBasedList2", {"areaCode": "서울"}, "10"),
        ("areaBasedSyncList2", {"showflag": "2"}, "10"),
        ("searchFestival2", {}, "11"),
        ("searchFestival2", {"eventStartDate": "2026-05-01"}, "10"),
        ("searchFestival2", {"eventStartDate": "20260501", "eventEndDate": "20260401"}, "10"),
        ("detailCommon2", {}, "11"),
        ("detailCommon2", {"contentId": "12x"}, "10"),
        ("areaCode2", {"areaCode": "x"}, "10"),
        ("detailIntro9", {}, "12"),
    ],
)
def test_bad_requests_get_error_header(source: TourApiSampleSource, operation: str,
                                       params: dict[str, str], code: str) -> None:
    assert error_code(source.respond(operation, params)) == code


def test_blank_optional_params_are_ignored(source: TourApiSampleSource) -> None:
    plain = source.respond("areaBasedList2", {"numOfRows": "3"})
    blanks = source.respond("areaBasedList2",
                            {"numOfRows": "3", "areaCode": "", "contentTypeId": " "})
    assert plain == blanks


def test_common_params_can_be_required() -> None:
    src = TourApiSampleSource(TODAY, require_common_params=True)
    assert error_code(src.respond("areaCode2", {})) == "11"
    assert body(src.respond("areaCode2", {"MobileOS": "ETC", "MobileApp": "WeatherFlick"}))


def test_call_log_never_keeps_the_service_key(source: TourApiSampleSource) -> None:
    source.respond("areaCode2", {"serviceKey": "SECRET-KEY", "numOfRows": "1"})
    assert source.calls == [("areaCode2", {"numOfRows": "1"})]
    assert "SECRET-KEY" not in repr(source.calls)


# --------------------------------------------------------------------------- areaCode2


def test_area_codes(source: TourApiSampleSource) -> None:
    provinces = items(source.respond("areaCode2", {"numOfRows": "50"}))
    assert [p["code"] for p in provinces] == [str(a) for a in AREA_CODES]
    assert provinces[9] == {"rnum": 10, "code": "32", "name": "강원특별자치도"}

    first_page = source.respond("areaCode2", {"areaCode": "1"})
    assert body(first_page)["totalCount"] == 25 and len(items(first_page)) == 10
    seoul = items(source.respond("areaCode2", {"areaCode": "1", "numOfRows": "100"}))
    assert seoul[0] == {"rnum": 1, "code": "1", "name": "강남구"}
    assert [d["name"] for d in items(source.respond("areaCode2", {"areaCode": "8"}))] == [
        "세종특별자치시"
    ]
    assert body(source.respond("areaCode2", {"areaCode": "99"}))["items"] == ""
    total = sum(body(source.respond("areaCode2", {"areaCode": str(a)}))["totalCount"]
                for a in AREA_CODES)
    assert total == sum(len(v) for v in load_districts()["districts"].values())


# --------------------------------------------------------------------------- festivals


def test_festival_occurrence_projection() -> None:
    # Running now -> this edition; over -> next year's; spanning New Year -> last year's start.
    assert festival_occurrence("07-18", 17, date(2026, 7, 20)).start == date(2026, 7, 18)
    assert festival_occurrence("07-18", 17, date(2026, 8, 10)).start == date(2027, 7, 18)
    winter = festival_occurrence("12-27", 37, date(2027, 1, 15))
    assert (winter.start, winter.end) == (date(2026, 12, 27), date(2027, 2, 1))
    assert festival_occurrence("02-29", 3, date(2026, 1, 1)).start == date(2026, 2, 28)
    with pytest.raises(ValueError):
        festival_occurrence("05-01", 0, TODAY)


def test_festivals_in_next_60_days_every_day_of_the_year() -> None:
    day = date(2026, 1, 1)
    while day.year == 2026:
        src = TourApiSampleSource(day, catalogue=CATALOGUE)
        end = day + timedelta(days=60)
        found = items(src.respond("searchFestival2", {
            "eventStartDate": day.strftime("%Y%m%d"),
            "eventEndDate": end.strftime("%Y%m%d"),
            "numOfRows": "100",
        }))
        assert found, day
        for item in found:
            start = datetime.strptime(item["eventstartdate"], "%Y%m%d").date()
            finish = datetime.strptime(item["eventenddate"], "%Y%m%d").date()
            assert start <= end and finish >= day and start <= finish
            assert item["contenttypeid"] == "15"
        day += timedelta(days=1)


def test_festival_items_and_list_agree(source: TourApiSampleSource) -> None:
    festivals = [e for e in CATALOGUE if e["contenttypeid"] == "15"]
    listed, _ = fetch_all(source, "areaBasedList2", {"contentTypeId": "15"})
    assert len(listed) == len(festivals)
    # Open-ended search: every festival has a current or next edition.
    searched, _ = fetch_all(source, "searchFestival2", {"eventStartDate": "20260501"})
    assert {i["contentid"] for i in searched} == {e["contentid"] for e in festivals}
    item = searched[0]
    assert list(item)[:11] == LIST_FIELDS[:9] + ["eventstartdate", "eventenddate"]
    assert all(isinstance(v, str) for v in item.values())
    mud = next(i for i in searched if i["title"] == "보령머드축제")
    assert mud["eventstartdate"] == "20260718" and mud["eventenddate"] == "20260803"


def test_festival_window_is_an_overlap(source: TourApiSampleSource) -> None:
    # The mud festival runs 18 Jul - 3 Aug 2026; a window starting mid-festival still finds it.
    mid = items(source.respond("searchFestival2", {"eventStartDate": "20260801",
                                                   "eventEndDate": "20260801",
                                                   "numOfRows": "100"}))
    assert "보령머드축제" in {i["title"] for i in mid}
    after = items(source.respond("searchFestival2", {"eventStartDate": "20260804",
                                                     "eventEndDate": "20260805",
                                                     "numOfRows": "100"}))
    assert "보령머드축제" not in {i["title"] for i in after}


# --------------------------------------------------------------------------- sync list


def test_sync_list_showflag_and_withdrawals() -> None:
    gone = "126508"
    plain_src = TourApiSampleSource(TODAY)
    synced, _ = fetch_all(plain_src, "areaBasedSyncList2", {})
    assert Counter(i["showflag"] for i in synced) == {"1": len(CATALOGUE)}
    assert list(synced[0]).index("showflag") == LIST_FIELDS.index("modifiedtime") + 1

    src = TourApiSampleSource(TODAY, withdrawn_ids={gone})
    listed, _ = fetch_all(src, "areaBasedList2", {})
    assert gone not in {i["contentid"] for i in listed}
    assert len(listed) == len(CATALOGUE) - 1

    # An incremental sync from today sees the withdrawal and nothing else.
    today_changes, _ = fetch_all(src, "areaBasedSyncList2",
                                 {"modifiedtime": TODAY.strftime("%Y%m%d")})
    assert [(i["contentid"], i["showflag"]) for i in today_changes] == [(gone, "0")]
    withdrawn_only, _ = fetch_all(src, "areaBasedSyncList2", {"showflag": "0"})
    assert [i["contentid"] for i in withdrawn_only] == [gone]
    assert body(src.respond("detailCommon2", {"contentId": gone}))["items"] == ""


def test_modified_overrides_and_new_items() -> None:
    target = next(e for e in CATALOGUE if e["title"] == "해운대해수욕장")
    new_item = {**target, "contentid": "7654321", "title": "새 관광지",
                "modifiedtime": "20260430120000"}
    src = TourApiSampleSource(
        TODAY,
        modified_overrides={target["contentid"]: {"title": "해운대해수욕장 (새 단장)",
                                                  "modifiedtime": "20260430093000"}},
        extra_items=[new_item],
    )
    changed, _ = fetch_all(src, "areaBasedSyncList2", {"modifiedtime": "20260430"})
    assert {(i["contentid"], i["title"], i["showflag"]) for i in changed} == {
        (target["contentid"], "해운대해수욕장 (새 단장)", "1"),
        ("7654321", "새 관광지", "1"),
    }
    with pytest.raises(ValueError, match="unknown content ids"):
        TourApiSampleSource(TODAY, withdrawn_ids={"999"})
    with pytest.raises(ValueError, match="duplicate contentid"):
        TourApiSampleSource(TODAY, extra_items=[target])


# --------------------------------------------------------------------------- detailCommon2


def test_detail_common(source: TourApiSampleSource) -> None:
    detail = items(source.respond("detailCommon2", {"contentId": "126508"}))
    assert len(detail) == 1
    item = detail[0]
    assert item["title"] == "경복궁" and item["contentid"] == "126508"
    assert "경복궁은" in item["overview"] and "고궁" in item["overview"]
    assert {"homepage", "overview", "mapx", "mapy"} <= set(item)
    assert all(isinstance(v, str) for v in item.values())
    assert body(source.respond("detailCommon2", {"contentId": "1"}))["items"] == ""


# --------------------------------------------------------------------------- determinism


def test_responses_are_deterministic() -> None:
    requests = [
        ("areaBasedList2", {"numOfRows": "50", "pageNo": "3", "arrange": "C"}),
        ("areaBasedSyncList2", {"areaCode": "39", "numOfRows": "100"}),
        ("searchFestival2", {"eventStartDate": "20260501", "numOfRows": "100"}),
        ("detailCommon2", {"contentId": "126508"}),
    ]
    one, two = TourApiSampleSource(TODAY), TourApiSampleSource(TODAY)
    for operation, params in requests:
        first, second = one.respond(operation, params), two.respond(operation, params)
        assert json.dumps(first) == json.dumps(second)


def test_synthetic_catalogue() -> None:
    data = synthetic_catalogue(3000, seed=11)
    assert data == synthetic_catalogue(3000, seed=11)
    assert data != synthetic_catalogue(3000, seed=12)
    assert len(data) == 3000
    assert len({i["contentid"] for i in data}) == 3000
    catalogue_ids = {e["contentid"] for e in CATALOGUE}
    assert not catalogue_ids & {i["contentid"] for i in data}
    districts = {(int(a), int(r["code"])) for a, rows in load_districts()["districts"].items()
                 for r in rows}
    combos = set()
    for item in data:
        assert list(item)[:len(LIST_FIELDS)] == LIST_FIELDS
        assert all(isinstance(item[k], str) for k in LIST_FIELDS)
        area = int(item["areacode"])
        assert (area, int(item["sigungucode"])) in districts
        lat_min, lat_max, lon_min, lon_max = PROVINCE_BOXES[area]
        assert lat_min <= float(item["mapy"]) <= lat_max
        assert lon_min <= float(item["mapx"]) <= lon_max
        combos.add((area, item["contenttypeid"]))
    assert len(combos) == 17 * 7
    # It feeds the sample source directly, festivals included.
    src = TourApiSampleSource(TODAY, catalogue=data)
    assert body(src.respond("areaBasedList2", {}))["totalCount"] == 3000
    assert items(src.respond("searchFestival2", {"eventStartDate": "20260501"}))


def test_synthetic_dirty_fraction_makes_mess() -> None:
    dirty = synthetic_catalogue(2000, seed=3, dirty_fraction=0.5)
    assert any("<b>" in i["title"] for i in dirty)
    assert any(i["mapx"] == "0" for i in dirty)
    assert len({i["contentid"] for i in dirty}) < len(dirty)  # duplicated ids
    with pytest.raises(ValueError):
        synthetic_catalogue(10, seed=1, dirty_fraction=2)

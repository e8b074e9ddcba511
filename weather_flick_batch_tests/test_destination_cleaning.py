"""Cleaning raw TourAPI items into typed destination rows."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weather_flick_batch.destinations.cleaning import (
    CLEAN_COLUMNS,
    CONTENT_TYPE_NAMES,
    SERVICE_TABLE_BY_CONTENT_TYPE,
    RejectReason,
    clean_items,
    clean_text,
)
from weather_flick_batch.destinations.sample_source import (
    TourApiSampleSource,
    synthetic_catalogue,
)

SEOUL = ZoneInfo("Asia/Seoul")
FETCHED = datetime(2026, 5, 1, 3, 0, tzinfo=timezone.utc)


def raw_item(**overrides: Any) -> dict[str, Any]:
    """A valid areaBasedList2 item (Gyeongbokgung) with string values, as TourAPI sends it."""
    item = {
        "addr1": "서울특별시 종로구 사직로 161", "addr2": "", "areacode": "1",
        "cat1": "A02", "cat2": "A0201", "cat3": "A02010100", "contentid": "126508",
        "contenttypeid": "12", "createdtime": "20130517211936",
        "firstimage": "http://tong.visitkorea.or.kr/cms/resource/33/2678633_image2_1.jpg",
        "firstimage2": "", "cpyrhtDivCd": "Type3", "mapx": "126.9770000000",
        "mapy": "37.5796000000", "mlevel": "6", "modifiedtime": "20250405221614",
        "sigungucode": "23", "tel": "02-3700-3900", "title": "경복궁", "zipcode": "03045",
        "lDongRegnCd": "11", "lDongSignguCd": "110", "lclsSystm1": "", "lclsSystm2": "",
        "lclsSystm3": "",
    }
    item.update(overrides)
    return item


def only_row(result) -> dict[str, Any]:
    assert len(result.rows) == 1, result.rejects
    return result.records()[0]


# --------------------------------------------------------------------------- typed rows


def test_valid_item_becomes_typed_row() -> None:
    result = clean_items([raw_item()], FETCHED)
    assert list(result.rows.columns) == list(CLEAN_COLUMNS)
    assert result.rejects.empty and result.duplicates_dropped == 0 and result.input_count == 1
    row = only_row(result)
    assert row["content_id"] == "126508"
    assert row["content_type_id"] == 12 and type(row["content_type_id"]) is int
    assert row["service_table"] == "tourist_attractions"
    assert row["area_code"] == 1 and row["sigungu_code"] == 23
    # mapy is the latitude, mapx the longitude: a swap would put Seoul in the Indian Ocean.
    assert row["latitude"] == pytest.approx(37.5796)
    assert row["longitude"] == pytest.approx(126.977)
    assert row["image_url"].startswith("https://tong.visitkorea.or.kr/")
    assert row["thumbnail_url"] is None and row["addr2"] is None
    assert row["tel"] == "02-3700-3900" and row["zipcode"] == "03045"
    assert row["cat3"] == "A02010100"
    assert row["is_active"] is True
    assert row["event_start_date"] is None and row["event_end_date"] is None


def test_times_are_tz_aware_kst() -> None:
    row = only_row(clean_items([raw_item()], FETCHED))
    modified = row["modified_time"]
    assert modified.tzinfo is not None and modified.utcoffset() == timedelta(hours=9)
    assert modified == datetime(2025, 4, 5, 22, 16, 14, tzinfo=SEOUL)
    # Same instant as 13:16:14 UTC: the string is KST wall time, not UTC.
    assert modified == datetime(2025, 4, 5, 13, 16, 14, tzinfo=timezone.utc)
    assert row["created_time"] == datetime(2013, 5, 17, 21, 19, 36, tzinfo=SEOUL)
    assert row["fetched_at"] == FETCHED and row["fetched_at"].utcoffset() == timedelta(hours=9)
    assert isinstance(clean_items([raw_item()], FETCHED).rows["modified_time"].dtype,
                      pd.DatetimeTZDtype)


def test_bad_timestamp_becomes_none_not_reject() -> None:
    row = only_row(clean_items([raw_item(modifiedtime="2025-04-05", createdtime="")], FETCHED))
    assert row["modified_time"] is None and row["created_time"] is None


def test_naive_fetched_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        clean_items([raw_item()], datetime(2026, 5, 1, 12, 0))


def test_festival_dates() -> None:
    row = only_row(clean_items([raw_item(contenttypeid="15", eventstartdate="20260718",
                                         eventenddate="20260803")], FETCHED))
    assert row["event_start_date"] == date(2026, 7, 18)
    assert row["event_end_date"] == date(2026, 8, 3)
    assert row["service_table"] == "festivals_events"


def test_service_table_contract() -> None:
    # The web back end's tables: changing this mapping breaks the service, so it is pinned.
    assert SERVICE_TABLE_BY_CONTENT_TYPE == {
        12: "tourist_attractions", 14: "cultural_facilities", 15: "festivals_events", 25: "travel_courses",
        28: "leisure_sports", 32: "accommodations", 38: "shopping", 39: "restaurants",
    }
    assert set(SERVICE_TABLE_BY_CONTENT_TYPE) == set(CONTENT_TYPE_NAMES)
    assert CONTENT_TYPE_NAMES[39] == "음식점"
    row = only_row(clean_items([raw_item(contenttypeid="25")], FETCHED))
    assert row["content_type_id"] == 25 and row["service_table"] == "travel_courses"


# --------------------------------------------------------------------------- text clean-up


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<b>경복궁</b>", "경복궁"),
        ("  경복궁 \n\t 야경  ", "경복궁 야경"),
        ("부산&amp;해운대", "부산&해운대"),
        ("남산&nbsp;&nbsp;타워", "남산 타워"),
        ("1층<br>2층<br/>3층", "1층 2층 3층"),
        ("&lt;b&gt;이중 인코딩&lt;/b&gt;", "이중 인코딩"),
        ("<p style=\"x\">단락</p><!-- 주석 -->", "단락"),
        ("<한강> 야경", "<한강> 야경"),
        ("A < B", "A < B"),
        ("제로\u200b폭", "제로폭"),
        ("&#39;따옴표&#39;", "'따옴표'"),
        (None, ""),
    ],
)
def test_clean_text(raw: Any, clean: str) -> None:
    assert clean_text(raw) == clean


def test_html_is_cleaned_in_rows() -> None:
    row = only_row(clean_items([raw_item(
        title=" <b>경복궁</b> &amp; 야간개장 ",
        addr1="서울특별시 종로구<br>사직로&nbsp;161",
        addr2="<p></p>",
        tel="02-3700-3900<br>",
    )], FETCHED))
    assert row["title"] == "경복궁 & 야간개장"
    assert row["addr1"] == "서울특별시 종로구 사직로 161"
    assert row["addr2"] is None  # nothing left after stripping
    assert row["tel"] == "02-3700-3900"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("가나다 ab<>/&;#\n\t\u00a0") + ["<br>", "&amp;", "</b>",
                                                                      "&lt;", "&nbsp;"]))
       .map("".join))
def test_clean_text_properties(value: str) -> None:
    cleaned = clean_text(value)
    assert clean_text(cleaned) == cleaned or "&" in cleaned  # idempotent unless entities remain
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned and "\n" not in cleaned and "\u00a0" not in cleaned
    assert "<br>" not in cleaned and "</b>" not in cleaned


# --------------------------------------------------------------------------- rejects


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"mapx": "0", "mapy": "0"}, RejectReason.OUTSIDE_KOREA),
        ({"mapx": "139.6917", "mapy": "35.6895"}, RejectReason.OUTSIDE_KOREA),  # Tokyo
        ({"mapx": "37.5796", "mapy": "126.977"}, RejectReason.OUTSIDE_KOREA),  # swapped
        ({"mapx": "abc"}, RejectReason.UNPARSEABLE_COORDINATES),
        ({"mapy": "NaN"}, RejectReason.UNPARSEABLE_COORDINATES),
        ({"mapy": "inf"}, RejectReason.UNPARSEABLE_COORDINATES),
        ({"mapx": ""}, RejectReason.MISSING_COORDINATES),
        ({"title": ""}, RejectReason.MISSING_TITLE),
        ({"title": "   "}, RejectReason.MISSING_TITLE),
        ({"title": "<b></b>&nbsp;"}, RejectReason.MISSING_TITLE),
        ({"contentid": ""}, RejectReason.MISSING_CONTENT_ID),
        ({"contentid": None}, RejectReason.MISSING_CONTENT_ID),
        ({"areacode": "99", "lDongRegnCd": ""}, RejectReason.UNKNOWN_AREA_CODE),
        ({"areacode": "", "lDongRegnCd": ""}, RejectReason.UNKNOWN_AREA_CODE),
        ({"areacode": "11", "lDongRegnCd": "11"}, RejectReason.UNKNOWN_AREA_CODE),
        ({"contenttypeid": "99"}, RejectReason.INVALID_CONTENT_TYPE),
        ({"contenttypeid": ""}, RejectReason.INVALID_CONTENT_TYPE),
    ],
)
def test_rejects_with_reason(overrides: dict[str, Any], reason: RejectReason) -> None:
    item = raw_item(**overrides)
    result = clean_items([item, raw_item(contentid="9011202", title="창덕궁")], FETCHED)
    assert result.rows["content_id"].tolist() == ["9011202"]
    assert len(result.rejects) == 1
    reject = result.rejects.iloc[0]
    assert reject["reason"] == reason.value
    assert reject["raw"] is item
    assert result.reject_counts == {reason.value: 1}


def test_missing_keys_are_treated_as_blank() -> None:
    result = clean_items([{"contentid": "1", "contenttypeid": "12"}], FETCHED)
    assert result.rows.empty
    assert result.rejects.iloc[0]["reason"] == "; ".join([
        RejectReason.MISSING_TITLE, RejectReason.UNKNOWN_AREA_CODE,
        RejectReason.MISSING_COORDINATES,
    ])


def test_several_reasons_are_joined() -> None:
    result = clean_items([raw_item(title="", mapx="x")], FETCHED)
    assert result.rejects.iloc[0]["reason"] == "missing title; unparseable coordinates"
    assert result.reject_counts == {"missing title": 1, "unparseable coordinates": 1}


def test_blank_areacode_falls_back_to_legal_dong_code() -> None:
    # KorService2 has been blanking areacode on some items that carry lDongRegnCd instead.
    jeju = raw_item(contentid="126449", title="중문·색달 해변", areacode="", sigungucode="",
                    lDongRegnCd="50", mapx="126.412", mapy="33.245")
    row = only_row(clean_items([jeju], FETCHED))
    assert row["area_code"] == 39 and row["sigungu_code"] is None


def test_withdrawn_items_survive_with_blank_fields() -> None:
    withdrawn = raw_item(showflag="0", title="", mapx="", mapy="", areacode="", lDongRegnCd="")
    row = only_row(clean_items([withdrawn], FETCHED))
    assert row["is_active"] is False
    assert row["area_code"] is None and row["latitude"] is None
    active = only_row(clean_items([raw_item(showflag="1")], FETCHED))
    assert active["is_active"] is True


# --------------------------------------------------------------------------- duplicates


def test_duplicates_keep_latest_modification() -> None:
    old = raw_item(title="경복궁 (옛)", modifiedtime="20240101000000")
    new = raw_item(title="경복궁 (새)", modifiedtime="20250101000000")
    other = raw_item(contentid="9011202", title="창덕궁")
    for batch in ([old, new, other], [new, old, other]):
        result = clean_items(batch, FETCHED)
        assert result.duplicates_dropped == 1
        assert sorted(result.rows["content_id"]) == ["126508", "9011202"]
        kept = result.rows.set_index("content_id").loc["126508", "title"]
        assert kept == "경복궁 (새)"


def test_duplicate_ties_and_undated_copies() -> None:
    first = raw_item(title="첫째")
    second = raw_item(title="둘째")
    assert clean_items([first, second], FETCHED).rows["title"].tolist() == ["둘째"]
    undated = raw_item(title="날짜 없음", modifiedtime="")
    assert clean_items([first, undated], FETCHED).rows["title"].tolist() == ["첫째"]
    assert clean_items([undated, first], FETCHED).rows["title"].tolist() == ["첫째"]


def test_rejected_copy_does_not_shadow_a_valid_one() -> None:
    broken_newer = raw_item(mapx="0", mapy="0", modifiedtime="20260101000000")
    result = clean_items([raw_item(), broken_newer], FETCHED)
    assert len(result.rows) == 1 and len(result.rejects) == 1
    assert result.duplicates_dropped == 0


# --------------------------------------------------------------------------- end to end


def test_empty_batch() -> None:
    result = clean_items([], FETCHED)
    assert result.rows.empty and result.rejects.empty
    assert list(result.rows.columns) == list(CLEAN_COLUMNS)
    assert result.records() == [] and result.input_count == 0


def test_whole_sample_catalogue_cleans_without_rejects() -> None:
    src = TourApiSampleSource(date(2026, 5, 1))
    payload = src.respond("areaBasedList2", {"numOfRows": "1000"})
    raw = payload["response"]["body"]["items"]["item"]
    result = clean_items(raw, FETCHED)
    assert result.rejects.empty, result.rejects[["title", "reason"]]
    assert len(result.rows) == len(raw)
    assert set(result.rows["service_table"]) == set(SERVICE_TABLE_BY_CONTENT_TYPE.values())


@settings(max_examples=15, deadline=None)
@given(n=st.integers(min_value=0, max_value=400), seed=st.integers(0, 10_000),
       dirty=st.floats(min_value=0, max_value=1))
def test_every_item_is_accounted_for(n: int, seed: int, dirty: float) -> None:
    data = synthetic_catalogue(n, seed, dirty_fraction=dirty)
    result = clean_items(data, FETCHED)
    assert len(result.rows) + len(result.rejects) + result.duplicates_dropped == n
    assert result.rows["content_id"].is_unique
    assert result.rows["latitude"].between(33, 39).all()
    assert result.rows["longitude"].between(124, 132).all()


def test_fifty_thousand_items_clean_quickly() -> None:
    data = synthetic_catalogue(50_000, seed=2026, dirty_fraction=0.02)
    started = time.perf_counter()
    result = clean_items(data, FETCHED)
    elapsed = time.perf_counter() - started
    assert len(result.rows) + len(result.rejects) + result.duplicates_dropped == 50_000
    # About 0.8 s on a 2-core dev box; the bound only guards against accidental per-row loops.
    assert elapsed < 6.0, elapsed

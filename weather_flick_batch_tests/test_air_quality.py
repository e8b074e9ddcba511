"""AirKorea fine-dust domain: grades, regions, parsing, schedule, sample source, and the live client
end to end against a local server that answers like AirKorea (with injected faults)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote, quote_plus, unquote

import numpy as np
import pandas as pd
import pytest

from weather_flick_batch.air_quality import grades as G
from weather_flick_batch.air_quality import issuance as I
from weather_flick_batch.air_quality import regions as R
from weather_flick_batch.air_quality import sample_source as S
from weather_flick_batch.air_quality.client import (
    KEY_SETTING_NAME,
    OP_FORECAST,
    OP_REALTIME,
    PAGE_SIZE,
    LiveAirKoreaSource,
    SampleAirKoreaSource,
)
from weather_flick_batch.air_quality.collect import (
    EmptyRealtimeError,
    ForecastNotPublishedError,
    collect_forecast,
    collect_realtime,
)
from weather_flick_batch.air_quality.parsing import (
    FORECAST_BY_DISTRICT_COLUMNS,
    FORECAST_COLUMNS,
    FORECAST_TEXT_COLUMNS,
    PM_FORECAST_COLUMNS,
    REALTIME_BY_DISTRICT_COLUMNS,
    REALTIME_COLUMNS,
    check_result,
    forecast_by_district,
    latest_per_target,
    parse_forecast,
    parse_inform_grade,
    parse_realtime,
    payload_items,
    pm_forecast,
)
from weather_flick_batch.core.apiclient import (
    ApiClient,
    ApiConfigurationError,
    IncompleteListingError,
    NoDataError,
    QuotaExhaustedError,
    TransientApiError,
)
from weather_flick_batch.core.regions import PROVINCES
from weather_flick_batch.testing.fakes.airkorea import airkorea_server
from weather_flick_batch.testing.fakes.http_fault_server import FaultPlan, gateway_xml_error
from weather_flick_batch.weather.issuance import PARTITION_KEY_FORMAT as WEATHER_PARTITION_KEY_FORMAT

KST = I.KST
AREA_CODES = {p.area_code for p in PROVINCES}
# A key with characters that change under URL encoding, so every encoded form is checked.
SECRET = "Ab+c/d==SECRETKEY%2Bx"

REAL_GRADE = ("서울 : 보통,제주 : 보통,전남 : 보통,전북 : 보통,광주 : 보통,경남 : 보통,경북 : 보통,울산 : 보통,"
              "대구 : 보통,부산 : 보통,충남 : 보통,충북 : 보통,세종 : 좋음,대전 : 좋음,영동 : 좋음,영서 : 좋음,"
              "경기남부 : 보통,경기북부 : 보통,인천 : 보통")


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


def no_sleep(_seconds: float) -> None:
    pass


def leaks(text: str, secret: str = SECRET) -> bool:
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret), quote_plus(secret)}
    return any(form in text for form in forms)


# =============================================================================================
# Grades
# =============================================================================================


@pytest.mark.parametrize("measure, value, expected", [
    ("PM10", 0, 1), ("PM10", 30, 1), ("PM10", 30.4, 2), ("PM10", 31, 2), ("PM10", 80, 2), ("PM10", 81, 3),
    ("PM10", 150, 3), ("PM10", 151, 4), ("PM10", 999, 4),
    ("PM25", 15, 1), ("PM25", 16, 2), ("PM25", 35, 2), ("PM25", 36, 3), ("PM25", 75, 3), ("PM25", 76, 4),
    ("PM2.5", 50, 3),  # the pre-2018 bands would say 보통: they are not used
    ("CAI", 50, 1), ("CAI", 51, 2), ("CAI", 100, 2), ("CAI", 101, 3), ("CAI", 250, 3), ("CAI", 251, 4),
    ("khai", 75, 2), ("O3", 0.030, 1), ("O3", 0.031, 2), ("O3", 0.091, 3), ("O3", 0.151, 4),
    ("PM10", -1, None), ("PM10", None, None), ("PM10", "-", None), ("PM10", "", None), ("PM10", float("nan"), None),
    ("PM10", float("inf"), None), ("PM10", "45", 2), ("PM10", True, None),
])
def test_grade_bands_at_their_boundaries(measure, value, expected):
    assert G.grade_for_value(measure, value) == expected


@pytest.mark.parametrize("measure", ["PM10", "PM25", "CAI", "O3"])
def test_vectorised_grades_equal_the_scalar_ones(measure):
    top = 0.4 if measure == "O3" else 400
    values = list(np.linspace(0, top, 801)) + [-5, None, "x", float("nan"), True]
    vector = G.grade_codes(measure, pd.Series(values, dtype="object", index=range(10, 10 + len(values))))
    assert vector.dtype == "Int64" and list(vector.index) == list(range(10, 10 + len(values)))
    assert [None if pd.isna(v) else int(v) for v in vector] == [G.grade_for_value(measure, v) for v in values]


def test_unknown_measure_is_refused():
    with pytest.raises(ValueError, match="unknown air-quality measure"):
        G.grade_for_value("SO2", 1)


def test_grade_names_and_codes_round_trip():
    for code, name in G.GRADE_NAMES.items():
        assert G.grade_code(name) == code and G.grade_name(code) == name and G.grade_code(str(code)) == code
    assert G.grade_code("매우 나쁨") == 4 and G.grade_code(" 나 쁨 ") == 3
    for junk in ("-", "예보없음", "", None, "0", "5", 0, 7, 2.5, "좋음보통", True):
        assert G.grade_code(junk) is None
    assert G.grade_names(pd.Series([1, None, 4], dtype="Int64")).tolist()[::2] == ["좋음", "매우나쁨"]


def test_worst_of_pm10_and_pm25():
    assert G.worst_pm_grade(2, 3) == 3 and G.worst_pm_grade("나쁨", "4") == 4
    assert G.worst_pm_grade(None, 2) == 2 and G.worst_pm_grade("-", None) is None
    worst = G.worst_grades(pd.Series([1, None, 3, None], dtype="Int64"), pd.Series([2, 2, None, None], dtype="Int64"))
    assert worst.dtype == "Int64" and [None if pd.isna(v) else v for v in worst] == [2, 2, 3, None]


# =============================================================================================
# Regions
# =============================================================================================


def test_forecast_regions_cover_all_17_provinces_and_each_gangwon_gyeonggi_district_exactly_once():
    table = R.forecast_region_table()
    assert {r.forecast_region for r in table} == set(R.FORECAST_REGIONS) and len(R.FORECAST_REGIONS) == 19
    assert {r.region_code for r in table} == AREA_CODES
    whole = [r for r in table if r.sigungu_code is None]
    assert sorted(r.region_code for r in whole) == sorted(AREA_CODES - {31, 32})  # each once
    for code in (31, 32):
        listed = Counter(r.sigungu_code for r in table if r.region_code == code)
        assert set(listed) == {c for c, _ in R.districts(code)} and set(listed.values()) == {1}
        assert not any(r.region_code == code and r.sigungu_code is None for r in table)


def test_yeongdong_and_gyeonggi_north_are_the_documented_lists():
    def names(region: str) -> set[str]:
        return {r.sigungu_name for r in R.forecast_region_table() if r.forecast_region == region}

    assert names("영동") == {"강릉시", "동해시", "삼척시", "태백시", "속초시", "양양군", "고성군"}
    assert names("경기북부") == {"고양시", "남양주시", "파주시", "의정부시", "양주시", "구리시", "포천시", "동두천시", "가평군",
                                "연천군"}
    assert len(names("영서")) == 11 and "정선군" in names("영서") and "평창군" in names("영서")
    assert len(names("경기남부")) == 21 and "김포시" in names("경기남부")


def test_region_for_every_table_row_and_the_province_level_fallbacks():
    for row in R.forecast_region_table():
        assert R.region_for(row.region_code, row.sigungu_code) == row.forecast_region
    assert R.region_for(1) == R.region_for(1, 5) == "서울" and R.region_for(39, 4) == "제주"
    assert R.region_for(31) == R.region_for(31, float("nan")) == "경기남부"  # 수원시청, the representative point
    assert R.region_for(32, None) == "영서"  # 춘천시청
    assert R.forecast_regions_for(31) == ("경기남부", "경기북부") and R.forecast_regions_for(32) == ("영동", "영서")
    assert R.forecast_regions_for(32, 1) == ("영동",) and R.forecast_regions_for(8) == ("세종",)
    assert R.region_for(32, 999) == "영서"
    with pytest.raises(ValueError, match="unknown district 999"):
        R.region_for(32, 999, strict=True)
    with pytest.raises(ValueError, match="unknown TourAPI area code"):
        R.region_for(9)


def test_forecast_region_frame_dtypes():
    frame = R.forecast_region_frame()
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        "forecast_region": "str", "region_code": "int64", "sigungu_code": "Int64", "sigungu_name": "str", "note": "str"}
    assert len(frame) == 15 + 31 + 18


def test_sido_names_map_onto_the_17_area_codes():
    assert len(R.SIDO_NAMES) == 17 and set(R.REGION_CODE_BY_SIDO_NAME.values()) == AREA_CODES
    for name in R.SIDO_NAMES:
        assert R.sido_name_for(R.region_code_for_sido(name)) == name
    assert R.region_code_for_sido("서울특별시") == 1 and R.region_code_for_sido("강원특별자치도") == 32
    assert R.region_code_for_sido(" 전북 ") == 37
    with pytest.raises(ValueError, match="unknown AirKorea sidoName"):
        R.region_code_for_sido("전국")


@pytest.mark.parametrize("sido, station, sigungu, method", [
    ("서울", "종로구", 23, "name"),
    ("서울", "중구", 24, "name"),
    ("부산", "중구", 15, "name"),  # the same name in another province is another district
    ("서울", "한강대로", None, "province"),
    ("경기", "수원", 13, "name"),
    ("경기", "고양시", 2, "name"),
    ("경기", "인계동", 13, "alias"),
    ("경기", "행신동", None, "province"),
    ("경기", "광주", 5, "name"),  # 경기 광주시, not the city of 광주
    ("강원", "고성", 2, "name"),
    ("경남", "고성", 3, "name"),
    ("경남", "마산", 16, "name"),  # a merged district is placed in its successor (창원시)
    ("세종", "아름동", 1, "single_district"),
    ("제주", "동홍동", 3, "alias"),
    ("대구", "수창동", 8, "alias"),
    ("서울", " 종로구 (도시대기)", 23, "name"),
    ("서울", "구", None, "province"),
])
def test_station_assignment(sido, station, sigungu, method):
    where = R.assign_station(sido, station)
    assert (where.sigungu_code, where.method) == (sigungu, method)
    assert where.region_code == R.region_code_for_sido(sido)


def test_station_assignment_by_address_when_one_is_known():
    where = R.assign_station("경기", "행신동", address="경기 고양시 덕양구 행신동 123")
    assert (where.sigungu_code, where.sigungu_name, where.method) == (2, "고양시", "address")


def test_sample_stations_match_districts_except_the_two_fallbacks():
    unassigned = [(code, name) for code, stations in S.STATIONS.items() for name, _ in stations
                  if R.assign_station(code, name).sigungu_code is None]
    assert unassigned == [(1, "한강대로"), (31, "행신동")]
    assert set(S.STATIONS) == AREA_CODES


# =============================================================================================
# informGrade and forecast parsing
# =============================================================================================


def test_a_real_inform_grade_gives_19_regions():
    split = parse_inform_grade(REAL_GRADE)
    assert len(split.grades) == 19 and split.missing == [] and not split.unknown_regions
    assert split.grades["세종"] == 1 and split.grades["경기북부"] == 2


@pytest.mark.parametrize("text, grades, placeholders, unknown_regions, unknown_grades, malformed", [
    ("서울 : -,제주 : 예보없음,부산 :   매우 나쁨 ", {"부산": 4}, ["서울", "제주"], [], [], []),
    ("서울:보통,,제주:좋음,", {"서울": 2, "제주": 1}, [], [], [], []),
    ("서울：나쁨，인천 ： 좋음", {"서울": 3, "인천": 1}, [], [], [], []),
    ("평양 : 좋음,서울 : 보통", {"서울": 2}, [], ["평양"], [], []),
    ("서울 : 한때나쁨", {}, [], [], ["서울:한때나쁨"], []),
    ("서울 : 보통 : 나쁨", {}, [], [], ["서울:보통:나쁨"], []),
    ("-", {}, [], [], [], ["-"]),
    ("", {}, [], [], [], []),
    ("<b>서울</b> : 좋음", {}, [], ["<b>서울</b>"], [], []),
    ("서울 : 좋음 " * 50, {}, [], [], ["서울:" + "좋음서울:" * 8], []),  # no commas: one long grade, cut to 40
    (" : 좋음", {}, [], ["(empty)"], [], []),
])
def test_inform_grade_hostile_strings_are_reported_not_fatal(text, grades, placeholders, unknown_regions,
                                                             unknown_grades, malformed):
    split = parse_inform_grade(text)
    assert split.grades == grades
    assert split.placeholders == placeholders
    assert split.unknown_regions == unknown_regions
    assert split.unknown_grades == unknown_grades
    assert split.malformed_parts == malformed


@pytest.mark.parametrize("value", [None, 42, ["서울 : 좋음"], {"서울": "좋음"}])
def test_inform_grade_of_the_wrong_type(value):
    split = parse_inform_grade(value)
    assert split.grades == {} and len(split.missing) == 19


def test_duplicate_region_keeps_the_first_grade():
    split = parse_inform_grade("서울 : 좋음,서울 : 매우나쁨")
    assert split.grades == {"서울": 1} and split.duplicate_regions == ["서울"]


def test_group_names_and_the_rest_are_expanded_with_explicit_regions_first():
    split = parse_inform_grade("경기남부:나쁨,강원권:나쁨,충남:나쁨,경북:나쁨,수도권:매우나쁨,그밖의권역:보통")
    assert split.missing == [] and split.expanded_groups == ["강원권", "수도권", "그밖의권역"]
    assert split.grades["경기남부"] == 3  # explicit beats the group
    assert split.grades["서울"] == split.grades["경기북부"] == 4  # group beats "the rest"
    assert split.grades["영동"] == split.grades["영서"] == 3 and split.grades["제주"] == 2
    assert parse_inform_grade("강원영동 : 좋음,그 밖의 지역 : 보통").grades["영동"] == 1


def _item(issued: str, code: str, target: str, grade: str = REAL_GRADE, **extra) -> dict:
    return {"dataTime": issued, "informCode": code, "informData": target, "informGrade": grade,
            "informOverall": "○ [미세먼지] 테스트", "informCause": None, "actionKnack": None, **extra}


def test_latest_issuance_wins_per_pollutant_and_target_date():
    items = [
        _item("2026-10-08 05시 발표", "PM10", "2026-10-09", "서울 : 좋음"),
        _item("2026-10-08 17시 발표", "PM10", "2026-10-09", "서울 : 나쁨"),
        _item("2026-10-08 11시 발표", "PM25", "2026-10-09", "서울 : 좋음"),
        _item("2026-10-07 17시 발표", "PM10", "2026-10-07", "서울 : 좋음"),
        _item("2026-10-08 23시 발표", "PM25", "2026-10-09", "서울 : 매우나쁨"),
        _item("2026-10-08 11시 발표", "PM10", "2026-10-09", "서울 : 보통"),
    ]
    latest = parse_forecast(items)
    got = {(r.inform_code, r.inform_date.isoformat()): (r.issued_at.hour, r.grade)
           for r in latest.rows.itertuples()}
    assert got == {("PM10", "2026-10-09"): (17, "나쁨"), ("PM25", "2026-10-09"): (23, "매우나쁨"),
                   ("PM10", "2026-10-07"): (17, "좋음")}
    assert latest.report.superseded_items == 3
    every = parse_forecast(items, latest_only=False)
    assert len(every.rows) == 6
    pd.testing.assert_frame_equal(latest_per_target(every.rows), latest.rows)


def test_forecast_frames_have_the_documented_columns_and_dtypes():
    parsed = parse_forecast([_item("2024-07-12 17시 발표", "PM10", "2024-07-13")])
    assert {c: str(t) for c, t in parsed.rows.dtypes.items()} == {c: str(t) for c, t in FORECAST_COLUMNS.items()}
    assert {c: str(t) for c, t in parsed.texts.dtypes.items()} == {c: str(t) for c, t in FORECAST_TEXT_COLUMNS.items()}
    first = parsed.rows.iloc[0]
    assert first["issued_at"] == pd.Timestamp(kst(2024, 7, 12, 17)) and str(first["issued_at"].tz) == "Asia/Seoul"
    assert first["inform_date"] == date(2024, 7, 13) and first["forecast_region"] == "서울"
    assert list(parsed.rows["forecast_region"]) == list(R.FORECAST_REGIONS)
    assert parsed.report.clean
    empty = parse_forecast([])
    assert empty.rows.empty and {c: str(t) for c, t in empty.rows.dtypes.items()} == {
        c: str(t) for c, t in FORECAST_COLUMNS.items()}


def test_malformed_forecast_items_are_reported_and_dropped():
    items = [
        _item("2024-07-12 17시 발표", "PM10", "2024-07-13", "서울 : 보통,제주 : -,평양 : 좋음"),
        _item("2024-07-12 17시 발표", "PM10", "2024-07-13"),  # duplicate of the first
        _item("어제 17시", "PM25", "2024-07-13"),
        _item("2024-07-12 17시 발표", "SO2", "2024-07-13"),
        _item("2024-07-12 17시 발표", "pm2.5", "not a date"),
        _item("2024-07-12 17시", "PM2.5", "2024-07-13", "서울:좋음"),  # "발표" omitted, PM2.5 spelling
        "not an object",
        None,
    ]
    parsed = parse_forecast(items, latest_only=False)
    report = parsed.report
    assert report.items_total == 8 and report.items_malformed == 4
    assert report.duplicate_items == 1 and report.unknown_inform_codes == {"SO2": 1}
    assert report.placeholders == 1 and report.unknown_regions == {"평양": 1}
    assert len(report.missing_regions["PM10 2024-07-13 @2024-07-12 17:00"]) == 17
    assert not report.clean
    assert set(zip(parsed.rows["inform_code"], parsed.rows["forecast_region"])) == {("PM10", "서울"), ("PM25", "서울")}
    json.dumps(report.summary(), ensure_ascii=False)  # serialisable for run metadata


def test_pm_forecast_and_district_spread():
    items = [_item("2024-03-15 17시 발표", "PM10", "2024-03-16", "서울 : 보통,영동 : 나쁨,영서 : 좋음,경기북부 : 좋음"),
             _item("2024-03-15 17시 발표", "PM25", "2024-03-16", "서울 : 나쁨,영동 : 좋음,경기남부 : 보통")]
    rows = parse_forecast(items).rows
    pm = pm_forecast(rows)
    assert {c: str(t) for c, t in pm.dtypes.items()} == {c: str(t) for c, t in PM_FORECAST_COLUMNS.items()}
    by_region = pm.set_index("forecast_region")
    assert by_region.loc["서울", "pm_grade"] == "나쁨" and by_region.loc["영동", "pm_grade_code"] == 3
    assert pd.isna(by_region.loc["영서", "pm25_grade_code"]) and by_region.loc["영서", "pm_grade_code"] == 1
    spread = forecast_by_district(rows)
    assert {c: str(t) for c, t in spread.dtypes.items()} == {c: str(t) for c, t in FORECAST_BY_DISTRICT_COLUMNS.items()}
    gangwon = spread[spread["region_code"] == 32]
    assert len(gangwon) == 18 + 1
    province_row = gangwon[gangwon["sigungu_code"].isna()].iloc[0]
    assert province_row["forecast_region"] == "영서" and province_row["pm_grade_code"] == 1  # 춘천시청's region
    assert gangwon[gangwon["sigungu_code"] == 1].iloc[0]["pm_grade_code"] == 3  # 강릉시: 영동


# =============================================================================================
# Envelope and result codes
# =============================================================================================


@pytest.mark.parametrize("payload, error", [
    ({"response": {"header": {"resultCode": "03", "resultMsg": "NO_DATA"}}}, NoDataError),
    ({"response": {"header": {"resultCode": "05", "resultMsg": "SERVICETIME_OUT"}}}, TransientApiError),
    ({"response": {"header": {"resultCode": "22", "resultMsg": "LIMITED"}}}, QuotaExhaustedError),
    ({"response": {"header": {"resultCode": "30", "resultMsg": "SERVICE_KEY_IS_NOT_REGISTERED_ERROR"}}},
     ApiConfigurationError),
    ({"nothing": 1}, TransientApiError),
    (b"<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg><returnAuthMsg>SERVICE_KEY_IS_NOT_"
     b"REGISTERED_ERROR</returnAuthMsg><returnReasonCode>30</returnReasonCode></cmmMsgHeader>"
     b"</OpenAPI_ServiceResponse>",
     ApiConfigurationError),
    (gateway_xml_error("99", "UNKNOWN_ERROR"), TransientApiError),
    ("{not json", TransientApiError),
])
def test_result_codes_are_classified_like_the_api_client(payload, error):
    with pytest.raises(error) as info:
        check_result(payload, OP_FORECAST)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("items, expected", [
    ([{"a": "1"}], [{"a": "1"}]),
    ({"item": [{"a": "1"}]}, [{"a": "1"}]),
    ({"item": {"a": "1"}}, [{"a": "1"}]),
    ({"a": "1"}, [{"a": "1"}]),
    ("", []),
    (None, []),
])
def test_items_are_found_whatever_shape_body_items_has(items, expected):
    payload = {"response": {"header": {"resultCode": "00", "resultMsg": "NORMAL_CODE"}, "body": {"items": items}}}
    assert payload_items(payload) == expected
    assert payload_items(json.dumps(payload).encode()) == expected


# =============================================================================================
# Real-time parsing
# =============================================================================================


def _station(**fields) -> dict:
    row = {"sidoName": "서울", "stationName": "종로구", "mangName": "도시대기", "dataTime": "2024-03-15 14:00",
           "pm10Value": "45", "pm25Value": "20", "pm10Value24": "40", "pm25Value24": "18", "pm10Grade1h": "2",
           "pm25Grade1h": "2", "khaiValue": "70", "khaiGrade": "2", "o3Value": "0.031", "pm10Flag": None,
           "pm25Flag": None, "o3Flag": None}
    row.update(fields)
    return row


def test_realtime_rows_have_the_documented_columns():
    parsed = parse_realtime([_station()])
    assert {c: str(t) for c, t in parsed.rows.dtypes.items()} == {c: str(t) for c, t in REALTIME_COLUMNS.items()}
    row = parsed.rows.iloc[0]
    assert (row["region_code"], row["sigungu_code"], row["station_assignment"]) == (1, 23, "name")
    assert row["data_time"] == pd.Timestamp(kst(2024, 3, 15, 14)) and row["pm10_1h"] == 45.0
    assert row["pm_grade_1h"] == 2 and row["khai_grade"] == 2 and row["o3_ppm"] == 0.031
    assert parsed.report.clean and parse_realtime([]).rows.empty


def test_realtime_missing_values_flags_and_hostile_rows():
    rows = [
        _station(stationName="A", pm10Value="-", pm10Grade1h=None, pm25Value="", pm25Grade1h="-"),
        _station(stationName="B", pm10Value="48", pm10Flag="점검및교정", pm10Grade1h="2"),
        _station(stationName="C", pm25Value="통신장애", pm25Grade1h=None),
        _station(stationName="D", pm10Value="5000", pm10Grade1h=None),
        _station(stationName="E", pm10Grade1h=None, pm25Grade1h="0", pm25Value="80"),
        _station(stationName="F", dataTime="2024-03-15 24:00"),
        _station(stationName="G", dataTime="어제"),
        _station(stationName="H", sidoName="평양"),
        _station(stationName=""),
        _station(stationName="F", dataTime="2024-03-15 24:00"),  # duplicate
        _station(stationName="I", sidoName=None),
        "junk",
    ]
    parsed = parse_realtime(rows, sido_name="서울")
    report = parsed.report
    by = parsed.rows.set_index("station_name")
    assert list(by.index) == ["A", "B", "C", "D", "E", "F", "I"]  # I: the requested province fills sidoName
    assert pd.isna(by.loc["A", "pm10_1h"]) and pd.isna(by.loc["A", "pm_grade_1h"])
    assert pd.isna(by.loc["B", "pm10_1h"]) and pd.isna(by.loc["B", "pm10_grade_1h"])
    assert by.loc["B", "pm10_flag"] == "점검및교정"
    assert by.loc["B", "pm_grade_1h"] == 2  # PM2.5 still grades the station
    assert pd.isna(by.loc["C", "pm25_1h"]) and pd.isna(by.loc["D", "pm10_1h"])
    assert by.loc["E", "pm_grade_1h"] == 4  # missing reported grades are computed from the values (80 µg/m³ PM2.5)
    assert by.loc["F", "data_time"] == pd.Timestamp(kst(2024, 3, 16, 0))
    assert report.items_malformed == 3 and report.unknown_sido == {"평양": 1} and report.duplicate_rows == 1
    assert report.missing_values["pm10Value"] == 1 and report.missing_values["pm25Value"] == 2
    assert report.flagged_values == {"pm10Value": 1, "pm10Value24": 1}
    assert report.implausible == {"pm10Value": 1}
    assert report.grades_computed >= 2 and report.stale_rows == 6
    assert sorted(report.stations_unassigned) == ["서울/A", "서울/B", "서울/C", "서울/D", "서울/E", "서울/F", "서울/I"]


# =============================================================================================
# Schedule
# =============================================================================================


@pytest.mark.parametrize("at, expected", [
    (kst(2024, 7, 12, 5, 9), kst(2024, 7, 11, 23)),
    (kst(2024, 7, 12, 5, 10), kst(2024, 7, 12, 5)),
    (kst(2024, 7, 12, 16, 0), kst(2024, 7, 12, 11)),
    (kst(2024, 7, 12, 23, 59), kst(2024, 7, 12, 23)),
    (kst(2024, 1, 1, 0, 30), kst(2023, 12, 31, 23)),
    (datetime(2024, 7, 12, 8, 10, tzinfo=timezone.utc), kst(2024, 7, 12, 17)),  # 17:10 KST
])
def test_latest_issuance(at, expected):
    assert I.latest_issuance(at) == expected


def test_schedule_neighbours_partition_keys_and_crons():
    assert I.previous_issuance(kst(2024, 7, 12, 5)) == kst(2024, 7, 11, 23)
    assert I.next_issuance(kst(2024, 7, 12, 23)) == kst(2024, 7, 13, 5)
    assert I.next_publication(kst(2024, 7, 12, 11, 10)) == kst(2024, 7, 12, 17, 10)
    assert I.publication_time(kst(2024, 7, 12, 17)) == kst(2024, 7, 12, 17, 10)
    assert I.PARTITION_KEY_FORMAT == WEATHER_PARTITION_KEY_FORMAT
    assert I.partition_key(kst(2024, 7, 12, 17)) == "2024-07-12-17:00"
    assert I.issuance_from_partition_key("2024-07-12-17:00") == kst(2024, 7, 12, 17)
    for bad in ("2024-07-12-16:00", "2024-07-12 17:00", "x"):
        with pytest.raises(ValueError):
            I.issuance_from_partition_key(bad)
    with pytest.raises(ValueError, match="naive"):
        I.latest_issuance(datetime(2024, 7, 12, 12))
    assert I.FORECAST_PARTITION_CRON == "0 5,11,17,23 * * *"
    assert I.search_date(kst(2024, 7, 12, 23)) == "2024-07-12"
    assert I.latest_realtime_hour(kst(2024, 7, 12, 17, 19)) == kst(2024, 7, 12, 16)
    assert I.realtime_partition_key(kst(2024, 7, 12, 16)) == "2024-07-12-16:00"
    assert I.forecast_cache_ttl_s(date(2024, 7, 12), kst(2024, 7, 12, 23, 30)) == 0
    assert I.forecast_cache_ttl_s(date(2024, 7, 12), kst(2024, 7, 14, 0, 0)) == 86_400


@pytest.mark.parametrize("text, expected", [
    ("2024-07-12 17시 발표", kst(2024, 7, 12, 17)), ("2024-07-12 5시 발표", kst(2024, 7, 12, 5)),
    ("2024-07-12  23 시", kst(2024, 7, 12, 23)), ("2024-07-12 14:00", kst(2024, 7, 12, 14)),
    ("2024-12-31 24:00", kst(2025, 1, 1, 0)),
])
def test_data_time_forms(text, expected):
    assert I.parse_data_time(text) == expected


@pytest.mark.parametrize("text", ["2024-07-12", "2024-13-01 05시", "17시 발표", None, "2024-07-12 25:00"])
def test_unreadable_data_times(text):
    with pytest.raises(ValueError):
        I.parse_data_time(text)


# =============================================================================================
# Sample source
# =============================================================================================


def test_sample_forecast_has_the_exact_airkorea_shape_and_pages():
    now = kst(2030, 1, 1)
    payload = S.forecast_payload("2024-05-15", now, num_of_rows=100)
    response = payload["response"]
    assert response["header"] == {"resultCode": "00", "resultMsg": "NORMAL_CODE"}
    body = response["body"]
    assert isinstance(body["items"], list) and isinstance(body["totalCount"], int)
    assert body["totalCount"] == 2 * 6 + 2 * 9  # 05/11: 3 pollutants x 2 days; 17/23: x 3 days
    item = body["items"][0]
    assert item["dataTime"] == "2024-05-15 23시 발표" and item["actionKnack"] is None
    assert all(isinstance(v, str) or v is None for v in item.values())
    assert set(item) >= {"informCode", "informData", "informGrade", "informOverall", "informCause", "imageUrl1",
                         "imageUrl6"}
    pages = [S.forecast_payload("2024-05-15", now, page_no=p, num_of_rows=7)["response"]["body"]["items"]
             for p in range(1, 7)]
    assert sum(pages, []) == body["items"] and pages[-1] == []
    assert S.forecast_payload("2024-05-15", now, num_of_rows=100) == payload  # stable
    assert S.forecast_payload("2024/05/15", now)["response"]["header"]["resultCode"] == "10"


def test_sample_forecast_publishes_issuances_only_after_their_publication_time():
    def hours(now: datetime) -> list[int]:
        items = S.forecast_items(date(2024, 5, 15), now)
        return sorted({I.parse_data_time(i["dataTime"]).hour for i in items})

    assert hours(kst(2024, 5, 15, 5, 9)) == []
    assert hours(kst(2024, 5, 15, 5, 10)) == [5]
    assert hours(kst(2024, 5, 15, 17, 5)) == [5, 11]
    assert hours(kst(2024, 5, 16, 0, 0)) == [5, 11, 17, 23]


def test_sample_air_is_seasonal_with_visible_bad_days():
    worst = {}
    for k in range(365 * 2):
        day = date(2024, 1, 1) + timedelta(days=k)
        truth = S.daily_truth("서울", day)
        worst[day] = G.worst_pm_grade(G.grade_for_value("PM10", truth["PM10"]),
                                      G.grade_for_value("PM25", truth["PM25"]))

    def share_bad(months: set[int]) -> float:
        days = [d for d in worst if d.month in months]
        return sum(worst[d] >= G.BAD for d in days) / len(days)

    assert share_bad({12, 1, 2, 3, 4, 5}) > 0.15 > 0.02 > share_bad({7, 8, 9})
    assert sum(g == G.VERY_BAD for g in worst.values()) >= 5
    assert sum(g == G.GOOD for d, g in worst.items() if d.month in (7, 8)) > 60
    # Forecast grades too: a spring season shows 나쁨 somewhere, and 매우나쁨 at least once.
    spring = Counter(code for k in range(0, 92, 2)
                     for item in S.forecast_items(date(2024, 3, 1) + timedelta(days=k), kst(2030, 1, 1))
                     for code in parse_inform_grade(item["informGrade"]).grades.values())
    assert spring[G.BAD] > 50 and spring[G.VERY_BAD] >= 1


def test_sample_realtime_shape_stations_and_faults():
    items = S.realtime_items("전국", kst(2024, 3, 15, 14))
    assert len(items) == sum(len(v) for v in S.STATIONS.values())
    assert {i["dataTime"] for i in items} == {"2024-03-15 14:00"}
    assert all(isinstance(v, str) or v is None for i in items for v in i.values())
    assert set(items[0]) >= {"pm10Grade1h", "pm25Grade1h", "pm10Value24", "pm25Value24", "mangName", "khaiValue"}
    flagged = [i for k in range(48) for i in S.realtime_items("전국", kst(2024, 3, 15) + timedelta(hours=k))
               if i["pm10Flag"] or i["pm25Flag"]]
    assert 0.02 < len(flagged) / (48 * len(items)) < 0.08
    assert S.realtime_payload("평양", kst(2024, 3, 15))["response"]["header"]["resultCode"] == "10"


def test_sample_source_is_labelled_simulated_and_parses_clean():
    source = SampleAirKoreaSource(clock=lambda: kst(2024, 5, 15, 17, 30))
    assert source.simulated and not LiveAirKoreaSource.simulated
    forecast = parse_forecast(source.forecast("2024-05-15"), latest_only=False)
    assert forecast.report.clean and len(forecast.rows) == 19 * (2 * 3 + 2 * 3 + 3 * 3)
    realtime = parse_realtime(source.realtime("전국"))
    assert realtime.report.items_malformed == 0 and realtime.rows["region_code"].nunique() == 17


# =============================================================================================
# Collecting (what an asset calls)
# =============================================================================================


def test_collect_forecast_waits_for_publication_then_gives_up():
    issuance = kst(2024, 5, 15, 17)
    early = SampleAirKoreaSource(clock=lambda: kst(2024, 5, 15, 17, 5))
    with pytest.raises(ForecastNotPublishedError, match="not published before 2024-05-15 17:10 KST"):
        collect_forecast(early, issuance)
    assert early.stats.calls == 0  # no call spent before the publication time
    with pytest.raises(ForecastNotPublishedError, match="not in the listing yet") as info:
        collect_forecast(early, issuance, now=kst(2024, 5, 15, 17, 15))  # AirKorea is late
    assert isinstance(info.value, TransientApiError)
    with pytest.raises(NoDataError, match="has no forecast issuance 2024-05-15 17:00 KST"):
        collect_forecast(early, issuance, now=kst(2024, 5, 15, 20, 0))
    done = collect_forecast(SampleAirKoreaSource(clock=lambda: kst(2024, 5, 15, 17, 15)), issuance)
    assert set(done.rows["issued_at"]) == {pd.Timestamp(issuance)} and len(done.rows) == 19 * 9
    meta = done.as_metadata()
    assert meta["partition_key"] == "2024-05-15-17:00" and meta["simulated"] and meta["clean"]
    json.dumps(meta, ensure_ascii=False)


def test_collect_realtime_and_district_aggregates():
    source = SampleAirKoreaSource(clock=lambda: kst(2024, 3, 15, 14, 30))
    snapshot = collect_realtime(source)
    assert snapshot.data_time == kst(2024, 3, 15, 14) and len(snapshot.rows) == 79
    agg = snapshot.by_district
    assert {c: str(t) for c, t in agg.dtypes.items()} == {c: str(t) for c, t in REALTIME_BY_DISTRICT_COLUMNS.items()}
    provinces = agg[agg["sigungu_code"].isna()]
    assert len(provinces) == 17 and provinces["stations"].sum() == 79
    assert agg[agg["sigungu_code"].notna()]["stations"].sum() == 77
    meta = snapshot.as_metadata()
    assert meta["stations_unassigned"] == 2 and meta["provinces"] == 17
    json.dumps(meta, ensure_ascii=False)

    class Empty(SampleAirKoreaSource):
        def realtime(self, sido_name="전국", *, cache_ttl_s=None):
            return []

    with pytest.raises(EmptyRealtimeError) as info:
        collect_realtime(Empty())
    assert isinstance(info.value, TransientApiError)


# =============================================================================================
# End to end: the live client against a local AirKorea
# =============================================================================================


CLOCK = kst(2024, 4, 20, 17, 30)  # spring, O3 in season, the 17:00 issuance published


@pytest.fixture
def sample() -> SampleAirKoreaSource:
    return SampleAirKoreaSource(clock=lambda: CLOCK)


@pytest.fixture
def server(sample):
    with airkorea_server(source=sample) as srv:
        yield srv


def live(srv, **kw) -> LiveAirKoreaSource:
    options = dict(base_url=srv.base_url, keys=[SECRET], timeout_s=2.0, sleep=no_sleep)
    options.update(kw)
    return LiveAirKoreaSource(**options)


def test_a_normal_fetch_equals_the_sample_source(server, sample):
    client = live(server)
    assert client.forecast("2024-04-20") == sample.forecast("2024-04-20")
    assert client.forecast(date(2024, 4, 20), "pm2.5") == sample.forecast("2024-04-20", "PM25")
    everything = client.realtime()
    assert everything == sample.realtime() and len(everything) == 79
    assert client.realtime("경기") == sample.realtime("경기")
    ops = [r.operation for r in server.requests]
    assert ops.count(OP_REALTIME) == 1 + 1 and ops.count(OP_FORECAST) == 2  # 79 rows fit one page of 100
    realtime_params = next(r.params for r in server.requests if r.operation == OP_REALTIME)
    assert realtime_params["returnType"] == "json" and realtime_params["ver"] == "1.3"
    assert realtime_params["numOfRows"] == str(PAGE_SIZE) and realtime_params["sidoName"] == "전국"
    forecast_params = [r.params for r in server.requests if r.operation == OP_FORECAST]
    assert "InformCode" not in forecast_params[0] and forecast_params[1]["InformCode"] == "PM25"
    assert forecast_params[0]["serviceKey"] == unquote(SECRET)  # an "Encoding" key is sent decoded, encoded once
    assert client.stats.retries == 0 and not client.simulated


def test_paging_reads_every_page(server, sample, monkeypatch):
    monkeypatch.setattr("weather_flick_batch.air_quality.client.PAGE_SIZE", 10)
    client = live(server)
    assert client.realtime() == sample.realtime()
    pages = [r.params["pageNo"] for r in server.requests]
    assert pages == [str(p) for p in range(1, 9)]  # ceil(79 / 10)


def test_collect_through_the_live_client_equals_the_sample(server, sample):
    client = live(server)
    issuance = kst(2024, 4, 20, 17)
    got, want = collect_forecast(client, issuance, now=CLOCK), collect_forecast(sample, issuance)
    pd.testing.assert_frame_equal(got.rows, want.rows)
    pd.testing.assert_frame_equal(got.texts, want.texts)
    assert not got.simulated and want.simulated
    pd.testing.assert_frame_equal(collect_realtime(client).rows, collect_realtime(sample).rows)
    with pytest.raises(ForecastNotPublishedError):
        collect_forecast(client, kst(2024, 4, 20, 23), now=kst(2024, 4, 20, 23, 15))  # AirKorea late: retry


@pytest.mark.parametrize("inject", ["http500", "xml_gateway", "json05", "truncated", "http429"])
def test_injected_transient_faults_are_retried_and_converge(server, sample, inject):
    client = live(server)
    if inject == "json05":
        server.fake.fail_next_json("05", "SERVICETIME_OUT", n=2)
    else:
        server.plan.fail_next(inject, n=2)
    assert client.realtime() == sample.realtime()
    assert client.stats.retries == 2 and client.stats.failures == 0
    assert server.outcomes[:3] == ([inject] * 2 if inject != "json05" else ["ok", "ok"]) + ["ok"]


def test_random_transient_faults_converge(sample):
    plan = FaultPlan(transient_rate=0.3, kinds=("http500", "xml_gateway", "truncated"), seed=11)
    with airkorea_server(plan=plan, source=sample) as srv:
        client = live(srv, max_attempts=8)
        srv.fake.fail_next_json("05", n=1)
        for _ in range(5):
            assert client.forecast("2024-04-20") == sample.forecast("2024-04-20")
            assert client.realtime("서울") == sample.realtime("서울")
        assert client.stats.retries > 0 and client.stats.failures == 0


def test_persistent_transient_faults_give_up_with_one_line(server):
    client = live(server, max_attempts=3)
    server.fake.fail_next_json("05", n=3)
    with pytest.raises(TransientApiError) as info:
        client.realtime()
    message = str(info.value)
    assert "\n" not in message and "SERVICETIME_OUT" in message and "gave up after 3 attempt(s)" in message
    assert not leaks(message)


def test_a_bad_key_fails_with_one_clear_line_and_never_shows_the_key(sample):
    with airkorea_server(plan=FaultPlan(valid_keys={"the-good-key"}), source=sample) as srv:
        client = live(srv)
        with pytest.raises(ApiConfigurationError) as info:
            client.forecast("2024-04-20")
        message = str(info.value)
        assert "\n" not in message and KEY_SETTING_NAME in message and "AIRKOREA rejected the API key" in message
        assert not leaks(message) and not leaks(repr(info.value))
        assert srv.request_count() == 1  # a configuration error is never retried
        with pytest.raises(ApiConfigurationError):
            collect_realtime(client)


def test_quota_on_one_key_rotates_to_the_next(sample):
    with airkorea_server(plan=FaultPlan(quota_keys={"spent-key"}), source=sample) as srv:
        client = live(srv, keys=["spent-key", "fresh-key"])
        assert client.realtime("서울") == sample.realtime("서울")
        assert srv.keys_used() == ["spent-key", "fresh-key"] and client.stats.key_rotations == 1


def test_nodata_on_the_forecast_listing_is_an_empty_day(server):
    server.plan.nodata_when = lambda op, params: op == OP_FORECAST
    assert live(server).forecast("2024-04-20") == []


def test_an_empty_page_while_total_count_promises_more_is_an_error_not_the_end(server, sample, monkeypatch):
    monkeypatch.setattr("weather_flick_batch.air_quality.client.PAGE_SIZE", 30)
    monkeypatch.setattr("weather_flick_batch.core.apiclient.paging.time.sleep", no_sleep)  # fetch_all_pages' re-asks
    client = live(server)
    server.fake.empty_page(OP_REALTIME, 2, times=None)
    with pytest.raises(IncompleteListingError) as info:
        client.realtime()
    assert isinstance(info.value, TransientApiError)
    assert "page 2 came back empty although totalCount is 79" in str(info.value)
    with pytest.raises(IncompleteListingError):
        collect_realtime(client)  # the asset writes nothing
    server.fake.empty_page(OP_REALTIME, 2, times=1)  # once only: asked again, the listing completes
    assert client.realtime() == sample.realtime()


def test_a_missing_json_switch_is_named(server):
    client = ApiClient(service="AIRKOREA", base_url=server.base_url, keys=[SECRET], extra_params={"returnType": "xml"},
                       key_setting_name=KEY_SETTING_NAME, sleep=no_sleep)
    with pytest.raises(ApiConfigurationError, match="check the returnType parameter"):
        client.get_json(OP_REALTIME, {"sidoName": "서울", "ver": "1.3"})


def test_bad_parameters_are_a_configuration_error(server):
    with pytest.raises(ApiConfigurationError, match="request parameters"):
        live(server).forecast("15/04/2024")
    with pytest.raises(ValueError, match="InformCode"):
        live(server).forecast("2024-04-20", "SO2")

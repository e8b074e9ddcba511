"""KMA weather warnings (기상특보): codes, zones, in-force selection, t6 parsing, sources end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote, quote_plus

import pandas as pd
import pytest

from weather_flick_batch.core.apiclient import (
    ApiConfigurationError,
    IncompleteListingError,
    NoDataError,
    TransientApiError,
)
from weather_flick_batch.core.timeutil import KST
from weather_flick_batch.testing.fakes.http_fault_server import FaultPlan, kma_json_error
from weather_flick_batch.testing.fakes.kma_warnings import kma_warnings_server
from weather_flick_batch.weather_warnings import codes, parsing, sample_source, zones
from weather_flick_batch.weather_warnings.client import (
    OP_EVENTS,
    OP_STATUS,
    LiveWarningSource,
    SampleWarningSource,
    WarningSource,
    warnings_in_force,
)
from weather_flick_batch.weather_warnings.parsing import (
    DISTRICT_COLUMNS,
    SUMMARY_COLUMNS,
    WARNING_COLUMNS,
    expand_to_districts,
    parse_events,
    parse_kma_time,
    parse_status,
    parse_status_text,
    summarise_by_district,
)


def kst(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=KST)


def t(dt: datetime) -> int:
    return int(dt.strftime("%Y%m%d%H%M"))


NOW = kst(2025, 1, 15, 12)


def ev(tm: datetime, command: int, *, var: int = 2, stress: int = 0, code: str | None = "L1100100",
       name: str | None = "서울동남권", seq: int = 1, cancel: int = 0, start: datetime | None = None,
       end: datetime | None = None, stn: str = "109") -> dict[str, Any]:
    return {"stnId": stn, "tmFc": t(tm), "tmSeq": seq, "areaCode": code, "areaName": name, "warnVar": var,
            "warnStress": stress, "command": command, "cancel": cancel,
            "startTime": t(start) if start else 0, "endTime": t(end) if end else 0, "allEndTime": 0}


def in_force(items: list[dict], now: datetime = NOW, **kw: Any) -> pd.DataFrame:
    return parse_events(items, now, **kw).frame


def triples(frame: pd.DataFrame) -> set[tuple[str, int, int]]:
    return set(zip(frame["zone_id"], frame["kind_code"], frame["level_rank"]))


def assert_dtypes(frame: pd.DataFrame, columns: dict[str, Any]) -> None:
    assert list(frame.columns) == list(columns)
    for col, dtype in columns.items():
        assert frame[col].dtype == (pd.api.types.pandas_dtype(dtype) if isinstance(dtype, str) else dtype), col


# --------------------------------------------------------------------------------------------
# Codes
# --------------------------------------------------------------------------------------------


def test_code_tables_and_unknown_codes() -> None:
    assert [codes.kind_label(c) for c in (1, "2", 12, 13)] == ["강풍", "호우", "폭염", "열대야"]
    assert codes.kind_label(14) == "미확인(14)" and codes.kind_label("x") == "미확인(x)"
    grave = codes.level_for_stress("2")
    assert (grave.level, grave.rank, grave.label) == ("경보", 3, "중대경보")
    odd = codes.level_for_stress(7)
    assert (odd.level, odd.rank, odd.label, odd.known) == ("경보", 2, "미확인(7)", False)
    assert [codes.command_label(c) for c in (4, 5, 7, 8, 9)] == ["대치해제", "대치발표", "변경발표", "변경해제", "미확인(9)"]
    assert {c for c in range(12) if codes.is_lift_command(c)} == {2, 4, 8}
    assert codes.code_int(" 03 ") == 3 and codes.code_int(3.0) == 3 and codes.code_int(True) is None


def test_outdoor_policy_is_data_with_rationale() -> None:
    assert codes.OUTDOOR_SEVERE_KINDS == {7, 2, 8, 1, 12, 3}  # 태풍 호우 대설 강풍 폭염 한파
    for kind in codes.OUTDOOR_SEVERE_KINDS:
        assert codes.outdoor_effect(kind, 2) == "cap" and codes.outdoor_effect(kind, 1) == "lower"
        assert codes.outdoor_effect(kind, 3) == "cap" and codes.outdoor_effect(kind, 0) == "none"  # 중대경보; none
    assert codes.policy_for(6).applies_to == codes.policy_for(5).applies_to == "coastal"
    assert codes.outdoor_effect(4, 2) == "none" and codes.outdoor_effect(99, 2) == "none"
    frame = codes.kind_policy_frame()
    assert set(frame["kind_code"]) == set(codes.WARN_VAR) and frame["rationale"].str.len().min() > 10


def test_kma_times_numbers_strings_and_unset() -> None:
    assert parse_kma_time(202501151630) == parse_kma_time("202501151630") == kst(2025, 1, 15, 16, 30)
    assert parse_kma_time(202501151630.0) == kst(2025, 1, 15, 16, 30)
    assert parse_kma_time("20250115163000") == kst(2025, 1, 15, 16, 30)
    for unset in (0, "0", "", None, " "):
        assert parse_kma_time(unset) is None
    for bad in ("2025011516", "abc", "202513011200", 1.5, True):
        with pytest.raises(ValueError):
            parse_kma_time(bad)


# --------------------------------------------------------------------------------------------
# In-force selection (events)
# --------------------------------------------------------------------------------------------


def test_issue_extend_lift_sequence() -> None:
    issue = ev(kst(2025, 1, 14, 10), 1, seq=3, start=kst(2025, 1, 14, 10))
    extend = ev(kst(2025, 1, 14, 22), 3, seq=9, start=kst(2025, 1, 14, 10))
    lift = ev(kst(2025, 1, 15, 11), 2, seq=14, end=kst(2025, 1, 15, 11))
    items = [lift, issue, extend]  # order of the listing must not matter
    assert len(in_force(items, kst(2025, 1, 14, 9))) == 0  # nothing issued yet (all events in the future)
    f = in_force(items, kst(2025, 1, 14, 12))
    assert f["command"].tolist() == ["발표"] and f["zone_id"].tolist() == ["서울동남권"]
    assert in_force(items, kst(2025, 1, 15, 0))["command"].tolist() == ["연장"]
    assert len(in_force(items, kst(2025, 1, 15, 11))) == 0
    report = parse_events(items, kst(2025, 1, 15, 12)).report
    assert report.lifted == 1 and report.items_read == 3


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_upgrade_and_downgrade_in_one_bulletin(order: tuple[int, int]) -> None:
    issue = ev(kst(2025, 1, 15, 5), 1, stress=0, seq=4)
    up = [ev(kst(2025, 1, 15, 8), 4, stress=0, seq=6), ev(kst(2025, 1, 15, 8), 5, stress=1, seq=6)]
    f = in_force([issue] + [up[i] for i in order])
    assert f[["level", "level_rank", "command"]].values.tolist() == [["경보", 2, "대치발표"]]
    down = [ev(kst(2025, 1, 15, 10), 8, stress=1, seq=7), ev(kst(2025, 1, 15, 10), 7, stress=0, seq=7)]
    f = in_force([issue, *up] + [down[i] for i in order])
    assert f[["level", "command"]].values.tolist() == [["주의보", "변경발표"]]


def test_cancelled_events_are_ignored() -> None:
    issue = ev(kst(2025, 1, 15, 5), 1)
    false_lift = ev(kst(2025, 1, 15, 9), 2, cancel=1, end=kst(2025, 1, 15, 9))
    report = parsing.ParseReport()
    assert len(in_force([issue, false_lift], report=report)) == 1  # a cancelled lift does not lift
    assert report.cancelled_ignored == 1
    assert len(in_force([ev(kst(2025, 1, 15, 9), 1, cancel="1")])) == 0  # a cancelled issue issues nothing
    # A cancelled extension leaves the earlier, expired end in place.
    planned = ev(kst(2025, 1, 15, 5), 1, end=kst(2025, 1, 15, 11))
    extended = ev(kst(2025, 1, 15, 10), 3, end=kst(2025, 1, 15, 20), cancel=1)
    assert len(in_force([planned, extended])) == 0
    assert len(in_force([planned, {**extended, "cancel": 0}])) == 1


def test_end_time_past_future_zero_and_unreadable() -> None:
    base = kst(2025, 1, 15, 5)
    assert len(in_force([ev(base, 1, end=kst(2025, 1, 15, 11))])) == 0  # expired
    assert len(in_force([ev(base, 1, end=kst(2025, 1, 15, 12))])) == 0  # ends exactly now
    assert in_force([ev(base, 1, end=kst(2025, 1, 15, 18))])["end_time"].tolist() == [kst(2025, 1, 15, 18)]
    f = in_force([ev(base, 1)])
    assert len(f) == 1 and pd.isna(f["end_time"].iloc[0])
    report = parsing.ParseReport()
    f = in_force([{**ev(base, 1), "endTime": "soon"}], report=report)
    assert len(f) == 1 and report.malformed == 1  # unreadable end: not treated as lifted


def test_pending_warnings_are_flagged() -> None:
    item = ev(kst(2025, 1, 15, 10), 1, start=kst(2025, 1, 15, 15))
    f = in_force([item])
    assert f["in_effect"].tolist() == [False] and f["start_time"].tolist() == [kst(2025, 1, 15, 15)]
    assert len(in_force([item], include_pending=False)) == 0
    assert in_force([item], kst(2025, 1, 15, 15))["in_effect"].tolist() == [True]


def test_numeric_and_string_fields_parse_alike() -> None:
    numeric = [ev(kst(2025, 1, 14, 10), 1, var=3, stress=1, start=kst(2025, 1, 14, 10)),
               ev(kst(2025, 1, 15, 9), 1, var=8, code="L1011700", name="의정부", seq=12)]
    strings = [{k: (str(v) if v is not None else v) for k, v in item.items()} for item in numeric]
    floats = [{k: (float(v) if isinstance(v, int) else v) for k, v in item.items()} for item in numeric]
    expected = in_force(numeric)
    pd.testing.assert_frame_equal(in_force(strings), expected)
    pd.testing.assert_frame_equal(in_force(floats), expected)
    assert_dtypes(expected, WARNING_COLUMNS)
    row = expected.set_index("zone_id").loc["의정부"]
    assert row["issued_at"] == kst(2025, 1, 15, 9) and row["tm_seq"] == 12 and row["stn_id"] == 109
    assert row["area_code"] == "L1011700" and row["kind"] == "대설"


def test_unknown_codes_are_kept_and_reported() -> None:
    report = parsing.ParseReport()
    items = [ev(kst(2025, 1, 15, 9), 1, var=14), ev(kst(2025, 1, 15, 9), 9, var=2, stress=5),
             ev(kst(2025, 1, 15, 9), 1, var=3, cancel=7)]
    f = in_force(items, report=report).set_index("kind")
    assert f.loc["미확인(14)", "unknown_codes"] == "warnVar=14"
    assert (f.loc["호우", "level"], f.loc["호우", "level_label"], f.loc["호우", "command"]) == ("경보", "미확인(5)",
                                                                                          "미확인(9)")
    assert "한파" in f.index  # cancel 7 is not "cancelled"
    assert report.unknown_codes == {"warnVar=14": 1, "warnStress=5": 1, "command=9": 1, "cancel=7": 1}
    districts = expand_to_districts(f.reset_index()[list(WARNING_COLUMNS)])
    assert set(districts.loc[districts["kind"] == "미확인(14)", "outdoor_effect"]) == {"none"}


def test_malformed_items_are_dropped_and_counted() -> None:
    report = parsing.ParseReport()
    good = ev(kst(2025, 1, 15, 9), 1)
    items = [good, "junk", {**good, "tmFc": None}, {**good, "tmFc": "yesterday"}, {**good, "warnVar": "호우"},
             {**good, "areaCode": None, "areaName": None}]
    assert len(in_force(items, report=report)) == 1
    assert report.malformed == 5 and len(report.malformed_examples) == 5


def test_events_without_code_are_keyed_by_name() -> None:
    issue = ev(kst(2025, 1, 15, 5), 1, code=None, name="울릉도.독도", stn="143")
    f = in_force([issue])
    assert f["zone_id"].tolist() == ["울릉도독도"] and f["area_code"].isna().all()
    lift = ev(kst(2025, 1, 15, 9), 2, code="", name="울릉도.독도", stn="143")
    assert len(in_force([issue, lift])) == 0


# --------------------------------------------------------------------------------------------
# Status text (t6)
# --------------------------------------------------------------------------------------------

T6 = ("o 폭염중대경보 : 경상남도(양산, 의령, 창녕)\r\n"
      "o 폭염경보 : 경기도(고양, 남양주, 오산), 서울(서울동남권, 서울동북권), 부산(부산동부 제외), 대구\r\n"
      "o 폭염주의보 : 경기도(광명, 과천, 수원), 인천, 서해5도\r\n"
      "o 열대야주의보 : 서울\r\n"
      "o 풍랑주의보 : 동해중부앞바다, 제주도남쪽바깥먼바다\r\n"
      "o 강풍주의보 : 울릉도.독도, 전라남도(신안군(흑산면제외), 흑산도.홍도)")


def status_rows(text: str, **kw: Any) -> pd.DataFrame:
    return parse_status_text(text, as_of=NOW, **kw).frame


def test_t6_reference_example() -> None:
    f = status_rows(T6)
    assert_dtypes(f, WARNING_COLUMNS)
    got = {(z, k, lab) for z, k, lab in zip(f["zone_id"], f["kind"], f["level_label"])}
    assert {("양산", "폭염", "중대경보"), ("의령", "폭염", "중대경보"), ("고양", "폭염", "경보"),
            ("서울동남권", "폭염", "경보"), ("부산중부", "폭염", "경보"), ("부산서부", "폭염", "경보"),
            ("대구", "폭염", "경보"), ("인천", "폭염", "주의보"), ("서해5도", "폭염", "주의보"),
            ("서울서북권", "열대야", "주의보"), ("동해중부앞바다", "풍랑", "주의보"),
            ("울릉도독도", "강풍", "주의보"), ("신안(흑산면제외)", "강풍", "주의보"), ("흑산도홍도", "강풍", "주의보")} <= got
    assert ("부산동부", "폭염", "경보") not in got
    assert len(f[f["kind"] == "열대야"]) == 4  # bare 서울: every Seoul zone
    sea = f[f["is_sea"]]
    assert set(sea["zone_id"]) == {"동해중부앞바다", "제주도남쪽바깥먼바다"}
    assert (f["source"] == "status_text").all() and f["start_time"].isna().all() and f["command"].isna().all()
    assert f.loc[f["level_label"] == "중대경보", "level_rank"].eq(3).all()


def test_t6_exclusions_sub_areas_and_province_names() -> None:
    f = status_rows("o 한파주의보 : 경기도(연천, 포천 제외)\no 호우경보 : 경남(양산), 경상남도(창원), 전북특별자치도(전주)")
    cold = f[f["kind"] == "한파"]
    assert len(cold) == 29 and not {"연천", "포천"} & set(cold["zone_id"])
    assert set(f.loc[f["kind"] == "호우", "zone_id"]) == {"양산", "창원", "전주"}
    whole = status_rows("o 대설주의보 : 강원도")
    assert set(whole["zone_id"]) >= {"강릉평지", "강원북부산지", "춘천", "태백"} and len(whole) == 21
    same = status_rows("o 대설주의보 : 강원특별자치도")
    assert set(same["zone_id"]) == set(whole["zone_id"])


def test_t6_forms_seen_in_real_bulletins() -> None:
    f = status_rows("o 한파주의보 : 서울(동남권), 인천(옹진군 제외), 부산(동부), 제주도(북부)\r\n"
                    "o 강풍주의보 : 전라남도(목포, 신안(흑산면 제외), 흑산도·홍도, 거문도·초도)\r\n"
                    "o 풍랑주의보 : 서해남부 전해상, 남해서부 동쪽 먼바다")
    cold = set(f.loc[f["kind"] == "한파", "zone_id"])
    assert cold == {"서울동남권", "인천", "강화", "부산동부", "제주도북부"}  # 서해5도 lies in 옹진군: excluded too
    assert set(f.loc[f["kind"] == "강풍", "zone_id"]) == {"목포", "신안(흑산면제외)", "흑산도홍도", "거문도초도"}
    sea = f[f["kind"] == "풍랑"].set_index("zone_id")
    d = expand_to_districts(f[f["kind"] == "풍랑"])
    assert set(sea.index) == {"서해남부전해상", "남해서부동쪽먼바다"} and set(d["region_code"]) == {37, 38}


def test_t6_parent_breaks_name_ties() -> None:
    f = status_rows("o 호우주의보 : 경기도(광주), 광주, 경상남도(고성), 강원도(고성평지)")
    assert set(f["zone_id"]) == {"광주(31)", "광주", "고성", "고성평지"}
    d = expand_to_districts(f)
    assert set(zip(d["zone_id"], d["region_code"])) >= {("광주(31)", 31), ("광주", 5), ("고성", 36), ("고성평지", 32)}


def test_t6_none_and_empty() -> None:
    for text in ("o 없음", "o 없음\r\n", " ㅇ 없음 ", "○ 없음"):
        parsed = parse_status_text(text, as_of=NOW)
        assert parsed.frame.empty and parsed.report.status_none
    for text in ("", None, "\r\n  \r\n"):
        parsed = parse_status_text(text, as_of=NOW)
        assert parsed.frame.empty and parsed.report.status_empty
    assert status_rows("o 호우주의보 : 없음").empty


def test_t6_hostile_text() -> None:
    text = ("특보 현황\r"  # a header line: reported, skipped
            "o 호우주의보 :  , , 서울( 서울동남권 , ), 제주도 (제주도 북부 , 제주도산지*)\r"
            "o 강풍경보：부산（부산동부，부산서부）, 경상북도(포항,\r\n"
            "  경주, 울릉도·독도) (*)\n"
            "o 건조경보 : 강원도(강릉평지, 동해평지\n"
            "o 지진해일주의보 : 부산\n"
            "o 해일주의보 : 경상남도(거제)\n"
            "o 한파경보 : 서울(없는구역), 가상시\n"
            "o 호우주의보 : 서울(서울동남권)\n"
            "- 대설 경보 : 무엇\n")
    parsed = parse_status_text(text, as_of=NOW)
    f, report = parsed.frame, parsed.report
    rain = f[f["kind"] == "호우"]
    assert set(rain["zone_id"]) == {"서울동남권", "제주도북부", "제주도산지"}
    assert len(rain) == 3  # 서울동남권 listed twice: one row
    wind = f[f["kind"] == "강풍"]
    assert set(wind["zone_id"]) == {"부산동부", "부산서부", "포항", "경주", "울릉도독도"}
    dry = f[f["kind"] == "건조"]
    assert set(dry["zone_id"]) == {"강릉평지", "동해평지"} and report.malformed >= 1  # unbalanced, still read
    unknown = f[f["kind"] == "지진해일"]
    assert unknown["kind_code"].isna().all() and len(unknown) == 3  # bare 부산: its three zones
    assert report.unknown_codes["kind=지진해일"] == 1
    assert f.loc[f["kind"] == "폭풍해일", "zone_id"].tolist() == ["거제"]
    cold = f[f["kind"] == "한파"]
    assert cold["zone_id"].isna().all() and set(cold["area_name"]) == {"없는구역", "가상시"}
    problems = " ".join(report.zones.lines())
    assert "없는구역" in problems and "가상시" in problems
    assert report.unparsed_lines[0] == "특보 현황" and any("무엇" in ln for ln in report.unparsed_lines)
    # Unknown zones with a parent still reach the province (district unknown).
    d = expand_to_districts(cold)
    assert d[["region_code", "scope"]].values.tolist() == [[1, "province"]]


def test_status_payload_and_item() -> None:
    item = {"stnId": "108", "tmFc": 202501151000, "tmEf": 202501151000, "tmSeq": 44, "t6": "o 대설경보 : 광주",
            "t7": "o 없음", "other": ""}
    payload = {"response": {"header": {"resultCode": "00"}, "body": {"items": {"item": item}, "totalCount": 1}}}
    for given in (item, payload, {"response": {"body": {"items": {"item": [item, {**item, "tmFc": 202501140900,
                                                                                      "t6": "o 없음"}]}}}}):
        f = parse_status(given, as_of=NOW).frame
        assert f[["zone_id", "kind", "level", "tm_seq"]].values.tolist() == [["광주", "대설", "경보", 44]]
        assert f["issued_at"].tolist() == [kst(2025, 1, 15, 10)]
    assert parse_status({"response": {"body": {"items": ""}}}, as_of=NOW).report.status_empty


# --------------------------------------------------------------------------------------------
# Zones
# --------------------------------------------------------------------------------------------


def district_codes(region: int, *names: str) -> set[tuple[int, int]]:
    table = zones._districts()[region]
    return {(region, table[n]) for n in names}


def test_special_zones() -> None:
    assert set(zones.resolve_zone(None, "서울동남권")) == district_codes(1, "강남구", "강동구", "서초구", "송파구")
    seoul = [set(zones.resolve_zone(None, n)) for n in ("서울동남권", "서울동북권", "서울서남권", "서울서북권")]
    assert sum(len(s) for s in seoul) == 25 and len(set().union(*seoul)) == 25  # a partition of Seoul
    busan = [set(zones.resolve_zone(None, n)) for n in ("부산동부", "부산중부", "부산서부")]
    assert sum(len(s) for s in busan) == 16 and len(set().union(*busan)) == 16
    assert set(zones.resolve_zone(None, "울산서부")) == district_codes(7, "울주군")
    for spelling in ("강릉시평지", "강릉평지", "강릉 평지"):
        r = zones.resolve_zone_detail(None, spelling)
        assert r.zone_id == "강릉평지" and r.pairs() == [(32, 1)] and r.targets[0].coverage == "part"
    assert set(zones.resolve_zone(None, "강원북부산지")) == district_codes(32, "고성군", "속초시", "양양군", "인제군",
                                                                    "양구군")
    assert zones.resolve_zone(None, "울릉도.독도") == zones.resolve_zone(None, "울릉도·독도") == [(35, 17)]
    assert zones.resolve_zone(None, "흑산도홍도") == zones.resolve_zone(None, "신안군(흑산면제외)") == [(38, 12)]
    assert zones.resolve_zone(None, "서해5도") == [(2, 9)] and zones.resolve_zone(None, "거문도.초도") == [(38, 13)]
    assert zones.resolve_zone(None, "군위") == [(4, 9)]
    assert set(zones.resolve_zone(None, "창원")) == district_codes(36, "창원시", "마산시", "진해시")
    jeju = {n: set(zones.resolve_zone(None, n)) for n in ("제주도북부", "제주도남부", "제주도산지", "추자도",
                                                           "제주도북부중산간", "제주도남부중산간")}
    assert jeju["제주도북부"] == district_codes(39, "제주시", "북제주군")
    assert jeju["제주도남부중산간"] == district_codes(39, "서귀포시", "남제주군")
    assert all(jeju.values())


def test_codes_offices_and_ambiguous_names() -> None:
    assert zones.resolve_zone("L1011700", "의정부", 109) == [(31, 25)]
    assert zones.resolve_zone_detail("L1011700", None).method == "code_table"
    assert len(zones.resolve_zone("L1010100", "서울")) == 25
    assert {s for _r, s in zones.resolve_zone("L1030100", None)} == {1, 2, 3, 4, 5}
    assert zones.resolve_zone(None, "광주", 109) == [(31, 5)]
    assert len(zones.resolve_zone(None, "광주", 156)) == 5 and len(zones.resolve_zone(None, "광주")) == 5
    assert zones.resolve_zone(None, "고성", 159) == [(36, 3)] and zones.resolve_zone(None, "고성", 105) == [(32, 2)]
    assert zones.resolve_zone("L1082300", "고성군") == [(36, 3)]  # the code prefix (경남 group) agrees


def test_sea_and_unmapped_zones() -> None:
    r = zones.resolve_zone_detail("S1131100", "울산앞바다", 159)
    assert r.is_sea and r.pairs() == [] and r.coast_regions == (7,)
    assert zones.resolve_zone_detail(None, "인천·경기북부앞바다").coast_regions == (2, 31)
    assert zones.resolve_zone_detail(None, "남해동부앞바다").coast_regions == (6, 36)
    assert zones.resolve_zone_detail(None, "동해남부북쪽바깥먼바다").coast_regions == ()  # offshore
    assert zones.resolve_zone_detail("S1999999", None).is_sea
    report = zones.ZoneReport()
    assert zones.resolve_zone(None, "가상구역", report=report) == []
    assert zones.resolve_zone("L9990000", "가상구역", 184, report=report) == [(39, None)]
    assert zones.resolve_zone(None, "곡성북부", report=report) == [(38, 3)]  # suffix rule
    assert zones.resolve_zone(None, None, report=report) == []
    assert sum(report.unmapped.values()) == 2 and sum(report.approximate.values()) == 2
    assert report.as_metadata()["unmapped_zones"] == 2


def test_zone_mapping_table_covers_every_district() -> None:
    summary = zones.coverage_summary()
    assert summary["districts_missing"] == [] and summary["provinces_covered"] == 17
    assert summary["districts_covered"] == summary["districts_total"] == 234
    frame = zones.zone_mapping_frame()
    assert list(frame.columns) == list(zones.ZONE_MAPPING_COLUMNS)
    assert frame["region_code"].dtype == "Int64" and frame["sigungu_code"].dtype == "Int64"
    assert not frame.duplicated(["zone_id", "region_code", "sigungu_code"]).any()
    assert set(frame["source"]) <= {"district_name", "kma_announcement", "inferred", "public_listing", "reference"}
    land = frame[frame["zone_type"] == "land"]
    assert land["sigungu_name"].notna().all()
    names = {(r, n) for r, rows in zones._districts().items() for n in rows}
    assert {(int(r), n) for r, n in zip(land["region_code"], land["sigungu_name"])} <= names
    assert frame.loc[frame["zone_id"] == "의정부", "area_code"].tolist() == ["L1011700"]
    sea = frame[frame["zone_type"] == "sea"]
    assert set(sea["coverage"]) == {"coast", "offshore"} and sea["sigungu_code"].isna().all()
    assert frame["note"].notna().sum() > 50


def test_zone_code_csv() -> None:
    rows = zones.load_zone_codes()
    assert {r["area_code"] for r in rows} >= {"L1010100", "L1030100", "L1011700"}
    frame = zones.zone_code_frame()
    assert list(frame.columns) == ["area_code", "area_name", "region_code", "sigungu_code", "source", "note"]
    assert frame["region_code"].dtype == "Int64"


def test_zone_code_csv_validation(tmp_path) -> None:
    bad = tmp_path / "codes.csv"
    bad.write_text("area_code,area_name,region_code\nL1,x,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lacks column"):
        zones.load_zone_codes(bad)
    bad.write_text("area_code,area_name,region_code,sigungu_code,source,note\nL1,x,seoul,,a,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="region_code must be a number"):
        zones.load_zone_codes(bad)
    assert len(zones.load_zone_codes(tmp_path / "missing.csv")) == 3  # the reference's codes


# --------------------------------------------------------------------------------------------
# Districts
# --------------------------------------------------------------------------------------------


def test_expand_and_summarise() -> None:
    items = [ev(kst(2025, 1, 15, 5), 1, var=2, stress=1),  # 호우경보 서울동남권
             ev(kst(2025, 1, 15, 6), 1, var=6, code="S1131100", name="울산앞바다", stn="159"),  # 풍랑주의보
             ev(kst(2025, 1, 15, 6), 1, var=1, code="L1020110", name="강릉시평지", stn="105"),  # 강풍주의보
             ev(kst(2025, 1, 15, 6), 1, var=3, code="L1021000", name="가상평지", stn="105")]  # unknown zone
    report = zones.ZoneReport()
    d = expand_to_districts(in_force(items), report)
    assert_dtypes(d, DISTRICT_COLUMNS)
    seoul = d[d["zone_id"] == "서울동남권"]
    assert len(seoul) == 4 and set(seoul["outdoor_effect"]) == {"cap"} and set(seoul["scope"]) == {"district"}
    coast = d[d["scope"] == "coast"]
    assert coast[["region_code", "kind", "applies_to", "outdoor_effect"]].values.tolist() == [
        [7, "풍랑", "coastal", "lower"]]
    assert d.loc[d["zone_id"] == "강릉평지", "coverage"].tolist() == ["part"]
    assert d.loc[d["scope"] == "province", "region_code"].tolist() == [32]
    s = summarise_by_district(d)
    assert_dtypes(s, SUMMARY_COLUMNS)
    gangnam = s[(s["region_code"] == 1) & (s["sigungu_code"] == 1)].iloc[0]
    assert (gangnam["outdoor_effect"], gangnam["coastal_effect"], gangnam["warnings"]) == ("cap", "cap", "호우경보")
    ulsan = s[(s["region_code"] == 7) & (s["scope"] == "coast")].iloc[0]
    assert (ulsan["outdoor_effect"], ulsan["coastal_effect"]) == ("none", "lower")
    assert expand_to_districts(parsing.empty_warnings()).empty and summarise_by_district(d.iloc[:0]).empty


# --------------------------------------------------------------------------------------------
# Sources: paging and payload shapes
# --------------------------------------------------------------------------------------------


class CannedSource(WarningSource):
    """Serves canned payloads per page (and counts calls)."""

    def __init__(self, pages: list[Any], status: Any = None) -> None:
        super().__init__()
        self.pages = pages
        self.status_payload = status
        self.calls: list[tuple[str, dict]] = []

    def _get(self, operation: str, params: Any, cache_ttl_s: int | None) -> dict:
        self.calls.append((operation, dict(params)))
        if operation == OP_STATUS:
            if isinstance(self.status_payload, Exception):
                raise self.status_payload
            return self.status_payload
        page = self.pages[int(params["pageNo"]) - 1]
        if isinstance(page, Exception):
            raise page
        return page


def page(items: Any, total: Any) -> dict:
    return {"response": {"header": {"resultCode": "00"}, "body": {"items": items, "totalCount": total}}}


def test_events_paging_and_item_shapes() -> None:
    one = ev(kst(2025, 1, 15, 5), 1)
    assert CannedSource([page({"item": one}, 1)]).events("20250113", "20250115") == [one]  # lone object
    assert CannedSource([page({"item": ""}, 0)]).events(date(2025, 1, 13), date(2025, 1, 15)) == []
    assert CannedSource([page("", 0)]).events("2025-01-13", kst(2025, 1, 15)) == []
    nodata = NoDataError("no data", service="KMA", operation=OP_EVENTS, code="03")
    assert CannedSource([nodata]).events("20250113", "20250115") == []  # 03 is a valid empty result
    src = CannedSource([page({"item": [one, one]}, "3"), page({"item": one}, 3)])
    assert len(src.events("20250113", "20250115", page_size=2)) == 3
    assert [c[1]["pageNo"] for c in src.calls] == [1, 2] and src.calls[0][1]["fromTmFc"] == "20250113"
    with pytest.raises(IncompleteListingError):
        CannedSource([page({"item": [one, one]}, 5), page("", 5)]).events("20250113", "20250115", page_size=2)
    with pytest.raises(TransientApiError):
        CannedSource([page({"item": 7}, 1)]).events("20250113", "20250115")
    with pytest.raises(ValueError):
        CannedSource([]).events("2025113", "20250115")


def test_reconciliation_adds_only_what_events_never_mention() -> None:
    # 폭염경보 issued two weeks ago in 대구 (outside the window) is only in the status text; 서울동남권's
    # 호우 was lifted after the status was issued: the lift wins.
    status = {"tmFc": 202501150600, "tmSeq": 40,
              "t6": "o 폭염경보 : 대구\r\no 호우주의보 : 서울(서울동남권)\r\no 강풍주의보 : 경기도(의정부)"}
    events = [ev(kst(2025, 1, 15, 5), 1, var=2), ev(kst(2025, 1, 15, 9), 2, var=2),
              ev(kst(2025, 1, 15, 5), 1, var=1, code="L1011700", name="의정부시")]
    src = CannedSource([page({"item": events}, 3)], status=page({"item": status}, 1))
    result = warnings_in_force(src, NOW)
    assert result.source == "events" and result.status_checked and result.status_added == 1
    f = result.frame
    assert set(zip(f["zone_id"], f["kind"], f["source"])) == {("대구", "폭염", "status_text"),
                                                               ("의정부", "강풍", "events")}
    assert_dtypes(f, WARNING_COLUMNS)
    plain = warnings_in_force(CannedSource([page({"item": events}, 3)]), NOW, reconcile_with_status=False)
    assert not plain.status_checked and set(plain.frame["zone_id"]) == {"의정부"}
    broken = CannedSource([page({"item": events}, 3)],
                          status=TransientApiError("down", service="KMA", operation=OP_STATUS))
    result = warnings_in_force(broken, NOW)
    assert result.status_error == "down" and set(result.frame["zone_id"]) == {"의정부"}


# --------------------------------------------------------------------------------------------
# Sample source
# --------------------------------------------------------------------------------------------

INSTANTS = [kst(2025, m, d, h, mi) for m, d, h, mi in
            [(1, 15, 12, 7), (2, 3, 4, 59), (3, 21, 23, 30), (4, 30, 8, 0), (6, 18, 11, 11), (7, 2, 6, 45),
             (7, 28, 17, 0), (8, 14, 21, 20), (9, 9, 9, 9), (10, 31, 3, 0), (11, 22, 14, 30), (12, 25, 19, 0)]]


def sample_in_force(now: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    items = sample_source.events_between((now - timedelta(days=3)).date(), now.date(), now)
    events = parse_events(items, now).frame
    status = parse_status(sample_source.pwn_status_payload(now), as_of=now).frame
    return events, status


@pytest.mark.parametrize("now", INSTANTS, ids=lambda d: d.strftime("%m%d%H%M"))
def test_sample_status_text_agrees_with_events(now: datetime) -> None:
    events, status = sample_in_force(now)
    assert triples(events[events["in_effect"]]) == triples(status)
    land_warnings = events[(events["level_rank"] >= 2) & ~events["is_sea"] & events["in_effect"]]
    assert len(land_warnings) >= 1  # a land 경보 at every instant, so downstream effects are visible
    assert events["zone_id"].notna().all() and status["zone_id"].notna().all()


def test_sample_is_season_aware_and_exercises_the_rules() -> None:
    def kinds(first: date, days: int) -> set[int]:
        items = sample_source.events_between(first, first + timedelta(days=days), kst(2030, 1, 1))
        return {i["warnVar"] for i in items}

    assert kinds(date(2025, 1, 1), 20) <= {3, 8, 4, 1, 6} and {3, 8} <= kinds(date(2025, 1, 1), 20)
    assert kinds(date(2025, 8, 1), 20) <= {2, 12, 7, 6, 5, 1} and {2, 12} <= kinds(date(2025, 8, 1), 20)
    items = sample_source.events_between(date(2025, 7, 1), date(2025, 7, 31), kst(2030, 1, 1))
    assert {i["command"] for i in items} >= {1, 2, 3, 4, 5, 6}
    assert any(i["cancel"] == 1 for i in items) and any(i["endTime"] and i["command"] != 2 for i in items)
    assert any(i["startTime"] > i["tmFc"] for i in items if i["command"] == 1)  # announced ahead
    advisories = [len(sample_in_force(kst(2025, 7, d, 15))[0].query("level_rank == 1")) for d in range(1, 11)]
    assert sum(1 for n in advisories if n) >= 7  # 주의보 on most days


def test_sample_is_deterministic_and_stable_over_time() -> None:
    now = kst(2025, 7, 20, 14, 30)
    first = (now - timedelta(days=3)).date()
    a = sample_source.events_between(first, now.date(), now)
    assert a == sample_source.events_between(first, now.date(), now)
    later = sample_source.events_between(first, now.date(), now + timedelta(hours=9))
    assert [i for i in later if i["tmFc"] <= t(now)] == a  # the past does not change
    seqs: dict[tuple[str, int], set[int]] = {}
    for i in a:
        seqs.setdefault((i["stnId"], i["tmFc"]), set()).add(i["tmSeq"])
    assert all(len(s) == 1 for s in seqs.values())  # one number per bulletin
    by_office: dict[str, list[tuple[int, int]]] = {}
    for (stn, tm), s in sorted(seqs.items()):
        by_office.setdefault(stn, []).append((tm, s.pop()))
    for pairs in by_office.values():  # numbers grow with time within the month
        same_month = [s for tm, s in pairs if str(tm).startswith("202507")]
        assert same_month == sorted(same_month)


def test_sample_payload_shape_and_filters() -> None:
    now = kst(2025, 7, 20, 14, 30)
    src = SampleWarningSource(clock=lambda: now)
    payload = src.events_page("20250717", "20250720", num_of_rows=5)
    body = payload["response"]["body"]
    assert payload["response"]["header"] == {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"}
    assert body["dataType"] == "JSON" and body["numOfRows"] == 5 and len(body["items"]["item"]) == 5
    item = body["items"]["item"][0]
    assert isinstance(item["tmFc"], int) and isinstance(item["tmSeq"], int) and isinstance(item["stnId"], str)
    assert set(item) == {"stnId", "tmFc", "tmSeq", "areaCode", "areaName", "warnVar", "warnStress", "command",
                         "cancel", "startTime", "endTime", "allEndTime"}
    everything = src.events("20250717", "20250720", page_size=7)
    assert len(everything) == body["totalCount"] and src.stats.calls > 2
    code = everything[0]["areaCode"]
    assert {i["areaCode"] for i in src.events("20250717", "20250720", code)} == {code}
    assert src.events("20250717", "20250720", "L0000000") == []  # NODATA -> empty
    status = src.status()
    assert set(status) >= {"tmFc", "tmEf", "tmSeq", "t6", "t7", "other"} and status["tmFc"] <= t(now)


# --------------------------------------------------------------------------------------------
# End to end: the live client against the local server
# --------------------------------------------------------------------------------------------

E2E_NOW = kst(2025, 8, 14, 21, 20)


def live(server, **kw: Any) -> LiveWarningSource:
    kw.setdefault("keys", ["test-key"])
    return LiveWarningSource(base_url=server.base_url, sleep=lambda s: None, timeout_s=2.0, **kw)


def test_live_equals_sample() -> None:
    sample = SampleWarningSource(clock=lambda: E2E_NOW)
    with kma_warnings_server(clock=lambda: E2E_NOW) as server:
        source = live(server)
        assert source.events("20250811", "20250814", page_size=9) == sample.events("20250811", "20250814")
        assert server.request_count(OP_EVENTS) > 1  # paged
        assert all(r.params["dataType"] == "JSON" for r in server.requests)
        assert source.status() == sample.status()
        got = warnings_in_force(source, E2E_NOW)
    expected = warnings_in_force(sample, E2E_NOW)
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    assert got.source == "events" and not got.simulated and expected.simulated and got.status_added == 0
    assert len(got.frame) >= 1 and got.metadata()["api_calls"] >= 2
    pd.testing.assert_frame_equal(got.districts(), expected.districts())


@pytest.mark.parametrize("fault", ["http500", "truncated", "xml_gateway", "reset", "http429"])
def test_transient_faults_are_retried(fault: str) -> None:
    expected = warnings_in_force(SampleWarningSource(clock=lambda: E2E_NOW), E2E_NOW)
    with kma_warnings_server(FaultPlan().fail_next(fault, 2), clock=lambda: E2E_NOW) as server:
        source = live(server)
        got = warnings_in_force(source, E2E_NOW)
        assert server.outcomes[:2] == [fault, fault]
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    assert got.source == "events" and source.stats.retries == 2 and got.metadata()["api_retries"] == 2


def test_events_failing_falls_back_to_status_text() -> None:
    plan = FaultPlan().fail_next("http500", 2)  # both attempts of getPwnCd
    with kma_warnings_server(plan, clock=lambda: E2E_NOW) as server:
        got = warnings_in_force(live(server, max_attempts=2), E2E_NOW)
        assert [r.operation for r in server.requests] == [OP_EVENTS, OP_EVENTS, OP_STATUS]
    assert got.source == "status_text" and "getPwnCd" in got.fallback_reason and "HTTP 500" in got.fallback_reason
    assert (got.frame["source"] == "status_text").all()
    events, _ = sample_in_force(E2E_NOW)
    assert triples(got.frame) == triples(events[events["in_effect"]])
    assert got.metadata()["source"] == "status_text"


def test_events_and_status_failing_raise_one_line_with_both_reasons() -> None:
    plan = FaultPlan().fail_next("http500", 3)
    with kma_warnings_server(plan, clock=lambda: E2E_NOW) as server, pytest.raises(TransientApiError) as info:
        warnings_in_force(live(server, max_attempts=1), E2E_NOW)
    message = str(info.value)
    assert "\n" not in message and "events failed" in message and "status fallback failed" in message


def test_events_rejecting_parameters_falls_back() -> None:
    """[U] one public client treats areaCode as mandatory: a 11 from getPwnCd falls back, it does not fail."""
    with kma_warnings_server(clock=lambda: E2E_NOW) as server:
        inner = server.handler

        def strict(operation: str, params: dict[str, str]) -> tuple[int, str, bytes]:
            if operation == OP_EVENTS and "areaCode" not in params:
                return 200, "application/json", kma_json_error("11", "NO_MANDATORY_REQUEST_PARAMETERS_ERROR")
            return inner(operation, params)

        server.handler = strict
        got = warnings_in_force(live(server), E2E_NOW)
    assert got.source == "status_text" and "code 11" in got.fallback_reason and len(got.frame) >= 1


def test_no_events_in_window_is_not_a_failure() -> None:
    plan = FaultPlan(nodata_when=lambda op, params: op == OP_EVENTS)
    with kma_warnings_server(plan, clock=lambda: E2E_NOW) as server:
        got = warnings_in_force(live(server), E2E_NOW)
    # The events say nothing, so everything the status lists is added from it.
    assert got.source == "events" and got.events_fetched == 0 and got.fallback_reason is None
    assert got.status_added == len(got.frame) >= 1 and (got.frame["source"] == "status_text").all()


def test_bad_key_fails_in_one_clear_line_without_the_key() -> None:
    key = "s3cr3t/KEY+abc=="
    plan = FaultPlan(valid_keys={"the-good-key"})
    with kma_warnings_server(plan, clock=lambda: E2E_NOW) as server:
        with pytest.raises(ApiConfigurationError) as info:
            warnings_in_force(live(server, keys=[key]), E2E_NOW)
        assert server.request_count() == 1  # no retry, no fallback: a configuration error is raised
    message = str(info.value)
    assert "\n" not in message and "WEATHER_FLICK_KMA_API_KEYS" in message
    for form in (key, quote(key, safe=""), quote_plus(key), "s3cr3t"):
        assert form not in message and form not in repr(info.value)
    assert info.value.__cause__ is None


def test_package_imports_no_dagster() -> None:
    code = ("import sys; import weather_flick_batch.weather_warnings.client, "
            "weather_flick_batch.weather_warnings.zones; print(json.dumps('dagster' in sys.modules))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) is False

"""KMA payload parsing: text precipitation rule, missing markers, malformed items, shapes."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timezone
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weather_flick_batch.weather.issuance import KST
from weather_flick_batch.weather.parsing import (
    MID_LAND_COLUMNS,
    MID_TA_COLUMNS,
    NOWCAST_COLUMNS,
    SHORT_RANGE_COLUMNS,
    SHORT_RANGE_PTY,
    SKY_CODES,
    ULTRA_SHORT_PTY,
    KmaResultError,
    MalformedPayloadError,
    MalformedValueError,
    items_of,
    parse_mid_land,
    parse_mid_ta,
    parse_precip_text,
    parse_short_range,
    parse_snow_text,
    parse_ultra_short_nowcast,
    payload_result,
)

# ----------------------------------------------------------------------------- helpers


def payload(items: Any, code: str = "00", msg: str = "NORMAL_SERVICE") -> dict[str, Any]:
    n = len(items) if isinstance(items, list) else 1
    return {
        "response": {
            "header": {"resultCode": code, "resultMsg": msg},
            "body": {"dataType": "JSON", "pageNo": 1, "numOfRows": 1000, "totalCount": n,
                     "items": {"item": items}},
        }
    }


def fitem(cat: str, value: str, fdate: str = "20261126", ftime: str = "0600", nx: int = 60, ny: int = 127,
          bdate: str = "20261126", btime: str = "0500") -> dict[str, Any]:
    return {"baseDate": bdate, "baseTime": btime, "category": cat, "fcstDate": fdate, "fcstTime": ftime,
            "fcstValue": value, "nx": nx, "ny": ny}


def oitem(cat: str, value: str, nx: int = 60, ny: int = 127, bdate: str = "20261126",
          btime: str = "0600") -> dict[str, Any]:
    return {"baseDate": bdate, "baseTime": btime, "category": cat, "nx": nx, "ny": ny, "obsrValue": value}


# ----------------------------------------------------------------------------- text values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("강수없음", 0.0),
        ("0", 0.0),
        ("0.0", 0.0),
        ("0mm", 0.0),
        ("1mm 미만", 0.5),
        ("1.0mm 미만", 0.5),  # old bug: became 1.0
        ("1.0mm미만", 0.5),
        ("6.2mm", 6.2),
        (" 6.2mm ", 6.2),
        ("29.9mm", 29.9),
        ("30.0~50.0mm", 40.0),  # old bug: vanished
        ("30~50mm", 40.0),
        ("1.0mm~4.0mm", 2.5),
        ("50.0mm 이상", 50.0),
        ("1.5", 1.5),  # nowcast RN1 is a plain number
        ("12", 12.0),
        (1.5, 1.5),
        (0, 0.0),
        ("", None),
        ("-", None),
        (None, None),
        ("-999", None),  # missing markers
        ("999", None),
        ("900.0", None),
        (-999.0, None),
    ],
)
def test_precip_text_rule(text: Any, expected: float | None) -> None:
    got = parse_precip_text(text)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    "text",
    ["2.3cm", "적설없음", "비", "mm", "abc", "-1", "-0.5", "50.0~30.0mm", "0mm 미만", "6.2 mm rain",
     "1cm 미만", "30.0~50.0", True, [1.0], float("nan")],
)
def test_precip_text_malformed(text: Any) -> None:
    with pytest.raises(MalformedValueError):
        parse_precip_text(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("적설없음", 0.0),
        ("0", 0.0),
        ("0.5cm 미만", 0.25),
        ("1cm 미만", 0.5),
        ("1.0cm 미만", 0.5),
        ("2.3cm", 2.3),
        ("1.0~4.9cm", 2.95),
        ("5.0cm 이상", 5.0),
        ("", None),
        ("-999", None),
    ],
)
def test_snow_text_rule(text: str, expected: float | None) -> None:
    got = parse_snow_text(text)
    assert got == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize("text", ["강수없음", "6.2mm", "1mm 미만", "눈", "5.0cm 초과"])
def test_snow_text_malformed(text: str) -> None:
    with pytest.raises(MalformedValueError):
        parse_snow_text(text)


def test_old_bugs_stay_fixed() -> None:
    # The previous system stripped non-digits: "30.0~50.0mm" -> nothing, "1.0mm 미만" -> 1.0.
    assert parse_precip_text("30.0~50.0mm") is not None
    assert parse_precip_text("30.0~50.0mm") == 40.0
    assert parse_precip_text("1.0mm 미만") != 1.0
    assert parse_precip_text("1.0mm 미만") < 1.0


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=899, places=1, allow_nan=False, allow_infinity=False))
def test_amount_forms_round_trip(v: Any) -> None:
    x = float(v)
    assert parse_precip_text(f"{x:.1f}mm") == pytest.approx(x)
    assert parse_snow_text(f"{x:.1f}cm") == pytest.approx(x)
    assert parse_precip_text(f"{x:.1f}") == pytest.approx(x)
    if x > 0:
        assert parse_precip_text(f"{x:.1f}mm 미만") == pytest.approx(x / 2)
        assert parse_precip_text(f"{x:.1f}mm 이상") == pytest.approx(x)
        assert parse_precip_text(f"0.0~{x:.1f}mm") == pytest.approx(x / 2)


# ----------------------------------------------------------------------------- payload access


def test_payload_result_and_items_of_shapes() -> None:
    p = payload([fitem("TMP", "3")])
    assert payload_result(p) == ("00", "NORMAL_SERVICE")
    assert len(items_of(p)) == 1
    # KMA's empty result: items is an empty string.
    empty = payload([])
    empty["response"]["body"]["items"] = ""
    assert items_of(empty) == []
    # A single object instead of a list.
    single = payload([])
    single["response"]["body"]["items"] = {"item": fitem("TMP", "3")}
    assert items_of(single) == [fitem("TMP", "3")]
    # Error replies have no body at all.
    nodata = {"response": {"header": {"resultCode": "03", "resultMsg": "NO_DATA"}}}
    assert payload_result(nodata) == ("03", "NO_DATA")
    assert items_of(nodata) == []
    assert payload_result({"response": {"header": {"resultCode": 3, "resultMsg": "NO_DATA"}}})[0] == "03"


@pytest.mark.parametrize("bad", [None, [], "x", {"response": {}}, {"header": {}}])
def test_not_a_kma_payload(bad: Any) -> None:
    with pytest.raises(MalformedPayloadError):
        payload_result(bad)


def test_parsing_a_non_normal_payload_raises() -> None:
    nodata = {"response": {"header": {"resultCode": "03", "resultMsg": "NO_DATA"}}}
    with pytest.raises(KmaResultError) as info:
        parse_short_range(nodata)
    assert info.value.code == "03"


def test_empty_items_give_typed_empty_frames() -> None:
    empty = payload([])
    empty["response"]["body"]["items"] = ""
    for parse, columns in ((parse_short_range, SHORT_RANGE_COLUMNS), (parse_ultra_short_nowcast, NOWCAST_COLUMNS)):
        r = parse(empty)
        assert list(r.rows.columns) == list(columns)
        assert len(r.rows) == 0 and r.items_total == 0
        assert str(r.rows["base_time"].dtype) == "datetime64[ns, Asia/Seoul]"
    r = parse_mid_land(empty, "11B00000", "202611260600")
    assert list(r.rows.columns) == list(MID_LAND_COLUMNS) and r.rows.empty


# ----------------------------------------------------------------------------- short range


def test_short_range_pivot_columns_and_types() -> None:
    items = []
    for ftime in ("0600", "0700", "1500"):
        items += [fitem("TMP", "3", ftime=ftime), fitem("POP", "60", ftime=ftime), fitem("PTY", "1", ftime=ftime),
                  fitem("PCP", "1.0mm 미만", ftime=ftime), fitem("SKY", "4", ftime=ftime),
                  fitem("SNO", "적설없음", ftime=ftime), fitem("REH", "85", ftime=ftime),
                  fitem("WSD", "2.1", ftime=ftime), fitem("VEC", "285", ftime=ftime),
                  fitem("UUU", "2.0", ftime=ftime), fitem("VVV", "-0.5", ftime=ftime), fitem("WAV", "0", ftime=ftime)]
    items += [fitem("TMN", "-1.0", ftime="0600"), fitem("TMX", "9.0", ftime="1500")]
    r = parse_short_range(json.loads(json.dumps(payload(items))))
    df = r.rows
    assert r.items_total == len(items) and r.items_malformed == 0 and r.clean
    assert list(df.columns) == list(SHORT_RANGE_COLUMNS)
    for col, dtype in SHORT_RANGE_COLUMNS.items():
        assert str(df[col].dtype) == str(dtype), col
    assert len(df) == 3
    assert df["lead_hours"].tolist() == [1, 2, 10]
    assert df["pcp_mm"].tolist() == [0.5, 0.5, 0.5]
    assert df["pty_code"].tolist() == [1, 1, 1]
    # TMN / TMX only on the rows they come with.
    assert df["tmn_c"].notna().tolist() == [True, False, False]
    assert df["tmx_c"].notna().tolist() == [False, False, True]
    assert df.loc[0, "tmn_c"] == -1.0 and df.loc[2, "tmx_c"] == 9.0


def test_rows_are_sorted_whatever_the_item_order() -> None:
    items = [fitem("TMP", "1", ftime="0800", nx=61), fitem("TMP", "2", ftime="0700", nx=61),
             fitem("TMP", "3", ftime="0900", nx=60), fitem("TMP", "4", ftime="0600", nx=60)]
    df = parse_short_range(payload(items)).rows
    assert df["nx"].tolist() == [60, 60, 61, 61]
    assert df["tmp_c"].tolist() == [4.0, 3.0, 2.0, 1.0]
    assert df.index.tolist() == [0, 1, 2, 3]


def test_short_range_times_are_kst_aware_even_before_0900() -> None:
    items = [fitem("TMP", "1", fdate="20261126", ftime="0300", btime="0200")]
    df = parse_short_range(payload(items)).rows
    vt = df.loc[0, "valid_time"]
    assert vt.tzinfo is not None
    assert vt.date() == date(2026, 11, 26)
    assert vt.tz_convert("UTC").to_pydatetime() == datetime(2026, 11, 25, 18, tzinfo=timezone.utc)
    assert df.loc[0, "base_time"] == pd.Timestamp("2026-11-26 02:00", tz=KST)
    assert df.loc[0, "lead_hours"] == 1


def test_missing_markers_are_dropped_and_counted() -> None:
    items = [
        fitem("TMP", "-999"),
        fitem("WSD", "900"),
        fitem("VEC", "-900.0"),
        fitem("REH", "80"),
        fitem("PCP", "999"),
        fitem("TMP", "899", ftime="0700"),  # not a marker: out of range -> malformed
    ]
    r = parse_short_range(payload(items))
    assert r.missing_values_dropped == 4
    assert r.items_malformed == 1
    row = r.rows.iloc[0]
    assert math.isnan(row["tmp_c"]) and math.isnan(row["wsd_ms"]) and math.isnan(row["vec_deg"])
    assert math.isnan(row["pcp_mm"]) and row["reh_pct"] == 80.0


def test_malformed_items_are_counted_with_reasons_never_coerced() -> None:
    bad = [
        fitem("PCP", "많음"),  # bad text
        fitem("TMP", "abc"),
        fitem("PTY", "5"),  # drizzle exists only in the ultra-short table
        fitem("PTY", "1.5"),
        fitem("SKY", "2"),  # retired code
        fitem("POP", "120"),
        fitem("TMP", "3", fdate="20261332"),  # bad date
        fitem("TMP", "3", ftime="25:0"),
        fitem("TMP", "3", fdate="20261125", ftime="0100"),  # before the base time
        {k: v for k, v in fitem("TMP", "3").items() if k != "fcstValue"},  # missing key
        "not an item",
        fitem("TMP", "3", nx="x"),  # type: ignore[arg-type]
        fitem("TMP", ["3"]),  # type: ignore[arg-type]
        fitem("TMP", "3", fdate=["20261126"]),  # type: ignore[arg-type]
    ]
    good = [fitem("REH", "70")]
    r = parse_short_range(payload(bad + good))
    assert r.items_total == len(bad) + len(good)
    assert r.items_malformed == len(bad)
    assert len(r.malformed_examples) == 10  # capped
    reasons = " | ".join(e.reason for e in r.malformed_examples)
    assert "PCP" in reasons and "unknown code" in reasons and "bad date/time" in reasons
    assert len(r.rows) == 1
    assert r.rows.loc[0, "reh_pct"] == 70.0
    assert pd.isna(r.rows.loc[0, "pty_code"]) and pd.isna(r.rows.loc[0, "pcp_mm"])
    summary = r.summary()
    json.dumps(summary)  # JSON-serialisable for run metadata
    assert summary["items_malformed"] == len(bad)


def test_unknown_categories_and_duplicates_are_counted() -> None:
    items = [fitem("TMP", "3"), fitem("XYZ", "1"), fitem("XYZ", "2"), fitem("TMP", "4")]
    r = parse_short_range(payload(items))
    assert r.unknown_categories == {"XYZ": 2}
    assert r.duplicates_dropped == 1
    assert r.items_malformed == 0
    assert r.rows.loc[0, "tmp_c"] == 3.0  # first one kept
    assert not r.clean


def test_short_range_pty_table() -> None:
    assert SHORT_RANGE_PTY == {0: "none", 1: "rain", 2: "rain/snow", 3: "snow", 4: "shower"}
    items = [fitem("PTY", str(c), ftime=f"{c + 6:02d}00") for c in (0, 1, 2, 3, 4, 5, 6, 7)]
    r = parse_short_range(payload(items))
    assert sorted(r.rows["pty_code"].dropna().astype(int)) == [0, 1, 2, 3, 4]
    assert r.items_malformed == 3


def test_ultra_short_pty_table() -> None:
    assert ULTRA_SHORT_PTY == {0: "none", 1: "rain", 2: "rain/snow", 3: "snow", 5: "drizzle",
                               6: "drizzle/snow flurry", 7: "snow flurry"}
    assert set(SKY_CODES) == {1, 3, 4}
    items = [oitem("PTY", str(c), btime=f"{c:02d}00") for c in range(8)]
    r = parse_ultra_short_nowcast(payload(items))
    assert sorted(r.rows["pty_code"].dropna().astype(int)) == [0, 1, 2, 3, 5, 6, 7]
    assert r.items_malformed == 1
    assert "PTY" in r.malformed_examples[0].reason


# ----------------------------------------------------------------------------- nowcast


def test_nowcast_rows_and_columns() -> None:
    items = []
    for nx in (60, 61):
        items += [oitem("T1H", "-2.5", nx=nx), oitem("RN1", "1.5", nx=nx), oitem("REH", "90", nx=nx),
                  oitem("PTY", "7", nx=nx), oitem("WSD", "3.2", nx=nx), oitem("VEC", "310", nx=nx),
                  oitem("UUU", "2.4", nx=nx), oitem("VVV", "-2.1", nx=nx)]
    items.append(oitem("LGT", "0", nx=61))
    r = parse_ultra_short_nowcast(payload(items))
    df = r.rows
    assert r.items_malformed == 0
    assert list(df.columns) == list(NOWCAST_COLUMNS)
    for col, dtype in NOWCAST_COLUMNS.items():
        assert str(df[col].dtype) == str(dtype), col
    assert len(df) == 2
    assert df["t1h_c"].tolist() == [-2.5, -2.5]
    assert df["rn1_mm"].tolist() == [1.5, 1.5]
    assert df["pty_code"].tolist() == [7, 7]
    assert math.isnan(df.loc[0, "lgt_ka"]) and df.loc[1, "lgt_ka"] == 0.0
    assert df.loc[0, "base_time"] == pd.Timestamp("2026-11-26 06:00", tz=KST)


def test_nowcast_rn1_accepts_text_forms_too() -> None:
    r = parse_ultra_short_nowcast(payload([oitem("RN1", "1mm 미만"), oitem("T1H", "3.1", btime="0700"),
                                           oitem("RN1", "강수없음", btime="0700")]))
    assert r.rows["rn1_mm"].tolist() == [0.5, 0.0]


# ----------------------------------------------------------------------------- mid range


def test_mid_land_days_present_and_combination_rules() -> None:
    item = {
        "regId": "11B00000",
        "rnSt3Am": 20, "rnSt3Pm": 70, "rnSt4Am": "30", "rnSt4Pm": "",  # string and empty forms
        "rnSt8": 40, "rnSt10": 10,
        "wf3Am": "구름많음", "wf3Pm": "흐리고 비", "wf4Am": "맑음", "wf4Pm": "맑음",
        "wf8": "구름많고 소나기", "wf10": "맑음",
    }
    r = parse_mid_land(payload([item]), "11B00000", datetime(2026, 11, 26, 18, tzinfo=KST))
    df = r.rows.set_index("day_offset")
    assert r.items_malformed == 0
    assert r.missing_values_dropped == 1
    assert list(r.rows.columns) == list(MID_LAND_COLUMNS)
    assert sorted(df.index) == [3, 4, 8, 10]  # only the days present; 9 absent
    assert df.loc[3, "forecast_date"] == date(2026, 11, 29)  # tmFc date + N (18:00 issuance too)
    assert df.loc[10, "forecast_date"] == date(2026, 12, 6)
    assert df.loc[3, "rain_prob"] == 70.0  # max(am, pm)
    assert df.loc[4, "rain_prob"] == 30.0
    assert math.isnan(df.loc[4, "rain_prob_pm"])
    assert df.loc[8, "rain_prob"] == 40.0 and math.isnan(df.loc[8, "rain_prob_am"])
    assert df.loc[3, "sky_text"] == "흐리고 비"  # the cloudier half
    assert df.loc[8, "sky_text"] == "구름많고 소나기"
    assert str(r.rows["tm_fc"].dtype) == "datetime64[ns, Asia/Seoul]"


def test_mid_land_malformed_values_and_region_mismatch() -> None:
    item = {"regId": "11B00000", "rnSt3Am": 120, "rnSt3Pm": "x", "wf3Am": "대체로 맑음", "wf3Pm": "맑음"}
    r = parse_mid_land(payload([item]), "11B00000", "202611260600")
    assert r.items_malformed == 3
    assert r.rows.loc[0, "sky_text"] == "맑음"
    other = parse_mid_land(payload([{"regId": "11G00000", "rnSt3Am": 10}]), "11B00000", "202611260600")
    assert other.items_malformed == 1 and other.rows.empty
    assert "does not match" in other.malformed_examples[0].reason


def test_mid_ta_values_spreads_and_inverted_days() -> None:
    item = {"regId": "11B10101", "taMin3": -2, "taMin3Low": 1, "taMin3High": 2, "taMax3": 7, "taMax3Low": 0,
            "taMax3High": 1, "taMin4": "3", "taMax4": "9", "taMin5": 10, "taMax5": 4, "taMin6": -999, "taMax6": 5}
    r = parse_mid_ta(payload([item]), "11B10101", "202611260600")
    df = r.rows.set_index("day_offset")
    assert list(r.rows.columns) == list(MID_TA_COLUMNS)
    assert df.loc[3, ["ta_min_c", "ta_max_c", "ta_min_low_c", "ta_min_high_c", "ta_max_low_c",
                      "ta_max_high_c"]].tolist() == [-2.0, 7.0, 1.0, 2.0, 0.0, 1.0]
    assert df.loc[4, "ta_max_c"] == 9.0 and math.isnan(df.loc[4, "ta_min_low_c"])
    assert r.items_malformed == 1  # day 5: min > max
    assert math.isnan(df.loc[5, "ta_min_c"]) and math.isnan(df.loc[5, "ta_max_c"])
    assert r.missing_values_dropped == 1 and math.isnan(df.loc[6, "ta_min_c"])
    assert df.loc[3, "forecast_date"] == date(2026, 11, 29)


# ----------------------------------------------------------------------------- volume


def test_parses_fifty_thousand_items() -> None:
    # A sanity check of the vectorised path on a realistic volume (no timing assertion).
    cats = {"TMP": "3", "UUU": "-1.2", "VVV": "0.8", "VEC": "285", "WSD": "1.5", "SKY": "4", "PTY": "1",
            "POP": "60", "WAV": "0", "PCP": "6.2mm", "REH": "85", "SNO": "적설없음"}
    items = []
    cells = 60
    hours = 70
    for cell in range(cells):
        for h in range(hours):
            day, hour = divmod(6 + h, 24)
            for cat, value in cats.items():
                items.append(fitem(cat, value, fdate=f"202611{26 + day}", ftime=f"{hour:02d}00", nx=1 + cell))
    assert len(items) == 50_400
    r = parse_short_range(payload(items))
    assert r.items_malformed == 0 and r.items_total == 50_400
    assert len(r.rows) == cells * hours
    assert r.rows["pcp_mm"].eq(6.2).all()
    assert r.rows.groupby("nx")["lead_hours"].agg(["min", "max"]).eq([1, hours]).all().all()

"""Offline KMA sample source: exact payload shape, parser round trip, realism, determinism."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from weather_flick_batch.core.regions import PROVINCES
from weather_flick_batch.weather import sample_source as ss
from weather_flick_batch.weather.issuance import (
    KST,
    SHORT_RANGE_BASE_HOURS,
    kma_base_params,
    kma_tmfc,
    next_short_range_issuance,
)
from weather_flick_batch.weather.parsing import (
    ULTRA_SHORT_PTY,
    is_known_mid_sky_text,
    parse_mid_land,
    parse_mid_ta,
    parse_precip_text,
    parse_short_range,
    parse_ultra_short_nowcast,
    payload_result,
)

SEOUL = (60, 127)
SEOUL_EAST = (61, 127)  # the neighbouring cell
BUSAN = (98, 76)
JEJU = (52, 38)


def kst(y: int, mo: int, d: int, h: int = 0) -> datetime:
    return datetime(y, mo, d, h, tzinfo=KST)


@lru_cache(maxsize=None)
def nowcast_series(cell: tuple[int, int], start: datetime, hours: int) -> pd.DataFrame:
    """Hourly truth at a cell: many nowcast payloads' items parsed as one payload."""
    items = []
    for k in range(hours):
        p = kma_base_params(start + timedelta(hours=k))
        items += ss.ultra_srt_ncst(p["base_date"], p["base_time"], *cell)["response"]["body"]["items"]["item"]
    merged = ss.ultra_srt_ncst("20260101", "0000", *cell)
    merged["response"]["body"]["items"]["item"] = items
    r = parse_ultra_short_nowcast(merged)
    assert r.items_malformed == 0 and len(r.rows) == hours
    return r.rows


@lru_cache(maxsize=None)
def short_issuances(cell: tuple[int, int], start: datetime, count: int) -> pd.DataFrame:
    frames, b = [], start
    for _ in range(count):
        p = kma_base_params(b)
        r = parse_short_range(ss.vilage_fcst(p["base_date"], p["base_time"], *cell))
        assert r.items_malformed == 0
        frames.append(r.rows)
        b = next_short_range_issuance(b)
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------- shape


@pytest.mark.parametrize("base_time", ["0200", "0500", "1400", "2300"])
def test_vilage_fcst_exact_shape(base_time: str) -> None:
    p = ss.vilage_fcst("20261126", base_time, *SEOUL)
    assert list(p) == ["response"]
    assert p["response"]["header"] == {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"}
    body = p["response"]["body"]
    assert set(body) == {"dataType", "pageNo", "numOfRows", "totalCount", "items"}
    assert body["dataType"] == "JSON" and body["pageNo"] == 1 and body["numOfRows"] == 1000
    items = body["items"]["item"]
    assert body["totalCount"] == len(items) <= 1000
    for it in items:
        assert set(it) == {"baseDate", "baseTime", "category", "fcstDate", "fcstTime", "fcstValue", "nx", "ny"}
        assert isinstance(it["fcstValue"], str) and it["fcstValue"] != ""
        assert type(it["nx"]) is int and type(it["ny"]) is int
        assert it["baseDate"] == "20261126" and it["baseTime"] == base_time
        assert re.fullmatch(r"\d{8}", it["fcstDate"]) and re.fullmatch(r"\d{2}00", it["fcstTime"])
    hours = sorted({(it["fcstDate"], it["fcstTime"]) for it in items})
    base = datetime.strptime("20261126" + base_time, "%Y%m%d%H%M").replace(tzinfo=KST)
    first = datetime.strptime("".join(hours[0]), "%Y%m%d%H%M").replace(tzinfo=KST)
    last = datetime.strptime("".join(hours[-1]), "%Y%m%d%H%M").replace(tzinfo=KST)
    assert first == base + timedelta(hours=1)
    day0 = base.date() + timedelta(days=1 if base.hour == 23 else 0)
    assert last == datetime.combine(day0 + timedelta(days=2), datetime.min.time(), tzinfo=KST) + timedelta(hours=23)
    assert len(hours) == int((last - first).total_seconds() // 3600) + 1  # hourly, no gaps
    by_hour: dict[tuple[str, str], list[str]] = {}
    for it in items:
        by_hour.setdefault((it["fcstDate"], it["fcstTime"]), []).append(it["category"])
    for (_, t), cats in by_hour.items():
        expected = list(ss.SHORT_RANGE_CATEGORY_ORDER)
        expected += ["TMN"] if t == "0600" else ["TMX"] if t == "1500" else []
        assert cats == expected


def test_value_formats_are_kma_like() -> None:
    items = ss.vilage_fcst("20260715", "0500", *SEOUL)["response"]["body"]["items"]["item"]
    for it in items:
        v, c = it["fcstValue"], it["category"]
        if c in ("TMP", "VEC", "REH", "POP", "SKY", "PTY"):
            assert re.fullmatch(r"-?\d+", v), (c, v)
        elif c in ("UUU", "VVV", "WSD", "TMN", "TMX"):
            assert re.fullmatch(r"-?\d+\.\d", v) and v != "-0.0", (c, v)
        elif c == "PCP":
            assert re.fullmatch(r"강수없음|1mm 미만|\d+\.\dmm|30\.0~50\.0mm|50\.0mm 이상", v), v
        elif c == "SNO":
            assert re.fullmatch(r"적설없음|1cm 미만|\d+\.\dcm|5\.0cm 이상", v), v
        if c == "POP":
            assert int(v) % 10 == 0 and 0 <= int(v) <= 100


def test_ultra_srt_ncst_shape() -> None:
    p = ss.ultra_srt_ncst("20261126", "0700", *SEOUL)
    items = p["response"]["body"]["items"]["item"]
    assert [it["category"] for it in items] == list(ss.NOWCAST_CATEGORY_ORDER)
    for it in items:
        assert set(it) == {"baseDate", "baseTime", "category", "nx", "ny", "obsrValue"}
        assert isinstance(it["obsrValue"], str) and type(it["nx"]) is int
    pty = next(int(it["obsrValue"]) for it in items if it["category"] == "PTY")
    assert pty in ULTRA_SHORT_PTY


def test_mid_payload_shapes() -> None:
    land = ss.mid_land_fcst("11B00000", "202611260600")["response"]["body"]["items"]["item"]
    assert len(land) == 1
    item = land[0]
    expected = {"regId"}
    for n in range(3, 8):
        expected |= {f"rnSt{n}Am", f"rnSt{n}Pm", f"wf{n}Am", f"wf{n}Pm"}
    for n in range(8, 11):
        expected |= {f"rnSt{n}", f"wf{n}"}
    assert set(item) == expected
    for k, v in item.items():
        if k.startswith("rnSt"):
            assert type(v) is int and v % 10 == 0 and 0 <= v <= 100  # KMA sends JSON numbers
        elif k.startswith("wf"):
            assert is_known_mid_sky_text(v), v
    ta = ss.mid_ta("11B10101", "202611261800")["response"]["body"]["items"]["item"][0]
    for n in range(3, 11):
        for key in (f"taMin{n}", f"taMax{n}", f"taMin{n}Low", f"taMin{n}High", f"taMax{n}Low", f"taMax{n}High"):
            assert type(ta[key]) is int
        assert ta[f"taMin{n}"] <= ta[f"taMax{n}"]
        assert ta[f"taMin{n}Low"] >= 0 and ta[f"taMax{n}High"] >= 0


def test_paging() -> None:
    full = ss.vilage_fcst("20261126", "0500", *SEOUL)["response"]["body"]["items"]["item"]
    pages = []
    page = 1
    while True:
        p = ss.vilage_fcst("20261126", "0500", *SEOUL, page_no=page, num_of_rows=100)
        code, _ = payload_result(p)
        if code != "00":
            assert code == "03"
            break
        assert p["response"]["body"]["totalCount"] == len(full)
        assert p["response"]["body"]["pageNo"] == page
        pages.extend(p["response"]["body"]["items"]["item"])
        page += 1
    assert pages == full
    assert page - 1 == -(-len(full) // 100)


def test_nodata_payload() -> None:
    assert payload_result(ss.empty_nodata_payload()) == ("03", "NO_DATA")
    assert "body" not in ss.empty_nodata_payload()["response"]


@pytest.mark.parametrize(
    "call",
    [
        lambda: ss.vilage_fcst("20261126", "0600", *SEOUL),  # not a base time
        lambda: ss.vilage_fcst("2026112", "0500", *SEOUL),
        lambda: ss.vilage_fcst("20261126", "0500", 0, 127),
        lambda: ss.vilage_fcst("20261126", "0500", 60, 300),
        lambda: ss.ultra_srt_ncst("20261126", "0730", *SEOUL),
        lambda: ss.mid_land_fcst("99X00000", "202611260600"),
        lambda: ss.mid_land_fcst("11B00000", "202611261200"),
        lambda: ss.mid_ta("11B00000", "202611260600"),  # a land region is not a city
    ],
)
def test_invalid_requests_fail_clearly(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        call()


def test_every_catalogue_province_is_served() -> None:
    # The region catalogue's KMA ids must all exist in the sample source.
    for p in PROVINCES:
        assert p.mid_land_reg_id in ss.MID_LAND_REGIONS, p.name_en
        assert p.mid_ta_reg_id in ss.MID_TA_CITIES, p.name_en
    for ref in ("11B10101", "11B20201", "11H20201", "11G00201", "11C20401", "11F20501", "11H10701"):
        assert ref in ss.MID_TA_CITIES
    assert len(ss.MID_LAND_REGIONS) == 10
    assert set(ss.MID_LAND_REGION_CENTRES) == set(ss.MID_LAND_REGIONS)
    for name, lat, lon in ss.MID_TA_CITIES.values():
        assert 33.0 < lat < 38.7 and 124.5 < lon < 130.0, name


# ----------------------------------------------------------------------------- round trip


@pytest.mark.parametrize(
    ("base_date", "base_time", "cell"),
    [("20260115", "0500", SEOUL), ("20260115", "2300", (87, 141)), ("20260710", "1400", BUSAN),
     ("20260805", "0200", JEJU), ("20261126", "0800", SEOUL), ("20260301", "1700", (73, 134))],
)
def test_short_range_round_trips_through_the_parser(base_date: str, base_time: str, cell: tuple[int, int]) -> None:
    p = json.loads(json.dumps(ss.vilage_fcst(base_date, base_time, *cell), ensure_ascii=False))
    r = parse_short_range(p)
    assert r.items_total == p["response"]["body"]["totalCount"]
    assert (r.items_malformed, r.missing_values_dropped, r.duplicates_dropped) == (0, 0, 0)
    assert r.unknown_categories == {}
    df = r.rows
    items = p["response"]["body"]["items"]["item"]
    assert len(df) == len({(it["fcstDate"], it["fcstTime"]) for it in items})  # one row per valid hour
    hourly = ["tmp_c", "pop_pct", "pty_code", "pcp_mm", "sno_cm", "sky_code", "reh_pct", "wsd_ms", "vec_deg",
              "uuu_ms", "vvv_ms", "wav_m"]
    assert df[hourly].notna().all().all()
    assert df.loc[df["valid_time"].dt.hour == 6, "tmn_c"].notna().all()
    assert df.loc[df["valid_time"].dt.hour == 15, "tmx_c"].notna().all()
    assert df.loc[~df["valid_time"].dt.hour.isin([6, 15]), ["tmn_c", "tmx_c"]].isna().all().all()
    # Wind components agree with speed (to the one-decimal rounding KMA uses).
    speed = np.hypot(df["uuu_ms"], df["vvv_ms"])
    assert np.allclose(speed, df["wsd_ms"], atol=0.15)


def test_nowcast_and_mid_round_trip() -> None:
    r = parse_ultra_short_nowcast(ss.ultra_srt_ncst("20260120", "0600", *SEOUL))
    assert r.items_malformed == 0 and r.items_total == 8 and len(r.rows) == 1
    assert r.rows[["t1h_c", "rn1_mm", "reh_pct", "pty_code", "wsd_ms"]].notna().all().all()
    tm = kst(2026, 11, 26, 18)
    for reg in ss.MID_LAND_REGIONS:
        land = parse_mid_land(ss.mid_land_fcst(reg, kma_tmfc(tm)), reg, tm)
        assert land.items_malformed == 0 and land.items_total == 26
        assert land.rows["day_offset"].tolist() == list(range(3, 11))
        assert land.rows["forecast_date"].iloc[0] == tm.date() + timedelta(days=3)
        assert land.rows[["rain_prob", "sky_text"]].notna().all().all()
    for reg in ss.MID_TA_CITIES:
        ta = parse_mid_ta(ss.mid_ta(reg, kma_tmfc(tm)), reg, tm)
        assert ta.items_malformed == 0 and ta.items_total == 48 and len(ta.rows) == 8


# ----------------------------------------------------------------------------- determinism


def test_deterministic_and_input_dependent() -> None:
    a = ss.vilage_fcst("20260710", "0500", *SEOUL)
    assert a == ss.vilage_fcst("20260710", "0500", *SEOUL)
    assert json.dumps(a) == json.dumps(ss.vilage_fcst("20260710", "0500", *SEOUL))
    assert a != ss.vilage_fcst("20260710", "0500", *BUSAN)
    assert a != ss.vilage_fcst("20260710", "0800", *SEOUL)
    assert ss.mid_land_fcst("11B00000", "202607100600") == ss.mid_land_fcst("11B00000", "202607100600")
    assert ss.mid_ta("11G00201", "202607100600") != ss.mid_ta("11B10101", "202607100600")


# ----------------------------------------------------------------------------- realism


def test_seasonal_and_latitude_sanity() -> None:
    seoul_jan = nowcast_series(SEOUL, kst(2026, 1, 10), 24 * 10)["t1h_c"].mean()
    seoul_jul = nowcast_series(SEOUL, kst(2026, 7, 10), 24 * 10)["t1h_c"].mean()
    jeju_jan = nowcast_series(JEJU, kst(2026, 1, 10), 24 * 10)["t1h_c"].mean()
    jeju_aug = nowcast_series(JEJU, kst(2026, 8, 10), 24 * 10)["t1h_c"].mean()
    assert -9.0 < seoul_jan < 5.0
    assert 21.0 < seoul_jul < 30.0
    assert seoul_jan < jeju_jan  # south is warmer in winter
    assert seoul_jan + 15.0 < jeju_aug


def test_diurnal_cycle_and_humidity_anticorrelation() -> None:
    df = nowcast_series(SEOUL, kst(2026, 10, 1), 24 * 14)
    hour = df["base_time"].dt.hour
    t6, t15 = df.loc[hour == 6, "t1h_c"].mean(), df.loc[hour == 15, "t1h_c"].mean()
    assert t15 - t6 > 4.0  # max around 15 h, min around 06 h
    assert df.loc[hour == 15, "reh_pct"].mean() < df.loc[hour == 6, "reh_pct"].mean() - 10
    hourly = df.groupby(hour)[["t1h_c", "reh_pct"]].mean()
    assert hourly["t1h_c"].idxmax() in (14, 15, 16) and hourly["t1h_c"].idxmin() in (5, 6, 7)
    assert np.corrcoef(hourly["t1h_c"], hourly["reh_pct"])[0, 1] < -0.8


def test_rain_is_coherent_in_space_and_time_and_seasonal() -> None:
    start, hours = kst(2026, 7, 1), 24 * 31
    a = nowcast_series(SEOUL, start, hours)["rn1_mm"].to_numpy() > 0
    b = nowcast_series(SEOUL_EAST, start, hours)["rn1_mm"].to_numpy() > 0
    far = nowcast_series(BUSAN, start, hours)["rn1_mm"].to_numpy() > 0
    assert 0.05 < a.mean() < 0.6  # July rains, but not always
    neighbour = np.corrcoef(a, b)[0, 1]
    assert neighbour > 0.8
    assert neighbour > np.corrcoef(a, far)[0, 1] + 0.2
    assert np.corrcoef(a[1:], a[:-1])[0, 1] > 0.6  # consecutive hours correlated
    jan = nowcast_series(SEOUL, kst(2026, 1, 1), hours)["rn1_mm"]
    jul = nowcast_series(SEOUL, start, hours)["rn1_mm"]
    assert jul.sum() > 2 * jan.sum()  # monsoon season is much wetter


def test_snow_when_cold_and_never_in_summer() -> None:
    winter = short_issuances(SEOUL, kst(2026, 1, 5, 5), 8 * 20)
    summer = short_issuances(SEOUL, kst(2026, 8, 1, 5), 8 * 10)
    snowy = winter[winter["pty_code"].isin([2, 3])]
    assert len(snowy) > 0
    assert (snowy["tmp_c"] <= 3).all()
    assert (winter.loc[winter["pty_code"] == 3, "sno_cm"] > 0).all()
    assert not summer["pty_code"].isin([2, 3]).any() and (summer["sno_cm"] == 0).all()
    assert (summer["pty_code"] == 4).any() or (summer["pty_code"] == 1).any()


def test_pop_sky_and_precipitation_are_consistent() -> None:
    df = short_issuances(BUSAN, kst(2026, 7, 1, 5), 8 * 10)
    wet = df["pcp_mm"] > 0
    assert wet.any() and (~wet).any()
    assert (df.loc[wet, "pty_code"] != 0).all() and (df.loc[~wet, "pty_code"] == 0).all()
    assert (df.loc[wet, "pop_pct"] >= 60).all()
    assert (df.loc[~wet, "pop_pct"] <= 50).all()
    assert (df.loc[wet, "sky_code"] == 4).all()  # overcast when raining
    assert (df.loc[wet, "reh_pct"] >= 85).all()
    assert df.loc[wet, "pop_pct"].mean() > df.loc[~wet, "pop_pct"].mean() + 40


def test_successive_issuances_agree_and_forecast_verifies_against_nowcast() -> None:
    cell = SEOUL
    fc = short_issuances(cell, kst(2026, 4, 1, 2), 8 * 7)
    # Same valid time from consecutive issuances: close temperatures.
    fc = fc.sort_values(["valid_time", "base_time"])
    consecutive = fc.groupby("valid_time")["tmp_c"].diff().dropna().abs()
    assert consecutive.mean() < 1.2
    truth = nowcast_series(cell, kst(2026, 4, 1, 3), 24 * 8).rename(columns={"base_time": "valid_time"})
    m = fc.merge(truth[["valid_time", "t1h_c", "rn1_mm"]], on="valid_time")
    err = (m["tmp_c"] - m["t1h_c"]).abs()
    short_mae = err[m["lead_hours"] <= 6].mean()
    long_mae = err[m["lead_hours"] >= 48].mean()
    assert short_mae < 1.0
    assert long_mae > short_mae  # error grows with lead
    # Rain occurrence forecast at short lead mostly matches what is observed.
    near = m[m["lead_hours"] <= 6]
    assert ((near["pcp_mm"] > 0) == (near["rn1_mm"] > 0)).mean() > 0.85


def test_mid_range_agrees_with_short_range_climate() -> None:
    tm = kst(2026, 1, 15, 6)
    seoul = parse_mid_ta(ss.mid_ta("11B10101", kma_tmfc(tm)), "11B10101", tm).rows
    jeju = parse_mid_ta(ss.mid_ta("11G00201", kma_tmfc(tm)), "11G00201", tm).rows
    assert seoul["ta_max_c"].mean() < jeju["ta_max_c"].mean()
    assert (seoul["ta_min_c"] <= seoul["ta_max_c"]).all()
    assert -15 < seoul["ta_min_c"].mean() < 5


def test_precip_text_values_seen_in_a_wet_month_parse() -> None:
    seen: set[str] = set()
    b = kst(2026, 7, 1, 2)
    for _ in range(8 * 15):
        p = kma_base_params(b)
        for it in ss.vilage_fcst(p["base_date"], p["base_time"], *BUSAN)["response"]["body"]["items"]["item"]:
            if it["category"] == "PCP":
                seen.add(it["fcstValue"])
        b = next_short_range_issuance(b)
    assert {"강수없음", "1mm 미만"} <= seen
    assert any(v.endswith("mm") and "미만" not in v for v in seen)
    for v in seen:
        assert parse_precip_text(v) is not None


def test_short_range_base_hours_all_served() -> None:
    for h in SHORT_RANGE_BASE_HOURS:
        code, _ = payload_result(ss.vilage_fcst("20261126", f"{h:02d}00", *SEOUL))
        assert code == "00"

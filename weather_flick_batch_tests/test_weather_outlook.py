"""Daily outlook: horizon coverage, source attribution, aggregation rules, gap handling."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest

from weather_flick_batch.weather import sample_source as ss
from weather_flick_batch.weather.issuance import (
    KST,
    kma_base_params,
    kma_tmfc,
    latest_mid_range_issuance,
    latest_short_range_issuance,
    previous_short_range_issuance,
)
from weather_flick_batch.weather.outlook import (
    MID_RANGE_WET_DAY_MM,
    OUTLOOK_COLUMNS,
    REQUIRED_FIELDS,
    build_daily_outlook,
    mid_sky_cloud_pct,
)
from weather_flick_batch.weather.parsing import parse_mid_land, parse_mid_ta, parse_short_range

TODAY = date(2026, 11, 26)

POINTS = pd.DataFrame({
    "point_id": ["seoul", "busan", "jeju", "seoul-2"],
    "nx": [60, 98, 52, 60],  # seoul-2 shares Seoul's cell
    "ny": [127, 76, 38, 127],
    "mid_land_reg_id": ["11B00000", "11H20000", "11G00000", "11B00000"],
    "mid_ta_reg_id": ["11B10101", "11H20201", "11G00201", "11B10101"],
})


# ----------------------------------------------------------------------------- helpers


def _payload(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"response": {"header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
                         "body": {"dataType": "JSON", "pageNo": 1, "numOfRows": 1000,
                                  "totalCount": len(items), "items": {"item": items}}}}


def short_rows(base: datetime, hours: list[datetime], nx: int = 60, ny: int = 127,
               **values: Any) -> pd.DataFrame:
    """Parsed short-range rows with constant values (callables get the valid hour)."""
    defaults: dict[str, Any] = {"TMP": "10", "POP": "20", "PTY": "0", "PCP": "강수없음", "SKY": "1", "REH": "50",
                                "WSD": "2.0", "SNO": "적설없음"}
    defaults.update(values)
    items = []
    for h in hours:
        for cat, v in defaults.items():
            v = v(h) if callable(v) else v
            if v is None:
                continue
            items.append({"baseDate": base.strftime("%Y%m%d"), "baseTime": base.strftime("%H%M"), "category": cat,
                          "fcstDate": h.strftime("%Y%m%d"), "fcstTime": h.strftime("%H%M"), "fcstValue": v,
                          "nx": nx, "ny": ny})
    r = parse_short_range(_payload(items))
    assert r.items_malformed == 0
    return r.rows


def day_hours(d: date, start: int = 0, end: int = 23) -> list[datetime]:
    return [datetime(d.year, d.month, d.day, h, tzinfo=KST) for h in range(start, end + 1)]


def mid_rows(reg: str, tm: datetime, days: dict[int, dict[str, Any]]) -> pd.DataFrame:
    item: dict[str, Any] = {"regId": reg}
    for n, kv in days.items():
        item.update({k.format(n=n): v for k, v in kv.items()})
    return parse_mid_land(_payload([item]), reg, tm).rows


def ta_rows(reg: str, tm: datetime, days: dict[int, tuple[int, int]]) -> pd.DataFrame:
    item: dict[str, Any] = {"regId": reg}
    for n, (lo, hi) in days.items():
        item[f"taMin{n}"], item[f"taMax{n}"] = lo, hi
    return parse_mid_ta(_payload([item]), reg, tm).rows


ONE_POINT = POINTS.iloc[[0]].reset_index(drop=True)
BASE = datetime(2026, 11, 26, 5, tzinfo=KST)
TM = datetime(2026, 11, 26, 6, tzinfo=KST)


# ----------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def sample_outlook() -> pd.DataFrame:
    now = datetime(2026, 11, 26, 8, 30, tzinfo=KST)
    latest = latest_short_range_issuance(now)
    frames = []
    for base in (previous_short_range_issuance(latest), latest):
        for nx, ny in {(int(r.nx), int(r.ny)) for r in POINTS.itertuples()}:
            frames.append(parse_short_range(ss.vilage_fcst(**kma_base_params(base), nx=nx, ny=ny)).rows)
    tm = latest_mid_range_issuance(now)
    land = pd.concat([parse_mid_land(ss.mid_land_fcst(r, kma_tmfc(tm)), r, tm).rows
                      for r in POINTS["mid_land_reg_id"].unique()])
    ta = pd.concat([parse_mid_ta(ss.mid_ta(r, kma_tmfc(tm)), r, tm).rows for r in POINTS["mid_ta_reg_id"].unique()])
    return build_daily_outlook(pd.concat(frames), land, ta, POINTS, now.date())


def test_sample_outlook_covers_the_horizon_with_source_attribution(sample_outlook: pd.DataFrame) -> None:
    o = sample_outlook
    assert list(o.columns) == list(OUTLOOK_COLUMNS)
    assert len(o) == len(POINTS) * 10
    expected_dates = [TODAY + timedelta(days=k) for k in range(10)]
    for pid, g in o.groupby("point_id"):
        assert g["forecast_date"].tolist() == expected_dates, pid
        assert g["lead_days"].tolist() == list(range(10))
        # 08:00 issuance covers today..today+2; mid-range (days 3..10 of 06:00) beyond.
        assert g["source"].tolist() == ["short_range"] * 3 + ["mid_range"] * 7
    assert not o[list(REQUIRED_FIELDS)].isna().any().any()
    assert o.attrs["rows_dropped"] == 0
    short = o[o["source"] == "short_range"]
    assert not short.loc[short["lead_days"] == 0, "complete"].any()  # 00–05 h of today not covered
    assert short.loc[short["lead_days"] > 0, "complete"].all()
    mid = o[o["source"] == "mid_range"]
    assert mid["complete"].all()
    assert mid["filled_fields"].str.contains("wind_max_ms").all()  # persistence fill
    assert (short["filled_fields"] == "").all()
    assert (o["tmax_c"] >= o["tmin_c"]).all()
    assert o["cloud_pct"].between(10, 95).all() and o["pop_max_pct"].between(0, 100).all()
    # Shared cell: identical short-range days for seoul and seoul-2.
    a = o[o["point_id"] == "seoul"].drop(columns="point_id").reset_index(drop=True)
    b = o[o["point_id"] == "seoul-2"].drop(columns="point_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_output_dtypes(sample_outlook: pd.DataFrame) -> None:
    o = sample_outlook
    assert o["lead_days"].dtype == np.int64
    assert o["complete"].dtype == bool
    for c in ("tmax_c", "tmin_c", "rh_mean_pct", "cloud_pct", "pop_max_pct", "precip_mm", "wind_max_ms"):
        assert o[c].dtype == np.float64, c
    assert all(type(d) is date for d in o["forecast_date"])
    assert set(o["source"]) == {"short_range", "mid_range"}


def test_horizon_days_parameter_and_datetime_today(sample_outlook: pd.DataFrame) -> None:
    frames = []
    base = datetime(2026, 11, 26, 8, tzinfo=KST)
    frames.append(parse_short_range(ss.vilage_fcst(**kma_base_params(base), nx=60, ny=127)).rows)
    o = build_daily_outlook(pd.concat(frames), None, None, ONE_POINT, TODAY, horizon_days=2)
    assert o["forecast_date"].tolist() == [TODAY, TODAY + timedelta(days=1)]
    # An aware instant late on the 25th UTC is already the 26th in KST.
    o2 = build_daily_outlook(pd.concat(frames), None, None, ONE_POINT,
                             datetime(2026, 11, 25, 20, tzinfo=timezone.utc), horizon_days=2)
    pd.testing.assert_frame_equal(o, o2)
    with pytest.raises(ValueError):
        build_daily_outlook(None, None, None, ONE_POINT, TODAY, horizon_days=0)


# ----------------------------------------------------------------------------- rules


def test_short_range_daily_aggregation_rules() -> None:
    d = TODAY + timedelta(days=1)
    hours = day_hours(d)
    df = short_rows(
        BASE, hours,
        TMP=lambda h: str(h.hour - 5),  # -5 .. 18
        SKY=lambda h: "4" if 9 <= h.hour <= 13 else ("3" if 14 <= h.hour <= 18 else "1"),
        PCP=lambda h: {10: "1mm 미만", 11: "6.2mm", 12: "30.0~50.0mm"}.get(h.hour, "강수없음"),
        PTY=lambda h: "1" if h.hour in (10, 11, 12) else "0",
        POP=lambda h: "80" if h.hour in (10, 11, 12) else "10",
        WSD=lambda h: "7.5" if h.hour == 20 else "2.0",
        REH=lambda h: "40" if h.hour < 12 else "80",
        TMX=lambda h: "20.0" if h.hour == 15 else None,
        TMN=lambda h: "-4.0" if h.hour == 6 else None,
    )
    o = build_daily_outlook(df, None, None, ONE_POINT, TODAY)
    row = o.set_index("forecast_date").loc[d]
    assert row["source"] == "short_range" and bool(row["complete"])
    assert row["tmax_c"] == 20.0  # TMX above the hourly max (18)
    assert row["tmin_c"] == -5.0  # hourly min below TMN (-4)
    assert row["precip_mm"] == pytest.approx(0.5 + 6.2 + 40.0)
    assert row["pop_max_pct"] == 80.0
    assert row["wind_max_ms"] == 7.5
    assert row["rh_mean_pct"] == pytest.approx(60.0)
    # Daytime 09–18: five hours 95 %, five hours 70 % (the clear night does not count).
    assert row["cloud_pct"] == pytest.approx((5 * 95 + 5 * 70) / 10)
    assert row["lead_days"] == 1


def test_newest_issuance_wins_per_valid_hour() -> None:
    d = TODAY + timedelta(days=1)
    old = short_rows(BASE, day_hours(d), TMP="5")
    new_base = datetime(2026, 11, 26, 8, tzinfo=KST)
    new = short_rows(new_base, day_hours(d, 12, 23), TMP="15")
    o = build_daily_outlook(pd.concat([new, old]), None, None, ONE_POINT, TODAY)
    row = o.set_index("forecast_date").loc[d]
    assert row["tmax_c"] == 15.0 and row["tmin_c"] == 5.0  # morning from old, afternoon from new
    assert bool(row["complete"])


def test_mid_range_rules_and_expected_rain() -> None:
    days = {
        3: {"rnSt{n}Am": 20, "rnSt{n}Pm": 60, "wf{n}Am": "맑음", "wf{n}Pm": "흐리고 비"},
        8: {"rnSt{n}": 40, "wf{n}": "구름많음"},
    }
    land = mid_rows("11B00000", TM, days)
    ta = ta_rows("11B10101", TM, {3: (-3, 5), 8: (0, 9)})
    # One short-range day (wind 3 m/s, RH 50 %) for the persistence fill of mid-range wind.
    short = short_rows(BASE, day_hours(TODAY + timedelta(days=1)), WSD="3.0")
    o = build_daily_outlook(short, land, ta, ONE_POINT, TODAY).set_index("forecast_date")
    d1, d3, d8 = TODAY + timedelta(days=1), TODAY + timedelta(days=3), TODAY + timedelta(days=8)
    assert list(o.index) == [d1, d3, d8]  # days with no data are omitted, not NaN-filled
    assert o["source"].tolist() == ["short_range", "mid_range", "mid_range"]
    assert o.attrs["rows_dropped"] == 0
    assert o.loc[d3, "pop_max_pct"] == 60.0
    assert o.loc[d3, "precip_mm"] == pytest.approx(0.6 * MID_RANGE_WET_DAY_MM)
    assert o.loc[d3, "cloud_pct"] == pytest.approx((10 + 95) / 2)
    assert o.loc[d8, "cloud_pct"] == 70.0 and o.loc[d8, "precip_mm"] == pytest.approx(2.0)
    assert o.loc[d3, "tmin_c"] == -3.0 and o.loc[d3, "tmax_c"] == 5.0
    assert o.loc[d3, "wind_max_ms"] == 3.0 and o.loc[d8, "rh_mean_pct"] == 50.0  # persistence
    assert bool(o.loc[d3, "complete"]) and bool(o.loc[d8, "complete"])


def test_rows_without_wind_source_are_dropped_and_counted() -> None:
    land = mid_rows("11B00000", TM, {3: {"rnSt{n}Am": 20, "rnSt{n}Pm": 30, "wf{n}Am": "맑음", "wf{n}Pm": "맑음"}})
    ta = ta_rows("11B10101", TM, {3: (1, 9)})
    other_point = POINTS.iloc[[1]].assign(mid_land_reg_id="11B00000", mid_ta_reg_id="11B10101")
    short = short_rows(BASE, day_hours(TODAY + timedelta(days=1)), nx=98, ny=76, WSD="4.0")
    pts = pd.concat([ONE_POINT, other_point], ignore_index=True)
    o = build_daily_outlook(short, land, ta, pts, TODAY)
    # busan has short-range days to persist wind from; seoul (cell 60,127) has none.
    assert o.attrs["rows_dropped"] == 1
    assert o.attrs["rows_dropped_by_field"] == {"wind_max_ms": 1}
    busan = o[o["point_id"] == "busan"].set_index("forecast_date")
    d3 = TODAY + timedelta(days=3)
    assert busan.loc[d3, "wind_max_ms"] == 4.0
    assert busan.loc[d3, "filled_fields"] == "wind_max_ms,rh_mean_pct"
    assert "seoul" not in set(o["point_id"])
    assert not o[list(REQUIRED_FIELDS)].isna().any().any()


def test_source_choice_daytime_rule() -> None:
    d1 = TODAY + timedelta(days=3)
    # Short-range reaches only 00–05 h of d1 (no daytime hour): mid-range is used for d1.
    night = short_rows(BASE, day_hours(TODAY + timedelta(days=2)) + day_hours(d1, 0, 5), TMP="1", WSD="3.0")
    land = mid_rows("11B00000", TM, {3: {"rnSt{n}Am": 10, "rnSt{n}Pm": 10, "wf{n}Am": "맑음", "wf{n}Pm": "맑음"}})
    ta = ta_rows("11B10101", TM, {3: (2, 12)})
    o = build_daily_outlook(night, land, ta, ONE_POINT, TODAY).set_index("forecast_date")
    assert o.loc[d1, "source"] == "mid_range" and o.loc[d1, "tmax_c"] == 12.0
    # Same date with one daytime hour: short-range wins.
    day = short_rows(BASE, day_hours(TODAY + timedelta(days=2)) + day_hours(d1, 0, 9), TMP="1", WSD="3.0")
    o2 = build_daily_outlook(day, land, ta, ONE_POINT, TODAY).set_index("forecast_date")
    assert o2.loc[d1, "source"] == "short_range" and o2.loc[d1, "tmax_c"] == 1.0
    assert not bool(o2.loc[d1, "complete"])
    # Evening-only short-range data and no mid-range: still emitted as short_range, incomplete.
    eve = short_rows(BASE, day_hours(TODAY, 21, 23))
    o3 = build_daily_outlook(eve, None, None, ONE_POINT, TODAY)
    assert o3["source"].tolist() == ["short_range"] and not o3["complete"].any()


def test_missing_short_values_filled_from_mid_same_date() -> None:
    d3 = TODAY + timedelta(days=3)
    short = short_rows(BASE, day_hours(d3), POP=None)  # no POP at all that day
    land = mid_rows("11B00000", TM, {3: {"rnSt{n}Am": 30, "rnSt{n}Pm": 70, "wf{n}Am": "맑음", "wf{n}Pm": "맑음"}})
    o = build_daily_outlook(short, land, None, ONE_POINT, TODAY).set_index("forecast_date")
    assert o.loc[d3, "source"] == "short_range"
    assert o.loc[d3, "pop_max_pct"] == 70.0
    assert o.loc[d3, "filled_fields"] == "pop_max_pct"
    assert o.loc[d3, "precip_mm"] == 0.0  # short-range value kept, not replaced


def test_latest_mid_issuance_wins() -> None:
    older = TM - timedelta(hours=12)
    d4 = TODAY + timedelta(days=4)
    land_old = mid_rows("11B00000", older, {5: {"rnSt{n}Am": 90, "rnSt{n}Pm": 90, "wf{n}Am": "흐림", "wf{n}Pm": "흐림"}})
    land_new = mid_rows("11B00000", TM, {4: {"rnSt{n}Am": 10, "rnSt{n}Pm": 10, "wf{n}Am": "맑음", "wf{n}Pm": "맑음"}})
    ta = ta_rows("11B10101", TM, {4: (0, 10)})
    short = short_rows(BASE, day_hours(TODAY + timedelta(days=1)))
    o = build_daily_outlook(short, pd.concat([land_old, land_new]), ta, ONE_POINT, TODAY).set_index("forecast_date")
    assert o.loc[d4, "pop_max_pct"] == 10.0 and o.loc[d4, "cloud_pct"] == 10.0


def test_empty_inputs_give_an_empty_typed_frame() -> None:
    o = build_daily_outlook(None, None, None, ONE_POINT, TODAY)
    assert o.empty and list(o.columns) == list(OUTLOOK_COLUMNS)
    assert o.attrs["rows_dropped"] == 0
    with pytest.raises(ValueError, match="points_df is missing"):
        build_daily_outlook(None, None, None, ONE_POINT.drop(columns="nx"), TODAY)


@pytest.mark.parametrize(
    ("text", "pct"),
    [("맑음", 10.0), ("구름많음", 70.0), ("구름많고 비", 70.0), ("흐림", 95.0), ("흐리고 눈", 95.0), ("소나기", 95.0)],
)
def test_mid_sky_cloud_mapping(text: str, pct: float) -> None:
    assert mid_sky_cloud_pct(text) == pct


def test_mid_sky_cloud_mapping_unknown_is_nan() -> None:
    assert np.isnan(mid_sky_cloud_pct("안개")) and np.isnan(mid_sky_cloud_pct(None))


def test_warehouse_round_trip_types_are_accepted() -> None:
    # Dates read back as datetime64 and timestamps in UTC must give the same outlook.
    d3 = TODAY + timedelta(days=3)
    short = short_rows(BASE, day_hours(TODAY + timedelta(days=1)), WSD="3.0")
    land = mid_rows("11B00000", TM, {3: {"rnSt{n}Am": 30, "rnSt{n}Pm": 70, "wf{n}Am": "맑음", "wf{n}Pm": "맑음"}})
    ta = ta_rows("11B10101", TM, {3: (1, 9)})
    expected = build_daily_outlook(short, land, ta, ONE_POINT, TODAY)
    short_utc = short.assign(valid_time=short["valid_time"].dt.tz_convert("UTC"),
                             base_time=short["base_time"].dt.tz_convert("UTC"))
    land_ts = land.assign(forecast_date=pd.to_datetime(land["forecast_date"]))
    ta_ts = ta.assign(forecast_date=pd.to_datetime(ta["forecast_date"]))
    got = build_daily_outlook(short_utc, land_ts, ta_ts, ONE_POINT, TODAY)
    pd.testing.assert_frame_equal(got, expected)
    assert d3 in set(got["forecast_date"])
    with pytest.raises(ValueError, match="timezone-aware"):
        build_daily_outlook(short.assign(valid_time=short["valid_time"].dt.tz_localize(None)), None, None,
                            ONE_POINT, TODAY)

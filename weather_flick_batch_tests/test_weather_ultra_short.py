"""The KMA ultra-short forecast (getUltraSrtFcst): schedule, parsing, the next hours and today's outlook.

One end-to-end test through the live client against the local KMA-like server; the rest are pure.
"""

import random
from datetime import date, datetime, timedelta

import dagster as dg
import pandas as pd
import pytest

from weather_flick_batch import settings
from weather_flick_batch.core.timeutil import KST, now_kst
from weather_flick_batch.regions.assets import regions
from weather_flick_batch.definitions import build_resources
from weather_flick_batch.testing.fakes.http_fault_server import FaultPlan
from weather_flick_batch.testing.fakes.kma import kma_server
from weather_flick_batch.warehouse.warehouse import Warehouse
from weather_flick_batch.weather import assets as w
from weather_flick_batch.weather import issuance, parsing, sample_source
from weather_flick_batch.weather.next_hours import build_next_hours, condition_text, wind_text
from weather_flick_batch.weather.outlook import build_daily_outlook

GOOD_KEY = "ultra-short-key+/="


# -- schedule ------------------------------------------------------------------------------------
@pytest.mark.parametrize("at, expected", [
    ("2026-12-07 14:44", "2026-12-07 13:30"),  # HH:30 is not out before HH:45
    ("2026-12-07 14:45", "2026-12-07 14:30"),
    ("2026-12-08 00:10", "2026-12-07 23:30"),  # across midnight, in KST
])
def test_the_newest_ultra_short_issuance_is_the_hh30_published_by_hh45(at, expected):
    now = datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=KST)
    assert issuance.latest_ultra_short_issuance(now) == datetime.strptime(expected, "%Y-%m-%d %H:%M").replace(tzinfo=KST)


def test_partition_keys_round_trip_and_refuse_other_minutes():
    base = datetime(2026, 12, 7, 9, 30, tzinfo=KST)
    key = issuance.ultra_short_partition_key(base)
    assert key == "2026-12-07-09:30"
    assert issuance.ultra_short_base_from_partition_key(key) == base
    with pytest.raises(ValueError, match="not a ultra-short forecast base time|not an? ultra-short"):
        issuance.ultra_short_partition_key(datetime(2026, 12, 7, 9, 0, tzinfo=KST))
    assert w.ultra_short_forecast.partitions_def.get_partition_key_for_timestamp(base.timestamp()) == key


# -- parsing -------------------------------------------------------------------------------------
def test_parsing_pivots_category_major_items_and_reads_rn1_text():
    payload = sample_source.ultra_srt_fcst("20261207", "1430", 60, 127)
    items = payload["response"]["body"]["items"]["item"]
    assert len(items) == 60 and items[0]["category"] == items[5]["category"]  # category-major, as KMA sends
    rows = parsing.parse_ultra_short_forecast(payload).rows
    assert list(rows["valid_time"].dt.hour) == [15, 16, 17, 18, 19, 20]
    assert list(rows["lead_hours"]) == [0, 1, 2, 3, 4, 5]  # whole hours after 14:30

    shuffled = {"response": {**payload["response"], "body": {**payload["response"]["body"],
                                                             "items": {"item": random.Random(7).sample(items, 60)}}}}
    pd.testing.assert_frame_equal(parsing.parse_ultra_short_forecast(shuffled).rows, rows)

    for item in items:
        if item["category"] == "RN1":
            item["fcstValue"] = {"15": "강수없음", "16": "1mm 미만", "17": "2.5mm", "18": "30.0~50.0mm",
                                 "19": "50.0mm 이상", "20": "-"}[item["fcstTime"][:2]]
    rn1 = parsing.parse_ultra_short_forecast(payload).rows["rn1_mm"].tolist()
    assert rn1[0] == 0.0 and 0 < rn1[1] < 1 and rn1[2] == 2.5 and 30 <= rn1[3] <= 50 and rn1[4] >= 50
    assert rn1[5] == 0.0  # "-" means no rain


def test_condition_and_wind_in_kma_words():
    assert condition_text(0, 1) == "맑음" and condition_text(1, 4) == "비" and condition_text(7, 3) == "눈날림"
    assert condition_text(pd.NA, pd.NA) is None
    assert [wind_text(v) for v in (0.5, 4.0, 8.9, 9.0)] == ["약한 바람", "약간 강한 바람", "약간 강한 바람", "강한 바람"]


# -- today's outlook -----------------------------------------------------------------------------
def _hourly(base: datetime, hours: int, **values) -> pd.DataFrame:
    times = [base.replace(minute=0) + timedelta(hours=k) for k in range(1, hours + 1)]
    return pd.DataFrame({"nx": 60, "ny": 127, "base_time": base, "valid_time": times, **values})


POINTS = pd.DataFrame({"point_id": ["60_127"], "nx": [60], "ny": [127], "mid_land_reg_id": ["11B00000"],
                       "mid_ta_reg_id": ["11B10101"]})


def test_the_next_hours_replace_todays_short_range_hours_and_raise_pop_where_it_rains():
    today = date(2026, 12, 7)
    short_base = datetime(2026, 12, 6, 23, 0, tzinfo=KST)
    short = _hourly(short_base, 48, tmp_c=5.0, tmn_c=None, tmx_c=None, reh_pct=50.0, sky_code=1, pop_pct=10.0,
                    pcp_mm=0.0, wsd_ms=2.0)
    ultra = _hourly(datetime(2026, 12, 7, 13, 30, tzinfo=KST), 6, t1h_c=12.0, reh_pct=90.0, sky_code=4,
                    pty_code=[1, 1, 0, 0, 0, 0], rn1_mm=[2.0, 1.0, 0, 0, 0, 0], wsd_ms=3.0)
    without = build_daily_outlook(short, None, None, POINTS, today, horizon_days=2)
    with_ultra = build_daily_outlook(short, None, None, POINTS, today, horizon_days=2, ultra_df=ultra)
    t0, u0 = without.iloc[0], with_ultra.iloc[0]
    assert (t0.tmax_c, t0.pop_max_pct, t0.precip_mm, t0.ultra_short_hours) == (5.0, 10.0, 0.0, 0)
    assert (u0.tmax_c, u0.pop_max_pct, u0.precip_mm, u0.ultra_short_hours) == (12.0, 100.0, 3.0, 6)
    assert with_ultra.iloc[1].tmax_c == 5.0 and with_ultra.iloc[1].ultra_short_hours == 0  # tomorrow untouched

    stale = ultra.assign(base_time=datetime(2026, 12, 6, 22, 30, tzinfo=KST))  # older than the short range
    assert build_daily_outlook(short, None, None, POINTS, today, horizon_days=2,
                               ultra_df=stale).iloc[0].ultra_short_hours == 0


def test_next_hours_keep_only_the_hours_ahead():
    ultra = parsing.parse_ultra_short_forecast(sample_source.ultra_srt_fcst("20261207", "1430", 60, 127)).rows
    rows = build_next_hours(ultra, POINTS, datetime(2026, 12, 7, 16, 20, tzinfo=KST))
    assert list(rows["valid_time"].dt.hour) == [16, 17, 18, 19, 20]
    assert list(rows["lead_hours"]) == [0, 1, 2, 3, 4]
    assert rows["condition"].notna().all() and rows["wind_text"].notna().all()


# -- end to end: the live client against a local KMA-like server ----------------------------------
def test_live_ultra_short_and_next_hours_pass_their_checks(monkeypatch):
    with kma_server(FaultPlan(valid_keys={GOOD_KEY}, transient_rate=0.3, seed=3, timeout_sleep_s=0.6)) as server:
        monkeypatch.setenv("WEATHER_FLICK_KMA_MODE", "live")
        monkeypatch.setenv("WEATHER_FLICK_KMA_BASE_URL", server.base_url.rstrip("/"))
        monkeypatch.setenv("WEATHER_FLICK_KMA_API_KEYS", GOOD_KEY)
        monkeypatch.setenv("WEATHER_FLICK_HTTP_BACKOFF_S", "0.01")
        monkeypatch.setenv("WEATHER_FLICK_HTTP_TIMEOUT_S", "0.4")
        resources = build_resources()
        assert dg.materialize([regions, w.forecast_points], resources=resources).success
        key = issuance.ultra_short_partition_key(issuance.latest_ultra_short_issuance(now_kst()))
        result = dg.materialize([w.ultra_short_forecast, w.next_hours], partition_key=key, resources=resources,
                                selection=[w.ULTRA_SHORT_KEY, w.NEXT_HOURS_KEY])
        assert result.success
        assert all(e.passed for e in result.get_asset_check_evaluations())
        assert server.request_count("VilageFcstInfoService_2.0/getUltraSrtFcst") >= 17
    wh = Warehouse(settings.warehouse_url())
    ultra = wh.read_table("weather_ultra_short")
    assert len(ultra) == 17 * 6 and not ultra["simulated"].any()
    hours = wh.read_table("weather_next_hours")
    assert hours["point_id"].nunique() == 17 and hours["lead_hours"].between(0, 6).all()
    assert set(hours["condition"]) <= {"맑음", "구름많음", "흐림", "비", "비/눈", "눈", "빗방울", "빗방울눈날림", "눈날림"}

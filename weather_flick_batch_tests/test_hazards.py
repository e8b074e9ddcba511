"""Weather warnings and fine dust in recommendations and trip notices.

Pure rules first (caps, penalties, reasons, the day's dust grade), then one end-to-end test on a copy
of the embedded pipeline: a 태풍경보 injected into the warnings in force caps today's outdoor scores,
drops them from the top lists, and becomes one critical notice per affected trip.
"""

import json
from datetime import date, timedelta

import dagster as dg
import pandas as pd
import pytest

from weather_flick_batch import settings
from weather_flick_batch.air_quality.daily import daily_grades
from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.recommendations.hazards import ADVISORY_PENALTY, WARNING_CAP, apply_hazards
from weather_flick_batch.recommendations.scoring import grades_for
from weather_flick_batch.trips import changes
from weather_flick_batch.warehouse import schema
from weather_flick_batch.warehouse.warehouse import Warehouse

TODAY = date(2026, 12, 7)


def _scores(**overrides) -> pd.DataFrame:
    """Four places in Busan: outdoor (12) and indoor (14) in Haeundae (16), outdoor in Jung-gu (1), and an
    outdoor one on the coast of Haeundae; each today and tomorrow, all scoring 80."""
    rows = []
    for content_id, ct, sigungu in (("out", 12, 16), ("in", 14, 16), ("other", 12, 1), ("coast", 12, 16)):
        for lead in (0, 1):
            rows.append({"content_id": content_id, "content_type_id": ct, "region_code": 6, "sigungu_code": sigungu,
                         "forecast_date": TODAY + timedelta(days=lead), "lead_days": lead, "score": 80.0,
                         "grade": "excellent", "grade_rank": 5, "reasons": '["sunny"]'})
    frame = pd.DataFrame(rows)
    for key, value in overrides.items():
        frame[key] = value
    return frame


def _warning(kind, level, rank, effect, applies_to="outdoor", sigungu=16, scope="district"):
    return {"region_code": 6, "sigungu_code": sigungu, "scope": scope, "kind": kind, "level": level,
            "level_rank": rank, "applies_to": applies_to, "outdoor_effect": effect}


def _row(frame, content_id, lead=0):
    return frame[(frame["content_id"] == content_id) & (frame["lead_days"] == lead)].iloc[0]


def test_a_warning_caps_outdoor_places_today_and_every_place_under_it_carries_the_reason():
    warnings = pd.DataFrame([_warning("대설", "경보", 2, "cap"), _warning("건조", "주의보", 1, "none", "none")])
    scores = _scores()
    out = apply_hazards(scores, warnings, None, coastal=pd.Series([False] * len(scores)))
    outdoor, indoor, elsewhere = _row(out, "out"), _row(out, "in"), _row(out, "other")
    assert outdoor.score == WARNING_CAP and outdoor.warning_level == 2
    assert outdoor.grade == grades_for([WARNING_CAP])[0][0] != "excellent"
    assert json.loads(outdoor.reasons) == ["sunny", "weather warning: 대설경보, 건조주의보"]
    assert indoor.score == 80.0 and indoor.warning_level == 0 and indoor.warning == "대설경보, 건조주의보"
    assert elsewhere.score == 80.0 and pd.isna(elsewhere.warning)  # another district
    assert _row(out, "out", lead=1).score == 80.0  # warnings are what is in force now: today only


def test_warnings_apply_to_todays_date_even_when_the_outlook_still_calls_yesterday_lead_0():
    """Just after midnight the outlook (rebuilt at 02:15) still has yesterday as lead 0."""
    warnings = pd.DataFrame([_warning("대설", "경보", 2, "cap")])
    out = apply_hazards(_scores(), warnings, None, today=TODAY + timedelta(days=1))
    assert _row(out, "out", lead=0).score == 80.0  # yesterday's row
    assert _row(out, "out", lead=1).score == WARNING_CAP  # today's


def test_fingerprints_change_with_what_the_hazards_do_not_with_when_they_were_read():
    from weather_flick_batch.air_quality.daily import dust_fingerprint
    from weather_flick_batch.weather_warnings.parsing import warnings_fingerprint

    areas = pd.DataFrame([_warning("대설", "경보", 2, "cap"), _warning("건조", "주의보", 1, "none", "none")])
    reread = areas.iloc[::-1].assign(issued_at=pd.Timestamp("2026-12-07 10:00", tz="Asia/Seoul"))
    assert warnings_fingerprint(reread) == warnings_fingerprint(areas)
    assert warnings_fingerprint(areas.iloc[:1]) != warnings_fingerprint(areas)
    grades = pd.DataFrame({"region_code": [6, 6], "sigungu_code": [0, 16], "forecast_date": [TODAY, TODAY],
                           "grade_code": [1, 3]})
    assert dust_fingerprint(grades.assign(grade_code=[2, 3])) == dust_fingerprint(grades)  # 좋음 -> 보통: no rescore
    assert dust_fingerprint(grades.assign(grade_code=[1, 4])) != dust_fingerprint(grades)


def test_an_advisory_lowers_and_a_province_wide_zone_reaches_every_district():
    warnings = pd.DataFrame([_warning("강풍", "주의보", 1, "lower", sigungu=pd.NA, scope="province")])
    out = apply_hazards(_scores(), warnings, None)
    assert _row(out, "out").score == 80.0 - ADVISORY_PENALTY and _row(out, "out").warning_level == 1
    assert _row(out, "other").score == 80.0 - ADVISORY_PENALTY
    assert _row(out, "in").score == 80.0


def test_a_sea_zone_concerns_only_the_coast():
    warnings = pd.DataFrame([_warning("풍랑", "경보", 2, "cap", applies_to="coastal", sigungu=pd.NA, scope="coast")])
    scores = _scores()
    coastal = scores["content_id"] == "coast"
    out = apply_hazards(scores, warnings, None, coastal=coastal)
    assert _row(out, "coast").score == WARNING_CAP
    assert _row(out, "out").score == 80.0 and pd.isna(_row(out, "out").warning)


def test_fine_dust_lowers_outdoor_days_with_the_district_grade_before_the_province_one():
    dust = pd.DataFrame([
        {"region_code": 6, "sigungu_code": pd.NA, "forecast_date": TODAY, "grade_code": 3},
        {"region_code": 6, "sigungu_code": 16, "forecast_date": TODAY, "grade_code": 4},
        {"region_code": 6, "sigungu_code": pd.NA, "forecast_date": TODAY + timedelta(days=1), "grade_code": 2},
    ])
    out = apply_hazards(_scores(), None, dust)
    assert _row(out, "out").score == 60.0 and _row(out, "out").dust_grade == "매우나쁨"  # district: -20
    assert _row(out, "other").score == 70.0 and _row(out, "other").dust_grade == "나쁨"  # province: -10
    assert json.loads(_row(out, "other").reasons)[-1] == "fine dust 나쁨"
    assert _row(out, "in").score == 80.0 and _row(out, "in").dust_grade == "매우나쁨"
    assert _row(out, "out", lead=1).score == 80.0 and _row(out, "out", lead=1).dust_grade == "보통"


def test_nothing_in_force_changes_nothing():
    scores = _scores()
    out = apply_hazards(scores, pd.DataFrame(columns=["region_code", "sigungu_code", "scope", "kind", "level",
                                                       "level_rank", "applies_to", "outdoor_effect"]), None)
    pd.testing.assert_frame_equal(out[scores.columns], scores)
    assert (out["warning_level"] == 0).all() and out["warning"].isna().all()


def test_the_days_dust_grade_is_the_worse_of_forecast_and_measurement():
    ts = pd.Timestamp("2026-12-07 05:00", tz="Asia/Seoul")
    forecast = pd.DataFrame({
        "issued_at": [ts] * 4, "inform_code": ["PM10", "PM25", "PM10", "PM25"],
        "inform_date": [TODAY, TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=1)],
        "forecast_region": ["부산"] * 4, "grade": ["보통", "보통", "나쁨", "보통"], "grade_code": [2, 2, 3, 2]})
    measured = pd.DataFrame({
        "region_code": [6, 6], "sigungu_code": pd.array([pd.NA, 16], dtype="Int64"),
        "data_time": [ts, ts], "stations": [5, 1], "pm10_1h_mean": [20.0, 160.0], "pm25_1h_mean": [10.0, 90.0],
        "pm_grade_1h_worst": pd.array([3, 4], dtype="Int64"), "khai_max": [50.0, 300.0]})
    grades = daily_grades(forecast, measured, TODAY).set_index(["region_code", "sigungu_code", "forecast_date"])
    province_today = grades.loc[(6, 0, TODAY)]
    # The province's measured grade is that of its mean values (좋음), not its worst station's (나쁨).
    assert (province_today.forecast_grade_code, province_today.measured_grade_code, province_today.grade) == (2, 1, "보통")
    district_today = grades.loc[(6, 16, TODAY)]
    assert (district_today.forecast_grade_code, district_today.grade, district_today.basis) == (2, "매우나쁨", "measured")
    assert grades.loc[(6, 0, TODAY + timedelta(days=1))].grade == "나쁨"


def test_a_new_warning_is_critical_and_a_dry_air_advisory_is_info():
    told = changes.compare_warnings("건조주의보", "호우경보, 건조주의보, 열대야주의보", day=1, when=TODAY, place="해운대")
    assert [(c.new, c.severity) for c in told] == [("호우경보", "critical"), ("열대야주의보", "info")]
    assert "호우경보" in told[0].text and "해운대" in told[0].text
    assert changes.compare_warnings("호우경보", "호우경보", day=1, when=TODAY, place="x") == []
    assert changes.compare_warnings("호우경보", "호우주의보", day=1, when=TODAY, place="x") == []  # downgraded
    upgraded = changes.compare_warnings("호우주의보", "호우경보", day=1, when=TODAY, place="x")
    assert [(c.new, c.severity) for c in upgraded] == [("호우경보", "critical")]


# -- end to end on a copy of the embedded pipeline -------------------------------------------------
def test_an_injected_typhoon_warning_caps_scores_leaves_top_lists_and_tells_each_trip_once(embedded_copy):
    from weather_flick_batch.definitions import build_definitions

    wh = Warehouse(settings.warehouse_url())
    today = now_kst().date()
    stops = wh.read_table(schema.trip_forecasts)
    soon = stops[stops["forecast_date"].isin([today, today + timedelta(days=1)]) & stops["region_code"].notna()]
    if soon.empty:
        pytest.skip("the seeded trips have no stop today or tomorrow")
    region = int(soon["region_code"].mode().iloc[0])
    affected_plans = set(soon.loc[soon["region_code"] == region, "plan_id"])
    areas = wh.read_table(schema.weather_warning_areas)
    injected = pd.DataFrame([{
        "region_code": region, "sigungu_code": 0, "scope": "province", "area_name": "테스트구역", "kind": "태풍",
        "level": "경보", "level_rank": 2, "applies_to": "outdoor", "outdoor_effect": "cap", "coverage": "whole",
        "issued_at": now_kst(), "simulated": True, "loaded_at": now_kst()}])
    wh.replace_rows(schema.weather_warning_areas, pd.concat([areas, injected], ignore_index=True))
    notified_before = set(wh.read_table(schema.trip_notices)["plan_id"])

    defs = build_definitions()
    with dg.DagsterInstance.get() as instance:
        for job in ("refresh_derived", "trip_notices_job"):
            assert defs.resolve_job_def(job).execute_in_process(instance=instance).success

    scores = wh.read_table(schema.destination_weather_scores, {"region_code": region})
    today_scores = scores[scores["lead_days"] == 0]
    capped = today_scores[today_scores["warning_level"] == 2]
    assert len(capped) and (capped["score"] <= WARNING_CAP).all()
    # The warning's reason is among each capped score's reasons (fine dust in force that day adds its own after it).
    assert all(any("태풍경보" in reason for reason in json.loads(r)) for r in capped["reasons"])
    top = wh.read_table(schema.regional_recommendations, {"region_code": region})
    assert not set(top[top["forecast_date"] == today]["content_id"]) & set(capped["content_id"])

    notices = wh.read_table(schema.trip_notices)
    new = notices[~notices["plan_id"].isin(notified_before)]
    told = set(new["plan_id"])
    assert told and told <= affected_plans
    assert new["plan_id"].is_unique  # one notice per trip
    assert (new["severity"] == "critical").all()


def test_the_docs_show_the_worked_examples_as_the_code_computes_them():
    from pathlib import Path

    from weather_flick_batch.recommendations.hazards import hazard_examples_table

    docs = (Path(__file__).resolve().parents[1] / "docs" / "scoring.md").read_text()
    assert hazard_examples_table() in docs


def test_live_warnings_and_fine_dust_assets_pass_their_checks_through_local_servers(monkeypatch):
    """The four assets in live mode against servers that answer like KMA and AirKorea, with transient faults."""
    from weather_flick_batch.air_quality import assets as air
    from weather_flick_batch.air_quality import issuance as dust_issuance
    from weather_flick_batch.definitions import build_resources
    from weather_flick_batch.testing.fakes.airkorea import airkorea_server
    from weather_flick_batch.testing.fakes.http_fault_server import FaultPlan
    from weather_flick_batch.testing.fakes.kma_warnings import kma_warnings_server
    from weather_flick_batch.weather_warnings import assets as warn

    key = "live-key/+="
    with kma_warnings_server(FaultPlan(valid_keys={key}, transient_rate=0.2, seed=2, timeout_sleep_s=0.6),
                             clock=now_kst) as kma, \
            airkorea_server(FaultPlan(valid_keys={key}, transient_rate=0.2, seed=4, timeout_sleep_s=0.6)) as ak:
        for name, value in {"WEATHER_FLICK_KMA_MODE": "live", "WEATHER_FLICK_KMA_BASE_URL": kma.base_url.rstrip("/"),
                            "WEATHER_FLICK_KMA_API_KEYS": key, "WEATHER_FLICK_AIRKOREA_MODE": "live",
                            "WEATHER_FLICK_AIRKOREA_BASE_URL": ak.base_url.rstrip("/"),
                            "WEATHER_FLICK_AIRKOREA_API_KEYS": key, "WEATHER_FLICK_HTTP_TIMEOUT_S": "0.4",
                            "WEATHER_FLICK_HTTP_BACKOFF_S": "0.01"}.items():
            monkeypatch.setenv(name, value)
        resources = build_resources()
        assert dg.materialize([warn.warning_zones, warn.warnings], resources=resources).success
        dust_key = dust_issuance.partition_key(dust_issuance.latest_issuance(now_kst()))
        result = dg.materialize([air.dust_forecast, air.dust_measurements, air.dust_grades], resources=resources,
                                partition_key=dust_key)
        assert result.success
        assert all(e.passed for e in result.get_asset_check_evaluations())
    wh = Warehouse(settings.warehouse_url())
    in_force = wh.read_table(schema.weather_warnings)
    assert len(in_force) and not in_force["simulated"].any()
    assert set(wh.read_table(schema.weather_warning_areas)["area_name"]) <= set(in_force["area_name"])
    grades = wh.read_table(schema.air_dust_grades)
    assert set(grades.loc[grades["sigungu_code"] == 0, "region_code"]) >= {1, 6, 39}
    assert not grades["simulated"].any() and grades["grade"].isin(["좋음", "보통", "나쁨", "매우나쁨"]).all()


def test_scores_follow_a_change_in_the_warnings_not_every_refresh(embedded_copy, monkeypatch):
    """The warnings refresh every 10 minutes; the country is rescored only when what is in force changes."""
    from weather_flick_batch.definitions import build_definitions
    from weather_flick_batch.weather_warnings import client

    defs = build_definitions()
    scores_key = dg.AssetKey(["recommendations", "destination_weather_scores"])
    warnings_job = defs.resolve_job_def("weather_warnings_job")
    with dg.DagsterInstance.get() as instance:
        assert warnings_job.execute_in_process(instance=instance).success
        settled = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        for _ in range(2):  # let the first evaluation's requests count as handled
            settled = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=settled.cursor)

        assert warnings_job.execute_in_process(instance=instance).success  # the same warnings, read again
        same = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=settled.cursor)
        assert same.get_num_requested(scores_key) == 0

        real = client.warnings_in_force

        def one_lifted(*args, **kwargs):
            result = real(*args, **kwargs)
            land = result.frame.index[result.frame["in_effect"].astype(bool) & ~result.frame["is_sea"].astype(bool)]
            result.frame = result.frame.drop(index=land[:1])  # a land warning lifted
            return result

        monkeypatch.setattr(client, "warnings_in_force", one_lifted)
        assert warnings_job.execute_in_process(instance=instance).success
        changed = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=same.cursor)
        assert changed.get_num_requested(scores_key) == 1

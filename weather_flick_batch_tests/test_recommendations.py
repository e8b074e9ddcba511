"""Recommendations and analytics: pure transforms, the assets on the embedded pipeline, automation."""

from datetime import date

import dagster as dg
import pandas as pd
import pytest

from weather_flick_batch import settings
from weather_flick_batch.analytics.compute import forecast_verification, score_distribution
from weather_flick_batch.definitions import build_definitions
from weather_flick_batch.pipeline import run_pipeline
from weather_flick_batch.recommendations.transform import scoring_input
from weather_flick_batch.warehouse import schema
from weather_flick_batch.warehouse.warehouse import Warehouse


@pytest.fixture(scope="module")
def pipeline_warehouse(embedded_pipeline):
    """The whole graph once on embedded defaults (shared with the suite); tests only read what it produced."""
    home, result = embedded_pipeline
    return Warehouse(f"sqlite:///{home / 'wf' / 'warehouse.sqlite'}"), result


def test_every_active_destination_is_scored_for_ten_days(pipeline_warehouse):
    wh, _ = pipeline_warehouse
    scores = wh.read_table(schema.destination_weather_scores)
    active = wh.read_table(schema.destinations, {"is_active": True})
    assert set(scores["content_id"]) == set(active["content_id"])
    assert (scores.groupby("content_id")["forecast_date"].nunique() == 10).all()
    assert scores["score"].between(0, 100).all() and scores["score"].notna().all()
    assert scores["reasons"].str.startswith("[").all()


def test_indoor_places_vary_less_with_weather_than_outdoor_ones(pipeline_warehouse):
    wh, _ = pipeline_warehouse
    scores = wh.read_table(schema.destination_weather_scores)
    spread = scores.groupby("content_type_id")["score"].std()
    assert spread[14] < spread[12] and spread[39] < spread[12]


def test_top_lists_rank_by_score_and_respect_n(pipeline_warehouse):
    wh, _ = pipeline_warehouse
    top = wh.read_table(schema.regional_recommendations)
    n = settings.get("WEATHER_FLICK_TOP_N")
    sizes = top.groupby(["region_code", "sigungu_code", "forecast_date", "content_type_id"]).size()
    assert sizes.max() <= n
    for _, group in top.groupby(["region_code", "sigungu_code", "forecast_date", "content_type_id"]):
        ranked = group.sort_values("rank")
        assert ranked["score"].is_monotonic_decreasing
        assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert set(top["level"]) == {"province", "district"}
    # Written by INSERT ... SELECT with one bound timestamp: aware, one value, just now.
    assert top["as_of"].nunique() == 1 and str(top["as_of"].dt.tz) == "Asia/Seoul"
    assert abs(pd.Timestamp.now(tz="Asia/Seoul") - top["as_of"].iloc[0]) < pd.Timedelta(hours=1)
    assert top["title"].notna().all()


def test_analytics_tables_are_consistent(pipeline_warehouse):
    wh, result = pipeline_warehouse
    dist = wh.read_table(schema.analytics_score_distribution)
    assert (dist.groupby("region_code")["is_best_day"].sum() == 1).all()
    assert dist["share_good_or_better"].between(0, 1).all()
    summary = wh.read_table(schema.analytics_region_weather)
    assert summary.groupby("region_code")["forecast_date"].nunique().min() == 10
    verification = wh.read_table(schema.analytics_forecast_verification)
    assert len(verification) > 0 and (verification["temp_mae_c"] >= 0).all()
    meta = result.materializations["recommendations/destination_weather_scores"]
    assert 0 < meta["mean_score"] <= 100 and 0 <= meta["share_good_or_better"] <= 1
    assert "| region_code |" in meta["top_today_per_region"]


def _top_n_oracle(scores: pd.DataFrame, titles: dict, n: int) -> pd.DataFrame:
    """The top-list rule written plainly in pandas: sort by score (ties: content_id), keep n per group."""
    out = []
    for level, keys in (("province", ["region_code"]), ("district", ["region_code", "sigungu_code"])):
        frame = scores if level == "province" else scores[scores["sigungu_code"].notna()]
        frame = frame.sort_values(["score", "content_id"], ascending=[False, True])
        group = keys + ["forecast_date", "content_type_id"]
        frame = frame.assign(rank=frame.groupby(group).cumcount() + 1, level=level)
        frame = frame[frame["rank"] <= n]
        if level == "province":
            frame = frame.assign(sigungu_code=0)
        out.append(frame)
    top = pd.concat(out).assign(title=lambda f: f["content_id"].map(titles))
    return top[["region_code", "sigungu_code", "forecast_date", "content_type_id", "rank", "level", "content_id",
                "title", "score", "grade", "simulated"]]


def test_top_n_is_ranked_in_the_database_like_the_plain_rule(warehouse):
    """Ranking happens in SQL (ROW_NUMBER) on SQLite and PostgreSQL; it must agree with the plain rule."""
    import numpy as np

    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.recommendations.transform import top_n_query

    rng = np.random.default_rng(7)
    ids = [f"{100000 + i}" for i in range(300)]
    days = [date(2026, 11, 27), date(2026, 11, 28)]
    scores = pd.DataFrame([
        {"content_id": cid, "forecast_date": day, "lead_days": d, "content_type_id": int(rng.choice([12, 39])),
         "region_code": int(rng.choice([1, 6])), "sigungu_code": (None if i % 7 == 0 else int(rng.integers(1, 4))),
         "point_id": "60_127", "profile": "urban",
         # Rounded to a few values so ties are common: the tie rule (content_id) decides many ranks.
         "score": float(rng.choice([55.0, 70.0, 70.0, 85.0])), "grade": "good", "grade_rank": 3,
         "confidence": 0.9, "reasons": "[]", "tc_rating": 5.0, "a_rating": 5.0, "p_rating": 5.0, "w_rating": 5.0,
         "source": "short_range", "simulated": True, "as_of": now_kst()}
        for i, cid in enumerate(ids) for d, day in enumerate(days)])
    # Titles come from active destinations only (an inactive one keeps no title).
    titles = {cid: f"Place {cid}" for cid in ids[:-5]}
    destinations = pd.DataFrame({
        "content_id": ids, "content_type_id": 12, "title": [f"Place {cid}" for cid in ids], "region_code": 1,
        "latitude": 37.5, "longitude": 127.0, "is_active": [cid in titles for cid in ids],
        "first_seen_at": now_kst(), "last_synced_at": now_kst(), "simulated": True})
    warehouse.replace_rows(schema.destinations, destinations)
    warehouse.replace_rows(schema.destination_weather_scores, scores)

    got = warehouse.read_select(top_n_query(3)).drop(columns=["reasons"])
    expected = _top_n_oracle(scores, titles, 3)
    key = ["level", "region_code", "sigungu_code", "forecast_date", "content_type_id", "rank"]
    got = got.sort_values(key).reset_index(drop=True)
    expected = expected.sort_values(key).reset_index(drop=True)[list(got.columns)]
    assert len(got) > 0 and set(got["level"]) == {"province", "district"}
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_mid_range_rain_is_scored_as_probability_times_a_wet_day():
    destinations = pd.DataFrame({"content_id": ["x"], "content_type_id": [12], "region_code": [1],
                                 "sigungu_code": [1], "cat2": ["A0101"], "cat3": ["A01011200"], "is_active": [True]})
    cells = pd.DataFrame({"content_id": ["x"], "point_id": ["60_127"]})
    outlook = pd.DataFrame({"point_id": ["60_127"] * 2, "forecast_date": [date(2026, 12, 1), date(2026, 12, 2)],
                            "lead_days": [5, 5], "tmax_c": [10.0] * 2, "tmin_c": [2.0] * 2,
                            "rh_mean_pct": [60.0] * 2, "cloud_pct": [50.0] * 2, "pop_max_pct": [60.0] * 2,
                            "precip_mm": [3.0, 3.0], "wind_max_ms": [3.0] * 2,
                            "source": ["mid_range", "short_range"]})
    frame = scoring_input(destinations, cells, outlook)
    assert list(frame["precip_mm"]) == [5.0, 3.0]
    assert bool(frame["coastal"].iloc[0])


def test_score_distribution_and_verification_pure():
    scores = pd.DataFrame({"region_code": [1, 1, 1, 1], "forecast_date": [date(2026, 12, 1)] * 2 + [date(2026, 12, 2)] * 2,
                           "score": [80.0, 60.0, 40.0, 50.0], "grade_rank": [5, 3, 1, 2]})
    dist = score_distribution(scores)
    assert list(dist["is_best_day"]) == [True, False]
    assert list(dist["share_good_or_better"]) == [1.0, 0.0]
    t = pd.Timestamp("2026-12-01 12:00", tz="Asia/Seoul")
    forecasts = pd.DataFrame({"nx": [60, 60], "ny": [127, 127], "valid_time": [t, t + pd.Timedelta(hours=30)],
                              "base_time": [t - pd.Timedelta(hours=2)] * 2, "tmp_c": [10.0, 5.0],
                              "pcp_mm": [0.0, 2.0], "pty_code": [0, 1]})
    observed = pd.DataFrame({"nx": [60, 60], "ny": [127, 127], "partition_hour": [t, t + pd.Timedelta(hours=30)],
                             "t1h_c": [12.0, 5.5], "rn1_mm": [0.0, 1.0], "pty_code": [0, 1]})
    points = pd.DataFrame({"nx": [60], "ny": [127], "region_code": [1]})
    out = forecast_verification(forecasts, observed, points).set_index("lead_day")
    assert out.loc[0, "temp_mae_c"] == 2.0 and out.loc[1, "temp_mae_c"] == 0.5
    assert out.loc[1, "rain_hit_rate"] == 1.0 and pd.isna(out.loc[0, "rain_hit_rate"])


def test_recommendations_follow_a_new_forecast_automatically(embedded_copy):
    """After a new short-range issuance lands, automation requests the outlook, then scores and lists."""
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.weather.issuance import (
        latest_short_range_issuance,
        previous_short_range_issuance,
        short_range_partition_key,
    )

    defs = build_definitions()
    sensor = defs.resolve_sensor_def("recommendations_automation")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    with dg.DagsterInstance.get() as instance:  # the embedded pipeline's instance, a private copy
        settled = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        settled = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=settled.cursor)
        assert settled.get_num_requested(dg.AssetKey(["weather", "daily_outlook"])) == 0, "nothing new to do"

        older = previous_short_range_issuance(latest_short_range_issuance(now_kst()))
        defs.resolve_job_def("weather_short_range_job").execute_in_process(
            instance=instance, partition_key=short_range_partition_key(older))
        after = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=settled.cursor)
        assert after.get_num_requested(dg.AssetKey(["weather", "daily_outlook"])) == 1


def test_destinations_outside_the_capped_points_use_the_nearest_point():
    from weather_flick_batch.recommendations.transform import nearest_forecast_points

    cells = pd.DataFrame({"content_id": ["a", "b", "c"], "nx": [60, 70, 98], "ny": [127, 120, 77],
                          "point_id": ["60_127", "70_120", "98_77"]})
    points = pd.DataFrame({"point_id": ["60_127", "98_76"], "nx": [60, 98], "ny": [127, 76]})
    assert list(nearest_forecast_points(cells, points)) == ["60_127", "60_127", "98_76"]


def test_capped_points_still_score_every_destination(monkeypatch, embedded_copy):
    """With a cap far below the number of cells, every active destination is still scored.

    From the forecast points on (the catalogue is the embedded pipeline's); the operator who caps the
    points accepts the drop in forecast rows that the publication gate would otherwise refuse."""
    from weather_flick_batch.pipeline import PIPELINE

    monkeypatch.setenv("WEATHER_FLICK_KMA_MAX_POINTS", "20")
    monkeypatch.setenv("WEATHER_FLICK_PUBLISH_MAX_ROW_DROP", "1")
    defs = build_definitions()
    steps = PIPELINE[[s.job_name for s in PIPELINE].index("refresh_catalogue_derived"):]
    with dg.DagsterInstance.get() as instance:
        result = run_pipeline(defs, instance, steps=steps)
    assert result.success, result.failures
    meta = result.materializations["recommendations/destination_weather_scores"]
    assert meta["scored_from_nearest_point"] > 0
    wh = Warehouse(settings.warehouse_url())
    scores = wh.read_table(schema.destination_weather_scores)
    active = wh.read_table(schema.destinations, {"is_active": True})
    assert set(scores["content_id"]) == set(active["content_id"])
    assert set(scores["point_id"]) <= set(wh.read_table(schema.forecast_points)["point_id"])


def test_batched_scoring_equals_scoring_everything_at_once(pipeline_warehouse):
    """The asset scores in batches (bounded memory); batch size must change nothing, summary included."""
    from weather_flick_batch.recommendations.transform import ScoreSummary, score_batches, score_destinations

    wh, _ = pipeline_warehouse
    destinations = wh.read_table(schema.destinations, {"is_active": True})
    cells = wh.read_table(schema.destination_forecast_cells)
    outlook = wh.read_table(schema.weather_daily_outlook)
    points = wh.read_table(schema.forecast_points)
    key = ["content_id", "forecast_date"]
    whole = score_destinations(destinations, cells, outlook, points).sort_values(key).reset_index(drop=True)
    summary = ScoreSummary()
    batches = list(score_batches(destinations, cells, outlook, points, batch_rows=370))
    for batch in batches:
        summary.add(batch)
    assert len(batches) > 5
    batched = pd.concat(batches).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(whole, batched)
    assert summary.rows == len(whole) and summary.destinations == whole["content_id"].nunique()
    assert summary.rows_per_day == whole["forecast_date"].value_counts().to_dict()
    assert summary.unscored(destinations["content_id"]) == 0 and summary.short_of(10) == 0


def test_the_published_score_statistics_are_the_tables(pipeline_warehouse):
    """What the scores asset reports is counted over the whole published table (kept days included)."""
    from weather_flick_batch.recommendations.transform import published_score_stats

    wh, _ = pipeline_warehouse
    scores = wh.read_table(schema.destination_weather_scores)
    today = scores.loc[scores["lead_days"] == 0, "forecast_date"].iloc[0]
    with wh.engine.connect() as conn:
        stats = published_score_stats(conn, today)
    assert stats["rows"] == len(scores)
    assert stats["mean_score"] == pytest.approx(scores["score"].mean())
    assert stats["mean_confidence"] == pytest.approx(scores["confidence"].mean())
    assert stats["grades"] == scores["grade"].value_counts().to_dict()
    assert stats["lowered_by_fine_dust"] == scores["dust_grade"].isin(["나쁨", "매우나쁨"]).sum()
    on_day = scores[scores["forecast_date"] == today]
    assert stats["under_warning_today"] == on_day["warning"].notna().sum()
    assert stats["capped_by_warning_today"] == (on_day["warning_level"] == 2).sum()
    best = on_day.loc[on_day.groupby("region_code")["score"].idxmax()]
    top = stats["top_today"]
    assert list(top["region_code"]) == sorted(best["region_code"])
    assert list(top["score"]) == list(best.sort_values("region_code")["score"])


def test_band_names_agree_with_grade_for_at_every_edge():
    import numpy as np

    from weather_flick_batch.recommendations.scoring import grade_for
    from weather_flick_batch.recommendations.transform import band_names

    values = np.array([-5.0, 0.0, 39.99, 40.0, 49.9, 50.0, 59.99, 60.0, 69.9, 70.0, 79.99, 80.0, 89.9, 90.0, 100.0])
    assert list(band_names(values)) == [grade_for(v)[0] for v in values]
    assert band_names(np.array([np.nan]))[0] is None

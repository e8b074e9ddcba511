"""The scores and top lists rewrite only the days whose inputs changed (issue #16), and what they publish
is what rewriting every day would publish.

Pure: the day versions and the plan. On a private copy of the embedded pipeline's warehouse (SQLite):
a refresh with nothing changed writes nothing; one day's outlook changed rewrites that day only, and the
tables equal a full rescoring; a day changed behind the ledger's back is rewritten; a partial rewrite is
gated on the whole table. The outlook's persistence fill comes from one fixed issuance, so the
medium-range days do not change with every short-range issuance.
"""

from __future__ import annotations

from datetime import date

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from weather_flick_batch import settings
from weather_flick_batch.definitions import build_resources
from weather_flick_batch.recommendations import assets as rec
from weather_flick_batch.recommendations import incremental
from weather_flick_batch.warehouse import schema
from weather_flick_batch.warehouse.warehouse import PublishGateError, Warehouse
from weather_flick_batch.warehouse.writes import Excluding
from weather_flick_batch.weather import assets as weather

D1, D2, D3 = date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10)


# -- pure ---------------------------------------------------------------------------------------
def _inputs():
    destinations = pd.DataFrame({"content_id": ["a", "b"], "title": ["A", "B"], "is_active": [True, True]})
    cells = pd.DataFrame({"content_id": ["a", "b"], "nx": [1, 2], "ny": [1, 2], "point_id": ["p1", "p2"]})
    points = pd.DataFrame({"point_id": ["p1", "p2"], "nx": [1, 2], "ny": [1, 2]})
    outlook = pd.DataFrame({"point_id": ["p1", "p2", "p1", "p2"], "forecast_date": [D1, D1, D2, D2],
                            "tmax_c": [10.0, 11.0, 12.0, 13.0], "as_of": pd.Timestamp("2026-12-08T00:00Z")})
    return {"today": D1, "simulated": False, "hazards": ("w", "d"), "destinations": destinations, "cells": cells,
            "points": points, "outlook": outlook}


def test_a_changed_day_changes_only_its_version_and_when_it_was_built_changes_none():
    base = incremental.score_day_versions(**_inputs())
    assert set(base) == {D1, D2}
    changed = _inputs()
    changed["outlook"].loc[3, "tmax_c"] = 14.0
    changed["outlook"]["as_of"] = pd.Timestamp("2026-12-08T03:00Z")  # when, not what
    after = incremental.score_day_versions(**changed)
    assert after[D1] == base[D1] and after[D2] != base[D2]


@pytest.mark.parametrize("change", ["today", "hazards", "simulated", "catalogue", "cells"])
def test_what_every_day_reads_changes_every_version(change):
    base = incremental.score_day_versions(**_inputs())
    inputs = _inputs()
    if change == "today":
        inputs["today"] = D2
    elif change == "hazards":
        inputs["hazards"] = ("w2", "d")
    elif change == "simulated":
        inputs["simulated"] = True
    elif change == "catalogue":
        inputs["destinations"].loc[1, "title"] = "B, renamed"
    else:
        inputs["cells"].loc[0, "point_id"] = "p2"
    after = incremental.score_day_versions(**inputs)
    assert all(after[d] != base[d] for d in base)


def test_the_plan_keeps_only_days_with_the_same_version():
    plan = incremental.DayPlan(wanted={D1: "x", D2: "y", D3: "z"}, published={D1: "x", D2: "old", date(2026, 12, 7): "q"})
    assert plan.kept == [D1] and plan.rewritten == [D2, D3] and not plan.full
    assert "2 of 3 days rewritten" in plan.describe()
    assert incremental.DayPlan(wanted={D1: "x"}, published={}).full
    lists = incremental.top_list_day_versions({D1: "v", D2: None}, 10)
    again = incremental.top_list_day_versions({D1: "v", D2: None}, 10)
    assert lists[D1] == again[D1] and lists[D2] != again[D2]  # a score day without a version is ranked again
    assert incremental.top_list_day_versions({D1: "v"}, 5)[D1] != lists[D1]


# -- on a copy of the embedded pipeline's warehouse ------------------------------------------------
@pytest.fixture
def wh(embedded_copy):
    warehouse = Warehouse(settings.warehouse_url())
    yield warehouse
    warehouse.dispose()


def _refresh(raise_on_error: bool = True):
    result = dg.materialize([rec.destination_weather_scores, rec.regional_recommendations],
                            resources=build_resources(), raise_on_error=raise_on_error)
    meta = {e.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()}
            for e in result.get_asset_materialization_events()}
    return result, meta


def _table(wh: Warehouse, table: sa.Table, key: list[str]) -> pd.DataFrame:
    frame = wh.read_table(table).drop(columns=["as_of"])
    return frame.sort_values(key).reset_index(drop=True)


def _days(wh: Warehouse, table: sa.Table) -> list[date]:
    with wh.engine.connect() as conn:
        return sorted(incremental.day_counts(conn, table))


SCORE_KEY = ["content_id", "forecast_date"]
TOP_KEY = ["region_code", "sigungu_code", "forecast_date", "content_type_id", "rank"]


def test_refreshes_rewrite_only_changed_days_and_publish_what_a_full_rescoring_would(wh):
    days = _days(wh, schema.destination_weather_scores)
    assert len(days) == 10

    result, meta = _refresh()  # nothing changed since the pipeline published them
    assert result.success and all(e.passed for e in result.get_asset_check_evaluations())
    scores, top = meta["destination_weather_scores"], meta["regional_recommendations"]
    assert scores["days_rescored"] == 0 and scores["rows_written"] == 0 and scores["days_unchanged"] == 10
    assert top["days_ranked"] == 0 and top["rows_written"] == 0
    assert scores["dagster/row_count"] == wh.row_count(schema.destination_weather_scores)

    changed = days[4]
    with wh.engine.begin() as conn:  # a new issuance changed one day at every point
        conn.execute(schema.weather_daily_outlook.update().where(schema.weather_daily_outlook.c.forecast_date == changed)
                     .values(tmax_c=schema.weather_daily_outlook.c.tmax_c + 6, pop_max_pct=90.0, precip_mm=12.0))
    before = _table(wh, schema.destination_weather_scores, SCORE_KEY)
    result, meta = _refresh()
    scores, top = meta["destination_weather_scores"], meta["regional_recommendations"]
    assert scores["days_rescored"] == 1 and scores["days_unchanged"] == 9 and top["days_ranked"] == 1
    per_day = wh.row_count(schema.destination_weather_scores, {"forecast_date": changed})
    assert scores["rows_written"] == per_day == scores["rows_replaced"]
    partial = _table(wh, schema.destination_weather_scores, SCORE_KEY)
    moved = partial.compare(before)
    assert len(moved) and set(partial.loc[moved.index, "forecast_date"]) == {changed}
    partial_top = _table(wh, schema.regional_recommendations, TOP_KEY)
    log = wh.read_table(schema.load_audit)
    assert log["partition_key"].iloc[-1].startswith("forecast_date not in (")

    with wh.engine.begin() as conn:  # forget every version: the next refresh rewrites everything
        conn.execute(schema.derived_day_versions.delete())
    result, meta = _refresh()
    assert meta["destination_weather_scores"]["days_rescored"] == 10
    assert meta["regional_recommendations"]["days_ranked"] == 10
    pd.testing.assert_frame_equal(partial, _table(wh, schema.destination_weather_scores, SCORE_KEY))
    pd.testing.assert_frame_equal(partial_top, _table(wh, schema.regional_recommendations, TOP_KEY))


def test_a_day_changed_behind_the_ledgers_back_is_rewritten(wh):
    days = _days(wh, schema.destination_weather_scores)
    published = _table(wh, schema.destination_weather_scores, SCORE_KEY)
    with wh.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM destination_weather_scores WHERE forecast_date = '{days[2]}' "
                             "AND region_code = 1")
    with wh.engine.connect() as conn:  # lists ranked now would see the hole: that day is ranked again
        versions = incremental.published_versions(conn, incremental.SCORES_TABLE,
                                                  incremental.day_counts(conn, schema.destination_weather_scores))
    assert sorted(versions) == [d for d in days if d != days[2]]
    _result, meta = _refresh()
    assert meta["destination_weather_scores"]["days_rescored"] == 1
    # the day's scores are again what its lists were ranked from
    assert meta["regional_recommendations"]["days_ranked"] == 0
    pd.testing.assert_frame_equal(published, _table(wh, schema.destination_weather_scores, SCORE_KEY))


def test_a_partial_rewrite_is_gated_on_the_whole_table(wh):
    """Rewriting one day with far fewer rows shrinks the table by less than the gate's share: published;
    rewriting most days with none is refused, with the whole table's numbers in the message."""
    table = schema.destination_weather_scores
    days = _days(wh, table)
    total = wh.row_count(table)
    one_day = wh.read_table(table, {"forecast_date": days[0]}).head(10)
    write = wh.replace_stream(table, [one_day], where={"forecast_date": Excluding(tuple(days[1:]))})
    assert write.rows_written == 10 and wh.row_count(table) == total - write.rows_deleted + 10
    total = wh.row_count(table)
    kept = wh.row_count(table, {"forecast_date": days[1]})
    with pytest.raises(PublishGateError, match=f"would fall from {total:,} to {kept + 10:,} rows"):
        wh.replace_stream(table, [one_day], where={"forecast_date": Excluding((days[1],))})
    assert wh.row_count(table) == total


def test_medium_range_days_do_not_change_with_each_short_range_issuance(wh):
    """The persistence fill (wind, humidity) of the medium-range days comes from one fixed short-range
    issuance: a newer short-range issuance leaves those days as they were (without it, it changes them)."""
    from weather_flick_batch.weather.outlook import build_daily_outlook

    short = wh.read_table(schema.weather_short_range)
    older, newer = sorted(short["partition_issuance"].unique())[-2:]
    land, ta = wh.read_table(schema.weather_mid_land), wh.read_table(schema.weather_mid_ta)
    points = wh.read_table(schema.forecast_points)
    today = wh.read_table(schema.weather_daily_outlook)["forecast_date"].min()
    issued_before, issued_after = short[short["partition_issuance"] == older], short[short["partition_issuance"] != older]

    def mid_days(short_df, persistence):
        out = build_daily_outlook(short_df, land, ta, points, today, persistence_df=persistence)
        return out[out["source"] == "mid_range"].set_index(["point_id", "forecast_date"]).sort_index()

    anchored = mid_days(issued_before, issued_before)
    assert len(anchored) > 0 and anchored["filled_fields"].str.contains("wind_max_ms").all()
    pd.testing.assert_frame_equal(anchored, mid_days(short, issued_before))
    pd.testing.assert_frame_equal(anchored, mid_days(issued_after, issued_before))
    assert not mid_days(issued_before, None).equals(mid_days(short, None))

    outlook = dg.materialize([weather.daily_outlook], resources=build_resources())
    meta = outlook.get_asset_materialization_events()[0].materialization.metadata
    mid = wh.read_table(schema.weather_mid_land)["partition_tm_fc"].max()
    held = sorted(short["partition_issuance"].unique())
    expected = max([k for k in held if k <= mid], default=None) or min(k for k in held if k > mid)
    assert meta["persistence_from_issuance"].value == pd.Timestamp(expected).isoformat()
    published = wh.read_table(schema.weather_daily_outlook)
    published = published[published["source"] == "mid_range"].set_index(["point_id", "forecast_date"]).sort_index()
    from_expected = mid_days(short, short[short["partition_issuance"] == expected])
    pd.testing.assert_frame_equal(published[["wind_max_ms", "rh_mean_pct"]], from_expected[["wind_max_ms", "rh_mean_pct"]])

"""Publish only what passed: write-audit-publish and the row-count gate.

One pipeline run on embedded defaults, then each family's input is broken the way a broken upstream,
a bug or a bad setting breaks it, and the family's asset is materialized again: it must fail with one
line saying why (the failing check's name and reason), record the failed check, alert, and the
published table must be byte for byte what it was (content checksums).
"""

from __future__ import annotations

import shutil

import dagster as dg
import pytest
import sqlalchemy as sa

from weather_flick_batch import settings
from weather_flick_batch.analytics import assets as analytics
from weather_flick_batch.definitions import build_definitions
from weather_flick_batch.health.sensors import run_failure_alert
from weather_flick_batch.maintenance import backup as bk
from weather_flick_batch.pipeline import run_pipeline
from weather_flick_batch.recommendations import assets as recommendations
from weather_flick_batch.recommendations import transform
from weather_flick_batch.definitions import build_resources
from weather_flick_batch.warehouse import schema
from weather_flick_batch.warehouse.warehouse import GATE_MIN_ROWS, PublishGateError, Warehouse
from weather_flick_batch.weather import assets as weather


@pytest.fixture(scope="module")
def published(embedded_pipeline):
    """The whole graph once (shared with the suite); each test then breaks one input of its own copy."""
    home, _result = embedded_pipeline
    return str(home / "wf")


@pytest.fixture
def warehouse(published, monkeypatch, tmp_path):
    """A copy of the published warehouse per test: each test breaks its own input, independent of order."""
    home = tmp_path / "wf"
    shutil.copytree(published, home)
    monkeypatch.setenv("WEATHER_FLICK_HOME", str(home))
    wh = Warehouse(settings.warehouse_url())
    yield wh
    wh.dispose()


def _refused(asset, table: str, wh: Warehouse) -> str:
    before = bk.table_stats(settings.warehouse_url())[table]
    assert before.row_count >= GATE_MIN_ROWS
    result = dg.materialize([asset], resources=build_resources(), raise_on_error=False)
    assert not result.success
    error = [e for e in result.all_events if e.is_step_failure][0].step_failure_data.error.message
    assert bk.table_stats(settings.warehouse_url())[table] == before, f"{table} changed"
    assert "\n" not in error.strip() and "the published table is unchanged" in error
    return error


def _execute(wh: Warehouse, sql: str) -> None:
    with wh.engine.begin() as conn:
        conn.exec_driver_sql(sql)


def test_top_lists_from_scores_that_lost_most_regions_are_not_published(warehouse):
    """The top lists' gate runs inside the INSERT ... SELECT transaction, before anyone can read them."""
    _execute(warehouse, "DELETE FROM destination_weather_scores WHERE region_code NOT IN (1, 6)")
    error = _refused(recommendations.regional_recommendations, "regional_recommendations", warehouse)
    assert "regional_recommendations would fall from" in error and "WEATHER_FLICK_PUBLISH_MAX_ROW_DROP=0.5" in error


def test_analytics_summary_from_a_broken_outlook_is_not_published(warehouse):
    points = sa.select(schema.forecast_points.c.point_id).where(schema.forecast_points.c.region_code.notin_([1, 6]))
    with warehouse.engine.begin() as conn:
        conn.execute(schema.weather_daily_outlook.delete().where(schema.weather_daily_outlook.c.point_id.in_(points)))
    _refused(analytics.region_weather_summary, "analytics_region_weather", warehouse)


def test_scores_for_a_catalogue_that_lost_most_destinations_are_not_published(warehouse):
    _execute(warehouse, "UPDATE destinations SET is_active = 0 WHERE content_id > '2'")
    assert warehouse.row_count(schema.destinations, {"is_active": True}) < 100
    _refused(recommendations.destination_weather_scores, "destination_weather_scores", warehouse)


def test_weather_points_without_the_destination_cells_are_not_published(warehouse):
    _execute(warehouse, "DELETE FROM destination_forecast_cells")
    _refused(weather.forecast_points, "forecast_points", warehouse)


def test_the_gate_can_be_turned_off_and_small_tables_are_not_gated(warehouse, monkeypatch):
    monkeypatch.setenv("WEATHER_FLICK_PUBLISH_MAX_ROW_DROP", "1")
    assert dg.materialize([recommendations.regional_recommendations], resources=build_resources()).success
    monkeypatch.setenv("WEATHER_FLICK_PUBLISH_MAX_ROW_DROP", "0.5")
    with pytest.raises(PublishGateError, match="from 1,000 to 10 rows"):
        warehouse._gate("regional_recommendations", 1000, 10)
    warehouse._gate("regional_recommendations", 1000, 500)  # exactly the limit: published
    warehouse._gate("regional_recommendations", GATE_MIN_ROWS - 1, 0)  # too small to judge
    warehouse._gate("festival_events", 1000, 0)  # not a gated table


# -- write-audit-publish: a failing blocking check leaves the published table as it was ---------------
def _refused_by_check(asset, table: str, check: str) -> str:
    """Materialize ``asset``; it must fail on ``check`` and leave ``table`` exactly as it was."""
    before = bk.table_stats(settings.warehouse_url())[table]
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([asset], resources=build_resources(), instance=instance, raise_on_error=False)
        assert not result.success
        failures = [e for e in result.all_events if e.is_step_failure]
        error = failures[0].step_failure_data.error.message.strip()
        key = dg.AssetCheckKey(asset.key, check)
        record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
        assert record.status.value == "FAILED", f"{check} was not recorded as failed"
        alert = run_failure_alert(instance.get_run_by_id(result.run_id), None, failures, "http://127.0.0.1:3000")
    assert bk.table_stats(settings.warehouse_url())[table] == before, f"{table} changed"
    assert "\n" not in error and "was not published, the published table is unchanged" in error
    assert f"{check}: " in error and check in alert.what_failed
    return error


def test_weather_outlook_with_impossible_temperatures_is_not_published(warehouse):
    _execute(warehouse, "UPDATE weather_short_range SET tmp_c = 75, tmx_c = 75 WHERE nx = "
                        "(SELECT MIN(nx) FROM forecast_points)")
    error = _refused_by_check(weather.daily_outlook, "weather_daily_outlook", "outlook_values_in_range")
    assert "outside -50.0..60.0" in error


def test_scores_short_of_the_horizon_are_not_published(warehouse):
    last = warehouse.read_select(sa.select(sa.func.max(schema.weather_daily_outlook.c.forecast_date))).iloc[0, 0]
    with warehouse.engine.begin() as conn:  # a few points lose their last day: a small drop, under the gate
        conn.execute(schema.weather_daily_outlook.delete().where(
            schema.weather_daily_outlook.c.forecast_date == last,
            schema.weather_daily_outlook.c.point_id.in_(
                sa.select(schema.forecast_points.c.point_id).where(schema.forecast_points.c.region_code == 39))))
    error = _refused_by_check(recommendations.destination_weather_scores, "destination_weather_scores",
                              "every_destination_every_day")
    assert "short of 10 days" in error


def test_top_lists_missing_a_region_are_not_published(warehouse, monkeypatch):
    """A ranking bug (here: a query that loses one province) must not reach the service."""
    correct = transform.top_n_query

    def loses_jeju(n, days=None):
        ranked = correct(n, days).subquery()
        return sa.select(*ranked.c).where(ranked.c.region_code != 39)

    monkeypatch.setattr(transform, "top_n_query", loses_jeju)
    # New ranking code changes every day's version (recommendations/incremental.py fingerprints the source);
    # a patched function does not change the file, so the lists' versions are forgotten instead.
    _execute(warehouse, "DELETE FROM derived_day_versions WHERE table_name = 'regional_recommendations'")
    error = _refused_by_check(recommendations.regional_recommendations, "regional_recommendations",
                              "top_lists_not_empty")
    assert "region-days without a list" in error


def test_analytics_missing_a_province_are_not_published(warehouse):
    points = sa.select(schema.forecast_points.c.point_id).where(schema.forecast_points.c.region_code == 39)
    with warehouse.engine.begin() as conn:
        conn.execute(schema.weather_daily_outlook.delete().where(schema.weather_daily_outlook.c.point_id.in_(points)))
    error = _refused_by_check(analytics.region_weather_summary, "analytics_region_weather", "every_region_summarised")
    assert "1 regions short of 10 days" in error

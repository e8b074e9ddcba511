"""Re-auditing what the destination, recommendation, analytics and trip assets published (core/published.py).

Each domain's ``audits.PUBLISHED_AUDITS`` reads an asset's last publication and runs the checks of its
gate again, through the same functions. On the embedded pipeline's warehouse every re-audit passes with
exactly the asset's check names; a published row corrupted behind the gate's back makes it fail, saying
what is wrong.
"""

from __future__ import annotations

import dagster as dg
import pytest

from weather_flick_batch import settings
from weather_flick_batch.analytics import audits as analytics_audits
from weather_flick_batch.core.published import PublishedCheck
from weather_flick_batch.core.quality import Verdict
from weather_flick_batch.destinations import audits as destination_audits
from weather_flick_batch.recommendations import audits as recommendation_audits
from weather_flick_batch.trips import audits as trip_audits
from weather_flick_batch.warehouse.warehouse import Warehouse

MODULES = (destination_audits, recommendation_audits, analytics_audits, trip_audits)
AUDITS = {key: audit for module in MODULES for key, audit in module.PUBLISHED_AUDITS.items()}
ASSETS = {
    "destinations/districts", "destinations/catalogue", "destinations/festivals", "destinations/pet_tour_info",
    "destinations/forecast_cells",
    "recommendations/destination_weather_scores", "recommendations/regional_recommendations",
    "analytics/region_weather_summary", "analytics/score_distribution", "analytics/festival_weather",
    "analytics/forecast_verification",
    "trips/trip_forecasts", "trips/trip_notices",
}


def _specs(key: str) -> list[dg.AssetCheckSpec]:
    """The asset's in-asset check specs, in their order (the order its gate reports them)."""
    from weather_flick_batch.definitions import defs

    asset_key = dg.AssetKey.from_user_string(key)
    return [s for s in defs.resolve_assets_def(asset_key).check_specs if s.asset_key == asset_key]


def _failed(check: PublishedCheck) -> dict[str, str]:
    return {name: v.description for name, v in check.verdicts.items() if not v.passed}


@pytest.fixture
def wh(embedded_copy):
    warehouse = Warehouse(settings.warehouse_url())
    yield warehouse
    warehouse.dispose()


def _execute(wh: Warehouse, *statements: str) -> None:
    with wh.engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)


def _without_constraints(wh: Warehouse, table: str) -> None:
    """The table rebuilt with its rows and no constraints (no key, no NOT NULL): what a hand-made copy or
    a restore into the wrong DDL leaves, and the only way to put a duplicate key or a NULL title in."""
    _execute(wh, f"CREATE TABLE loose_copy AS SELECT * FROM {table}", f"DROP TABLE {table}",
             f"ALTER TABLE loose_copy RENAME TO {table}")


# -- the catalogue of re-audits --------------------------------------------------------------------
def test_every_asset_of_the_four_domains_with_checks_has_a_re_audit():
    from weather_flick_batch.definitions import defs

    assert set(AUDITS) == ASSETS
    assert len(AUDITS) == sum(len(m.PUBLISHED_AUDITS) for m in MODULES)  # no key claimed twice
    domains = {key.split("/")[0] for key in ASSETS}
    with_checks = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()
                   if key.path[0] in domains and _specs(key.to_user_string())}
    assert with_checks == ASSETS


def test_every_re_audit_passes_on_the_published_data_with_the_assets_check_names(wh):
    for key, audit in AUDITS.items():
        check = audit(wh)
        assert check is not None, f"{key}: nothing published by the embedded pipeline?"
        specs = _specs(key)
        assert list(check.verdicts) == [s.name for s in specs], key
        # What only warns at the gate only warns here.
        assert check.warn_only == {s.name for s in specs if not s.blocking}, key
        assert _failed(check) == {}, f"{key} ({check.scope})"
        assert check.scope.endswith(" rows") and "published " in check.scope, (key, check.scope)


# -- corrupted behind the gate's back ----------------------------------------------------------------
def test_catalogue_re_audit_names_a_missing_title_and_a_place_outside_korea(wh):
    _without_constraints(wh, "destinations")
    _execute(wh,
             "UPDATE destinations SET title = NULL WHERE content_id = "
             "(SELECT min(content_id) FROM destinations WHERE region_code = 1 AND is_active)",
             "UPDATE destinations SET latitude = 45.0, longitude = 140.0 WHERE content_id = "
             "(SELECT min(content_id) FROM destinations WHERE region_code = 39 AND is_active)")
    check = destination_audits.PUBLISHED_AUDITS["destinations/catalogue"](wh)
    assert _failed(check) == {"catalogue_required_fields": "seoul: 1 rows lack fields",
                              "catalogue_inside_korea": "jeju: 1 rows outside Korea"}
    assert check.verdicts["catalogue_required_fields"].metadata["violations"] == 1
    assert check.verdicts["catalogue_inside_korea"].metadata["provinces_failing"] == 1


def test_catalogue_re_audit_names_a_duplicate_id_and_a_destination_of_no_province(wh):
    _without_constraints(wh, "destinations")
    _execute(wh,
             "INSERT INTO destinations SELECT * FROM destinations WHERE content_id = "
             "(SELECT min(content_id) FROM destinations WHERE region_code = 6)",
             "UPDATE destinations SET region_code = 99 WHERE content_id = "
             "(SELECT max(content_id) FROM destinations WHERE region_code = 1 AND is_active)")
    failed = _failed(destination_audits.PUBLISHED_AUDITS["destinations/catalogue"](wh))
    assert failed["catalogue_unique_ids"] == "busan: 1 duplicate keys"
    assert failed["catalogue_known_region"].startswith("region_code 99 (no province): ")
    assert "1 wrong regions" in failed["catalogue_known_region"]


def test_scores_re_audit_names_a_score_out_of_range_a_wrong_grade_and_a_missing_day(wh):
    import numpy as np

    from weather_flick_batch.recommendations.transform import band_names

    band = band_names(np.array([150.0]))[0]  # a score out of range, with the grade the band table gives it
    _execute(wh,
             f"UPDATE destination_weather_scores SET score = 150, grade = '{band}' WHERE rowid = "
             "(SELECT min(rowid) FROM destination_weather_scores)",
             "UPDATE destination_weather_scores SET grade = 'splendid' WHERE rowid = "
             "(SELECT min(rowid) + 1 FROM destination_weather_scores)",
             "DELETE FROM destination_weather_scores WHERE rowid = (SELECT max(rowid) FROM destination_weather_scores)")
    failed = _failed(recommendation_audits.PUBLISHED_AUDITS["recommendations/destination_weather_scores"](wh))
    assert failed == {"scores_in_range": "1 scores outside 0..100",
                      "every_destination_every_day": "0 unscored, 1 short of 10 days",
                      "grades_match_scores": "1 grades inconsistent"}


def test_emptied_top_lists_fail_the_re_audit_rather_than_count_as_unpublished(wh):
    _execute(wh, "DELETE FROM regional_recommendations")
    check = recommendation_audits.PUBLISHED_AUDITS["recommendations/regional_recommendations"](wh)
    assert check is not None and check.scope == "published empty, 0 rows"
    failed = _failed(check)
    assert list(failed) == ["top_lists_not_empty"] and failed["top_lists_not_empty"].endswith(
        " region-days without a list")
    assert check.verdicts["top_lists_not_empty"].metadata["missing"] == check.verdicts[
        "top_lists_not_empty"].metadata["region_days"] > 0


def test_analytics_re_audit_names_a_duplicate_festival_day_and_a_region_without_a_best_day(wh):
    _without_constraints(wh, "analytics_festival_weather")
    _execute(wh, "INSERT INTO analytics_festival_weather SELECT * FROM analytics_festival_weather LIMIT 1",
             "UPDATE analytics_score_distribution SET is_best_day = 0 WHERE region_code = 1")
    festival = analytics_audits.PUBLISHED_AUDITS["analytics/festival_weather"](wh)
    assert _failed(festival)["festival_rows_valid"] == "1 duplicate festival days, 0 scores outside 0..100"
    distribution = analytics_audits.PUBLISHED_AUDITS["analytics/score_distribution"](wh)
    assert _failed(distribution) == {"one_best_day_per_region": "1 regions without exactly one best day"}


def test_trip_forecasts_re_audit_sees_a_stop_without_values_and_says_when_the_horizon_is_inferred(wh):
    audit = trip_audits.PUBLISHED_AUDITS["trips/trip_forecasts"]
    horizon = wh.newest_value("weather_daily_outlook", "forecast_date")
    _execute(wh, "UPDATE trip_forecasts SET tmax_c = NULL WHERE rowid = (SELECT min(rowid) FROM trip_forecasts "
                 f"WHERE located_by != 'none' AND forecast_date < '{horizon}' AND tmax_c IS NOT NULL)")
    assert _failed(audit(wh)) == {
        "every_active_stop_forecast": "1 located stops within the horizon have no forecast values"}
    # The outlook rebuilt since: the run's horizon is no longer known, and the description says so.
    _execute(wh, "UPDATE weather_daily_outlook SET as_of = '2999-01-01 00:00:00.000000'",
             "DELETE FROM load_audit WHERE table_name = 'weather_daily_outlook'")
    rebuilt = audit(wh).verdicts["every_active_stop_forecast"]
    assert not rebuilt.passed and "the outlook was rebuilt after these forecasts" in rebuilt.description


# -- the gate and the re-audit share the verdicts -------------------------------------------------
def test_partitions_judged_apart_combine_into_one_verdict_per_check():
    parts = {"seoul": {"c": Verdict(True, {"n": 0, "key": "id"}, "0 bad")},
             "busan": {"c": Verdict(False, {"n": 2, "key": "id"}, "2 bad")},
             "jeju": {"c": Verdict(False, {"n": 1, "key": "id"}, "1 bad")}}
    combined = destination_audits.combine(parts)["c"]
    assert not combined.passed and combined.description == "busan: 2 bad; jeju: 1 bad"
    assert combined.metadata == {"n": 3, "key": "id", "provinces": 3, "provinces_failing": 2}
    passing = destination_audits.combine({"seoul": parts["seoul"], "daegu": parts["seoul"]})["c"]
    assert passing.passed and passing.description == "0 bad (2 provinces)"

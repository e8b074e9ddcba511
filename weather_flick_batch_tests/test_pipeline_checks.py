"""CI's asset-check gate: the whole graph on embedded defaults, every check, no ERROR failures."""

import dagster as dg

from weather_flick_batch.definitions import build_definitions
from weather_flick_batch.pipeline import PIPELINE, run_pipeline, summary
from weather_flick_batch.regions.assets import regions
from weather_flick_batch.regions.checks import regions_grid_consistent
from weather_flick_batch.resources import build_resources


def test_whole_graph_on_embedded_defaults_passes_every_error_check(monkeypatch):
    # A test run pegs this 2-core machine by design; CPU load is not a data problem. Every other
    # threshold (memory, disk, latency, run success) keeps its production default.
    monkeypatch.setenv("WEATHER_FLICK_HEALTH_CPU_PCT_WARN", "99.5")
    monkeypatch.setenv("WEATHER_FLICK_HEALTH_CPU_PCT_ERROR", "100")
    defs = build_definitions()
    with dg.DagsterInstance.get() as instance:  # DAGSTER_HOME is a temp dir (conftest)
        result = run_pipeline(defs, instance)
    report = summary(result, "(test)")
    assert result.success, report
    failed = [c.line() for c in result.failed_error_checks]
    assert not failed, "ERROR-severity checks failed:\n" + "\n".join(failed)
    assert result.checks, "no checks ran"
    # Every materializable asset was produced by the pipeline.
    graph = defs.get_repository_def().asset_graph
    expected = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    produced = {key.split("[")[0] for key in result.materializations}
    assert expected <= produced, f"not materialized: {sorted(expected - produced)}"


def test_pipeline_reports_a_failing_check_by_name(tmp_path, monkeypatch):
    # Break the data behind a check: an extra region row makes regions_complete fail.
    defs = build_definitions()
    with dg.DagsterInstance.get() as instance:
        run_pipeline(defs, instance)
        from weather_flick_batch import settings
        from weather_flick_batch.warehouse.warehouse import Warehouse

        wh = Warehouse(settings.warehouse_url())
        with wh.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE province_catalogue SET grid_nx = grid_nx + 5 WHERE region_code = 1")
        # Re-run only the check, against the tampered table.
        result = dg.materialize(
            [regions, regions_grid_consistent],
            selection=dg.AssetSelection.checks(regions_grid_consistent),
            resources=build_resources(),
            instance=instance,
            raise_on_error=False,
        )
        evaluations = result.get_asset_check_evaluations()
        assert evaluations and not evaluations[0].passed
        assert "Seoul" in str(evaluations[0].metadata["problems"].value)
    assert PIPELINE

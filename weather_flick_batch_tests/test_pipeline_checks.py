"""CI's asset-check gate: the whole graph on embedded defaults, every check, no ERROR failures."""

import re

import dagster as dg

from weather_flick_batch.definitions import build_definitions
from weather_flick_batch.pipeline import PIPELINE, run_pipeline, summary
from weather_flick_batch.regions.assets import regions
from weather_flick_batch.regions.checks import regions_grid_consistent
from weather_flick_batch.definitions import build_resources


def test_whole_graph_on_embedded_defaults_passes_every_error_check(embedded_pipeline):
    """The whole graph once on embedded defaults (the suite's shared run): every ERROR check passes,
    every materializable asset is produced, and every row a reader sees says it was simulated."""
    home, result = embedded_pipeline
    defs = build_definitions()
    report = summary(result, "(test)")
    assert result.success, report
    failed = [c.line() for c in result.failed_gating_checks]
    assert not failed, "ERROR-severity checks failed:\n" + "\n".join(failed)
    assert result.checks, "no checks ran"
    # Every materializable asset was produced by the pipeline.
    graph = defs.get_repository_def().asset_graph
    expected = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    produced = {key.split("[")[0] for key in result.materializations}
    assert expected <= produced, f"not materialized: {sorted(expected - produced)}"

    # Embedded mode runs on the offline sample sources: every row a reader sees says so.
    import sqlalchemy as sa

    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.warehouse.warehouse import Warehouse

    wh = Warehouse(f"sqlite:///{home / 'wf' / 'warehouse.sqlite'}")
    unflagged = {}
    with wh.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            if "simulated" in table.c:
                rows = conn.execute(sa.select(sa.func.count()).where(table.c.simulated.is_(False))).scalar()
            elif "processing_status" in table.c:
                rows = conn.execute(sa.select(sa.func.count()).where(
                    table.c.processing_status != "simulated")).scalar()
            else:
                continue
            total = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            assert total, f"{table.name} is empty after the pipeline"
            if rows:
                unflagged[table.name] = rows
    wh.dispose()
    assert not unflagged, f"rows not labelled simulated: {unflagged}"


def test_host_load_is_reported_never_the_exit_status(embedded_copy, monkeypatch):
    """The health job beside a busy loop: host load is reported, never a failed pipeline (`make run`'s
    exit status is `failed_gating_checks`). CPU thresholds of 0 make any load saturated; every other
    threshold (memory, disk, latency, run success) keeps its production default."""
    import subprocess
    import sys

    monkeypatch.setenv("WEATHER_FLICK_HEALTH_CPU_PCT_WARN", "0")
    monkeypatch.setenv("WEATHER_FLICK_HEALTH_CPU_PCT_ERROR", "0")
    defs = build_definitions()
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        with dg.DagsterInstance.get() as instance:  # the embedded pipeline's, a private copy
            result = run_pipeline(defs, instance, steps=[s for s in PIPELINE if s.job_name == "health_job"])
    finally:
        busy.kill()
    assert result.success, summary(result, "(test)")
    cpu = [c for c in result.checks if c.check == "cpu_use"]
    assert cpu and not cpu[0].passed, "the busy loop was not seen"
    failed = [c.line() for c in result.failed_gating_checks]
    assert not failed, "ERROR-severity checks failed beside a busy loop:\n" + "\n".join(failed)


# Tables without a source flag, and why: bookkeeping, reference data that is the same in both modes,
# or geometry derived from coordinates (not shown to readers).
UNFLAGGED = {
    "load_audit": "bookkeeping", "destination_sync_state": "bookkeeping", "service_table_origin": "bookkeeping",
    "derived_day_versions": "bookkeeping (the simulated flag is part of every version)",
    "province_catalogue": "reference data from code", "regions": "reference data, the same in both modes",
    "destination_rejects": "rejected input as received", "destination_forecast_cells": "geometry",
    "forecast_points": "geometry",
    "weather_warning_zones": "reference data from code (zone names to districts), the same in both modes",
    "accommodations": "the back end's model has no column for it (its rows are flagged in destinations)",
    "trip_notices": "bookkeeping of notices sent (their forecasts are flagged in trip_forecasts, and each "
                    "notification's data says simulated)",
}


def test_every_table_says_where_its_rows_came_from():
    from weather_flick_batch.warehouse import schema

    tables = schema.metadata.sorted_tables  # the back end's tables included
    missing = [t.name for t in tables if t.name not in UNFLAGGED
               and "simulated" not in t.c and "processing_status" not in t.c]
    assert missing == []
    assert {t.name for t in tables} >= set(UNFLAGGED)


def test_a_tampered_table_fails_its_check_by_name(monkeypatch):
    # Break the data behind a check: a grid cell that no longer matches its point. Only the regions are
    # needed (the whole graph runs in the test above).
    from weather_flick_batch import settings
    from weather_flick_batch.warehouse.warehouse import Warehouse

    with dg.DagsterInstance.get() as instance:
        assert dg.materialize([regions], resources=build_resources(), instance=instance).success
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


def test_host_load_is_reported_but_does_not_decide_the_exit_status():
    from weather_flick_batch.pipeline import CheckOutcome, PipelineResult

    cpu = CheckOutcome("platform/health", "cpu_use", False, "ERROR", "CPU use 100 %")
    data = CheckOutcome("regions", "regions_complete", False, "ERROR", "missing [1]")
    warehouse = CheckOutcome("platform/health", "warehouse_reachable", False, "ERROR", "unreachable")
    busy = PipelineResult(success=True, checks=[cpu])
    assert busy.failed_error_checks == [cpu] and busy.failed_gating_checks == []
    assert "host load: not counted" in summary(busy, "")
    assert PipelineResult(success=True, checks=[cpu, data, warehouse]).failed_gating_checks == [data, warehouse]


def test_run_only_runs_the_named_jobs_and_refuses_unknown_ones(embedded_copy, capsys):
    from weather_flick_batch.cli import main

    assert main(["run", "--only", "refresh_reference,nonsense_job"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nonsense_job" in err and "refresh_reference" in err
    assert main(["run", "--only", "health_job,refresh_reference"]) == 0  # host load never sets the exit status
    out = capsys.readouterr().out
    assert "\n  regions: 17 rows" in out and "\n  platform/health" in out
    assert "destinations/catalogue" not in out and "weather/short_range_forecast" not in out
    # One line per finished run while it goes, then the total; assets and partitions counted apart.
    assert re.search(r"\[1/2\] refresh_reference: ok in \d+\.\d s, 3 asset\(s\), [\d,]+ rows", out)
    assert re.search(r"\[2/2\] health_job: ok in", out) and re.search(r"Done in \d+ s\.", out)
    assert re.search(r"Materialized 4 asset\(s\) \(4 materializations, 0 of them partitions\) in \d+ s", out)


def test_the_cli_answers_the_usual_mistakes_in_one_line(monkeypatch, capsys, tmp_path):
    from weather_flick_batch import settings
    from weather_flick_batch.cli import main

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DAGSTER_HOME is not set" in err

    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["db", "downgrade"]) == 2  # no silent "downgrade to head"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs the revision" in err and "now at" in err
    assert main(["db", "current"]) == 0 and "up to date" in capsys.readouterr().out

    monkeypatch.delenv("WEATHER_FLICK_HOME")  # what is in effect when nothing is set
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "instance"))
    assert main(["settings"]) == 0
    out = capsys.readouterr().out
    assert f"WEATHER_FLICK_HOME={tmp_path / 'instance'}  (in effect)" in out
    assert f"WEATHER_FLICK_WAREHOUSE_URL={settings.warehouse_url()}  (in effect)" in out
    assert "=None" not in out


def test_runs_of_make_run_are_listed_on_their_jobs_page(embedded_copy, capsys):
    """`weather-flick-batch run` records each run with the code location's origin, as the UI does: the
    job's page (GraphQL pipelineOrError.runs, which filters by repository) lists it."""
    from pathlib import Path

    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import WorkspaceFileTarget
    from dagster_graphql.test.utils import execute_dagster_graphql

    from weather_flick_batch.cli import main

    assert main(["run", "--only", "refresh_reference"]) == 0
    capsys.readouterr()
    # --concurrent (run_pipeline_concurrently) records its runs the same way; two independent jobs at once.
    assert main(["run", "--concurrent", "--only", "refresh_reference,weather_warnings_job"]) == 0
    out = capsys.readouterr().out
    assert "independent ones at once" in out and "weather_warnings_job: ok" in out, out
    query = """query Runs($selector: PipelineSelector!) {
      pipelineOrError(params: $selector) { __typename ... on Pipeline { runs { runId status } } } }"""
    selector = {"repositoryLocationName": "weather_flick_batch", "repositoryName": "__repository__",
                "pipelineName": "refresh_reference"}
    workspace = str(Path(__file__).resolve().parent.parent / "workspace.yaml")
    with dg.DagsterInstance.get() as instance, \
            WorkspaceProcessContext(instance, WorkspaceFileTarget(paths=[workspace])) as context:
        result = execute_dagster_graphql(context.create_request_context(), query, {"selector": selector})
        runs = result.data["pipelineOrError"]["runs"]
        latest = [r for r in instance.get_runs(limit=3) if r.job_name == "refresh_reference"]
    assert len(latest) == 2 and all(r.remote_job_origin is not None for r in latest)
    assert {r.run_id for r in latest} <= {r["runId"] for r in runs}
    assert {r["status"] for r in runs} == {"SUCCESS"}

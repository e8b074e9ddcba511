"""`make checks`: every asset check against the warehouse as it stands, non-zero on a failed ERROR check.

Layer: the command as a user runs it (the CLI, in process, on a copy of the embedded pipeline's warehouse
and instance), plus the static promise that every publication check can be re-run on published rows.
"""

from __future__ import annotations

import sqlite3
import dagster as dg
import pytest

from weather_flick_batch import cli
from weather_flick_batch.published_checks import NOT_REAUDITED, published_audits


def test_every_publication_check_can_be_rerun_on_published_rows():
    from weather_flick_batch.definitions import DOMAINS
    from weather_flick_batch.published_checks import publication_checks

    expected = {key.to_user_string() for key in publication_checks(DOMAINS)} - set(NOT_REAUDITED)
    assert set(published_audits()) == expected


def test_on_a_warehouse_with_nothing_published_every_re_audit_is_none_not_a_pass(tmp_path):
    from weather_flick_batch.warehouse.warehouse import Warehouse

    audits = published_audits()
    empty = Warehouse(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    empty.ensure_schema()
    try:
        assert {key: audit(empty) for key, audit in audits.items()} == {key: None for key in audits}
    finally:
        empty.dispose()


def test_every_standalone_check_is_in_the_standalone_job():
    from weather_flick_batch.definitions import DOMAINS, defs
    from weather_flick_batch.published_checks import standalone_checks

    job = defs.resolve_job_def("standalone_asset_checks")
    selected = job.asset_layer.asset_graph.asset_check_keys
    wanted = {key for check in standalone_checks(DOMAINS) for key in check.check_keys}
    assert wanted and wanted <= set(selected)


def test_checks_pass_on_the_pipeline_it_judges_and_fail_on_a_corrupted_row(embedded_copy, capsys):
    code = cli.main(["checks"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ERROR failure(s)" in out and " 0 ERROR failure(s)" in out, out

    # Every publication check was recorded in the instance under its own key, from the published rows.
    from weather_flick_batch.definitions import DOMAINS
    from weather_flick_batch.published_checks import publication_checks

    keys = [dg.AssetCheckKey(asset, name) for asset, names in publication_checks(DOMAINS).items()
            if asset.to_user_string() not in NOT_REAUDITED for name in names]
    with dg.DagsterInstance.get() as instance:
        latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
        assert set(latest) == set(keys)
        sample = latest[keys[0]]
        evaluation = sample.event.dagster_event.event_specific_data
        assert evaluation.metadata["source"].value == "published data"
        runs = instance.get_runs(dg.RunsFilter(job_name="audit_published_data"))
        assert runs and runs[0].remote_job_origin is not None  # the job's page lists it

    # One top list emptied behind the gate's back: the published data no longer passes.
    db = embedded_copy / "wf" / "warehouse.sqlite"
    with sqlite3.connect(db) as conn:
        deleted = conn.execute("DELETE FROM regional_recommendations").rowcount
    assert deleted > 0
    code = cli.main(["checks"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "recommendations/regional_recommendations:top_lists_not_empty" in out, out
    assert "[FAIL]" in out


def test_checks_on_an_empty_warehouse_say_nothing_is_published(tmp_path, capsys):
    code = cli.main(["checks"])
    out = capsys.readouterr().out
    assert code == 1
    assert "nothing published yet" in out, out


def test_checks_without_dagster_home_is_one_line(monkeypatch, capsys):
    monkeypatch.delenv("DAGSTER_HOME")
    assert cli.main(["checks"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: DAGSTER_HOME is not set") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("job", ["audit_published_data", "standalone_asset_checks"])
def test_check_jobs_are_in_the_code_location(job):
    from weather_flick_batch.definitions import defs

    assert defs.resolve_job_def(job).description


# Checks whose evaluation needs a materialization, each with the reason.
NEED_A_MATERIALIZATION = {
    "platform/health": "its checks are the probes the materialization runs",
    "trips/trip_forecasts": "trip forecasts and notices are one transaction (a multi-asset that cannot be subset)",
    "trips/trip_notices": "trip forecasts and notices are one transaction (a multi-asset that cannot be subset)",
}


def test_every_check_that_needs_no_materialization_is_executable_alone():
    # What the UI asks (AssetCheck.canExecuteIndividually): the check's execution set is the check alone.
    from weather_flick_batch.definitions import defs

    graph = defs.get_repository_def().asset_graph
    needing = {ck.asset_key.to_user_string() for ck in graph.asset_check_keys
               if len(graph.get_execution_set_asset_and_check_keys(ck)) > 1}
    assert needing == set(NEED_A_MATERIALIZATION)
    # Executed alone, an asset's checks read its published rows through its warehouse resource.
    from weather_flick_batch.published_checks import publication_checks
    from weather_flick_batch.definitions import DOMAINS

    repo = defs.get_repository_def()
    for key in publication_checks(DOMAINS):
        if key.to_user_string() not in NEED_A_MATERIALIZATION:
            assert "warehouse" in repo.assets_defs_by_key[key].required_resource_keys, key


def _check_alone(check: dg.AssetCheckKey, partition_key: str | None = None) -> dg.ExecuteInProcessResult:
    from weather_flick_batch.definitions import build_definitions

    # What the UI's Execute button on a check launches: a run selecting that check and nothing else.
    alone = dg.define_asset_job("check_alone", selection=dg.AssetSelection.checks(check))
    job = dg.Definitions.merge(build_definitions(), dg.Definitions(jobs=[alone])).resolve_job_def("check_alone")
    with dg.DagsterInstance.get() as instance:
        return job.execute_in_process(instance=instance, partition_key=partition_key, raise_on_error=False)


def test_a_publication_check_executed_alone_judges_the_published_rows(embedded_copy):
    top = dg.AssetCheckKey(dg.AssetKey(["recommendations", "regional_recommendations"]), "top_lists_not_empty")
    nowcast = dg.AssetCheckKey(dg.AssetKey(["weather", "nowcast"]), "nowcast_values_in_range")
    for check in (top, nowcast):  # unpartitioned and partitioned: no partition is needed to judge
        result = _check_alone(check)
        assert result.success
        assert not result.get_asset_materialization_events()  # nothing fetched, nothing written
        [evaluation] = result.get_asset_check_evaluations()
        assert evaluation.passed and evaluation.metadata["source"].value == "published data", evaluation

    with sqlite3.connect(embedded_copy / "wf" / "warehouse.sqlite") as conn:
        conn.execute("UPDATE weather_nowcast SET t1h_c = 99 WHERE rowid = (SELECT max(rowid) FROM weather_nowcast)")
    [evaluation] = _check_alone(nowcast).get_asset_check_evaluations()
    assert not evaluation.passed and "t1h_c" in evaluation.description, evaluation.description

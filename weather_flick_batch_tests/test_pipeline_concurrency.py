"""Independent runs at once (`run_pipeline_concurrently`, #16): what waits for what, and the run limits.

The order comes from the asset lineage of the real definitions (pure checks, no runs); the runner is
driven end to end on probe jobs in this module, with the multiprocess executor (steps forked from a
forkserver, as WEATHER_FLICK_EXECUTOR=multiprocess configures it) on a SQLite instance whose run
queue limits one lane to a run at a time: every run really executes in other processes, a failure
stops what waits for it and nothing else.

No ``from __future__ import annotations``: Dagster reads the assets' annotations at decoration.
"""

import os
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml

from weather_flick_batch.execution import build_executor
from weather_flick_batch.pipeline import (
    PIPELINE,
    PipelineStep,
    _fits,
    pipeline_waves,
    run_pipeline_concurrently,
    step_dependencies,
)

ROOT = Path(__file__).resolve().parent.parent
PROBE_LOG_ENV = "WFB_TEST_PROBE_LOG"
NAP_S = 1.5


# -- the real pipeline's order (no runs) ------------------------------------------------------------
@pytest.fixture(scope="module")
def repository():
    from weather_flick_batch.definitions import defs

    return defs.get_repository_def()


def test_every_step_waits_for_the_steps_that_write_what_it_reads(repository) -> None:
    """Lineage, checked directly: whenever an asset of an earlier step is a parent of a step's asset,
    the later step waits for it; and the order the domains need holds."""
    waits = step_dependencies(repository, PIPELINE)
    owned = [set(repository.get_job(s.job_name).asset_layer.executable_asset_keys) for s in PIPELINE]
    graph = repository.asset_graph
    for index, keys in enumerate(owned):
        parents = {p for k in keys for p in graph.get(k).parent_keys} - keys
        for earlier in range(index):
            if parents & owned[earlier]:
                assert earlier in waits[index], (PIPELINE[index].job_name, PIPELINE[earlier].job_name)
    names = [[s.job_name for s in wave] for wave in pipeline_waves(repository)]
    wave_of = {name: i for i, wave in enumerate(names) for name in wave}
    # The point of it: the weather jobs overlap each other, the warnings overlap the province syncs.
    assert len({wave_of[j] for j in ("weather_nowcast_job", "weather_ultra_short_job", "weather_short_range_job",
                                     "weather_mid_range_job")}) == 1
    assert wave_of["weather_warnings_job"] == wave_of["destinations_sync_job"]
    assert (wave_of["refresh_reference"] < wave_of["destinations_sync_job"] < wave_of["refresh_catalogue_derived"]
            < wave_of["weather_short_range_job"] < wave_of["refresh_derived"] < wave_of["refresh_analytics"])
    assert wave_of["trip_notices_job"] > wave_of["seed_sample_trips_job"]
    assert names[-1] == ["health_job"]  # after=("*",): it judges the freshness of everything


def test_the_run_limits_follow_the_queue_rules() -> None:
    sync = {"weather_flick/lane": "sync"}
    weather = {"weather_flick/lane": "weather"}
    lanes = (8, [{"key": "weather_flick/lane", "value": "sync", "limit": 1}])
    assert _fits(lanes, sync, [weather, weather])
    assert not _fits(lanes, sync, [weather, sync])
    assert _fits(lanes, weather, [sync, weather])
    assert not _fits((2, []), weather, [sync, weather])
    any_value = (None, [{"key": "weather_flick/lane", "limit": 2}])  # no value: every run with the key
    assert not _fits(any_value, weather, [sync, sync])
    per_value = (None, [{"key": "weather_flick/lane", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}])
    assert _fits(per_value, weather, [sync]) and not _fits(per_value, sync, [sync])


# -- the runner end to end, on probe jobs --------------------------------------------------------------
def _probe(context: dg.AssetExecutionContext) -> None:
    """Sleep, and append (asset, partition, start, end, pid, whether the step process has the step
    preload: forked from the forkserver that imported it, not a fresh interpreter) to the probe log."""
    import sys

    started = time.time()
    time.sleep(NAP_S)
    partition = context.partition_key if context.has_partition_key else ""
    with open(os.environ[PROBE_LOG_ENV], "a") as log:
        preloaded = "weather_flick_batch.step_preload" in sys.modules
        log.write(f"{context.asset_key.to_user_string()},{partition},{started},{time.time()},{os.getpid()},"
                  f"{preloaded}\n")


@dg.asset
def root(context: dg.AssetExecutionContext) -> None:
    _probe(context)


@dg.asset(deps=[root], partitions_def=dg.StaticPartitionsDefinition(["p1", "p2", "p3"]))
def laned(context: dg.AssetExecutionContext) -> None:
    _probe(context)


@dg.asset(deps=[root])
def beside(context: dg.AssetExecutionContext) -> None:
    _probe(context)


@dg.asset(deps=[root])
def broken(context: dg.AssetExecutionContext) -> None:
    raise dg.Failure("the probe source answered garbage", allow_retries=False)


@dg.asset(deps=[broken])
def after_broken(context: dg.AssetExecutionContext) -> None:
    _probe(context)


@dg.asset(deps=[laned, beside])
def joined(context: dg.AssetExecutionContext) -> None:
    _probe(context)


probe_defs = dg.Definitions(
    assets=[root, laned, beside, broken, after_broken, joined],
    jobs=[dg.define_asset_job("root_job", [root]),
          dg.define_asset_job("laned_job", [laned], tags={"weather_flick/lane": "sync"}),
          dg.define_asset_job("beside_job", [beside], tags={"weather_flick/lane": "weather"}),
          dg.define_asset_job("broken_job", [broken]),
          dg.define_asset_job("after_broken_job", [after_broken]),
          dg.define_asset_job("joined_job", [joined])],
    executor=build_executor({"WEATHER_FLICK_EXECUTOR": "multiprocess"}),
)
defs = probe_defs  # the attribute run_pipeline_concurrently loads, as for the production location

PROBE_STEPS = [
    PipelineStep("root_job"),
    PipelineStep("laned_job", partition_keys=lambda: ["p1", "p2", "p3"]),
    PipelineStep("beside_job"),
    PipelineStep("broken_job"),
    PipelineStep("after_broken_job"),
    PipelineStep("joined_job"),
]


def test_independent_runs_overlap_within_the_lane_limits_and_a_failure_stops_only_what_waits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "probe_dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump({
        "run_coordinator": {"module": "dagster._core.run_coordinator", "class": "QueuedRunCoordinator"},
        "concurrency": {"runs": {"max_concurrent_runs": 8, "tag_concurrency_limits": [
            {"key": "weather_flick/lane", "value": "sync", "limit": 1}]}},
        "telemetry": {"enabled": False}}))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    log = tmp_path / "probe.csv"
    monkeypatch.setenv(PROBE_LOG_ENV, str(log))
    lines: list[str] = []
    with dg.DagsterInstance.get() as instance:
        result = run_pipeline_concurrently(instance, module=__name__, steps=PROBE_STEPS, log_level="WARNING",
                                           progress=lines.append, stop_on_failure=False)
        runs = instance.get_runs()

    spans: dict[str, tuple[float, float, int]] = {}
    preloaded: set[str] = set()
    for row in log.read_text().splitlines():
        asset, partition, start, end, pid, has_preload = row.split(",")
        spans[f"{asset}[{partition}]" if partition else asset] = (float(start), float(end), int(pid))
        preloaded |= {has_preload}
    assert not result.success
    assert any("broken" in f and "the probe source answered garbage" in f for f in result.failures), result.failures
    # What waits for the failure does not run; what does not, does (the joined asset waits for laned and beside).
    assert "after_broken" not in spans and any("after_broken_job: not run" in line for line in lines), lines
    assert set(spans) == {"root", "laned[p1]", "laned[p2]", "laned[p3]", "beside", "joined"}, spans

    def overlap(a: str, b: str) -> bool:
        return spans[a][0] < spans[b][1] and spans[b][0] < spans[a][1]

    laned = [k for k in spans if k.startswith("laned")]
    # The sync lane holds one run at a time; the other lane's run goes beside it.
    assert not any(overlap(a, b) for a in laned for b in laned if a < b), spans
    assert any(overlap("beside", k) for k in laned), spans
    # Nothing starts before what it reads has finished.
    assert all(spans[k][0] >= spans["root"][1] for k in spans if k != "root")
    assert spans["joined"][0] >= max(spans[k][1] for k in [*laned, "beside"])
    # Every step ran in a process of its own, forked per step from the server with the step preload.
    assert os.getpid() not in {pid for *_times, pid in spans.values()}
    assert len({pid for *_times, pid in spans.values()}) == len(spans)
    assert preloaded == {"True"}
    # Recorded as the code location's runs (each job's page lists them), with the lane's tags.
    assert len(runs) == 7 and all(r.remote_job_origin is not None for r in runs)
    assert {r.tags.get("dagster/partition") for r in runs if r.job_name == "laned_job"} == {"p1", "p2", "p3"}

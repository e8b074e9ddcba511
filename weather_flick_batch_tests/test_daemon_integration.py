"""The production instance with the real daemon: queue priorities, limits, and crash recovery.

Set-up, all real: the production ``dagster.yaml`` (copied into a temporary ``DAGSTER_HOME``
with ``max_concurrent_runs: 1`` and short polling intervals, everything else unchanged) on a
fresh PostgreSQL database; a ``dagster-daemon run`` subprocess; runs submitted to the queue with
``dagster job launch`` (the QueuedRunCoordinator enqueues them); the DefaultRunLauncher starting
each run worker as a child of the daemon's code server; the warehouse on another fresh
PostgreSQL database.

The code location is this module's ``probe_defs`` (two small jobs), loaded through a workspace
file written by the test: the platform's jobs hit APIs and take minutes, while these need a
step that can be made to wait, and whose process can be found (it writes its pid) and killed.
The runs carry the platform's real lane tags (``policies.LANE_TAGS``).

What is checked:

1. Queued runs start in priority order (health > weather > sync > analytics > maintenance,
   from ``dagster/priority``) and never more than ``max_concurrent_runs`` at a time.
2. A run whose worker process is killed (SIGKILL) is marked failed -- with the DefaultRunLauncher
   this detection is done by the code server that spawned the worker (Dagster's run monitoring
   cannot check a DefaultRunLauncher worker's health) -- and run retries launch a retry from the
   failure that completes; the warehouse data is complete and was written once.
3. A run whose worker hangs (alive, blocked in a step) is caught by run monitoring through
   ``dagster/max_runtime``, marked failed, and retried the same way. (Not simulated with SIGSTOP:
   cancelling a frozen worker deadlocks the code server, whose multiprocessing Event.set() waits
   for the frozen process to acknowledge; a real hang keeps its threads running.)

No ``from __future__ import annotations``: Dagster reads the ops' annotations at decoration.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml
from sqlalchemy.engine import make_url

from weather_flick_batch import settings
from weather_flick_batch.policies import LANE_TAGS
from weather_flick_batch.regions.assets import region_frame
from weather_flick_batch.resources.warehouse import WarehouseResource
from weather_flick_batch.testing.services import wait_until
from weather_flick_batch.warehouse import schema

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCATION = "daemon_probe"
LABEL_TAG = "probe/label"
RETRY_NUMBER_TAG = "dagster/retry_number"
PARENT_RUN_TAG = "dagster/parent_run_id"


# -- the probe code location (imported by the daemon's code server) -------------------------------
class ProbeConfig(dg.Config):
    seconds: float = 0.5


@dg.op
def probe_step(config: ProbeConfig) -> None:
    time.sleep(config.seconds)


@dg.job(executor_def=dg.in_process_executor)
def daemon_probe_job() -> None:
    probe_step()


def pid_file(run_id: str) -> Path:
    return settings.home_dir() / "probe" / f"{run_id}.pid"


@dg.op
def write_regions(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> int:
    """The data of the run: one transactional replace of the 17 regions (audited in load_audit)."""
    return warehouse.get().replace_rows(schema.province_catalogue, region_frame(), run_id=context.run_id).rows_written


@dg.op
def wait_to_be_killed(context: dg.OpExecutionContext, rows: int) -> int:
    """Publishes the worker's pid; the first attempt then waits for the test to kill or stop it."""
    path = pid_file(context.run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(os.getpid()))
    if RETRY_NUMBER_TAG not in context.run.tags:
        time.sleep(120)
    return rows


# In-process executor: the op runs in the run worker itself, so its pid is the worker's.
@dg.job(executor_def=dg.in_process_executor)
def daemon_regions_job() -> None:
    wait_to_be_killed(write_regions())


probe_defs = dg.Definitions(
    jobs=[daemon_probe_job, daemon_regions_job],
    resources={"warehouse": WarehouseResource(url=os.environ.get("WEATHER_FLICK_WAREHOUSE_URL", "sqlite://"))},
)


# -- fixtures -----------------------------------------------------------------------------------------
pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def wait_for(what: str, predicate: Callable[[], Any], timeout: float, daemon_log: Path | None = None) -> Any:
    try:
        return wait_until(what, predicate, timeout)
    except TimeoutError as exc:
        tail = daemon_log.read_text()[-4000:] if daemon_log and daemon_log.exists() else ""
        raise AssertionError(f"{exc}\n--- daemon log tail ---\n{tail}") from None


@pytest.fixture
def production_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_postgres_url: str) -> Iterator[Path]:
    """DAGSTER_HOME with the production dagster.yaml on a fresh PostgreSQL database, tuned for a test."""
    from weather_flick_batch.testing.services import create_database, drop_database

    config = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    config["concurrency"]["runs"]["max_concurrent_runs"] = 1  # the queue decides the order
    config["run_coordinator"]["config"] = {"dequeue_interval_seconds": 1}
    config["run_monitoring"]["poll_interval_seconds"] = 2
    # Step logs on S3 are tested in test_scale_out (workers) and test_production_instance; here they
    # would only add an S3 server to a test about the queue and the daemon.
    config.pop("compute_logs")
    home = tmp_path / "prod_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    instance_db = make_url(fresh_postgres_url)
    warehouse_db = create_database("wfb_daemon_wh")
    env = {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": instance_db.host, "DAGSTER_PG_PORT": str(instance_db.port),
        "DAGSTER_PG_USERNAME": instance_db.username, "DAGSTER_PG_PASSWORD": "",  # trust auth locally
        "DAGSTER_PG_DB": instance_db.database,
        "WEATHER_FLICK_WAREHOUSE_URL": str(instance_db.set(database=warehouse_db)),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "workspace.yaml").write_text(yaml.safe_dump({"load_from": [{"python_module": {
        "module_name": __name__, "attribute": "probe_defs", "location_name": LOCATION,
        "working_directory": str(ROOT)}}]}))
    try:
        yield home
    finally:
        drop_database(warehouse_db)


@pytest.fixture
def workspace(production_home: Path) -> Path:
    return production_home.parent / "workspace.yaml"


@pytest.fixture
def daemon_log(production_home: Path) -> Path:
    return production_home / "daemon.log"


def start_daemon(workspace: Path, log: Path) -> subprocess.Popen:
    # The instance's storages exist before the daemon and a `dagster job launch` start together:
    # two processes finding a fresh SQLite home both stamp alembic_version (two heads).
    dg.DagsterInstance.get().dispose()
    with open(log, "ab") as out:
        # Its own session: the daemon, its code server and run workers are stopped as one group.
        return subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", str(workspace)], cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the daemon's group (daemon, code server, run workers), then SIGKILL what is left.

    The code server outlives a SIGTERM while it still tracks a run, so the group is always
    killed after the daemon has exited: everything in it was started by this test.
    """
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def launch(workspace: Path, job: str, tags: dict[str, str], config: dict | None = None) -> subprocess.Popen:
    """`dagster job launch`: with the QueuedRunCoordinator this enqueues the run."""
    argv = [str(BIN / "dagster"), "job", "launch", "-w", str(workspace), "-j", job, "--tags", json.dumps(tags)]
    if config is not None:
        argv += ["--config-json", json.dumps(config)]
    return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def launched(proc: subprocess.Popen) -> None:
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out


def runs_by_label(instance: dg.DagsterInstance) -> dict[str, dg.RunRecord]:
    return {r.dagster_run.tags[LABEL_TAG]: r for r in instance.get_run_records()
            if LABEL_TAG in r.dagster_run.tags}


def warehouse_counts(url: str) -> tuple[int, int, list[str]]:
    """(rows in province_catalogue, distinct region codes, run ids of its audited writes)."""
    from weather_flick_batch.warehouse.warehouse import Warehouse

    wh = Warehouse(url)
    try:
        with wh.engine.connect() as conn:
            rows, distinct = conn.exec_driver_sql(
                "SELECT count(*), count(DISTINCT region_code) FROM province_catalogue").one()
            writes = [r[0] for r in conn.exec_driver_sql(
                "SELECT run_id FROM load_audit WHERE table_name = 'province_catalogue' ORDER BY id")]
    finally:
        wh.dispose()
    return rows, distinct, writes


def test_daemon_starts_queued_runs_by_priority_and_recovers_killed_and_hung_runs(
    production_home: Path, workspace: Path, daemon_log: Path
) -> None:
    lanes = ["maintenance", "sync", "health"]  # submitted lowest priority first (three lanes show the order)
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_retries_enabled and instance.run_monitoring_enabled

        # 1. Enqueue while no daemon runs, so the whole queue is there when dequeuing starts.
        for proc in [launch(workspace, "daemon_probe_job", {**LANE_TAGS[lane], LABEL_TAG: lane},
                            {"ops": {"probe_step": {"config": {"seconds": 1.0}}}}) for lane in lanes]:
            launched(proc)
        queued = runs_by_label(instance)
        assert queued.keys() == set(lanes)
        assert {r.dagster_run.status for r in queued.values()} == {dg.DagsterRunStatus.QUEUED}

        daemon = start_daemon(workspace, daemon_log)
        try:
            done = wait_for("the queued runs to finish", lambda: (
                (runs := runs_by_label(instance)) and all(r.dagster_run.is_finished for r in runs.values())
                and runs), timeout=120, daemon_log=daemon_log)
            assert {r.dagster_run.status for r in done.values()} == {dg.DagsterRunStatus.SUCCESS}
            started = sorted(done.values(), key=lambda r: r.start_time)
            # Highest dagster/priority first, whatever the submission order.
            assert [r.dagster_run.tags[LABEL_TAG] for r in started] == ["health", "sync", "maintenance"]
            # max_concurrent_runs: 1 -- each run started only after the previous one ended.
            for previous, following in zip(started, started[1:]):
                assert previous.end_time <= following.start_time, (previous.dagster_run.tags,
                                                                   following.dagster_run.tags)

            # 2. A run whose worker process dies mid-run.
            killed = recover(instance, workspace, daemon_log, "killed", kill=True, extra_tags={})
            failure = [e.message for e in instance.all_logs(killed["first"].run_id)
                       if "terminated by signal 9" in (e.message or "")]
            assert failure, "the crash was not reported on the run"
            assert killed["first"].tags.get("dagster/will_retry") == "true"  # a crash, not a step failure

            # 3. A run whose worker hangs: run monitoring enforces dagster/max_runtime.
            hung = recover(instance, workspace, daemon_log, "hung", kill=False,
                           extra_tags={"dagster/max_runtime": "8"})
            messages = " ".join(e.message or "" for e in instance.all_logs(hung["first"].run_id))
            assert "Exceeded maximum runtime of 8 seconds" in messages or "maximum runtime" in messages
        finally:
            stop_group(daemon)

    # The warehouse: complete (17 regions, no duplicate) and written exactly once per recovered run,
    # by its first attempt: the retry re-executed only the step that had not finished.
    rows, distinct, writes = warehouse_counts(os.environ["WEATHER_FLICK_WAREHOUSE_URL"])
    assert (rows, distinct) == (17, 17)
    assert writes == [killed["first"].run_id, hung["first"].run_id]


def recover(instance: dg.DagsterInstance, workspace: Path, daemon_log: Path, label: str, kill: bool,
            extra_tags: dict[str, str]) -> dict[str, dg.DagsterRun]:
    """Launch daemon_regions_job; kill its worker (or let it hang); wait for the automatic retry to finish."""
    launched(launch(workspace, "daemon_regions_job", {**LANE_TAGS["sync"], **extra_tags, LABEL_TAG: label}))
    first = wait_for(f"the {label} run to be enqueued", lambda: runs_by_label(instance).get(label), 30,
                     daemon_log).dagster_run
    pid = int(wait_for(f"the {label} run's worker to publish its pid",
                       lambda: pid_file(first.run_id).exists() and pid_file(first.run_id).read_text(), 60,
                       daemon_log))
    if kill:
        os.kill(pid, signal.SIGKILL)
    # Otherwise the worker stays blocked in its step, alive, as a run stuck on a dead connection would.
    wait_for(f"the {label} run to be marked failed", lambda: (
        instance.get_run_by_id(first.run_id).status == dg.DagsterRunStatus.FAILURE), 60, daemon_log)
    first = instance.get_run_by_id(first.run_id)

    def retry() -> dg.DagsterRun | None:
        children = [r.dagster_run for r in instance.get_run_records(
            filters=dg.RunsFilter(tags={PARENT_RUN_TAG: first.run_id}))]
        return children[0] if children and children[0].is_finished else None

    second = wait_for(f"the retry of the {label} run to finish", retry, 60, daemon_log)
    assert second.status == dg.DagsterRunStatus.SUCCESS
    assert second.tags[RETRY_NUMBER_TAG] == "1" and second.tags[LABEL_TAG] == label
    # Retried from the failure: the finished write step was not executed again.
    executed = {s.step_key for s in instance.get_run_step_stats(second.run_id)}
    assert executed == {"wait_to_be_killed"}, executed
    return {"first": instance.get_run_by_id(first.run_id), "second": second}

"""The embedded instance handles crashed runs: a run whose worker was SIGKILLed is marked failed.

All real: the shipped deploy/local/dagster.yaml (unchanged) in a temporary DAGSTER_HOME, run
workers in their own processes, killed with SIGKILL; then either ``weather-flick-batch``'s own
sweep (what ``make run`` does first) or a ``dagster-daemon run`` with the shipped run monitoring
notices, marks the runs failed, and a queued run launches.

No ``from __future__ import annotations``: Dagster reads the op's annotations at decoration.
"""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml

from weather_flick_batch.run_monitoring import fail_orphaned_runs, run_worker, worker_alive
from weather_flick_batch_tests.test_daemon_integration import launch, launched, start_daemon, stop_group, wait_for

ROOT = Path(__file__).resolve().parent.parent
LOCATION = "crash_probe"


class NapConfig(dg.Config):
    seconds: float = 0.2


@dg.op
def nap(config: NapConfig) -> None:
    time.sleep(config.seconds)


@dg.job(executor_def=dg.in_process_executor)
def crash_probe_job() -> None:
    nap()


probe_defs = dg.Definitions(jobs=[crash_probe_job])

# A run worker that stays in its step until killed: the way `make run` executes (in process).
_WORKER = textwrap.dedent("""
    import dagster as dg
    from weather_flick_batch_tests.test_run_monitoring import crash_probe_job
    with dg.DagsterInstance.get() as instance:
        crash_probe_job.execute_in_process(instance=instance,
                                           run_config={"ops": {"nap": {"config": {"seconds": 600}}}})
""")


@pytest.fixture
def local_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "local_dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "local" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    (tmp_path / "workspace.yaml").write_text(yaml.safe_dump({"load_from": [{"python_module": {
        "module_name": __name__, "attribute": "probe_defs", "location_name": LOCATION,
        "working_directory": str(ROOT)}}]}))
    return home


def _started_and_killed(count: int) -> list[str]:
    """Start ``count`` run workers, wait until each has reported its pid, SIGKILL them; their run ids."""
    # Create the instance's SQLite storages here first: workers that each find a fresh DAGSTER_HOME
    # race to stamp the schedule storage's alembic_version, leaving two heads (seen once in CI).
    dg.DagsterInstance.get().dispose()
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER], cwd=ROOT, env=os.environ.copy())
               for _ in range(count)]
    try:
        with dg.DagsterInstance.get() as instance:
            def started():
                runs = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
                return [r.run_id for r in runs] if len(runs) == count and all(
                    run_worker(instance, r.run_id) for r in runs) else None

            run_ids = wait_for(f"{count} started runs", started, timeout=60)
            assert all(worker_alive(run_worker(instance, r)) for r in run_ids)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
    with dg.DagsterInstance.get() as instance:
        assert {instance.get_run_by_id(r).status for r in run_ids} == {dg.DagsterRunStatus.STARTED}
        assert not any(worker_alive(run_worker(instance, r)) for r in run_ids)
    return run_ids


def test_the_sweep_fails_killed_runs_and_leaves_live_ones(local_home: Path) -> None:
    (killed,) = _started_and_killed(1)
    with dg.DagsterInstance.get() as instance:
        live = crash_probe_job.execute_in_process(instance=instance)  # finished: not STARTED, never touched
        assert fail_orphaned_runs(instance) == [killed]
        run = instance.get_run_by_id(killed)
        assert run.status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(live.run_id).status == dg.DagsterRunStatus.SUCCESS
        assert fail_orphaned_runs(instance) == []  # idempotent
        message = [e.message for e in instance.all_logs(killed) if e.dagster_event
                   and e.dagster_event.event_type == dg.DagsterEventType.RUN_FAILURE][0]
        assert "run worker (pid" in message and "is gone" in message


def test_the_daemon_fails_killed_runs_and_the_queue_moves_on(local_home: Path, tmp_path: Path) -> None:
    """Two killed runs fill max_concurrent_runs (2); without run monitoring nothing would launch again."""
    killed = _started_and_killed(2)
    workspace, log = tmp_path / "workspace.yaml", local_home / "daemon.log"
    daemon = start_daemon(workspace, log)
    try:
        launched(launch(workspace, "crash_probe_job", {"probe": "after-the-crash"}))
        with dg.DagsterInstance.get() as instance:
            def finished():
                runs = instance.get_runs(filters=dg.RunsFilter(tags={"probe": "after-the-crash"}))
                return runs[0] if runs and runs[0].status == dg.DagsterRunStatus.SUCCESS else None

            wait_for("the queued run to succeed", finished, timeout=120, daemon_log=log)
            assert {instance.get_run_by_id(r).status for r in killed} == {dg.DagsterRunStatus.FAILURE}
    finally:
        stop_group(daemon)

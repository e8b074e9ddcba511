"""Crashed runs on one machine: a killed run worker is noticed and its run marked failed.

Dagster's run monitoring asks the run launcher whether a STARTED run's worker is alive; the
DefaultRunLauncher cannot say, so in the embedded instance a run whose process was killed
(``kill -9``, an OOM kill, a closed laptop lid on ``make run``) stayed STARTED for ever and, once
``max_concurrent_runs`` such runs had piled up, nothing launched again.

Every run worker records its pid in the run's first engine event ("Started process for run",
"Executing steps in process"). On the machine that runs them, that is enough to tell: the worker is
alive if a process with that pid exists, is not a zombie, and was started no later than the event
(a pid reused by a later process does not count).

- :class:`LocalRunLauncher` is the DefaultRunLauncher plus that health check; with
  ``run_monitoring`` enabled (deploy/local/dagster.yaml) the daemon of ``make dev`` fails such runs
  within one poll, which frees the queue.
- :func:`fail_orphaned_runs` does the same once, without a daemon: ``weather-flick-batch run``
  calls it first, so a ``make run`` killed half-way leaves no STARTED runs behind.

Only for instances whose runs all execute on this machine (the embedded instance). The production
instance's runs start from code servers that watch their own workers (docs/topology.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.launcher.default_run_launcher import DefaultRunLauncher

#: A process may be created a moment before its first engine event is written, never after.
_CLOCK_SLACK_S = 2.0


@dataclass(frozen=True)
class RunWorker:
    pid: int
    reported_at: float  # the engine event's timestamp (epoch seconds)


def run_worker(instance: dg.DagsterInstance, run_id: str) -> RunWorker | None:
    """The run's worker process as its first engine event recorded it; None before it started."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, limit=20).records
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is None or event.step_key is not None:
            continue  # a step's subprocess (multiprocess executor), not the run worker
        metadata: Mapping[str, Any] = getattr(event.event_specific_data, "metadata", None) or {}
        pid = metadata.get("pid")
        if pid is not None:
            return RunWorker(int(getattr(pid, "value", pid)), record.event_log_entry.timestamp)
    return None


def worker_alive(worker: RunWorker) -> bool:
    import psutil

    try:
        process = psutil.Process(worker.pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return process.create_time() <= worker.reported_at + _CLOCK_SLACK_S
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # someone else's live process: not ours to judge
        return True


def _gone_message(worker: RunWorker) -> str:
    return (f"the run worker (pid {worker.pid}) is gone: killed or crashed without reporting; the run is marked "
            "failed so the queue moves on (re-execute it from the UI, or let run retries do it)")


class LocalRunLauncher(DefaultRunLauncher):
    """The DefaultRunLauncher, able to tell run monitoring whether a run's worker still lives."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        worker = run_worker(self._instance, run.run_id)
        if worker is None:
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, "the run worker has not reported its pid yet")
        if worker_alive(worker):
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(WorkerStatus.FAILED, _gone_message(worker))


def fail_orphaned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark STARTED runs whose worker is gone as failed; their run ids."""
    failed = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        run = record.dagster_run
        worker = run_worker(instance, run.run_id)
        if worker is None or worker_alive(worker):
            continue
        instance.report_run_failed(run, _gone_message(worker))
        failed.append(run.run_id)
    return failed

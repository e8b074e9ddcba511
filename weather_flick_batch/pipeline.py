"""Running the whole graph once, in process: what `make run` does and what CI checks.

Partitioned assets run one job per partitions definition, for the partition the clock says is
current; the steps run in dependency order, so every run reads what the previous step wrote.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import dagster as dg

from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.weather.issuance import MID_RANGE, NOWCAST, ULTRA_SHORT, IssuanceKind


@dataclass(frozen=True)
class PipelineStep:
    job_name: str
    partition_key: Callable[[datetime], str | None] = lambda _now: None
    # Static partitions (e.g. provinces): one run per key, in order.
    partition_keys: Callable[[], list[str]] | None = None
    # Why the step does not apply to this deployment (None: it runs), e.g. no back-end tables.
    skip_reason: Callable[[], str | None] = lambda: None
    # Steps this one waits for beyond what the asset lineage says (op jobs have no lineage); "*":
    # every step before it. See step_dependencies.
    after: tuple[str, ...] = ()

    def keys(self, now: datetime) -> list[str | None]:
        return list(self.partition_keys()) if self.partition_keys else [self.partition_key(now)]


def _provinces() -> list[str]:
    from weather_flick_batch.destinations.assets import PROVINCE_PARTITION_KEYS

    return list(PROVINCE_PARTITION_KEYS)


def _latest(kind: IssuanceKind) -> Callable[[datetime], str]:
    def key(now: datetime) -> str:
        return kind.partition_key(kind.latest(now))

    return key


def _latest_dust_forecast(now: datetime) -> str:
    from weather_flick_batch.air_quality import issuance

    return issuance.partition_key(issuance.latest_issuance(now))


def _two_newest_short_range() -> list[str]:
    """The outlook blends the two newest issuances, and verification pairs the older one's
    forecasts with the hour just observed; the previous window is also what freshness expects."""
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.weather import issuance

    newest = issuance.latest_short_range_issuance(now_kst())
    return [issuance.short_range_partition_key(b) for b in (issuance.previous_short_range_issuance(newest), newest)]


def _without_backend_tables() -> str | None:
    """Trip notices need the back end's user tables: the embedded warehouse holds them (seeded);
    a PostgreSQL warehouse has them only where the back end's database is (WEATHER_FLICK_SERVICE_SCHEMA)."""
    import os

    from weather_flick_batch import settings
    from weather_flick_batch.warehouse import backend_tables
    from weather_flick_batch.warehouse.warehouse import Warehouse

    wh = Warehouse(settings.warehouse_url(), os.environ.get("WEATHER_FLICK_WAREHOUSE_PASSWORD") or None)
    try:
        with wh.engine.connect() as conn:
            absent = backend_tables.missing(conn, wh.service_schema)
    finally:
        wh.dispose()
    return f"the back end's tables {absent} are not in this warehouse" if absent else None


# The whole graph in dependency order; each domain adds its steps here.
PIPELINE: list[PipelineStep] = [
    PipelineStep("refresh_reference"),
    PipelineStep("destinations_sync_job", partition_keys=_provinces),
    PipelineStep("refresh_catalogue_derived"),
    PipelineStep("weather_nowcast_job", _latest(NOWCAST)),
    PipelineStep("weather_ultra_short_job", _latest(ULTRA_SHORT)),
    PipelineStep("weather_short_range_job", partition_keys=_two_newest_short_range),
    PipelineStep("weather_mid_range_job", _latest(MID_RANGE)),
    PipelineStep("weather_warnings_job"),
    PipelineStep("dust_forecast_job", _latest_dust_forecast),
    PipelineStep("dust_measurements_job"),
    PipelineStep("refresh_derived"),
    # Sample plans visit published destinations; the notices read the plans.
    PipelineStep("seed_sample_trips_job", skip_reason=_without_backend_tables, after=("refresh_catalogue_derived",)),
    PipelineStep("trip_notices_job", skip_reason=_without_backend_tables, after=("seed_sample_trips_job",)),
    PipelineStep("refresh_analytics"),
    # The probes judge the freshness of everything above.
    PipelineStep("health_job", after=("*",)),
]


# Every asset check against the warehouse as it stands (`make checks`, published_checks.py): the
# publication checks on the published rows, the standalone checks, and the health probes.
CHECK_STEPS: list[PipelineStep] = [
    PipelineStep("audit_published_data"),
    PipelineStep("standalone_asset_checks"),
    PipelineStep("health_job"),
]


@dataclass
class CheckOutcome:
    asset: str
    check: str
    passed: bool
    severity: str
    description: str

    def line(self) -> str:
        status = "ok  " if self.passed else "FAIL"
        return f"  [{status}] {self.asset}:{self.check} ({self.severity}) {'' if self.passed else self.description}"


@dataclass
class PipelineResult:
    success: bool
    materializations: dict[str, dict] = field(default_factory=dict)
    checks: list[CheckOutcome] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # job -> why it does not apply here
    seconds: float = 0.0

    @property
    def failed_error_checks(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed and c.severity == "ERROR"]

    @property
    def failed_gating_checks(self) -> list[CheckOutcome]:
        """ERROR failures that decide the exit status: data and required services, not host load."""
        return [c for c in self.failed_error_checks if (c.asset, c.check) not in HOST_LOAD_CHECKS]


#: Checks of how busy the host is: reported, never the exit status of a run (`make run` pegs a small
#: host by design; a busy-loop beside it must not turn a good pipeline into a failed one).
HOST_LOAD_CHECKS = {("platform/health", "cpu_use"), ("platform/health", "memory_use")}


def _check_outcomes(result: dg.ExecuteInProcessResult) -> list[CheckOutcome]:
    outcomes = []
    for evaluation in result.get_asset_check_evaluations():
        meta = {k: getattr(v, "value", v) for k, v in (evaluation.metadata or {}).items()}
        detail = "; ".join(f"{k}={v}" for k, v in meta.items())
        outcomes.append(
            CheckOutcome(
                asset=evaluation.asset_key.to_user_string(),
                check=evaluation.check_name,
                passed=evaluation.passed,
                severity=evaluation.severity.value,
                description=(evaluation.description or detail)[:500],
            )
        )
    return outcomes


def run_pipeline(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    now: datetime | None = None,
    steps: Sequence[PipelineStep] | None = None,
    log_level: str = "INFO",
    progress: Callable[[str], None] | None = None,
    with_origin: bool = False,
    stop_on_failure: bool = True,
) -> PipelineResult:
    """Materialize every step of the pipeline with the in-process executor; stops at the first failure.

    ``progress`` receives one line per finished run (job, partition, seconds, assets and rows) and the
    total at the end, so a long run is never silent. ``with_origin``: the runs carry the code
    location's origin, as runs launched from the UI do, so each job's page lists them (``make run``).
    """
    now = now or now_kst()
    outcome = PipelineResult(success=True)
    skipped: dict[str, str | None] = {}
    runs = [(s, k) for s in (steps or PIPELINE) for k in s.keys(now)]
    say = progress or (lambda _line: None)
    say(f"Running {len(runs)} run(s) of {len({s.job_name for s, _ in runs})} job(s), in dependency order:")
    started_all = time.perf_counter()
    for number, (step, partition_key) in enumerate(runs, start=1):
        if step.job_name not in skipped:
            skipped[step.job_name] = step.skip_reason()
        if skipped[step.job_name]:
            outcome.skipped[step.job_name] = skipped[step.job_name]
            say(f"  [{number}/{len(runs)}] {step.job_name}: skipped ({skipped[step.job_name]})")
            continue
        job = defs.resolve_job_def(step.job_name)
        started = time.perf_counter()
        run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
        if with_origin:
            result = _execute_with_origin(job, instance, partition_key, run_config)
        else:
            result = job.execute_in_process(instance=instance, partition_key=partition_key, raise_on_error=False,
                                            run_config=run_config)
        say(_record(outcome, step, partition_key, result, time.perf_counter() - started, f"[{number}/{len(runs)}]"))
        if not result.success and stop_on_failure:
            break
    outcome.seconds = time.perf_counter() - started_all
    say(f"Done in {outcome.seconds:.0f} s.")
    return outcome


def _record(outcome: PipelineResult, step: PipelineStep, partition_key: str | None, result, seconds: float,
            label: str) -> str:
    """Add one finished run to ``outcome``; its progress line."""
    run_rows = 0
    events = result.get_asset_materialization_events()
    for event in events:
        mat = event.event_specific_data.materialization
        key = mat.asset_key.to_user_string() + (f"[{mat.partition}]" if mat.partition else "")
        outcome.materializations[key] = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
        run_rows += int(outcome.materializations[key].get("dagster/row_count") or 0)
    # A check evaluated in several runs (e.g. freshness, once per partition) reports its latest state.
    for check in _check_outcomes(result):
        outcome.checks = [c for c in outcome.checks if (c.asset, c.check) != (check.asset, check.check)]
        outcome.checks.append(check)
    if not result.success:
        outcome.success = False
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
                err = event.step_failure_data.error
                while err.cause is not None:  # "Exceeded max_retries" wraps the real error
                    err = err.cause
                outcome.failures.append(f"{event.step_key}: {err.message.strip().splitlines()[0]}")
    return (f"  {label} {step.job_name}{f' [{partition_key}]' if partition_key else ''}: "
            f"{'ok' if result.success else 'FAILED'} in {seconds:.1f} s, {len(events)} asset(s), {run_rows:,} rows")


def step_dependencies(repository: dg.RepositoryDefinition, steps: Sequence[PipelineStep]) -> list[set[int]]:
    """For each step (by index), the earlier steps it must wait for.

    A step waits for each earlier step that materializes an asset upstream of its own (followed
    through assets no step materializes) and for the steps its ``after`` names ("*": every earlier
    one). Only earlier steps count, so the order of ``PIPELINE`` still decides between steps that
    read each other (the fine-dust forecast and measurements share their stations). Derived from the
    definitions, so a new dependency between domains moves the steps by itself.
    """
    graph = repository.asset_graph
    owned = [set(repository.get_job(s.job_name).asset_layer.executable_asset_keys) for s in steps]
    owners: dict[dg.AssetKey, set[int]] = {}  # an asset may be materialized by several steps
    for index, keys in enumerate(owned):
        for key in keys:
            owners.setdefault(key, set()).add(index)
    dependencies: list[set[int]] = []
    for index, step in enumerate(steps):
        found: set[int] = set()
        seen: set[dg.AssetKey] = set()
        frontier = [parent for key in owned[index] for parent in graph.get(key).parent_keys]
        while frontier:
            key = frontier.pop()
            if key in seen or key in owned[index]:
                continue
            seen.add(key)
            if key in owners:
                found |= owners[key]
            elif graph.has(key):  # materialized by no step: look through it
                frontier.extend(graph.get(key).parent_keys)
        for name in step.after:
            found |= set(range(index)) if name == "*" else {i for i, s in enumerate(steps) if s.job_name == name}
        dependencies.append({i for i in found if i < index})
    return dependencies


def pipeline_waves(repository: dg.RepositoryDefinition,
                   steps: Sequence[PipelineStep] | None = None) -> list[list[PipelineStep]]:
    """The steps by depth: a step sits one wave after the deepest step it waits for, so the steps of a
    wave never wait for each other (what ``weather-flick-batch run --concurrent`` may overlap)."""
    steps = list(steps or PIPELINE)
    depth: list[int] = []
    for waits in step_dependencies(repository, steps):
        depth.append(1 + max((depth[i] for i in waits), default=-1))
    waves: list[list[PipelineStep]] = [[] for _ in range(max(depth, default=-1) + 1)]
    for step, wave in zip(steps, depth):
        waves[wave].append(step)
    return waves


def run_pipeline_concurrently(
    instance: dg.DagsterInstance,
    module: str | None = None,
    now: datetime | None = None,
    steps: Sequence[PipelineStep] | None = None,
    log_level: str = "INFO",
    progress: Callable[[str], None] | None = None,
    stop_on_failure: bool = True,
) -> PipelineResult:
    """Every step of the pipeline on its job's own executor (multiprocess or Celery: the steps run in
    other processes), a run starting as soon as the runs it waits for have succeeded
    (:func:`step_dependencies`), so independent runs overlap: the province syncs beside the warnings
    and fine dust, the weather jobs beside each other.

    Within the same limits as the run queue: the instance's ``max_concurrent_runs`` and its tag
    limits (the lanes: two sync runs at a time in production) decide how many start, highest
    ``dagster/priority`` first; the executors claim the per-API pool slots as always. The runs are
    orchestrated by threads of this process rather than one run worker process each (what the queue
    launches): on a small host that start-up (importing Dagster and the location, ~2 s of CPU per
    run) cost more than the overlap gains. The runs carry the code location's origin (``module``,
    default the production definitions) as ``make run``'s do.

    A run of a job on the in-process executor (the default, and the health job's own) runs alone:
    Dagster captures the whole process's output for it. A failed run stops every run that waits for
    it; with ``stop_on_failure`` no new run starts after a failure (the ones running finish).
    """
    import concurrent.futures

    from dagster._core.execution.api import execute_run

    now = now or now_kst()
    module = module or DEFINITIONS_MODULE
    repository = _workspace_origins(module)[0].get_definition()
    steps = list(steps or PIPELINE)
    waits = step_dependencies(repository, steps)
    say = progress or (lambda _line: None)
    outcome = PipelineResult(success=True)
    pending = [(index, step, key) for index, step in enumerate(steps) for key in step.keys(now)]
    total = len(pending)
    say(f"Running {total} run(s) of {len({s.job_name for s in steps})} job(s), independent ones at once:")
    limits = _run_limits(instance)
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    unfinished = {index: sum(1 for i, _s, _k in pending if i == index) for index in range(len(steps))}
    failed: set[int] = set()  # steps that failed or cannot run: what waits for them does not run
    running: dict[concurrent.futures.Future, tuple[int, PipelineStep, str | None, dict, float]] = {}
    started_all = time.perf_counter()

    def execute(step: PipelineStep, key: str | None) -> Any:
        # The reconstructable job: its executor runs the steps in other processes, which rebuild it.
        run, recon_job = _create_run_with_origin(repository.get_job(step.job_name), instance, key, run_config, module)
        return execute_run(recon_job, run, instance)

    def in_process(step: PipelineStep) -> bool:
        return repository.get_job(step.job_name).executor_def.name not in ("multiprocess", "celery")

    def priority(run: tuple[int, PipelineStep, str | None]) -> int:
        return -int(repository.get_job(run[1].job_name).tags.get("dagster/priority", 0))

    for index, step in enumerate(steps):
        reason = step.skip_reason()
        if reason:
            outcome.skipped[step.job_name] = reason
            pending = [r for r in pending if r[0] != index]
            unfinished[index] = 0
            say(f"  {step.job_name}: skipped ({reason})")
    # Dagster builds each run's log handlers with logging.config.dictConfig, which closes every handler
    # of the process while holding logging's lock: with runs in threads it deadlocked against a thread
    # writing an event (seen on the first nationwide try). Built once here, before any thread starts.
    handlers = instance.get_yaml_python_handlers()
    instance.get_yaml_python_handlers = lambda: handlers  # type: ignore[method-assign]
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, total), thread_name_prefix="run") as pool:
            while pending or running:
                stopping = stop_on_failure and not outcome.success
                for run in sorted(pending, key=priority):  # as the queue: highest dagster/priority first
                    index, step, key = run
                    if failed & waits[index] or stopping:
                        pending.remove(run)
                        failed.add(index)
                        why = "stopped after a failure" if stopping else "a run it waits for failed"
                        say(f"  {step.job_name}{f' [{key}]' if key else ''}: not run ({why})")
                        continue
                    if any(unfinished[i] for i in waits[index]):
                        continue
                    tags = _run_tags(repository.get_job(step.job_name), key)
                    if not _fits(limits, tags, [t for _i, _s, _k, t, _started in running.values()]):
                        continue
                    # A run on the in-process executor captures the output of the whole process (its
                    # compute logs): it runs alone, nothing starts beside it.
                    if running and (in_process(step) or any(in_process(r[1]) for r in running.values())):
                        continue
                    pending.remove(run)
                    running[pool.submit(execute, step, key)] = (index, step, key, tags, time.perf_counter())
                if not running:
                    if pending:  # nothing runs and nothing may start: a limit of 0 would wait forever
                        raise RuntimeError("no run can start within the instance's run limits: "
                                           f"{pending[0][1].job_name}")
                    continue
                done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    index, step, key, _tags, started = running.pop(future)
                    result = future.result()
                    finished = total - len(pending) - len(running)
                    say(_record(outcome, step, key, result, time.perf_counter() - started, f"[{finished}/{total}]"))
                    unfinished[index] -= 1
                    if not result.success:
                        failed.add(index)
    finally:
        del instance.get_yaml_python_handlers
    outcome.seconds = time.perf_counter() - started_all
    say(f"Done in {outcome.seconds:.0f} s.")
    return outcome


def _run_limits(instance: dg.DagsterInstance) -> tuple[int | None, list[dict]]:
    """``max_concurrent_runs`` (None: no limit) and the tag concurrency limits the instance's run queue
    applies; without a run queue, one run per core."""
    from dagster._core.run_coordinator.queued_run_coordinator import QueuedRunCoordinator

    config = instance.get_concurrency_config().run_queue_config  # dagster.yaml's concurrency.runs included
    if not isinstance(instance.run_coordinator, QueuedRunCoordinator) or config is None:
        return os.cpu_count() or 1, []  # no run queue (the embedded instance): as many runs as cores
    maximum = config.max_concurrent_runs
    return (None if maximum is None or maximum < 0 else max(1, maximum)), list(config.tag_concurrency_limits or [])


def _fits(limits: tuple[int | None, list[dict]], tags: dict, running: list[dict]) -> bool:
    """Whether a run with ``tags`` may start beside the runs with the ``running`` tags (the queue's rule)."""
    maximum, tag_limits = limits
    if maximum is not None and len(running) >= maximum:
        return False
    for limit in tag_limits:
        key, value = limit["key"], limit.get("value")
        if key not in tags:
            continue
        if isinstance(value, str) and tags[key] != value:
            continue
        # No value: the limit counts every run with the key; applyLimitPerUniqueValue: each value apart.
        per_value = isinstance(value, dict) and value.get("applyLimitPerUniqueValue")
        same = [t for t in running if key in t and (not (isinstance(value, str) or per_value) or t[key] == tags[key])]
        if len(same) >= limit["limit"]:
            return False
    return True


#: The code location as workspace.yaml declares it: runs recorded with this origin belong to its jobs.
LOCATION_NAME = "weather_flick_batch"
DEFINITIONS_MODULE = "weather_flick_batch.definitions"


@functools.cache
def _workspace_origins(module: str = DEFINITIONS_MODULE):
    """The repository as workspace.yaml loads it (from ``module``): where its jobs can be reloaded from
    (for re-execution from the UI) and the repository origin runs are recorded with. Built once per process."""
    import sys
    from pathlib import Path

    # Dagster has no public API for "in process, but with the workspace's origin" (issue #17).
    from dagster._core.definitions.reconstruct import ReconstructableRepository
    from dagster._core.remote_origin import ManagedGrpcPythonEnvCodeLocationOrigin, RemoteRepositoryOrigin
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

    root = str(Path(__file__).resolve().parent.parent)  # workspace.yaml's working_directory
    reconstructable = ReconstructableRepository.for_module(module, "defs", working_directory=root)
    location = ManagedGrpcPythonEnvCodeLocationOrigin(
        loadable_target_origin=LoadableTargetOrigin(executable_path=sys.executable, module_name=module,
                                                    attribute="defs", working_directory=root),
        location_name=LOCATION_NAME)
    return reconstructable, RemoteRepositoryOrigin(code_location_origin=location, repository_name="__repository__")


def _run_tags(job: dg.JobDefinition, partition_key: str | None) -> dict[str, str]:
    """A run's tags: the job's (its lane) and the partition's."""
    return {**job.tags, **({"dagster/partition": partition_key} if partition_key else {})}


def _create_run_with_origin(job: dg.JobDefinition, instance: dg.DagsterInstance, partition_key: str | None,
                            run_config: dict, module: str = DEFINITIONS_MODULE):
    """A new run of ``job`` recorded with the code location's origin (repository ``__repository__`` of
    location ``weather_flick_batch``, loaded from ``module`` as workspace.yaml loads it), as a run
    launched from the UI would be: the job's page lists it and its run page re-executes it without a
    warning. The run and the job's reconstructable form."""
    from dagster._core.remote_origin import RemoteJobOrigin

    reconstructable, repository_origin = _workspace_origins(module)
    recon_job = reconstructable.get_reconstructable_job(job.name)
    run = instance.create_run_for_job(
        job, run_config=run_config, tags=_run_tags(job, partition_key),
        remote_job_origin=RemoteJobOrigin(repository_origin=repository_origin, job_name=job.name),
        job_code_origin=recon_job.get_python_origin())
    return run, recon_job


def _execute_with_origin(job: dg.JobDefinition, instance: dg.DagsterInstance, partition_key: str | None,
                         run_config: dict):
    """Run ``job`` in this process like ``execute_in_process``, but recorded with the code location's
    origin (:func:`_create_run_with_origin`)."""
    from dagster._core.definitions.job_base import InMemoryJob
    from dagster._core.execution.api import execute_run

    run, _recon_job = _create_run_with_origin(job, instance, partition_key, run_config)
    # The run executes the given definition (its resources were built from this process's settings), in
    # this process whatever WEATHER_FLICK_EXECUTOR says, as execute_in_process would.
    return execute_run(InMemoryJob(job.with_executor_def(dg.in_process_executor)), run, instance)


def checks_summary(result: PipelineResult, verbose: bool = False) -> str:
    """What `make checks` prints: one line per failed check (every check with ``verbose``), the totals."""
    lines = [""]
    for check in sorted(result.checks, key=lambda c: (c.asset, c.check)):
        if verbose or not check.passed:
            lines.append(check.line() + (" [host load: not counted in the exit status]"
                                         if (check.asset, check.check) in HOST_LOAD_CHECKS else ""))
    failed = result.failed_gating_checks
    warned = [c for c in result.checks if not c.passed and c not in failed]
    lines.append(f"Asset checks: {sum(c.passed for c in result.checks)}/{len(result.checks)} passed on "
                 f"{len({c.asset for c in result.checks})} assets; {len(failed)} ERROR failure(s), "
                 f"{len(warned)} other failure(s) (warnings, host load).")
    lines.extend(f"  failure: {f}" for f in result.failures)
    return "\n".join(lines)


def summary(result: PipelineResult, where: str) -> str:
    lines = ["", "WeatherFlick Batch pipeline: " + ("SUCCESS" if result.success else "FAILED"), ""]
    assets = {key.split("[", 1)[0] for key in result.materializations}
    partitions = sum(1 for key in result.materializations if "[" in key)
    lines.append(f"Materialized {len(assets)} asset(s) ({len(result.materializations)} materializations, "
                 f"{partitions} of them partitions) in {result.seconds:.0f} s:")
    for key, meta in result.materializations.items():
        rows = meta.get("dagster/row_count")
        lines.append(f"  {key}" + (f": {rows} rows" if rows is not None else ""))
    lines.extend(f"Skipped {job}: {why}" for job, why in result.skipped.items())
    passed = sum(c.passed for c in result.checks)
    lines.append(f"Asset checks: {passed}/{len(result.checks)} passed")
    lines.extend(c.line() + (" [host load: not counted in the exit status]"
                             if (c.asset, c.check) in HOST_LOAD_CHECKS else "")
                 for c in result.checks if not c.passed)
    lines.extend(f"  failure: {f}" for f in result.failures)
    lines.append("")
    lines.append(where)
    return "\n".join(lines)

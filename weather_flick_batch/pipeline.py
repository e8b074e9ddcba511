"""Running the whole graph once, in process: what `make run` does and what CI checks.

Partitioned assets run one job per partitions definition, for the partition the clock says is
current; the steps run in dependency order, so every run reads what the previous step wrote.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

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
    PipelineStep("seed_sample_trips_job", skip_reason=_without_backend_tables),
    PipelineStep("trip_notices_job", skip_reason=_without_backend_tables),
    PipelineStep("refresh_analytics"),
    PipelineStep("health_job"),
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
        run_rows = 0
        events = result.get_asset_materialization_events()
        for event in events:
            mat = event.event_specific_data.materialization
            key = mat.asset_key.to_user_string() + (f"[{mat.partition}]" if mat.partition else "")
            outcome.materializations[key] = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
            run_rows += int(outcome.materializations[key].get("dagster/row_count") or 0)
        say(f"  [{number}/{len(runs)}] {step.job_name}{f' [{partition_key}]' if partition_key else ''}: "
            f"{'ok' if result.success else 'FAILED'} in {time.perf_counter() - started:.1f} s, "
            f"{len(events)} asset(s), {run_rows:,} rows")
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
            if stop_on_failure:
                break
    outcome.seconds = time.perf_counter() - started_all
    say(f"Done in {outcome.seconds:.0f} s.")
    return outcome


#: The code location as workspace.yaml declares it: runs recorded with this origin belong to its jobs.
LOCATION_NAME = "weather_flick_batch"
DEFINITIONS_MODULE = "weather_flick_batch.definitions"


@functools.cache
def _workspace_origins():
    """The repository as workspace.yaml loads it: where its jobs can be reloaded from (for
    re-execution from the UI) and the repository origin runs are recorded with. Built once per process."""
    import sys
    from pathlib import Path

    # Dagster has no public API for "in process, but with the workspace's origin" (issue #17).
    from dagster._core.definitions.reconstruct import ReconstructableRepository
    from dagster._core.remote_origin import ManagedGrpcPythonEnvCodeLocationOrigin, RemoteRepositoryOrigin
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

    root = str(Path(__file__).resolve().parent.parent)  # workspace.yaml's working_directory
    reconstructable = ReconstructableRepository.for_module(DEFINITIONS_MODULE, "defs", working_directory=root)
    location = ManagedGrpcPythonEnvCodeLocationOrigin(
        loadable_target_origin=LoadableTargetOrigin(executable_path=sys.executable, module_name=DEFINITIONS_MODULE,
                                                    attribute="defs", working_directory=root),
        location_name=LOCATION_NAME)
    return reconstructable, RemoteRepositoryOrigin(code_location_origin=location, repository_name="__repository__")


def _execute_with_origin(job: dg.JobDefinition, instance: dg.DagsterInstance, partition_key: str | None,
                         run_config: dict):
    """Run ``job`` in this process like ``execute_in_process``, but recorded with the code location's
    origin (repository ``__repository__`` of location ``weather_flick_batch``, loaded from this
    module as workspace.yaml loads it), as a run launched from the UI would be: the job's page
    lists it and its run page re-executes it without a warning."""
    from dagster._core.definitions.job_base import InMemoryJob
    from dagster._core.execution.api import execute_run
    from dagster._core.remote_origin import RemoteJobOrigin

    reconstructable, repository_origin = _workspace_origins()
    tags = {**job.tags, **({"dagster/partition": partition_key} if partition_key else {})}
    run = instance.create_run_for_job(
        job, run_config=run_config, tags=tags,
        remote_job_origin=RemoteJobOrigin(repository_origin=repository_origin, job_name=job.name),
        job_code_origin=reconstructable.get_reconstructable_job(job.name).get_python_origin())
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

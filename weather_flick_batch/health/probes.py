"""Platform health probes: plain functions that measure one thing each and grade it.

Dagster-free on purpose. The asset checks (every 5 minutes and alongside the assets they guard)
and the metrics job wrap these functions; tests drive them against the real PostgreSQL, Redis and
psutil, and cross thresholds by changing :class:`Thresholds`, never by filling a disk.

Every probe takes its dependencies as arguments (engine, Redis client, psutil module, a callable)
and never reads globals or settings, so the caller decides what is probed and with which limits.
Every probe returns a list of :class:`ProbeResult` (one per check) and never raises: a probe that
cannot measure reports ``error`` with a one-line, redacted message, because "cannot tell" is the
state an operator must hear about.

Grading (:func:`classify`): a value exactly on a threshold is still on the better side. For
"higher is worse" measures (CPU %, latency, ratios, queue depth) ``value > warn`` is a warning and
``value > error`` an error; for "lower is worse" measures (run success rate) ``value < warn`` is a
warning and ``value < error`` an error. That reproduces the previous system's rules: "warning above
80 %", "healthy >= 0.95, warning >= 0.8" (its "healthy under 2 s" becomes "healthy up to 2 s": a
difference of one instant).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any, Literal

from weather_flick_batch.health.alerts import scrub_secrets

__all__ = [
    "Status",
    "STATUSES",
    "HealthSettingsError",
    "Thresholds",
    "THRESHOLD_SETTINGS",
    "ProbeResult",
    "classify",
    "worst_status",
    "probe_system",
    "probe_warehouse",
    "probe_redis",
    "probe_http_api",
    "sustained_cpu",
    "probe_runs",
]

Status = Literal["ok", "warn", "error"]
#: Statuses from best to worst.
STATUSES: tuple[Status, ...] = ("ok", "warn", "error")

ENV_PREFIX = "WEATHER_FLICK_HEALTH_"


class HealthSettingsError(ValueError):
    """A health threshold variable has a value the platform cannot use. The message names it."""


# --------------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Measure:
    """One graded measure: its env name stem, bounds and direction (metadata for Thresholds)."""

    stem: str  # e.g. "DISK_PCT" -> WEATHER_FLICK_HEALTH_DISK_PCT_WARN / _ERROR
    field: str  # e.g. "disk_pct" -> Thresholds.disk_pct_warn / disk_pct_error
    lo: float
    hi: float
    higher_is_worse: bool
    what: str  # the description, completed with "warning"/"error" in THRESHOLD_SETTINGS


_MEASURES: tuple[_Measure, ...] = (
    _Measure("CPU_PCT", "cpu_pct", 0.0, 100.0, True, "CPU use in % (psutil, sampled over the probe interval)"),
    _Measure("MEMORY_PCT", "memory_pct", 0.0, 100.0, True, "Memory use in % of the host's RAM"),
    _Measure("DISK_PCT", "disk_pct", 0.0, 100.0, True, "Disk use in % of the volume holding the platform's state"),
    _Measure("DB_CONNECTIONS_RATIO", "db_connections_ratio", 0.0, 1.0, True,
             "PostgreSQL client connections in use / max_connections"),
    _Measure("REDIS_MEMORY_RATIO", "redis_memory_ratio", 0.0, 1.0, True,
             "Redis used_memory / maxmemory (host memory when maxmemory is 0)"),
    _Measure("API_LATENCY_S", "api_latency_s", 0.0, math.inf, True,
             "Round trip of the cheap KMA/TourAPI call, in seconds"),
    _Measure("WAREHOUSE_LATENCY_S", "warehouse_latency_s", 0.0, math.inf, True,
             "Round trip of SELECT 1 on the warehouse, in seconds"),
    _Measure("RUN_SUCCESS_RATE", "run_success_rate", 0.0, 1.0, False,
             "Share of the platform's runs finished in the last 24 h that succeeded"),
    _Measure("QUEUE_DEPTH", "queue_depth", 0.0, math.inf, True, "Runs waiting in the run queue"),
    _Measure("API_QUOTA_RATIO", "api_quota_ratio", 0.0, 1.0, True,
             "Calls today / the daily limit of the busiest API key and operation (KMA and TourAPI)"),
)


@dataclass(frozen=True)
class Thresholds:
    """Warning and error thresholds of every health probe, with the previous system's defaults.

    Defaults carried over: CPU/memory/disk warn above 80 %, error above 90 %; DB connections
    0.8/0.95 of max_connections; Redis memory 0.8/0.9 of maxmemory; external API healthy up to
    2 s, warning up to 5 s; run success rate healthy >= 0.95, warning >= 0.8.

    New ones (the old system had none), chosen for this platform:

    * ``warehouse_latency_s`` 0.5 s / 2 s: SELECT 1 on a healthy local or same-region PostgreSQL
      answers in milliseconds; half a second means a saturated server or network, two seconds
      means writes of a bulk load will start timing out.
    * ``queue_depth`` 20 / 50: a normal day queues a handful of runs (hourly weather, daily
      syncs, maintenance); 20 waiting runs means runs are not being launched as fast as they are
      scheduled, 50 means a backlog that the next hourly schedule will only make worse.
    """

    cpu_pct_warn: float = 80.0
    cpu_pct_error: float = 90.0
    memory_pct_warn: float = 80.0
    memory_pct_error: float = 90.0
    disk_pct_warn: float = 80.0
    disk_pct_error: float = 90.0
    db_connections_ratio_warn: float = 0.8
    db_connections_ratio_error: float = 0.95
    redis_memory_ratio_warn: float = 0.8
    redis_memory_ratio_error: float = 0.9
    api_latency_s_warn: float = 2.0
    api_latency_s_error: float = 5.0
    warehouse_latency_s_warn: float = 0.5
    warehouse_latency_s_error: float = 2.0
    run_success_rate_warn: float = 0.95
    run_success_rate_error: float = 0.8
    queue_depth_warn: float = 20.0
    queue_depth_error: float = 50.0
    api_quota_ratio_warn: float = 0.8
    api_quota_ratio_error: float = 0.95

    def __post_init__(self) -> None:
        # Caught here too (not only in from_env) so a hand-built Thresholds cannot be inverted:
        # an error threshold on the "better" side of the warning one would never show a warning.
        for m in _MEASURES:
            warn, error = getattr(self, f"{m.field}_warn"), getattr(self, f"{m.field}_error")
            for which, value in (("WARN", warn), ("ERROR", error)):
                if not (isinstance(value, (int, float)) and m.lo <= value <= m.hi):
                    raise HealthSettingsError(
                        f"{ENV_PREFIX}{m.stem}_{which}={value!r} is invalid: expected a number in "
                        f"{_range_text(m)}"
                    )
            if (warn > error) if m.higher_is_worse else (warn < error):
                relation = "<=" if m.higher_is_worse else ">="
                raise HealthSettingsError(
                    f"{ENV_PREFIX}{m.stem}_WARN={warn!r} must be {relation} {ENV_PREFIX}{m.stem}_ERROR={error!r}"
                )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Thresholds:
        """Thresholds from ``WEATHER_FLICK_HEALTH_<NAME>_WARN`` / ``_ERROR``; unset or empty -> default.

        Raises :class:`HealthSettingsError` with one line naming the variable on a bad value.
        """
        defaults = cls()
        values: dict[str, float] = {}
        for m in _MEASURES:
            for which in ("WARN", "ERROR"):
                name = f"{ENV_PREFIX}{m.stem}_{which}"
                attr = f"{m.field}_{which.lower()}"
                raw = environ.get(name)
                if raw is None or raw.strip() == "":
                    values[attr] = getattr(defaults, attr)
                    continue
                try:
                    value = float(raw.strip())
                except ValueError:
                    value = math.nan
                if not (m.lo <= value <= m.hi):  # NaN fails this too
                    raise HealthSettingsError(
                        f"{name}={raw!r} is invalid: expected a number in {_range_text(m)}"
                    )
                values[attr] = value
        return cls(**values)

    def as_dict(self) -> dict[str, float]:
        """Every threshold by field name (for run metadata: which limits graded this run)."""
        return dataclasses.asdict(self)


def _range_text(m: _Measure) -> str:
    return f"[{m.lo:g}, {m.hi:g}]" if math.isfinite(m.hi) else f"[{m.lo:g}, +inf)"


def _threshold_settings() -> list[tuple[str, str, str]]:
    defaults = Thresholds()
    rows = []
    for m in _MEASURES:
        for which, level in (("WARN", "warning"), ("ERROR", "error")):
            value = getattr(defaults, f"{m.field}_{which.lower()}")
            side = "above" if m.higher_is_worse else "below"
            description = f"Health: {m.what}; {level} {side} this value."
            rows.append((f"{ENV_PREFIX}{m.stem}_{which}", f"{value:g}", description))
    return rows


#: ``(environment variable, default, description)`` for every threshold, for the settings registry
#: and ``.env.example``. Parsed by :meth:`Thresholds.from_env`.
THRESHOLD_SETTINGS: list[tuple[str, str, str]] = _threshold_settings()


# --------------------------------------------------------------------------------------------
# Results and grading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeResult:
    """The outcome of one health check.

    ``value`` is the graded measure (``None`` when it could not be measured or does not apply);
    ``metrics`` holds every number the probe saw, recorded as numeric metadata by the metrics job.
    """

    name: str
    status: Status
    value: float | None
    unit: str
    message: str
    metrics: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    @property
    def passed(self) -> bool:
        """True only when healthy: a warning is a failed check of WARN severity."""
        return self.status == "ok"


def classify(value: float, warn: float, error: float, higher_is_worse: bool = True) -> Status:
    """Grade ``value`` against two thresholds. A value equal to a threshold is on the better side.

    >>> classify(85, 80, 90), classify(0.9, 0.95, 0.8, higher_is_worse=False)
    ('warn', 'warn')
    """
    if math.isnan(value):
        return "error"  # a measure that came out as NaN is a broken measure, not a healthy one
    if higher_is_worse:
        return "error" if value > error else "warn" if value > warn else "ok"
    return "error" if value < error else "warn" if value < warn else "ok"


def worst_status(results: list[ProbeResult]) -> Status:
    """The worst status among ``results`` (``"ok"`` for none)."""
    return max((r.status for r in results), key=STATUSES.index, default="ok")


Redactor = Callable[[str], str]


def _identity(text: str) -> str:
    return text


def _failure_text(exc: BaseException, redact: Redactor) -> str:
    """One line describing ``exc``, passed through the caller's redactor and the built-in scrubber.

    Only the first line: SQLAlchemy appends the SQL and a background link, drivers append hints.
    """
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    text = f"{type(exc).__name__}: {detail[0].strip()}" if detail and detail[0].strip() else type(exc).__name__
    return scrub_secrets(redact(text))[:300]


def _grade(
    name: str,
    value: float,
    warn: float,
    error: float,
    *,
    unit: str,
    label: str,
    metrics: dict[str, float],
    higher_is_worse: bool = True,
    note: str = "",
) -> ProbeResult:
    status = classify(value, warn, error, higher_is_worse)
    limits = f"warn {'>' if higher_is_worse else '<'} {warn:g}, error {'>' if higher_is_worse else '<'} {error:g}"
    shown = f"{value:.4g}" if unit == "ratio" else f"{value:.4g} {unit}"
    message = f"{label} {shown} ({status}; {limits})"
    if note:
        message = f"{message}; {note}"
    return ProbeResult(name, status, float(value), unit, message, metrics)


# --------------------------------------------------------------------------------------------
# Probes
# --------------------------------------------------------------------------------------------


def probe_system(
    thresholds: Thresholds,
    psutil_module: ModuleType | Any = None,
    *,
    disk_path: str = "/",
    cpu_interval_s: float = 0.5,
) -> list[ProbeResult]:
    """CPU, memory and disk of this host: results ``cpu``, ``memory``, ``disk``.

    ``disk_path`` should be the volume holding the platform's state (WEATHER_FLICK_HOME), which
    is what fills up. CPU is sampled over ``cpu_interval_s`` (``psutil.cpu_percent(interval=None)``
    would compare with the previous call, meaningless for a probe that runs every 5 minutes).
    ``psutil_module``: psutil itself unless given (a stand-in in tests).
    """
    if psutil_module is None:
        import psutil  # imported by the probe, not at code-location load

        psutil_module = psutil
    results: list[ProbeResult] = []

    try:
        cpu = float(psutil_module.cpu_percent(interval=cpu_interval_s))
        results.append(_grade("cpu", cpu, thresholds.cpu_pct_warn, thresholds.cpu_pct_error, unit="%",
                              label="CPU use", metrics={"cpu_pct": cpu,
                                                        "cpu_count": float(psutil_module.cpu_count() or 0)}))
    except Exception as exc:  # noqa: BLE001 - a probe reports, it does not raise
        results.append(ProbeResult("cpu", "error", None, "%", f"CPU not measured: {_failure_text(exc, _identity)}"))

    try:
        mem = psutil_module.virtual_memory()
        results.append(_grade("memory", float(mem.percent), thresholds.memory_pct_warn, thresholds.memory_pct_error,
                              unit="%", label="Memory use",
                              metrics={"memory_pct": float(mem.percent), "memory_total_bytes": float(mem.total),
                                       "memory_available_bytes": float(mem.available)}))
    except Exception as exc:  # noqa: BLE001
        results.append(ProbeResult("memory", "error", None, "%",
                                   f"Memory not measured: {_failure_text(exc, _identity)}"))

    try:
        disk = psutil_module.disk_usage(disk_path)
        results.append(_grade("disk", float(disk.percent), thresholds.disk_pct_warn, thresholds.disk_pct_error,
                              unit="%", label=f"Disk use of {disk_path}",
                              metrics={"disk_pct": float(disk.percent), "disk_total_bytes": float(disk.total),
                                       "disk_free_bytes": float(disk.free)}))
    except Exception as exc:  # noqa: BLE001
        results.append(ProbeResult("disk", "error", None, "%",
                                   f"Disk use of {disk_path} not measured: {_failure_text(exc, _identity)}"))
    return results


def sustained_cpu(result: ProbeResult, previous_pct: float | None, error_threshold: float) -> ProbeResult:
    """A busy CPU is an error only when it stays saturated: above the error threshold on this health
    run and on the one before. The first saturated reading is a warning (a batch run pegs a small
    host by design; that is load, not trouble)."""
    if result.name != "cpu" or result.status != "error" or result.value is None:
        return result
    if previous_pct is not None and previous_pct > error_threshold:
        return replace(result, message=f"{result.message}; the previous health run saw {previous_pct:.0f} % too: "
                                       "sustained")
    return replace(result, status="warn", message=f"{result.message}; a first saturated reading is a warning "
                                                  "(an error if the next health run is saturated too)")


def probe_warehouse(
    engine: Any,
    thresholds: Thresholds,
    *,
    redact: Redactor = _identity,
    clock: Callable[[], float] = time.perf_counter,
) -> list[ProbeResult]:
    """Warehouse reachability and latency (``warehouse``) and connection use (``warehouse_connections``).

    ``engine`` is a SQLAlchemy Engine. Latency is the round trip of ``SELECT 1`` on a connection
    already checked out, so it measures the server and the network, not the pool; the time to
    obtain the connection is recorded as ``connect_s``.

    On PostgreSQL, connections in use are the client backends in ``pg_stat_activity`` (background
    workers do not count against max_connections) over ``SHOW max_connections``. On SQLite there
    is no server and no connection limit: the result is ``ok`` with a note. When the warehouse is
    unreachable both results are ``error``: the connection check cannot vouch for anything, and a
    server refusing connections because it is full must not look healthy.
    """
    import sqlalchemy as sa  # local: keeps ``import probes`` light for callers that never probe a DB

    try:
        started = clock()
        with engine.connect() as conn:
            connected = clock()
            conn.execute(sa.text("SELECT 1")).scalar_one()
            round_trip = clock() - connected
            connect_s = connected - started
            connections = _connection_use(conn, engine.dialect.name, thresholds)
    except Exception as exc:  # noqa: BLE001 - a probe reports, it does not raise
        text = f"Warehouse unreachable: {_failure_text(exc, redact)}"
        return [
            ProbeResult("warehouse", "error", None, "s", text),
            ProbeResult("warehouse_connections", "error", None, "ratio", f"Connections not measured. {text}"),
        ]
    latency = _grade(
        "warehouse", round_trip, thresholds.warehouse_latency_s_warn, thresholds.warehouse_latency_s_error,
        unit="s", label=f"Warehouse ({engine.dialect.name}) reachable, SELECT 1 round trip",
        metrics={"round_trip_s": round_trip, "connect_s": connect_s, "reachable": 1.0},
    )
    return [latency, connections]


def _connection_use(conn: Any, dialect: str, thresholds: Thresholds) -> ProbeResult:
    import sqlalchemy as sa

    if dialect != "postgresql":
        return ProbeResult("warehouse_connections", "ok", None, "ratio",
                           f"Not applicable on {dialect}: an embedded database has no connection limit")
    in_use = int(conn.execute(sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")).scalar_one())
    max_connections = int(conn.execute(sa.text("SHOW max_connections")).scalar_one())
    ratio = in_use / max_connections if max_connections > 0 else math.inf
    return _grade("warehouse_connections", ratio, thresholds.db_connections_ratio_warn,
                  thresholds.db_connections_ratio_error, unit="ratio",
                  label=f"Connections in use {in_use}/{max_connections} =",
                  metrics={"connections_in_use": float(in_use), "max_connections": float(max_connections),
                           "connections_ratio": ratio})


def probe_redis(
    client: Any,
    thresholds: Thresholds,
    *,
    redact: Redactor = _identity,
    clock: Callable[[], float] = time.perf_counter,
) -> list[ProbeResult]:
    """Redis reachable and memory used against its limit: one result, ``redis``.

    ``client`` is a ``redis.Redis``. The graded value is ``used_memory / maxmemory``. When
    ``maxmemory`` is 0 (no limit, the default) Redis grows until the host runs out of memory, so
    the ratio is taken against ``total_system_memory`` from INFO instead; when a managed Redis
    hides that too, the result is ``ok`` with a note saying memory is not graded.
    """
    try:
        started = clock()
        client.ping()
        ping_s = clock() - started
        info = client.info("memory")
    except Exception as exc:  # noqa: BLE001
        return [ProbeResult("redis", "error", None, "ratio", f"Redis unreachable: {_failure_text(exc, redact)}")]

    used = float(info.get("used_memory", 0) or 0)
    maxmemory = float(info.get("maxmemory", 0) or 0)
    system = float(info.get("total_system_memory", 0) or 0)
    metrics = {"ping_s": ping_s, "used_memory_bytes": used, "maxmemory_bytes": maxmemory,
               "total_system_memory_bytes": system, "reachable": 1.0}
    if maxmemory > 0:
        limit, basis = maxmemory, "maxmemory"
    elif system > 0:
        limit, basis = system, "host memory (maxmemory is 0: unlimited)"
    else:
        return [ProbeResult("redis", "ok", None, "ratio",
                            f"Redis reachable (ping {ping_s * 1000:.1f} ms); memory not graded: maxmemory is 0 "
                            "and the server does not report host memory", metrics)]
    ratio = used / limit
    metrics["memory_ratio"] = ratio
    return [_grade("redis", ratio, thresholds.redis_memory_ratio_warn, thresholds.redis_memory_ratio_error,
                   unit="ratio", label=f"Redis reachable, used memory / {basis} =", metrics=metrics)]


def probe_http_api(
    name: str,
    call: Callable[[], object],
    thresholds: Thresholds,
    *,
    redact: Redactor = _identity,
    clock: Callable[[], float] = time.perf_counter,
) -> list[ProbeResult]:
    """Time ``call()`` (a cheap authenticated request, or the sample source in embedded mode).

    One result named ``name``: ``error`` if the call raises (the message is passed through
    ``redact``, give it the API client's key redactor, and through the built-in scrubber, since
    HTTP exceptions quote the URL with the key in it), else graded by round trip.
    """
    started = clock()
    try:
        call()
    except Exception as exc:  # noqa: BLE001
        elapsed = clock() - started
        return [ProbeResult(name, "error", None, "s", f"{name} call failed after {elapsed:.2f} s: "
                            f"{_failure_text(exc, redact)}", {"round_trip_s": elapsed, "reachable": 0.0})]
    elapsed = clock() - started
    return [_grade(name, elapsed, thresholds.api_latency_s_warn, thresholds.api_latency_s_error, unit="s",
                   label=f"{name} reachable, round trip", metrics={"round_trip_s": elapsed, "reachable": 1.0})]


def probe_api_quota(name: str, summary: Mapping[str, Any] | None, thresholds: Thresholds, *,
                    note: str = "") -> ProbeResult:
    """The day's use of one API's keys (core.quota.day_summary) graded against the daily limit;
    ``summary`` None: no key in use (the offline sample source), nothing to grade."""
    if summary is None:
        return ProbeResult(name, "ok", None, "ratio", note or f"{name}: no API key in use")
    return _grade(name, float(summary["ratio"]), thresholds.api_quota_ratio_warn, thresholds.api_quota_ratio_error,
                  unit="ratio", label=f"{name}: today's busiest key and operation ({summary['busiest']}) at",
                  metrics={"calls_today": float(summary["calls"])}, note=note)


def probe_runs(
    success_rate: float | None,
    queue_depth: int,
    thresholds: Thresholds,
    *,
    finished_runs: int | None = None,
) -> list[ProbeResult]:
    """The platform's own runs: ``run_success_rate`` (last 24 h) and ``run_queue_depth``.

    The caller counts runs from the Dagster instance. ``success_rate`` is ``None`` when no run
    finished in the window: nothing failed, so ``ok`` with a note (a stopped scheduler is caught
    by freshness checks, not here).
    """
    extra = {"finished_runs_24h": float(finished_runs)} if finished_runs is not None else {}
    if success_rate is None:
        rate = ProbeResult("run_success_rate", "ok", None, "ratio", "No run finished in the last 24 h", extra)
    else:
        counted = f"over {finished_runs} runs" if finished_runs is not None else ""
        rate = _grade("run_success_rate", float(success_rate), thresholds.run_success_rate_warn,
                      thresholds.run_success_rate_error, unit="ratio", label="Run success rate (24 h)",
                      metrics={"success_rate_24h": float(success_rate), **extra}, higher_is_worse=False,
                      note=counted)
    queue = _grade("run_queue_depth", float(queue_depth), thresholds.queue_depth_warn, thresholds.queue_depth_error,
                   unit="runs", label="Queued runs", metrics={"queue_depth": float(queue_depth)})
    return [rate, queue]

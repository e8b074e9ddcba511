"""Platform health in Dagster: the ``platform/health`` asset, guard checks and freshness checks.

* ``platform/health`` runs every probe (host, warehouse, Redis, KMA, TourAPI, the platform's own
  runs) every 5 minutes. Its materialization records each measure as numeric metadata, which the
  Dagster UI plots over time (the metrics); each probe is also a non-blocking asset check, WARN
  when a warning threshold is crossed and ERROR when an error threshold is, so the alert sensor
  picks it up like any other check.
* Guard checks run the relevant probe *alongside the asset it guards*, in the asset's own runs:
  ``warehouse_reachable`` on ``regions``, ``kma_api_reachable`` on ``weather/short_range_forecast``,
  ``kto_api_reachable`` on ``destinations/catalogue``. They are non-blocking and unpartitioned
  (reachability is a property of the service, not of a partition; an unpartitioned check runs in
  every partitioned run of its asset, which Dagster 1.13 supports).
* Freshness checks (``freshness_check`` on the weather and destination assets) fail when an
  expected update has not arrived; the freshness sensor evaluates them between runs, and they
  also run inside each run of their asset.

The probing itself is Dagster-free (:mod:`weather_flick_batch.health.probes`); this module only
wires resources in and turns :class:`ProbeResult` into metadata and check results.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import dagster as dg

from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.destinations.assets import CATALOGUE_KEY
from weather_flick_batch.destinations.resources import KtoResource
from weather_flick_batch.health.probes import (
    ProbeResult,
    Status,
    Thresholds,
    probe_api_quota,
    probe_http_api,
    sustained_cpu,
    probe_redis,
    probe_runs,
    probe_system,
    probe_warehouse,
    worst_status,
)
from weather_flick_batch.health.resources import HealthResource
from weather_flick_batch.resources.redis import RedisResource
from weather_flick_batch.resources.warehouse import WarehouseResource
from weather_flick_batch.weather.assets import SHORT_RANGE_KEY
from weather_flick_batch.weather.resources import KmaResource

GROUP = "platform"
HEALTH_KEY = dg.AssetKey(["platform", "health"])
REGIONS_KEY = dg.AssetKey(["regions"])


# --------------------------------------------------------------------------------------------
# Probes -> checks and metrics
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeCheck:
    """How one probe appears in Dagster: its check, its plotted metric and its thresholds."""

    probe: str  # ProbeResult.name
    check_name: str
    description: str
    metric: str  # numeric metadata key of the health materialization
    threshold: str  # Thresholds field stem: <threshold>_warn / <threshold>_error
    scale: float = 1.0  # seconds -> milliseconds for latencies


PROBE_CHECKS: tuple[ProbeCheck, ...] = (
    ProbeCheck("cpu", "cpu_use", "CPU use of the host running the platform (psutil, sampled).", "cpu_pct", "cpu_pct"),
    ProbeCheck("memory", "memory_use", "Memory use of the host, in % of its RAM.", "memory_pct", "memory_pct"),
    ProbeCheck("disk", "disk_use", "Disk use of the volume holding the platform's state (WEATHER_FLICK_HOME).",
               "disk_pct", "disk_pct"),
    ProbeCheck("warehouse", "warehouse_reachable", "The warehouse answers SELECT 1, and how fast.",
               "warehouse_latency_ms", "warehouse_latency_s", 1000.0),
    ProbeCheck("warehouse_connections", "warehouse_connections",
               "PostgreSQL client connections in use against max_connections (not applicable on SQLite).",
               "db_connections_ratio", "db_connections_ratio"),
    ProbeCheck("redis", "redis_reachable",
               "Redis answers PING; used memory against maxmemory (not applicable without Redis).",
               "redis_memory_ratio", "redis_memory_ratio"),
    ProbeCheck("kma_api", "kma_api_reachable",
               "KMA answers one nowcast call (authenticated in live mode, the sample source in embedded mode).",
               "kma_api_latency_ms", "api_latency_s", 1000.0),
    ProbeCheck("kto_api", "kto_api_reachable",
               "TourAPI answers one areaCode2 call (authenticated in live mode, the embedded catalogue otherwise).",
               "kto_api_latency_ms", "api_latency_s", 1000.0),
    ProbeCheck("run_success_rate", "run_success_rate_24h",
               "Share of the platform's runs finished in the last 24 h that succeeded (cancelled runs count as "
               "failed: run monitoring cancels runs that exceed dagster/max_runtime).",
               "run_success_rate_24h", "run_success_rate"),
    ProbeCheck("run_queue_depth", "run_queue_depth", "Runs waiting in the run queue.", "queue_depth", "queue_depth"),
    ProbeCheck("kma_quota", "kma_api_quota",
               "Today's KMA calls of the busiest key and operation against WEATHER_FLICK_KMA_DAILY_LIMIT, counted "
               "across every process (Redis).", "kma_quota_ratio", "api_quota_ratio"),
    ProbeCheck("kto_quota", "kto_api_quota",
               "Today's TourAPI calls of the busiest key and operation against WEATHER_FLICK_KTO_DAILY_LIMIT, "
               "counted across every process (Redis).", "kto_quota_ratio", "api_quota_ratio"),
)
PROBE_CHECKS_BY_PROBE: dict[str, ProbeCheck] = {p.probe: p for p in PROBE_CHECKS}

# Raw measures worth plotting besides the graded values: (probe, ProbeResult.metrics key, metadata key).
_EXTRA_METRICS: tuple[tuple[str, str, str], ...] = (
    ("disk", "disk_free_bytes", "disk_free_bytes"),
    ("memory", "memory_available_bytes", "memory_available_bytes"),
    ("warehouse", "connect_s", "warehouse_connect_s"),
    ("warehouse_connections", "connections_in_use", "db_connections_in_use"),
    ("redis", "used_memory_bytes", "redis_used_memory_bytes"),
    ("run_success_rate", "finished_runs_24h", "runs_finished_24h"),
    ("kma_quota", "calls_today", "kma_calls_today"),
    ("kto_quota", "calls_today", "kto_calls_today"),
)

HEALTH_COLUMNS = dg.TableSchema(
    columns=[
        dg.TableColumn("check", "string", description="Asset check reporting the probe (e.g. disk_use)."),
        dg.TableColumn("status", "string", description="ok, warn or error against the thresholds."),
        dg.TableColumn("value", "float", description="The graded measure (null when not measured)."),
        dg.TableColumn("unit", "string", description="%, s, ratio or runs."),
        dg.TableColumn("warn_threshold", "float", description="Warning threshold (a setting)."),
        dg.TableColumn("error_threshold", "float", description="Error threshold (a setting)."),
        dg.TableColumn("message", "string", description="One line, secrets removed."),
    ]
)


def _severity(status: Status) -> dg.AssetCheckSeverity:
    # A passing result's severity is not shown; WARN keeps "ok" from looking like an ERROR check.
    return dg.AssetCheckSeverity.ERROR if status == "error" else dg.AssetCheckSeverity.WARN


def _limits(spec: ProbeCheck, thresholds: Thresholds) -> tuple[float, float]:
    return getattr(thresholds, f"{spec.threshold}_warn"), getattr(thresholds, f"{spec.threshold}_error")


def check_result(results: Sequence[ProbeResult], thresholds: Thresholds, check_name: str | None = None,
                 extra_metadata: dict[str, Any] | None = None) -> dg.AssetCheckResult:
    """One asset check result from one or more probe results (the worst one decides).

    Passed only when every result is ok; severity WARN for a warning, ERROR for an error.
    """
    status = worst_status(list(results))
    first = PROBE_CHECKS_BY_PROBE[results[0].name]
    metadata: dict[str, Any] = {"status": status}
    for result in results:
        spec = PROBE_CHECKS_BY_PROBE[result.name]
        warn, error = _limits(spec, thresholds)
        prefix = "" if len(results) == 1 else f"{result.name}_"
        metadata[f"{prefix}warn_threshold"] = float(warn)
        metadata[f"{prefix}error_threshold"] = float(error)
        if result.value is not None:
            metadata[f"{prefix}value"] = float(result.value)
        metadata.update({f"{prefix}{k}" if prefix else k: float(v) for k, v in result.metrics.items()})
    metadata.update(extra_metadata or {})
    return dg.AssetCheckResult(
        check_name=check_name or first.check_name,
        passed=status == "ok",
        severity=_severity(status),
        description="; ".join(r.message for r in results),
        metadata=metadata,
    )


def health_metrics(results: Sequence[ProbeResult]) -> dict[str, float]:
    """The numeric metadata of one health materialization: graded values and a few raw measures.

    A measure that could not be taken is left out rather than recorded as 0, so a plot shows a
    gap instead of a false "all idle".
    """
    by_probe = {r.name: r for r in results}
    metrics: dict[str, float] = {}
    for spec in PROBE_CHECKS:
        result = by_probe.get(spec.probe)
        if result is not None and result.value is not None:
            metrics[spec.metric] = float(result.value) * spec.scale
    for probe, key, name in _EXTRA_METRICS:
        result = by_probe.get(probe)
        if result is not None and key in result.metrics:
            metrics[name] = float(result.metrics[key])
    statuses = [r.status for r in results]
    metrics.update(checks_ok=float(statuses.count("ok")), checks_warn=float(statuses.count("warn")),
                   checks_error=float(statuses.count("error")))
    return metrics


def _summary_table(results: Sequence[ProbeResult], thresholds: Thresholds) -> str:
    rows = ["| check | status | value | unit | warn | error | message |", "|---|---|---|---|---|---|---|"]
    for r in results:
        spec = PROBE_CHECKS_BY_PROBE[r.name]
        warn, error = _limits(spec, thresholds)
        value = "" if r.value is None else f"{r.value:.4g}"
        message = r.message.replace("|", "/")
        rows.append(f"| {spec.check_name} | {r.status} | {value} | {r.unit} | {warn:g} | {error:g} | {message} |")
    return "\n".join(rows)


# --------------------------------------------------------------------------------------------
# Probes bound to resources
# --------------------------------------------------------------------------------------------


def _redactor(*secrets: str | None) -> Callable[[str], str]:
    values = [s for s in secrets if s]

    def redact(text: str) -> str:
        for value in values:
            text = text.replace(value, "***")
        return text

    return redact


# CPU is graded as the average over the window since the previous health run (normally 5 minutes),
# from psutil's cumulative CPU times recorded in the previous materialization. A 0.5 s sample of a
# batch machine catches whatever step happens to be running; the window average tells sustained
# overload from a busy moment. Without a usable previous record (first run, another host, a
# reboot, a gap over 30 minutes) the probe samples for ``cpu_interval_s`` as before.
CPU_WINDOW_MAX_S = 30 * 60


def cpu_counters(psutil_module: Any = None) -> dict[str, float]:
    """Cumulative CPU seconds (busy, total, all CPUs) and the boot time, as psutil counts them."""
    import psutil

    ps = psutil_module or psutil
    times = ps.cpu_times()
    # Linux counts guest time inside user time as well: leave it out of the total, as psutil does.
    total = sum(times) - getattr(times, "guest", 0.0) - getattr(times, "guest_nice", 0.0)
    idle = times.idle + getattr(times, "iowait", 0.0)
    return {"busy_s": float(total - idle), "total_s": float(total), "boot_time": float(ps.boot_time())}


class WindowCpu:
    """A psutil stand-in for :func:`probe_system`: ``cpu_percent`` is the average since ``previous``.

    Everything else is psutil's own. ``window_s`` is None when the window was not usable.
    """

    def __init__(self, previous: dict[str, float] | None, elapsed_s: float | None,
                 current: dict[str, float] | None = None, psutil_module: Any = None) -> None:
        import psutil

        self._ps = psutil_module or psutil
        self.current = current or cpu_counters(self._ps)
        self.window_s: float | None = None
        self._pct: float | None = None
        if previous and elapsed_s is not None and 0 < elapsed_s <= CPU_WINDOW_MAX_S:
            same_boot = abs(previous.get("boot_time", -1.0) - self.current["boot_time"]) < 2.0
            d_total = self.current["total_s"] - previous.get("total_s", 0.0)
            d_busy = self.current["busy_s"] - previous.get("busy_s", 0.0)
            if same_boot and d_total > 0 and 0 <= d_busy <= d_total:
                self._pct = round(100.0 * d_busy / d_total, 1)
                self.window_s = float(elapsed_s)

    def cpu_percent(self, interval: float | None = None) -> float:
        return self._pct if self._pct is not None else float(self._ps.cpu_percent(interval=interval))

    def __getattr__(self, name: str) -> Any:  # cpu_count, virtual_memory, disk_usage
        return getattr(self._ps, name)


def previous_cpu_pct(instance: dg.DagsterInstance) -> float | None:
    """CPU use (%) the newest health materialization recorded, if any."""
    try:
        records = instance.fetch_materializations(HEALTH_KEY, limit=1).records
    except Exception:  # noqa: BLE001 - no history: nothing sustained yet
        return None
    if not records or records[0].asset_materialization is None:
        return None
    value = getattr(records[0].asset_materialization.metadata.get("cpu_pct"), "value", None)
    return float(value) if isinstance(value, (int, float)) else None


def previous_cpu_counters(instance: dg.DagsterInstance) -> tuple[dict[str, float] | None, float | None]:
    """The CPU counters of the newest health materialization and the seconds since it."""
    try:
        records = instance.fetch_materializations(HEALTH_KEY, limit=1).records
    except Exception:  # noqa: BLE001 - no history is a reason to sample, not to fail
        return None, None
    if not records or records[0].asset_materialization is None:
        return None, None
    value = records[0].asset_materialization.metadata.get("cpu_counters")
    data = getattr(value, "value", None)
    if not isinstance(data, dict):
        return None, None
    try:
        return {k: float(v) for k, v in data.items()}, datetime.now(timezone.utc).timestamp() - records[0].timestamp
    except (TypeError, ValueError):
        return None, None


def run_warehouse_probe(warehouse: WarehouseResource, thresholds: Thresholds) -> list[ProbeResult]:
    """``warehouse`` (SELECT 1 round trip) and ``warehouse_connections``; never raises."""
    try:
        engine = warehouse.get().engine
    except Exception as exc:  # noqa: BLE001 - a bad URL is an unreachable warehouse
        text = f"Warehouse not configured: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        text = _redactor(warehouse.password)(text)
        return [ProbeResult("warehouse", "error", None, "s", text),
                ProbeResult("warehouse_connections", "error", None, "ratio", text)]
    return probe_warehouse(engine, thresholds, redact=_redactor(warehouse.password))


def run_redis_probe(redis: RedisResource, thresholds: Thresholds) -> list[ProbeResult]:
    """``redis``: reachable and memory use, or ``ok`` with a note in embedded mode (no Redis)."""
    if not redis.enabled:
        return [ProbeResult("redis", "ok", None, "ratio",
                            "Redis not configured (embedded mode: in-process cache and alert cooldowns)")]
    from sqlalchemy.engine import make_url

    try:
        password = make_url(str(redis.url)).password  # redis://:pw@host parses like any URL
    except Exception:  # noqa: BLE001 - the scrubber's URL pattern still covers it
        password = None
    client = redis.get_client()
    try:
        return probe_redis(client, thresholds, redact=_redactor(str(password) if password else None))
    finally:
        client.close()


def _api_probe(name: str, build: Callable[[], Any], call: Callable[[Any], object],
               thresholds: Thresholds) -> tuple[list[ProbeResult], bool | None]:
    """Probe one external API: (results, simulated). ``build`` errors (no key in live mode) are errors."""
    try:
        client = build()
    except Exception as exc:  # noqa: BLE001 - configuration errors name the setting, never a key
        message = " ".join(str(exc).split())[:300]
        return [ProbeResult(name, "error", None, "s", f"{name} not configured: {message}")], None
    inner = getattr(client, "client", client)  # LiveKmaSource wraps its ApiClient
    if hasattr(inner, "max_attempts"):
        # A probe measures: one attempt, no retries hiding (and lengthening) an outage.
        inner.max_attempts = 1
    redact = getattr(inner, "redact", None) or (lambda text: text)
    simulated = bool(getattr(client, "simulated", False))
    return probe_http_api(name, lambda: call(client), thresholds, redact=redact), simulated


def run_quota_probes(kma: KmaResource, kto: KtoResource, ledger: Any, thresholds: Thresholds) -> list[ProbeResult]:
    """Today's use of the KMA and TourAPI keys from the shared quota ledger (core.quota)."""
    from weather_flick_batch.core.quota import RedisQuotaLedger, day_summary, quota_day

    day, results = quota_day(), []
    shared = isinstance(ledger, RedisQuotaLedger)
    for probe, service, resource in (("kma_quota", "KMA", kma), ("kto_quota", "KTO", kto)):
        keys = [k for k in (resource.api_keys or "").split(",") if k.strip()] if resource.mode != "sample" else []
        if not keys:
            results.append(probe_api_quota(probe, None, thresholds,
                                           note=f"{service}: offline sample source, no quota spent"))
            continue
        try:
            usage = ledger.usage(service, day)
        except Exception as exc:  # noqa: BLE001
            results.append(ProbeResult(probe, "error", None, "ratio", f"{service} quota ledger unreadable: "
                                                                       f"{type(exc).__name__}"))
            continue
        results.append(probe_api_quota(
            probe, day_summary(usage, keys, resource.daily_limit), thresholds,
            note="" if shared else "this process's calls only: set WEATHER_FLICK_REDIS_URL to count every process"))
    return results


def run_kma_probe(kma: KmaResource, thresholds: Thresholds, ledger: Any = None) -> tuple[list[ProbeResult], bool | None]:
    """One nowcast call for one cell (Seoul, 60/127) for the newest published base time.

    No cache and no archive: a cached answer would report a dead API as healthy. NODATA still
    proves the API is up and the key accepted, so it counts as reachable.
    """
    from weather_flick_batch.core.apiclient import NoDataError
    from weather_flick_batch.weather.issuance import latest_nowcast_issuance

    def call(source: Any) -> object:
        try:
            return source.nowcast(latest_nowcast_issuance(now_kst()), 60, 127)
        except NoDataError:
            return None

    return _api_probe("kma_api", lambda: kma.source(ledger=ledger), call, thresholds)


def run_kto_probe(kto: KtoResource, thresholds: Thresholds, ledger: Any = None) -> tuple[list[ProbeResult], bool | None]:
    """One areaCode2 call with one row (the cheapest authenticated TourAPI call), uncached."""
    return _api_probe("kto_api", lambda: kto.api(now_kst().date(), ledger=ledger),
                      lambda api: api.get_json("areaCode2", {"numOfRows": 1, "pageNo": 1}), thresholds)


def run_runs_probe(instance: dg.DagsterInstance, thresholds: Thresholds,
                   now: datetime | None = None) -> list[ProbeResult]:
    """Success rate of runs finished in the last 24 h and the queue depth, from the instance."""
    status = dg.DagsterRunStatus
    since = (now or datetime.now(timezone.utc)) - timedelta(hours=24)
    try:
        def count(statuses: list[dg.DagsterRunStatus], recent: bool = True) -> int:
            return instance.get_runs_count(
                dg.RunsFilter(statuses=statuses, updated_after=since if recent else None))

        succeeded = count([status.SUCCESS])
        failed = count([status.FAILURE, status.CANCELED])
        queued = count([status.QUEUED], recent=False)
    except Exception as exc:  # noqa: BLE001
        text = f"Runs not counted: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        return [ProbeResult("run_success_rate", "error", None, "ratio", text),
                ProbeResult("run_queue_depth", "error", None, "runs", text)]
    finished = succeeded + failed
    rate = succeeded / finished if finished else None
    return probe_runs(rate, queued, thresholds, finished_runs=finished)


def _source_label(simulated: bool | None, sample: str, live: str) -> str:
    if simulated is None:
        return "not configured"
    return sample if simulated else live


# --------------------------------------------------------------------------------------------
# The health asset
# --------------------------------------------------------------------------------------------


@dg.asset(
    key=HEALTH_KEY,
    group_name=GROUP,
    kinds={"python", "psutil"},
    description=(
        "Platform health and metrics, every 5 minutes: host CPU, memory and disk (psutil), warehouse "
        "round trip and connections in use, Redis memory, KMA and TourAPI reachability, and the platform's "
        "own 24 h run success rate and queue depth. Every measure is numeric metadata (plotted in the UI) and "
        "a non-blocking check graded against the WEATHER_FLICK_HEALTH_* thresholds (WARN/ERROR)."
    ),
    metadata={"dagster/column_schema": HEALTH_COLUMNS},
    check_specs=[dg.AssetCheckSpec(p.check_name, asset=HEALTH_KEY, description=p.description, blocking=False)
                 for p in PROBE_CHECKS],
    code_version="1",
)
def platform_health(context: dg.AssetExecutionContext, health: HealthResource, warehouse: WarehouseResource,
                    redis: RedisResource, kma: KmaResource, kto: KtoResource) -> dg.MaterializeResult:
    from weather_flick_batch.resources.api import quota_ledger

    thresholds = health.get_thresholds()
    ledger = quota_ledger(redis)  # the probes' own calls count against the quota too
    kma_results, kma_simulated = run_kma_probe(kma, thresholds, ledger)
    kto_results, kto_simulated = run_kto_probe(kto, thresholds, ledger)
    cpu = WindowCpu(*previous_cpu_counters(context.instance))
    system = probe_system(thresholds, cpu, disk_path=health.resolved_disk_path(), cpu_interval_s=health.cpu_interval_s)
    previous_pct = previous_cpu_pct(context.instance)
    system = [sustained_cpu(r, previous_pct, thresholds.cpu_pct_error) for r in system]
    if cpu.window_s is not None:
        system = [replace(r, message=f"{r.message}; averaged over the last {cpu.window_s:.0f} s")
                  if r.name == "cpu" and r.value is not None else r for r in system]
    results = [
        *system,
        *run_warehouse_probe(warehouse, thresholds),
        *run_redis_probe(redis, thresholds),
        *kma_results,
        *kto_results,
        *run_runs_probe(context.instance, thresholds),
        *run_quota_probes(kma, kto, ledger, thresholds),
    ]
    sources = {
        "kma_api": _source_label(kma_simulated, "SIMULATED (offline KMA sample source)", "KMA open API (live)"),
        "kto_api": _source_label(kto_simulated, "SIMULATED (embedded TourAPI catalogue)", "KTO TourAPI (live)"),
    }
    for result in results:
        if result.status != "ok":
            context.log.warning("health %s: %s", PROBE_CHECKS_BY_PROBE[result.name].check_name, result.message)
    metadata: dict[str, Any] = {
        **health_metrics(results),
        "status": worst_status(results),
        "summary": dg.MetadataValue.md(_summary_table(results, thresholds)),
        "thresholds": dg.MetadataValue.json(thresholds.as_dict()),
        "kma_source": sources["kma_api"],
        "kto_source": sources["kto_api"],
        # Not plotted (cumulative counters): the next run's CPU window starts here.
        "cpu_counters": dg.MetadataValue.json(cpu.current),
    }
    if cpu.window_s is not None:
        metadata["cpu_window_s"] = cpu.window_s
    checks = [
        check_result([r], thresholds, extra_metadata={"source": sources[r.name]} if r.name in sources else None)
        for r in results
    ]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


# --------------------------------------------------------------------------------------------
# Guard checks: the relevant probe alongside the asset it guards
# --------------------------------------------------------------------------------------------


@dg.asset_check(
    asset=REGIONS_KEY,
    name="warehouse_reachable",
    blocking=False,
    description="Health guard: the warehouse answers SELECT 1 within the latency thresholds, and (PostgreSQL) "
                "connections in use stay below max_connections thresholds.",
)
def regions_warehouse_reachable(warehouse: WarehouseResource, health: HealthResource) -> dg.AssetCheckResult:
    thresholds = health.get_thresholds()
    return check_result(run_warehouse_probe(warehouse, thresholds), thresholds, "warehouse_reachable")


@dg.asset_check(
    asset=SHORT_RANGE_KEY,
    name="kma_api_reachable",
    blocking=False,
    description="Health guard: KMA answers one nowcast call within the API latency thresholds (the sample source "
                "in embedded mode).",
)
def short_range_kma_api_reachable(kma: KmaResource, health: HealthResource) -> dg.AssetCheckResult:
    thresholds = health.get_thresholds()
    results, simulated = run_kma_probe(kma, thresholds)
    return check_result(results, thresholds, "kma_api_reachable", {
        "source": _source_label(simulated, "SIMULATED (offline KMA sample source)", "KMA open API (live)")})


@dg.asset_check(
    asset=CATALOGUE_KEY,
    name="kto_api_reachable",
    blocking=False,
    description="Health guard: TourAPI answers one areaCode2 call within the API latency thresholds (the embedded "
                "catalogue in embedded mode).",
)
def catalogue_kto_api_reachable(kto: KtoResource, health: HealthResource) -> dg.AssetCheckResult:
    thresholds = health.get_thresholds()
    results, simulated = run_kto_probe(kto, thresholds)
    return check_result(results, thresholds, "kto_api_reachable", {
        "source": _source_label(simulated, "SIMULATED (embedded TourAPI catalogue)", "KTO TourAPI (live)")})


GUARD_CHECKS: list[dg.AssetChecksDefinition] = [
    regions_warehouse_reachable, short_range_kma_api_reachable, catalogue_kto_api_reachable,
]




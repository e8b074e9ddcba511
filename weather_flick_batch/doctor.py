"""`weather-flick-batch doctor`: what an operator checks first, one line per check.

Each troubleshooting entry of docs/migration.md starts here: the same probes as the platform/health
asset (warehouse, Redis, KMA, KTO, the run queue), plus what that asset cannot see from inside a
run: the warehouse schema and the back end's tables, the data directory, and the daemon's heartbeat.
Exit status 1 when any check is at error, so cron or a CI step can call it.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CHECKS = ("warehouse", "schema", "data_dir", "redis", "daemon", "runs", "kma", "kto")
# The daemon writes a heartbeat every few seconds; a minute without one means it is not running.
HEARTBEAT_MAX_AGE_S = 60


@dataclass(frozen=True)
class Finding:
    check: str
    status: str  # ok, warning, error
    message: str

    def line(self) -> str:
        return f"{self.status.upper():7} {self.check:10} {self.message}"


def _warehouse(resources) -> list[Finding]:
    from weather_flick_batch.health.assets import run_warehouse_probe
    from weather_flick_batch.health.probes import Thresholds

    results = run_warehouse_probe(resources["warehouse"], Thresholds.from_env(os.environ))
    return [Finding("warehouse", r.status, r.message) for r in results if r.name == "warehouse"]


def _schema(resources) -> list[Finding]:
    from weather_flick_batch.warehouse.warehouse import WarehouseError

    wh = resources["warehouse"].get()
    try:
        wh.ensure_schema() if wh.current_revision() is not None else None
    except WarehouseError as exc:
        return [Finding("schema", "error", str(exc))]
    revision = wh.current_revision()
    if revision is None:
        return [Finding("schema", "warning", f"warehouse {wh.display_url} is empty: the first run (or "
                                             "`weather-flick-batch db upgrade`) creates it")]
    where = wh.service_schema or "the SQLite file"
    return [Finding("schema", "ok", f"revision {revision}; the back end's tables are set up in {where}")]


def _data_dir(_resources) -> list[Finding]:
    from weather_flick_batch import settings

    home = Path(settings.home_dir())
    if not home.exists():
        parent = next((p for p in home.parents if p.exists()), Path("/"))
        if os.access(parent, os.W_OK):
            return [Finding("data_dir", "ok", f"{home} does not exist yet; it will be created in {parent}")]
        return [Finding("data_dir", "error", f"{home} does not exist and {parent} is not writable by uid "
                                             f"{os.getuid()}")]
    try:
        with tempfile.NamedTemporaryFile(dir=home, prefix=".doctor-"):
            pass
    except OSError as exc:
        return [Finding("data_dir", "error", f"{home} is not writable by uid {os.getuid()}: {exc.strerror}")]
    return [Finding("data_dir", "ok", f"{home} is writable")]


def _redis(resources) -> list[Finding]:
    from weather_flick_batch.health.assets import run_redis_probe
    from weather_flick_batch.health.probes import Thresholds

    return [Finding("redis", r.status, r.message) for r in run_redis_probe(resources["redis"], Thresholds.from_env(os.environ))]


def _instance():
    import dagster as dg

    if not os.environ.get("DAGSTER_HOME"):
        return None
    return dg.DagsterInstance.get()


def _daemon(_resources) -> list[Finding]:
    instance = _instance()
    if instance is None:
        return [Finding("daemon", "error", "DAGSTER_HOME is not set: no instance to look at")]
    heartbeats = instance.get_daemon_heartbeats()
    if not heartbeats:
        return [Finding("daemon", "error", f"no daemon has ever run on the instance in {instance.root_directory}: "
                                           "start `dagster-daemon run` (schedules and sensors need it)")]
    newest = max(h.timestamp for h in heartbeats.values())
    age = time.time() - newest
    if age > HEARTBEAT_MAX_AGE_S:
        return [Finding("daemon", "error", f"last daemon heartbeat {age:.0f} s ago: the daemon is not running; "
                                           "schedules, sensors and the run queue are stopped")]
    return [Finding("daemon", "ok", f"daemon heartbeat {age:.0f} s ago ({len(heartbeats)} daemons)")]


def _runs(_resources) -> list[Finding]:
    from weather_flick_batch.health.assets import run_runs_probe
    from weather_flick_batch.health.probes import Thresholds

    instance = _instance()
    if instance is None:
        return [Finding("runs", "error", "DAGSTER_HOME is not set: no instance to look at")]
    return [Finding("runs", r.status, r.message) for r in run_runs_probe(instance, Thresholds.from_env(os.environ))]


def _api(name: str) -> Callable:
    def check(resources) -> list[Finding]:
        from weather_flick_batch.health.assets import run_kma_probe, run_kto_probe
        from weather_flick_batch.health.probes import Thresholds

        probe = run_kma_probe if name == "kma" else run_kto_probe
        results, simulated = probe(resources[name], Thresholds.from_env(os.environ))
        note = " (offline sample source: no key used)" if simulated else ""
        return [Finding(name, r.status, r.message + note) for r in results]

    return check


_RUNNERS: dict[str, Callable] = {
    "warehouse": _warehouse, "schema": _schema, "data_dir": _data_dir, "redis": _redis, "daemon": _daemon,
    "runs": _runs, "kma": _api("kma"), "kto": _api("kto"),
}


def run_checks(names: list[str]) -> list[Finding]:
    import dagster as dg

    from weather_flick_batch.definitions import build_resources

    wanted = {name: r for name, r in build_resources().items() if name in ("warehouse", "redis", "kma", "kto")}
    findings: list[Finding] = []
    # Initialised as a run would (EnvVar secrets resolved from the environment here, torn down after).
    with dg.build_resources(wanted) as initialised:
        resources = {name: getattr(initialised, name) for name in wanted}
        for name in names:
            try:
                findings += _RUNNERS[name](resources)
            except Exception as exc:  # noqa: BLE001 - a check that breaks is a finding, not a traceback
                text = " ".join(str(exc).split())[:300]
                findings.append(Finding(name, "error", f"{type(exc).__name__}: {text}"))
    return findings

"""`weather-flick-batch watchdog`: is the platform itself alive? Asked from outside the daemon.

Every alert the platform sends comes from a sensor, and sensors run in the daemon: a stopped daemon,
a code location that no longer loads or a schedule turned off is silence, not an alert. The watchdog
runs where the daemon does not depend on it (cron, a systemd timer, a Kubernetes CronJob), reads the
Dagster instance and answers four questions against the schedules:

- ``daemons``: has every daemon this instance needs (scheduler, sensors, run queue, automation, run
  monitoring) sent a heartbeat within WEATHER_FLICK_WATCHDOG_HEARTBEAT_MAX_AGE_S?
- ``health``: was platform/health (scheduled every 5 minutes) materialized within
  WEATHER_FLICK_WATCHDOG_HEALTH_MAX_AGE_MIN?
- ``weather``: is the newest short-range issuance in the warehouse (issued every 3 h) younger than
  WEATHER_FLICK_WATCHDOG_WEATHER_MAX_AGE_H?
- ``backup``: is the newest verified warehouse backup (daily at 02:00 KST) younger than
  WEATHER_FLICK_WATCHDOG_BACKUP_MAX_AGE_H?

Trouble is alerted through the platform's channels and routes (AlertsResource: Slack, e-mail, SMS,
the log) with the same per-key cooldown as the sensors' alerts (shared through Redis when
WEATHER_FLICK_REDIS_URL is set; without it each invocation is its own cooldown window), and a
check that is fine again sends the "ok again" notice. Exit status 1 when any check is at error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.doctor import Finding

HEALTH_KEY = dg.AssetKey(["platform", "health"])
SHORT_RANGE_KEY = dg.AssetKey(["weather", "short_range_forecast"])
BACKUP_KEY = dg.AssetKey(["maintenance", "warehouse_backup"])
CHECKS = ("daemons", "health", "weather", "backup")


def _age_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def check_daemons(instance: dg.DagsterInstance, now: float) -> Finding:
    limit = settings.get("WEATHER_FLICK_WATCHDOG_HEARTBEAT_MAX_AGE_S")
    required = sorted(instance.get_required_daemon_types())
    beats = instance.get_daemon_heartbeats()
    silent = []
    for daemon in required:
        beat = beats.get(daemon)
        if beat is None:
            silent.append(f"{daemon} (never)")
        elif now - beat.timestamp > limit:
            silent.append(f"{daemon} ({_age_text(now - beat.timestamp)} ago)")
    if silent:
        return Finding("daemons", "error", f"no heartbeat within {limit:g} s from {', '.join(silent)}: schedules, "
                                           "sensors, the run queue and the alerts they send are stopped; start "
                                           "`dagster-daemon run`")
    return Finding("daemons", "ok", f"{len(required)} daemons alive ({', '.join(required)})")


def _last_materialized(instance: dg.DagsterInstance, key: dg.AssetKey) -> float | None:
    event = instance.get_latest_materialization_event(key)
    return event.timestamp if event is not None else None


def check_health(instance: dg.DagsterInstance, now: float) -> Finding:
    limit_min = settings.get("WEATHER_FLICK_WATCHDOG_HEALTH_MAX_AGE_MIN")
    last = _last_materialized(instance, HEALTH_KEY)
    if last is None:
        return Finding("health", "error", "platform/health was never materialized: is health_schedule running?")
    age = now - last
    if age > limit_min * 60:
        return Finding("health", "error", f"platform/health last materialized {_age_text(age)} ago (limit "
                                          f"{limit_min:g} min; scheduled every 5 min): no health probes are running")
    return Finding("health", "ok", f"platform/health materialized {_age_text(age)} ago")


def newest_issuance(instance: dg.DagsterInstance) -> datetime | None:
    """Base time of the newest short-range issuance materialized (not the newest run: a backfill of an
    old partition is not fresh weather)."""
    from weather_flick_batch.weather.partitions import short_range_partitions

    keys = instance.get_materialized_partitions(SHORT_RANGE_KEY)
    starts = []
    for key in keys:
        try:
            starts.append(short_range_partitions.time_window_for_partition_key(key).start)
        except Exception:  # noqa: BLE001 - a key of an older partitioning scheme: not evidence of freshness
            continue
    return max(starts) if starts else None


def check_weather(instance: dg.DagsterInstance, now: float) -> Finding:
    limit_h = settings.get("WEATHER_FLICK_WATCHDOG_WEATHER_MAX_AGE_H")
    base = newest_issuance(instance)
    if base is None:
        return Finding("weather", "error", "no short-range issuance was ever loaded")
    age = now - base.timestamp()
    if age > limit_h * 3600:
        return Finding("weather", "error", f"newest short-range issuance {base:%Y-%m-%d %H:%M %Z} is "
                                           f"{_age_text(age)} old (limit {limit_h:g} h; issued every 3 h): "
                                           "recommendations are built on an old forecast")
    return Finding("weather", "ok", f"newest short-range issuance {base:%Y-%m-%d %H:%M %Z} ({_age_text(age)} old)")


def check_backup(instance: dg.DagsterInstance, now: float) -> Finding:
    limit_h = settings.get("WEATHER_FLICK_WATCHDOG_BACKUP_MAX_AGE_H")
    last = _last_materialized(instance, BACKUP_KEY)
    if last is None:
        return Finding("backup", "error", "no verified warehouse backup was ever stored: is "
                                          "warehouse_backup_schedule running?")
    age = now - last
    if age > limit_h * 3600:
        return Finding("backup", "error", f"newest verified warehouse backup is {_age_text(age)} old (limit "
                                          f"{limit_h:g} h; daily at 02:00 KST)")
    return Finding("backup", "ok", f"newest verified warehouse backup {_age_text(age)} old")


_RUNNERS: dict[str, Callable[[dg.DagsterInstance, float], Finding]] = {
    "daemons": check_daemons, "health": check_health, "weather": check_weather, "backup": check_backup,
}


def run_watchdog(instance: dg.DagsterInstance, checks: list[str] | None = None,
                 now: float | None = None) -> list[Finding]:
    now = time.time() if now is None else now
    findings = []
    for name in checks or list(CHECKS):
        try:
            findings.append(_RUNNERS[name](instance, now))
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            findings.append(Finding(name, "error", f"could not check: {first}"))
    return findings


def alert(findings: list[Finding], alerts, ui_base_url: str) -> list[str]:
    """Dispatch an alert per check at error and an "ok again" per check that is fine; the sent texts."""
    from weather_flick_batch.health.alerts import Alert

    sent = []
    with alerts.dispatcher() as dispatcher:
        for finding in findings:
            report = dispatcher.dispatch(Alert(
                key=f"watchdog:{finding.check}", severity="critical" if finding.check == "daemons" else "error",
                title=f"watchdog: {finding.check}", what_failed=finding.message, subject_kind="watchdog",
                subject_name=finding.check, link=ui_base_url, recovered=finding.status == "ok"))
            if report.sent:
                sent.append(report.text)
    return sent

"""`weather-flick-batch watchdog`: the platform checked from outside the daemon.

A real local instance (the shipped deploy/local/dagster.yaml in a temporary DAGSTER_HOME) holds
what the daemon and the jobs would leave there: daemon heartbeats (the instance's own API), and
materializations of platform/health, a short-range issuance and the warehouse backup. The watchdog
runs as the operator's cron would (the CLI in a subprocess) and alerts through a Slack-like server
with the cooldown shared in Redis.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest
from dagster._daemon.types import DaemonHeartbeat

from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.testing.fakes.slack import FakeSlack
from weather_flick_batch.watchdog import BACKUP_KEY, HEALTH_KEY, SHORT_RANGE_KEY, run_watchdog
from weather_flick_batch.weather.partitions import short_range_partitions

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "xoxb-watchdog-test-token"


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path / "local_dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "local" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as inst:
        yield inst


def beat(instance: dg.DagsterInstance, age_s: float = 0) -> None:
    for daemon in instance.get_required_daemon_types():
        instance.add_daemon_heartbeat(DaemonHeartbeat(time.time() - age_s, daemon, "test-daemon", None))


def materialize(instance: dg.DagsterInstance) -> str:
    """What a working platform leaves: health now, the newest issuance due by now, a backup now."""
    newest = short_range_partitions.get_partition_keys(current_time=now_kst() - timedelta(minutes=30))[-1]
    instance.report_runless_asset_event(dg.AssetMaterialization(HEALTH_KEY))
    instance.report_runless_asset_event(dg.AssetMaterialization(SHORT_RANGE_KEY, partition=newest))
    instance.report_runless_asset_event(dg.AssetMaterialization(BACKUP_KEY))
    return newest


def watchdog(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "weather_flick_batch.cli", "watchdog", *args], cwd=ROOT,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120)


def test_an_empty_instance_is_all_trouble_and_exits_1(instance) -> None:
    done = watchdog("--no-alerts")
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 4 and all(line.startswith("ERROR") for line in lines), done.stdout
    assert "dagster-daemon run" in lines[0] and "never" in lines[0]
    assert "platform/health was never materialized" in done.stdout
    assert "no short-range issuance" in done.stdout and "no verified warehouse backup" in done.stdout


def test_a_working_platform_passes_and_each_check_ages_against_its_schedule(instance) -> None:
    beat(instance)
    newest = materialize(instance)
    findings = run_watchdog(instance)
    assert [f.status for f in findings] == ["ok"] * 4, [f.line() for f in findings]
    assert newest[:10] in findings[2].message
    assert watchdog("--no-alerts").returncode == 0

    # The same state seen later: 5 min is fine everywhere; 7 h stops the daemons, health and weather
    # (limits 120 s, 15 min, 6 h); 27 h also the daily backup (26 h).
    def errors(hours: float) -> list[str]:
        return [f.check for f in run_watchdog(instance, now=time.time() + hours * 3600) if f.status == "error"]

    assert errors(0) == []
    assert errors(1) == ["daemons", "health"]
    assert errors(7) == ["daemons", "health", "weather"]
    assert errors(27) == ["daemons", "health", "weather", "backup"]
    # An old partition backfilled now is not fresh weather.
    instance.wipe_assets([SHORT_RANGE_KEY])
    from datetime import timedelta

    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.weather.issuance import short_range_partition_key

    from weather_flick_batch.weather.issuance import latest_short_range_issuance

    old = short_range_partition_key(latest_short_range_issuance(now_kst() - timedelta(days=3)))  # days old
    instance.report_runless_asset_event(dg.AssetMaterialization(SHORT_RANGE_KEY, partition=old))
    assert [f.check for f in run_watchdog(instance) if f.status == "error"] == ["weather"]


def test_trouble_alerts_once_per_cooldown_across_invocations_then_ok_again(instance, redis_url: str) -> None:
    materialize(instance)
    beat(instance, age_s=600)  # the daemon stopped ten minutes ago
    with FakeSlack(TOKEN) as slack:
        env = {"WEATHER_FLICK_ALERT_SLACK_TOKEN": TOKEN, "WEATHER_FLICK_ALERT_SLACK_CHANNEL": "#ops",
               "WEATHER_FLICK_ALERT_SLACK_BASE_URL": slack.base_url, "WEATHER_FLICK_REDIS_URL": redis_url}
        first = watchdog("--check", "daemons,health", env=env)
        assert first.returncode == 1 and "alerted: [CRITICAL] Watchdog daemons" in first.stdout, first.stdout
        second = watchdog("--check", "daemons,health", env=env)  # cron a minute later: cooldown holds
        assert second.returncode == 1 and "alerted" not in second.stdout
        assert len(slack.messages) == 1 and "no heartbeat within 120 s" in str(slack.messages[0])
        beat(instance)
        third = watchdog("--check", "daemons,health", env=env)
        assert third.returncode == 0 and "alerted: [OK AGAIN] Watchdog daemons" in third.stdout, third.stdout
        assert len(slack.messages) == 2 and TOKEN not in str(slack.messages)

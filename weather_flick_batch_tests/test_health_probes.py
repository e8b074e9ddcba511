"""Health probes: grading, threshold settings, and each probe against the real thing.

Thresholds are crossed by changing the thresholds (a warning limit below what the host uses
right now), never by filling a disk or exhausting memory; the real psutil, SQLite, PostgreSQL and
Redis are measured.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from types import SimpleNamespace

import psutil
import pytest
import redis
import sqlalchemy as sa

from weather_flick_batch.health.probes import (
    THRESHOLD_SETTINGS,
    HealthSettingsError,
    ProbeResult,
    Thresholds,
    classify,
    probe_http_api,
    probe_redis,
    probe_runs,
    probe_system,
    probe_warehouse,
    worst_status,
)
from weather_flick_batch.testing.services import free_port


def by_name(results: list[ProbeResult]) -> dict[str, ProbeResult]:
    return {r.name: r for r in results}


# -- grading ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "warn", "error", "higher_is_worse", "expected"),
    [
        (79.9, 80, 90, True, "ok"),
        (80.0, 80, 90, True, "ok"),  # on the threshold: still the better side
        (80.1, 80, 90, True, "warn"),
        (90.0, 80, 90, True, "warn"),
        (90.1, 80, 90, True, "error"),
        (1.99, 2, 5, True, "ok"),
        (4.99, 2, 5, True, "warn"),
        (5.01, 2, 5, True, "error"),
        (0.95, 0.95, 0.8, False, "ok"),  # success rate: healthy >= 0.95
        (0.94, 0.95, 0.8, False, "warn"),
        (0.80, 0.95, 0.8, False, "warn"),  # warning >= 0.8
        (0.79, 0.95, 0.8, False, "error"),
        (math.nan, 80, 90, True, "error"),  # a broken measure is not a healthy one
    ],
)
def test_classify(value: float, warn: float, error: float, higher_is_worse: bool, expected: str) -> None:
    assert classify(value, warn, error, higher_is_worse) == expected


def test_worst_status() -> None:
    mk = lambda status: ProbeResult("x", status, None, "", "")  # noqa: E731
    assert worst_status([]) == "ok"
    assert worst_status([mk("ok"), mk("warn"), mk("ok")]) == "warn"
    assert worst_status([mk("warn"), mk("error")]) == "error"
    with pytest.raises(ValueError):
        mk("critical")


# -- thresholds as settings ---------------------------------------------------------------------
def test_threshold_defaults_are_the_previous_systems() -> None:
    t = Thresholds()
    assert (t.cpu_pct_warn, t.cpu_pct_error) == (80, 90)
    assert (t.memory_pct_warn, t.memory_pct_error) == (80, 90)
    assert (t.disk_pct_warn, t.disk_pct_error) == (80, 90)
    assert (t.db_connections_ratio_warn, t.db_connections_ratio_error) == (0.8, 0.95)
    assert (t.redis_memory_ratio_warn, t.redis_memory_ratio_error) == (0.8, 0.9)
    assert (t.api_latency_s_warn, t.api_latency_s_error) == (2, 5)
    assert (t.run_success_rate_warn, t.run_success_rate_error) == (0.95, 0.8)
    assert Thresholds.from_env({}) == t


def test_threshold_settings_cover_every_field_and_round_trip() -> None:
    names = [name for name, _default, _description in THRESHOLD_SETTINGS]
    assert len(names) == len(set(names)) == len(dataclasses.fields(Thresholds))
    assert all(n.startswith("WEATHER_FLICK_HEALTH_") and n.endswith(("_WARN", "_ERROR")) for n in names)
    assert "WEATHER_FLICK_HEALTH_DISK_PCT_WARN" in names
    assert all(description for _n, _d, description in THRESHOLD_SETTINGS)
    # The listed defaults are the dataclass defaults: parsing them changes nothing.
    assert Thresholds.from_env({n: d for n, d, _ in THRESHOLD_SETTINGS}) == Thresholds()


def test_thresholds_from_env_overrides() -> None:
    t = Thresholds.from_env({"WEATHER_FLICK_HEALTH_DISK_PCT_WARN": "70", "WEATHER_FLICK_HEALTH_DISK_PCT_ERROR": " 85 ",
                             "WEATHER_FLICK_HEALTH_QUEUE_DEPTH_WARN": "", "UNRELATED": "x"})
    assert (t.disk_pct_warn, t.disk_pct_error) == (70, 85)
    assert t.queue_depth_warn == Thresholds().queue_depth_warn  # empty means default


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"WEATHER_FLICK_HEALTH_DISK_PCT_WARN": "eighty"}, "WEATHER_FLICK_HEALTH_DISK_PCT_WARN"),
        ({"WEATHER_FLICK_HEALTH_CPU_PCT_ERROR": "120"}, "WEATHER_FLICK_HEALTH_CPU_PCT_ERROR"),
        ({"WEATHER_FLICK_HEALTH_REDIS_MEMORY_RATIO_WARN": "nan"}, "WEATHER_FLICK_HEALTH_REDIS_MEMORY_RATIO_WARN"),
        ({"WEATHER_FLICK_HEALTH_API_LATENCY_S_WARN": "-1"}, "WEATHER_FLICK_HEALTH_API_LATENCY_S_WARN"),
        # inverted: the warning would never show
        ({"WEATHER_FLICK_HEALTH_MEMORY_PCT_WARN": "95"}, "WEATHER_FLICK_HEALTH_MEMORY_PCT_WARN"),
        ({"WEATHER_FLICK_HEALTH_RUN_SUCCESS_RATE_ERROR": "0.99"}, "WEATHER_FLICK_HEALTH_RUN_SUCCESS_RATE_ERROR"),
    ],
)
def test_bad_threshold_fails_in_one_line_naming_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(HealthSettingsError) as info:
        Thresholds.from_env(environ)
    message = str(info.value)
    assert named in message and "\n" not in message


# -- host -------------------------------------------------------------------------------------
def test_system_probe_grades_real_usage_by_thresholds(tmp_path) -> None:
    disk_now = psutil.disk_usage(str(tmp_path)).percent
    mem_now = psutil.virtual_memory().percent
    assert disk_now > 0 and mem_now > 0  # the premise of crossing thresholds set at 0

    ok = by_name(probe_system(Thresholds(disk_pct_warn=100, disk_pct_error=100, memory_pct_warn=100,
                                         memory_pct_error=100), disk_path=str(tmp_path), cpu_interval_s=0.05))
    assert (ok["disk"].status, ok["memory"].status) == ("ok", "ok")
    assert ok["disk"].value == pytest.approx(disk_now, abs=1.0)
    assert ok["disk"].metrics["disk_free_bytes"] > 0 and ok["memory"].metrics["memory_total_bytes"] > 0

    # Warning limit below what is used now, error limit above: warn.
    warn = by_name(probe_system(Thresholds(disk_pct_warn=0, disk_pct_error=100, memory_pct_warn=0,
                                           memory_pct_error=100), disk_path=str(tmp_path), cpu_interval_s=0.05))
    assert (warn["disk"].status, warn["memory"].status) == ("warn", "warn")
    # Both below: error.
    error = by_name(probe_system(Thresholds(disk_pct_warn=0, disk_pct_error=0, memory_pct_warn=0,
                                            memory_pct_error=0), disk_path=str(tmp_path), cpu_interval_s=0.05))
    assert (error["disk"].status, error["memory"].status) == ("error", "error")
    assert "error" in error["disk"].message and str(tmp_path) in error["disk"].message


def _fake_psutil(cpu: float) -> SimpleNamespace:
    """CPU use cannot be pinned on a shared machine (it is often 0 %): this module reports ``cpu``."""
    return SimpleNamespace(
        cpu_percent=lambda interval=None: cpu,
        cpu_count=lambda: 2,
        virtual_memory=psutil.virtual_memory,
        disk_usage=psutil.disk_usage,
    )


@pytest.mark.parametrize(("cpu", "expected"), [(50.0, "ok"), (85.0, "warn"), (95.0, "error")])
def test_system_probe_cpu_against_default_thresholds(cpu: float, expected: str) -> None:
    results = by_name(probe_system(Thresholds(), _fake_psutil(cpu)))
    assert results["cpu"].status == expected
    assert results["cpu"].metrics["cpu_pct"] == cpu


def test_system_probe_reports_what_it_cannot_measure(tmp_path) -> None:
    results = by_name(probe_system(Thresholds(), disk_path=str(tmp_path / "missing"), cpu_interval_s=0.01))
    assert results["disk"].status == "error" and results["disk"].value is None
    assert "not measured" in results["disk"].message
    assert results["memory"].status in {"ok", "warn", "error"}  # the others still ran


def test_real_cpu_probe_runs() -> None:
    cpu = by_name(probe_system(Thresholds(), cpu_interval_s=0.05))["cpu"]
    assert cpu.value is not None and 0 <= cpu.value <= 100


# -- warehouse ----------------------------------------------------------------------------------
def test_warehouse_probe_sqlite(tmp_path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.sqlite'}")
    try:
        results = by_name(probe_warehouse(engine, Thresholds()))
        assert results["warehouse"].status == "ok"
        assert results["warehouse"].metrics["reachable"] == 1.0
        assert 0 <= results["warehouse"].metrics["round_trip_s"] < 0.5
        conns = results["warehouse_connections"]
        assert conns.status == "ok" and conns.value is None and "not applicable" in conns.message.lower()

        # Any real round trip takes longer than 0 s: a zero warning limit must warn.
        slow = by_name(probe_warehouse(engine, Thresholds(warehouse_latency_s_warn=0)))
        assert slow["warehouse"].status == "warn"
        slower = by_name(probe_warehouse(engine, Thresholds(warehouse_latency_s_warn=0, warehouse_latency_s_error=0)))
        assert slower["warehouse"].status == "error"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_warehouse_probe_postgresql_counts_real_connections(fresh_postgres_url: str) -> None:
    engine = sa.create_engine(fresh_postgres_url, pool_size=10)
    held = []
    try:
        before = by_name(probe_warehouse(engine, Thresholds()))
        assert before["warehouse"].status == "ok"
        conns = before["warehouse_connections"]
        assert conns.status == "ok"
        in_use, max_conn = conns.metrics["connections_in_use"], conns.metrics["max_connections"]
        assert in_use >= 1 and max_conn >= in_use
        assert conns.value == pytest.approx(in_use / max_conn)

        held = [engine.connect() for _ in range(3)]  # three more client backends on the server
        after = by_name(probe_warehouse(engine, Thresholds()))["warehouse_connections"]
        # Server-wide count (what max_connections limits); other clients may come and go meanwhile,
        # so only what this test holds is certain: its 3 held connections plus the probe's own.
        assert after.metrics["connections_in_use"] >= 3 + 1

        # Thresholds below the measured ratio: warn, then error.
        ratio = after.value
        assert by_name(probe_warehouse(engine, Thresholds(db_connections_ratio_warn=ratio / 2)))[
            "warehouse_connections"].status == "warn"
        assert by_name(probe_warehouse(engine, Thresholds(db_connections_ratio_warn=0, db_connections_ratio_error=0)))[
            "warehouse_connections"].status == "error"
    finally:
        for conn in held:
            conn.close()
        engine.dispose()


@pytest.mark.postgres
def test_unreachable_warehouse_is_an_error_without_the_password() -> None:
    engine = sa.create_engine(
        f"postgresql+psycopg2://wfb:S3cretPassw0rd@127.0.0.1:{free_port()}/nowhere",
        connect_args={"connect_timeout": 2},
    )
    try:
        results = by_name(probe_warehouse(engine, Thresholds(), redact=lambda s: s.replace("nowhere", "<db>")))
    finally:
        engine.dispose()
    assert results["warehouse"].status == results["warehouse_connections"].status == "error"
    for r in results.values():
        assert "S3cretPassw0rd" not in r.message and "\n" not in r.message
    assert "unreachable" in results["warehouse"].message.lower()


# -- Redis --------------------------------------------------------------------------------------
@pytest.mark.redis
def test_redis_probe_against_real_redis(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        info = client.info("memory")
        result = probe_redis(client, Thresholds())[0]
        assert result.name == "redis" and result.status == "ok"
        assert result.metrics["reachable"] == 1.0 and result.metrics["used_memory_bytes"] > 0
        limit = info["maxmemory"] or info["total_system_memory"]  # unlimited -> host memory (documented)
        assert result.value == pytest.approx(result.metrics["used_memory_bytes"] / limit, rel=0.2)

        # The shared server's maxmemory is left alone: the thresholds move instead.
        ratio = result.value
        assert probe_redis(client, Thresholds(redis_memory_ratio_warn=ratio / 10))[0].status == "warn"
        assert probe_redis(client, Thresholds(redis_memory_ratio_warn=0, redis_memory_ratio_error=0))[0].status == "error"
    finally:
        client.close()


class _StubRedis:
    """INFO memory as a server with a maxmemory (or hiding host memory) would answer it."""

    def __init__(self, **memory: int) -> None:
        self.memory = memory

    def ping(self) -> bool:
        return True

    def info(self, section: str) -> dict[str, int]:
        assert section == "memory"
        return dict(self.memory)


@pytest.mark.parametrize(("used", "expected"), [(70, "ok"), (85, "warn"), (95, "error")])
def test_redis_probe_with_maxmemory(used: int, expected: str) -> None:
    result = probe_redis(_StubRedis(used_memory=used * 2**20, maxmemory=100 * 2**20,
                                    total_system_memory=64 * 2**30), Thresholds())[0]
    assert result.status == expected
    assert result.value == pytest.approx(used / 100)
    assert "maxmemory" in result.message


def test_redis_probe_without_any_limit_is_ok_with_a_note() -> None:
    result = probe_redis(_StubRedis(used_memory=10 * 2**20, maxmemory=0), Thresholds())[0]
    assert result.status == "ok" and result.value is None and "not graded" in result.message


def test_unreachable_redis_is_an_error_without_the_password() -> None:
    client = redis.Redis.from_url(f"redis://:R3disPassw0rd@127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    result = probe_redis(client, Thresholds())[0]
    assert result.status == "error" and "unreachable" in result.message.lower()
    assert "R3disPassw0rd" not in result.message


# -- external APIs ------------------------------------------------------------------------------
class _Clock:
    """A perf_counter stand-in advancing by ``step`` per call: latency without sleeping."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.mark.parametrize(("elapsed", "expected"), [(0.3, "ok"), (3.0, "warn"), (7.5, "error")])
def test_api_probe_grades_round_trip(elapsed: float, expected: str) -> None:
    calls = []
    result = probe_http_api("kma_api", lambda: calls.append(1), Thresholds(), clock=_Clock(elapsed))[0]
    assert calls == [1]
    assert (result.name, result.status) == ("kma_api", expected)
    assert result.metrics["round_trip_s"] == pytest.approx(elapsed)


def test_api_probe_failure_is_an_error_with_the_key_redacted() -> None:
    key = "AbC+dEf/123=="

    def call() -> None:
        raise ConnectionError(
            "HTTPSConnectionPool(host='apis.data.go.kr'): Max retries exceeded with url: "
            f"/1360000/VilageFcstInfoService_2.0/getUltraSrtNcst?serviceKey={key}&numOfRows=1\nsecond line"
        )

    result = probe_http_api("kma_api", call, Thresholds(), redact=lambda s: s.replace(key, "***"))[0]
    assert result.status == "error" and result.value is None
    assert key not in result.message and "AbC" not in result.message
    assert "ConnectionError" in result.message and "\n" not in result.message
    assert result.metrics["reachable"] == 0.0

    # The built-in scrubber still removes serviceKey values when the caller's redactor misses them.
    unredacted = probe_http_api("kto_api", call, Thresholds())[0]
    assert "AbC" not in unredacted.message and "serviceKey=***" in unredacted.message


# -- runs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rate", "depth", "expected_rate", "expected_queue"),
    [(1.0, 0, "ok", "ok"), (0.95, 20, "ok", "ok"), (0.9, 21, "warn", "warn"), (0.5, 51, "error", "error")],
)
def test_run_probe(rate: float, depth: int, expected_rate: str, expected_queue: str) -> None:
    results = by_name(probe_runs(rate, depth, Thresholds(), finished_runs=40))
    assert results["run_success_rate"].status == expected_rate
    assert results["run_queue_depth"].status == expected_queue
    assert results["run_success_rate"].metrics == {"success_rate_24h": rate, "finished_runs_24h": 40.0}
    assert results["run_queue_depth"].metrics == {"queue_depth": float(depth)}


def test_run_probe_without_runs_is_ok() -> None:
    results = by_name(probe_runs(None, 0, Thresholds()))
    assert results["run_success_rate"].status == "ok" and results["run_success_rate"].value is None


def test_probes_import_no_dagster() -> None:
    import subprocess

    code = ("import sys, weather_flick_batch.health as h, weather_flick_batch.health.probes, "
            "weather_flick_batch.health.alerts; print('dagster' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(("previous", "expected"), [(None, "warn"), (50.0, "warn"), (90.0, "warn"), (97.0, "error")])
def test_a_busy_cpu_is_an_error_only_when_it_stays_saturated(previous, expected) -> None:
    from weather_flick_batch.health.probes import sustained_cpu

    cpu = by_name(probe_system(Thresholds(), _fake_psutil(95.0)))["cpu"]
    assert cpu.status == "error"  # graded alone
    result = sustained_cpu(cpu, previous, Thresholds().cpu_pct_error)
    assert result.status == expected
    assert ("sustained" in result.message) == (expected == "error")


def test_sustained_cpu_leaves_everything_else_alone() -> None:
    from weather_flick_batch.health.probes import sustained_cpu

    results = by_name(probe_system(Thresholds(), _fake_psutil(85.0)))
    assert sustained_cpu(results["cpu"], None, 90) is results["cpu"]  # a warning stays a warning
    assert sustained_cpu(results["memory"], None, 0) is results["memory"]

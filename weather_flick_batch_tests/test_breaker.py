"""Circuit breakers: a stalled optional service is bypassed after a few failures, not waited on."""

from __future__ import annotations

import socket
import threading
import time

import dagster as dg
import pytest

from weather_flick_batch.core.breaker import CircuitBreaker
from weather_flick_batch.destinations import assets as d
from weather_flick_batch.regions.assets import regions
from weather_flick_batch.definitions import build_resources


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_skips_then_tries_once_and_closes():
    clock, warnings, calls = Clock(), [], []

    def broken():
        calls.append(clock.now)
        raise TimeoutError("stalled")

    breaker = CircuitBreaker("svc", failures=3, cool_off_s=60, clock=clock, warn=warnings.append)
    for _ in range(10):
        assert breaker.call(broken, default="fallback") == "fallback"
    assert len(calls) == 3 and breaker.skipped == 7 and breaker.is_open
    assert len(warnings) == 1 and "3 failures in a row (TimeoutError); bypassed for 60 s" in warnings[0]
    clock.now = 61  # cool-off over: one trial, which fails and re-opens at once
    assert breaker.call(broken, default=None) is None and len(calls) == 4 and breaker.is_open
    clock.now = 122
    assert breaker.call(lambda: "answer") == "answer" and not breaker.is_open
    assert warnings[-1] == "svc: answering again; no longer bypassed" and len(warnings) == 3


def test_a_success_resets_the_count():
    breaker = CircuitBreaker("svc", failures=2, clock=Clock())
    fail = lambda: (_ for _ in ()).throw(OSError("x"))  # noqa: E731
    breaker.call(fail)
    breaker.call(lambda: 1)
    breaker.call(fail)
    assert not breaker.is_open


def test_settings_of_a_breaker_are_checked():
    with pytest.raises(ValueError):
        CircuitBreaker("svc", failures=0)


class SilentServer:
    """Accepts TCP connections and never answers: a Redis that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def live_kto(monkeypatch):
    """The live TourAPI client against a local TourAPI-like server (the cache is the live client's)."""
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.testing.fakes.http_fault_server import FaultPlan
    from weather_flick_batch.testing.fakes.kto import TourApiFake

    with TourApiFake(now_kst().date(), FaultPlan(valid_keys={"k"})) as fake:
        monkeypatch.setenv("WEATHER_FLICK_KTO_MODE", "live")
        monkeypatch.setenv("WEATHER_FLICK_KTO_BASE_URL", fake.server.base_url.rstrip("/"))
        monkeypatch.setenv("WEATHER_FLICK_KTO_API_KEYS", "k")
        yield fake


def _sync(resources):
    assert dg.materialize([regions, d.districts], resources=resources).success
    return dg.materialize([d.catalogue], partition_key="jeju", resources=resources)


def test_a_redis_that_never_answers_is_bypassed_after_three_timeouts(monkeypatch, live_kto):
    """Reproduced: every cache read and write waited its timeout (a 5 s job took 58 s)."""
    started = time.perf_counter()
    _sync(build_resources())
    redis_free_s = time.perf_counter() - started

    server = SilentServer()
    try:
        monkeypatch.setenv("WEATHER_FLICK_REDIS_URL", f"redis://127.0.0.1:{server.port}/0")
        monkeypatch.setenv("WEATHER_FLICK_REDIS_TIMEOUT_S", "0.5")
        started = time.perf_counter()
        result = _sync(build_resources())
        stalled_s = time.perf_counter() - started
    finally:
        server.close()
    assert result.success
    # Three calls waited (one connection each); every later cache call was skipped at once.
    assert len(server.connections) == 3
    assert live_kto.server.request_count("areaCode2") == 2 * 17  # every call reached the API instead
    print(f"Redis-free {redis_free_s:.1f} s, stalled Redis {stalled_s:.1f} s")


def test_the_breaker_warns_once_in_the_event_log(monkeypatch, live_kto):
    server = SilentServer()
    try:
        monkeypatch.setenv("WEATHER_FLICK_REDIS_URL", f"redis://127.0.0.1:{server.port}/0")
        instance = dg.DagsterInstance.ephemeral()
        result = dg.materialize([regions, d.districts], resources=build_resources(), instance=instance)
    finally:
        server.close()
    assert result.success
    messages = [entry.user_message or "" for entry in instance.all_logs(result.run_id)]
    warned = [m for m in messages if "bypassed for 60 s" in m]
    assert len(warned) == 1 and f"Redis response cache at 127.0.0.1:{server.port}" in warned[0]

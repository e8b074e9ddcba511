"""API quota accounting shared by every process: real Redis, a local KMA-like gateway, and workers
that each run their own API client (their own process, in the last test).

- A key the gateway calls spent (code 22) for one worker is never sent again by another.
- The configured daily limit spends a key before the gateway has to.
- The day's use is graded by platform/health (warning above 0.8, error above 0.95), plotted as
  numeric metadata, and the failed check alerts like every health check.
"""

from __future__ import annotations

import multiprocessing
import os

import dagster as dg
import pytest

from weather_flick_batch.core.apiclient import ApiClient
from weather_flick_batch.core.quota import RedisQuotaLedger, day_summary, key_id, quota_day
from weather_flick_batch.health.assets import platform_health, run_quota_probes
from weather_flick_batch.health.probes import Thresholds
from weather_flick_batch.definitions import build_resources
from weather_flick_batch.testing.fakes.kma import kma_server

SPENT, FRESH = "key-spent-today", "key-still-fresh"
OPERATION = "VilageFcstInfoService_2.0/getUltraSrtNcst"
PARAMS = {"base_date": "20261207", "base_time": "0600", "nx": "60", "ny": "127", "numOfRows": "100", "pageNo": "1"}


@pytest.fixture
def gateway():
    with kma_server() as server:
        yield server


def _ledger(redis_url: str) -> RedisQuotaLedger:
    import redis

    return RedisQuotaLedger(redis.Redis.from_url(redis_url))


def _client(server, redis_url: str, keys: list[str], daily_limit: int | None = None) -> ApiClient:
    return ApiClient(service="KMA", base_url=server.base_url.rstrip("/"), keys=keys, max_attempts=1,
                     extra_params={"dataType": "JSON"}, ledger=_ledger(redis_url), daily_limit=daily_limit)


def _worker(base_url: str, redis_url: str, keys: list[str], queue) -> None:
    """Another worker process: its own client, nothing shared with the test but Redis."""
    import redis as redis_lib

    client = ApiClient(service="KMA", base_url=base_url, keys=keys, max_attempts=1, extra_params={"dataType": "JSON"},
                       ledger=RedisQuotaLedger(redis_lib.Redis.from_url(redis_url)))
    for _ in range(3):
        client.get_json(OPERATION, PARAMS)
    queue.put(client.stats.key_rotations)


def test_a_key_spent_in_one_worker_is_skipped_by_every_worker(gateway, redis_url: str) -> None:
    gateway.plan.quota_keys = {SPENT}
    first = _client(gateway, redis_url, [SPENT, FRESH])
    first.get_json(OPERATION, PARAMS)
    assert gateway.keys_used() == [SPENT, FRESH]  # learned the hard way, once
    gateway.reset_log()

    queue = multiprocessing.get_context("spawn").Queue()
    other = multiprocessing.get_context("spawn").Process(
        target=_worker, args=(gateway.base_url.rstrip("/"), redis_url, [SPENT, FRESH], queue))
    other.start()
    other.join(60)
    assert other.exitcode == 0 and queue.get(timeout=5) == 1
    assert gateway.keys_used() == [FRESH, FRESH, FRESH]  # the other worker never sent the spent key
    ledger = _ledger(redis_url)
    assert ledger.spent("KMA", quota_day()) == {key_id(SPENT)}
    assert ledger.usage("KMA", quota_day()) == {(key_id(SPENT), OPERATION): 1, (key_id(FRESH), OPERATION): 4}
    assert SPENT not in str(ledger._redis.keys("*")) and FRESH not in str(ledger._redis.hgetall(
        f"wfb:quota:KMA:{quota_day()}:use"))


def test_the_configured_daily_limit_spends_a_key_before_the_gateway_does(gateway, redis_url: str) -> None:
    client = _client(gateway, redis_url, [SPENT, FRESH], daily_limit=3)
    for _ in range(5):
        client.get_json(OPERATION, PARAMS)
    assert gateway.keys_used() == [SPENT, SPENT, SPENT, FRESH, FRESH]
    # A new client (a new run) starts on the key that is still fresh.
    gateway.reset_log()
    _client(gateway, redis_url, [SPENT, FRESH], daily_limit=3).get_json(OPERATION, PARAMS)
    assert gateway.keys_used() == [FRESH]


def test_the_days_use_is_graded_plotted_and_checked(gateway, redis_url: str, monkeypatch) -> None:
    monkeypatch.setenv("WEATHER_FLICK_REDIS_URL", redis_url)
    monkeypatch.setenv("WEATHER_FLICK_KMA_MODE", "live")
    monkeypatch.setenv("WEATHER_FLICK_KMA_API_KEYS", f"{SPENT},{FRESH}")
    monkeypatch.setenv("WEATHER_FLICK_KMA_BASE_URL", gateway.base_url.rstrip("/"))
    monkeypatch.setenv("WEATHER_FLICK_KMA_DAILY_LIMIT", "1000")
    ledger = _ledger(redis_url)
    ledger.add_use("KMA", OPERATION, FRESH, quota_day(), n=850)
    ledger.add_use("KMA", "MidFcstInfoService/getMidTa", SPENT, quota_day(), n=40)
    resources = build_resources()
    thresholds = Thresholds()
    with dg.build_resources({"kma": resources["kma"], "kto": resources["kto"]}) as resolved:  # EnvVar keys
        kma_result, kto_result = run_quota_probes(resolved.kma, resolved.kto, ledger, thresholds)
    assert kma_result.status == "warn" and kma_result.value == pytest.approx(0.85)
    assert "key #2 " in kma_result.message and "850 of 1,000" in kma_result.message
    assert kto_result.status == "ok" and kto_result.value is None  # the sample catalogue spends nothing

    ledger.add_use("KMA", OPERATION, FRESH, quota_day(), n=110)  # 960 of 1,000
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([platform_health], resources=resources, instance=instance)
        metadata = result.asset_materializations_for_node("platform__health")[0].metadata
        assert metadata["kma_quota_ratio"].value == pytest.approx(0.96)
        # The health probe's own nowcast call (key #1) went through the ledger too.
        assert metadata["kma_calls_today"].value == 960 + 40 + 1
        check = [e for e in result.get_asset_check_evaluations() if e.check_name == "kma_api_quota"][0]
        assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR


def test_day_summary_names_keys_by_position_and_decodes_encoded_keys() -> None:
    summary = day_summary({(key_id("a+b"), "op1"): 10, (key_id("gone"), "op1"): 5}, ["x", "a%2Bb"], 100)
    assert summary["per_key"] == {"key #2": {"op1": 10}, "an unconfigured key": {"op1": 5}}
    assert summary["ratio"] == 0.1 and summary["calls"] == 15
    assert os.environ.get("WEATHER_FLICK_KMA_API_KEYS") is None

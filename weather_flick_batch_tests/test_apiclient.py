"""Tests of the shared API client against a real loopback HTTP server, real Redis and a real moto S3."""

from __future__ import annotations

import gzip
import json
import logging
import random
import socket
import subprocess
import sys
import time
import traceback
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, quote_plus

import boto3
import pytest
import redis
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from weather_flick_batch.core.apiclient import (
    ApiClient,
    ApiConfigurationError,
    ApiError,
    InMemoryResponseCache,
    LocalRawArchive,
    MalformedResponseError,
    NoDataError,
    QuotaExhaustedError,
    RedisResponseCache,
    S3RawArchive,
    TransientApiError,
    cache_key,
    classify_result_code,
    fetch_all_pages,
    parse_gateway_xml,
    redact_text,
    redact_url,
)
from weather_flick_batch.testing.fakes.http_fault_server import (
    FaultPlan,
    FaultServer,
    gateway_xml_error,
    json_items_response,
    kma_json_error,
)

OP = "VilageFcstInfoService_2.0/getVilageFcst"
# Looks like a real data.go.kr "Decoding" key: base64 with characters that change when URL-encoded.
SECRET = "Zx9+abc/DEF==secretKEY"
SETTING = "WEATHER_FLICK_KMA_API_KEYS"


def echo_handler(operation: str, params: dict[str, str]) -> tuple[int, str, bytes]:
    """One item echoing the request, so a test can check the answer belongs to its request."""
    item = {"op": operation, "nx": params.get("nx", ""), "fcstValue": "3"}
    return 200, "application/json;charset=UTF-8", json_items_response([item])


class Recorder:
    """Fake sleep that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def server():
    with FaultServer(echo_handler) as srv:
        yield srv


def make_client(srv: FaultServer, **kw) -> ApiClient:
    options = dict(
        service="KMA", base_url=srv.base_url, keys=[SECRET], key_setting_name=SETTING,
        extra_params={"dataType": "JSON"}, timeout_s=0.3, sleep=Recorder(), rng=lambda: 1.0,
    )
    options.update(kw)
    return ApiClient(**options)


def leaks(text: str, secret: str = SECRET) -> bool:
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret), quote_plus(secret)}
    return any(form in text for form in forms)


# ---------------------------------------------------------------------------------------------
# Pure functions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, expected",
    [
        ("00", None), ("0000", None), ("01", TransientApiError), ("0002", TransientApiError),
        ("04", TransientApiError), ("05", TransientApiError), ("99", TransientApiError),
        ("03", NoDataError), ("0003", NoDataError), ("22", QuotaExhaustedError), ("0022", QuotaExhaustedError),
        ("10", ApiConfigurationError), ("12", ApiConfigurationError), ("21", ApiConfigurationError),
        ("30", ApiConfigurationError), (" 0033 ", ApiConfigurationError), ("77", ApiError), ("ERR", ApiError),
    ],
)
def test_classify_result_code(code, expected):
    assert classify_result_code(code) is expected


def test_parse_gateway_xml_shapes():
    assert parse_gateway_xml(gateway_xml_error("30", "SERVICE_KEY_IS_NOT_REGISTERED_ERROR")) == (
        "30", "SERVICE_KEY_IS_NOT_REGISTERED_ERROR")
    junk = "\ufeff  garbage before " + gateway_xml_error("22", "LIMITED").decode() + " trailing junk"
    assert parse_gateway_xml(junk) == ("22", "LIMITED")
    truncated = gateway_xml_error("04", "HTTP_ERROR")[:-40]  # closing tags cut off
    assert parse_gateway_xml(truncated) == ("04", "HTTP_ERROR")
    plain = "<response><header><resultCode>10</resultCode><resultMsg>INVALID</resultMsg></header></response>"
    assert parse_gateway_xml(plain) == ("10", "INVALID")
    assert parse_gateway_xml(kma_json_error("03", "NODATA_ERROR")) is None
    assert parse_gateway_xml("<html><body>502 Bad Gateway</body></html>") is None
    assert parse_gateway_xml("") is None


def test_redact_url_and_text():
    url = f"http://h/x?pageNo=1&serviceKey={quote_plus(SECRET)}&ServiceKey=a&authKey=b&nx=60#frag"
    assert redact_url(url) == "http://h/x?pageNo=1&serviceKey=***&ServiceKey=***&authKey=***&nx=60#frag"
    assert redact_url("http://h/x") == "http://h/x"
    text = f"raw {SECRET} plus {quote_plus(SECRET)} pct {quote(SECRET, safe='')} lower {quote(SECRET, safe='').lower()}"
    out = redact_text(text, [SECRET])
    assert not leaks(out) and quote(SECRET, safe="").lower() not in out
    assert out.count("***") == 4
    # A key configured in its URL-encoded ("Encoding") form is also caught in decoded form.
    assert redact_text(f"x {SECRET} y", [quote(SECRET, safe="")]) == "x *** y"


@settings(max_examples=60, deadline=None)
@given(secret=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", min_size=8,
                      max_size=40),
       noise=st.text(max_size=20))
def test_redact_text_property(secret, noise):
    text = f"{noise}{secret}|{quote(secret, safe='')}|{quote_plus(secret)}|{noise}"
    out = redact_text(text, [secret])
    assert not leaks(out, secret)


def test_cache_key_is_deterministic_and_secret_free():
    a = cache_key("KMA", OP, {"nx": 60, "ny": "127", "serviceKey": SECRET})
    b = cache_key("KMA", OP, {"ny": 127, "nx": "60", "serviceKey": "another-key"})
    assert a == b and a.startswith(f"KMA:{OP}:") and len(a.rsplit(":", 1)[1]) == 64
    assert not leaks(a)
    assert a != cache_key("KMA", OP, {"nx": 61, "ny": 127})
    assert a != cache_key("KTO", OP, {"nx": 60, "ny": 127})


def test_in_memory_cache_expires():
    now = [100.0]
    cache = InMemoryResponseCache(clock=lambda: now[0])
    cache.set("k", b"v", ttl_s=10)
    assert cache.get("k") == b"v"
    now[0] = 110.0
    assert cache.get("k") is None


# ---------------------------------------------------------------------------------------------
# Retry and backoff
# ---------------------------------------------------------------------------------------------


def test_backoff_sequence_then_success(server):
    server.plan.fail_next("http500", n=3)
    client = make_client(server, max_attempts=4, backoff_base_s=0.5, rng=lambda: 1.0)
    data = client.get_json(OP, {"nx": 60})
    assert data["response"]["body"]["items"]["item"][0]["nx"] == "60"
    assert client._sleep.delays == [0.5, 1.0, 2.0]  # base * 2**attempt, rng()=1 -> the cap
    assert (client.stats.calls, client.stats.retries, client.stats.failures) == (4, 3, 0)
    assert server.request_count(OP) == 4


def test_backoff_full_jitter_bounds_and_cap(server):
    server.plan.fail_next("http500", n=100)

    def run(seed: int) -> tuple[list[float], TransientApiError]:
        client = make_client(server, max_attempts=7, backoff_base_s=0.1, backoff_max_s=0.5,
                             rng=random.Random(seed).random)
        with pytest.raises(TransientApiError) as info:
            client.get_json(OP, {"nx": 1})
        assert client.stats.failures == 1 and client.stats.retries == 6
        return client._sleep.delays, info.value

    delays, exc = run(42)
    caps = [min(0.5, 0.1 * 2 ** i) for i in range(6)]
    assert len(delays) == 6
    assert all(0 <= d <= cap for d, cap in zip(delays, caps))
    assert delays != caps  # jitter is actually applied
    assert run(42)[0] == delays  # deterministic under a seeded rng
    assert "7 attempt" in str(exc) and "HTTP 500" in str(exc) and "\n" not in str(exc)


@pytest.mark.parametrize("kind", ["http500", "http429", "timeout", "truncated", "xml_gateway", "reset"])
def test_each_transient_kind_is_retried(server, kind):
    server.plan = FaultPlan(timeout_sleep_s=1.0).fail_next(kind, n=2)
    client = make_client(server)
    assert client.get_json(OP, {"nx": 5})["response"]["header"]["resultCode"] == "00"
    assert server.outcomes == [kind, kind, "ok"]
    assert client.stats.retries == 2 and client.stats.calls == 3


def test_malformed_json_without_header_is_retried_then_fails():
    with FaultServer(lambda op, p: (200, "application/json", b'{"response": {"body": {}}}')) as srv:
        client = make_client(srv, max_attempts=2)
        with pytest.raises(MalformedResponseError, match="without response.header"):
            client.get_json(OP, {})
        assert srv.request_count() == 2


def test_thirty_percent_faults_all_calls_succeed(server):
    server.plan = FaultPlan(transient_rate=0.3, seed=1234, timeout_sleep_s=1.0)
    client = make_client(server, max_attempts=8, rng=random.Random(1).random)
    for nx in range(40):
        item = client.get_json(OP, {"nx": nx})["response"]["body"]["items"]["item"][0]
        assert item["nx"] == str(nx)
    faults = [o for o in server.outcomes if o != "ok"]
    assert len(faults) >= 5 and set(faults) <= {"http500", "timeout", "truncated", "xml_gateway"}
    assert client.stats.retries == len(faults)
    assert client.stats.calls == server.request_count() == 40 + len(faults)
    assert client.stats.failures == 0


def test_connection_refused_is_transient_and_redacted():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    client = ApiClient(service="KMA", base_url=f"http://127.0.0.1:{port}/api", keys=[SECRET], max_attempts=2,
                       sleep=Recorder(), timeout_s=0.3)
    with pytest.raises(TransientApiError, match="connection failed") as info:
        client.get_json(OP, {"nx": 1})
    rendered = "".join(traceback.format_exception(info.value))
    assert not leaks(rendered) and not leaks(repr(info.value))


# ---------------------------------------------------------------------------------------------
# Keys: quota rotation, bad keys, redaction
# ---------------------------------------------------------------------------------------------


def test_quota_rotates_to_next_key_and_remembers(server):
    server.plan.quota_keys = {"key-one"}
    client = make_client(server, keys=["key-one", "key-two"])
    client.get_json(OP, {"nx": 1})
    assert server.keys_used() == ["key-one", "key-two"]
    assert (client.stats.key_rotations, client.stats.retries, client.stats.failures) == (1, 0, 0)
    assert client._sleep.delays == []  # rotation is immediate
    server.reset_log()
    client.get_json(OP, {"nx": 2})
    assert server.keys_used() == ["key-two"]  # a later call starts with the live key
    assert client.live_key_count == 1


def test_json_code_22_also_rotates():
    def handler(op, params):
        if params["serviceKey"] == "key-one":
            return 200, "application/json", kma_json_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR")
        return echo_handler(op, params)

    with FaultServer(handler) as srv:
        client = make_client(srv, keys=["key-one", "key-two"])
        client.get_json(OP, {"nx": 1})
        assert srv.keys_used() == ["key-one", "key-two"] and client.stats.key_rotations == 1


def test_all_keys_over_quota(server):
    server.plan.quota_keys = {"key-one", SECRET}
    client = make_client(server, keys=["key-one", SECRET])
    with pytest.raises(QuotaExhaustedError) as info:
        client.get_json(OP, {"nx": 1})
    assert server.request_count() == 2
    assert "all 2 configured key(s)" in str(info.value) and SETTING in str(info.value)
    assert not leaks(str(info.value)) and "key-one" not in str(info.value)
    with pytest.raises(QuotaExhaustedError):
        client.get_json(OP, {"nx": 2})
    assert server.request_count() == 2  # no request spent on known-dead keys
    assert client.stats.failures == 2 and client.stats.key_rotations == 1


def test_invalid_key_fails_fast_without_leaking(server, caplog):
    server.plan.valid_keys = {"the-good-key"}
    client = make_client(server)
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    with pytest.raises(ApiConfigurationError) as info:
        client.get_json(OP, {"nx": 1})
    assert time.monotonic() - started < 1.0
    assert server.request_count() == 1 and client._sleep.delays == []
    exc = info.value
    assert str(exc) == ("KMA rejected the API key (SERVICE_KEY_IS_NOT_REGISTERED_ERROR, code 30): "
                        f"check {SETTING}")
    assert exc.code == "30" and exc.service == "KMA" and exc.operation == OP
    for text in (str(exc), repr(exc), "".join(traceback.format_exception(exc)), caplog.text):
        assert not leaks(text)
    assert "serviceKey=***" in caplog.text  # the request was logged, redacted
    # ...while the server really received the key, decoded correctly.
    assert server.keys_used() == [SECRET]


def test_encoded_key_is_sent_decoded_and_redacted(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.plan.fail_next("timeout")
    client = make_client(server, keys=[quote(SECRET, safe="")])  # the portal's "Encoding" key
    client.get_json(OP, {"nx": 1})
    assert server.keys_used() == [SECRET, SECRET]
    assert "timed out" in caplog.text and not leaks(caplog.text)


def test_nodata_and_configuration_codes_are_not_retried(server):
    server.plan.nodata_when = lambda op, params: params.get("base_time") == "0500"
    client = make_client(server)
    with pytest.raises(NoDataError, match="not published yet"):
        client.get_json(OP, {"base_time": "0500"})
    assert client.get_json(OP, {"base_time": "0200"})["response"]["header"]["resultCode"] == "00"
    assert server.request_count() == 2 and client.stats.retries == 0


@pytest.mark.parametrize(
    "status, body, match",
    [
        (200, kma_json_error("10", "INVALID_REQUEST_PARAMETER_ERROR"), "request parameters"),
        (200, kma_json_error("12", "NO_OPENAPI_SERVICE_ERROR"), "base URL"),
        (200, gateway_xml_error("32", "UNREGISTERED_IP_ERROR"), "IP is not registered"),
        (404, b"Not Found", "HTTP 404"),
        (401, b"Unauthorized", SETTING),
    ],
)
def test_configuration_failures(status, body, match):
    with FaultServer(lambda op, p: (status, "text/plain", body)) as srv:
        client = make_client(srv)
        with pytest.raises(ApiConfigurationError, match=match):
            client.get_json(OP, {})
        assert srv.request_count() == 1


def test_server_echoing_the_key_is_redacted(caplog):
    """Upstream messages are untrusted: one that echoes the key must not carry it into errors or logs."""
    echoed = f"INVALID_REQUEST_PARAMETER_ERROR for serviceKey={quote_plus(SECRET)} ({SECRET})"
    with FaultServer(lambda op, p: (200, "application/json", kma_json_error("01", echoed))) as srv:
        client = make_client(srv, max_attempts=2)
        with pytest.raises(TransientApiError, match="code 01") as info:
            client.get_json(OP, {})
    assert "***" in str(info.value)
    for text in (str(info.value), repr(info.value), caplog.text):
        assert not leaks(text)


def test_no_keys_configured():
    client = ApiClient(service="KTO", base_url="http://127.0.0.1:9/", keys=["", "  "],
                       key_setting_name="WEATHER_FLICK_KTO_API_KEYS")
    with pytest.raises(ApiConfigurationError, match="WEATHER_FLICK_KTO_API_KEYS"):
        client.get_json("areaCode2", {})
    assert client.stats.calls == 0


# ---------------------------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def redis_db15():
    client = redis.Redis(host="127.0.0.1", port=6379, db=15, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis is not reachable at 127.0.0.1:6379 ({exc}); start redis-server for these tests")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def _assert_cache_avoids_http(server: FaultServer, cache) -> ApiClient:
    client = make_client(server, keys=["key-one", "key-two"], cache=cache)
    first = client.get_json(OP, {"nx": 60}, cache_ttl_s=600)
    second = client.get_json(OP, {"nx": 60}, cache_ttl_s=600)
    assert first == second
    assert server.request_count() == 1 and client.stats.cache_hits == 1 and client.stats.calls == 1
    client.get_json(OP, {"nx": 61}, cache_ttl_s=600)  # other params: a miss
    client.get_json(OP, {"nx": 60})  # no TTL given: the cache is not consulted
    assert server.request_count() == 3 and client.stats.cache_hits == 1
    # Another client with a different key shares the entry: the key is not part of the cache key.
    other = make_client(server, keys=["key-two"], cache=cache)
    other.get_json(OP, {"nx": 60}, cache_ttl_s=600)
    assert server.request_count() == 3 and other.stats.cache_hits == 1
    return client


def test_in_memory_cache_avoids_http_call(server):
    cache = InMemoryResponseCache()
    _assert_cache_avoids_http(server, cache)
    assert len(cache) == 2


def test_redis_cache_avoids_http_call(server, redis_db15):
    _assert_cache_avoids_http(server, RedisResponseCache(redis_db15, prefix="wfb:test:"))
    keys = sorted(k.decode() for k in redis_db15.keys("*"))
    assert len(keys) == 2 and all(k.startswith(f"wfb:test:KMA:{OP}:") for k in keys)
    assert all(0 < redis_db15.ttl(k) <= 600 for k in keys)
    assert not any("key-" in k for k in keys)


def test_failed_responses_are_not_cached(server):
    cache = InMemoryResponseCache()
    server.plan.nodata_when = lambda op, params: True
    client = make_client(server, cache=cache)
    with pytest.raises(NoDataError):
        client.get_json(OP, {"nx": 1}, cache_ttl_s=60)
    assert len(cache) == 0


# ---------------------------------------------------------------------------------------------
# Raw archive
# ---------------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc)


def _read_envelope(data: bytes) -> dict:
    return json.loads(gzip.decompress(data))


def test_local_archive_put_and_expire(tmp_path):
    archive = LocalRawArchive(tmp_path)
    body = json_items_response([{"a": "1"}])
    old = archive.put("KMA", OP, {"nx": 60, "serviceKey": SECRET}, body, NOW - timedelta(days=10))
    new = archive.put("KMA", OP, {"nx": 60}, body, NOW)
    assert Path(old).relative_to(tmp_path).as_posix().startswith(
        "KMA/VilageFcstInfoService_2.0/getVilageFcst/2026/11/16/")
    assert old.endswith(".json.gz") and Path(new).exists()
    envelope = _read_envelope(Path(old).read_bytes())
    assert envelope["params"] == {"nx": "60"} and envelope["body"].encode() == body
    assert not leaks(Path(old).read_bytes().decode("latin-1")) and not leaks(gzip.decompress(Path(old).read_bytes()).decode())

    dry = archive.expire(NOW - timedelta(days=5), dry_run=True)
    assert [loc for loc, _ in dry] == [old] and dry[0][1] == Path(old).stat().st_size
    assert Path(old).exists()
    assert archive.expire(NOW - timedelta(days=5), dry_run=False) == dry
    assert not Path(old).exists() and Path(new).exists()
    assert archive.expire(NOW - timedelta(days=5), dry_run=False) == []


def test_archive_rejects_naive_and_traversal(tmp_path):
    archive = LocalRawArchive(tmp_path / "root")
    with pytest.raises(ValueError, match="timezone-aware"):
        archive.put("KMA", OP, {}, b"{}", datetime(2026, 1, 1))
    loc = archive.put("../evil", "../../x", {}, b"{}", NOW)
    assert Path(loc).resolve().is_relative_to((tmp_path / "root").resolve())


def test_client_archives_successful_bodies_without_key(server, tmp_path):
    client = make_client(server, archive=LocalRawArchive(tmp_path))
    client.get_json(OP, {"nx": 60})
    files = list(tmp_path.rglob("*.json.gz"))
    assert len(files) == 1
    envelope = _read_envelope(files[0].read_bytes())
    assert envelope["params"] == {"dataType": "JSON", "nx": "60"}
    assert json.loads(envelope["body"])["response"]["body"]["items"]["item"][0]["nx"] == "60"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_s3():
    port = _free_port()
    exe = Path(sys.executable).parent / "moto_server"
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(endpoint, timeout=0.5)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not start on {endpoint} (exit code {proc.poll()})")
                time.sleep(0.1)
        yield boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_s3_archive_put_and_expire_paginated(moto_s3):
    moto_s3.create_bucket(Bucket="raw-archive")
    archive = S3RawArchive(moto_s3, "raw-archive", "wfb/raw", page_size=2)  # force several list pages
    body = json_items_response([{"a": "1"}])
    old = [archive.put("KTO", "areaBasedList2", {"pageNo": i, "serviceKey": SECRET}, body, NOW - timedelta(days=30))
           for i in range(5)]
    new = archive.put("KTO", "areaBasedList2", {"pageNo": 1}, body, NOW)
    assert old[0].startswith("s3://raw-archive/wfb/raw/KTO/areaBasedList2/2026/10/27/") and len(set(old)) == 5
    stored = moto_s3.get_object(Bucket="raw-archive", Key=old[0].split("/", 3)[3])["Body"].read()
    assert _read_envelope(stored)["params"] == {"pageNo": "0"}

    dry = archive.expire(NOW - timedelta(days=1), dry_run=True)
    assert sorted(loc for loc, _ in dry) == sorted(old) and all(size > 0 for _, size in dry)
    assert moto_s3.list_objects_v2(Bucket="raw-archive")["KeyCount"] == 6
    assert sorted(archive.expire(NOW - timedelta(days=1), dry_run=False)) == sorted(dry)
    remaining = [o["Key"] for o in moto_s3.list_objects_v2(Bucket="raw-archive")["Contents"]]
    assert ["s3://raw-archive/" + k for k in remaining] == [new]


# ---------------------------------------------------------------------------------------------
# Paging
# ---------------------------------------------------------------------------------------------


def paged_handler(all_items, *, single_as_object: bool = False):
    def handler(op, params):
        size, page = int(params["numOfRows"]), int(params["pageNo"])
        chunk = all_items[(page - 1) * size: page * size]
        items = "" if not chunk else (chunk[0] if single_as_object and len(chunk) == 1 else chunk)
        return 200, "application/json", json_items_response(items, total_count=len(all_items), page_no=page,
                                                           num_of_rows=size, result_code="0000", result_msg="OK")
    return handler


@pytest.mark.parametrize("total, page_size, pages", [(25, 10, 3), (20, 10, 2), (0, 10, 1), (1, 100, 1), (7, 1, 7)])
def test_fetch_all_pages_exact_page_count(total, page_size, pages):
    all_items = [{"contentid": str(i)} for i in range(total)]
    with FaultServer(paged_handler(all_items, single_as_object=True)) as srv:
        client = make_client(srv, service="KTO")
        items, fetched = fetch_all_pages(client, "areaBasedList2", {"areaCode": 1}, page_size=page_size)
        assert items == all_items
        assert fetched == pages == srv.request_count("areaBasedList2")
        assert [r.params["pageNo"] for r in srv.requests] == [str(p) for p in range(1, pages + 1)]


def test_fetch_all_pages_uses_cache_on_rerun():
    all_items = [{"contentid": str(i)} for i in range(15)]
    with FaultServer(paged_handler(all_items)) as srv:
        client = make_client(srv, service="KTO", cache=InMemoryResponseCache())
        first = fetch_all_pages(client, "areaBasedList2", {}, page_size=10, cache_ttl_s=3600)
        second = fetch_all_pages(client, "areaBasedList2", {}, page_size=10, cache_ttl_s=3600)
        assert first == second == (all_items, 2)
        assert srv.request_count() == 2 and client.stats.cache_hits == 2


def _empty_first(all_items, empties: int):
    """The paged handler, but page 1 answers ``"items": ""`` (with the true totalCount) ``empties`` times."""
    inner = paged_handler(all_items)
    calls = {"empty": 0}

    def handler(op, params):
        if params["pageNo"] == "1" and calls["empty"] < empties:
            calls["empty"] += 1
            return 200, "application/json", json_items_response("", total_count=len(all_items), page_no=1,
                                                               num_of_rows=int(params["numOfRows"]),
                                                               result_code="0000", result_msg="OK")
        return inner(op, params)
    return handler


def test_an_empty_page_that_promises_more_is_asked_again_past_the_cache():
    all_items = [{"contentid": str(i)} for i in range(200)]
    with FaultServer(_empty_first(all_items, empties=1)) as srv:
        client = make_client(srv, service="KTO", cache=InMemoryResponseCache())
        items, pages = fetch_all_pages(client, "areaBasedList2", {}, page_size=1000, cache_ttl_s=3600)
        assert items == all_items and pages == 1
        assert srv.request_count("areaBasedList2") == 2


def test_an_empty_page_that_stays_empty_ends_the_crawl_with_a_transient_error():
    from weather_flick_batch.core.apiclient import EMPTY_PAGE_RETRIES, IncompleteListingError, TransientApiError

    all_items = [{"contentid": str(i)} for i in range(200)]
    with FaultServer(_empty_first(all_items, empties=99)) as srv:
        client = make_client(srv, service="KTO")
        with pytest.raises(IncompleteListingError) as info:
            fetch_all_pages(client, "areaBasedList2", {}, page_size=1000)
        assert isinstance(info.value, TransientApiError)
        assert "page 1 came back empty although totalCount is 200" in str(info.value)
        assert srv.request_count("areaBasedList2") == 1 + EMPTY_PAGE_RETRIES

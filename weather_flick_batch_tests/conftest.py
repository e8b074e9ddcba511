"""Shared fixtures: real PostgreSQL, Redis and S3 (moto_server) on loopback, and a clean environment.

Services are never skipped: if PostgreSQL or Redis is down, the fixture fails naming what is
missing (`make test` starts them first through scripts/ensure_services.sh).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Where the local services are, and the plain helpers (shared with benchmarks/) the fixtures wrap.
from weather_flick_batch.testing.services import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    REDIS_URL_BASE,
    create_database,
    drop_database,
    free_port,
    pg_connect,
)

REDIS_TEST_DB = 13

# Variables of ours that a developer may have exported; tests start from embedded defaults.
_OUR_PREFIXES = ("WEATHER_FLICK_", "DAGSTER_PG_")
# A developer's .env must not reach the tests (the code location loads it at import).
os.environ["WEATHER_FLICK_ENV_FILE"] = "none"


def _embedded_environment(mp: pytest.MonkeyPatch, wf_home: Path, dagster_home: Path) -> None:
    """Embedded defaults: none of a developer's variables, homes of the test's own."""
    for name in list(os.environ):
        if name.startswith(_OUR_PREFIXES):
            mp.delenv(name, raising=False)
    mp.setenv("WEATHER_FLICK_ENV_FILE", "none")
    mp.setenv("WEATHER_FLICK_HOME", str(wf_home))
    mp.setenv("DAGSTER_HOME", str(dagster_home))
    dagster_home.mkdir(exist_ok=True)
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _embedded_environment(monkeypatch, tmp_path / "wfb_home", tmp_path / "dagster_home")


@pytest.fixture(scope="session")
def embedded_pipeline(tmp_path_factory: pytest.TempPathFactory):
    """The whole graph once, on embedded defaults, for every test that reads what it produced.

    Running the pipeline is the suite's most expensive step (~80 runs): the tests that need its
    outcome share this one. Tests that change anything work on ``embedded_copy``.
    Returns (home, PipelineResult): ``home/wf`` is WEATHER_FLICK_HOME, ``home/dagster`` DAGSTER_HOME.
    """
    import dagster as dg

    from weather_flick_batch.core.apiclient import InMemoryResponseCache
    from weather_flick_batch.definitions import build_definitions
    from weather_flick_batch.pipeline import run_pipeline
    from weather_flick_batch.resources import api

    home = tmp_path_factory.mktemp("embedded_pipeline")
    with pytest.MonkeyPatch.context() as mp:
        _embedded_environment(mp, home / "wf", home / "dagster")
        mp.setattr(api, "_MEMORY_CACHE", InMemoryResponseCache())
        with dg.DagsterInstance.get() as instance:
            result = run_pipeline(build_definitions(), instance)
    assert result.success, result.failures
    return home, result


@pytest.fixture
def embedded_copy(embedded_pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the embedded pipeline's warehouse and instance, with the environment pointing
    at it: a test may change anything without touching the others."""
    home, _result = embedded_pipeline
    copy = tmp_path / "embedded"
    shutil.copytree(home, copy)
    monkeypatch.setenv("WEATHER_FLICK_HOME", str(copy / "wf"))
    monkeypatch.setenv("DAGSTER_HOME", str(copy / "dagster"))
    return copy


@pytest.fixture(autouse=True)
def _fresh_memory_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded-mode response cache is process-wide by design; each test starts empty."""
    from weather_flick_batch.core.apiclient import InMemoryResponseCache
    from weather_flick_batch.resources import api

    monkeypatch.setattr(api, "_MEMORY_CACHE", InMemoryResponseCache())
    from weather_flick_batch.core.breaker import reset_breakers

    reset_breakers()  # breakers are process-wide too: no test inherits another's open breaker


# -- PostgreSQL ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_server() -> dict:
    try:
        pg_connect().close()
    except Exception as exc:  # noqa: BLE001 - turned into one clear failure
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} as {PG_USER} ({exc}). "
            "Run `bash scripts/ensure_services.sh` (make test does) or start it with pg_ctlcluster.",
            pytrace=False,
        )
    return {"host": PG_HOST, "port": PG_PORT, "user": PG_USER}


@pytest.fixture(scope="session")
def postgres_database(postgres_server: dict) -> Iterator[str]:
    """A fresh database for the whole test session; its SQLAlchemy URL."""
    name = create_database()
    yield f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    drop_database(name)


@pytest.fixture
def fresh_postgres_url(postgres_server: dict) -> Iterator[str]:
    """A fresh database for one test (migrations, production instance)."""
    name = create_database("wfb_case")
    yield f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    drop_database(name)


# -- Redis --------------------------------------------------------------------------------------
@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database index of its own, flushed before and after each test."""
    import redis

    url = f"{REDIS_URL_BASE}/{REDIS_TEST_DB}"
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"Redis is not reachable at {REDIS_URL_BASE} ({exc}). Run `bash scripts/ensure_services.sh`.",
                    pytrace=False)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


# -- S3 (moto_server) ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def moto_server_url() -> Iterator[str]:
    """A real S3-compatible server (moto_server) on an ephemeral loopback port."""
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which("moto_server")
    if exe is None:
        pytest.fail("moto_server is not installed (it comes with the test extras: pip install -e '.[test]')",
                    pytrace=False)
    port = free_port()
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("moto_server did not start within 20 s", pytrace=False)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def s3_env(moto_server_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """Settings pointing S3 at moto, with a fresh bucket; state reset afterwards."""
    import boto3
    import requests

    bucket = f"wfb-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("WEATHER_FLICK_S3_ENDPOINT_URL", moto_server_url)
    monkeypatch.setenv("WEATHER_FLICK_S3_BUCKET", bucket)
    monkeypatch.setenv("WEATHER_FLICK_S3_REGION", "ap-northeast-2")
    client = boto3.client("s3", endpoint_url=moto_server_url, region_name="ap-northeast-2",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    yield {"endpoint_url": moto_server_url, "bucket": bucket, "client": client}
    requests.post(f"{moto_server_url}/moto-api/reset", timeout=5)


# -- Warehouses ---------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty warehouse URL on each engine: contract tests run on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    return request.getfixturevalue("fresh_postgres_url")


@pytest.fixture
def warehouse(warehouse_url: str):
    from weather_flick_batch.warehouse.warehouse import Warehouse

    wh = Warehouse(warehouse_url)
    yield wh
    wh.dispose()

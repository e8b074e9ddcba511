"""Resource boundaries end to end: S3 through dagster-aws against moto_server, Redis for real."""

import dagster as dg
import pytest

from weather_flick_batch.definitions import build_resources


@pytest.mark.s3
def test_s3_resource_round_trip_through_moto(s3_env):
    s3 = build_resources()["s3"]
    assert s3.bucket == s3_env["bucket"]
    with dg.build_resources({"s3": s3}) as initialized:
        # The resource builds dagster-aws's S3Resource on demand, pointed at moto.
        assert type(initialized.s3.s3_resource()).__name__ == "S3Resource"
        client = initialized.s3.get_client()
    client.put_object(Bucket=s3_env["bucket"], Key="hello.txt", Body=b"annyeong")
    body = client.get_object(Bucket=s3_env["bucket"], Key="hello.txt")["Body"].read()
    assert body == b"annyeong"


@pytest.mark.redis
def test_redis_resource_talks_to_real_redis(redis_url, monkeypatch):
    monkeypatch.setenv("WEATHER_FLICK_REDIS_URL", redis_url)
    client = build_resources()["redis"].get_client()
    client.set("wfb:test", "1", ex=10)
    assert client.get("wfb:test") == b"1"


def test_redis_is_optional_in_embedded_mode():
    assert build_resources()["redis"].get_client() is None


def test_secrets_travel_as_env_vars_not_values(monkeypatch):
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_PASSWORD", "pw-should-not-leak")
    resources = build_resources()
    assert isinstance(resources["warehouse"].password, dg.EnvVar)
    assert "pw-should-not-leak" not in repr(resources)

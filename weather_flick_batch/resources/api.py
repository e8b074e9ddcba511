"""Response cache and raw archive for the API clients, from the Redis and S3 resources."""

from __future__ import annotations

from weather_flick_batch import settings
from weather_flick_batch.core.apiclient import (
    InMemoryResponseCache,
    LocalRawArchive,
    RawArchive,
    RedisResponseCache,
    ResponseCache,
    S3RawArchive,
)
from weather_flick_batch.core.quota import InMemoryQuotaLedger

# Process-wide so that, in embedded mode, a step retried in the same process spends no calls on
# what it already fetched (with Redis, the cache is shared by every process and worker).
_MEMORY_CACHE = InMemoryResponseCache()
_MEMORY_LEDGER = InMemoryQuotaLedger()

RAW_PREFIX = "raw"


def _warn_in_event_log(message: str) -> None:
    import dagster as dg

    dg.get_dagster_logger().warning(message)  # inside a step: the step's event log


def response_cache(redis_resource) -> ResponseCache:
    """The Redis cache behind a circuit breaker (a stalled Redis is bypassed, not waited on), or
    the process-wide in-memory cache without Redis."""
    from sqlalchemy.engine import make_url

    from weather_flick_batch.core.breaker import breaker_for

    client = redis_resource.get_client()
    if client is None:
        return _MEMORY_CACHE
    url = make_url(str(redis_resource.url))  # parses redis:// like any URL; only host and port are shown
    breaker = breaker_for(f"Redis response cache at {url.host}:{url.port or 6379}",
                          failures=settings.get("WEATHER_FLICK_BREAKER_FAILURES"),
                          cool_off_s=settings.get("WEATHER_FLICK_BREAKER_COOL_OFF_S"), warn=_warn_in_event_log)
    return RedisResponseCache(client, breaker=breaker)


def quota_ledger(redis_resource):
    """The quota ledger every process shares (Redis, behind the same breaker as the cache), or this
    process's own without Redis."""
    from sqlalchemy.engine import make_url

    from weather_flick_batch.core.breaker import breaker_for
    from weather_flick_batch.core.quota import RedisQuotaLedger

    client = redis_resource.get_client()
    if client is None:
        return _MEMORY_LEDGER
    url = make_url(str(redis_resource.url))
    # The cache's breaker (same name, same instance): one stalled Redis is bypassed by both at once.
    breaker = breaker_for(f"Redis response cache at {url.host}:{url.port or 6379}",
                          failures=settings.get("WEATHER_FLICK_BREAKER_FAILURES"),
                          cool_off_s=settings.get("WEATHER_FLICK_BREAKER_COOL_OFF_S"), warn=_warn_in_event_log)
    return RedisQuotaLedger(client, breaker=breaker)


def raw_archive(s3_resource) -> RawArchive:
    if s3_resource.enabled:
        return S3RawArchive(s3_resource.get_client(), s3_resource.bucket, prefix=RAW_PREFIX)
    return LocalRawArchive(settings.home_dir() / RAW_PREFIX)

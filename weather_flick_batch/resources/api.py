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

# Process-wide so that, in embedded mode, a step retried in the same process spends no calls on
# what it already fetched (with Redis, the cache is shared by every process and worker).
_MEMORY_CACHE = InMemoryResponseCache()

RAW_PREFIX = "raw"


def response_cache(redis_resource) -> ResponseCache:
    client = redis_resource.get_client()
    return RedisResponseCache(client) if client is not None else _MEMORY_CACHE


def raw_archive(s3_resource) -> RawArchive:
    if s3_resource.enabled:
        return S3RawArchive(s3_resource.get_client(), s3_resource.bucket, prefix=RAW_PREFIX)
    return LocalRawArchive(settings.home_dir() / RAW_PREFIX)

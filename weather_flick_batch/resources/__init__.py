"""The platform's shared resources (warehouse, Redis, S3), built from settings, and the helper every
domain's resource builder uses for secrets. Each domain builds its own resources in its resources.py
(``build_kma_resource`` ...); weather_flick_batch/definitions.py wires them all together.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.resources.redis import RedisResource
from weather_flick_batch.resources.s3 import S3StorageResource
from weather_flick_batch.resources.warehouse import WarehouseResource


def secret_env(name: str, environ: Mapping[str, str]) -> Any:
    """EnvVar for a secret that is set, None otherwise: the value never enters the definitions."""
    return dg.EnvVar(name) if environ.get(name, "").strip() else None


def api_source_settings(source: str, environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings every external API resource takes, for ``source`` (``KMA``, ``KTO``, ``AIRKOREA``):
    its mode, base URL, keys (as EnvVar), daily limit, and the shared HTTP timeout, attempts and backoff."""
    prefix = f"WEATHER_FLICK_{source}_"
    return {
        "mode": settings.get(prefix + "MODE", environ),
        "base_url": settings.get(prefix + "BASE_URL", environ),
        "api_keys": secret_env(prefix + "API_KEYS", environ),
        "daily_limit": settings.get(prefix + "DAILY_LIMIT", environ),
        "timeout_s": settings.get("WEATHER_FLICK_HTTP_TIMEOUT_S", environ),
        "max_attempts": settings.get("WEATHER_FLICK_HTTP_MAX_ATTEMPTS", environ),
        "backoff_s": settings.get("WEATHER_FLICK_HTTP_BACKOFF_S", environ),
    }


def build_platform_resources(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``warehouse``, ``redis`` and ``s3``: what every domain shares."""
    env = os.environ if environ is None else environ
    s3_kwargs: dict[str, Any] = {
        "region_name": settings.get("WEATHER_FLICK_S3_REGION", env),
        "bucket": settings.get("WEATHER_FLICK_S3_BUCKET", env),
    }
    if settings.get("WEATHER_FLICK_S3_ENDPOINT_URL", env):
        s3_kwargs["endpoint_url"] = settings.get("WEATHER_FLICK_S3_ENDPOINT_URL", env)
    for name, field in (("AWS_ACCESS_KEY_ID", "aws_access_key_id"), ("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key")):
        if env.get(name, "").strip():
            s3_kwargs[field] = dg.EnvVar(name)
    return {
        "warehouse": WarehouseResource(
            url=settings.warehouse_url(env),
            password=secret_env("WEATHER_FLICK_WAREHOUSE_PASSWORD", env),
        ),
        "redis": RedisResource(url=settings.get("WEATHER_FLICK_REDIS_URL", env),
                               socket_timeout_s=settings.get("WEATHER_FLICK_REDIS_TIMEOUT_S", env)),
        "s3": S3StorageResource(**s3_kwargs),
    }

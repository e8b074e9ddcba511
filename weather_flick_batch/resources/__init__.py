"""Resources, built from settings: embedded defaults unless the environment says otherwise."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.air_quality.resources import AirKoreaResource
from weather_flick_batch.destinations.resources import KtoResource
from weather_flick_batch.health.resources import build_health_resources
from weather_flick_batch.resources.redis import RedisResource
from weather_flick_batch.resources.s3 import S3StorageResource
from weather_flick_batch.resources.warehouse import WarehouseResource
from weather_flick_batch.trips.resources import TripDeliveryResource
from weather_flick_batch.weather.resources import KmaResource


def _secret(name: str, environ: Mapping[str, str]) -> Any:
    """EnvVar for a secret that is set, None otherwise: the value never enters the definitions."""
    return dg.EnvVar(name) if environ.get(name, "").strip() else None


def build_resources(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    settings.validate_all(env)
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
            password=_secret("WEATHER_FLICK_WAREHOUSE_PASSWORD", env),
        ),
        "redis": RedisResource(url=settings.get("WEATHER_FLICK_REDIS_URL", env),
                               socket_timeout_s=settings.get("WEATHER_FLICK_REDIS_TIMEOUT_S", env)),
        "s3": S3StorageResource(**s3_kwargs),
        "trip_delivery": TripDeliveryResource(
            smtp_host=settings.get("WEATHER_FLICK_TRIP_SMTP_HOST", env),
            smtp_port=settings.get("WEATHER_FLICK_TRIP_SMTP_PORT", env),
            smtp_security=settings.get("WEATHER_FLICK_TRIP_SMTP_SECURITY", env),
            smtp_username=settings.get("WEATHER_FLICK_TRIP_SMTP_USERNAME", env),
            smtp_password=_secret("WEATHER_FLICK_TRIP_SMTP_PASSWORD", env),
            email_from=settings.get("WEATHER_FLICK_TRIP_EMAIL_FROM", env),
            fcm_project_id=settings.get("WEATHER_FLICK_FCM_PROJECT_ID", env),
            fcm_credentials_file=settings.get("WEATHER_FLICK_FCM_CREDENTIALS_FILE", env),
            fcm_base_url=settings.get("WEATHER_FLICK_FCM_BASE_URL", env),
            retry_base_s=settings.get("WEATHER_FLICK_TRIP_RETRY_BASE_S", env),
            timeout_s=settings.get("WEATHER_FLICK_HTTP_TIMEOUT_S", env),
        ),
        "kto": KtoResource(
            mode=settings.get("WEATHER_FLICK_KTO_MODE", env),
            base_url=settings.get("WEATHER_FLICK_KTO_BASE_URL", env),
            api_keys=_secret("WEATHER_FLICK_KTO_API_KEYS", env),
            timeout_s=settings.get("WEATHER_FLICK_HTTP_TIMEOUT_S", env),
            max_attempts=settings.get("WEATHER_FLICK_HTTP_MAX_ATTEMPTS", env),
            backoff_s=settings.get("WEATHER_FLICK_HTTP_BACKOFF_S", env),
            sample_catalogue_size=settings.get("WEATHER_FLICK_KTO_SAMPLE_CATALOGUE_SIZE", env),
            daily_limit=settings.get("WEATHER_FLICK_KTO_DAILY_LIMIT", env),
        ),
        "kma": KmaResource(
            mode=settings.get("WEATHER_FLICK_KMA_MODE", env),
            base_url=settings.get("WEATHER_FLICK_KMA_BASE_URL", env),
            key_param=settings.get("WEATHER_FLICK_KMA_KEY_PARAM", env),
            api_keys=_secret("WEATHER_FLICK_KMA_API_KEYS", env),
            timeout_s=settings.get("WEATHER_FLICK_HTTP_TIMEOUT_S", env),
            max_points=settings.get("WEATHER_FLICK_KMA_MAX_POINTS", env),
            max_concurrency=settings.get("WEATHER_FLICK_KMA_MAX_CONCURRENCY", env),
            max_attempts=settings.get("WEATHER_FLICK_HTTP_MAX_ATTEMPTS", env),
            backoff_s=settings.get("WEATHER_FLICK_HTTP_BACKOFF_S", env),
            daily_limit=settings.get("WEATHER_FLICK_KMA_DAILY_LIMIT", env),
        ),
        "airkorea": AirKoreaResource(
            mode=settings.get("WEATHER_FLICK_AIRKOREA_MODE", env),
            base_url=settings.get("WEATHER_FLICK_AIRKOREA_BASE_URL", env),
            api_keys=_secret("WEATHER_FLICK_AIRKOREA_API_KEYS", env),
            timeout_s=settings.get("WEATHER_FLICK_HTTP_TIMEOUT_S", env),
            max_attempts=settings.get("WEATHER_FLICK_HTTP_MAX_ATTEMPTS", env),
            backoff_s=settings.get("WEATHER_FLICK_HTTP_BACKOFF_S", env),
            daily_limit=settings.get("WEATHER_FLICK_AIRKOREA_DAILY_LIMIT", env),
        ),
        # Health probes and alert channels (settings in the health and alerts groups).
        **build_health_resources(env),
    }

"""The KMA source as a Dagster resource: the sample source by default, the live API when asked."""

import os
from collections.abc import Mapping
from typing import Optional

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.resources import api_source_settings
from weather_flick_batch.core.apiclient import ApiConfigurationError


class KmaResource(dg.ConfigurableResource):
    """Where weather comes from. ``api_keys`` arrives as EnvVar and never reaches logs or metadata."""

    mode: str = "sample"
    base_url: str = "https://apis.data.go.kr/1360000"
    key_param: str = "serviceKey"
    api_keys: Optional[str] = None
    timeout_s: float = 10.0
    max_points: Optional[int] = 300  # None: no cap (WEATHER_FLICK_KMA_MAX_POINTS=none)
    max_concurrency: int = 4
    max_attempts: int = 4
    backoff_s: float = 0.5
    daily_limit: int = 10000  # calls per key and operation a day (WEATHER_FLICK_KMA_DAILY_LIMIT)

    def _live_options(self, cache, archive, ledger) -> dict:
        """What every live KMA service's client is built from (weather.client.kma_api_client)."""
        keys = [k for k in (self.api_keys or "").split(",") if k.strip()]
        if not keys:
            raise ApiConfigurationError(
                "WEATHER_FLICK_KMA_MODE=live but WEATHER_FLICK_KMA_API_KEYS is empty: set at least one KMA key",
                service="KMA", operation="-",
            )
        return dict(keys=keys, base_url=self.base_url, key_param=self.key_param, timeout_s=self.timeout_s,
                    max_attempts=self.max_attempts, backoff_base_s=self.backoff_s, cache=cache, archive=archive,
                    ledger=ledger, daily_limit=self.daily_limit)

    def warning_source(self, cache=None, archive=None, ledger=None):
        """The weather-warnings service (WthrWrnInfoService): same keys, mode and limits as the forecasts."""
        from weather_flick_batch.weather_warnings.client import LiveWarningSource, SampleWarningSource

        if self.mode == "sample":
            return SampleWarningSource()
        return LiveWarningSource(**self._live_options(cache, archive, ledger))

    def source(self, cache=None, archive=None, ledger=None):
        from weather_flick_batch.weather.client import LiveKmaSource, SampleKmaSource

        if self.mode == "sample":
            return SampleKmaSource()
        return LiveKmaSource(**self._live_options(cache, archive, ledger))


def build_kma_resource(environ: Mapping[str, str] | None = None) -> KmaResource:
    """The resource as the settings say (embedded defaults unless the environment says otherwise)."""
    env = os.environ if environ is None else environ
    return KmaResource(
        **api_source_settings("KMA", env),
        key_param=settings.get("WEATHER_FLICK_KMA_KEY_PARAM", env),
        max_points=settings.get("WEATHER_FLICK_KMA_MAX_POINTS", env),
        max_concurrency=settings.get("WEATHER_FLICK_KMA_MAX_CONCURRENCY", env),
    )

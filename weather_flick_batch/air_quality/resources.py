"""The AirKorea source as a Dagster resource: the sample source by default, the live API when asked."""

import os
from collections.abc import Mapping
from typing import Optional

import dagster as dg

from weather_flick_batch.resources import api_source_settings
from weather_flick_batch.core.apiclient import ApiConfigurationError


class AirKoreaResource(dg.ConfigurableResource):
    """Where fine-dust data comes from. ``api_keys`` arrives as EnvVar and never reaches logs or metadata."""

    mode: str = "sample"
    base_url: str = "https://apis.data.go.kr/B552584/ArpltnInforInqireSvc"
    api_keys: Optional[str] = None
    timeout_s: float = 10.0
    max_attempts: int = 4
    backoff_s: float = 0.5
    daily_limit: int = 500  # calls per key and operation a day (WEATHER_FLICK_AIRKOREA_DAILY_LIMIT)

    def source(self, cache=None, archive=None, ledger=None):
        from weather_flick_batch.air_quality.client import LiveAirKoreaSource, SampleAirKoreaSource

        if self.mode == "sample":
            return SampleAirKoreaSource()
        keys = [k for k in (self.api_keys or "").split(",") if k.strip()]
        if not keys:
            raise ApiConfigurationError(
                "WEATHER_FLICK_AIRKOREA_MODE=live but WEATHER_FLICK_AIRKOREA_API_KEYS is empty: set at least one key",
                service="AIRKOREA", operation="-",
            )
        return LiveAirKoreaSource(keys=keys, base_url=self.base_url, timeout_s=self.timeout_s,
                                  max_attempts=self.max_attempts, backoff_base_s=self.backoff_s, cache=cache,
                                  archive=archive, ledger=ledger, daily_limit=self.daily_limit)


def build_airkorea_resource(environ: Mapping[str, str] | None = None) -> AirKoreaResource:
    """The resource as the settings say (embedded defaults unless the environment says otherwise)."""
    env = os.environ if environ is None else environ
    return AirKoreaResource(**api_source_settings("AIRKOREA", env))

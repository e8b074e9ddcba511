"""The TourAPI source as a Dagster resource: the embedded catalogue by default, the live API when asked."""

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Optional

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.resources import api_source_settings
from weather_flick_batch.core.apiclient import ApiConfigurationError


class KtoResource(dg.ConfigurableResource):
    """Where destinations come from. ``api_keys`` arrives as EnvVar and never reaches logs or metadata."""

    mode: str = "sample"
    base_url: str = "https://apis.data.go.kr/B551011/KorService2"
    api_keys: Optional[str] = None
    timeout_s: float = 10.0
    max_attempts: int = 4
    backoff_s: float = 0.5
    # Sample mode only (WEATHER_FLICK_KTO_SAMPLE_CATALOGUE_SIZE): 0 serves the embedded catalogue,
    # N > 0 a deterministic synthetic one of N destinations, for load tests at nationwide scale.
    sample_catalogue_size: int = 0
    daily_limit: int = 1000  # calls per key and operation a day (WEATHER_FLICK_KTO_DAILY_LIMIT)

    def api(self, today, cache=None, archive=None, ledger=None):
        from weather_flick_batch.destinations.client import SampleTourApi, live_tour_api
        from weather_flick_batch.destinations.sample_source import TourApiSampleSource

        if self.mode == "sample":
            if self.sample_catalogue_size > 0:
                catalogue = _synthetic_catalogue(self.sample_catalogue_size)
                return SampleTourApi(today, TourApiSampleSource(today, catalogue=catalogue))
            return SampleTourApi(today)
        keys = [k for k in (self.api_keys or "").split(",") if k.strip()]
        if not keys:
            raise ApiConfigurationError(
                "WEATHER_FLICK_KTO_MODE=live but WEATHER_FLICK_KTO_API_KEYS is empty: set at least one TourAPI key",
                service="KTO", operation="-",
            )
        return live_tour_api(base_url=self.base_url, keys=keys, timeout_s=self.timeout_s,
                             max_attempts=self.max_attempts, backoff_base_s=self.backoff_s,
                             cache=cache, archive=archive, ledger=ledger, daily_limit=self.daily_limit)


@lru_cache(maxsize=2)
def _synthetic_catalogue(size: int) -> tuple:
    """The synthetic catalogue of ``size`` items, built once per process (50,000 items take ~0.5 s and
    every sync step asks for it). Seed fixed: every process and every run serve the same catalogue."""
    from weather_flick_batch.destinations.sample_source import synthetic_catalogue

    return tuple(synthetic_catalogue(size, seed=1))


def build_kto_resource(environ: Mapping[str, str] | None = None) -> KtoResource:
    """The resource as the settings say (embedded defaults unless the environment says otherwise)."""
    env = os.environ if environ is None else environ
    return KtoResource(
        **api_source_settings("KTO", env),
        sample_catalogue_size=settings.get("WEATHER_FLICK_KTO_SAMPLE_CATALOGUE_SIZE", env),
    )

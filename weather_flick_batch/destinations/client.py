"""TourAPI sources: one interface, the live HTTP client and the embedded sample catalogue.

The live source is the shared ApiClient (keys rotated on quota, retries with backoff and jitter,
Redis cache, raw archive) with TourAPI's common parameters; the sample source answers in the exact
TourAPI JSON shape from the embedded catalogue. Paging goes through the same fetch_all_pages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import date
from typing import Any

from weather_flick_batch.core.apiclient import (
    ApiClient,
    ApiError,
    ApiStats,
    RawArchive,
    ResponseCache,
    classify_result_code,
)
from weather_flick_batch.destinations.sample_source import TourApiSampleSource

SERVICE = "KTO"
COMMON_PARAMS = {"MobileOS": "ETC", "MobileApp": "WeatherFlick", "_type": "json"}
# numOfRows up to 1000 is accepted in practice: 10x fewer calls than the previous system's 100.
PAGE_SIZE = 1000


def live_tour_api(
    *, base_url: str, keys: list[str], timeout_s: float = 10.0, max_attempts: int = 4, backoff_base_s: float = 0.5,
    cache: ResponseCache | None = None, archive: RawArchive | None = None, ledger: Any = None,
    daily_limit: int | None = None,
) -> ApiClient:
    client = ApiClient(
        service=SERVICE, base_url=base_url, keys=keys, key_param="serviceKey",
        key_setting_name="WEATHER_FLICK_KTO_API_KEYS", extra_params=COMMON_PARAMS, timeout_s=timeout_s,
        max_attempts=max_attempts, backoff_base_s=backoff_base_s, cache=cache, archive=archive,
        ledger=ledger, daily_limit=daily_limit,
    )
    client.simulated = False  # type: ignore[attr-defined]
    return client


class SampleTourApi:
    """The embedded catalogue behind the same ``get_json`` interface as ApiClient."""

    service = SERVICE
    simulated = True

    def __init__(self, today: date, source: TourApiSampleSource | None = None) -> None:
        self.source = source or TourApiSampleSource(today)
        self.stats = ApiStats()
        self.log = logging.getLogger(__name__)
        self._lock = threading.Lock()

    def get_json(self, operation: str, params: Mapping[str, Any], *, cache_ttl_s: int | None = None) -> dict:
        with self._lock:
            self.stats.calls += 1
        payload = self.source.respond(operation, {**COMMON_PARAMS, **{k: str(v) for k, v in params.items()}})
        header = payload.get("response", {}).get("header", {})
        code = str(header.get("resultCode", ""))
        error = classify_result_code(code)
        if error is not None:
            raise error(f"TourAPI {operation} answered {code} {header.get('resultMsg', '')}".strip(),
                        service=SERVICE, operation=operation, code=code)
        if code not in ("0000", "00"):
            raise ApiError(f"TourAPI {operation} answered unknown code {code!r}", service=SERVICE,
                           operation=operation, code=code)
        return payload

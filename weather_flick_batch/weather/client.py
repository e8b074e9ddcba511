"""KMA weather sources: one interface, a live HTTP implementation and the offline sample source.

Both return payloads in the exact KMA JSON shape, so the same parser runs in both modes. The
sample source is the embedded default; everything it produces is labelled simulated downstream.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from weather_flick_batch.core.apiclient import (
    ApiClient,
    ApiStats,
    NoDataError,
    RawArchive,
    ResponseCache,
)
from weather_flick_batch.weather import issuance, sample_source
from weather_flick_batch.weather.parsing import items_of

SERVICE = "KMA"
OP_NOWCAST = "VilageFcstInfoService_2.0/getUltraSrtNcst"
OP_SHORT_RANGE = "VilageFcstInfoService_2.0/getVilageFcst"
OP_ULTRA_SHORT = "VilageFcstInfoService_2.0/getUltraSrtFcst"
OP_MID_LAND = "MidFcstInfoService/getMidLandFcst"
OP_MID_TA = "MidFcstInfoService/getMidTa"

# One getVilageFcst call with 1000 rows holds a whole issuance for one cell (~800-1000 items);
# if KMA ever extends the horizon past that, the remaining pages are fetched too.
PAGE_SIZE = 1000


class KmaSource(abc.ABC):
    """Where KMA payloads come from. Subclasses implement ``_get``; paging and NODATA are shared."""

    simulated: bool = False

    def __init__(self) -> None:
        self.stats = ApiStats()

    @abc.abstractmethod
    def _get(self, operation: str, params: Mapping[str, Any], cache_ttl_s: int | None) -> dict:
        """One page of one operation (raises NoDataError for an issuance KMA does not serve)."""

    def _all_pages(self, operation: str, params: Mapping[str, Any], cache_ttl_s: int | None) -> dict:
        first = self._get(operation, {**params, "pageNo": 1, "numOfRows": PAGE_SIZE}, cache_ttl_s)
        total = int(first["response"]["body"].get("totalCount") or 0)
        items = items_of(first)
        page = 1
        while len(items) < total:
            page += 1
            more = items_of(self._get(operation, {**params, "pageNo": page, "numOfRows": PAGE_SIZE}, cache_ttl_s))
            if not more:
                break
            items.extend(more)
        if page > 1:
            first["response"]["body"]["items"] = {"item": items}
        return first

    def nowcast(self, base: datetime, nx: int, ny: int, cache_ttl_s: int | None = None) -> dict:
        return self._all_pages(OP_NOWCAST, {**issuance.kma_base_params(base), "nx": nx, "ny": ny}, cache_ttl_s)

    def short_range(self, base: datetime, nx: int, ny: int, cache_ttl_s: int | None = None) -> dict:
        return self._all_pages(OP_SHORT_RANGE, {**issuance.kma_base_params(base), "nx": nx, "ny": ny}, cache_ttl_s)

    def ultra_short(self, base: datetime, nx: int, ny: int, cache_ttl_s: int | None = None) -> dict:
        return self._all_pages(OP_ULTRA_SHORT, {**issuance.kma_base_params(base), "nx": nx, "ny": ny}, cache_ttl_s)

    def mid_land(self, tm_fc: datetime, reg_id: str, cache_ttl_s: int | None = None) -> dict:
        return self._all_pages(OP_MID_LAND, {"regId": reg_id, "tmFc": issuance.kma_tmfc(tm_fc)}, cache_ttl_s)

    def mid_ta(self, tm_fc: datetime, reg_id: str, cache_ttl_s: int | None = None) -> dict:
        return self._all_pages(OP_MID_TA, {"regId": reg_id, "tmFc": issuance.kma_tmfc(tm_fc)}, cache_ttl_s)


def kma_api_client(
    *,
    keys: list[str],
    base_url: str,
    key_param: str = "serviceKey",
    timeout_s: float = 10.0,
    max_attempts: int = 4,
    backoff_base_s: float = 0.5,
    cache: ResponseCache | None = None,
    archive: RawArchive | None = None,
    sleep: Callable[[float], None] | None = None,
    ledger: Any = None,
    daily_limit: int | None = None,
    logger: Any = None,
) -> ApiClient:
    """The shared ApiClient for a KMA service (forecasts, warnings): the same keys, key setting and limits."""
    return ApiClient(
        service=SERVICE,
        base_url=base_url,
        keys=keys,
        key_param=key_param,
        key_setting_name="WEATHER_FLICK_KMA_API_KEYS",
        extra_params={"dataType": "JSON"},
        timeout_s=timeout_s,
        max_attempts=max_attempts,
        backoff_base_s=backoff_base_s,
        cache=cache,
        archive=archive,
        ledger=ledger,
        daily_limit=daily_limit,
        logger=logger,
        **({"sleep": sleep} if sleep is not None else {}),
    )


class LiveKmaSource(KmaSource):
    """The KMA open API over HTTP (data.go.kr or the API Hub), through the shared ApiClient.

    Keyword arguments are those of :func:`kma_api_client`.
    """

    simulated = False

    def __init__(self, **options: Any) -> None:
        super().__init__()
        self.client = kma_api_client(**options)
        self.stats = self.client.stats

    def _get(self, operation: str, params: Mapping[str, Any], cache_ttl_s: int | None) -> dict:
        return self.client.get_json(operation, params, cache_ttl_s=cache_ttl_s)


class SampleKmaSource(KmaSource):
    """The offline sample source: simulated data in the exact KMA shape, for any cell and time.

    Like KMA, it answers NODATA for an issuance that is not published yet at ``clock()``.
    """

    simulated = True

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        from weather_flick_batch.core.timeutil import now_kst

        self._clock = clock or now_kst
        self._lock = threading.Lock()

    def _get(self, operation: str, params: Mapping[str, Any], cache_ttl_s: int | None) -> dict:
        with self._lock:
            self.stats.calls += 1
        page = {"page_no": int(params.get("pageNo", 1)), "num_of_rows": int(params.get("numOfRows", PAGE_SIZE))}
        now = self._clock()
        if operation in (OP_NOWCAST, OP_SHORT_RANGE, OP_ULTRA_SHORT):
            base = issuance.parse_kma_base(str(params["base_date"]), str(params["base_time"]))
            published, fn = {
                OP_NOWCAST: (issuance.nowcast_publication_time, sample_source.ultra_srt_ncst),
                OP_SHORT_RANGE: (issuance.short_range_publication_time, sample_source.vilage_fcst),
                OP_ULTRA_SHORT: (issuance.ultra_short_publication_time, sample_source.ultra_srt_fcst),
            }[operation]
            if published(base) > now:
                raise NoDataError(f"KMA has not published {base:%Y-%m-%d %H:%M} KST yet (NODATA_ERROR, code 03)",
                                  service=SERVICE, operation=operation, code="03")
            return fn(str(params["base_date"]), str(params["base_time"]), int(params["nx"]), int(params["ny"]), **page)
        if operation in (OP_MID_LAND, OP_MID_TA):
            tm_fc = issuance.parse_kma_tmfc(str(params["tmFc"]))
            if issuance.mid_range_publication_time(tm_fc) > now:
                raise NoDataError(f"KMA has not published the {tm_fc:%Y-%m-%d %H:%M} KST medium-range forecast yet "
                                  "(NODATA_ERROR, code 03)", service=SERVICE, operation=operation, code="03")
            fn = sample_source.mid_land_fcst if operation == OP_MID_LAND else sample_source.mid_ta
            return fn(str(params["regId"]), str(params["tmFc"]), **page)
        raise ValueError(f"the KMA sample source does not serve {operation}")

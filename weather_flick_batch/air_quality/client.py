"""AirKorea sources: one interface, the live HTTP client and the offline sample source.

Both answer one page of an operation through ``get_json`` in the exact AirKorea JSON shape, and
paging runs through ``core.apiclient.fetch_all_pages`` for both, so an empty page while
``totalCount`` promises more is asked again and then fails as ``IncompleteListingError`` (transient)
instead of silently ending the listing. Pages are :data:`PAGE_SIZE` (100) rows: ``numOfRows=1000``
often draws ``05 SERVICETIME_OUT`` from AirKorea.

The live source is the shared ``ApiClient`` (retries with backoff on 01/02/04/05/99, HTTP 5xx/429,
timeouts and gateway XML; key rotation on quota; redaction; cache; raw archive; quota ledger) with
AirKorea's common parameter ``returnType=json``; the key goes in ``serviceKey``.
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from weather_flick_batch.air_quality import regions as R
from weather_flick_batch.air_quality import sample_source
from weather_flick_batch.air_quality.parsing import check_result
from weather_flick_batch.core.apiclient import (
    ApiClient,
    ApiStats,
    NoDataError,
    RawArchive,
    ResponseCache,
    fetch_all_pages,
)

__all__ = [
    "SERVICE",
    "DEFAULT_BASE_URL",
    "KEY_SETTING_NAME",
    "OP_FORECAST",
    "OP_REALTIME",
    "COMMON_PARAMS",
    "REALTIME_VERSION",
    "PAGE_SIZE",
    "ITEMS_PATH",
    "TOTAL_PATH",
    "AirKoreaSource",
    "LiveAirKoreaSource",
    "SampleAirKoreaSource",
]

SERVICE = "AIRKOREA"
DEFAULT_BASE_URL = "https://apis.data.go.kr/B552584/ArpltnInforInqireSvc"
KEY_SETTING_NAME = "WEATHER_FLICK_AIRKOREA_API_KEYS"
OP_FORECAST = "getMinuDustFrcstDspth"
OP_REALTIME = "getCtprvnRltmMesureDnsty"
COMMON_PARAMS: dict[str, str] = {"returnType": "json"}
#: ``ver=1.3`` adds ``pm10Grade1h``/``pm25Grade1h`` (and keeps ``*Value24``, ``mangName``).
REALTIME_VERSION = "1.3"
PAGE_SIZE = 100
ITEMS_PATH: tuple[str, ...] = ("response", "body", "items")
TOTAL_PATH: tuple[str, ...] = ("response", "body", "totalCount")


def _normalise_page(payload: dict) -> dict:
    """Make ``body.items`` the list ``fetch_all_pages`` expects, whatever AirKorea sent.

    ``{"item": [...]}``/``{"item": {...}}`` (KMA style) and a lone object become a list; ``""`` and
    ``null`` are left alone (an empty page).
    """
    body = payload.get("response", {}).get("body") if isinstance(payload.get("response"), dict) else None
    if isinstance(body, dict):
        items = body.get("items")
        if isinstance(items, dict):
            inner = items.get("item", items) if "item" in items else items
            body["items"] = inner if isinstance(inner, list) else ([] if inner in (None, "") else [inner])
    return payload


class AirKoreaSource(abc.ABC):
    """Where AirKorea payloads come from. Subclasses implement :meth:`get_json` (one page)."""

    service = SERVICE
    simulated: bool = False

    def __init__(self) -> None:
        self.stats = ApiStats()
        self.log = logging.getLogger(__name__)

    @abc.abstractmethod
    def get_json(self, operation: str, params: Mapping[str, Any], *, cache_ttl_s: int | None = None) -> dict:
        """One page of one operation as decoded JSON; raises a ``core.apiclient.ApiError`` subclass."""

    def forecast(self, search_date: date | str, inform_code: str | None = None, *,
                 cache_ttl_s: int | None = None) -> list[dict]:
        """Every ``getMinuDustFrcstDspth`` item issued on ``search_date`` (``YYYY-MM-DD``, KST).

        ``inform_code`` (PM10, PM25 or O3) narrows to one pollutant; ``None`` asks for all three in
        one listing. Result code 03 (NODATA) is returned as an empty list: "nothing issued yet" and
        "nothing listed" mean the same to the caller (:mod:`.collect` decides what an absent
        issuance means). Sent as ``InformCode`` (capital I, as most public code sends it).
        """
        day = search_date.strftime("%Y-%m-%d") if isinstance(search_date, date) else str(search_date)
        params: dict[str, Any] = {"searchDate": day}
        if inform_code:
            code = str(inform_code).strip().upper().replace("PM2.5", "PM25")
            if code not in ("PM10", "PM25", "O3"):
                raise ValueError(f"unknown InformCode {inform_code!r}; expected PM10, PM25 or O3")
            params["InformCode"] = code
        try:
            items, _pages = fetch_all_pages(self, OP_FORECAST, params, page_size=PAGE_SIZE, items_path=ITEMS_PATH,
                                            total_path=TOTAL_PATH, cache_ttl_s=cache_ttl_s)
        except NoDataError:
            return []
        return items

    def realtime(self, sido_name: str = R.ALL_SIDO, *, cache_ttl_s: int | None = None) -> list[dict]:
        """Every station row of ``getCtprvnRltmMesureDnsty`` for a ``sidoName`` (``ver=1.3``).

        ``"전국"`` (the default) lists every station of the country in ~7 pages of 100: far fewer
        calls than 17 provinces one by one. NODATA (03) propagates as ``NoDataError``.
        """
        name = str(sido_name).strip()
        if name != R.ALL_SIDO:
            name = R.sido_name_for(R.region_code_for_sido(name))  # validates, accepts 서울특별시 too
        items, _pages = fetch_all_pages(self, OP_REALTIME, {"sidoName": name, "ver": REALTIME_VERSION},
                                        page_size=PAGE_SIZE, items_path=ITEMS_PATH, total_path=TOTAL_PATH,
                                        cache_ttl_s=cache_ttl_s)
        return items


class LiveAirKoreaSource(AirKoreaSource):
    """AirKorea over HTTP through the shared ApiClient (service ``AIRKOREA``, key param ``serviceKey``)."""

    simulated = False

    def __init__(
        self,
        *,
        keys: list[str],
        base_url: str = DEFAULT_BASE_URL,
        key_param: str = "serviceKey",
        timeout_s: float = 10.0,
        max_attempts: int = 4,
        backoff_base_s: float = 0.5,
        cache: ResponseCache | None = None,
        archive: RawArchive | None = None,
        sleep: Callable[[float], None] | None = None,
        ledger: Any = None,
        daily_limit: int | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        super().__init__()
        kwargs: dict[str, Any] = {}
        if sleep is not None:
            kwargs["sleep"] = sleep
        if logger is not None:
            kwargs["logger"] = logger
        self.client = ApiClient(
            service=SERVICE,
            base_url=base_url,
            keys=keys,
            key_param=key_param,
            key_setting_name=KEY_SETTING_NAME,
            extra_params=COMMON_PARAMS,
            timeout_s=timeout_s,
            max_attempts=max_attempts,
            backoff_base_s=backoff_base_s,
            cache=cache,
            archive=archive,
            ledger=ledger,
            daily_limit=daily_limit,
            **kwargs,
        )
        self.stats = self.client.stats
        self.log = self.client.log

    def get_json(self, operation: str, params: Mapping[str, Any], *, cache_ttl_s: int | None = None) -> dict:
        return _normalise_page(self.client.get_json(operation, params, cache_ttl_s=cache_ttl_s))


class SampleAirKoreaSource(AirKoreaSource):
    """The offline sample source: simulated data in the exact AirKorea shape, for any date.

    ``clock`` is the instant the simulated service lives at: forecasts not yet published then are
    absent, and the real-time listing is the newest published hour. Bad parameters come back as
    result code 10 and are raised as by the live client.
    """

    simulated = True

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        from weather_flick_batch.core.timeutil import now_kst

        self._clock = clock or now_kst
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._clock()

    def payload(self, operation: str, params: Mapping[str, Any]) -> dict:
        """The raw payload (also for error results), as the fake server serves it."""
        page = {"page_no": params.get("pageNo", 1), "num_of_rows": params.get("numOfRows", 10)}
        if operation == OP_FORECAST:
            return sample_source.forecast_payload(params.get("searchDate"), self._clock(),
                                                  params.get("InformCode", params.get("informCode")), **page)
        if operation == OP_REALTIME:
            return sample_source.realtime_payload(params.get("sidoName"), self._clock(), **page)
        return sample_source.error_payload("12", "NO_OPENAPI_SERVICE_ERROR")

    def get_json(self, operation: str, params: Mapping[str, Any], *, cache_ttl_s: int | None = None) -> dict:
        with self._lock:
            self.stats.calls += 1
        payload = self.payload(operation, {k: str(v) for k, v in params.items()})
        check_result(payload, operation)
        return payload

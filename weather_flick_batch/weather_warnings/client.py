"""Warning sources (live and sample) and :func:`warnings_in_force`, the one call the asset layer needs.

* :class:`WarningSource`: ``events(from_date, to_date, area_code=None, ...)`` reads every page of
  getPwnCd (NODATA ``03`` is a valid empty result: ``[]``); ``status()`` returns the getPwnStatus
  item (``tmFc, tmEf, tmSeq, t6, t7, other``).
* :class:`LiveWarningSource`: the KMA open API through the shared :class:`ApiClient` (retries with
  backoff, key rotation, cache, raw archive, key redaction, quota ledger), ``dataType=JSON``, keys
  from ``WEATHER_FLICK_KMA_API_KEYS``.
* :class:`SampleWarningSource` (``simulated = True``): :mod:`.sample_source` at ``clock()``.
* :func:`warnings_in_force`: events of the last ``lookback_days`` (the query window is reportedly
  limited to about 6 days **[U]**, so keep it small), falling back to the status text when the
  events call fails with an API error other than a configuration error; then, unless disabled,
  reconciled with the status text: a (zone, kind) the status lists but the events window never
  mentions (a long warning whose issue is older than the window, e.g. a 폭염경보 of two weeks) is
  added from the status text. Which source each row came from is in its ``source`` column;
  the result says which was primary and why.
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from weather_flick_batch.core.apiclient import (
    ApiConfigurationError,
    ApiError,
    ApiStats,
    IncompleteListingError,
    MalformedResponseError,
    NoDataError,
)
from weather_flick_batch.core.timeutil import KST, now_kst, require_aware
from weather_flick_batch.weather_warnings import codes, parsing, sample_source
from weather_flick_batch.weather_warnings.parsing import (
    SOURCE_EVENTS,
    SOURCE_STATUS_TEXT,
    WARNING_COLUMNS,
    ParseReport,
    warning_key,
)

__all__ = [
    "SERVICE",
    "DEFAULT_BASE_URL",
    "OP_EVENTS",
    "OP_STATUS",
    "PAGE_SIZE",
    "WarningSource",
    "LiveWarningSource",
    "SampleWarningSource",
    "WarningsInForce",
    "warnings_in_force",
]

log = logging.getLogger(__name__)

SERVICE = "KMA"
DEFAULT_BASE_URL = "https://apis.data.go.kr/1360000"
OP_EVENTS = "WthrWrnInfoService/getPwnCd"
OP_STATUS = "WthrWrnInfoService/getPwnStatus"
#: Rows per getPwnCd page: a few days of nationwide events are a few hundred rows.
PAGE_SIZE = 500
MAX_PAGES = 50


def _yyyymmdd(value: date | datetime | str) -> str:
    if isinstance(value, datetime):
        return require_aware(value).astimezone(KST).strftime("%Y%m%d")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    text = str(value).strip().replace("-", "")
    if len(text) != 8 or not text.isdigit():
        raise ValueError(f"expected a date or YYYYMMDD, got {value!r}")
    return text


class WarningSource(abc.ABC):
    """Where WthrWrnInfoService payloads come from. Subclasses implement ``_get``; paging is shared."""

    simulated: bool = False

    def __init__(self) -> None:
        self.stats = ApiStats()

    @abc.abstractmethod
    def _get(self, operation: str, params: Mapping[str, Any], cache_ttl_s: int | None) -> dict:
        """One page of one operation (raises NoDataError for KMA's 03)."""

    def events_page(self, from_date: date | datetime | str, to_date: date | datetime | str, *,
                    area_code: str | None = None, warning_type: int | None = None, stn_id: int | None = None,
                    page_no: int = 1, num_of_rows: int = PAGE_SIZE, cache_ttl_s: int | None = None) -> dict:
        """One getPwnCd page as the raw payload."""
        params: dict[str, Any] = {"fromTmFc": _yyyymmdd(from_date), "toTmFc": _yyyymmdd(to_date),
                                  "pageNo": page_no, "numOfRows": num_of_rows}
        if area_code:
            params["areaCode"] = area_code
        if warning_type is not None:
            params["warningType"] = int(warning_type)
        if stn_id is not None:
            params["stnId"] = int(stn_id)
        return self._get(OP_EVENTS, params, cache_ttl_s)

    def events(self, from_date: date | datetime | str, to_date: date | datetime | str, area_code: str | None = None,
               *, warning_type: int | None = None, stn_id: int | None = None, page_size: int = PAGE_SIZE,
               max_pages: int = MAX_PAGES, cache_ttl_s: int | None = None) -> list[dict]:
        """Every getPwnCd item issued on ``from_date`` .. ``to_date`` (KST dates), all pages read.

        NODATA (03) means "no event in the window": ``[]``. A page that comes back empty while
        ``totalCount`` promises more raises :class:`IncompleteListingError` (transient): a short
        listing could hide a lift or an issue, so it is never taken as complete.
        """
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        items: list[dict] = []
        total: int | None = None
        for page_no in range(1, max_pages + 1):
            try:
                payload = self.events_page(from_date, to_date, area_code=area_code, warning_type=warning_type,
                                           stn_id=stn_id, page_no=page_no, num_of_rows=page_size,
                                           cache_ttl_s=cache_ttl_s)
            except NoDataError:
                if page_no == 1:
                    return []
                raise
            try:
                page = [i for i in parsing.payload_items(payload) if isinstance(i, dict)]
            except ValueError as exc:
                raise MalformedResponseError(f"{SERVICE} {OP_EVENTS} page {page_no}: {exc}", service=SERVICE,
                                             operation=OP_EVENTS) from None
            body = payload.get("response", {}).get("body") or {}
            try:
                total = int(str(body.get("totalCount")).strip())
            except ValueError:
                total = None
            items.extend(page)
            if total is None:
                if len(page) < page_size:
                    return items
                continue
            if len(items) >= total:
                return items
            if not page:
                raise IncompleteListingError(
                    f"{SERVICE} {OP_EVENTS} page {page_no} came back empty although totalCount is {total} "
                    f"({len(items)} read): treated as a transient fault", service=SERVICE, operation=OP_EVENTS)
        raise IncompleteListingError(
            f"{SERVICE} {OP_EVENTS} did not finish within {max_pages} pages ({len(items)} of {total} read)",
            service=SERVICE, operation=OP_EVENTS)

    def status(self, *, cache_ttl_s: int | None = None) -> dict:
        """The getPwnStatus item: ``{stnId?, tmFc, tmEf, tmSeq, t6, t7, other}``."""
        payload = self._get(OP_STATUS, {"pageNo": 1, "numOfRows": 10}, cache_ttl_s)
        try:
            item = parsing.status_item(payload)
        except (ValueError, TypeError) as exc:
            raise MalformedResponseError(f"{SERVICE} {OP_STATUS} returned an unreadable body ({exc})",
                                         service=SERVICE, operation=OP_STATUS) from None
        if item is None:
            raise MalformedResponseError(f"{SERVICE} {OP_STATUS} returned no status item", service=SERVICE,
                                         operation=OP_STATUS)
        return dict(item)


class LiveWarningSource(WarningSource):
    """WthrWrnInfoService over HTTP through the shared ApiClient, built exactly as the weather source's
    (:func:`weather_flick_batch.weather.client.kma_api_client`: same keys, key setting and limits)."""

    simulated = False

    def __init__(self, **options: Any) -> None:
        from weather_flick_batch.weather.client import kma_api_client

        super().__init__()
        self.client = kma_api_client(**{"base_url": DEFAULT_BASE_URL, **options})
        self.stats = self.client.stats

    def _get(self, operation: str, params: Mapping[str, Any], cache_ttl_s: int | None) -> dict:
        return self.client.get_json(operation, params, cache_ttl_s=cache_ttl_s)


class SampleWarningSource(WarningSource):
    """The offline sample (:mod:`.sample_source`) as of ``clock()``: simulated, deterministic."""

    simulated = True

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self._clock = clock or now_kst
        self._lock = threading.Lock()

    def _get(self, operation: str, params: Mapping[str, Any], cache_ttl_s: int | None) -> dict:
        with self._lock:
            self.stats.calls += 1
        now = require_aware(self._clock(), "clock()")
        if operation == OP_EVENTS:
            payload = sample_source.pwn_cd_payload(dict(params), now)
            if payload is None:
                raise NoDataError(f"{SERVICE} has no warning events for {dict(params)!r} (NO_DATA, code 03)",
                                  service=SERVICE, operation=operation, code="03")
            return payload
        if operation == OP_STATUS:
            return sample_source.pwn_status_payload(now)
        raise ValueError(f"the KMA warnings sample source does not serve {operation}")


# --------------------------------------------------------------------------------------------
# Warnings in force
# --------------------------------------------------------------------------------------------


@dataclass
class WarningsInForce:
    """What :func:`warnings_in_force` returns.

    ``frame``: :data:`parsing.WARNING_COLUMNS`, one row per (zone, kind) in force (plus pending
    ones, ``in_effect`` False, unless excluded). ``source``: ``"events"`` or ``"status_text"``
    (the primary source); ``fallback_reason``: why the events were not used (one line, no key).
    ``status_added``: rows the status text added to the events; ``status_error``: why the
    reconciliation could not run (the events result stands).
    """

    as_of: datetime
    source: str
    frame: pd.DataFrame
    report: ParseReport
    simulated: bool
    fallback_reason: str | None = None
    events_fetched: int = 0
    status_added: int = 0
    status_checked: bool = False
    status_error: str | None = None
    stats: dict[str, int] = field(default_factory=dict)

    def districts(self) -> pd.DataFrame:
        """:func:`parsing.expand_to_districts` of the frame (zone problems are already in ``report.zones``)."""
        return parsing.expand_to_districts(self.frame)

    def metadata(self) -> dict[str, Any]:
        """Flat run metadata."""
        return {
            "as_of": self.as_of.isoformat(),
            "source": self.source,
            "simulated": self.simulated,
            "fallback_reason": self.fallback_reason,
            "warnings_in_force": int(self.frame["in_effect"].sum()) if len(self.frame) else 0,
            "warnings_pending": int((~self.frame["in_effect"]).sum()) if len(self.frame) else 0,
            "events_fetched": self.events_fetched,
            "status_checked": self.status_checked,
            "status_added": self.status_added,
            "status_error": self.status_error,
            **self.report.as_metadata(),
            **{f"api_{k}": v for k, v in self.stats.items()},
        }


#: Result codes that reject getPwnCd's *parameters* (10 INVALID_REQUEST_PARAMETER, 11
#: NO_MANDATORY_REQUEST_PARAMETERS): one public client treats ``areaCode`` as mandatory and the
#: query window is said to be limited to ~6 days **[U]**, so these fall back to the status text
#: instead of failing (the reason is recorded).
_PARAMETER_CODES = frozenset({10, 11})


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def warnings_in_force(
    source: WarningSource,
    now: datetime | None = None,
    lookback_days: int = 3,
    *,
    reconcile_with_status: bool = True,
    include_pending: bool = True,
    cache_ttl_s: int | None = None,
) -> WarningsInForce:
    """The warnings in force at ``now`` (KST-aware; default: the current time).

    1. getPwnCd for the KST dates ``now - lookback_days`` .. ``now``; parsed with
       :func:`parsing.parse_events`.
    2. If that fails with an :class:`ApiError` (transient after retries, quota, malformed,
       incomplete listing, or a rejected *parameter*, codes 10/11 **[U]**), getPwnStatus ``t6`` is
       parsed instead (``source`` = ``"status_text"``, ``fallback_reason`` = the events error).
       Other configuration errors (bad key, unregistered IP, wrong URL or operation) would fail
       the status call too and must be fixed: they are raised at once, in one line without the
       key. If the status call fails too, its error is raised, of its own class, with both reasons.
    3. Otherwise, when ``reconcile_with_status``, getPwnStatus is read as well and every
       (zone, kind) it lists that the events window does not mention at all is added (its rows
       have ``source`` ``"status_text"``). A failure here only sets ``status_error``.
    """
    now = require_aware(now or now_kst(), "now").astimezone(KST)
    if lookback_days < 0:
        raise ValueError("lookback_days must be >= 0")
    report = ParseReport()
    first = (now - timedelta(days=lookback_days)).date()
    try:
        items = source.events(first, now.date(), cache_ttl_s=cache_ttl_s)
    except ApiError as exc:
        if isinstance(exc, ApiConfigurationError) and codes.code_int(exc.code) not in _PARAMETER_CODES:
            raise  # key, IP, URL or operation: the status call would fail too; fix the setting
        reason = _one_line(exc)
        log.warning("warning events unavailable (%s); using the status text", reason)
        try:
            status = source.status(cache_ttl_s=cache_ttl_s)
        except ApiError as status_exc:
            raise type(status_exc)(
                f"{SERVICE} warnings unavailable: events failed ({reason}) and the status fallback failed "
                f"({_one_line(status_exc)})", service=status_exc.service, operation=status_exc.operation,
                code=status_exc.code) from None
        parsed = parsing.parse_status(status, as_of=now, report=report)
        frame = parsed.frame
        if not include_pending:
            frame = frame[frame["in_effect"]].reset_index(drop=True)
        return WarningsInForce(now, SOURCE_STATUS_TEXT, frame, report, source.simulated, fallback_reason=reason,
                               status_checked=True, stats=source.stats.as_metadata())

    parsed = parsing.parse_events(items, now, include_pending=include_pending, report=report)
    result = WarningsInForce(now, SOURCE_EVENTS, parsed.frame, report, source.simulated, events_fetched=len(items))
    if reconcile_with_status:
        try:
            status = source.status(cache_ttl_s=cache_ttl_s)
        except ApiError as exc:
            result.status_error = _one_line(exc)
            log.warning("warning status text unavailable for the reconciliation (%s)", result.status_error)
        else:
            result.status_checked = True
            # Zone problems of the status text are not the events' problems: a report of its own.
            status_parsed = parsing.parse_status(status, as_of=now)
            extra = _not_mentioned(status_parsed.frame, parsed.seen)
            if len(extra):
                result.status_added = len(extra)
                report.zones.merge(status_parsed.report.zones)
                result.frame = parsing.sort_warnings(
                    pd.concat([parsed.frame, extra], ignore_index=True).astype(parsed.frame.dtypes.to_dict()))
    result.stats = source.stats.as_metadata()
    return result


def _not_mentioned(status_frame: pd.DataFrame, seen: set[tuple[str, Any]]) -> pd.DataFrame:
    """Status rows whose (zone, kind) the events never mention, by zone id and by name."""
    keep = []
    for i, row in enumerate(status_frame.to_dict("records")):
        zone_id = row["zone_id"] if isinstance(row["zone_id"], str) else None
        name = row["area_name"] if isinstance(row["area_name"], str) else None
        kind = None if pd.isna(row["kind_code"]) else int(row["kind_code"])
        kind = kind if kind is not None else row["kind"]
        keys = {(warning_key(zone_id, None, name), kind), (warning_key(None, None, name), kind)}
        if not keys & seen:
            keep.append(i)
    out = status_frame.iloc[keep].reset_index(drop=True)
    return out[list(WARNING_COLUMNS)]

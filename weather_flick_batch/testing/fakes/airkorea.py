"""A local HTTP server that answers like AirKorea's ArpltnInforInqireSvc (backed by the sample source).

Transport and gateway faults (HTTP 5xx/429, timeouts, truncation, the gateway's XML, bad keys,
quota) come from :class:`FaultServer`'s :class:`FaultPlan`. What the plan cannot express lives on
:class:`AirKoreaFake`, the handler:

* ``fail_next_json("05", n=2)``: the next requests answer a JSON error envelope *inside HTTP 200*
  (AirKorea's ``SERVICETIME_OUT``, or any code);
* ``empty_page(operation, page_no, times)``: that page comes back with ``"items": []`` while
  ``totalCount`` still promises the full listing (``times=None``: for ever);
* a request without ``returnType=json`` gets the XML document AirKorea's default ``returnType``
  gives (a success code in XML), so a client that forgets the switch fails loudly.

Usage::

    source = SampleAirKoreaSource(clock=lambda: datetime(2024, 3, 15, 17, 30, tzinfo=KST))
    with airkorea_server(source=source) as server:
        live = LiveAirKoreaSource(base_url=server.base_url, keys=["k"], sleep=lambda s: None)
        server.fake.fail_next_json("05")
        assert live.realtime() == source.realtime()
"""

from __future__ import annotations

import collections
import json
import threading
from datetime import datetime, timedelta, timezone

from weather_flick_batch.air_quality.client import SampleAirKoreaSource
from weather_flick_batch.core.apiclient import RESULT_CODE_NAMES
from weather_flick_batch.testing.fakes.http_fault_server import FaultPlan, FaultServer

AIRKOREA_PREFIX = "/B552584/ArpltnInforInqireSvc/"
_JSON = "application/json;charset=UTF-8"
_XML = "text/xml;charset=UTF-8"


def _far_future() -> datetime:
    return datetime.now(tz=timezone.utc) + timedelta(days=1)


def airkorea_json_error(code: str, msg: str | None = None) -> bytes:
    """A header-only JSON error envelope (AirKorea puts these inside HTTP 200)."""
    name = msg or RESULT_CODE_NAMES.get(int(code) if code.isdigit() else -1, "UNKNOWN_ERROR")
    return json.dumps({"response": {"header": {"resultCode": code, "resultMsg": name}}}).encode("utf-8")


def _xml_success(payload: dict) -> bytes:
    body = payload.get("response", {}).get("body", {})
    return (
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><response><header><resultCode>00</resultCode>"
        "<resultMsg>NORMAL_CODE</resultMsg></header><body>"
        f"<totalCount>{body.get('totalCount', 0)}</totalCount><items></items>"
        f"<pageNo>{body.get('pageNo', 1)}</pageNo><numOfRows>{body.get('numOfRows', 10)}</numOfRows>"
        "</body></response>"
    ).encode("utf-8")


class AirKoreaFake:
    """The handler: the sample source's payloads plus AirKorea-level fault injection."""

    def __init__(self, source: SampleAirKoreaSource | None = None) -> None:
        self.source = source or SampleAirKoreaSource(clock=_far_future)
        self._lock = threading.Lock()
        self._json_faults: collections.deque[tuple[str, str | None]] = collections.deque()
        self._empty_pages: dict[tuple[str, int], int | None] = {}
        #: (operation, pageNo) of every page served empty on purpose.
        self.emptied: list[tuple[str, int]] = []

    def fail_next_json(self, code: str, msg: str | None = None, n: int = 1) -> AirKoreaFake:
        """The next ``n`` requests answer result ``code`` in a JSON envelope with HTTP 200."""
        with self._lock:
            self._json_faults.extend([(code, msg)] * n)
        return self

    def empty_page(self, operation: str, page_no: int, times: int | None = 1) -> AirKoreaFake:
        """Serve ``page_no`` of ``operation`` with no items (totalCount unchanged) ``times`` times (None: always)."""
        with self._lock:
            self._empty_pages[(operation, int(page_no))] = times
        return self

    def _take_json_fault(self) -> tuple[str, str | None] | None:
        with self._lock:
            return self._json_faults.popleft() if self._json_faults else None

    def _take_empty(self, operation: str, page_no: int) -> bool:
        with self._lock:
            key = (operation, page_no)
            if key not in self._empty_pages:
                return False
            left = self._empty_pages[key]
            if left is not None:
                if left <= 0:
                    return False
                self._empty_pages[key] = left - 1
            self.emptied.append(key)
            return True

    def __call__(self, operation: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        fault = self._take_json_fault()
        if fault is not None:
            return 200, _JSON, airkorea_json_error(*fault)
        payload = self.source.payload(operation, params)
        if params.get("returnType", "").lower() != "json":
            return 200, _XML, _xml_success(payload)
        body = payload.get("response", {}).get("body")
        try:
            page_no = int(params.get("pageNo", "1"))
        except ValueError:
            page_no = 1
        if isinstance(body, dict) and self._take_empty(operation, page_no):
            body["items"] = []
        return 200, _JSON, json.dumps(payload, ensure_ascii=False).encode("utf-8")


def airkorea_server(plan: FaultPlan | None = None, *, source: SampleAirKoreaSource | None = None,
                    fake: AirKoreaFake | None = None) -> FaultServer:
    """A :class:`FaultServer` answering like AirKorea; the handler is reachable as ``server.fake``."""
    fake = fake or AirKoreaFake(source)
    server = FaultServer(fake, plan=plan, prefix=AIRKOREA_PREFIX, key_param="serviceKey")
    server.fake = fake  # type: ignore[attr-defined]
    return server

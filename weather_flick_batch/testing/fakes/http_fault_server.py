"""A real local HTTP server that imitates data.go.kr answers and injects faults.

Tests run the production HTTP client against it over loopback (no mocking of ``requests``),
so retries, timeouts, truncation and the gateway's XML errors are exercised for real.

Usage::

    def handler(operation, params):
        return 200, "application/json", json_items_response([{"a": "1"}])

    with FaultServer(handler, plan=FaultPlan(transient_rate=0.3, seed=7)) as server:
        client = ApiClient(service="KMA", base_url=server.base_url, keys=["k1"])
        ...
        server.plan.fail_next("timeout", n=2)
        server.plan.quota_keys.add("k1")
        assert server.request_count("getVilageFcst") == 3

Per request the server decides, in order: a queued fault (``fail_next``), key checks
(``valid_keys`` / ``invalid_keys`` -> XML code 30, ``quota_keys`` -> XML code 22), a random
transient fault (``transient_rate``), ``nodata_when`` (JSON code 03), then the handler.
"""

from __future__ import annotations

import collections
import json
import random
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, NamedTuple
from urllib.parse import parse_qsl, urlsplit

Handler = Callable[[str, dict[str, str]], tuple[int, str, bytes]]

#: Fault kinds. The first four are the random "transient" kinds; all can be queued.
TRANSIENT_KINDS: tuple[str, ...] = ("http500", "timeout", "truncated", "xml_gateway")
ALL_KINDS: tuple[str, ...] = (*TRANSIENT_KINDS, "http429", "reset", "quota", "invalid_key", "nodata")


def kma_json_error(code: str, msg: str) -> bytes:
    """JSON error body in the shape KMA/KTO use (header only, no body)."""
    return json.dumps({"response": {"header": {"resultCode": code, "resultMsg": msg}}}).encode("utf-8")


def gateway_xml_error(code: str, auth_msg: str) -> bytes:
    """The data.go.kr gateway's XML error (sent even when JSON was requested)."""
    return (
        "<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg>"
        f"<returnAuthMsg>{auth_msg}</returnAuthMsg>"
        f"<returnReasonCode>{code}</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>"
    ).encode("utf-8")


def json_items_response(
    items: Any,
    *,
    total_count: int | None = None,
    page_no: int = 1,
    num_of_rows: int = 10,
    result_code: str = "00",
    result_msg: str = "NORMAL_SERVICE",
) -> bytes:
    """Successful paged JSON body. ``items`` may be a list, a lone dict, or ``""`` (TourAPI's empty page)."""
    if total_count is None:
        total_count = len(items) if isinstance(items, list) else (1 if isinstance(items, dict) else 0)
    body = {
        "items": {"item": items} if items != "" else "",
        "numOfRows": num_of_rows,
        "pageNo": page_no,
        "totalCount": total_count,
    }
    return json.dumps(
        {"response": {"header": {"resultCode": result_code, "resultMsg": result_msg}, "body": body}},
        ensure_ascii=False,
    ).encode("utf-8")


@dataclass
class FaultPlan:
    """What to break, settable at runtime (``server.plan = FaultPlan(...)`` or mutate fields)."""

    transient_rate: float = 0.0
    kinds: tuple[str, ...] = TRANSIENT_KINDS
    seed: int = 0
    timeout_sleep_s: float = 1.0
    quota_keys: set[str] = field(default_factory=set)
    invalid_keys: set[str] = field(default_factory=set)
    valid_keys: set[str] | None = None
    nodata_when: Callable[[str, dict[str, str]], bool] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(ALL_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {ALL_KINDS}")
        self._rng = random.Random(self.seed)
        self._queue: collections.deque[str] = collections.deque()
        self._lock = threading.Lock()

    def fail_next(self, kind: str, n: int = 1) -> FaultPlan:
        """Serve fault ``kind`` to the next ``n`` requests (before any other rule)."""
        if kind not in ALL_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {ALL_KINDS}")
        with self._lock:
            self._queue.extend([kind] * n)
        return self

    def _decide(self, key: str | None) -> str | None:
        """Queued fault, key rule or random fault for one request (``None``: no fault)."""
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            if key is not None and (key in self.invalid_keys or (self.valid_keys is not None and key not in self.valid_keys)):
                return "invalid_key"
            if key is not None and key in self.quota_keys:
                return "quota"
            # Always draw, so the sequence of faults depends only on the seed and request order.
            roll, pick = self._rng.random(), self._rng.random()
            if self.transient_rate > 0 and roll < self.transient_rate and self.kinds:
                return self.kinds[int(pick * len(self.kinds))]
            return None

    def _rand(self) -> float:
        with self._lock:
            return self._rng.random()


class RecordedRequest(NamedTuple):
    operation: str
    params: dict[str, str]  # raw, key included, so tests can assert key rotation


class FaultServer:
    """``ThreadingHTTPServer`` on 127.0.0.1:<ephemeral> in a daemon thread; a context manager."""

    def __init__(self, handler: Handler, *, plan: FaultPlan | None = None, prefix: str = "/api/",
                 key_param: str = "serviceKey") -> None:
        self.handler = handler
        self.plan = plan or FaultPlan()
        self.prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
        self.key_param = key_param
        self.requests: list[RecordedRequest] = []
        #: What was served for each entry of ``requests`` ("ok" or a fault kind), same index.
        self.outcomes: list[str] = []
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FaultServer:
        server = self
        self._stopping.clear()

        class _RequestHandler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - stdlib naming
                server._serve(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RequestHandler)
        self._httpd.daemon_threads = True
        # Short poll interval: shutdown() waits up to one interval, which adds up over a test suite.
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fault-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wake handlers sleeping in a "timeout" fault
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{self.prefix}"

    # -- inspection --------------------------------------------------------------------------

    def request_count(self, operation: str | None = None) -> int:
        with self._log_lock:
            return sum(1 for r in self.requests if operation is None or r.operation == operation)

    def keys_used(self, operation: str | None = None) -> list[str | None]:
        """The key sent with each request, in order."""
        with self._log_lock:
            return [r.params.get(self.key_param) for r in self.requests if operation is None or r.operation == operation]

    def reset_log(self) -> None:
        with self._log_lock:
            self.requests.clear()
            self.outcomes.clear()

    # -- serving -----------------------------------------------------------------------------

    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(req.path)
        path = parts.path
        operation = path[len(self.prefix):] if path.startswith(self.prefix) else path.lstrip("/")
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        plan = self.plan
        fault = plan._decide(params.get(self.key_param))
        if fault is None and plan.nodata_when is not None and plan.nodata_when(operation, params):
            fault = "nodata"
        with self._log_lock:
            self.requests.append(RecordedRequest(operation, params))
            self.outcomes.append(fault or "ok")

        try:
            if fault == "reset":
                # Close without any response: the client sees a connection error.
                req.close_connection = True
                return
            if fault == "timeout":
                # Stall longer than the client's timeout, then answer normally (it will be ignored).
                if self._stopping.wait(plan.timeout_sleep_s):
                    return
                fault = None
            status, ctype, body = self._response_for(fault, operation, params, plan)
            req.send_response(status)
            req.send_header("Content-Type", ctype)
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            req.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout); nothing to do

    def _response_for(self, fault: str | None, operation: str, params: dict[str, str],
                      plan: FaultPlan) -> tuple[int, str, bytes]:
        xml = "text/xml;charset=UTF-8"
        if fault == "http500":
            return 500, "text/html", b"<html><body>Internal Server Error</body></html>"
        if fault == "http429":
            return 429, "text/plain", b"API rate limit exceeded"
        if fault == "xml_gateway":
            code, msg = ("99", "UNKNOWN_ERROR") if plan._rand() < 0.5 else ("04", "HTTP_ERROR")
            return 200, xml, gateway_xml_error(code, msg)
        if fault == "quota":
            return 200, xml, gateway_xml_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR")
        if fault == "invalid_key":
            return 200, xml, gateway_xml_error("30", "SERVICE_KEY_IS_NOT_REGISTERED_ERROR")
        if fault == "nodata":
            return 200, "application/json;charset=UTF-8", kma_json_error("03", "NODATA_ERROR")
        status, ctype, body = self.handler(operation, params)
        if fault == "truncated":
            body = body[: len(body) // 2]  # a valid response cut in half, with a consistent length
        return status, ctype, body

"""A local HTTP server that answers like the Slack Web API's ``chat.postMessage``.

Tests run the real ``slack_sdk.WebClient`` against it over loopback, so the request the channel
builds (JSON body, bearer token, attachments) is exactly what Slack would receive.

Usage::

    with FakeSlack(token="xoxb-test") as slack:
        channel = SlackChannel("xoxb-test", "#alerts", base_url=slack.base_url)
        ...
        assert [m["text"] for m in slack.messages] == [...]
        slack.fail_next("http500")          # or "invalid_auth", "ratelimited", "channel_not_found"

Answers, as Slack does: HTTP 200 ``{"ok": true, "channel": ..., "ts": ...}``; a missing token
``{"ok": false, "error": "not_authed"}``, a wrong one ``invalid_auth`` (both HTTP 200); queued
faults ``http500`` (HTML body), ``ratelimited`` (HTTP 429 with ``Retry-After``) or any Slack error
code (HTTP 200 with ``ok: false``). Every request body is kept in :attr:`FakeSlack.raw_bodies`,
accepted or not, so tests can assert that nothing sent anywhere carried a secret.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


class FakeSlack:
    """``ThreadingHTTPServer`` on 127.0.0.1:<ephemeral> in a daemon thread; a context manager."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.messages: list[dict[str, Any]] = []  # accepted chat.postMessage payloads
        self.raw_bodies: list[str] = []  # every request body received, accepted or not
        self.auth_headers: list[str] = []
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-slack", daemon=True)

    # -- control -------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/"

    def fail_next(self, kind: str, n: int = 1) -> None:
        """Answer the next ``n`` requests with a fault: ``http500``, ``ratelimited`` or a Slack error code."""
        with self._lock:
            self._faults.extend([kind] * n)

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- server --------------------------------------------------------------------------------
    def _next_fault(self) -> str | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _handle(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        text = body.decode("utf-8", "replace")
        with self._lock:
            self.raw_bodies.append(text)
            self.auth_headers.append(headers.get("Authorization", ""))
        if not path.startswith("/api/"):
            return 404, {"Content-Type": "text/plain"}, b"not found"
        method = path[len("/api/"):].split("?", 1)[0]
        fault = self._next_fault()
        if fault == "http500":
            return 500, {"Content-Type": "text/html"}, b"<html><body>Internal Server Error</body></html>"
        if fault == "ratelimited":
            return 429, {"Content-Type": "application/json", "Retry-After": "30"}, _json(
                {"ok": False, "error": "ratelimited"})
        if fault:
            return 200, {"Content-Type": "application/json"}, _json({"ok": False, "error": fault})

        auth = headers.get("Authorization", "")
        if not auth:
            return 200, {"Content-Type": "application/json"}, _json({"ok": False, "error": "not_authed"})
        if auth != f"Bearer {self.token}":
            return 200, {"Content-Type": "application/json"}, _json({"ok": False, "error": "invalid_auth"})
        if method != "chat.postMessage":
            return 200, {"Content-Type": "application/json"}, _json({"ok": False, "error": "unknown_method"})

        content_type = headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            payload = json.loads(text or "{}")
        else:  # form-encoded, attachments as a JSON string (what older clients send)
            payload = dict(parse_qsl(text))
            if isinstance(payload.get("attachments"), str):
                payload["attachments"] = json.loads(payload["attachments"])
        channel = payload.get("channel")
        if not channel:
            return 200, {"Content-Type": "application/json"}, _json({"ok": False, "error": "channel_not_found"})
        if not payload.get("text") and not payload.get("attachments") and not payload.get("blocks"):
            return 200, {"Content-Type": "application/json"}, _json({"ok": False, "error": "no_text"})
        ts = f"{time.time():.6f}"
        with self._lock:
            self.messages.append({**payload, "ts": ts})
        return 200, {"Content-Type": "application/json"}, _json(
            {"ok": True, "channel": channel, "ts": ts, "message": {"text": payload.get("text", ""), "ts": ts}})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = fake._handle(self.path, self.headers, body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST  # noqa: N815 - Slack accepts GET for most methods

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output clean
                pass

        return _Handler


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode("utf-8")

"""A local server that answers like Google's OAuth2 token endpoint and FCM HTTP v1's messages:send.

The platform's real ``FcmSender`` (google-auth signing a service-account JWT, then requests) talks to
it over loopback. :func:`service_account_file` writes a service account JSON with a fresh RSA key
whose ``token_uri`` points here; the server checks the JWT assertion's signature with the public key.

Answers: ``POST /token`` with a JWT-bearer grant signed by the account's key: an access token;
``POST /v1/projects/<project>/messages:send`` with that bearer token: 200 ``{"name": ...}``, except for
device tokens starting ``bad-`` (404 ``UNREGISTERED``, as FCM answers for an uninstalled app) and
``flaky-`` (503 ``UNAVAILABLE`` on the first attempt, then 200).
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class FakeFcm:
    def __init__(self, project_id: str = "weatherflick-test") -> None:
        self.project_id = project_id
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.access_token = "ya29.test-" + uuid.uuid4().hex
        self.sent: list[dict[str, Any]] = []  # accepted messages
        self.attempts: dict[str, int] = {}  # device token -> send attempts
        self.token_requests = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def service_account_file(self, directory: Path) -> Path:
        pem = self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()
        path = directory / "firebase-service-account.json"
        path.write_text(json.dumps({
            "type": "service_account", "project_id": self.project_id, "private_key_id": "k1", "private_key": pem,
            "client_email": f"batch@{self.project_id}.iam.gserviceaccount.com", "client_id": "1",
            "token_uri": f"{self.base_url}/token"}))
        return path

    def __enter__(self) -> FakeFcm:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _valid_assertion(self, assertion: str) -> bool:
        try:
            header, claims, signature = assertion.split(".")
            self.key.public_key().verify(_b64decode(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(),
                                         hashes.SHA256())
            return "firebase.messaging" in json.loads(_b64decode(claims)).get("scope", "")
        except Exception:
            return False

    def _handle(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        if path == "/token":
            form = dict(parse_qsl(body.decode()))
            with self._lock:
                self.token_requests += 1
            if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" \
                    or not self._valid_assertion(form.get("assertion", "")):
                return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            return 200, {"access_token": self.access_token, "expires_in": 3600, "token_type": "Bearer"}
        if path != f"/v1/projects/{self.project_id}/messages:send":
            return 404, {"error": {"code": 404, "status": "NOT_FOUND", "message": "no such project"}}
        if headers.get("Authorization") != f"Bearer {self.access_token}":
            return 401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}}
        message = json.loads(body or b"{}").get("message", {})
        token = message.get("token", "")
        with self._lock:
            self.attempts[token] = self.attempts.get(token, 0) + 1
            attempt = self.attempts[token]
        if token.startswith("bad-"):
            return 404, {"error": {"code": 404, "status": "NOT_FOUND", "message": "Requested entity was not found.",
                                   "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                                "errorCode": "UNREGISTERED"}]}}
        if token.startswith("flaky-") and attempt == 1:
            return 503, {"error": {"code": 503, "status": "UNAVAILABLE", "message": "try again"}}
        name = f"projects/{self.project_id}/messages/{uuid.uuid4().hex[:16]}"
        with self._lock:
            self.sent.append({**message, "name": name})
        return 200, {"name": name}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                status, payload = fake._handle(self.path, self.headers, self.rfile.read(length) if length else b"")
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return _Handler

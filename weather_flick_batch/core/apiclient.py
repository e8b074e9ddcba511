"""Shared HTTP client layer for the data.go.kr style APIs (KMA weather, KTO TourAPI).

Dagster-free on purpose: assets and resources wrap it, tests drive it against a local
fault-injecting server, and nothing here needs a Dagster context.

What it handles, and why:

* Error classification. The gateway answers bad keys, spent quotas and outages with an XML
  ``OpenAPI_ServiceResponse`` even when JSON was requested, and the services themselves use a
  ``response.header.resultCode`` (2 digits for KMA, 4 for KTO). Every failure is mapped onto a
  small exception hierarchy so callers can decide: retry (:class:`TransientApiError`), try the
  previous issuance (:class:`NoDataError`), stop for the day (:class:`QuotaExhaustedError`) or
  stop and fix a setting (:class:`ApiConfigurationError`).
* Secrets. The API key travels in the query string, so every log line and exception message
  goes through :func:`redact_url` / :func:`redact_text`, and exceptions raised by ``requests``
  (whose messages contain the full URL) are never chained.
* Quota. Several keys can be configured; a key that reports code 22 is marked spent for the
  life of the client and the next key is used. Responses can be cached (Redis or in-memory) so
  re-runs do not spend quota twice, and archived raw (local disk or S3) for replay and audit.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import logging
import math
import random
import re
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence, runtime_checkable
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlencode, urlsplit, urlunsplit

import requests

__all__ = [
    "SECRET_PARAM_NAMES",
    "RESULT_CODE_NAMES",
    "ApiError",
    "TransientApiError",
    "MalformedResponseError",
    "NoDataError",
    "QuotaExhaustedError",
    "ApiConfigurationError",
    "classify_result_code",
    "parse_gateway_xml",
    "redact_url",
    "redact_text",
    "ResponseCache",
    "RedisResponseCache",
    "InMemoryResponseCache",
    "cache_key",
    "RawArchive",
    "LocalRawArchive",
    "S3RawArchive",
    "ApiStats",
    "ApiClient",
    "fetch_all_pages",
]

#: Query parameter names that carry an API key on data.go.kr (``serviceKey``/``ServiceKey``)
#: and on the KMA API Hub (``authKey``).
SECRET_PARAM_NAMES: tuple[str, ...] = ("serviceKey", "authKey", "ServiceKey")

#: Result codes shared by KMA (``"03"``) and KTO (``"0003"``), keyed by integer value.
RESULT_CODE_NAMES: dict[int, str] = {
    0: "NORMAL_SERVICE",
    1: "APPLICATION_ERROR",
    2: "DB_ERROR",
    3: "NODATA_ERROR",
    4: "HTTP_ERROR",
    5: "SERVICETIME_OUT",
    10: "INVALID_REQUEST_PARAMETER_ERROR",
    11: "NO_MANDATORY_REQUEST_PARAMETERS_ERROR",
    12: "NO_OPENAPI_SERVICE_ERROR",
    20: "SERVICE_ACCESS_DENIED_ERROR",
    21: "TEMPORARILY_DISABLE_THE_SERVICEKEY_ERROR",
    22: "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR",
    30: "SERVICE_KEY_IS_NOT_REGISTERED_ERROR",
    31: "DEADLINE_HAS_EXPIRED_ERROR",
    32: "UNREGISTERED_IP_ERROR",
    33: "UNSIGNED_CALL_ERROR",
    99: "UNKNOWN_ERROR",
}

_TRANSIENT_CODES = frozenset({1, 2, 4, 5, 99})
_CONFIG_CODES = frozenset({10, 11, 12, 20, 21, 30, 31, 32, 33})
_NODATA_CODE = 3
_QUOTA_CODE = 22


# --------------------------------------------------------------------------------------------
# Exceptions
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """Base class: a call to an upstream API failed.

    ``str(exc)`` is a single human-readable line that never contains an API key (the client
    redacts it before constructing the exception).
    """

    def __init__(self, message: str, *, service: str, operation: str, code: str | None = None) -> None:
        # Collapse to one line: messages end up in Dagster event logs and run metadata.
        message = " ".join(str(message).split())
        super().__init__(message)
        self.message = message
        self.service = service
        self.operation = operation
        self.code = code

    def __str__(self) -> str:
        return self.message


class TransientApiError(ApiError):
    """Retryable failure: result codes 01/02/04/05/99, HTTP 5xx or 429, timeouts, connection errors."""


class MalformedResponseError(TransientApiError):
    """The body could not be parsed as the expected JSON (truncated, HTML error page, missing header)."""


class NoDataError(ApiError):
    """Result code 03 NODATA_ERROR: the issuance is not published yet or too old to be served."""


class QuotaExhaustedError(ApiError):
    """Result code 22 on every configured key: the daily quota is spent."""


class ApiConfigurationError(ApiError):
    """The request can never succeed as configured (bad key, wrong base URL, bad parameter)."""


def _code_int(code: str | int | None) -> int | None:
    """Integer value of a result code, tolerating ``"03"``, ``"0003"``, ``3`` and whitespace."""
    if code is None:
        return None
    text = str(code).strip()
    return int(text) if text.isdigit() else None


def classify_result_code(code: str) -> type[ApiError] | None:
    """Map a KMA/KTO result code to the exception class it should raise (``None`` on success).

    Codes are compared by integer value, so KMA's ``"22"`` and KTO's ``"0022"`` are the same.
    Unknown or non-numeric codes map to the plain :class:`ApiError`: not retried, because
    retrying an error we do not understand would only spend quota.
    """
    value = _code_int(code)
    if value is None:
        return ApiError
    if value == 0:
        return None
    if value in _TRANSIENT_CODES:
        return TransientApiError
    if value == _NODATA_CODE:
        return NoDataError
    if value == _QUOTA_CODE:
        return QuotaExhaustedError
    if value in _CONFIG_CODES:
        return ApiConfigurationError
    return ApiError


_XML_CODE_RE = re.compile(r"<returnReasonCode>\s*([^<\s]+)\s*</returnReasonCode>", re.IGNORECASE)
_XML_MSG_RE = re.compile(r"<returnAuthMsg>\s*([^<]*?)\s*</returnAuthMsg>", re.IGNORECASE)
_XML_RESULT_CODE_RE = re.compile(r"<resultCode>\s*([^<\s]+)\s*</resultCode>", re.IGNORECASE)
_XML_RESULT_MSG_RE = re.compile(r"<resultMsg>\s*([^<]*?)\s*</resultMsg>", re.IGNORECASE)


def parse_gateway_xml(text: str | bytes) -> tuple[str, str] | None:
    """Extract ``(reason_code, auth_msg)`` from an XML error body, or ``None`` if it is not one.

    Recognises the gateway's ``<OpenAPI_ServiceResponse>`` (``returnReasonCode`` /
    ``returnAuthMsg``) and, because some KMA operations answer errors as XML regardless of
    ``dataType``, a plain ``<response><header><resultCode>`` document. Parsing uses
    :mod:`xml.etree`; when the XML is damaged (junk around it, truncated) a regex fallback
    still finds the code. Returns ``None`` when no code can be found.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if "<" not in text:
        return None
    start = text.find("<")
    try:
        # Drop anything before the first tag (BOMs, whitespace, junk) before parsing.
        root = ET.fromstring(text[start:].strip())
    except ET.ParseError:
        root = None
    if root is not None:
        code_el = root.find(".//returnReasonCode")
        if code_el is not None and (code_el.text or "").strip():
            msg_el = root.find(".//returnAuthMsg")
            return code_el.text.strip(), ((msg_el.text or "").strip() if msg_el is not None else "")
        code_el = root.find(".//header/resultCode")
        if code_el is not None and (code_el.text or "").strip():
            msg_el = root.find(".//header/resultMsg")
            return code_el.text.strip(), ((msg_el.text or "").strip() if msg_el is not None else "")
        return None
    for code_re, msg_re in ((_XML_CODE_RE, _XML_MSG_RE), (_XML_RESULT_CODE_RE, _XML_RESULT_MSG_RE)):
        code_match = code_re.search(text)
        if code_match:
            msg_match = msg_re.search(text)
            return code_match.group(1), (msg_match.group(1) if msg_match else "")
    return None


# --------------------------------------------------------------------------------------------
# Redaction
# --------------------------------------------------------------------------------------------


def redact_url(url: str, secret_params: Iterable[str] = SECRET_PARAM_NAMES) -> str:
    """Return ``url`` with the values of the secret query parameters replaced by ``***``.

    Works on the raw query string so every other parameter stays byte-for-byte as sent.
    Names are compared case-insensitively: over-redacting a look-alike is harmless, leaking is not.
    """
    names = {name.casefold() for name in secret_params}
    parts = urlsplit(url)
    if not parts.query:
        return url
    pieces = []
    for piece in parts.query.split("&"):
        name, sep, _value = piece.partition("=")
        if sep and unquote_plus(name).casefold() in names:
            piece = f"{name}=***"
        pieces.append(piece)
    return urlunsplit(parts._replace(query="&".join(pieces)))


def _secret_forms(secret: str) -> set[str]:
    """Every spelling under which ``secret`` may appear in a URL, a log line or an error body."""
    forms = {secret}
    decoded = unquote(secret)
    forms.add(decoded)  # the key was configured URL-encoded ("Encoding" key on data.go.kr)
    for base in (secret, decoded):
        for encoded in (quote(base, safe=""), quote_plus(base, safe=""), quote(base), quote_plus(base)):
            forms.add(encoded)
            forms.add(quote(encoded, safe=""))  # double-encoded, e.g. %2B -> %252B
    return {form for form in forms if form}


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Remove every literal occurrence of each secret (raw and URL-encoded forms) from ``text``."""
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms |= _secret_forms(secret)
    if not forms or not text:
        return text
    # Longest first so "abc%2B" is replaced whole rather than leaving its tail behind.
    pattern = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    # Case-insensitive so lower-case percent escapes (%2b) are caught too.
    return re.sub(pattern, "***", text, flags=re.IGNORECASE)


_SECRET_PARAM_VALUE_RE = re.compile(
    r"((?:^|[?&;\s])(?:" + "|".join(re.escape(n) for n in SECRET_PARAM_NAMES) + r")=)[^&\s\"']*", re.IGNORECASE
)


class _SecretLogFilter(logging.Filter):
    """Redacts keys from third-party log records that contain request URLs.

    urllib3 logs every request line (``"GET /path?serviceKey=... HTTP/1.1" 200``) at DEBUG,
    so turning on debug logging would otherwise leak every key. Installed once per process
    on urllib3's loggers by :class:`ApiClient`; it knows every key any client was given.
    """

    def __init__(self) -> None:
        super().__init__("wfb-secret-redaction")
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not ours to fix
            return True
        redacted = redact_text(_SECRET_PARAM_VALUE_RE.sub(r"\1***", message), list(self.secrets))
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_LOG_FILTER = _SecretLogFilter()
_URL_LOGGING_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.poolmanager", "urllib3.util.retry")


def _protect_third_party_logs(secrets: Iterable[str]) -> None:
    _LOG_FILTER.secrets.update(s for s in secrets if s)
    for name in _URL_LOGGING_LOGGERS:
        logger = logging.getLogger(name)
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)


# --------------------------------------------------------------------------------------------
# Response cache
# --------------------------------------------------------------------------------------------


@runtime_checkable
class ResponseCache(Protocol):
    """Byte cache of successful raw responses, keyed by :func:`cache_key`."""

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, ttl_s: int) -> None: ...


def _canonical_params(params: Mapping[str, Any], exclude: Iterable[str]) -> dict[str, str]:
    """Params as sorted strings without secrets, so ``1`` and ``"1"`` give the same key."""
    excluded = {name.casefold() for name in exclude}
    return {str(k): str(v) for k, v in sorted(params.items()) if str(k).casefold() not in excluded}


def _params_hash(params: Mapping[str, str]) -> str:
    payload = json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def cache_key(
    service: str, operation: str, params: Mapping[str, Any], *, exclude: Iterable[str] = SECRET_PARAM_NAMES
) -> str:
    """Deterministic cache key ``service:operation:<sha256 of sorted params>``.

    Key parameters are excluded so a key rotation does not invalidate the cache and the key
    never reaches the cache store; the readable prefix lets an operator find or flush one
    operation's entries.
    """
    return f"{service}:{operation}:{_params_hash(_canonical_params(params, exclude))}"


class RedisResponseCache:
    """:class:`ResponseCache` on a redis-py client (shared between runs and workers)."""

    def __init__(self, redis_client: Any, prefix: str = "wfb:api:", breaker: Any = None) -> None:
        self._redis = redis_client
        self._prefix = prefix
        # A core.breaker.CircuitBreaker: a stalled Redis is bypassed after a few failures, not waited on.
        self._breaker = breaker

    def get(self, key: str) -> bytes | None:
        if self._breaker is not None:
            return self._breaker.call(self._get, key, default=None)
        return self._get(key)

    def _get(self, key: str) -> bytes | None:
        value = self._redis.get(self._prefix + key)
        if value is None:
            return None
        # Tolerate clients created with decode_responses=True.
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)

    def set(self, key: str, value: bytes, ttl_s: int) -> None:
        if ttl_s <= 0:
            return
        if self._breaker is not None:
            self._breaker.call(self._set, key, value, ttl_s)
            return
        self._set(key, value, ttl_s)

    def _set(self, key: str, value: bytes, ttl_s: int) -> None:
        self._redis.set(self._prefix + key, value, ex=int(ttl_s))


class InMemoryResponseCache:
    """:class:`ResponseCache` in a dict with expiry, for embedded/single-process runs and tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._data: dict[str, tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            expires_at, value = entry
            if self._clock() >= expires_at:
                del self._data[key]
                return None
            return value

    def set(self, key: str, value: bytes, ttl_s: int) -> None:
        if ttl_s <= 0:
            return
        with self._lock:
            self._data[key] = (self._clock() + ttl_s, bytes(value))

    def __len__(self) -> int:
        return len(self._data)


# --------------------------------------------------------------------------------------------
# Raw archive
# --------------------------------------------------------------------------------------------


@runtime_checkable
class RawArchive(Protocol):
    """Write-once store of raw successful responses, for replay and audit."""

    def put(
        self, service: str, operation: str, params: Mapping[str, Any], body: bytes, fetched_at: datetime
    ) -> str: ...

    def expire(self, older_than: datetime, dry_run: bool) -> list[tuple[str, int]]: ...


_UNSAFE_SEGMENT_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def _archive_relpath(service: str, operation: str, params: Mapping[str, str], fetched_at: datetime) -> str:
    """``service/operation/YYYY/MM/DD/<hash>.json.gz`` with the date taken in UTC.

    Each path segment is sanitised (operation names contain ``/``, and nothing from a caller
    may escape the archive root with ``..``). A re-fetch of the same request on the same day
    overwrites the earlier copy, which keeps re-runs idempotent.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware (naive timestamps put files on the wrong day)")
    segments = [
        _UNSAFE_SEGMENT_CHARS.sub("_", seg)
        for seg in [service, *operation.split("/")]
        if seg not in ("", ".", "..")
    ]
    day = fetched_at.astimezone(timezone.utc)
    return "/".join([*segments, f"{day:%Y}", f"{day:%m}", f"{day:%d}", f"{_params_hash(params)}.json.gz"])


def _archive_payload(
    service: str, operation: str, params: Mapping[str, str], body: bytes, fetched_at: datetime
) -> bytes:
    """Gzip'd JSON envelope: the request (without key) and the raw body as text."""
    envelope = {
        "service": service,
        "operation": operation,
        "params": dict(params),
        "fetched_at": fetched_at.isoformat(),
        "body": body.decode("utf-8", errors="replace"),
    }
    # mtime=0: identical input gives identical bytes, so re-archiving is byte-stable. Level 6 (gzip's own
    # default, not Python's 9): a KMA page compresses 5x faster for 15 % more bytes, and every fetched page
    # is archived on the hot path of each weather and catalogue step.
    return gzip.compress(json.dumps(envelope, ensure_ascii=False).encode("utf-8"), compresslevel=6, mtime=0)


def _is_expired(relpath: str, older_than: datetime) -> bool:
    """True when the whole UTC day encoded in ``.../YYYY/MM/DD/<hash>.json.gz`` ends before the cutoff."""
    parts = relpath.split("/")
    if len(parts) < 4 or not parts[-1].endswith(".json.gz"):
        return False
    try:
        day = datetime(int(parts[-4]), int(parts[-3]), int(parts[-2]), tzinfo=timezone.utc)
    except ValueError:
        return False  # not one of ours: never delete what we cannot date
    if older_than.tzinfo is None:
        raise ValueError("older_than must be timezone-aware")
    return day + timedelta(days=1) <= older_than


class LocalRawArchive:
    """:class:`RawArchive` on the local filesystem under ``root_dir``."""

    def __init__(self, root_dir: str | Path) -> None:
        self.root = Path(root_dir)

    def put(
        self, service: str, operation: str, params: Mapping[str, Any], body: bytes, fetched_at: datetime
    ) -> str:
        clean = _canonical_params(params, SECRET_PARAM_NAMES)
        path = self.root / _archive_relpath(service, operation, clean, fetched_at)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename so a crash never leaves a half-written archive file behind.
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(_archive_payload(service, operation, clean, body, fetched_at))
        tmp.replace(path)
        return str(path)

    def expire(self, older_than: datetime, dry_run: bool) -> list[tuple[str, int]]:
        """Delete (unless ``dry_run``) files whose day is entirely before ``older_than``."""
        expired: list[tuple[str, int]] = []
        if not self.root.exists():
            return expired
        for path in sorted(self.root.rglob("*.json.gz")):
            if _is_expired(path.relative_to(self.root).as_posix(), older_than):
                expired.append((str(path), path.stat().st_size))
                if not dry_run:
                    path.unlink()
        return expired


class S3RawArchive:
    """:class:`RawArchive` in S3 (or any S3-compatible store) through a boto3 client."""

    def __init__(self, s3_client: Any, bucket: str, prefix: str = "raw", *, page_size: int = 1000) -> None:
        self._s3 = s3_client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._page_size = page_size

    def _key(self, relpath: str) -> str:
        return f"{self.prefix}/{relpath}" if self.prefix else relpath

    def put(
        self, service: str, operation: str, params: Mapping[str, Any], body: bytes, fetched_at: datetime
    ) -> str:
        clean = _canonical_params(params, SECRET_PARAM_NAMES)
        key = self._key(_archive_relpath(service, operation, clean, fetched_at))
        # No ContentEncoding=gzip: the object *is* a .json.gz file and must download as such.
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=_archive_payload(service, operation, clean, body, fetched_at),
            ContentType="application/gzip",
        )
        return f"s3://{self.bucket}/{key}"

    def expire(self, older_than: datetime, dry_run: bool) -> list[tuple[str, int]]:
        """Delete (unless ``dry_run``) objects whose day is entirely before ``older_than``."""
        list_prefix = f"{self.prefix}/" if self.prefix else ""
        paginator = self._s3.get_paginator("list_objects_v2")
        expired: list[tuple[str, int]] = []
        keys: list[str] = []
        for page in paginator.paginate(
            Bucket=self.bucket, Prefix=list_prefix, PaginationConfig={"PageSize": self._page_size}
        ):
            for obj in page.get("Contents", []):
                if _is_expired(obj["Key"][len(list_prefix):], older_than):
                    expired.append((f"s3://{self.bucket}/{obj['Key']}", int(obj["Size"])))
                    keys.append(obj["Key"])
        if not dry_run:
            for start in range(0, len(keys), 1000):  # delete_objects accepts at most 1000 keys
                chunk = keys[start:start + 1000]
                response = self._s3.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
                )
                errors = response.get("Errors") or []
                if errors:
                    first = errors[0]
                    raise RuntimeError(
                        f"S3 refused to delete {len(errors)} archive object(s) in {self.bucket}, "
                        f"first {first.get('Key')}: {first.get('Code')} {first.get('Message')}"
                    )
        return expired


# --------------------------------------------------------------------------------------------
# Client
# --------------------------------------------------------------------------------------------


@dataclass
class ApiStats:
    """Counters for one client, reported as run metadata.

    ``calls``: HTTP requests sent (cache hits excluded); ``retries``: requests re-sent after a
    transient failure; ``key_rotations``: switches to the next key after a quota answer;
    ``failures``: :meth:`ApiClient.get_json` calls that ended in an exception.
    """

    calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    key_rotations: int = 0
    failures: int = 0

    def as_metadata(self) -> dict[str, int]:
        return dataclasses.asdict(self)


class _QuotaSignal(Exception):
    """Internal: the current key answered code 22; the client rotates and never lets this escape."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_KEY_CODES = frozenset({20, 21, 30, 31, 32, 33})
#: Parameters that switch a data.go.kr service to JSON: KMA ``dataType``, KTO ``_type``, AirKorea ``returnType``.
_JSON_SWITCH_PARAMS = ("dataType", "_type", "returnType")


class ApiClient:
    """GET-and-parse client for one data.go.kr style service with retry, key rotation, cache and archive.

    Thread-safe for concurrent :meth:`get_json` calls (key state and stats are lock-protected).
    """

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        keys: Sequence[str],
        key_param: str = "serviceKey",
        key_setting_name: str = "API key setting",
        extra_params: Mapping[str, str] | None = None,
        timeout_s: float = 10.0,
        max_attempts: int = 4,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        cache: ResponseCache | None = None,
        archive: RawArchive | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        logger: logging.Logger | None = None,
        ledger: Any = None,
        daily_limit: int | None = None,
    ) -> None:
        """``ledger`` (core.quota) shares the day's calls and spent keys with every other process;
        ``daily_limit``: calls per key and operation a day, after which a key counts as spent."""
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.service = service
        self.base_url = base_url.rstrip("/")
        # data.go.kr hands out an "Encoding" (already percent-encoded) and a "Decoding" key;
        # the query string is encoded here, so decode first or the gateway would see %252B.
        self._keys = [unquote(k.strip()) for k in keys if k and k.strip()]
        self._secrets = sorted({k.strip() for k in keys if k and k.strip()} | set(self._keys))
        self.key_param = key_param
        self.key_setting_name = key_setting_name
        self.extra_params = {str(k): str(v) for k, v in (extra_params or {}).items()}
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.cache = cache
        self.archive = archive
        self.session = session or requests.Session()
        self._sleep = sleep
        self._rng = rng
        self.log = logger or logging.getLogger(__name__)
        self._secret_param_names = tuple({*SECRET_PARAM_NAMES, key_param})
        _protect_third_party_logs(self._secrets)
        self._spent: set[int] = set()
        self._key_index = 0
        self._lock = threading.Lock()
        self.stats = ApiStats()
        self.ledger = ledger
        self.daily_limit = daily_limit
        self._ledger_checked_at = -math.inf

    # -- helpers ---------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """Remove every form of this client's keys from ``text``."""
        return redact_text(text, self._secrets)

    def _error(self, cls: type[ApiError], message: str, operation: str, code: str | None = None) -> ApiError:
        return cls(self.redact(message), service=self.service, operation=operation, code=code)

    def _bump(self, field: str, n: int = 1) -> None:
        with self._lock:
            setattr(self.stats, field, getattr(self.stats, field) + n)

    @property
    def live_key_count(self) -> int:
        """Number of configured keys not yet reported as over quota."""
        return len(self._keys) - len(self._spent)

    def _sync_spent(self, operation: str) -> None:
        """Keys another process found spent today are skipped here too (asked at most once a second)."""
        from weather_flick_batch.core.quota import key_id, quota_day

        if self.ledger is None or time.monotonic() - self._ledger_checked_at < 1.0:
            return
        self._ledger_checked_at = time.monotonic()
        try:
            shared = self.ledger.spent(self.service, quota_day())
        except Exception as exc:  # noqa: BLE001 - the ledger is shared bookkeeping, never a reason to fail
            self.log.warning("%s quota ledger unavailable (%s)", self.service, type(exc).__name__)
            return
        for index, key in enumerate(self._keys):
            if key_id(key) in shared and index not in self._spent:
                self._mark_spent(index, operation, "another process found it spent today", share=False)

    def _count_use(self, index: int, key: str, operation: str) -> None:
        """One call the gateway saw, in the shared ledger; the configured daily limit spends the key."""
        from weather_flick_batch.core.quota import quota_day

        if self.ledger is None:
            return
        try:
            used = self.ledger.add_use(self.service, operation, key, quota_day())
        except Exception as exc:  # noqa: BLE001
            self.log.warning("%s quota ledger unavailable (%s)", self.service, type(exc).__name__)
            return
        if self.daily_limit and used >= self.daily_limit:
            self._mark_spent(index, operation, f"{used:,} calls today reached the configured daily limit "
                                               f"{self.daily_limit:,}")

    def _current_key(self, operation: str) -> tuple[int, str]:
        self._sync_spent(operation)
        with self._lock:
            if not self._keys:
                raise self._error(
                    ApiConfigurationError,
                    f"No {self.service} API key is configured: set {self.key_setting_name}",
                    operation,
                )
            if len(self._spent) == len(self._keys):
                raise self._error(
                    QuotaExhaustedError,
                    f"{self.service} daily quota is exhausted on all {len(self._keys)} configured key(s) "
                    f"(LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR, code 22): wait for the daily "
                    f"reset or add keys to {self.key_setting_name}",
                    operation,
                    "22",
                )
            return self._key_index, self._keys[self._key_index]

    def _mark_spent(self, index: int, operation: str, reason: str, share: bool = True) -> None:
        if share and self.ledger is not None:
            from weather_flick_batch.core.quota import quota_day

            try:
                self.ledger.mark_spent(self.service, self._keys[index], quota_day())
            except Exception as exc:  # noqa: BLE001
                self.log.warning("%s quota ledger unavailable (%s)", self.service, type(exc).__name__)
        with self._lock:
            if index in self._spent:
                return  # another thread already rotated away from this key
            self._spent.add(index)
            live = [i for i in range(len(self._keys)) if i not in self._spent]
            if live:
                # Next live key after the spent one, wrapping around.
                self._key_index = min(live, key=lambda i: (i - index) % len(self._keys))
                self.stats.key_rotations += 1
            next_key = self._key_index
        self.log.warning(
            "%s %s: key #%d of %d is over quota (%s); %s",
            self.service, operation, index + 1, len(self._keys), reason,
            f"switching to key #{next_key + 1}" if live else "no key left",
        )

    def _config_message(self, code_value: int, name: str, code: str, operation: str) -> str:
        """Human message for a configuration code, naming the setting that is probably wrong."""
        what = f"({name}, code {code})"
        if code_value == 32:
            return (f"{self.service} rejected the call because this machine's IP is not registered for the key "
                    f"{what}: register the IP on the portal or check {self.key_setting_name}")
        if code_value in _KEY_CODES:
            return f"{self.service} rejected the API key {what}: check {self.key_setting_name}"
        if code_value == 12:
            return f"{self.service} has no operation {operation!r} {what}: check the base URL and operation name"
        return f"{self.service} rejected the request parameters for {operation} {what}: check the request parameters"

    def _raise_for_code(self, code: str, msg: str, operation: str, source: str) -> None:
        """Raise the error that result ``code`` stands for; return quietly on success."""
        cls = classify_result_code(code)
        if cls is None:
            return
        value = _code_int(code)
        name = msg or RESULT_CODE_NAMES.get(value if value is not None else -1, "unknown error")
        if cls is QuotaExhaustedError:
            raise _QuotaSignal(f"{name}, code {code}")
        if cls is NoDataError:
            raise self._error(
                NoDataError,
                f"{self.service} has no data for {operation} ({name}, code {code}): the issuance is not "
                f"published yet or is too old to be served",
                operation, code,
            )
        if cls is ApiConfigurationError:
            raise self._error(cls, self._config_message(value or 0, name, code, operation), operation, code)
        if cls is TransientApiError:
            raise self._error(cls, f"{self.service} {operation} failed temporarily ({name}, code {code}, {source})",
                              operation, code)
        raise self._error(ApiError, f"{self.service} {operation} returned unknown result code {code!r} ({name})",
                          operation, code)

    def _parse(self, status: int, body: bytes, operation: str) -> dict:
        """Classify one HTTP response; return the decoded JSON on success."""
        xml = parse_gateway_xml(body) if body.lstrip()[:1] == b"<" else None
        if xml is not None:
            code, msg = xml
            self._raise_for_code(code, msg, operation, f"XML, HTTP {status}")
            # A success code in XML means the JSON switch (dataType / _type / returnType) is missing.
            switch = next((n for n in self.extra_params if n in _JSON_SWITCH_PARAMS), "dataType/_type/returnType")
            raise self._error(
                ApiConfigurationError,
                f"{self.service} {operation} answered XML although JSON was requested: check the "
                f"{switch} parameter",
                operation, code,
            )
        if status >= 500 or status == 429:
            raise self._error(TransientApiError, f"{self.service} {operation} failed temporarily (HTTP {status})",
                              operation)
        if status >= 400:
            hint = (f"check {self.key_setting_name}" if status in (401, 403)
                    else "check the base URL, operation name and parameters")
            raise self._error(ApiConfigurationError, f"{self.service} {operation} rejected the request "
                              f"(HTTP {status}): {hint}", operation)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise self._error(
                MalformedResponseError,
                f"{self.service} {operation} returned an unparseable or truncated body "
                f"({len(body)} bytes, HTTP {status})",
                operation,
            ) from None
        response = data.get("response") if isinstance(data, dict) else None
        header = response.get("header") if isinstance(response, dict) else None
        if not isinstance(header, dict):
            raise self._error(MalformedResponseError,
                              f"{self.service} {operation} returned JSON without response.header", operation)
        code = str(header.get("resultCode", "")).strip()
        self._raise_for_code(code, str(header.get("resultMsg", "") or ""), operation, f"HTTP {status}")
        return data

    def _send(self, url: str, operation: str) -> tuple[int, bytes]:
        """One GET; transport failures become redacted :class:`ApiError`s with no chained cause."""
        self._bump("calls")
        self.log.debug("%s GET %s", self.service, self.redact(redact_url(url, self._secret_param_names)))
        try:
            response = self.session.get(url, timeout=self.timeout_s)
            return response.status_code, response.content
        except requests.Timeout:
            err = self._error(TransientApiError, f"{self.service} {operation} timed out after {self.timeout_s:g}s",
                              operation)
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            err = self._error(ApiConfigurationError, f"{self.service} base URL {self.base_url!r} is not usable "
                              f"({type(exc).__name__}): check the base URL setting", operation)
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            err = self._error(MalformedResponseError,
                              f"{self.service} {operation} response was cut off ({type(exc).__name__})", operation)
        except requests.RequestException as exc:
            # requests' own messages embed the full URL (with the key): keep only the class name.
            err = self._error(TransientApiError,
                              f"{self.service} {operation} connection failed ({type(exc).__name__})", operation)
        raise err  # raised outside the except block so the requests exception is not chained

    def _backoff(self, failed_attempts: int) -> float:
        """Full-jitter exponential backoff: uniform in [0, min(max, base * 2**n)] for the n-th retry (0-based)."""
        return self._rng() * min(self.backoff_max_s, self.backoff_base_s * 2 ** (failed_attempts - 1))

    # -- public ----------------------------------------------------------------------------

    def get_json(self, operation: str, params: Mapping[str, str | int], *, cache_ttl_s: int | None = None) -> dict:
        """GET ``base_url/operation`` and return the decoded JSON of a successful response.

        The cache is consulted and filled only when ``cache_ttl_s`` is given, so callers opt in
        per operation (a nowcast must never come from a stale cache). Raises a subclass of
        :class:`ApiError`; transient failures are retried ``max_attempts`` times in total,
        quota answers rotate keys without counting as attempts.
        """
        query = {**self.extra_params, **{str(k): str(v) for k, v in params.items()}}
        if any(name.casefold() in {n.casefold() for n in self._secret_param_names} for name in query):
            raise ValueError(f"pass API keys through keys=..., not in params (found {self.key_param!r}-like name)")
        url_base = f"{self.base_url}/{operation.lstrip('/')}"
        key_for_cache = cache_key(self.service, operation, query, exclude=self._secret_param_names)

        if self.cache is not None and cache_ttl_s:
            cached = self._cache_get(key_for_cache)
            if cached is not None:
                try:
                    data = json.loads(cached)
                except ValueError:
                    data = None  # corrupt entry: fall through and refetch
                if isinstance(data, dict):
                    self._bump("cache_hits")
                    return data

        failed = 0
        while True:
            try:
                index, key = self._current_key(operation)
                url = f"{url_base}?{urlencode({self.key_param: key, **query})}"
                status, body = self._send(url, operation)
                self._count_use(index, key, operation)  # the gateway saw it, whatever it answered
                data = self._parse(status, body, operation)
            except _QuotaSignal as signal:
                self._mark_spent(index, operation, signal.reason)
                continue  # immediately, with the next key; not a failed attempt
            except TransientApiError as exc:
                failed += 1
                if failed >= self.max_attempts:
                    self._bump("failures")
                    raise self._error(type(exc), f"{exc} - gave up after {failed} attempt(s)", operation,
                                      exc.code) from None
                delay = self._backoff(failed)
                self._bump("retries")
                self.log.warning("%s (attempt %d of %d); retrying in %.2fs", exc, failed, self.max_attempts, delay)
                self._sleep(delay)
                continue
            except ApiError:
                self._bump("failures")
                raise
            break

        if self.cache is not None and cache_ttl_s:
            self._cache_set(key_for_cache, body, cache_ttl_s)
        if self.archive is not None:
            # Archive failures must not lose a good response, but they must be visible.
            try:
                self.archive.put(self.service, operation, query, body, datetime.now(timezone.utc))
            except Exception as exc:  # noqa: BLE001 - any storage backend error
                self.log.warning("%s %s: raw archive write failed: %s", self.service, operation,
                                 self.redact(f"{type(exc).__name__}: {exc}"))
        return data

    # The cache is an optimisation: a Redis outage must not fail a run that could still call the API.
    def _cache_get(self, key: str) -> bytes | None:
        try:
            return self.cache.get(key) if self.cache is not None else None
        except Exception as exc:  # noqa: BLE001
            self.log.warning("%s response cache read failed (%s); calling the API", self.service, type(exc).__name__)
            return None

    def _cache_set(self, key: str, body: bytes, ttl_s: int) -> None:
        try:
            if self.cache is not None:
                self.cache.set(key, body, ttl_s)
        except Exception as exc:  # noqa: BLE001
            self.log.warning("%s response cache write failed (%s)", self.service, type(exc).__name__)


def _dig(data: Any, path: Sequence[str]) -> Any:
    for name in path:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data


#: How often a page that came back empty although ``totalCount`` promises more is asked again.
EMPTY_PAGE_RETRIES = 2


class IncompleteListingError(TransientApiError):
    """A listing page came back empty while ``totalCount`` promised more items."""


def _page_items(data: Any, items_path: Sequence[str], total_path: Sequence[str]) -> tuple[list[dict], int | None]:
    raw = _dig(data, items_path)  # None when "items" is "" (empty page)
    if isinstance(raw, dict):
        page_items = [raw]  # a lone result comes as an object
    elif isinstance(raw, list):
        page_items = [item for item in raw if isinstance(item, dict)]
    else:
        page_items = []
    try:
        total = int(str(_dig(data, total_path)).strip())
    except ValueError:
        total = None
    return page_items, total


def fetch_all_pages(
    client: ApiClient,
    operation: str,
    params: Mapping[str, str | int],
    *,
    page_size: int,
    items_path: Sequence[str] = ("response", "body", "items", "item"),
    cache_ttl_s: int | None = None,
    total_path: Sequence[str] | None = None,
) -> tuple[list[dict], int]:
    """Read every page of a paged operation; return ``(items, pages_fetched)``.

    Calls exactly ``ceil(totalCount / page_size)`` pages (one when the total is zero), with
    ``totalCount`` re-read on each page in case it changes mid-crawl. Copes with the
    TourAPI quirks: ``"items": ""`` on an empty page and a lone object instead of a list.
    ``totalCount`` is read next to ``items`` (``items_path[:-2] + ("totalCount",)``) unless
    ``total_path`` says otherwise: AirKorea's ``body.items`` *is* the array, so it passes
    ``items_path=("response", "body", "items")`` and ``total_path=("response", "body", "totalCount")``.

    A page with no items while ``totalCount`` promises more is a transient fault of the server,
    never the end of the listing: a full sync that believed it would withdraw everything not yet
    read. The page is asked again, past the cache, :data:`EMPTY_PAGE_RETRIES` times; if it stays
    empty, :class:`IncompleteListingError` (transient: the step retries) ends the crawl, and the
    caller writes nothing.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    total_path = tuple(total_path) if total_path is not None else (*items_path[:-2], "totalCount")
    items: list[dict] = []
    total: int | None = None
    page = 0
    while True:
        page += 1
        query = {**params, "numOfRows": page_size, "pageNo": page}
        data = client.get_json(operation, query, cache_ttl_s=cache_ttl_s)
        page_items, total = _page_items(data, items_path, total_path)
        retries = 0
        while not page_items and total is not None and len(items) < total:
            if retries == EMPTY_PAGE_RETRIES:
                raise IncompleteListingError(
                    f"{client.service} {operation} page {page} came back empty although totalCount is {total} "
                    f"({len(items)} read so far): treated as a transient server fault, nothing is written",
                    service=client.service, operation=operation)
            retries += 1
            time.sleep(min(0.5 * retries, 2.0))
            data = client.get_json(operation, query, cache_ttl_s=None)  # past the cache: ask the server again
            page_items, total = _page_items(data, items_path, total_path)
        items.extend(page_items)
        if total is None:
            if len(page_items) < page_size:  # no usable totalCount: stop at the first short page
                break
        elif not page_items or page >= max(1, math.ceil(total / page_size)):
            break
    if total is not None and len(items) != total:
        client.log.warning(
            "%s %s: read %d items in %d page(s) but totalCount is %d (data changed during the crawl, "
            "or the server capped numOfRows below %d)", client.service, operation, len(items), page, total, page_size,
        )
    return items, page

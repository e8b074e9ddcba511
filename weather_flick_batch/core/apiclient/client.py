"""The client: GET with retry and full-jitter backoff, over key rotation, decoding, cache and archive.

Transient failures are retried with backoff, quota answers rotate keys (:mod:`.keys`) without
counting as attempts, every answer is classified by :mod:`.decoding`, and successful bodies are
cached (:mod:`.cache`) and archived (:mod:`.archive`). Exceptions raised by ``requests`` (whose
messages contain the full URL, key included) are never chained.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence
from urllib.parse import unquote, urlencode

from weather_flick_batch.core.apiclient.archive import RawArchive
from weather_flick_batch.core.apiclient.cache import ResponseCache, cache_key
from weather_flick_batch.core.apiclient.decoding import ResponseDecodingMixin, _QuotaSignal
from weather_flick_batch.core.apiclient.errors import (
    ApiConfigurationError,
    ApiError,
    MalformedResponseError,
    TransientApiError,
)
from weather_flick_batch.core.apiclient.keys import KeyRotationMixin
from weather_flick_batch.core.apiclient.redaction import (
    SECRET_PARAM_NAMES,
    _protect_third_party_logs,
    redact_text,
    redact_url,
)

if TYPE_CHECKING:  # requests (with urllib3) is imported by the first client: not at code-location load
    import requests

#: The logger a client uses when given none: the name it has always had, before the package split.
LOGGER_NAME = "weather_flick_batch.core.apiclient"


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


class ApiClient(KeyRotationMixin, ResponseDecodingMixin):
    """GET-and-parse client for one data.go.kr style service with retry, key rotation, cache and archive.

    Key rotation and the quota ledger come from :class:`KeyRotationMixin`, the classification of
    each answer from :class:`ResponseDecodingMixin`. Thread-safe for concurrent :meth:`get_json`
    calls (key state and stats are lock-protected).
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
        if session is None:
            import requests

            session = requests.Session()
        self.session = session
        self._sleep = sleep
        self._rng = rng
        self.log = logger or logging.getLogger(LOGGER_NAME)
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

    def _send(self, url: str, operation: str) -> tuple[int, bytes]:
        """One GET; transport failures become redacted :class:`ApiError`s with no chained cause."""
        import requests

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

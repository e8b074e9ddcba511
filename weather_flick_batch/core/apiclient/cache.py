"""Response cache: successful raw responses by request (Redis or in-memory), so re-runs do not spend quota twice."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any, Callable, Iterable, Mapping, Protocol, runtime_checkable

from weather_flick_batch.core.apiclient.redaction import SECRET_PARAM_NAMES


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

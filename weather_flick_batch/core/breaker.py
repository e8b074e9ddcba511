"""Circuit breakers for optional services (the Redis response cache first).

An optional service that accepts connections and never answers makes every call wait its full
timeout: a job of 5 s took 58 s against a stalled Redis. A breaker counts consecutive failures;
after ``failures`` of them it opens and every call is skipped at once (the caller's fallback: no
cache) for ``cool_off_s``; then one trial call is let through, and a success closes it again. It
warns once when it opens and once when it closes, not on every skipped call.

Breakers are shared per service within a process (:func:`breaker_for`), so every step and client
that talks to the same Redis learns from the others' timeouts. Dagster-free.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class CircuitBreaker:
    def __init__(self, name: str, *, failures: int = 3, cool_off_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, warn: Callable[[str], None] | None = None) -> None:
        if failures < 1 or cool_off_s <= 0:
            raise ValueError("a breaker needs failures >= 1 and cool_off_s > 0")
        self.name = name
        self.failures = failures
        self.cool_off_s = cool_off_s
        self._clock = clock
        self.warn = warn or (lambda message: None)
        self._lock = threading.Lock()
        self._consecutive = 0
        self._open_until: float | None = None
        self.skipped = 0
        self.opened = 0

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._open_until is not None and self._clock() < self._open_until

    def call(self, fn: Callable[..., T], *args: Any, default: T | None = None) -> T | None:
        """``fn(*args)``, or ``default`` at once while open; a failure counts and returns ``default``."""
        with self._lock:
            if self._open_until is not None and self._clock() < self._open_until:
                self.skipped += 1
                return default
            trial = self._open_until is not None  # cool-off over: this call decides
        try:
            result = fn(*args)
        except Exception as exc:  # noqa: BLE001 - an optional service's failure is never the caller's
            self._failed(exc, trial)
            return default
        self._succeeded(trial)
        return result

    def _failed(self, exc: BaseException, trial: bool) -> None:
        with self._lock:
            self._consecutive += 1
            if trial or self._consecutive >= self.failures:
                self._open_until = self._clock() + self.cool_off_s
                self.opened += 1
                message = (f"{self.name}: {self._consecutive} failures in a row ({type(exc).__name__}); "
                           f"bypassed for {self.cool_off_s:g} s, the platform carries on without it")
            else:
                return
        self.warn(message)

    def _succeeded(self, trial: bool) -> None:
        with self._lock:
            self._consecutive = 0
            self._open_until = None
        if trial:
            self.warn(f"{self.name}: answering again; no longer bypassed")


_BREAKERS: dict[str, CircuitBreaker] = {}
_REGISTRY_LOCK = threading.Lock()


def breaker_for(name: str, **kwargs: Any) -> CircuitBreaker:
    """The process-wide breaker of ``name`` (created with ``kwargs`` on first use); ``warn`` is
    updated on every call so messages reach the step that is running now."""
    with _REGISTRY_LOCK:
        breaker = _BREAKERS.get(name)
        if breaker is None:
            breaker = _BREAKERS[name] = CircuitBreaker(name, **kwargs)
        elif "warn" in kwargs and kwargs["warn"] is not None:
            breaker.warn = kwargs["warn"]
        return breaker


def reset_breakers() -> None:
    """Forget every breaker (tests, and a process that knows the services were fixed)."""
    with _REGISTRY_LOCK:
        _BREAKERS.clear()

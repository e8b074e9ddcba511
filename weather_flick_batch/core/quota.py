"""API quota accounting shared by every process: daily calls per key and operation, spent keys.

data.go.kr counts calls per key and operation and resets at midnight KST (development keys: about
10,000 a day for KMA, 1,000 for TourAPI). Each API client used to know only its own calls and its
own "quota spent" answers, so two workers each learned the hard way, and nobody saw the day's use
approach the limit. The ledger is shared (Redis): every call the gateway saw is counted under the
KST day; a key one process found spent (result code 22, or the configured daily limit reached) is
skipped by every process until the day turns; and the health asset reads the day's use against the
limit (warning at 0.8, error at 0.95 by default) and plots it.

Keys never reach the ledger: a key is known by :func:`key_id`, a short SHA-256 prefix.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

KST = timezone(timedelta(hours=9))
# A day's counters outlive the day by a day: late readers (the health asset at 00:02) still see them.
_TTL_S = 2 * 86_400


def key_id(key: str) -> str:
    """How the ledger names an API key: 10 hex digits of its SHA-256, never the key."""
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def quota_day(now: datetime | None = None) -> str:
    """The quota day (data.go.kr resets at midnight KST) as YYYYMMDD."""
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(KST).strftime("%Y%m%d")


class QuotaLedger(Protocol):
    def add_use(self, service: str, operation: str, key: str, day: str, n: int = 1) -> int:
        """Count ``n`` calls; the day's total of that key and operation afterwards."""

    def mark_spent(self, service: str, key: str, day: str) -> None: ...

    def spent(self, service: str, day: str) -> set[str]:
        """The key ids found spent today (by any process)."""

    def usage(self, service: str, day: str) -> dict[tuple[str, str], int]:
        """(key id, operation) -> calls today."""


class RedisQuotaLedger:
    """The ledger in Redis: one hash of counters and one set of spent keys per service and day.

    ``breaker`` (core.breaker) bypasses a stalled Redis like the response cache does; a ledger that
    cannot be reached never stops an API call (the gateway still enforces the quota).
    """

    def __init__(self, client: Any, prefix: str = "wfb:quota:", breaker: Any = None) -> None:
        self._redis, self.prefix, self.breaker = client, prefix, breaker

    def _key(self, service: str, day: str, what: str) -> str:
        return f"{self.prefix}{service}:{day}:{what}"

    def _call(self, fn, default):
        if self.breaker is None:
            return fn()
        return self.breaker.call(fn, default=default)

    def add_use(self, service: str, operation: str, key: str, day: str, n: int = 1) -> int:
        name = self._key(service, day, "use")

        def incr() -> int:
            pipe = self._redis.pipeline()
            pipe.hincrby(name, f"{key_id(key)}|{operation}", n)
            pipe.expire(name, _TTL_S)
            return int(pipe.execute()[0])

        return self._call(incr, 0)

    def mark_spent(self, service: str, key: str, day: str) -> None:
        name = self._key(service, day, "spent")

        def add() -> None:
            pipe = self._redis.pipeline()
            pipe.sadd(name, key_id(key))
            pipe.expire(name, _TTL_S)
            pipe.execute()

        self._call(add, None)

    def spent(self, service: str, day: str) -> set[str]:
        members = self._call(lambda: self._redis.smembers(self._key(service, day, "spent")), set())
        return {m.decode() if isinstance(m, bytes) else str(m) for m in members or ()}

    def usage(self, service: str, day: str) -> dict[tuple[str, str], int]:
        raw = self._call(lambda: self._redis.hgetall(self._key(service, day, "use")), {})
        out: dict[tuple[str, str], int] = {}
        for field, value in (raw or {}).items():
            text = field.decode() if isinstance(field, bytes) else str(field)
            kid, _, operation = text.partition("|")
            out[(kid, operation)] = int(value)
        return out


class InMemoryQuotaLedger:
    """The ledger of one process (embedded mode without Redis): counts, but shares nothing."""

    def __init__(self) -> None:
        self._use: dict[tuple[str, str, str, str], int] = {}
        self._spent: dict[tuple[str, str], set[str]] = {}
        self._lock = threading.Lock()

    def add_use(self, service: str, operation: str, key: str, day: str, n: int = 1) -> int:
        with self._lock:
            k = (service, day, key_id(key), operation)
            self._use[k] = self._use.get(k, 0) + n
            return self._use[k]

    def mark_spent(self, service: str, key: str, day: str) -> None:
        with self._lock:
            self._spent.setdefault((service, day), set()).add(key_id(key))

    def spent(self, service: str, day: str) -> set[str]:
        with self._lock:
            return set(self._spent.get((service, day), set()))

    def usage(self, service: str, day: str) -> dict[tuple[str, str], int]:
        with self._lock:
            return {(kid, op): n for (svc, d, kid, op), n in self._use.items() if svc == service and d == day}


def day_summary(usage: dict[tuple[str, str], int], keys: Iterable[str], daily_limit: int) -> dict[str, Any]:
    """The day's use of one service's configured keys against the per-operation limit.

    ``ratio``: the busiest key and operation's calls / ``daily_limit`` (what runs out first);
    ``per_key``: "key #n" -> {operation: calls}; calls of keys no longer configured count in ``calls``.
    """
    from urllib.parse import unquote

    ids = [key_id(unquote(k.strip())) for k in keys]  # as ApiClient names them (it decodes "Encoding" keys)
    per_key: dict[str, dict[str, int]] = {}
    busiest = ("", "", 0)
    for (kid, operation), calls in usage.items():
        label = f"key #{ids.index(kid) + 1}" if kid in ids else "an unconfigured key"
        per_key.setdefault(label, {})[operation] = calls
        if calls > busiest[2]:
            busiest = (label, operation, calls)
    return {"calls": sum(usage.values()), "ratio": busiest[2] / daily_limit if daily_limit else 0.0,
            "busiest": f"{busiest[0]} {busiest[1]}: {busiest[2]:,} of {daily_limit:,}" if busiest[2] else "no calls",
            "per_key": per_key}


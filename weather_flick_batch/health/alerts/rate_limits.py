"""Cooldown per (channel, alert key), hourly cap per channel, and the alerts still open.

:class:`RedisRateLimiter` decides atomically on a shared Redis (any number of processes);
:class:`InMemoryRateLimiter` makes the same decisions within one process (embedded mode).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from weather_flick_batch.health.alerts.message import Severity

__all__ = ["COOLDOWN", "HOURLY_CAP", "RateLimiter", "RedisRateLimiter", "InMemoryRateLimiter"]

#: Reasons a channel was skipped, as they appear in :attr:`DispatchReport.suppressed`.
COOLDOWN = "cooldown"
HOURLY_CAP = "hourly_cap"


@runtime_checkable
class RateLimiter(Protocol):
    """Decides, atomically, whether one channel may send one alert now, and tracks open alerts."""

    def acquire(self, channel: str, key: str, *, recovery: bool = False) -> str | None:
        """Claim a send: ``None`` if allowed (and counted), else the reason (COOLDOWN, HOURLY_CAP).

        ``recovery=True`` skips the cooldown (and does not start one) but counts toward the cap.
        """
        ...

    def reset_cooldown(self, channel: str, key: str) -> None:
        """Forget the cooldown of ``key`` on ``channel`` (after a failed send or a recovery)."""
        ...

    def mark_open(self, key: str, channel: str, severity: Severity) -> None:
        """Remember that ``channel`` was told about ``key`` at ``severity``."""
        ...

    def take_open(self, key: str) -> dict[str, Severity]:
        """Atomically return and forget the channels told about ``key`` (empty if none)."""
        ...


# KEYS[1] cooldown marker of (channel, key); KEYS[2] sorted set of this channel's sends in the window.
# ARGV: cooldown ms, max per window, unique member, "1" to bypass the cooldown, window ms.
# One script = one atomic decision on the server, whatever the number of processes. The server's
# clock is used so processes with skewed clocks still share one window.
_ACQUIRE_LUA = """
local bypass = ARGV[4] == '1'
if (not bypass) and redis.call('EXISTS', KEYS[1]) == 1 then
  return 'cooldown'
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then
  return 'hourly_cap'
end
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('PEXPIRE', KEYS[2], window)
if (not bypass) and tonumber(ARGV[1]) > 0 then
  redis.call('SET', KEYS[1], now, 'PX', ARGV[1])
end
return 'ok'
"""


class RedisRateLimiter:
    """Cooldown per (channel, alert key) and a sliding-hour cap per channel, in a shared Redis.

    Keys (``prefix`` default ``wfb:alerts:``): ``{channel}:cd:<alert key>`` (a marker expiring
    after the cooldown), ``{channel}:sent`` (sorted set of send times in the last hour) and
    ``open:<alert key>`` (hash channel -> severity, expiring after ``open_ttl_s`` so a condition
    that disappears without recovering does not stay open forever). The ``{channel}`` hash tag
    keeps one decision's keys in one slot on a Redis Cluster.
    """

    def __init__(
        self,
        redis_client: Any,
        cooldown_s: float = 300,
        max_per_hour: int = 20,
        prefix: str = "wfb:alerts:",
        *,
        window_s: float = 3600,
        open_ttl_s: float = 7 * 24 * 3600,
    ) -> None:
        if cooldown_s < 0 or max_per_hour < 0 or window_s <= 0 or open_ttl_s <= 0:
            raise ValueError("cooldown_s and max_per_hour must be >= 0, window_s and open_ttl_s > 0")
        self._redis = redis_client
        self.cooldown_s, self.max_per_hour, self.prefix = cooldown_s, int(max_per_hour), prefix
        self.window_s, self.open_ttl_s = window_s, open_ttl_s
        self._acquire = redis_client.register_script(_ACQUIRE_LUA)

    def _cooldown_key(self, channel: str, key: str) -> str:
        return f"{self.prefix}{{{channel}}}:cd:{key}"

    def _sent_key(self, channel: str) -> str:
        return f"{self.prefix}{{{channel}}}:sent"

    def _open_key(self, key: str) -> str:
        return f"{self.prefix}open:{key}"

    def acquire(self, channel: str, key: str, *, recovery: bool = False) -> str | None:
        result = self._acquire(
            keys=[self._cooldown_key(channel, key), self._sent_key(channel)],
            args=[int(self.cooldown_s * 1000), self.max_per_hour, uuid.uuid4().hex, "1" if recovery else "0",
                  int(self.window_s * 1000)],
        )
        result = result.decode() if isinstance(result, bytes) else str(result)
        return None if result == "ok" else result

    def reset_cooldown(self, channel: str, key: str) -> None:
        self._redis.delete(self._cooldown_key(channel, key))

    def mark_open(self, key: str, channel: str, severity: Severity) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._open_key(key), channel, severity)
        pipe.pexpire(self._open_key(key), int(self.open_ttl_s * 1000))
        pipe.execute()

    def take_open(self, key: str) -> dict[str, Severity]:
        # HGETALL + DEL in one MULTI: of several processes seeing the recovery, one gets the channels.
        pipe = self._redis.pipeline(transaction=True)
        pipe.hgetall(self._open_key(key))
        pipe.delete(self._open_key(key))
        opened, _ = pipe.execute()
        return {_text(k): _text(v) for k, v in opened.items()}  # type: ignore[misc]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class InMemoryRateLimiter:
    """The same decisions as :class:`RedisRateLimiter`, within one process (embedded mode)."""

    def __init__(
        self,
        cooldown_s: float = 300,
        max_per_hour: int = 20,
        *,
        window_s: float = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cooldown_s, self.max_per_hour, self.window_s = cooldown_s, int(max_per_hour), window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._cooldown_until: dict[tuple[str, str], float] = {}
        self._sent: dict[str, deque[float]] = {}
        self._open: dict[str, dict[str, Severity]] = {}

    def acquire(self, channel: str, key: str, *, recovery: bool = False) -> str | None:
        with self._lock:
            now = self._clock()
            if not recovery and self._cooldown_until.get((channel, key), -float("inf")) > now:
                return COOLDOWN
            sent = self._sent.setdefault(channel, deque())
            while sent and sent[0] <= now - self.window_s:
                sent.popleft()
            if len(sent) >= self.max_per_hour:
                return HOURLY_CAP
            sent.append(now)
            if not recovery and self.cooldown_s > 0:
                self._cooldown_until[(channel, key)] = now + self.cooldown_s
            return None

    def reset_cooldown(self, channel: str, key: str) -> None:
        with self._lock:
            self._cooldown_until.pop((channel, key), None)

    def mark_open(self, key: str, channel: str, severity: Severity) -> None:
        with self._lock:
            self._open.setdefault(key, {})[channel] = severity

    def take_open(self, key: str) -> dict[str, Severity]:
        with self._lock:
            return self._open.pop(key, {})

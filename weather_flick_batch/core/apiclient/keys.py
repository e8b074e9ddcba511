"""Quota: the client's API keys, rotated when one is spent, and the shared quota ledger hooks.

A mixin of :class:`~weather_flick_batch.core.apiclient.client.ApiClient`. Several keys can be
configured; a key that reports code 22 (or reaches the configured daily limit) is marked spent for
the life of the client and the next key is used. With a ledger (``core.quota``) the day's calls and
spent keys are shared with every other process. Uses the state ``ApiClient.__init__`` sets up
(``_keys``, ``_spent``, ``_key_index``, ``_lock``, ``stats``, ``ledger``, ``daily_limit``,
``_ledger_checked_at``).
"""

from __future__ import annotations

import time

from weather_flick_batch.core.apiclient.errors import ApiConfigurationError, QuotaExhaustedError


class KeyRotationMixin:
    """Which key the next call uses, and what happens when one is spent (part of ``ApiClient``)."""

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

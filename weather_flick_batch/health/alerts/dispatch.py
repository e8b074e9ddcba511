"""Dispatch: scrub, route, rate-limit and deliver one alert, or its "ok again" notice.

See the package docstring (:mod:`weather_flick_batch.health.alerts`) for how a message travels.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from weather_flick_batch.health.alerts.channels import AlertChannel, AlertDeliveryError, LogChannel
from weather_flick_batch.health.alerts.message import Alert, _exc_line, _one_line
from weather_flick_batch.health.alerts.rate_limits import InMemoryRateLimiter, RateLimiter
from weather_flick_batch.health.alerts.routing import Router, _rank
from weather_flick_batch.health.alerts.scrubbing import scrub_secrets

__all__ = ["Redactor", "DispatchReport", "AlertDispatcher", "log_only_dispatcher"]

Redactor = Callable[[str], str]


@dataclass
class DispatchReport:
    """What happened to one alert on each channel. ``text`` is the scrubbed message as sent.

    A recovery for a key that was never alerted (or already recovered) has empty lists.
    """

    text: str = ""
    sent: list[str] = field(default_factory=list)
    suppressed: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def _identity(text: str) -> str:
    return text


class AlertDispatcher:
    """Scrubs, routes, rate-limits and delivers alerts; one failing channel never stops the others.

    ``channels`` maps a channel name (as used in the :class:`Router` rules) to a channel; a rule
    naming a channel that is not configured is ignored, which is how channels are switched off.
    ``redact`` is the caller's redactor (e.g. the API clients' key redaction); ``secrets`` adds
    literal secrets for the built-in scrubber, and channel credentials (``channel.secrets``) are
    added automatically.
    """

    def __init__(
        self,
        channels: Mapping[str, AlertChannel],
        router: Router | None = None,
        limiter: RateLimiter | None = None,
        redact: Redactor | None = None,
        logger: logging.Logger | logging.LoggerAdapter | None = None,
        *,
        secrets: Iterable[str] = (),
    ) -> None:
        self.channels = dict(channels)
        self.router = router or Router()
        self.limiter: RateLimiter = limiter if limiter is not None else InMemoryRateLimiter()
        self._redact = redact or _identity
        self.logger = logger or logging.getLogger("weather_flick_batch.alerts")
        collected = [s for s in secrets if s]
        for channel in self.channels.values():
            collected.extend(s for s in getattr(channel, "secrets", ()) if s)
        self._secrets = tuple(collected)

    def scrub(self, text: str) -> str:
        """``text`` through the caller's redactor and the built-in scrubber."""
        return scrub_secrets(self._redact(text), self._secrets)

    def _scrub_alert(self, alert: Alert) -> Alert:
        return dataclasses.replace(
            alert,
            key=self.scrub(alert.key),
            title=self.scrub(alert.title),
            what_failed=self.scrub(alert.what_failed),
            subject_name=self.scrub(alert.subject_name),
            link=self.scrub(alert.link),
        )

    def dispatch(self, alert: Alert) -> DispatchReport:
        """Deliver ``alert`` (or its "ok again" notice when ``alert.recovered``) where it belongs."""
        safe = self._scrub_alert(alert)
        # The scrubbed key is used for the shared state too: no secret ends up in Redis key names.
        key = safe.key
        if alert.recovered:
            return self._dispatch_recovery(key, safe)
        report = DispatchReport(text=safe.render_text())
        for name in self.router.channels_for(alert.severity):
            channel = self.channels.get(name)
            if channel is None:
                continue
            reason = self._acquire(name, key, recovery=False)
            if reason:
                report.suppressed.append((name, reason))
                continue
            if self._deliver(name, channel, safe, report):
                self._limiter_call("mark_open", key, name, alert.severity)
            else:
                # Let the next evaluation retry instead of waiting out a cooldown nobody saw.
                self._limiter_call("reset_cooldown", name, key)
        self._log_report(safe, report)
        return report

    def _dispatch_recovery(self, key: str, safe: Alert) -> DispatchReport:
        try:
            opened = self.limiter.take_open(key)
        except Exception as exc:  # noqa: BLE001 - without state we cannot know who to tell
            self.logger.warning("alert state unavailable, recovery of %s not sent: %s", safe.key,
                                self.scrub(_exc_line(exc)))
            return DispatchReport(text=safe.render_text())
        if not opened:
            return DispatchReport(text=safe.render_text())
        was = max(opened.values(), key=_rank)
        notice = dataclasses.replace(safe, severity=was)
        report = DispatchReport(text=notice.render_text())
        for name, severity in opened.items():
            channel = self.channels.get(name)
            if channel is None:  # switched off since the alert: nobody to tell there
                continue
            reason = self._acquire(name, key, recovery=True)
            if reason is None and self._deliver(name, channel, notice, report):
                self._limiter_call("reset_cooldown", name, key)
                continue
            if reason:
                report.suppressed.append((name, reason))
            # Not delivered: keep it open there so the next passing evaluation tries again.
            self._limiter_call("mark_open", key, name, severity)
        self._log_report(notice, report)
        return report

    def _acquire(self, channel: str, key: str, *, recovery: bool) -> str | None:
        try:
            return self.limiter.acquire(channel, key, recovery=recovery)
        except Exception as exc:  # noqa: BLE001 - fail open: see the module docstring
            self.logger.warning("alert rate limiter unavailable, sending without cooldown: %s",
                                self.scrub(_exc_line(exc)))
            return None

    def _limiter_call(self, method: str, *args: Any) -> None:
        try:
            getattr(self.limiter, method)(*args)
        except Exception as exc:  # noqa: BLE001 - bookkeeping must not turn a sent alert into a crash
            self.logger.warning("alert state not updated (%s): %s", method, self.scrub(_exc_line(exc)))

    def _deliver(self, name: str, channel: AlertChannel, alert: Alert, report: DispatchReport) -> bool:
        try:
            channel.send(alert, report.text)
        except Exception as exc:  # noqa: BLE001 - one channel's failure must not stop the others
            detail = str(exc) if isinstance(exc, AlertDeliveryError) else _exc_line(exc)
            report.failed.append((name, self.scrub(_one_line(detail))))
            return False
        report.sent.append(name)
        return True

    def _log_report(self, alert: Alert, report: DispatchReport) -> None:
        if report.failed:
            self.logger.warning("alert %s: delivery failed on %s", alert.key,
                                "; ".join(f"{n}: {e}" for n, e in report.failed))
        if report.suppressed:
            self.logger.info("alert %s suppressed on %s", alert.key,
                             ", ".join(f"{n} ({r})" for n, r in report.suppressed))


def log_only_dispatcher(logger: logging.Logger | None = None, *, redact: Redactor | None = None) -> AlertDispatcher:
    """Embedded mode: every channel off, alerts to the log, cooldowns in process memory."""
    return AlertDispatcher({"log": LogChannel(logger)}, Router({"log": "info"}), InMemoryRateLimiter(),
                           redact=redact, logger=logger)

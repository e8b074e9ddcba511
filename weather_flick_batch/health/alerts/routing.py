"""Routing: which channels receive an alert of a given severity."""

from __future__ import annotations

from collections.abc import Mapping

from weather_flick_batch.health.alerts.message import SEVERITIES, Severity

__all__ = ["DEFAULT_ROUTES", "Router"]

#: Default minimum severity per channel: SMS wakes people up, so only for critical.
DEFAULT_ROUTES: dict[str, Severity] = {"log": "info", "slack": "warning", "email": "error", "sms": "critical"}


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity)  # type: ignore[arg-type]


class Router:
    """Which channels receive an alert of a given severity: each channel's minimum severity."""

    def __init__(self, rules: Mapping[str, Severity] | None = None) -> None:
        rules = dict(DEFAULT_ROUTES if rules is None else rules)
        for channel, minimum in rules.items():
            if minimum not in SEVERITIES:
                raise ValueError(f"route {channel}={minimum!r}: severity must be one of {', '.join(SEVERITIES)}")
        self.rules: dict[str, Severity] = rules

    @classmethod
    def parse(cls, text: str, setting: str = "WEATHER_FLICK_ALERT_ROUTES") -> Router:
        """Parse ``"log=info,slack=warning,email=error,sms=critical"``; empty -> the defaults.

        Raises ``ValueError`` with one line naming ``setting`` on a malformed value.
        """
        if not text or not text.strip():
            return cls()
        rules: dict[str, Severity] = {}
        for item in text.split(","):
            if not item.strip():
                continue
            channel, sep, minimum = item.partition("=")
            channel, minimum = channel.strip().lower(), minimum.strip().lower()
            if not sep or not channel or minimum not in SEVERITIES:
                raise ValueError(
                    f"{setting}={text!r} is invalid: expected channel=severity pairs separated by commas, "
                    f"severity one of {', '.join(SEVERITIES)}"
                )
            rules[channel] = minimum  # type: ignore[assignment]
        return cls(rules)

    def channels_for(self, severity: Severity) -> list[str]:
        """Channels whose minimum severity is at or below ``severity``, in rule order."""
        return [channel for channel, minimum in self.rules.items() if _rank(severity) >= _rank(minimum)]

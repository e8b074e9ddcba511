"""The alert itself: severities, subjects, links into the Dagster UI and the one-line rendering."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

__all__ = [
    "Severity",
    "SEVERITIES",
    "SubjectKind",
    "SUBJECT_KINDS",
    "Alert",
    "ui_run_link",
    "ui_asset_link",
    "ui_check_link",
]

Severity = Literal["info", "warning", "error", "critical"]
#: Severities from least to most severe.
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error", "critical")
SubjectKind = Literal["run", "check", "asset", "freshness", "health", "watchdog"]
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("run", "check", "asset", "freshness", "health", "watchdog")

_KIND_LABELS: dict[str, str] = {
    "run": "Run",
    "check": "Check",
    "asset": "Asset",
    "freshness": "Freshness of",
    "health": "Health check",
    "watchdog": "Watchdog",
}
_MAX_WHAT_FAILED = 600  # keeps a message one screen long; details live behind the link


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _exc_line(exc: BaseException) -> str:
    detail = _one_line(str(exc), 200)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def ui_run_link(base_url: str, run_id: str) -> str:
    """Link to a run in the Dagster UI."""
    return f"{base_url.rstrip('/')}/runs/{quote(run_id, safe='')}"


def ui_asset_link(base_url: str, asset_path: Sequence[str]) -> str:
    """Link to an asset in the Dagster UI (``asset_path`` is the asset key's path)."""
    return f"{base_url.rstrip('/')}/assets/{'/'.join(quote(p, safe='') for p in asset_path)}"


def ui_check_link(base_url: str, asset_path: Sequence[str], check_name: str) -> str:
    """Link to an asset check's detail in the Dagster UI (the asset's Checks tab)."""
    return f"{ui_asset_link(base_url, asset_path)}?view=checks&checkDetail={quote(check_name, safe='')}"


@dataclass(frozen=True)
class Alert:
    """One thing an operator must hear about.

    ``key`` identifies the condition across evaluations (e.g. ``check:weather_forecast:fresh``):
    the cooldown and the recovery notice are per key, so it must be stable and must not contain
    a timestamp or a run id unless every run is its own condition (run failures: the job name).
    ``recovered=True`` makes it the "ok again" notice for ``key``.
    """

    key: str
    severity: Severity
    title: str
    what_failed: str
    subject_kind: SubjectKind
    subject_name: str
    link: str
    recovered: bool = False

    def __post_init__(self) -> None:
        if not self.key.strip():
            raise ValueError("Alert.key must not be empty: cooldowns and recovery are tracked per key")
        if self.severity not in SEVERITIES:
            raise ValueError(f"Alert.severity must be one of {SEVERITIES}, got {self.severity!r}")
        if self.subject_kind not in SUBJECT_KINDS:
            raise ValueError(f"Alert.subject_kind must be one of {SUBJECT_KINDS}, got {self.subject_kind!r}")

    @property
    def subject(self) -> str:
        """``"Check weather_forecast/fresh"``: the kind and name of what the alert is about."""
        return f"{_KIND_LABELS[self.subject_kind]} {self.subject_name}"

    def headline(self) -> str:
        """``[ERROR] Check weather_forecast/fresh: forecast is stale`` (``[OK AGAIN] ... (was ERROR)``)."""
        title = _one_line(self.title, 200)
        if self.recovered:
            return f"[OK AGAIN] {self.subject}: {title} (was {self.severity.upper()})"
        return f"[{self.severity.upper()}] {self.subject}: {title}"

    def render_text(self) -> str:
        """One compact line: severity, subject, title, what failed, link.

        ``[ERROR] Check weather_forecast/fresh: forecast is stale - newest issuance 30 h old - http://...``
        ``[OK AGAIN] Check weather_forecast/fresh: forecast is stale (was ERROR) - http://...``
        """
        what = _one_line(self.what_failed, _MAX_WHAT_FAILED)
        parts = [self.headline()]
        if what:
            parts.append(what)
        if self.link:
            parts.append(self.link)
        return " - ".join(parts)

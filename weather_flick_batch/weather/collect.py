"""Collecting one issuance for many points: fallback on NODATA, retries, a second pass, a report.

Dagster-free. A partition is written only when every point was fetched: a partial issuance never
replaces a complete one. Fatal errors (bad key, exhausted quota) stop at once with their one line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from weather_flick_batch.core.apiclient import NoDataError, TransientApiError
from weather_flick_batch.weather.parsing import ParseResult

log = logging.getLogger(__name__)


class IncompleteIssuanceError(RuntimeError):
    """Some points could not be fetched even after retries; nothing was written."""


@dataclass
class CollectReport:
    requested: datetime
    used: datetime
    units_total: int = 0
    units_fetched: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    fallback_note: str | None = None
    items_total: int = 0
    items_malformed: int = 0
    missing_values_dropped: int = 0
    malformed_examples: list[str] = field(default_factory=list)

    def as_metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "issuance_requested": self.requested.isoformat(),
            "issuance_used": self.used.isoformat(),
            "points_total": self.units_total,
            "points_fetched": self.units_fetched,
            "points_failed": len(self.failed),
            "items_parsed": self.items_total,
            "items_malformed": self.items_malformed,
            "missing_values_dropped": self.missing_values_dropped,
        }
        if self.fallback_note:
            meta["fallback"] = self.fallback_note
        if self.malformed_examples:
            meta["malformed_examples"] = "; ".join(self.malformed_examples[:5])
        return meta


def collect(
    units: Sequence[Hashable],
    requested: datetime,
    fetch: Callable[[datetime, Any], dict],
    parse: Callable[[dict, Any, datetime], ParseResult],
    previous: Callable[[datetime], datetime] | None = None,
    *,
    max_workers: int = 4,
    describe: Callable[[datetime], str] = lambda b: f"{b:%Y-%m-%d %H:%M} KST",
) -> tuple[pd.DataFrame, CollectReport]:
    """Fetch and parse ``units`` (cells or region ids) for one issuance.

    NODATA on the requested issuance falls back once to ``previous(requested)`` (KMA publishes a
    little after the base time; the fallback keeps the platform answering with the newest data
    that exists, and says so in the metadata).
    """
    report = CollectReport(requested=requested, used=requested, units_total=len(units))
    if not units:
        return pd.DataFrame(), report
    base = requested
    try:
        first = fetch(base, units[0])
    except NoDataError:
        if previous is None:
            raise
        base = previous(requested)
        report.used = base
        report.fallback_note = (f"KMA had no data for {describe(requested)} (not published yet); "
                                f"used the previous issuance {describe(base)}")
        log.warning(report.fallback_note)
        first = fetch(base, units[0])

    # Each payload is parsed as soon as it arrives and only its rows are kept: 250 decoded
    # short-range payloads held until the end were ~130 MB, their rows a tenth of that.
    parsed_units: dict[int, ParseResult] = {0: parse(first, units[0], base)}
    errors: dict[int, str] = {}

    def attempt(index: int) -> tuple[int, ParseResult | None, str | None]:
        try:
            payload = fetch(base, units[index])
        except TransientApiError as exc:  # fatal errors propagate and stop the run
            return index, None, str(exc)
        return index, parse(payload, units[index], base), None

    pending = list(range(1, len(units)))
    # Two passes: the client already retried each request with backoff; the second pass catches
    # the rare unit that stayed unlucky through a burst of faults.
    for _ in range(2):
        if not pending:
            break
        with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
            results = list(pool.map(attempt, pending))
        pending = []
        for index, parsed, error in results:
            if parsed is None:
                errors[index] = error or "unknown error"
                pending.append(index)
            else:
                parsed_units[index] = parsed
                errors.pop(index, None)

    frames = []
    for index in sorted(parsed_units):
        parsed = parsed_units[index]
        report.items_total += parsed.items_total
        report.items_malformed += parsed.items_malformed
        report.missing_values_dropped += parsed.missing_values_dropped
        report.malformed_examples.extend(f"{m.reason}" for m in parsed.malformed_examples[:2])
        frames.append(parsed.rows)
    report.units_fetched = len(parsed_units)
    report.failed = {str(units[i]): errors[i] for i in errors}
    if report.failed:
        sample = "; ".join(f"{u}: {e}" for u, e in list(report.failed.items())[:3])
        raise IncompleteIssuanceError(
            f"{len(report.failed)} of {len(units)} points failed for {describe(base)} after retries, "
            f"nothing written (e.g. {sample})"
        )
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return frame, report

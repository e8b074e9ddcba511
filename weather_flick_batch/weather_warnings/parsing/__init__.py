"""The warnings in force at an instant, from getPwnCd events or from getPwnStatus ``t6`` text.

Both paths produce the same frame (:data:`WARNING_COLUMNS`): one row per (zone, kind) in force.

(a) Events (:func:`parse_events`, :mod:`.events`), the reference's method (a): the latest event per
zone and kind is in force unless it lifts, has ended or was cancelled.

(b) Status text (:func:`parse_status_text`, :mod:`.status`), the fallback: the getPwnStatus ``t6``
lines, zone lists expanded through :mod:`..zones`.

:func:`expand_to_districts` turns either frame into (region_code, sigungu_code) rows through
:mod:`..zones`, and :func:`summarise_by_district` gives one row per district with the worst
outdoor effect (:mod:`..codes`).

The package, by job: :mod:`.frame` (the frame both paths produce, its report, KMA times and payload
shape), :mod:`.events` (a), :mod:`.status` (b), :mod:`.districts` (the frame per district, the
per-district summary and the fingerprint that decides rescoring). The rules of each path are in
its module's doc.
"""

from __future__ import annotations

from weather_flick_batch.weather_warnings.parsing.districts import (
    DISTRICT_COLUMNS,
    SUMMARY_COLUMNS,
    expand_to_districts,
    summarise_by_district,
    warnings_fingerprint,
)
from weather_flick_batch.weather_warnings.parsing.events import parse_events
from weather_flick_batch.weather_warnings.parsing.frame import (
    SOURCE_EVENTS,
    SOURCE_STATUS_TEXT,
    WARNING_COLUMNS,
    ParseReport,
    WarningsParse,
    empty_warnings,
    format_kma_time,
    parse_kma_time,
    payload_items,
    sort_warnings,
    warning_key,
)
from weather_flick_batch.weather_warnings.parsing.status import parse_status, parse_status_text, status_item

__all__ = [
    "WARNING_COLUMNS",
    "DISTRICT_COLUMNS",
    "SUMMARY_COLUMNS",
    "SOURCE_EVENTS",
    "SOURCE_STATUS_TEXT",
    "ParseReport",
    "WarningsParse",
    "parse_kma_time",
    "format_kma_time",
    "parse_events",
    "parse_status_text",
    "parse_status",
    "payload_items",
    "status_item",
    "warning_key",
    "empty_warnings",
    "sort_warnings",
    "expand_to_districts",
    "summarise_by_district",
    "warnings_fingerprint",
]

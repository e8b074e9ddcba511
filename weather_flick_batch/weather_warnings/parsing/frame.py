"""What both parsing paths share: the warnings-in-force frame (:data:`WARNING_COLUMNS`, one row per
(zone, kind) in force) and how rows become it, the :class:`ParseReport`, KMA times, the zone key
that events and status text agree on, and the shape of a KMA payload.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from weather_flick_batch.core.timeutil import KST, require_aware
from weather_flick_batch.weather_warnings import zones
from weather_flick_batch.weather_warnings.zones import ZoneReport

SOURCE_EVENTS = "events"
SOURCE_STATUS_TEXT = "status_text"

_TS = pd.DatetimeTZDtype("ns", "Asia/Seoul")

#: Columns of the warnings-in-force frame and their dtypes (text columns: pandas ``str``, NA when absent).
WARNING_COLUMNS: dict[str, Any] = {
    "as_of": _TS,  # the instant the frame describes
    "source": "str",  # "events" | "status_text"
    "zone_id": "str",  # canonical zone (zones.ZONES key); NA when the zone is unknown
    "area_code": "str",  # 특보구역코드 (events only)
    "area_name": "str",  # zone name as KMA wrote it
    "zone_hint": "str",  # status text: the parent's provinces ("31", "1|2|31"), used to resolve the zone
    "stn_id": "Int64",  # issuing office
    "is_sea": "bool",
    "kind_code": "Int64",  # warnVar; NA for a kind name t6 uses that WARN_VAR does not know
    "kind": "str",  # 호우, 폭염, ... or 미확인(<code>)
    "level": "str",  # 주의보 | 경보 (중대경보 and unknown stresses fold into 경보)
    "level_rank": "int64",  # 1 주의보, 2 경보, 3 중대경보 (0 = none, never in this frame)
    "level_label": "str",  # as issued: 주의보 | 경보 | 중대경보 | 미확인(<code>)
    "command": "str",  # latest event's command (발표, 연장, ...); NA for status text
    "issued_at": _TS,  # tmFc of the latest event / of the status
    "tm_seq": "Int64",
    "start_time": _TS,  # NaT when not set
    "end_time": _TS,  # NaT while not lifted (endTime 0)
    "in_effect": "bool",  # False: announced, startTime still ahead
    "unknown_codes": "str",  # e.g. "warnVar=14;command=9"; NA when every code was known
}


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


@dataclass
class ParseReport:
    """What parsing met besides clean data; ``as_metadata()`` is one flat dict for run metadata."""

    items_read: int = 0
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)
    cancelled_ignored: int = 0
    future_ignored: int = 0
    keys_seen: int = 0
    lifted: int = 0
    expired: int = 0
    pending: int = 0
    unknown_codes: Counter = field(default_factory=Counter)  # "warnVar=14" -> count
    status_none: bool = False
    status_empty: bool = False
    unparsed_lines: list[str] = field(default_factory=list)
    zones: ZoneReport = field(default_factory=ZoneReport)

    def bad(self, reason: str) -> None:
        self.malformed += 1
        if len(self.malformed_examples) < 10:
            self.malformed_examples.append(reason[:200])

    def as_metadata(self) -> dict[str, Any]:
        return {
            "items_read": self.items_read,
            "items_malformed": self.malformed,
            "malformed_examples": list(self.malformed_examples),
            "cancelled_ignored": self.cancelled_ignored,
            "future_ignored": self.future_ignored,
            "zone_kinds_seen": self.keys_seen,
            "lifted": self.lifted,
            "expired": self.expired,
            "pending": self.pending,
            "unknown_codes": dict(self.unknown_codes),
            "status_none": self.status_none,
            "status_empty": self.status_empty,
            "unparsed_lines": list(self.unparsed_lines),
            **self.zones.as_metadata(),
        }


@dataclass
class WarningsParse:
    """A parse result: ``frame`` (WARNING_COLUMNS), ``report`` and ``seen``, the (zone key, kind)
    pairs the input mentioned at all (in force or not), used to reconcile events with status text."""

    frame: pd.DataFrame
    report: ParseReport
    seen: set[tuple[str, Any]] = field(default_factory=set)


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")


def parse_kma_time(value: Any) -> datetime | None:
    """``YYYYMMDDHHmm`` (number or string; 14 digits with seconds and 8-digit dates accepted) as a
    KST-aware datetime. ``0``, ``"0"``, ``""`` and ``None`` mean "not set" (``None``). Anything
    else raises :class:`ValueError`."""
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise ValueError(f"not a KMA time: {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"not a KMA time: {value!r}")
        value = int(value)
    text = str(value).strip()
    if text in ("", "0", "-"):
        return None
    digits = "".join(_DIGITS.findall(text)) if not text.isdigit() else text
    if len(digits) not in (8, 12, 14) or (not text.isdigit() and len(text) > 19):
        raise ValueError(f"not a KMA time: {value!r}")
    fmt = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}[len(digits)]
    try:
        return datetime.strptime(digits, fmt).replace(tzinfo=KST)
    except ValueError:
        raise ValueError(f"not a KMA time: {value!r}") from None


def format_kma_time(value: datetime) -> int:
    """The JSON number KMA sends for a time (``202501151630``)."""
    return int(require_aware(value).astimezone(KST).strftime("%Y%m%d%H%M"))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def warning_key(zone_id: str | None, area_code: str | None, area_name: str | None) -> str:
    """The identity of a zone across events and status text: its zone_id, else its code, else its name."""
    if zone_id:
        return zone_id
    if area_code:
        return f"code:{area_code}"
    return f"name:{zones.normalize_zone_name(area_name)}"


def _kst(value: datetime) -> datetime:
    return require_aware(value, "now").astimezone(KST)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _frame(rows: list[dict[str, Any]], columns: Mapping[str, Any]) -> pd.DataFrame:
    """Rows to a frame with exactly ``columns`` and their dtypes (missing values stay missing)."""
    index = pd.RangeIndex(len(rows))
    data: dict[str, Any] = {}
    for col, dtype in columns.items():
        values = [None if _missing(row.get(col)) else row.get(col) for row in rows]
        if isinstance(dtype, pd.DatetimeTZDtype):
            stamps = [pd.NaT if v is None else pd.Timestamp(v) for v in values]
            data[col] = pd.Series(pd.DatetimeIndex(stamps, tz="UTC") if stamps else [], index=index,
                                  dtype="datetime64[ns, UTC]").dt.tz_convert(KST).astype(dtype)
        elif dtype == "Int64":
            data[col] = pd.array([None if v is None else int(v) for v in values], dtype="Int64")
        elif dtype == "str":
            data[col] = pd.Series([None if v is None else str(v) for v in values], index=index, dtype="str")
        else:
            data[col] = pd.Series(values, index=index, dtype=dtype)
    return pd.DataFrame(data, index=index, columns=list(columns))


def empty_warnings() -> pd.DataFrame:
    return _frame([], WARNING_COLUMNS)


# --------------------------------------------------------------------------------------------
# Rows to the frame
# --------------------------------------------------------------------------------------------


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (zone, kind): the highest level wins, then the latest issue."""
    best: dict[tuple[str, Any], dict[str, Any]] = {}
    for row in rows:
        key = (warning_key(row["zone_id"], row["area_code"], row["area_name"]),
               row["kind_code"] if row["kind_code"] is not None else row["kind"])
        current = best.get(key)
        if current is None or (row["level_rank"], row["issued_at"] or datetime.min.replace(tzinfo=KST)) > (
                current["level_rank"], current["issued_at"] or datetime.min.replace(tzinfo=KST)):
            best[key] = row
    return list(best.values())


def sort_warnings(frame: pd.DataFrame) -> pd.DataFrame:
    """Warnings in a stable order: by zone id (unknown zones last, by name), then kind."""
    if frame.empty:
        return frame.reset_index(drop=True)
    key = frame["zone_id"].fillna("\uffff" + frame["area_name"].fillna(""))
    order = sorted(range(len(frame)), key=lambda i: (key.iloc[i], str(frame["kind"].iloc[i])))
    return frame.iloc[order].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Payload shape
# --------------------------------------------------------------------------------------------


def payload_items(payload: Any) -> list[Any]:
    """``response.body.items.item`` as a list, whatever shape KMA chose: a list, a lone object,
    ``""`` or missing (no items). Raises :class:`ValueError` for any other shape."""
    response = payload.get("response") if isinstance(payload, Mapping) else None
    if not isinstance(response, Mapping):
        raise ValueError(f"payload has no response object ({type(payload).__name__})")
    body = response.get("body")
    if body in (None, ""):
        return []
    if not isinstance(body, Mapping):
        raise ValueError(f"response.body is {type(body).__name__}")
    items = body.get("items")
    if items in (None, "", []):
        return []
    if isinstance(items, list):  # AirKorea-style: the array itself
        return items
    if not isinstance(items, Mapping):
        raise ValueError(f"body.items is {type(items).__name__}")
    item = items.get("item")
    if item in (None, ""):
        return []
    if isinstance(item, Mapping):
        return [item]
    if isinstance(item, list):
        return item
    raise ValueError(f"body.items.item is {type(item).__name__}")

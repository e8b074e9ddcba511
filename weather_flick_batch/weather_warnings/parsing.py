"""The warnings in force at an instant, from getPwnCd events or from getPwnStatus ``t6`` text.

Both paths produce the same frame (:data:`WARNING_COLUMNS`): one row per (zone, kind) in force.

(a) Events (:func:`parse_events`), the reference's method (a):

1. Items are normalised: times ``YYYYMMDDHHmm`` may be JSON numbers or strings, codes may be
   numbers or strings, ``0`` / ``""`` / ``None`` times mean "not set". Items without a usable
   ``tmFc`` or ``warnVar`` cannot be ordered or keyed: they are dropped and reported.
2. Events issued after ``now`` are ignored (a replay at an earlier instant sees what was known then).
3. Cancelled events (``cancel`` = 1) are ignored. This deviates from the literal reference rule
   ("latest event active only if cancel = 0"), on purpose: a cancelled *lift* must not lift a
   warning that is still in force, and a cancelled *issue* leaves nothing in force either way.
   Only ``cancel`` = 1 counts as cancelled; other values are kept and reported **[U]**.
4. Events are sorted by (tmFc, tmSeq) and the latest per (areaCode, warnVar) wins. Within one
   bulletin (same tmFc and tmSeq) lifting commands sort *before* issuing ones and lower levels
   before higher, so an upgrade 주의보 -> 경보 (대치해제 + 대치발표 in one bulletin) leaves the
   경보 in force and a downgrade leaves the 주의보.
5. The latest event is in force when its command does not lift (해제, 대치해제, 변경해제) and
   ``endTime`` is 0 or after ``now``. Unknown commands do not lift (reported). An unreadable
   ``endTime`` counts as "not set" (reported), so the warning stays in force.
6. ``in_effect`` is False while ``startTime`` is still in the future (announced, not yet in
   effect); such rows are kept unless ``include_pending=False``.

(b) Status text (:func:`parse_status_text`), the fallback: ``t6`` lines are matched with
``o\\s*(\\S+?)(중대경보|주의보|경보)\\s*:\\s*(.+)`` (the reference's regex, with 중대경보 **[U]**
tried first so that ``폭염중대경보`` reads as 폭염 / 중대경보). The zone list is split on top-level
commas; ``부모(자식, 자식)`` lists sub-zones (the parent only narrows same-named zones, e.g.
``경기도(광주)``); ``부모(자식 제외)`` means every zone of the parent except those; a bare
province (``경기도``, ``서울``, ``경남``) means every zone of it; ``o 없음`` means none. CRLF, CR,
full-width parentheses and commas, ``*`` / ``(*)`` markers, spaces inside names and lines
wrapped without a bullet are tolerated; anything unreadable is reported, never fatal. There
are no times in ``t6``: ``issued_at`` is the status ``tmFc``, start/end are NaT.

:func:`expand_to_districts` turns either frame into (region_code, sigungu_code) rows through
:mod:`.zones`, and :func:`summarise_by_district` gives one row per district with the worst
outdoor effect (:mod:`.codes`).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from weather_flick_batch.core.timeutil import KST, require_aware
from weather_flick_batch.weather_warnings import codes, zones
from weather_flick_batch.weather_warnings.zones import ZoneReport, ZoneResolution

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
]

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

#: Columns of :func:`expand_to_districts`.
DISTRICT_COLUMNS: dict[str, Any] = {
    "as_of": _TS,
    "source": "str",
    "zone_id": "str",
    "area_code": "str",
    "area_name": "str",
    "kind_code": "Int64",
    "kind": "str",
    "level": "str",
    "level_rank": "int64",
    "level_label": "str",
    "region_code": "int64",  # TourAPI area code
    "sigungu_code": "Int64",  # TourAPI district; NA for scope "province" and "coast"
    "sigungu_name": "str",
    "scope": "str",  # "district" | "province" (district unknown) | "coast" (sea zone: coastal places)
    "coverage": "str",  # "whole" | "part" (zone covers part of the district) | "unknown" | "coast"
    "resolution": "str",  # code_table | name | rule | province_hint | sea
    "applies_to": "str",  # codes.KindPolicy.applies_to: outdoor | coastal | none
    "outdoor_effect": "str",  # none | lower | cap (for the places applies_to names)
    "issued_at": _TS,
    "start_time": _TS,
    "end_time": _TS,
    "in_effect": "bool",
}

#: Columns of :func:`summarise_by_district`.
SUMMARY_COLUMNS: dict[str, Any] = {
    "region_code": "int64",
    "sigungu_code": "Int64",
    "scope": "str",
    "outdoor_effect": "str",  # worst effect on outdoor places (kinds that apply to all outdoor places)
    "coastal_effect": "str",  # worst effect on coastal outdoor places (all kinds that apply to them)
    "max_level_rank": "int64",  # 1 주의보, 2 경보, 3 중대경보
    "warnings": "str",  # "호우경보|강풍주의보", most severe first
    "warning_count": "int64",
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
# (a) Events
# --------------------------------------------------------------------------------------------


@dataclass
class _Event:
    tm_fc: datetime
    tm_seq: int | None
    area_code: str | None
    area_name: str | None
    stn_id: int | None
    var: int
    level: codes.Level
    command: int | None
    command_raw: Any
    start: datetime | None
    end: datetime | None
    unknown: list[str]

    @property
    def lifts(self) -> bool:
        return codes.is_lift_command(self.command)

    def sort_key(self) -> tuple:
        return (self.tm_fc, self.tm_seq if self.tm_seq is not None else -1, 0 if self.lifts else 1, self.level.rank)


def _event(item: Any, report: ParseReport) -> _Event | None:
    if not isinstance(item, Mapping):
        report.bad(f"item is {type(item).__name__}, not an object")
        return None
    try:
        tm_fc = parse_kma_time(item.get("tmFc"))
    except ValueError as exc:
        report.bad(f"tmFc: {exc}")
        return None
    if tm_fc is None:
        report.bad(f"no tmFc in {dict(item)!r}")
        return None
    var = codes.code_int(item.get("warnVar"))
    if var is None:
        report.bad(f"warnVar {item.get('warnVar')!r} is not a code")
        return None
    unknown: list[str] = []
    if var not in codes.WARN_VAR:
        unknown.append(f"warnVar={var}")
    level = codes.level_for_stress(item.get("warnStress"))
    if not level.known:
        unknown.append(f"warnStress={item.get('warnStress')}")
    command = codes.code_int(item.get("command"))
    if command not in codes.COMMANDS:
        unknown.append(f"command={item.get('command')}")
    times: dict[str, datetime | None] = {}
    for name in ("startTime", "endTime"):
        try:
            times[name] = parse_kma_time(item.get(name))
        except ValueError as exc:
            report.bad(f"{name} treated as not set: {exc}")
            times[name] = None
    for u in unknown:
        report.unknown_codes[u] += 1
    return _Event(
        tm_fc=tm_fc,
        tm_seq=codes.code_int(item.get("tmSeq")),
        area_code=_text(item.get("areaCode")),
        area_name=_text(item.get("areaName")),
        stn_id=codes.code_int(item.get("stnId")),
        var=var,
        level=level,
        command=command,
        command_raw=item.get("command"),
        start=times["startTime"],
        end=times["endTime"],
        unknown=unknown,
    )


def _cancel_flag(item: Mapping[str, Any], report: ParseReport) -> bool:
    raw = item.get("cancel")
    value = codes.code_int(raw)
    if raw in (None, "") or value == 0:
        return False
    if value == 1:
        return True
    report.unknown_codes[f"cancel={raw}"] += 1  # kept, as not cancelled
    return False


def parse_events(items: Iterable[Any], now: datetime, *, include_pending: bool = True,
                 report: ParseReport | None = None) -> WarningsParse:
    """The warnings in force at ``now`` from getPwnCd items (see the module doc for the rules)."""
    now = _kst(now)
    report = report or ParseReport()
    latest: dict[tuple[str, int], _Event] = {}
    for item in items:
        report.items_read += 1
        event = _event(item, report)
        if event is None:
            continue
        if _cancel_flag(item, report):
            report.cancelled_ignored += 1
            continue
        if event.tm_fc > now:
            report.future_ignored += 1
            continue
        if event.area_code is None and event.area_name is None:
            report.bad("event has neither areaCode nor areaName")
            continue
        key = (event.area_code or f"name:{zones.normalize_zone_name(event.area_name)}", event.var)
        current = latest.get(key)
        if current is None or event.sort_key() >= current.sort_key():
            latest[key] = event

    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, Any]] = set()
    report.keys_seen = len(latest)
    for event in latest.values():
        resolution = zones.resolve_zone_detail(event.area_code, event.area_name, event.stn_id)
        report.zones.add(resolution)
        seen.add((warning_key(resolution.zone_id, event.area_code, event.area_name), event.var))
        if event.area_name:
            seen.add((warning_key(None, None, event.area_name), event.var))
        if event.lifts:
            report.lifted += 1
            continue
        if event.end is not None and event.end <= now:
            report.expired += 1
            continue
        in_effect = event.start is None or event.start <= now
        if not in_effect:
            report.pending += 1
            if not include_pending:
                continue
        rows.append({
            "as_of": now,
            "source": SOURCE_EVENTS,
            "zone_id": resolution.zone_id,
            "area_code": event.area_code,
            "area_name": event.area_name,
            "zone_hint": None,
            "stn_id": event.stn_id,
            "is_sea": resolution.is_sea,
            "kind_code": event.var,
            "kind": codes.kind_label(event.var),
            "level": event.level.level,
            "level_rank": event.level.rank,
            "level_label": event.level.label,
            "command": codes.command_label(event.command_raw),
            "issued_at": event.tm_fc,
            "tm_seq": event.tm_seq,
            "start_time": event.start,
            "end_time": event.end,
            "in_effect": in_effect,
            "unknown_codes": ";".join(event.unknown) or None,
        })
    return WarningsParse(sort_warnings(_frame(_dedupe(rows), WARNING_COLUMNS)), report, seen)


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
# (b) Status text
# --------------------------------------------------------------------------------------------

_BULLETS = "oO○●ㅇ•◦◎-"
_LINE_RE = re.compile(rf"^[{_BULLETS}]\s*(\S+?)(중대경보|주의보|경보)\s*[:：]\s*(.*)$")
_NONE_RE = re.compile(rf"^[{_BULLETS}]?\s*없음\s*\.?$")
_SEPARATORS = ",，、"


def _split_top(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts: list[str] = []
    depth = 0
    buf: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch in _SEPARATORS and depth == 0:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return [p.strip() for p in parts if p.strip()]


def _split_paren(token: str) -> tuple[str, str, str, bool]:
    """``"부모(안, 쪽)뒤"`` -> (parent, inner, trailing text, balanced)."""
    start = token.index("(")
    depth = 0
    for i in range(start, len(token)):
        if token[i] == "(":
            depth += 1
        elif token[i] == ")":
            depth -= 1
            if depth == 0:
                return token[:start].strip(), token[start + 1:i].strip(), token[i + 1:].strip(), True
    return token[:start].strip(), token[start + 1:].strip(), "", False


def _clean_token(token: str) -> str:
    token = token.replace("（", "(").replace("）", ")").replace("(*)", "").replace("*", "")
    return re.sub(r"\s+", " ", token).strip(" .;")


def _direct(token: str, hint: frozenset[int] | None) -> zones.Zone | None:
    """A zone named exactly by the whole token (incl. names with parentheses such as 신안군(흑산면제외))."""
    picked = zones.pick_zone(zones.zones_named(token), hint)
    return picked if isinstance(picked, zones.Zone) else None


def _prefixed(parent: zones.Zone | None, child: str, hint: frozenset[int] | None) -> zones.Zone | None:
    """A child named without its parent's prefix: ``서울(동남권)`` -> 서울동남권, ``제주도(북부)`` -> 제주도북부."""
    if parent is None or not child:
        return None
    for prefix in dict.fromkeys((parent.name, *parent.aliases)):
        zone = _direct(zones.normalize_zone_name(prefix) + zones.normalize_zone_name(child), hint)
        if zone is not None and zone.zone_type != "province":
            return zone
    return None


def _named(zone: zones.Zone, area_name: str | None = None) -> ZoneResolution:
    method = "sea" if zone.is_sea else "name"
    return ZoneResolution(None, area_name or zone.name, zone, zone.targets, zone.coast_regions, method)


def _token_zones(token: str, hint: frozenset[int] | None, report: ParseReport) -> list[tuple[str, ZoneResolution,
                                                                                          frozenset[int] | None]]:
    """The zones one top-level token stands for: (area_name, resolution, hint used)."""
    token = _clean_token(token)
    if not token or zones.normalize_zone_name(token) in ("", "없음"):
        return []
    zone = _direct(token, hint)
    if zone is not None:
        if zone.zone_type == "province":
            return [(z.name, _named(z), None) for z in zones.member_zones(zone.region_codes)]
        return [(token, _named(zone, token), hint)]
    if zones.is_sea_zone(None, token):
        return [(token, zones.resolve_zone_detail(None, token), None)]
    if "(" in token:
        parent, inner, trailing, balanced = _split_paren(token)
        if not balanced or trailing:
            report.bad(f"unbalanced parentheses or trailing text in {token!r}")
        parent_zone = _direct(parent, hint) if parent else None
        if parent_zone is not None:
            regions: frozenset[int] | None = frozenset(parent_zone.region_codes)
        else:
            regions = hint
            if parent:
                report.zones.add(ZoneResolution(None, parent, None, (), (), "unmapped", "unknown parent zone"))
        inner_norm = zones.normalize_zone_name(inner)
        if inner_norm.endswith("제외"):
            excluded: set[str] = set()
            excluded_districts: set[tuple[int, int | None]] = set()
            for name in _split_top(inner_norm[: -len("제외")]):
                ex = _direct(name, regions) or _prefixed(parent_zone, name, regions)
                if ex is None:
                    report.zones.add(ZoneResolution(None, name, None, (), (), "unmapped", "unknown excluded zone"))
                    continue
                for z in zones.member_zones(ex.region_codes) if ex.zone_type == "province" else [ex]:
                    excluded.add(z.zone_id)
                    excluded_districts.update((t.region_code, t.sigungu_code) for t in z.targets)
            if not regions:
                report.bad(f"cannot expand {token!r}: parent {parent!r} is unknown")
                return []
            # A zone lying wholly inside an excluded one goes too: 인천(옹진군 제외) leaves out 서해5도.
            return [(z.name, _named(z), None) for z in zones.member_zones(regions)
                    if z.zone_id not in excluded
                    and not {(t.region_code, t.sigungu_code) for t in z.targets} <= excluded_districts]
        out: list[tuple[str, ZoneResolution, frozenset[int] | None]] = []
        for child in _split_top(inner):
            prefixed = _prefixed(parent_zone, _clean_token(child), regions)
            if prefixed is not None and _direct(_clean_token(child), regions) is None:
                out.append((prefixed.name, _named(prefixed), regions))  # 서울(동남권), 부산(동부)
            else:
                out.extend(_token_zones(child, regions, report))
        return out
    return [(token, zones.resolve_zone_detail(None, token, hint=hint), hint)]


def parse_status_text(t6: Any, *, as_of: datetime, issued_at: datetime | None = None, tm_seq: Any = None,
                      stn_id: Any = None, report: ParseReport | None = None) -> WarningsParse:
    """The warnings in force listed by a ``t6`` text (see the module doc). Never raises on bad text."""
    as_of = _kst(as_of)
    report = report or ParseReport()
    text = "" if t6 is None else str(t6)
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        report.status_empty = True
    entries: list[list[str]] = []  # [kind, level, zones text]
    for line in lines:
        match = _LINE_RE.match(line)
        if match:
            entries.append([match.group(1), match.group(2), match.group(3)])
        elif _NONE_RE.match(line):
            report.status_none = True
        elif entries and line[0] not in _BULLETS:
            entries[-1][2] += " " + line  # a zone list wrapped onto the next line
        else:
            if len(report.unparsed_lines) < 10:
                report.unparsed_lines.append(line[:200])
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, Any]] = set()
    for kind_text, level_text, zone_text in entries:
        report.items_read += 1
        kind_code = codes.kind_code_for_name(kind_text)
        unknown = None if kind_code is not None else f"kind={kind_text}"
        if unknown:
            report.unknown_codes[unknown] += 1
        level = codes.level_for_name(level_text)
        zone_text = zone_text.replace("（", "(").replace("）", ")").replace("(*)", "")
        for token in _split_top(zone_text):
            for area_name, resolution, used_hint in _token_zones(token, None, report):
                report.zones.add(resolution)
                key = warning_key(resolution.zone_id, None, area_name)
                seen.add((key, kind_code if kind_code is not None else kind_text))
                rows.append({
                    "as_of": as_of,
                    "source": SOURCE_STATUS_TEXT,
                    "zone_id": resolution.zone_id,
                    "area_code": None,
                    "area_name": area_name,
                    "zone_hint": "|".join(str(r) for r in sorted(used_hint)) if used_hint else None,
                    "stn_id": codes.code_int(stn_id),
                    "is_sea": resolution.is_sea,
                    "kind_code": kind_code,
                    "kind": codes.WARN_VAR.get(kind_code, kind_text) if kind_code is not None else kind_text,
                    "level": level.level,
                    "level_rank": level.rank,
                    "level_label": level.label,
                    "command": None,
                    "issued_at": issued_at,
                    "tm_seq": codes.code_int(tm_seq),
                    "start_time": None,
                    "end_time": None,
                    "in_effect": True,
                    "unknown_codes": unknown,
                })
    report.keys_seen = len(seen)
    return WarningsParse(sort_warnings(_frame(_dedupe(rows), WARNING_COLUMNS)), report, seen)


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


def status_item(payload_or_item: Any) -> Mapping[str, Any] | None:
    """The status item of a getPwnStatus payload (the latest by tmFc if there are several), or the
    item itself when given one."""
    if isinstance(payload_or_item, Mapping) and "response" not in payload_or_item:
        return payload_or_item
    items = [i for i in payload_items(payload_or_item) if isinstance(i, Mapping)]
    if not items:
        return None

    def when(item: Mapping[str, Any]) -> datetime:
        try:
            return parse_kma_time(item.get("tmFc")) or datetime.min.replace(tzinfo=KST)
        except ValueError:
            return datetime.min.replace(tzinfo=KST)

    return max(items, key=when)


def parse_status(payload_or_item: Any, *, as_of: datetime, report: ParseReport | None = None) -> WarningsParse:
    """:func:`parse_status_text` on a getPwnStatus payload or item (its ``t6``, ``tmFc``, ``tmSeq``)."""
    report = report or ParseReport()
    item = status_item(payload_or_item)
    if item is None:
        report.status_empty = True
        return WarningsParse(empty_warnings(), report, set())
    try:
        issued = parse_kma_time(item.get("tmFc"))
    except ValueError as exc:
        report.bad(f"status tmFc: {exc}")
        issued = None
    return parse_status_text(item.get("t6"), as_of=as_of, issued_at=issued, tm_seq=item.get("tmSeq"),
                             stn_id=item.get("stnId"), report=report)


# --------------------------------------------------------------------------------------------
# Districts
# --------------------------------------------------------------------------------------------


def _resolution_of(row: Mapping[str, Any]) -> ZoneResolution:
    zone_id = row.get("zone_id")
    if isinstance(zone_id, str) and zone_id in zones.ZONES:
        zone = zones.ZONES[zone_id]
        return ZoneResolution(row.get("area_code"), row.get("area_name"), zone, zone.targets, zone.coast_regions,
                              "sea" if zone.is_sea else "name")
    hint_text = row.get("zone_hint")
    hint = [int(h) for h in hint_text.split("|")] if isinstance(hint_text, str) and hint_text else None
    stn = row.get("stn_id")
    return zones.resolve_zone_detail(row.get("area_code") if isinstance(row.get("area_code"), str) else None,
                                     row.get("area_name") if isinstance(row.get("area_name"), str) else None,
                                     None if stn is None or pd.isna(stn) else int(stn), hint=hint)


def _na(value: Any) -> Any:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def expand_to_districts(frame: pd.DataFrame, report: ZoneReport | None = None) -> pd.DataFrame:
    """One row per (warning, district) (:data:`DISTRICT_COLUMNS`), through :mod:`.zones`.

    Land zones give ``scope`` ``"district"`` rows (``coverage`` whole/part); a zone known only by
    its province gives one ``"province"`` row (``sigungu_code`` NA); a sea zone gives one
    ``"coast"`` row per province whose coast it touches (offshore zones give none). Unmapped
    zones give no row and are recorded in ``report``. Not deduplicated: a district covered by two
    zones with the same warning (강릉평지 and 강원중부산지) has two rows; see
    :func:`summarise_by_district`.
    """
    rows: list[dict[str, Any]] = []
    for record in frame.to_dict("records"):
        record = {k: _na(v) for k, v in record.items()}
        resolution = _resolution_of(record)
        if report is not None:
            report.add(resolution)
        policy = codes.policy_for(record["kind_code"])
        effect = codes.outdoor_effect(record["kind_code"], int(record["level_rank"]))
        base = {
            "as_of": record["as_of"], "source": record["source"],
            "zone_id": record["zone_id"] or resolution.zone_id,
            "area_code": record["area_code"], "area_name": record["area_name"],
            "kind_code": record["kind_code"], "kind": record["kind"], "level": record["level"],
            "level_rank": record["level_rank"], "level_label": record["level_label"],
            "resolution": resolution.method, "applies_to": policy.applies_to, "outdoor_effect": effect,
            "issued_at": record["issued_at"], "start_time": record["start_time"], "end_time": record["end_time"],
            "in_effect": bool(record["in_effect"]),
        }
        if resolution.is_sea:
            for region in resolution.coast_regions:
                rows.append({**base, "region_code": region, "sigungu_code": None, "sigungu_name": None,
                             "scope": "coast", "coverage": "coast"})
            continue
        for target in resolution.targets:
            rows.append({
                **base, "region_code": target.region_code, "sigungu_code": target.sigungu_code,
                "sigungu_name": zones.district_name(target.region_code, target.sigungu_code),
                "scope": "district" if target.sigungu_code is not None else "province",
                "coverage": target.coverage,
            })
    out = _frame(rows, DISTRICT_COLUMNS)
    if out.empty:
        return out
    return out.sort_values(["region_code", "sigungu_code", "kind", "zone_id"], na_position="last",
                           kind="stable").reset_index(drop=True)


def summarise_by_district(districts: pd.DataFrame, *, include_pending: bool = True) -> pd.DataFrame:
    """One row per (region_code, sigungu_code, scope) of :func:`expand_to_districts` output.

    ``outdoor_effect``: the worst effect of kinds that apply to all outdoor places;
    ``coastal_effect``: the worst effect on coastal places (those kinds plus 풍랑 / 폭풍해일).
    A ``"coast"`` row (sea zone) only carries a coastal effect.
    """
    order = {name: i for i, name in enumerate(codes.EFFECT_ORDER)}
    groups: dict[tuple[int, Any, str], list[dict[str, Any]]] = {}
    for record in districts.to_dict("records"):
        record = {k: _na(v) for k, v in record.items()}
        if not include_pending and not record["in_effect"]:
            continue
        groups.setdefault((record["region_code"], record["sigungu_code"], record["scope"]), []).append(record)
    rows = []
    for (region, sigungu, scope), records in groups.items():
        outdoor = [r["outdoor_effect"] for r in records if r["applies_to"] == "outdoor"]
        coastal = [r["outdoor_effect"] for r in records if r["applies_to"] in ("outdoor", "coastal")]
        labels: dict[str, tuple[int, int]] = {}
        for r in records:
            label = f"{r['kind']}{r['level_label']}"
            labels[label] = max(labels.get(label, (-1, -1)), (order.get(r["outdoor_effect"], 0), r["level_rank"]))
        rows.append({
            "region_code": region,
            "sigungu_code": sigungu,
            "scope": scope,
            "outdoor_effect": max(outdoor, key=order.get, default="none"),
            "coastal_effect": max(coastal, key=order.get, default="none"),
            "max_level_rank": max(r["level_rank"] for r in records),
            "warnings": "|".join(sorted(labels, key=lambda k: (-labels[k][0], -labels[k][1], k))),
            "warning_count": len(labels),
        })
    out = _frame(rows, SUMMARY_COLUMNS)
    if out.empty:
        return out
    return out.sort_values(["region_code", "sigungu_code", "scope"], na_position="last",
                           kind="stable").reset_index(drop=True)


def warnings_fingerprint(areas: pd.DataFrame) -> str:
    """What the warnings in force do to recommendations and trips, independent of when they were read
    and of re-issues that change nothing (연장, 정정, a new status bulletin): the data version that
    decides whether the country is rescored."""
    columns = ["region_code", "sigungu_code", "scope", "kind", "level_rank", "applies_to", "outdoor_effect"]
    if areas is None or areas.empty:
        return hashlib.sha256(b"none").hexdigest()[:16]
    rows = sorted(map(str, areas[columns].astype(str).itertuples(index=False, name=None)))
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]

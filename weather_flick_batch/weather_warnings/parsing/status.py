"""(b) The warnings in force from getPwnStatus ``t6`` text (:func:`parse_status_text`), the fallback.

``t6`` lines are matched with
``o\\s*(\\S+?)(중대경보|주의보|경보)\\s*:\\s*(.+)`` (the reference's regex, with 중대경보 **[U]**
tried first so that ``폭염중대경보`` reads as 폭염 / 중대경보). The zone list is split on top-level
commas; ``부모(자식, 자식)`` lists sub-zones (the parent only narrows same-named zones, e.g.
``경기도(광주)``); ``부모(자식 제외)`` means every zone of the parent except those; a bare
province (``경기도``, ``서울``, ``경남``) means every zone of it; ``o 없음`` means none. CRLF, CR,
full-width parentheses and commas, ``*`` / ``(*)`` markers, spaces inside names and lines
wrapped without a bullet are tolerated; anything unreadable is reported, never fatal. There
are no times in ``t6``: ``issued_at`` is the status ``tmFc``, start/end are NaT.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from weather_flick_batch.core.timeutil import KST
from weather_flick_batch.weather_warnings import codes, zones
from weather_flick_batch.weather_warnings.zones import ZoneResolution
from weather_flick_batch.weather_warnings.parsing.frame import (
    SOURCE_STATUS_TEXT,
    WARNING_COLUMNS,
    ParseReport,
    WarningsParse,
    _dedupe,
    _frame,
    _kst,
    empty_warnings,
    parse_kma_time,
    payload_items,
    sort_warnings,
    warning_key,
)

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

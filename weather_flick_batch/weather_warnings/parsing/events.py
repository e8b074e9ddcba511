"""(a) The warnings in force from getPwnCd events (:func:`parse_events`), the reference's method (a):

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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from weather_flick_batch.weather_warnings import codes, zones
from weather_flick_batch.weather_warnings.parsing.frame import (
    SOURCE_EVENTS,
    WARNING_COLUMNS,
    ParseReport,
    WarningsParse,
    _dedupe,
    _frame,
    _kst,
    _text,
    parse_kma_time,
    sort_warnings,
    warning_key,
)

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

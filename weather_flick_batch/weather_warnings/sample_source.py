"""Offline sample of WthrWrnInfoService: deterministic, season-aware warnings in the exact JSON shape.

The embedded default when no KMA key is configured; everything it produces is labelled simulated
downstream (nothing in a payload says so, as with the weather sample).

Model
-----
Warnings come in *episodes*: for each KST day, sample zone and kind in season, a hash of
(day, zone, kind) decides whether an episode starts that day, at which hour, at which level, for
how long, and what happens during it. An episode becomes events exactly as getPwnCd lists them:

* ``발표`` (command 1) at tmFc, with ``startTime`` = tmFc or, for one in four, a few hours later
  (announced ahead: the warning is pending until then);
* sometimes an upgrade 주의보 -> 경보 in one bulletin: ``대치해제`` (4) of the 주의보 and
  ``대치발표`` (5) of the 경보, same tmFc and tmSeq;
* sometimes ``연장`` (3) or ``정정`` (6) in the middle;
* sometimes an erroneous event marked ``cancel`` = 1 (a ``해제`` that did not happen, or an issue
  in a zone without an episode);
* the end: usually ``해제`` (2) with ``endTime`` = the lift time; otherwise every event of the
  episode carries the planned ``endTime`` and there is no lift event (it expires).

Every day one *guaranteed* 경보 episode of the season's main cap-kind (winter 한파/대설, spring
강풍, summer 폭염/호우, autumn 강풍/한파) starts at 05:00 as a 주의보, is upgraded at 08:00 and
lifted at 11:00 the next day, so at any instant at least one land zone is under a 경보.
Random episodes add several 주의보 (and a few 경보) on most days. Episodes last at most 48 h,
so a three-day events window always contains the issue of every warning in force.

Episodes depend only on their start day, so the history never changes as time goes on: events
up to an instant are the same whenever they are asked for (stable for a given instant).
``tmSeq`` is the office's bulletin number within the month (distinct tmFc per office since the
1st). Times, codes and ``tmSeq`` are JSON numbers, ``stnId``/``areaCode``/``areaName`` strings.

Zone codes: the reference's L1011700 의정부 and L1030100 대전 are real; every other sample zone
has a code in a range KMA does not use (``L99…`` land, ``S99…`` sea), so resolution by *name*
(the real path for zones the code table does not know yet) is exercised. Names use the spellings
seen in the wild (``강릉시평지``, ``울릉도.독도``, ``흑산도.홍도``); the ``t6`` status text uses others
(``강원도(강릉평지)``), so aliasing is exercised too.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from weather_flick_batch.core.timeutil import KST, require_aware
from weather_flick_batch.weather_warnings import codes

__all__ = [
    "SampleZone",
    "SAMPLE_ZONES",
    "MAX_EPISODE_HOURS",
    "Episode",
    "episodes_starting",
    "events_between",
    "warnings_at",
    "status_text",
    "pwn_cd_payload",
    "pwn_status_payload",
    "empty_payload",
]

_SEED_ROOT = "weatherflick-warnings-sample-v1"
MAX_EPISODE_HOURS = 48

# kinds
강풍, 호우, 한파, 건조, 폭풍해일, 풍랑, 태풍, 대설, 황사, 폭염 = 1, 2, 3, 4, 5, 6, 7, 8, 9, 12


@dataclass(frozen=True)
class SampleZone:
    area_code: str
    area_name: str  # as getPwnCd names it
    t6_name: str  # as t6 lists it
    stn_id: int
    parent: str | None  # t6 group ("경기도"); None = listed on its own
    kinds: frozenset[int]

    @property
    def is_sea(self) -> bool:
        return self.area_code.startswith("S")


_LAND_ALL = frozenset({강풍, 호우, 한파, 건조, 황사, 폭염})
_NO_COLD = frozenset({강풍, 호우, 건조, 황사, 폭염})
_SEA = frozenset({풍랑})


def _z(code: str, name: str, stn: int, parent: str | None, kinds: Iterable[int], t6_name: str | None = None
       ) -> SampleZone:
    return SampleZone(code, name, t6_name or name, stn, parent, frozenset(kinds))


SAMPLE_ZONES: tuple[SampleZone, ...] = (
    _z("L9900101", "서울동남권", 109, "서울", _LAND_ALL),
    _z("L9900102", "서울서북권", 109, "서울", _LAND_ALL),
    _z("L1011700", "의정부", 109, "경기도", _LAND_ALL | {대설}),
    _z("L9900104", "수원", 109, "경기도", _LAND_ALL),
    _z("L9900105", "가평", 109, "경기도", _LAND_ALL | {대설}),
    _z("L9900106", "인천", 109, None, _LAND_ALL),
    _z("L9900107", "서해5도", 109, None, {강풍, 호우, 건조, 황사, 대설}),
    _z("L9900201", "강릉시평지", 105, "강원도", _LAND_ALL | {대설}, t6_name="강릉평지"),
    _z("L9900202", "강원북부산지", 105, "강원도", {강풍, 호우, 한파, 건조, 대설}),
    _z("L9900203", "춘천", 105, "강원도", _LAND_ALL | {대설}),
    _z("L9900204", "철원", 105, "강원도", _LAND_ALL | {대설}),
    _z("L9900301", "청주", 131, "충청북도", _LAND_ALL | {대설}),
    _z("L9900302", "제천", 131, "충청북도", _LAND_ALL | {대설}),
    _z("L1030100", "대전", 133, None, _LAND_ALL),
    _z("L9900402", "천안", 133, "충청남도", _LAND_ALL),
    _z("L9900403", "보령", 133, "충청남도", _LAND_ALL | {대설}),
    _z("L9900501", "전주", 146, "전북자치도", _LAND_ALL | {대설}),
    _z("L9900502", "무주", 146, "전북자치도", _LAND_ALL | {대설}),
    _z("L9900503", "군산", 146, "전북자치도", _LAND_ALL | {대설}),
    _z("L9900601", "광주", 156, None, _LAND_ALL | {대설}),
    _z("L9900602", "목포", 156, "전라남도", _LAND_ALL | {대설, 태풍}),
    _z("L9900603", "여수", 156, "전라남도", _NO_COLD | {태풍}),
    _z("L9900604", "흑산도.홍도", 156, "전라남도", {강풍, 호우, 태풍}),
    _z("L9900701", "대구", 143, None, _LAND_ALL),
    _z("L9900702", "포항", 143, "경상북도", _NO_COLD | {태풍}),
    _z("L9900703", "안동", 143, "경상북도", _LAND_ALL | {대설}),
    _z("L9900704", "울릉도.독도", 143, None, {강풍, 호우, 대설, 태풍}),
    _z("L9900801", "부산동부", 159, "부산", _NO_COLD | {태풍}),
    _z("L9900802", "울산서부", 159, "울산", _LAND_ALL | {태풍}),
    _z("L9900803", "창원", 159, "경상남도", _NO_COLD | {태풍}),
    _z("L9900804", "거제", 159, "경상남도", _NO_COLD | {태풍}),
    _z("L9900805", "함양", 159, "경상남도", _LAND_ALL | {대설}),
    _z("L9900901", "제주도북부", 184, "제주도", _NO_COLD | {태풍}),
    _z("L9900902", "제주도산지", 184, "제주도", {강풍, 호우, 대설, 태풍}),
    _z("L9900903", "제주도남부", 184, "제주도", _NO_COLD | {태풍}),
    _z("S9910001", "인천·경기남부앞바다", 109, None, _SEA),
    _z("S9910002", "서해중부안쪽먼바다", 109, None, _SEA),
    _z("S9910003", "강원중부앞바다", 105, None, _SEA),
    _z("S9910004", "동해중부안쪽먼바다", 105, None, _SEA),
    _z("S9910005", "전남서부남해앞바다", 156, None, _SEA),
    _z("S9910006", "경북북부앞바다", 143, None, _SEA),
    _z("S9910007", "부산앞바다", 159, None, _SEA | {폭풍해일}),
    _z("S9910008", "남해동부바깥먼바다", 159, None, _SEA),
    _z("S9910009", "제주도앞바다", 184, None, _SEA | {폭풍해일}),
    _z("S9910010", "제주도남쪽바깥먼바다", 184, None, _SEA),
)
_ZONE_BY_CODE = {z.area_code: z for z in SAMPLE_ZONES}

#: Daily chance that an episode of a kind starts in one eligible zone, by month.
_SEASON: dict[int, dict[int, float]] = {
    1: {한파: 0.08, 대설: 0.05, 건조: 0.07, 강풍: 0.03, 풍랑: 0.10},
    2: {한파: 0.06, 대설: 0.05, 건조: 0.08, 강풍: 0.03, 풍랑: 0.08},
    3: {건조: 0.08, 강풍: 0.05, 황사: 0.03, 대설: 0.01, 풍랑: 0.07},
    4: {건조: 0.08, 강풍: 0.05, 황사: 0.04, 풍랑: 0.06},
    5: {건조: 0.05, 강풍: 0.03, 황사: 0.03, 호우: 0.02, 풍랑: 0.05},
    6: {호우: 0.05, 폭염: 0.04, 강풍: 0.01, 풍랑: 0.04},
    7: {호우: 0.08, 폭염: 0.08, 태풍: 0.01, 풍랑: 0.05, 폭풍해일: 0.005},
    8: {호우: 0.06, 폭염: 0.10, 태풍: 0.015, 풍랑: 0.05, 폭풍해일: 0.005},
    9: {호우: 0.04, 폭염: 0.03, 태풍: 0.015, 강풍: 0.02, 풍랑: 0.06, 폭풍해일: 0.005},
    10: {건조: 0.06, 강풍: 0.03, 풍랑: 0.07},
    11: {건조: 0.07, 강풍: 0.04, 한파: 0.02, 풍랑: 0.08},
    12: {한파: 0.07, 대설: 0.04, 건조: 0.07, 강풍: 0.03, 풍랑: 0.10},
}
#: The guaranteed daily 경보: candidate kinds by month.
_MAIN_KINDS: dict[int, tuple[int, ...]] = {
    1: (한파, 대설), 2: (한파, 대설), 3: (강풍,), 4: (강풍,), 5: (강풍,), 6: (호우, 폭염), 7: (폭염, 호우),
    8: (폭염, 호우), 9: (호우, 강풍), 10: (강풍,), 11: (강풍, 한파), 12: (한파, 대설),
}


def _rng(*parts: Any) -> random.Random:
    digest = hashlib.blake2b(repr((_SEED_ROOT, *parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "little"))


# --------------------------------------------------------------------------------------------
# Episodes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Episode:
    """One warning of one kind in one zone, with its whole life known in advance."""

    zone: SampleZone
    kind: int
    issued: datetime  # first tmFc
    start: datetime  # effective from
    end: datetime  # lifted / expires at
    stress: int  # level at issue
    upgrade_at: datetime | None  # 주의보 -> 경보 in one bulletin
    extend_at: datetime | None  # a 연장 (or 정정) bulletin
    extend_command: int  # 3 연장 or 6 정정
    planned_end: bool  # True: no lift event, endTime carried by every event
    cancelled_lift_at: datetime | None  # an erroneous 해제, cancel = 1
    erroneous: bool = False  # the whole episode is one cancelled issue

    def stress_at(self, instant: datetime) -> int:
        return 1 if self.upgrade_at is not None and instant >= self.upgrade_at else self.stress

    def in_force_at(self, instant: datetime) -> bool:
        return not self.erroneous and self.issued <= instant and self.start <= instant < self.end

    def pending_at(self, instant: datetime) -> bool:
        return not self.erroneous and self.issued <= instant < self.start


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=KST)


def _main_pair(day: date) -> tuple[SampleZone, int]:
    """(zone, kind) of the guaranteed 경보 that starts on ``day``. Consecutive days never share a pair
    (the zone index steps by one a day), so guaranteed episodes never overlap."""
    kinds = _MAIN_KINDS[day.month]
    kind = kinds[_rng("main", day.isoformat()).randrange(len(kinds))]
    eligible = [z for z in SAMPLE_ZONES if not z.is_sea and kind in z.kinds]
    return eligible[day.toordinal() % len(eligible)], kind


def _slot_open(day: date, zone: SampleZone, kind: int) -> bool:
    """Random episodes of one (zone, kind) may start only every third day: with at most 48 h each,
    two of them never overlap, and none may start near a guaranteed episode of the same pair."""
    offset = _rng("slot", zone.area_code, kind).randrange(3)
    if (day.toordinal() + offset) % 3:
        return False
    return all(_main_pair(day + timedelta(days=d)) != (zone, kind) for d in range(-2, 3))


@lru_cache(maxsize=512)
def episodes_starting(day: date) -> tuple[Episode, ...]:
    """Every episode whose first event is on ``day`` (KST), in a stable order."""
    out: list[Episode] = []
    zone, kind = _main_pair(day)
    out.append(Episode(zone, kind, _at(day, 5), _at(day, 5), _at(day + timedelta(days=1), 11), 0, _at(day, 8),
                       None, 3, False, None))
    for zone in SAMPLE_ZONES:
        for kind, chance in sorted(_SEASON[day.month].items()):
            if kind not in zone.kinds or not _slot_open(day, zone, kind):
                continue
            rng = _rng("episode", day.isoformat(), zone.area_code, kind)
            if rng.random() >= min(0.9, 3 * chance):  # one day in three: three times the daily chance
                if rng.random() < 0.02:  # an erroneous issue, cancelled at once
                    issued = _at(day, rng.choice((10, 16)))
                    out.append(Episode(zone, kind, issued, issued, issued + timedelta(hours=6), 0, None, None, 3,
                                       False, None, erroneous=True))
                continue
            issued = _at(day, rng.choice((4, 5, 10, 11, 16, 17, 21, 22)), rng.choice((0, 0, 30)))
            start = issued + timedelta(hours=rng.choice((3, 4, 6))) if rng.random() < 0.25 else issued
            hours = rng.randint(6, 36)
            end = (start + timedelta(hours=hours)).replace(minute=0)
            end = min(end, issued + timedelta(hours=MAX_EPISODE_HOURS))
            hours = int((end - start).total_seconds() // 3600)
            stress = 1 if rng.random() < 0.15 else 0
            upgrade_at = extend_at = cancelled_lift_at = None
            if stress == 0 and kind not in (건조, 황사) and hours >= 12 and rng.random() < 0.25:
                upgrade_at = start + timedelta(hours=rng.randint(3, hours // 2))
            if hours >= 10 and rng.random() < 0.25:
                extend_at = start + timedelta(hours=rng.randint(2, hours - 4))
            extend_command = 3 if rng.random() < 0.7 else 6
            planned_end = rng.random() < 0.25
            if hours >= 8 and rng.random() < 0.08:
                cancelled_lift_at = start + timedelta(hours=rng.randint(1, hours - 2))
            out.append(Episode(zone, kind, issued, start, end, stress, upgrade_at, extend_at, extend_command,
                               planned_end, cancelled_lift_at))
    return tuple(out)


def _episodes_between(first: date, last: date) -> list[Episode]:
    out: list[Episode] = []
    day = first
    while day <= last:
        out.extend(episodes_starting(day))
        day += timedelta(days=1)
    return out


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


def _raw_events(episode: Episode) -> list[dict[str, Any]]:
    """The getPwnCd items of one episode, tmSeq not yet filled in."""
    z = episode.zone
    end_field = episode.end if episode.planned_end else None

    def ev(tm: datetime, stress: int, command: int, *, start: datetime | None, end: datetime | None,
           cancel: int = 0) -> dict[str, Any]:
        return {
            "stnId": str(z.stn_id),
            "tmFc": tm,
            "tmSeq": None,
            "areaCode": z.area_code,
            "areaName": z.area_name,
            "warnVar": episode.kind,
            "warnStress": stress,
            "command": command,
            "cancel": cancel,
            "startTime": start,
            "endTime": end,
            "allEndTime": end_field or 0,
        }

    if episode.erroneous:
        return [ev(episode.issued, 0, 1, start=episode.start, end=None, cancel=1)]
    events = [ev(episode.issued, episode.stress, 1, start=episode.start, end=end_field)]
    if episode.upgrade_at is not None:
        events.append(ev(episode.upgrade_at, 0, 4, start=None, end=episode.upgrade_at))
        events.append(ev(episode.upgrade_at, 1, 5, start=episode.upgrade_at, end=end_field))
    if episode.extend_at is not None:
        events.append(ev(episode.extend_at, episode.stress_at(episode.extend_at), episode.extend_command,
                         start=episode.start, end=end_field))
    if episode.cancelled_lift_at is not None:
        events.append(ev(episode.cancelled_lift_at, episode.stress_at(episode.cancelled_lift_at), 2,
                         start=None, end=episode.cancelled_lift_at, cancel=1))
    if not episode.planned_end:
        events.append(ev(episode.end, episode.stress_at(episode.end), 2, start=None, end=episode.end))
    return events


@lru_cache(maxsize=64)
def _month_bulletins(year: int, month: int) -> dict[tuple[str, datetime], int]:
    """(stnId, tmFc) -> bulletin number within the month, for every bulletin of the month."""
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    times: dict[str, set[datetime]] = {}
    lead = timedelta(hours=MAX_EPISODE_HOURS)
    for episode in _episodes_between(first - timedelta(days=lead.days + 1), last):
        for event in _raw_events(episode):
            tm = event["tmFc"]
            if (tm.year, tm.month) == (year, month):
                times.setdefault(event["stnId"], set()).add(tm)
    return {(stn, tm): i + 1 for stn, tms in times.items() for i, tm in enumerate(sorted(tms))}


def _json_time(value: datetime | None) -> int:
    return int(value.strftime("%Y%m%d%H%M")) if value is not None else 0


def events_between(first: date, last: date, now: datetime) -> list[dict[str, Any]]:
    """getPwnCd items with tmFc on ``first`` .. ``last`` (KST dates) and not after ``now``, newest first."""
    now = require_aware(now, "now").astimezone(KST)
    lead_days = MAX_EPISODE_HOURS // 24 + 1
    out: list[tuple[datetime, int, int, dict[str, Any]]] = []
    for episode in _episodes_between(first - timedelta(days=lead_days), min(last, now.date())):
        for i, event in enumerate(_raw_events(episode)):
            tm: datetime = event["tmFc"]
            if not (first <= tm.date() <= last) or tm > now:
                continue
            seq = _month_bulletins(tm.year, tm.month)[(event["stnId"], tm)]
            item = {**event, "tmFc": _json_time(tm), "tmSeq": seq, "startTime": _json_time(event["startTime"]),
                    "endTime": _json_time(event["endTime"])}
            if isinstance(item["allEndTime"], datetime):
                item["allEndTime"] = _json_time(item["allEndTime"])
            out.append((tm, seq, i, item))
    out.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    return [item for *_, item in out]


def warnings_at(now: datetime) -> list[tuple[SampleZone, int, int]]:
    """(zone, kind, stress) of every warning in effect at ``now`` (pending ones excluded), computed
    from the episodes themselves, independently of the event parser."""
    now = require_aware(now, "now").astimezone(KST)
    lead_days = MAX_EPISODE_HOURS // 24 + 1
    best: dict[tuple[str, int], tuple[SampleZone, int, int]] = {}
    for episode in _episodes_between(now.date() - timedelta(days=lead_days), now.date()):
        if episode.in_force_at(now):
            key = (episode.zone.area_code, episode.kind)
            stress = episode.stress_at(now)
            if key not in best or stress > best[key][2]:
                best[key] = (episode.zone, episode.kind, stress)
    return sorted(best.values(), key=lambda t: (t[1], -t[2], t[0].area_code))


def status_text(now: datetime) -> str:
    """The ``t6`` text for ``now``: ``o <kind><level> : <zones>`` lines joined by CRLF, or ``o 없음``."""
    lines: list[str] = []
    by_kind_level: dict[tuple[int, int], list[SampleZone]] = {}
    for zone, kind, stress in warnings_at(now):
        by_kind_level.setdefault((kind, stress), []).append(zone)
    # Warnings first, then advisories; kinds in code order.
    for (kind, stress) in sorted(by_kind_level, key=lambda ks: (-ks[1], ks[0])):
        groups: dict[str | None, list[str]] = {}
        order: list[str] = []
        for zone in by_kind_level[(kind, stress)]:
            key = zone.parent or zone.t6_name
            if key not in groups:
                groups[key] = []
                order.append(key)
            if zone.parent:
                groups[key].append(zone.t6_name)
        parts = [f"{key}({', '.join(groups[key])})" if groups[key] else key for key in order]
        lines.append(f"o {codes.WARN_VAR[kind]}{codes.WARN_STRESS[stress]} : {', '.join(parts)}")
    return "\r\n".join(lines) if lines else "o 없음"


# --------------------------------------------------------------------------------------------
# Payloads
# --------------------------------------------------------------------------------------------


def _payload(items: list[dict[str, Any]], total: int, page_no: int, num_of_rows: int) -> dict[str, Any]:
    return {"response": {
        "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
        "body": {"dataType": "JSON", "items": {"item": items}, "pageNo": page_no, "numOfRows": num_of_rows,
                 "totalCount": total},
    }}


def empty_payload() -> dict[str, Any]:
    """What KMA answers when nothing matches: NODATA (code 03) with no body."""
    return {"response": {"header": {"resultCode": "03", "resultMsg": "NO_DATA"}}}


def _date_param(value: Any) -> date:
    text = str(value).strip()
    return datetime.strptime(text[:8], "%Y%m%d").date()


def pwn_cd_payload(params: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """getPwnCd for ``params`` as of ``now``; ``None`` when nothing matches (the caller answers 03)."""
    first = _date_param(params["fromTmFc"])
    last = _date_param(params["toTmFc"])
    if last < first:
        raise ValueError("toTmFc is before fromTmFc")
    items = events_between(first, last, now)
    if params.get("areaCode"):
        items = [i for i in items if i["areaCode"] == str(params["areaCode"]).strip()]
    if params.get("warningType"):
        items = [i for i in items if i["warnVar"] == int(params["warningType"])]
    if params.get("stnId"):
        items = [i for i in items if i["stnId"] == str(params["stnId"]).strip()]
    if not items:
        return None
    page_no = max(1, int(params.get("pageNo", 1)))
    num_of_rows = max(1, int(params.get("numOfRows", 10)))
    page = items[(page_no - 1) * num_of_rows: page_no * num_of_rows]
    # A lone result is an object, as KMA sends it.
    payload = _payload(page, len(items), page_no, num_of_rows)
    if len(page) == 1:
        payload["response"]["body"]["items"]["item"] = page[0]
    elif not page:
        payload["response"]["body"]["items"] = ""
    return payload


def pwn_status_payload(now: datetime) -> dict[str, Any]:
    """getPwnStatus as of ``now``: the nationwide snapshot (tmFc = the latest bulletin so far)."""
    now = require_aware(now, "now").astimezone(KST)
    recent = events_between(now.date() - timedelta(days=3), now.date(), now)
    tm_fc = recent[0]["tmFc"] if recent else _json_time(now.replace(minute=0, second=0, microsecond=0))
    month = _month_bulletins(now.year, now.month)
    item = {
        "stnId": "108",
        "tmFc": tm_fc,
        "tmEf": tm_fc,
        "tmSeq": len({tm for (_stn, tm) in month if tm <= now}),
        "t6": status_text(now),
        "t7": "o 없음",
        "other": "o 없음",
    }
    return _payload([item], 1, 1, 10)

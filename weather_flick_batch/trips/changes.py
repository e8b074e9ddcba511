"""What changed in a trip's forecast, by the previous system's rules, told in Korean a traveller reads.

A trip forecast is, per stop (day and place), the daily outlook of the place's forecast point:
maximum and minimum temperature, rain probability, rain amount, wind, cloud. The condition a
traveller sees (맑음 … 태풍) is derived from those, with the old system's ranks (sunny 1 … typhoon
10). Rules (previous-system.md, "Weather-change rules for booked trips"):

- maximum or minimum temperature moved by >= 5 °C: info; by >= 7.5 °C: warning;
- rain probability crossed 30 %: upward warning, downward info;
- the condition worsened: warning, critical when the new one is heavy rain, storm or typhoon (rank >= 8);
  it improved: info;
- newly a maximum >= 35 °C or a minimum <= -10 °C: critical;
- newly wind >= 20 m/s: warning.
- beyond the old system: a weather warning (특보) newly in force at the place: critical (건조 and
  열대야, advisories about dry air and warm nights, are info).

The daily outlook has no weather-type code, so the condition is derived from amounts and
probabilities (``condition``); a typhoon is only named when wind and rain are both extreme, and a
real typhoon warning arrives through the KMA warnings (issue #15), not through this guess.

No Dagster, no pandas: the trip-notices asset applies it to the rows of one plan at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

SEVERITIES = ("info", "warning", "critical")
TEMP_INFO_C, TEMP_WARNING_C = 5.0, 7.5
RAIN_CROSSING_PCT = 30.0
HOT_C, COLD_C = 35.0, -10.0
STRONG_WIND_MS = 20.0
CRITICAL_RANK = 8

# (rank, code, Korean label)
CONDITIONS: tuple[tuple[int, str, str], ...] = (
    (1, "sunny", "맑음"), (2, "partly_cloudy", "구름많음"), (3, "cloudy", "흐림"), (4, "showers", "소나기 가능"),
    (5, "rain", "비"), (6, "snow", "눈"), (7, "heavy_snow", "많은 눈"), (8, "heavy_rain", "호우"),
    (9, "storm", "폭풍우"), (10, "typhoon", "태풍"),
)
_RANK = {code: rank for rank, code, _ in CONDITIONS}
_LABEL = {code: label for _, code, label in CONDITIONS}


def condition(tmax_c: float, cloud_pct: float, pop_pct: float, precip_mm: float, wind_ms: float) -> str:
    """The day's condition code from the outlook's values (thresholds are KMA's daily terms)."""
    wet = precip_mm >= 1.0 or pop_pct >= 60.0
    snowy = wet and tmax_c <= 1.0
    if precip_mm >= 50.0 and wind_ms >= 25.0:
        return "typhoon"
    if precip_mm >= 10.0 and wind_ms >= 14.0:
        return "storm"
    if snowy:
        return "heavy_snow" if precip_mm >= 10.0 else "snow"  # ~10 mm of water is ~10 cm of snow
    if precip_mm >= 30.0:
        return "heavy_rain"
    if wet:
        return "rain"
    if pop_pct >= RAIN_CROSSING_PCT:
        return "showers"
    if cloud_pct >= 80.0:
        return "cloudy"
    if cloud_pct >= 50.0:
        return "partly_cloudy"
    return "sunny"


@dataclass(frozen=True)
class DayForecast:
    """One stop's forecast: what a trip forecast stores per day and place."""

    tmax_c: float
    tmin_c: float
    pop_pct: float
    precip_mm: float
    wind_ms: float
    cloud_pct: float

    @property
    def condition(self) -> str:
        return condition(self.tmax_c, self.cloud_pct, self.pop_pct, self.precip_mm, self.wind_ms)

    def as_json(self) -> dict[str, Any]:
        return {"max_temp": round(self.tmax_c, 1), "min_temp": round(self.tmin_c, 1),
                "rain_probability": int(round(self.pop_pct)), "precipitation_mm": round(self.precip_mm, 1),
                "wind_speed": round(self.wind_ms, 1), "cloud_pct": int(round(self.cloud_pct)),
                "weather_condition": self.condition, "weather_label": _LABEL[self.condition]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DayForecast | None:
        try:
            return cls(float(data["max_temp"]), float(data["min_temp"]), float(data["rain_probability"]),
                       float(data.get("precipitation_mm", 0.0)), float(data["wind_speed"]),
                       float(data.get("cloud_pct", 0.0)))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class Change:
    day: int
    date: date
    place: str
    field: str  # max_temp, min_temp, rain_probability, condition, heat, cold, wind
    old: Any
    new: Any
    severity: str
    text: str  # Korean, one line

    def as_json(self) -> dict[str, Any]:
        return {"day": self.day, "date": self.date.isoformat(), "place": self.place, "field": self.field,
                "old_value": self.old, "new_value": self.new, "severity": self.severity, "description": self.text}


def _when(day: int, when: date) -> str:
    return f"{day}일차({when.month}월 {when.day}일)"


def compare(old: DayForecast, new: DayForecast, *, day: int, when: date, place: str) -> list[Change]:
    """The changes from ``old`` to ``new`` at one stop, by the rules above."""
    where = f"{_when(day, when)} {place}".strip()
    changes: list[Change] = []
    for name, label, before, after in (("max_temp", "최고기온", old.tmax_c, new.tmax_c),
                                       ("min_temp", "최저기온", old.tmin_c, new.tmin_c)):
        delta = after - before
        if abs(delta) >= TEMP_INFO_C:
            severity = "warning" if abs(delta) >= TEMP_WARNING_C else "info"
            way = "상승" if delta > 0 else "하락"
            changes.append(Change(day, when, place, name, round(before, 1), round(after, 1), severity,
                                  f"{where}: {label} {before:.1f}°C → {after:.1f}°C ({abs(delta):.1f}°C {way})"))
    if old.pop_pct < RAIN_CROSSING_PCT <= new.pop_pct:
        changes.append(Change(day, when, place, "rain_probability", round(old.pop_pct), round(new.pop_pct), "warning",
                              f"{where}: 비 올 확률 {old.pop_pct:.0f}% → {new.pop_pct:.0f}%, 우산을 챙기세요"))
    elif new.pop_pct < RAIN_CROSSING_PCT <= old.pop_pct:
        changes.append(Change(day, when, place, "rain_probability", round(old.pop_pct), round(new.pop_pct), "info",
                              f"{where}: 비 올 확률 {old.pop_pct:.0f}% → {new.pop_pct:.0f}%로 낮아졌어요"))
    before_c, after_c = old.condition, new.condition
    if _RANK[after_c] > _RANK[before_c]:
        severity = "critical" if _RANK[after_c] >= CRITICAL_RANK else "warning"
        changes.append(Change(day, when, place, "condition", before_c, after_c, severity,
                              f"{where}: 날씨 {_LABEL[before_c]} → {_LABEL[after_c]}"))
    elif _RANK[after_c] < _RANK[before_c]:
        changes.append(Change(day, when, place, "condition", before_c, after_c, "info",
                              f"{where}: 날씨 {_LABEL[before_c]} → {_LABEL[after_c]}으로 좋아졌어요"))
    if new.tmax_c >= HOT_C > old.tmax_c:
        changes.append(Change(day, when, place, "heat", round(old.tmax_c, 1), round(new.tmax_c, 1), "critical",
                              f"{where}: 최고기온 {new.tmax_c:.1f}°C 폭염이 예상돼요, 야외 일정을 줄이세요"))
    if new.tmin_c <= COLD_C < old.tmin_c:
        changes.append(Change(day, when, place, "cold", round(old.tmin_c, 1), round(new.tmin_c, 1), "critical",
                              f"{where}: 최저기온 {new.tmin_c:.1f}°C 한파가 예상돼요, 방한에 유의하세요"))
    if new.wind_ms >= STRONG_WIND_MS > old.wind_ms:
        changes.append(Change(day, when, place, "wind", round(old.wind_ms, 1), round(new.wind_ms, 1), "warning",
                              f"{where}: 최대 풍속 {new.wind_ms:.0f}m/s 강풍이 예상돼요"))
    return changes


#: Warning kinds a traveller should hear about but that do not endanger a visit.
MILD_WARNING_KINDS = ("건조", "열대야")


def _warning_levels(text: Any) -> dict[str, int]:
    """'호우경보, 강풍주의보' -> {'호우': 2, '강풍': 1} (the highest level per kind)."""
    levels: dict[str, int] = {}
    for name in (text if isinstance(text, str) else "").split(","):
        name = name.strip()
        for suffix, rank in (("주의보", 1), ("경보", 2)):
            if name.endswith(suffix) and len(name) > len(suffix):
                kind = name[: -len(suffix)]
                levels[kind] = max(levels.get(kind, 0), rank)
    return levels


def compare_warnings(old: str | None, new: str | None, *, day: int, when: date, place: str) -> list[Change]:
    """A change per warning kind in force at the stop now that was not, or was lower, when it was last
    told (e.g. '호우경보' where there was nothing or a 호우주의보). A lifted or downgraded warning is not
    a warning the traveller must act on: nothing is said (the forecast changes say the rest)."""
    before, after = _warning_levels(old), _warning_levels(new)
    where = f"{_when(day, when)} {place}".strip()
    out = []
    for kind, rank in after.items():
        if rank <= before.get(kind, 0):
            continue
        name = kind + ("경보" if rank == 2 else "주의보")
        mild = kind in MILD_WARNING_KINDS
        text = (f"{where}: {name}가 발효 중이에요" if mild
                else f"{where}: {name}가 발효됐어요, 일정과 안전을 꼭 확인하세요")
        out.append(Change(day, when, place, "warning", None, name, "info" if mild else "critical", text))
    return out


def worst(changes: list[Change]) -> str | None:
    return max((c.severity for c in changes), key=SEVERITIES.index, default=None)


#: notifications.priority (1-10, the back end's default 5) per severity.
PRIORITY = {"info": 4, "warning": 7, "critical": 9}
TITLE_MAX, MESSAGE_MAX = 200, 1000


@dataclass
class Notice:
    title: str
    message: str
    severity: str
    priority: int
    changes: list[Change] = field(default_factory=list)


def notice(plan_title: str, changes: list[Change]) -> Notice:
    """The notice of one trip: the most severe changes first, within the back end's limits
    (title <= 200, message <= 1,000 characters; what does not fit is counted, never cut mid-line)."""
    severity = worst(changes) or "info"
    ordered = sorted(changes, key=lambda c: (-SEVERITIES.index(c.severity), c.day, c.field))
    head = {"critical": "[기상 경보]", "warning": "[날씨 변경]", "info": "[날씨 업데이트]"}[severity]
    title = f"{head} '{plan_title}' 여행의 날씨 예보가 바뀌었어요"
    if len(title) > TITLE_MAX:
        title = title[:TITLE_MAX - 1] + "…"
    lines: list[str] = []
    for index, change in enumerate(ordered):
        more = len(ordered) - index - 1
        tail = f"\n외 {more}건의 변경이 있어요." if more else ""
        candidate = "\n".join([*lines, change.text])
        if len(candidate + tail) > MESSAGE_MAX:
            lines.append(f"외 {len(ordered) - index}건의 변경이 있어요.")
            break
        lines.append(change.text)
    return Notice(title, "\n".join(lines), severity, PRIORITY[severity], ordered)

"""Offline AirKorea sample source: deterministic payloads in the exact AirKorea JSON shape.

The embedded default when no AirKorea key is configured, and what the local fake server answers
with. Every function returns the dict ``json.loads`` gives for the real operation with
``returnType=json``: header ``{"resultCode": "00", "resultMsg": "NORMAL_CODE"}``, a body whose
``items`` *is* the array, ``totalCount``/``pageNo``/``numOfRows`` as JSON numbers, every item value a
string (or ``null``: ``actionKnack``, flags, absent image URLs). Paging honours ``numOfRows`` and
``pageNo``. Nothing in a payload says it is simulated: the caller labels the data.

Air model (a deterministic function of place and time; no global random state)
-----------------------------------------------------------------------------
* PM2.5 follows a monthly climatology (winter and early spring high, summer clean), scaled per
  forecast region (the west and the capital area higher, 영동 and 제주 cleaner), times smooth
  multi-day national and regional fluctuations.
* Stagnation episodes (mostly Nov–Mar) multiply PM by up to ~3 for one to three days: the
  occasional 나쁨 and, at their peak in the west, 매우나쁨 day.
* Yellow dust (황사, mostly Mar–May, rarely in winter) adds 100–400 µg/m³ of coarse dust to PM10
  (and a little to PM2.5) for about a day, strongest in the west: PM10 나쁨 / 매우나쁨.
* O3 (daily 1-hour maximum) peaks in May–June; it is forecast only in its season (15 Apr –
  15 Oct, as AirKorea's O3 forecast is seasonal **[U]**).
* Forecasts are the daily mean (PM) or daily maximum (O3) seen through an error that grows with
  lead time and is seeded by the issuance, so successive issuances mostly agree.
* Issuances: 05 and 11 KST cover today and tomorrow, 17 and 23 KST add the day after **[U]**. An
  issuance appears only once published (issuance + 10 min) at the caller's ``now``: right after
  the hour the day's list lacks it, as AirKorea's does.
* Real time: a handful of stations per province (:data:`STATIONS`), hourly values around their
  region's concentration with a diurnal cycle and station noise; about 3 % of station-hours are
  under calibration (flag ``점검및교정``, the value ``"-"`` or a number, no 1-hour grade) and 2 % lose PM2.5 (``통신장애``). Most
  station names match a district; ``서울/한강대로`` and ``경기/행신동`` match none (the province
  fallback); a few are dong names in ``regions.STATION_ALIASES``.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from weather_flick_batch.air_quality import grades as G
from weather_flick_batch.air_quality import issuance as I
from weather_flick_batch.air_quality import regions as R

__all__ = [
    "STATIONS",
    "O3_SEASON",
    "forecast_items",
    "forecast_payload",
    "realtime_items",
    "realtime_payload",
    "error_payload",
    "pm_truth",
    "daily_truth",
]

#: Stations per province (TourAPI area code): (stationName, mangName).
STATIONS: dict[int, tuple[tuple[str, str], ...]] = {
    1: (("종로구", "도시대기"), ("중구", "도시대기"), ("강남구", "도시대기"), ("송파구", "도시대기"),
        ("마포구", "도시대기"), ("한강대로", "도로변대기")),
    6: (("해운대구", "도시대기"), ("부산진구", "도시대기"), ("청룡동", "도시대기"), ("기장군", "도시대기")),
    4: (("수창동", "도시대기"), ("수성구", "도시대기"), ("달서구", "도시대기")),
    2: (("연수구", "도시대기"), ("부평구", "도시대기"), ("남동구", "도시대기"), ("강화", "교외대기")),
    5: (("광산구", "도시대기"), ("북구", "도시대기"), ("서구", "도시대기")),
    3: (("유성구", "도시대기"), ("대덕구", "도시대기"), ("서구", "도시대기")),
    7: (("남구", "도시대기"), ("울주군", "도시대기"), ("동구", "도시대기")),
    31: (("수원", "도시대기"), ("인계동", "도시대기"), ("고양시", "도시대기"), ("행신동", "도시대기"),
         ("파주", "도시대기"), ("의정부", "도시대기"), ("성남", "도시대기"), ("용인", "도시대기"),
         ("평택", "도시대기"), ("가평", "교외대기"), ("연천", "교외대기")),
    32: (("춘천", "도시대기"), ("원주", "도시대기"), ("강릉", "도시대기"), ("동해", "도시대기"),
         ("속초", "도시대기"), ("태백", "도시대기"), ("정선", "교외대기"), ("철원", "교외대기")),
    33: (("청주", "도시대기"), ("충주", "도시대기"), ("제천", "도시대기"), ("단양", "교외대기")),
    34: (("천안", "도시대기"), ("아산", "도시대기"), ("서산", "도시대기"), ("당진", "도시대기"), ("보령", "도시대기")),
    35: (("포항", "도시대기"), ("경주", "도시대기"), ("구미", "도시대기"), ("안동", "도시대기"), ("울릉", "교외대기")),
    36: (("창원", "도시대기"), ("진주", "도시대기"), ("김해", "도시대기"), ("통영", "도시대기"), ("거제", "도시대기")),
    37: (("전주", "도시대기"), ("군산", "도시대기"), ("익산", "도시대기"), ("남원", "교외대기")),
    38: (("목포", "도시대기"), ("여수", "도시대기"), ("순천", "도시대기"), ("광양", "도시대기"), ("나주", "도시대기")),
    8: (("아름동", "도시대기"), ("신흥동", "도시대기"), ("보람동", "도시대기")),
    39: (("이도동", "도시대기"), ("연동", "도시대기"), ("동홍동", "도시대기")),
}

#: (month, day) first and last day of the O3 forecast season, inclusive.
O3_SEASON: tuple[tuple[int, int], tuple[int, int]] = ((4, 15), (10, 15))

# Forecast region → (PM level factor, stagnation weight, yellow-dust weight, O3 factor).
_REGION: dict[str, tuple[float, float, float, float]] = {
    "서울": (1.15, 1.0, 1.0, 1.0), "인천": (1.1, 1.0, 1.0, 1.02), "경기북부": (1.15, 1.0, 1.0, 1.0),
    "경기남부": (1.2, 1.0, 1.0, 1.03), "충남": (1.15, 1.0, 1.0, 1.04), "충북": (1.2, 1.0, 0.95, 1.0),
    "세종": (1.1, 0.95, 0.95, 1.0), "대전": (1.05, 0.95, 0.95, 1.0), "전북": (1.15, 0.95, 0.95, 1.0),
    "광주": (1.0, 0.85, 0.9, 0.98), "전남": (0.9, 0.8, 0.9, 1.02), "대구": (1.0, 0.8, 0.8, 1.0),
    "경북": (0.95, 0.75, 0.8, 1.0), "울산": (0.95, 0.65, 0.75, 1.03), "부산": (0.9, 0.65, 0.75, 1.02),
    "경남": (0.95, 0.7, 0.75, 1.02), "영서": (0.95, 0.8, 0.85, 0.97), "영동": (0.7, 0.4, 0.55, 0.93),
    "제주": (0.7, 0.5, 0.7, 0.98),
}

# Monthly climatology (Jan..Dec).
_PM25_BASE = (22.0, 23.5, 25.0, 19.0, 17.0, 14.0, 11.5, 10.0, 10.0, 13.0, 18.0, 22.0)  # µg/m³, national
_PM_RATIO = (1.7, 1.75, 1.95, 2.0, 2.0, 1.7, 1.55, 1.5, 1.6, 1.75, 1.75, 1.7)  # PM10 / PM2.5 without dust
_STAGNATION_RATE = (0.09, 0.09, 0.09, 0.05, 0.04, 0.02, 0.01, 0.01, 0.02, 0.04, 0.07, 0.09)  # per day
_DUST_RATE = (0.01, 0.015, 0.06, 0.06, 0.04, 0.0, 0.0, 0.0, 0.0, 0.01, 0.02, 0.015)  # per day
_O3_BASE = (0.032, 0.038, 0.048, 0.060, 0.074, 0.078, 0.064, 0.060, 0.054, 0.044, 0.034, 0.030)  # ppm, daily max
_MONTH_ANCHORS = (15.5, 45.0, 74.5, 105.0, 135.5, 166.0, 196.5, 227.5, 258.0, 288.5, 319.0, 349.5)

_SEED_ROOT = "weatherflick-airkorea-sample-v1"
_EPOCH = datetime(1970, 1, 1, tzinfo=I.KST)

_HEADER_OK = {"resultCode": "00", "resultMsg": "NORMAL_CODE"}


# --------------------------------------------------------------------------- hashing & noise


@lru_cache(maxsize=65536)
def _u(*parts: Any) -> float:
    """Stable uniform value in [0, 1) from repr-able parts (independent of PYTHONHASHSEED)."""
    digest = hashlib.blake2b(repr((_SEED_ROOT, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2.0**64


def _noise(key: Any, x: float) -> float:
    """Smooth 1-D value noise in [-1, 1] with unit knot spacing."""
    i = math.floor(x)
    f = x - i
    f = f * f * (3.0 - 2.0 * f)
    a, b = 2.0 * _u("n", key, i) - 1.0, 2.0 * _u("n", key, i + 1) - 1.0
    return a + (b - a) * f


def _days(dt: datetime) -> float:
    """Days since 1970-01-01 00:00 KST."""
    return (I.to_kst(dt) - _EPOCH).total_seconds() / 86400.0


@lru_cache(maxsize=None)
def _day_info(k: int) -> tuple[int, int]:
    """(day of year, month) of KST day index ``k`` (days since 1970-01-01)."""
    d = _EPOCH.date() + timedelta(days=k)
    return d.timetuple().tm_yday, d.month


def _by_doy(monthly: tuple[float, ...], t: float) -> float:
    """Monthly values interpolated smoothly (and cyclically) to the day of year of ``t``."""
    k = math.floor(t)
    doy = _day_info(k)[0] + (t - k)
    xs = (_MONTH_ANCHORS[-1] - 365.25, *_MONTH_ANCHORS, _MONTH_ANCHORS[0] + 365.25)
    ys = (monthly[-1], *monthly, monthly[0])
    for j in range(len(xs) - 1):
        if xs[j] <= doy <= xs[j + 1]:
            w = (doy - xs[j]) / (xs[j + 1] - xs[j])
            return ys[j] + (ys[j + 1] - ys[j]) * w
    return monthly[_day_info(k)[1] - 1]


# --------------------------------------------------------------------------- episodes


@lru_cache(maxsize=None)
def _event(kind: str, k: int) -> tuple[float, float, float] | None:
    """``(start, duration, strength 0..1)`` of the episode of ``kind`` starting on day ``k``, if any."""
    rates = _STAGNATION_RATE if kind == "stagnation" else _DUST_RATE
    if _u(kind, k) >= rates[_day_info(k)[1] - 1]:
        return None
    duration = (1.2 + 1.8 * _u(kind, "dur", k)) if kind == "stagnation" else (0.8 + 1.2 * _u(kind, "dur", k))
    return k + _u(kind, "start", k), duration, _u(kind, "strength", k)


def _episodes(kind: str, t: float, lookback: int = 4) -> list[tuple[float, float]]:
    """``(bump 0..1, strength 0..1)`` of the episodes of ``kind`` active at ``t``."""
    active = []
    for k in range(math.floor(t) - lookback, math.floor(t) + 1):
        event = _event(kind, k)
        if event is not None and event[0] <= t <= event[0] + event[1]:
            start, duration, strength = event
            active.append((math.sin(math.pi * (t - start) / duration), strength))
    return active


def _stagnation(t: float) -> float:
    return sum(bump * (0.6 + 1.2 * s) for bump, s in _episodes("stagnation", t))


def _dust(t: float) -> float:
    """Yellow-dust PM10 addition (µg/m³) at full weight."""
    return sum(bump * (100.0 + 300.0 * s) for bump, s in _episodes("dust", t, lookback=3))


def pm_truth(region: str, when: datetime | float) -> tuple[float, float]:
    """Simulated ``(PM10, PM2.5)`` in µg/m³ for a forecast region at an instant (no diurnal cycle)."""
    t = _days(when) if isinstance(when, datetime) else float(when)
    level, w_stag, w_dust, _ = _REGION[region]
    fluctuation = 0.7 * _noise("national", t / 2.5) + 0.5 * _noise(("region", region), t / 1.5)
    pm25 = _by_doy(_PM25_BASE, t) * level * math.exp(0.45 * fluctuation) * (1.0 + w_stag * _stagnation(t))
    dust = w_dust * _dust(t)
    return pm25 * _by_doy(_PM_RATIO, t) + dust, pm25 + 0.12 * dust


def _o3_truth(region: str, t: float) -> float:
    """Simulated daily-maximum 1-hour O3 (ppm) around ``t``."""
    return _by_doy(_O3_BASE, t) * _REGION[region][3] * math.exp(0.22 * _noise(("o3", region), t / 2.0))


def daily_truth(region: str, day: date) -> dict[str, float]:
    """Daily mean PM10 and PM2.5 and daily-maximum O3 of a region on a KST day."""
    pm10, pm25, o3 = _daily_truth(region, day)
    return {"PM10": pm10, "PM25": pm25, "O3": o3}


@lru_cache(maxsize=16384)
def _daily_truth(region: str, day: date) -> tuple[float, float, float]:
    t0 = float((day - _EPOCH.date()).days)
    samples = [pm_truth(region, t0 + (h + 0.5) / 8.0) for h in range(8)]
    return sum(s[0] for s in samples) / 8.0, sum(s[1] for s in samples) / 8.0, _o3_truth(region, t0 + 0.6)


# --------------------------------------------------------------------------- forecast


def _in_o3_season(day: date) -> bool:
    (m0, d0), (m1, d1) = O3_SEASON
    return (m0, d0) <= (day.month, day.day) <= (m1, d1)


def _targets(base: datetime) -> list[date]:
    day = base.date()
    n = 2 if base.hour in (5, 11) else 3
    return [day + timedelta(days=k) for k in range(n)]


def _forecast_grades(base: datetime, code: str, target: date) -> dict[str, int]:
    noon = _days(datetime.combine(target, time(12), tzinfo=I.KST))
    lead = max(0.3, noon - _days(base))
    out = {}
    for region in R.FORECAST_REGIONS:
        value = daily_truth(region, target)[code]
        error = lead * 0.16 * (2.0 * _u("forecast", base.isoformat(), code, target.isoformat(), region) - 1.0)
        out[region] = G.grade_for_value(code, value * math.exp(error))
    return out


def _josa(word: str) -> str:
    last = word[-1]
    if "가" <= last <= "힣":
        return word + ("은" if (ord(last) - 0xAC00) % 28 else "는")
    return word + "은(는)"


def _overall(code: str, grades_by_region: dict[str, int]) -> str:
    label = "[오존]" if code == "O3" else "[미세먼지]"
    counts: dict[int, int] = {}
    for g in grades_by_region.values():
        counts[g] = counts.get(g, 0) + 1
    dominant = max(sorted(counts), key=lambda g: counts[g])
    if len(counts) == 1:
        return f"○ {label} 전 권역이 '{G.GRADE_NAMES[dominant]}'으로 예상됩니다."
    parts = []
    for g in sorted(counts, reverse=True):
        if g == dominant:
            continue
        names = "·".join(r for r in R.FORECAST_REGIONS if grades_by_region[r] == g)
        parts.append(f"{_josa(names)} '{G.GRADE_NAMES[g]}'")
    return f"○ {label} {', '.join(parts)}, 그 밖의 권역은 '{G.GRADE_NAMES[dominant]}'으로 예상됩니다."


def _cause(code: str, target: date, worst: int) -> str:
    if code == "O3":
        return ("○ [오존] 대기오염물질의 광화학 반응에 의한 오존 생성과 이동으로 대부분 지역은 오후에 일시적으로 "
                "농도가 높을 것으로 예상됩니다.")
    t0 = _days(datetime.combine(target, time(0), tzinfo=I.KST))
    if worst >= G.BAD and any(_dust(t0 + h / 4.0) > 30.0 for h in range(4)):
        return "○ [미세먼지] 국외에서 발원한 황사가 유입되어 서쪽 지역을 중심으로 농도가 높을 것으로 예상됩니다."
    if worst >= G.BAD:
        return "○ [미세먼지] 대기 정체로 국내·외 미세먼지가 축적되어 농도가 높을 것으로 예상됩니다."
    return "○ [미세먼지] 원활한 대기 확산으로 대기질이 대체로 '보통' 수준일 것으로 예상됩니다."


def _image_urls(base: datetime, code: str, target: date) -> dict[str, str | None]:
    if target != base.date():
        return {f"imageUrl{i}": None for i in range(1, 7)}
    stamp = base.strftime("%Y%m%d")
    path = base.strftime("%Y/%m/%d")
    urls = {}
    for i in range(1, 7):
        kind = code if code == "O3" else ("PM10" if i <= 3 else "PM2P5")
        hour = base + timedelta(hours=4 + 6 * ((i - 1) % 3))
        urls[f"imageUrl{i}"] = (f"https://www.airkorea.or.kr/file/proxyImage?fileName={path}/AQFv1_{base.hour:02d}h."
                                f"{stamp}.KNU_09_01.{kind}.1hsp.{hour:%Y%m%d%H}.png")
    return urls


@lru_cache(maxsize=512)
def _issuance_items(base: datetime) -> tuple[dict[str, Any], ...]:
    items = []
    for code in ("PM10", "PM25", "O3"):
        for target in _targets(base):
            if code == "O3" and not _in_o3_season(target):
                continue
            grades_by_region = _forecast_grades(base, code, target)
            item: dict[str, Any] = {
                "dataTime": I.format_data_time(base),
                "informCode": code,
                "informData": target.strftime("%Y-%m-%d"),
                "informGrade": ",".join(f"{r} : {G.GRADE_NAMES[grades_by_region[r]]}" for r in R.FORECAST_REGIONS),
                "informOverall": _overall(code, grades_by_region),
                "informCause": _cause(code, target, max(grades_by_region.values())),
                "actionKnack": None,
            }
            item.update(_image_urls(base, code, target))
            items.append(item)
    return tuple(items)


def forecast_items(search_date: date, now: datetime, inform_code: str | None = None) -> list[dict[str, Any]]:
    """Every forecast item listed for ``searchDate`` at ``now``: the day's issuances already published,
    newest first, then PM10, PM25, O3 and target date (copies: callers may mutate them)."""
    code = None if inform_code in (None, "") else str(inform_code).strip().upper()
    out = []
    for base in reversed(I.issuances_on(search_date)):
        if I.publication_time(base) > I.to_kst(now):
            continue
        out.extend(dict(item) for item in _issuance_items(base) if code is None or item["informCode"] == code)
    return out


# --------------------------------------------------------------------------- real time


def _cai_sub_index(measure: str, value: float) -> float:
    bounds = G.BANDS[measure]
    top = {"PM10": 600.0, "PM25": 500.0, "O3": 0.6}[measure]
    xs, ys = (0.0, *bounds, top), (0.0, 50.0, 100.0, 250.0, 500.0)
    for k in range(4):
        if value <= xs[k + 1]:
            return ys[k] + (ys[k + 1] - ys[k]) * (value - xs[k]) / (xs[k + 1] - xs[k])
    return 500.0


def _station_region(region_code: int, station: str) -> str:
    where = R.assign_station(region_code, station)
    return R.region_for(region_code, where.sigungu_code)


def _station_hour(region_code: int, station: str, mang: str, hour: datetime) -> dict[str, float]:
    region = _station_region(region_code, station)
    key = (region_code, station)
    factor = (1.15 if mang == "도로변대기" else 0.85 if mang == "교외대기" else 1.0) * (0.9 + 0.2 * _u("station", key))

    def at(h: datetime) -> tuple[float, float]:
        t = _days(h)
        diurnal = 1.0 + 0.15 * math.cos(2.0 * math.pi * (h.hour - 9) / 24.0)
        wobble = math.exp(0.2 * _noise(("station", key), t * 24.0 / 5.0))
        pm10, pm25 = pm_truth(region, t)
        return pm10 * factor * diurnal * wobble, pm25 * factor * diurnal * wobble

    pm10, pm25 = at(hour)
    history = [at(hour - timedelta(hours=k)) for k in range(0, 24, 3)]
    t = _days(hour)
    o3_max = _o3_truth(region, t)
    o3 = o3_max * (0.3 + 0.7 * max(0.0, math.sin(math.pi * (hour.hour - 6) / 14.0)) if 6 <= hour.hour <= 20 else 0.3)
    return {
        "pm10": pm10, "pm25": pm25,
        "pm10_24": sum(h[0] for h in history) / len(history), "pm25_24": sum(h[1] for h in history) / len(history),
        "o3": o3 * (0.95 + 0.1 * _u("o3", key, hour.isoformat())),
        "no2": 0.008 + 0.03 * factor * _u("no2", key, hour.isoformat()),
        "co": 0.2 + 0.5 * _u("co", key, hour.isoformat()),
        "so2": 0.002 + 0.003 * _u("so2", key, hour.isoformat()),
    }


def _grade_text(measure: str, value: float | None) -> str | None:
    if value is None:
        return None
    code = G.grade_for_value(measure, value)
    return str(code) if code is not None else None


def _station_item(region_code: int, station: str, mang: str, hour: datetime) -> dict[str, Any]:
    v = _station_hour(region_code, station, mang, hour)
    roll = _u("fault", region_code, station, hour.isoformat())
    calibrating = roll < 0.03
    pm25_lost = 0.03 <= roll < 0.05
    # Under calibration AirKorea may send "-" or a number next to the flag: half and half.
    hide = calibrating and roll < 0.015
    pm10 = None if hide else round(v["pm10"])
    pm25 = None if hide or pm25_lost else round(v["pm25"])
    pm10_24 = None if hide else round(v["pm10_24"])
    pm25_24 = None if hide or pm25_lost else round(v["pm25_24"])
    o3 = round(v["o3"], 3)
    subs = [_cai_sub_index("O3", o3)]
    if pm10_24 is not None:
        subs.append(_cai_sub_index("PM10", pm10_24))
    if pm25_24 is not None:
        subs.append(_cai_sub_index("PM25", pm25_24))
    khai = None if calibrating else round(max(subs))

    def text(value: float | None, fmt: str = "{:.0f}") -> str:
        return "-" if value is None else fmt.format(value)

    return {
        "so2Grade": "1", "coFlag": None, "khaiValue": text(khai), "so2Value": text(v["so2"], "{:.3f}"),
        "coValue": text(v["co"], "{:.1f}"), "pm25Flag": "점검및교정" if calibrating else "통신장애" if pm25_lost else None,
        "pm10Flag": "점검및교정" if calibrating else None, "o3Grade": _grade_text("O3", o3),
        "pm10Value": text(pm10), "khaiGrade": _grade_text("CAI", khai), "pm25Value": text(pm25),
        "sidoName": R.SIDO_NAME_BY_REGION_CODE[region_code], "no2Flag": None,
        "no2Grade": "1" if v["no2"] <= 0.03 else "2",
        "o3Flag": None, "pm25Grade": _grade_text("PM25", pm25_24), "so2Flag": None,
        "dataTime": hour.strftime("%Y-%m-%d %H:%M"), "coGrade": "1", "no2Value": text(v["no2"], "{:.3f}"),
        "stationName": station, "pm10Grade": _grade_text("PM10", pm10_24), "o3Value": text(o3, "{:.3f}"),
        "mangName": mang, "pm10Value24": text(pm10_24), "pm25Value24": text(pm25_24),
        "pm10Grade1h": None if calibrating else _grade_text("PM10", pm10),
        "pm25Grade1h": None if calibrating else _grade_text("PM25", pm25),
    }


def realtime_items(sido_name: str, hour: datetime) -> list[dict[str, Any]]:
    """Every station row of ``sido_name`` (or ``전국``: all provinces in AirKorea's order) for an hour."""
    hour = I.to_kst(hour).replace(minute=0, second=0, microsecond=0)
    codes = (list(R.REGION_CODE_BY_SIDO_NAME.values()) if sido_name == R.ALL_SIDO
             else [R.REGION_CODE_BY_SIDO_NAME[sido_name]])
    return [_station_item(code, station, mang, hour) for code in codes for station, mang in STATIONS[code]]


# --------------------------------------------------------------------------- payloads


def error_payload(code: str, msg: str) -> dict[str, Any]:
    """A header-only error envelope, as AirKorea answers a bad request or NODATA."""
    return {"response": {"header": {"resultCode": code, "resultMsg": msg}}}


def _page(items: list[dict[str, Any]], page_no: int, num_of_rows: int) -> dict[str, Any]:
    start = (page_no - 1) * num_of_rows
    return {"response": {"body": {"totalCount": len(items), "items": items[start:start + num_of_rows],
                                  "pageNo": page_no, "numOfRows": num_of_rows},
                         "header": dict(_HEADER_OK)}}


def _paging(page_no: Any, num_of_rows: Any) -> tuple[int, int] | None:
    try:
        page, rows = int(page_no), int(num_of_rows)
    except (TypeError, ValueError):
        return None
    return (page, rows) if page >= 1 and rows >= 1 else None


def forecast_payload(search_date: str | date | None, now: datetime, inform_code: str | None = None, *,
                     page_no: Any = 1, num_of_rows: Any = 10) -> dict[str, Any]:
    """``getMinuDustFrcstDspth`` for ``searchDate`` as AirKorea would answer it at ``now``.

    A day with nothing published yet (future, or before 05:10) is an empty list with totalCount 0.
    A malformed ``searchDate``/``InformCode``/paging gives result code 10.
    """
    paging = _paging(page_no, num_of_rows)
    if paging is None:
        return error_payload("10", "INVALID_REQUEST_PARAMETER_ERROR")
    if inform_code not in (None, "") and str(inform_code).strip().upper() not in ("PM10", "PM25", "O3"):
        return error_payload("10", "INVALID_REQUEST_PARAMETER_ERROR")
    if isinstance(search_date, date):
        day = search_date
    else:
        try:
            day = datetime.strptime(str(search_date), "%Y-%m-%d").date()
        except ValueError:
            return error_payload("10", "INVALID_REQUEST_PARAMETER_ERROR")
    return _page(forecast_items(day, now, inform_code), *paging)


def realtime_payload(sido_name: str | None, now: datetime, *, page_no: Any = 1,
                     num_of_rows: Any = 10) -> dict[str, Any]:
    """``getCtprvnRltmMesureDnsty`` (``ver=1.3`` fields) for a province at ``now``: the newest published hour."""
    paging = _paging(page_no, num_of_rows)
    if paging is None or (sido_name not in R.REGION_CODE_BY_SIDO_NAME and sido_name != R.ALL_SIDO):
        return error_payload("10", "INVALID_REQUEST_PARAMETER_ERROR")
    return _page(realtime_items(sido_name, I.latest_realtime_hour(now)), *paging)

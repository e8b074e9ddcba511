"""Sample payloads of the grid operations: getUltraSrtNcst, getUltraSrtFcst and getVilageFcst.

Short-range and nowcast values are strings formatted as KMA formats them, ``nx``/``ny`` are ints.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from weather_flick_batch.core.grid import grid_to_latlon
from weather_flick_batch.weather.issuance import KST, SHORT_RANGE_BASE_HOURS, parse_kma_base
from weather_flick_batch.weather.sample_source.kma_format import (
    _base,
    _check_cell,
    _fmt_1,
    _fmt_int,
    _fmt_pcp,
    _fmt_sno,
    _payload,
    _pop,
    _pty_short,
    _pty_ultra,
    _sky,
    _wind_components,
)
from weather_flick_batch.weather.sample_source.model import _epoch_hours, _ForecastError, _hours_since_epoch, _weather
from weather_flick_batch.weather.sample_source.noise import _seed

__all__ = [
    "SHORT_RANGE_CATEGORY_ORDER",
    "NOWCAST_CATEGORY_ORDER",
    "ULTRA_SHORT_FCST_CATEGORY_ORDER",
    "ultra_srt_ncst",
    "ultra_srt_fcst",
    "vilage_fcst",
]

#: Category order within one forecast hour, as KMA lists them (TMN/TMX follow SNO).
SHORT_RANGE_CATEGORY_ORDER: tuple[str, ...] = (
    "TMP", "UUU", "VVV", "VEC", "WSD", "SKY", "PTY", "POP", "WAV", "PCP", "REH", "SNO",
)
NOWCAST_CATEGORY_ORDER: tuple[str, ...] = (
    "PTY", "REH", "RN1", "T1H", "UUU", "VEC", "VVV", "WSD",
)
#: getUltraSrtFcst lists items category-major (all six hours of one category, then the next).
ULTRA_SHORT_FCST_CATEGORY_ORDER: tuple[str, ...] = (
    "LGT", "PTY", "RN1", "SKY", "T1H", "REH", "UUU", "VVV", "VEC", "WSD",
)


def ultra_srt_ncst(base_date: str, base_time: str, nx: int, ny: int,
                   page_no: int = 1, num_of_rows: int = 1000) -> dict[str, Any]:
    """``getUltraSrtNcst``: observed weather at cell (nx, ny) for hour ``base_time`` (HH00).

    Values are the model *truth* at that hour: T1H (°C, 1 decimal), RN1 (mm in the last
    hour, a plain number), REH, PTY (ultra-short table), WSD, VEC, UUU, VVV.
    """
    _check_cell(nx, ny)
    base = _base(base_date, base_time, range(24), "nowcast")
    lat, lon = grid_to_latlon(nx, ny)
    w = _weather(lat, lon, _hours_since_epoch([base]), None, (nx, ny))
    temp, rain = float(w.temp[0]), float(w.rain[0])
    wsd, vec = round(float(w.wsd[0]), 1), float(round(w.vec[0])) % 360
    uuu, vvv = _wind_components(wsd, vec)
    values = {
        "PTY": str(_pty_ultra(rain, temp)),
        "REH": _fmt_int(w.rh[0]),
        "RN1": "0" if rain < 0.1 else _fmt_1(rain),
        "T1H": _fmt_1(temp),
        "UUU": _fmt_1(uuu),
        "VEC": _fmt_int(vec),
        "VVV": _fmt_1(vvv),
        "WSD": _fmt_1(wsd),
    }
    items = [
        {"baseDate": base_date, "baseTime": base_time, "category": cat, "nx": nx, "ny": ny,
         "obsrValue": values[cat]}
        for cat in NOWCAST_CATEGORY_ORDER
    ]
    return _payload(items, page_no, num_of_rows)


def ultra_srt_fcst(base_date: str, base_time: str, nx: int, ny: int,
                   page_no: int = 1, num_of_rows: int = 1000) -> dict[str, Any]:
    """``getUltraSrtFcst``: the ultra-short forecast of one issuance (base HH30) for cell (nx, ny).

    Six hourly steps, fcstTime (H+1)00 .. (H+6)00, ten categories listed category-major as KMA
    does (60 items): T1H, RN1 as KMA's category text (``강수없음``, ``1mm 미만``, ``2.5mm`` ...),
    SKY, UUU, VVV, REH, PTY (ultra-short table), LGT (0 unless a convective cell is overhead),
    VEC, WSD. The values are a forecast of the same truth the nowcast observes, with the
    error of a lead of one to six hours.
    """
    _check_cell(nx, ny)
    base = parse_kma_base(base_date, base_time)
    if base.minute != 30:
        raise ValueError(f"{base_time!r} is not an ultra-short forecast base time (HH30)")
    lat, lon = grid_to_latlon(nx, ny)
    hours = [base.replace(minute=0) + timedelta(hours=k) for k in range(1, 7)]
    err = _ForecastError(_epoch_hours(base), _seed("ultra-short", base.isoformat()))
    w = _weather(lat, lon, _hours_since_epoch(hours), err, (nx, ny))
    per_hour: list[dict[str, str]] = []
    for i in range(len(hours)):
        temp, rain, conv = float(w.temp[i]), float(w.rain[i]), float(w.conv[i])
        wsd, vec = round(float(w.wsd[i]), 1), float(round(w.vec[i])) % 360
        uuu, vvv = _wind_components(wsd, vec)
        per_hour.append({
            "LGT": "1" if conv > 2.0 else "0",
            "PTY": str(_pty_ultra(rain, temp)),
            "RN1": _fmt_pcp(rain),
            "SKY": str(_sky(float(w.cloud[i]), rain)),
            "T1H": _fmt_int(temp),
            "REH": _fmt_int(w.rh[i]),
            "UUU": _fmt_1(uuu),
            "VVV": _fmt_1(vvv),
            "VEC": _fmt_int(vec),
            "WSD": _fmt_1(wsd),
        })
    items = [
        {"baseDate": base_date, "baseTime": base_time, "category": cat,
         "fcstDate": h.strftime("%Y%m%d"), "fcstTime": h.strftime("%H%M"), "fcstValue": per_hour[i][cat],
         "nx": nx, "ny": ny}
        for cat in ULTRA_SHORT_FCST_CATEGORY_ORDER for i, h in enumerate(hours)
    ]
    return _payload(items, page_no, num_of_rows)


def _short_range_hours(base: datetime) -> list[datetime]:
    """Valid hours of an issuance: base+1 h through 23:00 of the forecast day + 2.

    The forecast day of the 23:00 issuance is the next day (it is that day's first
    issuance), so every issuance reaches at least 48 h and at most 72 h ahead.
    """
    first_day = base.date() + timedelta(days=1 if base.hour == 23 else 0)
    end = datetime.combine(first_day + timedelta(days=2), datetime.min.time(), tzinfo=KST) + timedelta(hours=23)
    out, t = [], base + timedelta(hours=1)
    while t <= end:
        out.append(t)
        t += timedelta(hours=1)
    return out


def vilage_fcst(base_date: str, base_time: str, nx: int, ny: int,
                page_no: int = 1, num_of_rows: int = 1000) -> dict[str, Any]:
    """``getVilageFcst``: the short-range forecast of one issuance for cell (nx, ny).

    Hourly TMP, UUU, VVV, VEC, WSD, SKY, PTY, POP, WAV, PCP, REH, SNO from base + 1 h
    through 23:00 two days later (three for the 23:00 issuance), plus TMN at 0600 and TMX
    at 1500; 800–900 items, paged by ``page_no`` / ``num_of_rows``.
    """
    _check_cell(nx, ny)
    base = _base(base_date, base_time, SHORT_RANGE_BASE_HOURS, "short-range")
    lat, lon = grid_to_latlon(nx, ny)
    hours = _short_range_hours(base)
    err = _ForecastError(_epoch_hours(base), _seed("issuance", base.isoformat()))
    w = _weather(lat, lon, _hours_since_epoch(hours), err, (nx, ny))

    # Daily extremes come from the same forecast, evaluated over whole days, so TMN/TMX
    # agree with the hourly temperatures around them.
    days = sorted({h.date() for h in hours})
    day_hours = [datetime.combine(d, datetime.min.time(), tzinfo=KST) + timedelta(hours=k)
                 for d in days for k in range(24)]
    wd = _weather(lat, lon, _hours_since_epoch(day_hours), err, (nx, ny))
    temp_by_day = wd.temp.reshape(len(days), 24)
    tmn = {d: float(temp_by_day[i, 0:10].min()) for i, d in enumerate(days)}
    tmx = {d: float(temp_by_day[i, 11:18].max()) for i, d in enumerate(days)}

    items: list[dict[str, Any]] = []
    for i, h in enumerate(hours):
        lead_h = (h - base).total_seconds() / 3600.0
        temp, rain, conv = float(w.temp[i]), float(w.rain[i]), float(w.conv[i])
        pty = _pty_short(rain, conv, temp)
        wsd, vec = round(float(w.wsd[i]), 1), float(round(w.vec[i])) % 360
        uuu, vvv = _wind_components(wsd, vec)
        if pty == 3:
            snow_cm, pcp = rain * 1.0, rain  # ~10:1 snow ratio: 1 mm water → 1 cm
        elif pty == 2:
            snow_cm, pcp = rain * 0.4, rain
        else:
            snow_cm, pcp = 0.0, rain
        values = {
            "TMP": _fmt_int(temp),
            "UUU": _fmt_1(uuu),
            "VVV": _fmt_1(vvv),
            "VEC": _fmt_int(vec),
            "WSD": _fmt_1(wsd),
            "SKY": str(_sky(float(w.cloud[i]), rain)),
            "PTY": str(pty),
            "POP": str(_pop(rain, float(w.near[i]), lead_h)),
            "WAV": "0",
            "PCP": _fmt_pcp(pcp),
            "REH": _fmt_int(w.rh[i]),
            "SNO": _fmt_sno(snow_cm),
        }
        fcst_date, fcst_time = h.strftime("%Y%m%d"), h.strftime("%H%M")
        cats = list(SHORT_RANGE_CATEGORY_ORDER)
        if h.hour == 6:
            values["TMN"] = f"{round(tmn[h.date()]):.1f}"
            cats.append("TMN")
        if h.hour == 15:
            values["TMX"] = f"{round(tmx[h.date()]):.1f}"
            cats.append("TMX")
        for cat in cats:
            items.append({
                "baseDate": base_date, "baseTime": base_time, "category": cat,
                "fcstDate": fcst_date, "fcstTime": fcst_time, "fcstValue": values[cat],
                "nx": nx, "ny": ny,
            })
    return _payload(items, page_no, num_of_rows)

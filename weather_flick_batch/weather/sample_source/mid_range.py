"""Sample payloads of the medium-range operations (getMidLandFcst, getMidTa) and their regions.

Mid-range values are JSON numbers (``rnSt*``, ``taMin*``...) and strings (``wf*``), as KMA sends
them; a region is simulated at a few points around its centre, a city at its own position.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from weather_flick_batch.weather.issuance import KST, MID_RANGE_BASE_HOURS
from weather_flick_batch.weather.sample_source.kma_format import _base, _payload
from weather_flick_batch.weather.sample_source.model import (
    _CLIM_POP,
    _epoch_hours,
    _ForecastError,
    _hours_since_epoch,
    _weather,
)
from weather_flick_batch.weather.sample_source.noise import _seed

__all__ = [
    "MID_LAND_REGIONS",
    "MID_LAND_REGION_CENTRES",
    "MID_TA_CITIES",
    "MID_RANGE_DAYS",
    "mid_land_fcst",
    "mid_ta",
]

# --------------------------------------------------------------------------- regions

#: Mid-range land forecast regions (``getMidLandFcst`` ``regId``) → English name.
MID_LAND_REGIONS: dict[str, str] = {
    "11B00000": "Seoul/Incheon/Gyeonggi",
    "11D10000": "Gangwon west (Yeongseo)",
    "11D20000": "Gangwon east (Yeongdong)",
    "11C20000": "Daejeon/Sejong/Chungnam",
    "11C10000": "Chungbuk",
    "11F20000": "Gwangju/Jeonnam",
    "11F10000": "Jeonbuk",
    "11H10000": "Daegu/Gyeongbuk",
    "11H20000": "Busan/Ulsan/Gyeongnam",
    "11G00000": "Jeju",
}

#: Representative centre (lat, lon) of each land region, used to simulate it.
MID_LAND_REGION_CENTRES: dict[str, tuple[float, float]] = {
    "11B00000": (37.45, 127.00),
    "11D10000": (37.75, 128.00),
    "11D20000": (37.60, 128.90),
    "11C20000": (36.50, 126.90),
    "11C10000": (36.80, 127.70),
    "11F20000": (34.90, 126.90),
    "11F10000": (35.72, 127.15),
    "11H10000": (36.30, 128.70),
    "11H20000": (35.30, 128.60),
    "11G00000": (33.40, 126.55),
}

#: Mid-range temperature cities (``getMidTa`` ``regId``) → (English name, lat, lon):
#: the seven of the reference plus at least one per remaining province.
MID_TA_CITIES: dict[str, tuple[str, float, float]] = {
    "11B10101": ("Seoul", 37.5665, 126.9780),
    "11B20201": ("Incheon", 37.4563, 126.7052),
    "11B20601": ("Suwon", 37.2636, 127.0286),
    "11D10301": ("Chuncheon", 37.8813, 127.7298),
    "11D20501": ("Gangneung", 37.7519, 128.8761),
    "11C10301": ("Cheongju", 36.6424, 127.4890),
    "11C20401": ("Daejeon", 36.3504, 127.3845),
    "11C20404": ("Sejong", 36.4800, 127.2890),
    "11C20101": ("Seosan", 36.7845, 126.4503),
    "11C20104": ("Hongseong", 36.6013, 126.6608),
    "11F10201": ("Jeonju", 35.8242, 127.1480),
    "11F20501": ("Gwangju", 35.1595, 126.8526),
    "21F20801": ("Mokpo", 34.8118, 126.3922),
    "11F20401": ("Yeosu", 34.7604, 127.6622),
    "11H10701": ("Daegu", 35.8714, 128.6014),
    "11H10501": ("Andong", 36.5684, 128.7294),
    "11H10201": ("Pohang", 36.0190, 129.3435),
    "11H20201": ("Busan", 35.1796, 129.0756),
    "11H20101": ("Ulsan", 35.5384, 129.3114),
    "11H20301": ("Changwon", 35.2281, 128.6811),
    "11G00201": ("Jeju", 33.4996, 126.5312),
    "11G00401": ("Seogwipo", 33.2541, 126.5600),
}

#: Day offsets (from the ``tmFc`` date) the mid-range payloads carry.
MID_RANGE_DAYS: tuple[int, ...] = tuple(range(3, 11))


def _tm_fc(tm_fc: str) -> datetime:
    s = str(tm_fc)
    if len(s) != 12:
        raise ValueError(f"tmFc must be 'YYYYMMDDHHMM', got {tm_fc!r}")
    return _base(s[:8], s[8:], MID_RANGE_BASE_HOURS, "mid-range (tmFc)")


def _day_hours(d: date) -> list[datetime]:
    start = datetime.combine(d, datetime.min.time(), tzinfo=KST)
    return [start + timedelta(hours=k) for k in range(24)]


def _mid_sky_text(cloud: float, pop: int, temp: float, convective: bool) -> str:
    sky = "맑음" if cloud < 0.3 else "구름많음" if cloud < 0.7 else "흐림"
    if pop < 60:
        return sky
    form = "눈" if temp <= 0.0 else "비/눈" if temp <= 2.0 else "소나기" if convective else "비"
    return ("흐리고 " if sky == "흐림" else "구름많고 ") + form


def mid_land_fcst(reg_id: str, tm_fc: str, page_no: int = 1,
                  num_of_rows: int = 10) -> dict[str, Any]:
    """``getMidLandFcst``: rain probability and sky text for days 3–10 of a land region.

    ``rnSt{N}Am/Pm`` and ``wf{N}Am/Pm`` for N = 3..7, ``rnSt{N}`` / ``wf{N}`` for 8..10.
    Rain probabilities (multiples of 10) come from the forecast rain over a few points of
    the region, blended toward the monthly climatological chance as the lead grows.
    """
    if reg_id not in MID_LAND_REGIONS:
        raise ValueError(f"unknown mid-range land region {reg_id!r}; known: {sorted(MID_LAND_REGIONS)}")
    tm = _tm_fc(tm_fc)
    lat0, lon0 = MID_LAND_REGION_CENTRES[reg_id]
    err = _ForecastError(_epoch_hours(tm), _seed("mid-issuance", tm.isoformat()))
    offsets = ((0.0, 0.0), (0.3, 0.0), (-0.3, 0.0), (0.0, 0.35), (0.0, -0.35))
    item: dict[str, Any] = {"regId": reg_id}
    rn: dict[str, int] = {}
    wf: dict[str, str] = {}
    for n in MID_RANGE_DAYS:
        d = tm.date() + timedelta(days=n)
        t = _hours_since_epoch(_day_hours(d))
        ws = [_weather(lat0 + a, lon0 + b, t, err, (reg_id, a, b)) for a, b in offsets]
        rain = np.stack([w.rain for w in ws])
        conv = np.stack([w.conv for w in ws])
        near = np.stack([w.near for w in ws])
        cloud = np.stack([w.cloud for w in ws])
        temp = np.stack([w.temp for w in ws])
        month = d.month
        weight = float(np.clip(1.0 - (n - 2) * 0.1, 0.3, 1.0))
        halves = {"Am": slice(0, 12), "Pm": slice(12, 24)} if n <= 7 else {"": slice(0, 24)}
        for half, sl in halves.items():
            r = rain[:, sl]
            wet_points = float((r >= 0.1).any(axis=1).mean())
            if wet_points > 0:
                det = 50.0 + 40.0 * wet_points
            else:
                det = min(40.0, 10.0 + 40.0 * float(near[:, sl].mean()) * 1.5)
            pop = int(round((weight * det + (1 - weight) * _CLIM_POP[month - 1]) / 10.0)) * 10
            daytime = sl if half else slice(9, 18)
            wet = r >= 0.1
            mean_temp_wet = float(temp[:, sl][wet].mean()) if wet.any() else float(temp[:, sl].mean())
            convective = bool(conv[:, sl].sum() > 0.5 * max(r.sum(), 1e-9))
            text = _mid_sky_text(float(cloud[:, daytime].mean()), pop, mean_temp_wet, convective)
            rn[f"rnSt{n}{half}"] = pop
            wf[f"wf{n}{half}"] = text
    # KMA lists all rain probabilities first, then the sky texts.
    item.update(rn)
    item.update(wf)
    return _payload([item], page_no, num_of_rows)


def mid_ta(reg_id: str, tm_fc: str, page_no: int = 1, num_of_rows: int = 10) -> dict[str, Any]:
    """``getMidTa``: daily min/max temperature (°C, integers) for days 3–10 of a city.

    Includes the ``taMin{N}Low/High`` and ``taMax{N}Low/High`` spread keys (non-negative
    integers, wider at longer leads).
    """
    if reg_id not in MID_TA_CITIES:
        raise ValueError(f"unknown mid-range temperature city {reg_id!r}; known: {sorted(MID_TA_CITIES)}")
    tm = _tm_fc(tm_fc)
    _, lat, lon = MID_TA_CITIES[reg_id]
    err = _ForecastError(_epoch_hours(tm), _seed("mid-issuance", tm.isoformat()))
    item: dict[str, Any] = {"regId": reg_id}
    for n in MID_RANGE_DAYS:
        d = tm.date() + timedelta(days=n)
        w = _weather(lat, lon, _hours_since_epoch(_day_hours(d)), err, (reg_id,))
        lo = int(round(float(w.temp[0:10].min())))
        hi = int(round(float(w.temp[11:18].max())))
        hi = max(hi, lo)
        rng = random.Random(_seed("mid-ta-spread", reg_id, tm.isoformat(), n))
        base_spread = 0.25 * (n - 3)
        item[f"taMin{n}"] = lo
        item[f"taMin{n}Low"] = int(round(base_spread + rng.uniform(0.0, 1.5)))
        item[f"taMin{n}High"] = int(round(base_spread + rng.uniform(0.0, 1.5)))
        item[f"taMax{n}"] = hi
        item[f"taMax{n}Low"] = int(round(base_spread + rng.uniform(0.0, 1.5)))
        item[f"taMax{n}High"] = int(round(base_spread + rng.uniform(0.0, 1.5)))
    return _payload([item], page_no, num_of_rows)

"""Offline KMA sample source: realistic, deterministic payloads in the exact KMA JSON shape.

This is the platform's embedded default when no KMA key is configured, so its data must
behave like weather: every function returns the dict ``json.loads`` would give for the
real operation (header ``resultCode`` ``"00"``, ``body`` with ``dataType``, ``pageNo``,
``numOfRows``, ``totalCount`` and ``items.item``).  Short-range and nowcast values are
strings formatted as KMA formats them, ``nx``/``ny`` are ints; mid-range values are JSON
numbers (``rnSt*``, ``taMin*``...) and strings (``wf*``), as KMA sends them.  Nothing in
a payload says it is simulated — the caller labels the data.

Weather model
-------------
The *truth* is a deterministic function of place and valid time; a forecast is the truth
seen through an error that grows with lead time and is seeded by the issuance.  Hence
successive issuances agree closely for the same valid time, and forecasts can be verified
against the nowcast (which *is* the truth at that hour).

* Temperature: monthly normals (1991–2020-like) at five reference latitudes (Jeju 33.5°,
  south coast 35.1°, Daejeon 36.35°, Seoul 37.57°, north Gangwon 38.3°), interpolated
  smoothly in latitude and day of year; a diurnal cycle with its minimum at 06 h and
  maximum at 15 h whose range shrinks under cloud; synoptic anomalies of a few °C that
  drift eastward over days; cooling under rain.
* Rain: moving weather systems.  Every 6-hour slot may spawn a frontal rain band (more often
  in spring and summer) west of Korea that crosses the peninsula eastward at 30–55 km/h
  over a day or so, with internal structure; in June–September short-lived convective
  showers pop up in the afternoon; from late June to late July a quasi-stationary monsoon
  front (changma) pulses while migrating north.  Rain fields are smooth in space and
  time, so neighbouring cells rain together and consecutive hours are correlated.
* Precipitation type from temperature (snow at or below 0 °C, sleet to 2 °C, showers when
  convective); cloud cover from a background field plus proximity to systems (overcast
  when raining); humidity anti-correlated with the diurnal temperature cycle and high in
  rain; wind from seasonal prevailing directions, stronger near fronts.
* Forecast errors: temperature, humidity, wind and cloud noise whose amplitude grows with
  lead; rain systems are forecast with timing (and for showers, position) errors that grow
  with lead; probability of precipitation is high (60–90 %) where the forecast rains and
  low elsewhere, drifting to climatology at long mid-range leads.

Not modelled: typhoons, orographic snow, sea points (``WAV`` is ``"0"``, as KMA sends for
land cells).  All randomness comes from hashes of the inputs (``hashlib`` and an integer
hash for noise fields) — no global random state.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Iterable

import numpy as np

from weather_flick_batch.core.grid import GRID_NX_MAX, GRID_NY_MAX, grid_to_latlon
from weather_flick_batch.weather.issuance import (
    KST,
    MID_RANGE_BASE_HOURS,
    SHORT_RANGE_BASE_HOURS,
    parse_kma_base,
)

__all__ = [
    "MID_LAND_REGIONS",
    "MID_LAND_REGION_CENTRES",
    "MID_TA_CITIES",
    "SHORT_RANGE_CATEGORY_ORDER",
    "NOWCAST_CATEGORY_ORDER",
    "MID_RANGE_DAYS",
    "ULTRA_SHORT_FCST_CATEGORY_ORDER",
    "ultra_srt_ncst",
    "ultra_srt_fcst",
    "vilage_fcst",
    "mid_land_fcst",
    "mid_ta",
    "empty_nodata_payload",
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
#: Day offsets (from the ``tmFc`` date) the mid-range payloads carry.
MID_RANGE_DAYS: tuple[int, ...] = tuple(range(3, 11))

# --------------------------------------------------------------------------- hashing & noise

_SEED_ROOT = "weatherflick-sample-v1"


def _seed(*parts: Any) -> int:
    """Stable 64-bit seed from any repr-able parts (independent of PYTHONHASHSEED)."""
    digest = hashlib.blake2b(repr((_SEED_ROOT, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


_G = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))


def _hash_signed(seed: int, key: np.ndarray) -> np.ndarray:
    """Uniform values in [-1, 1) from integer keys (vectorised splitmix64)."""
    k = np.ascontiguousarray(key, dtype=np.int64).view(np.uint64)
    z = k * _G + np.uint64(seed)
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z = z ^ (z >> _S31)
    return (z >> _S11).astype(np.float64) * (2.0 / 2.0**53) - 1.0


def _smooth(f: np.ndarray) -> np.ndarray:
    return f * f * (3.0 - 2.0 * f)


def _noise1(seed: int, x: np.ndarray) -> np.ndarray:
    """Smooth 1-D value noise in [-1, 1] with unit knot spacing."""
    x = np.asarray(x, dtype=np.float64)
    i = np.floor(x)
    u = _smooth(x - i)
    i = i.astype(np.int64)
    a = _hash_signed(seed, i)
    b = _hash_signed(seed, i + 1)
    return a + (b - a) * u


def _noise2(seed: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Smooth 2-D value noise in [-1, 1] with unit knot spacing."""
    x, y = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64))
    ix, iy = np.floor(x), np.floor(y)
    ux, uy = _smooth(x - ix), _smooth(y - iy)
    ix, iy = ix.astype(np.int64), iy.astype(np.int64)
    p = np.int64(1_000_003)

    def h(dx: int, dy: int) -> np.ndarray:
        return _hash_signed(seed, (ix + dx) * p + (iy + dy))

    top = h(0, 0) + (h(1, 0) - h(0, 0)) * ux
    bottom = h(0, 1) + (h(1, 1) - h(0, 1)) * ux
    return top + (bottom - top) * uy


# --------------------------------------------------------------------------- climatology

_CLIM_LATS = np.array([33.5, 35.1, 36.35, 37.57, 38.3])
# Monthly mean temperature (°C), rows follow _CLIM_LATS, Jan..Dec.
_CLIM_T = np.array([
    [6.1, 7.2, 10.1, 14.5, 18.6, 22.1, 26.4, 27.5, 23.9, 19.1, 13.5, 8.4],   # Jeju
    [2.0, 3.9, 8.4, 13.7, 18.4, 22.1, 25.5, 26.4, 22.4, 16.8, 10.4, 4.2],    # south coast
    [-1.0, 1.3, 6.5, 12.9, 18.3, 22.6, 25.5, 26.0, 21.4, 14.6, 7.7, 1.1],    # Daejeon
    [-1.9, 0.7, 6.1, 12.6, 18.2, 22.7, 25.3, 26.1, 21.6, 15.0, 7.5, 0.2],    # Seoul
    [-5.0, -2.2, 3.9, 10.8, 16.8, 21.4, 24.4, 24.8, 19.6, 12.5, 5.2, -2.3],  # north Gangwon
])
# Mean daily temperature range (max − min, °C) inland; Jeju's is ~70 % of it.
_DAILY_RANGE = np.array([8.5, 9.0, 10.0, 10.5, 10.0, 8.5, 6.5, 7.0, 8.5, 10.0, 9.5, 8.5])
_CLIM_RH = np.array([57, 55, 57, 56, 62, 68, 79, 76, 70, 65, 62, 59], dtype=float)
_CLIM_CLOUD = np.array([0.35, 0.4, 0.45, 0.45, 0.5, 0.6, 0.7, 0.6, 0.5, 0.4, 0.45, 0.4])
_SYN_AMPLITUDE = np.array([3.5, 3.5, 3.0, 2.5, 2.0, 1.5, 1.2, 1.2, 1.5, 2.5, 3.0, 3.5])
_WIND_MEAN = np.array([2.6, 2.8, 3.0, 3.0, 2.6, 2.2, 2.2, 2.0, 2.0, 2.1, 2.4, 2.6])
_WIND_DIR = np.array([310, 305, 280, 250, 230, 210, 200, 210, 240, 280, 300, 310], float)
# Probability that a 6-h slot spawns a frontal system, by month.
_FRONT_RATE = [0.07, 0.08, 0.11, 0.12, 0.12, 0.11, 0.10, 0.09, 0.09, 0.08, 0.10, 0.08]
# Median peak intensity of a front, mm/h, by month.
_FRONT_PEAK = [1.2, 1.3, 2.0, 2.8, 3.5, 5.0, 8.0, 8.0, 6.0, 3.0, 2.0, 1.3]
# Mean number of afternoon convective cells a day over Korea, by month.
_CONV_RATE = [0, 0, 0, 0.3, 2, 5, 8, 10, 4, 1, 0, 0]
_CLIM_POP = np.array([20, 20, 25, 30, 30, 40, 50, 45, 35, 25, 25, 20], dtype=float)

# Mid-month day-of-year anchors for smooth, cyclic interpolation of monthly normals.
_MONTH_ANCHORS = np.array([15.5, 45, 74.5, 105, 135.5, 166, 196.5, 227.5, 258, 288.5, 319, 349.5])


def _by_doy(monthly: np.ndarray, doy: np.ndarray) -> np.ndarray:
    return np.interp(doy, _MONTH_ANCHORS, monthly, period=365.25)


def _clim_temperature(lat: float, doy: np.ndarray) -> np.ndarray:
    per_month = np.array([np.interp(lat, _CLIM_LATS, _CLIM_T[:, m]) for m in range(12)])
    return _by_doy(per_month, doy)


# --------------------------------------------------------------------------- time helpers

def _epoch_hours(dt: datetime) -> float:
    """Hours since the Unix epoch (UTC) of an aware datetime."""
    return dt.timestamp() / 3600.0


def _kst_day_index(t: np.ndarray) -> np.ndarray:
    return np.floor((np.asarray(t) + 9.0) / 24.0).astype(np.int64)


@lru_cache(maxsize=4096)
def _day_info(day_index: int) -> tuple[float, int]:
    """(day of year, month) of a KST day index (days since 1970-01-01 KST)."""
    d = date(1970, 1, 1) + timedelta(days=int(day_index))
    return float(d.timetuple().tm_yday), d.month


def _doy_month(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    days = _kst_day_index(t)
    uniq, inv = np.unique(days, return_inverse=True)
    info = np.array([_day_info(int(d)) for d in uniq]).reshape(-1, 2)
    frac = ((np.asarray(t) + 9.0) % 24.0) / 24.0
    return info[inv, 0] + frac, info[inv, 1].astype(np.int64)


def _diurnal(t: np.ndarray) -> np.ndarray:
    """Diurnal shape in [-1, 1]: −1 at 06 h KST, +1 at 15 h, smooth in between."""
    h = (np.asarray(t) + 9.0) % 24.0
    rising = (h >= 6.0) & (h <= 15.0)
    since_max = (h - 15.0) % 24.0  # 0..24, falling over 15 h (15 h → 06 h)
    return np.where(
        rising,
        -np.cos(np.pi * (h - 6.0) / 9.0),
        np.cos(np.pi * np.clip(since_max, 0.0, 15.0) / 15.0),
    )


# --------------------------------------------------------------------------- weather systems

_KM_PER_DEG_LAT = 111.0
_KM_PER_DEG_LON = 111.32 * math.cos(math.radians(36.5))
_FRONT_SLOT_H = 6
_FRONT_LIFE_H = 40.0
_CONV_MAX_H = 24.0


def _xy(lat: float | np.ndarray, lon: float | np.ndarray) -> tuple[Any, Any]:
    """Local plane coordinates (km) centred on 36.0 N, 127.5 E."""
    return (np.asarray(lon) - 127.5) * _KM_PER_DEG_LON, (np.asarray(lat) - 36.0) * _KM_PER_DEG_LAT


@dataclass(frozen=True)
class _Front:
    sid: int
    t0: float
    x0: float
    y0: float
    vx: float
    vy: float
    nx: float  # unit normal of the band (≈ direction of motion)
    ny: float
    width: float  # across-band e-folding half-width, km
    half_len: float  # along-band half length, km
    peak: float  # mm/h


@dataclass(frozen=True)
class _Cell:
    sid: int
    t0: float
    dur: float
    x0: float
    y0: float
    vx: float
    vy: float
    sigma: float
    peak: float


@lru_cache(maxsize=8192)
def _front_for_slot(slot: int) -> _Front | None:
    rng = random.Random(_seed("front", slot))
    t_mid = slot * _FRONT_SLOT_H + _FRONT_SLOT_H / 2
    month = _day_info(int(math.floor((t_mid + 9.0) / 24.0)))[1]
    if rng.random() >= _FRONT_RATE[month - 1]:
        return None
    heading = math.radians(rng.uniform(-25.0, 15.0))  # from east, mostly eastward
    speed = rng.uniform(30.0, 55.0)
    tilt = heading + math.radians(rng.uniform(-30.0, 30.0))
    return _Front(
        sid=_seed("front-id", slot),
        t0=slot * _FRONT_SLOT_H + rng.uniform(0.0, _FRONT_SLOT_H),
        x0=rng.uniform(-480.0, -360.0),
        y0=rng.uniform(-350.0, 350.0),
        vx=speed * math.cos(heading),
        vy=speed * math.sin(heading),
        nx=math.cos(tilt),
        ny=math.sin(tilt),
        width=rng.uniform(50.0, 120.0),
        half_len=rng.uniform(250.0, 600.0),
        peak=_FRONT_PEAK[month - 1] * math.exp(0.5 * rng.gauss(0.0, 1.0)),
    )


@lru_cache(maxsize=4096)
def _cells_for_day(day_index: int) -> tuple[_Cell, ...]:
    rng = random.Random(_seed("conv", day_index))
    month = _day_info(day_index)[1]
    rate = _CONV_RATE[month - 1]
    if rate <= 0 or rng.random() < 0.45:  # roughly half the days have no convection
        return ()
    n = int(round(rate * 2.0 * rng.random()))
    day_start = day_index * 24.0 - 9.0  # 00 h KST in epoch hours
    cells = []
    for i in range(n):
        cells.append(_Cell(
            sid=_seed("conv-id", day_index, i),
            t0=day_start + rng.uniform(12.0, 18.0),
            dur=rng.uniform(1.5, 4.0),
            x0=rng.uniform(-150.0, 200.0),
            y0=rng.uniform(-330.0, 260.0),
            vx=rng.uniform(15.0, 30.0),
            vy=rng.uniform(-8.0, 8.0),
            sigma=rng.uniform(10.0, 22.0),
            peak=10.0 * math.exp(0.6 * rng.gauss(0.0, 1.0)),
        ))
    return tuple(cells)


def _fronts_between(t_lo: float, t_hi: float) -> list[_Front]:
    first = math.floor((t_lo - _FRONT_LIFE_H) / _FRONT_SLOT_H)
    last = math.floor(t_hi / _FRONT_SLOT_H)
    return [f for s in range(first, last + 1) if (f := _front_for_slot(s)) is not None]


def _cells_between(t_lo: float, t_hi: float) -> list[_Cell]:
    first = math.floor((t_lo - _CONV_MAX_H + 9.0) / 24.0)
    last = math.floor((t_hi + 9.0) / 24.0)
    return [c for d in range(first, last + 1) for c in _cells_for_day(d)]


@dataclass(frozen=True)
class _ForecastError:
    """How a forecast issued at ``base`` (epoch hours) perturbs the truth; ``None`` = truth."""

    base: float
    seed: int


def _lead(t: np.ndarray, err: _ForecastError | None) -> np.ndarray:
    if err is None:
        return np.zeros_like(t)
    return np.maximum(t - err.base, 0.0)


def _system_z(err: _ForecastError | None, sid: int, what: str) -> float:
    if err is None:
        return 0.0
    return random.Random(_seed(err.seed, sid, what)).gauss(0.0, 1.0)


def _rain_fields(
    x: float, y: float, t: np.ndarray, err: _ForecastError | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rain mm/h, convective part mm/h, proximity 0..) at one point for times ``t``."""
    lead = _lead(t, err)
    total = np.zeros_like(t)
    conv = np.zeros_like(t)
    near = np.zeros_like(t)
    t_lo, t_hi = float(t.min()) - 12.0, float(t.max()) + 12.0

    for f in _fronts_between(t_lo, t_hi):
        # Forecast timing error grows with lead; intensity error too (log-normal).
        shift = _system_z(err, f.sid, "dt") * (0.3 + lead / 20.0)
        te = t + shift
        age = te - f.t0
        env = np.clip(age / 4.0, 0.0, 1.0) * np.clip((_FRONT_LIFE_H - age) / 8.0, 0.0, 1.0)
        if not env.any():
            continue
        cx, cy = f.x0 + f.vx * age, f.y0 + f.vy * age
        dx, dy = x - cx, y - cy
        across = dx * f.nx + dy * f.ny
        along = -dx * f.ny + dy * f.nx
        structure = 0.6 + 0.4 * _noise2(f.sid, along / 90.0, age / 5.0)
        gain = np.exp(0.3 * _system_z(err, f.sid, "amp") * np.minimum(1.0, lead / 72.0))
        total += (
            f.peak * gain * env * structure
            * np.exp(-((across / f.width) ** 2)) * np.exp(-((along / f.half_len) ** 4))
        )
        near += env * np.exp(-((across / (2.5 * f.width)) ** 2)) * np.exp(
            -((along / (1.3 * f.half_len)) ** 4)
        )

    for c in _cells_between(t_lo, t_hi):
        shift = _system_z(err, c.sid, "dt") * (0.3 + lead / 24.0)
        pos = 3.0 + 0.8 * lead  # km of position error
        ex = _system_z(err, c.sid, "dx") * pos
        ey = _system_z(err, c.sid, "dy") * pos
        te = t + shift
        age = te - c.t0
        inside = (age >= 0.0) & (age <= c.dur)
        if not inside.any() and not ((age >= -3.0) & (age <= c.dur + 3.0)).any():
            continue
        env = np.where(inside, np.sin(np.pi * np.clip(age / c.dur, 0.0, 1.0)), 0.0)
        d2 = (x - (c.x0 + c.vx * age + ex)) ** 2 + (y - (c.y0 + c.vy * age + ey)) ** 2
        r = c.peak * env * np.exp(-d2 / c.sigma**2)
        conv += r
        total += r
        wide_env = np.clip(1.0 - np.abs(age - c.dur / 2) / (c.dur / 2 + 3.0), 0.0, 1.0)
        near += 0.5 * wide_env * np.exp(-d2 / (3.0 * c.sigma) ** 2)

    # Changma: a quasi-stationary east–west band pulsing while migrating north.
    doy, _ = _doy_month(t)
    season = np.clip((doy - 170.0) / 3.0, 0.0, 1.0) * np.clip((208.0 - doy) / 4.0, 0.0, 1.0)
    if season.any():
        z_t = _system_z(err, 0, "monsoon-dt")
        z_y = _system_z(err, 0, "monsoon-dy")
        te = t + z_t * (0.3 + lead / 20.0)
        yc = (
            -330.0 + np.clip((doy - 170.0) / 38.0, 0.0, 1.0) * 520.0
            + 90.0 * _noise1(_seed("monsoon-y"), te / 40.0)
            + z_y * (5.0 + 0.6 * lead)
        )
        pulse = np.clip(0.5 + 1.2 * _noise1(_seed("monsoon-pulse"), te / 20.0), 0.0, 1.0) ** 1.5
        structure = 0.5 + 0.5 * _noise2(_seed("monsoon-m"), x / 120.0, te / 6.0)
        band = np.exp(-(((y - yc) / 70.0) ** 2))
        total += season * pulse * 8.0 * structure * band
        near += season * pulse * np.exp(-(((y - yc) / 200.0) ** 2))

    return total, conv, near


# --------------------------------------------------------------------------- point weather


@dataclass
class _Weather:
    """Hourly weather at one point (arrays aligned with the requested times)."""

    t: np.ndarray
    temp: np.ndarray
    rain: np.ndarray
    conv: np.ndarray
    near: np.ndarray
    cloud: np.ndarray
    rh: np.ndarray
    wsd: np.ndarray
    vec: np.ndarray


def _grow(lead: np.ndarray, at_zero: float, limit: float, scale_h: float) -> np.ndarray:
    """Error amplitude growing with lead from ``at_zero`` and saturating at ``limit``."""
    return at_zero + (limit - at_zero) * (1.0 - np.exp(-lead / scale_h))


def _weather(
    lat: float, lon: float, t: np.ndarray, err: _ForecastError | None, cell_key: Any
) -> _Weather:
    """Truth (``err=None``) or a forecast of the weather at (lat, lon) for epoch hours ``t``."""
    t = np.asarray(t, dtype=np.float64)
    x, y = _xy(lat, lon)
    x, y = float(x), float(y)
    doy, month = _doy_month(t)
    lead = _lead(t, err)
    # Eastward-drifting time coordinate: large-scale anomalies reach the east later.
    tx = t - x / 40.0

    rain, conv, near = _rain_fields(x, y, t, err)

    bg = _by_doy(_CLIM_CLOUD, doy) + 0.45 * _noise2(_seed("cloud"), tx / 15.0, y / 250.0)
    if err is not None:
        bg = bg + _grow(lead, 0.1, 0.3, 72.0) * 1.7 * _noise1(err.seed ^ 0xC10D, t / 10.0 + x / 300.0)
    cloud = np.clip(np.maximum(bg, 1.0 - np.exp(-2.5 * near)), 0.0, 1.0)
    cloud = np.where(rain >= 0.1, np.maximum(cloud, 0.9), cloud)

    southness = np.clip((37.57 - lat) / 4.07, 0.0, 1.0)  # 0 at Seoul, 1 at Jeju
    daily_range = _by_doy(_DAILY_RANGE, doy) * (1.0 - 0.3 * np.clip((35.1 - lat) / 1.6, 0.0, 1.0))
    amp = _by_doy(_SYN_AMPLITUDE, doy)
    anomaly = amp * (
        _noise1(_seed("t-syn"), tx / 30.0)
        + 0.6 * _noise2(_seed("t-syn2"), tx / 60.0, y / 400.0)
    )
    local = 0.5 * float(_hash_signed(_seed("t-local", cell_key), np.zeros(1, np.int64))[0])
    diurnal = _diurnal(t)
    temp = (
        _clim_temperature(lat, doy)
        + anomaly
        + local
        + 0.5 * daily_range * (1.0 - 0.55 * cloud) * diurnal
        - 1.5 * np.minimum(1.0, rain / 3.0)
    )
    if err is not None:
        # Slowly varying in time (30 h knots) so a day's max and min err alike, as real
        # forecasts' do; amplitude ~0.4 °C at short leads saturating near 2.6 °C.
        sigma_t = _grow(lead, 0.4, 2.6, 96.0)
        temp = temp + sigma_t * 1.7 * _noise1(err.seed ^ 0x7E3, t / 30.0 + x / 250.0 + y / 400.0)

    wet = np.minimum(1.0, rain / 1.5 + 0.4 * near)
    rh = (
        _by_doy(_CLIM_RH, doy) + 8.0 * southness
        - 15.0 * (1.0 - 0.5 * cloud) * diurnal
        + 20.0 * wet
        + 6.0 * _noise1(_seed("rh") ^ 0x55, tx / 9.0)
    )
    if err is not None:
        rh = rh + _grow(lead, 3.0, 12.0, 72.0) * 1.7 * _noise1(err.seed ^ 0x4E, t / 12.0 + x / 200.0)
    rh = np.where(rain >= 0.1, np.maximum(rh, 88.0), rh)
    rh = np.clip(rh, 15.0, 100.0)

    wsd = (
        _by_doy(_WIND_MEAN, doy) * (1.0 + 0.5 * southness * (lat < 34.0))
        * (1.0 + 0.35 * np.maximum(diurnal, 0.0))
        + 4.0 * np.minimum(near, 1.0)
        + 1.0 * _noise1(_seed("wind") ^ 0x77, tx / 7.0)
    )
    if err is not None:
        wsd = wsd + _grow(lead, 0.3, 1.5, 72.0) * 1.7 * _noise1(err.seed ^ 0x99, t / 12.0 + y / 300.0)
    wsd = np.clip(wsd, 0.1, 40.0)
    vec = (_by_doy(_WIND_DIR, doy) + 60.0 * _noise1(_seed("wdir") ^ 0x31, tx / 11.0)) % 360.0

    return _Weather(t, temp, rain, conv, near, cloud, rh, wsd, vec)


# --------------------------------------------------------------------------- KMA formatting


def _fmt_int(v: float) -> str:
    return str(int(round(float(v))))  # round() never yields "-0"


def _fmt_1(v: float) -> str:
    return f"{round(float(v), 1) + 0.0:.1f}"  # + 0.0 turns −0.0 into 0.0


def _fmt_pcp(mm: float) -> str:
    if mm < 0.1:
        return "강수없음"
    if mm < 1.0:
        return "1mm 미만"
    if mm < 30.0:
        return f"{math.floor(mm * 10) / 10:.1f}mm"
    if mm < 50.0:
        return "30.0~50.0mm"
    return "50.0mm 이상"


def _fmt_sno(cm: float) -> str:
    if cm < 0.1:
        return "적설없음"
    if cm < 1.0:
        return "1cm 미만"
    if cm < 5.0:
        return f"{math.floor(cm * 10) / 10:.1f}cm"
    return "5.0cm 이상"


def _pty_short(rain: float, conv: float, temp: float) -> int:
    if rain < 0.1:
        return 0
    if temp <= 0.0:
        return 3
    if temp <= 2.0:
        return 2
    if conv > 0.5 * rain:
        return 4
    return 1


def _pty_ultra(rain: float, temp: float) -> int:
    if rain < 0.1:
        return 0
    trace = rain < 0.3
    if temp <= 0.0:
        return 7 if trace else 3
    if temp <= 2.0:
        return 6 if trace else 2
    return 5 if trace else 1


def _sky(cloud: float, rain: float) -> int:
    if rain >= 0.1:
        return 4  # overcast whenever it precipitates
    if cloud < 0.3:
        return 1
    if cloud < 0.7:
        return 3
    return 4


def _pop(rain: float, near: float, lead_h: float) -> int:
    if rain >= 0.1:
        sure = 30.0 * min(1.0, rain / 5.0) * (1.0 if lead_h <= 48 else 0.6)
        p = 60.0 + sure
    else:
        p = min(50.0, 40.0 * min(1.0, near * 1.5))
    return int(round(p / 10.0)) * 10


def _wind_components(speed: float, direction_deg: float) -> tuple[float, float]:
    # KMA's VEC is where the wind comes *from*; UUU/VVV point where it blows *to*.
    rad = math.radians(direction_deg)
    return -speed * math.sin(rad), -speed * math.cos(rad)


# --------------------------------------------------------------------------- payload helpers


def _payload(items: list[dict[str, Any]], page_no: int, num_of_rows: int) -> dict[str, Any]:
    if page_no < 1 or num_of_rows < 1:
        raise ValueError(f"pageNo and numOfRows must be >= 1, got {page_no}, {num_of_rows}")
    start = (page_no - 1) * num_of_rows
    if items and start >= len(items):
        return empty_nodata_payload()  # KMA answers a page past the end with NO_DATA
    return {
        "response": {
            "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
            "body": {
                "dataType": "JSON",
                "pageNo": page_no,
                "numOfRows": num_of_rows,
                "totalCount": len(items),
                "items": {"item": items[start:start + num_of_rows]},
            },
        }
    }


def empty_nodata_payload() -> dict[str, Any]:
    """The reply KMA gives for an issuance not (yet) available: resultCode ``03``."""
    return {"response": {"header": {"resultCode": "03", "resultMsg": "NO_DATA"}}}


def _check_cell(nx: int, ny: int) -> None:
    if not (isinstance(nx, int) and isinstance(ny, int)) or isinstance(nx, bool):
        raise ValueError(f"nx/ny must be ints, got {nx!r}, {ny!r}")
    if not (1 <= nx <= GRID_NX_MAX and 1 <= ny <= GRID_NY_MAX):
        raise ValueError(
            f"grid cell ({nx}, {ny}) is outside the KMA grid (1..{GRID_NX_MAX}, 1..{GRID_NY_MAX})"
        )


def _base(base_date: str, base_time: str, hours: Iterable[int], what: str) -> datetime:
    base = parse_kma_base(base_date, base_time)
    if base.minute != 0 or base.hour not in set(hours):
        raise ValueError(f"{base_time!r} is not a {what} base time")
    return base


def _hours_since_epoch(dts: list[datetime]) -> np.ndarray:
    return np.array([_epoch_hours(d) for d in dts], dtype=np.float64)


# --------------------------------------------------------------------------- operations


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

"""The synthetic weather model behind the sample source: truth and forecasts of it.

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

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np

from weather_flick_batch.weather.sample_source.noise import _hash_signed, _noise1, _noise2, _seed

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


def _hours_since_epoch(dts: list[datetime]) -> np.ndarray:
    return np.array([_epoch_hours(d) for d in dts], dtype=np.float64)


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

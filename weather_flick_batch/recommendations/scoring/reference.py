"""Pure-Python per-row reference (no numpy): the oracle for tests and the per-row benchmark baseline.

:func:`score_row_reference` computes the same formula as the vectorised engine one row at a time, written for
clarity rather than speed.  It shares the model's constants, tables and scalar helpers but none of the engine's
code, so the two agreeing checks the engine.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping
from typing import Any

import pandas as pd

from weather_flick_batch.recommendations.scoring.profiles import (
    NEUTRAL_FACET,
    NEUTRAL_SCORE,
    PARTIAL_MISSING,
    PROFILE_WEIGHTS,
    _ct_int,
    _finite_or_none,
    confidence_for,
    profile_for,
    sensitivity_for,
)
from weather_flick_batch.recommendations.scoring.ratings import (
    _CLIP,
    _P_INNER_ANCHORS,
    A_BEACH_ANCHORS,
    A_URBAN_ANCHORS,
    P_ANCHORS,
    POP_FLOOR,
    PRECIP_BASES,
    RAIN_GIVEN_CAP_MM,
    RATING_MAX,
    TC_BEACH_ANCHORS,
    TC_URBAN_ANCHORS,
    W_ANCHORS,
    WET_DAY_AMOUNT_MM,
    WET_DAY_MIN_MM,
    Anchors,
)
from weather_flick_batch.recommendations.scoring.seasons import (
    _SEASON_FIRST,
    _SEASON_LAST,
    NO_CEILING,
    THERMAL_CEILING_ANCHORS,
    THERMAL_CEILING_BAND,
    THERMAL_CEILING_EXEMPT_TYPES,
    THERMAL_CEILING_STEP,
    _month_day,
)


def _py_interp(x: float, anchors: Anchors) -> float:
    """Same semantics as ``np.interp``: linear between anchors, flat beyond both ends."""
    if x <= anchors[0][0]:
        return float(anchors[0][1])
    if x >= anchors[-1][0]:
        return float(anchors[-1][1])
    i = bisect_right([a[0] for a in anchors], x) - 1
    (x0, y0), (x1, y1) = anchors[i], anchors[i + 1]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def _py_clip(value: Any, name: str) -> float | None:
    f = _finite_or_none(value)
    if f is None:
        return None
    lo, hi = _CLIP[name]
    return min(max(f, lo), hi)


def _py_expected_p(pop_pct: float, mm: float, basis: str) -> float:
    p = min(max(pop_pct / 100.0, 0.0), 1.0)
    m = max(mm, 0.0)
    if basis == "if_rain":
        return (1.0 - p) * RATING_MAX + p * _py_interp(max(m, WET_DAY_MIN_MM), P_ANCHORS)
    q = max(p, POP_FLOOR)
    given = m / q
    raw = (1.0 - p) * RATING_MAX + p * _py_interp(min(max(given, WET_DAY_MIN_MM), RAIN_GIVEN_CAP_MM), P_ANCHORS)
    x_lo, x_hi = max(m, WET_DAY_MIN_MM), min(given, RAIN_GIVEN_CAP_MM)
    if x_lo > x_hi:
        return raw
    candidates = [x_lo, x_hi] + [a for a in _P_INNER_ANCHORS if x_lo <= a <= x_hi]
    r_min = min((RATING_MAX - _py_interp(x, P_ANCHORS)) / x for x in candidates)
    return max(raw, RATING_MAX - m * r_min)


def score_row_reference(row: Mapping[str, Any], *, precip_basis: str = "if_rain") -> float:
    """Unrounded score of one row, by the same formula as :func:`score_frame`, in plain Python.

    Written for clarity rather than speed: tests compare it with the vectorised scorer and the benchmark
    uses it as the per-row baseline.  Missing keys count as missing values.
    """
    if precip_basis not in PRECIP_BASES:
        raise ValueError(f"precip_basis must be one of {PRECIP_BASES}, got {precip_basis!r}")
    ct = _ct_int(row.get("content_type_id"))
    coastal_raw = row.get("coastal")
    coastal = bool(coastal_raw) if coastal_raw is not None and not _is_nan(coastal_raw) else False
    winter_raw = row.get("winter_sport")
    winter_sport = bool(winter_raw) if winter_raw is not None and not _is_nan(winter_raw) else False
    month_day = _month_day(row.get("forecast_date"))
    in_season = month_day is not None and _SEASON_FIRST <= month_day <= _SEASON_LAST
    profile = profile_for(ct, coastal, in_season)
    w_tc, w_a, w_p, w_w = PROFILE_WEIGHTS[profile]
    beach = profile == "beach"

    tmax = _py_clip(row.get("tmax_c"), "tmax_c")
    rh = _py_clip(row.get("rh_mean_pct"), "rh_mean_pct")
    cloud = _py_clip(row.get("cloud_pct"), "cloud_pct")
    pop = _py_clip(row.get("pop_max_pct"), "pop_max_pct")
    mm = _py_clip(row.get("precip_mm"), "precip_mm")
    wind = _py_clip(row.get("wind_max_ms"), "wind_max_ms")

    if tmax is None:
        tc, miss_tc = NEUTRAL_FACET, 1.0
    else:
        et = tmax if rh is None else tmax - 0.4 * (tmax - 10.0) * (1.0 - rh / 100.0)
        tc = _py_interp(et, TC_BEACH_ANCHORS if beach else TC_URBAN_ANCHORS)
        miss_tc = 0.0 if rh is not None else PARTIAL_MISSING

    if cloud is None:
        a, miss_a = NEUTRAL_FACET, 1.0
    else:
        a, miss_a = _py_interp(cloud, A_BEACH_ANCHORS if beach else A_URBAN_ANCHORS), 0.0

    if pop is not None and mm is not None:
        p, miss_p = _py_expected_p(pop, mm, precip_basis), 0.0
    elif pop is not None:
        prob = pop / 100.0
        p = (1.0 - prob) * RATING_MAX + prob * _py_interp(WET_DAY_AMOUNT_MM, P_ANCHORS)
        miss_p = PARTIAL_MISSING
    elif mm is not None:
        p, miss_p = _py_interp(mm, P_ANCHORS), PARTIAL_MISSING
    else:
        p, miss_p = NEUTRAL_FACET, 1.0

    if wind is None:
        w, miss_w = NEUTRAL_FACET, 1.0
    else:
        w, miss_w = _py_interp(wind * 3.6, W_ANCHORS), 0.0

    hci = min(max(w_tc * tc + w_a * a + w_p * p + w_w * w, 0.0), 100.0)
    adjusted = NEUTRAL_SCORE + sensitivity_for(ct) * (hci - NEUTRAL_SCORE)
    missing_share = (w_tc * miss_tc + w_a * miss_a + w_p * miss_p + w_w * miss_w) / 10.0
    confidence = confidence_for(row.get("lead_days"), missing_share)
    score = min(max(confidence * adjusted + (1.0 - confidence) * NEUTRAL_SCORE, 0.0), 100.0)

    # Thermal ceiling: squeeze [knee, 100] onto [knee, ceiling - 0.1] when thermal comfort is poor.
    if tmax is not None and ct not in THERMAL_CEILING_EXEMPT_TYPES and not winter_sport:
        ceiling = _py_interp(tc, THERMAL_CEILING_ANCHORS)
        knee = ceiling - THERMAL_CEILING_BAND
        if ceiling < NO_CEILING and score > knee:
            score = knee + (score - knee) * ((ceiling - THERMAL_CEILING_STEP - knee) / (NO_CEILING - knee))
    return score


def _is_nan(value: Any) -> bool:
    try:
        return math.isnan(value)
    except TypeError:
        return value is pd.NA

"""HCI facet ratings: the published rating tables as anchor points, and the rating functions.

Each facet (thermal comfort, aesthetic, precipitation, wind) is rated on the HCI scale (0..10, a few table cells
go negative) by piecewise-linear interpolation of its table.  Vectorised, NaN in -> NaN out: what a missing input
is rated is the scorer's business (:mod:`~weather_flick_batch.recommendations.scoring.engine`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np

Anchors = tuple[tuple[float, float], ...]

# ---------------------------------------------------------------------------------------------------------------
# Rating tables as anchor points (x, rating), interpolated linearly and held flat beyond both ends.
#
# TC, A and W tables have integer-wide bands ("23-25 °C -> 10").  Each band contributes an anchor at *both*
# ends, so the published rating is reproduced exactly at every integer the table covers and the 1-unit gaps
# between bands are linear ramps: continuous, and monotonic wherever the table is.
# The precipitation table has half-open mm bands ("3 to < 6 -> 8"), so it is anchored at band midpoints,
# the usual unbiased way to linearise a step table; the 0-mm cell stays exact so dry days rate 10.
# Cells marked ~ in the reference (disputed between implementations) are noted inline.
# ---------------------------------------------------------------------------------------------------------------

TC_URBAN_ANCHORS: Final[Anchors] = (
    (-6, 1), (-5, 2), (-1, 2), (0, 3), (6, 3), (7, 4), (10, 4), (11, 5), (14, 5), (15, 6), (17, 6),
    (18, 7), (19, 7), (20, 9), (22, 9), (23, 10), (25, 10), (26, 9), (27, 8), (28, 8), (29, 7), (30, 7),
    (31, 6), (32, 6), (33, 5), (34, 5), (35, 4), (36, 4), (37, 2), (38, 2), (39, 0),
)  # fmt: skip
"""HCI:Urban thermal comfort, ET °C -> rating (<= -6 °C: 1, >= 39 °C: 0)."""

TC_BEACH_ANCHORS: Final[Anchors] = (
    (14, -1), (15, 0), (16, 1), (18, 3), (20, 5), (23, 7), (25, 7), (26, 9), (27, 9), (28, 10), (30, 10),
    (31, 9), (32, 9), (34, 7), (35, 5), (36, 5), (37, 3), (38, 3), (39, 1), (40, 0),
)  # fmt: skip
"""HCI:Beach thermal comfort, ET °C -> rating.

From the reference: 10 at 28-30, 9 at 26-27 and 31-32, 7 at 23-25 and 34.  Project choices (the reference
gives none, ~): 2 points per °C below 20 °C down to 0 at 15 °C and -1 at <= 14 °C ("falls steeply below 20,
negative below 15"); above 34 °C the urban table's hot-side steps shifted one degree warmer, reaching 0 at 40.
"""

A_URBAN_ANCHORS: Final[Anchors] = (
    (0, 8), (1, 9), (10, 9), (11, 10), (20, 10), (21, 9), (30, 9), (31, 8), (40, 8), (41, 7), (50, 7),
    (51, 6), (60, 6), (61, 5), (70, 5), (71, 4), (80, 4), (81, 3), (90, 3), (91, 2), (99, 2), (100, 1),
)  # fmt: skip
"""HCI:Urban aesthetic, cloud cover % -> rating."""

A_BEACH_ANCHORS: Final[Anchors] = (
    (0, 9), (14, 9), (15, 10), (25, 10), (26, 9), (35, 9), (36, 8), (45, 8), (46, 7), (55, 7), (56, 6),
    (65, 6), (66, 5), (75, 5), (76, 4), (85, 4), (86, 3), (95, 3), (96, 2), (99, 2), (100, 1),
)  # fmt: skip
"""HCI:Beach aesthetic, cloud cover % -> rating.

The reference gives only the 15-25 % optimum (10).  Project choice (~): the urban table's 10-point steps
moved 5 points later so they start after the beach optimum, and a cloudless sky rates 9 (sun is what beach
visitors come for; the urban table's "0 % -> 8" glare penalty is not carried over).
"""

P_ANCHORS: Final[Anchors] = (
    (0, 10), (1.5, 9), (4.5, 8), (7.5, 5), (10.5, 2), (12, 0), (25, 0), (30, -1),
)  # fmt: skip
"""HCI precipitation, mm/day -> rating (both HCI variants).

0 mm: 10 (exact); band midpoints of ">0 to <3" (9), "3 to <6" (8), "6 to <9" (5), "9 to <12" (2); the closed
12-25 mm band is held at 0; "> 25 mm: -1" (~) is reached at 30 mm so the curve stays continuous.
"""

W_ANCHORS: Final[Anchors] = (
    (0, 8), (1, 10), (9, 10), (10, 9), (19, 9), (20, 8), (29, 8), (30, 6), (39, 6), (40, 3), (49, 3),
    (50, 0), (70, 0), (71, -10),
)  # fmt: skip
"""HCI wind, km/h -> rating.  Calm (0 km/h) rates 8 (~) and > 70 km/h rates -10 (~), both kept as published.

Applied to the daily *maximum* of KMA's hourly mean wind (WSD), which is conservative compared with the
daily mean the index was built on.
"""


def _arrays(anchors: Anchors) -> tuple[np.ndarray, np.ndarray]:
    xs = np.array([a[0] for a in anchors], dtype=np.float64)
    ys = np.array([a[1] for a in anchors], dtype=np.float64)
    # np.interp silently misbehaves on unsorted abscissae: fail at import instead.
    assert np.all(np.diff(xs) > 0), "rating-table anchors must be strictly increasing"
    return xs, ys


_TC_URBAN = _arrays(TC_URBAN_ANCHORS)
_TC_BEACH = _arrays(TC_BEACH_ANCHORS)
_A_URBAN = _arrays(A_URBAN_ANCHORS)
_A_BEACH = _arrays(A_BEACH_ANCHORS)
_P = _arrays(P_ANCHORS)
_W = _arrays(W_ANCHORS)

# ---------------------------------------------------------------------------------------------------------------
# Facet scale, precipitation and input ranges (all documented in docs/scoring.md).
# ---------------------------------------------------------------------------------------------------------------

RATING_MAX: Final[float] = 10.0

PRECIP_BASES: Final[tuple[str, ...]] = ("if_rain", "expected")
"""What ``precip_mm`` means (see :func:`expected_precipitation_rating`): the day's amount *if it rains*
(default; what a sum of KMA short-range PCP is), or the unconditional *expected* amount (pop-weighted)."""
WET_DAY_MIN_MM: Final[float] = 1.0
"""If it rains, at least 1 mm (the ETCCDI wet-day threshold): rain chance counts even with 0 mm forecast."""
POP_FLOOR: Final[float] = 0.10
"""``expected`` basis: smallest probability divided by when turning an expected amount into an amount-if-rain."""
RAIN_GIVEN_CAP_MM: Final[float] = 50.0
"""``expected`` basis: cap on the implied amount-if-rain. The P table is flat (-1) from 30 mm, so the cap never
changes a rating; it bounds the intensities a tiny pop would imply (5 mm at 10 % -> 50 mm, not 500 mm at 1 %)."""
WET_DAY_AMOUNT_MM: Final[float] = 10.0
"""Assumed amount-given-rain when only the rain probability is known (KMA medium-range gives pop only);
about the Korean mean precipitation per wet day."""

# Physically plausible clip ranges: data quality is checked elsewhere, scoring must be total.
_CLIP: Final[Mapping[str, tuple[float, float]]] = {
    "tmax_c": (-60.0, 60.0),
    "tmin_c": (-60.0, 60.0),
    "rh_mean_pct": (0.0, 100.0),
    "cloud_pct": (0.0, 100.0),
    "pop_max_pct": (0.0, 100.0),
    "precip_mm": (0.0, 1000.0),
    "wind_max_ms": (0.0, 100.0),
}


# ---------------------------------------------------------------------------------------------------------------
# Facet rating functions (vectorised; NaN in -> NaN out, the scorer substitutes the neutral rating).
# ---------------------------------------------------------------------------------------------------------------


def _interp(x: np.ndarray, table: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return np.interp(x, table[0], table[1])


def effective_temperature(tmax_c: np.ndarray, rh_pct: np.ndarray) -> np.ndarray:
    """HCI effective temperature ``Tmax - 0.4 (Tmax - 10)(1 - RH/100)`` (°C).

    Dry air makes heat more bearable (and cold slightly less so); at RH 100 % ET equals Tmax.
    """
    tmax = np.asarray(tmax_c, dtype=np.float64)
    rh = np.asarray(rh_pct, dtype=np.float64)
    return tmax - 0.4 * (tmax - 10.0) * (1.0 - rh / 100.0)


def thermal_comfort_rating(et_c: np.ndarray, beach: np.ndarray | bool = False) -> np.ndarray:
    """TC rating from effective temperature: HCI:Urban table, or HCI:Beach where ``beach`` is true."""
    et = np.asarray(et_c, dtype=np.float64)
    return np.where(beach, _interp(et, _TC_BEACH), _interp(et, _TC_URBAN))


def aesthetic_rating(cloud_pct: np.ndarray, beach: np.ndarray | bool = False) -> np.ndarray:
    """A rating from cloud cover %: urban optimum 11-20 %, beach optimum 15-25 %."""
    cloud = np.asarray(cloud_pct, dtype=np.float64)
    return np.where(beach, _interp(cloud, _A_BEACH), _interp(cloud, _A_URBAN))


def precipitation_rating(mm: np.ndarray) -> np.ndarray:
    """P rating for a *known* daily amount (mm): the HCI table, 10 at 0 mm, -1 from 30 mm."""
    return _interp(np.asarray(mm, dtype=np.float64), _P)


def wind_rating(kmh: np.ndarray) -> np.ndarray:
    """W rating from wind speed in km/h (callers convert m/s x 3.6)."""
    return _interp(np.asarray(kmh, dtype=np.float64), _W)


# Penalty per mm r(x) = (10 - P(x)) / x is monotone between consecutive P anchors (it has the form A/x + B),
# so its minimum over an interval is at an end or at an anchor inside: these are the candidates.
_P_INNER_ANCHORS: Final[tuple[float, ...]] = tuple(float(x) for x, _ in P_ANCHORS if x > 0)


def _penalty_per_mm(x: np.ndarray) -> np.ndarray:
    return (RATING_MAX - precipitation_rating(x)) / x


def expected_precipitation_rating(
    pop_pct: np.ndarray, precip_mm: np.ndarray, basis: str = "if_rain"
) -> np.ndarray:
    """Expected P rating from a rain probability (%) and a daily amount (mm), both known.

    With ``p = pop / 100`` and ``P(.)`` the HCI precipitation table (``P(0 mm) = 10``), the rating is the
    expected HCI rating over "it stays dry" and "it rains":  ``E = (1 - p) * 10 + p * P(a)``, where ``a`` is the
    amount if it rains, at least 1 mm (so a rain chance costs something even when 0 mm is forecast).

    * ``basis="if_rain"`` (default): ``precip_mm`` *is* the amount if it rains, ``a = max(precip_mm, 1)``.
      ``E`` is linear in ``p`` with slope ``P(a) - 10 < 0``: strictly lower for every extra % of rain chance,
      lower for more rain, 10 only when ``p = 0``, and exactly the HCI table when ``p = 1``.
    * ``basis="expected"``: ``precip_mm`` is the unconditional expectation ``m``, so
      ``a = clip(m / max(p, 0.10), 1, 50)`` (the brief's rule), followed by a **monotone envelope**
      ``max over q in [p, 1] of E(q)`` at the same ``m``.  Without it, because the HCI table penalises heavy rain
      more than proportionally, a *higher* probability of lighter rain can score better at the same expected
      amount (3 mm: 50 % -> 8.25, 70 % -> 8.65).  The envelope restores "more rain chance is never better"
      and equals ``E`` where ``E`` is already monotone (always at ``p = 0`` and ``p = 1``), but it is only
      non-increasing: over some ranges the rating is flat in ``p`` (5 mm expected rates 7.5 from 30 % to
      100 %).  In the interior ``q = m / x``, so ``E = 10 - m * r(x)`` with the penalty per mm
      ``r(x) = (10 - P(x)) / x``; the envelope minimises ``r`` over an ``x`` interval exactly, from the anchors.

    NaN propagates; :func:`score_frame` handles a missing pop or amount before calling this.
    """
    if basis not in PRECIP_BASES:
        raise ValueError(f"basis must be one of {PRECIP_BASES}, got {basis!r}")
    if basis == "if_rain":
        p = np.clip(np.asarray(pop_pct, dtype=np.float64) / 100.0, 0.0, 1.0)
        a = np.maximum(np.asarray(precip_mm, dtype=np.float64), WET_DAY_MIN_MM)
        return (1.0 - p) * RATING_MAX + p * precipitation_rating(a)
    return _expected_basis_rating(pop_pct, precip_mm)


def _expected_basis_rating(pop_pct: np.ndarray, precip_mm: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(pop_pct, dtype=np.float64) / 100.0, 0.0, 1.0)
    m = np.maximum(np.asarray(precip_mm, dtype=np.float64), 0.0)
    q = np.maximum(p, POP_FLOOR)
    given_rain = m / q
    raw = (1.0 - p) * RATING_MAX + p * precipitation_rating(np.clip(given_rain, WET_DAY_MIN_MM, RAIN_GIVEN_CAP_MM))

    # Interior x range reachable from q in [max(p, floor), 1]: x = m/q in [m, m/q_p], clipped to [1, 50] mm.
    x_lo = np.maximum(m, WET_DAY_MIN_MM)
    x_hi = np.minimum(given_rain, RAIN_GIVEN_CAP_MM)
    interior = x_lo <= x_hi  # false when m == 0 (x_hi = 0 < 1 mm)
    x_hi_safe = np.maximum(x_hi, WET_DAY_MIN_MM)  # keep r() finite on rows that are masked out anyway
    r_min = np.minimum(_penalty_per_mm(x_lo), _penalty_per_mm(x_hi_safe))
    for anchor in _P_INNER_ANCHORS:
        r_a = (RATING_MAX - float(np.interp(anchor, _P[0], _P[1]))) / anchor
        inside = (x_lo <= anchor) & (anchor <= x_hi)
        r_min = np.where(inside, np.minimum(r_min, r_a), r_min)
    envelope = RATING_MAX - m * r_min
    return np.where(interior, np.maximum(raw, envelope), raw)


# Where an input is missing, the engine puts the neutral rating and the reasons put "no ... data".
def _fill_missing(values: np.ndarray, present: np.ndarray, fill: float | np.ndarray) -> np.ndarray:
    """``values`` (modified in place) with ``fill`` where not ``present``."""
    if not present.all():
        np.copyto(values, fill, where=~present)
    return values


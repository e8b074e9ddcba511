"""Weather-suitability scoring for destinations, grounded in the Holiday Climate Index (HCI).

This module is deliberately Dagster-free (and free of any I/O): it is pure numpy/pandas so that it can be
unit-tested, benchmarked and reused by any asset or script. ``docs/scoring.md`` is the user-facing
description; this docstring is the short version.

Pipeline, per (destination, date) row
-------------------------------------
1. **Facet ratings** on the HCI scale (0..10, a few table cells go negative), by piecewise-linear
   interpolation of the published HCI rating tables (Scott et al. 2016; Rutty et al. 2020):

   * ``tc_rating`` thermal comfort from the effective temperature
     ``ET = Tmax - 0.4 * (Tmax - 10) * (1 - RH/100)`` (urban table, or the beach table with a 28-30 °C optimum);
   * ``a_rating`` aesthetic from cloud cover % (urban optimum 11-20 %, beach optimum 15-25 %);
   * ``p_rating`` precipitation, as an *expected* rating over the rain probability,
     ``(1 - p) * 10 + p * P(amount if it rains)`` (see :func:`expected_precipitation_rating`);
   * ``w_rating`` wind from km/h (= m/s x 3.6).

2. **Profile** (facet weights, each set sums to 10 so the index lies on 0..100) chosen from the content type,
   the coastal flag and the date: ``urban`` 4/2/3/1 (HCI:Urban), ``beach`` 2/4/3/1 (HCI:Beach, only in the
   bathing season :data:`BATHING_SEASON`; outside it a coastal place is scored as if inland),
   ``outdoor_active`` 3/1/4/2 (our variant for hiking/leisure/festivals).  ``hci = clip(sum(w * rating), 0, 100)``.

3. **Weather sensitivity** ``s`` by content type (museum 0.3 ... tourist spot 1.0):
   ``adjusted = NEUTRAL + s * (hci - NEUTRAL)``.

4. **Confidence** ``c`` (0.95 at lead day 0 falling linearly to 0.50 at day 9, scaled down when inputs are
   missing): ``score = c * adjusted + (1 - c) * NEUTRAL``.

5. **Thermal ceiling** (tourist spots, travel courses, leisure except winter sports, unknown types): when the
   thermal comfort rating is poor (below 5) the score is squeezed below a ceiling (TC 4: 70, 3: 60, <= 2: 50, see
   :data:`THERMAL_CEILING_ANCHORS`), so a cold or hot day never reads "very good" however clear it is; the
   reason ``cold for outdoor sightseeing`` (or ``too cold for the beach`` ...) says why.

``NEUTRAL`` is 75: a good-but-not-ideal day, and exactly what a row with no weather at all scores.

Missing inputs (NaN, None, +/-inf) never reach a score: a facet whose inputs are missing is rated at the
neutral facet value 7.5 (= NEUTRAL / 10, so it pulls the index neither up nor down) and the missing share of
the profile weight lowers the confidence.  Partially missing facets use a stated fallback (see
:func:`score_frame`).

Public API: :func:`score_frame` (vectorised), :func:`score_row_reference` (pure-Python per-row oracle of the
same formula), the facet rating functions, :func:`in_bathing_season`, :func:`thermal_ceiling`,
:func:`apply_thermal_ceiling`, :func:`grades_for` (grade and rank of a score array, for code that adjusts
scores after :func:`score_frame`), :data:`WORKED_EXAMPLES`/:func:`worked_examples_table` and
:data:`SEASONAL_EXAMPLES`/:func:`seasonal_examples_table`.
"""

from __future__ import annotations

import gc
import json
import math
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Final

import numpy as np
import pandas as pd

__all__ = [
    "A_BEACH_ANCHORS",
    "A_URBAN_ANCHORS",
    "BATHING_SEASON",
    "CONTENT_TYPE_SENSITIVITY",
    "GOOD_OR_BETTER_RANK",
    "GRADE_BANDS",
    "INPUT_COLUMNS",
    "NEUTRAL_SCORE",
    "OUTPUT_COLUMNS",
    "PRECIP_BASES",
    "PROFILE_WEIGHTS",
    "PROFILES",
    "P_ANCHORS",
    "SEASONAL_EXAMPLES",
    "TC_BEACH_ANCHORS",
    "TC_URBAN_ANCHORS",
    "THERMAL_CEILING_ANCHORS",
    "THERMAL_CEILING_EXEMPT_TYPES",
    "THERMAL_REASONS",
    "WORKED_EXAMPLES",
    "W_ANCHORS",
    "aesthetic_rating",
    "apply_thermal_ceiling",
    "confidence_for",
    "effective_temperature",
    "expected_precipitation_rating",
    "grade_for",
    "grades_for",
    "in_bathing_season",
    "precipitation_rating",
    "profile_for",
    "reference_tables_markdown",
    "score_frame",
    "score_row_reference",
    "seasonal_examples_table",
    "sensitivity_for",
    "thermal_ceiling",
    "thermal_comfort_rating",
    "wind_rating",
    "worked_examples_table",
]

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
# Model constants (all documented in docs/scoring.md).
# ---------------------------------------------------------------------------------------------------------------

NEUTRAL_SCORE: Final[float] = 75.0
"""Good-but-not-ideal day: the sensitivity baseline, the shrinkage target and the no-information score."""
NEUTRAL_FACET: Final[float] = NEUTRAL_SCORE / 10.0
"""Rating given to a facet whose inputs are missing: weights sum to 10, so all-neutral facets give NEUTRAL."""
RATING_MAX: Final[float] = 10.0

FACETS: Final[tuple[str, ...]] = ("tc", "a", "p", "w")
PROFILES: Final[tuple[str, ...]] = ("urban", "beach", "outdoor_active")
PROFILE_WEIGHTS: Final[Mapping[str, tuple[float, float, float, float]]] = {
    "urban": (4.0, 2.0, 3.0, 1.0),  # HCI:Urban, cities and sightseeing
    "beach": (2.0, 4.0, 3.0, 1.0),  # HCI:Beach, sunshine matters most
    "outdoor_active": (3.0, 1.0, 4.0, 2.0),  # our variant: rain and wind spoil hikes, events and sports most
}
_URBAN, _BEACH, _OUTDOOR = 0, 1, 2
_WEIGHTS = np.array([PROFILE_WEIGHTS[p] for p in PROFILES], dtype=np.float64)  # (3 profiles, 4 facets)
assert np.allclose(_WEIGHTS.sum(axis=1), 10.0), "profile weights must sum to 10 so the index is on 0..100"

CONTENT_TYPE_SENSITIVITY: Final[Mapping[int, float]] = {
    12: 1.0,  # tourist spot: mostly outdoors
    14: 0.3,  # cultural facility (museum, gallery): indoors, but you still walk there
    15: 0.9,  # festival: outdoor events, sometimes with tents/stages
    25: 1.0,  # travel course: walking/driving routes
    28: 1.0,  # leisure/sports
    32: 0.4,  # lodging: the stay is indoors, the trip around it is not
    38: 0.2,  # shopping: malls and markets, largely covered
    39: 0.25,  # restaurant
}
DEFAULT_SENSITIVITY: Final[float] = 1.0
"""Unknown content types get the published HCI unchanged."""

_OUTDOOR_ACTIVE_TYPES: Final[frozenset[int]] = frozenset({15, 25, 28})
_COASTAL_TO_BEACH_TYPES: Final[frozenset[int]] = frozenset({12, 28})

BATHING_SEASON: Final[tuple[tuple[int, int], tuple[int, int]]] = ((6, 1), (9, 15))
"""(month, day) of the first and the last day, both inclusive, on which a coastal place scores as a beach.

HCI:Beach rates a sun-and-sea holiday, which Korea's public beaches offer while they are open (lifeguards,
swimming allowed).  Most open in early July and close at the end of August (the east coast and many west-coast
beaches roughly 10 July - 20 August); Busan opens first: Haeundae, Songjeong and Songdo opened partly on 1 June
every year from 2015 to 2024, and Haeundae closed on 10 September in 2015 and on 14 September in 2025 (its
September water was warmer than August's).  The window is the union, 1 June - 15 September, so no open beach is
ever scored out of season; a cool June or September day is then the beach thermal table's and the thermal
ceiling's business.  Outside it, a coastal place scores with its content type's inland profile (tourist spot:
``urban``, outdoor sightseeing; leisure/sports: ``outdoor_active``).  Rows without a usable ``forecast_date``
count as out of season: the beach profile is only claimed when the date says so."""
_SEASON_FIRST: Final[int] = BATHING_SEASON[0][0] * 100 + BATHING_SEASON[0][1]  # month * 100 + day
_SEASON_LAST: Final[int] = BATHING_SEASON[1][0] * 100 + BATHING_SEASON[1][1]

THERMAL_CEILING_ANCHORS: Final[Anchors] = ((2, 50), (3, 60), (4, 70), (5, 100))
"""Thermal ceiling: TC rating (of the profile's own table) -> the score a day cannot reach, linear between.

A facet rating ``r`` is on the index's scale divided by 10, so TC 4 is a "marginal" day for thermal comfort
alone.  HCI:Urban weights TC 4 of 10 and never rates cold below 1, so a clear, dry 7 °C day (TC 4) still
reaches HCI 76, "very good".  The ceiling says what such a day is: TC 4 (urban ET 7-10 °C or 35-36 °C; beach
ET 19 °C) at most "good" (below 70), TC 3 (urban ET 0-6 °C; beach 18 °C or 37-38 °C) at most "acceptable", TC 2
or less (urban ET -1 °C or less, or from 37 °C; beach 17 °C or less, or from 39 °C) at most "marginal".  From
TC 5 (urban ET 11-34 °C, beach 20-36 °C) there is no ceiling: a cool, sunny autumn day keeps its grade.  See
:func:`apply_thermal_ceiling` for how scores are squeezed below the ceiling without losing their order."""
THERMAL_CEILING_BAND: Final[float] = 10.0
"""Scores above ``ceiling - 10`` (the floor of the band just below the ceiling) are squeezed into that band."""
THERMAL_CEILING_STEP: Final[float] = 0.1
"""The squeezed band ends at ``ceiling - 0.1``: the top of the band below, as scores are reported (1 decimal)."""
THERMAL_CEILING_EXEMPT_TYPES: Final[Mapping[int, str]] = {
    14: "cultural facility: mostly indoors",
    15: "festival: held in the season it is made for (a winter light or ice festival is meant to be cold)",
    32: "lodging: mostly indoors",
    38: "shopping: mostly indoors",
    39: "restaurant: mostly indoors",
}
"""Content types the thermal ceiling does not apply to, and why.  It applies to tourist spots (12), travel
courses (25, walks and drives), leisure/sports (28) and unknown types (scored like a tourist spot), except on
``winter_sport`` rows: ski slopes, skating rinks and sledding hills need the cold (the caller sets the flag from
the TourAPI category)."""

CONFIDENCE_DAY0: Final[float] = 0.95
CONFIDENCE_STEP_PER_DAY: Final[float] = 0.05
MAX_LEAD_DAYS: Final[float] = 9.0  # 0.95 - 9 * 0.05 = 0.50 at day 9 (and beyond)
MISSING_CONFIDENCE_PENALTY: Final[float] = 0.5
"""Confidence is multiplied by ``1 - 0.5 * missing_weight_share`` (all inputs missing halves it)."""
PARTIAL_MISSING: Final[float] = 0.25
"""Missing share of a facet that still has a fallback: RH missing (TC), pop or amount missing (P)."""

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

GRADE_BANDS: Final[tuple[tuple[float, str], ...]] = (
    (90.0, "ideal"),
    (80.0, "excellent"),
    (70.0, "very good"),
    (60.0, "good"),
    (50.0, "acceptable"),
    (40.0, "marginal"),
    (-math.inf, "unacceptable"),
)
"""HCI bands, best first.  ``grade_rank`` is 6 for ideal down to 0 for unacceptable (higher is better)."""
GOOD_OR_BETTER_RANK: Final[int] = 3
"""``grade_rank`` of "good" (60-69): the share at or above it is what the analytics call good or better."""
_GRADE_EDGES = np.array([40.0, 50.0, 60.0, 70.0, 80.0, 90.0])
_GRADE_NAMES = np.array([name for _, name in reversed(GRADE_BANDS)], dtype=object)  # index = rank

REASON_MIN_POINTS: Final[float] = 2.0
"""A facet is named as a penalty only if it costs at least this many points of the final score."""
POSITIVE_MIN_RANK: Final[int] = 5  # grade_rank 5 = "excellent" or better
POSITIVE_MIN_RATING: Final[float] = 9.0
DRY_MIN_RATING: Final[float] = 9.5
LEAD_REASON_MIN_DAYS: Final[int] = 4

INPUT_COLUMNS: Final[tuple[str, ...]] = (
    "content_type_id", "coastal", "winter_sport", "forecast_date", "lead_days", "tmax_c", "tmin_c", "rh_mean_pct",
    "cloud_pct", "pop_max_pct", "precip_mm", "wind_max_ms",
)  # fmt: skip
OUTPUT_COLUMNS: Final[tuple[str, ...]] = (
    "score", "grade", "grade_rank", "confidence", "profile", "reasons", "tc_rating", "a_rating", "p_rating",
    "w_rating",
)  # fmt: skip


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


# ---------------------------------------------------------------------------------------------------------------
# Profile, sensitivity, confidence, grade
# ---------------------------------------------------------------------------------------------------------------

_LUT_SIZE = 100  # content type ids are two-digit codes
_SENSITIVITY_LUT = np.full(_LUT_SIZE, DEFAULT_SENSITIVITY)
for _ct, _s in CONTENT_TYPE_SENSITIVITY.items():
    _SENSITIVITY_LUT[_ct] = _s
_OUTDOOR_LUT = np.zeros(_LUT_SIZE, dtype=bool)
_OUTDOOR_LUT[list(_OUTDOOR_ACTIVE_TYPES)] = True
_COASTAL_BEACH_LUT = np.zeros(_LUT_SIZE, dtype=bool)
_COASTAL_BEACH_LUT[list(_COASTAL_TO_BEACH_TYPES)] = True
_CEILING_LUT = np.ones(_LUT_SIZE, dtype=bool)  # index 0 (unknown types) included
_CEILING_LUT[list(THERMAL_CEILING_EXEMPT_TYPES)] = False
_THERMAL_CEILING = _arrays(THERMAL_CEILING_ANCHORS)
NO_CEILING: Final[float] = 100.0
"""What :func:`thermal_ceiling` returns where thermal comfort sets no ceiling (TC >= 5)."""


def _content_type_index(content_type_id: np.ndarray) -> np.ndarray:
    """Index into the content-type lookup tables; 0 (a non-type) for unknown, NaN or fractional ids."""
    ct = np.asarray(content_type_id, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(ct) & (ct >= 1) & (ct < _LUT_SIZE) & (ct == np.round(ct))
    return np.where(ok, ct, 0).astype(np.intp)


def _profile_codes(ct_index: np.ndarray, coastal_in_season: np.ndarray) -> np.ndarray:
    beach = coastal_in_season & _COASTAL_BEACH_LUT[ct_index]
    return np.where(beach, _BEACH, np.where(_OUTDOOR_LUT[ct_index], _OUTDOOR, _URBAN))


def profile_for(content_type_id: Any, coastal: bool, in_season: bool = True) -> str:
    """Profile name for one destination and day.

    12/28 coastal, in the bathing season -> beach; otherwise 15, 25, 28 -> outdoor_active; else urban.
    """
    ct = _ct_int(content_type_id)
    if coastal and in_season and ct in _COASTAL_TO_BEACH_TYPES:
        return "beach"
    if ct in _OUTDOOR_ACTIVE_TYPES:
        return "outdoor_active"
    return "urban"


def sensitivity_for(content_type_id: Any) -> float:
    """Weather sensitivity in [0, 1] for a content type (1.0 for unknown types)."""
    return CONTENT_TYPE_SENSITIVITY.get(_ct_int(content_type_id), DEFAULT_SENSITIVITY)


def confidence_for(lead_days: Any, missing_weight_share: float = 0.0) -> float:
    """Forecast confidence: 0.95 at day 0, -0.05 a day to 0.50 at day 9, times ``1 - 0.5 * missing share``.

    Unknown lead is treated as the least certain (day 9).
    """
    lead = _finite_or_none(lead_days)
    lead = MAX_LEAD_DAYS if lead is None else min(max(lead, 0.0), MAX_LEAD_DAYS)
    lead_confidence = CONFIDENCE_DAY0 - CONFIDENCE_STEP_PER_DAY * lead
    return lead_confidence * (1.0 - MISSING_CONFIDENCE_PENALTY * missing_weight_share)


def grade_for(score: float) -> tuple[str, int]:
    """(grade, grade_rank) of a score already rounded the way it is reported."""
    for rank, (lower, name) in zip(range(len(GRADE_BANDS) - 1, -1, -1), GRADE_BANDS, strict=True):
        if score >= lower:
            return name, rank
    raise AssertionError("unreachable: the last band is open below")  # pragma: no cover


def grades_for(scores: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`grade_for` of every score, vectorised: (grade names, object array; grade_rank, int64 array).

    For code that adjusts scores after :func:`score_frame` (round the scores as reported first, then
    regrade them with this).  NaN has no grade: ``None`` and rank -1.
    """
    values = np.asarray(scores, dtype=np.float64)
    rank = np.searchsorted(_GRADE_EDGES, values, side="right").astype(np.int64)  # band edges <= score
    missing = np.isnan(values)
    rank[missing] = -1
    names = _GRADE_NAMES.take(np.maximum(rank, 0))
    names[missing] = None
    return names, rank


# ---------------------------------------------------------------------------------------------------------------
# Seasons: the bathing season (which profile) and the thermal ceiling (what a cold or hot day can read as)
# ---------------------------------------------------------------------------------------------------------------


def _month_day(value: Any) -> int | None:
    """``month * 100 + day`` of a date-like value, or None.

    Accepted: ``datetime.date``/``datetime`` (pandas ``Timestamp`` included), ``numpy.datetime64`` and ISO 8601
    text; a datetime counts on its own wall clock (no time-zone conversion).  Anything else is no date.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    elif isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, date):  # NaT is a date too, with NaN for a month
        month, day = value.month, value.day
        if isinstance(month, int) and isinstance(day, int):
            return month * 100 + day
    return None


def _season_input(series: pd.Series) -> np.ndarray:
    """Per row, whether ``forecast_date`` lies in :data:`BATHING_SEASON` (False where there is no date)."""
    if series.dtype.kind == "M":  # datetime64, naive or aware: wall-clock month and day, vectorised
        month_day = (series.dt.month * 100 + series.dt.day).to_numpy(dtype=np.float64, na_value=np.nan)
        return (month_day >= _SEASON_FIRST) & (month_day <= _SEASON_LAST)
    # Dates as objects (datetime.date from the warehouse) or text: a frame holds few distinct dates, so each
    # distinct value is read once and the answer is spread back to the rows.
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    month_day = np.array([_month_day(value) or 0 for value in uniques], dtype=np.int64)
    season = (month_day >= _SEASON_FIRST) & (month_day <= _SEASON_LAST)
    return np.append(season, False).take(codes)  # code -1 (missing) -> the appended False


def in_bathing_season(dates: Any) -> np.ndarray:
    """Whether each date lies in :data:`BATHING_SEASON` (1 June - 15 September, any year); False if no date."""
    if not isinstance(dates, pd.Series):
        if isinstance(dates, np.ndarray):
            dates = pd.Series(dates)  # datetime64 arrays stay datetime64 (any unit)
        else:
            values = [dates] if isinstance(dates, (str, date, np.datetime64)) or dates is None else list(dates)
            dates = pd.Series(values, dtype=object)
    return _season_input(dates)


def thermal_ceiling(tc_rating: Any) -> np.ndarray:
    """The score a day with this thermal comfort rating cannot reach: :data:`THERMAL_CEILING_ANCHORS`,
    linear between anchors, 50 at TC <= 2, :data:`NO_CEILING` (100) from TC 5."""
    return _interp(np.asarray(tc_rating, dtype=np.float64), _THERMAL_CEILING)


def _squeeze_below(score: np.ndarray, ceiling: np.ndarray) -> np.ndarray:
    knee = ceiling - THERMAL_CEILING_BAND
    factor = ceiling - THERMAL_CEILING_STEP
    factor -= knee
    factor /= NO_CEILING - knee  # (ceiling - 0.1 - knee) / (100 - knee)
    squeezed = score - knee
    squeezed *= factor
    squeezed += knee  # knee + (score - knee) * factor
    return np.where((ceiling < NO_CEILING) & (score > knee), squeezed, score)


def apply_thermal_ceiling(score: Any, tc_rating: Any) -> np.ndarray:
    """Scores (0..100) with the thermal ceiling of their TC ratings applied.

    With ``C = thermal_ceiling(tc)`` and the knee ``K = C - 10`` (the floor of the band below the ceiling),
    scores above ``K`` are mapped linearly from ``[K, 100]`` onto ``[K, C - 0.1]``:
    ``K + (score - K) * (C - 0.1 - K) / (100 - K)``.  Scores up to ``K`` and rows without a ceiling (TC >= 5,
    or NaN) are unchanged.  So a squeezed day stays in the band below its ceiling ("good" under 70 at TC 4)
    however clear it is, better weather still scores higher (the map is strictly increasing, so places keep
    their order in top lists instead of tying at a cap), and the ceiling is continuous in TC (but for a step of
    at most 0.1 where it ends, at TC 5, for scores above 90: no profile reaches HCI 90 with TC 5, its best there
    is 85).  The map never raises a score.  :func:`score_frame` applies it to the final score of every row with
    a temperature whose type is not in :data:`THERMAL_CEILING_EXEMPT_TYPES` and that is not a winter sport.
    """
    values = np.asarray(score, dtype=np.float64)
    return _squeeze_below(values, thermal_ceiling(np.broadcast_to(tc_rating, values.shape)))


# ---------------------------------------------------------------------------------------------------------------
# Reasons: machine-readable short strings.  Lookup tables keep string building vectorised (fancy indexing).
# ---------------------------------------------------------------------------------------------------------------

REASON_INDOORS: Final[str] = "mostly indoors"
REASON_NO_WEATHER: Final[str] = "no weather data"


class _Vocab:
    """Every reason string the scorer can emit, addressed by an integer code.

    Reasons are computed as small integer codes with numpy and only turned into strings at the very end, so
    no per-row string formatting happens (numbers are rounded to integers, so the vocabulary is finite).
    """

    def __init__(self) -> None:
        self.strings: list[str] = []

    def block(self, items: Sequence[str]) -> int:
        offset = len(self.strings)
        self.strings.extend(items)
        return offset


_ET_MIN, _ET_MAX = -70, 70  # ET of clipped inputs stays within about -32..60 °C
_vocab = _Vocab()
_V_ET = _vocab.block([f"feels like {t} °C" for t in range(_ET_MIN, _ET_MAX + 1)])
_V_POP = _vocab.block([f"rain {v} %" for v in range(0, 101)])
_V_MM = _vocab.block([f"rain {v} mm" for v in range(0, 1001)])
_V_KMH = _vocab.block([f"wind {v} km/h" for v in range(0, 361)])
_V_LEAD = _vocab.block([f"forecast {v} days ahead" for v in range(0, 10)])
_V_CLOUD = _vocab.block(["overcast", "cloudy", "cloudless"])  # cloud >= 70 %, > 20 %, else
_V_MISSING = _vocab.block(["no temperature data", "no cloud data", "no rain data", "no wind data"])  # by facet
_V_POSITIVE = _vocab.block(["ideal temperature", "sunny", "dry", "light wind"])  # by facet
_V_INDOORS = _vocab.block([REASON_INDOORS])
_V_NO_WEATHER = _vocab.block([REASON_NO_WEATHER])
THERMAL_REASONS: Final[Mapping[str, tuple[str, str]]] = {
    "urban": ("cold for outdoor sightseeing", "hot for outdoor sightseeing"),
    "beach": ("too cold for the beach", "too hot for the beach"),
    "outdoor_active": ("cold for outdoor activities", "hot for outdoor activities"),
}
"""The thermal ceiling's reason by profile, (cold, hot): named first when the ceiling lowered the score by at
least 2 points.  Cold means an effective temperature below the profile's thermal optimum
(:data:`THERMAL_OPTIMUM_C`), hot above it."""
THERMAL_OPTIMUM_C: Final[Mapping[str, float]] = {"urban": 24.0, "beach": 29.0, "outdoor_active": 24.0}
"""Middle of each profile's TC optimum (urban table 23-25 °C, beach table 28-30 °C)."""
_V_THERMAL = _vocab.block([text for name in PROFILES for text in THERMAL_REASONS[name]])  # profile * 2 + hot
_OPTIMUM_BY_PROFILE = np.array([THERMAL_OPTIMUM_C[name] for name in PROFILES])
_VOCAB = np.array(_vocab.strings, dtype=object)
_VOCAB_JSON = np.array([json.dumps(s, ensure_ascii=False) for s in _vocab.strings], dtype=object)
"""Each reason as a JSON string literal: a row's JSON array is ``"[" + ", ".join(literals) + "]"``, exactly
what ``json.dumps(reasons, ensure_ascii=False)`` writes."""

REASON_FORMATS: Final[tuple[str, ...]] = ("list", "json")
"""``score_frame(reasons_format=...)``: a ``list[str]`` per row, or the same list as a JSON array string."""


def _lut_index_nonnegative(values: np.ndarray, hi: int) -> np.ndarray:
    """:func:`_lut_index` for values known to be >= 0 (or NaN, which gives ``hi``): ``floor(v + 0.5)``."""
    rounded = values + 0.5
    np.fmin(rounded, hi + 0.5, out=rounded)  # rounded >= 0.5, so the cast (a truncation) is the floor
    return rounded.astype(np.int64)


def _lut_index(values: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Round half away from zero and clip into a lookup block's range, as int64 (NaN -> 0; callers mask it)."""
    # trunc(v + copysign(0.5, v)) == sign(v) * floor(|v| + 0.5): IEEE addition is symmetric under negation.
    rounded = np.copysign(0.5, values)
    rounded += values
    np.trunc(rounded, out=rounded)
    np.fmax(rounded, lo, out=rounded)  # fmax/fmin (unlike clip) turn NaN into the bound: no NaN reaches the cast
    np.fmin(rounded, hi, out=rounded)
    index = rounded.astype(np.int64)
    if lo:
        index -= lo
    return index


# ---------------------------------------------------------------------------------------------------------------
# Vectorised scorer
#
# Built for nationwide frames (500,000 rows) with a small memory peak: the inputs are read as views, the
# formula runs over blocks of _CHUNK_ROWS rows (every temporary stays cache-sized and is reused by the
# allocator instead of faulting in fresh pages) and writes into preallocated output columns.  Every value is
# computed with the same floating-point operations, in the same order, as the plain formula (and as
# score_row_reference), so the results are bit for bit those of the unchunked version.
# ---------------------------------------------------------------------------------------------------------------

_CHUNK_ROWS: Final[int] = 16_384


class _SegmentTable:
    """``np.interp(x, xp, fp)`` bit for bit, for finite or NaN ``x``, using a lookup instead of a binary search.

    The anchors of every rating table sit on a grid of step ``1/scale`` (1 or 1/2), so the segment holding ``x``
    is a function of the grid cell ``floor(x * scale)``.  Per cell the table keeps the segment's start and
    slope (computed as ``np.interp`` does, ``(fp[j+1] - fp[j]) / (xp[j+1] - xp[j])``) and the value is
    ``slope * (x - xp[j]) + fp[j]``, np.interp's own expression; below the first anchor and from the last one
    on, the slope is 0 and the value is the end rating.  Infinite ``x`` is not supported (inputs are clipped).
    """

    def __init__(self, table: tuple[np.ndarray, np.ndarray]) -> None:
        xp, fp = table
        scale = 1.0
        while not np.array_equal(xp * scale, np.floor(xp * scale)):
            scale *= 2.0
            assert scale <= 64.0, "anchors must lie on a coarse binary grid"
        grid = xp * scale
        self.scale = scale
        self.lo, self.hi = float(grid[0] - 1.0), float(grid[-1])
        segment = np.searchsorted(grid, np.arange(self.lo, self.hi + 1.0), side="right") - 1  # -1: left of xp[0]
        inner = (segment >= 0) & (segment < len(xp) - 1)
        slopes = (fp[1:] - fp[:-1]) / (xp[1:] - xp[:-1])
        self.slope = np.where(inner, slopes[np.clip(segment, 0, len(xp) - 2)], 0.0)
        start = np.clip(segment, 0, len(xp) - 1)
        self.x0 = xp[start].copy()
        self.y0 = fp[start].copy()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        cell = x * self.scale
        np.floor(cell, out=cell)
        np.fmax(cell, self.lo, out=cell)  # NaN -> lo: any cell will do, NaN propagates through x below
        np.fmin(cell, self.hi, out=cell)
        cell -= self.lo
        index = cell.astype(np.intp)
        out = x - self.x0.take(index)
        out *= self.slope.take(index)
        out += self.y0.take(index)
        return out


_TC_URBAN_SEG = _SegmentTable(_TC_URBAN)
_TC_BEACH_SEG = _SegmentTable(_TC_BEACH)
_A_URBAN_SEG = _SegmentTable(_A_URBAN)
_A_BEACH_SEG = _SegmentTable(_A_BEACH)
_P_SEG = _SegmentTable(_P)
_W_SEG = _SegmentTable(_W)
_CEILING_SEG = _SegmentTable(_THERMAL_CEILING)

_WEATHER_COLUMNS: Final[tuple[str, ...]] = (
    "tmax_c", "rh_mean_pct", "cloud_pct", "pop_max_pct", "precip_mm", "wind_max_ms",
)  # fmt: skip
_WEIGHT_COLUMNS: Final[tuple[np.ndarray, ...]] = tuple(np.ascontiguousarray(_WEIGHTS[:, i]) for i in range(4))
_POSITIVE_MIN_RATINGS: Final[tuple[float, ...]] = (
    POSITIVE_MIN_RATING, POSITIVE_MIN_RATING, DRY_MIN_RATING, POSITIVE_MIN_RATING,
)  # fmt: skip
_PROFILE_NAMES = np.array(PROFILES, dtype=object)


def _numeric_input(series: pd.Series) -> np.ndarray:
    """A column as numbers, NaN where not numeric: a view of the frame's data when it is a numpy dtype."""
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iufb":
        # Already numbers (pd.to_numeric would copy them): converted to float64 chunk by chunk, which gives the
        # same values as converting the whole column.
        return series.to_numpy()
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _flag_input(series: pd.Series) -> np.ndarray:
    if series.dtype == bool:
        return series.to_numpy()
    return series.astype("boolean").fillna(False).to_numpy(dtype=bool)


def _clipped(raw: np.ndarray, name: str) -> np.ndarray:
    """Float64 copy of a weather column chunk with +/-inf turned into NaN, clipped to plausible ranges."""
    values = np.asarray(raw, dtype=np.float64)
    lo, hi = _CLIP[name]
    clipped = np.clip(values, lo, hi)  # a new array; np.clip keeps NaN (and clips +/-inf, undone below)
    infinite = np.isinf(values)
    if infinite.any():
        clipped[infinite] = np.nan
    return clipped


def _fill_missing(values: np.ndarray, present: np.ndarray, fill: float | np.ndarray) -> np.ndarray:
    """``values`` (modified in place) with ``fill`` where not ``present``."""
    if not present.all():
        np.copyto(values, fill, where=~present)
    return values


def _rate_by_profile(x: np.ndarray, beach_rows: np.ndarray, urban: _SegmentTable, beach: _SegmentTable) -> np.ndarray:
    """Urban-table rating, replaced by the beach table's on ``beach_rows`` (each row is interpolated once)."""
    out = urban(x)
    if beach_rows.size:
        out[beach_rows] = beach(x[beach_rows])
    return out


def _precipitation_facet(
    pop: np.ndarray, mm: np.ndarray, has_pop: np.ndarray, has_mm: np.ndarray, basis: str
) -> np.ndarray:
    """P rating with the missing-input fallbacks of :func:`score_frame`."""
    prob = np.where(has_pop, pop, 0.0)
    prob /= 100.0  # pop is clipped to 0..100, so this is already in [0, 1]
    if basis == "if_rain":
        # Both known: the amount if it rains is max(mm, 1); pop only: the wet-day mean.  Same mixture formula.
        amount = _fill_missing(np.maximum(mm, WET_DAY_MIN_MM), has_mm, WET_DAY_AMOUNT_MM)
        rating_if_rain: np.ndarray | float = _P_SEG(amount)
        del amount
    else:
        rating_if_rain = float(precipitation_rating(np.float64(WET_DAY_AMOUNT_MM)))  # pop-only rows
    p = 1.0 - prob
    p *= RATING_MAX
    prob *= rating_if_rain
    p += prob  # (1 - prob) * 10 + prob * P(amount)
    del prob, rating_if_rain
    if basis != "if_rain":
        both = has_pop & has_mm
        if both.all():
            p = _expected_basis_rating(pop, mm)
        elif both.any():
            rows = np.flatnonzero(both)
            p[rows] = _expected_basis_rating(pop[rows], mm[rows])
    mm_only = np.flatnonzero(has_mm & ~has_pop)  # amount known for certain: the HCI table itself
    if mm_only.size:
        p[mm_only] = _P_SEG(mm[mm_only])
    return _fill_missing(p, has_pop | has_mm, NEUTRAL_FACET)


def score_frame(
    df: pd.DataFrame,
    *,
    decimals: int | None = 1,
    precip_basis: str = "if_rain",
    reasons_format: str = "list",
) -> pd.DataFrame:
    """Score every (destination, date) row of ``df``; return a copy with the score columns added.

    Required columns: :data:`INPUT_COLUMNS` (``tmin_c`` is carried through but not used: HCI rates daytime
    comfort from the maximum temperature).  Weather values may be NaN/None/inf (treated as missing) or out
    of range (clipped to plausible bounds).  Unknown content types score with the published HCI:Urban at
    full sensitivity.

    Seasons: ``coastal`` rows score with HCI:Beach only on a ``forecast_date`` in :data:`BATHING_SEASON`
    (dates as ``datetime.date``, datetimes, ``datetime64`` or ISO text; a row without a usable date counts as
    out of season), otherwise with their content type's inland profile.  Rows with a temperature then get the
    thermal ceiling (:func:`apply_thermal_ceiling`) unless their type is in :data:`THERMAL_CEILING_EXEMPT_TYPES`
    or ``winter_sport`` is true: a day with a poor thermal comfort rating cannot read "very good" or better.
    ``coastal`` and ``winter_sport`` are flags (missing counts as False).

    ``precip_basis`` says what ``precip_mm`` means: ``"if_rain"`` (default) the day's amount if it rains, or
    ``"expected"`` the pop-weighted expectation; see :func:`expected_precipitation_rating`.

    Missing-input rule (no NaN ever reaches a score):

    * ``tmax_c`` missing: TC = 7.5 (neutral).  ``rh_mean_pct`` missing: ET = Tmax (the humidity correction
      vanishes), a quarter of the TC weight counts as missing.
    * ``cloud_pct`` missing: A = 7.5.  ``wind_max_ms`` missing: W = 7.5.
    * ``pop_max_pct`` and ``precip_mm`` both missing: P = 7.5.  Pop only (KMA medium range): the amount if it
      rains is the wet-day mean 10 mm, ``P = (1 - p) 10 + p P(10 mm)``.  Amount only: the amount is taken as
      certain, ``P = P(mm)`` (how HCI itself rates observed rain).  Either half missing counts as a quarter
      of the P weight.
    * ``confidence *= 1 - 0.5 * (missing weight / 10)``; unknown ``lead_days`` counts as day 9.

    Added columns (:data:`OUTPUT_COLUMNS`): ``score`` (0..100, rounded to ``decimals``; ``None`` keeps full
    precision), ``grade`` and ``grade_rank`` (from the reported score), ``confidence``, ``profile``,
    ``reasons``, and the facet ratings ``tc_rating``, ``a_rating``, ``p_rating``, ``w_rating`` as used
    (neutral where missing).

    ``reasons_format``: ``"list"`` (default) gives every row its own ``list[str]``; ``"json"`` gives the same
    list as a JSON array string, exactly ``json.dumps(reasons, ensure_ascii=False)`` (e.g.
    ``'["rain 70 %", "wind 45 km/h"]'``), ready to store: cheaper, as rows with the same reasons share one
    string.
    """
    if precip_basis not in PRECIP_BASES:
        raise ValueError(f"precip_basis must be one of {PRECIP_BASES}, got {precip_basis!r}")
    if reasons_format not in REASON_FORMATS:
        raise ValueError(f"reasons_format must be one of {REASON_FORMATS}, got {reasons_format!r}")
    missing_cols = [c for c in INPUT_COLUMNS if c not in df.columns]
    if missing_cols:
        # Fail loudly: a misspelt column would otherwise silently score as "no data" (75) everywhere.
        raise ValueError(f"score_frame: missing input columns {missing_cols}")
    n = len(df)

    inputs = {name: _numeric_input(df[name]) for name in ("content_type_id", "lead_days", *_WEATHER_COLUMNS)}
    inputs["coastal"] = _flag_input(df["coastal"])
    inputs["winter_sport"] = _flag_input(df["winter_sport"])
    inputs["in_season"] = _season_input(df["forecast_date"])
    score = np.empty(n)
    confidence = np.empty(n)
    grade_rank = np.empty(n, dtype=np.int64)
    profile = np.empty(n, dtype=np.int8)
    ratings = np.empty((4, n))  # tc, a, p, w
    keys = np.empty(n, dtype=np.int64)  # reason tuples, encoded (see _reason_keys)
    for start in range(0, n, _CHUNK_ROWS):
        rows = slice(start, start + _CHUNK_ROWS)
        _score_chunk(
            {name: values[rows] for name, values in inputs.items()},
            score=score[rows], confidence=confidence[rows], grade_rank=grade_rank[rows], profile=profile[rows],
            ratings=ratings[:, rows], keys=keys[rows], decimals=decimals, precip_basis=precip_basis,
        )  # fmt: skip
    del inputs
    reasons = _reasons_from_keys(keys, reasons_format)
    del keys

    # A shallow copy: with pandas copy-on-write the input is never modified through it.  The new columns
    # wrap the arrays just computed (copy=False: nothing else holds them) instead of copying them once more.
    out = df.copy(deep=False)
    columns = {
        "score": score, "grade": _GRADE_NAMES.take(grade_rank), "grade_rank": grade_rank, "confidence": confidence,
        "profile": _PROFILE_NAMES.take(profile), "reasons": reasons, "tc_rating": ratings[0],
        "a_rating": ratings[1], "p_rating": ratings[2], "w_rating": ratings[3],
    }  # fmt: skip
    for name in OUTPUT_COLUMNS:
        values = columns[name]
        out[name] = pd.Series(values, index=df.index, dtype=values.dtype, copy=False)
    return out


def _score_chunk(
    inputs: Mapping[str, np.ndarray],
    *,
    score: np.ndarray,
    confidence: np.ndarray,
    grade_rank: np.ndarray,
    profile: np.ndarray,
    ratings: np.ndarray,
    keys: np.ndarray,
    decimals: int | None,
    precip_basis: str,
) -> None:
    """Score one block of rows, writing into the given output slices."""
    # --- inputs -------------------------------------------------------------------------------------------
    ct_index = _content_type_index(inputs["content_type_id"])
    lead = np.asarray(inputs["lead_days"], dtype=np.float64)
    lead = np.where(np.isfinite(lead), np.clip(lead, 0.0, MAX_LEAD_DAYS), MAX_LEAD_DAYS)
    tmax = _clipped(inputs["tmax_c"], "tmax_c")
    rh = _clipped(inputs["rh_mean_pct"], "rh_mean_pct")
    cloud = _clipped(inputs["cloud_pct"], "cloud_pct")
    pop = _clipped(inputs["pop_max_pct"], "pop_max_pct")
    mm = _clipped(inputs["precip_mm"], "precip_mm")
    wind_kmh = _clipped(inputs["wind_max_ms"], "wind_max_ms")
    wind_kmh *= 3.6

    has_tmax, has_rh, has_cloud = ~np.isnan(tmax), ~np.isnan(rh), ~np.isnan(cloud)
    has_pop, has_mm, has_wind = ~np.isnan(pop), ~np.isnan(mm), ~np.isnan(wind_kmh)
    has_p = has_pop | has_mm

    profile_codes = _profile_codes(ct_index, inputs["coastal"] & inputs["in_season"])
    profile[:] = profile_codes
    sensitivity = _SENSITIVITY_LUT.take(ct_index)
    beach_rows = np.flatnonzero(profile_codes == _BEACH)
    weights = [column.take(profile_codes) for column in _WEIGHT_COLUMNS]
    # The ceiling needs a temperature, and does not apply to exempt types or winter sports.
    ceiling_rows = np.flatnonzero(_CEILING_LUT.take(ct_index) & has_tmax & ~inputs["winter_sport"])
    del ct_index

    # --- facets -------------------------------------------------------------------------------------------
    et = _fill_missing(effective_temperature(tmax, rh), has_rh, tmax)  # RH missing: ET = Tmax
    tc = _fill_missing(_rate_by_profile(et, beach_rows, _TC_URBAN_SEG, _TC_BEACH_SEG), has_tmax, NEUTRAL_FACET)
    a = _fill_missing(_rate_by_profile(cloud, beach_rows, _A_URBAN_SEG, _A_BEACH_SEG), has_cloud, NEUTRAL_FACET)
    p = _precipitation_facet(pop, mm, has_pop, has_mm, precip_basis)
    w = _fill_missing(_W_SEG(wind_kmh), has_wind, NEUTRAL_FACET)
    facets = (tc, a, p, w)
    ratings[:] = facets

    # --- index, sensitivity, confidence -------------------------------------------------------------------
    hci = weights[0] * tc  # summed facet by facet, left to right: the same order as ndarray.sum(axis=1)
    for weight, rating in zip(weights[1:], facets[1:], strict=True):
        hci += weight * rating
    np.clip(hci, 0.0, 100.0, out=hci)
    adjusted = hci - NEUTRAL_SCORE
    adjusted *= sensitivity
    adjusted += NEUTRAL_SCORE  # NEUTRAL + s * (hci - NEUTRAL)

    conf = CONFIDENCE_STEP_PER_DAY * lead
    np.subtract(CONFIDENCE_DAY0, conf, out=conf)  # lead confidence 0.95 - 0.05 * lead
    complete = has_tmax & has_rh & has_cloud & has_pop & has_mm & has_wind
    if not complete.all():  # on complete rows the factor 1 - 0.5 * share below is exactly 1
        rows = np.flatnonzero(~complete)
        r_tmax, r_rh, r_cloud = has_tmax[rows], has_rh[rows], has_cloud[rows]
        r_pop, r_mm, r_wind = has_pop[rows], has_mm[rows], has_wind[rows]
        # Missing weight: whole weights times 0, 1/4 or 1, so the sum is exact in any order.
        missing = weights[0][rows] * np.where(r_tmax, np.where(r_rh, 0.0, PARTIAL_MISSING), 1.0)
        missing += weights[1][rows] * ~r_cloud
        missing += weights[2][rows] * np.where(r_pop & r_mm, 0.0, np.where(r_pop | r_mm, PARTIAL_MISSING, 1.0))
        missing += weights[3][rows] * ~r_wind
        missing /= 10.0  # the missing share s
        missing *= -MISSING_CONFIDENCE_PENALTY
        missing += 1.0  # 1 + (-0.5 * s) == 1 - 0.5 * s exactly
        conf[rows] *= missing
        del missing
    del complete

    total = conf * adjusted
    rest = 1.0 - conf
    rest *= NEUTRAL_SCORE
    total += rest  # c * adjusted + (1 - c) * NEUTRAL
    del rest
    np.clip(total, 0.0, 100.0, out=total)

    # --- thermal ceiling ----------------------------------------------------------------------------------
    thermal = np.zeros(len(total), dtype=np.int64)  # reason code: 0 none, else 1 + profile * 2 + hot
    if ceiling_rows.size:
        before = total[ceiling_rows]
        after = _squeeze_below(before, _CEILING_SEG(tc[ceiling_rows]))
        total[ceiling_rows] = after
        named = np.flatnonzero(before - after >= REASON_MIN_POINTS)
        if named.size:
            rows = ceiling_rows[named]
            codes = profile_codes[rows].astype(np.int64) * 2 + 1
            codes += et[rows] > _OPTIMUM_BY_PROFILE.take(profile_codes[rows])
            thermal[rows] = codes
        del before, after
    del profile_codes
    if decimals is not None:
        np.round(total, decimals, out=score)  # the same multiply, rint, divide as np.round(total, decimals)
    else:
        score[:] = total
    # grade_rank = number of band edges <= the reported score (searchsorted(..., side="right"), by comparisons).
    np.greater_equal(score, _GRADE_EDGES[0], out=grade_rank, casting="unsafe")
    for edge in _GRADE_EDGES[1:]:
        grade_rank += score >= edge
    # Confidence is reported to 3 decimals (0.95 - 0.05 x 1 is 0.8999999999999999 in binary floating point).
    confidence[:] = np.round(conf, 3) if decimals is not None else conf
    del total

    keys[:] = _reason_keys(
        ratings=facets, weights=weights, confidence=conf, sensitivity=sensitivity, hci=hci, adjusted=adjusted,
        grade_rank=grade_rank, lead=lead, et=et, cloud=cloud, pop=pop, mm=mm, wind_kmh=wind_kmh,
        observed=(has_tmax, has_cloud, has_p, has_wind), has_pop=has_pop, thermal=thermal,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Reasons.  Per row they are a short tuple of vocabulary codes, and rows share few distinct tuples (500,000
# rows ~ 65,000), so each row's tuple is packed into one int64 key, the keys are factorised, and the reasons
# are built once per distinct key and spread back with a take.
#
# Key layout (bit offsets): three penalty slots of 11 bits each (vocabulary code + 1, 0 = empty) at 0, 11, 22;
# two positive slots of 3 bits (facet + 1) at 33, 36; "mostly indoors" at 39; the lead reason (days - 3, 0 =
# none) in 4 bits at 40; "no weather data" at 44; the thermal-ceiling reason (1 + profile * 2 + hot, 0 = none)
# in 3 bits at 45.
# ---------------------------------------------------------------------------------------------------------------

_KEY_CODE_BITS: Final[int] = 11
_KEY_CODE_MASK: Final[int] = (1 << _KEY_CODE_BITS) - 1
assert len(_VOCAB) < _KEY_CODE_MASK, "vocabulary codes (+1) must fit in a key slot"
_KEY_POSITIVE_SHIFT: Final[int] = 3 * _KEY_CODE_BITS
_KEY_INDOORS_SHIFT: Final[int] = _KEY_POSITIVE_SHIFT + 6
_KEY_LEAD_SHIFT: Final[int] = _KEY_INDOORS_SHIFT + 1
_KEY_NOTHING_SHIFT: Final[int] = _KEY_LEAD_SHIFT + 4
_KEY_THERMAL_SHIFT: Final[int] = _KEY_NOTHING_SHIFT + 1
_LEAD_KEY_OFFSET: Final[int] = LEAD_REASON_MIN_DAYS - 1  # lead 4..9 -> 1..6 in the key


def _descending_ranks(values: Sequence[np.ndarray], counted: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
    """Per row, each column's position in a stable descending sort, i.e. in ``argsort(-values, kind="stable")``.

    With ``counted``, the position among the counted columns only.
    """
    k = len(values)
    ranks = [np.zeros(len(values[0]), dtype=np.int8) for _ in range(k)]
    for i in range(k):
        for j in range(i + 1, k):
            i_first = values[i] >= values[j]  # ties: the lower column first, as a stable sort does
            if counted is None:
                ranks[j] += i_first
                ranks[i] += ~i_first
            else:
                ranks[j] += i_first & counted[i]
                ranks[i] += ~i_first & counted[j]
    return ranks


def _reason_keys(
    *,
    ratings: Sequence[np.ndarray],
    weights: Sequence[np.ndarray],
    confidence: np.ndarray,
    sensitivity: np.ndarray,
    hci: np.ndarray,
    adjusted: np.ndarray,
    grade_rank: np.ndarray,
    lead: np.ndarray,
    et: np.ndarray,
    cloud: np.ndarray,
    pop: np.ndarray,
    mm: np.ndarray,
    wind_kmh: np.ndarray,
    observed: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    has_pop: np.ndarray,
    thermal: np.ndarray,
) -> np.ndarray:
    """Per row, its reason tuple encoded as one int64 (layout above).

    Order: the thermal ceiling's reason when it lowered the score by >= 2 points (``thermal``: 1 + profile
    * 2 + hot, 0 = none), up to 3 penalties (facets costing >= 2 points of the final score, most expensive
    first), then up to 2 positives when the grade is excellent or better (facets rated >= 9, or >= 9.5 for
    rain, biggest weighted contribution first), then "mostly indoors" and "forecast N days ahead" (N >= 4) when
    those moved the score by >= 2 points.  A facet without inputs is named "no ... data"; with no inputs at all,
    only "no weather data".
    """
    obs_tc, obs_a, obs_p, obs_w = observed
    observed_any = obs_tc | obs_a | obs_p | obs_w

    # Penalties: the (up to) three costliest facets costing >= 2 final-score points, most expensive first.
    cs = confidence * sensitivity
    cost = []
    for weight, rating in zip(weights, ratings, strict=True):
        points = cs * weight
        points *= RATING_MAX - rating  # (c * s * w) * (10 - rating): final-score points lost
        cost.append(points)
    del cs
    rank = _descending_ranks(cost)

    def penalty_codes(i: int, rows: np.ndarray) -> np.ndarray:  # vocabulary code + 1 of facet i's penalty
        if i == 0:
            codes = _lut_index(et[rows], _ET_MIN, _ET_MAX)
            codes += _V_ET + 1
            return _fill_missing(codes, obs_tc[rows], _V_MISSING + 0 + 1)
        if i == 1:  # overcast (>= 70 %), cloudy (> 20 %), cloudless; NaN compares false -> masked anyway
            c = cloud[rows]
            codes = np.full(len(rows), _V_CLOUD + 2 + 1, dtype=np.int64)
            codes -= c > 20.0
            codes -= c >= 70.0
            return _fill_missing(codes, obs_a[rows], _V_MISSING + 1 + 1)
        if i == 2:  # the rain chance if known, else the amount
            codes = _lut_index_nonnegative(pop[rows], 100)  # inputs are clipped to >= 0
            codes += _V_POP + 1
            amount_only = np.flatnonzero(~has_pop[rows])
            if amount_only.size:
                codes[amount_only] = _lut_index_nonnegative(mm[rows[amount_only]], 1000) + (_V_MM + 1)
            return _fill_missing(codes, obs_p[rows], _V_MISSING + 2 + 1)
        codes = _lut_index_nonnegative(wind_kmh[rows], 360)
        codes += _V_KMH + 1
        return _fill_missing(codes, obs_w[rows], _V_MISSING + 3 + 1)

    key = np.zeros(len(hci), dtype=np.int64)
    for i in range(4):
        named = cost[i] >= REASON_MIN_POINTS
        named &= rank[i] < 3
        named &= observed_any  # with nothing observed, one "no weather data" replaces four "no ... data"
        rows = np.flatnonzero(named)
        if rows.size:
            shift = rank[i][rows] * np.int64(_KEY_CODE_BITS)  # int64 result
            key[rows] += np.left_shift(penalty_codes(i, rows), shift)
    del cost, rank

    # Positives: the first two qualifying facets in order of weighted contribution (largest first).
    rows = np.flatnonzero(grade_rank >= POSITIVE_MIN_RANK)
    if rows.size:
        facets = [rating[rows] for rating in ratings]
        good = [
            (rating >= threshold) & seen[rows]
            for rating, threshold, seen in zip(facets, _POSITIVE_MIN_RATINGS, observed, strict=True)
        ]
        contribution = [weight[rows] * rating for weight, rating in zip(weights, facets, strict=True)]
        position = _descending_ranks(contribution, counted=good)
        del contribution, facets
        positive_key = np.zeros(len(rows), dtype=np.int64)
        for i in range(4):
            named = good[i] & (position[i] < 2)
            if named.any():
                shift = position[i] * np.int64(3)  # int64 result
                shift += _KEY_POSITIVE_SHIFT
                positive_key += np.where(named, np.left_shift(np.int64(i + 1), shift), 0)
        key[rows] += positive_key

    # Context: being indoors softened a bad day; a far lead pulled the score toward neutral.
    indoors = hci < NEUTRAL_SCORE
    points = confidence * (1.0 - sensitivity)
    points *= NEUTRAL_SCORE - hci
    indoors &= points >= REASON_MIN_POINTS
    key += np.left_shift(indoors.astype(np.int64), _KEY_INDOORS_SHIFT)
    lead_int = _lut_index_nonnegative(lead, 9)  # lead is clipped to 0..9
    shrink = 1.0 - confidence
    shrink *= np.abs(adjusted - NEUTRAL_SCORE)
    lead_named = (lead_int >= LEAD_REASON_MIN_DAYS) & (shrink >= REASON_MIN_POINTS)
    lead_int -= _LEAD_KEY_OFFSET
    key += np.where(lead_named, np.left_shift(lead_int, _KEY_LEAD_SHIFT), 0)
    key += np.left_shift((~observed_any).astype(np.int64), _KEY_NOTHING_SHIFT)
    key += np.left_shift(thermal, _KEY_THERMAL_SHIFT)
    return key


def _reasons_from_keys(keys: np.ndarray, reasons_format: str) -> np.ndarray:
    """Object array of per-row reasons (new lists, or JSON strings) from the encoded keys."""
    if not len(keys):
        return np.empty(0, dtype=object)
    inverse, distinct = pd.factorize(keys, sort=False)
    packed, counts = _decode_reason_keys(distinct)
    if reasons_format == "json":
        return _json_arrays(packed, counts).take(inverse)
    return _row_lists(packed, counts, inverse)


def _decode_reason_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, counts): per distinct key, its vocabulary codes left-packed in reason order, and how many."""
    thermal = (keys >> _KEY_THERMAL_SHIFT) & 7
    slots = [np.where(thermal > 0, _V_THERMAL + thermal - 1, -1)]  # first: it is what caps the grade
    slots += [((keys >> (_KEY_CODE_BITS * s)) & _KEY_CODE_MASK) - 1 for s in range(3)]  # penalties, -1 = empty
    for s in range(2):
        facet = (keys >> (_KEY_POSITIVE_SHIFT + 3 * s)) & 7
        slots.append(np.where(facet > 0, _V_POSITIVE + facet - 1, -1))
    slots.append(np.where((keys >> _KEY_INDOORS_SHIFT) & 1, _V_INDOORS, -1))
    lead = (keys >> _KEY_LEAD_SHIFT) & 15
    slots.append(np.where(lead > 0, _V_LEAD + lead + _LEAD_KEY_OFFSET, -1))
    slots.append(np.where((keys >> _KEY_NOTHING_SHIFT) & 1, _V_NO_WEATHER, -1))
    packed = np.zeros((len(keys), len(slots)), dtype=np.intp)
    counts = np.zeros(len(keys), dtype=np.intp)
    for codes in slots:  # left-pack: each present code goes to the next free column of its row
        present = np.flatnonzero(codes >= 0)
        packed[present, counts[present]] = codes[present]
        counts[present] += 1
    return packed, counts


def _json_arrays(packed: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per distinct key, its reasons as a JSON array string (``json.dumps(list, ensure_ascii=False)``)."""
    out = np.empty(len(counts), dtype=object)
    for k in range(int(counts.max(initial=0)) + 1):
        rows = np.flatnonzero(counts == k)
        if rows.size:
            literals = _VOCAB_JSON[packed[rows, :k]].tolist()
            out[rows] = np.fromiter(("[" + ", ".join(r) + "]" for r in literals), dtype=object, count=rows.size)
    return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while creating many small lists (lists of str form no cycles).

    Otherwise allocating 500,000 lists triggers repeated collections costing several times the allocation.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _row_lists(packed: np.ndarray, counts: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """A new ``list[str]`` per row (rows never share a mutable list), built by reason count with ``tolist``."""
    # Renumber the distinct keys by reason count so each count's keys form one block of a per-count table.
    by_count = np.argsort(counts, kind="stable")
    renumber = np.empty_like(by_count)
    renumber[by_count] = np.arange(len(by_count))
    inverse = renumber.take(inverse)
    bounds = np.searchsorted(counts.take(by_count), np.arange(int(counts.max(initial=0)) + 2))
    row_counts = counts.astype(np.int8).take(by_count).take(inverse)
    out = np.empty(len(inverse), dtype=object)
    with _gc_paused():
        for k in range(len(bounds) - 1):
            rows = np.flatnonzero(row_counts == k)
            if rows.size:
                table = _VOCAB.take(packed[by_count[bounds[k] : bounds[k + 1]], :k])  # (keys with k reasons, k)
                lists = table.take(inverse.take(rows) - bounds[k], axis=0).tolist()  # a new list per row
                out[rows] = np.fromiter(lists, dtype=object, count=rows.size)
                del lists
    return out


# ---------------------------------------------------------------------------------------------------------------
# Pure-Python per-row reference (no numpy): the oracle for tests and the per-row benchmark baseline.
# ---------------------------------------------------------------------------------------------------------------


def _finite_or_none(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _ct_int(value: Any) -> int:
    f = _finite_or_none(value)
    if f is None or f != round(f) or not 1 <= f < _LUT_SIZE:
        return 0
    return int(f)


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


# ---------------------------------------------------------------------------------------------------------------
# Worked examples: pinned by tests and rendered into docs/scoring.md by worked_examples_table().
# ---------------------------------------------------------------------------------------------------------------

_SPRING = {"tmax_c": 26.0, "tmin_c": 14.0, "rh_mean_pct": 55.0, "cloud_pct": 15.0, "pop_max_pct": 0.0,
           "precip_mm": 0.0, "wind_max_ms": 2.0}  # fmt: skip
_RAINY = {"tmax_c": 26.0, "tmin_c": 21.0, "rh_mean_pct": 90.0, "cloud_pct": 100.0, "pop_max_pct": 80.0,
          "precip_mm": 15.0, "wind_max_ms": 6.0}  # fmt: skip


def _at(content_type_id: int, coastal: bool, day: date, lead_days: int) -> dict[str, Any]:
    """The non-weather inputs of an example row."""
    return {"content_type_id": content_type_id, "coastal": coastal, "forecast_date": day, "lead_days": lead_days}


WORKED_EXAMPLES: Final[list[dict[str, Any]]] = [
    {
        "name": "Perfect spring day, tourist spot, tomorrow",
        "input": {**_at(12, False, date(2026, 5, 14), 1), **_SPRING},
        "expected_score": 97.5,
        "expected_grade": "ideal",
        "why": "ET = 26 - 0.4 x 16 x 0.45 = 23.1 °C rates 10, as do 15 % cloud, no rain and a 7 km/h breeze: "
        "HCI 100. The day-1 confidence 0.90 shrinks it toward 75: 0.9 x 100 + 0.1 x 75 = 97.5.",
    },
    {
        "name": "Hot humid August day, tourist spot",
        "input": {**_at(12, False, date(2026, 8, 6), 1), "tmax_c": 34.0, "tmin_c": 26.0,
                  "rh_mean_pct": 80.0, "cloud_pct": 40.0, "pop_max_pct": 30.0, "precip_mm": 1.0,
                  "wind_max_ms": 2.0},  # fmt: skip
        "expected_score": 78.7,
        "expected_grade": "very good",
        "why": "ET = 34 - 0.4 x 24 x 0.2 = 32.1 °C rates 5.9 at weight 4 (-16 HCI points); 40 % cloud costs 4, "
        "a 30 % chance of 1 mm of rain 0.6: HCI 79.1. HCI:Urban is survey-based and tolerant of heat, "
        "so a humid 34 °C day is still 'very good'.",
    },
    {
        "name": "Rainy summer day at the beach (pop 80 %, 15 mm)",
        "input": {**_at(12, True, date(2026, 7, 15), 1), **_RAINY},
        "expected_score": 37.6,
        "expected_grade": "unacceptable",
        "why": "Beach weights: cloud 4, rain 3. 100 % cloud rates 1; P = 0.2 x 10 + 0.8 x P(15 mm) = 0.2 x 10 "
        "+ 0.8 x 0 = 2; ET 25.4 °C is below the beach optimum (7.7). HCI 33.4, 0.9 x 33.4 + 7.5 = 37.6.",
    },
    {
        "name": "Same rainy day at a museum",
        "input": {**_at(14, False, date(2026, 7, 15), 1), **_RAINY},
        "expected_score": 69.5,
        "expected_grade": "good",
        "why": "The same weather rates HCI:Urban 54.6, but a cultural facility has sensitivity 0.3: "
        "75 + 0.3 x (54.6 - 75) = 68.9, then 0.9 x 68.9 + 0.1 x 75 = 69.5. Rain barely hurts an indoor visit.",
    },
    {
        "name": "Freezing windy January day, mountain (tourist spot)",
        "input": {**_at(12, False, date(2027, 1, 19), 2), "tmax_c": -6.0, "tmin_c": -14.0,
                  "rh_mean_pct": 45.0, "cloud_pct": 30.0, "pop_max_pct": 20.0, "precip_mm": 0.5,
                  "wind_max_ms": 15.0},  # fmt: skip
        "expected_score": 43.1,
        "expected_grade": "marginal",
        "why": "ET = -6 + 0.4 x 16 x 0.55 = -2.5 °C rates 2 (-32 points at weight 4) and 54 km/h wind rates 0 "
        "(-10); the sky and a 20 % chance of light snow are fine: HCI 55.6, 58.5 after confidence. HCI never "
        "rates cold below 1 and weights wind 1 of 10, so on its own it calls this day 'acceptable'; the thermal "
        "ceiling for TC 2 (below 50) squeezes it into the band below: 40 + 18.5 x 9.9 / 60 = 43.1.",
    },
    {
        "name": "Ideal weather forecast 9 days ahead",
        "input": {**_at(12, False, date(2026, 5, 23), 9), **_SPRING},
        "expected_score": 87.5,
        "expected_grade": "excellent",
        "why": "Same weather as the perfect spring day, but confidence is 0.50 at day 9: 0.5 x 100 + 0.5 x 75 "
        "= 87.5. A far forecast never claims an extreme.",
    },
    {
        "name": "Showery day on a hiking course",
        "input": {**_at(25, False, date(2026, 10, 8), 0), "tmax_c": 21.0, "tmin_c": 13.0,
                  "rh_mean_pct": 70.0, "cloud_pct": 75.0, "pop_max_pct": 70.0, "precip_mm": 8.0,
                  "wind_max_ms": 9.0},  # fmt: skip
        "expected_score": 66.1,
        "expected_grade": "good",
        "why": "outdoor_active weights rain 4 and wind 2: P = 0.3 x 10 + 0.7 x P(8 mm) = 0.3 x 10 + 0.7 x 4.5 "
        "= 6.15 costs 15 points, 32 km/h wind (6) 8 more; ET 19.7 °C (8.4) and 75 % cloud (4) the rest.",
    },
    {
        "name": "Ideal beach day",
        "input": {**_at(12, True, date(2026, 8, 4), 1), "tmax_c": 31.0, "tmin_c": 24.0,
                  "rh_mean_pct": 75.0, "cloud_pct": 20.0, "pop_max_pct": 10.0, "precip_mm": 0.0,
                  "wind_max_ms": 3.0},  # fmt: skip
        "expected_score": 96.4,
        "expected_grade": "ideal",
        "why": "ET 28.9 °C and 20 % cloud are both in the beach optima (10). A 10 % chance of rain with 0 mm "
        "forecast still counts as 1 mm if it rains: P = 0.9 x 10 + 0.1 x 9.3 = 9.93. 11 km/h wind rates 9.",
    },
    {
        "name": "Partly missing inputs (no humidity, cloud or amount; wind NaN)",
        "input": {**_at(12, False, date(2026, 9, 24), 3), "tmax_c": 24.0, "tmin_c": None,
                  "rh_mean_pct": None, "cloud_pct": None, "pop_max_pct": 10.0, "precip_mm": None,
                  "wind_max_ms": float("nan")},  # fmt: skip
        "expected_score": 84.3,
        "expected_grade": "excellent",
        "why": "ET falls back to Tmax (24 °C, 10); cloud and wind are neutral 7.5; pop 10 % without an amount "
        "assumes 10 mm if it rains: 0.9 x 10 + 0.1 x 2.5 = 9.25. HCI 90.3. Missing weight 4.75 of 10 "
        "scales the day-3 confidence 0.80 by (1 - 0.5 x 0.475) to 0.61.",
    },
    {
        "name": "No weather at all, restaurant",
        "input": {**_at(39, False, date(2026, 11, 20), 0), "tmax_c": None, "tmin_c": None,
                  "rh_mean_pct": None, "cloud_pct": None, "pop_max_pct": None, "precip_mm": None,
                  "wind_max_ms": None},  # fmt: skip
        "expected_score": 75.0,
        "expected_grade": "very good",
        "why": "Every facet is neutral (7.5), so HCI = 75 = the neutral score whatever the sensitivity and "
        "confidence (0.95 x 0.5): no data never pretends to be good or bad weather.",
    },
]
"""Documented worked examples.  ``expected_score``/``expected_grade`` are pinned goldens (see the tests)."""


def _fmt_input(inp: Mapping[str, Any]) -> str:
    def show(key: str, unit: str) -> str:
        v = _finite_or_none(inp.get(key))
        return "n/a" if v is None else f"{v:g}{unit}"

    day = inp.get("forecast_date")
    return (
        f"type {inp['content_type_id']}{' coastal' if inp.get('coastal') else ''}"
        f"{' winter sport' if inp.get('winter_sport') else ''}, "
        f"{day.isoformat() if isinstance(day, date) else 'no date'} (day {inp['lead_days']}); "
        f"Tmax {show('tmax_c', ' °C')}, RH {show('rh_mean_pct', ' %')}, cloud {show('cloud_pct', ' %')}, "
        f"pop {show('pop_max_pct', ' %')}, precip {show('precip_mm', ' mm')}, wind {show('wind_max_ms', ' m/s')}"
    )


_CONTENT_TYPE_NAMES: Final[Mapping[int, str]] = {
    12: "tourist spot", 14: "cultural facility", 15: "festival", 25: "travel course", 28: "leisure/sports",
    32: "lodging", 38: "shopping", 39: "restaurant",
}  # fmt: skip


def reference_tables_markdown() -> str:
    """Markdown of the rating anchors, profile weights and content-type mapping exactly as implemented."""
    tables = [
        ("TC, HCI:Urban", "ET °C", TC_URBAN_ANCHORS),
        ("TC, HCI:Beach", "ET °C", TC_BEACH_ANCHORS),
        ("A, urban", "cloud %", A_URBAN_ANCHORS),
        ("A, beach", "cloud %", A_BEACH_ANCHORS),
        ("P (both)", "mm/day", P_ANCHORS),
        ("W (both)", "km/h", W_ANCHORS),
    ]
    lines = ["| facet | x | anchors `x: rating` (linear between, flat beyond the ends) |", "|---|---|---|"]
    for name, unit, anchors in tables:
        lines.append(f"| {name} | {unit} | " + ", ".join(f"`{x:g}: {y:g}`" for x, y in anchors) + " |")
    lines += ["", "| profile | TC | A | P | W |", "|---|---|---|---|---|"]
    lines += [f"| {name} | " + " | ".join(f"{w:g}" for w in PROFILE_WEIGHTS[name]) + " |" for name in PROFILES]
    lines += [
        "",
        "| content type | profile | profile if coastal, in the bathing season | sensitivity | thermal ceiling |",
        "|---|---|---|---|---|",
    ]
    for ct, label in [*_CONTENT_TYPE_NAMES.items(), (0, "")]:
        name = f"{ct} {label}" if ct else "other / unknown"
        ceiling = "no" if ct in THERMAL_CEILING_EXEMPT_TYPES else ("yes, except winter sports" if ct == 28 else "yes")
        lines.append(
            f"| {name} | {profile_for(ct, False)} | {profile_for(ct, True)} | {sensitivity_for(ct):g} | {ceiling} |"
        )
    lines += ["", "| thermal ceiling | TC rating `x: ceiling` (linear between; no ceiling from the last anchor) |",
              "|---|---|",
              "| score stays below | " + ", ".join(f"`{x:g}: {y:g}`" for x, y in THERMAL_CEILING_ANCHORS) + " |"]
    return "\n".join(lines) + "\n"


def worked_examples_table() -> str:
    """Markdown table of :data:`WORKED_EXAMPLES`, with every number computed by :func:`score_frame` now."""
    frame = score_frame(pd.DataFrame([ex["input"] for ex in WORKED_EXAMPLES], columns=list(INPUT_COLUMNS)))
    lines = [
        "| # | case | inputs | profile | TC / A / P / W | confidence | score | grade | reasons | why |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, (ex, (_, r)) in enumerate(zip(WORKED_EXAMPLES, frame.iterrows(), strict=True), start=1):
        facets = " / ".join(f"{r[c]:.2f}" for c in ("tc_rating", "a_rating", "p_rating", "w_rating"))
        reasons = ", ".join(f"`{s}`" for s in r["reasons"]) or "(none)"
        lines.append(
            f"| {i} | {ex['name']} | {_fmt_input(ex['input'])} | {r['profile']} | {facets} | "
            f"{r['confidence']:.3f} | **{r['score']:.1f}** | {r['grade']} | {reasons} | {ex['why']} |"
        )
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# Seasonal examples: a beach, a sea island, a lake island and a city sight in December, April, August and October.
# Pinned by test_seasons.py and rendered into docs/scoring.md ("Seasons") by seasonal_examples_table().
# ---------------------------------------------------------------------------------------------------------------

SEASONAL_PLACES: Final[Mapping[str, Mapping[str, Any]]] = {
    "해운대해수욕장": {"content_id": "9061201", "content_type_id": 12, "cat2": "A0101", "cat3": "A01011200",
                 "region_code": 6, "sigungu_code": 16, "where": "부산 해운대구", "kind": "beach", "coastal": True},
    "우도": {"content_id": "9391208", "content_type_id": 12, "cat2": "A0101", "cat3": "A01011300",
           "region_code": 39, "sigungu_code": 4, "where": "제주 제주시", "kind": "sea island", "coastal": True},
    "남이섬": {"content_id": "9321201", "content_type_id": 12, "cat2": "A0101", "cat3": "A01011300",
            "region_code": 32, "sigungu_code": 13, "where": "강원 춘천시", "kind": "island in a lake (청평호, on the "
            "North Han river)", "coastal": False},
    "경복궁": {"content_id": "126508", "content_type_id": 12, "cat2": "A0201", "cat3": "A02010100",
            "region_code": 1, "sigungu_code": 23, "where": "서울 종로구", "kind": "palace, outdoor sightseeing",
            "coastal": False},
}  # fmt: skip
"""The example places as the sample catalogue has them.  ``coastal`` is what ``transform.coastal_flags`` makes of
their TourAPI category and district (test_seasons.py checks it): a beach is at sea wherever it is, an island
only in a coastal district (제주시 yes, 춘천시 no), a palace never."""


def _weather(tmax: float, rh: float, cloud: float, pop: float, mm: float, wind: float) -> dict[str, float]:
    return {"tmax_c": tmax, "tmin_c": tmax - 8.0, "rh_mean_pct": rh, "cloud_pct": cloud, "pop_max_pct": pop,
            "precip_mm": mm, "wind_max_ms": wind}  # fmt: skip


_SEASON_DAYS: Final[Mapping[str, date]] = {
    "December": date(2026, 12, 7), "April": date(2026, 4, 15), "August": date(2026, 8, 5),
    "October": date(2026, 10, 14),
}  # fmt: skip

# Typical days for each place and month (today's forecast, lead 0), roughly the places' climate normals.
_SEASONAL_WEATHER: Final[Mapping[tuple[str, str], dict[str, float]]] = {
    ("December", "해운대해수욕장"): _weather(7, 50, 10, 0, 0, 4),  # issue #15: clear and 7 °C, was 73 "very good"
    ("December", "우도"): _weather(10, 65, 60, 20, 1, 9),  # Jeju winter: milder, cloudier, windy
    ("December", "남이섬"): _weather(2, 55, 20, 0, 0, 2),
    ("December", "경복궁"): _weather(3, 50, 10, 0, 0, 3),
    ("April", "해운대해수욕장"): _weather(18, 60, 30, 10, 0, 5),
    ("April", "우도"): _weather(17, 70, 40, 20, 1, 7),
    ("April", "남이섬"): _weather(19, 45, 20, 0, 0, 3),
    ("April", "경복궁"): _weather(19, 45, 30, 10, 0, 3),
    ("August", "해운대해수욕장"): _weather(31, 75, 20, 10, 0, 4),
    ("August", "우도"): _weather(30, 80, 25, 20, 2, 5),
    ("August", "남이섬"): _weather(32, 70, 30, 30, 5, 2),
    ("August", "경복궁"): _weather(33, 70, 40, 30, 5, 2),
    ("October", "해운대해수욕장"): _weather(22, 55, 10, 0, 0, 4),
    ("October", "우도"): _weather(22, 65, 30, 10, 0, 6),
    ("October", "남이섬"): _weather(20, 55, 10, 0, 0, 3),
    ("October", "경복궁"): _weather(21, 50, 20, 0, 0, 3),
}

SEASONAL_EXAMPLES: Final[list[dict[str, Any]]] = [
    {
        "month": month,
        "place": place,
        "input": {"content_type_id": SEASONAL_PLACES[place]["content_type_id"],
                  "coastal": SEASONAL_PLACES[place]["coastal"], "winter_sport": False,
                  "forecast_date": _SEASON_DAYS[month], "lead_days": 0, **_SEASONAL_WEATHER[(month, place)]},
    }  # fmt: skip
    for month in _SEASON_DAYS
    for place in SEASONAL_PLACES
]
"""Sixteen documented seasonal examples (month x place), in table order; test_seasons.py pins their results."""


def seasonal_examples_table() -> str:
    """Markdown table of :data:`SEASONAL_EXAMPLES`, every number computed by :func:`score_frame` now."""
    frame = score_frame(pd.DataFrame([ex["input"] for ex in SEASONAL_EXAMPLES], columns=list(INPUT_COLUMNS)))
    lines = [
        "| month | place | season, coastal | weather | profile | TC / A / P / W | score | grade | reasons |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for ex, (_, r) in zip(SEASONAL_EXAMPLES, frame.iterrows(), strict=True):
        place, inp = SEASONAL_PLACES[ex["place"]], ex["input"]
        in_season = bool(in_bathing_season([inp["forecast_date"]])[0])
        facets = " / ".join(f"{r[c]:.2f}" for c in ("tc_rating", "a_rating", "p_rating", "w_rating"))
        reasons = ", ".join(f"`{s}`" for s in r["reasons"]) or "(none)"
        lines.append(
            f"| {ex['month']} | {ex['place']}: {place['kind']}, {place['where']} ({place['cat3']}) | "
            f"{inp['forecast_date'].isoformat()} {'in' if in_season else 'out of'} season; "
            f"{'coastal' if inp['coastal'] else 'not coastal'} | "
            f"Tmax {inp['tmax_c']:g} °C, RH {inp['rh_mean_pct']:g} %, cloud {inp['cloud_pct']:g} %, "
            f"pop {inp['pop_max_pct']:g} %, {inp['precip_mm']:g} mm, wind {inp['wind_max_ms']:g} m/s | "
            f"{r['profile']} | {facets} | **{r['score']:.1f}** | {r['grade']} | {reasons} |"
        )
    return "\n".join(lines) + "\n"

"""Profiles, weather sensitivity, forecast confidence and grades.

Which facet weights a (destination, day) is scored with, how much the weather matters to its content type, how
sure the forecast is, and what a score is called: the constants of the model and their lookups, by content type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

import numpy as np

# ---------------------------------------------------------------------------------------------------------------
# Model constants (all documented in docs/scoring.md).
# ---------------------------------------------------------------------------------------------------------------

NEUTRAL_SCORE: Final[float] = 75.0
"""Good-but-not-ideal day: the sensitivity baseline, the shrinkage target and the no-information score."""
NEUTRAL_FACET: Final[float] = NEUTRAL_SCORE / 10.0
"""Rating given to a facet whose inputs are missing: weights sum to 10, so all-neutral facets give NEUTRAL."""

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

CONFIDENCE_DAY0: Final[float] = 0.95
CONFIDENCE_STEP_PER_DAY: Final[float] = 0.05
MAX_LEAD_DAYS: Final[float] = 9.0  # 0.95 - 9 * 0.05 = 0.50 at day 9 (and beyond)
MISSING_CONFIDENCE_PENALTY: Final[float] = 0.5
"""Confidence is multiplied by ``1 - 0.5 * missing_weight_share`` (all inputs missing halves it)."""
PARTIAL_MISSING: Final[float] = 0.25
"""Missing share of a facet that still has a fallback: RH missing (TC), pop or amount missing (P)."""

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


# Lenient scalar readers (None, text, NaN and inf are no value), shared with the per-row reference.
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

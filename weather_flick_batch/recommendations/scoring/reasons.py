"""Reasons: the machine-readable short strings that say why a row scored what it did.

Built without per-row string formatting: every reason the scorer can emit is in a fixed vocabulary, a row's
reasons are vocabulary codes packed into one int64 key, and strings are made once per distinct key.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Final

import numpy as np
import pandas as pd

from weather_flick_batch.recommendations.scoring.profiles import NEUTRAL_SCORE, PROFILES
from weather_flick_batch.recommendations.scoring.ratings import RATING_MAX, _fill_missing

# ---------------------------------------------------------------------------------------------------------------
# When a facet or the context is worth naming (documented in docs/scoring.md).
# ---------------------------------------------------------------------------------------------------------------

REASON_MIN_POINTS: Final[float] = 2.0
"""A facet is named as a penalty only if it costs at least this many points of the final score."""
POSITIVE_MIN_RANK: Final[int] = 5  # grade_rank 5 = "excellent" or better
POSITIVE_MIN_RATING: Final[float] = 9.0
DRY_MIN_RATING: Final[float] = 9.5
LEAD_REASON_MIN_DAYS: Final[int] = 4
_POSITIVE_MIN_RATINGS: Final[tuple[float, ...]] = (
    POSITIVE_MIN_RATING, POSITIVE_MIN_RATING, DRY_MIN_RATING, POSITIVE_MIN_RATING,
)  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Vocabulary: machine-readable short strings.  Lookup tables keep string building vectorised (fancy indexing).
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

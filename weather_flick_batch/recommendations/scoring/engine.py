"""The vectorised frame scorer: :func:`score_frame` scores every (destination, date) row of a DataFrame."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
import pandas as pd

from weather_flick_batch.recommendations.scoring.profiles import (
    _BEACH,
    _GRADE_EDGES,
    _GRADE_NAMES,
    _SENSITIVITY_LUT,
    _WEIGHTS,
    CONFIDENCE_DAY0,
    CONFIDENCE_STEP_PER_DAY,
    MAX_LEAD_DAYS,
    MISSING_CONFIDENCE_PENALTY,
    NEUTRAL_FACET,
    NEUTRAL_SCORE,
    PARTIAL_MISSING,
    PROFILES,
    _content_type_index,
    _profile_codes,
)
from weather_flick_batch.recommendations.scoring.ratings import (
    _A_BEACH,
    _A_URBAN,
    _CLIP,
    _P,
    _TC_BEACH,
    _TC_URBAN,
    _W,
    PRECIP_BASES,
    RATING_MAX,
    WET_DAY_AMOUNT_MM,
    WET_DAY_MIN_MM,
    _expected_basis_rating,
    _fill_missing,
    effective_temperature,
    precipitation_rating,
)
from weather_flick_batch.recommendations.scoring.reasons import (
    _OPTIMUM_BY_PROFILE,
    REASON_FORMATS,
    REASON_MIN_POINTS,
    _reason_keys,
    _reasons_from_keys,
)
from weather_flick_batch.recommendations.scoring.seasons import (
    _CEILING_LUT,
    _THERMAL_CEILING,
    _season_input,
    _squeeze_below,
)

INPUT_COLUMNS: Final[tuple[str, ...]] = (
    "content_type_id", "coastal", "winter_sport", "forecast_date", "lead_days", "tmax_c", "tmin_c", "rh_mean_pct",
    "cloud_pct", "pop_max_pct", "precip_mm", "wind_max_ms",
)  # fmt: skip
OUTPUT_COLUMNS: Final[tuple[str, ...]] = (
    "score", "grade", "grade_rank", "confidence", "profile", "reasons", "tc_rating", "a_rating", "p_rating",
    "w_rating",
)  # fmt: skip


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

"""Tests for the weather-suitability scorer (weather_flick_batch.recommendations.scoring).

Property tests (hypothesis) check the invariants the score promises; golden tests pin the documented worked
examples; table tests check the interpolated ratings against the published HCI step tables, written out
independently here from docs/reference (not from the module's anchor lists).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from weather_flick_batch.recommendations import scoring
from weather_flick_batch.recommendations.scoring import (
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    WORKED_EXAMPLES,
    aesthetic_rating,
    engine,
    expected_precipitation_rating,
    grade_for,
    precipitation_rating,
    profiles,
    ratings,
    score_frame,
    score_row_reference,
    thermal_comfort_rating,
    wind_rating,
    worked_examples_table,
)

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "scoring.md"

HYP = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

OUTDOOR_TYPES = (12, 15, 25, 28)
INDOOR_TYPES = (14, 38, 39)
ALL_TYPES = (12, 14, 15, 25, 28, 32, 38, 39)
WEATHER = ("tmax_c", "tmin_c", "rh_mean_pct", "cloud_pct", "pop_max_pct", "precip_mm", "wind_max_ms")


# ---------------------------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------------------------


def _finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


# Plausible weather, a little beyond the physical ranges to exercise clipping.
FINITE_WEATHER: dict[str, st.SearchStrategy[float]] = {
    "tmax_c": _finite(-40, 50),
    "tmin_c": _finite(-45, 40),
    "rh_mean_pct": _finite(-5, 105),
    "cloud_pct": _finite(-5, 105),
    "pop_max_pct": _finite(-5, 105),
    "precip_mm": _finite(0, 200),
    "wind_max_ms": _finite(0, 40),
}
MISSING = st.sampled_from([float("nan"), None, float("inf"), float("-inf")])
_DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
# Forecast dates as the scorer accepts them (date, datetime, ISO text), and missing or unusable ones.
DATES = st.one_of(
    _DAYS, _DAYS.map(date.isoformat), st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
    st.sampled_from([None, float("nan"), "not a date", 20260701]),
)  # fmt: skip


@st.composite
def rows(draw: st.DrawFn, *, missing: bool = True, types: tuple[int, ...] | None = None) -> dict[str, Any]:
    """One input row; with ``missing`` any weather value may be NaN/None/inf, and odd ids/leads appear."""
    if types is None:
        ct = draw(st.one_of(st.sampled_from(ALL_TYPES), st.integers(-5, 120))) if missing else draw(
            st.sampled_from(ALL_TYPES)
        )
    else:
        ct = draw(st.sampled_from(types))
    row: dict[str, Any] = {
        "content_type_id": ct,
        "coastal": draw(st.booleans()),
        "winter_sport": draw(st.booleans()),
        "forecast_date": draw(DATES if missing else _DAYS),
        "lead_days": draw(st.integers(-2, 14) if missing else st.integers(0, 9)),
    }
    for col, strategy in FINITE_WEATHER.items():
        row[col] = draw(st.one_of(strategy, MISSING)) if missing else draw(strategy)
    return row


def frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=list(INPUT_COLUMNS))


def raw_scores(records: list[dict[str, Any]], basis: str = "if_rain") -> np.ndarray:
    return score_frame(frame(records), decimals=None, precip_basis=basis)["score"].to_numpy()


# ---------------------------------------------------------------------------------------------------------------
# Module hygiene and API shape
# ---------------------------------------------------------------------------------------------------------------


def test_module_does_not_import_dagster() -> None:
    code = (
        "import sys; import weather_flick_batch.recommendations.scoring; "
        "bad = sorted(m for m in sys.modules if m == 'dagster' or m.startswith('dagster.')); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_output_columns_types_and_input_untouched() -> None:
    records = [WORKED_EXAMPLES[0]["input"], WORKED_EXAMPLES[2]["input"]]
    df = frame(records)
    df.index = pd.Index([101, 7], name="row_id")
    before = df.copy()
    out = score_frame(df)
    pd.testing.assert_frame_equal(df, before)  # not mutated
    assert list(out.columns) == list(INPUT_COLUMNS) + list(OUTPUT_COLUMNS)
    assert out.index.equals(df.index)
    pd.testing.assert_frame_equal(out[list(INPUT_COLUMNS)], before)
    assert out["grade_rank"].dtype == np.int64
    assert all(isinstance(r, list) and all(isinstance(s, str) for s in r) for r in out["reasons"])
    assert set(out["profile"]) <= set(scoring.PROFILES)
    assert out["score"].tolist() == [round(v, 1) for v in out["score"]]


def test_missing_column_is_an_error() -> None:
    df = frame([WORKED_EXAMPLES[0]["input"]]).drop(columns=["cloud_pct"])
    with pytest.raises(ValueError, match="cloud_pct"):
        score_frame(df)


def test_empty_frame() -> None:
    out = score_frame(frame([]))
    assert len(out) == 0
    assert set(OUTPUT_COLUMNS) <= set(out.columns)


# ---------------------------------------------------------------------------------------------------------------
# Rating tables: interpolation must reproduce the published HCI step tables (written out here independently).
# ---------------------------------------------------------------------------------------------------------------


def _hci_urban_tc(et: int) -> float:
    bands = [(-5, -1, 2), (0, 6, 3), (7, 10, 4), (11, 14, 5), (15, 17, 6), (18, 19, 7), (20, 22, 9), (23, 25, 10),
             (26, 26, 9), (27, 28, 8), (29, 30, 7), (31, 32, 6), (33, 34, 5), (35, 36, 4), (37, 38, 2)]  # fmt: skip
    if et <= -6:
        return 1
    if et >= 39:
        return 0
    return next(r for lo, hi, r in bands if lo <= et <= hi)


def _hci_urban_a(cloud: int) -> float:
    if cloud == 0:
        return 8
    if cloud == 100:
        return 1
    bands = [(1, 10, 9), (11, 20, 10), (21, 30, 9), (31, 40, 8), (41, 50, 7), (51, 60, 6), (61, 70, 5), (71, 80, 4),
             (81, 90, 3), (91, 99, 2)]  # fmt: skip
    return next(r for lo, hi, r in bands if lo <= cloud <= hi)


def _hci_wind(kmh: int) -> float:
    bands = [(0, 0, 8), (1, 9, 10), (10, 19, 9), (20, 29, 8), (30, 39, 6), (40, 49, 3), (50, 70, 0)]
    return -10 if kmh > 70 else next(r for lo, hi, r in bands if lo <= kmh <= hi)


def test_tc_urban_matches_table_at_every_integer() -> None:
    ets = np.arange(-20, 50)
    assert thermal_comfort_rating(ets, beach=False).tolist() == [_hci_urban_tc(int(t)) for t in ets]


def test_tc_beach_published_cells() -> None:
    cells = {28: 10, 29: 10, 30: 10, 26: 9, 27: 9, 31: 9, 32: 9, 23: 7, 24: 7, 25: 7, 34: 7}
    got = thermal_comfort_rating(np.array(list(cells), dtype=float), beach=True)
    assert got.tolist() == list(cells.values())
    assert float(thermal_comfort_rating(14.0, beach=True)) < 0  # "negative below 15 °C"
    assert float(thermal_comfort_rating(19.0, beach=True)) < float(thermal_comfort_rating(19.0, beach=False))


def test_aesthetic_urban_matches_table_and_beach_optimum() -> None:
    clouds = np.arange(0, 101)
    assert aesthetic_rating(clouds, beach=False).tolist() == [_hci_urban_a(int(c)) for c in clouds]
    beach = aesthetic_rating(clouds, beach=True)
    assert beach[15:26].tolist() == [10] * 11
    assert (beach[:15] < 10).all() and (beach[26:] < 10).all()
    assert (np.diff(beach[25:]) <= 0).all()  # monotone past the optimum


def test_wind_matches_table_at_every_integer() -> None:
    kmh = np.arange(0, 100)
    assert wind_rating(kmh).tolist() == [_hci_wind(int(v)) for v in kmh]


def test_precipitation_table_midpoints_and_shape() -> None:
    # 0 mm exact, band midpoints equal the band rating, 12-25 mm is 0, > 25 mm reaches -1.
    cells = {0: 10, 1.5: 9, 4.5: 8, 7.5: 5, 10.5: 2, 12: 0, 18: 0, 25: 0, 30: -1, 100: -1}
    assert precipitation_rating(np.array(list(cells), dtype=float)).tolist() == list(cells.values())
    grid = np.linspace(0, 60, 6001)
    assert (np.diff(precipitation_rating(grid)) <= 0).all()
    assert (precipitation_rating(grid[1:]) < 10).all()  # any rain is worse than none


@given(t=_finite(-60, 60))
@HYP
def test_tc_continuous(t: float) -> None:
    # Steepest table ramp is 10 points over 1 unit (wind) and 2 per °C (TC): small steps make small changes.
    for beach in (False, True):
        a, b = thermal_comfort_rating(np.array([t, t + 1e-6]), beach=beach)
        assert abs(a - b) <= 2.1e-6


# ---------------------------------------------------------------------------------------------------------------
# Rain as probability
# ---------------------------------------------------------------------------------------------------------------

BASES = pytest.mark.parametrize("basis", scoring.PRECIP_BASES)


@BASES
@given(mm=_finite(0, 150), p1=_finite(0, 100), p2=_finite(0, 100))
@HYP
def test_expected_p_monotone_in_pop(basis: str, mm: float, p1: float, p2: float) -> None:
    lo, hi = sorted((p1, p2))
    r_lo, r_hi = expected_precipitation_rating(np.array([lo, hi]), np.array([mm, mm]), basis)
    assert r_hi <= r_lo + 1e-9
    if basis == "if_rain" and hi - lo > 1e-6:  # (differences below float resolution cannot show)
        assert r_hi < r_lo  # strictly: every extra % of rain chance costs something


@BASES
@given(pop=_finite(0, 100), m1=_finite(0, 150), m2=_finite(0, 150))
@HYP
def test_expected_p_monotone_in_amount(basis: str, pop: float, m1: float, m2: float) -> None:
    lo, hi = sorted((m1, m2))
    r_lo, r_hi = expected_precipitation_rating(np.array([pop, pop]), np.array([lo, hi]), basis)
    assert r_hi <= r_lo + 1e-9


@BASES
def test_expected_p_dense_grid_monotone_and_dry_is_best(basis: str) -> None:
    pops = np.linspace(0, 100, 201)
    amounts = np.concatenate([[0.0], np.geomspace(0.01, 120, 300)])
    pp, mm = np.meshgrid(pops, amounts, indexing="ij")
    r = expected_precipitation_rating(pp.ravel(), mm.ravel(), basis).reshape(pp.shape)
    assert (np.diff(r, axis=0) <= 1e-9).all()  # along pop
    assert (np.diff(r, axis=1) <= 1e-9).all()  # along amount
    assert (r[0, :] == 10).all()  # 0 % pop: dry, the maximum
    assert (r[1:, :] < 10).all()  # any rain chance is worse than none
    assert (r >= -1).all() and (r <= 10).all()
    # Certain rain is the HCI table itself (amounts below the 1 mm wet-day minimum count as 1 mm).
    np.testing.assert_allclose(r[-1, :], precipitation_rating(np.maximum(amounts, scoring.WET_DAY_MIN_MM)), atol=1e-9)


def test_expected_p_brief_example() -> None:
    # A 70 % chance of rain scores lower than a 30 % chance at the same amount.
    r30, r70 = expected_precipitation_rating(np.array([30.0, 70.0]), np.array([5.0, 5.0]))
    assert r70 < r30
    assert r30 == pytest.approx(0.7 * 10 + 0.3 * float(precipitation_rating(5.0)))


def test_expected_basis_envelope_fixes_the_raw_mixture() -> None:
    # With precip_mm as the pop-weighted expectation, the plain mixture with a = m / p would rank 3 mm at 70 %
    # above 3 mm at 50 % (the HCI table is concave between 4.5 and 12 mm); the envelope must not.
    raw = {p: (1 - p) * 10 + p * float(precipitation_rating(3.0 / p)) for p in (0.5, 0.7)}
    assert raw[0.7] > raw[0.5]  # the problem is real
    r50, r70 = expected_precipitation_rating(np.array([50.0, 70.0]), np.array([3.0, 3.0]), "expected")
    assert r70 <= r50
    # Where the mixture is already monotone the envelope leaves it alone: 1 mm expected at 40 % -> 2.5 mm if rain.
    (r40,) = expected_precipitation_rating(np.array([40.0]), np.array([1.0]), "expected")
    assert r40 == pytest.approx(0.6 * 10 + 0.4 * float(precipitation_rating(2.5)))


def test_unknown_basis_rejected() -> None:
    with pytest.raises(ValueError, match="basis"):
        expected_precipitation_rating(np.array([10.0]), np.array([1.0]), "mean")
    with pytest.raises(ValueError, match="precip_basis"):
        score_frame(frame([WORKED_EXAMPLES[0]["input"]]), precip_basis="mean")


# ---------------------------------------------------------------------------------------------------------------
# Whole-score properties
# ---------------------------------------------------------------------------------------------------------------


@given(records=st.lists(rows(), min_size=1, max_size=40))
@HYP
def test_bounded_never_nan_and_grades_consistent(records: list[dict[str, Any]]) -> None:
    out = score_frame(frame(records))
    numeric = out[["score", "confidence", "tc_rating", "a_rating", "p_rating", "w_rating"]].to_numpy(dtype=float)
    assert np.isfinite(numeric).all()
    assert ((out["score"] >= 0) & (out["score"] <= 100)).all()
    assert ((out["confidence"] > 0) & (out["confidence"] <= 1)).all()
    for score, grade, rank in zip(out["score"], out["grade"], out["grade_rank"], strict=True):
        assert (grade, rank) == grade_for(score)
    for reasons, rank in zip(out["reasons"], out["grade_rank"], strict=True):
        positives = {"ideal temperature", "sunny", "dry", "light wind"} & set(reasons)
        assert not positives or rank >= 5
        assert len(reasons) == len(set(reasons))


@given(records=st.lists(rows(missing=False), min_size=1, max_size=40))
@HYP
def test_bounded_with_finite_inputs(records: list[dict[str, Any]]) -> None:
    out = score_frame(frame(records), decimals=None)
    assert np.isfinite(out["score"]).all()
    assert ((out["score"] >= 0) & (out["score"] <= 100)).all()


@BASES
@given(records=st.lists(rows(), min_size=1, max_size=40))
@HYP
def test_vectorised_equals_reference(basis: str, records: list[dict[str, Any]]) -> None:
    vectorised = raw_scores(records, basis)
    reference = np.array([score_row_reference(r, precip_basis=basis) for r in records])
    np.testing.assert_allclose(vectorised, reference, rtol=0, atol=1e-6)
    # ... and the reported (rounded) scores agree too, away from exact .x5 ties.
    rounded = score_frame(frame(records), precip_basis=basis)["score"].to_numpy()
    assert (np.abs(rounded - reference) <= 0.05 + 1e-6).all()


@BASES
@given(
    row=rows(types=OUTDOOR_TYPES), pops=st.lists(_finite(0, 100), min_size=2, max_size=8), with_mm=st.booleans()
)
@HYP
def test_score_non_increasing_in_pop_for_outdoor_types(
    basis: str, row: dict[str, Any], pops: list[float], with_mm: bool
) -> None:
    # Other weather may be missing too; the amount is either a number or missing (pop-only rule).
    row = {**row, "precip_mm": row["precip_mm"] if with_mm else None}
    pops = sorted(pops)
    scores = raw_scores([{**row, "pop_max_pct": p} for p in pops], basis)
    assert (np.diff(scores) <= 1e-9).all(), list(zip(pops, scores, strict=True))


@BASES
@given(
    row=rows(types=OUTDOOR_TYPES), amounts=st.lists(_finite(0, 80), min_size=2, max_size=8), with_pop=st.booleans()
)
@HYP
def test_score_non_increasing_in_precip_for_outdoor_types(
    basis: str, row: dict[str, Any], amounts: list[float], with_pop: bool
) -> None:
    row = {**row, "pop_max_pct": row["pop_max_pct"] if with_pop else None}
    amounts = sorted(amounts)
    scores = raw_scores([{**row, "precip_mm": m} for m in amounts], basis)
    assert (np.diff(scores) <= 1e-9).all(), list(zip(amounts, scores, strict=True))


@given(row=rows(missing=False, types=OUTDOOR_TYPES), pop=_finite(1, 100), mm=_finite(0, 80))
@HYP
def test_dry_day_beats_any_rain_chance(row: dict[str, Any], pop: float, mm: float) -> None:
    dry, wet = {**row, "pop_max_pct": 0.0, "precip_mm": 0.0}, {**row, "pop_max_pct": pop, "precip_mm": mm}
    out = score_frame(frame([dry, wet]), decimals=None)
    assert out["p_rating"].iloc[0] == 10.0
    assert out["p_rating"].iloc[1] < 10.0
    assert out["score"].iloc[0] >= out["score"].iloc[1]


@given(
    row=rows(missing=False),
    indoor=st.sampled_from(INDOOR_TYPES),
    outdoor=st.sampled_from(OUTDOOR_TYPES),
    pop=_finite(1, 100),
    mm=_finite(0.1, 80),
    tmax=_finite(15, 30),
)
@HYP
def test_indoor_types_less_sensitive_to_rain(
    row: dict[str, Any], indoor: int, outdoor: int, pop: float, mm: float, tmax: float
) -> None:
    # On a thermally comfortable day (urban ET 13-30 °C, TC >= 5), so no thermal ceiling applies: a day squeezed
    # under a ceiling moves less with the weather (see test_seasons.py), by design.
    row = {**row, "tmax_c": tmax, "coastal": False}

    def drop(ct: int) -> float:
        dry, wet = raw_scores([{**row, "content_type_id": ct, "pop_max_pct": 0.0, "precip_mm": 0.0},
                               {**row, "content_type_id": ct, "pop_max_pct": pop, "precip_mm": mm}])  # fmt: skip
        return dry - wet

    d_in, d_out = drop(indoor), drop(outdoor)
    assert d_in >= 0 and d_out >= 0
    assert d_in <= d_out + 1e-9
    assert d_in < d_out or d_out == 0  # strictly, unless the outdoor index was already clipped at 0


@given(row=rows(), l1=st.integers(0, 9), l2=st.integers(0, 9))
@HYP
def test_confidence_decreases_with_lead(row: dict[str, Any], l1: int, l2: int) -> None:
    assume(l1 != l2)
    lo, hi = sorted((l1, l2))
    out = score_frame(frame([{**row, "lead_days": lo}, {**row, "lead_days": hi}]), decimals=None)
    c_lo, c_hi = out["confidence"]
    assert c_hi < c_lo
    # ... and a later lead pulls the score closer to the neutral value, as the thermal ceiling (if it applies)
    # sees it: the ceiling is the same increasing map at both leads, so the far score lies between the early
    # score and the neutral value under that map.
    s_lo, s_hi = out["score"]
    neutral = scoring.NEUTRAL_SCORE
    ceiling_applies = (
        math.isfinite(profiles._finite_or_none(row["tmax_c"]) or math.nan)
        and profiles._ct_int(row["content_type_id"]) not in scoring.THERMAL_CEILING_EXEMPT_TYPES
        and not row["winter_sport"]
    )
    if ceiling_applies:
        neutral = float(scoring.apply_thermal_ceiling(neutral, out["tc_rating"].iloc[0]))
    assert abs(s_hi - neutral) <= abs(s_lo - neutral) + 1e-9
    assert (s_hi - neutral) * (s_lo - neutral) >= -1e-9  # same side of it


def test_confidence_values() -> None:
    base = dict(WORKED_EXAMPLES[0]["input"])
    out = score_frame(frame([{**base, "lead_days": d} for d in range(10)]), decimals=None)
    np.testing.assert_allclose(out["confidence"], 0.95 - 0.05 * np.arange(10))
    assert scoring.confidence_for(30) == pytest.approx(0.5)
    assert scoring.confidence_for(None) == pytest.approx(0.5)


@given(row=rows(missing=False, types=ALL_TYPES))
@HYP
def test_missing_inputs_lower_confidence(row: dict[str, Any]) -> None:
    inputs = ("tmax_c", "rh_mean_pct", "cloud_pct", "pop_max_pct", "precip_mm", "wind_max_ms")
    variants = [row] + [{**row, col: None} for col in inputs]
    conf = score_frame(frame(variants), decimals=None)["confidence"].to_numpy()
    assert (conf[1:] < conf[0]).all()


@given(row=rows(missing=False), lead=st.integers(9, 20))
@HYP
def test_far_lead_never_claims_an_extreme(row: dict[str, Any], lead: int) -> None:
    score = raw_scores([{**row, "lead_days": lead}])[0]
    half = scoring.NEUTRAL_SCORE / 2  # confidence 0.5 at most: score = 0.5 * adjusted + 0.5 * 75
    assert half - 1e-9 <= score <= 50 + half + 1e-9


@given(ct=st.sampled_from(ALL_TYPES), coastal=st.booleans(), lead=st.integers(0, 9))
@HYP
def test_no_weather_scores_neutral(ct: int, coastal: bool, lead: int) -> None:
    row = {"content_type_id": ct, "coastal": coastal, "lead_days": lead, **{c: np.nan for c in WEATHER}}
    out = score_frame(frame([row]))
    assert out["score"].iloc[0] == scoring.NEUTRAL_SCORE
    assert out["reasons"].iloc[0] == ["no weather data"]


def test_profile_mapping() -> None:
    cases = {(12, False): "urban", (12, True): "beach", (28, True): "beach", (28, False): "outdoor_active",
             (15, True): "outdoor_active", (25, False): "outdoor_active", (14, True): "urban", (32, True): "urban",
             (38, False): "urban", (39, False): "urban", (99, True): "urban"}  # fmt: skip
    summer, winter = date(2026, 8, 1), date(2026, 12, 1)
    df = frame([{"content_type_id": ct, "coastal": c, "forecast_date": summer, "lead_days": 0} for ct, c in cases])
    assert score_frame(df)["profile"].tolist() == list(cases.values())
    assert [scoring.profile_for(ct, c) for ct, c in cases] == list(cases.values())
    # Out of the bathing season (or without a date) a coastal place has its inland profile.
    inland = [scoring.profile_for(ct, False) for ct, _ in cases]
    for day in (winter, None):
        df = frame([{"content_type_id": ct, "coastal": c, "forecast_date": day, "lead_days": 0} for ct, c in cases])
        assert score_frame(df)["profile"].tolist() == inland
    assert [scoring.profile_for(ct, c, in_season=False) for ct, c in cases] == inland


def test_grade_boundaries() -> None:
    expected = [(100, "ideal", 6), (90.0, "ideal", 6), (89.9, "excellent", 5), (80, "excellent", 5),
                (79.9, "very good", 4), (70, "very good", 4), (60, "good", 3), (59.9, "acceptable", 2),
                (50, "acceptable", 2), (49.9, "marginal", 1), (40, "marginal", 1), (39.9, "unacceptable", 0),
                (0, "unacceptable", 0)]  # fmt: skip
    assert [(s, *grade_for(s)) for s, _, _ in expected] == expected


def test_reasons_name_the_costliest_facets() -> None:
    base = {"content_type_id": 12, "coastal": False, "lead_days": 0, "tmax_c": 26.0, "tmin_c": 15.0,
            "rh_mean_pct": 55.0, "cloud_pct": 15.0, "pop_max_pct": 0.0, "precip_mm": 0.0,
            "wind_max_ms": 2.0}  # fmt: skip
    out = score_frame(frame([
        base,
        {**base, "pop_max_pct": 70.0, "precip_mm": 10.0},
        {**base, "tmax_c": 38.0, "rh_mean_pct": 70.0},
        {**base, "wind_max_ms": 12.5},
        {**base, "cloud_pct": 100.0},
    ]))  # fmt: skip
    reasons = out["reasons"].tolist()
    assert reasons[0] == ["ideal temperature", "dry"]
    assert reasons[1][0] == "rain 70 %"
    # ET 34.6 °C rates 4.4: the thermal ceiling (about 81) lowers the score, and says so first.
    assert reasons[2][:2] == ["hot for outdoor sightseeing", "feels like 35 °C"]
    assert reasons[3][0] == "wind 45 km/h"
    assert reasons[4][0] == "overcast"
    assert all(len([r for r in rs if not r.startswith(("ideal", "sunny", "dry", "light", "hot"))]) <= 3
               for rs in reasons)


# ---------------------------------------------------------------------------------------------------------------
# Reason formats, and the fast paths of the vectorised scorer (chunks, segment lookup, reason keys)
# ---------------------------------------------------------------------------------------------------------------


def _random_frame(n: int, seed: int) -> pd.DataFrame:
    """Random rows with every kind of missing value, unknown/fractional ids, odd leads and exact .5 ties."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "content_type_id": rng.choice([*ALL_TYPES, 0, 7, -3, 120], n).astype(float),
        "coastal": rng.random(n) < 0.3,
        "lead_days": rng.integers(-2, 14, n).astype(float),
        "tmax_c": rng.uniform(-70, 70, n), "tmin_c": rng.uniform(-40, 30, n),
        "rh_mean_pct": rng.uniform(-10, 110, n), "cloud_pct": rng.uniform(-10, 110, n),
        "pop_max_pct": rng.uniform(-10, 110, n), "precip_mm": rng.exponential(20, n),
        "wind_max_ms": rng.gamma(2, 5, n),
    })  # fmt: skip
    for col in ("lead_days", *WEATHER):
        u = rng.random(n)
        df.loc[u < 0.1, col] = np.nan
        df.loc[(u >= 0.1) & (u < 0.12), col] = np.inf
        df.loc[(u >= 0.12) & (u < 0.13), col] = -np.inf
    df.loc[rng.random(n) < 0.05, list(WEATHER)] = np.nan  # no weather at all
    half = rng.random(n) < 0.1
    for col, hi in (("tmax_c", 40), ("pop_max_pct", 100), ("precip_mm", 50), ("wind_max_ms", 30)):
        df.loc[half, col] = rng.integers(0, hi, half.sum()) + 0.5
    df.loc[rng.random(n) < 0.01, "content_type_id"] = 12.5
    df.loc[rng.random(n) < 0.01, "content_type_id"] = np.nan
    df["winter_sport"] = rng.random(n) < 0.05
    # Dates across the year (half of them around the bathing season's edges), as objects, with gaps and junk.
    days = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    edges = pd.to_datetime(rng.choice(["2026-05-31", "2026-06-01", "2026-09-15", "2026-09-16"], n))
    days = np.where(rng.random(n) < 0.5, days, edges)
    dates = pd.Series([d.date() for d in pd.DatetimeIndex(days)], dtype=object)
    u = rng.random(n)
    dates[u < 0.05] = None
    dates[(u >= 0.05) & (u < 0.08)] = dates[(u >= 0.05) & (u < 0.08)].map(date.isoformat)
    dates[(u >= 0.08) & (u < 0.09)] = "no date"
    df["forecast_date"] = dates.to_numpy()
    return df[list(INPUT_COLUMNS)]


def _assert_json_is_list(as_lists: pd.DataFrame, as_json: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(as_lists.drop(columns="reasons"), as_json.drop(columns="reasons"), check_exact=True)
    assert as_json["reasons"].dtype == object
    for listed, encoded in zip(as_lists["reasons"], as_json["reasons"], strict=True):
        assert isinstance(encoded, str)
        assert json.loads(encoded) == listed
        assert encoded == json.dumps(listed, ensure_ascii=False)


@given(records=st.lists(rows(), min_size=1, max_size=40))
@HYP
def test_json_reasons_are_the_list_reasons(records: list[dict[str, Any]]) -> None:
    df = frame(records)
    _assert_json_is_list(score_frame(df), score_frame(df, reasons_format="json"))


@BASES
def test_json_and_list_reasons_agree_on_a_large_random_frame(basis: str) -> None:
    df = _random_frame(40_000, seed=11)  # more than one chunk, thousands of distinct reason tuples
    df.index = pd.RangeIndex(len(df))[::-1] * 2
    as_lists = score_frame(df, precip_basis=basis)
    _assert_json_is_list(as_lists, score_frame(df, precip_basis=basis, reasons_format="json"))
    assert as_lists["reasons"].map(len).max() >= 4
    assert len({id(r) for r in as_lists["reasons"]}) == len(df)  # every row owns its list


def test_reasons_format_rejected_when_unknown_and_empty_json() -> None:
    with pytest.raises(ValueError, match="reasons_format"):
        score_frame(frame([WORKED_EXAMPLES[0]["input"]]), reasons_format="csv")
    out = score_frame(frame([]), reasons_format="json")
    assert len(out) == 0 and set(OUTPUT_COLUMNS) <= set(out.columns)
    nothing = score_frame(frame([WORKED_EXAMPLES[-1]["input"]]), reasons_format="json")
    assert nothing["reasons"].tolist() == ['["no weather data"]']


@BASES
def test_scoring_in_small_chunks_changes_nothing(basis: str, monkeypatch: pytest.MonkeyPatch) -> None:
    df = _random_frame(3_000, seed=5)
    for decimals in (1, None):
        whole = score_frame(df, decimals=decimals, precip_basis=basis)
        with monkeypatch.context() as patch:
            patch.setattr(engine, "_CHUNK_ROWS", 7)  # read by score_frame at call time
            chunked = score_frame(df, decimals=decimals, precip_basis=basis)
        pd.testing.assert_frame_equal(whole, chunked, check_exact=True)


def test_vectorised_equals_reference_on_a_random_frame() -> None:
    df = _random_frame(5_000, seed=8)
    reference = np.array([score_row_reference(r) for r in df.to_dict("records")])
    np.testing.assert_allclose(score_frame(df, decimals=None)["score"].to_numpy(), reference, rtol=0, atol=1e-9)


@pytest.mark.parametrize("table", ["_TC_URBAN", "_TC_BEACH", "_A_URBAN", "_A_BEACH", "_P", "_W"])
def test_segment_lookup_is_np_interp_bit_for_bit(table: str) -> None:
    xp, fp = getattr(ratings, table)
    rng = np.random.default_rng(3)
    x = np.concatenate([
        rng.uniform(xp[0] - 20, xp[-1] + 20, 200_000),
        xp, np.nextafter(xp, np.inf), np.nextafter(xp, -np.inf),
        np.arange(xp[0] - 3, xp[-1] + 3, 0.05),
        [np.nan, 0.0, -0.0, 1e-300, -1e-300, 1e6, -1e6],
    ])  # fmt: skip
    expected = np.interp(x, xp, fp)
    got = engine._SegmentTable((xp, fp))(x)
    np.testing.assert_array_equal(got, expected)
    assert np.array_equal(np.signbit(got), np.signbit(expected))


# ---------------------------------------------------------------------------------------------------------------
# Goldens: the documented worked examples
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", WORKED_EXAMPLES, ids=[e["name"] for e in WORKED_EXAMPLES])
def test_worked_example(example: dict[str, Any]) -> None:
    out = score_frame(frame([example["input"]])).iloc[0]
    assert out["score"] == example["expected_score"]
    assert out["grade"] == example["expected_grade"]
    assert round(score_row_reference(example["input"]), 1) == example["expected_score"]


def test_worked_examples_cover_the_brief() -> None:
    assert 8 <= len(WORKED_EXAMPLES) <= 10
    by_name = {e["name"]: e for e in WORKED_EXAMPLES}
    beach = by_name["Rainy summer day at the beach (pop 80 %, 15 mm)"]
    museum = by_name["Same rainy day at a museum"]
    assert museum["expected_score"] > beach["expected_score"]
    far = by_name["Ideal weather forecast 9 days ahead"]
    near = by_name["Perfect spring day, tourist spot, tomorrow"]
    assert far["expected_score"] < near["expected_score"]
    assert any(all(math.isnan(v) if isinstance(v, float) else v is None for k, v in e["input"].items() if k in WEATHER)
               for e in WORKED_EXAMPLES)  # fmt: skip


def test_doc_contains_generated_worked_examples_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    for example in WORKED_EXAMPLES:
        assert f"**{example['expected_score']:.1f}**" in text, example["name"]
    # The whole table, regenerated now, must be in the doc (regenerate it with worked_examples_table()).
    assert worked_examples_table() in text


def test_doc_contains_the_implemented_tables() -> None:
    assert scoring.reference_tables_markdown() in DOC.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------
# Performance smoke test (generous bound: the real target is ~1-2 s for 500,000 rows)
# ---------------------------------------------------------------------------------------------------------------


def test_vectorised_speed_smoke() -> None:
    rng = np.random.default_rng(7)
    n = 200_000
    df = pd.DataFrame(
        {
            "content_type_id": rng.choice(ALL_TYPES, n),
            "coastal": rng.random(n) < 0.2,
            "winter_sport": rng.random(n) < 0.01,
            "forecast_date": (pd.Timestamp("2026-09-10") + pd.to_timedelta(rng.integers(0, 10, n), unit="D")).date,
            "lead_days": rng.integers(0, 10, n),
            "tmax_c": rng.uniform(-15, 38, n),
            "tmin_c": rng.uniform(-20, 28, n),
            "rh_mean_pct": rng.uniform(20, 100, n),
            "cloud_pct": rng.uniform(0, 100, n),
            "pop_max_pct": rng.uniform(0, 100, n),
            "precip_mm": rng.exponential(4, n),
            "wind_max_ms": rng.exponential(4, n),
        }
    )
    start = time.perf_counter()
    out = score_frame(df)
    elapsed = time.perf_counter() - start
    assert len(out) == n
    assert elapsed < 8.0, f"scoring {n} rows took {elapsed:.2f} s"

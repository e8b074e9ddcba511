"""Weather-suitability scoring for destinations, grounded in the Holiday Climate Index (HCI).

This package is deliberately Dagster-free (and free of any I/O): it is pure numpy/pandas so that it can be
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

Modules
-------
* :mod:`~weather_flick_batch.recommendations.scoring.ratings`: the HCI rating tables and the facet ratings (step 1).
* :mod:`~weather_flick_batch.recommendations.scoring.profiles`: profiles, sensitivity, confidence and grades (2-4).
* :mod:`~weather_flick_batch.recommendations.scoring.seasons`: the bathing season and the thermal ceiling (2, 5).
* :mod:`~weather_flick_batch.recommendations.scoring.reasons`: the reason strings and how they are chosen.
* :mod:`~weather_flick_batch.recommendations.scoring.engine`: :func:`score_frame`, the vectorised scorer.
* :mod:`~weather_flick_batch.recommendations.scoring.reference`: :func:`score_row_reference`, the per-row oracle.
* :mod:`~weather_flick_batch.recommendations.scoring.examples`: the examples and tables of ``docs/scoring.md``.

Everything public is importable from this package (``scoring.X``), whichever module defines it.
"""

from __future__ import annotations

from weather_flick_batch.recommendations.scoring.engine import (
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    score_frame,
)
from weather_flick_batch.recommendations.scoring.examples import (
    SEASONAL_EXAMPLES,
    SEASONAL_PLACES,
    WORKED_EXAMPLES,
    reference_tables_markdown,
    seasonal_examples_table,
    worked_examples_table,
)
from weather_flick_batch.recommendations.scoring.profiles import (
    CONFIDENCE_DAY0,
    CONFIDENCE_STEP_PER_DAY,
    CONTENT_TYPE_SENSITIVITY,
    DEFAULT_SENSITIVITY,
    FACETS,
    GOOD_OR_BETTER_RANK,
    GRADE_BANDS,
    MAX_LEAD_DAYS,
    MISSING_CONFIDENCE_PENALTY,
    NEUTRAL_FACET,
    NEUTRAL_SCORE,
    PARTIAL_MISSING,
    PROFILE_WEIGHTS,
    PROFILES,
    confidence_for,
    grade_for,
    grades_for,
    profile_for,
    sensitivity_for,
)
from weather_flick_batch.recommendations.scoring.ratings import (
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
    aesthetic_rating,
    effective_temperature,
    expected_precipitation_rating,
    precipitation_rating,
    thermal_comfort_rating,
    wind_rating,
)
from weather_flick_batch.recommendations.scoring.reasons import (
    DRY_MIN_RATING,
    LEAD_REASON_MIN_DAYS,
    POSITIVE_MIN_RANK,
    POSITIVE_MIN_RATING,
    REASON_FORMATS,
    REASON_INDOORS,
    REASON_MIN_POINTS,
    REASON_NO_WEATHER,
    THERMAL_OPTIMUM_C,
    THERMAL_REASONS,
)
from weather_flick_batch.recommendations.scoring.reference import (
    score_row_reference,
)
from weather_flick_batch.recommendations.scoring.seasons import (
    BATHING_SEASON,
    NO_CEILING,
    THERMAL_CEILING_ANCHORS,
    THERMAL_CEILING_BAND,
    THERMAL_CEILING_EXEMPT_TYPES,
    THERMAL_CEILING_STEP,
    apply_thermal_ceiling,
    in_bathing_season,
    thermal_ceiling,
)

__all__ = [
    "A_BEACH_ANCHORS",
    "A_URBAN_ANCHORS",
    "Anchors",
    "BATHING_SEASON",
    "CONFIDENCE_DAY0",
    "CONFIDENCE_STEP_PER_DAY",
    "CONTENT_TYPE_SENSITIVITY",
    "DEFAULT_SENSITIVITY",
    "DRY_MIN_RATING",
    "FACETS",
    "GOOD_OR_BETTER_RANK",
    "GRADE_BANDS",
    "INPUT_COLUMNS",
    "LEAD_REASON_MIN_DAYS",
    "MAX_LEAD_DAYS",
    "MISSING_CONFIDENCE_PENALTY",
    "NEUTRAL_FACET",
    "NEUTRAL_SCORE",
    "NO_CEILING",
    "OUTPUT_COLUMNS",
    "PARTIAL_MISSING",
    "POP_FLOOR",
    "POSITIVE_MIN_RANK",
    "POSITIVE_MIN_RATING",
    "PRECIP_BASES",
    "PROFILES",
    "PROFILE_WEIGHTS",
    "P_ANCHORS",
    "RAIN_GIVEN_CAP_MM",
    "RATING_MAX",
    "REASON_FORMATS",
    "REASON_INDOORS",
    "REASON_MIN_POINTS",
    "REASON_NO_WEATHER",
    "SEASONAL_EXAMPLES",
    "SEASONAL_PLACES",
    "TC_BEACH_ANCHORS",
    "TC_URBAN_ANCHORS",
    "THERMAL_CEILING_ANCHORS",
    "THERMAL_CEILING_BAND",
    "THERMAL_CEILING_EXEMPT_TYPES",
    "THERMAL_CEILING_STEP",
    "THERMAL_OPTIMUM_C",
    "THERMAL_REASONS",
    "WET_DAY_AMOUNT_MM",
    "WET_DAY_MIN_MM",
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

"""Seasons: the bathing season (which profile a coastal place gets) and the thermal ceiling (what a cold or hot
day can read as)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

import numpy as np
import pandas as pd

from weather_flick_batch.recommendations.scoring.profiles import _LUT_SIZE
from weather_flick_batch.recommendations.scoring.ratings import Anchors, _arrays, _interp

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

_CEILING_LUT = np.ones(_LUT_SIZE, dtype=bool)  # index 0 (unknown types) included
_CEILING_LUT[list(THERMAL_CEILING_EXEMPT_TYPES)] = False
_THERMAL_CEILING = _arrays(THERMAL_CEILING_ANCHORS)
NO_CEILING: Final[float] = 100.0
"""What :func:`thermal_ceiling` returns where thermal comfort sets no ceiling (TC >= 5)."""


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


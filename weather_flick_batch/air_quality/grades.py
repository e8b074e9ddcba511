"""Korean air-quality grades: the 2018 bands, grade codes 1..4 and their names.

Bands (환경부 고시, in force since 2018-03-27; the same bands AirKorea uses for ``*Grade`` fields)::

    measure            좋음 (1)    보통 (2)      나쁨 (3)        매우나쁨 (4)
    PM10   µg/m³       0–30        31–80         81–150          151+
    PM2.5  µg/m³       0–15        16–35         36–75           76+
    CAI    (KHAI)      0–50        51–100        101–250         251+
    O3     ppm (1 h)   0–0.030     0.031–0.090   0.091–0.150     0.151+

The published bands are integer ranges (AirKorea reports PM and CAI as integers). A value is graded
by the *inclusive upper bound* of each band, so a non-integer value between two printed ranges goes
to the higher band: 30 → 좋음, 30.4 → 보통. Negative, NaN and infinite values have no grade
(``None`` / ``<NA>``), never a guessed one. The pre-2018 PM2.5 bands (0–15/16–50/51–100/101+)
that older code still carries are deliberately not used.

Codes are AirKorea's: ``"1"`` 좋음, ``"2"`` 보통, ``"3"`` 나쁨, ``"4"`` 매우나쁨. "Worst" means the
highest code: the grade a traveller should plan for when PM10 and PM2.5 disagree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "GOOD",
    "MODERATE",
    "BAD",
    "VERY_BAD",
    "GRADE_CODES",
    "GRADE_NAMES",
    "GRADE_NAMES_EN",
    "BANDS",
    "MEASURES",
    "normalise_measure",
    "grade_for_value",
    "grade_codes",
    "grade_name",
    "grade_code",
    "grade_names",
    "worst_grade",
    "worst_pm_grade",
    "worst_grades",
]

GOOD, MODERATE, BAD, VERY_BAD = 1, 2, 3, 4
GRADE_CODES: tuple[int, ...] = (GOOD, MODERATE, BAD, VERY_BAD)

#: Grade code → the Korean name AirKorea uses (forecast ``informGrade`` and the web site).
GRADE_NAMES: dict[int, str] = {GOOD: "좋음", MODERATE: "보통", BAD: "나쁨", VERY_BAD: "매우나쁨"}
#: Grade code → English label for logs and metadata.
GRADE_NAMES_EN: dict[int, str] = {GOOD: "good", MODERATE: "moderate", BAD: "bad", VERY_BAD: "very bad"}
_CODE_BY_NAME: dict[str, int] = {name: code for code, name in GRADE_NAMES.items()}

#: Inclusive upper bounds of grades 1, 2 and 3 per measure (grade 4 is everything above).
BANDS: dict[str, tuple[float, float, float]] = {
    "PM10": (30.0, 80.0, 150.0),
    "PM25": (15.0, 35.0, 75.0),
    "CAI": (50.0, 100.0, 250.0),
    "O3": (0.030, 0.090, 0.150),
}
MEASURES: tuple[str, ...] = tuple(BANDS)

_MEASURE_ALIASES: dict[str, str] = {
    "PM10": "PM10",
    "PM25": "PM25",
    "PM2.5": "PM25",
    "PM2_5": "PM25",
    "CAI": "CAI",
    "KHAI": "CAI",
    "통합대기환경지수": "CAI",
    "O3": "O3",
}


def normalise_measure(measure: str) -> str:
    """``"PM10"``, ``"PM25"``, ``"CAI"`` or ``"O3"`` for any accepted spelling (``PM2.5``, ``khai`` ...)."""
    key = str(measure).strip().upper().replace(" ", "")
    try:
        return _MEASURE_ALIASES[key]
    except KeyError:
        raise ValueError(f"unknown air-quality measure {measure!r}; expected one of {', '.join(MEASURES)}") from None


def _as_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(v) or math.isinf(v) or v < 0:
        return None
    return v


def grade_for_value(measure: str, value: Any) -> int | None:
    """Grade code 1..4 of one value (number or numeric string); ``None`` when it has none.

    >>> grade_for_value("PM10", 30), grade_for_value("PM10", 31), grade_for_value("PM25", 76)
    (1, 2, 4)
    """
    bounds = BANDS[normalise_measure(measure)]
    v = _as_float(value)
    if v is None:
        return None
    for code, upper in zip(GRADE_CODES, bounds):
        if v <= upper:
            return code
    return VERY_BAD


def grade_codes(measure: str, values: Any) -> pd.Series:
    """Vectorised :func:`grade_for_value`: a nullable ``Int64`` Series (index kept for a Series input).

    Non-numeric, negative, NaN and infinite values give ``<NA>``.
    """
    bounds = np.asarray(BANDS[normalise_measure(measure)], dtype="float64")
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="object")
    # Booleans are not values: mask them before to_numeric turns True into 1.
    series = series.mask(series.map(lambda v: isinstance(v, (bool, np.bool_))))
    arr = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    valid = np.isfinite(arr) & (arr >= 0)
    codes = np.searchsorted(bounds, np.where(valid, arr, 0.0), side="left") + 1
    return pd.Series(pd.array(np.where(valid, codes, 0), dtype="Int64"), index=series.index).mask(~valid)


def grade_name(code: Any) -> str | None:
    """Korean grade name for a code (``1``/``"1"`` → ``"좋음"``); ``None`` for anything else."""
    c = grade_code(code)
    return GRADE_NAMES.get(c) if c is not None else None


def grade_code(value: Any) -> int | None:
    """Grade code from a code (``1``, ``"4"``) or a Korean name; ``None`` for anything else.

    Names are compared without whitespace, so ``"매우 나쁨"`` is 4. Placeholders (``"-"``,
    ``"예보없음"``, ``""``, ``None``) and codes outside 1..4 (``"0"``) are ``None``.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value) if int(value) in GRADE_NAMES else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and int(value) in GRADE_NAMES else None
    text = "".join(str(value).split())
    if text.isdigit():
        return int(text) if int(text) in GRADE_NAMES else None
    return _CODE_BY_NAME.get(text)


def grade_names(codes: pd.Series) -> pd.Series:
    """Vectorised :func:`grade_name` for an ``Int64`` Series of codes (``str`` dtype, NaN when missing)."""
    mapped = [GRADE_NAMES.get(int(c)) if not pd.isna(c) else None for c in codes]
    return pd.Series(mapped, index=codes.index, dtype="str")


def worst_grade(*grades: Any) -> int | None:
    """The highest valid grade code among ``grades`` (codes or names); ``None`` if none is valid."""
    valid = [c for c in (grade_code(g) for g in grades) if c is not None]
    return max(valid) if valid else None


def worst_pm_grade(pm10_grade: Any, pm25_grade: Any) -> int | None:
    """Worst of the PM10 and PM2.5 grades: one missing grade never hides the other."""
    return worst_grade(pm10_grade, pm25_grade)


def worst_grades(*columns: Iterable[Any]) -> pd.Series:
    """Row-wise :func:`worst_grade` over aligned Series/arrays of codes.

    Returns ``Int64`` (index of the first column); ``<NA>`` only where every column is missing.
    """
    series = [c if isinstance(c, pd.Series) else pd.Series(list(c)) for c in columns]
    if not series:
        raise ValueError("worst_grades needs at least one column")
    frame = pd.concat([pd.to_numeric(s, errors="coerce").reset_index(drop=True) for s in series], axis=1)
    frame = frame.where(frame.isin(list(GRADE_CODES)))
    worst = frame.max(axis=1, skipna=True)
    return pd.Series(pd.array(worst, dtype="Int64"), index=series[0].index)

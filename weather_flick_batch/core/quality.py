"""Data-quality rules as pure functions over DataFrames (the asset checks call these).

Thresholds are the previous system's documented rules (temperature -50..60 C, humidity 0..100 %,
precipitation 0..1000 mm, wind 0..100 m/s, rain probability 0..100 %), which were right even
though that system never enforced them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where used: asset modules import this at code-location load
    import pandas as pd

RANGES: dict[str, tuple[float, float]] = {
    "temperature": (-50.0, 60.0),
    "humidity": (0.0, 100.0),
    "precipitation": (0.0, 1000.0),
    "snow": (0.0, 500.0),
    "wind": (0.0, 100.0),
    "probability": (0.0, 100.0),
    "direction": (0.0, 360.0),
}


@dataclass
class Verdict:
    passed: bool
    metadata: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def values_in_range(frame: pd.DataFrame, columns: Mapping[str, str]) -> Verdict:
    """``columns`` maps a column to a RANGES kind; NULLs are allowed (missing markers were dropped)."""
    import pandas as pd

    bad: dict[str, int] = {}
    examples: list[str] = []
    for column, kind in columns.items():
        if column not in frame:
            continue
        lo, hi = RANGES[kind]
        values = pd.to_numeric(frame[column], errors="coerce")
        out = values.notna() & ((values < lo) | (values > hi))
        if out.any():
            bad[column] = int(out.sum())
            examples.append(f"{column}={values[out].iloc[0]} outside {lo}..{hi}")
    return Verdict(not bad, {"out_of_range": str(bad) if bad else "none", "rows": len(frame)},
                   "; ".join(examples) or "all values within range")


def unique_keys(frame: pd.DataFrame, keys: Sequence[str]) -> Verdict:
    dupes = int(frame.duplicated(subset=list(keys)).sum())
    return Verdict(dupes == 0, {"duplicate_keys": dupes, "key": ", ".join(keys)},
                   f"{dupes} duplicate keys" if dupes else "keys unique")


def max_not_below_min(frame: pd.DataFrame, max_col: str, min_col: str) -> Verdict:
    both = frame[[max_col, min_col]].dropna()
    bad = both[both[max_col] < both[min_col]]
    return Verdict(bad.empty, {"rows_compared": len(both), "violations": len(bad)},
                   f"{len(bad)} rows with {max_col} < {min_col}" if len(bad) else f"{max_col} >= {min_col} everywhere")


def every_unit_present(frame: pd.DataFrame, unit_columns: Sequence[str], expected: pd.DataFrame) -> Verdict:
    """Every expected unit (e.g. every forecast point's nx, ny) has rows."""
    have = set(map(tuple, frame[list(unit_columns)].drop_duplicates().itertuples(index=False, name=None)))
    want = set(map(tuple, expected[list(unit_columns)].drop_duplicates().itertuples(index=False, name=None)))
    missing = sorted(want - have)
    return Verdict(not missing, {"expected": len(want), "present": len(want & have), "missing": len(missing)},
                   f"missing {missing[:5]}" if missing else "every unit present")


def hourly_series_complete(frame: pd.DataFrame, unit_columns: Sequence[str], time_column: str,
                           min_hours: int) -> Verdict:
    """Each unit's hourly series has no gaps and at least ``min_hours`` hours."""
    if frame.empty:
        return Verdict(False, {"units": 0}, "no rows")
    grouped = frame.groupby(list(unit_columns))[time_column]
    first, last, count = grouped.min(), grouped.max(), grouped.nunique()
    span_hours = ((last - first).dt.total_seconds() // 3600 + 1).astype(int)
    gaps = int((span_hours != count).sum())
    short = int((count < min_hours).sum())
    return Verdict(gaps == 0 and short == 0,
                   {"units": len(count), "units_with_gaps": gaps, "units_too_short": short,
                    "min_hours": int(count.min()), "max_hours": int(count.max())},
                   f"{gaps} units with gaps, {short} shorter than {min_hours} h" if gaps or short
                   else "every unit complete")


def forecast_points_valid(points: pd.DataFrame, province_codes: Sequence[int]) -> Verdict:
    """Every province has its point, point ids are unique, every cell is on the KMA grid."""
    from weather_flick_batch.core.grid import GRID_NX_MAX, GRID_NY_MAX

    provinces = set(points.loc[points["kind"] == "province", "region_code"])
    missing = sorted(set(province_codes) - provinces)
    dupes = int(points["point_id"].duplicated().sum())
    off_grid = int((~(points["nx"].between(1, GRID_NX_MAX) & points["ny"].between(1, GRID_NY_MAX))).sum())
    problems = [f"provinces without a point: {missing}" if missing else "",
                f"{dupes} duplicate point ids" if dupes else "", f"{off_grid} cells off the KMA grid" if off_grid else ""]
    problems = [p for p in problems if p]
    return Verdict(not problems, {"points": len(points), "provinces_missing": len(missing), "duplicate_ids": dupes,
                                  "off_grid": off_grid},
                   "; ".join(problems) or f"{len(points)} points, every province covered")

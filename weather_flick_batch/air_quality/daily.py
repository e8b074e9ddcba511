"""The fine-dust grade of each place and day, as recommendations read it (no Dagster here).

One grade per (province, district, day), the worse of PM10 and PM2.5:

- **forecast**: the newest AirKorea forecast issuance for that day (today, tomorrow and, from the
  17:00 issuance on, sometimes the day after), spread from its 19 forecast regions onto provinces
  and, for 경기 (남부/북부) and 강원 (영동/영서), districts (:func:`parsing.forecast_by_district`);
- **measured** (today only): the current 1-hour grades of the monitoring stations — a district's
  worst station where stations are assigned to it, else the grade of the province's mean values
  (one dirty roadside station should not condemn a whole province);
- **the day's grade** is the worse of the two; ``basis`` says which it came from.

Rows with ``sigungu_code`` 0 are the province level: a district without a row of its own takes its
province's (``grade_at``).
"""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
import pandas as pd

from weather_flick_batch.air_quality import grades as G
from weather_flick_batch.air_quality.parsing import forecast_by_district, latest_per_target

DAILY_COLUMNS = ["region_code", "sigungu_code", "forecast_date", "forecast_grade_code", "measured_grade_code",
                 "grade_code", "grade", "basis"]
PROVINCE = 0


def _forecast(rows: pd.DataFrame) -> pd.DataFrame:
    if rows is None or rows.empty:
        return pd.DataFrame(columns=["region_code", "sigungu_code", "forecast_date", "forecast_grade_code"])
    spread = forecast_by_district(latest_per_target(rows))
    out = pd.DataFrame({
        "region_code": spread["region_code"].astype("int64"),
        "sigungu_code": spread["sigungu_code"].fillna(PROVINCE).astype("int64"),
        "forecast_date": spread["inform_date"],
        "forecast_grade_code": pd.to_numeric(spread["pm_grade_code"], errors="coerce"),
    })
    out = out.dropna(subset=["forecast_grade_code"])
    return out.groupby(["region_code", "sigungu_code", "forecast_date"], as_index=False)["forecast_grade_code"].max()


def _measured(by_district: pd.DataFrame, today: date) -> pd.DataFrame:
    if by_district is None or by_district.empty:
        return pd.DataFrame(columns=["region_code", "sigungu_code", "forecast_date", "measured_grade_code"])
    newest = by_district.sort_values("data_time").drop_duplicates(["region_code", "sigungu_code"], keep="last")
    province = newest["sigungu_code"].isna()
    from_means = [G.worst_pm_grade(G.grade_for_value("PM10", a), G.grade_for_value("PM25", b))
                  for a, b in zip(newest["pm10_1h_mean"], newest["pm25_1h_mean"])]
    worst = pd.to_numeric(newest["pm_grade_1h_worst"], errors="coerce").to_numpy(dtype=float)
    grade = np.where(province.to_numpy(), np.array([np.nan if g is None else g for g in from_means], dtype=float),
                     worst)
    out = pd.DataFrame({
        "region_code": newest["region_code"].astype("int64").to_numpy(),
        "sigungu_code": newest["sigungu_code"].fillna(PROVINCE).astype("int64").to_numpy(),
        "forecast_date": today,
        "measured_grade_code": grade,
    })
    return out.dropna(subset=["measured_grade_code"])


def daily_grades(forecast_rows: pd.DataFrame | None, realtime_by_district: pd.DataFrame | None,
                 today: date) -> pd.DataFrame:
    """:data:`DAILY_COLUMNS` from stored forecast rows (any issuances) and the newest station aggregates.

    A district row that has only one side takes the other from its province (a district with a
    station but a province-wide forecast gets both).
    """
    fc = _forecast(forecast_rows)
    fc = fc[pd.to_datetime(fc["forecast_date"]).dt.date >= today] if len(fc) else fc
    ms = _measured(realtime_by_district, today)
    keys = ["region_code", "sigungu_code", "forecast_date"]
    both = fc.merge(ms, on=keys, how="outer")
    if both.empty:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    # Fill a district's missing side from its province row of the same day.
    prov = both[both["sigungu_code"] == PROVINCE].set_index(["region_code", "forecast_date"])
    for column in ("forecast_grade_code", "measured_grade_code"):
        fallback = pd.Series([prov[column].get((r, d), np.nan) for r, d in zip(both["region_code"], both["forecast_date"])],
                             index=both.index, dtype=float)
        district = both["sigungu_code"] != PROVINCE
        both.loc[district, column] = both.loc[district, column].astype(float).fillna(fallback[district])
    f = both["forecast_grade_code"].astype(float)
    m = both["measured_grade_code"].astype(float)
    grade = np.fmax(f, m)
    both["grade_code"] = grade.astype("int64")
    both["grade"] = [G.GRADE_NAMES.get(int(g)) for g in grade]
    both["basis"] = np.select([f.isna(), m.isna(), m > f, f > m], ["measured", "forecast", "measured", "forecast"],
                              "forecast+measured")
    both["forecast_grade_code"] = pd.array(f.round().astype("Int64"), dtype="Int64")
    both["measured_grade_code"] = pd.array(m.round().astype("Int64"), dtype="Int64")
    return both[DAILY_COLUMNS].sort_values(keys).reset_index(drop=True)


def dust_fingerprint(grades: pd.DataFrame) -> str:
    """What the fine-dust grades do to scores: only 나쁨 and 매우나쁨 lower them, so a flip between 좋음
    and 보통 (hourly, with the measurements) is not a change that rescores the country."""
    if grades is None or grades.empty:
        return hashlib.sha256(b"none").hexdigest()[:16]
    bad = grades[grades["grade_code"].astype(int) >= 3]
    rows = sorted(f"{r}|{s}|{d}|{g}" for r, s, d, g in zip(bad["region_code"], bad["sigungu_code"],
                                                          bad["forecast_date"], bad["grade_code"]))
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]

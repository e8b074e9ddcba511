"""The publication checks of the weather assets, as plain functions (no Dagster here).

Each ``*_verdicts`` function is what an asset's gate evaluates on the rows it is about to publish
(weather/assets.py calls it inside the write's transaction), keyed by the asset's check names. The
same functions are run again, later, on what is published: ``PUBLISHED_AUDITS`` maps each asset key
to a function of the warehouse that reads the asset's last publication (the newest partition of a
partitioned asset), gathers the context the asset used (the forecast points) and evaluates it
(core/published.py, ``make checks``).

What a re-audit cannot see as the run saw it is said in the verdict's description: the forecast
points are read as they are published now (the run read them as they were then), and the next
hours' freshness is judged at the time of the re-audit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from weather_flick_batch.core import quality
from weather_flick_batch.core.published import (
    PublishedCheck,
    ReAudit,
    Verdicts,
    newest_value,
    published_label,
    scope,
    whole_table,
)

# warehouse.schema (SQLAlchemy) is imported by the audit_* functions that read the warehouse: the assets
# import this module at code-location load for its verdict functions, which need neither.
if TYPE_CHECKING:
    import pandas as pd

    from weather_flick_batch.warehouse.warehouse import Warehouse


SHORT_RANGE_VARIABLES = {
    "tmp_c": "temperature", "tmn_c": "temperature", "tmx_c": "temperature", "pop_pct": "probability",
    "pcp_mm": "precipitation", "sno_cm": "snow", "reh_pct": "humidity", "wsd_ms": "wind", "vec_deg": "direction",
}
ULTRA_SHORT_VARIABLES = {"t1h_c": "temperature", "rn1_mm": "precipitation", "reh_pct": "humidity",
                         "wsd_ms": "wind", "vec_deg": "direction"}
NOWCAST_VARIABLES = {"t1h_c": "temperature", "rn1_mm": "precipitation", "reh_pct": "humidity", "wsd_ms": "wind",
                     "vec_deg": "direction"}
MID_LAND_VARIABLES = {"rain_prob_am": "probability", "rain_prob_pm": "probability", "rain_prob": "probability"}
MID_TA_VARIABLES = {"ta_min_c": "temperature", "ta_max_c": "temperature"}
# A short-range issuance covers at least through the end of the day after tomorrow (>= 49 h).
SHORT_RANGE_MIN_HOURS = 49
OUTLOOK_HORIZON_DAYS = 10
OUTLOOK_CORE = ["tmax_c", "tmin_c", "cloud_pct", "pop_max_pct", "precip_mm", "wind_max_ms"]
OUTLOOK_RANGES = {"tmax_c": "temperature", "tmin_c": "temperature", "rh_mean_pct": "humidity",
                  "cloud_pct": "probability", "pop_max_pct": "probability", "precip_mm": "precipitation",
                  "wind_max_ms": "wind"}
NEXT_HOURS_MAX_AGE_H = 3


# -- the checks (the gates call these on the new rows) --------------------------------------------
def points_verdicts(points: pd.DataFrame, province_codes: Iterable[int]) -> Verdicts:
    return {"points_cover_every_province": quality.forecast_points_valid(points, list(province_codes))}


def nowcast_verdicts(frame: pd.DataFrame, points: pd.DataFrame) -> Verdicts:
    return {
        "nowcast_values_in_range": quality.values_in_range(frame, NOWCAST_VARIABLES),
        "nowcast_every_point": quality.every_unit_present(frame, ["nx", "ny"], points),
        "nowcast_unique_keys": quality.unique_keys(frame, ["partition_hour", "nx", "ny"]),
    }


def short_range_complete(frame: pd.DataFrame, points: pd.DataFrame) -> quality.Verdict:
    present = quality.every_unit_present(frame, ["nx", "ny"], points)
    series = quality.hourly_series_complete(frame, ["nx", "ny"], "valid_time", SHORT_RANGE_MIN_HOURS)
    return quality.Verdict(present.passed and series.passed, {**present.metadata, **series.metadata},
                           f"{present.description}; {series.description}")


def short_range_max_ge_min(frame: pd.DataFrame) -> quality.Verdict:
    """TMX/TMN are given once per day: compare the day's maximum with its minimum per cell."""
    import pandas as pd

    daily = frame.assign(day=frame["valid_time"].dt.date).groupby(["nx", "ny", "day"]).agg(
        tmx=("tmx_c", "max"), tmn=("tmn_c", "min")).reset_index()
    return quality.max_not_below_min(pd.DataFrame(daily), "tmx", "tmn")


def short_range_verdicts(frame: pd.DataFrame, points: pd.DataFrame) -> Verdicts:
    return {
        "short_range_values_in_range": quality.values_in_range(frame, SHORT_RANGE_VARIABLES),
        "short_range_complete": short_range_complete(frame, points),
        "short_range_unique_keys": quality.unique_keys(frame, ["partition_issuance", "nx", "ny", "valid_time"]),
        "short_range_max_ge_min": short_range_max_ge_min(frame),
    }


def ultra_short_verdicts(frame: pd.DataFrame, points: pd.DataFrame) -> Verdicts:
    return {
        "ultra_short_values_in_range": quality.values_in_range(frame, ULTRA_SHORT_VARIABLES),
        "ultra_short_every_point": quality.every_unit_present(frame, ["nx", "ny"], points),
        "ultra_short_unique_keys": quality.unique_keys(frame, ["partition_base", "nx", "ny", "valid_time"]),
    }


def _mid_verdicts(prefix: str, frame: pd.DataFrame, regions: Sequence[str], variables: dict[str, str]) -> Verdicts:
    import pandas as pd

    expected = pd.DataFrame({"reg_id": list(regions)})
    return {
        f"{prefix}_values_in_range": quality.values_in_range(frame, variables),
        f"{prefix}_every_region": quality.every_unit_present(frame, ["reg_id"], expected),
        f"{prefix}_unique_keys": quality.unique_keys(frame, ["partition_tm_fc", "reg_id", "forecast_date"]),
    }


def mid_land_verdicts(frame: pd.DataFrame, regions: Sequence[str]) -> Verdicts:
    """``regions``: the land regions of the forecast points (``mid_regions(points, "mid_land_reg_id")``)."""
    return _mid_verdicts("mid_land_forecast", frame, regions, MID_LAND_VARIABLES)


def mid_temperature_verdicts(frame: pd.DataFrame, regions: Sequence[str]) -> Verdicts:
    """``regions``: the temperature regions of the forecast points (``mid_regions(points, "mid_ta_reg_id")``)."""
    return {**_mid_verdicts("mid_temperature_forecast", frame, regions, MID_TA_VARIABLES),
            "mid_temperature_forecast_max_ge_min": quality.max_not_below_min(frame, "ta_max_c", "ta_min_c")}


def mid_regions(points: pd.DataFrame, column: str) -> list[str]:
    """The medium-range regions the forecast points use (the units a medium-range asset fetches)."""
    return sorted(points[column].unique())


def outlook_verdicts(outlook: pd.DataFrame, points: pd.DataFrame,
                     horizon_days: int = OUTLOOK_HORIZON_DAYS) -> Verdicts:
    expected_rows = len(points) * horizon_days
    coverage = outlook.groupby("point_id")["forecast_date"].nunique()
    short_points = int((coverage < horizon_days).sum()) + len(set(points["point_id"]) - set(coverage.index))
    nulls = int(outlook[OUTLOOK_CORE].isna().sum().sum())
    ranges = quality.values_in_range(outlook, OUTLOOK_RANGES)
    return {
        "outlook_full_horizon": quality.Verdict(
            short_points == 0 and len(outlook) == expected_rows,
            {"rows": len(outlook), "expected_rows": expected_rows, "points_short_of_horizon": short_points},
            "every point covers the horizon" if short_points == 0 else f"{short_points} points miss days"),
        "outlook_values_in_range": quality.Verdict(
            ranges.passed and nulls == 0, {**ranges.metadata, "missing_core_values": nulls},
            ranges.description if nulls == 0 else f"{nulls} missing core values; {ranges.description}"),
        "outlook_max_ge_min": quality.max_not_below_min(outlook, "tmax_c", "tmin_c"),
    }


def next_hours_verdicts(frame: pd.DataFrame, points: pd.DataFrame, issuance: datetime, now: datetime) -> Verdicts:
    """``issuance``: the ultra-short issuance the hours come from; ``now``: when their freshness is judged."""
    missing = sorted(set(points["point_id"]) - set(frame["point_id"]))
    age_h = (now - issuance).total_seconds() / 3600
    return {
        "next_hours_every_point": quality.Verdict(
            not missing, {"points": len(points), "points_missing": len(missing)},
            "every point has hours ahead" if not missing else
            f"{len(missing)} points have no hours ahead (e.g. {', '.join(missing[:5])})"),
        "next_hours_fresh": quality.Verdict(
            age_h <= NEXT_HOURS_MAX_AGE_H, {"issuance": issuance.isoformat(), "age_hours": round(age_h, 2)},
            f"issuance {issuance:%Y-%m-%d %H:%M} KST is {age_h:.1f} h old"),
    }


# -- the re-audits (the same checks on what is published) ----------------------------------------
def _newest_partition(wh: Warehouse, table, column: str):
    newest = newest_value(wh, table, column)
    if newest is None:
        return None, None
    return newest, wh.read_table(table, {column: newest})


def _partition_label(value: datetime) -> str:
    return f"partition {value:%Y-%m-%dT%H:%M}"


def _points_then_and_now(verdicts: Verdicts, names: Iterable[str], frame: pd.DataFrame,
                         points: pd.DataFrame) -> Verdicts:
    """The run compared with the forecast points of its time; a re-audit has only today's. When they
    were republished after the rows were written, the verdict says so (a point added since shows as
    missing: true of what readers get, not a fault of that run)."""
    if not len(frame) or not len(points) or points["updated_at"].max() <= frame["loaded_at"].max():
        return verdicts
    note = (f" (judged against the forecast points published {points['updated_at'].max():%Y-%m-%d %H:%M}, "
            f"after these rows; the run's points are not kept)")
    for name in names:
        verdicts[name].description += note
    return verdicts


def audit_forecast_points(wh: Warehouse) -> PublishedCheck | None:
    from weather_flick_batch.warehouse import schema

    points = whole_table(wh, schema.forecast_points)
    if points is None:
        return None
    provinces = wh.read_table(schema.province_catalogue, columns=["region_code"])["region_code"]
    return PublishedCheck(scope(published_label(points, "updated_at"), len(points)),
                          points_verdicts(points, provinces))


def _partitioned(table_name: str, column: str, verdicts, point_checks: Sequence[str]):
    def audit(wh: Warehouse) -> PublishedCheck | None:
        from weather_flick_batch.warehouse import schema

        newest, frame = _newest_partition(wh, schema.metadata.tables[table_name], column)
        if newest is None:
            return None
        points = wh.read_table(schema.forecast_points)
        return PublishedCheck(scope(_partition_label(newest), len(frame)),
                              _points_then_and_now(verdicts(frame, points), point_checks, frame, points))

    return audit


audit_nowcast = _partitioned("weather_nowcast", "partition_hour", nowcast_verdicts, ["nowcast_every_point"])
audit_short_range = _partitioned("weather_short_range", "partition_issuance", short_range_verdicts,
                                 ["short_range_complete"])
audit_ultra_short = _partitioned("weather_ultra_short", "partition_base", ultra_short_verdicts,
                                 ["ultra_short_every_point"])
audit_mid_land = _partitioned(
    "weather_mid_land", "partition_tm_fc",
    lambda frame, points: mid_land_verdicts(frame, mid_regions(points, "mid_land_reg_id")),
    ["mid_land_forecast_every_region"])
audit_mid_temperature = _partitioned(
    "weather_mid_ta", "partition_tm_fc",
    lambda frame, points: mid_temperature_verdicts(frame, mid_regions(points, "mid_ta_reg_id")),
    ["mid_temperature_forecast_every_region"])


def audit_daily_outlook(wh: Warehouse) -> PublishedCheck | None:
    from weather_flick_batch.warehouse import schema

    outlook = whole_table(wh, schema.weather_daily_outlook)
    if outlook is None:
        return None
    points = wh.read_table(schema.forecast_points)
    verdicts = _points_then_and_now(outlook_verdicts(outlook, points), ["outlook_full_horizon"], outlook, points)
    return PublishedCheck(scope(published_label(outlook), len(outlook)), verdicts)


def audit_next_hours(wh: Warehouse) -> PublishedCheck | None:
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.warehouse import schema

    frame = whole_table(wh, schema.weather_next_hours)
    if frame is None:
        return None
    points = wh.read_table(schema.forecast_points)
    # The published rows carry KMA's base time, not the partition the run asked for (the same issuance
    # unless KMA fell back to the previous one, which is then what the hours really come from).
    issuance = frame["base_time"].max() if len(frame) else newest_value(wh, schema.weather_ultra_short,
                                                                        "partition_base")
    now = now_kst()
    verdicts = _points_then_and_now(next_hours_verdicts(frame, points, issuance or now, now),
                                    ["next_hours_every_point"], frame, points)
    if issuance is None:  # no hours published and no ultra-short issuance to date them by
        verdicts["next_hours_fresh"] = quality.Verdict(False, {"issuance": "none"},
                                                       "no ultra-short issuance published: nothing to date")
    else:
        verdicts["next_hours_fresh"].description += (
            f" at the re-audit ({now:%Y-%m-%d %H:%M} KST; the gate judged it at the write), the issuance being "
            f"the newest base time of the published rows")
    return PublishedCheck(scope(published_label(frame), len(frame)), verdicts)


PUBLISHED_AUDITS: dict[str, ReAudit] = {
    "weather/forecast_points": audit_forecast_points,
    "weather/nowcast": audit_nowcast,
    "weather/short_range_forecast": audit_short_range,
    "weather/ultra_short_forecast": audit_ultra_short,
    "weather/mid_land_forecast": audit_mid_land,
    "weather/mid_temperature_forecast": audit_mid_temperature,
    "weather/daily_outlook": audit_daily_outlook,
    "weather/next_hours": audit_next_hours,
}

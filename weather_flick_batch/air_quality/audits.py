"""The publication checks of the fine-dust assets, as plain functions (no Dagster here).

``forecast_verdicts``, ``stations_verdicts`` and ``grades_verdicts`` are what the gates of
air_quality/dust_forecast, dust_measurements and dust_grades evaluate before they publish
(air_quality/assets.py); ``PUBLISHED_AUDITS`` runs them again on what is published: the newest
forecast issuance, the stations' snapshot, the grades (core/published.py, ``make checks``).

The grades' "today" is the day of the re-audit (what readers look up now); the gate used the day of
its run. The description names the day judged.
"""

from __future__ import annotations

from datetime import date
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

GRADED_POLLUTANTS = {"PM10", "PM25"}


# -- the checks (the gates call these on the new rows) --------------------------------------------
def forecast_verdicts(frame: pd.DataFrame) -> Verdicts:
    """One forecast issuance: PM10 and PM2.5 graded for every forecast region on every target day."""
    from weather_flick_batch.air_quality.regions import FORECAST_REGIONS

    pm = frame[frame["inform_code"].isin(sorted(GRADED_POLLUTANTS))]
    per_target = pm.groupby(["inform_code", "inform_date"])["forecast_region"].nunique()
    short = {f"{c} {d}": int(n) for (c, d), n in per_target.items() if n < len(FORECAST_REGIONS)}
    codes = set(pm["inform_code"])
    complete = not short and GRADED_POLLUTANTS <= codes
    return {
        "forecast_every_region": quality.Verdict(
            complete, {"targets": len(per_target), "targets_short_of_regions": len(short)},
            "every region graded" if complete else
            f"missing regions or pollutants: {short or sorted(GRADED_POLLUTANTS - codes)}"),
        "forecast_unique_keys": quality.unique_keys(
            frame, ["partition_issuance", "inform_code", "inform_date", "forecast_region"]),
    }


def stations_verdicts(frame: pd.DataFrame) -> Verdicts:
    """The stations' snapshot: a graded station in every province, one row per station and hour."""
    from weather_flick_batch.core.regions import PROVINCES

    graded = set(frame.loc[frame["pm_grade_1h"].notna(), "region_code"].astype(int))
    missing = sorted({p.area_code for p in PROVINCES} - graded)
    return {
        "stations_every_province": quality.Verdict(
            not missing, {"stations": len(frame), "provinces_without_grade": len(missing)},
            "every province measured" if not missing else f"no graded station in provinces {missing}"),
        "stations_unique_keys": quality.unique_keys(frame, ["sido_name", "station_name", "data_time"]),
    }


def grades_verdicts(frame: pd.DataFrame, today: date) -> Verdicts:
    """The grades: every province (district 0) has a grade for ``today``."""
    from weather_flick_batch.core.regions import PROVINCES

    have = set(frame.loc[(frame["forecast_date"] == today) & (frame["sigungu_code"] == 0), "region_code"])
    missing = sorted({p.area_code for p in PROVINCES} - {int(r) for r in have})
    return {"grades_today_every_province": quality.Verdict(
        not missing, {"rows": len(frame), "provinces_without_today": len(missing)},
        "every province graded today" if not missing else f"no grade today for provinces {missing}")}


# -- the re-audits (the same checks on what is published) ----------------------------------------
def audit_dust_forecast(wh: Warehouse) -> PublishedCheck | None:
    from weather_flick_batch.warehouse import schema

    newest = newest_value(wh, schema.air_dust_forecast, "partition_issuance")
    if newest is None:
        return None
    frame = wh.read_table(schema.air_dust_forecast, {"partition_issuance": newest})
    return PublishedCheck(scope(f"partition {newest:%Y-%m-%dT%H:%M}", len(frame)), forecast_verdicts(frame))


def audit_dust_measurements(wh: Warehouse) -> PublishedCheck | None:
    from weather_flick_batch.warehouse import schema

    frame = whole_table(wh, schema.air_dust_stations)
    if frame is None:
        return None
    return PublishedCheck(scope(published_label(frame), len(frame)), stations_verdicts(frame))


def audit_dust_grades(wh: Warehouse) -> PublishedCheck | None:
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.warehouse import schema

    frame = whole_table(wh, schema.air_dust_grades)
    if frame is None:
        return None
    today = now_kst().date()
    verdicts = grades_verdicts(frame, today)
    verdicts["grades_today_every_province"].description += f" (today: {today:%Y-%m-%d}, the day of the re-audit)"
    return PublishedCheck(scope(published_label(frame), len(frame)), verdicts)


PUBLISHED_AUDITS: dict[str, ReAudit] = {
    "air_quality/dust_forecast": audit_dust_forecast,
    "air_quality/dust_measurements": audit_dust_measurements,
    "air_quality/dust_grades": audit_dust_grades,
}

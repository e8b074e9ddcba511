"""The analytics tables' publication checks as plain functions (no Dagster here).

Each ``*_verdicts`` function is what the asset's gate evaluates (``analytics/assets.py``) and what the
re-audit of the published table evaluates (:data:`PUBLISHED_AUDITS`, core/published.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from weather_flick_batch.core.published import PublishedCheck, ReAudit, Verdicts, newest_value, scope
from weather_flick_batch.core.quality import Verdict
from weather_flick_batch.core.regions import PROVINCES

if TYPE_CHECKING:
    import pandas as pd

    from weather_flick_batch.warehouse.warehouse import Warehouse

HORIZON_DAYS = 10
#: Checks that only warn (the assets' AssetCheckSeverity.WARN, not blocking): legitimately failing on a new
#: instance (no pairs yet) or for data the platform does not own (a festival that is not an active destination).
WARN_ONLY = frozenset({"verification_has_pairs", "festival_days_scored"})


# -- the checks ----------------------------------------------------------------------------------
def region_weather_verdicts(frame: pd.DataFrame) -> Verdicts:
    per_region = frame.groupby("region_code")["forecast_date"].nunique()
    short = int((per_region < HORIZON_DAYS).sum()) + (len(PROVINCES) - len(per_region))
    return {"every_region_summarised": Verdict(short == 0, {"regions": len(per_region)},
                                               f"{short} regions short of {HORIZON_DAYS} days")}


def score_distribution_verdicts(frame: pd.DataFrame) -> Verdicts:
    wrong = int((frame.groupby("region_code")["is_best_day"].sum() != 1).sum())
    return {"one_best_day_per_region": Verdict(wrong == 0, {}, f"{wrong} regions without exactly one best day")}


def festival_weather_verdicts(frame: pd.DataFrame, festivals: pd.DataFrame, horizon: list) -> Verdicts:
    """``frame``: the festival days; ``festivals``: the festival calendar; ``horizon``: the scored days."""
    import pandas as pd

    days = pd.to_datetime(pd.Series(horizon, dtype=object))
    expected = sum(int(((days >= start) & (days <= end)).sum()) for start, end in zip(
        pd.to_datetime(festivals["event_start_date"]), pd.to_datetime(festivals["event_end_date"])))
    unscored = expected - len(frame)  # a festival that is not an active destination has no score
    duplicates = int(frame.duplicated(["content_id", "forecast_date"]).sum())
    out_of_range = int((~frame["score"].between(0, 100)).sum())
    return {
        "festival_days_scored": Verdict(
            unscored == 0, {"festival_days": expected},
            f"{unscored} of {expected} festival days in the horizon without a score" if unscored
            else "every festival day scored"),
        "festival_rows_valid": Verdict(
            duplicates == 0 and out_of_range == 0, {},
            f"{duplicates} duplicate festival days, {out_of_range} scores outside 0..100"
            if duplicates or out_of_range else "one row per festival and day, scores within 0..100"),
    }


def forecast_verification_verdicts(frame: pd.DataFrame) -> Verdicts:
    invalid = int(((frame["temp_mae_c"] < 0) | ~frame["rain_accuracy"].between(0, 1)
                   | (frame["rain_hit_rate"].notna() & ~frame["rain_hit_rate"].between(0, 1))
                   | (frame["pairs"] < 1)).sum()) if len(frame) else 0
    return {
        "verification_has_pairs": Verdict(len(frame) > 0, {},
                                          f"{int(frame['pairs'].sum()) if len(frame) else 0} pairs"),
        "verification_values_valid": Verdict(
            invalid == 0, {"rows": len(frame)},
            f"{invalid} rows with a negative error, a rate outside 0..1 or no pairs" if invalid
            else "every row valid"),
    }


# -- re-audits of what is published ---------------------------------------------------------------
def _published(wh: Warehouse, table, numeric: tuple[str, ...] = ()) -> pd.DataFrame | None:
    """The table as published (None: never published), ``numeric`` columns as numbers (NaN for NULL)."""
    import pandas as pd

    from weather_flick_batch.warehouse import schema

    frame = wh.read_table(table)
    if frame.empty and not wh.row_count(schema.load_audit, {"table_name": table.name}):
        return None
    for column in numeric:
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def _scope(wh: Warehouse, table, frame: pd.DataFrame) -> str:
    as_of = newest_value(wh, table, "as_of")
    return scope(f"published {as_of:%Y-%m-%dT%H:%M}" if as_of is not None else "published empty", len(frame))


def audit_region_weather(wh: Warehouse) -> PublishedCheck | None:
    from weather_flick_batch.warehouse import schema

    frame = _published(wh, schema.analytics_region_weather)
    if frame is None:
        return None
    return PublishedCheck(_scope(wh, schema.analytics_region_weather, frame), region_weather_verdicts(frame))


def audit_score_distribution(wh: Warehouse) -> PublishedCheck | None:
    from weather_flick_batch.warehouse import schema

    frame = _published(wh, schema.analytics_score_distribution)
    if frame is None:
        return None
    frame["is_best_day"] = frame["is_best_day"].astype(bool)
    return PublishedCheck(_scope(wh, schema.analytics_score_distribution, frame), score_distribution_verdicts(frame))


def audit_festival_weather(wh: Warehouse) -> PublishedCheck | None:
    """The published festival days; whether every festival day is scored is judged against the festival
    calendar and the score horizon as published now (the run's own inputs are not kept)."""
    import sqlalchemy as sa

    from weather_flick_batch.warehouse import schema

    table, scores = schema.analytics_festival_weather, schema.destination_weather_scores
    frame = _published(wh, table, numeric=("score",))
    if frame is None:
        return None
    horizon = sorted(wh.read_select(sa.select(scores.c.forecast_date).distinct())["forecast_date"])
    festivals = wh.read_table(schema.festival_events, columns=["content_id", "event_start_date", "event_end_date"])
    verdicts = festival_weather_verdicts(frame, festivals, horizon)
    verdicts["festival_days_scored"] = _noted(
        verdicts["festival_days_scored"], "against the festivals and the score horizon published now")
    return PublishedCheck(_scope(wh, table, frame), verdicts, warn_only=WARN_ONLY & set(verdicts))


def audit_forecast_verification(wh: Warehouse) -> PublishedCheck | None:
    from weather_flick_batch.warehouse import schema

    table = schema.analytics_forecast_verification
    frame = _published(wh, table, numeric=("pairs", "temp_mae_c", "rain_accuracy", "rain_hit_rate"))
    if frame is None:
        return None
    verdicts = forecast_verification_verdicts(frame)
    return PublishedCheck(_scope(wh, table, frame), verdicts, warn_only=WARN_ONLY & set(verdicts))


def _noted(verdict: Verdict, note: str) -> Verdict:
    """The verdict with what the re-audit compared it against, in its description."""
    return replace(verdict, description=f"{verdict.description} ({note})")


PUBLISHED_AUDITS: dict[str, ReAudit] = {
    "analytics/region_weather_summary": audit_region_weather,
    "analytics/score_distribution": audit_score_distribution,
    "analytics/festival_weather": audit_festival_weather,
    "analytics/forecast_verification": audit_forecast_verification,
}

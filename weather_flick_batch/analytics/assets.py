"""Daily analytics, stored as warehouse tables, with numeric metadata the Dagster UI plots over time."""

import json
from typing import TYPE_CHECKING

import dagster as dg

from weather_flick_batch.analytics import audits
from weather_flick_batch.core.timeutil import KST_NAME, now_kst
from weather_flick_batch.checks import PublishAudit, audited_asset, check_result, publishing
from weather_flick_batch.resources.warehouse import WarehouseResource
# The warehouse tables (warehouse.schema, built with SQLAlchemy: ~0.2 s to import) are imported by the steps
# that use them, not at code-location load; the UI's column schemas are plain data (warehouse/columns.py).
from weather_flick_batch.warehouse.metadata import column_schema, markdown_preview

if TYPE_CHECKING:
    from weather_flick_batch.core.published import Verdicts

GROUP = "analytics"
SCORES_KEY = dg.AssetKey(["recommendations", "destination_weather_scores"])
# Daily at 06:00 KST, once the inputs have been updated since the previous tick: dependencies come
# from the graph, the clock only says "once a day".
DAILY = dg.AutomationCondition.on_cron("0 6 * * *", cron_timezone=KST_NAME)


#: Checks that only warn: legitimately failing on a new instance (no pairs yet) or for data the
#: platform does not own (a festival that is not an active destination). They never block publication.
_WARNINGS = audits.WARN_ONLY


def _analytics_asset(name: str, table: str, deps: list, description: str, checks: dict[str, str]):
    """``table``: the table's name; ``checks``: name -> description; an analytics table is published only if
    the blocking ones pass."""
    key = dg.AssetKey(["analytics", name])
    return dict(
        key=key, group_name=GROUP, deps=deps, kinds={"python", "pandas", "sql"}, automation_condition=DAILY,
        description=description,
        metadata={"dagster/column_schema": column_schema(table), "dagster/table_name": table},
        check_specs=[dg.AssetCheckSpec(check_name, asset=key, description=check_desc,
                                       blocking=check_name not in _WARNINGS)
                     for check_name, check_desc in checks.items()],
        code_version="1",
    )


def _simulated(wh, *sources) -> bool:
    """Whether any row the analytics read came from the offline sample sources."""
    import sqlalchemy as sa

    with wh.engine.connect() as conn:
        return any(bool(conn.execute(sa.select(sa.exists().where(t.c.simulated.is_(True)))).scalar())
                   for t in sources)


# The tables each analytics table is computed from (the flag follows them).
_SOURCES = {
    "analytics_region_weather": ("weather_daily_outlook",),
    "analytics_score_distribution": ("destination_weather_scores",),
    "analytics_festival_weather": ("destination_weather_scores", "festival_events"),
    "analytics_forecast_verification": ("weather_short_range", "weather_nowcast"),
}


def _write(context, warehouse: WarehouseResource, table, frame, checks: list[dg.AssetCheckResult]):
    """Write ``frame`` audited by ``checks`` (computed on it): published only if the ERROR ones pass."""
    from weather_flick_batch.warehouse import schema

    wh = warehouse.get()
    simulated = _simulated(wh, *(schema.metadata.tables[name] for name in _SOURCES[table.name]))
    frame = frame.assign(as_of=now_kst(), simulated=simulated)
    audit = PublishAudit(lambda _conn: checks)
    with publishing(context, audit):
        return warehouse.get().replace_rows(table, frame, run_id=context.run.run_id, audit=audit)


def _checks(verdicts: "Verdicts") -> list[dg.AssetCheckResult]:
    """Check results from the verdicts of ``analytics.audits`` (the re-audit evaluates the same ones)."""
    return [check_result(name, verdict, severity=dg.AssetCheckSeverity.WARN if name in _WARNINGS
                         else dg.AssetCheckSeverity.ERROR) for name, verdict in verdicts.items()]


@audited_asset(**_analytics_asset(
    "region_weather_summary", "analytics_region_weather",
    [dg.AssetKey(["weather", "daily_outlook"]), dg.AssetKey(["weather", "forecast_points"])],
    "Per province and day for the coming 10 days: mean and extreme temperatures, rain chance and amount, wind "
    "and cloud over the province's forecast points.",
    {"every_region_summarised": "Every province has a summary for every day of the horizon."}))
def region_weather_summary(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from weather_flick_batch.analytics.compute import region_weather_summary as compute
    from weather_flick_batch.warehouse import schema

    wh = warehouse.get()
    frame = compute(wh.read_table(schema.weather_daily_outlook), wh.read_table(schema.forecast_points))
    checks = _checks(audits.region_weather_verdicts(frame))
    write = _write(context, warehouse, schema.analytics_region_weather, frame, checks)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(frame), **write.as_metadata(),
                  "mean_tmax_c": float(frame["tmax_mean_c"].mean()) if len(frame) else 0.0,
                  "mean_pop_pct": float(frame["pop_mean_pct"].mean()) if len(frame) else 0.0,
                  "preview": dg.MetadataValue.md(markdown_preview(frame[frame["lead_days"] == 0], rows=17))},
        check_results=checks,
    )


@audited_asset(**_analytics_asset(
    "score_distribution", "analytics_score_distribution", [SCORES_KEY],
    "Per province and day: the distribution of destination scores (mean, p10, median, p90), the share rated "
    "good or better, and each province's best travel days.",
    {"one_best_day_per_region": "Exactly one best day per province."}))
def score_distribution(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from weather_flick_batch.analytics.compute import score_distribution as compute

    import pandas as pd
    import sqlalchemy as sa

    from weather_flick_batch.recommendations.scoring import GOOD_OR_BETTER_RANK
    from weather_flick_batch.warehouse import schema

    wh = warehouse.get()
    table = schema.destination_weather_scores
    regions = wh.read_select(sa.select(table.c.region_code).distinct())["region_code"]
    # A province at a time (its rows through the region index): every statistic here is per province,
    # and a nationwide score table read at once was the largest allocation of the analytics run.
    parts, rows, score_sum, good = [], 0, 0.0, 0
    for region in sorted(regions):
        scores = wh.read_table(table, {"region_code": int(region)},
                               columns=["region_code", "forecast_date", "score", "grade_rank"])
        parts.append(compute(scores))
        rows, score_sum = rows + len(scores), score_sum + float(scores["score"].sum())
        good += int((scores["grade_rank"] >= GOOD_OR_BETTER_RANK).sum())
    frame = pd.concat(parts, ignore_index=True) if parts else compute(
        pd.DataFrame(columns=["region_code", "forecast_date", "score", "grade_rank"]))
    best = frame[frame["is_best_day"]]
    checks = _checks(audits.score_distribution_verdicts(frame))
    write = _write(context, warehouse, schema.analytics_score_distribution, frame, checks)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(frame), **write.as_metadata(),
                  "mean_score": score_sum / rows if rows else 0.0,
                  "share_good_or_better": good / rows if rows else 0.0,
                  "best_days": dg.MetadataValue.md(markdown_preview(
                      best[["region_code", "forecast_date", "mean_score", "share_good_or_better"]], rows=17))},
        check_results=checks,
    )


@audited_asset(**_analytics_asset(
    "festival_weather", "analytics_festival_weather", [SCORES_KEY, dg.AssetKey(["destinations", "festivals"])],
    "The festival calendar crossed with the weather: every festival day inside the 10-day horizon with its "
    "score, grade and reasons; days with poor weather (score below 50) flagged.",
    {"festival_days_scored": "Every festival day in the horizon has a score (a warning: a festival that is not "
                             "an active destination has none).",
     "festival_rows_valid": "One row per festival and day, every score within 0..100."}))
def festival_weather(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from weather_flick_batch.analytics.compute import festival_weather as compute
    from weather_flick_batch.warehouse import schema

    import sqlalchemy as sa

    wh = warehouse.get()
    scores_tbl, festivals_tbl = schema.destination_weather_scores, schema.festival_events
    # Only the festivals' scores (a few percent of the table), selected in the database.
    scores = wh.read_select(
        sa.select(scores_tbl.c.content_id, scores_tbl.c.forecast_date, scores_tbl.c.score, scores_tbl.c.grade,
                  scores_tbl.c.reasons)
        .where(scores_tbl.c.content_id.in_(sa.select(festivals_tbl.c.content_id))))
    horizon = sorted(wh.read_select(sa.select(scores_tbl.c.forecast_date).distinct())["forecast_date"])
    festivals = wh.read_table(festivals_tbl)
    frame = compute(festivals, scores, horizon)
    checks = _checks(audits.festival_weather_verdicts(frame, festivals, horizon))
    write = _write(context, warehouse, schema.analytics_festival_weather, frame, checks)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(frame), **write.as_metadata(),
                  "festival_days": len(frame), "poor_weather_days": int(frame["poor_weather"].sum()),
                  "preview": dg.MetadataValue.md(markdown_preview(
                      frame.sort_values("forecast_date")[["forecast_date", "title", "score", "grade",
                                                          "poor_weather"]], rows=15))},
        check_results=checks,
    )


@audited_asset(**_analytics_asset(
    "forecast_verification", "analytics_forecast_verification",
    [dg.AssetKey(["weather", "short_range_forecast"]), dg.AssetKey(["weather", "nowcast"]),
     dg.AssetKey(["weather", "forecast_points"])],
    "Forecast verification: short-range forecasts against the observed current conditions (nowcast) by "
    "province and lead day: temperature mean absolute error, rain accuracy and rain hit rate.",
    {"verification_has_pairs": "At least one forecast-observation pair (a warning: a new instance has none).",
     "verification_values_valid": "Errors non-negative, rates within 0..1, every row from at least one pair."}))
def forecast_verification(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from datetime import timedelta

    import sqlalchemy as sa

    from weather_flick_batch.analytics.compute import forecast_verification as compute
    from weather_flick_batch.warehouse import schema

    wh = warehouse.get()
    since = now_kst() - timedelta(days=7)  # a rolling week of pairs
    short, now_tbl = schema.weather_short_range, schema.weather_nowcast
    with wh.engine.connect() as conn:
        import pandas as pd

        observed = pd.DataFrame(conn.execute(sa.select(now_tbl).where(now_tbl.c.partition_hour >= since)).fetchall(),
                                columns=[c.name for c in now_tbl.columns])
        forecasts = pd.DataFrame(conn.execute(sa.select(short).where(short.c.valid_time >= since)).fetchall(),
                                 columns=[c.name for c in short.columns])
    for frame, columns in ((observed, ["partition_hour"]), (forecasts, ["valid_time", "base_time"])):
        for column in columns:
            frame[column] = pd.to_datetime(frame[column], utc=True)
    frame = compute(forecasts, observed, wh.read_table(schema.forecast_points))
    checks = _checks(audits.forecast_verification_verdicts(frame))
    write = _write(context, warehouse, schema.analytics_forecast_verification, frame, checks)
    by_lead = frame.groupby("lead_day").apply(
        lambda g: (g["temp_mae_c"] * g["pairs"]).sum() / g["pairs"].sum(), include_groups=False) if len(frame) else {}
    metadata = {"dagster/row_count": len(frame), **write.as_metadata(), "pairs": int(frame["pairs"].sum())}
    for lead, mae in dict(by_lead).items():
        metadata[f"temp_mae_c_lead_day_{int(lead)}"] = round(float(mae), 3)
    metadata["temp_mae_by_lead"] = json.dumps({int(k): round(float(v), 3) for k, v in dict(by_lead).items()})
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=checks,
    )

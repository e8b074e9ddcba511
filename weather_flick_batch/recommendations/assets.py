"""Weather-aware recommendations: a score per destination and day, and top lists per region."""

import json

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.checks import PublishAudit, audited_asset, check_result, publishing
from weather_flick_batch.core.quality import Verdict
from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.recommendations import audits
from weather_flick_batch.resources.warehouse import WarehouseResource
# The warehouse tables (warehouse.schema, built with SQLAlchemy: ~0.2 s to import) are imported by the steps
# that use them, not at code-location load; the UI's column schemas are plain data (warehouse/columns.py).
from weather_flick_batch.warehouse.metadata import column_schema, markdown_preview
from weather_flick_batch.weather.assets import FOLLOWS_NEW_DATA, follows_new_data_or_changes_in

GROUP = "recommendations"
SCORES_KEY = dg.AssetKey(["recommendations", "destination_weather_scores"])
TOP_KEY = dg.AssetKey(["recommendations", "regional_recommendations"])
OUTLOOK_KEY = dg.AssetKey(["weather", "daily_outlook"])
WARNINGS_KEY = dg.AssetKey(["weather", "warnings"])
DUST_KEY = dg.AssetKey(["air_quality", "dust_grades"])
HORIZON_DAYS = audits.HORIZON_DAYS
DESTINATION_COLUMNS = ["content_id", "title", "content_type_id", "region_code", "sigungu_code", "cat2", "cat3",
                       "is_active"]

# Scores follow new forecasts and the catalogue, and a change in the warnings or fine dust in force; a
# warnings refresh that changed nothing (every 10 minutes) must not rescore the whole country.
_HAZARDS = dg.AssetSelection.assets(WARNINGS_KEY, DUST_KEY)
RESCORES_ON_NEW_DATA = follows_new_data_or_changes_in(_HAZARDS)


def hazards_in_force(wh, today):
    """The warnings in force now, per province and district, the fine-dust grade per place and day, and
    their version (the fingerprints their assets publish as data versions), from one read of each table."""
    import pandas as pd

    from weather_flick_batch.air_quality.daily import dust_fingerprint
    from weather_flick_batch.recommendations.hazards import DUST_COLUMNS, WARNING_COLUMNS
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.weather_warnings.parsing import warnings_fingerprint

    areas = wh.read_table(schema.weather_warning_areas)
    dust = wh.read_table(schema.air_dust_grades)
    dust = dust[dust["forecast_date"] >= today] if len(dust) else dust
    version = (warnings_fingerprint(areas), dust_fingerprint(dust))
    warnings = (areas.assign(sigungu_code=areas["sigungu_code"].where(areas["sigungu_code"] != 0))[WARNING_COLUMNS]
                if len(areas) else pd.DataFrame(columns=WARNING_COLUMNS))
    dust = (dust.assign(sigungu_code=dust["sigungu_code"].where(dust["sigungu_code"] != 0))[DUST_COLUMNS]
            if len(dust) else pd.DataFrame(columns=DUST_COLUMNS))
    return warnings, dust, version


def from_nearest_point(destinations, cells, resolved) -> int:
    """Active destinations scored from the nearest forecast point (their own cell has no outlook):
    ``resolved`` is ``cells`` with the points scoring uses (``resolve_forecast_points``)."""
    active = cells["content_id"].isin(set(destinations["content_id"])).to_numpy()
    return int((resolved["point_id"].to_numpy()[active] != cells["point_id"].to_numpy()[active]).sum())


def coastal_places(destinations):
    """Which places are on the coast (sea warnings concern them): the scoring's own rule."""
    from weather_flick_batch.recommendations.transform import coastal_flags

    d = destinations
    return coastal_flags(d["cat2"], d["cat3"], d["region_code"], d["sigungu_code"])


@audited_asset(
    key=SCORES_KEY,
    group_name=GROUP,
    deps=[OUTLOOK_KEY, dg.AssetKey(["destinations", "catalogue"]), dg.AssetKey(["destinations", "forecast_cells"]),
          WARNINGS_KEY, DUST_KEY],
    kinds={"python", "pandas", "sql"},
    automation_condition=RESCORES_ON_NEW_DATA,
    description=(
        "A 0-100 weather suitability score for every active destination and each of the next 10 days, with a "
        "grade, a confidence that falls with lead time, and machine-readable reasons. Holiday Climate Index "
        "based (urban, beach, outdoor-active profiles); content type decides how much weather matters. "
        "Destinations in cells the forecast-point cap left out use the nearest forecast point. Weather warnings "
        "in force cap or lower today's outdoor scores and fine dust lowers outdoor days, with reasons "
        "(docs/scoring.md)."
    ),
    metadata={"dagster/column_schema": column_schema("destination_weather_scores"),
              "dagster/table_name": "destination_weather_scores"},
    check_specs=[
        dg.AssetCheckSpec("scores_in_range", asset=SCORES_KEY, blocking=True,
                          description="Every score within 0..100, never NaN."),
        dg.AssetCheckSpec("every_destination_every_day", asset=SCORES_KEY, blocking=True,
                          description="Every active destination scored for every day of the horizon."),
        dg.AssetCheckSpec("grades_match_scores", asset=SCORES_KEY, blocking=True,
                          description="Each grade is the HCI band of its score."),
    ],
    code_version="1",
)
def destination_weather_scores(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from weather_flick_batch.recommendations import incremental
    from weather_flick_batch.recommendations.hazards import apply_hazards
    from weather_flick_batch.recommendations.transform import (ScoreSummary, published_score_stats,
                                                               resolve_forecast_points, score_batches)
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.warehouse.writes import Excluding

    wh = warehouse.get()
    # Only the columns scoring needs: the catalogue's text columns would be most of the memory.
    destinations = wh.read_table(schema.destinations, {"is_active": True}, columns=DESTINATION_COLUMNS)
    cells = wh.read_table(schema.destination_forecast_cells, columns=["content_id", "nx", "ny", "point_id"])
    outlook = wh.read_table(schema.weather_daily_outlook)
    points = wh.read_table(schema.forecast_points, columns=["point_id", "nx", "ny"])
    # Each destination's point: its own cell's, or the nearest with an outlook when the cap left its cell out
    # (point_id of a score says where its weather came from). Resolved once, for scoring and the metadata.
    resolved = resolve_forecast_points(cells, outlook, points)
    simulated = bool(outlook["simulated"].any()) if len(outlook) else False
    now = now_kst()
    warnings, dust, read_hazards = hazards_in_force(wh, now.date())
    coastal = dict(zip(destinations["content_id"], coastal_places(destinations)))
    # Only the days whose inputs changed since their publication are scored and written (a short-range
    # issuance changes today to day 2 or 3); the others are what scoring them again would give.
    with wh.engine.connect() as conn:
        counts = incremental.day_counts(conn, schema.destination_weather_scores)
        published = incremental.published_versions(conn, incremental.SCORES_TABLE, counts)
    plan = incremental.DayPlan(
        wanted=incremental.score_day_versions(today=now.date(), simulated=simulated, hazards=read_hazards,
                                              destinations=destinations, cells=cells, points=points,
                                              outlook=outlook),
        published=published)
    summary = ScoreSummary(kept_days=len(plan.kept))
    context.log.info(f"scores: {plan.describe()}")

    def batches():
        # A batch of destinations at a time, all written in one transaction: bounded memory, all-or-nothing.
        for scores in score_batches(destinations, resolved, outlook, None, days=plan.rewritten):
            scores = apply_hazards(scores, warnings, dust, scores["content_id"].map(coastal).fillna(False),
                                   today=now.date())
            scores["simulated"] = simulated
            scores["as_of"] = now
            summary.add(scores)
            yield scores

    stats: dict = {}

    def evaluate(conn):
        # The stream has been consumed when this runs (inside the transaction, before the commit).
        verdicts = audits.score_verdicts(summary, destinations["content_id"], len(destinations))
        stats.update(published_score_stats(conn, now.date()))
        return [check_result(name, v) for name, v in verdicts.items()]

    audit = PublishAudit(evaluate)
    if plan.rewritten:
        with publishing(context, audit):
            write = wh.replace_stream(
                schema.destination_weather_scores, batches(),
                where=None if plan.full else {"forecast_date": Excluding(tuple(plan.kept))},
                run_id=context.run.run_id, audit=audit,
                then=lambda conn: incremental.record_versions(conn, incremental.SCORES_TABLE, plan,
                                                              summary.rows_per_day, context.run.run_id, now))
        write_metadata = write.as_metadata()
    else:
        # Nothing to write: the published days passed these checks when they were written, from the
        # same inputs (the re-audit, published_checks.py, reads the table as it is).
        with wh.engine.connect() as conn:
            stats.update(published_score_stats(conn, now.date()))
        standing = Verdict(True, {"days_unchanged": len(plan.kept)},
                           f"inputs unchanged: the {len(plan.kept)} published days stand as checked")
        audit.results = [check_result(name, standing)
                         for name in ("scores_in_range", "every_destination_every_day", "grades_match_scores")]
        write_metadata = {"rows_written": 0, "rows_replaced": 0}
    # Warnings or fine dust that changed while the country was being scored would otherwise wait for the
    # next change: automation counts this run as having handled them. Score again with what is in force.
    if hazards_in_force(wh, now.date())[2] != read_hazards:
        context.log.warning("the warnings or fine dust in force changed during scoring: scoring again")
        raise dg.RetryRequested(max_retries=3, seconds_to_wait=1)

    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": stats["rows"],
            **write_metadata,
            "days_rescored": len(plan.rewritten),
            "days_unchanged": len(plan.kept),
            # one row per scored destination and day: the rewritten days counted them, a kept day holds them
            "destinations_scored": summary.destinations if plan.rewritten else max(counts.values(), default=0),
            "scored_from_nearest_point": from_nearest_point(destinations, cells, resolved),
            "mean_score": round(stats["mean_score"], 2),
            "share_good_or_better": round(stats["share_good_or_better"], 4),
            "mean_confidence": round(stats["mean_confidence"], 3),
            "grades": json.dumps(stats["grades"], ensure_ascii=False),
            "warnings_in_force": len(warnings),
            "under_warning_today": stats["under_warning_today"],
            "capped_by_warning_today": stats["capped_by_warning_today"],
            "lowered_by_fine_dust": stats["lowered_by_fine_dust"],
            "top_today_per_region": dg.MetadataValue.md(markdown_preview(stats["top_today"], rows=17)),
        },
        check_results=audit.results,
    )


@audited_asset(
    key=TOP_KEY,
    group_name=GROUP,
    deps=[SCORES_KEY],
    kinds={"python", "pandas", "sql"},
    automation_condition=FOLLOWS_NEW_DATA,
    description=(
        "Per province (district 0) and district, day and content type, the top N destinations by weather score "
        "(WEATHER_FLICK_TOP_N), ready for the WeatherFlick service to read."
    ),
    metadata={"dagster/column_schema": column_schema("regional_recommendations"),
              "dagster/table_name": "regional_recommendations"},
    check_specs=[dg.AssetCheckSpec("top_lists_not_empty", asset=TOP_KEY, blocking=True,
                                   description="Every region and day with scored destinations has a top list.")],
    code_version="1",
)
def regional_recommendations(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    import sqlalchemy as sa

    from weather_flick_batch.recommendations import incremental
    from weather_flick_batch.recommendations.transform import top_n_query
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.warehouse.types import AwareDateTime
    from weather_flick_batch.warehouse.writes import Excluding

    wh = warehouse.get()
    n = settings.get("WEATHER_FLICK_TOP_N")
    now = now_kst()
    # Only the days whose scores were rewritten since they were ranked (or whose list length changed);
    # a score day without a version (written before the ledger, or changed since) is ranked again.
    scores_table, top = schema.destination_weather_scores, schema.regional_recommendations
    with wh.engine.connect() as conn:
        score_counts = incremental.day_counts(conn, scores_table)
        score_versions = incremental.published_versions(conn, incremental.SCORES_TABLE, score_counts)
        published = incremental.published_versions(conn, incremental.TOP_LISTS_TABLE,
                                                   incremental.day_counts(conn, top))
    plan = incremental.DayPlan(
        wanted=incremental.top_list_day_versions({d: score_versions.get(d) for d in score_counts}, n),
        published=published)
    context.log.info(f"top lists: {plan.describe()}")
    # Ranked and written inside the database (INSERT ... SELECT): no score row travels through Python.
    query = (top_n_query(n, days=None if plan.full else plan.rewritten)
             .add_columns(sa.bindparam("as_of", now, type_=AwareDateTime()).label("as_of")))
    province = top.c.level == "province"

    def evaluate(conn):
        # On the new lists, inside the INSERT ... SELECT transaction: no reader has seen them yet.
        days = None if plan.full or not plan.rewritten else plan.rewritten
        return [check_result(name, v) for name, v in audits.top_list_verdicts(conn, days).items()]

    audit = PublishAudit(evaluate)
    if plan.wanted and not plan.rewritten:
        # The scores of every day are what was ranked: the lists stand. Checked as published (cheap).
        with publishing(context, audit), wh.engine.connect() as conn:
            audit(conn)
        write_metadata = {"rows_written": 0, "rows_replaced": 0}
    else:
        where = None if plan.full else {"forecast_date": Excluding(tuple(plan.kept))}
        with publishing(context, audit):
            write = wh.replace_from_select(
                top, query, where=where, run_id=context.run.run_id, audit=audit,
                then=lambda conn: incremental.record_versions(
                    conn, incremental.TOP_LISTS_TABLE, plan,
                    {day: rows for day, rows in incremental.day_counts(conn, top).items() if day in plan.rewritten},
                    context.run.run_id, now))
        write_metadata = write.as_metadata()
    preview = wh.read_select(
        sa.select(top.c.region_code, top.c.forecast_date, top.c.content_type_id, top.c.title, top.c.score,
                  top.c.grade)
        .where(province, top.c.rank == 1)
        .order_by(top.c.region_code, top.c.forecast_date, top.c.content_type_id).limit(20))
    return dg.MaterializeResult(
        metadata={"dagster/row_count": wh.row_count(top), **write_metadata,
                  "days_ranked": len(plan.rewritten), "days_unchanged": len(plan.kept),
                  "top_n": n,
                  "province_lists": wh.row_count(top, {"level": "province"}),
                  "preview": dg.MetadataValue.md(markdown_preview(preview, rows=20))},
        check_results=audit.results,
    )

"""Weather-aware recommendations: a score per destination and day, and top lists per region."""

import json

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.checks import PublishAudit, audited_asset, check_result, publishing
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
    from weather_flick_batch.recommendations.hazards import apply_hazards
    from weather_flick_batch.recommendations.transform import ScoreSummary, score_batches
    from weather_flick_batch.warehouse import schema

    wh = warehouse.get()
    # Only the columns scoring needs: the catalogue's text columns would be most of the memory.
    destinations = wh.read_table(schema.destinations, {"is_active": True}, columns=DESTINATION_COLUMNS)
    cells = wh.read_table(schema.destination_forecast_cells, columns=["content_id", "nx", "ny", "point_id"])
    outlook = wh.read_table(schema.weather_daily_outlook)
    points = wh.read_table(schema.forecast_points, columns=["point_id", "nx", "ny"])
    # point_id says where each destination's weather came from; not its own cell when the cap left it out
    summary = ScoreSummary(own_point=dict(zip(cells["content_id"], cells["point_id"])))
    titles = destinations.set_index("content_id")["title"]
    simulated = bool(outlook["simulated"].any()) if len(outlook) else False
    now = now_kst()
    warnings, dust, read_hazards = hazards_in_force(wh, now.date())
    coastal = dict(zip(destinations["content_id"], coastal_places(destinations)))

    def batches():
        # A batch of destinations at a time, all written in one transaction: bounded memory, all-or-nothing.
        for scores in score_batches(destinations, cells, outlook, points):
            scores = apply_hazards(scores, warnings, dust, scores["content_id"].map(coastal).fillna(False),
                                   today=now.date())
            scores["simulated"] = simulated
            scores["as_of"] = now
            summary.add(scores, titles)
            yield scores

    def evaluate(_conn):
        # The stream has been consumed when this runs (inside the transaction, before the commit).
        verdicts = audits.score_verdicts(summary, destinations["content_id"], len(destinations))
        return [check_result(name, v) for name, v in verdicts.items()]

    audit = PublishAudit(evaluate)
    with publishing(context, audit):
        write = wh.replace_stream(schema.destination_weather_scores, batches(), run_id=context.run.run_id,
                                  audit=audit)
    # Warnings or fine dust that changed while the country was being scored would otherwise wait for the
    # next change: automation counts this run as having handled them. Score again with what is in force.
    if hazards_in_force(wh, now.date())[2] != read_hazards:
        context.log.warning("the warnings or fine dust in force changed during scoring: scoring again")
        raise dg.RetryRequested(max_retries=3, seconds_to_wait=1)

    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": summary.rows,
            **write.as_metadata(),
            "destinations_scored": summary.destinations,
            "scored_from_nearest_point": summary.from_nearest,
            "mean_score": summary.mean(summary.score_sum),
            "share_good_or_better": round(summary.mean(summary.good_or_better), 4),
            "mean_confidence": summary.mean(summary.confidence_sum),
            "grades": json.dumps(dict(summary.grades)),
            "warnings_in_force": len(warnings),
            "under_warning_today": summary.under_warning,
            "capped_by_warning_today": summary.capped_by_warning,
            "lowered_by_fine_dust": summary.dust_lowered,
            "top_today_per_region": dg.MetadataValue.md(markdown_preview(summary.top_today_frame(), rows=17)),
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

    from weather_flick_batch.recommendations.transform import top_n_query
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.warehouse.types import AwareDateTime

    wh = warehouse.get()
    n = settings.get("WEATHER_FLICK_TOP_N")
    # Ranked and written inside the database (INSERT ... SELECT): no score row travels through Python.
    query = top_n_query(n).add_columns(sa.bindparam("as_of", now_kst(), type_=AwareDateTime()).label("as_of"))
    top = schema.regional_recommendations
    province = top.c.level == "province"

    def evaluate(conn):
        # On the new lists, inside the INSERT ... SELECT transaction: no reader has seen them yet.
        return [check_result(name, v) for name, v in audits.top_list_verdicts(conn).items()]

    audit = PublishAudit(evaluate)
    with publishing(context, audit):
        write = wh.replace_from_select(top, query, run_id=context.run.run_id, audit=audit)
    preview = wh.read_select(
        sa.select(top.c.region_code, top.c.forecast_date, top.c.content_type_id, top.c.title, top.c.score,
                  top.c.grade)
        .where(province, top.c.rank == 1)
        .order_by(top.c.region_code, top.c.forecast_date, top.c.content_type_id).limit(20))
    return dg.MaterializeResult(
        metadata={"dagster/row_count": write.rows_written, **write.as_metadata(),
                  "top_n": n,
                  "province_lists": wh.row_count(top, {"level": "province"}),
                  "preview": dg.MetadataValue.md(markdown_preview(preview, rows=20))},
        check_results=audit.results,
    )

"""Weather-aware recommendations: a score per destination and day, and top lists per region."""

import json

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.checks import check_result
from weather_flick_batch.core import quality
from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.policies import permanent_write_errors
from weather_flick_batch.resources.warehouse import WarehouseResource
from weather_flick_batch.warehouse import schema
from weather_flick_batch.warehouse.metadata import column_schema, markdown_preview
from weather_flick_batch.weather.assets import FOLLOWS_NEW_DATA

GROUP = "recommendations"
SCORES_KEY = dg.AssetKey(["recommendations", "destination_weather_scores"])
TOP_KEY = dg.AssetKey(["recommendations", "regional_recommendations"])
OUTLOOK_KEY = dg.AssetKey(["weather", "daily_outlook"])
HORIZON_DAYS = 10



@dg.asset(
    key=SCORES_KEY,
    group_name=GROUP,
    deps=[OUTLOOK_KEY, dg.AssetKey(["destinations", "catalogue"]), dg.AssetKey(["destinations", "forecast_cells"])],
    kinds={"python", "pandas", "sql"},
    automation_condition=FOLLOWS_NEW_DATA,
    description=(
        "A 0-100 weather suitability score for every active destination and each of the next 10 days, with a "
        "grade, a confidence that falls with lead time, and machine-readable reasons. Holiday Climate Index "
        "based (urban, beach, outdoor-active profiles); content type decides how much weather matters. "
        "Destinations in cells the forecast-point cap left out use the nearest forecast point."
    ),
    metadata={"dagster/column_schema": column_schema(schema.destination_weather_scores),
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
    from weather_flick_batch.recommendations.scoring import GRADE_BANDS
    from weather_flick_batch.recommendations.transform import score_destinations

    wh = warehouse.get()
    destinations = wh.read_table(schema.destinations, {"is_active": True})
    cells = wh.read_table(schema.destination_forecast_cells)
    outlook = wh.read_table(schema.weather_daily_outlook)
    points = wh.read_table(schema.forecast_points)
    scores = score_destinations(destinations, cells, outlook, points)
    # point_id says where each destination's weather came from; not its own cell when the cap left it out
    own_point = cells.set_index("content_id")["point_id"]
    from_nearest = int((scores.drop_duplicates("content_id").set_index("content_id")["point_id"]
                        != own_point.reindex(scores.drop_duplicates("content_id")["content_id"])).sum())
    now = now_kst()
    scores["simulated"] = bool(outlook["simulated"].any()) if len(outlook) else False
    scores["as_of"] = now
    with permanent_write_errors():
        write = wh.replace_rows(schema.destination_weather_scores, scores, run_id=context.run.run_id)

    bad_range = int((~scores["score"].between(0, 100) | scores["score"].isna()).sum())
    per_destination = scores.groupby("content_id")["forecast_date"].nunique()
    unscored = len(set(destinations["content_id"]) - set(per_destination.index))
    short = int((per_destination < HORIZON_DAYS).sum())

    def band(score: float) -> str:
        return next(name for floor, name in GRADE_BANDS if score >= floor)

    mismatched = int((scores["grade"] != scores["score"].map(band)).sum()) if len(scores) else 0
    good_share = float((scores["grade_rank"] >= 3).mean()) if len(scores) else 0.0
    today = scores[scores["lead_days"] == 0].merge(destinations[["content_id", "title"]], on="content_id")
    top_today = today.sort_values("score", ascending=False).groupby("region_code").head(1)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(scores),
            **write.as_metadata(),
            "destinations_scored": int(per_destination.size),
            "scored_from_nearest_point": from_nearest,
            "mean_score": float(scores["score"].mean()) if len(scores) else 0.0,
            "share_good_or_better": round(good_share, 4),
            "mean_confidence": float(scores["confidence"].mean()) if len(scores) else 0.0,
            "grades": json.dumps(scores["grade"].value_counts().to_dict()),
            "top_today_per_region": dg.MetadataValue.md(markdown_preview(
                top_today[["region_code", "title", "score", "grade", "reasons"]], rows=17)),
        },
        check_results=[
            check_result("scores_in_range", quality.Verdict(bad_range == 0, {"out_of_range": bad_range},
                                                       f"{bad_range} scores outside 0..100")),
            check_result("every_destination_every_day", quality.Verdict(
                unscored == 0 and short == 0,
                {"active_destinations": len(destinations), "unscored": unscored, "short_of_horizon": short},
                "every destination scored for the whole horizon" if unscored == 0 and short == 0
                else f"{unscored} unscored, {short} short of {HORIZON_DAYS} days")),
            check_result("grades_match_scores", quality.Verdict(mismatched == 0, {"mismatched": mismatched},
                                                           f"{mismatched} grades inconsistent")),
        ],
    )


@dg.asset(
    key=TOP_KEY,
    group_name=GROUP,
    deps=[SCORES_KEY],
    kinds={"python", "pandas", "sql"},
    automation_condition=FOLLOWS_NEW_DATA,
    description=(
        "Per province (district 0) and district, day and content type, the top N destinations by weather score "
        "(WEATHER_FLICK_TOP_N), ready for the WeatherFlick service to read."
    ),
    metadata={"dagster/column_schema": column_schema(schema.regional_recommendations),
              "dagster/table_name": "regional_recommendations"},
    check_specs=[dg.AssetCheckSpec("top_lists_not_empty", asset=TOP_KEY, blocking=True,
                                   description="Every region and day with scored destinations has a top list.")],
    code_version="1",
)
def regional_recommendations(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from weather_flick_batch.recommendations.transform import top_n

    wh = warehouse.get()
    scores = wh.read_table(schema.destination_weather_scores)
    destinations = wh.read_table(schema.destinations, {"is_active": True})
    top = top_n(scores, destinations, settings.get("WEATHER_FLICK_TOP_N"))
    top["as_of"] = now_kst()
    with permanent_write_errors():
        write = wh.replace_rows(schema.regional_recommendations, top, run_id=context.run.run_id)
    expected = scores[["region_code", "forecast_date"]].drop_duplicates()
    have = top[top["level"] == "province"][["region_code", "forecast_date"]].drop_duplicates()
    missing = len(expected.merge(have, how="left", indicator=True).query("_merge == 'left_only'"))
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(top), **write.as_metadata(),
                  "top_n": settings.get("WEATHER_FLICK_TOP_N"),
                  "province_lists": int((top["level"] == "province").sum()),
                  "preview": dg.MetadataValue.md(markdown_preview(
                      top[(top["level"] == "province") & (top["rank"] == 1)][
                          ["region_code", "forecast_date", "content_type_id", "title", "score", "grade"]], rows=20))},
        check_results=[check_result("top_lists_not_empty", quality.Verdict(
            missing == 0, {"region_days": len(expected), "missing": missing},
            "every region and day has a list" if missing == 0 else f"{missing} region-days without a list"))],
    )

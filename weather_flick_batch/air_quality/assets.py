"""Fine dust from AirKorea (한국환경공단): the daily forecast per issuance, the stations' current
measurements, and the grade of each place and day that recommendations read.

Thin Dagster layer: fetching, parsing and the daily grade live in the plain modules beside it.
Rows are audited before they are published (write-audit-publish), like every other table.
"""


import dagster as dg

from weather_flick_batch.air_quality import audits
from weather_flick_batch.air_quality.partitions import dust_forecast_partitions
from weather_flick_batch.air_quality.resources import AirKoreaResource
from weather_flick_batch.checks import PublishAudit, audited_asset, check_result, fatal_api_errors, publishing
from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.policies import network_step
from weather_flick_batch.resources.api import quota_ledger, raw_archive, response_cache
from weather_flick_batch.resources.redis import RedisResource
from weather_flick_batch.resources.s3 import S3StorageResource
from weather_flick_batch.resources.warehouse import WarehouseResource
# The warehouse tables (warehouse.schema, built with SQLAlchemy: ~0.2 s to import) are imported by the steps
# that use them, not at code-location load; the UI's column schemas are plain data (warehouse/columns.py).
from weather_flick_batch.warehouse.metadata import column_schema, markdown_preview
from weather_flick_batch.weather.assets import FOLLOWS_NEW_DATA

GROUP = "air_quality"
KINDS = {"python", "sql", "airkorea"}
FORECAST_KEY = dg.AssetKey(["air_quality", "dust_forecast"])
MEASUREMENTS_KEY = dg.AssetKey(["air_quality", "dust_measurements"])
GRADES_KEY = dg.AssetKey(["air_quality", "dust_grades"])
OWNERS = ["team:data-platform"]


def _source_label(simulated: bool) -> str:
    return "SIMULATED (offline AirKorea sample source)" if simulated else "AirKorea open API (live)"


def _source(airkorea: AirKoreaResource, redis: RedisResource, s3: S3StorageResource):
    return airkorea.source(response_cache(redis), raw_archive(s3), quota_ledger(redis))


def _results(verdicts: dict) -> list[dg.AssetCheckResult]:
    """An audits.*_verdicts dict (shared with the re-audit of what is published) as the gate's check results."""
    return [check_result(name, verdict) for name, verdict in verdicts.items()]


@audited_asset(
    key=FORECAST_KEY,
    group_name=GROUP,
    owners=OWNERS,
    partitions_def=dust_forecast_partitions,
    kinds=KINDS,
    **network_step("airkorea"),
    description=(
        "AirKorea's daily fine-dust forecast (getMinuDustFrcstDspth), one partition per issuance (05, 11, 17 "
        "and 23 h KST, available about 10 minutes later): the grade (좋음/보통/나쁨/매우나쁨) of PM10, PM2.5 "
        "and, in season, O3 for each of the 19 forecast regions and each target day. An issuance missing from "
        "the listing just after the hour is retried, never written as empty."
    ),
    metadata={"dagster/column_schema": column_schema("air_dust_forecast"),
              "dagster/table_name": "air_dust_forecast"},
    check_specs=[
        dg.AssetCheckSpec("forecast_every_region", asset=FORECAST_KEY, blocking=True,
                          description="PM10 and PM2.5 graded for all 19 forecast regions on every target day."),
        dg.AssetCheckSpec("forecast_unique_keys", asset=FORECAST_KEY, blocking=True,
                          description="One grade per pollutant, target day and region."),
    ],
    code_version="1",
)
def dust_forecast(context: dg.AssetExecutionContext, warehouse: WarehouseResource, airkorea: AirKoreaResource,
                  redis: RedisResource, s3: S3StorageResource) -> dg.MaterializeResult:
    from weather_flick_batch.air_quality import collect
    from weather_flick_batch.air_quality import issuance as I
    from weather_flick_batch.warehouse import schema

    base = I.issuance_from_partition_key(context.partition_key)
    source = _source(airkorea, redis, s3)
    with fatal_api_errors():
        collection = collect.collect_forecast(source, base, cache_ttl_s=I.forecast_cache_ttl_s(base.date(), now_kst()))
    now = now_kst()
    frame = collection.rows.assign(partition_issuance=base, simulated=source.simulated, loaded_at=now)

    audit = PublishAudit(lambda _conn: _results(audits.forecast_verdicts(frame)))
    with publishing(context, audit):
        write = warehouse.get().replace_rows(schema.air_dust_forecast, frame, where={"partition_issuance": base},
                                             run_id=context.run.run_id, audit=audit)
    overall = collection.texts[collection.texts["inform_code"] == "PM10"]["inform_overall"].dropna()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            **write.as_metadata(),
            **{k: v for k, v in collection.as_metadata().items() if isinstance(v, (int, float, str, bool))},
            **source.stats.as_metadata(),
            "source": _source_label(source.simulated),
            "grades": str(frame["grade"].value_counts().to_dict()),
            "overview_pm10": str(overall.iloc[0])[:500] if len(overall) else "",
            "preview": dg.MetadataValue.md(markdown_preview(frame.drop(columns=["loaded_at", "simulated"]))),
        },
        check_results=audit.results,
    )


@audited_asset(
    key=MEASUREMENTS_KEY,
    group_name=GROUP,
    owners=OWNERS,
    kinds=KINDS,
    **network_step("airkorea"),
    description=(
        "The current hour's measurements of every AirKorea monitoring station (getCtprvnRltmMesureDnsty, "
        "ver 1.3, all provinces): PM10 and PM2.5 1-hour and 24-hour values, 1-hour grades, CAI. Each station is "
        "assigned to its district by name (the API gives no address; unmatched stations count for their "
        "province only). A snapshot, replaced hourly."
    ),
    metadata={"dagster/column_schema": column_schema("air_dust_stations"),
              "dagster/table_name": "air_dust_stations"},
    check_specs=[
        dg.AssetCheckSpec("stations_every_province", asset=MEASUREMENTS_KEY, blocking=True,
                          description="At least one station with a PM grade in each of the 17 provinces."),
        dg.AssetCheckSpec("stations_unique_keys", asset=MEASUREMENTS_KEY, blocking=True,
                          description="One row per province, station and hour."),
    ],
    code_version="1",
)
def dust_measurements(context: dg.AssetExecutionContext, warehouse: WarehouseResource, airkorea: AirKoreaResource,
                      redis: RedisResource, s3: S3StorageResource) -> dg.MaterializeResult:
    from weather_flick_batch.air_quality import collect
    from weather_flick_batch.warehouse import schema

    source = _source(airkorea, redis, s3)
    with fatal_api_errors():
        collection = collect.collect_realtime(source, cache_ttl_s=600)
    frame = collection.rows.assign(simulated=source.simulated, loaded_at=now_kst())

    audit = PublishAudit(lambda _conn: _results(audits.stations_verdicts(frame)))
    with publishing(context, audit):
        write = warehouse.get().replace_rows(schema.air_dust_stations, frame, run_id=context.run.run_id, audit=audit)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            **write.as_metadata(),
            **{k: v for k, v in collection.as_metadata().items() if isinstance(v, (int, float, str, bool))},
            **source.stats.as_metadata(),
            "source": _source_label(source.simulated),
            "preview": dg.MetadataValue.md(markdown_preview(
                frame[["sido_name", "station_name", "sigungu_code", "data_time", "pm10_1h", "pm25_1h",
                       "pm_grade_1h"]])),
        },
        check_results=audit.results,
    )


@audited_asset(
    key=GRADES_KEY,
    group_name=GROUP,
    owners=OWNERS,
    deps=[FORECAST_KEY, MEASUREMENTS_KEY],
    kinds={"python", "sql", "pandas"},
    automation_condition=FOLLOWS_NEW_DATA,
    description=(
        "The fine-dust grade of each province and district for today and the forecast days: the worse of PM10 "
        "and PM2.5, from the newest forecast and, today, the stations' current 1-hour grades (the worse of "
        "forecast and measurement). District 0 is the province level. Outdoor recommendations are lowered on "
        "나쁨 and 매우나쁨 days (docs/scoring.md)."
    ),
    metadata={"dagster/column_schema": column_schema("air_dust_grades"),
              "dagster/table_name": "air_dust_grades"},
    check_specs=[dg.AssetCheckSpec("grades_today_every_province", asset=GRADES_KEY, blocking=True,
                                   description="Every province has a grade for today.")],
    code_version="1",
)
def dust_grades(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from weather_flick_batch.air_quality.daily import daily_grades
    from weather_flick_batch.air_quality.parsing import realtime_by_district
    from weather_flick_batch.warehouse import schema

    wh = warehouse.get()
    now = now_kst()
    today = now.date()
    forecast = wh.read_table(schema.air_dust_forecast)
    forecast = forecast[forecast["inform_date"] >= today] if len(forecast) else forecast
    stations = wh.read_table(schema.air_dust_stations)
    by_district = realtime_by_district(stations) if len(stations) else None
    frame = daily_grades(forecast if len(forecast) else None, by_district, today)
    simulated = bool(forecast["simulated"].any() if len(forecast) else False) or bool(
        stations["simulated"].any() if len(stations) else False)
    frame = frame.assign(simulated=simulated, loaded_at=now)

    audit = PublishAudit(lambda _conn: _results(audits.grades_verdicts(frame, today)))
    with publishing(context, audit):
        write = wh.replace_rows(schema.air_dust_grades, frame, run_id=context.run.run_id, audit=audit)
    bad = frame[frame["grade_code"] >= 3]
    from weather_flick_batch.air_quality.daily import dust_fingerprint

    fingerprint = dust_fingerprint(frame)
    return dg.MaterializeResult(
        data_version=dg.DataVersion(fingerprint),  # scores follow a change of grades, not every hourly refresh
        metadata={
            "dagster/row_count": len(frame),
            **write.as_metadata(),
            "days": int(frame["forecast_date"].nunique()) if len(frame) else 0,
            "bad_or_worse_rows": len(bad),
            "grades_today": str(frame.loc[frame["forecast_date"] == today, "grade"].value_counts().to_dict()),
            "source": _source_label(simulated),
            "preview": dg.MetadataValue.md(markdown_preview(frame.drop(columns=["loaded_at", "simulated"]))),
        },
        check_results=audit.results,
    )

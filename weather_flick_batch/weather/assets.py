"""Weather assets from the KMA APIs: forecast points, nowcast, short- and medium-range forecasts,
and the daily outlook that downstream assets read.

The Dagster layer stays thin: fetching, parsing and quality rules live in plain modules.
Quality checks run inside each asset on the rows being written, before the transaction commits
(write-audit-publish): a blocking failure leaves the published rows as they were and stops
downstream assets before they read poisoned data.
"""

from typing import Any

import dagster as dg

from weather_flick_batch.checks import PublishAudit, check_result, fatal_api_errors, publishing
from weather_flick_batch.core import quality
from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.policies import NETWORK_RETRY, NETWORK_TAG
from weather_flick_batch.resources.api import quota_ledger, raw_archive, response_cache
from weather_flick_batch.resources.redis import RedisResource
from weather_flick_batch.resources.s3 import S3StorageResource
from weather_flick_batch.resources.warehouse import WarehouseResource
from weather_flick_batch.warehouse import schema
from weather_flick_batch.warehouse.metadata import column_schema, markdown_preview
from weather_flick_batch.weather.partitions import (
    mid_range_partitions,
    nowcast_partitions,
    short_range_partitions,
    ultra_short_partitions,
)
from weather_flick_batch.weather.resources import KmaResource

GROUP = "weather"
KINDS = {"python", "sql", "kma"}

POINTS_KEY = dg.AssetKey(["weather", "forecast_points"])
NOWCAST_KEY = dg.AssetKey(["weather", "nowcast"])
SHORT_RANGE_KEY = dg.AssetKey(["weather", "short_range_forecast"])
MID_LAND_KEY = dg.AssetKey(["weather", "mid_land_forecast"])
MID_TA_KEY = dg.AssetKey(["weather", "mid_temperature_forecast"])
OUTLOOK_KEY = dg.AssetKey(["weather", "daily_outlook"])
ULTRA_SHORT_KEY = dg.AssetKey(["weather", "ultra_short_forecast"])
NEXT_HOURS_KEY = dg.AssetKey(["weather", "next_hours"])

SHORT_RANGE_VARIABLES = {
    "tmp_c": "temperature", "tmn_c": "temperature", "tmx_c": "temperature", "pop_pct": "probability",
    "pcp_mm": "precipitation", "sno_cm": "snow", "reh_pct": "humidity", "wsd_ms": "wind", "vec_deg": "direction",
}
ULTRA_SHORT_VARIABLES = {"t1h_c": "temperature", "rn1_mm": "precipitation", "reh_pct": "humidity",
                         "wsd_ms": "wind", "vec_deg": "direction"}
NOWCAST_VARIABLES = {"t1h_c": "temperature", "rn1_mm": "precipitation", "reh_pct": "humidity", "wsd_ms": "wind",
                     "vec_deg": "direction"}
# A short-range issuance covers at least through the end of the day after tomorrow (>= 49 h).
SHORT_RANGE_MIN_HOURS = 49


def _check(name: str, asset_key: dg.AssetKey, description: str, blocking: bool = True) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name=name, asset=asset_key, description=description, blocking=blocking)


def _source_label(simulated: bool) -> str:
    return "SIMULATED (offline KMA sample source)" if simulated else "KMA open API (live)"


def _ttl_until(next_publication) -> int:
    """Cache responses until the next issuance is out (at least a minute)."""
    return max(60, int((next_publication - now_kst()).total_seconds()))


def _fetch_issuance(context, kma: KmaResource, redis: RedisResource, s3: S3StorageResource, kind: str,
                    units: list, fetch, parse):
    """The partition's issuance for every unit (cell or region): source, servability, cache TTL, collect.

    ``fetch(source, base, unit, ttl)`` returns a payload, ``parse(payload, unit, base)`` a ParseResult.
    """
    from weather_flick_batch.weather import issuance
    from weather_flick_batch.weather.collect import collect

    base_of, next_publication, previous = {
        "nowcast": (issuance.nowcast_base_from_partition_key, issuance.next_nowcast_publication,
                    issuance.previous_nowcast_issuance),
        "short_range": (issuance.short_range_base_from_partition_key, issuance.next_short_range_publication,
                        issuance.previous_short_range_issuance),
        "mid_range": (issuance.mid_range_base_from_partition_key, issuance.next_mid_range_publication,
                      issuance.previous_mid_range_issuance),
        "ultra_short": (issuance.ultra_short_base_from_partition_key, issuance.next_ultra_short_publication,
                        issuance.previous_ultra_short_issuance),
    }[kind]
    base = base_of(context.partition_key)
    source = kma.source(response_cache(redis), raw_archive(s3), quota_ledger(redis))
    _ensure_servable(source, base, kind)
    ttl = _ttl_until(next_publication(now_kst()))
    with fatal_api_errors():
        frame, report = collect(units, base, fetch=lambda b, u: fetch(source, b, u, ttl), parse=parse,
                                previous=previous, max_workers=kma.max_concurrency)
    return base, source, frame, report


def _cells(points) -> list[tuple[int, int]]:
    return list(zip(points["nx"].astype(int), points["ny"].astype(int)))


def _ensure_servable(source, base, kind: str) -> None:
    """Live KMA serves only about the last day: refuse older partitions with one clear line.

    An issuance not published yet is left to KMA: its NODATA answer triggers the documented
    fallback to the previous issuance. The sample source serves any time.
    """
    from weather_flick_batch.weather import issuance

    if source.simulated:
        return
    try:
        issuance.check_servable(base, now_kst(), kind)
    except issuance.IssuanceNotPublishedError:
        pass
    except issuance.IssuanceTooOldError as exc:
        raise dg.Failure(str(exc), allow_retries=False) from None


def _points(warehouse: WarehouseResource):
    points = warehouse.get().read_table(schema.forecast_points)
    if points.empty:
        raise dg.Failure("no forecast points yet: materialize weather/forecast_points first", allow_retries=False)
    return points


# -- forecast points ----------------------------------------------------------------------------
@dg.asset(
    key=POINTS_KEY,
    group_name=GROUP,
    deps=["regions", dg.AssetKey(["destinations", "forecast_cells"])],
    kinds={"python", "sql"},
    description=(
        "The distinct KMA grid cells asked about per issuance: the 17 province points plus the cells of "
        "active destinations, deduplicated (calls per issuance = distinct cells, the floor), capped by "
        "WEATHER_FLICK_KMA_MAX_POINTS with what the cap left out in the metadata."
    ),
    metadata={"dagster/column_schema": column_schema(schema.forecast_points), "dagster/table_name": "forecast_points"},
    check_specs=[_check("points_cover_every_province", POINTS_KEY,
                        "All 17 province points present, point ids unique, every cell on the KMA grid.")],
    code_version="1",
)
def forecast_points(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                    kma: KmaResource) -> dg.MaterializeResult:
    from weather_flick_batch.weather.points import build_forecast_points

    wh = warehouse.get()
    wh.ensure_schema()
    regions = wh.read_table(schema.province_catalogue)
    cells = destination_cells(wh)
    result = build_forecast_points(regions, cells, max_points=kma.max_points)
    frame = result.points.assign(updated_at=now_kst())
    audit = PublishAudit(lambda _conn: [check_result("points_cover_every_province", quality.forecast_points_valid(
        frame, regions["region_code"]))])
    with publishing(context, audit):
        write = wh.replace_rows(schema.forecast_points, frame, run_id=context.run.run_id, audit=audit)
    meta: dict[str, Any] = {
        "dagster/row_count": len(frame),
        **write.as_metadata(),
        "province_points": int((frame["kind"] == "province").sum()),
        "destination_cells": int((frame["kind"] == "destinations").sum()),
        "left_out_by_cap": len(result.left_out),
        "summary": result.summary,
        "preview": dg.MetadataValue.md(markdown_preview(frame.drop(columns=["updated_at"]))),
    }
    if not result.left_out.empty:
        meta["left_out_cells"] = ", ".join(result.left_out["point_id"].head(50))
    return dg.MaterializeResult(metadata=meta, check_results=audit.results)


def destination_cells(wh):
    """Active destinations per KMA cell (from destinations/forecast_cells)."""
    import pandas as pd
    import sqlalchemy as sa

    cells, dest = schema.destination_forecast_cells, schema.destinations
    stmt = (sa.select(cells.c.nx, cells.c.ny, sa.func.min(cells.c.region_code).label("region_code"),
                      sa.func.count().label("destinations"))
            .select_from(cells.join(dest, dest.c.content_id == cells.c.content_id))
            .where(dest.c.is_active.is_(True))
            .group_by(cells.c.nx, cells.c.ny))
    with wh.engine.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).fetchall(), columns=["nx", "ny", "region_code", "destinations"])


# -- nowcast ------------------------------------------------------------------------------------
@dg.asset(
    key=NOWCAST_KEY,
    group_name=GROUP,
    deps=[POINTS_KEY],
    partitions_def=nowcast_partitions,
    kinds=KINDS,
    pool="kma_api",
    retry_policy=NETWORK_RETRY,
    tags={NETWORK_TAG: "kma"},
    description=(
        "Current conditions (KMA ultra-short nowcast, getUltraSrtNcst) at every forecast point, one partition "
        "per hour (Asia/Seoul). Also the 'observed' side of forecast verification."
    ),
    metadata={"dagster/column_schema": column_schema(schema.weather_nowcast), "dagster/table_name": "weather_nowcast"},
    check_specs=[
        _check("nowcast_values_in_range", NOWCAST_KEY, "Temperature, rain, humidity, wind within physical ranges."),
        _check("nowcast_every_point", NOWCAST_KEY, "Every forecast point has an observation."),
        _check("nowcast_unique_keys", NOWCAST_KEY, "One row per point and hour."),
    ],
    code_version="1",
)
def nowcast(context: dg.AssetExecutionContext, warehouse: WarehouseResource, kma: KmaResource,
            redis: RedisResource, s3: S3StorageResource):
    from weather_flick_batch.weather.parsing import parse_ultra_short_nowcast

    points = _points(warehouse)
    base, source, frame, report = _fetch_issuance(
        context, kma, redis, s3, "nowcast", _cells(points),
        fetch=lambda src, b, u, ttl: src.nowcast(b, u[0], u[1], cache_ttl_s=ttl),
        parse=lambda payload, u, b: parse_ultra_short_nowcast(payload),
    )
    return _write_weather(context, warehouse, schema.weather_nowcast, frame, {"partition_hour": base},
                          source, report, checks=[
                              ("nowcast_values_in_range", lambda f: quality.values_in_range(f, NOWCAST_VARIABLES)),
                              ("nowcast_every_point", lambda f: quality.every_unit_present(f, ["nx", "ny"], points)),
                              ("nowcast_unique_keys", lambda f: quality.unique_keys(f, ["partition_hour", "nx", "ny"])),
                          ])


# -- short-range forecast -----------------------------------------------------------------------
@dg.asset(
    key=SHORT_RANGE_KEY,
    group_name=GROUP,
    deps=[POINTS_KEY],
    partitions_def=short_range_partitions,
    kinds=KINDS,
    pool="kma_api",
    retry_policy=NETWORK_RETRY,
    tags={NETWORK_TAG: "kma"},
    description=(
        "KMA short-range forecast (getVilageFcst), one partition per issuance (02, 05, ..., 23 h KST). One row "
        "per point and valid hour with issuance time, lead time and every variable as a column (PCP/SNO text "
        "forms parsed by one documented rule, +-900 missing markers dropped, wind components kept)."
    ),
    metadata={"dagster/column_schema": column_schema(schema.weather_short_range),
              "dagster/table_name": "weather_short_range"},
    check_specs=[
        _check("short_range_values_in_range", SHORT_RANGE_KEY, "Every variable within physical ranges."),
        _check("short_range_complete", SHORT_RANGE_KEY,
               f"Every forecast point present, each with a gap-free hourly series of at least {SHORT_RANGE_MIN_HOURS} h."),
        _check("short_range_unique_keys", SHORT_RANGE_KEY, "One row per point and valid hour."),
        _check("short_range_max_ge_min", SHORT_RANGE_KEY, "Daily maximum (TMX) never below the minimum (TMN)."),
    ],
    code_version="1",
)
def short_range_forecast(context: dg.AssetExecutionContext, warehouse: WarehouseResource, kma: KmaResource,
                         redis: RedisResource, s3: S3StorageResource):
    from weather_flick_batch.weather.parsing import parse_short_range

    points = _points(warehouse)
    base, source, frame, report = _fetch_issuance(
        context, kma, redis, s3, "short_range", _cells(points),
        fetch=lambda src, b, u, ttl: src.short_range(b, u[0], u[1], cache_ttl_s=ttl),
        parse=lambda payload, u, b: parse_short_range(payload),
    )

    def max_ge_min(f):
        import pandas as pd

        daily = f.assign(day=f["valid_time"].dt.date).groupby(["nx", "ny", "day"]).agg(
            tmx=("tmx_c", "max"), tmn=("tmn_c", "min")).reset_index()
        return quality.max_not_below_min(pd.DataFrame(daily), "tmx", "tmn")

    return _write_weather(context, warehouse, schema.weather_short_range, frame, {"partition_issuance": base},
                          source, report, checks=[
                              ("short_range_values_in_range",
                               lambda f: quality.values_in_range(f, SHORT_RANGE_VARIABLES)),
                              ("short_range_complete", lambda f: _complete(f, points)),
                              ("short_range_unique_keys",
                               lambda f: quality.unique_keys(f, ["partition_issuance", "nx", "ny", "valid_time"])),
                              ("short_range_max_ge_min", max_ge_min),
                          ])


def _complete(frame, points) -> quality.Verdict:
    present = quality.every_unit_present(frame, ["nx", "ny"], points)
    series = quality.hourly_series_complete(frame, ["nx", "ny"], "valid_time", SHORT_RANGE_MIN_HOURS)
    return quality.Verdict(present.passed and series.passed, {**present.metadata, **series.metadata},
                           f"{present.description}; {series.description}")


# -- ultra-short forecast (the next six hours) ---------------------------------------------------
@dg.asset(
    key=ULTRA_SHORT_KEY,
    group_name=GROUP,
    deps=[POINTS_KEY],
    partitions_def=ultra_short_partitions,
    kinds=KINDS,
    pool="kma_api",
    retry_policy=NETWORK_RETRY,
    tags={NETWORK_TAG: "kma"},
    description=(
        "KMA ultra-short forecast (getUltraSrtFcst), one partition per hourly issuance (base HH:30 KST, published "
        "about HH:45): temperature, rain (KMA's category text parsed by the PCP rule), sky, precipitation type, "
        "humidity, wind and lightning for the next six hours at every forecast point."
    ),
    metadata={"dagster/column_schema": column_schema(schema.weather_ultra_short),
              "dagster/table_name": "weather_ultra_short"},
    check_specs=[
        _check("ultra_short_values_in_range", ULTRA_SHORT_KEY, "Every variable within physical ranges."),
        _check("ultra_short_every_point", ULTRA_SHORT_KEY, "Every forecast point has a forecast."),
        _check("ultra_short_unique_keys", ULTRA_SHORT_KEY, "One row per point and valid hour."),
    ],
    code_version="1",
)
def ultra_short_forecast(context: dg.AssetExecutionContext, warehouse: WarehouseResource, kma: KmaResource,
                         redis: RedisResource, s3: S3StorageResource):
    from weather_flick_batch.weather.parsing import parse_ultra_short_forecast

    points = _points(warehouse)
    base, source, frame, report = _fetch_issuance(
        context, kma, redis, s3, "ultra_short", _cells(points),
        fetch=lambda src, b, u, ttl: src.ultra_short(b, u[0], u[1], cache_ttl_s=ttl),
        parse=lambda payload, u, b: parse_ultra_short_forecast(payload),
    )
    return _write_weather(context, warehouse, schema.weather_ultra_short, frame, {"partition_base": base},
                          source, report, checks=[
                              ("ultra_short_values_in_range",
                               lambda f: quality.values_in_range(f, ULTRA_SHORT_VARIABLES)),
                              ("ultra_short_every_point", lambda f: quality.every_unit_present(f, ["nx", "ny"], points)),
                              ("ultra_short_unique_keys",
                               lambda f: quality.unique_keys(f, ["partition_base", "nx", "ny", "valid_time"])),
                          ])


@dg.asset(
    key=NEXT_HOURS_KEY,
    group_name=GROUP,
    deps=[POINTS_KEY, ULTRA_SHORT_KEY],
    kinds={"python", "sql", "pandas"},
    automation_condition=None,  # set below, after FOLLOWS_NEW_DATA is defined
    description=(
        "The next six hours at every forecast point, hour by hour, from the newest ultra-short forecast: "
        "temperature, rain, sky and precipitation type in words (Korean, as KMA says them), humidity, wind "
        "and lightning. What a traveller reads as 'the next few hours'; the service reads it."
    ),
    metadata={"dagster/column_schema": column_schema(schema.weather_next_hours),
              "dagster/table_name": "weather_next_hours"},
    check_specs=[
        _check("next_hours_every_point", NEXT_HOURS_KEY, "Every forecast point has the hours ahead."),
        _check("next_hours_fresh", NEXT_HOURS_KEY,
               "The ultra-short issuance is at most three hours old (the next hours are still ahead)."),
    ],
    code_version="1",
)
def next_hours(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from weather_flick_batch.weather.next_hours import build_next_hours

    wh = warehouse.get()
    points = wh.read_table(schema.forecast_points)
    newest = wh.newest_value(schema.weather_ultra_short, "partition_base")
    if newest is None:
        raise dg.Failure("no ultra-short forecast in the warehouse yet: materialize weather/ultra_short_forecast "
                         "first", allow_retries=False)
    ultra = wh.read_table(schema.weather_ultra_short, {"partition_base": newest})
    now = now_kst()
    frame = build_next_hours(ultra, points, now)
    frame["simulated"] = bool(ultra["simulated"].any()) if len(ultra) else False
    frame["loaded_at"] = now
    age_h = (now - newest).total_seconds() / 3600

    def evaluate(_conn):
        missing = sorted(set(points["point_id"]) - set(frame["point_id"]))
        return [
            check_result("next_hours_every_point", quality.Verdict(
                not missing, {"points": len(points), "points_missing": len(missing)},
                "every point has hours ahead" if not missing else
                f"{len(missing)} points have no hours ahead (e.g. {', '.join(missing[:5])})")),
            check_result("next_hours_fresh", quality.Verdict(
                age_h <= 3, {"issuance": newest.isoformat(), "age_hours": round(age_h, 2)},
                f"issuance {newest:%Y-%m-%d %H:%M} KST is {age_h:.1f} h old")),
        ]

    audit = PublishAudit(evaluate)
    with publishing(context, audit):
        write = wh.replace_rows(schema.weather_next_hours, frame, run_id=context.run.run_id, audit=audit)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            **write.as_metadata(),
            "issuance": newest.isoformat(),
            "points": int(frame["point_id"].nunique()),
            "rain_hours": int((frame["rn1_mm"].fillna(0) > 0).sum()),
            "source": _source_label(bool(frame["simulated"].any()) if len(frame) else False),
            "preview": dg.MetadataValue.md(markdown_preview(frame.drop(columns=["loaded_at"]).round(
                {c: 1 for c in ("t1h_c", "rn1_mm", "reh_pct", "wsd_ms", "vec_deg")}))),
        },
        check_results=audit.results,
    )


# -- medium range -------------------------------------------------------------------------------
def _mid_asset(key: dg.AssetKey, table, operation: str, parse_name: str, reg_column: str, description: str,
               variables: dict[str, str], extra_checks: list):
    check_prefix = key.path[-1]

    @dg.asset(
        key=key,
        group_name=GROUP,
        deps=[POINTS_KEY],
        partitions_def=mid_range_partitions,
        kinds=KINDS,
        pool="kma_api",
        retry_policy=NETWORK_RETRY,
        tags={NETWORK_TAG: "kma"},
        description=description,
        metadata={"dagster/column_schema": column_schema(table), "dagster/table_name": table.name},
        check_specs=[
            _check(f"{check_prefix}_values_in_range", key, "Values within physical ranges."),
            _check(f"{check_prefix}_every_region", key, "Every region used by a forecast point, days 3..10."),
            _check(f"{check_prefix}_unique_keys", key, "One row per region and forecast date."),
            *[_check(f"{check_prefix}_{name}", key, desc) for name, desc, _ in extra_checks],
        ],
        code_version="1",
        op_tags={"weather_flick/op": check_prefix},
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource, kma: KmaResource,
               redis: RedisResource, s3: S3StorageResource):
        import pandas as pd

        from weather_flick_batch.weather import parsing

        points = _points(warehouse)
        regions = sorted(points[reg_column].unique())
        fetch_fn = operation  # the KmaSource method name
        parse_fn = getattr(parsing, parse_name)
        tm_fc, source, frame, report = _fetch_issuance(
            context, kma, redis, s3, "mid_range", regions,
            fetch=lambda src, b, reg, ttl: getattr(src, fetch_fn)(b, reg, cache_ttl_s=ttl),
            parse=lambda payload, reg, b: parse_fn(payload, reg, b),
        )
        expected = pd.DataFrame({"reg_id": regions})
        checks = [
            (f"{check_prefix}_values_in_range", lambda f: quality.values_in_range(f, variables)),
            (f"{check_prefix}_every_region", lambda f: quality.every_unit_present(f, ["reg_id"], expected)),
            (f"{check_prefix}_unique_keys",
             lambda f: quality.unique_keys(f, ["partition_tm_fc", "reg_id", "forecast_date"])),
            *[(f"{check_prefix}_{name}", fn) for name, _, fn in extra_checks],
        ]
        return _write_weather(context, warehouse, table, frame, {"partition_tm_fc": tm_fc}, source, report, checks)

    _asset.__name__ = check_prefix  # a distinct op name per asset
    return _asset


mid_land_forecast = _mid_asset(
    MID_LAND_KEY, schema.weather_mid_land, "mid_land", "parse_mid_land", "mid_land_reg_id",
    "KMA medium-range land forecast (getMidLandFcst): rain probability and sky text per land region for days "
    "3..10, one partition per issuance (06 and 18 h KST).",
    {"rain_prob_am": "probability", "rain_prob_pm": "probability", "rain_prob": "probability"}, [],
)
mid_temperature_forecast = _mid_asset(
    MID_TA_KEY, schema.weather_mid_ta, "mid_ta", "parse_mid_ta", "mid_ta_reg_id",
    "KMA medium-range temperature forecast (getMidTa): daily minimum and maximum per city for days 3..10, "
    "one partition per issuance (06 and 18 h KST).",
    {"ta_min_c": "temperature", "ta_max_c": "temperature"},
    [("max_ge_min", "Daily maximum never below the minimum.",
      lambda f: quality.max_not_below_min(f, "ta_max_c", "ta_min_c"))],
)


def _write_weather(context, warehouse: WarehouseResource, table, frame, where: dict, source, report, checks):
    """Label, write the partition in one transaction audited by the checks, report metadata."""
    loaded_at = now_kst()
    for column, value in where.items():
        frame[column] = value
    frame["simulated"] = source.simulated
    frame["loaded_at"] = loaded_at
    audit = PublishAudit(lambda _conn: [check_result(name, fn(frame)) for name, fn in checks])
    with publishing(context, audit):
        write = warehouse.get().replace_rows(table, frame, where=where, run_id=context.run.run_id, audit=audit)
    if report.fallback_note:
        context.log.warning(report.fallback_note)
    preview_cols = [c for c in frame.columns if c not in ("loaded_at", "simulated")][:12]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            **write.as_metadata(),
            **report.as_metadata(),
            **source.stats.as_metadata(),
            "source": _source_label(source.simulated),
            "preview": dg.MetadataValue.md(markdown_preview(frame[preview_cols])),
        },
        check_results=audit.results,
    )


# -- daily outlook ------------------------------------------------------------------------------
# Like AutomationCondition.eager(), without "no dependency partition missing": the forecasts are
# time-partitioned and most old partitions are never fetched, which would block eager() forever.
FOLLOWS_NEW_DATA = (
    (dg.AutomationCondition.newly_missing() | dg.AutomationCondition.any_deps_updated()).since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("follows new data")

def follows_new_data_or_changes_in(selection: dg.AssetSelection) -> dg.AutomationCondition:
    """FOLLOWS_NEW_DATA, except that the deps in ``selection`` (refreshed often, e.g. the warnings every
    10 minutes) count only when their data version changed (what is in force, not when it was read)."""
    return (
        (dg.AutomationCondition.newly_missing()
         | dg.AutomationCondition.any_deps_updated().ignore(selection)
         | dg.AutomationCondition.any_deps_match(dg.AutomationCondition.data_version_changed()).allow(selection)
         ).since_last_handled()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
    ).with_label("follows new data, and changes in warnings or fine dust")


FOLLOWS_NEW_DATA_EXCEPT_HOURLY = (
    (dg.AutomationCondition.newly_missing()
     | dg.AutomationCondition.any_deps_updated().ignore(dg.AssetSelection.assets(ULTRA_SHORT_KEY))
     ).since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("follows new short- and medium-range forecasts")
next_hours = next_hours.with_attributes(automation_condition=FOLLOWS_NEW_DATA)

OUTLOOK_HORIZON_DAYS = 10


@dg.asset(
    key=OUTLOOK_KEY,
    group_name=GROUP,
    deps=[POINTS_KEY, SHORT_RANGE_KEY, MID_LAND_KEY, MID_TA_KEY, ULTRA_SHORT_KEY],
    kinds={"python", "sql", "pandas"},
    # A new ultra-short forecast every hour would rescore the whole country every hour: the outlook
    # follows the short- and medium-range issuances and takes the newest ultra-short one when it runs.
    automation_condition=FOLLOWS_NEW_DATA_EXCEPT_HOURLY,
    description=(
        "Daily outlook per forecast point for today and the next 9 days (KST): max/min temperature, humidity, "
        "cloud cover, rain probability and amount, wind. Short-range where it covers the day, medium-range "
        "beyond; the source of each row is recorded. This is what recommendations read."
    ),
    metadata={"dagster/column_schema": column_schema(schema.weather_daily_outlook),
              "dagster/table_name": "weather_daily_outlook"},
    check_specs=[
        _check("outlook_full_horizon", OUTLOOK_KEY, "Every forecast point has every day of the 10-day horizon."),
        _check("outlook_values_in_range", OUTLOOK_KEY, "Values within physical ranges, no missing core values."),
        _check("outlook_max_ge_min", OUTLOOK_KEY, "Daily maximum never below the minimum."),
    ],
    code_version="1",
)
def daily_outlook(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    import pandas as pd
    import sqlalchemy as sa

    from weather_flick_batch.weather.outlook import build_daily_outlook

    wh = warehouse.get()
    points = wh.read_table(schema.forecast_points)
    now = now_kst()
    today = now.date()

    def latest(table, column, n: int):
        with wh.engine.connect() as conn:
            keys = [r[0] for r in conn.execute(
                sa.select(table.c[column]).distinct().order_by(table.c[column].desc()).limit(n))]
        if not keys:
            return pd.DataFrame(), []
        frames = [wh.read_table(table, {column: k}) for k in keys]
        return pd.concat(frames, ignore_index=True), keys

    # The two newest short-range issuances: the newest wins per hour, the older fills early hours.
    short, short_keys = latest(schema.weather_short_range, "partition_issuance", 2)
    land, land_keys = latest(schema.weather_mid_land, "partition_tm_fc", 1)
    ta, _ = latest(schema.weather_mid_ta, "partition_tm_fc", 1)
    ultra, ultra_keys = latest(schema.weather_ultra_short, "partition_base", 1)
    if short.empty and land.empty:
        raise dg.Failure("no forecasts in the warehouse yet: materialize weather/short_range_forecast and the "
                         "medium-range forecasts first", allow_retries=False)
    simulated = bool(pd.concat([short.get("simulated", pd.Series(dtype=bool)),
                                land.get("simulated", pd.Series(dtype=bool))]).any())
    outlook = build_daily_outlook(short, land, ta, points, today, horizon_days=OUTLOOK_HORIZON_DAYS,
                                  ultra_df=ultra if len(ultra) else None)
    outlook["as_of"] = now
    outlook["simulated"] = simulated
    outlook["loaded_at"] = now

    expected_rows = len(points) * OUTLOOK_HORIZON_DAYS
    coverage = outlook.groupby("point_id")["forecast_date"].nunique()
    short_points = int((coverage < OUTLOOK_HORIZON_DAYS).sum()) + len(set(points["point_id"]) - set(coverage.index))
    core = ["tmax_c", "tmin_c", "cloud_pct", "pop_max_pct", "precip_mm", "wind_max_ms"]
    nulls = int(outlook[core].isna().sum().sum())
    ranges = quality.values_in_range(outlook, {"tmax_c": "temperature", "tmin_c": "temperature",
                                               "rh_mean_pct": "humidity", "cloud_pct": "probability",
                                               "pop_max_pct": "probability", "precip_mm": "precipitation",
                                               "wind_max_ms": "wind"})

    def evaluate(_conn):
        return [
            check_result("outlook_full_horizon", quality.Verdict(
                short_points == 0 and len(outlook) == expected_rows,
                {"rows": len(outlook), "expected_rows": expected_rows, "points_short_of_horizon": short_points},
                "every point covers the horizon" if short_points == 0 else f"{short_points} points miss days")),
            check_result("outlook_values_in_range", quality.Verdict(
                ranges.passed and nulls == 0, {**ranges.metadata, "missing_core_values": nulls},
                ranges.description if nulls == 0 else f"{nulls} missing core values; {ranges.description}")),
            check_result("outlook_max_ge_min", quality.max_not_below_min(outlook, "tmax_c", "tmin_c")),
        ]

    audit = PublishAudit(evaluate)
    with publishing(context, audit):
        write = wh.replace_rows(schema.weather_daily_outlook, outlook, run_id=context.run.run_id, audit=audit)
    by_source = outlook["source"].value_counts().to_dict()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(outlook),
            **write.as_metadata(),
            "points": len(points),
            "horizon_days": OUTLOOK_HORIZON_DAYS,
            "rows_from_short_range": int(by_source.get("short_range", 0)),
            "rows_from_mid_range": int(by_source.get("mid_range", 0)),
            "short_range_issuances": ", ".join(k.isoformat() for k in short_keys),
            "mid_range_issuance": ", ".join(k.isoformat() for k in land_keys),
            "ultra_short_issuance": ", ".join(k.isoformat() for k in ultra_keys) or "none",
            "hours_from_ultra_short": int(outlook["ultra_short_hours"].sum()),
            "source": _source_label(simulated),
            "mean_tmax_c": float(outlook["tmax_c"].mean()) if len(outlook) else 0.0,
            "preview": dg.MetadataValue.md(markdown_preview(outlook.drop(columns=["as_of", "loaded_at"]))),
        },
        check_results=audit.results,
    )

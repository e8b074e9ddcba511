"""Weather assets from the KMA APIs: forecast points, nowcast, short- and medium-range forecasts,
and the daily outlook that downstream assets read.

The Dagster layer stays thin: fetching, parsing and quality rules live in plain modules.
Quality checks run inside each asset on the rows being written, before the transaction commits
(write-audit-publish): a blocking failure leaves the published rows as they were and stops
downstream assets before they read poisoned data.
"""

from typing import Any

import dagster as dg

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
from weather_flick_batch.weather import audits
from weather_flick_batch.weather.issuance import MID_RANGE, NOWCAST, SHORT_RANGE, ULTRA_SHORT, IssuanceKind
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

# The checks' computations live in weather/audits.py (Dagster-free): the gates below and the re-audit of
# what is published (PUBLISHED_AUDITS, `make checks`) call the same functions.
SHORT_RANGE_MIN_HOURS = audits.SHORT_RANGE_MIN_HOURS


def _check(name: str, asset_key: dg.AssetKey, description: str, blocking: bool = True) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name=name, asset=asset_key, description=description, blocking=blocking)


def _results(verdicts: dict) -> list[dg.AssetCheckResult]:
    """An audits.*_verdicts dict as the gate's check results, in the order of the asset's check specs."""
    return [check_result(name, verdict) for name, verdict in verdicts.items()]


def _source_label(simulated: bool) -> str:
    return "SIMULATED (offline KMA sample source)" if simulated else "KMA open API (live)"


def _ttl_until(next_publication) -> int:
    """Cache responses until the next issuance is out (at least a minute)."""
    return max(60, int((next_publication - now_kst()).total_seconds()))


def _fetch_issuance(context, kma: KmaResource, redis: RedisResource, s3: S3StorageResource, kind: IssuanceKind,
                    units: list, fetch, parse):
    """The partition's issuance for every unit (cell or region): source, servability, cache TTL, collect.

    ``kind`` (NOWCAST, SHORT_RANGE, ...) turns the partition key into the base time and knows the next
    publication and the previous issuance. ``fetch(source, base, unit, ttl)`` returns a payload,
    ``parse(payload, unit, base)`` a ParseResult.
    """
    from weather_flick_batch.weather.collect import collect

    base = kind.base_from_partition_key(context.partition_key)
    source = kma.source(response_cache(redis), raw_archive(s3), quota_ledger(redis))
    _ensure_servable(source, base, kind)
    ttl = _ttl_until(kind.next_publication(now_kst()))
    with fatal_api_errors():
        frame, report = collect(units, base, fetch=lambda b, u: fetch(source, b, u, ttl), parse=parse,
                                previous=kind.previous, max_workers=kma.max_concurrency)
    return base, source, frame, report


def _cells(points) -> list[tuple[int, int]]:
    return list(zip(points["nx"].astype(int), points["ny"].astype(int)))


def _ensure_servable(source, base, kind: IssuanceKind) -> None:
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
    from weather_flick_batch.warehouse import schema

    points = warehouse.get().read_table(schema.forecast_points)
    if points.empty:
        raise dg.Failure("no forecast points yet: materialize weather/forecast_points first", allow_retries=False)
    return points


# -- forecast points ----------------------------------------------------------------------------
@audited_asset(
    key=POINTS_KEY,
    group_name=GROUP,
    deps=["regions", dg.AssetKey(["destinations", "forecast_cells"])],
    kinds={"python", "sql"},
    description=(
        "The distinct KMA grid cells asked about per issuance: the 17 province points plus the cells of "
        "active destinations, deduplicated (calls per issuance = distinct cells, the floor), capped by "
        "WEATHER_FLICK_KMA_MAX_POINTS with what the cap left out in the metadata."
    ),
    metadata={"dagster/column_schema": column_schema("forecast_points"), "dagster/table_name": "forecast_points"},
    check_specs=[_check("points_cover_every_province", POINTS_KEY,
                        "All 17 province points present, point ids unique, every cell on the KMA grid.")],
    code_version="1",
)
def forecast_points(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                    kma: KmaResource) -> dg.MaterializeResult:
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.weather.points import build_forecast_points

    wh = warehouse.get()
    wh.ensure_schema()
    regions = wh.read_table(schema.province_catalogue)
    cells = destination_cells(wh)
    result = build_forecast_points(regions, cells, max_points=kma.max_points)
    frame = result.points.assign(updated_at=now_kst())
    audit = PublishAudit(lambda _conn: _results(audits.points_verdicts(frame, regions["region_code"])))
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

    from weather_flick_batch.warehouse import schema

    cells, dest = schema.destination_forecast_cells, schema.destinations
    stmt = (sa.select(cells.c.nx, cells.c.ny, sa.func.min(cells.c.region_code).label("region_code"),
                      sa.func.count().label("destinations"))
            .select_from(cells.join(dest, dest.c.content_id == cells.c.content_id))
            .where(dest.c.is_active.is_(True))
            .group_by(cells.c.nx, cells.c.ny))
    with wh.engine.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).fetchall(), columns=["nx", "ny", "region_code", "destinations"])


# -- nowcast ------------------------------------------------------------------------------------
@audited_asset(
    key=NOWCAST_KEY,
    group_name=GROUP,
    deps=[POINTS_KEY],
    partitions_def=nowcast_partitions,
    kinds=KINDS,
    **network_step("kma"),
    description=(
        "Current conditions (KMA ultra-short nowcast, getUltraSrtNcst) at every forecast point, one partition "
        "per hour (Asia/Seoul). Also the 'observed' side of forecast verification."
    ),
    metadata={"dagster/column_schema": column_schema("weather_nowcast"), "dagster/table_name": "weather_nowcast"},
    check_specs=[
        _check("nowcast_values_in_range", NOWCAST_KEY, "Temperature, rain, humidity, wind within physical ranges."),
        _check("nowcast_every_point", NOWCAST_KEY, "Every forecast point has an observation."),
        _check("nowcast_unique_keys", NOWCAST_KEY, "One row per point and hour."),
    ],
    code_version="1",
)
def nowcast(context: dg.AssetExecutionContext, warehouse: WarehouseResource, kma: KmaResource,
            redis: RedisResource, s3: S3StorageResource):
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.weather.parsing import parse_ultra_short_nowcast

    points = _points(warehouse)
    base, source, frame, report = _fetch_issuance(
        context, kma, redis, s3, NOWCAST, _cells(points),
        fetch=lambda src, b, u, ttl: src.nowcast(b, u[0], u[1], cache_ttl_s=ttl),
        parse=lambda payload, u, b: parse_ultra_short_nowcast(payload),
    )
    return _write_weather(context, warehouse, schema.weather_nowcast, frame, {"partition_hour": base},
                          source, report, verdicts=lambda f: audits.nowcast_verdicts(f, points))


# -- short-range forecast -----------------------------------------------------------------------
@audited_asset(
    key=SHORT_RANGE_KEY,
    group_name=GROUP,
    deps=[POINTS_KEY],
    partitions_def=short_range_partitions,
    kinds=KINDS,
    **network_step("kma"),
    description=(
        "KMA short-range forecast (getVilageFcst), one partition per issuance (02, 05, ..., 23 h KST). One row "
        "per point and valid hour with issuance time, lead time and every variable as a column (PCP/SNO text "
        "forms parsed by one documented rule, +-900 missing markers dropped, wind components kept)."
    ),
    metadata={"dagster/column_schema": column_schema("weather_short_range"),
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
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.weather.parsing import parse_short_range

    points = _points(warehouse)
    base, source, frame, report = _fetch_issuance(
        context, kma, redis, s3, SHORT_RANGE, _cells(points),
        fetch=lambda src, b, u, ttl: src.short_range(b, u[0], u[1], cache_ttl_s=ttl),
        parse=lambda payload, u, b: parse_short_range(payload),
    )
    return _write_weather(context, warehouse, schema.weather_short_range, frame, {"partition_issuance": base},
                          source, report, verdicts=lambda f: audits.short_range_verdicts(f, points))


# -- ultra-short forecast (the next six hours) ---------------------------------------------------
@audited_asset(
    key=ULTRA_SHORT_KEY,
    group_name=GROUP,
    deps=[POINTS_KEY],
    partitions_def=ultra_short_partitions,
    kinds=KINDS,
    **network_step("kma"),
    description=(
        "KMA ultra-short forecast (getUltraSrtFcst), one partition per hourly issuance (base HH:30 KST, published "
        "about HH:45): temperature, rain (KMA's category text parsed by the PCP rule), sky, precipitation type, "
        "humidity, wind and lightning for the next six hours at every forecast point."
    ),
    metadata={"dagster/column_schema": column_schema("weather_ultra_short"),
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
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.weather.parsing import parse_ultra_short_forecast

    points = _points(warehouse)
    base, source, frame, report = _fetch_issuance(
        context, kma, redis, s3, ULTRA_SHORT, _cells(points),
        fetch=lambda src, b, u, ttl: src.ultra_short(b, u[0], u[1], cache_ttl_s=ttl),
        parse=lambda payload, u, b: parse_ultra_short_forecast(payload),
    )
    return _write_weather(context, warehouse, schema.weather_ultra_short, frame, {"partition_base": base},
                          source, report, verdicts=lambda f: audits.ultra_short_verdicts(f, points))


@audited_asset(
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
    metadata={"dagster/column_schema": column_schema("weather_next_hours"),
              "dagster/table_name": "weather_next_hours"},
    check_specs=[
        _check("next_hours_every_point", NEXT_HOURS_KEY, "Every forecast point has the hours ahead."),
        _check("next_hours_fresh", NEXT_HOURS_KEY,
               "The ultra-short issuance is at most three hours old (the next hours are still ahead)."),
    ],
    code_version="1",
)
def next_hours(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from weather_flick_batch.warehouse import schema
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

    audit = PublishAudit(lambda _conn: _results(audits.next_hours_verdicts(frame, points, newest, now)))
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
def _mid_asset(key: dg.AssetKey, table_name: str, fetch, parse, reg_column: str, description: str,
               verdicts, extra_checks: list[tuple[str, str]]):
    """``table_name``: the warehouse table written; ``fetch(source, tm_fc, reg_id, ttl)`` returns a region's
    payload, ``parse(payload, reg_id, tm_fc)`` its ParseResult; ``verdicts(frame, regions)``: the audits
    function of the gate; ``extra_checks``: (name, description) of its checks beyond the three every
    medium-range asset has."""
    check_prefix = key.path[-1]

    @audited_asset(
        key=key,
        group_name=GROUP,
        deps=[POINTS_KEY],
        partitions_def=mid_range_partitions,
        kinds=KINDS,
        **network_step("kma"),
        description=description,
        metadata={"dagster/column_schema": column_schema(table_name), "dagster/table_name": table_name},
        check_specs=[
            _check(f"{check_prefix}_values_in_range", key, "Values within physical ranges."),
            _check(f"{check_prefix}_every_region", key, "Every region used by a forecast point, days 3..10."),
            _check(f"{check_prefix}_unique_keys", key, "One row per region and forecast date."),
            *[_check(f"{check_prefix}_{name}", key, desc) for name, desc in extra_checks],
        ],
        code_version="1",
        op_tags={"weather_flick/op": check_prefix},
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource, kma: KmaResource,
               redis: RedisResource, s3: S3StorageResource):
        from weather_flick_batch.warehouse import schema

        points = _points(warehouse)
        regions = audits.mid_regions(points, reg_column)
        tm_fc, source, frame, report = _fetch_issuance(
            context, kma, redis, s3, MID_RANGE, regions, fetch=fetch, parse=parse,
        )
        return _write_weather(context, warehouse, schema.metadata.tables[table_name], frame,
                              {"partition_tm_fc": tm_fc}, source, report,
                              verdicts=lambda f: verdicts(f, regions))

    _asset.__name__ = check_prefix  # a distinct op name per asset
    return _asset


def _parse_mid_land(payload, reg_id, tm_fc):
    # Imported when a run parses: pandas stays out of the code location's load.
    from weather_flick_batch.weather.parsing import parse_mid_land

    return parse_mid_land(payload, reg_id, tm_fc)


def _parse_mid_ta(payload, reg_id, tm_fc):
    from weather_flick_batch.weather.parsing import parse_mid_ta

    return parse_mid_ta(payload, reg_id, tm_fc)


mid_land_forecast = _mid_asset(
    MID_LAND_KEY, "weather_mid_land",
    lambda src, tm_fc, reg, ttl: src.mid_land(tm_fc, reg, cache_ttl_s=ttl), _parse_mid_land, "mid_land_reg_id",
    "KMA medium-range land forecast (getMidLandFcst): rain probability and sky text per land region for days "
    "3..10, one partition per issuance (06 and 18 h KST).",
    audits.mid_land_verdicts, [],
)
mid_temperature_forecast = _mid_asset(
    MID_TA_KEY, "weather_mid_ta",
    lambda src, tm_fc, reg, ttl: src.mid_ta(tm_fc, reg, cache_ttl_s=ttl), _parse_mid_ta, "mid_ta_reg_id",
    "KMA medium-range temperature forecast (getMidTa): daily minimum and maximum per city for days 3..10, "
    "one partition per issuance (06 and 18 h KST).",
    audits.mid_temperature_verdicts, [("max_ge_min", "Daily maximum never below the minimum.")],
)


def _write_weather(context, warehouse: WarehouseResource, table, frame, where: dict, source, report, verdicts):
    """Label, write the partition in one transaction audited by ``verdicts(frame)`` (an audits function: the
    checks by name), report metadata."""
    loaded_at = now_kst()
    for column, value in where.items():
        frame[column] = value
    frame["simulated"] = source.simulated
    frame["loaded_at"] = loaded_at
    audit = PublishAudit(lambda _conn: _results(verdicts(frame)))
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

OUTLOOK_HORIZON_DAYS = audits.OUTLOOK_HORIZON_DAYS


def _persistence_issuance(wh, mid_tm_fc):
    """The short-range issuance the medium-range days' persistence fill comes from: the newest one held
    issued at or before the medium-range forecast (05:00 for 06:00, 17:00 for 18:00), else the oldest held
    after it; None when none is held. Fixed for as long as the medium-range forecast is, so the
    medium-range days do not change with every short-range issuance (recommendations/incremental.py)."""
    import sqlalchemy as sa

    from weather_flick_batch.warehouse import schema

    column = schema.weather_short_range.c.partition_issuance
    with wh.engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.max(column)).where(column <= mid_tm_fc)).scalar()
        if before is not None:
            return before
        return conn.execute(sa.select(sa.func.min(column)).where(column > mid_tm_fc)).scalar()


@audited_asset(
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
    metadata={"dagster/column_schema": column_schema("weather_daily_outlook"),
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

    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.weather.outlook import (LAND_NEEDED, PERSISTENCE_NEEDED, SHORT_NEEDED, TA_NEEDED,
                                                     ULTRA_NEEDED, build_daily_outlook)

    wh = warehouse.get()
    points = wh.read_table(schema.forecast_points)
    now = now_kst()
    today = now.date()

    def latest(table, column, n: int, needed):
        with wh.engine.connect() as conn:
            keys = [r[0] for r in conn.execute(
                sa.select(table.c[column]).distinct().order_by(table.c[column].desc()).limit(n))]
        if not keys:
            return pd.DataFrame(), []
        # Only the columns the outlook reads (half of the short-range table's: the wind components, wave
        # height, lead hours and load times are not), with the partition and whether it was simulated.
        columns = list(dict.fromkeys([column, *needed, "simulated"]))
        frames = [wh.read_table(table, {column: k}, columns=columns) for k in keys]
        return pd.concat(frames, ignore_index=True), keys

    # The two newest short-range issuances: the newest wins per hour, the older fills early hours.
    short, short_keys = latest(schema.weather_short_range, "partition_issuance", 2, SHORT_NEEDED)
    land, land_keys = latest(schema.weather_mid_land, "partition_tm_fc", 1, LAND_NEEDED)
    ta, _ = latest(schema.weather_mid_ta, "partition_tm_fc", 1, TA_NEEDED)
    ultra, ultra_keys = latest(schema.weather_ultra_short, "partition_base", 1, ULTRA_NEEDED)
    if short.empty and land.empty:
        raise dg.Failure("no forecasts in the warehouse yet: materialize weather/short_range_forecast and the "
                         "medium-range forecasts first", allow_retries=False)
    simulated = bool(pd.concat([short.get("simulated", pd.Series(dtype=bool)),
                                land.get("simulated", pd.Series(dtype=bool))]).any())
    anchor = _persistence_issuance(wh, land_keys[0]) if land_keys else None
    if anchor is None:
        persistence = None
    elif anchor in short_keys:
        persistence = short[short["partition_issuance"] == anchor]
    else:
        persistence = wh.read_table(schema.weather_short_range, {"partition_issuance": anchor},
                                    columns=list(PERSISTENCE_NEEDED))
    outlook = build_daily_outlook(short, land, ta, points, today, horizon_days=OUTLOOK_HORIZON_DAYS,
                                  ultra_df=ultra if len(ultra) else None, persistence_df=persistence)
    outlook["as_of"] = now
    outlook["simulated"] = simulated
    outlook["loaded_at"] = now

    audit = PublishAudit(lambda _conn: _results(audits.outlook_verdicts(outlook, points, OUTLOOK_HORIZON_DAYS)))
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
            "persistence_from_issuance": anchor.isoformat() if anchor is not None else "the short-range days",
            "ultra_short_issuance": ", ".join(k.isoformat() for k in ultra_keys) or "none",
            "hours_from_ultra_short": int(outlook["ultra_short_hours"].sum()),
            "source": _source_label(simulated),
            "mean_tmax_c": float(outlook["tmax_c"].mean()) if len(outlook) else 0.0,
            "preview": dg.MetadataValue.md(markdown_preview(outlook.drop(columns=["as_of", "loaded_at"]))),
        },
        check_results=audit.results,
    )

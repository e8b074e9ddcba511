"""KMA weather warnings (기상특보) as assets: the zone mapping, and the warnings in force every 10 minutes.

Thin Dagster layer over the plain modules beside it (codes, zones, parsing, client). The warnings
tables are replaced as a whole each refresh, audited before they are published; the data version is
a fingerprint of what the warnings do (weather_warnings.parsing.warnings_fingerprint), so scores and
trips are recomputed only when that changes.
"""


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
from weather_flick_batch.weather.resources import KmaResource
from weather_flick_batch.weather_warnings import audits

GROUP = "weather"
ZONES_KEY = dg.AssetKey(["weather", "warning_zones"])
WARNINGS_KEY = dg.AssetKey(["weather", "warnings"])
OWNERS = ["team:data-platform"]
LOOKBACK_DAYS = 3
WARNING_COLUMNS = ["area_name", "kind", "zone_id", "area_code", "stn_id", "is_sea", "kind_code", "level",
                   "level_rank", "command", "issued_at", "tm_seq", "start_time", "end_time", "source", "as_of"]
AREA_COLUMNS = ["region_code", "sigungu_code", "scope", "area_name", "kind", "level", "level_rank", "applies_to",
                "outdoor_effect", "coverage", "issued_at"]


@audited_asset(
    key=ZONES_KEY,
    group_name=GROUP,
    owners=OWNERS,
    deps=["regions", dg.AssetKey(["destinations", "districts"])],
    kinds={"python", "sql"},
    description=(
        "Which provinces and districts each KMA warning zone (특보구역) covers: land zones by district name and "
        "KMA's published splits (서울 4 권역, 부산/울산 동·서부, 제주 8 구역, 강원·경북 평지/산지 …), sea zones by the "
        "coast they touch, with the source of each row. Gaps (inferred 산지 membership, zone codes not yet filled "
        "in from KMA's Excel list) are in the note column and docs/warnings-and-dust.md."
    ),
    metadata={"dagster/column_schema": column_schema("weather_warning_zones"),
              "dagster/table_name": "weather_warning_zones"},
    check_specs=[dg.AssetCheckSpec("zones_cover_every_district", asset=ZONES_KEY, blocking=True,
                                   description="Every district of the catalogue is in at least one land zone.")],
    code_version="1",
)
def warning_zones(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.weather_warnings.zones import coverage_summary, zone_mapping_frame

    wh = warehouse.get()
    wh.ensure_schema()
    zones = zone_mapping_frame()
    frame = zones.assign(region_code=zones["region_code"].fillna(0).astype(int),
                         sigungu_code=zones["sigungu_code"].fillna(0).astype(int),
                         updated_at=now_kst())
    districts = wh.read_table(schema.districts, columns=["region_code", "sigungu_code"])
    # The check's computation is in weather_warnings/audits.py, shared with the re-audit of what is published.
    audit = PublishAudit(lambda _conn: [check_result(name, verdict) for name, verdict
                                        in audits.zones_verdicts(frame, districts).items()])
    with publishing(context, audit):
        write = wh.replace_rows(schema.weather_warning_zones, frame, run_id=context.run.run_id, audit=audit)
    summary = coverage_summary()
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(frame), **write.as_metadata(),
                  **{k: v for k, v in summary.items() if isinstance(v, (int, float, str, bool))},
                  "by_source": str(frame["source"].value_counts().to_dict()),
                  "preview": dg.MetadataValue.md(markdown_preview(frame.drop(columns=["updated_at"])))},
        check_results=audit.results,
    )


@audited_asset(
    key=WARNINGS_KEY,
    group_name=GROUP,
    owners=OWNERS,
    deps=[ZONES_KEY],
    kinds={"python", "sql", "kma"},
    **network_step("kma"),
    description=(
        "The KMA weather warnings (특보) in force now, refreshed every 10 minutes: the warning-code events of the "
        "last three days (getPwnCd: the newest event per zone and kind, lifted and cancelled ones dropped), "
        "completed and, if the events fail, replaced by the nationwide status text (getPwnStatus t6). One row per "
        "zone and kind, plus the provinces and districts each concerns (weather_warning_areas) with what it does "
        "to recommendations (cap, lower, reason only)."
    ),
    metadata={"dagster/column_schema": column_schema("weather_warnings"), "dagster/table_name": "weather_warnings"},
    check_specs=[
        dg.AssetCheckSpec("warnings_unique", asset=WARNINGS_KEY, blocking=True,
                          description="One row per zone and kind."),
        dg.AssetCheckSpec("warnings_zones_resolved", asset=WARNINGS_KEY, blocking=False,
                          description="Every land zone in force maps to a province (warns, naming unmapped zones)."),
    ],
    code_version="1",
)
def warnings(context: dg.AssetExecutionContext, warehouse: WarehouseResource, kma: KmaResource,
             redis: RedisResource, s3: S3StorageResource) -> dg.MaterializeResult:
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.weather_warnings.parsing import warnings_fingerprint
    from weather_flick_batch.weather_warnings.client import warnings_in_force

    source = kma.warning_source(response_cache(redis), raw_archive(s3), quota_ledger(redis))
    now = now_kst()
    with fatal_api_errors():
        result = warnings_in_force(source, now=now, lookback_days=LOOKBACK_DAYS, cache_ttl_s=300)
    if result.fallback_reason:
        context.log.warning(f"weather warnings from the status text: {result.fallback_reason}")
    # One row per zone and kind is the source's promise; the blocking check holds it to it (no silent dedupe).
    in_force = result.frame[result.frame["in_effect"].astype(bool)][WARNING_COLUMNS].assign(
        simulated=result.simulated, loaded_at=now)
    # Written without duplicate keys (the database would refuse them before the check could speak).
    frame = in_force.sort_values("level_rank", ascending=False).drop_duplicates(["area_name", "kind"])
    districts = result.districts()
    districts = districts[districts["in_effect"].astype(bool)] if len(districts) else districts
    areas = districts.assign(sigungu_code=districts["sigungu_code"].fillna(0).astype(int))[AREA_COLUMNS] \
        .sort_values("level_rank", ascending=False) \
        .drop_duplicates(["region_code", "sigungu_code", "scope", "area_name", "kind"]) \
        .assign(simulated=result.simulated, loaded_at=now)
    meta = result.metadata()
    unmapped = int(meta.get("unmapped_zones", 0) or 0)

    def evaluate(_conn):
        # The checks' computation is in weather_warnings/audits.py, shared with the re-audit of what is published.
        verdicts = audits.warnings_verdicts(in_force, unmapped, meta.get("zone_problems"))
        return [check_result(name, verdict, dg.AssetCheckSeverity.WARN if name in audits.WARN_ONLY
                             else dg.AssetCheckSeverity.ERROR) for name, verdict in verdicts.items()]

    audit = PublishAudit(evaluate)
    wh = warehouse.get()
    with publishing(context, audit):
        # Both tables or neither: readers never see warnings without their areas.
        wh.replace_many([(schema.weather_warnings, frame, {}, None), (schema.weather_warning_areas, areas, {}, None)],
                        run_id=context.run.run_id, audit=audit)
    capped = areas[areas["outdoor_effect"] == "cap"]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            "area_rows": len(areas),
            **{k: v for k, v in meta.items() if isinstance(v, (int, float, str, bool))},
            "districts_under_warning": int((areas["scope"] == "district").sum()),
            "districts_capped": len(capped),
            "in_force": ", ".join(sorted(set(frame["area_name"] + " " + frame["kind"] + frame["level"])))[:1000],
            "preview": dg.MetadataValue.md(markdown_preview(frame.drop(columns=["loaded_at", "as_of"]))),
        },
        data_version=dg.DataVersion(warnings_fingerprint(areas)),
        check_results=audit.results,
    )

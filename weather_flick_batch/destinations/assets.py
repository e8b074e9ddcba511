"""Destination assets from the KTO TourAPI: districts, the catalogue (one partition per province),
festivals with their dates, and each destination's KMA forecast cell.
"""

from datetime import timedelta

import dagster as dg

from weather_flick_batch.checks import PublishAudit, audited_asset, check_result, fatal_api_errors, publishing
from weather_flick_batch.core.regions import PROVINCES
from weather_flick_batch.destinations import audits
from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.destinations.resources import KtoResource
from weather_flick_batch.policies import network_step
from weather_flick_batch.resources.api import quota_ledger, raw_archive, response_cache
from weather_flick_batch.resources.redis import RedisResource
from weather_flick_batch.resources.s3 import S3StorageResource
from weather_flick_batch.resources.warehouse import WarehouseResource
# The warehouse tables (warehouse.schema, built with SQLAlchemy: ~0.2 s to import) are imported by the steps
# that use them, not at code-location load; the UI's column schemas are plain data (warehouse/columns.py).
from weather_flick_batch.warehouse.metadata import column_schema, markdown_preview

GROUP = "destinations"
DISTRICTS_KEY = dg.AssetKey(["destinations", "districts"])
CATALOGUE_KEY = dg.AssetKey(["destinations", "catalogue"])
FESTIVALS_KEY = dg.AssetKey(["destinations", "festivals"])
CELLS_KEY = dg.AssetKey(["destinations", "forecast_cells"])
PET_TOUR_KEY = dg.AssetKey(["destinations", "pet_tour_info"])

# Partition keys people can read in the UI; each maps to one TourAPI area code.
PROVINCE_PARTITION_KEYS: dict[str, int] = {p.name_en.lower(): p.area_code for p in PROVINCES}
province_partitions = dg.StaticPartitionsDefinition(list(PROVINCE_PARTITION_KEYS))
# TourAPI list pages change slowly; an hour of caching makes retries and re-runs free.
CACHE_TTL_S = 3600


class CatalogueSyncConfig(dg.Config):
    """'auto': incremental when the province was synced in the last 30 days, else a full crawl.

    ``allow_mass_withdrawal``: let a sync withdraw more than WEATHER_FLICK_SYNC_MAX_WITHDRAW_SHARE of
    the province (only when TourAPI really removed that much; a broken listing looks the same).
    """

    mode: str = "auto"
    allow_mass_withdrawal: bool = False


def _source_label(simulated: bool) -> str:
    return "SIMULATED (embedded TourAPI catalogue)" if simulated else "KTO TourAPI (live)"


# -- districts ------------------------------------------------------------------------------------
@audited_asset(
    key=DISTRICTS_KEY,
    group_name=GROUP,
    deps=["regions"],
    kinds={"python", "sql", "tourapi"},
    **network_step("kto"),
    description="The districts (sigungu) of every province from TourAPI areaCode2: regions complete to district level. "
                "Published in the same transaction as the back end's level-2 `regions` rows "
                "('{area}_{sigungu}', parent = the area code).",
    metadata={"dagster/column_schema": column_schema("districts"), "dagster/table_name": "districts"},
    check_specs=[dg.AssetCheckSpec("every_province_has_districts", asset=DISTRICTS_KEY, blocking=True,
                                   description="All 17 provinces have at least one district.")],
    code_version="1",
)
def districts(context: dg.AssetExecutionContext, warehouse: WarehouseResource, kto: KtoResource,
              redis: RedisResource, s3: S3StorageResource):
    import pandas as pd

    from weather_flick_batch.core.apiclient import fetch_all_pages
    from weather_flick_batch.warehouse import schema

    now = now_kst()
    api = kto.api(now.date(), response_cache(redis), raw_archive(s3), quota_ledger(redis))
    rows = []
    with fatal_api_errors():
        for province in PROVINCES:
            items, _ = fetch_all_pages(api, "areaCode2", {"areaCode": province.area_code}, page_size=1000,
                                       cache_ttl_s=CACHE_TTL_S)
            rows += [{"region_code": province.area_code, "sigungu_code": int(i["code"]),
                      "name_ko": str(i["name"]).strip()} for i in items]
    frame = pd.DataFrame(rows).drop_duplicates(["region_code", "sigungu_code"])
    frame["simulated"] = bool(api.simulated)
    frame["updated_at"] = now
    from weather_flick_batch.destinations.publish import district_region_rows

    verdicts = audits.districts_verdicts(frame)
    audit = PublishAudit(lambda _conn: [check_result(name, v) for name, v in verdicts.items()])
    with publishing(context, audit):
        write, service_write = warehouse.get().replace_many([
            (schema.districts, frame, {}, None),
            (schema.regions, district_region_rows(frame, now), {"region_level": 2}, ["region_code"]),
        ], run_id=context.run.run_id, audit=audit)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(frame), **write.as_metadata(), **api.stats.as_metadata(),
                  "service_level2_regions": service_write.rows_written,
                  "source": _source_label(api.simulated),
                  "preview": dg.MetadataValue.md(markdown_preview(frame.drop(columns=["updated_at"])))},
        check_results=audit.results,
    )


# -- catalogue --------------------------------------------------------------------------------------
CATALOGUE_CHECKS = {
    "catalogue_required_fields": "Active destinations have a title, a content type and coordinates.",
    "catalogue_inside_korea": "Active destinations lie inside Korea (lat 33..39, lon 124..132).",
    "catalogue_unique_ids": "content_id is unique.",
    "catalogue_known_region": "Every destination belongs to its partition's region and a known district.",
}


@audited_asset(
    key=CATALOGUE_KEY,
    group_name=GROUP,
    deps=["regions", DISTRICTS_KEY],
    partitions_def=province_partitions,
    kinds={"python", "sql", "tourapi"},
    **network_step("kto"),
    description=(
        "Tourist destinations of one province from TourAPI (all content types): a full crawl weekly, an "
        "incremental sync (areaBasedSyncList2 with showflag) daily. Withdrawn destinations are kept inactive, "
        "never deleted; suspicious rows go to destination_rejects with a reason. Published in the same "
        "transaction to the back end's tables tourist_attractions, cultural_facilities, festivals_events, "
        "restaurants, accommodations, shopping, leisure_sports and travel_courses (active destinations of the "
        "province, region_code = the TourAPI code as text; course details from detailIntro2 for new or "
        "changed courses only)."
    ),
    metadata={"dagster/column_schema": column_schema("destinations"), "dagster/table_name": "destinations"},
    check_specs=[dg.AssetCheckSpec(name, asset=CATALOGUE_KEY, blocking=True, description=desc)
                 for name, desc in CATALOGUE_CHECKS.items()],
    code_version="1",
)
def catalogue(context: dg.AssetExecutionContext, config: CatalogueSyncConfig, warehouse: WarehouseResource,
              kto: KtoResource, redis: RedisResource, s3: S3StorageResource):
    import json

    import pandas as pd

    from weather_flick_batch.destinations.publish import content_tables
    from weather_flick_batch.destinations.sync import TABLE_COLUMNS, sync_province
    from weather_flick_batch.warehouse import schema

    if config.mode not in ("auto", "full", "incremental"):
        raise dg.Failure(f"mode must be auto, full or incremental, got {config.mode!r}", allow_retries=False)
    area_code = PROVINCE_PARTITION_KEYS[context.partition_key]
    now = now_kst()
    wh = warehouse.get()
    wh.ensure_schema()
    existing = wh.read_table(schema.destinations, {"region_code": area_code})
    state_rows = wh.read_table(schema.destination_sync_state, {"region_code": area_code})
    last_sync = state_rows["last_sync_at"].iloc[0] if len(state_rows) else None
    api = kto.api(now.date(), response_cache(redis), raw_archive(s3), quota_ledger(redis))
    with fatal_api_errors():
        outcome = sync_province(api, area_code, existing, config.mode, now, last_sync, cache_ttl_s=CACHE_TTL_S)

    state = outcome.state[TABLE_COLUMNS]
    _guard_withdrawals(context.partition_key, existing, outcome.withdrawn, config.allow_mass_withdrawal)
    rejects = outcome.rejects.assign(
        region_code=area_code, content_id=outcome.rejects["content_id"].fillna("").astype(str),
        raw=[json.dumps(r, ensure_ascii=False, default=str) if not isinstance(r, str) else r
             for r in outcome.rejects["raw"]],
        rejected_at=now,
    ).drop_duplicates(["content_id", "reason"])
    previous_full = state_rows["last_full_sync_at"].iloc[0] if len(state_rows) else None
    sync_state = pd.DataFrame([{
        "region_code": area_code, "last_sync_at": now, "last_mode": outcome.mode,
        "last_full_sync_at": now if outcome.mode == "full" else previous_full,
        "active_destinations": int(state["is_active"].sum()),
    }])
    with fatal_api_errors():
        details, detail_calls = _course_details(wh, api, state, area_code)
    festival_dates = wh.read_table(schema.festival_events, {"region_code": area_code},
                                   columns=["content_id", "event_start_date", "event_end_date"])
    service = content_tables(state, festival_dates, details)
    writes = [
        # by key too: a destination that moved province must leave its old partition
        (schema.destinations, state, {"region_code": area_code}, ["content_id"]),
        (schema.destination_sync_state, sync_state, {"region_code": area_code}, None),
        # the back end's tables, in the same transaction: it never sees the catalogue and them disagree
        *((schema.SERVICE_TABLES[name], frame, {"region_code": str(area_code)}, ["content_id"])
          for name, frame in service.items()),
    ]
    if outcome.mode == "full":
        writes.append((schema.destination_rejects, rejects, {"region_code": area_code}, None))
    else:
        writes.append((schema.destination_rejects, rejects, None, ["region_code", "content_id", "reason"]))
    known_districts = wh.read_table(schema.districts, {"region_code": area_code})["sigungu_code"]
    active = state[state["is_active"]]
    verdicts = audits.catalogue_verdicts(state, area_code, known_districts)
    audit = PublishAudit(lambda _conn: [check_result(name, verdicts[name]) for name in CATALOGUE_CHECKS])
    # The back end's tables change in this transaction: a failing check rolls them back with the catalogue.
    with publishing(context, audit):
        results = wh.replace_many(writes, run_id=context.run.run_id, audit=audit)

    by_type = active.groupby("content_type_id").size().to_dict()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(state),
            **outcome.as_metadata(),
            **api.stats.as_metadata(),
            "minimum_pages": outcome.pages,
            "rows_written": results[0].rows_written,
            "service_rows_written": json.dumps({r.table: r.rows_written for r in results
                                                if r.table in schema.SERVICE_TABLES}),
            "course_detail_calls": detail_calls,
            "active_by_content_type": json.dumps({str(k): int(v) for k, v in by_type.items()}),
            "source": _source_label(api.simulated),
            "reject_reasons": json.dumps(outcome.rejects["reason"].value_counts().to_dict(), ensure_ascii=False),
            "preview": dg.MetadataValue.md(markdown_preview(active[["content_id", "content_type_id", "title",
                                                                    "sigungu_code", "latitude", "longitude"]])),
        },
        check_results=audit.results,
    )


def _guard_withdrawals(province: str, existing, withdrawn: int, allowed: bool) -> None:
    """Refuse, before anything is written, a sync that would withdraw too much of a province."""
    from weather_flick_batch import settings

    share = settings.get("WEATHER_FLICK_SYNC_MAX_WITHDRAW_SHARE")
    active = int(existing["is_active"].astype(bool).sum()) if len(existing) else 0
    if allowed or not active or withdrawn <= share * active:
        return
    raise dg.Failure(
        f"the sync of {province} would withdraw {withdrawn} of its {active} active destinations "
        f"({withdrawn / active:.0%}), more than WEATHER_FLICK_SYNC_MAX_WITHDRAW_SHARE={share:g}: nothing was "
        "written. If TourAPI really removed them, re-run with run config allow_mass_withdrawal: true",
        allow_retries=False,
    )


def _course_details(wh, api, state, area_code: int):
    """travel_courses detail columns for the province's active courses: detailIntro2 for courses that
    are new or changed since they were last published, the published values for the rest (quota:
    about 1,000 calls a day per operation, so unchanged courses are never fetched again)."""
    import pandas as pd

    from weather_flick_batch.core.apiclient import fetch_all_pages
    from weather_flick_batch.destinations.publish import (
        COURSE_DETAIL_COLUMNS,
        course_details_from_intro,
        tourapi_time,
    )
    from weather_flick_batch.warehouse import schema

    courses = state[(state["content_type_id"] == 25) & state["is_active"].astype(bool)]
    if courses.empty:
        return None, 0
    published = wh.read_table(schema.travel_courses, {"region_code": str(area_code)},
                              columns=["content_id", "modifiedtime", *COURSE_DETAIL_COLUMNS])
    stamp = dict(zip(courses["content_id"], tourapi_time(courses["modified_time"])))
    fresh = published[published["modifiedtime"].eq(published["content_id"].map(stamp))]
    fresh_ids = set(fresh["content_id"])
    needed = [cid for cid in courses["content_id"] if cid not in fresh_ids]
    fetched = {}
    for cid in needed:
        items, _ = fetch_all_pages(api, "detailIntro2", {"contentId": cid, "contentTypeId": 25}, page_size=10,
                                   cache_ttl_s=CACHE_TTL_S)
        if items:
            fetched[cid] = items[0]
    details = pd.concat([fresh.drop(columns=["modifiedtime"]), course_details_from_intro(fetched)],
                        ignore_index=True)
    return details, len(needed)


@dg.asset_check(asset=CATALOGUE_KEY, description="Every province had a full crawl in the last 8 days "
                "and a sync in the last 2 days.")
def catalogue_sync_fresh(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from weather_flick_batch.warehouse import schema

    state = warehouse.get().read_table(schema.destination_sync_state)
    now = now_kst()
    stale_full, stale_any = [], []
    for code in PROVINCE_PARTITION_KEYS.values():
        row = state[state["region_code"] == code]
        if row.empty:
            stale_full.append(code)
            stale_any.append(code)
            continue
        full = row["last_full_sync_at"].iloc[0]
        if full is None or (now - full) > timedelta(days=8):
            stale_full.append(code)
        if now - row["last_sync_at"].iloc[0] > timedelta(days=2):
            stale_any.append(code)
    return dg.AssetCheckResult(
        passed=not stale_full and not stale_any, severity=dg.AssetCheckSeverity.WARN,
        description="fresh" if not (stale_full or stale_any)
        else f"no full crawl in 8 days: {stale_full}; no sync in 2 days: {stale_any}",
        metadata={"provinces_without_recent_full_crawl": len(stale_full),
                  "provinces_without_recent_sync": len(stale_any)},
    )


# -- festivals ------------------------------------------------------------------------------------
@audited_asset(
    key=FESTIVALS_KEY,
    group_name=GROUP,
    deps=[CATALOGUE_KEY],
    kinds={"python", "sql", "tourapi"},
    **network_step("kto"),
    description="Festivals and events with their dates (TourAPI searchFestival2): those running from 30 days "
                "ago onwards, for the festival calendar and the festival-weather analytics.",
    metadata={"dagster/column_schema": column_schema("festival_events"), "dagster/table_name": "festival_events"},
    check_specs=[dg.AssetCheckSpec("festival_dates_valid", asset=FESTIVALS_KEY, blocking=True,
                                   description="Every festival has dates, end on or after start, inside Korea."),
                 dg.AssetCheckSpec("festival_calendar_not_empty", asset=FESTIVALS_KEY,
                                   description="At least one festival in the next 60 days.")],
    code_version="1",
)
def festivals(context: dg.AssetExecutionContext, warehouse: WarehouseResource, kto: KtoResource,
              redis: RedisResource, s3: S3StorageResource):
    from weather_flick_batch.core.apiclient import fetch_all_pages
    from weather_flick_batch.destinations.cleaning import clean_items
    from weather_flick_batch.warehouse import schema

    now = now_kst()
    today = now.date()
    api = kto.api(today, response_cache(redis), raw_archive(s3), quota_ledger(redis))
    start = today - timedelta(days=30)
    with fatal_api_errors():
        items, pages = fetch_all_pages(api, "searchFestival2", {"eventStartDate": start.strftime("%Y%m%d")},
                                       page_size=1000, cache_ttl_s=CACHE_TTL_S)
    clean = clean_items(items, now)
    rows = clean.rows[clean.rows["is_active"] & clean.rows["event_start_date"].notna()].copy()
    rows["event_end_date"] = rows["event_end_date"].where(rows["event_end_date"].notna(), rows["event_start_date"])
    frame = rows.rename(columns={"area_code": "region_code"})[
        ["content_id", "title", "region_code", "sigungu_code", "event_start_date", "event_end_date", "latitude",
         "longitude", "addr1", "image_url", "modified_time"]].assign(simulated=bool(api.simulated), updated_at=now)
    import sqlalchemy as sa

    events = schema.festivals_events
    # The back end's festivals_events rows take the dates in the same transaction.
    set_dates = (events.update().where(events.c.content_id == sa.bindparam("cid"))
                 .values(event_start_date=sa.bindparam("start"), event_end_date=sa.bindparam("end")))
    dated = [{"cid": r.content_id, "start": r.event_start_date, "end": r.event_end_date}
             for r in frame.itertuples(index=False)]
    verdicts = audits.festival_verdicts(frame, today)
    upcoming = verdicts["festival_calendar_not_empty"].metadata["upcoming_60_days"]
    audit = PublishAudit(lambda _conn: [
        check_result(name, v, severity=dg.AssetCheckSeverity.WARN if name in audits.WARN_ONLY
                     else dg.AssetCheckSeverity.ERROR) for name, v in verdicts.items()])
    with publishing(context, audit):
        (write,) = warehouse.get().replace_many([(schema.festival_events, frame, {}, None)],
                                                run_id=context.run.run_id, then=[(set_dates, dated)], audit=audit)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(frame), **write.as_metadata(), **api.stats.as_metadata(),
                  "pages_fetched": pages, "rejected": len(clean.rejects), "upcoming_60_days": upcoming,
                  "source": _source_label(api.simulated),
                  "preview": dg.MetadataValue.md(markdown_preview(
                      frame.sort_values("event_start_date")[["title", "region_code", "event_start_date",
                                                             "event_end_date"]]))},
        check_results=audit.results,
    )


# -- pet travel ---------------------------------------------------------------------------------
@audited_asset(
    key=PET_TOUR_KEY,
    group_name=GROUP,
    deps=[CATALOGUE_KEY],
    kinds={"python", "sql", "tourapi"},
    **network_step("kto"),
    description=(
        "Pet-travel details (TourAPI detailPetTour2: which animals, where, what to bring) of the destinations "
        "that have them, in the back end's table pet_tour_info: pet_acpt_abl from acmpyTypeCd, pet_info the "
        "other fields as labelled text, title/address/coordinates from the catalogue. The back end lists "
        "pet-friendly places with content_id IN (SELECT content_id FROM pet_tour_info)."
    ),
    metadata={"dagster/column_schema": column_schema("pet_tour_info"), "dagster/table_name": "pet_tour_info"},
    check_specs=[dg.AssetCheckSpec("pet_tour_in_catalogue", asset=PET_TOUR_KEY, blocking=True,
                                   description="content_id unique and non-null, every row an active destination "
                                               "with its KTO area code.")],
    code_version="1",
)
def pet_tour_info(context: dg.AssetExecutionContext, warehouse: WarehouseResource, kto: KtoResource,
                  redis: RedisResource, s3: S3StorageResource):
    from weather_flick_batch.core.apiclient import fetch_all_pages
    from weather_flick_batch.destinations.publish import pet_tour_rows
    from weather_flick_batch.warehouse import schema

    now = now_kst()
    wh = warehouse.get()
    api = kto.api(now.date(), response_cache(redis), raw_archive(s3), quota_ledger(redis))
    # Listed without contentId, paged like the list operations: one call per 1,000 items instead of
    # one per destination. Whether the live API lists it that way is unverified here (README).
    with fatal_api_errors():
        items, pages = fetch_all_pages(api, "detailPetTour2", {}, page_size=1000, cache_ttl_s=CACHE_TTL_S)
    active = wh.read_table(schema.destinations, {"is_active": True},
                           columns=["content_id", "content_type_id", "title", "addr1", "latitude", "longitude",
                                    "region_code", "sigungu_code", "tel", "image_url", "thumbnail_url", "cat1",
                                    "cat2", "cat3", "is_active", "first_seen_at", "simulated"])
    frame = pet_tour_rows(items, active, now)
    unmatched = len({str(i.get("contentid")) for i in items}) - len(frame)
    verdicts = audits.pet_tour_verdicts(frame, active["content_id"])
    audit = PublishAudit(lambda _conn: [check_result(name, v) for name, v in verdicts.items()])
    with publishing(context, audit):
        write = wh.replace_rows(schema.pet_tour_info, frame, run_id=context.run.run_id, audit=audit)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(frame), **write.as_metadata(), **api.stats.as_metadata(),
                  "pages_fetched": pages, "items_not_in_catalogue": unmatched,
                  "source": _source_label(api.simulated),
                  "preview": dg.MetadataValue.md(markdown_preview(frame[["content_id", "title", "area_code",
                                                                         "pet_acpt_abl"]]))},
        check_results=audit.results,
    )


# -- forecast cells -------------------------------------------------------------------------------
@audited_asset(
    key=CELLS_KEY,
    group_name=GROUP,
    deps=[CATALOGUE_KEY],
    kinds={"python", "sql"},
    description="Each active destination's KMA forecast grid cell, computed from its coordinates.",
    metadata={"dagster/column_schema": column_schema("destination_forecast_cells"),
              "dagster/table_name": "destination_forecast_cells"},
    check_specs=[dg.AssetCheckSpec("every_destination_has_a_cell", asset=CELLS_KEY, blocking=True,
                                   description="Every active destination is mapped to a forecast cell.")],
    code_version="1",
)
def forecast_cells(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    import pandas as pd

    from weather_flick_batch.core.grid import latlon_to_grid
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.weather.points import point_id

    wh = warehouse.get()
    active = wh.read_table(schema.destinations, {"is_active": True},
                           columns=["content_id", "region_code", "latitude", "longitude"])
    cells = [latlon_to_grid(lat, lon) for lat, lon in zip(active["latitude"], active["longitude"])]
    frame = pd.DataFrame({
        "content_id": active["content_id"], "region_code": active["region_code"],
        "nx": [c.nx for c in cells], "ny": [c.ny for c in cells],
    })
    frame["point_id"] = [point_id(nx, ny) for nx, ny in zip(frame["nx"], frame["ny"])]
    frame["updated_at"] = now_kst()
    verdicts = audits.cells_verdicts(active["content_id"], frame)
    audit = PublishAudit(lambda _conn: [check_result(name, v) for name, v in verdicts.items()])
    with publishing(context, audit):
        write = wh.replace_rows(schema.destination_forecast_cells, frame, run_id=context.run.run_id, audit=audit)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(frame), **write.as_metadata(),
                  "distinct_cells": int(frame[["nx", "ny"]].drop_duplicates().shape[0]),
                  "active_destinations": len(active)},
        check_results=audit.results,
    )

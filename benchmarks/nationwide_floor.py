"""The full refresh's main data path without Dagster: the floor bench_incremental compares the in-process
nationwide refresh with (issue #16).

From an empty warehouse, plain Python does what the pipeline's main data path does, with the same
Dagster-free functions and the same ``Warehouse`` writes, against the same source servers:

- the 17 provinces (``province_catalogue``, and the back end's level-1 ``regions`` in the same transaction),
  the schema created on the way as the pipeline's first write does;
- the full catalogue sync of every province: TourAPI ``areaBasedList2`` pages (``destinations.sync``,
  cleaning included), the back end's content tables in the same transaction (``destinations.publish``);
- each active destination's KMA cell and the forecast points (``weather.points``, the same cap);
- for the points: the newest nowcast and ultra-short forecast, the two given short-range issuances and the
  newest medium-range land and temperature forecasts (``weather.collect`` with the ``weather.parsing``
  functions and the same concurrency), each a partition replace;
- the daily outlook, the scores (``recommendations.transform`` and ``hazards``: no warnings or fine dust in
  force here) streamed in one replace, and the top lists ranked in the database.

Not in it: districts, warning zones, festivals, pet-travel details, weather warnings, fine dust, next hours,
analytics, health; the Redis response cache, raw archive and quota ledger; checks, audits and metadata.
Nothing here imports Dagster (the result says whether anything did).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def refresh_without_dagster(urls: dict[str, str], short_range_keys: list[str], warehouse_url: str,
                            kto_key: str, kma_key: str) -> dict[str, Any]:
    """The full refresh's main data path, from empty, in this process; timings, rows, calls (module docstring)."""
    import pandas as pd
    import sqlalchemy as sa

    from weather_flick_batch import settings
    from weather_flick_batch.core.grid import latlon_to_grid
    from weather_flick_batch.core.regions import PROVINCES
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.destinations.client import live_tour_api
    from weather_flick_batch.destinations.publish import content_tables, province_region_rows
    from weather_flick_batch.destinations.sync import TABLE_COLUMNS, sync_province
    from weather_flick_batch.recommendations.hazards import DUST_COLUMNS, WARNING_COLUMNS, apply_hazards
    from weather_flick_batch.recommendations.transform import coastal_flags, score_batches, top_n_query
    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.warehouse.types import AwareDateTime
    from weather_flick_batch.warehouse.warehouse import Warehouse
    from weather_flick_batch.weather import parsing
    from weather_flick_batch.weather.audits import OUTLOOK_HORIZON_DAYS, mid_regions
    from weather_flick_batch.weather.client import LiveKmaSource
    from weather_flick_batch.weather.collect import collect
    from weather_flick_batch.weather.issuance import MID_RANGE, NOWCAST, SHORT_RANGE, ULTRA_SHORT
    from weather_flick_batch.weather.outlook import build_daily_outlook
    from weather_flick_batch.weather.points import build_forecast_points, point_id

    http = dict(timeout_s=settings.get("WEATHER_FLICK_HTTP_TIMEOUT_S"),
                max_attempts=settings.get("WEATHER_FLICK_HTTP_MAX_ATTEMPTS"),
                backoff_base_s=settings.get("WEATHER_FLICK_HTTP_BACKOFF_S"))
    workers = settings.get("WEATHER_FLICK_KMA_MAX_CONCURRENCY")
    phases: dict[str, float] = {}
    rows: dict[str, int] = {}
    run_id = "floor"

    started = time.perf_counter()
    cpu_started = _cpu_s()
    mark = started

    def lap(phase: str) -> None:
        nonlocal mark
        now_ = time.perf_counter()
        phases[phase] = phases.get(phase, 0.0) + now_ - mark
        mark = now_

    # The schema from empty: the pipeline's first write (the regions step) creates it too.
    wh = Warehouse(warehouse_url)
    wh.ensure_schema()

    # regions: the 17 provinces (regions asset), and the back end's level-1 regions in the same transaction.
    now = now_kst()
    today = now.date()
    regions = pd.DataFrame([{
        "region_code": p.area_code, "admin_code": p.admin_code, "former_admin_code": p.former_admin_code,
        "legal_dong_code": p.legal_dong_code, "name_ko": p.name_ko, "name_en": p.name_en, "capital_ko": p.capital_ko,
        "latitude": p.latitude, "longitude": p.longitude, "grid_nx": p.grid.nx, "grid_ny": p.grid.ny,
        "mid_land_reg_id": p.mid_land_reg_id, "mid_ta_reg_id": p.mid_ta_reg_id, "updated_at": now,
    } for p in PROVINCES])
    wh.replace_many([(schema.province_catalogue, regions, None, ["region_code"]),
                     (schema.regions, province_region_rows(now), {"region_level": 1}, ["region_code"])], run_id=run_id)
    rows["province_catalogue"] = len(regions)
    lap("schema_regions")

    # catalogue: a full crawl of each province (no earlier sync), as destinations/catalogue does.
    kto = live_tour_api(base_url=urls["kto"], keys=[kto_key], **http)
    for province in PROVINCES:
        code = province.area_code
        existing = wh.read_table(schema.destinations, {"region_code": code})
        outcome = sync_province(kto, code, existing, "auto", now, None, cache_ttl_s=None)
        state = outcome.state[TABLE_COLUMNS]
        rejects = outcome.rejects.assign(
            region_code=code, content_id=outcome.rejects["content_id"].fillna("").astype(str),
            raw=[json.dumps(r, ensure_ascii=False, default=str) if not isinstance(r, str) else r
                 for r in outcome.rejects["raw"]], rejected_at=now,
        ).drop_duplicates(["content_id", "reason"])
        sync_state = pd.DataFrame([{"region_code": code, "last_sync_at": now, "last_mode": outcome.mode,
                                    "last_full_sync_at": now, "active_destinations": int(state["is_active"].sum())}])
        festival_dates = wh.read_table(schema.festival_events, {"region_code": code},
                                       columns=["content_id", "event_start_date", "event_end_date"])
        # The synthetic catalogue has no travel courses (content type 25): no detailIntro2 calls, as in the pipeline.
        courses = state[(state["content_type_id"] == 25) & state["is_active"].astype(bool)]
        if len(courses):
            raise RuntimeError("the floor does not fetch course details (detailIntro2); this catalogue has courses")
        service = content_tables(state, festival_dates, None)
        wh.replace_many([
            (schema.destinations, state, {"region_code": code}, ["content_id"]),
            (schema.destination_sync_state, sync_state, {"region_code": code}, None),
            *((schema.SERVICE_TABLES[name], frame, {"region_code": str(code)}, ["content_id"])
              for name, frame in service.items()),
            (schema.destination_rejects, rejects, {"region_code": code}, None),
        ], run_id=run_id)
        rows["destinations"] = rows.get("destinations", 0) + len(state)
        rows["service tables"] = rows.get("service tables", 0) + sum(len(f) for f in service.values())
    lap("catalogue")

    # forecast cells and points
    active = wh.read_table(schema.destinations, {"is_active": True},
                           columns=["content_id", "region_code", "latitude", "longitude"])
    grid = [latlon_to_grid(lat, lon) for lat, lon in zip(active["latitude"], active["longitude"])]
    cells = pd.DataFrame({"content_id": active["content_id"], "region_code": active["region_code"],
                          "nx": [c.nx for c in grid], "ny": [c.ny for c in grid]})
    cells["point_id"] = [point_id(nx, ny) for nx, ny in zip(cells["nx"], cells["ny"])]
    cells["updated_at"] = now_kst()
    wh.replace_rows(schema.destination_forecast_cells, cells, run_id=run_id)
    rows["forecast cells"] = len(cells)
    c, d = schema.destination_forecast_cells, schema.destinations
    stmt = (sa.select(c.c.nx, c.c.ny, sa.func.min(c.c.region_code).label("region_code"),
                      sa.func.count().label("destinations"))
            .select_from(c.join(d, d.c.content_id == c.c.content_id)).where(d.c.is_active.is_(True))
            .group_by(c.c.nx, c.c.ny))
    with wh.engine.connect() as conn:
        destination_cells = pd.DataFrame(conn.execute(stmt).fetchall(),
                                         columns=["nx", "ny", "region_code", "destinations"])
    province_catalogue = wh.read_table(schema.province_catalogue)
    points = build_forecast_points(province_catalogue, destination_cells,
                                   max_points=settings.get("WEATHER_FLICK_KMA_MAX_POINTS")).points
    points = points.assign(updated_at=now_kst())
    wh.replace_rows(schema.forecast_points, points, run_id=run_id)
    rows["forecast points"] = len(points)
    lap("cells_points")

    # KMA: the newest nowcast, ultra-short and medium-range issuances and the leg's two short-range ones.
    kma = LiveKmaSource(keys=[kma_key], base_url=urls["kma"], **http)
    cell_units = list(zip(points["nx"].astype(int), points["ny"].astype(int)))

    def load(kind, base, units, fetch, parse, table, column):
        frame, _report = collect(units, base, fetch=fetch, parse=parse, previous=kind.previous, max_workers=workers)
        frame[column] = base
        frame["simulated"] = False
        frame["loaded_at"] = now_kst()
        wh.replace_rows(table, frame, where={column: base}, run_id=run_id)
        rows[table.name] = rows.get(table.name, 0) + len(frame)

    load(NOWCAST, NOWCAST.latest(now), cell_units, lambda b, u: kma.nowcast(b, u[0], u[1]),
         lambda p, u, b: parsing.parse_ultra_short_nowcast(p), schema.weather_nowcast, "partition_hour")
    load(ULTRA_SHORT, ULTRA_SHORT.latest(now), cell_units, lambda b, u: kma.ultra_short(b, u[0], u[1]),
         lambda p, u, b: parsing.parse_ultra_short_forecast(p), schema.weather_ultra_short, "partition_base")
    for key in short_range_keys:
        load(SHORT_RANGE, SHORT_RANGE.base_from_partition_key(key), cell_units,
             lambda b, u: kma.short_range(b, u[0], u[1]), lambda p, u, b: parsing.parse_short_range(p),
             schema.weather_short_range, "partition_issuance")
    tm_fc = MID_RANGE.latest(now)
    load(MID_RANGE, tm_fc, mid_regions(points, "mid_land_reg_id"), lambda b, r: kma.mid_land(b, r),
         parsing.parse_mid_land, schema.weather_mid_land, "partition_tm_fc")
    load(MID_RANGE, tm_fc, mid_regions(points, "mid_ta_reg_id"), lambda b, r: kma.mid_ta(b, r),
         parsing.parse_mid_ta, schema.weather_mid_ta, "partition_tm_fc")
    lap("weather")

    # daily outlook, as weather/daily_outlook reads and builds it
    def latest(table, column, n):
        with wh.engine.connect() as conn:
            found = [r[0] for r in conn.execute(sa.select(table.c[column]).distinct()
                                                .order_by(table.c[column].desc()).limit(n))]
        if not found:
            return pd.DataFrame()
        return pd.concat([wh.read_table(table, {column: k}) for k in found], ignore_index=True)

    points = wh.read_table(schema.forecast_points)
    short = latest(schema.weather_short_range, "partition_issuance", 2)
    land = latest(schema.weather_mid_land, "partition_tm_fc", 1)
    ta = latest(schema.weather_mid_ta, "partition_tm_fc", 1)
    ultra = latest(schema.weather_ultra_short, "partition_base", 1)
    now = now_kst()
    outlook = build_daily_outlook(short, land, ta, points, now.date(), horizon_days=OUTLOOK_HORIZON_DAYS,
                                  ultra_df=ultra if len(ultra) else None)
    outlook["as_of"] = now
    outlook["simulated"] = False
    outlook["loaded_at"] = now
    wh.replace_rows(schema.weather_daily_outlook, outlook, run_id=run_id)
    rows["outlook"] = len(outlook)
    del short, land, ta, ultra
    lap("outlook")

    # scores, as recommendations/destination_weather_scores computes and streams them (no warnings or dust
    # in force: the floor does not fetch them)
    destinations = wh.read_table(schema.destinations, {"is_active": True},
                                 columns=["content_id", "title", "content_type_id", "region_code", "sigungu_code",
                                          "cat2", "cat3", "is_active"])
    cells = wh.read_table(schema.destination_forecast_cells, columns=["content_id", "nx", "ny", "point_id"])
    outlook = wh.read_table(schema.weather_daily_outlook)
    points = wh.read_table(schema.forecast_points, columns=["point_id", "nx", "ny"])
    warnings, dust = pd.DataFrame(columns=WARNING_COLUMNS), pd.DataFrame(columns=DUST_COLUMNS)
    d = destinations
    coastal = dict(zip(d["content_id"], coastal_flags(d["cat2"], d["cat3"], d["region_code"], d["sigungu_code"])))
    scored = 0

    def batches():
        nonlocal scored
        for scores in score_batches(destinations, cells, outlook, points):
            on_coast = scores["content_id"].map(coastal).fillna(False)
            scores = apply_hazards(scores, warnings, dust, on_coast, today=now.date())
            scores["simulated"] = False
            scores["as_of"] = now
            scored += len(scores)
            yield scores

    wh.replace_stream(schema.destination_weather_scores, batches(), run_id=run_id)
    rows["scores"] = scored
    lap("scores")

    # top lists, ranked inside the database as recommendations/regional_recommendations does
    query = top_n_query(settings.get("WEATHER_FLICK_TOP_N")).add_columns(
        sa.bindparam("as_of", now_kst(), type_=AwareDateTime()).label("as_of"))
    rows["top lists"] = wh.replace_from_select(schema.regional_recommendations, query, run_id=run_id).rows_written
    lap("top_lists")
    wall = time.perf_counter() - started
    cpu = _cpu_s() - cpu_started
    wh.dispose()
    return {"wall_s": wall, "cpu_s": cpu, "phases": phases, "rows": rows,
            "calls": {"kto": kto.stats.calls, "kma": kma.stats.calls},
            "dagster_imported": "dagster" in sys.modules,
            "self_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}

"""Checks on the region catalogue: complete, unique, and every grid cell consistent with its point.

Each check is a function of a connection, so the regions asset runs the same checks inside its
write's transaction before publishing (write-audit-publish), and the standalone checks run them
on the published tables (from the UI, alone).
"""

from typing import Any

import dagster as dg

from weather_flick_batch.core.grid import latlon_to_grid
from weather_flick_batch.core.regions import PROVINCES
from weather_flick_batch.resources.warehouse import WarehouseResource

KOREA_LAT = (33.0, 39.0)
KOREA_LON = (124.0, 132.0)


def _read(conn: Any, table, where=None):
    import pandas as pd
    import sqlalchemy as sa

    stmt = sa.select(table)
    if where is not None:
        stmt = stmt.where(where)
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def completeness(conn: Any) -> dg.AssetCheckResult:
    from weather_flick_batch.warehouse import schema

    frame = _read(conn, schema.province_catalogue)
    expected = {p.area_code for p in PROVINCES}
    found = set(frame["region_code"].tolist())
    duplicates = int(frame["region_code"].duplicated().sum())
    missing = sorted(expected - found)
    extra = sorted(found - expected)
    # The back end's rows: level 1 keyed by the TourAPI code, tour_api_area_code equal to it.
    service = _read(conn, schema.regions, schema.regions.c.region_level == 1)
    service_ok = (set(service["region_code"]) == {str(c) for c in expected}
                  and bool((service["tour_api_area_code"] == service["region_code"]).all())
                  and bool(service["parent_region_code"].isna().all()))
    passed = not missing and not extra and duplicates == 0 and service_ok
    return dg.AssetCheckResult(
        check_name="regions_complete", passed=passed, severity=dg.AssetCheckSeverity.ERROR,
        description="17 provinces, once each, in both tables" if passed else
        f"missing {missing}, unexpected {extra}, {duplicates} duplicates, back-end rows consistent: {service_ok}",
        metadata={"missing": str(missing), "unexpected": str(extra), "duplicates": duplicates,
                  "service_level1_rows": len(service), "service_rows_keyed_by_tourapi_code": service_ok},
    )


def grid_consistency(conn: Any) -> dg.AssetCheckResult:
    from weather_flick_batch.warehouse import schema

    frame = _read(conn, schema.province_catalogue)
    problems = []
    for row in frame.itertuples():  # 17 rows: clarity beats vectorising here
        if not (KOREA_LAT[0] <= row.latitude <= KOREA_LAT[1] and KOREA_LON[0] <= row.longitude <= KOREA_LON[1]):
            problems.append(f"{row.name_en}: point outside Korea")
        cell = latlon_to_grid(row.latitude, row.longitude)
        if (cell.nx, cell.ny) != (row.grid_nx, row.grid_ny):
            problems.append(f"{row.name_en}: stored ({row.grid_nx}, {row.grid_ny}) != computed {cell}")
    return dg.AssetCheckResult(
        check_name="regions_grid_consistent", passed=not problems, severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(problems) or "every point inside Korea, every cell as computed",
        metadata={"problems": "; ".join(problems) or "none", "rows_checked": len(frame)},
    )


@dg.asset_check(asset="regions", blocking=True, description="All 17 provinces present exactly once.")
def regions_complete(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.get().engine.connect() as conn:
        return completeness(conn)


@dg.asset_check(
    asset="regions",
    blocking=True,
    description="Every point inside Korea and its stored KMA grid cell equal to the one computed from it.",
)
def regions_grid_consistent(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.get().engine.connect() as conn:
        return grid_consistency(conn)

"""The region catalogue: the first asset, the key every other table joins on."""


from typing import TYPE_CHECKING

import dagster as dg

from weather_flick_batch.checks import PublishAudit, publishing
from weather_flick_batch.core.regions import PROVINCES
from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.resources.warehouse import WarehouseResource
# The warehouse tables (warehouse.schema, built with SQLAlchemy: ~0.2 s to import) are imported by the steps
# that use them, not at code-location load; the UI's column schemas are plain data (warehouse/columns.py).
from weather_flick_batch.warehouse.metadata import column_schema, markdown_preview

if TYPE_CHECKING:
    import pandas as pd


def region_frame() -> "pd.DataFrame":
    """The region rows, grid cells computed from each representative point."""
    import pandas as pd

    updated_at = now_kst()
    return pd.DataFrame(
        [
            {
                "region_code": p.area_code,
                "admin_code": p.admin_code,
                "former_admin_code": p.former_admin_code,
                "legal_dong_code": p.legal_dong_code,
                "name_ko": p.name_ko,
                "name_en": p.name_en,
                "capital_ko": p.capital_ko,
                "latitude": p.latitude,
                "longitude": p.longitude,
                "grid_nx": p.grid.nx,
                "grid_ny": p.grid.ny,
                "mid_land_reg_id": p.mid_land_reg_id,
                "mid_ta_reg_id": p.mid_ta_reg_id,
                "updated_at": updated_at,
            }
            for p in PROVINCES
        ]
    )


@dg.asset(
    key="regions",
    group_name="regions",
    description=(
        "The 17 provinces of Korea keyed by TourAPI area code, with administrative and legal-dong codes, "
        "Korean and English names, a representative point, its KMA grid cell (computed, never copied) and "
        "the KMA medium-range region ids (table `province_catalogue`). Published in the same transaction "
        "to the back end's table `regions` as its level-1 rows: region_code = tour_api_area_code = the "
        "TourAPI code as text, grid_x/grid_y computed, api_mappings keyed tour_api/kma."
    ),
    kinds={"python", "sql"},
    metadata={"dagster/column_schema": column_schema("regions"), "dagster/table_name": "regions"},
    code_version="2",
)
def regions(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from weather_flick_batch.destinations.publish import province_region_rows
    from weather_flick_batch.regions.checks import completeness, grid_consistency
    from weather_flick_batch.warehouse import schema

    frame = region_frame()
    service = province_region_rows(frame["updated_at"].iloc[0])
    # The standalone checks (regions/checks.py) audit the new rows before the commit, then run again on
    # the published tables as the asset's checks.
    audit = PublishAudit(lambda conn: [completeness(conn), grid_consistency(conn)])
    with publishing(context, audit):
        results = warehouse.get().replace_many([
            (schema.province_catalogue, frame, None, ["region_code"]),
            # level 2 (districts) is published by destinations/districts; each replaces only its level.
            (schema.regions, service, {"region_level": 1}, ["region_code"]),
        ], run_id=context.run.run_id, audit=audit)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            **results[0].as_metadata(),
            "service_rows_written": results[1].rows_written,
            "preview": dg.MetadataValue.md(
                markdown_preview(frame[["region_code", "name_en", "name_ko", "grid_nx", "grid_ny", "mid_land_reg_id"]])
            ),
        }
    )

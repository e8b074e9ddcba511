"""The region catalogue: pure data tests, then the asset through `materialize`."""

import dagster as dg
import pytest

from weather_flick_batch.core.grid import latlon_to_grid
from weather_flick_batch.core.regions import (
    PROVINCES,
    area_code_for_admin_code,
    province,
)
from weather_flick_batch.regions.assets import region_frame, regions
from weather_flick_batch.regions.checks import regions_complete, regions_grid_consistent
from weather_flick_batch.resources.warehouse import WarehouseResource

# Generous boxes per province (lat_min, lat_max, lon_min, lon_max): a point outside its own box
# means a copy-paste mistake of the kind the previous system made.
BOXES = {
    1: (37.41, 37.72, 126.76, 127.19), 2: (37.0, 37.99, 124.6, 126.8), 3: (36.18, 36.51, 127.24, 127.56),
    4: (35.6, 36.02, 128.35, 128.77), 5: (35.05, 35.26, 126.64, 127.02), 6: (34.88, 35.39, 128.76, 129.31),
    7: (35.32, 35.72, 128.96, 129.47), 8: (36.40, 36.73, 127.14, 127.40), 31: (36.89, 38.3, 126.37, 127.86),
    32: (37.02, 38.62, 127.09, 129.36), 33: (36.0, 37.26, 127.27, 128.66), 34: (35.97, 37.07, 125.9, 127.65),
    35: (35.57, 37.56, 127.8, 129.6), 36: (34.46, 35.92, 127.56, 129.23), 37: (35.28, 36.16, 126.37, 127.92),
    38: (33.9, 35.5, 125.0, 127.9), 39: (33.1, 33.6, 126.1, 127.0),
}

# Published administrative (sido) codes.
ADMIN = {1: "11", 6: "26", 4: "27", 2: "28", 5: "29", 3: "30", 7: "31", 8: "36", 31: "41", 32: "51", 33: "43",
         34: "44", 35: "47", 36: "48", 37: "52", 38: "46", 39: "50"}


def test_seventeen_provinces_with_unique_codes():
    assert len(PROVINCES) == 17
    for attr in ("area_code", "admin_code", "name_ko", "name_en", "legal_dong_code"):
        values = [getattr(p, attr) for p in PROVINCES]
        assert len(set(values)) == 17, attr


@pytest.mark.parametrize("p", PROVINCES, ids=lambda p: p.name_en)
def test_each_province_point_and_codes(p):
    lat_min, lat_max, lon_min, lon_max = BOXES[p.area_code]
    assert lat_min <= p.latitude <= lat_max and lon_min <= p.longitude <= lon_max
    assert p.grid == latlon_to_grid(p.latitude, p.longitude)
    assert p.admin_code == ADMIN[p.area_code]
    assert area_code_for_admin_code(p.admin_code) == p.area_code
    assert area_code_for_admin_code(p.legal_dong_code) == p.area_code
    assert len(p.mid_land_reg_id) == 8 and p.mid_land_reg_id.endswith("0000")
    assert p.mid_ta_reg_id[:3] in {"11B", "11C", "11D", "11F", "11G", "11H", "21F"}


def test_former_admin_codes_map_to_the_same_province():
    assert area_code_for_admin_code("42") == 32  # Gangwon before 2023
    assert area_code_for_admin_code("45") == 37  # Jeonbuk before 2024
    with pytest.raises(ValueError, match="unknown administrative"):
        area_code_for_admin_code("99")
    with pytest.raises(ValueError, match="unknown TourAPI area code"):
        province(9)


def test_known_kma_cells_of_metropolitan_cities():
    # KMA-published cells for these city halls; the rest follow from the same conversion.
    assert (province(1).grid.nx, province(1).grid.ny) == (60, 127)
    assert (province(6).grid.nx, province(6).grid.ny) == (98, 76)


def test_region_frame_is_timezone_aware():
    frame = region_frame()
    assert len(frame) == 17
    assert frame["updated_at"].iloc[0].utcoffset().total_seconds() == 9 * 3600


def test_materialize_regions_is_idempotent(tmp_path):
    resources = {"warehouse": WarehouseResource(url=f"sqlite:///{tmp_path / 'w.sqlite'}")}
    for _ in range(2):
        result = dg.materialize([regions, regions_complete, regions_grid_consistent], resources=resources)
        assert result.success
        assert all(e.passed for e in result.get_asset_check_evaluations())
    frame = resources["warehouse"].get().read_table("province_catalogue")
    assert len(frame) == 17
    assert frame["region_code"].is_unique

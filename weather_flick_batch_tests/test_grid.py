"""Pure-function tests of the KMA grid conversion."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weather_flick_batch.core.grid import GridCell, grid_to_latlon, latlon_to_grid

# Known cells from KMA's own documentation (../shared/reference/kma-weather-api.md).
KNOWN = [
    ("Seoul City Hall", 37.5665, 126.9780, (60, 127)),
    ("Busan", 35.1796, 129.0756, (98, 76)),
    ("Daejeon", 36.3504, 127.3845, (67, 100)),
    ("Gwangju", 35.1595, 126.8526, (58, 74)),
    ("Incheon", 37.4563, 126.7052, (55, 124)),
    ("Ulsan", 35.5384, 129.3114, (102, 84)),
]


@pytest.mark.parametrize("name,lat,lon,cell", KNOWN, ids=[k[0] for k in KNOWN])
def test_known_cells(name, lat, lon, cell):
    assert latlon_to_grid(lat, lon) == GridCell(*cell)


def test_origin_maps_to_origin_cell():
    assert latlon_to_grid(38.0, 126.0) == GridCell(43, 136)


@settings(max_examples=300, deadline=None)
@given(nx=st.integers(min_value=1, max_value=149), ny=st.integers(min_value=1, max_value=253))
def test_cell_centre_round_trips(nx, ny):
    lat, lon = grid_to_latlon(nx, ny)
    assert latlon_to_grid(lat, lon) == GridCell(nx, ny)


@settings(max_examples=300, deadline=None)
@given(lat=st.floats(min_value=33.0, max_value=38.7), lon=st.floats(min_value=124.5, max_value=131.0))
def test_point_lies_within_half_a_cell_of_its_cell_centre(lat, lon):
    cell = latlon_to_grid(lat, lon)
    clat, clon = grid_to_latlon(cell.nx, cell.ny)
    # A 5 km cell: the centre is at most ~3.6 km (half the diagonal) away.
    dy = (lat - clat) * 111.0
    dx = (lon - clon) * 111.0 * math.cos(math.radians(lat))
    assert math.hypot(dx, dy) < 3.7


@pytest.mark.parametrize("lat,lon", [(0.0, 0.0), (60.0, 150.0), (float("nan"), 127.0)])
def test_outside_the_grid_is_a_clear_error(lat, lon):
    with pytest.raises(ValueError, match="outside the KMA forecast grid|finite"):
        latlon_to_grid(lat, lon)

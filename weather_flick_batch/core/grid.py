"""KMA's 5 km Lambert conformal conic grid: latitude/longitude <-> (nx, ny).

The short-range APIs are addressed by grid cell, never by coordinates, so every forecast point
goes through this conversion. The constants are KMA's published ones (earth radius 6371.00877 km,
5 km cells, standard parallels 30 and 60 N, origin 126 E / 38 N at grid (43, 136)). Cells are
always computed from coordinates; a hand-copied table in the previous system had several
provinces wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.00877
GRID_KM = 5.0
STANDARD_PARALLEL_1 = 30.0
STANDARD_PARALLEL_2 = 60.0
ORIGIN_LON = 126.0
ORIGIN_LAT = 38.0
ORIGIN_X = 43
ORIGIN_Y = 136

# The extent of the grid KMA serves (149 x 253 cells); anything outside is not a KMA cell.
GRID_NX_MAX = 149
GRID_NY_MAX = 253


@dataclass(frozen=True)
class GridCell:
    nx: int
    ny: int

    def __str__(self) -> str:
        return f"({self.nx}, {self.ny})"


_DEG = math.pi / 180.0
_re = EARTH_RADIUS_KM / GRID_KM
_slat1 = STANDARD_PARALLEL_1 * _DEG
_slat2 = STANDARD_PARALLEL_2 * _DEG
_olon = ORIGIN_LON * _DEG
_olat = ORIGIN_LAT * _DEG
_sn = math.log(math.cos(_slat1) / math.cos(_slat2)) / math.log(
    math.tan(math.pi * 0.25 + _slat2 * 0.5) / math.tan(math.pi * 0.25 + _slat1 * 0.5)
)
_sf = math.tan(math.pi * 0.25 + _slat1 * 0.5) ** _sn * math.cos(_slat1) / _sn
_ro = _re * _sf / math.tan(math.pi * 0.25 + _olat * 0.5) ** _sn


def _projected(lat: float, lon: float) -> tuple[float, float]:
    """Continuous grid coordinates (before rounding to a cell)."""
    ra = _re * _sf / math.tan(math.pi * 0.25 + lat * _DEG * 0.5) ** _sn
    theta = lon * _DEG - _olon
    # Wrap to +-pi so longitudes on either side of the antimeridian project consistently.
    if theta > math.pi:
        theta -= 2.0 * math.pi
    if theta < -math.pi:
        theta += 2.0 * math.pi
    theta *= _sn
    x = ra * math.sin(theta) + ORIGIN_X
    y = _ro - ra * math.cos(theta) + ORIGIN_Y
    return x, y


def latlon_to_grid(lat: float, lon: float) -> GridCell:
    """The KMA grid cell containing (lat, lon). Raises ValueError outside the KMA grid."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(f"coordinates must be finite numbers, got ({lat}, {lon})")
    x, y = _projected(lat, lon)
    cell = GridCell(int(math.floor(x + 0.5)), int(math.floor(y + 0.5)))
    if not (1 <= cell.nx <= GRID_NX_MAX and 1 <= cell.ny <= GRID_NY_MAX):
        raise ValueError(f"({lat:.4f}, {lon:.4f}) lies outside the KMA forecast grid (cell {cell})")
    return cell


def grid_to_latlon(nx: float, ny: float) -> tuple[float, float]:
    """The latitude/longitude of a grid position (the centre of a cell for integer nx, ny)."""
    xn = nx - ORIGIN_X
    yn = _ro - ny + ORIGIN_Y
    ra = math.sqrt(xn * xn + yn * yn)
    if _sn < 0.0:
        ra = -ra
    alat = 2.0 * math.atan((_re * _sf / ra) ** (1.0 / _sn)) - math.pi * 0.5
    if abs(xn) <= 0.0:
        theta = 0.0
    elif abs(yn) <= 0.0:
        theta = math.pi * 0.5 if xn >= 0 else -math.pi * 0.5
    else:
        theta = math.atan2(xn, yn)
    alon = theta / _sn + _olon
    return alat / _DEG, alon / _DEG

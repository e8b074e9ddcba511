"""Forecast points: the distinct KMA grid cells the platform asks KMA about.

The 17 province points come first, then the cells of active destinations (most destinations
first). Points are deduplicated by cell, so API calls per issuance equal the number of distinct
cells: the floor. A cap keeps a deployment inside its daily quota; what it leaves out is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from weather_flick_batch.core.grid import grid_to_latlon
from weather_flick_batch.weather.sample_source import MID_LAND_REGION_CENTRES, MID_TA_CITIES

POINT_COLUMNS = [
    "point_id", "nx", "ny", "latitude", "longitude", "region_code", "kind",
    "destination_count", "mid_land_reg_id", "mid_ta_reg_id",
]


@dataclass
class PointsResult:
    points: pd.DataFrame
    left_out: pd.DataFrame  # cells beyond the cap, most important first

    @property
    def summary(self) -> str:
        if self.left_out.empty:
            return f"{len(self.points)} points, none left out"
        return (f"{len(self.points)} points; cap left out {len(self.left_out)} cells covering "
                f"{int(self.left_out['destination_count'].sum())} destinations")


def point_id(nx: int, ny: int) -> str:
    return f"{nx}_{ny}"


def _nearest(ids_to_latlon: dict[str, tuple[float, float]], lat: float, lon: float) -> str:
    cos_lat = math.cos(math.radians(lat))
    return min(ids_to_latlon, key=lambda k: (ids_to_latlon[k][0] - lat) ** 2
               + ((ids_to_latlon[k][1] - lon) * cos_lat) ** 2)


_TA_LATLON = {k: (v[1], v[2]) for k, v in MID_TA_CITIES.items()}


def build_forecast_points(
    regions: pd.DataFrame, destination_cells: pd.DataFrame | None = None, max_points: int | None = None
) -> PointsResult:
    """``regions``: the regions table; ``destination_cells``: columns nx, ny, region_code, destinations."""
    provinces = pd.DataFrame({
        "nx": regions["grid_nx"].astype(int),
        "ny": regions["grid_ny"].astype(int),
        "latitude": regions["latitude"].astype(float),
        "longitude": regions["longitude"].astype(float),
        "region_code": regions["region_code"].astype(int),
        "kind": "province",
        "destination_count": 0,
        "mid_land_reg_id": regions["mid_land_reg_id"],
        "mid_ta_reg_id": regions["mid_ta_reg_id"],
    })
    frames = [provinces]
    if destination_cells is not None and not destination_cells.empty:
        cells = (destination_cells.groupby(["nx", "ny"], as_index=False)
                 .agg(region_code=("region_code", "first"), destination_count=("destinations", "sum"))
                 .sort_values(["destination_count", "nx", "ny"], ascending=[False, True, True]))
        centres = [grid_to_latlon(nx, ny) for nx, ny in zip(cells["nx"], cells["ny"])]
        cells["latitude"] = [c[0] for c in centres]
        cells["longitude"] = [c[1] for c in centres]
        cells["kind"] = "destinations"
        cells["mid_land_reg_id"] = [_nearest(MID_LAND_REGION_CENTRES, la, lo) for la, lo in centres]
        cells["mid_ta_reg_id"] = [_nearest(_TA_LATLON, la, lo) for la, lo in centres]
        frames.append(cells)
    merged = pd.concat(frames, ignore_index=True)
    # A destination cell that coincides with a province point adds its destinations to it.
    counts = merged.groupby(["nx", "ny"])["destination_count"].transform("sum")
    merged["destination_count"] = counts.astype(int)
    merged = merged.drop_duplicates(subset=["nx", "ny"], keep="first").reset_index(drop=True)
    merged["point_id"] = [point_id(nx, ny) for nx, ny in zip(merged["nx"], merged["ny"])]
    merged = merged[POINT_COLUMNS]
    if max_points is not None and len(merged) > max_points:
        return PointsResult(merged.head(max_points).copy(), merged.iloc[max_points:].copy())
    return PointsResult(merged, merged.iloc[0:0].copy())

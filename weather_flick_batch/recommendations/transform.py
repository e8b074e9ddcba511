"""From the daily outlook and the catalogue to scores and top lists: vectorised, Dagster-free."""

from __future__ import annotations


import numpy as np
import pandas as pd

from weather_flick_batch.recommendations.scoring import score_frame
from weather_flick_batch.weather.outlook import MID_RANGE_WET_DAY_MM

# TourAPI categories where the beach profile (HCI:Beach) applies: coastal scenery, beaches,
# islands, ports, lighthouses (A0101xx), and water sports (A0303).
COASTAL_CAT3 = frozenset({"A01011100", "A01011200", "A01011300", "A01011400", "A01011600"})
COASTAL_CAT2 = frozenset({"A0303"})

SCORE_COLUMNS = [
    "content_id", "forecast_date", "lead_days", "content_type_id", "region_code", "sigungu_code", "point_id",
    "profile", "score", "grade", "grade_rank", "confidence", "reasons", "tc_rating", "a_rating", "p_rating",
    "w_rating", "source",
]


def nearest_forecast_points(cells: pd.DataFrame, points: pd.DataFrame) -> pd.Series:
    """Each destination's forecast point: its own cell's, else the nearest one that has an outlook.

    WEATHER_FLICK_KMA_MAX_POINTS can leave cells out of the forecast to stay inside the API quota;
    destinations there are scored from the nearest point (grid distance, 5 km cells) rather than
    left unscored. ``cells``: content_id, nx, ny, point_id; ``points``: point_id, nx, ny.
    """
    own = cells["point_id"]
    have = own.isin(set(points["point_id"]))
    if have.all() or points.empty:
        return own
    missing = cells.loc[~have, ["nx", "ny"]].drop_duplicates()
    dx = missing["nx"].to_numpy()[:, None] - points["nx"].to_numpy()[None, :]
    dy = missing["ny"].to_numpy()[:, None] - points["ny"].to_numpy()[None, :]
    nearest = points["point_id"].to_numpy()[(dx * dx + dy * dy).argmin(axis=1)]
    lookup = dict(zip(zip(missing["nx"], missing["ny"]), nearest))
    substitute = pd.Series([lookup[cell] for cell in zip(cells.loc[~have, "nx"], cells.loc[~have, "ny"])],
                           index=cells.index[~have])
    return own.where(have, substitute)


def scoring_input(destinations: pd.DataFrame, cells: pd.DataFrame, outlook: pd.DataFrame,
                  points: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per active destination and outlook day of its forecast point (see nearest_forecast_points)."""
    active = destinations[destinations["is_active"].astype(bool)]
    cells = cells.copy()
    if points is not None:
        covered = points[points["point_id"].isin(set(outlook["point_id"]))]
        cells["point_id"] = nearest_forecast_points(cells, covered)
    dest = active[["content_id", "content_type_id", "region_code", "sigungu_code", "cat2", "cat3"]].merge(
        cells[["content_id", "point_id"]], on="content_id", how="inner")
    dest["coastal"] = dest["cat3"].isin(COASTAL_CAT3) | dest["cat2"].isin(COASTAL_CAT2)
    frame = dest.merge(outlook, on="point_id", how="inner")
    # Scoring treats precip_mm as "the amount if it rains" (probability comes from pop). Short-range
    # sums are amounts; the medium-range outlook stores an expectation (pop x 5 mm), so give it the
    # wet-day amount instead and let pop carry the probability.
    frame["precip_mm"] = np.where(frame["source"] == "mid_range", MID_RANGE_WET_DAY_MM, frame["precip_mm"])
    return frame


def score_destinations(destinations: pd.DataFrame, cells: pd.DataFrame, outlook: pd.DataFrame,
                       points: pd.DataFrame | None = None) -> pd.DataFrame:
    frame = scoring_input(destinations, cells, outlook, points)
    if frame.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    # Reasons come back as JSON array strings (json.dumps(list, ensure_ascii=False)), built once per distinct
    # reason tuple; "str" is the dtype the column had when it was assigned a list of strings.
    scored = score_frame(frame, reasons_format="json")
    scored["reasons"] = scored["reasons"].astype("str")
    return scored[SCORE_COLUMNS].reset_index(drop=True)


def top_n(scores: pd.DataFrame, destinations: pd.DataFrame, n: int) -> pd.DataFrame:
    """Top ``n`` destinations per (province, district, day, content type), province level as district 0."""
    named = scores.merge(destinations[["content_id", "title"]], on="content_id", how="left")
    levels = []
    for level, keys in (("province", ["region_code"]), ("district", ["region_code", "sigungu_code"])):
        frame = named if level == "province" else named[named["sigungu_code"].notna()]
        frame = frame.sort_values(["score", "content_id"], ascending=[False, True])
        group = keys + ["forecast_date", "content_type_id"]
        frame = frame.assign(rank=frame.groupby(group, sort=False).cumcount() + 1)
        frame = frame[frame["rank"] <= n].copy()
        if level == "province":
            frame["sigungu_code"] = 0
        frame["level"] = level
        levels.append(frame)
    out = pd.concat(levels, ignore_index=True)
    out["sigungu_code"] = out["sigungu_code"].astype(int)
    return out[["region_code", "sigungu_code", "forecast_date", "content_type_id", "rank", "level", "content_id",
                "title", "score", "grade", "reasons"]].reset_index(drop=True)

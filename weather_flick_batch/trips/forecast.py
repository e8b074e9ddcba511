"""Trip forecasts: every remaining day and place of every active plan, with the daily outlook there.

Set-based (pandas) so that 100,000 plans take seconds: the itineraries are read once per plan
(``itinerary.read_itinerary``), everything after that is joins and vector arithmetic.

Where a place is forecast, best first (``located_by``):

- ``destination``: its TourAPI content_id has a forecast cell (``destination_forecast_cells``);
- ``coordinates``: the KMA grid cell of its coordinates, or the nearest forecast point;
- ``region``: the province of the place (area code or address), else the trip's main province,
  at the province's point;
- ``none``: nothing locates it; the row is kept (the traveller still sees the day) without values.

A located place whose day is beyond the outlook (10 days) keeps its point and has no values.
No Dagster here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from weather_flick_batch.core.grid import latlon_to_grid
from weather_flick_batch.core.timeutil import KST
from weather_flick_batch.trips import changes
from weather_flick_batch.trips.itinerary import plan_start_date, read_itinerary

ACTIVE_STATUSES = ("CONFIRMED", "IN_PROGRESS")
VALUE_COLUMNS = ("tmax_c", "tmin_c", "pop_pct", "precip_mm", "wind_ms", "cloud_pct")
COLUMNS = ("plan_id", "day", "stop", "user_id", "forecast_date", "place", "content_id", "region_code",
           "point_id", "located_by", *VALUE_COLUMNS, "condition", "warnings", "simulated")
#: Days (from today) on which the warnings in force now are told at a stop: a traveller leaving
#: tomorrow has to hear tonight about the 호우경보 at the destination.
WARNING_DAYS = 2


@dataclass
class TripStops:
    stops: pd.DataFrame  # plan_id, user_id, title, day, stop, forecast_date, place, content_id, lat, lon, area_code
    plans: int = 0
    skipped: dict[str, str] = field(default_factory=dict)  # plan_id -> why it has no stops


def active_stops(plans: pd.DataFrame, today: date) -> TripStops:
    """The stops from ``today`` on of the plans that are CONFIRMED or IN_PROGRESS and not yet ended.

    ``plans`` has plan_id, user_id, title, status, start_date, end_date, itinerary (as the back end
    stores them: DATE or TIMESTAMPTZ dates, itinerary as JSON or text).
    """
    rows: list[tuple] = []
    skipped: dict[str, str] = {}
    count = 0
    for plan in plans.itertuples(index=False):
        if str(plan.status) not in ACTIVE_STATUSES:
            continue
        start, end = plan_start_date(plan.start_date, KST), plan_start_date(plan.end_date, KST)
        if start is None:
            skipped[str(plan.plan_id)] = "no start date"
            continue
        if end is not None and end < today:
            continue
        count += 1
        stops = read_itinerary(plan.itinerary, start)
        if not stops:
            skipped[str(plan.plan_id)] = "no itinerary places"
            continue
        for s in stops:
            if s.date < today or (end is not None and s.date > end):
                continue
            rows.append((str(plan.plan_id), str(plan.user_id), str(plan.title), s.day, s.order, s.date,
                         s.name or f"{s.day}일차 {s.order + 1}번째 장소", s.content_id, s.latitude, s.longitude,
                         s.area_code))
    frame = pd.DataFrame(rows, columns=["plan_id", "user_id", "title", "day", "stop", "forecast_date", "place",
                                        "content_id", "lat", "lon", "area_code"])
    return TripStops(frame, count, skipped)


def _nearest_points(lat: np.ndarray, lon: np.ndarray, points: pd.DataFrame) -> np.ndarray:
    """point_id of the forecast point nearest (on the KMA grid) to each coordinate."""
    cells = np.array([(c.nx, c.ny) for c in (latlon_to_grid(a, o) for a, o in zip(lat, lon))], dtype=float)
    return _nearest_to_cells(cells, points)


def _nearest_to_cells(cells: np.ndarray, points: pd.DataFrame) -> np.ndarray:
    """point_id of the forecast point nearest to each (nx, ny) grid cell."""
    grid = points[["nx", "ny"]].to_numpy(dtype=float)
    out = np.empty(len(cells), dtype=object)
    for start in range(0, len(cells), 20_000):  # bounded memory: chunk x points distances at a time
        chunk = cells[start:start + 20_000]
        d2 = ((chunk[:, None, :] - grid[None, :, :]) ** 2).sum(axis=2)
        out[start:start + len(chunk)] = points["point_id"].to_numpy()[d2.argmin(axis=1)]
    return out


def trip_forecasts(stops: pd.DataFrame, cells: pd.DataFrame, points: pd.DataFrame,
                   outlook: pd.DataFrame) -> pd.DataFrame:
    """One row per stop (``COLUMNS``).

    ``cells``: content_id, point_id, region_code, nx, ny (destination_forecast_cells); ``points``: point_id,
    nx, ny, region_code, kind (forecast_points); ``outlook``: point_id, forecast_date, tmax_c, tmin_c,
    pop_max_pct, precip_mm, wind_max_ms, cloud_pct, simulated (weather_daily_outlook).
    """
    if stops.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    out = stops.merge(cells[["content_id", "point_id", "region_code", "nx", "ny"]].rename(
        columns={"point_id": "cell_point", "region_code": "cell_region"}), on="content_id", how="left")
    # A cell the forecast-point cap left out (WEATHER_FLICK_KMA_MAX_POINTS) is forecast at the nearest
    # point that is forecast, as its scores are.
    capped_out = out["cell_point"].notna() & ~out["cell_point"].isin(points["point_id"])
    if capped_out.any() and not points.empty:
        out.loc[capped_out, "cell_point"] = _nearest_to_cells(
            out.loc[capped_out, ["nx", "ny"]].to_numpy(dtype=float), points)
    out["point_id"] = out["cell_point"]
    out["located_by"] = np.where(out["cell_point"].notna(), "destination", "none")
    out["region_code"] = out["cell_region"].fillna(out["area_code"])

    by_coordinates = out["point_id"].isna() & out["lat"].notna() & out["lon"].notna()
    if by_coordinates.any() and not points.empty:
        out.loc[by_coordinates, "point_id"] = _nearest_points(
            out.loc[by_coordinates, "lat"].to_numpy(float), out.loc[by_coordinates, "lon"].to_numpy(float), points)
        out.loc[by_coordinates, "located_by"] = "coordinates"
        point_region = points.set_index("point_id")["region_code"]
        out.loc[by_coordinates & out["region_code"].isna(), "region_code"] = \
            out.loc[by_coordinates & out["region_code"].isna(), "point_id"].map(point_region)

    # A place without its own location takes the trip's main province (its most frequent one).
    counts = out.dropna(subset=["region_code"]).groupby(["plan_id", "region_code"]).size().reset_index(name="n")
    main_region = counts.sort_values(["plan_id", "n"], ascending=[True, False]).drop_duplicates("plan_id") \
        .set_index("plan_id")["region_code"]
    out["region_code"] = out["region_code"].fillna(out["plan_id"].map(main_region))
    province_point = points.loc[points["kind"] == "province"].set_index("region_code")["point_id"]
    by_region = out["point_id"].isna() & out["region_code"].notna()
    out.loc[by_region, "point_id"] = out.loc[by_region, "region_code"].map(province_point)
    out.loc[by_region & out["point_id"].notna(), "located_by"] = "region"

    values = outlook.rename(columns={"pop_max_pct": "pop_pct", "wind_max_ms": "wind_ms"})[
        ["point_id", "forecast_date", *VALUE_COLUMNS, "simulated"]]
    out = out.merge(values, on=["point_id", "forecast_date"], how="left")
    # A stop beyond the outlook carries the flag of the outlook it was looked up in.
    out["simulated"] = out["simulated"].astype(object).fillna(bool(outlook["simulated"].any()) if len(outlook) else False)
    out["simulated"] = out["simulated"].astype(bool)
    out["condition"] = conditions(out)
    out["region_code"] = out["region_code"].astype("Int64")
    if "warnings" not in out:
        out["warnings"] = None
    return out[list(COLUMNS)].sort_values(["plan_id", "day", "stop"]).reset_index(drop=True)


def with_warnings(frame: pd.DataFrame, areas: pd.DataFrame, sigungu_of: pd.Series, today: date) -> pd.DataFrame:
    """``frame`` (trip forecasts) with ``warnings``: the warnings in force at each stop, for the stops of
    today and tomorrow (:data:`WARNING_DAYS`), e.g. '대설경보, 한파주의보'.

    ``areas``: the districts warnings concern (weather_warning_areas: region_code, sigungu_code, scope,
    kind, level); ``sigungu_of``: content_id -> TourAPI district. A stop matches its district's
    warnings, and those of zones known only by their province; sea zones (scope coast) are not told.
    """
    out = frame.copy()
    out["warnings"] = None
    if out.empty or areas is None or areas.empty:
        return out
    land = areas[areas["scope"] != "coast"].assign(name=areas["kind"].astype(str) + areas["level"].astype(str))
    soon = (out["forecast_date"] >= today) & (out["forecast_date"] < today + timedelta(days=WARNING_DAYS))
    stops = out.loc[soon & out["region_code"].notna(), ["region_code", "content_id"]].reset_index(names="_row")
    stops["sigungu_code"] = stops["content_id"].map(sigungu_of)
    stops["region_code"] = stops["region_code"].astype(int)
    by_district = stops.dropna(subset=["sigungu_code"]).astype({"sigungu_code": int}).merge(
        land[land["scope"] == "district"][["region_code", "sigungu_code", "name", "level_rank"]],
        on=["region_code", "sigungu_code"])
    by_province = stops.merge(land[land["scope"] == "province"][["region_code", "name", "level_rank"]],
                              on="region_code")
    found = pd.concat([by_district[["_row", "name", "level_rank"]], by_province[["_row", "name", "level_rank"]]])
    if found.empty:
        return out
    names = found.sort_values(["_row", "level_rank", "name"], ascending=[True, False, True]).groupby("_row")["name"] \
        .agg(lambda s: ", ".join(dict.fromkeys(s)))
    out.loc[names.index, "warnings"] = names.to_numpy()
    return out


def conditions(frame: pd.DataFrame) -> pd.Series:
    """``changes.condition`` for every row at once (None where the row has no values)."""
    tmax, cloud, pop = frame["tmax_c"], frame["cloud_pct"], frame["pop_pct"]
    rain, wind = frame["precip_mm"], frame["wind_ms"]
    wet = (rain >= 1.0) | (pop >= 60.0)
    snowy = wet & (tmax <= 1.0)
    choices = [
        (rain >= 50.0) & (wind >= 25.0), (rain >= 10.0) & (wind >= 14.0), snowy & (rain >= 10.0), snowy,
        rain >= 30.0, wet, pop >= changes.RAIN_CROSSING_PCT, cloud >= 80.0, cloud >= 50.0,
    ]
    labels = ["typhoon", "storm", "heavy_snow", "snow", "heavy_rain", "rain", "showers", "cloudy", "partly_cloudy"]
    result = np.select([c.fillna(False).to_numpy(bool) for c in choices], labels, default="sunny").astype(object)
    result[frame[list(VALUE_COLUMNS)].isna().any(axis=1).to_numpy()] = None
    return pd.Series(result, index=frame.index)


def _day_forecast(row: Any, suffix: str = "") -> changes.DayForecast:
    return changes.DayForecast(*(float(getattr(row, c + suffix)) for c in VALUE_COLUMNS))


def detect_changes(previous: pd.DataFrame, current: pd.DataFrame) -> dict[str, list[changes.Change]]:
    """plan_id -> the changes from the forecast each stop was last told to the new one.

    A stop is compared when both forecasts have values for the same place on the same date (a stop
    whose place or date the traveller edited is new, not changed). Rows that no rule can fire on are
    dropped by vector tests first; ``changes.compare`` then words the few that remain.
    """
    if previous.empty or current.empty:
        return {}
    both = current.merge(previous, on=["plan_id", "day", "stop"], suffixes=("", "_old"))
    both = both[(both["forecast_date"] == both["forecast_date_old"]) & (both["place"] == both["place_old"])]
    found: dict[str, list[changes.Change]] = {}
    if "warnings_old" in both:
        # A warning is told whether or not the stop's outlook values are complete.
        new_warning = both["warnings"].notna() & (both["warnings"].fillna("") != both["warnings_old"].fillna(""))
        for row in both[new_warning].itertuples(index=False):
            told = changes.compare_warnings(row.warnings_old, row.warnings, day=int(row.day), when=row.forecast_date,
                                            place=str(row.place))
            if told:
                found.setdefault(str(row.plan_id), []).extend(told)
    both = both.dropna(subset=[*VALUE_COLUMNS, *(c + "_old" for c in VALUE_COLUMNS)])
    if both.empty:
        return found
    crossed = lambda c, t: ((both[c + "_old"] < t) & (both[c] >= t)) | ((both[c] < t) & (both[c + "_old"] >= t))  # noqa: E731
    candidate = (
        ((both["tmax_c"] - both["tmax_c_old"]).abs() >= changes.TEMP_INFO_C)
        | ((both["tmin_c"] - both["tmin_c_old"]).abs() >= changes.TEMP_INFO_C)
        | crossed("pop_pct", changes.RAIN_CROSSING_PCT)
        | (conditions(both) != conditions(both[[c + "_old" for c in VALUE_COLUMNS]].set_axis(list(VALUE_COLUMNS), axis=1)))
        | ((both["tmax_c"] >= changes.HOT_C) & (both["tmax_c_old"] < changes.HOT_C))
        | ((both["tmin_c"] <= changes.COLD_C) & (both["tmin_c_old"] > changes.COLD_C))
        | ((both["wind_ms"] >= changes.STRONG_WIND_MS) & (both["wind_ms_old"] < changes.STRONG_WIND_MS))
    )
    for row in both[candidate].itertuples(index=False):
        stop_changes = changes.compare(_day_forecast(row, suffix="_old"), _day_forecast(row), day=int(row.day),
                                       when=row.forecast_date, place=str(row.place))
        if stop_changes:
            found.setdefault(str(row.plan_id), []).extend(stop_changes)
    return found


def weather_infos(current: pd.DataFrame, as_of: datetime) -> dict[str, dict[str, Any]]:
    """``travel_plans.weather_info`` per plan (docs/trip-notices.md): the back end's own keys
    (``forecast``, ``average_temperature``, ``recommendation``) with per-day detail.

    Aggregates are computed per group in one pass each; only assembling the JSON walks the rows
    (a 100,000-plan run builds ~650,000 place entries in a few seconds)."""
    if current.empty:
        return {}
    frame = current.sort_values(["plan_id", "day", "stop"])
    known = frame.dropna(subset=["tmax_c"])
    days = known.groupby(["plan_id", "day"]).agg(max_temp=("tmax_c", "max"), min_temp=("tmin_c", "min"),
                                                 rain=("pop_pct", "max"))
    average = ((known["tmax_c"] + known["tmin_c"]) / 2).groupby(known["plan_id"]).mean()
    texts = recommendations(frame)
    simulated = frame.groupby("plan_id")["simulated"].any().to_dict()
    labels = {code: label for _, code, label in changes.CONDITIONS}
    out: dict[str, dict[str, Any]] = {}
    day_stats = days.to_dict("index")
    updated = as_of.isoformat()
    # Columns as plain lists, rounded once: the loop below only assembles dicts.
    has_values = (frame["tmax_c"].notna() & frame["condition"].notna()).tolist()
    rounded = {c: frame[c].round(1).tolist() for c in ("tmax_c", "tmin_c", "precip_mm", "wind_ms")}
    whole = {c: frame[c].round(0).tolist() for c in ("pop_pct", "cloud_pct")}
    content_ids = frame["content_id"].astype(object).where(frame["content_id"].notna(), None).tolist()
    rows = zip(frame["plan_id"].tolist(), frame["day"].tolist(), frame["forecast_date"].tolist(),
               frame["place"].tolist(), content_ids, frame["located_by"].tolist(), frame["condition"].tolist(),
               has_values, rounded["tmax_c"], rounded["tmin_c"], whole["pop_pct"], rounded["precip_mm"],
               rounded["wind_ms"], whole["cloud_pct"])
    for plan_id, day, when, place, content_id, located_by, condition, has, tmax, tmin, pop, rain, wind, cloud in rows:
        info = out.get(plan_id)
        if info is None:
            mean = average.get(plan_id)
            info = out[plan_id] = {
                "forecast": [], "average_temperature": None if mean is None or pd.isna(mean) else round(float(mean), 1),
                "recommendation": texts[plan_id], "updated_at": updated, "source": "weather-flick-batch",
                "simulated": bool(simulated[plan_id])}
        days_list = info["forecast"]
        if not days_list or days_list[-1]["day"] != day:
            stats = day_stats.get((plan_id, day))
            days_list.append({"day": int(day), "date": when.isoformat(), "places": [],
                              "max_temp": round(float(stats["max_temp"]), 1) if stats else None,
                              "min_temp": round(float(stats["min_temp"]), 1) if stats else None,
                              "rain_probability": int(round(float(stats["rain"]))) if stats else None})
        entry: dict[str, Any] = {"place": place, "content_id": None if content_id is None else str(content_id),
                                 "located_by": located_by}
        if has:
            entry.update({"max_temp": tmax, "min_temp": tmin, "rain_probability": int(pop), "precipitation_mm": rain,
                          "wind_speed": wind, "cloud_pct": int(cloud), "weather_condition": condition,
                          "weather_label": labels[condition]})
        days_list[-1]["places"].append(entry)
    return out


_RECOMMENDATIONS = (  # (test on a plan's rows, Korean sentence), worst first
    ("severe", "악천후가 예보된 날이 있어요. 실내 일정을 준비하고 안전에 유의하세요."),
    ("hot", "폭염이 예보돼 있어요. 한낮 야외 활동을 줄이고 물을 자주 드세요."),
    ("cold", "한파가 예보돼 있어요. 따뜻한 옷을 챙기세요."),
    ("rain", "비 소식이 있는 날이 있어요. 우산을 챙기고 실내 대안도 살펴보세요."),
)
NO_FORECAST_YET = "아직 여행 기간의 예보가 없어요. 가까워지면 알려드릴게요."
GOOD_WEATHER = "여행하기 좋은 날씨가 예보돼 있어요."


def recommendations(frame: pd.DataFrame) -> dict[str, str]:
    """One Korean sentence per plan, from its worst day (grouped flags, no per-plan loop over rows)."""
    flags = pd.DataFrame({
        "plan_id": frame["plan_id"],
        "known": frame["tmax_c"].notna(),
        "severe": frame["condition"].isin(["heavy_rain", "storm", "typhoon"]),
        "hot": frame["tmax_c"] >= changes.HOT_C,
        "cold": frame["tmin_c"] <= changes.COLD_C,
        "rain": frame["pop_pct"] >= changes.RAIN_CROSSING_PCT,
    }).groupby("plan_id").any()
    text = pd.Series(GOOD_WEATHER, index=flags.index, dtype=object)
    for flag, sentence in reversed(_RECOMMENDATIONS):
        text[flags[flag]] = sentence
    text[~flags["known"]] = NO_FORECAST_YET
    return text.to_dict()

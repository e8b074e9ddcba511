"""Daily analytics as plain functions over warehouse frames (vectorised, Dagster-free)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from weather_flick_batch.recommendations.scoring import GOOD_OR_BETTER_RANK

POOR_WEATHER_SCORE = 50.0  # below "acceptable"


def region_weather_summary(outlook: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """Per province and day: mean and extreme temperatures, rain chance and amount, wind, over its points."""
    frame = outlook.merge(points[["point_id", "region_code"]], on="point_id")
    out = frame.groupby(["region_code", "forecast_date"], as_index=False).agg(
        lead_days=("lead_days", "min"), points=("point_id", "nunique"),
        tmax_mean_c=("tmax_c", "mean"), tmax_max_c=("tmax_c", "max"), tmin_mean_c=("tmin_c", "mean"),
        tmin_min_c=("tmin_c", "min"), pop_mean_pct=("pop_max_pct", "mean"), precip_mean_mm=("precip_mm", "mean"),
        wind_max_ms=("wind_max_ms", "max"), cloud_mean_pct=("cloud_pct", "mean"),
    )
    return out.round(2)


def score_distribution(scores: pd.DataFrame) -> pd.DataFrame:
    """Per province and day: score quantiles, share rated good or better, and the best days."""
    grouped = scores.groupby(["region_code", "forecast_date"])["score"]
    out = grouped.agg(destinations="count", mean_score="mean").reset_index()
    quantiles = grouped.quantile([0.1, 0.5, 0.9]).unstack()
    out["p10_score"] = quantiles[0.1].to_numpy()
    out["median_score"] = quantiles[0.5].to_numpy()
    out["p90_score"] = quantiles[0.9].to_numpy()
    good = (scores["grade_rank"] >= GOOD_OR_BETTER_RANK).groupby(
        [scores["region_code"], scores["forecast_date"]]).mean()
    out["share_good_or_better"] = good.to_numpy()
    out["day_rank"] = out.groupby("region_code")["mean_score"].rank(ascending=False, method="first").astype(int)
    out["is_best_day"] = out["day_rank"] == 1
    return out.round(3)


def festival_weather(festivals: pd.DataFrame, scores: pd.DataFrame, horizon: list) -> pd.DataFrame:
    """Every festival day inside the horizon with that day's score; poor weather flagged."""
    if festivals.empty:
        return pd.DataFrame(columns=["content_id", "forecast_date", "title", "region_code", "score", "grade",
                                     "reasons", "poor_weather"])
    days = pd.DataFrame({"forecast_date": horizon})
    frame = festivals.merge(days, how="cross")
    start = pd.to_datetime(frame["event_start_date"])
    end = pd.to_datetime(frame["event_end_date"])
    day = pd.to_datetime(frame["forecast_date"])
    frame = frame[(day >= start) & (day <= end)]
    frame = frame.merge(scores[["content_id", "forecast_date", "score", "grade", "reasons"]],
                        on=["content_id", "forecast_date"], how="inner")
    frame["poor_weather"] = frame["score"] < POOR_WEATHER_SCORE
    return frame[["content_id", "forecast_date", "title", "region_code", "score", "grade", "reasons",
                  "poor_weather"]].reset_index(drop=True)


def forecast_verification(forecasts: pd.DataFrame, observed: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """Short-range forecasts against nowcast observations, by province and lead day.

    Temperature mean absolute error (TMP vs T1H), and rain: a rainy hour is PTY > 0 or an amount > 0.
    ``rain_accuracy`` is the share of hours forecast right (rain or not); ``rain_hit_rate`` the share of
    observed rainy hours that were forecast (NULL when nothing rained).
    """
    obs = observed.rename(columns={"partition_hour": "valid_time"})[
        ["nx", "ny", "valid_time", "t1h_c", "rn1_mm", "pty_code"]].rename(columns={"pty_code": "pty_obs"})
    pairs = forecasts[["nx", "ny", "valid_time", "base_time", "tmp_c", "pcp_mm", "pty_code"]].merge(
        obs, on=["nx", "ny", "valid_time"])
    pairs = pairs[pairs["valid_time"] > pairs["base_time"]]
    if pairs.empty:
        return pd.DataFrame(columns=["region_code", "lead_day", "pairs", "temp_mae_c", "rain_accuracy",
                                     "rain_hit_rate", "observed_rain_hours"])
    cells = points[["nx", "ny", "region_code"]].drop_duplicates(["nx", "ny"])
    pairs = pairs.merge(cells, on=["nx", "ny"])
    lead_hours = (pairs["valid_time"] - pairs["base_time"]).dt.total_seconds() / 3600
    pairs["lead_day"] = (lead_hours // 24).astype(int)
    pairs["abs_err"] = (pairs["tmp_c"] - pairs["t1h_c"]).abs()
    fc_rain = (pairs["pty_code"].fillna(0) > 0) | (pairs["pcp_mm"].fillna(0) > 0)
    ob_rain = (pairs["pty_obs"].fillna(0) > 0) | (pairs["rn1_mm"].fillna(0) > 0)
    pairs["correct"] = fc_rain == ob_rain
    pairs["ob_rain"] = ob_rain
    pairs["hit"] = fc_rain & ob_rain
    out = pairs.groupby(["region_code", "lead_day"], as_index=False).agg(
        pairs=("abs_err", "size"), temp_mae_c=("abs_err", "mean"), rain_accuracy=("correct", "mean"),
        observed_rain_hours=("ob_rain", "sum"), hits=("hit", "sum"))
    out["rain_hit_rate"] = np.where(out["observed_rain_hours"] > 0,
                                    out["hits"] / out["observed_rain_hours"].where(out["observed_rain_hours"] > 0),
                                    np.nan)
    return out.drop(columns=["hits"]).round(3)

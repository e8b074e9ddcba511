"""Daily weather outlook per point: short-range days first, mid-range beyond.

:func:`build_daily_outlook` turns the parsed KMA frames (see
:mod:`weather_flick_batch.weather.parsing`) into one row per (point, date) for
``today .. today + horizon_days − 1`` with the daily inputs a tourism-climate score needs
(max/min temperature, humidity, cloud cover, rain probability and amount, wind).

Rules (all stated here so scores can be explained):

* **Which source.** A date uses the short-range forecast when it has at least one daytime
  hour (09–18 h KST) of it; otherwise the mid-range forecast when there is one for that
  date; otherwise whatever short-range hours exist (e.g. late evening of today).  When
  several short-range issuances are given, each valid hour is taken from the newest
  issuance that covers it; mid-range rows come from the newest ``tm_fc`` per date.
* **Short-range day.** ``tmax_c`` = max(TMX, hourly TMP) and ``tmin_c`` = min(TMN, hourly
  TMP) over the day (TMX/TMN are KMA's own daily extremes; the hourly values guard days
  where they are missing); ``rh_mean_pct`` = mean REH; ``cloud_pct`` = mean over the
  daytime hours of SKY mapped 1 → 10 %, 3 → 70 %, 4 → 95 % (all hours if no daytime hour);
  ``pop_max_pct`` = max POP; ``precip_mm`` = sum of hourly PCP; ``wind_max_ms`` = max WSD;
  ``complete`` = all 24 hours present.
* **Mid-range day.** ``tmax_c``/``tmin_c`` = ``taMax``/``taMin``; ``pop_max_pct`` = the
  day's rain probability (``rnSt{N}`` or max of the AM/PM values); ``cloud_pct`` = the
  mean of the AM/PM ``wf`` texts mapped 맑음 → 10 %, 구름많음 / 구름많고 … → 70 %,
  흐림 / 흐리고 … and bare 비/눈/소나기 → 95 %; ``precip_mm`` = expected rain
  ``pop/100 × 5 mm`` (:data:`MID_RANGE_WET_DAY_MM`: a typical Korean wet-day total, so a
  60 % day expects 3 mm); ``complete`` = both halves (or the whole day) of rain
  probability and sky and both temperatures present.
* **The next hours of today.** When an ultra-short forecast (getUltraSrtFcst, hourly, six
  hours ahead) is given, its hours replace the short-range values for the same valid hours
  wherever it is the newer issuance: temperature (T1H), humidity, sky, rain (RN1) and wind.
  It has no rain probability: such an hour keeps the short-range POP, raised to 100 % where
  the ultra-short forecast has rain or snow (PTY 1-3: it states rain, not a chance of it; the
  trace forms 빗방울/눈날림 do not raise it), and the
  short-range TMN/TMX of that hour are kept. ``ultra_short_hours`` counts the hours of each
  day that came from it (only today and, late in the evening, tomorrow have any).
* **Gaps.** A missing value is filled from the other source for the same date when it has
  one.  Mid-range has no wind or humidity at all: those are filled by persistence — the
  mean of the point's short-range daily values, from the short-range issuance issued with
  the medium-range forecast when it is given (``persistence_df``: the medium-range days then
  change twice a day with their own forecast, not with every short-range issuance, and a
  refresh rewrites only the days that changed).  ``filled_fields`` lists what was filled.
  Days with no data are omitted; a row that still lacks temperature, rain probability,
  precipitation, cloud or wind is dropped and counted in ``df.attrs["rows_dropped"]``
  (with reasons in ``df.attrs["rows_dropped_by_field"]``).  ``rh_mean_pct`` may stay NaN.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from weather_flick_batch.weather.issuance import KST, to_kst

__all__ = [
    "SKY_CLOUD_PCT",
    "MID_RANGE_WET_DAY_MM",
    "DAYTIME_HOURS",
    "OUTLOOK_COLUMNS",
    "REQUIRED_FIELDS",
    "mid_sky_cloud_pct",
    "build_daily_outlook",
]

log = logging.getLogger(__name__)

#: Cloud cover (%) represented by each short-range SKY code.
SKY_CLOUD_PCT: dict[int, float] = {1: 10.0, 3: 70.0, 4: 95.0}
#: Expected rain on a mid-range day = POP/100 × this many mm.
MID_RANGE_WET_DAY_MM = 5.0
#: Hours (KST, inclusive) that count as daytime for cloud cover and source choice.
DAYTIME_HOURS: tuple[int, int] = (9, 18)

#: Output columns and dtypes (``point_id`` keeps the dtype of ``points_df``).
OUTLOOK_COLUMNS: dict[str, str] = {
    "point_id": "keep",
    "forecast_date": "object",  # datetime.date
    "lead_days": "int64",
    "tmax_c": "float64",
    "tmin_c": "float64",
    "rh_mean_pct": "float64",
    "cloud_pct": "float64",
    "pop_max_pct": "float64",
    "precip_mm": "float64",
    "wind_max_ms": "float64",
    "source": "str",
    "complete": "bool",
    "filled_fields": "str",
    "ultra_short_hours": "int64",
}

_VALUE_FIELDS = (
    "tmax_c", "tmin_c", "rh_mean_pct", "cloud_pct", "pop_max_pct", "precip_mm", "wind_max_ms",
)
#: Fields that may never be NaN in an emitted row.
REQUIRED_FIELDS = ("tmax_c", "tmin_c", "pop_max_pct", "precip_mm", "cloud_pct", "wind_max_ms")

# The columns each input must have (and all the outlook reads of it: the asset reads only these).
SHORT_NEEDED = ("nx", "ny", "base_time", "valid_time", "tmp_c", "tmn_c", "tmx_c", "reh_pct",
                "sky_code", "pop_pct", "pcp_mm", "wsd_ms")
PERSISTENCE_NEEDED = ("nx", "ny", "base_time", "valid_time", "reh_pct", "wsd_ms")
ULTRA_NEEDED = ("nx", "ny", "base_time", "valid_time", "t1h_c", "reh_pct", "sky_code", "pty_code", "rn1_mm",
                "wsd_ms")
LAND_NEEDED = ("reg_id", "tm_fc", "forecast_date", "rain_prob_am", "rain_prob_pm",
               "rain_prob", "sky_text_am", "sky_text_pm", "sky_text")
TA_NEEDED = ("reg_id", "tm_fc", "forecast_date", "ta_min_c", "ta_max_c")
_POINTS_NEEDED = ("point_id", "nx", "ny", "mid_land_reg_id", "mid_ta_reg_id")


def mid_sky_cloud_pct(text: Any) -> float:
    """Cloud cover (%) of a mid-range ``wf`` text; NaN for missing or unrecognised text."""
    if not isinstance(text, str):
        return float("nan")
    t = text.strip()
    if t.startswith("맑"):
        return 10.0
    if t.startswith("구름많"):
        return 70.0
    if t.startswith("흐"):
        return 95.0
    if t in ("비", "눈", "비/눈", "눈/비", "소나기"):
        return 95.0  # precipitating without a stated sky: overcast
    return float("nan")


def _require(df: pd.DataFrame, cols: tuple[str, ...], name: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{name} is missing columns {missing}")


def _or_empty(df: pd.DataFrame | None, cols: tuple[str, ...], name: str) -> pd.DataFrame:
    if df is None or (len(df) == 0 and not set(cols) <= set(df.columns)):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    _require(df, cols, name)
    return df


def _as_kst(values: pd.Series, name: str) -> pd.Series:
    """Timestamps as tz-aware KST; naive ones are refused (their zone would be a guess)."""
    ts = pd.to_datetime(values)
    if ts.dt.tz is None:
        raise ValueError(f"{name} must be timezone-aware (got naive timestamps)")
    return ts.dt.tz_convert(KST)


def _as_dates(values: pd.Series, name: str) -> pd.Series:
    """Calendar dates as ``datetime.date`` objects, whether stored as dates or timestamps.

    Warehouse round trips may turn a date column into ``datetime64``; comparing those with
    ``datetime.date`` would silently match nothing, so normalise first.
    """
    if len(values) == 0:
        return values.astype("object")
    if pd.api.types.is_datetime64_any_dtype(values):
        ts = values.dt.tz_convert(KST) if values.dt.tz is not None else values
        return pd.Series(ts.dt.date.to_numpy(), index=values.index, dtype="object")
    if all(type(v) is date for v in values):
        return values.astype("object")
    try:
        return pd.Series(pd.to_datetime(values).dt.date.to_numpy(), index=values.index, dtype="object")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold dates: {exc}") from None


def _newest_per_hour(hourly: pd.DataFrame) -> pd.DataFrame:
    """One row per cell and valid hour: the newest issuance's (older ones only fill hours it lacks)."""
    return hourly.sort_values("base_time", kind="stable").drop_duplicates(["nx", "ny", "valid_time"], keep="last")


def _with_ultra_short(short: pd.DataFrame, ultra: pd.DataFrame) -> pd.DataFrame:
    """Short-range hourly rows plus the ultra-short hours as a newer issuance (see the module rules)."""
    s = short.loc[:, list(SHORT_NEEDED)].assign(from_ultra=0)
    if ultra.empty:
        return s
    u = ultra.loc[:, list(ULTRA_NEEDED)]
    keys = ["nx", "ny", "valid_time"]
    newest = _newest_per_hour(s)[[*keys, "pop_pct", "tmn_c", "tmx_c"]]
    u = u.merge(newest, on=keys, how="left")
    # 비, 비/눈, 눈 (1-3) state precipitation; the trace forms 빗방울, 눈날림 (5-7) do not make a wet day.
    wet = np.isin(pd.to_numeric(u["pty_code"], errors="coerce").fillna(0).to_numpy(), (1, 2, 3))
    pop = pd.to_numeric(u["pop_pct"], errors="coerce").astype("float64")
    u = u.assign(pop_pct=np.where(wet, 100.0, pop), from_ultra=1).rename(
        columns={"t1h_c": "tmp_c", "rn1_mm": "pcp_mm"}).drop(columns=["pty_code"])
    return pd.concat([s, u[list(s.columns)]], ignore_index=True)


def _short_daily(short: pd.DataFrame, dates: set[date], ultra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Daily aggregates per (nx, ny, forecast_date) from short-range (and ultra-short) hourly rows."""
    cols = ["nx", "ny", "forecast_date", "s_hours", "s_day_hours", "s_tmax_c", "s_tmin_c",
            "s_rh_mean_pct", "s_cloud_pct", "s_pop_max_pct", "s_precip_mm", "s_wind_max_ms", "s_ultra_hours"]
    if short.empty:
        return pd.DataFrame(columns=cols)
    s = _with_ultra_short(short, ultra if ultra is not None else pd.DataFrame())
    s = _newest_per_hour(s)
    valid = _as_kst(s["valid_time"], "short_df.valid_time")
    s = s.assign(forecast_date=valid.dt.date.to_numpy(), hour=valid.dt.hour.to_numpy())
    s = s[s["forecast_date"].isin(dates)]
    if s.empty:
        return pd.DataFrame(columns=cols)
    lo, hi = DAYTIME_HOURS
    daytime = s["hour"].between(lo, hi)
    cloud = pd.to_numeric(
        s["sky_code"].astype("Float64").map(SKY_CLOUD_PCT, na_action="ignore"), errors="coerce"
    ).astype("float64")
    s = s.assign(
        cloud=cloud,
        day_cloud=cloud.where(daytime),
        is_day=daytime.astype("int64"),
        **{c: pd.to_numeric(s[c], errors="coerce").astype("float64")
           for c in ("tmp_c", "tmn_c", "tmx_c", "reh_pct", "pop_pct", "pcp_mm", "wsd_ms")},
    )
    g = s.groupby(["nx", "ny", "forecast_date"], sort=False)
    agg = g.agg(
        s_hours=("hour", "nunique"),
        s_day_hours=("is_day", "sum"),
        tmp_max=("tmp_c", "max"),
        tmp_min=("tmp_c", "min"),
        tmx=("tmx_c", "max"),
        tmn=("tmn_c", "min"),
        s_rh_mean_pct=("reh_pct", "mean"),
        day_cloud=("day_cloud", "mean"),
        all_cloud=("cloud", "mean"),
        s_pop_max_pct=("pop_pct", "max"),
        s_wind_max_ms=("wsd_ms", "max"),
        s_ultra_hours=("from_ultra", "sum"),
    )
    # Sum of PCP, NaN (not 0) when no hour of the day has a PCP value.
    agg["s_precip_mm"] = g["pcp_mm"].sum(min_count=1)
    agg["s_tmax_c"] = np.fmax(agg["tmx"], agg["tmp_max"])
    agg["s_tmin_c"] = np.fmin(agg["tmn"], agg["tmp_min"])
    agg["s_cloud_pct"] = agg["day_cloud"].fillna(agg["all_cloud"])
    return agg.reset_index()[cols]


def _persistence_days(persistence_df: pd.DataFrame | None, pts: pd.DataFrame) -> pd.DataFrame | None:
    """The daily short-range wind maximum and humidity mean per point of the issuance the persistence fill
    comes from (every day it covers; the newest issuance wins per hour, as in :func:`_short_daily`); None
    without one. Needs only ``nx, ny, base_time, valid_time, reh_pct, wsd_ms``."""
    if persistence_df is None or persistence_df.empty:
        return None
    p = _or_empty(persistence_df, PERSISTENCE_NEEDED, "persistence_df")
    p = _newest_per_hour(p)
    valid = _as_kst(p["valid_time"], "persistence_df.valid_time")
    frame = pd.DataFrame({
        "nx": p["nx"].to_numpy(), "ny": p["ny"].to_numpy(), "forecast_date": valid.dt.date.to_numpy(),
        "reh": pd.to_numeric(p["reh_pct"], errors="coerce").astype("float64").to_numpy(),
        "wsd": pd.to_numeric(p["wsd_ms"], errors="coerce").astype("float64").to_numpy(),
    })
    daily = frame.groupby(["nx", "ny", "forecast_date"], sort=False).agg(
        s_rh_mean_pct=("reh", "mean"), s_wind_max_ms=("wsd", "max")).reset_index()
    return pts[["point_id", "nx", "ny"]].merge(daily, on=["nx", "ny"]).drop(columns=["nx", "ny"])


def _latest_per(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.sort_values("tm_fc", kind="stable").drop_duplicates(keys, keep="last")


def _mid_daily(land: pd.DataFrame, ta: pd.DataFrame, pts: pd.DataFrame,
               dates: set[date]) -> pd.DataFrame:
    """Mid-range daily values per (point_id, forecast_date)."""
    cols = ["point_id", "forecast_date", "m_tmax_c", "m_tmin_c", "m_cloud_pct",
            "m_pop_max_pct", "m_precip_mm", "m_complete"]
    parts: list[pd.DataFrame] = []
    if not land.empty:
        ld = land.loc[:, list(LAND_NEEDED)]
        ld = _latest_per(ld.assign(forecast_date=_as_dates(ld["forecast_date"], "mid_land_df.forecast_date")),
                         ["reg_id", "forecast_date"])
        ld = ld[ld["forecast_date"].isin(dates)]
        am = pd.to_numeric(ld["rain_prob_am"], errors="coerce").astype("float64")
        pm = pd.to_numeric(ld["rain_prob_pm"], errors="coerce").astype("float64")
        whole = pd.to_numeric(ld["rain_prob"], errors="coerce").astype("float64")
        pop = whole.fillna(np.fmax(am, pm))
        c_am = ld["sky_text_am"].map(mid_sky_cloud_pct).astype("float64")
        c_pm = ld["sky_text_pm"].map(mid_sky_cloud_pct).astype("float64")
        c_whole = ld["sky_text"].map(mid_sky_cloud_pct).astype("float64")
        halves = pd.concat([c_am, c_pm], axis=1).mean(axis=1, skipna=True)
        cloud = halves.fillna(c_whole)
        land_complete = ((am.notna() & pm.notna()) | whole.notna()) & (
            (c_am.notna() & c_pm.notna()) | c_whole.notna()
        )
        ld = pd.DataFrame({
            "mid_land_reg_id": ld["reg_id"].to_numpy(),
            "forecast_date": ld["forecast_date"].to_numpy(),
            "m_cloud_pct": cloud.to_numpy(),
            "m_pop_max_pct": pop.to_numpy(),
            "m_precip_mm": (pop / 100.0 * MID_RANGE_WET_DAY_MM).to_numpy(),
            "land_complete": land_complete.to_numpy(),
        })
        parts.append(pts[["point_id", "mid_land_reg_id"]].merge(ld, on="mid_land_reg_id")
                     .drop(columns="mid_land_reg_id"))
    if not ta.empty:
        td = ta.loc[:, list(TA_NEEDED)]
        td = _latest_per(td.assign(forecast_date=_as_dates(td["forecast_date"], "mid_ta_df.forecast_date")),
                         ["reg_id", "forecast_date"])
        td = td[td["forecast_date"].isin(dates)]
        td = pd.DataFrame({
            "mid_ta_reg_id": td["reg_id"].to_numpy(),
            "forecast_date": td["forecast_date"].to_numpy(),
            "m_tmax_c": pd.to_numeric(td["ta_max_c"], errors="coerce").astype("float64").to_numpy(),
            "m_tmin_c": pd.to_numeric(td["ta_min_c"], errors="coerce").astype("float64").to_numpy(),
        })
        parts.append(pts[["point_id", "mid_ta_reg_id"]].merge(td, on="mid_ta_reg_id")
                     .drop(columns="mid_ta_reg_id"))
    if not parts:
        return pd.DataFrame(columns=cols)
    mid = parts[0]
    for p in parts[1:]:
        mid = mid.merge(p, on=["point_id", "forecast_date"], how="outer")
    for c in ("m_tmax_c", "m_tmin_c", "m_cloud_pct", "m_pop_max_pct", "m_precip_mm"):
        if c not in mid:
            mid[c] = np.nan
    if "land_complete" not in mid:
        mid["land_complete"] = False
    mid["m_complete"] = (
        mid["land_complete"].fillna(False).astype(bool)
        & mid["m_tmax_c"].notna() & mid["m_tmin_c"].notna()
    )
    return mid[cols]


def build_daily_outlook(
    short_df: pd.DataFrame | None,
    mid_land_df: pd.DataFrame | None,
    mid_ta_df: pd.DataFrame | None,
    points_df: pd.DataFrame,
    today: date,
    horizon_days: int = 10,
    ultra_df: pd.DataFrame | None = None,
    persistence_df: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (point_id, forecast_date) for ``today .. today + horizon_days − 1``.

    Args:
        short_df: rows of :func:`parsing.parse_short_range` (any number of cells and
            issuances; the newest issuance wins per valid hour).  ``None``/empty allowed.
        mid_land_df: rows of :func:`parsing.parse_mid_land` (any regions / ``tm_fc``).
        mid_ta_df: rows of :func:`parsing.parse_mid_ta`.
        points_df: ``point_id, nx, ny, mid_land_reg_id, mid_ta_reg_id``.
        today: the KST calendar date of lead 0.
        horizon_days: number of dates from ``today`` (10 → today .. today + 9).
        ultra_df: rows of :func:`parsing.parse_ultra_short_forecast` (the newest issuance),
            or ``None``: its hours replace the short-range ones it is newer than.
        persistence_df: rows of :func:`parsing.parse_short_range` of the issuance the
            persistence fill of the medium-range days comes from (the one issued with the
            medium-range forecast, so those days change when it does, not with every
            short-range issuance); ``None``: the short-range days of ``short_df``.

    Returns:
        Columns :data:`OUTLOOK_COLUMNS`: ``point_id`` (dtype of ``points_df``),
        ``forecast_date`` (``datetime.date``), ``lead_days`` int64, ``tmax_c, tmin_c,
        rh_mean_pct, cloud_pct, pop_max_pct, precip_mm, wind_max_ms`` float64,
        ``source`` str (``"short_range"`` | ``"mid_range"``), ``complete`` bool,
        ``filled_fields`` str (comma-separated value fields filled from the other source
        or by persistence; empty when none).  Sorted by point and date.  The number of
        rows dropped for lacking required values is in ``attrs["rows_dropped"]``.
    """
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be >= 1, got {horizon_days}")
    if isinstance(today, datetime):
        today = to_kst(today).date()  # an aware instant: its KST calendar date
    elif not isinstance(today, date):
        raise TypeError(f"today must be a datetime.date, got {type(today).__name__}")
    _require(points_df, _POINTS_NEEDED, "points_df")
    short = _or_empty(short_df, SHORT_NEEDED, "short_df")
    land = _or_empty(mid_land_df, LAND_NEEDED, "mid_land_df")
    ta = _or_empty(mid_ta_df, TA_NEEDED, "mid_ta_df")
    dates = {today + timedelta(days=k) for k in range(horizon_days)}
    pts = points_df.loc[:, list(_POINTS_NEEDED)].drop_duplicates("point_id")

    ultra = _or_empty(ultra_df, ULTRA_NEEDED, "ultra_df")
    sd = _short_daily(short, dates, ultra)
    short_pt = pts[["point_id", "nx", "ny"]].merge(sd, on=["nx", "ny"]).drop(columns=["nx", "ny"])
    mid_pt = _mid_daily(land, ta, pts, dates)

    df = short_pt.merge(mid_pt, on=["point_id", "forecast_date"], how="outer")
    if df.empty:
        return _finish(pd.DataFrame(columns=list(OUTLOOK_COLUMNS)), points_df, 0, {})

    s_hours = pd.to_numeric(df["s_hours"], errors="coerce").fillna(0)
    s_day = pd.to_numeric(df["s_day_hours"], errors="coerce").fillna(0)
    m_cols = ["m_tmax_c", "m_tmin_c", "m_cloud_pct", "m_pop_max_pct", "m_precip_mm"]
    has_mid = df[m_cols].notna().any(axis=1)
    use_short = (s_day > 0) | (~has_mid & (s_hours > 0))
    df["source"] = np.where(use_short, "short_range", "mid_range")

    out = pd.DataFrame({
        "point_id": df["point_id"].to_numpy(),
        "forecast_date": df["forecast_date"].to_numpy(),
        "source": df["source"].to_numpy(),
    })
    filled = pd.Series("", index=df.index, dtype="object")
    for f in _VALUE_FIELDS:
        s_val = pd.to_numeric(df.get(f"s_{f}"), errors="coerce").astype("float64")
        m_val = (pd.to_numeric(df[f"m_{f}"], errors="coerce").astype("float64")
                 if f"m_{f}" in df else pd.Series(np.nan, index=df.index))
        primary = s_val.where(use_short, m_val)
        other = m_val.where(use_short, s_val)
        value = primary.fillna(other)
        was_filled = primary.isna() & other.notna()
        filled = filled + np.where(was_filled, f"{f},", "")
        out[f] = value.to_numpy()

    # Persistence for what mid-range never has (wind, humidity): the point's mean over its
    # short-range days.  Only mid-range rows can lack these after the same-date fill.
    short_rows = out["source"] == "short_range"
    anchor = _persistence_days(persistence_df, pts)
    for f in ("wind_max_ms", "rh_mean_pct"):
        persist = (anchor.groupby("point_id")[f"s_{f}"].mean() if anchor is not None
                   else out[short_rows].groupby("point_id")[f].mean())
        need = out[f].isna() & out["point_id"].isin(persist.index)
        if need.any():
            out.loc[need, f] = out.loc[need, "point_id"].map(persist).to_numpy()
            filled = filled + np.where(need.to_numpy(), f"{f},", "")
    out["filled_fields"] = filled.str.rstrip(",").to_numpy()
    ultra_hours = pd.to_numeric(df.get("s_ultra_hours"), errors="coerce").fillna(0)
    out["ultra_short_hours"] = np.where(use_short, ultra_hours.to_numpy(), 0).astype("int64")

    out["complete"] = np.where(
        use_short, s_hours.to_numpy() >= 24, df["m_complete"].fillna(False).astype(bool).to_numpy()
    )

    missing = out[list(REQUIRED_FIELDS)].isna()
    bad = missing.any(axis=1)
    dropped_by_field = {f: int(n) for f, n in missing[bad].sum().items() if n}
    n_dropped = int(bad.sum())
    if n_dropped:
        log.warning(
            "daily outlook: dropped %d (point, date) rows lacking required values: %s",
            n_dropped, dropped_by_field,
        )
    out = out[~bad]
    return _finish(out, points_df, n_dropped, dropped_by_field, today=today)


def _finish(out: pd.DataFrame, points_df: pd.DataFrame, n_dropped: int,
            dropped_by_field: dict[str, int], today: date | None = None) -> pd.DataFrame:
    """Order, type and annotate the output frame."""
    out = out.reindex(columns=list(OUTLOOK_COLUMNS))
    if today is not None and len(out):
        lead = (pd.to_datetime(pd.Series(out["forecast_date"].to_numpy()))
                - pd.Timestamp(today)).dt.days
        out["lead_days"] = lead.to_numpy()
    for col, dtype in OUTLOOK_COLUMNS.items():
        if dtype == "keep":
            out[col] = out[col].astype(points_df["point_id"].dtype)
        elif dtype == "object":
            out[col] = out[col].astype("object")
        elif dtype == "str":
            out[col] = pd.Series(out[col].tolist(), index=out.index, dtype="str")
        else:
            out[col] = out[col].astype(dtype)
    out = out.sort_values(["point_id", "forecast_date"], kind="stable").reset_index(drop=True)
    out.attrs["rows_dropped"] = n_dropped
    out.attrs["rows_dropped_by_field"] = dropped_by_field
    return out

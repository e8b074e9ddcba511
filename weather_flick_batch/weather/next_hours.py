"""The next few hours at each forecast point, from the newest ultra-short forecast (no Dagster here).

KMA's ultra-short forecast (getUltraSrtFcst) is issued every hour at HH:30 and covers the six
whole hours that follow. A traveller reads it as "the next few hours": hour by hour, the
temperature, the rain, the sky or precipitation type in KMA's own words, the wind in KMA's
wording bands, and whether lightning is forecast.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from weather_flick_batch.weather.issuance import to_kst

#: KMA's words for the ultra-short precipitation types (PTY) and sky states (SKY).
PTY_KO = {1: "비", 2: "비/눈", 3: "눈", 5: "빗방울", 6: "빗방울눈날림", 7: "눈날림"}
SKY_KO = {1: "맑음", 3: "구름많음", 4: "흐림"}
#: KMA's wording bands for wind speed (m/s): < 4 약한, 4–9 약간 강한, >= 9 강한.
WIND_BANDS = ((9.0, "강한 바람"), (4.0, "약간 강한 바람"), (0.0, "약한 바람"))

NEXT_HOURS_COLUMNS = [
    "point_id", "valid_time", "lead_hours", "base_time", "t1h_c", "rn1_mm", "pty_code", "sky_code",
    "reh_pct", "wsd_ms", "vec_deg", "lightning", "condition", "wind_text",
]


def condition_text(pty_code, sky_code) -> str | None:
    """Precipitation type when it precipitates, else the sky state; None when neither is known."""
    if pd.notna(pty_code) and int(pty_code) in PTY_KO:
        return PTY_KO[int(pty_code)]
    if pd.notna(sky_code) and int(sky_code) in SKY_KO:
        return SKY_KO[int(sky_code)]
    return None


def wind_text(wsd_ms) -> str | None:
    if pd.isna(wsd_ms):
        return None
    return next(text for floor, text in WIND_BANDS if float(wsd_ms) >= floor)


def build_next_hours(ultra: pd.DataFrame, points: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """One row per (forecast point, hour still ahead) of one ultra-short issuance.

    ``ultra``: rows of the weather_ultra_short table for one issuance (nx, ny, base_time,
    valid_time and the values); ``points``: point_id, nx, ny. Hours that have already begun more
    than an hour ago are dropped (the forecast for 14:00 still describes 14:00-15:00 at 14:20).
    ``lead_hours`` counts from ``now``'s hour (1 = the next hour).
    """
    now = to_kst(now)
    if ultra.empty or points.empty:
        return pd.DataFrame(columns=NEXT_HOURS_COLUMNS)
    frame = points[["point_id", "nx", "ny"]].merge(ultra, on=["nx", "ny"], how="inner")
    valid = pd.to_datetime(frame["valid_time"]).dt.tz_convert("Asia/Seoul")
    hour_now = pd.Timestamp(now).floor("h")
    frame = frame.assign(valid_time=valid)
    frame = frame[valid >= hour_now].copy()
    frame["lead_hours"] = ((frame["valid_time"] - hour_now) / pd.Timedelta(hours=1)).round().astype("int64")
    frame["lightning"] = frame["lgt_ka"].fillna(0).to_numpy() > 0
    frame["condition"] = [condition_text(p, s) for p, s in zip(frame["pty_code"], frame["sky_code"])]
    frame["wind_text"] = [wind_text(w) for w in frame["wsd_ms"]]
    for column in ("pty_code", "sky_code"):
        frame[column] = pd.array(frame[column], dtype="Int64")
    out = frame[NEXT_HOURS_COLUMNS].sort_values(["point_id", "valid_time"], kind="stable")
    out["t1h_c"] = out["t1h_c"].astype(float)
    out["lightning"] = out["lightning"].astype(bool)
    return out.reset_index(drop=True)

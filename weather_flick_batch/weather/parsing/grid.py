"""Grid parsers: short-range (getVilageFcst), nowcast (getUltraSrtNcst) and ultra-short
forecast (getUltraSrtFcst) payloads to one row per cell and time.

Speed
-----
Short-range parsing is a single tight loop over the items with memoised value and
timestamp conversion (a ``getVilageFcst`` issuance has only a few hundred distinct value
strings and ~70 distinct timestamps), pivoting into per-category column lists on the fly;
pandas only sees the final columns.  This comfortably exceeds 200,000 items/s on one core.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Mapping

import numpy as np
import pandas as pd

from weather_flick_batch.weather.issuance import KST
from weather_flick_batch.weather.parsing.categories import (
    NOWCAST_CATEGORIES,
    NOWCAST_COLUMNS,
    SHORT_RANGE_CATEGORIES,
    SHORT_RANGE_COLUMNS,
    ULTRA_SHORT_FORECAST_CATEGORIES,
    ULTRA_SHORT_FORECAST_COLUMNS,
    _MISSING,
    _Category,
    _make_converter,
)
from weather_flick_batch.weather.parsing.envelope import _require_normal, _total_count, items_of
from weather_flick_batch.weather.parsing.result import ParseResult
from weather_flick_batch.weather.parsing.values import MalformedValueError

__all__ = ["parse_short_range", "parse_ultra_short_nowcast", "parse_ultra_short_forecast"]


def _kst_minutes(d: Any, t: Any) -> int:
    """Minutes since 1970-01-01 00:00 UTC of KST date ``YYYYMMDD`` + time ``HHMM``."""
    ds, ts = str(d), str(t)
    if len(ds) != 8 or len(ts) != 4 or not ds.isdigit() or not ts.isdigit():
        raise MalformedValueError(f"bad date/time {d!r} {t!r}")
    try:
        naive = datetime(int(ds[:4]), int(ds[4:6]), int(ds[6:]), int(ts[:2]), int(ts[2:]))
    except ValueError as exc:
        raise MalformedValueError(f"bad date/time {d!r} {t!r}: {exc}") from None
    # KST is a fixed UTC+9 since 1988: subtract the offset explicitly (fast, exact).
    return int((naive - datetime(1970, 1, 1)).total_seconds() // 60) - 9 * 60


def _grid_int(v: Any) -> int:
    if type(v) is int:
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    raise MalformedValueError(f"bad grid coordinate {v!r}")


def _minutes_to_kst(minutes: np.ndarray) -> pd.DatetimeIndex:
    idx = pd.to_datetime(np.asarray(minutes, dtype="int64"), unit="m", utc=True)
    return idx.tz_convert(KST).as_unit("ns")


# --------------------------------------------------------------------------- grid parsers


def _parse_grid(
    payload: Any,
    categories: Mapping[str, _Category],
    value_key: str,
    forecast: bool,
    columns: Mapping[str, Any],
) -> ParseResult:
    """Shared tight loop for short-range (``forecast=True``) and nowcast payloads."""
    _require_normal(payload)
    items = items_of(payload)
    result = ParseResult(rows=pd.DataFrame(), total_count=_total_count(payload))
    result.items_total = len(items)

    converters = {code: _make_converter(cat) for code, cat in categories.items()}
    # One list per output value column, pivoted as we go: row index → value.
    cols: dict[str, list[float]] = {code: [] for code in categories}
    col_list = list(cols.values())
    nan = math.nan
    row_index: dict[tuple[int, int, int, int], int] = {}
    key_nx: list[int] = []
    key_ny: list[int] = []
    key_base: list[int] = []
    key_valid: list[int] = []
    seen: set[tuple[int, str]] = set()
    value_cache: dict[tuple[str, Any], Any] = {}
    time_cache: dict[tuple[Any, Any], int] = {}
    unknown: dict[str, int] = {}
    missing = 0

    for it in items:
        try:
            cat = it["category"]
            raw = it[value_key]
            bkey = (it["baseDate"], it["baseTime"])
            vkey = (it["fcstDate"], it["fcstTime"]) if forecast else bkey
            nx = it["nx"]
            ny = it["ny"]
        except KeyError as exc:
            result._malformed(it, f"missing field {exc}")
            continue
        except TypeError:
            result._malformed(it, f"item is not an object ({type(it).__name__})")
            continue

        conv = converters.get(cat) if isinstance(cat, str) else None
        if conv is None:
            unknown[str(cat)] = unknown.get(str(cat), 0) + 1
            continue

        try:
            base_m = time_cache.get(bkey)
            if base_m is None:
                base_m = time_cache[bkey] = _kst_minutes(*bkey)
            valid_m = time_cache.get(vkey)
            if valid_m is None:
                valid_m = time_cache[vkey] = _kst_minutes(*vkey)
            if valid_m < base_m:
                raise MalformedValueError("forecast time before base time")
            if type(nx) is not int or type(ny) is not int:
                nx, ny = _grid_int(nx), _grid_int(ny)
            try:
                value = value_cache[(cat, raw)]
            except KeyError:
                value = value_cache[(cat, raw)] = conv(raw)
            except TypeError:  # unhashable raw value (list/dict): never a valid value
                raise MalformedValueError(f"unsupported value {raw!r}") from None
        except MalformedValueError as exc:
            result._malformed(it, f"{cat}: {exc}")
            continue
        except TypeError:  # unhashable date/time fields (lists, objects)
            result._malformed(it, f"{cat}: unsupported date/time field types")
            continue

        key = (nx, ny, base_m, valid_m)
        row = row_index.get(key)
        if row is None:
            row = row_index[key] = len(key_nx)
            key_nx.append(nx)
            key_ny.append(ny)
            key_base.append(base_m)
            key_valid.append(valid_m)
            for lst in col_list:
                lst.append(nan)
        if (row, cat) in seen:
            result.duplicates_dropped += 1
            continue
        seen.add((row, cat))
        if value is _MISSING:
            missing += 1
            continue
        cols[cat][row] = value

    result.missing_values_dropped = missing
    result.unknown_categories = unknown

    data: dict[str, Any] = {
        "nx": np.asarray(key_nx, dtype="int64"),
        "ny": np.asarray(key_ny, dtype="int64"),
        "base_time": _minutes_to_kst(key_base),
    }
    if forecast:
        data["valid_time"] = _minutes_to_kst(key_valid)
        data["lead_hours"] = (
            (np.asarray(key_valid, dtype="int64") - np.asarray(key_base, dtype="int64")) // 60
        )
    for code, cat in categories.items():
        arr = np.asarray(cols[code], dtype="float64")
        # Codes become nullable integers (NaN → <NA>); measurements stay float64/NaN.
        data[cat.column] = pd.Series(arr).astype("Int64") if cat.kind == "code" else arr
    # Every array above already has its final dtype: no DataFrame-wide astype (it would
    # cost more than the whole item loop on a one-issuance payload).
    df = pd.DataFrame(data, columns=list(columns))
    order = np.lexsort((key_valid, key_base, key_ny, key_nx)) if key_nx else np.arange(0)
    if not np.array_equal(order, np.arange(len(order))):  # KMA's own order is already sorted
        df = df.take(order).reset_index(drop=True)
    result.rows = df
    return result


def parse_short_range(payload: Any) -> ParseResult:
    """Parse a ``getVilageFcst`` payload: one row per (nx, ny, base_time, valid_time).

    Columns (:data:`SHORT_RANGE_COLUMNS`): ``nx, ny`` int64; ``base_time, valid_time``
    ``datetime64[ns, Asia/Seoul]``; ``lead_hours`` int64 (whole hours valid − base);
    ``tmp_c, tmn_c, tmx_c, pop_pct, pcp_mm, sno_cm, reh_pct, wsd_ms, vec_deg, uuu_ms,
    vvv_ms, wav_m`` float64; ``pty_code, sky_code`` nullable Int64.  ``tmn_c`` / ``tmx_c``
    are only filled on the rows KMA sends them on (fcstTime 0600 / 1500).

    Raises :class:`KmaResultError` if the header code is not ``00`` (call
    :func:`payload_result` first to handle ``03`` NODATA and friends).
    """
    return _parse_grid(payload, SHORT_RANGE_CATEGORIES, "fcstValue", True, SHORT_RANGE_COLUMNS)


def parse_ultra_short_nowcast(payload: Any) -> ParseResult:
    """Parse a ``getUltraSrtNcst`` payload: one row per (nx, ny, base_time).

    Columns (:data:`NOWCAST_COLUMNS`): ``nx, ny`` int64; ``base_time``
    ``datetime64[ns, Asia/Seoul]`` (the observation hour); ``t1h_c, rn1_mm, reh_pct, wsd_ms,
    vec_deg, uuu_ms, vvv_ms, lgt_ka`` float64 (``lgt_ka`` is NaN when KMA sends no LGT,
    which the nowcast normally does not); ``pty_code`` Int64 (ultra-short table).
    """
    return _parse_grid(payload, NOWCAST_CATEGORIES, "obsrValue", False, NOWCAST_COLUMNS)


def parse_ultra_short_forecast(payload: Any) -> ParseResult:
    """Parse a ``getUltraSrtFcst`` payload: one row per (nx, ny, base_time, valid_time).

    Items arrive category-major; they are pivoted on (fcstDate, fcstTime), never by order.
    Columns (:data:`ULTRA_SHORT_FORECAST_COLUMNS`): ``nx, ny`` int64; ``base_time`` (HH:30) and
    ``valid_time`` ``datetime64[ns, Asia/Seoul]``; ``lead_hours`` int64 (whole hours, 0..6:
    the first step is 30 minutes after the base); ``t1h_c, rn1_mm, reh_pct, wsd_ms, vec_deg,
    uuu_ms, vvv_ms, lgt_ka`` float64; ``sky_code, pty_code`` nullable Int64.
    """
    return _parse_grid(payload, ULTRA_SHORT_FORECAST_CATEGORIES, "fcstValue", True, ULTRA_SHORT_FORECAST_COLUMNS)

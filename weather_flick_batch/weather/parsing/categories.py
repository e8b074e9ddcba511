"""KMA grid categories: code tables, each category's column and value rule, the output columns.

A category (``TMP``, ``PCP``, ``PTY`` ...) maps to one output column and one way of reading its
value: a number within a plausible range, a precipitation or snow text (see
:mod:`~weather_flick_batch.weather.parsing.values`) or a code from a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from weather_flick_batch.weather.parsing.result import _TS_DTYPE
from weather_flick_batch.weather.parsing.values import (
    MISSING_MARKER_ABS,
    MalformedValueError,
    _plain_number,
    is_missing_marker,
    parse_precip_text,
    parse_snow_text,
)

__all__ = [
    "SHORT_RANGE_PTY",
    "ULTRA_SHORT_PTY",
    "SKY_CODES",
    "SHORT_RANGE_CATEGORIES",
    "NOWCAST_CATEGORIES",
    "ULTRA_SHORT_FORECAST_CATEGORIES",
    "SHORT_RANGE_COLUMNS",
    "NOWCAST_COLUMNS",
    "ULTRA_SHORT_FORECAST_COLUMNS",
]

# --------------------------------------------------------------------------- code tables

#: Short-range (getVilageFcst) precipitation type codes.
SHORT_RANGE_PTY: dict[int, str] = {
    0: "none",
    1: "rain",
    2: "rain/snow",
    3: "snow",
    4: "shower",
}

#: Ultra-short (getUltraSrtNcst / getUltraSrtFcst) precipitation type codes.  Note 4 is
#: *not* used here and 5–7 are trace forms that the short-range table does not have.
ULTRA_SHORT_PTY: dict[int, str] = {
    0: "none",
    1: "rain",
    2: "rain/snow",
    3: "snow",
    5: "drizzle",
    6: "drizzle/snow flurry",
    7: "snow flurry",
}

#: Sky state codes (2 "partly cloudy" was retired by KMA in 2019 and is rejected).
SKY_CODES: dict[int, str] = {1: "clear", 3: "mostly cloudy", 4: "overcast"}

# --------------------------------------------------------------------------- categories


@dataclass(frozen=True)
class _Category:
    column: str
    kind: str  # "number" | "precip" | "rain_text" | "snow" | "code"
    lo: float = -math.inf
    hi: float = math.inf
    codes: frozenset[int] = frozenset()


def _num(column: str, lo: float, hi: float) -> _Category:
    return _Category(column, "number", lo, hi)


_TEMP = (-60.0, 60.0)
_WIND_COMPONENT = (-100.0, 100.0)

#: Short-range categories → (output column, value kind, plausible range).
SHORT_RANGE_CATEGORIES: dict[str, _Category] = {
    "TMP": _num("tmp_c", *_TEMP),
    "TMN": _num("tmn_c", *_TEMP),
    "TMX": _num("tmx_c", *_TEMP),
    "POP": _num("pop_pct", 0, 100),
    "PTY": _Category("pty_code", "code", codes=frozenset(SHORT_RANGE_PTY)),
    "PCP": _Category("pcp_mm", "precip"),
    "SNO": _Category("sno_cm", "snow"),
    "SKY": _Category("sky_code", "code", codes=frozenset(SKY_CODES)),
    "REH": _num("reh_pct", 0, 100),
    "WSD": _num("wsd_ms", 0, 100),
    "VEC": _num("vec_deg", 0, 360),
    "UUU": _num("uuu_ms", *_WIND_COMPONENT),
    "VVV": _num("vvv_ms", *_WIND_COMPONENT),
    "WAV": _num("wav_m", 0, 30),
}

#: Ultra-short nowcast categories.
NOWCAST_CATEGORIES: dict[str, _Category] = {
    "T1H": _num("t1h_c", *_TEMP),
    "RN1": _Category("rn1_mm", "precip"),
    "REH": _num("reh_pct", 0, 100),
    "PTY": _Category("pty_code", "code", codes=frozenset(ULTRA_SHORT_PTY)),
    "WSD": _num("wsd_ms", 0, 100),
    "VEC": _num("vec_deg", 0, 360),
    "UUU": _num("uuu_ms", *_WIND_COMPONENT),
    "VVV": _num("vvv_ms", *_WIND_COMPONENT),
    "LGT": _num("lgt_ka", 0, MISSING_MARKER_ABS),
}

#: Ultra-short forecast (getUltraSrtFcst) categories. RN1 is KMA's category *text* here
#: (``강수없음``, ``1mm 미만``, ``30.0~50.0mm`` ...), parsed by the PCP rule, with ``-``/null meaning no
#: rain as the guide says; in the nowcast it is a number.
ULTRA_SHORT_FORECAST_CATEGORIES: dict[str, _Category] = {
    "T1H": _num("t1h_c", *_TEMP),
    "RN1": _Category("rn1_mm", "rain_text"),
    "SKY": _Category("sky_code", "code", codes=frozenset(SKY_CODES)),
    "PTY": _Category("pty_code", "code", codes=frozenset(ULTRA_SHORT_PTY)),
    "REH": _num("reh_pct", 0, 100),
    "WSD": _num("wsd_ms", 0, 100),
    "VEC": _num("vec_deg", 0, 360),
    "UUU": _num("uuu_ms", *_WIND_COMPONENT),
    "VVV": _num("vvv_ms", *_WIND_COMPONENT),
    # The guide's unit is kA (energy density); public code reads 0/1. Either way 0 is "none".
    "LGT": _num("lgt_ka", 0, MISSING_MARKER_ABS),
}

#: Output columns and dtypes of :func:`parse_short_range`.
SHORT_RANGE_COLUMNS: dict[str, Any] = {
    "nx": "int64",
    "ny": "int64",
    "base_time": _TS_DTYPE,
    "valid_time": _TS_DTYPE,
    "lead_hours": "int64",
    **{
        c.column: ("Int64" if c.kind == "code" else "float64")
        for c in SHORT_RANGE_CATEGORIES.values()
    },
}

#: Output columns and dtypes of :func:`parse_ultra_short_nowcast`.
NOWCAST_COLUMNS: dict[str, Any] = {
    "nx": "int64",
    "ny": "int64",
    "base_time": _TS_DTYPE,
    **{
        c.column: ("Int64" if c.kind == "code" else "float64")
        for c in NOWCAST_CATEGORIES.values()
    },
}

#: Output columns and dtypes of :func:`parse_ultra_short_forecast`.
ULTRA_SHORT_FORECAST_COLUMNS: dict[str, Any] = {
    "nx": "int64",
    "ny": "int64",
    "base_time": _TS_DTYPE,
    "valid_time": _TS_DTYPE,
    "lead_hours": "int64",
    **{
        c.column: ("Int64" if c.kind == "code" else "float64")
        for c in ULTRA_SHORT_FORECAST_CATEGORIES.values()
    },
}

# --------------------------------------------------------------------------- converters

_MISSING = object()  # converter result for "dropped as missing"


def _make_converter(cat: _Category) -> Callable[[Any], Any]:
    """Return ``f(raw) -> float | _MISSING``; raises MalformedValueError on bad values."""
    if cat.kind == "precip":
        def conv(raw: Any) -> Any:
            v = parse_precip_text(raw)
            return _MISSING if v is None else v
        return conv
    if cat.kind == "rain_text":
        # getUltraSrtFcst's RN1: "-", null and 0 all mean 강수없음 (the guide), not "missing".
        def conv(raw: Any) -> Any:
            if raw is None or (isinstance(raw, str) and raw.strip() in ("", "-")):
                return 0.0
            v = parse_precip_text(raw)
            return _MISSING if v is None else v
        return conv
    if cat.kind == "snow":
        def conv(raw: Any) -> Any:
            v = parse_snow_text(raw)
            return _MISSING if v is None else v
        return conv

    def conv(raw: Any) -> Any:
        v = _plain_number(raw, nan_is_missing=False)
        if v is None:
            return _MISSING
        if is_missing_marker(v):
            return _MISSING
        if cat.kind == "code":
            if v != int(v) or int(v) not in cat.codes:
                raise MalformedValueError(
                    f"unknown code {raw!r} (known: {sorted(cat.codes)})"
                )
            return float(v)
        if not (cat.lo <= v <= cat.hi):
            raise MalformedValueError(f"{raw!r} outside plausible range [{cat.lo}, {cat.hi}]")
        return v

    return conv

"""Medium-range parsers: getMidLandFcst (rain probability, sky text) and getMidTa (temperatures).

A mid-range payload holds one object per region with one key per value (``rnSt3Am``, ``wf8``,
``taMin5``...); each data key counts as one item of the :class:`ParseResult`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping

import pandas as pd

from weather_flick_batch.weather.issuance import KST, parse_kma_tmfc, to_kst
from weather_flick_batch.weather.parsing.envelope import _require_normal, _total_count, items_of
from weather_flick_batch.weather.parsing.result import _TS_DTYPE, ParseResult
from weather_flick_batch.weather.parsing.values import MalformedValueError, _plain_number, is_missing_marker

__all__ = [
    "MID_LAND_COLUMNS",
    "MID_TA_COLUMNS",
    "MID_SKY_TEXTS_PATTERN",
    "is_known_mid_sky_text",
    "parse_mid_land",
    "parse_mid_ta",
]

#: Output columns and dtypes of :func:`parse_mid_land`.
MID_LAND_COLUMNS: dict[str, Any] = {
    "reg_id": "str",
    "tm_fc": _TS_DTYPE,
    "forecast_date": "object",  # datetime.date values
    "day_offset": "int64",
    "rain_prob_am": "float64",
    "rain_prob_pm": "float64",
    "rain_prob": "float64",
    "sky_text_am": "str",
    "sky_text_pm": "str",
    "sky_text": "str",
}

#: Output columns and dtypes of :func:`parse_mid_ta`.
MID_TA_COLUMNS: dict[str, Any] = {
    "reg_id": "str",
    "tm_fc": _TS_DTYPE,
    "forecast_date": "object",
    "day_offset": "int64",
    "ta_min_c": "float64",
    "ta_max_c": "float64",
    "ta_min_low_c": "float64",
    "ta_min_high_c": "float64",
    "ta_max_low_c": "float64",
    "ta_max_high_c": "float64",
}

_MID_LAND_KEY_RE = re.compile(r"^(rnSt|wf)(\d{1,2})(Am|Pm)?$")
_MID_TA_KEY_RE = re.compile(r"^(taMin|taMax)(\d{1,2})(Low|High)?$")

#: Vocabulary of mid-range ``wf`` sky texts: a sky state, optionally with a precipitation
#: form ("구름많고 비", "흐리고 눈", ...), or a bare precipitation form.
MID_SKY_TEXTS_PATTERN = re.compile(
    r"^(?:맑음|구름많음|흐림"
    r"|(?:구름많고|흐리고)\s*(?:비|눈|비/눈|눈/비|소나기)"
    r"|비|눈|비/눈|눈/비|소나기)$"
)


def is_known_mid_sky_text(text: str) -> bool:
    """True if ``text`` is a recognised mid-range ``wf`` sky text."""
    return bool(MID_SKY_TEXTS_PATTERN.match(text.strip()))


def _mid_number(raw: Any, lo: float, hi: float) -> float | None:
    """Numeric mid-range value (KMA sends JSON numbers; strings tolerated)."""
    v = _plain_number(raw, nan_is_missing=True)
    if v is None or is_missing_marker(v):
        return None
    if not lo <= v <= hi:
        raise MalformedValueError(f"{raw!r} outside plausible range [{lo}, {hi}]")
    return v


def _tm_fc_kst(tm_fc: datetime | str) -> datetime:
    if isinstance(tm_fc, str):
        return parse_kma_tmfc(tm_fc)
    return to_kst(tm_fc)


def _mid_items(payload: Any, reg_id: str, result: ParseResult) -> Iterable[Mapping[str, Any]]:
    """Region objects of a mid-range payload that belong to ``reg_id``."""
    for obj in items_of(payload):
        if not isinstance(obj, Mapping):
            result.items_total += 1
            result._malformed(obj, f"item is not an object ({type(obj).__name__})")
            continue
        got = obj.get("regId")
        if got is not None and str(got).strip() != reg_id:
            # A region object for another region: never silently relabel it.
            result.items_total += 1
            result._malformed({"regId": got}, f"regId {got!r} does not match requested {reg_id!r}")
            continue
        yield obj


_MID_SKY_CLOUDINESS = {"맑": 0, "구": 1, "흐": 2}


def _cloudier(a: str | None, b: str | None) -> str | None:
    """The cloudier of two sky texts (bare precipitation forms count as overcast)."""
    if a is None:
        return b
    if b is None:
        return a

    def rank(t: str) -> tuple[int, int]:
        precip = 0 if t in ("맑음", "구름많음", "흐림") else 1
        return (_MID_SKY_CLOUDINESS.get(t[0], 2), precip)

    return a if rank(a) >= rank(b) else b


def parse_mid_land(payload: Any, reg_id: str, tm_fc: datetime | str) -> ParseResult:
    """Parse a ``getMidLandFcst`` payload: one row per (reg_id, forecast day).

    ``tm_fc`` is the issuance the payload was requested for (KMA does not echo it);
    a datetime or the ``"YYYYMMDDHHMM"`` string.  Every day ``N`` whose keys are present
    (``rnSt{N}Am/Pm``, ``rnSt{N}``, ``wf{N}Am/Pm``, ``wf{N}``) becomes a row with
    ``forecast_date = tm_fc's KST date + N days``.

    Columns (:data:`MID_LAND_COLUMNS`): ``reg_id`` str; ``tm_fc``
    ``datetime64[ns, Asia/Seoul]``; ``forecast_date`` object (``datetime.date``);
    ``day_offset`` int64 (N); ``rain_prob_am, rain_prob_pm, rain_prob`` float64 (%);
    ``sky_text_am, sky_text_pm, sky_text`` str.

    Combination rule for the whole-day columns: ``rain_prob`` is ``rnSt{N}`` when KMA
    sends one value for the day, else ``max(am, pm)`` (the chance of rain at some time of
    the day is at least either half-day chance); ``sky_text`` is ``wf{N}`` when present,
    else the cloudier of the two half-day texts.  Unknown ``wf`` texts are malformed.
    """
    tm = _tm_fc_kst(tm_fc)
    result = ParseResult(rows=pd.DataFrame(), total_count=None)
    _require_normal(payload)
    result.total_count = _total_count(payload)
    days: dict[int, dict[str, Any]] = {}

    for obj in _mid_items(payload, reg_id, result):
        for key, raw in obj.items():
            m = _MID_LAND_KEY_RE.match(key)
            if not m:
                continue  # regId and any non-data keys
            result.items_total += 1
            kind, n, half = m.group(1), int(m.group(2)), (m.group(3) or "").lower()
            col = ("rain_prob" if kind == "rnSt" else "sky_text") + (f"_{half}" if half else "")
            try:
                if kind == "rnSt":
                    value: Any = _mid_number(raw, 0, 100)
                else:
                    if raw is None or (isinstance(raw, str) and raw.strip() in ("", "-")):
                        value = None
                    elif not isinstance(raw, str) or not is_known_mid_sky_text(raw):
                        raise MalformedValueError(f"unknown sky text {raw!r}")
                    else:
                        value = raw.strip()
            except MalformedValueError as exc:
                result._malformed({key: raw}, f"{key}: {exc}")
                continue
            if value is None:
                result.missing_values_dropped += 1
                continue
            days.setdefault(n, {})[col] = value

    rows = []
    for n in sorted(days):
        d = days[n]
        am, pm = d.get("rain_prob_am"), d.get("rain_prob_pm")
        whole = d.get("rain_prob")
        if whole is None and (am is not None or pm is not None):
            whole = max(v for v in (am, pm) if v is not None)
        sky = d.get("sky_text") or _cloudier(d.get("sky_text_am"), d.get("sky_text_pm"))
        rows.append({
            "reg_id": reg_id,
            "tm_fc": tm,
            "forecast_date": tm.date() + timedelta(days=n),
            "day_offset": n,
            "rain_prob_am": am,
            "rain_prob_pm": pm,
            "rain_prob": whole,
            "sky_text_am": d.get("sky_text_am"),
            "sky_text_pm": d.get("sky_text_pm"),
            "sky_text": sky,
        })
    result.rows = _mid_frame(rows, MID_LAND_COLUMNS)
    return result


def parse_mid_ta(payload: Any, reg_id: str, tm_fc: datetime | str) -> ParseResult:
    """Parse a ``getMidTa`` payload: one row per (reg_id, forecast day).

    Columns (:data:`MID_TA_COLUMNS`): ``reg_id`` str; ``tm_fc``
    ``datetime64[ns, Asia/Seoul]``; ``forecast_date`` object (``datetime.date``);
    ``day_offset`` int64; ``ta_min_c, ta_max_c`` float64; and the spread keys
    ``taMin{N}Low/High``, ``taMax{N}Low/High`` as ``ta_min_low_c, ta_min_high_c,
    ta_max_low_c, ta_max_high_c`` (float64, NaN when absent).  KMA's spread keys are
    non-negative offsets below/above the forecast value, kept as sent.
    A day whose minimum exceeds its maximum is reported malformed and both are dropped.
    """
    tm = _tm_fc_kst(tm_fc)
    result = ParseResult(rows=pd.DataFrame())
    _require_normal(payload)
    result.total_count = _total_count(payload)
    days: dict[int, dict[str, float]] = {}
    for obj in _mid_items(payload, reg_id, result):
        for key, raw in obj.items():
            m = _MID_TA_KEY_RE.match(key)
            if not m:
                continue
            result.items_total += 1
            kind, n, spread = m.group(1), int(m.group(2)), (m.group(3) or "").lower()
            col = ("ta_min" if kind == "taMin" else "ta_max") + (f"_{spread}" if spread else "") + "_c"
            try:
                value = _mid_number(raw, 0, 50) if spread else _mid_number(raw, -60, 60)
            except MalformedValueError as exc:
                result._malformed({key: raw}, f"{key}: {exc}")
                continue
            if value is None:
                result.missing_values_dropped += 1
                continue
            days.setdefault(n, {})[col] = value

    rows = []
    for n in sorted(days):
        d = days[n]
        lo, hi = d.get("ta_min_c"), d.get("ta_max_c")
        if lo is not None and hi is not None and lo > hi:
            result._malformed({f"taMin{n}": lo, f"taMax{n}": hi}, f"day {n}: taMin > taMax")
            d.pop("ta_min_c")
            d.pop("ta_max_c")
        rows.append({
            "reg_id": reg_id,
            "tm_fc": tm,
            "forecast_date": tm.date() + timedelta(days=n),
            "day_offset": n,
            **{c: d.get(c) for c in MID_TA_COLUMNS if c.startswith("ta_")},
        })
    result.rows = _mid_frame(rows, MID_TA_COLUMNS)
    return result


def _mid_frame(rows: list[dict[str, Any]], columns: Mapping[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(columns))
    for col, dtype in columns.items():
        if dtype == "float64":
            df[col] = pd.to_numeric(df[col], errors="raise").astype("float64")
        elif dtype == "int64":
            df[col] = df[col].astype("int64")
        elif dtype == "str":
            # None stays missing (NaN) in pandas' "str" dtype instead of becoming "None".
            df[col] = pd.Series(df[col].tolist(), index=df.index, dtype="str")
        elif isinstance(dtype, pd.DatetimeTZDtype):
            df[col] = (
                pd.to_datetime(df[col]).dt.tz_convert(KST).astype(dtype)
                if len(df)
                else pd.Series([], index=df.index, dtype=dtype)
            )
    return df

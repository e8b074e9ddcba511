"""KMA value rules: the text precipitation / snow forms, plain numbers and missing markers.

Text precipitation / snow rule
------------------------------
KMA sends hourly precipitation (``PCP``, ``RN1`` in forecasts) and new snow (``SNO``) as
text.  One rule turns every form into a single representative number (mm or cm):

===========================  =============================  =============================
form                         example                        value
===========================  =============================  =============================
none                         ``강수없음`` / ``적설없음``     0.0
zero                         ``0``, ``0.0``, ``0mm``        0.0
"under B"                    ``1mm 미만``, ``1.0mm 미만``    B / 2 (0.5 — half the bound)
                             ``0.5cm 미만`` / ``1cm 미만``   0.25 / 0.5
amount                       ``6.2mm``, ``2.3cm``           the amount
range "A~B"                  ``30.0~50.0mm``                (A + B) / 2 (40.0 — midpoint)
"B or more"                  ``50.0mm 이상``, ``5.0cm 이상`` B (the lower bound)
plain number (nowcast RN1)   ``"1.5"``, ``1.5``             the number
missing                      ``""``, ``"-"``, ``None``      ``None``
missing marker               ``|v| >= 900`` (e.g. ``-999``)  ``None``
===========================  =============================  =============================

Anything else — a wrong unit (``2.3cm`` for precipitation), a negative amount, an inverted
range, free text — raises :class:`MalformedValueError`.  (A previous implementation stripped
non-digits: ``30.0~50.0mm`` vanished and ``1.0mm 미만`` became 1.0.  Never again.)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MISSING_MARKER_ABS",
    "MalformedValueError",
    "is_missing_marker",
    "parse_precip_text",
    "parse_snow_text",
]

#: Absolute value from which a number is KMA's missing-value marker.
MISSING_MARKER_ABS = 900.0


class MalformedValueError(ValueError):
    """A KMA value (text or number) does not match any documented form."""



# --------------------------------------------------------------------------- text values

_NUM = r"\d+(?:\.\d+)?"
_PLAIN_NUMBER_RE = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class _AmountGrammar:
    """Regexes for one quantity (precipitation in mm or snow in cm)."""

    unit: str
    none_word: str

    def __post_init__(self) -> None:
        u = re.escape(self.unit)
        object.__setattr__(self, "under", re.compile(rf"^({_NUM})\s*{u}\s*미만$"))
        object.__setattr__(self, "over", re.compile(rf"^({_NUM})\s*{u}\s*이상$"))
        object.__setattr__(
            self, "range", re.compile(rf"^({_NUM})\s*(?:{u})?\s*~\s*({_NUM})\s*{u}$")
        )
        object.__setattr__(self, "amount", re.compile(rf"^({_NUM})\s*{u}$"))


_PRECIP = _AmountGrammar(unit="mm", none_word="강수없음")
_SNOW = _AmountGrammar(unit="cm", none_word="적설없음")


def is_missing_marker(value: float) -> bool:
    """True for KMA's missing-value markers (``>= 900`` or ``<= -900``)."""
    return value >= MISSING_MARKER_ABS or value <= -MISSING_MARKER_ABS


def _parse_amount(text: Any, grammar: _AmountGrammar) -> float | None:
    if text is None:
        return None
    if isinstance(text, bool):  # bool is an int subclass; never a valid amount
        raise MalformedValueError(f"boolean {text!r} is not an amount")
    if isinstance(text, (int, float)):
        return _checked_amount(float(text), text)
    if not isinstance(text, str):
        raise MalformedValueError(f"unsupported value type {type(text).__name__}")
    s = text.strip()
    if s in ("", "-"):
        return None
    if s == grammar.none_word:
        return 0.0
    if _PLAIN_NUMBER_RE.match(s):
        return _checked_amount(float(s), text)
    if m := grammar.under.match(s):
        bound = float(m.group(1))
        if bound <= 0:
            raise MalformedValueError(f"{text!r}: 'under' bound must be positive")
        return bound / 2.0
    if m := grammar.over.match(s):
        return float(m.group(1))
    if m := grammar.range.match(s):
        lo, hi = float(m.group(1)), float(m.group(2))
        if lo > hi:
            raise MalformedValueError(f"{text!r}: inverted range")
        return (lo + hi) / 2.0
    if m := grammar.amount.match(s):
        return float(m.group(1))
    raise MalformedValueError(f"{text!r} is not a KMA {grammar.unit} amount")


def _checked_amount(v: float, original: Any) -> float | None:
    if math.isnan(v) or math.isinf(v):
        raise MalformedValueError(f"{original!r} is not a finite amount")
    if is_missing_marker(v):
        return None
    if v < 0:
        raise MalformedValueError(f"{original!r}: negative amount")
    return v


def parse_precip_text(text: str | float | int | None) -> float | None:
    """Hourly precipitation in mm from KMA text (``PCP``/``RN1``); see the module rule.

    Returns ``None`` for an empty value, ``"-"`` or a missing marker; raises
    :class:`MalformedValueError` for any undocumented form.
    """
    return _parse_amount(text, _PRECIP)


def parse_snow_text(text: str | float | int | None) -> float | None:
    """Hourly new snow in cm from KMA text (``SNO``); see the module rule."""
    return _parse_amount(text, _SNOW)


def _plain_number(raw: Any, *, nan_is_missing: bool) -> float | None:
    """A KMA numeric value (string or JSON number) as a float; None when absent ("", "-", null).

    Short-range values are strings, so a non-finite JSON number there is malformed
    (``nan_is_missing=False``); medium-range values are JSON numbers and NaN means absent.
    Missing markers (+-900) and ranges are the caller's business.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise MalformedValueError(f"boolean {raw!r}")
    if isinstance(raw, str):
        text = raw.strip()
        if text in ("", "-"):
            return None
        if not _PLAIN_NUMBER_RE.match(text):
            raise MalformedValueError(f"{raw!r} is not a number")
        return float(text)
    if isinstance(raw, (int, float)):
        v = float(raw)
        if math.isnan(v) and nan_is_missing:
            return None
        if (math.isnan(v) or math.isinf(v)) and not nan_is_missing:
            raise MalformedValueError(f"{raw!r} is not finite")
        return v
    raise MalformedValueError(f"unsupported value type {type(raw).__name__}")

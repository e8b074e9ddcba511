"""The sample source in KMA's vocabulary: value texts and codes, and the payload envelope.

Model values become KMA's strings (``"1mm 미만"``, ``"적설없음"``, one-decimal numbers) and codes
(PTY, SKY, POP); payloads are wrapped and paged exactly as KMA does, with NO_DATA past the end.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Iterable

from weather_flick_batch.core.grid import GRID_NX_MAX, GRID_NY_MAX
from weather_flick_batch.weather.issuance import parse_kma_base

__all__ = ["empty_nodata_payload"]


def _fmt_int(v: float) -> str:
    return str(int(round(float(v))))  # round() never yields "-0"


def _fmt_1(v: float) -> str:
    return f"{round(float(v), 1) + 0.0:.1f}"  # + 0.0 turns −0.0 into 0.0


def _fmt_pcp(mm: float) -> str:
    if mm < 0.1:
        return "강수없음"
    if mm < 1.0:
        return "1mm 미만"
    if mm < 30.0:
        return f"{math.floor(mm * 10) / 10:.1f}mm"
    if mm < 50.0:
        return "30.0~50.0mm"
    return "50.0mm 이상"


def _fmt_sno(cm: float) -> str:
    if cm < 0.1:
        return "적설없음"
    if cm < 1.0:
        return "1cm 미만"
    if cm < 5.0:
        return f"{math.floor(cm * 10) / 10:.1f}cm"
    return "5.0cm 이상"


def _pty_short(rain: float, conv: float, temp: float) -> int:
    if rain < 0.1:
        return 0
    if temp <= 0.0:
        return 3
    if temp <= 2.0:
        return 2
    if conv > 0.5 * rain:
        return 4
    return 1


def _pty_ultra(rain: float, temp: float) -> int:
    if rain < 0.1:
        return 0
    trace = rain < 0.3
    if temp <= 0.0:
        return 7 if trace else 3
    if temp <= 2.0:
        return 6 if trace else 2
    return 5 if trace else 1


def _sky(cloud: float, rain: float) -> int:
    if rain >= 0.1:
        return 4  # overcast whenever it precipitates
    if cloud < 0.3:
        return 1
    if cloud < 0.7:
        return 3
    return 4


def _pop(rain: float, near: float, lead_h: float) -> int:
    if rain >= 0.1:
        sure = 30.0 * min(1.0, rain / 5.0) * (1.0 if lead_h <= 48 else 0.6)
        p = 60.0 + sure
    else:
        p = min(50.0, 40.0 * min(1.0, near * 1.5))
    return int(round(p / 10.0)) * 10


def _wind_components(speed: float, direction_deg: float) -> tuple[float, float]:
    # KMA's VEC is where the wind comes *from*; UUU/VVV point where it blows *to*.
    rad = math.radians(direction_deg)
    return -speed * math.sin(rad), -speed * math.cos(rad)


# --------------------------------------------------------------------------- payload helpers


def _payload(items: list[dict[str, Any]], page_no: int, num_of_rows: int) -> dict[str, Any]:
    if page_no < 1 or num_of_rows < 1:
        raise ValueError(f"pageNo and numOfRows must be >= 1, got {page_no}, {num_of_rows}")
    start = (page_no - 1) * num_of_rows
    if items and start >= len(items):
        return empty_nodata_payload()  # KMA answers a page past the end with NO_DATA
    return {
        "response": {
            "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
            "body": {
                "dataType": "JSON",
                "pageNo": page_no,
                "numOfRows": num_of_rows,
                "totalCount": len(items),
                "items": {"item": items[start:start + num_of_rows]},
            },
        }
    }


def empty_nodata_payload() -> dict[str, Any]:
    """The reply KMA gives for an issuance not (yet) available: resultCode ``03``."""
    return {"response": {"header": {"resultCode": "03", "resultMsg": "NO_DATA"}}}


def _check_cell(nx: int, ny: int) -> None:
    if not (isinstance(nx, int) and isinstance(ny, int)) or isinstance(nx, bool):
        raise ValueError(f"nx/ny must be ints, got {nx!r}, {ny!r}")
    if not (1 <= nx <= GRID_NX_MAX and 1 <= ny <= GRID_NY_MAX):
        raise ValueError(
            f"grid cell ({nx}, {ny}) is outside the KMA grid (1..{GRID_NX_MAX}, 1..{GRID_NY_MAX})"
        )


def _base(base_date: str, base_time: str, hours: Iterable[int], what: str) -> datetime:
    base = parse_kma_base(base_date, base_time)
    if base.minute != 0 or base.hour not in set(hours):
        raise ValueError(f"{base_time!r} is not a {what} base time")
    return base

"""What docs/scoring.md shows, computed from the code: the worked and seasonal examples and the reference tables.

The examples' expected results are pinned by the tests; the tables are rendered by the functions here and the
tests check that the document holds them as rendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

import pandas as pd

from weather_flick_batch.recommendations.scoring.engine import INPUT_COLUMNS, score_frame
from weather_flick_batch.recommendations.scoring.profiles import (
    PROFILE_WEIGHTS,
    PROFILES,
    _finite_or_none,
    profile_for,
    sensitivity_for,
)
from weather_flick_batch.recommendations.scoring.ratings import (
    A_BEACH_ANCHORS,
    A_URBAN_ANCHORS,
    P_ANCHORS,
    TC_BEACH_ANCHORS,
    TC_URBAN_ANCHORS,
    W_ANCHORS,
)
from weather_flick_batch.recommendations.scoring.seasons import (
    THERMAL_CEILING_ANCHORS,
    THERMAL_CEILING_EXEMPT_TYPES,
    in_bathing_season,
)

# ---------------------------------------------------------------------------------------------------------------
# Worked examples: pinned by tests and rendered into docs/scoring.md by worked_examples_table().
# ---------------------------------------------------------------------------------------------------------------

_SPRING = {"tmax_c": 26.0, "tmin_c": 14.0, "rh_mean_pct": 55.0, "cloud_pct": 15.0, "pop_max_pct": 0.0,
           "precip_mm": 0.0, "wind_max_ms": 2.0}  # fmt: skip
_RAINY = {"tmax_c": 26.0, "tmin_c": 21.0, "rh_mean_pct": 90.0, "cloud_pct": 100.0, "pop_max_pct": 80.0,
          "precip_mm": 15.0, "wind_max_ms": 6.0}  # fmt: skip


def _at(content_type_id: int, coastal: bool, day: date, lead_days: int) -> dict[str, Any]:
    """The non-weather inputs of an example row."""
    return {"content_type_id": content_type_id, "coastal": coastal, "forecast_date": day, "lead_days": lead_days}


WORKED_EXAMPLES: Final[list[dict[str, Any]]] = [
    {
        "name": "Perfect spring day, tourist spot, tomorrow",
        "input": {**_at(12, False, date(2026, 5, 14), 1), **_SPRING},
        "expected_score": 97.5,
        "expected_grade": "ideal",
        "why": "ET = 26 - 0.4 x 16 x 0.45 = 23.1 °C rates 10, as do 15 % cloud, no rain and a 7 km/h breeze: "
        "HCI 100. The day-1 confidence 0.90 shrinks it toward 75: 0.9 x 100 + 0.1 x 75 = 97.5.",
    },
    {
        "name": "Hot humid August day, tourist spot",
        "input": {**_at(12, False, date(2026, 8, 6), 1), "tmax_c": 34.0, "tmin_c": 26.0,
                  "rh_mean_pct": 80.0, "cloud_pct": 40.0, "pop_max_pct": 30.0, "precip_mm": 1.0,
                  "wind_max_ms": 2.0},  # fmt: skip
        "expected_score": 78.7,
        "expected_grade": "very good",
        "why": "ET = 34 - 0.4 x 24 x 0.2 = 32.1 °C rates 5.9 at weight 4 (-16 HCI points); 40 % cloud costs 4, "
        "a 30 % chance of 1 mm of rain 0.6: HCI 79.1. HCI:Urban is survey-based and tolerant of heat, "
        "so a humid 34 °C day is still 'very good'.",
    },
    {
        "name": "Rainy summer day at the beach (pop 80 %, 15 mm)",
        "input": {**_at(12, True, date(2026, 7, 15), 1), **_RAINY},
        "expected_score": 37.6,
        "expected_grade": "unacceptable",
        "why": "Beach weights: cloud 4, rain 3. 100 % cloud rates 1; P = 0.2 x 10 + 0.8 x P(15 mm) = 0.2 x 10 "
        "+ 0.8 x 0 = 2; ET 25.4 °C is below the beach optimum (7.7). HCI 33.4, 0.9 x 33.4 + 7.5 = 37.6.",
    },
    {
        "name": "Same rainy day at a museum",
        "input": {**_at(14, False, date(2026, 7, 15), 1), **_RAINY},
        "expected_score": 69.5,
        "expected_grade": "good",
        "why": "The same weather rates HCI:Urban 54.6, but a cultural facility has sensitivity 0.3: "
        "75 + 0.3 x (54.6 - 75) = 68.9, then 0.9 x 68.9 + 0.1 x 75 = 69.5. Rain barely hurts an indoor visit.",
    },
    {
        "name": "Freezing windy January day, mountain (tourist spot)",
        "input": {**_at(12, False, date(2027, 1, 19), 2), "tmax_c": -6.0, "tmin_c": -14.0,
                  "rh_mean_pct": 45.0, "cloud_pct": 30.0, "pop_max_pct": 20.0, "precip_mm": 0.5,
                  "wind_max_ms": 15.0},  # fmt: skip
        "expected_score": 43.1,
        "expected_grade": "marginal",
        "why": "ET = -6 + 0.4 x 16 x 0.55 = -2.5 °C rates 2 (-32 points at weight 4) and 54 km/h wind rates 0 "
        "(-10); the sky and a 20 % chance of light snow are fine: HCI 55.6, 58.5 after confidence. HCI never "
        "rates cold below 1 and weights wind 1 of 10, so on its own it calls this day 'acceptable'; the thermal "
        "ceiling for TC 2 (below 50) squeezes it into the band below: 40 + 18.5 x 9.9 / 60 = 43.1.",
    },
    {
        "name": "Ideal weather forecast 9 days ahead",
        "input": {**_at(12, False, date(2026, 5, 23), 9), **_SPRING},
        "expected_score": 87.5,
        "expected_grade": "excellent",
        "why": "Same weather as the perfect spring day, but confidence is 0.50 at day 9: 0.5 x 100 + 0.5 x 75 "
        "= 87.5. A far forecast never claims an extreme.",
    },
    {
        "name": "Showery day on a hiking course",
        "input": {**_at(25, False, date(2026, 10, 8), 0), "tmax_c": 21.0, "tmin_c": 13.0,
                  "rh_mean_pct": 70.0, "cloud_pct": 75.0, "pop_max_pct": 70.0, "precip_mm": 8.0,
                  "wind_max_ms": 9.0},  # fmt: skip
        "expected_score": 66.1,
        "expected_grade": "good",
        "why": "outdoor_active weights rain 4 and wind 2: P = 0.3 x 10 + 0.7 x P(8 mm) = 0.3 x 10 + 0.7 x 4.5 "
        "= 6.15 costs 15 points, 32 km/h wind (6) 8 more; ET 19.7 °C (8.4) and 75 % cloud (4) the rest.",
    },
    {
        "name": "Ideal beach day",
        "input": {**_at(12, True, date(2026, 8, 4), 1), "tmax_c": 31.0, "tmin_c": 24.0,
                  "rh_mean_pct": 75.0, "cloud_pct": 20.0, "pop_max_pct": 10.0, "precip_mm": 0.0,
                  "wind_max_ms": 3.0},  # fmt: skip
        "expected_score": 96.4,
        "expected_grade": "ideal",
        "why": "ET 28.9 °C and 20 % cloud are both in the beach optima (10). A 10 % chance of rain with 0 mm "
        "forecast still counts as 1 mm if it rains: P = 0.9 x 10 + 0.1 x 9.3 = 9.93. 11 km/h wind rates 9.",
    },
    {
        "name": "Partly missing inputs (no humidity, cloud or amount; wind NaN)",
        "input": {**_at(12, False, date(2026, 9, 24), 3), "tmax_c": 24.0, "tmin_c": None,
                  "rh_mean_pct": None, "cloud_pct": None, "pop_max_pct": 10.0, "precip_mm": None,
                  "wind_max_ms": float("nan")},  # fmt: skip
        "expected_score": 84.3,
        "expected_grade": "excellent",
        "why": "ET falls back to Tmax (24 °C, 10); cloud and wind are neutral 7.5; pop 10 % without an amount "
        "assumes 10 mm if it rains: 0.9 x 10 + 0.1 x 2.5 = 9.25. HCI 90.3. Missing weight 4.75 of 10 "
        "scales the day-3 confidence 0.80 by (1 - 0.5 x 0.475) to 0.61.",
    },
    {
        "name": "No weather at all, restaurant",
        "input": {**_at(39, False, date(2026, 11, 20), 0), "tmax_c": None, "tmin_c": None,
                  "rh_mean_pct": None, "cloud_pct": None, "pop_max_pct": None, "precip_mm": None,
                  "wind_max_ms": None},  # fmt: skip
        "expected_score": 75.0,
        "expected_grade": "very good",
        "why": "Every facet is neutral (7.5), so HCI = 75 = the neutral score whatever the sensitivity and "
        "confidence (0.95 x 0.5): no data never pretends to be good or bad weather.",
    },
]
"""Documented worked examples.  ``expected_score``/``expected_grade`` are pinned goldens (see the tests)."""


def _fmt_input(inp: Mapping[str, Any]) -> str:
    def show(key: str, unit: str) -> str:
        v = _finite_or_none(inp.get(key))
        return "n/a" if v is None else f"{v:g}{unit}"

    day = inp.get("forecast_date")
    return (
        f"type {inp['content_type_id']}{' coastal' if inp.get('coastal') else ''}"
        f"{' winter sport' if inp.get('winter_sport') else ''}, "
        f"{day.isoformat() if isinstance(day, date) else 'no date'} (day {inp['lead_days']}); "
        f"Tmax {show('tmax_c', ' °C')}, RH {show('rh_mean_pct', ' %')}, cloud {show('cloud_pct', ' %')}, "
        f"pop {show('pop_max_pct', ' %')}, precip {show('precip_mm', ' mm')}, wind {show('wind_max_ms', ' m/s')}"
    )


_CONTENT_TYPE_NAMES: Final[Mapping[int, str]] = {
    12: "tourist spot", 14: "cultural facility", 15: "festival", 25: "travel course", 28: "leisure/sports",
    32: "lodging", 38: "shopping", 39: "restaurant",
}  # fmt: skip


def reference_tables_markdown() -> str:
    """Markdown of the rating anchors, profile weights and content-type mapping exactly as implemented."""
    tables = [
        ("TC, HCI:Urban", "ET °C", TC_URBAN_ANCHORS),
        ("TC, HCI:Beach", "ET °C", TC_BEACH_ANCHORS),
        ("A, urban", "cloud %", A_URBAN_ANCHORS),
        ("A, beach", "cloud %", A_BEACH_ANCHORS),
        ("P (both)", "mm/day", P_ANCHORS),
        ("W (both)", "km/h", W_ANCHORS),
    ]
    lines = ["| facet | x | anchors `x: rating` (linear between, flat beyond the ends) |", "|---|---|---|"]
    for name, unit, anchors in tables:
        lines.append(f"| {name} | {unit} | " + ", ".join(f"`{x:g}: {y:g}`" for x, y in anchors) + " |")
    lines += ["", "| profile | TC | A | P | W |", "|---|---|---|---|---|"]
    lines += [f"| {name} | " + " | ".join(f"{w:g}" for w in PROFILE_WEIGHTS[name]) + " |" for name in PROFILES]
    lines += [
        "",
        "| content type | profile | profile if coastal, in the bathing season | sensitivity | thermal ceiling |",
        "|---|---|---|---|---|",
    ]
    for ct, label in [*_CONTENT_TYPE_NAMES.items(), (0, "")]:
        name = f"{ct} {label}" if ct else "other / unknown"
        ceiling = "no" if ct in THERMAL_CEILING_EXEMPT_TYPES else ("yes, except winter sports" if ct == 28 else "yes")
        lines.append(
            f"| {name} | {profile_for(ct, False)} | {profile_for(ct, True)} | {sensitivity_for(ct):g} | {ceiling} |"
        )
    lines += ["", "| thermal ceiling | TC rating `x: ceiling` (linear between; no ceiling from the last anchor) |",
              "|---|---|",
              "| score stays below | " + ", ".join(f"`{x:g}: {y:g}`" for x, y in THERMAL_CEILING_ANCHORS) + " |"]
    return "\n".join(lines) + "\n"


def worked_examples_table() -> str:
    """Markdown table of :data:`WORKED_EXAMPLES`, with every number computed by :func:`score_frame` now."""
    frame = score_frame(pd.DataFrame([ex["input"] for ex in WORKED_EXAMPLES], columns=list(INPUT_COLUMNS)))
    lines = [
        "| # | case | inputs | profile | TC / A / P / W | confidence | score | grade | reasons | why |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, (ex, (_, r)) in enumerate(zip(WORKED_EXAMPLES, frame.iterrows(), strict=True), start=1):
        facets = " / ".join(f"{r[c]:.2f}" for c in ("tc_rating", "a_rating", "p_rating", "w_rating"))
        reasons = ", ".join(f"`{s}`" for s in r["reasons"]) or "(none)"
        lines.append(
            f"| {i} | {ex['name']} | {_fmt_input(ex['input'])} | {r['profile']} | {facets} | "
            f"{r['confidence']:.3f} | **{r['score']:.1f}** | {r['grade']} | {reasons} | {ex['why']} |"
        )
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# Seasonal examples: a beach, a sea island, a lake island and a city sight in December, April, August and October.
# Pinned by test_seasons.py and rendered into docs/scoring.md ("Seasons") by seasonal_examples_table().
# ---------------------------------------------------------------------------------------------------------------

SEASONAL_PLACES: Final[Mapping[str, Mapping[str, Any]]] = {
    "해운대해수욕장": {"content_id": "9061201", "content_type_id": 12, "cat2": "A0101", "cat3": "A01011200",
                 "region_code": 6, "sigungu_code": 16, "where": "부산 해운대구", "kind": "beach", "coastal": True},
    "우도": {"content_id": "9391208", "content_type_id": 12, "cat2": "A0101", "cat3": "A01011300",
           "region_code": 39, "sigungu_code": 4, "where": "제주 제주시", "kind": "sea island", "coastal": True},
    "남이섬": {"content_id": "9321201", "content_type_id": 12, "cat2": "A0101", "cat3": "A01011300",
            "region_code": 32, "sigungu_code": 13, "where": "강원 춘천시", "kind": "island in a lake (청평호, on the "
            "North Han river)", "coastal": False},
    "경복궁": {"content_id": "126508", "content_type_id": 12, "cat2": "A0201", "cat3": "A02010100",
            "region_code": 1, "sigungu_code": 23, "where": "서울 종로구", "kind": "palace, outdoor sightseeing",
            "coastal": False},
}  # fmt: skip
"""The example places as the sample catalogue has them.  ``coastal`` is what ``transform.coastal_flags`` makes of
their TourAPI category and district (test_seasons.py checks it): a beach is at sea wherever it is, an island
only in a coastal district (제주시 yes, 춘천시 no), a palace never."""


def _weather(tmax: float, rh: float, cloud: float, pop: float, mm: float, wind: float) -> dict[str, float]:
    return {"tmax_c": tmax, "tmin_c": tmax - 8.0, "rh_mean_pct": rh, "cloud_pct": cloud, "pop_max_pct": pop,
            "precip_mm": mm, "wind_max_ms": wind}  # fmt: skip


_SEASON_DAYS: Final[Mapping[str, date]] = {
    "December": date(2026, 12, 7), "April": date(2026, 4, 15), "August": date(2026, 8, 5),
    "October": date(2026, 10, 14),
}  # fmt: skip

# Typical days for each place and month (today's forecast, lead 0), roughly the places' climate normals.
_SEASONAL_WEATHER: Final[Mapping[tuple[str, str], dict[str, float]]] = {
    ("December", "해운대해수욕장"): _weather(7, 50, 10, 0, 0, 4),  # issue #15: clear and 7 °C, was 73 "very good"
    ("December", "우도"): _weather(10, 65, 60, 20, 1, 9),  # Jeju winter: milder, cloudier, windy
    ("December", "남이섬"): _weather(2, 55, 20, 0, 0, 2),
    ("December", "경복궁"): _weather(3, 50, 10, 0, 0, 3),
    ("April", "해운대해수욕장"): _weather(18, 60, 30, 10, 0, 5),
    ("April", "우도"): _weather(17, 70, 40, 20, 1, 7),
    ("April", "남이섬"): _weather(19, 45, 20, 0, 0, 3),
    ("April", "경복궁"): _weather(19, 45, 30, 10, 0, 3),
    ("August", "해운대해수욕장"): _weather(31, 75, 20, 10, 0, 4),
    ("August", "우도"): _weather(30, 80, 25, 20, 2, 5),
    ("August", "남이섬"): _weather(32, 70, 30, 30, 5, 2),
    ("August", "경복궁"): _weather(33, 70, 40, 30, 5, 2),
    ("October", "해운대해수욕장"): _weather(22, 55, 10, 0, 0, 4),
    ("October", "우도"): _weather(22, 65, 30, 10, 0, 6),
    ("October", "남이섬"): _weather(20, 55, 10, 0, 0, 3),
    ("October", "경복궁"): _weather(21, 50, 20, 0, 0, 3),
}

SEASONAL_EXAMPLES: Final[list[dict[str, Any]]] = [
    {
        "month": month,
        "place": place,
        "input": {"content_type_id": SEASONAL_PLACES[place]["content_type_id"],
                  "coastal": SEASONAL_PLACES[place]["coastal"], "winter_sport": False,
                  "forecast_date": _SEASON_DAYS[month], "lead_days": 0, **_SEASONAL_WEATHER[(month, place)]},
    }  # fmt: skip
    for month in _SEASON_DAYS
    for place in SEASONAL_PLACES
]
"""Sixteen documented seasonal examples (month x place), in table order; test_seasons.py pins their results."""


def seasonal_examples_table() -> str:
    """Markdown table of :data:`SEASONAL_EXAMPLES`, every number computed by :func:`score_frame` now."""
    frame = score_frame(pd.DataFrame([ex["input"] for ex in SEASONAL_EXAMPLES], columns=list(INPUT_COLUMNS)))
    lines = [
        "| month | place | season, coastal | weather | profile | TC / A / P / W | score | grade | reasons |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for ex, (_, r) in zip(SEASONAL_EXAMPLES, frame.iterrows(), strict=True):
        place, inp = SEASONAL_PLACES[ex["place"]], ex["input"]
        in_season = bool(in_bathing_season([inp["forecast_date"]])[0])
        facets = " / ".join(f"{r[c]:.2f}" for c in ("tc_rating", "a_rating", "p_rating", "w_rating"))
        reasons = ", ".join(f"`{s}`" for s in r["reasons"]) or "(none)"
        lines.append(
            f"| {ex['month']} | {ex['place']}: {place['kind']}, {place['where']} ({place['cat3']}) | "
            f"{inp['forecast_date'].isoformat()} {'in' if in_season else 'out of'} season; "
            f"{'coastal' if inp['coastal'] else 'not coastal'} | "
            f"Tmax {inp['tmax_c']:g} °C, RH {inp['rh_mean_pct']:g} %, cloud {inp['cloud_pct']:g} %, "
            f"pop {inp['pop_max_pct']:g} %, {inp['precip_mm']:g} mm, wind {inp['wind_max_ms']:g} m/s | "
            f"{r['profile']} | {facets} | **{r['score']:.1f}** | {r['grade']} | {reasons} |"
        )
    return "\n".join(lines) + "\n"

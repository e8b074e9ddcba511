"""Seasons, as a traveller sees them (issue #15): the bathing season, which places are coastal, the thermal
ceiling, and the documented December / April / August / October examples.

The pinned table below is written out by hand: a change to the scorer that moves any of these numbers must
change this file on purpose.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from weather_flick_batch.recommendations import scoring
from weather_flick_batch.recommendations.scoring import (
    INPUT_COLUMNS,
    SEASONAL_EXAMPLES,
    SEASONAL_PLACES,
    apply_thermal_ceiling,
    grade_for,
    grades_for,
    in_bathing_season,
    score_frame,
    score_row_reference,
    seasonal_examples_table,
    thermal_ceiling,
)
from weather_flick_batch.recommendations.transform import (
    COASTAL_DISTRICTS,
    band_names,
    coastal_flags,
    score_destinations,
    scoring_input,
)
from weather_flick_batch_tests.test_scoring import HYP, _finite, rows

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "scoring.md"
CATALOGUE = REPO / "weather_flick_batch" / "destinations" / "catalogue"

# (month, place) -> (profile, score, grade, reasons): the documented seasonal examples, pinned.
PINNED: dict[tuple[str, str], tuple[str, float, str, list[str]]] = {
    ("December", "해운대해수욕장"): ("urban", 63.2, "good", ["cold for outdoor sightseeing", "feels like 8 °C"]),
    ("December", "우도"): ("urban", 61.0, "good", ["cold for outdoor sightseeing", "feels like 10 °C", "cloudy",
                                                  "wind 32 km/h"]),
    ("December", "남이섬"): ("urban", 54.4, "acceptable", ["cold for outdoor sightseeing", "feels like 3 °C"]),
    ("December", "경복궁"): ("urban", 53.8, "acceptable", ["cold for outdoor sightseeing", "feels like 4 °C"]),
    ("April", "해운대해수욕장"): ("urban", 80.5, "excellent", ["feels like 17 °C", "dry", "sunny"]),
    ("April", "우도"): ("urban", 77.5, "very good", ["feels like 16 °C", "cloudy"]),
    ("April", "남이섬"): ("urban", 82.7, "excellent", ["feels like 17 °C", "dry", "sunny"]),
    ("April", "경복궁"): ("urban", 80.6, "excellent", ["feels like 17 °C", "dry", "sunny"]),
    ("August", "해운대해수욕장"): ("beach", 97.6, "ideal", ["sunny", "dry"]),
    ("August", "우도"): ("beach", 97.1, "ideal", ["sunny", "dry"]),
    ("August", "남이섬"): ("urban", 83.3, "excellent", ["feels like 29 °C", "rain 30 %", "sunny", "light wind"]),
    ("August", "경복궁"): ("urban", 80.5, "excellent", ["feels like 30 °C", "cloudy", "rain 30 %", "light wind"]),
    ("October", "해운대해수욕장"): ("urban", 90.9, "ideal", ["feels like 20 °C", "dry", "sunny"]),
    ("October", "우도"): ("urban", 91.0, "ideal", ["feels like 20 °C", "ideal temperature", "dry"]),
    ("October", "남이섬"): ("urban", 84.5, "excellent", ["feels like 18 °C", "dry", "sunny"]),
    ("October", "경복궁"): ("urban", 86.4, "excellent", ["feels like 19 °C", "dry", "sunny"]),
}  # fmt: skip

CLEAR_COLD_DAY = {"tmax_c": 7.0, "tmin_c": -1.0, "rh_mean_pct": 50.0, "cloud_pct": 10.0, "pop_max_pct": 0.0,
                  "precip_mm": 0.0, "wind_max_ms": 4.0}  # fmt: skip


def frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=list(INPUT_COLUMNS))


def row(ct: int = 12, *, coastal: bool = False, day: Any = date(2026, 12, 7), lead: int = 0, winter: bool = False,
        **weather: float) -> dict[str, Any]:
    return {"content_type_id": ct, "coastal": coastal, "winter_sport": winter, "forecast_date": day,
            "lead_days": lead, **CLEAR_COLD_DAY, **weather}  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# The documented examples
# ---------------------------------------------------------------------------------------------------------------


def test_seasonal_examples_are_pinned() -> None:
    assert [(ex["month"], ex["place"]) for ex in SEASONAL_EXAMPLES] == list(PINNED)
    out = score_frame(frame([ex["input"] for ex in SEASONAL_EXAMPLES]))
    got = {(ex["month"], ex["place"]): (r["profile"], r["score"], r["grade"], r["reasons"])
           for ex, (_, r) in zip(SEASONAL_EXAMPLES, out.iterrows(), strict=True)}  # fmt: skip
    assert got == PINNED
    # The per-row reference, an independent implementation of the same rules, agrees.
    raw = score_frame(frame([ex["input"] for ex in SEASONAL_EXAMPLES]), decimals=None)["score"].to_numpy()
    reference = np.array([score_row_reference(ex["input"]) for ex in SEASONAL_EXAMPLES])
    np.testing.assert_allclose(raw, reference, rtol=0, atol=1e-9)
    assert (np.abs(out["score"].to_numpy() - reference) <= 0.05 + 1e-9).all()


def test_seasonal_examples_cover_the_brief() -> None:
    months = {ex["month"] for ex in SEASONAL_EXAMPLES}
    assert months == {"December", "April", "August", "October"}
    # The beach and the sea island are beaches in August only; the lake island and the palace never.
    for (month, place), (profile, *_rest) in PINNED.items():
        is_beach = month == "August" and SEASONAL_PLACES[place]["coastal"]
        assert (profile == "beach") == is_beach, (month, place)
    # Cold and clear is not "very good": no December example reaches it.
    assert all(grade_for(score)[1] < 4 for (month, _), (_, score, _, _) in PINNED.items() if month == "December")


def test_seasonal_places_coastal_flag_is_what_the_pipeline_decides() -> None:
    places = pd.DataFrame(SEASONAL_PLACES.values(), index=list(SEASONAL_PLACES))
    flags = coastal_flags(places["cat2"], places["cat3"], places["region_code"], places["sigungu_code"])
    assert flags.tolist() == places["coastal"].tolist()
    # ... and the places are the sample catalogue's, with these categories and districts.
    catalogue = {d["contentid"]: d for d in json.loads((CATALOGUE / "destinations.json").read_text())}
    for name, place in SEASONAL_PLACES.items():
        d = catalogue[place["content_id"]]
        assert (d["title"], d["cat2"], d["cat3"], int(d["areacode"]), int(d["sigungucode"])) == (
            name, place["cat2"], place["cat3"], place["region_code"], place["sigungu_code"])


def test_doc_has_the_seasons_section_with_the_generated_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "## 9. Seasons" in text
    assert seasonal_examples_table() in text  # regenerate with seasonal_examples_table()
    assert scoring.reference_tables_markdown() in text


def test_doc_walkthrough_of_the_haeundae_december_day() -> None:
    """The numbers of the worked paragraph in docs/scoring.md, recomputed from the rating functions."""
    text = DOC.read_text(encoding="utf-8")
    day = CLEAR_COLD_DAY
    et = float(scoring.effective_temperature(day["tmax_c"], day["rh_mean_pct"]))
    wind = float(scoring.wind_rating(day["wind_max_ms"] * 3.6))
    # Before: HCI:Beach all year round, no ceiling.
    beach = (2 * float(scoring.thermal_comfort_rating(et, beach=True))
             + 4 * float(scoring.aesthetic_rating(day["cloud_pct"], beach=True)) + 3 * 10 + wind)  # fmt: skip
    before = round(0.95 * beach + 0.05 * 75, 1)
    assert (beach, before) == (73.0, 73.1)
    assert f"**{before:.1f}, \"very good\"**" in text
    # Now: HCI:Urban out of season, then the TC-4 ceiling.
    tc = float(scoring.thermal_comfort_rating(et, beach=False))
    urban = 4 * tc + 2 * float(scoring.aesthetic_rating(day["cloud_pct"])) + 3 * 10 + wind
    after = round(float(apply_thermal_ceiling(0.95 * urban + 0.05 * 75, tc)), 1)
    assert (round(et, 1), tc, urban, float(thermal_ceiling(tc)), after) == (7.6, 4.0, 73.0, 70.0, 63.2)
    assert f"**{after:.1f}, \"good\"**" in text
    haeundae = score_frame(frame([row(coastal=True)])).iloc[0]
    assert (haeundae["profile"], haeundae["score"], haeundae["grade"]) == ("urban", after, "good")


# ---------------------------------------------------------------------------------------------------------------
# The bathing season
# ---------------------------------------------------------------------------------------------------------------

EDGES = {date(2026, 5, 31): False, date(2026, 6, 1): True, date(2026, 9, 15): True, date(2026, 9, 16): False,
         date(2026, 12, 7): False, date(2027, 7, 20): True}  # fmt: skip


@pytest.mark.parametrize(
    "as_input",
    [
        pytest.param(lambda d: d, id="date"),
        pytest.param(lambda d: datetime(d.year, d.month, d.day, 23, 59), id="datetime"),
        pytest.param(lambda d: d.isoformat(), id="iso-text"),
        pytest.param(lambda d: pd.Timestamp(d), id="timestamp"),
        pytest.param(lambda d: np.datetime64(d.isoformat()), id="datetime64-object"),
    ],
)
def test_season_edges_for_every_date_form(as_input: Any) -> None:
    dates = [as_input(d) for d in EDGES]
    assert in_bathing_season(pd.Series(dates, dtype=object)).tolist() == list(EDGES.values())
    records = [row(coastal=True, day=d, tmax_c=30.0, rh_mean_pct=70.0) for d in dates]
    out = score_frame(frame(records))
    assert out["profile"].tolist() == ["beach" if v else "urban" for v in EDGES.values()]
    reference = [round(score_row_reference(r), 1) for r in records]
    assert out["score"].tolist() == reference


@pytest.mark.parametrize("tz", [None, "Asia/Seoul", "UTC"])
def test_season_from_a_datetime64_column_uses_the_wall_clock_date(tz: str | None) -> None:
    stamps = pd.to_datetime([d.isoformat() + " 23:30" for d in EDGES]).tz_localize(tz)
    records = [row(coastal=True, day=None, tmax_c=30.0, rh_mean_pct=70.0) for _ in EDGES]
    df = frame(records).assign(forecast_date=stamps)
    assert df["forecast_date"].dtype.kind == "M"
    out = score_frame(df)
    assert out["profile"].tolist() == ["beach" if v else "urban" for v in EDGES.values()]
    assert in_bathing_season(stamps.to_series()).tolist() == list(EDGES.values())
    reference = [round(score_row_reference(r), 1) for r in df.to_dict("records")]
    assert out["score"].tolist() == reference


def test_no_usable_date_is_out_of_season() -> None:
    bad = [None, float("nan"), pd.NaT, "", "summer", 20260701, date(2026, 8, 1).isoformat() + "x"]
    assert not in_bathing_season(pd.Series(bad, dtype=object)).any()
    out = score_frame(frame([row(coastal=True, day=d, tmax_c=30.0) for d in bad]))
    assert (out["profile"] == "urban").all()
    assert in_bathing_season(date(2026, 8, 1)).tolist() == [True]  # a scalar works too
    assert in_bathing_season(np.array(["2026-08-01", "2026-10-01"], dtype="datetime64[D]")).tolist() == [True, False]


def test_only_coastal_tourist_spots_and_leisure_become_beaches() -> None:
    summer = date(2026, 8, 5)
    types = (12, 14, 15, 25, 28, 32, 38, 39, 77)
    out = score_frame(frame([row(ct, coastal=True, day=summer) for ct in types]))
    assert dict(zip(types, out["profile"], strict=True)) == {
        12: "beach", 14: "urban", 15: "outdoor_active", 25: "outdoor_active", 28: "beach", 32: "urban", 38: "urban",
        39: "urban", 77: "urban"}  # fmt: skip
    winter = score_frame(frame([row(ct, coastal=True) for ct in types]))
    assert winter["profile"].tolist() == [scoring.profile_for(ct, False) for ct in types]


# ---------------------------------------------------------------------------------------------------------------
# Which places are coastal
# ---------------------------------------------------------------------------------------------------------------


def _catalogue() -> pd.DataFrame:
    items = json.loads((CATALOGUE / "destinations.json").read_text())
    return pd.DataFrame({
        "content_id": [d["contentid"] for d in items], "title": [d["title"] for d in items],
        "content_type_id": [int(d["contenttypeid"]) for d in items],
        "region_code": [int(d["areacode"]) for d in items],
        "sigungu_code": pd.array([int(d["sigungucode"]) if d["sigungucode"] else None for d in items], dtype="Int64"),
        "cat2": [d["cat2"] for d in items], "cat3": [d["cat3"] for d in items], "is_active": True,
    })  # fmt: skip


def test_coastal_districts_are_real_tourapi_districts() -> None:
    districts = json.loads((CATALOGUE / "districts.json").read_text())["districts"]
    names = {(int(region), int(d["code"])): d["name"] for region, ds in districts.items() for d in ds}
    listed = {(region, sigungu): name for region, ds in COASTAL_DISTRICTS.items() for sigungu, name in ds.items()}
    assert {key: names.get(key) for key in listed} == listed
    inland_provinces = {1, 3, 4, 5, 8, 33}  # 서울, 대전, 대구, 광주, 세종, 충북
    assert not inland_provinces & set(COASTAL_DISTRICTS)
    assert (32, 13) not in listed and (39, 4) in listed  # 춘천시 inland, 제주시 on the sea


def test_catalogue_coastal_flags() -> None:
    cat = _catalogue()
    cat["coastal"] = coastal_flags(cat["cat2"], cat["cat3"], cat["region_code"], cat["sigungu_code"])
    coastal = dict(zip(cat["title"], cat["coastal"], strict=True))
    # Islands: at sea in coastal districts, not in a river or a reservoir.
    islands = cat[cat["cat3"] == "A01011300"]
    assert {t: coastal[t] for t in islands["title"]} == {
        "월미도": True, "제부도": True, "남이섬": False, "독도": True, "외도 보타니아": True, "선유도": True, "오동도": True,
        "퍼플섬": True, "청산도": True, "우도": True}  # fmt: skip
    # Water sports: sea ones in coastal districts; the Han, rafting rivers and water parks are not the sea.
    sports = cat[cat["cat2"] == "A0303"]
    assert {t: coastal[t] for t in sports["title"]} == {
        "뚝섬한강공원": False, "왕산마리나": True, "더베이101": True, "캐리비안 베이": False, "죽도해변": True,
        "내린천 래프팅": False, "한탄강 래프팅": False, "아산스파비스": False, "블루원 워터파크": False,
        "김녕요트투어": True}  # fmt: skip
    # Beaches, coastal scenery, ports and lighthouses are at sea everywhere; lakes and rivers never.
    assert cat.loc[cat["cat3"].isin(["A01011100", "A01011200", "A01011400", "A01011600"]), "coastal"].all()
    assert not cat.loc[cat["cat3"].isin(["A01011700", "A01011800"]), "coastal"].any()
    assert not cat.loc[~cat["cat2"].isin(["A0101", "A0303"]), "coastal"].any()


def test_an_island_without_a_district_is_not_coastal() -> None:
    flags = coastal_flags(pd.Series(["A0101"] * 3), pd.Series(["A01011300"] * 3), pd.Series([39, 39, None]),
                          pd.Series([4, None, 4], dtype="Int64"))  # fmt: skip
    assert flags.tolist() == [True, False, False]


def _outlook(days: list[date]) -> pd.DataFrame:
    return pd.DataFrame({"point_id": "p", "forecast_date": days, "lead_days": range(len(days)), "tmax_c": 31.0,
                         "tmin_c": 24.0, "rh_mean_pct": 75.0, "cloud_pct": 20.0, "pop_max_pct": 10.0,
                         "precip_mm": 0.0, "wind_max_ms": 4.0, "source": "short_range"})  # fmt: skip


def test_scoring_input_nami_is_never_a_beach_udo_is_in_season() -> None:
    cat = _catalogue()
    picked = cat[cat["title"].isin(["남이섬", "우도", "해운대해수욕장", "산정호수", "용평리조트 스키장"])]
    cells = pd.DataFrame({"content_id": picked["content_id"], "point_id": "p"})
    days = [date(2026, 5, 31), date(2026, 6, 1), date(2026, 8, 5), date(2026, 9, 16), date(2026, 12, 7)]
    inputs = scoring_input(picked, cells, _outlook(days))
    assert {"coastal", "winter_sport", "forecast_date"} <= set(inputs.columns)
    scores = score_destinations(picked, cells, _outlook(days)).merge(cat[["content_id", "title"]], on="content_id")
    profiles = scores.pivot(index="title", columns="forecast_date", values="profile")
    assert profiles.loc["남이섬"].tolist() == ["urban"] * 5
    assert profiles.loc["산정호수"].tolist() == ["urban"] * 5
    assert profiles.loc["우도"].tolist() == ["urban", "beach", "beach", "urban", "urban"]
    assert profiles.loc["해운대해수욕장"].tolist() == ["urban", "beach", "beach", "urban", "urban"]
    assert profiles.loc["용평리조트 스키장"].tolist() == ["outdoor_active"] * 5
    skiing = inputs.merge(cat[["content_id", "title"]], on="content_id").set_index("title")["winter_sport"]
    assert bool(skiing.loc["용평리조트 스키장"].all()) and not skiing.drop("용평리조트 스키장").any()


# ---------------------------------------------------------------------------------------------------------------
# The thermal ceiling
# ---------------------------------------------------------------------------------------------------------------

CEILING_TYPES = (12, 25, 28, 77)  # tourist spot, travel course, leisure, an unknown type


@given(row_=rows(missing=False, types=CEILING_TYPES))
@HYP
def test_a_poor_thermal_day_is_never_very_good(row_: dict[str, Any]) -> None:
    out = score_frame(frame([{**row_, "winter_sport": False}])).iloc[0]
    tc, rank = out["tc_rating"], out["grade_rank"]
    if tc <= 4:
        assert rank <= 3, out.to_dict()  # at most "good"
    if tc <= 3:
        assert rank <= 2, out.to_dict()  # at most "acceptable"
    if tc <= 2:
        assert rank <= 1, out.to_dict()  # at most "marginal"
    assert out["score"] < float(thermal_ceiling(tc)) or tc >= 5


@given(row_=rows(missing=False, types=CEILING_TYPES))
@HYP
def test_exempt_rows_keep_the_plain_index(row_: dict[str, Any]) -> None:
    gated, winter = score_frame(frame([{**row_, "winter_sport": False}, {**row_, "winter_sport": True}]),
                                decimals=None)["score"]  # fmt: skip
    assert winter >= gated
    plain = []
    for ct in scoring.THERMAL_CEILING_EXEMPT_TYPES:  # same weather, exempt types: never squeezed
        out = score_frame(frame([{**row_, "content_type_id": ct}]), decimals=None).iloc[0]
        plain.append(not any(r.startswith(("cold for", "hot for", "too cold", "too hot")) for r in out["reasons"]))
    assert all(plain)


@given(score=_finite(0, 100), other=_finite(0, 100), tc=_finite(-2, 11), dtc=_finite(0, 1e-4))
@HYP
def test_ceiling_map_properties(score: float, other: float, tc: float, dtc: float) -> None:
    lo, hi = sorted((score, other))
    f_lo, f_hi = apply_thermal_ceiling(np.array([lo, hi]), tc)
    assert f_lo <= f_hi  # keeps the order
    assert f_lo <= lo + 1e-12 and f_hi <= hi + 1e-12  # never raises
    assert 0 <= f_lo <= 100
    ceiling = float(thermal_ceiling(tc))
    if ceiling < scoring.NO_CEILING:
        assert f_hi <= ceiling - scoring.THERMAL_CEILING_STEP + 1e-9
        if hi - lo > 1e-6:
            assert f_hi > f_lo  # strictly: better weather still ranks higher
    else:
        assert (f_lo, f_hi) == (lo, hi)
    # Continuous in TC: a tiny change of the rating moves the score by little (ceiling slope <= 30 per TC), but
    # for the documented step of at most 0.1 where the ceiling ends (TC 5) above a score of 90.
    (g,) = apply_thermal_ceiling(np.array([hi]), tc + dtc)
    step = 0.1 if tc < 5 <= tc + dtc and hi > 90 else 0.0
    assert abs(g - f_hi) <= 30 * dtc + step + 1e-9


def test_ceiling_squeezes_instead_of_cutting() -> None:
    """Cold days keep their order: clear beats cloudy beats rainy, none of them "very good"."""
    days = [row(), row(cloud_pct=60.0), row(cloud_pct=90.0, pop_max_pct=60.0, precip_mm=4.0)]
    out = score_frame(frame(days))
    assert out["score"].is_monotonic_decreasing and out["score"].nunique() == 3
    assert (out["grade_rank"] <= 3).all()
    assert out["reasons"].iloc[0][0] == "cold for outdoor sightseeing"


@pytest.mark.parametrize(
    ("record", "first_reason"),
    [
        (row(12, coastal=True, day=date(2026, 6, 10), tmax_c=19.0, rh_mean_pct=80.0), "too cold for the beach"),
        (row(12, coastal=True, day=date(2026, 8, 10), tmax_c=39.0, rh_mean_pct=90.0), "too hot for the beach"),
        (row(12, tmax_c=38.0, rh_mean_pct=85.0, day=date(2026, 8, 10)), "hot for outdoor sightseeing"),
        (row(12), "cold for outdoor sightseeing"),
        (row(25, tmax_c=2.0), "cold for outdoor activities"),
        (row(28, tmax_c=38.0, rh_mean_pct=85.0, day=date(2026, 8, 10)), "hot for outdoor activities"),
    ],
)
def test_ceiling_reasons_by_profile(record: dict[str, Any], first_reason: str) -> None:
    out = score_frame(frame([record])).iloc[0]
    assert out["reasons"][0] == first_reason
    assert out["grade_rank"] <= 3
    assert first_reason in scoring.THERMAL_REASONS[out["profile"]]


def test_winter_sports_and_festivals_are_not_held_down_by_the_cold() -> None:
    cold_clear = dict(tmax_c=-3.0, rh_mean_pct=50.0, cloud_pct=10.0, pop_max_pct=0.0, precip_mm=0.0, wind_max_ms=2.0)
    out = score_frame(frame([row(28, winter=True, **cold_clear), row(28, **cold_clear), row(15, **cold_clear)]))
    ski, camping, festival = out.to_dict("records")
    assert ski["score"] > camping["score"] and festival["grade_rank"] >= 4
    assert not any(r.startswith("cold") for r in ski["reasons"] + festival["reasons"])
    assert camping["reasons"][0] == "cold for outdoor activities" and camping["grade_rank"] <= 2


def test_a_cold_day_stays_capped_at_every_lead() -> None:
    out = score_frame(frame([row(coastal=True, lead=lead) for lead in range(10)]))
    assert (out["grade_rank"] <= 3).all()
    assert out["score"].iloc[-1] >= out["score"].iloc[0]  # nearer the (squeezed) neutral far ahead


# ---------------------------------------------------------------------------------------------------------------
# Grades of adjusted scores (for code that changes scores after score_frame, e.g. weather warnings)
# ---------------------------------------------------------------------------------------------------------------


def test_grades_for_is_grade_for_vectorised() -> None:
    values = np.array([-5.0, 0.0, 39.9, 40.0, 49.9, 50.0, 59.9, 60.0, 69.9, 70.0, 79.9, 80.0, 89.9, 90.0, 100.0])
    names, ranks = grades_for(values)
    assert list(zip(names, ranks, strict=True)) == [grade_for(v) for v in values]
    assert ranks.dtype == np.int64
    assert list(names) == list(band_names(values))
    nan_names, nan_ranks = grades_for([np.nan, 75.0])
    assert (nan_names[0], nan_ranks[0]) == (None, -1) and (nan_names[1], nan_ranks[1]) == ("very good", 4)


def test_grades_for_matches_score_frame() -> None:
    rng = np.random.default_rng(4)
    n = 2_000
    df = frame([row(int(rng.choice([12, 14, 25, 28, 39])), coastal=bool(rng.random() < 0.3),
                    day=date(2026, 1, 1) + timedelta(days=int(rng.integers(0, 365))), lead=int(rng.integers(0, 10)),
                    tmax_c=float(rng.uniform(-15, 38)), rh_mean_pct=float(rng.uniform(20, 100)),
                    cloud_pct=float(rng.uniform(0, 100)), pop_max_pct=float(rng.uniform(0, 100)),
                    precip_mm=float(rng.exponential(4)), wind_max_ms=float(rng.exponential(4)))
                for _ in range(n)])  # fmt: skip
    out = score_frame(df)
    names, ranks = grades_for(out["score"].to_numpy())
    assert names.tolist() == out["grade"].tolist() and ranks.tolist() == out["grade_rank"].tolist()
    # The per-row reference applies the same season and ceiling rules.
    reference = np.array([score_row_reference(r) for r in df.to_dict("records")])
    np.testing.assert_allclose(score_frame(df, decimals=None)["score"].to_numpy(), reference, rtol=0, atol=1e-9)


def test_aware_datetimes_in_an_object_column() -> None:
    kst = timezone(timedelta(hours=9))
    day = datetime(2026, 6, 1, 0, 30, tzinfo=kst)  # 31 May in UTC: the wall clock (1 June) decides
    out = score_frame(frame([row(coastal=True, day=day, tmax_c=30.0, rh_mean_pct=70.0)]))
    assert out["profile"].iloc[0] == "beach"
    assert round(score_row_reference(row(coastal=True, day=day, tmax_c=30.0, rh_mean_pct=70.0)), 1) == out["score"][0]

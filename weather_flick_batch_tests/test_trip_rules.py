"""Trip notices, pure logic: reading the back end's two itinerary shapes, and the change rules in Korean."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from weather_flick_batch.trips.changes import (
    MESSAGE_MAX,
    DayForecast,
    compare,
    condition,
    notice,
)
from weather_flick_batch.trips.itinerary import plan_start_date, read_itinerary

START = date(2026, 12, 9)
KST = timezone(timedelta(hours=9))


# -- itineraries -------------------------------------------------------------------------------------
def test_the_day_keyed_shape_takes_dates_from_the_start() -> None:
    stops = read_itinerary({"day2": [{"name": "감천문화마을", "contentId": "126079"}],
                            "day1": [{"title": "해운대해수욕장", "content_id": 126081},
                                     {"name": "광안리", "latitude": "35.1532", "longitude": "129.1186"}],
                            "notes": "not a day"}, START)
    assert [(s.day, s.date, s.order, s.name) for s in stops] == [
        (1, START, 0, "해운대해수욕장"), (1, START, 1, "광안리"), (2, START + timedelta(days=1), 0, "감천문화마을")]
    assert stops[0].content_id == "126081" and stops[1].content_id is None and stops[1].latitude == 35.1532


def test_the_days_list_shape_uses_its_dates_and_falls_back_to_the_province() -> None:
    itinerary = {"days": [{"day": 1, "date": "2026-12-10", "places": [{"name": "성산일출봉", "address": "제주특별자치도 서귀포시"}],
                           "weather": {}},
                          {"day": 2, "places": [{"name": "어딘가"}, {"name": "경복궁", "addr1": "서울시 종로구"}]}],
                 "total_days": 2}
    stops = read_itinerary(json.dumps(itinerary, ensure_ascii=False), START)
    assert [(s.day, s.date) for s in stops] == [(1, date(2026, 12, 10)), (2, START + timedelta(days=1)),
                                               (2, START + timedelta(days=1))]
    assert stops[0].area_code == 39 and stops[2].area_code == 1
    assert not stops[1].located  # no id, no coordinates, no address: reported, never guessed


@pytest.mark.parametrize("broken", [None, "", "not json", [], {"days": "x"}, {"day1": "x"}, 7])
def test_unreadable_itineraries_give_no_stops(broken) -> None:
    assert read_itinerary(broken, START) == []


def test_coordinates_outside_korea_are_ignored_and_timestamptz_dates_are_kst_days() -> None:
    (stop,) = read_itinerary({"day1": [{"name": "x", "latitude": 0, "longitude": 0, "area_code": "6"}]}, START)
    assert stop.latitude is None and stop.area_code == 6
    # 2026-12-08 15:30 UTC is already the 9th in Korea: a TIMESTAMPTZ start date is the traveller's day.
    assert plan_start_date(datetime(2026, 12, 8, 15, 30, tzinfo=timezone.utc), KST) == START
    assert plan_start_date(START) == START and plan_start_date("2026-12-09") == START


# -- conditions and rules ----------------------------------------------------------------------------
MILD = DayForecast(tmax_c=12, tmin_c=4, pop_pct=10, precip_mm=0, wind_ms=3, cloud_pct=20)


@pytest.mark.parametrize("values, expected", [
    ((12, 20, 10, 0, 3), "sunny"), ((12, 60, 10, 0, 3), "partly_cloudy"), ((12, 90, 20, 0, 3), "cloudy"),
    ((12, 90, 40, 0, 3), "showers"), ((12, 90, 70, 3, 3), "rain"), ((0, 90, 70, 3, 3), "snow"),
    ((-2, 90, 90, 15, 3), "heavy_snow"), ((20, 90, 90, 40, 5), "heavy_rain"), ((20, 90, 90, 20, 16), "storm"),
    ((24, 100, 100, 80, 30), "typhoon"),
])
def test_conditions_from_the_outlook(values, expected) -> None:
    assert condition(*values) == expected


def _changes(new: DayForecast, old: DayForecast = MILD):
    return {(c.field, c.severity) for c in compare(old, new, day=2, when=date(2026, 12, 10), place="해운대")}


def test_temperature_rules() -> None:
    assert _changes(DayForecast(16.9, 4, 10, 0, 3, 20)) == set()  # 4.9 °C: nothing
    assert _changes(DayForecast(17, 4, 10, 0, 3, 20)) == {("max_temp", "info")}
    assert _changes(DayForecast(12, -3.5, 10, 0, 3, 20)) == {("min_temp", "warning")}


def test_rain_probability_crossing_30_percent() -> None:
    assert _changes(DayForecast(12, 4, 30, 0, 3, 20)) == {("rain_probability", "warning"),
                                                           ("condition", "warning")}  # sunny -> showers
    assert ("rain_probability", "info") in _changes(MILD, DayForecast(12, 4, 45, 0, 3, 20))
    assert _changes(DayForecast(12, 4, 29, 0, 3, 20)) == set()


def test_condition_worsening_to_heavy_rain_is_critical_and_improving_is_info() -> None:
    assert ("condition", "critical") in _changes(DayForecast(18, 10, 95, 45, 6, 100))
    assert ("condition", "info") in _changes(MILD, DayForecast(12, 4, 70, 3, 3, 90))


def test_newly_extreme_heat_cold_and_wind() -> None:
    hot = _changes(DayForecast(35, 24, 10, 0, 3, 20), DayForecast(33, 24, 10, 0, 3, 20))
    assert hot == {("heat", "critical")}
    assert _changes(DayForecast(36, 24, 10, 0, 3, 20), DayForecast(35.5, 24, 10, 0, 3, 20)) == set()  # not newly
    assert ("cold", "critical") in _changes(DayForecast(-5, -10, 10, 0, 3, 20), DayForecast(-5, -8, 10, 0, 3, 20))
    assert _changes(DayForecast(12, 4, 10, 0, 21, 20)) == {("wind", "warning")}


def test_the_text_says_place_day_old_and_new_in_korean() -> None:
    (change,) = compare(MILD, DayForecast(4.5, 4, 10, 0, 3, 20), day=3, when=date(2026, 12, 11), place="해운대해수욕장")
    assert change.text == "3일차(12월 11일) 해운대해수욕장: 최고기온 12.0°C → 4.5°C (7.5°C 하락)"
    assert change.severity == "warning"
    assert DayForecast.from_json(MILD.as_json()) == MILD


def test_a_notice_fits_the_back_ends_limits_with_the_worst_first() -> None:
    many = []
    for day in range(1, 40):
        many += compare(MILD, DayForecast(25, 4, 80, 35, 3, 100), day=day, when=START + timedelta(days=day),
                        place="아주 긴 이름의 여행지 " * 3)
    result = notice("부산 겨울 여행 " * 30, many)
    assert len(result.title) <= 200 and len(result.message) <= MESSAGE_MAX
    assert result.severity == "critical" and result.priority == 9
    assert result.message.splitlines()[0].endswith("날씨 맑음 → 호우") and result.message.endswith("건의 변경이 있어요.")

"""A travel plan's itinerary as the back end writes it, read into (day, date, place) stops.

The back end writes ``travel_plans.itinerary`` as a JSON object in one of two shapes
(backend-contract.md §2, custom_travel_converter.py):

- ``{"day1": [place, ...], "day2": [...]}``: the day number in the key, the date from the plan's
  start date;
- ``{"days": [{"day": 1, "date": "2026-12-09", "places": [place, ...], "weather": ...}, ...], ...}``:
  the date when given, else from the start date and the day number.

A place is an object whose fields vary with the screen that wrote it. What locates it, best first:
a TourAPI ``content_id`` (also ``contentId``/``contentid``/``destination_id``); coordinates
(``latitude``/``longitude``, ``lat``/``lng``, or TourAPI's ``mapy``/``mapx``); a province, from a
KTO ``area_code``/``region_code`` or the first word of the address. A place with none of them is
returned unlocated (the trip forecast reports it; it never guesses).

Dagster-free and pandas-free: called once per plan.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from weather_flick_batch.core.regions import PROVINCES


@dataclass(frozen=True)
class Stop:
    day: int  # 1-based day of the trip
    date: date
    order: int  # position within the day
    name: str
    content_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    area_code: int | None = None  # KTO area code (province), the last resort

    @property
    def located(self) -> bool:
        return bool(self.content_id) or (self.latitude is not None and self.longitude is not None) \
            or self.area_code is not None


_DAY_KEY = re.compile(r"^day\s*(\d{1,3})$", re.IGNORECASE)
_ID_FIELDS = ("content_id", "contentId", "contentid", "destination_id", "destinationId")
_LAT_FIELDS = ("latitude", "lat", "mapy")
_LON_FIELDS = ("longitude", "lng", "lon", "mapx")
_AREA_FIELDS = ("area_code", "areaCode", "areacode", "region_code", "regionCode")
_NAME_FIELDS = ("name", "title", "place_name", "placeName", "destination_name")
_ADDRESS_FIELDS = ("address", "addr1", "addr")

# First word of a Korean address -> KTO area code (both the long and the short forms people type).
_PROVINCE_WORDS: dict[str, int] = {}
for _p in PROVINCES:
    _PROVINCE_WORDS[_p.name_ko] = _p.area_code
for _word, _code in {"서울": 1, "인천": 2, "대전": 3, "대구": 4, "광주": 5, "부산": 6, "울산": 7, "세종": 8,
                     "경기": 31, "강원": 32, "충북": 33, "충청북도": 33, "충남": 34, "충청남도": 34, "경북": 35,
                     "경상북도": 35, "경남": 36, "경상남도": 36, "전북": 37, "전라북도": 37, "전남": 38,
                     "전라남도": 38, "제주": 39, "제주도": 39}.items():
    _PROVINCE_WORDS.setdefault(_word, _code)


# Each field name's role and rank within it (lower wins): one pass over a place's own keys finds
# every role, instead of probing ~25 names per place (100,000 plans have ~650,000 places).
_ROLES: dict[str, tuple[str, int]] = {
    name: (role, rank)
    for role, fields in (("id", _ID_FIELDS), ("lat", _LAT_FIELDS), ("lon", _LON_FIELDS), ("area", _AREA_FIELDS),
                         ("name", _NAME_FIELDS), ("address", _ADDRESS_FIELDS))
    for rank, name in enumerate(fields)
}
_AREA_CODES = frozenset(p.area_code for p in PROVINCES)


def _roles(place: dict) -> dict[str, Any]:
    found: dict[str, tuple[int, Any]] = {}
    for key, value in place.items():
        role = _ROLES.get(key)
        if role is None or value is None or value == "":
            continue
        name, rank = role
        if name not in found or rank < found[name][0]:
            found[name] = (rank, value)
    return {name: value for name, (_rank, value) in found.items()}


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is not a coordinate


def _area_from_address(address: Any) -> int | None:
    if not isinstance(address, str) or not address.strip():
        return None
    word = address.strip().split()[0]
    if word in _PROVINCE_WORDS:
        return _PROVINCE_WORDS[word]
    for prefix, code in _PROVINCE_WORDS.items():  # "서울시", "부산광역시", "강원특별자치도" by their short form
        if len(prefix) == 2 and word.startswith(prefix):
            return code
    return None


def _stop(place: Any, day: int, when: date, order: int) -> Stop:
    if not isinstance(place, dict):
        return Stop(day, when, order, str(place)[:100])
    found = _roles(place)
    content_id = found.get("id")
    lat = lon = None
    if "lat" in found and "lon" in found:
        lat, lon = _number(found["lat"]), _number(found["lon"])
    if lat is not None and lon is not None and not (33 <= lat <= 39 and 124 <= lon <= 132):
        lat = lon = None  # not a Korean coordinate (swapped, or a placeholder 0,0): do not trust it
    area = found.get("area")
    try:
        area_code = int(str(area).split("_")[0]) if area is not None else None
    except ValueError:
        area_code = None
    if area_code not in _AREA_CODES:
        area_code = _area_from_address(found.get("address"))
    name = found.get("name") or found.get("address") or ""
    return Stop(day, when, order, str(name).strip()[:100], str(content_id).strip() if content_id else None,
                lat, lon, area_code)


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def plan_start_date(value: Any, tz: Any = None) -> date | None:
    """``start_date``/``end_date`` as the back end stores them: DATE, or TIMESTAMPTZ after its migration 001
    (then the day is the traveller's, KST)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None and tz is not None:
            value = value.astimezone(tz)
        return value.date()
    return _as_date(value)


def read_itinerary(itinerary: Any, start: date) -> list[Stop]:
    """Every stop of the itinerary in day and visit order; [] for an empty or unreadable itinerary."""
    if isinstance(itinerary, (str, bytes)):
        try:
            itinerary = json.loads(itinerary)
        except ValueError:
            return []
    if not isinstance(itinerary, dict):
        return []
    stops: list[Stop] = []
    days = itinerary.get("days")
    if isinstance(days, list):
        for index, entry in enumerate(days, start=1):
            if not isinstance(entry, dict):
                continue
            try:
                day = int(entry.get("day") or index)
            except (TypeError, ValueError):
                day = index
            when = _as_date(entry.get("date")) or start + timedelta(days=day - 1)
            places = entry.get("places") or entry.get("destinations") or []
            stops += [_stop(p, day, when, order) for order, p in enumerate(places if isinstance(places, list) else [])]
        return stops
    for key, places in itinerary.items():
        match = _DAY_KEY.match(str(key).strip())
        if not match or not isinstance(places, list):
            continue
        day = int(match.group(1))
        stops += [_stop(p, day, start + timedelta(days=day - 1), order) for order, p in enumerate(places)]
    return sorted(stops, key=lambda s: (s.day, s.order))

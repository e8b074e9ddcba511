"""Parse KMA weather JSON payloads into tidy, typed pandas frames.

Payloads are the dicts ``json.loads`` gives for the KMA open API (``dataType=JSON``)::

    {"response": {"header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
                  "body": {"dataType": "JSON", "pageNo": 1, "numOfRows": 1000,
                           "totalCount": 809, "items": {"item": [...]}}}}

One module per job; everything importers use is re-exported here:

* :mod:`.envelope` - the response envelope: result codes (:class:`KmaResultError`), ``body``,
  the shapes of ``items.item``.
* :mod:`.values` - the value rules: PCP/SNO text forms (one documented rule), plain numbers,
  the +-900 missing markers (:class:`MalformedValueError` for anything undocumented).
* :mod:`.categories` - PTY/SKY code tables, each grid category's column and value rule, the
  output columns of the grid parsers.
* :mod:`.result` - :class:`ParseResult`: the rows plus an account of what was not taken
  (malformed items, missing values, unknown categories, duplicates).
* :mod:`.grid` - short-range, nowcast and ultra-short forecast grid payloads.
* :mod:`.mid_range` - the medium-range land (rain probability, sky text) and temperature payloads.
"""

from __future__ import annotations

from weather_flick_batch.weather.parsing.categories import (
    NOWCAST_CATEGORIES,
    NOWCAST_COLUMNS,
    SHORT_RANGE_CATEGORIES,
    SHORT_RANGE_COLUMNS,
    SHORT_RANGE_PTY,
    SKY_CODES,
    ULTRA_SHORT_FORECAST_CATEGORIES,
    ULTRA_SHORT_FORECAST_COLUMNS,
    ULTRA_SHORT_PTY,
)
from weather_flick_batch.weather.parsing.envelope import (
    KmaResultError,
    MalformedPayloadError,
    body_of,
    items_of,
    payload_result,
)
from weather_flick_batch.weather.parsing.grid import (
    parse_short_range,
    parse_ultra_short_forecast,
    parse_ultra_short_nowcast,
)
from weather_flick_batch.weather.parsing.mid_range import (
    MID_LAND_COLUMNS,
    MID_SKY_TEXTS_PATTERN,
    MID_TA_COLUMNS,
    is_known_mid_sky_text,
    parse_mid_land,
    parse_mid_ta,
)
from weather_flick_batch.weather.parsing.result import MalformedItem, ParseResult
from weather_flick_batch.weather.parsing.values import (
    MISSING_MARKER_ABS,
    MalformedValueError,
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
    "MID_LAND_COLUMNS",
    "MID_TA_COLUMNS",
    "MISSING_MARKER_ABS",
    "MID_SKY_TEXTS_PATTERN",
    "MalformedValueError",
    "MalformedPayloadError",
    "KmaResultError",
    "MalformedItem",
    "ParseResult",
    "parse_precip_text",
    "parse_snow_text",
    "is_missing_marker",
    "payload_result",
    "items_of",
    "body_of",
    "parse_short_range",
    "parse_ultra_short_nowcast",
    "parse_ultra_short_forecast",
    "parse_mid_land",
    "parse_mid_ta",
    "is_known_mid_sky_text",
]

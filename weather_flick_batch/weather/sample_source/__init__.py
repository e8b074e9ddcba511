"""Offline KMA sample source: realistic, deterministic payloads in the exact KMA JSON shape.

This is the platform's embedded default when no KMA key is configured, so its data must
behave like weather: every function returns the dict ``json.loads`` would give for the
real operation (header ``resultCode`` ``"00"``, ``body`` with ``dataType``, ``pageNo``,
``numOfRows``, ``totalCount`` and ``items.item``).  Short-range and nowcast values are
strings formatted as KMA formats them, ``nx``/``ny`` are ints; mid-range values are JSON
numbers (``rnSt*``, ``taMin*``...) and strings (``wf*``), as KMA sends them.  Nothing in
a payload says it is simulated — the caller labels the data.

One module per job; everything importers use is re-exported here:

* :mod:`.model` - the synthetic weather model: climatology, moving rain systems, point
  weather, and forecasts as the truth seen through an error growing with lead time.
* :mod:`.noise` - stable seeds and smooth value noise (no global random state).
* :mod:`.kma_format` - model values as KMA's texts and codes, and the paged payload envelope.
* :mod:`.grid` - the getUltraSrtNcst, getUltraSrtFcst and getVilageFcst payload builders.
* :mod:`.mid_range` - the medium-range regions and cities, getMidLandFcst and getMidTa builders.
"""

from __future__ import annotations

from weather_flick_batch.weather.sample_source.grid import (
    NOWCAST_CATEGORY_ORDER,
    SHORT_RANGE_CATEGORY_ORDER,
    ULTRA_SHORT_FCST_CATEGORY_ORDER,
    ultra_srt_fcst,
    ultra_srt_ncst,
    vilage_fcst,
)
from weather_flick_batch.weather.sample_source.kma_format import empty_nodata_payload
from weather_flick_batch.weather.sample_source.mid_range import (
    MID_LAND_REGION_CENTRES,
    MID_LAND_REGIONS,
    MID_RANGE_DAYS,
    MID_TA_CITIES,
    mid_land_fcst,
    mid_ta,
)

__all__ = [
    "MID_LAND_REGIONS",
    "MID_LAND_REGION_CENTRES",
    "MID_TA_CITIES",
    "SHORT_RANGE_CATEGORY_ORDER",
    "NOWCAST_CATEGORY_ORDER",
    "MID_RANGE_DAYS",
    "ULTRA_SHORT_FCST_CATEGORY_ORDER",
    "ultra_srt_ncst",
    "ultra_srt_fcst",
    "vilage_fcst",
    "mid_land_fcst",
    "mid_ta",
    "empty_nodata_payload",
]

"""AirKorea (한국환경공단 에어코리아) fine-dust domain: forecasts, real-time measurements, grades, regions.

Dagster-free, like ``weather_flick_batch.weather``'s parsing and sources: assets and resources wrap
it, tests drive it against a local server. This ``__init__`` imports nothing; ``regions`` and
``issuance`` need only the standard library (and ``weather.issuance``), ``grades``/``parsing`` add
pandas, and only ``client``/``collect`` reach HTTP (through ``core.apiclient``).

Modules
-------
``grades``         the 2018 Korean bands (PM10, PM2.5, CAI; O3 too), grade codes 1..4 and names.
``regions``        the 19 forecast regions of getMinuDustFrcstDspth and the 17 ``sidoName`` values,
                   mapped onto TourAPI area codes and districts; station → district assignment.
``issuance``       the forecast schedule (05, 11, 17, 23 KST), partition keys, the real-time hour.
``parsing``        payloads → pandas frames with documented columns and a report of what was dropped.
``sample_source``  deterministic offline payloads in the exact AirKorea JSON shape.
``client``         ``AirKoreaSource`` (abstract), ``LiveAirKoreaSource`` (shared ApiClient) and
                   ``SampleAirKoreaSource``.
``collect``        what an asset calls: one forecast issuance, one real-time snapshot.
"""

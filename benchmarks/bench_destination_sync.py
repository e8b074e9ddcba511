"""Full sync of a nationwide-size catalogue (50,000 items in the TourAPI shape) from a local server.

The live TourAPI client pages each province with numOfRows=1000 against a loopback server that
answers like TourAPI; items are cleaned and applied (the sync the catalogue asset runs, without the
warehouse write). Reported: items/s end to end, beside fetch-only items/s measured in the same run
(the HTTP and JSON floor), and API calls used against the minimum number of pages (and what the
previous system's numOfRows=100 would have needed).
"""

from __future__ import annotations

import math
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ITEMS = 50_000


def run() -> list[dict]:
    import pandas as pd

    from weather_flick_batch.core.apiclient import fetch_all_pages
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.destinations.client import live_tour_api
    from weather_flick_batch.destinations.sample_source import TourApiSampleSource, synthetic_catalogue
    from weather_flick_batch.destinations.sync import sync_province
    from weather_flick_batch.testing.fakes.kto import TourApiFake

    now = now_kst()
    catalogue = synthetic_catalogue(ITEMS, seed=1)
    per_area = Counter(int(item["areacode"]) for item in catalogue)
    minimum_pages = sum(max(1, math.ceil(n / 1000)) for n in per_area.values())
    old_system_pages = sum(max(1, math.ceil(n / 100)) for n in per_area.values())

    with TourApiFake(now.date()) as fake:
        fake.source = TourApiSampleSource(now.date(), catalogue=catalogue)
        api = live_tour_api(base_url=fake.server.base_url.rstrip("/"), keys=["bench-key"])

        started = time.perf_counter()
        fetched = 0
        for area in per_area:
            items, _ = fetch_all_pages(api, "areaBasedList2", {"areaCode": area, "arrange": "C"}, page_size=1000)
            fetched += len(items)
        fetch_s = time.perf_counter() - started
        calls_fetch = fake.server.request_count()

        fake.server.reset_log()
        started = time.perf_counter()
        synced = active = 0
        for area in per_area:
            outcome = sync_province(api, area, pd.DataFrame(), "full", now, None)
            synced += outcome.items_fetched
            active += int(outcome.state["is_active"].sum())
        sync_s = time.perf_counter() - started
        calls_sync = fake.server.request_count()

    fetch_rate, sync_rate = fetched / fetch_s, synced / sync_s
    return [
        {"benchmark": "destination_sync", "case": f"fetch only, {fetched:,} items (HTTP + JSON floor)",
         "value": fetch_rate, "unit": "items/s"},
        {"benchmark": "destination_sync", "case": f"full sync: fetch + clean + apply, {active:,} active",
         "value": sync_rate, "unit": "items/s", "baseline": fetch_rate, "ratio": sync_rate / fetch_rate},
        {"benchmark": "destination_sync", "case": "API calls used (full sync)", "value": calls_sync,
         "unit": "calls", "baseline": minimum_pages, "ratio": calls_sync / minimum_pages,
         "goal": "= minimum pages", "met": calls_sync == minimum_pages},
        {"benchmark": "destination_sync", "case": "calls at the previous system's numOfRows=100",
         "value": old_system_pages, "unit": "calls"},
        {"benchmark": "destination_sync", "case": "fetch-only calls", "value": calls_fetch, "unit": "calls"},
    ]

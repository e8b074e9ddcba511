"""Trip forecasts and notices for 100,000 active plans: set-based, in seconds.

Inputs as at nationwide scale: 100,000 CONFIRMED plans of 1-4 days and 1-4 places a day in both
itinerary shapes (70 % of places by content id among 50,000 destinations, the rest by coordinates,
area code or nothing), 250 forecast points, a 10-day outlook. The previous trip forecast is the
same outlook with a warmer, wetter patch over a tenth of the points, so a few thousand trips change.

Rows: the whole computation (itineraries read, places located, forecasts joined, changes found and
worded, weather_info built, notices planned), timed on its own, then its peak allocation (a second
pass under tracemalloc, which would slow the timed one), and, beside it in
the same run, the floor of reading the same itineraries (json.loads alone); then the publication of
it all in one PostgreSQL transaction when a server is reachable (WEATHER_FLICK_BENCH_PG_URL, default
the local one). Goal (issue #14): under 30 s and 500 MB.
"""

from __future__ import annotations

import json
import os
import random
import time
import tracemalloc
import uuid
from datetime import date, timedelta

import numpy as np
import pandas as pd

PLANS = 100_000
BATCH = 10_000  # weather_flick_batch.trips.batches.BATCH_PLANS
DESTINATIONS = 50_000
POINTS = 250


def make_inputs(plans: int = PLANS, seed: int = 5):
    rng = np.random.default_rng(seed)
    r = random.Random(seed)
    today = date(2026, 12, 7)
    points = pd.DataFrame({"point_id": [f"{50 + i % 25}_{100 + i // 25}" for i in range(POINTS)],
                           "nx": [50 + i % 25 for i in range(POINTS)], "ny": [100 + i // 25 for i in range(POINTS)],
                           "region_code": [[1, 2, 3, 4, 5, 6, 7, 8, 31, 32, 33, 34, 35, 36, 37, 38, 39][i % 17]
                                           for i in range(POINTS)],
                           "kind": ["province" if i < 17 else "destinations" for i in range(POINTS)]})
    cells = pd.DataFrame({"content_id": [str(100000 + i) for i in range(DESTINATIONS)],
                          "point_id": points["point_id"].to_numpy()[rng.integers(0, POINTS, DESTINATIONS)]})
    cells["region_code"] = cells["point_id"].map(points.set_index("point_id")["region_code"])
    cells[["nx", "ny"]] = [(int(p.split("_")[0]), int(p.split("_")[1])) for p in cells["point_id"]]
    days = np.arange(10)
    outlook = pd.DataFrame({"point_id": np.repeat(points["point_id"].to_numpy(), 10),
                            "forecast_date": [today + timedelta(days=int(d)) for d in np.tile(days, POINTS)],
                            "tmax_c": rng.normal(8, 5, POINTS * 10), "pop_max_pct": rng.uniform(0, 60, POINTS * 10),
                            "precip_mm": rng.exponential(1, POINTS * 10), "wind_max_ms": rng.gamma(2, 2, POINTS * 10),
                            "cloud_pct": rng.uniform(0, 100, POINTS * 10), "simulated": True})
    outlook["tmin_c"] = outlook["tmax_c"] - rng.uniform(4, 10, len(outlook))
    previous_outlook = outlook.copy()
    changed = previous_outlook["point_id"].isin(points["point_id"].sample(frac=0.1, random_state=seed))
    previous_outlook.loc[changed, "tmax_c"] -= 8.0  # the new forecast is 8 °C warmer there
    previous_outlook.loc[changed, "pop_max_pct"] = 5.0

    rows = []
    for n in range(plans):
        length = r.randint(1, 4)
        start = today + timedelta(days=r.randint(0, 6))
        day_places = []
        for _ in range(length):
            places = []
            for _ in range(r.randint(1, 4)):
                k = r.random()
                if k < 0.7:
                    places.append({"content_id": str(100000 + r.randrange(DESTINATIONS)), "name": "관광지"})
                elif k < 0.85:
                    places.append({"name": "카페", "latitude": 33.5 + r.random() * 4.5, "longitude": 126.5 + r.random() * 3})
                elif k < 0.97:
                    places.append({"name": "시장", "area_code": str(r.choice([1, 6, 32, 39]))})
                else:
                    places.append({"name": "친구 집"})
            day_places.append(places)
        itinerary = ({f"day{d + 1}": p for d, p in enumerate(day_places)} if n % 2 else
                     {"days": [{"day": d + 1, "date": (start + timedelta(days=d)).isoformat(), "places": p}
                               for d, p in enumerate(day_places)]})
        rows.append({"plan_id": str(uuid.UUID(int=n)), "user_id": str(uuid.UUID(int=10**9 + n % 40_000)),
                     "title": "여행", "status": "CONFIRMED", "start_date": start,
                     "end_date": start + timedelta(days=length - 1), "itinerary": json.dumps(itinerary)})
    plans_frame = pd.DataFrame(rows)
    users = pd.DataFrame({"user_id": plans_frame["user_id"].unique()})
    users["is_email_verified"], users["is_active"] = True, True
    return today, plans_frame, cells, points, outlook, previous_outlook, users


def _inputs(today, cells, points, outlook):
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.trips import batches

    return batches.TripInputs(cells=cells, points=points, outlook=outlook, areas=pd.DataFrame(),
                              sigungu_of=pd.Series(dtype=object), today=today, now=now_kst())


def _people(users):
    empty = pd.DataFrame(columns=["user_id"])
    return lambda ids: (users[users["user_id"].isin(ids)], empty, empty)


def compute(today, plans, cells, points, outlook, previous_outlook, users):
    """The asset's computation, batch by batch as it runs (the previous forecast of each batch is the
    same plans under the previous outlook); each batch is dropped once counted, as the asset's are
    once written. Returns the tally."""
    from weather_flick_batch.trips import batches, forecast

    inputs, before = _inputs(today, cells, points, outlook), _inputs(today, cells, points, previous_outlook)
    tally = batches.TripTally(horizon=outlook["forecast_date"].max())
    people = _people(users)
    for batch_plans in batches.plan_batches(plans):
        stops = forecast.active_stops(batch_plans, today)
        previous = forecast.trip_forecasts(stops.stops, before.cells, before.points, before.outlook)
        batches.compute_batch(batch_plans, previous, inputs, people, tally)
    return tally


def _max_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run() -> list[dict]:
    plans = int(os.environ.get("WEATHER_FLICK_BENCH_TRIP_PLANS", PLANS))
    inputs = make_inputs(plans)
    today, plans_frame = inputs[0], inputs[1]

    started = time.perf_counter()
    for text in plans_frame["itinerary"]:
        json.loads(text)
    floor = time.perf_counter() - started

    # Timed without tracemalloc (it slows allocation-heavy Python two- to threefold), then computed
    # again under tracemalloc for the peak allocation alone.
    started = time.perf_counter()
    tally = compute(*inputs)
    wall = time.perf_counter() - started
    tracemalloc.start()
    compute(*inputs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows = [
        {"benchmark": "trip_notices", "case": f"compute: {plans:,} active plans, {tally.stops:,} stops, "
                                              f"{sum(tally.severities.values()):,} notices, batches of "
                                              f"{BATCH:,} plans", "value": wall, "unit": "s",
         "baseline": floor, "ratio": wall / floor if floor else None, "goal": "< 30 s", "met": wall < 30},
        {"benchmark": "trip_notices", "case": "baseline: json.loads of the same itineraries", "value": floor,
         "unit": "s"},
        {"benchmark": "trip_notices", "case": "peak allocated while computing", "value": peak / 2**20, "unit": "MB",
         "goal": "< 500 MB", "met": peak / 2**20 < 500},
        {"benchmark": "trip_notices", "case": "process peak RSS so far (the generated inputs, 100,000 itineraries "
                                              "and both outlooks, included)", "value": _max_rss_mb(), "unit": "MB"},
    ]
    rows += _publish_on_postgres(*inputs)
    return rows


def _publish_on_postgres(today, plans, cells, points, outlook, previous_outlook, users) -> list[dict]:
    """The asset's whole run on PostgreSQL: the previous outlook's forecasts are published first, then
    the new run reads them back batch by batch, computes, and writes everything in one transaction."""
    import psycopg2
    import sqlalchemy as sa

    from weather_flick_batch.trips import batches, store
    from weather_flick_batch.warehouse import backend_tables
    from weather_flick_batch.warehouse.warehouse import Warehouse

    admin = os.environ.get("WEATHER_FLICK_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"wfb_bench_trips_{os.getpid()}"
    try:
        conn = psycopg2.connect(admin)
    except psycopg2.OperationalError as exc:
        return [{"benchmark": "trip_notices", "case": f"publish on PostgreSQL: skipped ({str(exc).splitlines()[0]})",
                 "value": None, "unit": ""}]
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(admin).set(drivername="postgresql+psycopg2", database=name)
    wh = Warehouse(url.render_as_string(hide_password=False))
    people = _people(users)

    def run_with(outlook_frame, tally):
        inputs = _inputs(today, cells, points, outlook_frame)

        def compute_one(batch_plans, previous):
            batch = batches.compute_batch(batch_plans, previous, inputs, people, tally)
            return batch.current, batch.infos, batch.planned

        return store.publish_batches(wh, batches.plan_batches(plans), compute_one, inputs.now, "bench")

    try:
        wh.upgrade()
        tp = backend_tables.BACKEND_TABLES["travel_plans"]
        with wh.engine.begin() as c:
            backend_tables.create_missing(c)
            c.execute(tp.insert(), [{"plan_id": pid, "user_id": str(uuid.UUID(int=1)), "title": "여행",
                                     "status": "CONFIRMED"} for pid in plans["plan_id"]])
        run_with(previous_outlook, batches.TripTally(horizon=None))  # what the trips were last told
        started = time.perf_counter()
        published = run_with(outlook, batches.TripTally(horizon=None))
        elapsed = time.perf_counter() - started
    finally:
        wh.dispose()
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.close()
    return [{"benchmark": "trip_notices", "case": f"compute and publish on PostgreSQL in one transaction: "
                                                  f"{published.forecast_rows:,} forecast rows, "
                                                  f"{published.plans_updated:,} weather_info, "
                                                  f"{published.notifications:,} notifications", "value": elapsed,
             "unit": "s"}]


if __name__ == "__main__":
    for row in run():
        print(row)

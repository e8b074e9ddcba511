"""Warehouse retention on PostgreSQL: dropping 30 days of short-range forecasts from a million rows.

Set-up (not timed): a fresh PostgreSQL database at the warehouse schema; ``weather_short_range``
filled with 60 days of issuances (8 a day, 50 points x 42 valid hours each: 1,008,000 rows) by
the warehouse's own COPY path.

Timed, in the same run:

- a reader alone: what the outlook does after every issuance, the newest issuance of one point
  (``partition_issuance = newest AND nx, ny``), repeated: its latency p50 / p95 / max is the baseline;
- ``Warehouse.delete_older_than`` (what ``cleanup_job`` runs) dropping the oldest 30 days in batches of
  ``WEATHER_FLICK_RETENTION_BATCH_ROWS`` (5,000), with the same reader running concurrently; goal:
  the reader's p95 during the deletion <= 3 x its p95 alone (nobody waits on the cleanup);
- for comparison, the same 30 days reloaded and dropped by ONE ``DELETE`` statement with the reader
  running: the time it takes and the reader's latency then.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_weather_load import PG_HOST, PG_PORT, PG_USER, _create_database, _drop_database

DAYS, ISSUANCES_PER_DAY, POINTS, HOURS = 60, 8, 50, 42
DROP_DAYS = 30
BATCH_ROWS = 5000
READER_P95_GOAL = 3.0
KST = timezone(timedelta(hours=9))


def _issuance_frames(start: datetime, days: int):
    """One issuance at a time (bounded memory): 50 points x 42 valid hours."""
    nx = [60 + i % 10 for i in range(POINTS)]
    ny = [100 + i // 10 for i in range(POINTS)]
    for d in range(days):
        for k in range(ISSUANCES_PER_DAY):
            base = start + timedelta(days=d, hours=2 + 3 * k)
            valid = [base + timedelta(hours=h + 1) for h in range(HOURS)]
            frame = pd.DataFrame({
                "nx": [x for x in nx for _ in valid], "ny": [y for y in ny for _ in valid],
                "valid_time": valid * POINTS, "lead_hours": list(range(1, HOURS + 1)) * POINTS,
            })
            yield frame.assign(partition_issuance=base, base_time=base, tmp_c=12.5, pop_pct=20.0, reh_pct=60.0,
                               wsd_ms=2.1, pcp_mm=0.0, sky_code=1, pty_code=0, simulated=True, loaded_at=base)


class Reader(threading.Thread):
    """The outlook's read, over and over, on its own connection, until stopped; latencies in ms."""

    def __init__(self, wh, newest: datetime) -> None:
        super().__init__(daemon=True)
        self.wh, self.newest = wh, newest
        self.latencies: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        import sqlalchemy as sa

        from weather_flick_batch.warehouse import schema

        table = schema.weather_short_range
        i = 0
        with self.wh.engine.connect() as conn:
            while not self.stop.is_set():
                started = time.perf_counter()
                conn.execute(sa.select(table).where(table.c.partition_issuance == self.newest,
                                                    table.c.nx == 60 + i % 10, table.c.ny == 100 + (i // 10) % 5))
                conn.commit()
                self.latencies.append((time.perf_counter() - started) * 1000)
                i += 1

    def stats(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        return {"p50": statistics.median(ordered), "p95": ordered[int(0.95 * (len(ordered) - 1))],
                "max": ordered[-1], "n": len(ordered)}


def _with_reader(wh, newest: datetime, work) -> tuple[float, dict[str, float]]:
    reader = Reader(wh, newest)
    reader.start()
    time.sleep(0.5)  # the reader is warm before the work starts
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    reader.stop.set()
    reader.join()
    return seconds, reader.stats()


def run() -> list[dict]:
    import sqlalchemy as sa

    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.warehouse.warehouse import Warehouse

    name = _create_database()
    url = f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    wh = Warehouse(url)
    table = schema.weather_short_range
    try:
        wh.upgrade()
        start = (datetime.now(KST) - timedelta(days=DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
        wh.replace_stream(table, _issuance_frames(start, DAYS))
        rows = wh.row_count(table)
        with wh.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE weather_short_range")
        newest = start + timedelta(days=DAYS - 1, hours=2 + 3 * (ISSUANCES_PER_DAY - 1))
        cutoff = start + timedelta(days=DROP_DAYS)

        alone_s, alone = _with_reader(wh, newest, lambda: time.sleep(5))
        batched_s, during = _with_reader(
            wh, newest, lambda: wh.delete_older_than(table, "partition_issuance", cutoff, batch_rows=BATCH_ROWS))
        dropped = rows - wh.row_count(table)

        for frame in _issuance_frames(start, DROP_DAYS):  # the same 30 days back, for the comparison
            wh.replace_rows(table, frame, {"partition_issuance": frame["partition_issuance"].iloc[0]})
        with wh.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE weather_short_range")

        def one_statement() -> None:
            with wh.engine.begin() as conn:
                conn.execute(table.delete().where(table.c.partition_issuance < cutoff))

        single_s, single = _with_reader(wh, newest, one_statement)
    finally:
        wh.dispose()
        _drop_database(name)

    bench = "warehouse_retention"

    def r(case: str, value, unit: str, **extra) -> dict:
        return {"benchmark": bench, "case": case, "value": value, "unit": unit, **extra}

    ratio = during["p95"] / alone["p95"]
    return [
        r("table rows before (weather_short_range, PostgreSQL)", rows, "rows"),
        r(f"drop {DROP_DAYS} days in batches of {BATCH_ROWS:,}", batched_s, "s", baseline=single_s,
          ratio=batched_s / single_s),
        r(f"  rows dropped ({dropped / batched_s:,.0f} rows/s)", dropped, "rows"),
        r("  same drop as ONE DELETE statement", single_s, "s"),
        r("reader p50 alone (newest issuance of a point)", alone["p50"], "ms"),
        r("reader p95 alone", alone["p95"], "ms"),
        r("reader p95 during the batched drop", during["p95"], "ms", baseline=alone["p95"], ratio=ratio,
          goal=f"<= {READER_P95_GOAL} x alone", met=ratio <= READER_P95_GOAL),
        r("reader max during the batched drop", during["max"], "ms"),
        r("reader p95 during ONE DELETE statement", single["p95"], "ms", baseline=alone["p95"],
          ratio=single["p95"] / alone["p95"]),
    ]

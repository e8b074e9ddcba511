"""Weather load: parse, transform and load one nationwide short-range issuance, against COPY.

The input is a nationwide ``getVilageFcst`` issuance: 250 distinct KMA grid cells spread over
South Korea's land (a regular lattice of cells inside a coarse outline of the mainland and Jeju),
every category, one base time (about 200,000 items, about 16,500 table rows). Payloads come from
the offline KMA sample source and are serialised to the compact UTF-8 JSON the API returns;
generating them is not timed.

Timed steps, each best of 3 on this machine (2 cores, shared with other work):

- parse: ``json.loads`` + ``parse_short_range`` of every payload (also without ``json.loads``);
  goal >= 200,000 items/s on one core;
- transform: concatenate the frames and add the columns the asset adds (``_write_weather``);
- load: ``Warehouse.replace_rows`` into a fresh SQLite file and a fresh PostgreSQL database
  (conversion included: it is part of the load), both into an empty partition and re-running it
  over the existing rows (the idempotent re-run deletes the partition first);
- ceiling: the same rows, as the exact CSV text the warehouse's COPY sends, loaded by ``psql \\copy``
  in the same run (process start-up included: the honest ceiling), and by a psycopg2 ``copy_expert``
  of that file (no process start-up); for re-runs, also psql deleting the partition and
  ``\\copy``-ing it again in one transaction, which is what a re-run of ``replace_rows`` does.

PostgreSQL re-runs are compared pair by pair: ``replace_rows`` and psql's DELETE + ``\\copy``
alternate (which goes first alternates too), best of 5 each, and every one starts from the same
state: the table emptied and the partition loaded once, untimed. (Each re-run leaves its predecessor's
rows dead in the heap and the primary key until a vacuum, and each generation of them makes the next
re-run's inserts ~10-20% slower: timed back to back, whichever ran later paid more.) On this shared
machine wall time swings by 2x from run to run, so the re-run's CPU time is shown too: the client's
(``time.process_time``; psql's from ``getrusage`` of the child) and its server backend's (on-CPU
time from ``/proc/<pid>/schedstat``, read by the server with ``pg_read_file``: Linux and a superuser,
as here; otherwise those rows are left out), with a note row splitting a re-run statement by statement.

"Items" are KMA items (one value of one category at one hour); "rows" are table rows (one per
point and valid hour). The load goal compares rows with rows: PostgreSQL load >= 0.7 of psql
``\\copy`` into an empty table. A re-run also deletes the partition's previous rows first, so its
row against plain COPY is shown with the same goal, and against psql doing the same delete + copy
with the goal of issue #16: >= 0.7 of psql's rows/s.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Callable

import pandas as pd

TABLE = "weather_short_range"
BASE_DATE, BASE_TIME = "20250715", "0500"   # the main daily issuance, in the rainy season
POINTS = 250
REPEATS = 3
RERUN_PAIRS = 5   # replace_rows re-runs and psql DELETE + \copy, alternating
PARSE_GOAL_ITEMS_S = 200_000
LOAD_GOAL_RATIO = 0.7

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"

# A coarse outline of mainland South Korea (lat, lon), clockwise from Ganghwa along the DMZ,
# down the east coast, west along the south coast and up the west coast. Good to a few cells:
# it only has to keep the lattice on land, not draw a map.
_MAINLAND = [
    (37.70, 126.55), (37.95, 126.75), (38.20, 127.10), (38.30, 127.60), (38.33, 128.10),
    (38.60, 128.35), (38.20, 128.60), (37.75, 128.95), (37.45, 129.17), (37.00, 129.38),
    (36.40, 129.38), (36.00, 129.50), (35.55, 129.38), (35.15, 129.12), (35.05, 128.60),
    (34.88, 128.05), (34.75, 127.70), (34.58, 127.25), (34.40, 126.60), (34.70, 126.40),
    (35.10, 126.42), (35.60, 126.55), (35.95, 126.70), (36.30, 126.58), (36.75, 126.25),
    (37.00, 126.75), (37.30, 126.68), (37.45, 126.65),
]
_JEJU_CENTRE, _JEJU_SEMI_AXES = (33.38, 126.55), (0.13, 0.34)   # an ellipse, degrees (lat, lon)


def _inside(lat: float, lon: float, polygon: list[tuple[float, float]]) -> bool:
    """Ray casting: is (lat, lon) inside the polygon?"""
    inside = False
    j = len(polygon) - 1
    for i, (lat_i, lon_i) in enumerate(polygon):
        lat_j, lon_j = polygon[j]
        if (lat_i > lat) != (lat_j > lat) and lon < (lon_j - lon_i) * (lat - lat_i) / (lat_j - lat_i) + lon_i:
            inside = not inside
        j = i
    return inside


def _on_land(lat: float, lon: float) -> bool:
    (clat, clon), (alat, alon) = _JEJU_CENTRE, _JEJU_SEMI_AXES
    if ((lat - clat) / alat) ** 2 + ((lon - clon) / alon) ** 2 <= 1.0:
        return True
    return _inside(lat, lon, _MAINLAND)


def land_cells(n: int = POINTS) -> list[tuple[int, int]]:
    """``n`` distinct KMA cells spread evenly over South Korea's land, deterministically.

    The densest regular lattice (every ``step``-th cell in nx and ny) with at least ``n`` cells on
    land, thinned evenly to exactly ``n``.
    """
    from weather_flick_batch.core.grid import GRID_NX_MAX, GRID_NY_MAX, grid_to_latlon

    if n < 1:
        raise ValueError("need at least one point")
    land = [(nx, ny) for ny in range(1, GRID_NY_MAX + 1) for nx in range(1, GRID_NX_MAX + 1)
            if _on_land(*grid_to_latlon(nx, ny))]
    if n > len(land):
        raise ValueError(f"only {len(land)} land cells, asked for {n}")
    for step in range(12, 0, -1):
        lattice = [(nx, ny) for nx, ny in land if nx % step == 0 and ny % step == 0]
        if len(lattice) >= n:
            break
    picks = [lattice[(i * len(lattice)) // n] for i in range(n)]
    assert len(set(picks)) == n
    return picks


def generate_issuance(cells: list[tuple[int, int]], base_date: str = BASE_DATE,
                      base_time: str = BASE_TIME) -> list[bytes]:
    """One ``getVilageFcst`` payload per cell, as the UTF-8 JSON bytes the API returns."""
    from weather_flick_batch.weather.sample_source import vilage_fcst

    return [json.dumps(vilage_fcst(base_date, base_time, nx, ny), ensure_ascii=False,
                       separators=(",", ":")).encode("utf-8") for nx, ny in cells]


def parse_issuance(raw: list[bytes]) -> tuple[list[pd.DataFrame], int]:
    """``json.loads`` + ``parse_short_range`` of every payload: the frames and the item count."""
    from weather_flick_batch.weather.parsing import parse_short_range

    frames, items = [], 0
    for body in raw:
        parsed = parse_short_range(json.loads(body))
        frames.append(parsed.rows)
        items += parsed.items_total
    return frames, items


def parse_payloads(payloads: list[dict]) -> tuple[list[pd.DataFrame], int]:
    """``parse_short_range`` alone, on already-decoded payloads."""
    from weather_flick_batch.weather.parsing import parse_short_range

    frames, items = [], 0
    for payload in payloads:
        parsed = parse_short_range(payload)
        frames.append(parsed.rows)
        items += parsed.items_total
    return frames, items


def base_of(base_date: str = BASE_DATE, base_time: str = BASE_TIME) -> datetime:
    from weather_flick_batch.weather.issuance import KST

    return datetime.strptime(base_date + base_time, "%Y%m%d%H%M").replace(tzinfo=KST)


def transform(frames: list[pd.DataFrame], base: datetime, loaded_at: datetime | None = None,
              simulated: bool = True) -> pd.DataFrame:
    """What the asset does between parsing and writing: one frame plus its labelling columns."""
    from weather_flick_batch.core.timeutil import now_kst

    frame = pd.concat(frames, ignore_index=True)
    frame["partition_issuance"] = base
    frame["simulated"] = simulated
    frame["loaded_at"] = loaded_at or now_kst()
    return frame


def _best(fn: Callable[[], object], n: int = REPEATS, before: Callable[[], object] | None = None) -> float:
    best = float("inf")
    for _ in range(n):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


# -- PostgreSQL -----------------------------------------------------------------------------------
def _pg_admin():
    import psycopg2

    conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=10)
    conn.autocommit = True
    return conn


def _create_database() -> str:
    name = f"wfb_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn = _pg_admin()
    try:
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    return name


def _drop_database(name: str) -> None:
    conn = _pg_admin()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        conn.close()


def _truncate(wh) -> None:
    with wh.engine.begin() as conn:
        conn.exec_driver_sql(f'TRUNCATE "{TABLE}"')


def _delete_all_sqlite(wh) -> None:
    with wh.engine.begin() as conn:
        conn.exec_driver_sql(f'DELETE FROM "{TABLE}"')


def _load_rows(wh, frame: pd.DataFrame, where: dict, empty: Callable[[], object]) -> dict[str, float]:
    """Best replace_rows time into an empty partition, and re-running over the existing rows."""
    def load() -> None:
        result = wh.replace_rows(TABLE, frame, where=where)
        assert result.rows_written == len(frame)

    fresh = _best(load, before=empty)
    load()  # the partition exists from here on
    rerun = _best(load)
    assert wh.row_count(TABLE) == len(frame)
    return {"fresh": fresh, "rerun": rerun}


def _write_copy_csv(wh, frame: pd.DataFrame, path: Path) -> list[str]:
    """The exact CSV text the warehouse's COPY sends, in a file; its columns."""
    from weather_flick_batch.warehouse.bulk import _CopyReader
    from weather_flick_batch.warehouse.schema import metadata

    db_frame = wh._to_db_frame(metadata.tables[TABLE], frame)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.writelines(_CopyReader(db_frame).chunks())
    return list(db_frame.columns)


def _on_cpu_s(schedstat: str) -> float:
    """The on-CPU time in a ``/proc/<pid>/schedstat`` (its first field, ns), in seconds."""
    return int(schedstat.split()[0]) / 1e9


_READ_OWN_CPU = "SELECT pg_read_file('/proc/self/schedstat')"


class _ServerCpu:
    """Backend CPU time, read by the server itself: the backends of ``Warehouse`` connections
    (application_name weather_flick_batch) in the benchmark's database, or this probe's own."""

    def __init__(self, name: str) -> None:
        import psycopg2

        self.conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=name,
                                     application_name="wfb_bench_probe", connect_timeout=10)
        self.conn.autocommit = True
        try:
            self.own()
            self.available = True
        except psycopg2.Error:  # not Linux, or not allowed to read server files
            self.available = False

    def own(self) -> float:
        with self.conn.cursor() as cur:
            cur.execute(_READ_OWN_CPU)
            return _on_cpu_s(cur.fetchone()[0])

    def warehouse(self) -> float:
        with self.conn.cursor() as cur:
            cur.execute("SELECT pg_read_file('/proc/' || pid || '/schedstat') FROM pg_stat_activity "
                        "WHERE datname = current_database() AND application_name = 'weather_flick_batch'")
            return sum(_on_cpu_s(text) for text, in cur.fetchall())

    def close(self) -> None:
        self.conn.close()


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _rerun_profile(wh, frame: pd.DataFrame, where: dict, probe: _ServerCpu, csv_path: Path, col_sql: str,
                   fill: Callable[[], object]) -> dict[str, float]:
    """A re-run split into its steps, CPU seconds: the client's conversion and COPY text (as
    ``replace_rows`` makes them, here outside a transaction; best of 3), and the server's DELETE,
    COPY and COMMIT of the same rows, statement by statement, on the probe's own backend."""
    from weather_flick_batch.warehouse.bulk import _CopyReader
    from weather_flick_batch.warehouse.schema import metadata

    convert = copy_text = float("inf")
    for _ in range(REPEATS):
        started = time.process_time()
        db_frame = wh._to_db_frame(metadata.tables[TABLE], frame)
        converted = time.process_time()
        for _block in _CopyReader(db_frame).chunks():
            pass
        convert, copy_text = min(convert, converted - started), min(copy_text, time.process_time() - converted)
    fill()
    (column, value), = where.items()
    with probe.conn.cursor() as cur, open(csv_path, encoding="utf-8") as fh:
        cur.execute("BEGIN")
        before = probe.own()
        cur.execute(f"DELETE FROM {TABLE} WHERE {column} = %s", (value,))
        deleted = probe.own()
        cur.copy_expert(f"COPY {TABLE} ({col_sql}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", fh)
        copied = probe.own()
        cur.execute("COMMIT")
        committed = probe.own()
    return {"convert": convert, "copy_text": copy_text, "delete": deleted - before,
            "copy": copied - deleted, "commit": committed - copied}


def _pg_case(frame: pd.DataFrame, where: dict, tmp: Path) -> dict[str, float]:
    import psycopg2

    from weather_flick_batch.warehouse.warehouse import Warehouse

    if shutil.which("psql") is None:
        raise RuntimeError("psql is not on PATH: the COPY ceiling needs it (apt-get install postgresql-client)")
    name = _create_database()
    wh = Warehouse(f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}")
    probe = None
    try:
        wh.ensure_schema()

        def load() -> None:
            result = wh.replace_rows(TABLE, frame, where=where)
            assert result.rows_written == len(frame)

        def fill() -> None:
            """The state every re-run starts from: the partition loaded once, no dead rows."""
            _truncate(wh)
            load()

        timings = {"fresh": _best(load, before=lambda: _truncate(wh))}

        csv_path = tmp / "weather_short_range.csv"
        columns = _write_copy_csv(wh, frame, csv_path)
        col_sql = ", ".join(columns)
        copy_cmd = (f"\\copy {TABLE} ({col_sql}) FROM '{csv_path}' WITH (FORMAT csv, NULL '\\N')")
        argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", PG_HOST, "-p", str(PG_PORT),
                "-U", PG_USER, "-d", name, "-c", copy_cmd]
        env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}

        def psql_copy() -> None:
            subprocess.run(argv, check=True, capture_output=True, env=env)

        timings["psql_copy"] = _best(psql_copy, before=lambda: _truncate(wh))
        assert wh.row_count(TABLE) == len(frame)

        # What a re-run does, by psql: delete the partition and \copy it again, in one transaction.
        (column, value), = where.items()
        delete = f"DELETE FROM {TABLE} WHERE {column} = '{value.isoformat()}'"
        replace_argv = [*argv[:-2], "-1", "-c", delete, "-c", copy_cmd]

        def psql_replace() -> None:
            subprocess.run(replace_argv, check=True, capture_output=True, env=env)

        # Re-runs, pair by pair from the same state (see the module docstring).
        samples: dict[str, list[float]] = {"rerun": [], "psql_replace": []}
        for pair in range(RERUN_PAIRS):
            steps = [("rerun", load), ("psql_replace", psql_replace)]
            for key, step in steps if pair % 2 == 0 else steps[::-1]:
                fill()
                started = time.perf_counter()
                step()
                samples[key].append(time.perf_counter() - started)
                assert wh.row_count(TABLE) == len(frame)
        timings.update({key: min(values) for key, values in samples.items()})

        # CPU time of the same re-runs, client and server, apart from the timed ones.
        probe = _ServerCpu(name)
        if probe.available:
            cpu_argv = [*replace_argv[:-4], "-A", "-t", *replace_argv[-4:], "-c", _READ_OWN_CPU]
            cpu: dict[str, list[float]] = {k: [] for k in ("client", "server", "psql", "psql_server")}
            for _ in range(REPEATS):
                fill()
                server, client = probe.warehouse(), time.process_time()
                load()
                cpu["client"].append(time.process_time() - client)
                cpu["server"].append(probe.warehouse() - server)
                fill()
                client = _children_cpu_s()
                out = subprocess.run(cpu_argv, check=True, capture_output=True, env=env, text=True).stdout
                cpu["psql"].append(_children_cpu_s() - client)
                cpu["psql_server"].append(_on_cpu_s(out.strip().splitlines()[-1]))
            timings.update({f"cpu_{k}": min(v) for k, v in cpu.items()})
            profile = _rerun_profile(wh, frame, where, probe, csv_path, col_sql, fill)
            timings.update({f"profile_{k}": v for k, v in profile.items()})
        assert wh.row_count(TABLE) == len(frame)

        conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=name)
        try:
            def copy_expert() -> None:
                with conn.cursor() as cur, open(csv_path, encoding="utf-8") as fh:
                    cur.copy_expert(f"COPY {TABLE} ({col_sql}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", fh)
                conn.commit()

            def empty() -> None:
                with conn.cursor() as cur:
                    cur.execute(f"TRUNCATE {TABLE}")
                conn.commit()

            timings["copy_expert"] = _best(copy_expert, before=empty)
        finally:
            conn.close()
        assert wh.row_count(TABLE) == len(frame)
        return timings
    finally:
        if probe is not None:
            probe.close()
        wh.dispose()
        _drop_database(name)


def _sqlite_case(frame: pd.DataFrame, where: dict, tmp: Path) -> dict[str, float]:
    from weather_flick_batch.warehouse.warehouse import Warehouse

    wh = Warehouse(f"sqlite:///{tmp / 'warehouse.sqlite'}")
    try:
        wh.ensure_schema()
        return _load_rows(wh, frame, where, lambda: _delete_all_sqlite(wh))
    finally:
        wh.dispose()


# -- the benchmark --------------------------------------------------------------------------------
def run() -> list[dict]:
    bench = "weather_load"
    cells = land_cells(POINTS)
    raw = generate_issuance(cells)
    decoded = [json.loads(body) for body in raw]
    base = base_of()

    holder: dict[str, object] = {}

    def parse_all() -> None:
        holder["parsed"] = parse_issuance(raw)

    parse_s = _best(parse_all)
    frames, items = holder["parsed"]  # type: ignore[misc]
    parse_only_s = _best(lambda: parse_payloads(decoded))
    del decoded

    transform_s = _best(lambda: holder.__setitem__("frame", transform(frames, base)))
    frame: pd.DataFrame = holder["frame"]  # type: ignore[assignment]
    rows = len(frame)
    where = {"partition_issuance": base}

    with tempfile.TemporaryDirectory(prefix="wfb_bench_weather_") as tmpdir:
        tmp = Path(tmpdir)
        sqlite = _sqlite_case(frame, where, tmp)
        pg = _pg_case(frame, where, tmp)

    def r(case: str, value, unit: str, **extra) -> dict:
        return {"benchmark": bench, "case": case, "value": value, "unit": unit, **extra}

    parse_rate = items / parse_s
    copy_rate = rows / pg["psql_copy"]
    expert_rate = rows / pg["copy_expert"]
    replace_rate = rows / pg["psql_replace"]
    pg_fresh, pg_rerun = rows / pg["fresh"], rows / pg["rerun"]
    load_goal = f">= {LOAD_GOAL_RATIO} x psql \\copy"
    return [
        r(f"issuance: points ({BASE_DATE} {BASE_TIME} KST)", len(cells), "points"),
        r("issuance: KMA items", items, "items"),
        r("issuance: table rows (point x valid hour)", rows, "rows"),
        r("parse json.loads + parse_short_range", parse_rate, "items/s",
          goal=f">= {PARSE_GOAL_ITEMS_S:,} items/s", met=parse_rate >= PARSE_GOAL_ITEMS_S),
        r("parse parse_short_range only", items / parse_only_s, "items/s"),
        r("transform concat + label columns", rows / transform_s, "rows/s"),
        r("SQLite load replace_rows, new partition", items / sqlite["fresh"], "items/s"),
        r("SQLite load replace_rows, new partition", rows / sqlite["fresh"], "rows/s"),
        r("SQLite load replace_rows, re-run (replaces)", rows / sqlite["rerun"], "rows/s"),
        r("PostgreSQL ceiling: psql \\copy of the same CSV", copy_rate, "rows/s"),
        r("PostgreSQL ceiling: copy_expert of the same CSV", expert_rate, "rows/s"),
        r("PostgreSQL ceiling: psql DELETE partition + \\copy, 1 txn", replace_rate, "rows/s"),
        r("PostgreSQL load replace_rows, new partition", items / pg["fresh"], "items/s"),
        r("PostgreSQL load replace_rows, new partition", pg_fresh, "rows/s", baseline=copy_rate,
          ratio=pg_fresh / copy_rate, goal=load_goal, met=pg_fresh / copy_rate >= LOAD_GOAL_RATIO),
        r("PostgreSQL load replace_rows, re-run (replaces)", pg_rerun, "rows/s", baseline=copy_rate,
          ratio=pg_rerun / copy_rate, goal=load_goal, met=pg_rerun / copy_rate >= LOAD_GOAL_RATIO),
        r("PostgreSQL re-run vs psql DELETE + \\copy", pg_rerun, "rows/s", baseline=replace_rate,
          ratio=pg_rerun / replace_rate, goal=f">= {LOAD_GOAL_RATIO}x psql delete + copy",
          met=pg_rerun / replace_rate >= LOAD_GOAL_RATIO),
        r("PostgreSQL new partition vs copy_expert (no psql start-up)", pg_fresh, "rows/s",
          baseline=expert_rate, ratio=pg_fresh / expert_rate),
        *_cpu_rows(r, pg, rows),
    ]


def _cpu_rows(r: Callable[..., dict], pg: dict[str, float], rows: int) -> list[dict]:
    """The re-run's CPU time beside psql's, and the note saying where a re-run's time goes."""
    if "cpu_client" not in pg:
        return []
    ms = {key: value * 1000 for key, value in pg.items()}
    ours, theirs = pg["cpu_client"] + pg["cpu_server"], pg["cpu_psql"] + pg["cpu_psql_server"]
    rest = ms["cpu_client"] - ms["profile_convert"] - ms["profile_copy_text"]
    note = (f"note: a re-run, profiled: client {ms['cpu_client']:.0f} ms CPU (frame conversion "
            f"{ms['profile_convert']:.0f}, COPY text {ms['profile_copy_text']:.0f}, SQLAlchemy + psycopg2 + "
            f"sending {max(rest, 0):.0f}); server {ms['cpu_server']:.0f} ms CPU, statement by statement DELETE "
            f"{ms['profile_delete']:.0f}, COPY {ms['profile_copy']:.0f} (parsing, heap and primary-key inserts), "
            f"COMMIT {ms['profile_commit']:.0f}: the work psql's backend does too ({ms['cpu_psql_server']:.0f} "
            f"with its start-up; psql itself {ms['cpu_psql']:.0f}). Wall {ms['rerun']:.0f} ms: "
            + (f"{ms['rerun'] - ours * 1000:.0f} ms beyond the CPU of both, waiting for the WAL flush at COMMIT "
               "and for a core on this shared machine" if ms["rerun"] > ours * 1000 else
               "less than the CPU of both, as the server parses a block while the client joins the next"))
    return [
        r("PostgreSQL re-run CPU: replace_rows (Python)", ms["cpu_client"], "ms"),
        r("PostgreSQL re-run CPU: replace_rows's server backend", ms["cpu_server"], "ms"),
        r("PostgreSQL re-run CPU: psql DELETE + \\copy, psql", ms["cpu_psql"], "ms"),
        r("PostgreSQL re-run CPU: psql DELETE + \\copy, its backend (with start-up)", ms["cpu_psql_server"], "ms"),
        r("PostgreSQL re-run vs psql DELETE + \\copy, CPU (client + server)", rows / ours, "rows/CPU-s",
          baseline=rows / theirs, ratio=theirs / ours),
        r(note, None, ""),
    ]


if __name__ == "__main__":  # pragma: no cover - convenience
    for row in run():
        print(row)

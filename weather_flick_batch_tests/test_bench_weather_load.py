"""Smoke test of the weather load benchmark's input and steps on a tiny issuance (no timing here:
speed is measured by `make bench`, never asserted in tests)."""

import importlib.util
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from weather_flick_batch.core.grid import GRID_NX_MAX, GRID_NY_MAX, grid_to_latlon
from weather_flick_batch.warehouse.schema import weather_short_range

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_weather_load.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_weather_load", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_points_are_distinct_land_cells_spread_over_korea(bench):
    cells = bench.land_cells(bench.POINTS)
    assert len(cells) == len(set(cells)) == bench.POINTS
    assert cells == bench.land_cells(bench.POINTS)  # deterministic
    assert all(1 <= nx <= GRID_NX_MAX and 1 <= ny <= GRID_NY_MAX for nx, ny in cells)
    lats = [grid_to_latlon(nx, ny)[0] for nx, ny in cells]
    assert min(lats) < 34.0 and max(lats) > 38.0  # Jeju to the DMZ


def test_tiny_issuance_counts_are_consistent(bench):
    cells = bench.land_cells(3)
    raw = bench.generate_issuance(cells)
    assert len(raw) == 3 and all(isinstance(body, bytes) for body in raw)
    payloads = [json.loads(body) for body in raw]
    sent = [len(p["response"]["body"]["items"]["item"]) for p in payloads]

    frames, items = bench.parse_issuance(raw)
    assert items == sum(sent) > 0
    same_frames, same_items = bench.parse_payloads(payloads)
    assert same_items == items
    for a, b in zip(frames, same_frames):
        pd.testing.assert_frame_equal(a, b)

    per_point = [len(f) for f in frames]
    assert len(set(per_point)) == 1 and per_point[0] > 0  # one row per valid hour, same hours everywhere
    assert {(int(f["nx"].iloc[0]), int(f["ny"].iloc[0])) for f in frames} == set(cells)

    base = bench.base_of()
    frame = bench.transform(frames, base)
    assert len(frame) == sum(per_point)
    assert not frame.duplicated(["nx", "ny", "valid_time"]).any()
    assert (frame["partition_issuance"] == base).all() and frame["simulated"].all()
    assert frame["loaded_at"].notna().all()
    assert set(frame.columns) <= set(weather_short_range.columns.keys())


def test_rerun_cpu_rows_and_their_note(bench):
    def r(case, value, unit, **extra):
        return {"case": case, "value": value, "unit": unit, **extra}

    pg = {"rerun": 0.2, "cpu_client": 0.03, "cpu_server": 0.08, "cpu_psql": 0.03, "cpu_psql_server": 0.09,
          "profile_convert": 0.01, "profile_copy_text": 0.015, "profile_delete": 0.007, "profile_copy": 0.07,
          "profile_commit": 0.001}
    rows = bench._cpu_rows(r, pg, 16_500)
    ratio, note = rows[-2], rows[-1]
    assert ratio["ratio"] == pytest.approx(0.12 / 0.11) and ratio["value"] == pytest.approx(16_500 / 0.11)
    assert note["case"].startswith("note: a re-run, profiled: client 30 ms CPU") and note["value"] is None
    assert bench._cpu_rows(r, {"rerun": 0.2}, 16_500) == []  # no server CPU where it cannot be read

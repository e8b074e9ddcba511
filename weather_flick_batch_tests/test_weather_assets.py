"""Weather assets end to end: the live client against a local server that answers like KMA.

Covers the issue's promises: faults retried to the fault-free result, idempotent re-runs, a crash
mid-write leaving earlier rows intact, a bad key failing fast without leaking, NODATA fallback,
key rotation on quota, Redis caching, raw archives, the points cap, and the schedules.
"""

import gzip
import json
from datetime import datetime, timedelta

import dagster as dg
import pandas as pd
import pytest

from weather_flick_batch import settings
from weather_flick_batch.core.timeutil import KST, now_kst
from weather_flick_batch.regions.assets import regions
from weather_flick_batch.definitions import build_resources
from weather_flick_batch.testing.fakes.http_fault_server import FaultPlan
from weather_flick_batch.testing.fakes.kma import kma_server
from weather_flick_batch.warehouse.warehouse import Warehouse
from weather_flick_batch.weather import assets as w
from weather_flick_batch.weather import issuance
from weather_flick_batch.weather.jobs import (
    mid_range_schedule,
    nowcast_schedule,
    short_range_schedule,
    ultra_short_schedule,
)

GOOD_KEY = "good-kma-key+/=123"


@pytest.fixture
def server():
    with kma_server(FaultPlan(valid_keys={GOOD_KEY}, timeout_sleep_s=0.6)) as srv:
        yield srv


@pytest.fixture
def live(monkeypatch, server):
    monkeypatch.setenv("WEATHER_FLICK_KMA_MODE", "live")
    monkeypatch.setenv("WEATHER_FLICK_KMA_BASE_URL", server.base_url.rstrip("/"))
    monkeypatch.setenv("WEATHER_FLICK_KMA_API_KEYS", GOOD_KEY)
    monkeypatch.setenv("WEATHER_FLICK_HTTP_TIMEOUT_S", "0.4")
    monkeypatch.setenv("WEATHER_FLICK_HTTP_BACKOFF_S", "0.05")
    return server


def _reference(resources=None) -> None:
    result = dg.materialize([regions, w.forecast_points], resources=resources or build_resources())
    assert result.success


def _short_range(key: str, raise_on_error: bool = True, instance=None):
    return dg.materialize([w.short_range_forecast], partition_key=key, resources=build_resources(),
                          raise_on_error=raise_on_error, instance=instance)


def _forget_cached_responses(monkeypatch) -> None:
    """Within one process the embedded cache answers re-runs (by design); these tests re-fetch."""
    from weather_flick_batch.core.apiclient import InMemoryResponseCache
    from weather_flick_batch.resources import api

    monkeypatch.setattr(api, "_MEMORY_CACHE", InMemoryResponseCache())


def _failure_text(result) -> str:
    """The step failure message with its causes (a retried step reports them as causes)."""
    parts = []
    for event in result.all_events:
        if event.is_step_failure or event.event_type_value == "STEP_UP_FOR_RETRY":
            data = event.event_specific_data
            error = getattr(data, "error", None)
            while error is not None:
                parts.append(error.message)
                error = error.cause
    return "\n".join(parts)


def _no_fault_planned(monkeypatch) -> None:
    """Tests that count calls exactly: a patient client. The fixture's 0.4 s timeout (short so the
    timeout faults cost little) fired once in CI on a busy machine, and the retry made 18 calls."""
    monkeypatch.setenv("WEATHER_FLICK_HTTP_TIMEOUT_S", "10")


def _rows(table: str) -> pd.DataFrame:
    frame = Warehouse(settings.warehouse_url()).read_table(table)
    return frame.drop(columns=["loaded_at"]).sort_values(list(frame.columns[:4])).reset_index(drop=True)


def _latest_short_key() -> str:
    return issuance.short_range_partition_key(issuance.latest_short_range_issuance(now_kst()))


def test_live_materialization_matches_the_sample_source_and_passes_checks(live, monkeypatch):
    _no_fault_planned(monkeypatch)
    _reference()
    result = _short_range(_latest_short_key())
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["source"].value == "KMA open API (live)"
    assert meta["points_fetched"].value == 17 and meta["calls"].value == 17
    assert live.request_count("VilageFcstInfoService_2.0/getVilageFcst") == 17
    rows = _rows("weather_short_range")
    assert not rows["simulated"].any()
    assert rows["valid_time"].iloc[0].utcoffset() == timedelta(hours=9)


def test_thirty_percent_transient_faults_converge_to_the_fault_free_result(live, monkeypatch):
    _reference()
    key = _latest_short_key()
    assert _short_range(key).success
    clean = _rows("weather_short_range")
    _forget_cached_responses(monkeypatch)
    live.plan = FaultPlan(valid_keys={GOOD_KEY}, transient_rate=0.3, seed=11, timeout_sleep_s=0.6)
    live.reset_log()
    result = _short_range(key)
    assert result.success
    faults = [o for o in live.outcomes if o != "ok"]
    assert len(faults) >= 3, "the fault plan should actually have injected faults"
    pd.testing.assert_frame_equal(clean, _rows("weather_short_range"))


def test_three_runs_leave_identical_rows(live, monkeypatch):
    _reference()
    key = _latest_short_key()
    snapshots = []
    for _ in range(3):
        _forget_cached_responses(monkeypatch)
        assert _short_range(key).success
        snapshots.append(_rows("weather_short_range"))
    pd.testing.assert_frame_equal(snapshots[0], snapshots[1])
    pd.testing.assert_frame_equal(snapshots[0], snapshots[2])
    assert len(snapshots[0]) == len(snapshots[0].drop_duplicates(["partition_issuance", "nx", "ny", "valid_time"]))


def test_crash_during_the_write_leaves_previous_rows_intact(live):
    _reference()
    key = _latest_short_key()
    assert _short_range(key).success
    before = _rows("weather_short_range")
    # A real failure inside the database, half-way through the insert of the new rows.
    wh = Warehouse(settings.warehouse_url())
    with wh.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER fail_midway BEFORE INSERT ON weather_short_range "
            "WHEN (SELECT count(*) FROM weather_short_range) >= 400 "
            "BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END"
        )
    result = _short_range(key, raise_on_error=False)
    assert not result.success
    failure = _failure_text(result)
    assert "rolled back (earlier rows kept)" in failure and "disk full" in failure
    pd.testing.assert_frame_equal(before, _rows("weather_short_range"))


def test_bad_key_fails_fast_with_a_clear_message_and_never_leaks(monkeypatch, live):
    _reference()
    secret = "leaky-secret-key-9f8e7d"
    monkeypatch.setenv("WEATHER_FLICK_KMA_API_KEYS", secret)
    with dg.instance_for_test() as instance:
        result = _short_range(_latest_short_key(), raise_on_error=False, instance=instance)
        assert not result.success
        # one attempt per step try: configuration errors are not retried request by request
        assert live.request_count() <= 4
        error = [e for e in result.all_events if e.is_step_failure][0].step_failure_data.error.message
        assert "WEATHER_FLICK_KMA_API_KEYS" in error and "SERVICE_KEY_IS_NOT_REGISTERED" in error
        # Everything the instance stored about the run: every event, log line and error.
        everything = "\n".join(str(entry) for entry in instance.all_logs(result.run_id))
    assert secret not in everything
    assert secret not in error


def test_nodata_falls_back_to_the_previous_issuance_with_a_note(live):
    _reference()
    key = _latest_short_key()
    base = issuance.short_range_base_from_partition_key(key)
    requested = issuance.kma_base_params(base)
    live.plan.nodata_when = lambda op, params: params.get("base_time") == requested["base_time"] and \
        params.get("base_date") == requested["base_date"]
    result = _short_range(key)
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert "used the previous issuance" in meta["fallback"].value
    rows = _rows("weather_short_range")
    assert (rows["base_time"] == issuance.previous_short_range_issuance(base)).all()
    assert (rows["partition_issuance"] == base).all()


def test_quota_on_one_key_rotates_to_the_next(monkeypatch, live):
    _reference()
    monkeypatch.setenv("WEATHER_FLICK_KMA_API_KEYS", f"spent-key-1,{GOOD_KEY}")
    live.plan.valid_keys = {GOOD_KEY, "spent-key-1"}
    live.plan.quota_keys = {"spent-key-1"}
    result = _short_range(_latest_short_key())
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["key_rotations"].value == 1
    assert meta["points_fetched"].value == 17


def test_redis_cache_spends_no_calls_on_rerun_and_archives_raw_payloads(monkeypatch, live, redis_url):
    monkeypatch.setenv("WEATHER_FLICK_REDIS_URL", redis_url)
    _no_fault_planned(monkeypatch)
    _reference()
    key = _latest_short_key()
    assert _short_range(key).success
    calls = live.request_count()
    assert calls == 17
    result = _short_range(key)
    assert live.request_count() == calls, "a re-run must be answered from the Redis cache"
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["cache_hits"].value == 17
    archived = list((settings.home_dir() / "raw").rglob("*.json.gz"))
    assert len(archived) == 17
    text = gzip.decompress(archived[0].read_bytes()).decode()
    assert GOOD_KEY not in text and "getVilageFcst" in text
    assert json.loads(text)


def test_too_old_partition_in_live_mode_is_one_clear_line(live):
    _reference()
    # Three days back: inside the partitions (they start where retention says), outside what KMA serves.
    old = issuance.short_range_partition_key(issuance.latest_short_range_issuance(datetime.now(KST) - timedelta(days=3)))
    result = _short_range(old, raise_on_error=False)
    assert not result.success
    error = [e for e in result.all_events if e.is_step_failure][0].step_failure_data.error.message
    assert "KMA serves only about the last" in error and "\n" not in error.strip()
    assert live.request_count() == 0


@pytest.mark.parametrize("cap", ["0", "-5", "16"])
def test_a_points_cap_below_the_provinces_is_refused_at_load(monkeypatch, cap):
    """Reproduced: 0 emptied forecast_points and succeeded; -5 silently dropped five points."""
    from weather_flick_batch.settings import SettingsError

    monkeypatch.setenv("WEATHER_FLICK_KMA_MAX_POINTS", cap)
    with pytest.raises(SettingsError, match=f"WEATHER_FLICK_KMA_MAX_POINTS='{cap}' is out of range: it must be >= 17"):
        build_resources()


@pytest.mark.parametrize("cap, rows", [("17", 17), ("none", 17)])
def test_points_cap_keeps_every_province(monkeypatch, cap, rows):
    monkeypatch.setenv("WEATHER_FLICK_KMA_MAX_POINTS", cap)
    result = dg.materialize([regions, w.forecast_points], resources=build_resources())
    meta = [e for e in result.get_asset_materialization_events()
            if e.asset_key == w.POINTS_KEY][0].materialization.metadata
    assert meta["dagster/row_count"].value == rows and meta["province_points"].value == 17
    assert meta["left_out_by_cap"].value == 0


def test_sample_mode_labels_everything_simulated():
    _reference()
    result = _short_range(_latest_short_key())
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["source"].value.startswith("SIMULATED")
    assert _rows("weather_short_range")["simulated"].all()


# Ticks a few days back (partitions begin where retention says, so a fixed date would age out).
_DAY = (datetime.now(KST) - timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)


def _at(days: int, hour: int, minute: int) -> datetime:
    return _DAY + timedelta(days=days, hours=hour, minutes=minute)


@pytest.mark.parametrize("tick,schedule,expected", [
    (_at(0, 2, 15), short_range_schedule, _at(0, 2, 0).strftime("%Y-%m-%d-%H:%M")),
    (_at(0, 23, 15), short_range_schedule, _at(0, 23, 0).strftime("%Y-%m-%d-%H:%M")),
    (_at(1, 0, 50), nowcast_schedule, _at(1, 0, 0).strftime("%Y-%m-%d-%H:%M")),
    (_at(1, 14, 50), ultra_short_schedule, _at(1, 14, 30).strftime("%Y-%m-%d-%H:%M")),
    (_at(0, 6, 40), mid_range_schedule, _at(0, 6, 0).strftime("%Y-%m-%d-%H:%M")),
    (_at(0, 18, 40), mid_range_schedule, _at(0, 18, 0).strftime("%Y-%m-%d-%H:%M")),
])
def test_schedules_request_the_issuance_just_published(tick, schedule, expected):
    from weather_flick_batch.definitions import defs

    context = dg.build_schedule_context(scheduled_execution_time=tick, repository_def=defs.get_repository_def())
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == expected
    assert schedule.execution_timezone == "Asia/Seoul"


def test_partitions_begin_where_retention_says_the_data_begins(monkeypatch):
    from weather_flick_batch.air_quality.partitions import dust_forecast_partitions
    from weather_flick_batch.weather import partitions

    monkeypatch.setenv("WEATHER_FLICK_WEATHER_RETENTION_DAYS", "10")
    assert partitions.retention_start(datetime(2026, 12, 7, 15, 20, tzinfo=KST)) == "2026-11-27-00:00"
    # The loaded definitions: the first partition lies within the kept days (default 30), not at a fixed date.
    today = datetime.now(KST)
    first_days = {(today - timedelta(days=30 + lag)).date() for lag in (0, 1)}  # the load may precede midnight
    for pdef, first_hour in [(partitions.nowcast_partitions, "00:00"), (partitions.short_range_partitions, "02:00"),
                             (partitions.mid_range_partitions, "06:00"), (partitions.ultra_short_partitions, "00:30"),
                             (dust_forecast_partitions, "05:00")]:
        assert pdef.get_first_partition_key() in {f"{d:%Y-%m-%d}-{first_hour}" for d in first_days}

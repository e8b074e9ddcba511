"""Destination assets end to end against a local server that answers like TourAPI."""

from datetime import datetime

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from weather_flick_batch import settings
from weather_flick_batch.core.timeutil import KST, now_kst
from weather_flick_batch.destinations import assets as d
from weather_flick_batch.destinations.jobs import full_sync_schedule, incremental_sync_schedule
from weather_flick_batch.destinations.sample_source import TourApiSampleSource
from weather_flick_batch.regions.assets import regions
from weather_flick_batch.definitions import build_resources
from weather_flick_batch.testing.fakes.http_fault_server import FaultPlan
from weather_flick_batch.testing.fakes.kto import TourApiFake
from weather_flick_batch.warehouse import schema
from weather_flick_batch.warehouse.warehouse import Warehouse

KEY = "kto-key-Abc+123/=="
PROVINCES = ["seoul", "jeju"]


@pytest.fixture
def kto(monkeypatch):
    with TourApiFake(now_kst().date(), FaultPlan(valid_keys={KEY}, timeout_sleep_s=0.6)) as fake:
        monkeypatch.setenv("WEATHER_FLICK_KTO_MODE", "live")
        monkeypatch.setenv("WEATHER_FLICK_KTO_BASE_URL", fake.server.base_url.rstrip("/"))
        monkeypatch.setenv("WEATHER_FLICK_KTO_API_KEYS", KEY)
        monkeypatch.setenv("WEATHER_FLICK_HTTP_TIMEOUT_S", "0.4")
        monkeypatch.setenv("WEATHER_FLICK_HTTP_BACKOFF_S", "0.05")
        yield fake


def _forget_cache(monkeypatch):
    from weather_flick_batch.core.apiclient import InMemoryResponseCache
    from weather_flick_batch.resources import api

    monkeypatch.setattr(api, "_MEMORY_CACHE", InMemoryResponseCache())


def _reference():
    assert dg.materialize([regions, d.districts], resources=build_resources()).success


def _sync(province: str, mode: str = "auto", raise_on_error: bool = True):
    return dg.materialize(
        [d.catalogue], partition_key=province, resources=build_resources(), raise_on_error=raise_on_error,
        run_config={"ops": {"destinations__catalogue": {"config": {"mode": mode}}}},
    )


def _catalogue(url: str | None = None) -> pd.DataFrame:
    frame = Warehouse(url or settings.warehouse_url()).read_table(schema.destinations)
    volatile = ["first_seen_at", "last_synced_at", "withdrawn_at"]
    return frame.drop(columns=volatile).sort_values("content_id").reset_index(drop=True)


def _meta(result) -> dict:
    return {k: v.value for k, v in result.get_asset_materialization_events()[0].materialization.metadata.items()}


def test_full_sync_through_the_live_client_uses_the_minimum_pages(kto, monkeypatch):
    # counts calls exactly with no fault planned: a patient client (the fixture's 0.4 s timeout,
    # short so timeout faults cost little, can fire on a busy machine and add a retry)
    monkeypatch.setenv("WEATHER_FLICK_HTTP_TIMEOUT_S", "10")
    _reference()
    result = _sync("seoul", "full")
    meta = _meta(result)
    assert meta["mode"] == "full" and meta["added"] > 50 and meta["withdrawn"] == 0
    # one page of up to 1000 rows covers a province of the embedded catalogue: the floor
    assert kto.server.request_count("areaBasedList2") == 1
    assert all(e.passed for e in result.get_asset_check_evaluations())
    frame = _catalogue()
    assert frame["content_id"].is_unique and frame["is_active"].all() and not frame["simulated"].any()


def test_faults_are_retried_without_loss(kto, monkeypatch):
    _reference()
    for province in PROVINCES:
        _sync(province, "full")
    clean = _catalogue()
    _forget_cache(monkeypatch)
    kto.server.plan = FaultPlan(valid_keys={KEY}, transient_rate=0.4, seed=3, timeout_sleep_s=0.6)
    kto.server.plan.fail_next("xml_gateway").fail_next("http500").fail_next("truncated")
    for province in PROVINCES:
        assert _sync(province, "full").success
    assert sum(o != "ok" for o in kto.server.outcomes) >= 3
    pd.testing.assert_frame_equal(clean, _catalogue())


def test_an_empty_first_page_is_asked_again_and_withdraws_nothing(kto, monkeypatch):
    """Reproduced: a full sync whose first page came back with "items": "" (totalCount 43) withdrew
    the whole province and reported success. Now the page is asked again, past the cache."""
    _reference()
    _sync("jeju", "full")
    before = _catalogue()
    real = kto.source

    class FirstPageEmptyOnce:
        empties = 0

        def respond(self, operation, params):
            payload = real.respond(operation, params)
            if operation == "areaBasedList2" and self.empties == 0:
                self.empties += 1
                payload["response"]["body"]["items"] = ""
            return payload

    kto.source = FirstPageEmptyOnce()
    _forget_cache(monkeypatch)
    meta = _meta(_sync("jeju", "full"))
    assert kto.source.empties == 1 and meta["withdrawn"] == 0
    pd.testing.assert_frame_equal(before, _catalogue())


def test_a_sync_that_would_withdraw_too_much_writes_nothing_unless_allowed(kto, monkeypatch):
    _reference()
    _sync("jeju", "full")
    before = _catalogue()
    jeju_ids = set(before["content_id"])
    kto.source = TourApiSampleSource(now_kst().date(), withdrawn_ids=set(sorted(jeju_ids)[:10]))
    _forget_cache(monkeypatch)
    result = _sync("jeju", "full", raise_on_error=False)
    assert not result.success
    error = [e for e in result.all_events if e.is_step_failure][0].step_failure_data.error.message
    assert f"would withdraw 10 of its {len(jeju_ids)} active destinations" in error
    assert "allow_mass_withdrawal" in error and error.count("\n") <= 1
    pd.testing.assert_frame_equal(before, _catalogue())  # nothing written
    wh = Warehouse(settings.warehouse_url())
    assert len(wh.read_table("tourist_attractions", {"region_code": "39"})) > 0

    result = dg.materialize(
        [d.catalogue], partition_key="jeju", resources=build_resources(),
        run_config={"ops": {"destinations__catalogue": {"config": {"mode": "full", "allow_mass_withdrawal": True}}}})
    assert result.success and _meta(result)["withdrawn"] == 10


def test_a_catalogue_failing_a_blocking_check_is_not_published(kto, monkeypatch):
    """Write-audit-publish: the checks run on the new rows before the transaction that publishes them."""
    _reference()
    _sync("jeju", "full")
    before = _catalogue()
    wh = Warehouse(settings.warehouse_url())
    published = wh.read_table("tourist_attractions", {"region_code": "39"}).sort_values("content_id")
    today = now_kst().date()
    stray = dict(TourApiSampleSource(today).respond(
        "areaBasedList2", {"areaCode": "39", "numOfRows": "1", "pageNo": "1"})["response"]["body"]["items"]["item"][0])
    stray.update(contentid="8800009", sigungucode="99", title="알 수 없는 구역의 명소")
    kto.source = TourApiSampleSource(today, extra_items=[stray])
    _forget_cache(monkeypatch)
    result = _sync("jeju", "full", raise_on_error=False)
    assert not result.success
    error = [e for e in result.all_events if e.is_step_failure][0].step_failure_data.error.message
    assert "was not published" in error and "catalogue_known_region: 1 unknown districts" in error
    pd.testing.assert_frame_equal(before, _catalogue())
    after = wh.read_table("tourist_attractions", {"region_code": "39"}).sort_values("content_id")
    pd.testing.assert_frame_equal(published.reset_index(drop=True), after.reset_index(drop=True))


def test_incremental_and_full_converge_and_withdrawals_stay_inactive(kto, tmp_path, monkeypatch):
    _reference()
    _sync("seoul", "full")
    before = _catalogue()
    gone, renamed = before["content_id"].iloc[0], before["content_id"].iloc[1]
    today = now_kst().date()
    extra = dict(TourApiSampleSource(today).respond(
        "areaBasedList2", {"areaCode": "1", "numOfRows": "1", "pageNo": "1"})["response"]["body"]["items"]["item"][0])
    extra.update(contentid="8800001", title="새로 생긴 <b>명소</b>", modifiedtime=today.strftime("%Y%m%d") + "090000")
    kto.source = TourApiSampleSource(
        today, withdrawn_ids={gone}, extra_items=[extra],
        modified_overrides={renamed: {"title": "새 이름", "modifiedtime": today.strftime("%Y%m%d") + "080000"}})
    _forget_cache(monkeypatch)
    meta = _meta(_sync("seoul", "incremental"))
    assert (meta["mode"], meta["added"], meta["changed"], meta["withdrawn"]) == ("incremental", 1, 1, 1)
    incremental = _catalogue()

    # The same changed source, crawled in full into a fresh warehouse, gives the same catalogue.
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    _reference()
    _sync("seoul", "full")
    full = _catalogue()
    active_incremental = incremental[incremental["is_active"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(active_incremental, full[full["is_active"]].reset_index(drop=True))

    row = incremental.set_index("content_id")
    assert not row.loc[gone, "is_active"], "withdrawn destinations are kept, inactive"
    assert row.loc[renamed, "title"] == "새 이름"
    assert row.loc["8800001", "title"] == "새로 생긴 명소"  # HTML stripped


def test_reruns_are_idempotent(kto):
    _reference()
    _sync("jeju", "full")
    first = _catalogue()
    for mode in ("full", "incremental", "auto"):
        assert _sync("jeju", mode).success
        pd.testing.assert_frame_equal(first, _catalogue())


def test_suspicious_rows_go_to_rejects_with_a_reason(kto):
    _reference()
    today = now_kst().date()
    bad = {"contentid": "8800002", "contenttypeid": "12", "title": "바다 한가운데", "areacode": "1",
           "sigungucode": "1", "mapx": "140.0", "mapy": "20.0", "modifiedtime": "20261101000000",
           "createdtime": "20261101000000", "addr1": "", "addr2": "", "cat1": "", "cat2": "", "cat3": "",
           "firstimage": "", "firstimage2": "", "tel": "", "zipcode": "", "mlevel": "6", "cpyrhtDivCd": ""}
    kto.source = TourApiSampleSource(today, extra_items=[bad])
    _sync("seoul", "full")
    rejects = Warehouse(settings.warehouse_url()).read_table(schema.destination_rejects)
    assert list(rejects["content_id"]) == ["8800002"]
    assert "outside Korea" in rejects["reason"].iloc[0]
    assert KEY not in rejects["raw"].iloc[0]
    assert "8800002" not in set(_catalogue()["content_id"])


def test_single_object_items_and_bad_key(kto, monkeypatch):
    _reference()
    kto.source = TourApiSampleSource(now_kst().date(), single_item_as_object=True)
    assert _sync("sejong", "full").success
    monkeypatch.setenv("WEATHER_FLICK_KTO_API_KEYS", "wrong-secret-kto-key")
    _forget_cache(monkeypatch)
    result = _sync("sejong", "full", raise_on_error=False)
    assert not result.success
    error = [e for e in result.all_events if e.is_step_failure][0].step_failure_data.error.message
    assert "WEATHER_FLICK_KTO_API_KEYS" in error and "wrong-secret-kto-key" not in error


def test_festivals_cells_and_forecast_points_follow_the_catalogue():
    from weather_flick_batch.weather import assets as w

    _reference()
    for province in PROVINCES:
        _sync(province)
    result = dg.materialize([d.festivals, d.forecast_cells, w.forecast_points], resources=build_resources())
    assert result.success and all(e.passed for e in result.get_asset_check_evaluations())
    wh = Warehouse(settings.warehouse_url())
    cells = wh.read_table(schema.destination_forecast_cells)
    active = wh.read_table(schema.destinations, {"is_active": True})
    assert set(cells["content_id"]) == set(active["content_id"])
    points = wh.read_table(schema.forecast_points)
    distinct = cells[["nx", "ny"]].drop_duplicates()
    provinces = wh.read_table(schema.province_catalogue)[["grid_nx", "grid_ny"]].rename(columns={"grid_nx": "nx", "grid_ny": "ny"})
    expected = pd.concat([distinct, provinces]).drop_duplicates()
    assert len(points) == len(expected), "one forecast point per distinct cell: the API-call floor"
    festivals = wh.read_table(schema.festival_events)
    assert len(festivals) > 0 and (pd.to_datetime(festivals["event_end_date"]) >=
                                   pd.to_datetime(festivals["event_start_date"])).all()


def test_service_tables_exist_on_both_engines(warehouse):
    """The back end's tables are real tables (the 0004 views are gone), with its key columns."""
    warehouse.ensure_schema()
    inspector = sa.inspect(warehouse.engine)
    schema_name = warehouse.service_schema
    tables = set(inspector.get_table_names(schema=schema_name))
    assert set(schema.SERVICE_TABLES) <= tables
    assert not set(inspector.get_view_names(schema=schema_name)) & set(schema.SERVICE_TABLES)
    regions_columns = {c["name"] for c in inspector.get_columns("regions", schema=schema_name)}
    assert {"region_code", "tour_api_area_code", "grid_x", "grid_y", "api_mappings"} <= regions_columns
    assert "province_catalogue" in set(inspector.get_table_names())


def test_sync_publishes_the_back_end_tables_in_its_transaction(kto, monkeypatch):
    """Active destinations of the province, per content type, in the back end's tables; a withdrawal
    leaves them; travel course details are fetched once, then reused while the course is unchanged."""
    from weather_flick_batch.warehouse.service_tables import TABLE_BY_CONTENT_TYPE

    _reference()
    _sync("seoul", "full")
    wh = Warehouse(settings.warehouse_url())
    active = wh.read_table(schema.destinations, {"is_active": True})
    for content_type, table in TABLE_BY_CONTENT_TYPE.items():
        published = wh.read_table(table)
        expected = set(active.loc[active["content_type_id"] == content_type, "content_id"])
        assert set(published["content_id"]) == expected, table
        assert (published["region_code"] == "1").all(), table
    courses = wh.read_table("travel_courses")
    assert len(courses) == 2 and courses["course_theme"].notna().all() and courses["course_distance"].notna().all()
    attraction = wh.read_table("tourist_attractions", {"content_id": "126508"}).iloc[0]
    assert attraction["attraction_name"] == "경복궁" and attraction["category_name"] == "고궁"
    assert attraction["tour_api_area_code"] == "1" and len(attraction["modifiedtime"]) == 14
    detail_calls = [c for c in kto.source.calls if c[0] == "detailIntro2"]
    assert len(detail_calls) == 2

    # A re-run fetches no course detail again and publishes the same rows.
    _forget_cache(monkeypatch)
    _sync("seoul", "full")
    assert len([c for c in kto.source.calls if c[0] == "detailIntro2"]) == 2
    assert len(wh.read_table("travel_courses")) == 2

    # Withdrawn at the source: gone from the back end's table, kept inactive in the catalogue.
    kto.source = TourApiSampleSource(now_kst().date(), withdrawn_ids={"126508"})
    _forget_cache(monkeypatch)
    _sync("seoul", "full")
    assert wh.read_table("tourist_attractions", {"content_id": "126508"}).empty
    assert not wh.read_table(schema.destinations, {"content_id": "126508"})["is_active"].iloc[0]


@pytest.mark.parametrize("tick,schedule,mode", [
    (datetime(2026, 11, 26, 3, 0, tzinfo=KST), incremental_sync_schedule, "incremental"),
    (datetime(2026, 11, 29, 2, 0, tzinfo=KST), full_sync_schedule, "full"),
])
def test_sync_schedules_request_every_province(tick, schedule, mode):
    from weather_flick_batch.definitions import defs

    context = dg.build_schedule_context(scheduled_execution_time=tick, repository_def=defs.get_repository_def())
    requests = schedule.evaluate_tick(context).run_requests
    assert sorted(r.partition_key for r in requests) == sorted(d.PROVINCE_PARTITION_KEYS)
    assert {r.run_config["ops"]["destinations__catalogue"]["config"]["mode"] for r in requests} == {mode}
    assert schedule.execution_timezone == "Asia/Seoul"

"""Trip forecasts and weather-change notices, end to end on PostgreSQL with the back end's tables.

The back end's tables are built from the contract (``backend_tables``) in the service schema, with
TIMESTAMPTZ trip dates (the back end's migration 001); the embedded path (DATE dates, the sample
seed) runs in the whole-graph test. The forecast inputs are written straight into the batch's
tables, so each test decides exactly what changed.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta, timezone

import dagster as dg
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from weather_flick_batch.core.timeutil import KST, now_kst
from weather_flick_batch.resources.warehouse import WarehouseResource
from weather_flick_batch.trips import changes, forecast, notices
from weather_flick_batch.trips.assets import trip_notices
from weather_flick_batch.warehouse import backend_tables, schema
from weather_flick_batch.warehouse.warehouse import Warehouse

T = backend_tables.BACKEND_TABLES


# -- pure logic -----------------------------------------------------------------------------------
def test_vectorised_conditions_match_the_rule_row_by_row():
    rng = np.random.default_rng(3)
    n = 4000
    frame = pd.DataFrame({
        "tmax_c": rng.uniform(-15, 40, n), "tmin_c": rng.uniform(-20, 30, n), "pop_pct": rng.uniform(0, 100, n),
        "precip_mm": rng.choice([0, 0.5, 1, 5, 12, 35, 60], n), "wind_ms": rng.choice([1, 5, 15, 22, 30], n),
        "cloud_pct": rng.uniform(0, 100, n)})
    expected = [changes.condition(r.tmax_c, r.cloud_pct, r.pop_pct, r.precip_mm, r.wind_ms)
                for r in frame.itertuples()]
    assert forecast.conditions(frame).tolist() == expected
    assert len(set(expected)) >= 8  # the sample reaches (almost) every condition


def test_active_stops_take_both_itinerary_shapes_and_both_date_types():
    today = date(2026, 12, 7)
    plans = pd.DataFrame([
        {"plan_id": "a", "user_id": "u", "title": "A", "status": "CONFIRMED", "start_date": date(2026, 12, 6),
         "end_date": date(2026, 12, 8), "itinerary": {"day1": [{"name": "어제"}], "day2": [{"name": "오늘"}],
                                                      "day3": [{"name": "내일"}]}},
        {"plan_id": "b", "user_id": "u", "title": "B", "status": "IN_PROGRESS",
         # TIMESTAMPTZ: 15:00 UTC on the 6th is the 7th in Korea, the traveller's first day.
         "start_date": datetime(2026, 12, 6, 15, 0, tzinfo=timezone.utc),
         "end_date": datetime(2026, 12, 9, 0, 0, tzinfo=KST),
         "itinerary": json.dumps({"days": [{"day": 1, "places": [{"title": "경복궁"}]}]})},
        {"plan_id": "c", "user_id": "u", "title": "C", "status": "CANCELLED", "start_date": today,
         "end_date": today, "itinerary": {"day1": [{"name": "x"}]}},
        {"plan_id": "d", "user_id": "u", "title": "D", "status": "CONFIRMED", "start_date": date(2026, 12, 1),
         "end_date": date(2026, 12, 3), "itinerary": {"day1": [{"name": "끝난 여행"}]}},
        {"plan_id": "e", "user_id": "u", "title": "E", "status": "CONFIRMED", "start_date": today,
         "end_date": today, "itinerary": {}},
    ])
    got = forecast.active_stops(plans, today)
    assert got.stops[["plan_id", "place", "forecast_date"]].values.tolist() == [
        ["a", "오늘", date(2026, 12, 7)], ["a", "내일", date(2026, 12, 8)], ["b", "경복궁", date(2026, 12, 7)]]
    assert got.skipped == {"e": "no itinerary places"}
    assert got.plans == 3  # a, b, e: active and not ended


def test_quiet_hours_postpone_to_the_end_of_the_window():
    night = datetime(2026, 12, 7, 23, 30, tzinfo=KST)
    assert notices.quiet_until(night, True, time(22), time(7)) == datetime(2026, 12, 8, 7, 0, tzinfo=KST)
    assert notices.quiet_until(night.replace(hour=6), True, time(22), time(7)) == night.replace(hour=7, minute=0)
    assert notices.quiet_until(night.replace(hour=12), True, time(22), time(7)) is None
    assert notices.quiet_until(night, False, time(22), time(7)) is None
    assert notices.quiet_until(night.replace(hour=13), True, time(12), time(14)) == night.replace(hour=14, minute=0)


# -- PostgreSQL, end to end -----------------------------------------------------------------------
POINT, PROVINCE_POINT, CONTENT = "60_127", "61_126", "126508"


def _id(n: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, n))


@pytest.fixture
def trips_pg(fresh_postgres_url):
    """A PostgreSQL warehouse with the back end's tables (TIMESTAMPTZ dates), four users and plans."""
    wh = Warehouse(fresh_postgres_url)
    wh.upgrade()
    now = now_kst()
    today = now.date()
    with wh.engine.begin() as conn:
        backend_tables.create_missing(conn)
        # The back end's migration 001: trip dates as TIMESTAMPTZ.
        for column in ("start_date", "end_date"):
            conn.exec_driver_sql(f"ALTER TABLE public.travel_plans ALTER COLUMN {column} TYPE timestamptz "
                                 f"USING {column}::timestamp AT TIME ZONE 'Asia/Seoul'")
        users = {"alice": {}, "bob_off": {"weather_alerts": False}, "carol_quiet": {"quiet_hours_enabled": True},
                 "dan_cancelled": {}}
        for name, prefs in users.items():
            conn.execute(T["users"].insert().values(user_id=_id(name), email=f"{name}@example.com",
                                                    is_email_verified=True, is_active=True, created_at=now))
            # Quiet hours around now, whatever the time of day the test runs at.
            start = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
            end = (now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
            conn.execute(T["user_notification_settings"].insert().values(
                id=_id(name + "-s"), user_id=_id(name), push_enabled=True, email_enabled=True, in_app_enabled=True,
                weather_alerts=prefs.get("weather_alerts", True),
                quiet_hours_enabled=prefs.get("quiet_hours_enabled", False), quiet_hours_start=start,
                quiet_hours_end=end))
        conn.execute(T["user_device_tokens"].insert().values(id=_id("tok"), user_id=_id("alice"),
                                                             device_token="alice-token", is_active=True))
        start = datetime.combine(today + timedelta(days=1), time(0), KST)
        for name in users:
            itinerary = ({"days": [{"day": 1, "date": (today + timedelta(days=1)).isoformat(),
                                    "places": [{"contentId": CONTENT, "title": "경복궁"}, {"name": "친구 집"}]}]}
                         if name != "alice" else {"day1": [{"content_id": CONTENT, "name": "경복궁"}],
                                                  "day2": [{"name": "남산 카페", "area_code": "1"}]})
            conn.execute(T["travel_plans"].insert().values(
                plan_id=_id(name + "-plan"), user_id=_id(name), title=f"{name}의 서울 여행", start_date=start.date(),
                end_date=(start + timedelta(days=1)).date(), itinerary=itinerary,
                status="CANCELLED" if name == "dan_cancelled" else "CONFIRMED", created_at=now, updated_at=now))
        # The forecast side: a destination point and the province point of Seoul, ten days of outlook.
        for point, kind in ((POINT, "destinations"), (PROVINCE_POINT, "province")):
            nx, ny = map(int, point.split("_"))
            conn.execute(schema.forecast_points.insert().values(
                point_id=point, nx=nx, ny=ny, latitude=37.5, longitude=127.0, region_code=1, kind=kind,
                destination_count=1, mid_land_reg_id="11B00000", mid_ta_reg_id="11B10101", updated_at=now))
        conn.execute(schema.destination_forecast_cells.insert().values(
            content_id=CONTENT, region_code=1, nx=60, ny=127, point_id=POINT, updated_at=now))
    _outlook(wh, today, tmax=8.0, pop=10.0)
    yield wh, today
    wh.dispose()


def _outlook(wh: Warehouse, today: date, tmax: float, pop: float, point: str = POINT) -> None:
    now = now_kst()
    rows = [{"point_id": p, "forecast_date": today + timedelta(days=d), "lead_days": d,
             "tmax_c": tmax if p == point else 8.0, "tmin_c": 0.0, "rh_mean_pct": 50.0, "cloud_pct": 20.0,
             "pop_max_pct": pop if p == point else 10.0, "precip_mm": 0.0, "wind_max_ms": 3.0, "source": "short_range",
             "complete": True, "filled_fields": None, "as_of": now, "simulated": False, "loaded_at": now}
            for p in (POINT, PROVINCE_POINT) for d in range(10)]
    wh.replace_rows(schema.weather_daily_outlook, pd.DataFrame(rows))


def _materialize(wh: Warehouse) -> dg.ExecuteInProcessResult:
    url = wh.url.render_as_string(hide_password=False)
    return dg.materialize([trip_notices], resources={"warehouse": WarehouseResource(url=url)}, raise_on_error=False)


def _rows(wh: Warehouse, table: sa.Table) -> list[dict]:
    with wh.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(table)).mappings()]


def test_a_forecast_change_gives_one_notice_per_affected_trip(trips_pg):
    wh, today = trips_pg
    first = _materialize(wh)
    assert first.success
    forecasts = _rows(wh, schema.trip_forecasts)
    # Alice: two days; bob and carol: one day of two places (the second located by the province);
    # dan's plan is cancelled.
    assert sorted((r["plan_id"] == _id("alice-plan"), r["located_by"]) for r in forecasts) == sorted(
        [(True, "destination"), (True, "region"), (False, "destination"), (False, "region"),
         (False, "destination"), (False, "region")])
    assert not _rows(wh, T["notifications"]), "a first forecast is not a change"
    plans = {r["plan_id"]: r for r in _rows(wh, T["travel_plans"])}
    info = plans[_id("alice-plan")]["weather_info"]
    assert set(info) >= {"forecast", "average_temperature", "recommendation"}
    assert info["forecast"][0]["places"][0]["max_temp"] == 8.0 and info["average_temperature"] == 4.0
    assert plans[_id("dan_cancelled-plan")]["weather_info"] is None

    # The forecast at the destination's point turns: +9 °C and rain likely.
    _outlook(wh, today, tmax=17.0, pop=70.0)
    second = _materialize(wh)
    assert second.success
    sent = _rows(wh, T["notifications"])
    by_user: dict[str, list[dict]] = {}
    for row in sent:
        by_user.setdefault(row["user_id"], []).append(row)
    # Exactly one notice per affected trip: alice (e-mail, push, in-app) and carol (quiet hours);
    # bob has weather alerts off, dan's trip is cancelled.
    assert set(by_user) == {_id("alice"), _id("carol_quiet")}
    assert sorted(r["channel"] for r in by_user[_id("alice")]) == ["EMAIL", "IN_APP", "PUSH"]
    alice = by_user[_id("alice")][0]
    assert alice["type"] == "WEATHER_ALERT" and alice["priority"] == changes.PRIORITY["warning"]
    assert "경복궁" in alice["message"] and "8.0°C → 17.0°C" in alice["message"] and "10% → 70%" in alice["message"]
    assert len(alice["title"]) <= 200 and len(alice["message"]) <= 1000
    assert alice["data"]["plan_id"] == _id("alice-plan") and alice["data"]["severity"] == "warning"
    in_app = next(r for r in by_user[_id("alice")] if r["channel"] == "IN_APP")
    assert in_app["status"] == "SENT" and in_app["sent_at"] is not None
    assert {r["status"] for r in by_user[_id("alice")] if r["channel"] != "IN_APP"} == {"PENDING"}
    # Carol's quiet hours postpone delivery: written now, scheduled after the window.
    assert all(r["status"] == "PENDING" and r["scheduled_at"] > r["created_at"] for r in by_user[_id("carol_quiet")])
    notices_rows = _rows(wh, schema.trip_notices)
    assert sorted(r["plan_id"] for r in notices_rows) == sorted([_id("alice-plan"), _id("carol_quiet-plan")])

    # Re-runs add nothing: the same forecast has no changes, and another change within 24 hours is
    # held back by the rule (and counted).
    assert _materialize(wh).success
    _outlook(wh, today, tmax=2.0, pop=70.0)
    third = _materialize(wh)
    assert third.success
    assert len(_rows(wh, T["notifications"])) == len(sent)
    held = third.get_asset_materialization_events()[-1].materialization.metadata["held_by_24h_rule"].value
    assert held == 2


def test_the_database_refuses_a_second_notice_within_24_hours(warehouse):
    warehouse.upgrade()
    now = now_kst()
    row = {"user_id": "u1", "severity": "info", "changes": [], "notification_ids": ""}
    day = timedelta(hours=24)
    with warehouse.engine.begin() as conn:
        for at, plan in ((now - timedelta(hours=25), "p1"), (now, "p1"), (now, "p2")):
            conn.execute(schema.trip_notices.insert().values(notified_at=at, window_end=at + day, plan_id=plan, **row))
    later = now + timedelta(hours=23)
    with pytest.raises(sa.exc.DatabaseError, match="trip_notices_one_per_plan_per_24h"):
        with warehouse.engine.begin() as conn:
            conn.execute(schema.trip_notices.insert().values(notified_at=later, window_end=later + day, plan_id="p1",
                                                             **row))
    with warehouse.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.trip_notices)).scalar() == 3


# -- delivery: SMTP (aiosmtpd) and FCM HTTP v1 (a local FCM-like server), on PostgreSQL -----------------
class _Mailbox:
    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _notification(user: str, channel: str, now: datetime, **extra) -> dict:
    return {"id": str(uuid.uuid4()), "user_id": _id(user), "type": "WEATHER_ALERT", "channel": channel,
            "status": "PENDING", "title": "[날씨 변경] 서울 여행의 예보가 바뀌었어요", "message": "1일차 경복궁: 비 올 확률 10% → 70%",
            "data": {"plan_id": _id(user + "-plan")}, "priority": 7, "scheduled_at": now, "retry_count": 0,
            "max_retry_count": 3, "created_at": now, "updated_at": now, "external_id": None, "sent_at": None,
            **extra}


def test_delivery_sends_each_due_notice_once_retries_and_deactivates_invalid_tokens(fresh_postgres_url, tmp_path):
    from aiosmtpd.controller import Controller

    from weather_flick_batch.testing.fakes.fcm import FakeFcm
    from weather_flick_batch.testing.services import free_port
    from weather_flick_batch.trips import delivery
    from weather_flick_batch.trips.resources import TripDeliveryResource

    wh = Warehouse(fresh_postgres_url)
    wh.upgrade()
    now = now_kst()
    with wh.engine.begin() as conn:
        backend_tables.create_missing(conn)
        for name, email in (("alice", "alice@example.com"), ("ghost", "nobody@example.com"), ("fay", "fay@example.com")):
            conn.execute(T["users"].insert().values(user_id=_id(name), email=email, is_email_verified=True))
        for token, user in (("good-alice", "alice"), ("bad-alice", "alice"), ("flaky-fay", "fay")):
            conn.execute(T["user_device_tokens"].insert().values(id=_id(token), user_id=_id(user), device_token=token,
                                                                 is_active=True))
        rows = {
            "mail": _notification("alice", "EMAIL", now), "refused": _notification("ghost", "EMAIL", now),
            "push": _notification("alice", "PUSH", now), "flaky": _notification("fay", "PUSH", now),
            "quiet": _notification("alice", "EMAIL", now, scheduled_at=now + timedelta(hours=5)),
            "in_app": _notification("alice", "IN_APP", now, status="SENT", sent_at=now),
            # A run died after claiming this one: it may have gone out, so it must never go again.
            "orphan": _notification("alice", "EMAIL", now - timedelta(hours=1), external_id="claim:dead-run"),
        }
        conn.execute(T["notifications"].insert(), list(rows.values()))

    mailbox = _Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        with FakeFcm() as fcm:
            resource = TripDeliveryResource(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none",
                                            fcm_project_id=fcm.project_id, fcm_base_url=fcm.base_url,
                                            fcm_credentials_file=str(fcm.service_account_file(tmp_path)))
            senders = resource.senders()
            first = delivery.deliver(wh, senders, now, "run-1", retry_base_s=60)
            assert delivery.due_count(wh, now) == 0
            state = {k: r for k, r in zip(rows, [_by_id(wh, r["id"]) for r in rows.values()])}
            assert state["mail"]["status"] == "SENT" and state["mail"]["external_id"].startswith("<")
            assert state["refused"]["status"] == "FAILED" and "refused the address" in state["refused"]["failure_reason"]
            assert state["push"]["status"] == "SENT" and state["push"]["external_response"]["invalid_tokens"] == 1
            assert state["flaky"]["status"] == "PENDING" and state["flaky"]["retry_count"] == 1
            assert state["flaky"]["scheduled_at"] > now and "UNAVAILABLE" in state["flaky"]["failure_reason"]
            assert state["quiet"]["status"] == "PENDING" and state["quiet"]["retry_count"] == 0
            assert state["orphan"]["status"] == "FAILED" and "never sent twice" in state["orphan"]["failure_reason"]
            assert (first.sent, first.failed, first.retried, first.tokens_deactivated, first.abandoned_claims) == \
                   (2, 1, 1, 1, 1)
            with wh.engine.connect() as conn:
                active = dict(conn.execute(sa.select(T["user_device_tokens"].c.device_token,
                                                     T["user_device_tokens"].c.is_active)).all())
            assert active == {"good-alice": True, "bad-alice": False, "flaky-fay": True}

            # The retry after its backoff succeeds; nothing already sent goes again, the quiet row waits.
            later = now + timedelta(minutes=2)
            assert delivery.due_count(wh, later) == 1
            second = delivery.deliver(wh, senders, later, "run-2", retry_base_s=60)
            assert (second.sent, second.failed, second.retried) == (1, 0, 0)
            assert _by_id(wh, rows["flaky"]["id"])["status"] == "SENT"
            assert delivery.deliver(wh, senders, later, "run-3").sent == 0

            assert [m[0] for m in mailbox.messages] == [["alice@example.com"]]
            assert b"Subject: =?utf-8?" in mailbox.messages[0][1]  # the Korean title, encoded
            assert sorted(m["token"] for m in fcm.sent) == ["flaky-fay", "good-alice"]
            assert fcm.sent[0]["data"]["notification_id"] in {rows["push"]["id"], rows["flaky"]["id"]}
            assert fcm.token_requests >= 1
    finally:
        smtp.stop()
        wh.dispose()


def _by_id(wh: Warehouse, notification_id: str) -> dict:
    n = T["notifications"]
    with wh.engine.connect() as conn:
        return dict(conn.execute(sa.select(n).where(n.c.id == notification_id)).mappings().one())


def test_the_delivery_sensor_launches_only_when_a_notice_is_due(tmp_path):
    from weather_flick_batch.trips.definitions import trip_notice_delivery_job, trip_notice_delivery_sensor

    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    wh = Warehouse(url)
    wh.upgrade()  # the embedded warehouse holds the back end's tables
    resources = {"warehouse": WarehouseResource(url=url)}

    def tick(res):
        with dg.build_sensor_context(resources=res) as context:
            return trip_notice_delivery_sensor(context)

    assert isinstance(tick(resources), dg.SkipReason)
    now = now_kst()
    with wh.engine.begin() as conn:
        conn.execute(T["notifications"].insert().values(_notification("alice", "PUSH", now - timedelta(minutes=1))))
    request = tick(resources)
    assert isinstance(request, dg.RunRequest) and request.tags["weather_flick/due"] == "1"
    assert trip_notice_delivery_job.name == "trip_notice_delivery_job"
    wh.dispose()
    missing = tick({"warehouse": WarehouseResource(url="postgresql+psycopg2://nobody@127.0.0.1:1/none")})
    assert isinstance(missing, dg.SkipReason) and "cannot count due trip notices" in missing.skip_message


def test_batches_of_plans_write_what_one_batch_writes_and_drop_ended_trips(embedded_pipeline, tmp_path, monkeypatch):
    """The asset computes and writes a batch of plans at a time (bounded memory): batches of 37 plans
    give the same trip forecasts and notices as one batch, and a trip cancelled since the last run
    loses its forecasts either way."""
    import shutil

    from weather_flick_batch import settings
    from weather_flick_batch.definitions import build_definitions
    from weather_flick_batch.trips import batches
    from weather_flick_batch.warehouse import backend_tables

    home, _ = embedded_pipeline
    outcomes = []
    for size in (37, batches.BATCH_PLANS):
        copy = tmp_path / f"batch_{size}"
        shutil.copytree(home, copy)
        monkeypatch.setenv("WEATHER_FLICK_HOME", str(copy / "wf"))
        monkeypatch.setenv("DAGSTER_HOME", str(copy / "dagster"))
        monkeypatch.setattr(batches, "BATCH_PLANS", size)
        wh = Warehouse(settings.warehouse_url())
        told = wh.read_table(schema.trip_forecasts)
        cancelled = sorted(told["plan_id"].unique())[0]
        tp = backend_tables.BACKEND_TABLES["travel_plans"]
        with wh.engine.begin() as conn:
            conn.execute(tp.update().where(tp.c.plan_id == cancelled).values(status="CANCELLED"))
        with dg.DagsterInstance.get() as instance:
            result = build_definitions().resolve_job_def("trip_notices_job").execute_in_process(instance=instance)
        assert result.success
        forecasts = wh.read_table(schema.trip_forecasts).drop(columns=["computed_at"])
        assert cancelled not in set(forecasts["plan_id"])
        meta = [e.materialization.metadata for e in result.get_asset_materialization_events()
                if e.asset_key == dg.AssetKey(["trips", "trip_forecasts"])][0]
        assert (meta["batches"].value > 1) == (size == 37)
        outcomes.append((forecasts.sort_values(["plan_id", "day", "stop"]).reset_index(drop=True),
                         sorted(wh.read_table(schema.trip_notices)["plan_id"])))
        wh.dispose()
    pd.testing.assert_frame_equal(outcomes[0][0], outcomes[1][0])
    assert outcomes[0][1] == outcomes[1][1]

"""Reading the back end's trip tables and publishing trip forecasts and notices, in one transaction.

A run's whole outcome lands together or not at all: the new ``trip_forecasts`` (replacing what each
trip was last told), ``travel_plans.weather_info`` of every forecast plan, and for each plan with
changes one ``trip_notices`` row and its ``notifications`` rows. The 24-hour rule is the database's
(migration 0008): plans with a notice in the last 24 hours are held back first, and on PostgreSQL
the insert skips (ON CONFLICT DO NOTHING) any plan a concurrent run notified in between, so a
notification row is written only for a notice the constraint accepted.

No Dagster here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from weather_flick_batch.trips import samples
from weather_flick_batch.trips.notices import PlannedNotice
from weather_flick_batch.warehouse import backend_tables, schema
from weather_flick_batch.warehouse.warehouse import Warehouse, WarehouseError

T = backend_tables.BACKEND_TABLES
WINDOW = timedelta(hours=24)


class BackendTablesMissing(WarehouseError):
    pass


def require_backend_tables(wh: Warehouse) -> None:
    with wh.engine.connect() as conn:
        absent = backend_tables.missing(conn, wh.service_schema)
    if absent:
        where = f"service schema {wh.service_schema!r}" if wh.service_schema else "the embedded warehouse"
        raise BackendTablesMissing(
            f"the back end's tables {absent} are missing in {where} of {wh.display_url}: they are the back end's "
            "(its migrations create them); point WEATHER_FLICK_SERVICE_SCHEMA at its schema")


def read_plans(wh: Warehouse, today: date) -> pd.DataFrame:
    """Active plans that have not ended: the only ones trip forecasts look at (selected in SQL)."""
    tp = T["travel_plans"]
    start, end = tp.c.start_date, tp.c.end_date
    if wh.dialect == "postgresql" and _is_timestamptz(wh):
        # The back end's migration 001 made them TIMESTAMPTZ: the trip's days are the traveller's (KST).
        start = sa.cast(sa.func.timezone("Asia/Seoul", tp.c.start_date), sa.Date)
        end = sa.cast(sa.func.timezone("Asia/Seoul", tp.c.end_date), sa.Date)
    stmt = sa.select(tp.c.plan_id, tp.c.user_id, tp.c.title, tp.c.status, start.label("start_date"),
                     end.label("end_date"), tp.c.itinerary).where(
        tp.c.status.in_(backend_tables.ACTIVE_PLAN_STATUSES), sa.or_(tp.c.end_date.is_(None), end >= today))
    with wh.engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all(),
                             columns=["plan_id", "user_id", "title", "status", "start_date", "end_date", "itinerary"])
    for column in ("plan_id", "user_id"):
        frame[column] = frame[column].astype(str)
    return frame


def _is_timestamptz(wh: Warehouse) -> bool:
    with wh.engine.connect() as conn:
        columns = {c["name"]: c["type"] for c in sa.inspect(conn).get_columns("travel_plans", schema=wh.service_schema)}
    return isinstance(columns["start_date"], sa.DateTime)


def read_people(wh: Warehouse, user_ids: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(users, settings, active tokens) of ``user_ids``."""
    u, s, d = T["users"], T["user_notification_settings"], T["user_device_tokens"]
    if not user_ids:
        return (pd.DataFrame(columns=["user_id", "is_email_verified", "is_active"]),
                pd.DataFrame(columns=["user_id"]), pd.DataFrame(columns=["user_id", "device_token"]))
    with wh.engine.connect() as conn:
        users = pd.DataFrame(conn.execute(sa.select(u.c.user_id, u.c.email, u.c.is_email_verified, u.c.is_active)
                                          .where(u.c.user_id.in_(user_ids))).mappings().all(),
                             columns=["user_id", "email", "is_email_verified", "is_active"])
        settings = pd.DataFrame(conn.execute(sa.select(s).where(s.c.user_id.in_(user_ids))).mappings().all(),
                                columns=[c.name for c in s.columns])
        tokens = pd.DataFrame(conn.execute(sa.select(d.c.user_id, d.c.device_token).where(
            d.c.user_id.in_(user_ids), d.c.is_active.is_(True))).mappings().all(), columns=["user_id", "device_token"])
    for frame in (users, settings, tokens):
        frame["user_id"] = frame["user_id"].astype(str)
    return users, settings, tokens


@dataclass
class Published:
    forecast_rows: int = 0
    plans_updated: int = 0
    notices: int = 0
    notifications: int = 0
    held_by_24h_rule: list[str] = field(default_factory=list)
    by_channel: dict[str, int] = field(default_factory=dict)


def publish(wh: Warehouse, forecasts: pd.DataFrame, infos: dict[str, dict[str, Any]], planned: list[PlannedNotice],
            now: datetime, run_id: str | None, audit=None) -> Published:
    """One run's outcome computed at once (tests, small deployments): ``publish_batches`` with one batch."""
    plan_ids = pd.DataFrame({"plan_id": sorted(set(forecasts["plan_id"]) | set(infos) | {p.plan_id for p in planned})})
    return publish_batches(wh, [plan_ids], lambda _plans, _previous: (forecasts, infos, planned), now, run_id,
                           audit=audit)


BatchResult = tuple[pd.DataFrame, dict[str, dict[str, Any]], list[PlannedNotice]]
_IN_CHUNK = 5_000  # plan ids per IN (...) list


def publish_batches(wh: Warehouse, plan_batches: Iterable[pd.DataFrame],
                    compute: Callable[[pd.DataFrame, pd.DataFrame], BatchResult], now: datetime,
                    run_id: str | None, audit=None) -> Published:
    """Compute and write the run a batch of plans at a time, in ONE transaction.

    For each batch (a frame with ``plan_id``): the trip forecasts those plans were last told are read
    (inside the transaction, before they are replaced), ``compute(plans, previous)`` returns the new
    forecasts, weather_info documents and planned notices, and they are written. Forecast rows of
    plans no longer active are deleted at the end; ``audit`` runs last, before the commit.
    """
    out = Published()
    forecasts_table = schema.trip_forecasts
    with wh.transaction("trip_forecasts, travel_plans, trip_notices, notifications") as conn:
        told = set(conn.execute(sa.select(forecasts_table.c.plan_id).distinct()).scalars())
        for plans in plan_batches:
            ids = [str(i) for i in plans["plan_id"]]
            previous = _read_forecasts(wh, conn, ids)
            forecasts, infos, planned = compute(plans, previous)
            _delete_forecasts(conn, ids)
            told.difference_update(ids)
            out.forecast_rows += wh.insert_frame(conn, forecasts_table, forecasts.assign(computed_at=now))
            if infos:
                _update_weather_info(wh, conn, infos)
                out.plans_updated += len(infos)
            _publish_notices(wh, conn, planned, now, run_id, out)
        _delete_forecasts(conn, sorted(told))  # plans that ended or were cancelled since the last run
        if audit is not None:
            audit(conn)
    return out


def _read_forecasts(wh: Warehouse, conn: sa.Connection, plan_ids: list[str]) -> pd.DataFrame:
    table = schema.trip_forecasts
    frames = []
    for start in range(0, len(plan_ids), _IN_CHUNK):
        result = conn.execute(sa.select(table).where(table.c.plan_id.in_(plan_ids[start:start + _IN_CHUNK])))
        frames.append(pd.DataFrame(result.mappings().all(), columns=[c.name for c in table.columns]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[c.name for c in table.columns])


def _delete_forecasts(conn: sa.Connection, plan_ids: list[str]) -> None:
    table = schema.trip_forecasts
    for start in range(0, len(plan_ids), _IN_CHUNK):
        conn.execute(table.delete().where(table.c.plan_id.in_(plan_ids[start:start + _IN_CHUNK])))


def _publish_notices(wh: Warehouse, conn: sa.Connection, planned: list[PlannedNotice], now: datetime,
                     run_id: str | None, out: Published) -> None:
    notifications, notices = T["notifications"], schema.trip_notices
    candidates = [p for p in planned if p.rows]
    if not candidates:
        return
    recent = set(conn.execute(sa.select(notices.c.plan_id).where(
        notices.c.plan_id.in_([p.plan_id for p in candidates]), notices.c.notified_at > now - WINDOW)).scalars())
    out.held_by_24h_rule += sorted(p.plan_id for p in candidates if p.plan_id in recent)
    fresh = [p for p in candidates if p.plan_id not in recent]
    accepted = _insert_notices(conn, wh.dialect, fresh, now, run_id)
    out.held_by_24h_rule += sorted(p.plan_id for p in fresh if p.plan_id not in accepted)
    rows = [row for p in fresh if p.plan_id in accepted for row in p.rows]
    if rows:
        out.notifications += wh.insert_frame(conn, notifications, pd.DataFrame(rows))
    out.notices += len(accepted)
    for row in rows:
        out.by_channel[row["channel"]] = out.by_channel.get(row["channel"], 0) + 1


def _update_weather_info(wh: Warehouse, conn: sa.Connection, infos: dict[str, dict[str, Any]]) -> None:
    """``travel_plans.weather_info`` of every forecast plan. On PostgreSQL one COPY into a temporary
    table and one UPDATE ... FROM (an UPDATE per plan is a round trip per plan: 100,000 of them)."""
    tp = T["travel_plans"]
    if wh.dialect != "postgresql":
        conn.execute(tp.update().where(tp.c.plan_id == sa.bindparam("pid")).values(weather_info=sa.bindparam("info")),
                     [{"pid": pid, "info": info} for pid, info in infos.items()])
        return
    staged = sa.Table("trip_weather_info_stage", sa.MetaData(), sa.Column("plan_id", sa.Text, primary_key=True),
                      sa.Column("info", postgresql.JSONB), prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
    staged.create(conn, checkfirst=True)  # once per transaction; emptied for each batch
    conn.execute(staged.delete())
    wh.insert_frame(conn, staged, pd.DataFrame({"plan_id": list(infos), "info": list(infos.values())}))
    conn.exec_driver_sql(f"UPDATE {wh.sql_name(tp)} AS t SET weather_info = s.info FROM trip_weather_info_stage AS s "
                         "WHERE t.plan_id::text = s.plan_id")


def _insert_notices(conn: sa.Connection, dialect: str, fresh: list[PlannedNotice], now: datetime,
                    run_id: str | None) -> set[str]:
    """Insert one trip_notices row per plan; the plan_ids the 24-hour constraint accepted."""
    if not fresh:
        return set()
    values = [{"plan_id": p.plan_id, "user_id": p.user_id, "notified_at": now, "window_end": now + WINDOW,
               "severity": p.notice.severity,
               "changes": [c.as_json() for c in p.notice.changes],
               "notification_ids": ",".join(r["id"] for r in p.rows), "run_id": run_id} for p in fresh]
    table = schema.trip_notices
    if dialect == "postgresql":
        # ON CONFLICT DO NOTHING honours exclusion constraints: a plan notified by a concurrent run
        # since the read above is skipped, not an error.
        stmt = postgresql.insert(table).on_conflict_do_nothing().returning(table.c.plan_id)
        return {r for r in conn.execute(stmt, values).scalars()}
    conn.execute(table.insert(), values)  # SQLite: one writer; the trigger stays the last word
    return {p.plan_id for p in fresh}


def seed_samples(wh: Warehouse, today: date, now: datetime) -> dict[str, int]:
    """Write the sample users and plans into the embedded back-end tables, once (empty tables only)."""
    if wh.dialect != "sqlite":
        raise WarehouseError("sample trips are for the embedded warehouse only: the back end owns its users")
    with wh.engine.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(T["travel_plans"])).scalar():
            return {}
        catalogue = pd.DataFrame(conn.execute(sa.select(
            schema.destinations.c.content_id, schema.destinations.c.title, schema.destinations.c.region_code,
            schema.destinations.c.addr1).where(schema.destinations.c.is_active.is_(True))).mappings().all(),
            columns=["content_id", "title", "region_code", "addr1"])
    people, settings, tokens = samples.users(now)
    plans = samples.plans(today, catalogue, now)
    with wh.transaction("users, travel_plans") as conn:
        for name, frame in (("users", people), ("user_notification_settings", settings),
                            ("user_device_tokens", tokens), ("travel_plans", plans)):
            conn.execute(T[name].insert(), frame.astype(object).where(frame.notna(), None).to_dict("records"))
    return {"users": len(people), "settings": len(settings), "device_tokens": len(tokens), "plans": len(plans)}


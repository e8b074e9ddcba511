"""The trip assets' publication checks as plain functions (no Dagster here).

The gate of ``trips/assets.py`` counts a batch at a time (``batches.TripTally``, with
:func:`stops_in_horizon` and :func:`exceeds_backend_limits`) and turns the counts into verdicts with
:func:`trip_forecast_verdicts` and :func:`notice_verdicts`; the re-audit of what is published
(:data:`PUBLISHED_AUDITS`, core/published.py) counts the published rows with the same functions.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from weather_flick_batch.core.published import PublishedCheck, ReAudit, Verdicts, scope
from weather_flick_batch.core.quality import Verdict

if TYPE_CHECKING:
    import pandas as pd

    from weather_flick_batch.warehouse.warehouse import Warehouse

# The back end's limits on a notification (shared/reference/backend-contract.md).
TITLE_MAX = 200
MESSAGE_MAX = 1000
PRIORITY_RANGE = (1, 10)
_IN_CHUNK = 5_000


# -- the checks ----------------------------------------------------------------------------------
def stops_in_horizon(stops: pd.DataFrame, horizon: date) -> tuple[int, int]:
    """(located stops on a day up to ``horizon``, of which without forecast values)."""
    located = stops[(stops["located_by"] != "none") & (stops["forecast_date"] <= horizon)]
    return len(located), int(located["tmax_c"].isna().sum())


def exceeds_backend_limits(title: Any, message: Any, priority: Any) -> bool:
    """Whether a notification row breaks the back end's limits (a missing value breaks them too)."""
    if title is None or message is None or priority is None:
        return True
    low, high = PRIORITY_RANGE
    return len(title) > TITLE_MAX or len(message) > MESSAGE_MAX or not low <= priority <= high


def trip_forecast_verdicts(stops: int, located_in_horizon: int, without_values: int) -> Verdicts:
    return {"every_active_stop_forecast": Verdict(
        without_values == 0, {"stops": stops, "located_in_horizon": located_in_horizon,
                              "without_values": without_values},
        f"{without_values} located stops within the horizon have no forecast values")}


def notice_verdicts(notifications: int, out_of_limits: int) -> Verdicts:
    return {"notices_within_backend_limits": Verdict(
        out_of_limits == 0, {"notifications": notifications, "out_of_limits": out_of_limits},
        f"{out_of_limits} notifications exceed the back end's limits")}


# -- re-audits of what is published ---------------------------------------------------------------
def audit_trip_forecasts(wh: Warehouse) -> PublishedCheck | None:
    """The published trip forecasts (the last run's: it replaces every active plan's rows).

    The run judged its stops against the outlook it read; that outlook is not kept. When the outlook
    published now is not newer than the trip forecasts (its last write, in load_audit, or its
    ``as_of``, before their ``computed_at``), it is the one the run read and its last day is the run's
    horizon, exactly. When it was rebuilt since, the horizon is taken as the newest day a published
    located stop has values for: a lower bound, so stops missing values on later days of the run's
    horizon go unseen (the description says so).
    """
    from weather_flick_batch.warehouse import schema

    stops = wh.read_table(schema.trip_forecasts, columns=["located_by", "forecast_date", "tmax_c", "computed_at"])
    if stops.empty:
        return None
    computed = stops["computed_at"].min()
    horizon, note = _run_horizon(wh, computed), ""
    if horizon is _REBUILT:
        with_values = stops.loc[(stops["located_by"] != "none") & stops["tmax_c"].notna(), "forecast_date"]
        horizon = with_values.max() if len(with_values) else None
        note = (f"the outlook was rebuilt after these forecasts: horizon taken as {horizon}, the newest day "
                "with values; later days of the run's horizon are not checked")
    located, without = stops_in_horizon(stops, horizon) if horizon is not None else (0, 0)
    verdicts = trip_forecast_verdicts(len(stops), located, without)
    if note:
        verdicts = {name: replace(v, description=f"{v.description} ({note})") for name, v in verdicts.items()}
    return PublishedCheck(scope(f"published {computed:%Y-%m-%dT%H:%M}, horizon {horizon}", len(stops)),
                          verdicts)


def audit_trip_notices(wh: Warehouse) -> PublishedCheck | None:
    """Every notification row the trip notices wrote (``trip_notices.notification_ids``) that the back end
    still holds: each passed its own run's gate, so all of them are what readers see now."""
    import sqlalchemy as sa

    from weather_flick_batch.warehouse import backend_tables, schema

    notices = wh.read_table(schema.trip_notices, columns=["notification_ids", "notified_at"])
    if notices.empty and not wh.row_count(schema.trip_forecasts):
        return None  # the trip assets never ran (or there was never an active plan)
    ids = sorted({i for value in notices["notification_ids"] for i in str(value or "").split(",") if i})
    table = backend_tables.BACKEND_TABLES["notifications"]
    rows: list[Any] = []
    with wh.engine.connect() as conn:
        for start in range(0, len(ids), _IN_CHUNK):
            rows += conn.execute(sa.select(table.c.title, table.c.message, table.c.priority)
                                 .where(table.c.id.in_(ids[start:start + _IN_CHUNK]))).all()
    out = sum(1 for title, message, priority in rows if exceeds_backend_limits(title, message, priority))
    verdicts = notice_verdicts(len(rows), out)
    newest = f", the newest {notices['notified_at'].max():%Y-%m-%dT%H:%M}" if len(notices) else ""
    label = f"published {len(notices):,} trip notices{newest}; their notifications"
    return PublishedCheck(scope(label, len(rows)), verdicts)


_REBUILT = object()


def _run_horizon(wh: Warehouse, computed) -> Any:
    """The last day of the outlook published now if it is the one the run read, else ``_REBUILT``
    (None: no outlook)."""
    import sqlalchemy as sa

    from weather_flick_batch.warehouse import schema

    outlook, log = schema.weather_daily_outlook, schema.load_audit
    with wh.engine.connect() as conn:
        written = conn.execute(sa.select(sa.func.max(log.c.written_at)).where(log.c.table_name == outlook.name)
                               ).scalar()
        last_day, as_of = conn.execute(sa.select(sa.func.max(outlook.c.forecast_date),
                                                 sa.func.max(outlook.c.as_of))).one()
    if last_day is None:
        return None
    built = written if written is not None else as_of
    return last_day if built <= computed else _REBUILT


PUBLISHED_AUDITS: dict[str, ReAudit] = {
    "trips/trip_forecasts": audit_trip_forecasts,
    "trips/trip_notices": audit_trip_notices,
}

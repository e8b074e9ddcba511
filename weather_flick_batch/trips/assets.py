"""Booked trips: the back end's tables as external assets, trip forecasts and weather-change notices.

The Dagster layer only: reading and rules live in ``itinerary``, ``forecast``, ``changes`` and
``notices``; the one-transaction write in ``store``. docs/trip-notices.md explains the whole path.
"""

import json

import dagster as dg

from weather_flick_batch.checks import PublishAudit, check_result, publishing
from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.resources.warehouse import WarehouseResource
from weather_flick_batch.trips import audits
from weather_flick_batch.trips.resources import TripDeliveryResource
# The warehouse tables (warehouse.schema, built with SQLAlchemy: ~0.2 s to import) are imported by the steps
# that use them, not at code-location load; the UI's column schemas are plain data (warehouse/columns.py).
from weather_flick_batch.warehouse.columns import BACKEND_TABLE_NAMES
from weather_flick_batch.warehouse.metadata import column_schema, markdown_preview
from weather_flick_batch.weather.assets import FOLLOWS_NEW_DATA, follows_new_data_or_changes_in

GROUP = "trips"
BACKEND_OWNER = "team:backend"
OUTLOOK_KEY = dg.AssetKey(["weather", "daily_outlook"])
CELLS_KEY = dg.AssetKey(["destinations", "forecast_cells"])
WARNINGS_KEY = dg.AssetKey(["weather", "warnings"])
FORECASTS_KEY = dg.AssetKey(["trips", "trip_forecasts"])
NOTICES_KEY = dg.AssetKey(["trips", "trip_notices"])

_BACKEND_DESCRIPTIONS = {
    "users": "The back end's users: the batch reads whether an e-mail address is verified.",
    "travel_plans": "The back end's travel plans. The batch reads active plans' itineraries and writes "
                    "weather_info (docs/trip-notices.md).",
    "user_notification_settings": "Per-user notification settings: weather alerts, channels, quiet hours.",
    "user_device_tokens": "FCM device tokens; the batch deactivates tokens FCM reports invalid.",
    "notifications": "The back end's notifications (GET /notifications); trip notices add WEATHER_ALERT rows.",
}

backend_specs = [
    dg.AssetSpec(
        dg.AssetKey(["backend", name]), group_name="backend", description=_BACKEND_DESCRIPTIONS[name],
        owners=[BACKEND_OWNER], kinds={"postgres"},
        metadata={"dagster/column_schema": column_schema(name), "dagster/table_name": name,
                  "owned_by": "the WeatherFlick back end (its migrations create it; embedded: the sample seed)"},
    )
    for name in BACKEND_TABLE_NAMES
]
PLANS_KEY = dg.AssetKey(["backend", "travel_plans"])


@dg.op(description="Embedded warehouse only: sample users and a few hundred plans in the back end's tables, "
                   "once (an empty travel_plans).", tags={"weather_flick/lane": "analytics"})
def seed_sample_trips(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> None:
    from weather_flick_batch.trips import store

    wh = warehouse.get()
    if wh.dialect != "sqlite":
        context.log.info("not the embedded warehouse: the back end's own users and plans are used")
        return
    now = now_kst()
    seeded = store.seed_samples(wh, now.date(), now)
    context.log.info(f"sample trips: {seeded}" if seeded else "sample trips already present")


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            FORECASTS_KEY, group_name=GROUP, deps=[OUTLOOK_KEY, CELLS_KEY, PLANS_KEY, WARNINGS_KEY],
            kinds={"python", "pandas", "sql"},
            automation_condition=follows_new_data_or_changes_in(dg.AssetSelection.assets(WARNINGS_KEY)),
            description=("Per active plan (CONFIRMED or IN_PROGRESS, not ended), remaining day and itinerary place: "
                         "the daily outlook at the place's forecast point (destination cell, coordinates, or the "
                         "province). Also written to travel_plans.weather_info."),
            metadata={"dagster/column_schema": column_schema("trip_forecasts"),
                      "dagster/table_name": "trip_forecasts"}),
        dg.AssetSpec(
            NOTICES_KEY, group_name=GROUP, deps=[FORECASTS_KEY, dg.AssetKey(["backend", "users"]),
                                                 dg.AssetKey(["backend", "user_notification_settings"]),
                                                 dg.AssetKey(["backend", "user_device_tokens"])],
            kinds={"python", "sql"}, automation_condition=FOLLOWS_NEW_DATA,
            description=("Weather-change notices: the forecast's changes since a trip was last told, by the "
                         "previous system's rules, at most one per trip in 24 hours (a database constraint), as "
                         "WEATHER_ALERT rows of the back end's notifications table per allowed channel."),
            metadata={"dagster/column_schema": column_schema("trip_notices"),
                      "dagster/table_name": "trip_notices"}),
    ],
    check_specs=[
        dg.AssetCheckSpec("every_active_stop_forecast", asset=FORECASTS_KEY, blocking=True,
                          description="Every located stop within the outlook's horizon has values."),
        dg.AssetCheckSpec("notices_within_backend_limits", asset=NOTICES_KEY, blocking=True,
                          description="Titles <= 200 and messages <= 1,000 characters, priorities 1-10."),
    ],
    can_subset=False,
)
def trip_notices(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    import pandas as pd

    from weather_flick_batch.warehouse import schema
    from weather_flick_batch.weather_warnings.parsing import warnings_fingerprint
    from weather_flick_batch.trips import batches, store

    wh = warehouse.get()
    store.require_backend_tables(wh)
    now = now_kst()
    today = now.date()
    plans = store.read_plans(wh, today)
    warning_areas = wh.read_table(schema.weather_warning_areas)
    outlook = wh.read_table(schema.weather_daily_outlook, columns=[
        "point_id", "forecast_date", "tmax_c", "tmin_c", "pop_max_pct", "precip_mm", "wind_max_ms", "cloud_pct",
        "simulated"])
    inputs = batches.TripInputs(
        cells=wh.read_table(schema.destination_forecast_cells, columns=["content_id", "point_id", "region_code", "nx",
                                                                          "ny"]),
        points=wh.read_table(schema.forecast_points, columns=["point_id", "nx", "ny", "region_code", "kind"]),
        outlook=outlook, areas=warning_areas,
        sigungu_of=wh.read_table(schema.destinations, columns=["content_id", "sigungu_code"]).set_index(
            "content_id")["sigungu_code"],
        today=today, now=now)
    tally = batches.TripTally(horizon=outlook["forecast_date"].max() if len(outlook) else None)

    def compute(batch_plans, previous):
        # A batch of plans at a time, all written in one transaction: bounded memory, all-or-nothing.
        batch = batches.compute_batch(batch_plans, previous, inputs, lambda ids: store.read_people(wh, ids), tally)
        return batch.current, batch.infos, batch.planned

    def evaluate(_conn):
        # Every batch has been computed and written when this runs (inside the transaction, before the commit).
        stops = audits.trip_forecast_verdicts(tally.stops, tally.located_in_horizon, tally.without_values)
        told = audits.notice_verdicts(tally.notifications, tally.out_of_limits)
        return [*(check_result(name, v, asset_key=FORECASTS_KEY) for name, v in stops.items()),
                *(check_result(name, v, asset_key=NOTICES_KEY) for name, v in told.items())]

    audit = PublishAudit(evaluate)
    with publishing(context, audit):
        published = store.publish_batches(wh, batches.plan_batches(plans, batches.BATCH_PLANS), compute, now,
                                          context.run.run_id,
                                          audit=audit)

    # A warning issued while the trips were being told would otherwise wait for the next change
    # (automation counts this run as having handled it): tell again with what is in force now.
    if warnings_fingerprint(wh.read_table(schema.weather_warning_areas)) != warnings_fingerprint(warning_areas):
        context.log.warning("the warnings in force changed during the run: telling the trips again")
        raise dg.RetryRequested(max_retries=3, seconds_to_wait=1)

    preview = pd.DataFrame(tally.preview)
    yield dg.MaterializeResult(asset_key=FORECASTS_KEY, metadata={
        "dagster/row_count": published.forecast_rows, "active_plans": tally.active_plans,
        "plans_forecast": published.plans_updated, "plans_without_places": tally.plans_without_places,
        "located_by": tally.as_json(), "simulated": tally.simulated,
        "batches": -(-len(plans) // batches.BATCH_PLANS) if len(plans) else 0,
    })
    yield dg.MaterializeResult(asset_key=NOTICES_KEY, metadata={
        "dagster/row_count": published.notices, "plans_with_changes": tally.plans_with_changes,
        "notifications_written": published.notifications, "by_channel": json.dumps(published.by_channel),
        "by_severity": json.dumps(dict(tally.severities)), "held_by_24h_rule": len(published.held_by_24h_rule),
        "preview": dg.MetadataValue.md(markdown_preview(preview, rows=10) if len(preview) else "no notices"),
    })
    for result in audit.results:
        yield result


@dg.op(description="Send the due EMAIL and PUSH trip notices (SMTP, FCM HTTP v1), each at most once; "
                   "transient failures retried later with backoff, invalid device tokens deactivated.",
       tags={"weather_flick/network": "true"})
def deliver_trip_notices(context: dg.OpExecutionContext, warehouse: WarehouseResource,
                         trip_delivery: TripDeliveryResource) -> None:
    from weather_flick_batch.trips import delivery, store

    wh = warehouse.get()
    store.require_backend_tables(wh)
    outcome = delivery.deliver(wh, trip_delivery.senders(), now_kst(), context.run.run_id,
                               retry_base_s=trip_delivery.retry_base_s)
    context.log_event(dg.AssetObservation(asset_key=dg.AssetKey(["backend", "notifications"]), metadata={
        "sent": outcome.sent, "retry_scheduled": outcome.retried, "failed": outcome.failed,
        "tokens_deactivated": outcome.tokens_deactivated, "abandoned_claims": outcome.abandoned_claims,
        "waiting_without_sender": json.dumps(outcome.no_sender),
    }))
    for line in outcome.errors[:20]:
        context.log.warning(line)
    if outcome.no_sender:
        context.log.info(f"channels without a sender configured, rows left PENDING: {outcome.no_sender}")

"""The trips domain's definitions: trip forecasts and notices three times a day and after new forecasts."""

import dagster as dg

from weather_flick_batch.core.timeutil import KST_NAME
from weather_flick_batch.policies import LANE_TAGS
from weather_flick_batch.resources.warehouse import WarehouseResource
from weather_flick_batch.schedules_policy import default_schedule_status, default_sensor_status
from weather_flick_batch.trips import assets

trip_notices_job = dg.define_asset_job(
    "trip_notices_job", selection=dg.AssetSelection.groups(assets.GROUP), tags=LANE_TAGS["analytics"],
    description="Trip forecasts of every active plan and the weather-change notices they call for.",
)



@dg.job(name="seed_sample_trips_job", tags=LANE_TAGS["analytics"],
        description="Embedded warehouse only: sample users and plans in the back end's tables (make run does it once).")
def seed_sample_trips_job():
    assets.seed_sample_trips()


@dg.job(name="trip_notice_delivery_job", tags=LANE_TAGS["analytics"],
        description="Sends the due trip notices by e-mail and push (docs/trip-notices.md).")
def trip_notice_delivery_job():
    assets.deliver_trip_notices()


@dg.sensor(job=trip_notice_delivery_job, minimum_interval_seconds=120, default_status=default_sensor_status(),
           description="Launches a delivery run when trip notices are due (new, past quiet hours, or a retry's time).")
def trip_notice_delivery_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.trips.delivery import due_count

    now = now_kst()
    try:
        due = due_count(warehouse.get(), now)
    except Exception as exc:  # the back end's tables absent, or the database down: say so, launch nothing
        return dg.SkipReason(f"cannot count due trip notices: {str(exc).splitlines()[0][:200]}")
    if not due:
        return dg.SkipReason("no trip notice is due")
    return dg.RunRequest(run_key=f"trip-delivery-{now:%Y%m%d%H%M}", tags={"weather_flick/due": str(due)})


# The previous system's times (previous-system.md); automation also runs the assets after every new
# short-range issuance (recommendations_automation). The 24-hour rule holds across both: it is a
# constraint of trip_notices, not a property of either trigger.
trip_notices_schedule = dg.ScheduleDefinition(
    name="trip_notices_schedule", job=trip_notices_job, cron_schedule="0 9,15,21 * * *",
    execution_timezone=KST_NAME, default_status=default_schedule_status(),
    description="Trip forecasts and notices at 09:00, 15:00 and 21:00 KST.",
)

defs = dg.Definitions(
    assets=[*assets.backend_specs, assets.trip_notices],
    jobs=[trip_notices_job, seed_sample_trips_job, trip_notice_delivery_job],
    schedules=[trip_notices_schedule],
    sensors=[trip_notice_delivery_sensor],
)

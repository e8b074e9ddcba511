"""Whether schedules and sensors run by default: yes in production, no in local dev (a setting)."""

import dagster as dg

from weather_flick_batch import settings


def default_schedule_status() -> dg.DefaultScheduleStatus:
    production = settings.get("WEATHER_FLICK_ENVIRONMENT") == "production"
    return dg.DefaultScheduleStatus.RUNNING if production else dg.DefaultScheduleStatus.STOPPED


def default_sensor_status() -> dg.DefaultSensorStatus:
    production = settings.get("WEATHER_FLICK_ENVIRONMENT") == "production"
    return dg.DefaultSensorStatus.RUNNING if production else dg.DefaultSensorStatus.STOPPED

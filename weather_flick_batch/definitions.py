"""The code location: every domain's definitions merged, cross-domain jobs, resources, policies.

Each domain folder exposes ``defs`` (assets, checks, jobs, schedules, sensors) and builds its own
resources from settings (its resources.py); this module is the one place where domains, resources,
cross-domain jobs and the global policies are wired together. Import is kept light (no network, no database, no heavy work)
so the location loads fast.
"""

import gc
import os
import warnings
from collections.abc import Mapping
from typing import Any

import dagster as dg

from weather_flick_batch import settings

# Dagster 1.13 re-creates every sensor with an `owners` argument when it attaches resources to jobs
# (SensorDefinition.with_updated_jobs), warning on every load though no sensor of ours sets owners:
# a warning each `make run` and `make dev` user would have to learn to ignore.
warnings.filterwarnings("ignore", message=r"Parameter `owners` of initializer `SensorDefinition.__init__`",
                        category=dg.BetaWarning)

# Every process that loads the code location (webserver, daemon, code server, Celery worker) reads
# the same .env first, before any setting is read (WEATHER_FLICK_ENV_FILE, docs/migration.md).
settings.load_env_file()

# What a process has loaded so far (Dagster's modules, hundreds of thousands of objects) lives as long as
# the process: frozen into the collector's permanent generation, it is never scanned again, neither by
# the collections building the definitions set off nor at exit (gc.freeze, CPython's advice for
# processes that load once and then serve or fork). Frozen again once the definitions are built, below.
# Most of the location load's CPU beyond `import dagster` was these scans (benchmarks/bench_load_time.py).
gc.freeze()

from weather_flick_batch.air_quality.definitions import defs as air_quality_defs  # noqa: E402
from weather_flick_batch.analytics.definitions import defs as analytics_defs  # noqa: E402
from weather_flick_batch.destinations import assets as destination_assets  # noqa: E402
from weather_flick_batch.destinations.definitions import defs as destination_defs  # noqa: E402
from weather_flick_batch.execution import build_executor  # noqa: E402
from weather_flick_batch.health.definitions import defs as health_defs  # noqa: E402
from weather_flick_batch.health.checks import without_freshness  # noqa: E402
from weather_flick_batch.maintenance.definitions import defs as maintenance_defs  # noqa: E402
from weather_flick_batch.policies import LANE_TAGS, apply_global_policies  # noqa: E402
from weather_flick_batch.published_checks import (  # noqa: E402
    build_audit_job,
    build_standalone_checks_job,
    publication_checks,
    standalone_checks,
)
from weather_flick_batch.recommendations import assets as recommendation_assets  # noqa: E402
from weather_flick_batch.recommendations.definitions import defs as recommendation_defs  # noqa: E402
from weather_flick_batch.regions.definitions import defs as region_defs  # noqa: E402
from weather_flick_batch.air_quality.resources import build_airkorea_resource  # noqa: E402
from weather_flick_batch.destinations.resources import build_kto_resource  # noqa: E402
from weather_flick_batch.health.resources import build_health_resources  # noqa: E402
from weather_flick_batch.resources import build_platform_resources  # noqa: E402
from weather_flick_batch.trips.resources import build_trip_delivery_resource  # noqa: E402
from weather_flick_batch.weather.resources import build_kma_resource  # noqa: E402
from weather_flick_batch.trips.definitions import defs as trip_defs  # noqa: E402
from weather_flick_batch.weather import assets as weather_assets  # noqa: E402
from weather_flick_batch.weather.definitions import defs as weather_defs  # noqa: E402
from weather_flick_batch.weather_warnings import assets as warning_assets  # noqa: E402
from weather_flick_batch.weather_warnings.definitions import defs as warning_defs  # noqa: E402

# Reference data the catalogue sync depends on.
refresh_reference_job = dg.define_asset_job(
    name="refresh_reference",
    selection=dg.AssetSelection.assets("regions", destination_assets.DISTRICTS_KEY, warning_assets.ZONES_KEY),
    tags=LANE_TAGS["sync"],
    description="Regions, districts and the weather-warning zones, with their checks.",
)

# What follows a catalogue sync: festivals, each destination's cell, and the forecast points.
refresh_catalogue_derived_job = dg.define_asset_job(
    name="refresh_catalogue_derived",
    selection=dg.AssetSelection.assets(destination_assets.FESTIVALS_KEY, destination_assets.CELLS_KEY,
                                       destination_assets.PET_TOUR_KEY, weather_assets.POINTS_KEY)
    | dg.AssetSelection.checks(destination_assets.catalogue_sync_fresh),
    tags=LANE_TAGS["sync"],
    description="Festivals, pet-travel details, destination forecast cells and forecast points, with their checks.",
)

# Everything derived from the newest forecasts: the daily outlook, scores and top lists.
refresh_derived_job = dg.define_asset_job(
    name="refresh_derived",
    # their freshness is judged between runs (health/checks.py)
    selection=without_freshness(dg.AssetSelection.assets(weather_assets.OUTLOOK_KEY, recommendation_assets.SCORES_KEY,
                                                         recommendation_assets.TOP_KEY)),
    tags=LANE_TAGS["analytics"],
    description="Assets derived from the newest forecasts, with their checks.",
)

DOMAINS = [region_defs, destination_defs, weather_defs, warning_defs, air_quality_defs, recommendation_defs,
           analytics_defs, trip_defs, health_defs, maintenance_defs]


# Every asset check against the warehouse as it stands (make checks; published_checks.py).
audit_published_data_job = build_audit_job(publication_checks(DOMAINS))
standalone_asset_checks_job = build_standalone_checks_job(standalone_checks(DOMAINS))


def build_resources(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every resource, from settings (embedded defaults unless the environment says otherwise): the
    platform's shared ones and each domain's, each built by its own module."""
    env = os.environ if environ is None else environ
    settings.validate_all(env)  # every bad setting fails the load in one line, before anything is built
    return {
        **build_platform_resources(env),
        "kma": build_kma_resource(env),
        "kto": build_kto_resource(env),
        "airkorea": build_airkorea_resource(env),
        "trip_delivery": build_trip_delivery_resource(env),
        **build_health_resources(env),  # "health" and "alerts"
    }


def build_definitions() -> dg.Definitions:
    defs = dg.Definitions.merge(
        *DOMAINS,
        dg.Definitions(
            jobs=[refresh_reference_job, refresh_catalogue_derived_job, refresh_derived_job,
                  audit_published_data_job, standalone_asset_checks_job],
            resources=build_resources(),
            # WEATHER_FLICK_EXECUTOR: in_process (default), multiprocess or celery (see docs/topology.md)
            executor=build_executor(),
        ),
    )
    return apply_global_policies(defs)


defs = build_definitions()
gc.freeze()

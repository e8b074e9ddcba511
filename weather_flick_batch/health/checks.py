"""The freshness checks on the weather, destination, recommendation and backup assets.

They are judged between runs, by ``freshness_checks_sensor`` (health/sensors.py) and the standalone checks job
(``make checks``), never inside the run that materializes the asset: there they would pass by construction
(the asset was just written), or warn about another partition than the one the run loaded, at the price of
one more step in every run (23 steps of a full refresh; every short-range issuance's). Jobs that materialize
these assets select :func:`without_freshness`.
"""

import warnings
from datetime import timedelta

import dagster as dg

from weather_flick_batch.core.timeutil import KST_NAME
from weather_flick_batch.destinations.assets import CATALOGUE_KEY
from weather_flick_batch.maintenance.ops import BACKUP_KEY
from weather_flick_batch.recommendations.assets import SCORES_KEY, TOP_KEY
from weather_flick_batch.weather.assets import MID_LAND_KEY, MID_TA_KEY, NOWCAST_KEY, OUTLOOK_KEY, SHORT_RANGE_KEY

# Freshness checks are "superseded" by FreshnessPolicy in 1.12+, but the policy evaluator is
# asset-level: it cannot say "the 08:00 issuance has not arrived" for an issuance-partitioned asset,
# and in open source it produces no check evaluation for the alert sensor to read. The checks do
# both, and need no change to the weather and destination domains' asset definitions.
#
# Severity WARN in Dagster on purpose: in a fresh instance (CI's whole-graph run) only the newest
# issuance exists, so for the first hour after each publication the time-partition check expects
# a partition that was never loaded there. The alert sensor treats any failed freshness check as
# an ERROR-level alert regardless (a stale asset is an incident), so nothing is lost by it.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", category=dg.SupersessionWarning)
    FRESHNESS_CHECKS: list[dg.AssetChecksDefinition] = [
        # Each short-range issuance (base 02, 05, ..., 23 h) is published ~10 min after its base and
        # fetched at +15 min: by base + 1 h its partition must be there.
        *dg.build_time_partition_freshness_checks(
            assets=[SHORT_RANGE_KEY], deadline_cron="0 0,3,6,9,12,15,18,21 * * *", timezone=KST_NAME,
            severity=dg.AssetCheckSeverity.WARN),
        # Medium range (06 and 18 h) is fetched at +40 min: by +1 h 30 min.
        *dg.build_time_partition_freshness_checks(
            assets=[MID_LAND_KEY, MID_TA_KEY], deadline_cron="30 7,19 * * *", timezone=KST_NAME,
            severity=dg.AssetCheckSeverity.WARN),
        # Nowcast is fetched hourly at :50; two hours without one means at least one hour is lost.
        *dg.build_last_update_freshness_checks(
            assets=[NOWCAST_KEY], lower_bound_delta=timedelta(hours=2), timezone=KST_NAME,
            severity=dg.AssetCheckSeverity.WARN),
        # The outlook follows the forecasts (every 3 h): rebuilt at least every 6 h.
        *dg.build_last_update_freshness_checks(
            assets=[OUTLOOK_KEY], lower_bound_delta=timedelta(hours=6), timezone=KST_NAME,
            severity=dg.AssetCheckSeverity.WARN),
        # Scores and top lists follow the outlook through automation: rebuilt at least every 6 h too
        # (the service's recommendations are what a traveller sees first).
        *dg.build_last_update_freshness_checks(
            assets=[SCORES_KEY, TOP_KEY], lower_bound_delta=timedelta(hours=6), timezone=KST_NAME,
            severity=dg.AssetCheckSeverity.WARN),
        # The warehouse backup runs daily at 02:00 KST; verified and stored by 04:00, or the last one is too old.
        *dg.build_last_update_freshness_checks(
            assets=[BACKUP_KEY], deadline_cron="0 4 * * *", lower_bound_delta=timedelta(hours=2),
            timezone=KST_NAME, severity=dg.AssetCheckSeverity.WARN),
        # The catalogue syncs daily at 03:00 KST: by 06:00 some province must have synced since 03:00.
        *dg.build_last_update_freshness_checks(
            assets=[CATALOGUE_KEY], deadline_cron="0 6 * * *", lower_bound_delta=timedelta(hours=3),
            timezone=KST_NAME, severity=dg.AssetCheckSeverity.WARN),
    ]

#: Metadata key Dagster's freshness checks write on every evaluation (how the alert sensor tells them apart).
FRESHNESS_PARAMS_METADATA_KEY = "dagster/freshness_params"


def without_freshness(selection) -> dg.AssetSelection:
    """``selection`` (anything ``define_asset_job`` takes) without the freshness checks (see the module)."""
    return dg.AssetSelection.from_coercible(selection) - dg.AssetSelection.checks(*FRESHNESS_CHECKS)

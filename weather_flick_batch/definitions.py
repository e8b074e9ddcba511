"""The code location: every domain's assets, checks, jobs, schedules and sensors, plus resources.

Import is kept light (no network, no database, no heavy work) so the location loads fast.
"""

from __future__ import annotations

import dagster as dg

from weather_flick_batch.policies import apply_global_policies
from weather_flick_batch.regions import assets as region_assets
from weather_flick_batch.regions import checks as region_checks
from weather_flick_batch.resources import build_resources

# The whole graph, once: what `make run` and the CI asset-check run materialize.
refresh_everything_job = dg.define_asset_job(
    name="refresh_everything",
    selection=dg.AssetSelection.all(),
    description="Materialize every unpartitioned asset with its checks.",
)


def build_definitions() -> dg.Definitions:
    defs = dg.Definitions(
        assets=dg.load_assets_from_modules([region_assets]),
        asset_checks=dg.load_asset_checks_from_modules([region_checks]),
        jobs=[refresh_everything_job],
        resources=build_resources(),
    )
    return apply_global_policies(defs)


defs = build_definitions()

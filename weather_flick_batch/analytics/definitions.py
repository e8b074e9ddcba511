"""The analytics domain's definitions: its assets and the job that refreshes them all.

They run daily at 06:00 KST through declarative automation (recommendations_automation, which
also drives the scores they read), or on demand with refresh_analytics.
"""

import dagster as dg

from weather_flick_batch.analytics import assets
from weather_flick_batch.policies import LANE_TAGS

refresh_analytics_job = dg.define_asset_job(
    "refresh_analytics", selection=dg.AssetSelection.groups("analytics"), tags=LANE_TAGS["analytics"],
    description="Every daily analytics table, with its checks.",
)

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([assets]),
    jobs=[refresh_analytics_job],
)

"""Platform health: probes graded against thresholds, and alerts delivered to people.

Dagster-free: the asset checks, the metrics job and the alert sensors wrap this package.

* :mod:`weather_flick_batch.health.probes` -- host (psutil), warehouse, Redis, external APIs and the
  platform's own runs, each a :class:`~weather_flick_batch.health.probes.ProbeResult` graded ok/warn/error
  against :class:`~weather_flick_batch.health.probes.Thresholds` (settings ``WEATHER_FLICK_HEALTH_*``).
* :mod:`weather_flick_batch.health.alerts` -- :class:`~weather_flick_batch.health.alerts.Alert`,
  channels (Slack, e-mail, SMS through SNS, log), routing by severity, cooldowns and hourly caps shared
  in Redis, and "ok again" notices.
"""

from weather_flick_batch.health.alerts import (
    ALERT_SETTINGS,
    Alert,
    AlertDeliveryError,
    AlertDispatcher,
    DispatchReport,
    EmailChannel,
    InMemoryRateLimiter,
    LogChannel,
    RateLimiter,
    RedisRateLimiter,
    Router,
    SlackChannel,
    SnsSmsChannel,
    log_only_dispatcher,
    scrub_secrets,
    ui_asset_link,
    ui_check_link,
    ui_run_link,
)
from weather_flick_batch.health.probes import (
    THRESHOLD_SETTINGS,
    HealthSettingsError,
    ProbeResult,
    Thresholds,
    classify,
    probe_http_api,
    probe_redis,
    probe_runs,
    probe_system,
    probe_warehouse,
    worst_status,
)

__all__ = [
    "ALERT_SETTINGS",
    "Alert",
    "AlertDeliveryError",
    "AlertDispatcher",
    "DispatchReport",
    "EmailChannel",
    "InMemoryRateLimiter",
    "LogChannel",
    "RateLimiter",
    "RedisRateLimiter",
    "Router",
    "SlackChannel",
    "SnsSmsChannel",
    "log_only_dispatcher",
    "scrub_secrets",
    "ui_asset_link",
    "ui_check_link",
    "ui_run_link",
    "THRESHOLD_SETTINGS",
    "HealthSettingsError",
    "ProbeResult",
    "Thresholds",
    "classify",
    "probe_http_api",
    "probe_redis",
    "probe_runs",
    "probe_system",
    "probe_warehouse",
    "worst_status",
]

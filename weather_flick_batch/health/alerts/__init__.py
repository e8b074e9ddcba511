"""Alerts: messages, delivery channels, routing by severity, cooldowns and recovery notices.

Dagster-free on purpose: the run-failure, check-evaluation and freshness sensors build an
:class:`Alert` and hand it to :meth:`AlertDispatcher.dispatch`; everything else lives here and is
tested against real servers (a Slack-like HTTP server, aiosmtpd, moto_server for SNS, Redis).

How a message travels, and why:

1. **Scrubbing.** Every text field of the alert goes through the caller's ``redact`` callable
   and then :func:`scrub_secrets` (values of ``serviceKey``/``authKey``/``token``/``password``/
   ``key``... query parameters, URL passwords, bearer and Slack tokens, and every configured
   secret in raw and URL-encoded forms, channel credentials included). Channels only ever see the
   scrubbed alert, so no channel can leak what it was not given.
2. **Routing.** :class:`Router` maps each channel to the lowest severity it receives (default:
   log from info, Slack from warning, e-mail from error, SMS only for critical).
3. **Cooldown and hourly cap**, per channel, decided atomically by a :class:`RateLimiter`. With
   :class:`RedisRateLimiter` the decision is one Lua script on the shared Redis, so any number of
   sensor/daemon processes send at most one message per (channel, alert key) per cooldown window
   (default 5 min) and at most ``max_per_hour`` (default 20) per channel in any sliding hour.
4. **Recovery.** A key that was delivered somewhere is remembered as *open* (with the channels
   that got it). Dispatching ``Alert(recovered=True)`` for that key sends one "ok again" message
   to exactly those channels and closes it; for a key never alerted it does nothing, so callers
   may dispatch a recovery on every passing evaluation. Recovery messages bypass the cooldown
   (the all-clear must not wait 5 minutes behind the alarm) but count toward the hourly cap
   (a flapping check must not flood a channel). After an "ok again" the key's cooldown is cleared
   on that channel: a new failure after a recovery is news and is sent at once.
5. **Delivery.** A failing channel is reported and does not stop the others; its cooldown is
   released so the next evaluation retries it.

A limiter that cannot reach Redis fails *open* (the alert is sent, with a warning in the log):
the alert that matters most when Redis is down is the one saying Redis is down.

One module per job; everything importers use is re-exported here:

* :mod:`.message` - :class:`Alert`, severities, subjects, UI links and the one-line rendering.
* :mod:`.scrubbing` - :func:`scrub_secrets`.
* :mod:`.channels` - Slack, e-mail, SMS (SNS) and log channels.
* :mod:`.routing` - :class:`Router`: the minimum severity per channel.
* :mod:`.rate_limits` - cooldowns, hourly caps and open alerts, in Redis or in process memory.
* :mod:`.dispatch` - :class:`AlertDispatcher`, which ties them together.
* :mod:`.config` - :data:`ALERT_SETTINGS`, the environment variables that configure all this.
"""

from __future__ import annotations

from weather_flick_batch.health.alerts.channels import (
    SLACK_COLOURS,
    AlertChannel,
    AlertDeliveryError,
    EmailChannel,
    LogChannel,
    SlackChannel,
    SnsSmsChannel,
)
from weather_flick_batch.health.alerts.config import ALERT_SETTINGS
from weather_flick_batch.health.alerts.dispatch import AlertDispatcher, DispatchReport, Redactor, log_only_dispatcher
from weather_flick_batch.health.alerts.message import (
    SEVERITIES,
    SUBJECT_KINDS,
    Alert,
    Severity,
    SubjectKind,
    ui_asset_link,
    ui_check_link,
    ui_run_link,
)
from weather_flick_batch.health.alerts.rate_limits import (
    COOLDOWN,
    HOURLY_CAP,
    InMemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)
from weather_flick_batch.health.alerts.routing import DEFAULT_ROUTES, Router
from weather_flick_batch.health.alerts.scrubbing import SECRET_QUERY_PARAMS, scrub_secrets

__all__ = [
    "Severity",
    "SEVERITIES",
    "SubjectKind",
    "SUBJECT_KINDS",
    "Alert",
    "AlertDeliveryError",
    "AlertChannel",
    "SLACK_COLOURS",
    "SlackChannel",
    "EmailChannel",
    "SnsSmsChannel",
    "LogChannel",
    "Router",
    "DEFAULT_ROUTES",
    "RateLimiter",
    "RedisRateLimiter",
    "InMemoryRateLimiter",
    "AlertDispatcher",
    "DispatchReport",
    "Redactor",
    "log_only_dispatcher",
    "scrub_secrets",
    "SECRET_QUERY_PARAMS",
    "ui_run_link",
    "ui_asset_link",
    "ui_check_link",
    "ALERT_SETTINGS",
    "COOLDOWN",
    "HOURLY_CAP",
]

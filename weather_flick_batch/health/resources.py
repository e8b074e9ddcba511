"""Resources of the health and alerts domain, built from settings.

* :class:`HealthResource` -- the warning/error thresholds of every probe (``WEATHER_FLICK_HEALTH_*``),
  the volume whose disk use is graded, and the CPU sampling interval. The health asset and the
  guard checks read their limits here, so a threshold is changed by a setting, never in code.
* :class:`AlertsResource` -- channels, routing, cooldown and hourly cap (``WEATHER_FLICK_ALERT_*``).
  It builds an :class:`~weather_flick_batch.health.alerts.AlertDispatcher` per sensor tick: Slack,
  e-mail and SMS only when configured (embedded mode: every channel off, alerts to the log),
  cooldowns in Redis when ``WEATHER_FLICK_REDIS_URL`` is set (shared by every process), in process
  memory otherwise.

Secrets (the Slack token, the SMTP password, and the API keys and warehouse password that only
serve to scrub messages) reach the resource as ``dagster.EnvVar``: their values never enter the
definitions, run config, logs or metadata. ``build_health_resources`` validates every health and
alert setting at load, failing with one line that names the variable.
"""

import logging
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional
from urllib.parse import unquote

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.health.alerts import (
    Alert,
    AlertChannel,
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
)
from weather_flick_batch.health.probes import Thresholds
from weather_flick_batch.resources import secret_env

__all__ = ["HealthResource", "AlertsResource", "build_health_resources"]

_LOG = logging.getLogger("weather_flick_batch.alerts")


# --------------------------------------------------------------------------------------------
# Health thresholds
# --------------------------------------------------------------------------------------------


class HealthResource(dg.ConfigurableResource):
    """Thresholds and host settings of the health probes.

    ``thresholds`` holds :class:`Thresholds` fields by name (``disk_pct_warn``...); a missing field
    keeps the previous system's default. Validation (ranges, warn on the better side of error) is
    :class:`Thresholds`' own, so a bad hand-written config fails as loudly as a bad setting.
    """

    thresholds: dict[str, float] = {}
    disk_path: Optional[str] = None
    cpu_interval_s: float = 0.5

    def get_thresholds(self) -> Thresholds:
        unknown = set(self.thresholds) - set(Thresholds().as_dict())
        if unknown:
            raise ValueError(f"HealthResource.thresholds has unknown fields: {sorted(unknown)}")
        return Thresholds(**{**Thresholds().as_dict(), **self.thresholds})

    def resolved_disk_path(self) -> str:
        """The directory to grade: the setting, else WEATHER_FLICK_HOME; its first existing parent.

        WEATHER_FLICK_HOME is created on demand by whatever writes there first; before that, the
        volume that will hold it is the volume of its nearest existing parent.
        """
        path = Path(self.disk_path or settings.home_dir()).expanduser()
        for candidate in (path, *path.parents):
            if candidate.exists():
                return str(candidate)
        return str(path)  # nothing exists: let the probe report it


# --------------------------------------------------------------------------------------------
# Alerts
# --------------------------------------------------------------------------------------------

# Cooldowns without Redis live in this process. Sensors run in the long-lived code server, which
# builds a fresh resource (and dispatcher) on every tick, so the limiter is kept here, one per
# configuration, or every tick would start with a clean slate and repeat the same alert.
_MEMORY_LIMITERS: dict[tuple[float, int], InMemoryRateLimiter] = {}
_MEMORY_LIMITERS_LOCK = threading.Lock()


def _memory_limiter(cooldown_s: float, max_per_hour: int) -> InMemoryRateLimiter:
    with _MEMORY_LIMITERS_LOCK:
        key = (float(cooldown_s), int(max_per_hour))
        if key not in _MEMORY_LIMITERS:
            _MEMORY_LIMITERS[key] = InMemoryRateLimiter(cooldown_s=cooldown_s, max_per_hour=max_per_hour)
        return _MEMORY_LIMITERS[key]


def _split(text: Optional[str]) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class AlertsResource(dg.ConfigurableResource):
    """Alert channels, routing and rate limits; secrets arrive as EnvVar.

    A channel is on when its settings are complete: Slack with a token and a channel, e-mail with
    a host, a sender and recipients, SMS with phone numbers or an SNS topic. With none on, alerts
    go to the log only, whatever ``routes`` says (embedded mode must never lose an alert).
    """

    ui_base_url: str = "http://127.0.0.1:3000"
    routes: str = "log=info,slack=warning,email=error,sms=critical"
    cooldown_s: float = 300.0
    max_per_hour: int = 20
    redis_url: Optional[str] = None

    slack_token: Optional[str] = None
    slack_channel: Optional[str] = None
    slack_base_url: str = "https://slack.com/api/"

    smtp_host: Optional[str] = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: Optional[str] = None
    smtp_password: Optional[str] = None
    email_from: Optional[str] = None
    email_to: Optional[str] = None

    sms_numbers: Optional[str] = None
    sns_topic_arn: Optional[str] = None
    sns_region: str = "ap-northeast-2"
    sns_endpoint_url: Optional[str] = None

    # Never sent anywhere: removed from every message in raw and URL-encoded form, because step
    # errors and check descriptions can quote an API URL or a connection string.
    kma_api_keys: Optional[str] = None
    kto_api_keys: Optional[str] = None
    warehouse_password: Optional[str] = None

    # -- configuration -------------------------------------------------------------------------
    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_token and self.slack_channel)

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.email_from and _split(self.email_to))

    @property
    def sms_enabled(self) -> bool:
        return bool(_split(self.sms_numbers) or self.sns_topic_arn)

    @property
    def enabled_channels(self) -> list[str]:
        """External channels that are configured (the log is always there)."""
        flags = {"slack": self.slack_enabled, "email": self.email_enabled, "sms": self.sms_enabled}
        return [name for name, on in flags.items() if on]

    def scrub_list(self) -> list[str]:
        """Every secret to remove from messages besides the channels' own credentials."""
        secrets: list[str] = []
        for value in (*_split(self.kma_api_keys), *_split(self.kto_api_keys), self.warehouse_password or ""):
            if value:
                secrets += [value, unquote(value)]  # data.go.kr hands out encoded and decoded keys
        return [s for s in dict.fromkeys(secrets) if s]

    # -- dispatching ---------------------------------------------------------------------------
    def _channels(self, logger: logging.Logger | logging.LoggerAdapter | None) -> dict[str, AlertChannel]:
        channels: dict[str, AlertChannel] = {"log": LogChannel(logger or _LOG)}
        if self.slack_enabled:
            channels["slack"] = SlackChannel(str(self.slack_token), str(self.slack_channel),
                                             base_url=self.slack_base_url)
        if self.email_enabled:
            channels["email"] = EmailChannel(
                host=str(self.smtp_host), port=self.smtp_port, security=self.smtp_security,  # type: ignore[arg-type]
                username=self.smtp_username or None, password=self.smtp_password or None,
                sender=str(self.email_from), recipients=_split(self.email_to),
            )
        if self.sms_enabled:
            import boto3  # local: only configurations with SMS pay for the import

            # Credentials come from the standard AWS chain (environment, profile, instance role).
            client = boto3.client("sns", region_name=self.sns_region, endpoint_url=self.sns_endpoint_url or None)
            channels["sms"] = SnsSmsChannel(client, _split(self.sms_numbers), topic_arn=self.sns_topic_arn or None)
        return channels

    @contextmanager
    def dispatcher(self, logger: logging.Logger | logging.LoggerAdapter | None = None) -> Iterator[AlertDispatcher]:
        """An :class:`AlertDispatcher` for one sensor tick; its Redis connection is closed after."""
        channels = self._channels(logger)
        # Without an external channel the routes are moot: everything goes to the log.
        router = Router.parse(self.routes) if len(channels) > 1 else Router({"log": "info"})
        redis_client: Any = None
        limiter: RateLimiter
        if self.redis_url:
            import redis as redis_lib

            redis_client = redis_lib.Redis.from_url(self.redis_url, socket_timeout=5, socket_connect_timeout=5)
            limiter = RedisRateLimiter(redis_client, cooldown_s=self.cooldown_s, max_per_hour=self.max_per_hour)
        else:
            limiter = _memory_limiter(self.cooldown_s, self.max_per_hour)
        try:
            yield AlertDispatcher(channels, router, limiter, logger=logger or _LOG, secrets=self.scrub_list())
        finally:
            if redis_client is not None:
                redis_client.close()

    def dispatch_all(self, alerts: Sequence[Alert],
                     logger: logging.Logger | logging.LoggerAdapter | None = None) -> list[DispatchReport]:
        """Dispatch ``alerts`` in order through one dispatcher; a report per alert."""
        if not alerts:
            return []
        with self.dispatcher(logger) as dispatcher:
            return [dispatcher.dispatch(alert) for alert in alerts]


# --------------------------------------------------------------------------------------------
# From settings
# --------------------------------------------------------------------------------------------


def _set(name: str, environ: Mapping[str, str]) -> bool:
    return bool(environ.get(name, "").strip())


def _require_together(environ: Mapping[str, str], channel: str, names: Sequence[str]) -> None:
    """A channel half configured is a mistake worth failing the load for, naming what is missing."""
    given = [n for n in names if _set(n, environ)]
    missing = [n for n in names if not _set(n, environ)]
    if given and missing:
        raise settings.SettingsError(
            f"{missing[0]} is empty but {given[0]} is set: {channel} alerts need {', '.join(names)}")


def build_health_resources(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``{"health": HealthResource, "alerts": AlertsResource}`` from the environment.

    Raises ``SettingsError``/``HealthSettingsError`` with one line naming the variable on a bad
    value, so the code location fails at load rather than at the first alert.
    """
    env = os.environ if environ is None else environ
    get = lambda name: settings.get(name, env)  # noqa: E731 - read-only shorthand

    thresholds = Thresholds.from_env(env)
    cpu_interval_s = 0.5
    disk_path = get("WEATHER_FLICK_HEALTH_DISK_PATH") or str(settings.home_dir(env))

    routes = get("WEATHER_FLICK_ALERT_ROUTES")
    try:
        Router.parse(routes)
    except ValueError as exc:
        raise settings.SettingsError(str(exc)) from None
    security = get("WEATHER_FLICK_ALERT_SMTP_SECURITY")
    if security not in ("starttls", "ssl", "none"):
        raise settings.SettingsError(
            f"WEATHER_FLICK_ALERT_SMTP_SECURITY={security!r} is invalid: expected starttls, ssl or none")
    if security == "none" and _set("WEATHER_FLICK_ALERT_SMTP_USERNAME", env):
        raise settings.SettingsError(
            "WEATHER_FLICK_ALERT_SMTP_SECURITY=none with WEATHER_FLICK_ALERT_SMTP_USERNAME set: "
            "a password is never sent without TLS (use starttls or ssl)")
    for name in ("WEATHER_FLICK_ALERT_COOLDOWN_S", "WEATHER_FLICK_ALERT_MAX_PER_HOUR"):
        if get(name) < 0:
            raise settings.SettingsError(f"{name}={get(name)!r} is invalid: expected a number >= 0")
    _require_together(env, "Slack", ["WEATHER_FLICK_ALERT_SLACK_TOKEN", "WEATHER_FLICK_ALERT_SLACK_CHANNEL"])
    _require_together(env, "e-mail", ["WEATHER_FLICK_ALERT_SMTP_HOST", "WEATHER_FLICK_ALERT_EMAIL_FROM",
                                      "WEATHER_FLICK_ALERT_EMAIL_TO"])
    numbers = _split(get("WEATHER_FLICK_ALERT_SMS_NUMBERS"))
    bad = [n for n in numbers if not (n.startswith("+") and n[1:].isdigit() and 7 <= len(n) - 1 <= 15)]
    if bad:
        raise settings.SettingsError(
            f"WEATHER_FLICK_ALERT_SMS_NUMBERS has {len(bad)} number(s) not in E.164 form (+8210...)")

    health = HealthResource(thresholds=thresholds.as_dict(), disk_path=disk_path, cpu_interval_s=cpu_interval_s)
    alerts = AlertsResource(
        ui_base_url=get("WEATHER_FLICK_UI_BASE_URL"),
        routes=routes,
        cooldown_s=get("WEATHER_FLICK_ALERT_COOLDOWN_S"),
        max_per_hour=get("WEATHER_FLICK_ALERT_MAX_PER_HOUR"),
        redis_url=get("WEATHER_FLICK_REDIS_URL"),
        slack_token=secret_env("WEATHER_FLICK_ALERT_SLACK_TOKEN", env),
        slack_channel=get("WEATHER_FLICK_ALERT_SLACK_CHANNEL"),
        slack_base_url=get("WEATHER_FLICK_ALERT_SLACK_BASE_URL"),
        smtp_host=get("WEATHER_FLICK_ALERT_SMTP_HOST"),
        smtp_port=get("WEATHER_FLICK_ALERT_SMTP_PORT"),
        smtp_security=security,
        smtp_username=get("WEATHER_FLICK_ALERT_SMTP_USERNAME"),
        smtp_password=secret_env("WEATHER_FLICK_ALERT_SMTP_PASSWORD", env),
        email_from=get("WEATHER_FLICK_ALERT_EMAIL_FROM"),
        email_to=get("WEATHER_FLICK_ALERT_EMAIL_TO"),
        sms_numbers=get("WEATHER_FLICK_ALERT_SMS_NUMBERS"),
        sns_topic_arn=get("WEATHER_FLICK_ALERT_SNS_TOPIC_ARN"),
        sns_region=get("WEATHER_FLICK_ALERT_SNS_REGION"),
        sns_endpoint_url=get("WEATHER_FLICK_ALERT_SNS_ENDPOINT_URL"),
        kma_api_keys=secret_env("WEATHER_FLICK_KMA_API_KEYS", env),
        kto_api_keys=secret_env("WEATHER_FLICK_KTO_API_KEYS", env),
        warehouse_password=secret_env("WEATHER_FLICK_WAREHOUSE_PASSWORD", env),
    )
    return {"health": health, "alerts": alerts}

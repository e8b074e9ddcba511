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
"""

from __future__ import annotations

import dataclasses
import logging
import re
import smtplib
import ssl
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import quote

from weather_flick_batch.core.smtp import smtp_session
from weather_flick_batch.core.apiclient import redact_text

__all__ = [
    "Severity",
    "SEVERITIES",
    "SubjectKind",
    "SUBJECT_KINDS",
    "Alert",
    "AlertDeliveryError",
    "AlertChannel",
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

Severity = Literal["info", "warning", "error", "critical"]
#: Severities from least to most severe.
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error", "critical")
SubjectKind = Literal["run", "check", "asset", "freshness", "health", "watchdog"]
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("run", "check", "asset", "freshness", "health", "watchdog")

#: Reasons a channel was skipped, as they appear in :attr:`DispatchReport.suppressed`.
COOLDOWN = "cooldown"
HOURLY_CAP = "hourly_cap"

Redactor = Callable[[str], str]

_KIND_LABELS: dict[str, str] = {
    "run": "Run",
    "check": "Check",
    "asset": "Asset",
    "freshness": "Freshness of",
    "health": "Health check",
    "watchdog": "Watchdog",
}
_MAX_WHAT_FAILED = 600  # keeps a message one screen long; details live behind the link


# --------------------------------------------------------------------------------------------
# Scrubbing
# --------------------------------------------------------------------------------------------

#: Query parameters whose values never appear in a message (case-insensitive).
SECRET_QUERY_PARAMS: tuple[str, ...] = (
    "serviceKey", "authKey", "token", "access_token", "password", "passwd", "pwd", "secret",
    "client_secret", "key", "api_key", "apikey", "signature", "X-Amz-Signature", "X-Amz-Credential",
)
# "name=value" or "name%3Dvalue" (a URL embedded, encoded, in another URL), at a parameter boundary or a
# word boundary: "...&serviceKey=abc", "token=abc" in prose. "monkey=1" is left alone (no word
# boundary before "key"); over-redacting a look-alike elsewhere would be harmless anyway.
_QUERY_SECRET_RE = re.compile(
    r"((?:[?&;]|%3F|%26|\b)(?:" + "|".join(re.escape(n) for n in SECRET_QUERY_PARAMS) + r")(?:=|%3D))[^&\s\"'<>#]*",
    re.IGNORECASE,
)
_URL_PASSWORD_RE = re.compile(r"\b([a-z][a-z0-9+.\-]*://[^/\s:@]*:)[^@\s/]+@", re.IGNORECASE)
_BEARER_RE = re.compile(r"\b(Bearer\s+)[A-Za-z0-9._~+/=\-]+", re.IGNORECASE)
_SLACK_TOKEN_RE = re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9\-]+")


def scrub_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove secrets from ``text``: known secret-carrying patterns, then each of ``secrets``.

    Patterns: values of :data:`SECRET_QUERY_PARAMS` query parameters, the password of
    ``scheme://user:password@host`` URLs, ``Bearer`` tokens and Slack tokens (``xoxb-...``).
    ``secrets`` are removed in every raw and URL-encoded spelling. The patterns are a safety net;
    the list of configured secrets is what guarantees a key cannot leak under any spelling.
    """
    if not text:
        return text
    text = _QUERY_SECRET_RE.sub(r"\1***", text)
    text = _URL_PASSWORD_RE.sub(r"\1***@", text)
    text = _BEARER_RE.sub(r"\1***", text)
    text = _SLACK_TOKEN_RE.sub("***", text)
    return redact_text(text, [s for s in secrets if s])


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _exc_line(exc: BaseException) -> str:
    detail = _one_line(str(exc), 200)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


# --------------------------------------------------------------------------------------------
# Alerts and links
# --------------------------------------------------------------------------------------------


def ui_run_link(base_url: str, run_id: str) -> str:
    """Link to a run in the Dagster UI."""
    return f"{base_url.rstrip('/')}/runs/{quote(run_id, safe='')}"


def ui_asset_link(base_url: str, asset_path: Sequence[str]) -> str:
    """Link to an asset in the Dagster UI (``asset_path`` is the asset key's path)."""
    return f"{base_url.rstrip('/')}/assets/{'/'.join(quote(p, safe='') for p in asset_path)}"


def ui_check_link(base_url: str, asset_path: Sequence[str], check_name: str) -> str:
    """Link to an asset check's detail in the Dagster UI (the asset's Checks tab)."""
    return f"{ui_asset_link(base_url, asset_path)}?view=checks&checkDetail={quote(check_name, safe='')}"


@dataclass(frozen=True)
class Alert:
    """One thing an operator must hear about.

    ``key`` identifies the condition across evaluations (e.g. ``check:weather_forecast:fresh``):
    the cooldown and the recovery notice are per key, so it must be stable and must not contain
    a timestamp or a run id unless every run is its own condition (run failures: the job name).
    ``recovered=True`` makes it the "ok again" notice for ``key``.
    """

    key: str
    severity: Severity
    title: str
    what_failed: str
    subject_kind: SubjectKind
    subject_name: str
    link: str
    recovered: bool = False

    def __post_init__(self) -> None:
        if not self.key.strip():
            raise ValueError("Alert.key must not be empty: cooldowns and recovery are tracked per key")
        if self.severity not in SEVERITIES:
            raise ValueError(f"Alert.severity must be one of {SEVERITIES}, got {self.severity!r}")
        if self.subject_kind not in SUBJECT_KINDS:
            raise ValueError(f"Alert.subject_kind must be one of {SUBJECT_KINDS}, got {self.subject_kind!r}")

    @property
    def subject(self) -> str:
        """``"Check weather_forecast/fresh"``: the kind and name of what the alert is about."""
        return f"{_KIND_LABELS[self.subject_kind]} {self.subject_name}"

    def headline(self) -> str:
        """``[ERROR] Check weather_forecast/fresh: forecast is stale`` (``[OK AGAIN] ... (was ERROR)``)."""
        title = _one_line(self.title, 200)
        if self.recovered:
            return f"[OK AGAIN] {self.subject}: {title} (was {self.severity.upper()})"
        return f"[{self.severity.upper()}] {self.subject}: {title}"

    def render_text(self) -> str:
        """One compact line: severity, subject, title, what failed, link.

        ``[ERROR] Check weather_forecast/fresh: forecast is stale - newest issuance 30 h old - http://...``
        ``[OK AGAIN] Check weather_forecast/fresh: forecast is stale (was ERROR) - http://...``
        """
        what = _one_line(self.what_failed, _MAX_WHAT_FAILED)
        parts = [self.headline()]
        if what:
            parts.append(what)
        if self.link:
            parts.append(self.link)
        return " - ".join(parts)


# --------------------------------------------------------------------------------------------
# Channels
# --------------------------------------------------------------------------------------------


class AlertDeliveryError(Exception):
    """A channel could not deliver. One line, naming the channel, never containing a secret."""


@runtime_checkable
class AlertChannel(Protocol):
    """Delivers an already scrubbed alert; ``text`` is its rendered one-line form."""

    def send(self, alert: Alert, text: str) -> None: ...


#: Attachment colours by level, as the previous system had them (Slack's own names where they exist).
SLACK_COLOURS: dict[str, str] = {
    "info": "#439FE0",
    "warning": "warning",
    "error": "danger",
    "critical": "#8B0000",
    "recovered": "good",
}


class SlackChannel:
    """Slack ``chat.postMessage`` through dagster-slack's ``SlackResource`` client, one coloured attachment per alert.

    ``base_url`` is configurable for Slack-compatible servers and tests (default the Slack Web API).
    """

    def __init__(
        self,
        token: str,
        channel: str,
        base_url: str = "https://slack.com/api/",
        *,
        timeout_s: float = 10.0,
    ) -> None:
        # Through dagster-slack's resource (the design's Slack integration; it holds the token and
        # builds the slack_sdk client), local: only production configurations pay for the import.
        from dagster_slack import SlackResource

        if not token:
            raise ValueError("SlackChannel needs a bot token")
        if not channel:
            raise ValueError("SlackChannel needs a channel")
        self._token = token
        self.channel = channel
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._client = SlackResource(token=token).get_client()
        # slack_sdk joins base_url and the method name, so the trailing slash matters; SlackResource has no
        # setting for either (Slack-compatible servers and the tests' local Slack need the URL).
        self._client.base_url = self.base_url
        self._client.timeout = int(max(1, timeout_s))

    @property
    def secrets(self) -> tuple[str, ...]:
        """Credentials the dispatcher must scrub from every message (on every channel)."""
        return (self._token,)

    def send(self, alert: Alert, text: str) -> None:
        from slack_sdk.errors import SlackApiError

        colour = SLACK_COLOURS["recovered" if alert.recovered else alert.severity]
        # The top-level text is the notification line (severity, subject, title); the coloured
        # attachment carries what failed and the link; the fallback is the whole one-line form.
        attachment: dict[str, Any] = {
            "color": colour,
            "fallback": text,
            "title": alert.subject,  # linked to the UI page of the run, check or asset
            "text": _one_line(alert.what_failed, _MAX_WHAT_FAILED),
            "fields": [
                {"title": "Severity", "value": f"ok again (was {alert.severity})" if alert.recovered else alert.severity,
                 "short": True},
            ],
        }
        if alert.link:
            attachment["title_link"] = alert.link
        try:
            self._client.chat_postMessage(channel=self.channel, text=alert.headline(), attachments=[attachment])
        except SlackApiError as exc:
            code = exc.response.get("error") if exc.response is not None else None
            code = _one_line(str(code), 80) if code else None  # non-JSON answers come back as prose
            status = getattr(exc.response, "status_code", None)
            raise AlertDeliveryError(
                f"slack: chat.postMessage failed ({code or 'no error code'}, HTTP {status})"
            ) from None
        except Exception as exc:  # noqa: BLE001 - transport errors of every kind end up here
            raise AlertDeliveryError(
                f"slack: chat.postMessage failed: {scrub_secrets(_exc_line(exc), self.secrets)}"
            ) from None


class EmailChannel:
    """E-mail through SMTP: ``security`` is ``"starttls"`` (port 587), ``"ssl"`` (465) or ``"none"``.

    The server certificate is verified (``ssl_context`` defaults to the system trust store; give
    a context trusting a private CA for an internal relay). Credentials are sent only over TLS:
    a username with ``security="none"`` is refused at construction.
    """

    def __init__(
        self,
        host: str,
        port: int,
        security: Literal["starttls", "ssl", "none"],
        username: str | None,
        password: str | None,
        sender: str,
        recipients: Sequence[str],
        timeout: float = 10.0,
        *,
        ssl_context: ssl.SSLContext | None = None,
        subject_prefix: str = "[WeatherFlick]",
    ) -> None:
        if security not in ("starttls", "ssl", "none"):
            raise ValueError(f"EmailChannel security must be 'starttls', 'ssl' or 'none', got {security!r}")
        if username and security == "none":
            raise ValueError("EmailChannel refuses to send a password without TLS: use security='starttls' or 'ssl'")
        if not recipients:
            raise ValueError("EmailChannel needs at least one recipient")
        if not sender:
            raise ValueError("EmailChannel needs a sender address")
        self.host, self.port, self.security = host, int(port), security
        self._username, self._password = username or None, password or None
        self.sender, self.recipients, self.timeout = sender, list(recipients), float(timeout)
        self._ssl_context = ssl_context
        self.subject_prefix = subject_prefix

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._password,) if self._password else ()

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def build_message(self, alert: Alert, text: str) -> EmailMessage:
        """The e-mail for ``alert``: the one-line form as subject and first line, details below."""
        msg = EmailMessage()
        label = "OK AGAIN" if alert.recovered else alert.severity.upper()
        msg["Subject"] = _one_line(f"{self.subject_prefix} {label}: {alert.subject}: {alert.title}", 200)
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = make_msgid(domain="weather-flick-batch")
        msg["X-WeatherFlick-Alert-Key"] = _one_line(alert.key, 200)
        body = [
            text,
            "",
            f"Subject:  {alert.subject}",
            f"Severity: {'ok again (was ' + alert.severity + ')' if alert.recovered else alert.severity}",
            f"What:     {alert.what_failed}",
            f"Link:     {alert.link}",
        ]
        msg.set_content("\n".join(body) + "\n")
        return msg

    def send(self, alert: Alert, text: str) -> None:
        message = self.build_message(alert, text)
        try:
            with smtp_session(self.host, self.port, self.security, self.timeout, username=self._username,
                              password=self._password, context=self._context()) as smtp:
                refused = smtp.send_message(message, from_addr=self.sender, to_addrs=self.recipients)
        except smtplib.SMTPResponseException as exc:
            # Server replies never echo the password, but they can quote a user name: scrub anyway.
            detail = scrub_secrets(_one_line(exc.smtp_error.decode("utf-8", "replace") if isinstance(
                exc.smtp_error, bytes) else str(exc.smtp_error), 120), self.secrets)
            raise AlertDeliveryError(
                f"email: {type(exc).__name__} {exc.smtp_code} from {self.host}:{self.port}: {detail}"
            ) from None
        except Exception as exc:  # noqa: BLE001 - socket, TLS and protocol errors alike
            raise AlertDeliveryError(
                f"email: {scrub_secrets(_exc_line(exc), self.secrets)} ({self.host}:{self.port}, {self.security})"
            ) from None
        if refused:
            raise AlertDeliveryError(f"email: {len(refused)} of {len(self.recipients)} recipients refused")


class SnsSmsChannel:
    """SMS through AWS SNS: a direct publish to each phone number, or one publish to a topic.

    ``sns_client`` is a boto3 SNS client (the resource builds it; tests point it at moto). SMS are
    marked Transactional (delivered even to numbers that opted out of promotional messages) and
    truncated to ``max_chars``: an SMS says what and where to look, the link says the rest.
    """

    def __init__(
        self,
        sns_client: Any,
        phone_numbers: Sequence[str] = (),
        topic_arn: str | None = None,
        *,
        sender_id: str | None = None,
        max_chars: int = 480,
    ) -> None:
        if not phone_numbers and not topic_arn:
            raise ValueError("SnsSmsChannel needs phone numbers or a topic ARN")
        bad = [n for n in phone_numbers if not re.fullmatch(r"\+[1-9]\d{6,14}", n)]
        if bad:
            raise ValueError(f"SnsSmsChannel phone numbers must be E.164 (+8210...): {len(bad)} are not")
        self._client = sns_client
        self.phone_numbers = list(phone_numbers)
        self.topic_arn = topic_arn
        self.sender_id = sender_id
        self.max_chars = max_chars

    def _sms_text(self, text: str) -> str:
        return text if len(text) <= self.max_chars else text[: self.max_chars - 1] + "…"

    def send(self, alert: Alert, text: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        body = self._sms_text(text)
        attributes: dict[str, Any] = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if self.sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": self.sender_id}
        targets: list[dict[str, Any]] = [{"PhoneNumber": n} for n in self.phone_numbers]
        if self.topic_arn:
            # SNS subjects must be ASCII without line breaks, under 100 characters.
            subject = f"WeatherFlick {'OK AGAIN' if alert.recovered else alert.severity.upper()}: {alert.subject}"
            subject = subject.encode("ascii", "ignore").decode("ascii")[:99]
            targets.append({"TopicArn": self.topic_arn, "Subject": subject})
        errors: list[str] = []
        for target in targets:
            try:
                self._client.publish(Message=body, MessageAttributes=attributes, **target)
            except ClientError as exc:
                errors.append(str(exc.response.get("Error", {}).get("Code", "ClientError")))
            except (BotoCoreError, OSError) as exc:
                # BotoCoreError messages quote the endpoint, never credentials; keep only the type.
                errors.append(type(exc).__name__)
        if errors:
            raise AlertDeliveryError(
                f"sms: {len(errors)} of {len(targets)} SNS publishes failed ({', '.join(sorted(set(errors)))})"
            )


class LogChannel:
    """Writes the alert to a logger: the only channel in embedded mode."""

    _LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR,
               "critical": logging.CRITICAL}

    def __init__(self, logger: logging.Logger | logging.LoggerAdapter | None = None) -> None:
        self.logger = logger or logging.getLogger("weather_flick_batch.alerts")

    def send(self, alert: Alert, text: str) -> None:
        level = logging.INFO if alert.recovered else self._LEVELS[alert.severity]
        self.logger.log(level, "ALERT %s", text)


# --------------------------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------------------------

#: Default minimum severity per channel: SMS wakes people up, so only for critical.
DEFAULT_ROUTES: dict[str, Severity] = {"log": "info", "slack": "warning", "email": "error", "sms": "critical"}


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity)  # type: ignore[arg-type]


class Router:
    """Which channels receive an alert of a given severity: each channel's minimum severity."""

    def __init__(self, rules: Mapping[str, Severity] | None = None) -> None:
        rules = dict(DEFAULT_ROUTES if rules is None else rules)
        for channel, minimum in rules.items():
            if minimum not in SEVERITIES:
                raise ValueError(f"route {channel}={minimum!r}: severity must be one of {', '.join(SEVERITIES)}")
        self.rules: dict[str, Severity] = rules

    @classmethod
    def parse(cls, text: str, setting: str = "WEATHER_FLICK_ALERT_ROUTES") -> Router:
        """Parse ``"log=info,slack=warning,email=error,sms=critical"``; empty -> the defaults.

        Raises ``ValueError`` with one line naming ``setting`` on a malformed value.
        """
        if not text or not text.strip():
            return cls()
        rules: dict[str, Severity] = {}
        for item in text.split(","):
            if not item.strip():
                continue
            channel, sep, minimum = item.partition("=")
            channel, minimum = channel.strip().lower(), minimum.strip().lower()
            if not sep or not channel or minimum not in SEVERITIES:
                raise ValueError(
                    f"{setting}={text!r} is invalid: expected channel=severity pairs separated by commas, "
                    f"severity one of {', '.join(SEVERITIES)}"
                )
            rules[channel] = minimum  # type: ignore[assignment]
        return cls(rules)

    def channels_for(self, severity: Severity) -> list[str]:
        """Channels whose minimum severity is at or below ``severity``, in rule order."""
        return [channel for channel, minimum in self.rules.items() if _rank(severity) >= _rank(minimum)]


# --------------------------------------------------------------------------------------------
# Cooldown, hourly cap and open alerts
# --------------------------------------------------------------------------------------------


@runtime_checkable
class RateLimiter(Protocol):
    """Decides, atomically, whether one channel may send one alert now, and tracks open alerts."""

    def acquire(self, channel: str, key: str, *, recovery: bool = False) -> str | None:
        """Claim a send: ``None`` if allowed (and counted), else the reason (COOLDOWN, HOURLY_CAP).

        ``recovery=True`` skips the cooldown (and does not start one) but counts toward the cap.
        """
        ...

    def reset_cooldown(self, channel: str, key: str) -> None:
        """Forget the cooldown of ``key`` on ``channel`` (after a failed send or a recovery)."""
        ...

    def mark_open(self, key: str, channel: str, severity: Severity) -> None:
        """Remember that ``channel`` was told about ``key`` at ``severity``."""
        ...

    def take_open(self, key: str) -> dict[str, Severity]:
        """Atomically return and forget the channels told about ``key`` (empty if none)."""
        ...


# KEYS[1] cooldown marker of (channel, key); KEYS[2] sorted set of this channel's sends in the window.
# ARGV: cooldown ms, max per window, unique member, "1" to bypass the cooldown, window ms.
# One script = one atomic decision on the server, whatever the number of processes. The server's
# clock is used so processes with skewed clocks still share one window.
_ACQUIRE_LUA = """
local bypass = ARGV[4] == '1'
if (not bypass) and redis.call('EXISTS', KEYS[1]) == 1 then
  return 'cooldown'
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then
  return 'hourly_cap'
end
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('PEXPIRE', KEYS[2], window)
if (not bypass) and tonumber(ARGV[1]) > 0 then
  redis.call('SET', KEYS[1], now, 'PX', ARGV[1])
end
return 'ok'
"""


class RedisRateLimiter:
    """Cooldown per (channel, alert key) and a sliding-hour cap per channel, in a shared Redis.

    Keys (``prefix`` default ``wfb:alerts:``): ``{channel}:cd:<alert key>`` (a marker expiring
    after the cooldown), ``{channel}:sent`` (sorted set of send times in the last hour) and
    ``open:<alert key>`` (hash channel -> severity, expiring after ``open_ttl_s`` so a condition
    that disappears without recovering does not stay open forever). The ``{channel}`` hash tag
    keeps one decision's keys in one slot on a Redis Cluster.
    """

    def __init__(
        self,
        redis_client: Any,
        cooldown_s: float = 300,
        max_per_hour: int = 20,
        prefix: str = "wfb:alerts:",
        *,
        window_s: float = 3600,
        open_ttl_s: float = 7 * 24 * 3600,
    ) -> None:
        if cooldown_s < 0 or max_per_hour < 0 or window_s <= 0 or open_ttl_s <= 0:
            raise ValueError("cooldown_s and max_per_hour must be >= 0, window_s and open_ttl_s > 0")
        self._redis = redis_client
        self.cooldown_s, self.max_per_hour, self.prefix = cooldown_s, int(max_per_hour), prefix
        self.window_s, self.open_ttl_s = window_s, open_ttl_s
        self._acquire = redis_client.register_script(_ACQUIRE_LUA)

    def _cooldown_key(self, channel: str, key: str) -> str:
        return f"{self.prefix}{{{channel}}}:cd:{key}"

    def _sent_key(self, channel: str) -> str:
        return f"{self.prefix}{{{channel}}}:sent"

    def _open_key(self, key: str) -> str:
        return f"{self.prefix}open:{key}"

    def acquire(self, channel: str, key: str, *, recovery: bool = False) -> str | None:
        result = self._acquire(
            keys=[self._cooldown_key(channel, key), self._sent_key(channel)],
            args=[int(self.cooldown_s * 1000), self.max_per_hour, uuid.uuid4().hex, "1" if recovery else "0",
                  int(self.window_s * 1000)],
        )
        result = result.decode() if isinstance(result, bytes) else str(result)
        return None if result == "ok" else result

    def reset_cooldown(self, channel: str, key: str) -> None:
        self._redis.delete(self._cooldown_key(channel, key))

    def mark_open(self, key: str, channel: str, severity: Severity) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._open_key(key), channel, severity)
        pipe.pexpire(self._open_key(key), int(self.open_ttl_s * 1000))
        pipe.execute()

    def take_open(self, key: str) -> dict[str, Severity]:
        # HGETALL + DEL in one MULTI: of several processes seeing the recovery, one gets the channels.
        pipe = self._redis.pipeline(transaction=True)
        pipe.hgetall(self._open_key(key))
        pipe.delete(self._open_key(key))
        opened, _ = pipe.execute()
        return {_text(k): _text(v) for k, v in opened.items()}  # type: ignore[misc]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class InMemoryRateLimiter:
    """The same decisions as :class:`RedisRateLimiter`, within one process (embedded mode)."""

    def __init__(
        self,
        cooldown_s: float = 300,
        max_per_hour: int = 20,
        *,
        window_s: float = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cooldown_s, self.max_per_hour, self.window_s = cooldown_s, int(max_per_hour), window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._cooldown_until: dict[tuple[str, str], float] = {}
        self._sent: dict[str, deque[float]] = {}
        self._open: dict[str, dict[str, Severity]] = {}

    def acquire(self, channel: str, key: str, *, recovery: bool = False) -> str | None:
        with self._lock:
            now = self._clock()
            if not recovery and self._cooldown_until.get((channel, key), -float("inf")) > now:
                return COOLDOWN
            sent = self._sent.setdefault(channel, deque())
            while sent and sent[0] <= now - self.window_s:
                sent.popleft()
            if len(sent) >= self.max_per_hour:
                return HOURLY_CAP
            sent.append(now)
            if not recovery and self.cooldown_s > 0:
                self._cooldown_until[(channel, key)] = now + self.cooldown_s
            return None

    def reset_cooldown(self, channel: str, key: str) -> None:
        with self._lock:
            self._cooldown_until.pop((channel, key), None)

    def mark_open(self, key: str, channel: str, severity: Severity) -> None:
        with self._lock:
            self._open.setdefault(key, {})[channel] = severity

    def take_open(self, key: str) -> dict[str, Severity]:
        with self._lock:
            return self._open.pop(key, {})


# --------------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------------


@dataclass
class DispatchReport:
    """What happened to one alert on each channel. ``text`` is the scrubbed message as sent.

    A recovery for a key that was never alerted (or already recovered) has empty lists.
    """

    text: str = ""
    sent: list[str] = field(default_factory=list)
    suppressed: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def _identity(text: str) -> str:
    return text


class AlertDispatcher:
    """Scrubs, routes, rate-limits and delivers alerts; one failing channel never stops the others.

    ``channels`` maps a channel name (as used in the :class:`Router` rules) to a channel; a rule
    naming a channel that is not configured is ignored, which is how channels are switched off.
    ``redact`` is the caller's redactor (e.g. the API clients' key redaction); ``secrets`` adds
    literal secrets for the built-in scrubber, and channel credentials (``channel.secrets``) are
    added automatically.
    """

    def __init__(
        self,
        channels: Mapping[str, AlertChannel],
        router: Router | None = None,
        limiter: RateLimiter | None = None,
        redact: Redactor | None = None,
        logger: logging.Logger | logging.LoggerAdapter | None = None,
        *,
        secrets: Iterable[str] = (),
    ) -> None:
        self.channels = dict(channels)
        self.router = router or Router()
        self.limiter: RateLimiter = limiter if limiter is not None else InMemoryRateLimiter()
        self._redact = redact or _identity
        self.logger = logger or logging.getLogger("weather_flick_batch.alerts")
        collected = [s for s in secrets if s]
        for channel in self.channels.values():
            collected.extend(s for s in getattr(channel, "secrets", ()) if s)
        self._secrets = tuple(collected)

    def scrub(self, text: str) -> str:
        """``text`` through the caller's redactor and the built-in scrubber."""
        return scrub_secrets(self._redact(text), self._secrets)

    def _scrub_alert(self, alert: Alert) -> Alert:
        return dataclasses.replace(
            alert,
            key=self.scrub(alert.key),
            title=self.scrub(alert.title),
            what_failed=self.scrub(alert.what_failed),
            subject_name=self.scrub(alert.subject_name),
            link=self.scrub(alert.link),
        )

    def dispatch(self, alert: Alert) -> DispatchReport:
        """Deliver ``alert`` (or its "ok again" notice when ``alert.recovered``) where it belongs."""
        safe = self._scrub_alert(alert)
        # The scrubbed key is used for the shared state too: no secret ends up in Redis key names.
        key = safe.key
        if alert.recovered:
            return self._dispatch_recovery(key, safe)
        report = DispatchReport(text=safe.render_text())
        for name in self.router.channels_for(alert.severity):
            channel = self.channels.get(name)
            if channel is None:
                continue
            reason = self._acquire(name, key, recovery=False)
            if reason:
                report.suppressed.append((name, reason))
                continue
            if self._deliver(name, channel, safe, report):
                self._limiter_call("mark_open", key, name, alert.severity)
            else:
                # Let the next evaluation retry instead of waiting out a cooldown nobody saw.
                self._limiter_call("reset_cooldown", name, key)
        self._log_report(safe, report)
        return report

    def _dispatch_recovery(self, key: str, safe: Alert) -> DispatchReport:
        try:
            opened = self.limiter.take_open(key)
        except Exception as exc:  # noqa: BLE001 - without state we cannot know who to tell
            self.logger.warning("alert state unavailable, recovery of %s not sent: %s", safe.key,
                                self.scrub(_exc_line(exc)))
            return DispatchReport(text=safe.render_text())
        if not opened:
            return DispatchReport(text=safe.render_text())
        was = max(opened.values(), key=_rank)
        notice = dataclasses.replace(safe, severity=was)
        report = DispatchReport(text=notice.render_text())
        for name, severity in opened.items():
            channel = self.channels.get(name)
            if channel is None:  # switched off since the alert: nobody to tell there
                continue
            reason = self._acquire(name, key, recovery=True)
            if reason is None and self._deliver(name, channel, notice, report):
                self._limiter_call("reset_cooldown", name, key)
                continue
            if reason:
                report.suppressed.append((name, reason))
            # Not delivered: keep it open there so the next passing evaluation tries again.
            self._limiter_call("mark_open", key, name, severity)
        self._log_report(notice, report)
        return report

    def _acquire(self, channel: str, key: str, *, recovery: bool) -> str | None:
        try:
            return self.limiter.acquire(channel, key, recovery=recovery)
        except Exception as exc:  # noqa: BLE001 - fail open: see the module docstring
            self.logger.warning("alert rate limiter unavailable, sending without cooldown: %s",
                                self.scrub(_exc_line(exc)))
            return None

    def _limiter_call(self, method: str, *args: Any) -> None:
        try:
            getattr(self.limiter, method)(*args)
        except Exception as exc:  # noqa: BLE001 - bookkeeping must not turn a sent alert into a crash
            self.logger.warning("alert state not updated (%s): %s", method, self.scrub(_exc_line(exc)))

    def _deliver(self, name: str, channel: AlertChannel, alert: Alert, report: DispatchReport) -> bool:
        try:
            channel.send(alert, report.text)
        except Exception as exc:  # noqa: BLE001 - one channel's failure must not stop the others
            detail = str(exc) if isinstance(exc, AlertDeliveryError) else _exc_line(exc)
            report.failed.append((name, self.scrub(_one_line(detail))))
            return False
        report.sent.append(name)
        return True

    def _log_report(self, alert: Alert, report: DispatchReport) -> None:
        if report.failed:
            self.logger.warning("alert %s: delivery failed on %s", alert.key,
                                "; ".join(f"{n}: {e}" for n, e in report.failed))
        if report.suppressed:
            self.logger.info("alert %s suppressed on %s", alert.key,
                             ", ".join(f"{n} ({r})" for n, r in report.suppressed))


def log_only_dispatcher(logger: logging.Logger | None = None, *, redact: Redactor | None = None) -> AlertDispatcher:
    """Embedded mode: every channel off, alerts to the log, cooldowns in process memory."""
    return AlertDispatcher({"log": LogChannel(logger)}, Router({"log": "info"}), InMemoryRateLimiter(),
                           redact=redact, logger=logger)


#: ``(environment variable, default, description, secret)`` of the alert settings, for the settings
#: registry and ``.env.example``. Channels stay off until configured; secrets go through EnvVar.
ALERT_SETTINGS: list[tuple[str, str | None, str, bool]] = [
    ("WEATHER_FLICK_ALERT_ROUTES", "log=info,slack=warning,email=error,sms=critical",
     "Minimum alert severity per channel (info, warning, error, critical); unconfigured channels are off.", False),
    ("WEATHER_FLICK_ALERT_COOLDOWN_S", "300",
     "Seconds between two alerts with the same key on one channel (shared across processes in Redis).", False),
    ("WEATHER_FLICK_ALERT_MAX_PER_HOUR", "20",
     "Most alerts one channel sends in any sliding hour (recovery notices included).", False),
    ("WEATHER_FLICK_ALERT_SLACK_TOKEN", None, "Slack bot token (xoxb-...); empty: Slack off.", True),
    ("WEATHER_FLICK_ALERT_SLACK_CHANNEL", None, "Slack channel for alerts, e.g. #weatherflick-alerts.", False),
    ("WEATHER_FLICK_ALERT_SLACK_BASE_URL", "https://slack.com/api/",
     "Slack Web API base URL (Slack-compatible servers, tests).", False),
    ("WEATHER_FLICK_ALERT_SMTP_HOST", None, "SMTP server for alert e-mail; empty: e-mail off.", False),
    ("WEATHER_FLICK_ALERT_SMTP_PORT", "587", "SMTP port (587 with starttls, 465 with ssl).", False),
    ("WEATHER_FLICK_ALERT_SMTP_SECURITY", "starttls", "'starttls', 'ssl' or 'none' (no login without TLS).", False),
    ("WEATHER_FLICK_ALERT_SMTP_USERNAME", None, "SMTP login user; empty: no login.", False),
    ("WEATHER_FLICK_ALERT_SMTP_PASSWORD", None, "SMTP login password.", True),
    ("WEATHER_FLICK_ALERT_EMAIL_FROM", None, "Sender address of alert e-mail.", False),
    ("WEATHER_FLICK_ALERT_EMAIL_TO", None, "Comma-separated recipients of alert e-mail.", False),
    ("WEATHER_FLICK_ALERT_SMS_NUMBERS", None,
     "Comma-separated E.164 phone numbers (+8210...) for SMS through AWS SNS; empty (and no topic): SMS off.",
     False),
    ("WEATHER_FLICK_ALERT_SNS_TOPIC_ARN", None, "SNS topic to publish SMS alerts to instead of/besides numbers.",
     False),
    ("WEATHER_FLICK_ALERT_SNS_REGION", "ap-northeast-2", "AWS region for SNS (credentials: standard AWS variables).",
     False),
    ("WEATHER_FLICK_ALERT_SNS_ENDPOINT_URL", None, "SNS endpoint override (moto, tests). Empty: AWS.", False),
]

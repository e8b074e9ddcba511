"""Delivery channels: Slack, e-mail (SMTP), SMS (AWS SNS) and the log.

A channel gets an alert that is already scrubbed and its rendered one-line text; it raises
:class:`AlertDeliveryError` (one line, naming the channel, never a secret) when it cannot deliver.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Literal, Protocol, runtime_checkable

from weather_flick_batch.core.smtp import smtp_session
from weather_flick_batch.health.alerts.message import _MAX_WHAT_FAILED, Alert, _exc_line, _one_line
from weather_flick_batch.health.alerts.scrubbing import scrub_secrets

__all__ = [
    "AlertDeliveryError",
    "AlertChannel",
    "SLACK_COLOURS",
    "SlackChannel",
    "EmailChannel",
    "SnsSmsChannel",
    "LogChannel",
]


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

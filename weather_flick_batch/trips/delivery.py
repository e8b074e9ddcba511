"""Delivering trip notices: the PENDING EMAIL and PUSH rows of ``notifications``, never twice.

Each due row (WEATHER_ALERT, PENDING, ``scheduled_at`` passed, ``retry_count`` below
``max_retry_count``) is first *claimed* in a committed transaction (``external_id`` =
``claim:<run>``; on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so two runs never take the same row),
then sent, then marked:

- sent: ``SENT``, ``sent_at``, ``external_id`` = the SMTP Message-ID or FCM message name;
- a transient failure (connection, 5xx, 429): ``retry_count`` + 1, ``scheduled_at`` moved by an
  exponential backoff (base x 2^(retries - 1)), claim released; ``FAILED`` once ``max_retry_count``
  attempts were made;
- a permanent failure (address refused, no valid device token left): ``FAILED`` with the reason;
- a device token FCM reports invalid (``UNREGISTERED``, ``INVALID_ARGUMENT``, 404): deactivated in
  ``user_device_tokens``.

A row still claimed by an earlier run (it died between claiming and marking) is never sent again:
the message may have left, so it is ``FAILED`` with that reason once the claim is stale. At most once,
by design: a traveller gets no duplicate. No Dagster here.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

import requests
import sqlalchemy as sa

from weather_flick_batch.core.smtp import smtp_session
from weather_flick_batch.warehouse import backend_tables
from weather_flick_batch.warehouse.warehouse import Warehouse

T = backend_tables.BACKEND_TABLES
CLAIM = "claim:"
STALE_CLAIM = timedelta(minutes=30)
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


class DeliveryError(Exception):
    def __init__(self, message: str, transient: bool):
        super().__init__(message)
        self.transient = transient


class InvalidToken(DeliveryError):
    def __init__(self, message: str):
        super().__init__(message, transient=False)


class Sender(Protocol):
    channel: str

    def send(self, recipient: str, title: str, message: str, data: dict[str, Any]) -> str: ...


@dataclass
class SmtpSender:
    host: str
    port: int
    sender: str
    security: str = "starttls"  # starttls, ssl or none
    username: str | None = None
    password: str | None = None
    timeout_s: float = 10.0
    channel: str = "EMAIL"

    def send(self, recipient: str, title: str, message: str, data: dict[str, Any]) -> str:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, recipient, title
        msg["Message-ID"] = make_msgid(domain="weather-flick-batch")
        msg.set_content(message + "\n\n— WeatherFlick\n")
        try:
            with smtp_session(self.host, self.port, self.security, self.timeout_s, username=self.username,
                              password=self.password) as smtp:
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"SMTP refused the address: {_smtp_reason(exc)}", transient=False) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:300], transient=exc.smtp_code >= 400
                                and exc.smtp_code < 500) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP server {self.host}:{self.port} unreachable: {type(exc).__name__}",
                                transient=True) from None
        return msg["Message-ID"]


def _smtp_reason(exc: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(f"{code} {reason!r}" for code, reason in exc.recipients.values())[:300]


@dataclass
class FcmSender:
    """FCM HTTP v1 (``POST {base}/v1/projects/{project}/messages:send``) with a service account's
    OAuth2 token (google-auth signs the JWT and refreshes it at the account's ``token_uri``)."""

    project_id: str
    credentials_file: str
    base_url: str = "https://fcm.googleapis.com"
    timeout_s: float = 10.0
    channel: str = "PUSH"
    _credentials: Any = field(default=None, repr=False)
    _session: requests.Session = field(default_factory=requests.Session, repr=False)

    def _token(self) -> str:
        import google.auth.transport.requests
        from google.oauth2 import service_account

        if self._credentials is None:
            self._credentials = service_account.Credentials.from_service_account_file(
                self.credentials_file, scopes=[FCM_SCOPE])
        if not self._credentials.valid:
            try:
                self._credentials.refresh(google.auth.transport.requests.Request(self._session))
            except Exception as exc:  # google.auth.exceptions.* and transport errors
                raise DeliveryError(f"FCM credentials refused or token server unreachable: "
                                    f"{type(exc).__name__}", transient=True) from None
        return self._credentials.token

    def send(self, recipient: str, title: str, message: str, data: dict[str, Any]) -> str:
        url = f"{self.base_url.rstrip('/')}/v1/projects/{self.project_id}/messages:send"
        body = {"message": {"token": recipient, "notification": {"title": title, "body": message[:1000]},
                            "data": {k: str(v) for k, v in data.items()}}}
        try:
            response = self._session.post(url, json=body, timeout=self.timeout_s,
                                          headers={"Authorization": f"Bearer {self._token()}"})
        except requests.RequestException as exc:
            raise DeliveryError(f"FCM unreachable: {type(exc).__name__}", transient=True) from None
        if response.status_code == 200:
            return str(response.json().get("name", ""))
        status = _fcm_status(response)
        if response.status_code == 404 or status in {"UNREGISTERED", "INVALID_ARGUMENT"}:
            raise InvalidToken(f"FCM {response.status_code} {status}: the device token is no longer valid")
        transient = response.status_code in (429, 500, 502, 503, 504) or status in {"UNAVAILABLE", "INTERNAL",
                                                                                  "QUOTA_EXCEEDED"}
        raise DeliveryError(f"FCM {response.status_code} {status}", transient=transient)


def _fcm_status(response: requests.Response) -> str:
    try:
        error = response.json().get("error", {})
    except ValueError:
        return "unreadable reply"
    for detail in error.get("details", []) or []:
        if detail.get("errorCode"):
            return str(detail["errorCode"])
    return str(error.get("status", ""))


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    tokens_deactivated: int = 0
    abandoned_claims: int = 0
    no_sender: dict[str, int] = field(default_factory=dict)  # channel -> rows left PENDING
    errors: list[str] = field(default_factory=list)


def backoff(base_s: float, retries: int) -> timedelta:
    return timedelta(seconds=base_s * 2 ** max(retries - 1, 0))


def _due(n: sa.Table, now: datetime) -> list:
    return [n.c.type == "WEATHER_ALERT", n.c.status == "PENDING", n.c.channel.in_(["EMAIL", "PUSH"]),
            sa.or_(n.c.scheduled_at.is_(None), n.c.scheduled_at <= now),
            sa.func.coalesce(n.c.retry_count, 0) < sa.func.coalesce(n.c.max_retry_count, 3),
            sa.or_(n.c.external_id.is_(None), sa.not_(n.c.external_id.like(CLAIM + "%")))]


def due_count(wh: Warehouse, now: datetime) -> int:
    """How many EMAIL and PUSH trip notices are due now (what the delivery sensor asks)."""
    n = T["notifications"]
    with wh.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(n).where(*_due(n, now))).scalar() or 0)


def deliver(wh: Warehouse, senders: dict[str, Sender], now: datetime, run_id: str, *, retry_base_s: float = 60.0,
            limit: int = 1000) -> Outcome:
    n, users, tokens = T["notifications"], T["users"], T["user_device_tokens"]
    out = Outcome()
    claim = CLAIM + run_id
    with wh.engine.begin() as conn:
        stale = conn.execute(n.update().where(
            n.c.type == "WEATHER_ALERT", n.c.status == "PENDING", n.c.external_id.like(CLAIM + "%"),
            n.c.updated_at < now - STALE_CLAIM).values(
            status="FAILED", updated_at=now, failure_reason="delivery was interrupted after the claim; not "
                                                            "retried, so it is never sent twice"))
        out.abandoned_claims = stale.rowcount or 0
        due = sa.select(n.c.id, n.c.channel).where(*_due(n, now)).order_by(
            n.c.priority.desc(), n.c.created_at).limit(limit)
        if wh.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        rows = conn.execute(due).all()
        ids = [r.id for r in rows if r.channel in senders]
        for r in rows:
            if r.channel not in senders:
                out.no_sender[r.channel] = out.no_sender.get(r.channel, 0) + 1
        if ids:
            conn.execute(n.update().where(n.c.id.in_(ids)).values(external_id=claim, updated_at=now))
    if not ids:
        return out

    with wh.engine.connect() as conn:
        claimed = conn.execute(sa.select(n, users.c.email).join(users, users.c.user_id == n.c.user_id, isouter=True)
                               .where(n.c.external_id == claim)).mappings().all()
        user_ids = sorted({str(r["user_id"]) for r in claimed if r["channel"] == "PUSH"})
        active = conn.execute(sa.select(tokens.c.user_id, tokens.c.device_token).where(
            tokens.c.user_id.in_(user_ids), tokens.c.is_active.is_(True))).all() if user_ids else []
    tokens_by_user: dict[str, list[str]] = {}
    for user_id, token in active:
        tokens_by_user.setdefault(str(user_id), []).append(token)

    for row in claimed:
        sender = senders[row["channel"]]
        data = {"type": "weather_change", "notification_id": str(row["id"]),
                "plan_id": str((row["data"] or {}).get("plan_id", ""))}
        recipients = ([row["email"]] if row["email"] else []) if row["channel"] == "EMAIL" \
            else tokens_by_user.get(str(row["user_id"]), [])
        delivered, invalid, error = [], [], None
        for recipient in recipients:
            try:
                delivered.append(sender.send(recipient, row["title"], row["message"], data))
            except InvalidToken:
                invalid.append(recipient)
            except DeliveryError as exc:
                error = exc
        with wh.engine.begin() as conn:
            if invalid:
                conn.execute(tokens.update().where(tokens.c.device_token.in_(invalid)).values(
                    is_active=False, updated_at=now))
                out.tokens_deactivated += len(invalid)
            done = n.update().where(n.c.id == row["id"], n.c.external_id == claim)
            retries = (row["retry_count"] or 0) + 1
            if delivered:
                conn.execute(done.values(status="SENT", sent_at=now, updated_at=now, external_id=delivered[0][:255],
                                         external_response={"delivered": len(delivered), "invalid_tokens": len(invalid)},
                                         failure_reason=str(error)[:500] if error else None))
                out.sent += 1
            elif error is not None and error.transient and retries < (row["max_retry_count"] or 3):
                conn.execute(done.values(retry_count=retries, external_id=None, updated_at=now,
                                         scheduled_at=now + backoff(retry_base_s, retries),
                                         failure_reason=str(error)[:500]))
                out.retried += 1
            else:
                reason = str(error) if error else ("no verified e-mail address" if row["channel"] == "EMAIL"
                                                   else "no valid device token")
                conn.execute(done.values(status="FAILED", retry_count=retries, updated_at=now,
                                         failure_reason=reason[:500]))
                out.failed += 1
                out.errors.append(f"{row['channel']} {str(row['id'])[:8]}: {reason}")
    return out

"""Alerts end to end: real servers for every channel, real Redis for cooldowns shared by processes.

* Slack: :class:`FakeSlack`, a loopback HTTP server answering like the Slack Web API, driven by
  the real ``slack_sdk.WebClient``.
* E-mail: aiosmtpd ``Controller`` on loopback: plain SMTP, STARTTLS and implicit TLS with a
  self-signed certificate generated here, with login.
* SMS: moto_server's SNS; direct SMS are read back from ``/moto-api/data.json``, topic
  publishes through an SQS subscription.
* "Two processes": two dispatchers with their own channel objects and their own
  :class:`RedisRateLimiter` sharing one Redis database.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import random
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

import boto3
import pytest
import redis
import requests
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from weather_flick_batch.health.alerts import (
    COOLDOWN,
    HOURLY_CAP,
    SLACK_COLOURS,
    Alert,
    AlertDeliveryError,
    AlertDispatcher,
    EmailChannel,
    InMemoryRateLimiter,
    LogChannel,
    RedisRateLimiter,
    Router,
    SlackChannel,
    SnsSmsChannel,
    log_only_dispatcher,
    scrub_secrets,
    ui_check_link,
    ui_run_link,
)
from weather_flick_batch.testing.fakes.slack import FakeSlack
from weather_flick_batch.testing.services import free_port

SLACK_TOKEN = "xoxb-1111-2222-SlackTokenValue"
SMTP_USER = "alerts@weatherflick.test"
SMTP_PASSWORD = "Smtp-P@ss/w0rd+secret"
KMA_KEY = "KmaKey+Value/With==Specials"
UI_TOKEN = "UiTok3nInALink"
REGION = "ap-northeast-2"

#: Every secret in play, in the spellings under which it could leak.
ALL_SECRETS = (SLACK_TOKEN, SMTP_PASSWORD, KMA_KEY, UI_TOKEN)


#: A distinctive fragment of each secret that survives any URL encoding of it.
_FRAGMENTS = {SLACK_TOKEN: "SlackTokenValue", SMTP_PASSWORD: "w0rd", KMA_KEY: "Specials", UI_TOKEN: "UiTok3n"}


def leaked(text: str | bytes) -> list[str]:
    """The secrets found in ``text`` in any spelling (raw, URL-encoded, partly encoded)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return [secret for secret in ALL_SECRETS if _FRAGMENTS[secret].lower() in text.lower()]


def email_text(raw: bytes) -> str:
    """Headers and decoded body of a received e-mail: a secret must not hide behind QP/base64."""
    import email
    from email import policy

    msg = email.message_from_bytes(raw, policy=policy.default)
    headers = "\n".join(f"{k}: {v}" for k, v in msg.items())
    return headers + "\n" + msg.get_content()


def secret_laden_alert(key: str = "check:weather_forecast:fresh", severity: str = "critical",
                       recovered: bool = False) -> Alert:
    """An alert whose text carries an API key (raw and in a URL) and whose link carries a token."""
    return Alert(
        key=key,
        severity=severity,  # type: ignore[arg-type]
        title="Forecast is stale",
        what_failed=(
            f"newest issuance 30 h old; last call https://apis.data.go.kr/1360000/x?serviceKey={quote(KMA_KEY)}"
            f"&numOfRows=10 failed, key {KMA_KEY} rejected"
        ),
        subject_kind="check",
        subject_name="weather_forecast/fresh",
        link=ui_check_link("http://127.0.0.1:3000", ["weather_forecast"], "fresh") + f"&token={UI_TOKEN}",
        recovered=recovered,
    )


# -- SMTP server ---------------------------------------------------------------------------------
@dataclass
class SmtpRecorder:
    """aiosmtpd handler keeping every message (raw bytes) and every login attempt."""

    messages: list[bytes] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"

    def authenticator(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == (
            SMTP_USER, SMTP_PASSWORD)
        self.logins.append((auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "?", ok))
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@dataclass
class SmtpServer:
    recorder: SmtpRecorder
    port: int
    client_context: ssl.SSLContext | None


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for localhost/127.0.0.1 and its key, signed by itself."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "smtp-cert.pem", tmp / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _self_signed(tmp_path_factory.mktemp("tls"))


def _start_smtp(mode: str, tls_files: tuple[Path, Path]) -> tuple[Controller, SmtpServer]:
    recorder = SmtpRecorder()
    port = free_port()
    kwargs: dict = {"hostname": "127.0.0.1", "port": port, "server_hostname": "localhost"}
    client_context = None
    if mode in ("starttls", "ssl"):
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain(*tls_files)
        client_context = ssl.create_default_context(cafile=str(tls_files[0]))  # verifies, trusting our cert
        kwargs.update(authenticator=recorder.authenticator, auth_required=True)
        if mode == "starttls":
            kwargs.update(tls_context=server_context, require_starttls=True)
        else:
            # Implicit TLS: aiosmtpd only knows about STARTTLS-upgraded sessions, so it is told the
            # connection is already safe for AUTH.
            kwargs.update(ssl_context=server_context, auth_require_tls=False)
    controller = Controller(recorder, **kwargs)
    controller.start()
    return controller, SmtpServer(recorder, port, client_context)


@pytest.fixture(params=["none", "starttls", "ssl"])
def smtp_server(request: pytest.FixtureRequest, tls_files: tuple[Path, Path]) -> Iterator[SmtpServer]:
    controller, server = _start_smtp(request.param, tls_files)
    server.mode = request.param  # type: ignore[attr-defined]
    yield server
    controller.stop()


@pytest.fixture
def starttls_server(tls_files: tuple[Path, Path]) -> Iterator[SmtpServer]:
    controller, server = _start_smtp("starttls", tls_files)
    yield server
    controller.stop()


def email_channel(server: SmtpServer, mode: str = "starttls", **overrides) -> EmailChannel:
    args = dict(host="127.0.0.1", port=server.port, security=mode,
                username=SMTP_USER if mode != "none" else None, password=SMTP_PASSWORD if mode != "none" else None,
                sender="batch@weatherflick.test", recipients=["oncall@weatherflick.test"], timeout=5,
                ssl_context=server.client_context)
    args.update(overrides)
    return EmailChannel(**args)


# -- SNS (moto) ----------------------------------------------------------------------------------
@pytest.fixture
def sns(moto_server_url: str):
    return boto3.client("sns", endpoint_url=moto_server_url, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def random_phone() -> str:
    return f"+8210{random.randint(10_000_000, 99_999_999)}"


def sms_received(moto_server_url: str, phone: str) -> list[str]:
    """Messages moto recorded for ``phone`` (its SNS backend keeps every direct SMS as a model)."""
    data = requests.get(f"{moto_server_url}/moto-api/data.json", timeout=10).json()
    return [m["message"] for m in data.get("sns", {}).get("SMS", []) if m["phone_number"] == phone]


# -- Slack -----------------------------------------------------------------------------------------
@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(SLACK_TOKEN) as server:
        yield server


# ==================================================================================================
# Messages
# ==================================================================================================
def test_alert_text_names_subject_severity_failure_and_link() -> None:
    alert = Alert("run:refresh_weather", "error", "Run failed", "step weather_forecast: TimeoutError\nafter 3 tries",
                  "run", "refresh_weather", ui_run_link("http://127.0.0.1:3000/", "abc-123"))
    text = alert.render_text()
    assert text == ("[ERROR] Run refresh_weather: Run failed - step weather_forecast: TimeoutError after 3 tries"
                    " - http://127.0.0.1:3000/runs/abc-123")
    recovered = Alert(**{**alert.__dict__, "recovered": True, "what_failed": "succeeded at 12:05"}).render_text()
    assert recovered.startswith("[OK AGAIN] Run refresh_weather: Run failed (was ERROR)")
    assert recovered.endswith("http://127.0.0.1:3000/runs/abc-123")


@pytest.mark.parametrize("bad", [{"severity": "fatal"}, {"subject_kind": "job"}, {"key": " "}])
def test_alert_rejects_unknown_values(bad: dict) -> None:
    args = dict(key="k", severity="error", title="t", what_failed="w", subject_kind="check", subject_name="c",
                link="http://x")
    with pytest.raises(ValueError):
        Alert(**{**args, **bad})


def test_ui_links() -> None:
    assert ui_check_link("http://ui:3000/", ["weather", "forecast"], "is fresh") == (
        "http://ui:3000/assets/weather/forecast?view=checks&checkDetail=is%20fresh")


@pytest.mark.parametrize(
    ("text", "must_vanish"),
    [
        ("GET https://apis.data.go.kr/x?serviceKey=abc%2Bdef&pageNo=1", "abc%2Bdef"),
        ("https://apihub.kma.go.kr/api?authKey=HubKey123", "HubKey123"),
        ("callback http://h/cb?token=tok123&x=1", "tok123"),
        ("login with password=hunter2 failed", "hunter2"),
        ("https://maps.example/api?key=MapKey987", "MapKey987"),
        ("postgresql+psycopg2://wfb:pgSecret@db:5432/wf unreachable", "pgSecret"),
        ("header Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        ("Slack said xoxb-123-456-abcDEF", "xoxb-123-456-abcDEF"),
        ("nested https://a/?next=https%3A%2F%2Fb%2F%3FserviceKey%3DNestedKey", "NestedKey"),
    ],
)
def test_scrubber_patterns(text: str, must_vanish: str) -> None:
    scrubbed = scrub_secrets(text)
    assert must_vanish not in scrubbed
    assert "***" in scrubbed


def test_scrubber_keeps_the_rest_and_removes_listed_secrets_in_any_spelling() -> None:
    text = f"monkey=1&pageNo=2 raw {KMA_KEY} encoded {quote(KMA_KEY, safe='')} plus {quote_plus(KMA_KEY)}"
    scrubbed = scrub_secrets(text, [KMA_KEY])
    assert leaked(scrubbed) == []
    assert "monkey=1&pageNo=2" in scrubbed  # look-alike names and other parameters untouched


# ==================================================================================================
# Routing
# ==================================================================================================
def test_router_defaults_and_parsing() -> None:
    router = Router()
    assert router.channels_for("info") == ["log"]
    assert router.channels_for("warning") == ["log", "slack"]
    assert router.channels_for("error") == ["log", "slack", "email"]
    assert router.channels_for("critical") == ["log", "slack", "email", "sms"]  # SMS only for critical
    assert Router.parse("").rules == router.rules
    assert Router.parse(" Slack=error , sms=critical ").channels_for("error") == ["slack"]
    with pytest.raises(ValueError, match="WEATHER_FLICK_ALERT_ROUTES"):
        Router.parse("slack=loud")
    with pytest.raises(ValueError, match="WEATHER_FLICK_ALERT_ROUTES"):
        Router.parse("slack")


# ==================================================================================================
# Rate limits
# ==================================================================================================
class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_in_memory_limiter_cooldown_cap_and_open_state() -> None:
    clock = FakeClock()
    limiter = InMemoryRateLimiter(cooldown_s=300, max_per_hour=3, clock=clock)
    assert limiter.acquire("slack", "a") is None
    assert limiter.acquire("slack", "a") == COOLDOWN
    assert limiter.acquire("email", "a") is None  # per channel
    clock.now += 301
    assert limiter.acquire("slack", "a") is None  # next window
    assert limiter.acquire("slack", "b") is None
    assert limiter.acquire("slack", "c") == HOURLY_CAP  # 3 in the last hour on slack
    assert limiter.acquire("slack", "c", recovery=True) == HOURLY_CAP  # recoveries count too
    clock.now += 3600
    assert limiter.acquire("slack", "c") is None
    assert limiter.acquire("slack", "c", recovery=True) is None  # recovery bypasses the cooldown

    assert limiter.take_open("a") == {}
    limiter.mark_open("a", "slack", "error")
    limiter.mark_open("a", "sms", "critical")
    assert limiter.take_open("a") == {"slack": "error", "sms": "critical"}
    assert limiter.take_open("a") == {}


@pytest.mark.redis
def test_redis_limiter_one_send_per_window_across_processes(redis_url: str) -> None:
    clients = [redis.Redis.from_url(redis_url) for _ in range(2)]
    # A cooldown long enough for 16 threads on a loaded machine, short enough to wait out.
    limiters = [RedisRateLimiter(c, cooldown_s=1.5, max_per_hour=100) for c in clients]
    try:
        # 16 concurrent attempts from two "processes": exactly one wins.
        results: list[str | None] = []
        lock = threading.Lock()
        barrier = threading.Barrier(16)

        def attempt(i: int) -> None:
            barrier.wait()
            outcome = limiters[i % 2].acquire("slack", "check:x")
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results.count(None) == 1 and results.count(COOLDOWN) == 15
        assert limiters[1].acquire("email", "check:x") is None  # other channel, own cooldown

        time.sleep(1.6)  # the window passes
        assert limiters[1].acquire("slack", "check:x") is None
        assert limiters[0].acquire("slack", "check:x") == COOLDOWN

        limiters[0].reset_cooldown("slack", "check:x")
        assert limiters[1].acquire("slack", "check:x") is None
    finally:
        for c in clients:
            c.close()


@pytest.mark.redis
def test_redis_limiter_hourly_cap_and_recovery_state(redis_url: str) -> None:
    clients = [redis.Redis.from_url(redis_url) for _ in range(2)]
    a, b = (RedisRateLimiter(c, cooldown_s=300, max_per_hour=3) for c in clients)
    try:
        assert [a.acquire("sms", "k1"), b.acquire("sms", "k2"), a.acquire("sms", "k3")] == [None, None, None]
        assert b.acquire("sms", "k4") == HOURLY_CAP
        assert a.acquire("sms", "k1", recovery=True) == HOURLY_CAP  # recoveries count toward the cap
        assert b.acquire("slack", "k4") is None  # the cap is per channel

        assert b.take_open("k1") == {}
        a.mark_open("k1", "sms", "critical")
        b.mark_open("k1", "slack", "error")
        assert 0 < clients[0].pttl("wfb:alerts:open:k1") <= 7 * 24 * 3600 * 1000  # open state cannot linger
        assert b.take_open("k1") == {"sms": "critical", "slack": "error"}
        assert a.take_open("k1") == {}  # taken once, across processes
    finally:
        for c in clients:
            c.close()


# ==================================================================================================
# Channels, one by one
# ==================================================================================================
def test_slack_channel_posts_coloured_attachment(slack: FakeSlack) -> None:
    channel = SlackChannel(SLACK_TOKEN, "#alerts", base_url=slack.base_url.rstrip("/"))
    for severity in ("warning", "critical"):
        alert = Alert("k", severity, "Disk filling", "disk 85 %", "health", "disk", "http://ui/assets/health")
        channel.send(alert, alert.render_text())
    recovered = Alert("k", "critical", "Disk filling", "disk 60 %", "health", "disk", "http://ui/assets/health",
                      recovered=True)
    channel.send(recovered, recovered.render_text())

    assert slack.auth_headers == [f"Bearer {SLACK_TOKEN}"] * 3
    first = slack.messages[0]
    assert first["channel"] == "#alerts"
    assert first["text"] == "[WARNING] Health check disk: Disk filling"
    attachment = first["attachments"][0]
    assert attachment["color"] == SLACK_COLOURS["warning"]
    assert attachment["title_link"] == "http://ui/assets/health" and attachment["text"] == "disk 85 %"
    assert [m["attachments"][0]["color"] for m in slack.messages] == ["warning", "#8B0000", "good"]
    assert slack.messages[2]["text"].startswith("[OK AGAIN]")


def test_slack_channel_errors_are_one_line_without_the_token(slack: FakeSlack) -> None:
    alert = secret_laden_alert()
    wrong = SlackChannel("xoxb-wrong-token-value", "#alerts", base_url=slack.base_url)
    with pytest.raises(AlertDeliveryError, match="invalid_auth") as info:
        wrong.send(alert, "x")
    assert "xoxb" not in str(info.value)

    good = SlackChannel(SLACK_TOKEN, "#alerts", base_url=slack.base_url)
    for fault in ("http500", "ratelimited", "channel_not_found"):
        slack.fail_next(fault)
        with pytest.raises(AlertDeliveryError) as info:
            good.send(alert, "x")
        assert "\n" not in str(info.value) and leaked(str(info.value)) == []
    assert slack.messages == []

    down = SlackChannel(SLACK_TOKEN, "#alerts", base_url=f"http://127.0.0.1:{free_port()}/api/", timeout_s=2)
    with pytest.raises(AlertDeliveryError, match="^slack: "):
        down.send(alert, "x")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # implicit TLS, see above
def test_email_channel_delivers_in_every_security_mode(smtp_server: SmtpServer) -> None:
    mode = smtp_server.mode  # type: ignore[attr-defined]
    channel = email_channel(smtp_server, mode)
    alert = Alert("run:refresh", "error", "Run failed", "step weather_forecast raised TimeoutError", "run",
                  "refresh_weather", "http://ui/runs/r1")
    channel.send(alert, alert.render_text())

    assert len(smtp_server.recorder.messages) == 1
    raw = smtp_server.recorder.messages[0].decode()
    assert "Subject: [WeatherFlick] ERROR: Run refresh_weather: Run failed" in raw
    assert "To: oncall@weatherflick.test" in raw
    assert "step weather_forecast raised TimeoutError" in raw and "http://ui/runs/r1" in raw
    if mode != "none":
        assert smtp_server.recorder.logins == [(SMTP_USER, True)]


def test_email_channel_failures(starttls_server: SmtpServer) -> None:
    alert = secret_laden_alert()
    with pytest.raises(AlertDeliveryError, match="SMTPAuthenticationError 535") as info:
        email_channel(starttls_server, password="wrong-" + SMTP_PASSWORD).send(alert, "x")
    assert leaked(str(info.value)) == [] and "wrong-" not in str(info.value)

    # The certificate is verified: the system trust store does not know our self-signed one.
    with pytest.raises(AlertDeliveryError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        email_channel(starttls_server, ssl_context=None).send(alert, "x")

    # No password without TLS, refused before anything is sent.
    with pytest.raises(ValueError, match="without TLS"):
        email_channel(starttls_server, security="none")
    assert starttls_server.recorder.messages == []


@pytest.mark.s3
def test_sns_channel_sends_sms_to_numbers_and_topic(sns, moto_server_url: str) -> None:
    phone_a, phone_b = random_phone(), random_phone()
    sqs = boto3.client("sqs", endpoint_url=moto_server_url, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    queue_url = sqs.create_queue(QueueName=f"wfb-alerts-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic_arn = sns.create_topic(Name=f"wfb-alerts-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    channel = SnsSmsChannel(sns, [phone_a, phone_b], topic_arn=topic_arn, max_chars=120)
    alert = Alert("health:redis", "critical", "Redis unreachable", "ConnectionError " + "x" * 300, "health",
                  "redis", "http://ui/assets/platform_health")
    channel.send(alert, alert.render_text())

    for phone in (phone_a, phone_b):
        received = sms_received(moto_server_url, phone)
        assert len(received) == 1
        assert received[0].startswith("[CRITICAL] Health check redis: Redis unreachable")
        assert len(received[0]) <= 120  # an SMS says what and where; the link holds the rest
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    envelope = json.loads(messages[0]["Body"])
    assert envelope["Message"].startswith("[CRITICAL] Health check redis")
    assert envelope["Subject"] == "WeatherFlick CRITICAL: Health check redis"


@pytest.mark.s3
def test_sns_channel_failure_is_reported(sns) -> None:
    missing = f"arn:aws:sns:{REGION}:123456789012:no-such-topic-{uuid.uuid4().hex[:6]}"
    with pytest.raises(AlertDeliveryError, match=r"^sms: 1 of 1 SNS publishes failed \(NotFound\)$"):
        SnsSmsChannel(sns, topic_arn=missing).send(secret_laden_alert(), "x")
    with pytest.raises(ValueError, match="E.164"):
        SnsSmsChannel(sns, ["010-1234-5678"])


# ==================================================================================================
# The dispatcher, end to end
# ==================================================================================================
@dataclass
class Process:
    """One alerting process: its own channel objects, its own Redis connection and limiter."""

    dispatcher: AlertDispatcher
    client: redis.Redis


@pytest.mark.redis
@pytest.mark.s3
def test_two_processes_one_alert_per_channel_per_window_then_one_recovery(
    redis_url: str, slack: FakeSlack, starttls_server: SmtpServer, sns, moto_server_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    phone = random_phone()
    logger = logging.getLogger("wfb.test.alerts")

    def process() -> Process:
        client = redis.Redis.from_url(redis_url)
        channels = {
            "log": LogChannel(logger),
            "slack": SlackChannel(SLACK_TOKEN, "#alerts", base_url=slack.base_url),
            "email": email_channel(starttls_server),
            "sms": SnsSmsChannel(sns, [phone]),
        }
        dispatcher = AlertDispatcher(channels, Router(), RedisRateLimiter(client, cooldown_s=2.5, max_per_hour=20),
                                     redact=lambda text: text.replace(KMA_KEY, "<kma key>"), logger=logger)
        return Process(dispatcher, client)

    a, b = process(), process()
    alert = secret_laden_alert()
    everywhere = ["log", "slack", "email", "sms"]
    caplog.set_level(logging.INFO, logger="wfb.test.alerts")
    try:
        first = a.dispatcher.dispatch(alert)
        assert first.sent == everywhere and first.failed == []
        for proc in (b, a, b):  # the same failing check seen again by both processes
            again = proc.dispatcher.dispatch(alert)
            assert again.sent == [] and again.suppressed == [(c, COOLDOWN) for c in everywhere]

        assert len(slack.messages) == len(starttls_server.recorder.messages) == 1
        assert len(sms_received(moto_server_url, phone)) == 1
        assert sum("ALERT [CRITICAL]" in r.getMessage() for r in caplog.records) == 1
        assert "serviceKey=***" in first.text and "<kma key>" in first.text  # scrubbed, still readable

        # Next cooldown window: one more alert per channel.
        time.sleep(2.6)
        assert b.dispatcher.dispatch(alert).sent == everywhere
        assert a.dispatcher.dispatch(alert).sent == []
        assert len(slack.messages) == 2 and len(starttls_server.recorder.messages) == 2

        # Recovery: one "ok again" per channel, whichever process sees it first; then nothing.
        recovery = secret_laden_alert(recovered=True)
        reports = [b.dispatcher.dispatch(recovery), a.dispatcher.dispatch(recovery), b.dispatcher.dispatch(recovery)]
        assert sorted(reports[0].sent) == sorted(everywhere)
        assert reports[1].sent == reports[2].sent == [] and reports[1].suppressed == []
        assert slack.messages[-1]["text"] == "[OK AGAIN] Check weather_forecast/fresh: Forecast is stale (was CRITICAL)"
        assert slack.messages[-1]["attachments"][0]["color"] == "good"
        assert len(slack.messages) == 3 and len(starttls_server.recorder.messages) == 3
        assert b"[WeatherFlick] OK AGAIN" in starttls_server.recorder.messages[-1]
        sms = sms_received(moto_server_url, phone)
        assert len(sms) == 3 and sms[-1].startswith("[OK AGAIN]")

        # A failure right after the recovery is news: sent at once, not held by the old cooldown.
        assert a.dispatcher.dispatch(alert).sent == everywhere

        # A recovery for a key never alerted sends nothing.
        never = secret_laden_alert(key="check:never:alerted", recovered=True)
        assert a.dispatcher.dispatch(never).sent == []
        assert len(slack.messages) == 4

        # No message anywhere carried a secret.
        received = (slack.raw_bodies + [email_text(m) for m in starttls_server.recorder.messages]
                    + sms_received(moto_server_url, phone) + [r.getMessage() for r in caplog.records])
        assert len(received) >= 16
        for text in received:
            assert leaked(text) == [], text
        # ... nor a Redis key name.
        assert all(leaked(k) == [] for k in a.client.keys("*"))
    finally:
        a.client.close()
        b.client.close()


@pytest.mark.redis
def test_failing_channel_does_not_stop_the_others_and_is_retried(
    redis_url: str, slack: FakeSlack, starttls_server: SmtpServer
) -> None:
    client = redis.Redis.from_url(redis_url)
    channels = {"slack": SlackChannel(SLACK_TOKEN, "#alerts", base_url=slack.base_url),
                "email": email_channel(starttls_server)}
    dispatcher = AlertDispatcher(channels, Router({"slack": "warning", "email": "error"}),
                                 RedisRateLimiter(client), secrets=[KMA_KEY])
    alert = secret_laden_alert(severity="error")
    try:
        slack.fail_next("http500")
        report = dispatcher.dispatch(alert)
        assert report.sent == ["email"]
        assert [name for name, _ in report.failed] == ["slack"]
        assert "HTTP 500" in report.failed[0][1] and leaked(report.failed[0][1]) == []

        # The failed channel did not start a cooldown: the next evaluation retries it.
        retry = dispatcher.dispatch(alert)
        assert retry.sent == ["slack"] and retry.suppressed == [("email", COOLDOWN)]

        # Recovery reaches both (both got the alert in the end).
        assert sorted(dispatcher.dispatch(secret_laden_alert(severity="error", recovered=True)).sent) == [
            "email", "slack"]
    finally:
        client.close()


@pytest.mark.redis
def test_routing_by_severity_and_recovery_to_the_channels_that_were_told(
    redis_url: str, slack: FakeSlack, starttls_server: SmtpServer
) -> None:
    client = redis.Redis.from_url(redis_url)
    channels = {"slack": SlackChannel(SLACK_TOKEN, "#alerts", base_url=slack.base_url),
                "email": email_channel(starttls_server)}
    dispatcher = AlertDispatcher(channels, Router(), RedisRateLimiter(client))  # sms routed but not configured
    warning = Alert("health:disk", "warning", "Disk filling", "disk 85 %", "health", "disk", "http://ui/a")
    try:
        assert dispatcher.dispatch(warning).sent == ["slack"]  # warning: not e-mail, not SMS
        recovered = dispatcher.dispatch(Alert(**{**warning.__dict__, "recovered": True}))
        assert recovered.sent == ["slack"]
        assert recovered.text.startswith("[OK AGAIN] Health check disk: Disk filling (was WARNING)")
        assert starttls_server.recorder.messages == []
    finally:
        client.close()


@pytest.mark.redis
def test_hourly_cap_through_the_dispatcher(redis_url: str, slack: FakeSlack) -> None:
    client = redis.Redis.from_url(redis_url)
    dispatcher = AlertDispatcher({"slack": SlackChannel(SLACK_TOKEN, "#alerts", base_url=slack.base_url)},
                                 Router({"slack": "info"}), RedisRateLimiter(client, max_per_hour=20))
    try:
        reports = [dispatcher.dispatch(Alert(f"check:{i}", "error", "t", "w", "check", f"c{i}", "http://ui"))
                   for i in range(22)]
        assert sum(r.sent == ["slack"] for r in reports) == 20
        assert [r.suppressed for r in reports[20:]] == [[("slack", HOURLY_CAP)]] * 2
        assert len(slack.messages) == 20
    finally:
        client.close()


def test_limiter_outage_fails_open(slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    dead = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
    dispatcher = AlertDispatcher({"slack": SlackChannel(SLACK_TOKEN, "#alerts", base_url=slack.base_url)},
                                 Router({"slack": "info"}), RedisRateLimiter(dead))
    caplog.set_level(logging.WARNING)
    report = dispatcher.dispatch(Alert("health:redis", "critical", "Redis unreachable", "refused", "health",
                                       "redis", "http://ui"))
    assert report.sent == ["slack"]  # the alert saying Redis is down must not depend on Redis
    assert any("rate limiter unavailable" in r.getMessage() for r in caplog.records)


def test_embedded_mode_logs_once_per_window_and_recovers(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("wfb.test.embedded")
    dispatcher = log_only_dispatcher(logger)
    caplog.set_level(logging.INFO, logger="wfb.test.embedded")
    alert = secret_laden_alert(severity="error")
    assert dispatcher.dispatch(alert).sent == ["log"]
    assert dispatcher.dispatch(alert).suppressed == [("log", COOLDOWN)]
    assert dispatcher.dispatch(secret_laden_alert(severity="error", recovered=True)).sent == ["log"]
    messages = [(r.levelno, r.getMessage()) for r in caplog.records if r.getMessage().startswith("ALERT")]
    assert [level for level, _ in messages] == [logging.ERROR, logging.INFO]
    assert messages[1][1].startswith("ALERT [OK AGAIN]")
    # Without a redactor the patterns still catch the key in the URL and the token in the link...
    assert "serviceKey=***" in messages[0][1] and "token=***" in messages[0][1]
    assert UI_TOKEN not in messages[0][1] and quote(KMA_KEY) not in messages[0][1]
    # ... but the bare key in prose ("key <value> rejected") is only caught by the caller's redactor
    # (or ``secrets``), which is why production passes the API clients' keys in.
    with_redact = log_only_dispatcher(logger, redact=lambda t: t.replace(KMA_KEY, "***"))
    assert leaked(with_redact.dispatch(secret_laden_alert(key="k2")).text) == []


def test_slack_goes_through_dagster_slacks_resource(monkeypatch):
    import dagster_slack

    from weather_flick_batch.health.alerts import SlackChannel

    made = []
    real = dagster_slack.SlackResource.get_client

    def counted(self):
        made.append(self.token)
        return real(self)

    monkeypatch.setattr(dagster_slack.SlackResource, "get_client", counted)
    channel = SlackChannel("xoxb-secret", "#alerts", base_url="http://127.0.0.1:9/api")
    assert made == ["xoxb-secret"] and channel._client.base_url == "http://127.0.0.1:9/api/"

"""Every setting of the platform, in one registry: name, default, type, meaning, secrecy.

Settings come from environment variables only. Non-secret settings are validated here when the
code location loads, so a wrong value fails at load with one line naming the variable. Secrets
(API keys, passwords, tokens) are never read here: resources receive them as ``dagster.EnvVar`` so
their values never enter the definitions, run config, logs or metadata.

``.env.example`` and docs/settings.md are generated from this registry
(``weather-flick-batch settings --env-example``) and a test keeps them in sync.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def load_env_file() -> Path | None:
    """Load settings from a .env file into the environment, without overriding what is set.

    Called where every process starts: the CLI (``make run``, ``db upgrade``...) and the code location
    (``make dev``'s webserver and daemon, code servers, Celery workers), so one file configures them
    all. ``WEATHER_FLICK_ENV_FILE`` names it (``none``: load nothing); by default ``.env`` in the
    current directory is loaded when it exists. The file's lines are ``NAME=value``, as in
    ``.env.example``; secrets may live there (mode 600), they still reach resources only as EnvVar.
    """
    raw = os.environ.get("WEATHER_FLICK_ENV_FILE", "").strip()
    if raw.lower() == "none":
        return None
    path = Path(raw).expanduser() if raw else Path.cwd() / ".env"
    if not path.is_file():
        if raw:
            raise SettingsError(f"WEATHER_FLICK_ENV_FILE={raw!r} is invalid: no such file")
        return None
    from dotenv import load_dotenv

    load_dotenv(path, override=False)
    return path.resolve()


class SettingsError(ValueError):
    """A setting has a value the platform cannot use. The message names the variable."""


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def _parse_int(raw: str) -> int:
    return int(raw.strip())


def _parse_float(raw: str) -> float:
    return float(raw.strip())


def _parse_str(raw: str) -> str:
    return raw.strip()


def _parse_environment(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"local", "production"}:
        raise ValueError("expected 'local' or 'production'")
    return value


def parse_schema_name(raw: str) -> str:
    """A PostgreSQL schema name safe to quote into DDL: lower case letters, digits and underscores."""
    import re

    value = raw.strip()
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
        raise ValueError("expected a lower-case PostgreSQL schema name such as public or weather_flick_shadow")
    return value


def _parse_cap(raw: str) -> int | None:
    """A whole number, or 'none' for no cap at all (said explicitly, never by a zero)."""
    value = raw.strip().lower()
    return None if value == "none" else int(value)


@dataclass(frozen=True)
class Range:
    """Where a numeric setting makes sense; a value outside fails at load, naming the setting."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False  # True: the value must be greater than ``low``, not equal
    note: str = ""

    def problem(self, value: float | None) -> str | None:
        if value is None:
            return None
        too_low = self.low is not None and (value <= self.low if self.low_open else value < self.low)
        too_high = self.high is not None and value > self.high
        return f"must be {self.text}" if too_low or too_high else None

    @property
    def text(self) -> str:
        def n(x: float) -> str:
            return f"{x:g}"

        if self.note:
            return self._text() + f" {self.note}"
        return self._text()

    def _text(self) -> str:
        def n(x: float) -> str:
            return f"{x:g}"

        if self.low is not None and self.high is not None:
            return f"between {n(self.low)} and {n(self.high)}" + (f" (above {n(self.low)})" if self.low_open else "")
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {n(self.low)}"
        return f"<= {n(self.high)}"


def _parse_mode(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"sample", "live"}:
        raise ValueError("expected 'sample' (offline sample source) or 'live' (the real API)")
    return value


def _parse_url(raw: str) -> str:
    value = raw.strip()
    if value and "://" not in value:
        raise ValueError("expected a URL such as postgresql+psycopg2://user@host:5432/db")
    return value


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None  # None: no default (optional, or a secret)
    description: str
    parse: Callable[[str], Any] = _parse_str
    secret: bool = False
    group: str = "general"
    range: Range | None = None  # attached from RANGES below

    def read(self, environ: Mapping[str, str]) -> Any:
        raw = environ.get(self.name)
        if raw is None or raw.strip() == "":
            raw = self.default
        if raw is None:
            return None
        try:
            value = self.parse(raw)
        except ValueError as exc:
            raise SettingsError(f"{self.name}={raw!r} is invalid: {exc}") from None
        problem = self.range.problem(value) if self.range is not None else None
        if problem:
            raise SettingsError(f"{self.name}={raw!r} is out of range: it {problem}")
        return value


SETTINGS: tuple[Setting, ...] = (
    # -- platform
    Setting("WEATHER_FLICK_ENV_FILE", None,
            "A .env file of settings to load (the environment wins over it). Default: .env in the current "
            "directory, if there is one; 'none' loads nothing.", group="platform"),
    Setting("WEATHER_FLICK_HOME", None,
            "Directory for embedded-mode state (SQLite warehouse, raw archive, logs). "
            "Default: $DAGSTER_HOME, else .dagster_home in the checkout.", group="platform"),
    Setting("WEATHER_FLICK_ENVIRONMENT", "local",
            "'local' (schedules stopped unless asked) or 'production' (schedules and sensors run by default; "
            "the sample sources are refused).", _parse_environment, group="platform"),
    Setting("WEATHER_FLICK_STEP_RETRY_DELAY_S", "10",
            "Base delay of step retries for network-bound assets (exponential: x1, x2, x4, with jitter).",
            _parse_float, group="platform"),
    Setting("WEATHER_FLICK_TOP_N", "10",
            "How many destinations regional_recommendations keeps per region, day and content type.",
            _parse_int, group="platform"),
    Setting("WEATHER_FLICK_SYNC_MAX_WITHDRAW_SHARE", "0.2",
            "A destination sync that would withdraw more than this share of a province's active destinations "
            "writes nothing and fails (a broken listing looks like mass withdrawal); run config "
            "allow_mass_withdrawal: true lets a real one through.", _parse_float, group="platform"),
    Setting("WEATHER_FLICK_PUBLISH_MAX_ROW_DROP", "0.5",
            "A derived table (forecast points, outlook, scores, top lists, analytics) that would shrink by more than "
            "this share against its previous publication is not published: the write rolls back and the asset "
            "fails. 1 turns the gate off.", _parse_float, group="platform"),
    Setting("WEATHER_FLICK_UI_BASE_URL", "http://127.0.0.1:3000",
            "Base URL of the Dagster UI, used for links in alerts.", _parse_url, group="platform"),
    # -- warehouse
    Setting("WEATHER_FLICK_WAREHOUSE_URL", None,
            "SQLAlchemy URL of the warehouse. Default: SQLite file warehouse.sqlite in WEATHER_FLICK_HOME. "
            "Production: postgresql+psycopg2://user@host:5432/weather_flick (password in "
            "WEATHER_FLICK_WAREHOUSE_PASSWORD).", _parse_url, group="warehouse"),
    Setting("WEATHER_FLICK_WAREHOUSE_PASSWORD", None,
            "Password for the PostgreSQL warehouse, kept out of the URL.", secret=True, group="warehouse"),
    Setting("WEATHER_FLICK_SERVICE_SCHEMA", "public",
            "PostgreSQL schema of the back end's own tables (regions, the content tables, pet_tour_info) that "
            "the platform publishes: public after the cutover, e.g. weather_flick_shadow during a shadow run "
            "(docs/migration.md). The batch's own tables live in the connection's search_path.",
            parse_schema_name, group="warehouse"),
    # -- redis / s3
    Setting("WEATHER_FLICK_REDIS_URL", None,
            "Redis URL for the API response cache and alert rate limits, e.g. redis://127.0.0.1:6379/0. "
            "Optional in embedded mode (an in-process cache is used).", _parse_url, group="redis"),
    Setting("WEATHER_FLICK_REDIS_TIMEOUT_S", "0.5",
            "Connect and read timeout of Redis calls, in seconds: it answers in milliseconds, and a stalled one "
            "must not hold every cache read.", _parse_float, group="redis"),
    Setting("WEATHER_FLICK_BREAKER_FAILURES", "3",
            "Consecutive failures after which an optional service (the Redis cache) is bypassed.",
            _parse_int, group="redis"),
    Setting("WEATHER_FLICK_BREAKER_COOL_OFF_S", "60",
            "How long a failing optional service is bypassed before one call tries it again, in seconds.",
            _parse_float, group="redis"),
    Setting("WEATHER_FLICK_S3_BUCKET", None,
            "S3 bucket for raw API archives, backups and (production dagster.yaml) step logs. Empty: local directories in WEATHER_FLICK_HOME.",
            group="s3"),
    Setting("WEATHER_FLICK_S3_ENDPOINT_URL", None,
            "S3 endpoint for S3-compatible servers (MinIO, moto). Empty: AWS.", _parse_url, group="s3"),
    Setting("WEATHER_FLICK_S3_REGION", "ap-northeast-2", "S3 region.", group="s3"),
    Setting("AWS_ACCESS_KEY_ID", None, "S3 access key id (standard AWS variable).", secret=True, group="s3"),
    Setting("AWS_SECRET_ACCESS_KEY", None, "S3 secret key (standard AWS variable).", secret=True, group="s3"),
    # -- sources
    Setting("WEATHER_FLICK_KMA_MODE", "sample",
            "'sample': the offline KMA sample source (simulated data); 'live': the KMA open API.",
            _parse_mode, group="kma"),
    Setting("WEATHER_FLICK_KMA_BASE_URL", "https://apis.data.go.kr/1360000",
            "KMA API base URL (the API Hub is https://apihub.kma.go.kr/api/typ02/openApi).", _parse_url,
            group="kma"),
    Setting("WEATHER_FLICK_KMA_KEY_PARAM", "serviceKey",
            "Query parameter carrying the KMA key ('authKey' on the API Hub).", group="kma"),
    Setting("WEATHER_FLICK_KMA_API_KEYS", None,
            "Comma-separated KMA API keys; rotated when one hits its daily quota. Required in live mode.",
            secret=True, group="kma"),
    Setting("WEATHER_FLICK_KMA_MAX_POINTS", "300",
            "Cap on forecast points (distinct KMA grid cells) per issuance, to stay inside the daily quota; "
            "the run metadata lists what the cap left out; 'none': no cap.", _parse_cap, group="kma"),
    Setting("WEATHER_FLICK_KMA_DAILY_LIMIT", "10000",
            "Calls a day per KMA key and operation (development keys: about 10,000): counted across every "
            "process (in Redis), a key that reaches it is skipped until midnight KST, and platform/health warns "
            "at 0.8 and errs at 0.95 of it.", _parse_int, group="kma"),
    Setting("WEATHER_FLICK_KMA_MAX_CONCURRENCY", "4",
            "Simultaneous KMA requests within one step (the kma_api pool bounds steps across runs).",
            _parse_int, group="kma"),
    Setting("WEATHER_FLICK_RAW_RETENTION_DAYS", "30",
            "Days to keep archived raw API payloads (local directory or S3) before cleanup expires them.",
            _parse_int, group="kma"),
    Setting("WEATHER_FLICK_KTO_MODE", "sample",
            "'sample': the embedded TourAPI catalogue; 'live': the KTO TourAPI.", _parse_mode, group="kto"),
    Setting("WEATHER_FLICK_KTO_BASE_URL", "https://apis.data.go.kr/B551011/KorService2",
            "KTO TourAPI base URL.", _parse_url, group="kto"),
    Setting("WEATHER_FLICK_KTO_API_KEYS", None,
            "Comma-separated TourAPI keys; rotated on quota. Required in live mode.", secret=True, group="kto"),
    Setting("WEATHER_FLICK_HTTP_TIMEOUT_S", "10", "Per-request timeout for the API clients, in seconds.",
            _parse_float, group="kma"),
    Setting("WEATHER_FLICK_HTTP_MAX_ATTEMPTS", "4",
            "Attempts per API request (transient errors are retried with exponential backoff and full jitter).",
            _parse_int, group="kma"),
    Setting("WEATHER_FLICK_HTTP_BACKOFF_S", "0.5",
            "Base of the exponential backoff between attempts, in seconds (delay <= base * 2^attempt).",
            _parse_float, group="kma"),
    Setting("WEATHER_FLICK_KTO_DAILY_LIMIT", "1000",
            "Calls a day per TourAPI key and operation (development keys: about 1,000), counted and enforced "
            "like WEATHER_FLICK_KMA_DAILY_LIMIT.", _parse_int, group="kto"),
    Setting("WEATHER_FLICK_KTO_SAMPLE_CATALOGUE_SIZE", "0",
            "Sample mode only: 0 serves the embedded real catalogue; N > 0 serves a deterministic synthetic "
            "catalogue of N destinations instead (load tests, the nationwide benchmark).", _parse_int, group="kto"),
    Setting("WEATHER_FLICK_AIRKOREA_MODE", "sample",
            "'sample': the offline AirKorea sample source (simulated fine dust); 'live': the AirKorea open API.",
            _parse_mode, group="airkorea"),
    Setting("WEATHER_FLICK_AIRKOREA_BASE_URL", "https://apis.data.go.kr/B552584/ArpltnInforInqireSvc",
            "AirKorea (한국환경공단) air-pollution service base URL.", _parse_url, group="airkorea"),
    Setting("WEATHER_FLICK_AIRKOREA_API_KEYS", None,
            "Comma-separated data.go.kr keys subscribed to the AirKorea service; rotated on quota. Required in "
            "live mode.", secret=True, group="airkorea"),
    Setting("WEATHER_FLICK_AIRKOREA_DAILY_LIMIT", "500",
            "Calls a day per AirKorea key and operation (development keys: about 500), counted and enforced like "
            "WEATHER_FLICK_KMA_DAILY_LIMIT.", _parse_int, group="airkorea"),
    # -- execution settings (scale-out; weather_flick_batch/execution.py, docs/topology.md) --
    Setting("WEATHER_FLICK_EXECUTOR", "in_process",
            "Executor of every job: 'in_process' (all steps in the run worker), 'multiprocess' (a subprocess "
            "per step) or 'celery' (steps as Celery tasks on dagster-celery workers; see docs/topology.md).",
            group="execution"),
    Setting("WEATHER_FLICK_EXECUTOR_MAX_CONCURRENT", "0",
            "Multiprocess executor: most steps running at once per run (0: the CPU count).",
            _parse_int, group="execution"),
    Setting("WEATHER_FLICK_CELERY_BROKER", "redis://127.0.0.1:6379/1",
            "Celery executor: broker URL (Redis). Workers must use the same one (deploy/celery.yaml).",
            _parse_url, group="execution"),
    Setting("WEATHER_FLICK_CELERY_BACKEND", "redis://127.0.0.1:6379/2",
            "Celery executor: result backend URL (Redis). Workers must use the same one (deploy/celery.yaml).",
            _parse_url, group="execution"),
    # -- maintenance settings (operations) --
    Setting("WEATHER_FLICK_WEATHER_RETENTION_DAYS", "30",
            "Days of KMA partitions (nowcast, short- and medium-range) the warehouse keeps; cleanup_job deletes "
            "older ones. At least 8: the forecast verification reads a rolling week.", _parse_int,
            group="maintenance"),
    Setting("WEATHER_FLICK_AUDIT_RETENTION_DAYS", "90",
            "Days of load_audit rows and destination rejects the warehouse keeps (cleanup_job).", _parse_int,
            group="maintenance"),
    Setting("WEATHER_FLICK_RETENTION_BATCH_ROWS", "5000",
            "Rows cleanup_job deletes per transaction: small batches keep locks and the write-ahead log short.",
            _parse_int, group="maintenance"),
    Setting("WEATHER_FLICK_BACKUP_KEEP_DAYS", "30",
            "Warehouse backups younger than this many days are kept (besides the newest "
            "WEATHER_FLICK_BACKUP_KEEP_COUNT).", _parse_int, group="maintenance"),
    Setting("WEATHER_FLICK_BACKUP_KEEP_COUNT", "7",
            "The newest N complete warehouse backups are always kept, however old (at least 1).",
            _parse_int, group="maintenance"),
    Setting("WEATHER_FLICK_RUN_RETENTION_DAYS", "90",
            "Finished Dagster runs (with their event logs) older than this many days are purged by cleanup.",
            _parse_int, group="maintenance"),
    Setting("WEATHER_FLICK_LOG_COMPRESS_AFTER_DAYS", "30",
            "Platform log files (WEATHER_FLICK_HOME/logs/*.log) older than this many days are gzip'd by cleanup.",
            _parse_int, group="maintenance"),
    Setting("WEATHER_FLICK_LOG_DELETE_AFTER_DAYS", "90",
            "Platform log files (plain or gzip'd) older than this many days are deleted by cleanup.",
            _parse_int, group="maintenance"),
    Setting("WEATHER_FLICK_COMPUTE_LOG_RETENTION_DAYS", "30",
            "Dagster's local compute logs (stdout/stderr of steps) older than this many days are deleted.",
            _parse_int, group="maintenance"),
    Setting("WEATHER_FLICK_PARTITION_RETRY_LIMIT", "3",
            "How many times failed_partition_retry_sensor re-requests one failed partition (0: never).",
            _parse_int, group="maintenance"),
    Setting("WEATHER_FLICK_PARTITION_RETRY_LOOKBACK_HOURS", "24",
            "Failures older than this are not re-requested (e.g. when the sensor is turned on after a pause).",
            _parse_int, group="maintenance"),
    # -- health and alerts settings --
    # Thresholds of the platform/health checks (grading: weather_flick_batch/health/probes.py).
    Setting("WEATHER_FLICK_HEALTH_CPU_PCT_WARN", "80",
            "Health: CPU use in % (psutil, sampled over the probe interval); warning above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_CPU_PCT_ERROR", "90",
            "Health: CPU use in % (psutil, sampled over the probe interval); error above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_MEMORY_PCT_WARN", "80",
            "Health: Memory use in % of the host's RAM; warning above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_MEMORY_PCT_ERROR", "90",
            "Health: Memory use in % of the host's RAM; error above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_DISK_PCT_WARN", "80",
            "Health: Disk use in % of the volume holding the platform's state; warning above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_DISK_PCT_ERROR", "90",
            "Health: Disk use in % of the volume holding the platform's state; error above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_DB_CONNECTIONS_RATIO_WARN", "0.8",
            "Health: PostgreSQL client connections in use / max_connections; warning above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_DB_CONNECTIONS_RATIO_ERROR", "0.95",
            "Health: PostgreSQL client connections in use / max_connections; error above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_REDIS_MEMORY_RATIO_WARN", "0.8",
            "Health: Redis used_memory / maxmemory (host memory when maxmemory is 0); warning above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_REDIS_MEMORY_RATIO_ERROR", "0.9",
            "Health: Redis used_memory / maxmemory (host memory when maxmemory is 0); error above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_API_LATENCY_S_WARN", "2",
            "Health: Round trip of the cheap KMA/TourAPI call, in seconds; warning above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_API_LATENCY_S_ERROR", "5",
            "Health: Round trip of the cheap KMA/TourAPI call, in seconds; error above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_WAREHOUSE_LATENCY_S_WARN", "0.5",
            "Health: Round trip of SELECT 1 on the warehouse, in seconds; warning above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_WAREHOUSE_LATENCY_S_ERROR", "2",
            "Health: Round trip of SELECT 1 on the warehouse, in seconds; error above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_RUN_SUCCESS_RATE_WARN", "0.95",
            "Health: Share of the platform's runs finished in the last 24 h that succeeded"
            "; warning below this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_RUN_SUCCESS_RATE_ERROR", "0.8",
            "Health: Share of the platform's runs finished in the last 24 h that succeeded; error below this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_QUEUE_DEPTH_WARN", "20",
            "Health: Runs waiting in the run queue; warning above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_QUEUE_DEPTH_ERROR", "50",
            "Health: Runs waiting in the run queue; error above this value.",
            _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_API_QUOTA_RATIO_WARN", "0.8",
            "Health: Calls today / the daily limit of the busiest API key and operation (KMA and TourAPI); "
            "warning above this value.", _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_API_QUOTA_RATIO_ERROR", "0.95",
            "Health: Calls today / the daily limit of the busiest API key and operation (KMA and TourAPI); "
            "error above this value.", _parse_float, group="health"),
    Setting("WEATHER_FLICK_HEALTH_DISK_PATH", None,
            "Directory whose volume the disk-use health check grades. Default: WEATHER_FLICK_HOME (the "
            "platform's state; the first existing parent when it is not created yet).", group="health"),
    # The watchdog outside the daemon (weather_flick_batch/watchdog.py): limits against the schedules.
    Setting("WEATHER_FLICK_WATCHDOG_HEARTBEAT_MAX_AGE_S", "120",
            "Watchdog: a daemon (scheduler, sensors, run queue, automation, run monitoring) silent for longer "
            "than this, in seconds, is down (they beat every 30 s).", _parse_float, group="watchdog"),
    Setting("WEATHER_FLICK_WATCHDOG_HEALTH_MAX_AGE_MIN", "15",
            "Watchdog: platform/health (scheduled every 5 min) older than this, in minutes, is an error.",
            _parse_float, group="watchdog"),
    Setting("WEATHER_FLICK_WATCHDOG_WEATHER_MAX_AGE_H", "6",
            "Watchdog: the newest short-range issuance loaded (issued every 3 h) older than this, in hours, is "
            "an error.", _parse_float, group="watchdog"),
    Setting("WEATHER_FLICK_WATCHDOG_BACKUP_MAX_AGE_H", "26",
            "Watchdog: the newest verified warehouse backup (daily at 02:00 KST) older than this, in hours, is "
            "an error.", _parse_float, group="watchdog"),
    # Alert channels, routing and rate limits (delivery: weather_flick_batch/health/alerts/).
    Setting("WEATHER_FLICK_ALERT_ROUTES", "log=info,slack=warning,email=error,sms=critical",
            "Minimum alert severity per channel (info, warning, error, critical); unconfigured channels are off.",
            group="alerts"),
    Setting("WEATHER_FLICK_ALERT_COOLDOWN_S", "300",
            "Seconds between two alerts with the same key on one channel (shared across processes in Redis).",
            _parse_float, group="alerts"),
    Setting("WEATHER_FLICK_ALERT_MAX_PER_HOUR", "20",
            "Most alerts one channel sends in any sliding hour (recovery notices included).",
            _parse_int, group="alerts"),
    Setting("WEATHER_FLICK_ALERT_SLACK_TOKEN", None,
            "Slack bot token (xoxb-...); empty: Slack off.",
            secret=True, group="alerts"),
    Setting("WEATHER_FLICK_ALERT_SLACK_CHANNEL", None,
            "Slack channel for alerts, e.g. #weatherflick-alerts.",
            group="alerts"),
    Setting("WEATHER_FLICK_ALERT_SLACK_BASE_URL", "https://slack.com/api/",
            "Slack Web API base URL (Slack-compatible servers, tests).",
            _parse_url, group="alerts"),
    Setting("WEATHER_FLICK_ALERT_SMTP_HOST", None,
            "SMTP server for alert e-mail; empty: e-mail off.",
            group="alerts"),
    Setting("WEATHER_FLICK_ALERT_SMTP_PORT", "587",
            "SMTP port (587 with starttls, 465 with ssl).",
            _parse_int, group="alerts"),
    Setting("WEATHER_FLICK_ALERT_SMTP_SECURITY", "starttls",
            "'starttls', 'ssl' or 'none' (no login without TLS).",
            group="alerts"),
    Setting("WEATHER_FLICK_ALERT_SMTP_USERNAME", None,
            "SMTP login user; empty: no login.",
            group="alerts"),
    Setting("WEATHER_FLICK_ALERT_SMTP_PASSWORD", None,
            "SMTP login password.",
            secret=True, group="alerts"),
    Setting("WEATHER_FLICK_ALERT_EMAIL_FROM", None,
            "Sender address of alert e-mail.",
            group="alerts"),
    Setting("WEATHER_FLICK_ALERT_EMAIL_TO", None,
            "Comma-separated recipients of alert e-mail.",
            group="alerts"),
    Setting("WEATHER_FLICK_ALERT_SMS_NUMBERS", None,
            "Comma-separated E.164 phone numbers (+8210...) for SMS through AWS SNS; empty (and no topic): SMS off.",
            group="alerts"),
    Setting("WEATHER_FLICK_ALERT_SNS_TOPIC_ARN", None,
            "SNS topic to publish SMS alerts to instead of/besides numbers.",
            group="alerts"),
    Setting("WEATHER_FLICK_ALERT_SNS_REGION", "ap-northeast-2",
            "AWS region for SNS (credentials: standard AWS variables).",
            group="alerts"),
    Setting("WEATHER_FLICK_ALERT_SNS_ENDPOINT_URL", None,
            "SNS endpoint override (moto, tests). Empty: AWS.",
            _parse_url, group="alerts"),
    # Delivery of trip notices to travellers (docs/trip-notices.md): not the operators' alert channels.
    Setting("WEATHER_FLICK_TRIP_SMTP_HOST", None,
            "SMTP server for trip-notice e-mail to travellers; empty: EMAIL rows wait in notifications.",
            group="trips"),
    Setting("WEATHER_FLICK_TRIP_SMTP_PORT", "587",
            "SMTP port for trip-notice e-mail (587 with starttls, 465 with ssl).",
            _parse_int, group="trips"),
    Setting("WEATHER_FLICK_TRIP_SMTP_SECURITY", "starttls",
            "'starttls', 'ssl' or 'none'.",
            group="trips"),
    Setting("WEATHER_FLICK_TRIP_SMTP_USERNAME", None,
            "SMTP login user for trip-notice e-mail; empty: no login.",
            group="trips"),
    Setting("WEATHER_FLICK_TRIP_SMTP_PASSWORD", None,
            "SMTP login password for trip-notice e-mail.",
            secret=True, group="trips"),
    Setting("WEATHER_FLICK_TRIP_EMAIL_FROM", "WeatherFlick <no-reply@weatherflick.kr>",
            "Sender of trip-notice e-mail.",
            group="trips"),
    Setting("WEATHER_FLICK_FCM_PROJECT_ID", None,
            "Firebase project of the app; with the credentials file, PUSH rows are sent through FCM HTTP v1.",
            group="trips"),
    Setting("WEATHER_FLICK_FCM_CREDENTIALS_FILE", None,
            "Path of the Firebase service account's JSON key (never its content in a variable or a log).",
            group="trips"),
    Setting("WEATHER_FLICK_FCM_BASE_URL", "https://fcm.googleapis.com",
            "FCM endpoint (FCM-compatible servers, tests).",
            _parse_url, group="trips"),
    Setting("WEATHER_FLICK_TRIP_RETRY_BASE_S", "60",
            "First delay before a failed delivery is retried; doubled on each further attempt.",
            _parse_float, group="trips"),
)

# Every numeric setting's range (a test checks none is missing).
_PROVINCE_POINTS = 17  # the forecast points that every cap must keep: one per province
_AT_LEAST_1, _NOT_NEGATIVE, _POSITIVE = Range(1), Range(0), Range(0, low_open=True)
_FRACTION, _PERCENT = Range(0, 1), Range(0, 100)
RANGES: dict[str, Range] = {
    "WEATHER_FLICK_TRIP_SMTP_PORT": Range(1, 65535),
    "WEATHER_FLICK_TRIP_RETRY_BASE_S": _POSITIVE,
    "WEATHER_FLICK_STEP_RETRY_DELAY_S": _NOT_NEGATIVE,
    "WEATHER_FLICK_TOP_N": _AT_LEAST_1,
    "WEATHER_FLICK_WATCHDOG_HEARTBEAT_MAX_AGE_S": _POSITIVE,
    "WEATHER_FLICK_WATCHDOG_HEALTH_MAX_AGE_MIN": _POSITIVE,
    "WEATHER_FLICK_WATCHDOG_WEATHER_MAX_AGE_H": _POSITIVE,
    "WEATHER_FLICK_WATCHDOG_BACKUP_MAX_AGE_H": _POSITIVE,
    "WEATHER_FLICK_SYNC_MAX_WITHDRAW_SHARE": _FRACTION,
    "WEATHER_FLICK_PUBLISH_MAX_ROW_DROP": _FRACTION,
    "WEATHER_FLICK_KMA_MAX_POINTS": Range(_PROVINCE_POINTS, note="(one point per province), or 'none' for no cap"),
    "WEATHER_FLICK_KMA_MAX_CONCURRENCY": _AT_LEAST_1,
    "WEATHER_FLICK_KMA_DAILY_LIMIT": _AT_LEAST_1,
    "WEATHER_FLICK_KTO_DAILY_LIMIT": _AT_LEAST_1,
    "WEATHER_FLICK_AIRKOREA_DAILY_LIMIT": _AT_LEAST_1,
    "WEATHER_FLICK_RAW_RETENTION_DAYS": _NOT_NEGATIVE,  # 0: as soon as the job runs (the keep counts still hold)
    "WEATHER_FLICK_HTTP_TIMEOUT_S": _POSITIVE,
    "WEATHER_FLICK_REDIS_TIMEOUT_S": _POSITIVE,
    "WEATHER_FLICK_BREAKER_FAILURES": _AT_LEAST_1,
    "WEATHER_FLICK_BREAKER_COOL_OFF_S": _POSITIVE,
    "WEATHER_FLICK_HTTP_MAX_ATTEMPTS": _AT_LEAST_1,
    "WEATHER_FLICK_HTTP_BACKOFF_S": _NOT_NEGATIVE,
    "WEATHER_FLICK_KTO_SAMPLE_CATALOGUE_SIZE": _NOT_NEGATIVE,
    "WEATHER_FLICK_EXECUTOR_MAX_CONCURRENT": _NOT_NEGATIVE,
    "WEATHER_FLICK_WEATHER_RETENTION_DAYS": Range(8, note="(the forecast verification reads a rolling week)"),
    "WEATHER_FLICK_AUDIT_RETENTION_DAYS": _AT_LEAST_1,
    "WEATHER_FLICK_RETENTION_BATCH_ROWS": _AT_LEAST_1,
    "WEATHER_FLICK_BACKUP_KEEP_DAYS": _NOT_NEGATIVE,  # 0: as soon as the job runs (the keep counts still hold)
    "WEATHER_FLICK_BACKUP_KEEP_COUNT": _AT_LEAST_1,
    "WEATHER_FLICK_RUN_RETENTION_DAYS": _NOT_NEGATIVE,  # 0: as soon as the job runs (the keep counts still hold)
    "WEATHER_FLICK_LOG_COMPRESS_AFTER_DAYS": _NOT_NEGATIVE,  # 0: as soon as the job runs (the keep counts still hold)
    "WEATHER_FLICK_LOG_DELETE_AFTER_DAYS": _NOT_NEGATIVE,  # 0: as soon as the job runs (the keep counts still hold)
    "WEATHER_FLICK_COMPUTE_LOG_RETENTION_DAYS": _NOT_NEGATIVE,  # 0: as soon as the job runs (the keep counts still hold)
    "WEATHER_FLICK_PARTITION_RETRY_LIMIT": _NOT_NEGATIVE,
    "WEATHER_FLICK_PARTITION_RETRY_LOOKBACK_HOURS": _AT_LEAST_1,
    **{f"WEATHER_FLICK_HEALTH_{m}_PCT_{lvl}": _PERCENT for m in ("CPU", "MEMORY", "DISK") for lvl in ("WARN", "ERROR")},
    **{f"WEATHER_FLICK_HEALTH_{m}_RATIO_{lvl}": _FRACTION for m in ("DB_CONNECTIONS", "REDIS_MEMORY")
       for lvl in ("WARN", "ERROR")},
    **{f"WEATHER_FLICK_HEALTH_{m}_LATENCY_S_{lvl}": _NOT_NEGATIVE for m in ("API", "WAREHOUSE")
       for lvl in ("WARN", "ERROR")},
    "WEATHER_FLICK_HEALTH_RUN_SUCCESS_RATE_WARN": _FRACTION,
    "WEATHER_FLICK_HEALTH_RUN_SUCCESS_RATE_ERROR": _FRACTION,
    "WEATHER_FLICK_HEALTH_QUEUE_DEPTH_WARN": _NOT_NEGATIVE,
    "WEATHER_FLICK_HEALTH_API_QUOTA_RATIO_WARN": _FRACTION,
    "WEATHER_FLICK_HEALTH_API_QUOTA_RATIO_ERROR": _FRACTION,
    "WEATHER_FLICK_HEALTH_QUEUE_DEPTH_ERROR": _NOT_NEGATIVE,
    "WEATHER_FLICK_ALERT_COOLDOWN_S": _NOT_NEGATIVE,
    "WEATHER_FLICK_ALERT_MAX_PER_HOUR": _AT_LEAST_1,
    "WEATHER_FLICK_ALERT_SMTP_PORT": Range(1, 65535),
}
SETTINGS = tuple(replace(s, range=RANGES.get(s.name)) for s in SETTINGS)

SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def get(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """The parsed value of a non-secret setting (secrets go through EnvVar, never through here)."""
    setting = SETTINGS_BY_NAME[name]
    if setting.secret:
        raise SettingsError(f"{name} is a secret: pass it to resources as dagster.EnvVar({name!r})")
    return setting.read(os.environ if environ is None else environ)


def validate_all(environ: Mapping[str, str] | None = None) -> None:
    """Parse every non-secret setting, raising SettingsError for the first invalid one."""
    env = os.environ if environ is None else environ
    for setting in SETTINGS:
        if not setting.secret:
            setting.read(env)
    if get("WEATHER_FLICK_ENVIRONMENT", env) == "production":
        simulated = [name for name in ("WEATHER_FLICK_KMA_MODE", "WEATHER_FLICK_KTO_MODE", "WEATHER_FLICK_AIRKOREA_MODE")
                     if get(name, env) == "sample"]
        if simulated:
            raise SettingsError(
                f"WEATHER_FLICK_ENVIRONMENT=production refuses the offline sample sources: set "
                f"{' and '.join(f'{n}=live' for n in simulated)} (with their API keys), or use environment local")


def home_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where embedded-mode state lives (created on demand by the code that writes there)."""
    env = os.environ if environ is None else environ
    explicit = get("WEATHER_FLICK_HOME", env)
    if explicit:
        return Path(explicit).expanduser().resolve()
    dagster_home = env.get("DAGSTER_HOME", "").strip()
    if dagster_home:
        return Path(dagster_home).expanduser().resolve()
    return PROJECT_ROOT / ".dagster_home"


def warehouse_url(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return get("WEATHER_FLICK_WAREHOUSE_URL", env) or f"sqlite:///{home_dir(env) / 'warehouse.sqlite'}"


def env_example() -> str:
    """The text of .env.example: every setting, grouped, with its meaning and default."""
    lines = [
        "# WeatherFlick Batch settings. Generated by `weather-flick-batch settings --env-example`;",
        "# a test keeps this file in sync with weather_flick_batch/settings.py.",
        "# Every value below is optional in embedded mode (the defaults run offline on SQLite).",
    ]
    group = None
    for s in SETTINGS:
        if s.group != group:
            group = s.group
            lines += ["", f"# --- {group}"]
        lines.append(f"# {s.description}" + (f" Range: {s.range.text}." if s.range else "")
                     + (" (secret)" if s.secret else ""))
        lines.append(f"{s.name}={'' if s.secret or s.default is None else s.default}")
    return "\n".join(lines) + "\n"


def markdown_table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = "(secret)" if s.secret else (f"`{s.default}`" if s.default is not None else "")
        rows.append(f"| `{s.name}` | {default} | {s.description}" + (f" Range: {s.range.text}." if s.range else "")
                    + " |")
    return "\n".join(rows) + "\n"


def settings_document() -> str:
    """docs/settings.md, generated (``make settings-docs``; a test keeps it in sync): every setting by group."""
    parts = [
        "# Settings",
        "",
        "<!-- generated by `make settings-docs` from weather_flick_batch/settings.py; do not edit by hand -->",
        "",
        "Every setting is an environment variable (a `.env` file works too: see `.env.example`, generated with",
        "`make env-example`). A wrong value fails the code location at load with one line naming the variable",
        "and its range. Secrets (keys, passwords) reach resources only through `dagster.EnvVar`, so they never",
        "appear in definitions, run config, logs, metadata or the database. `weather-flick-batch settings`",
        "prints the values in effect.",
        "",
    ]
    groups: dict[str, list[Setting]] = {}
    for s in SETTINGS:
        groups.setdefault(s.group, []).append(s)
    for group, members in groups.items():
        parts += [f"## {group}", "", "| variable | default | meaning |", "|---|---|---|"]
        for s in members:
            default = "(secret)" if s.secret else (f"`{s.default}`" if s.default is not None else "")
            parts.append(f"| `{s.name}` | {default} | {s.description}"
                         + (f" Range: {s.range.text}." if s.range else "") + " |")
        parts.append("")
    parts += ["## Dagster instance (production `dagster.yaml`)", "",
              "`DAGSTER_HOME`, `DAGSTER_PG_HOST`, `DAGSTER_PG_PORT`, `DAGSTER_PG_USERNAME`, `DAGSTER_PG_PASSWORD`",
              "(secret), `DAGSTER_PG_DB`.", ""]
    return "\n".join(parts)

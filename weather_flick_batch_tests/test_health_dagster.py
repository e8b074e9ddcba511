"""Health, metrics and alerts in Dagster: the health asset, guard and freshness checks, alert sensors.

Real things throughout: psutil, SQLite/PostgreSQL, Redis, a Dagster instance with real runs and
check evaluations. Alerts go end to end to a local Slack-like HTTP server, an aiosmtpd server
(STARTTLS with login) and moto_server's SNS, configured only through the settings' environment
variables. Thresholds are crossed by settings, never by filling a disk.
"""

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import dagster as dg
import psutil
import pytest
import redis

from weather_flick_batch import settings
from weather_flick_batch.health import assets as health_assets
from weather_flick_batch.health import checks as health_checks
from weather_flick_batch.health.alerts import ALERT_SETTINGS
from weather_flick_batch.health.definitions import defs as health_defs
from weather_flick_batch.health.probes import THRESHOLD_SETTINGS, HealthSettingsError, Thresholds
from weather_flick_batch.health.resources import AlertsResource, HealthResource, build_health_resources
from weather_flick_batch.health.sensors import (
    CheckCursor,
    alert_on_check_failures,
    alert_on_run_failure,
    alert_on_run_recovery,
)
from weather_flick_batch.definitions import build_resources
from weather_flick_batch.testing.fakes.slack import FakeSlack
from weather_flick_batch.weather.assets import OUTLOOK_KEY, SHORT_RANGE_KEY
from weather_flick_batch_tests.test_alerts import (
    KMA_KEY,
    SLACK_TOKEN,
    SMTP_PASSWORD,
    SMTP_USER,
    SmtpServer,
    _self_signed,
    _start_smtp,
    email_text,
    leaked,
    random_phone,
    sms_received,
)

UI = "http://ui.weatherflick.test:3000"


def all_resources() -> dict:
    """Every resource, built from the (monkeypatched) environment, as the code location builds them."""
    return {**build_resources(), **build_health_resources()}


def evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def health_metadata(result: dg.ExecuteInProcessResult) -> dict:
    mats = [e.materialization for e in result.get_asset_materialization_events()
            if e.materialization.asset_key == health_assets.HEALTH_KEY]
    assert len(mats) == 1
    return {k: getattr(v, "value", v) for k, v in mats[0].metadata.items()}


def materialize_health(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return dg.materialize([health_assets.platform_health], resources=all_resources(), instance=instance)


def set_thresholds(monkeypatch: pytest.MonkeyPatch, **values: float) -> None:
    """WEATHER_FLICK_HEALTH_<NAME>_WARN/_ERROR from keyword arguments like disk_pct_warn=0."""
    for field, value in values.items():
        monkeypatch.setenv(f"WEATHER_FLICK_HEALTH_{field.upper()}", str(value))


# ==================================================================================================
# Settings
# ==================================================================================================
def test_registry_and_helper_modules_agree_on_every_health_and_alert_setting() -> None:
    registry = {s.name: s for s in settings.SETTINGS}
    for name, default, description in THRESHOLD_SETTINGS:
        assert name in registry, f"{name} missing from settings.SETTINGS"
        s = registry[name]
        assert (s.default, s.description, s.secret, s.group) == (default, description, False, "health"), name
        assert s.read({}) == float(default)
    # Same names and defaults as Thresholds.from_env reads.
    assert Thresholds.from_env({n: registry[n].default for n, _, _ in THRESHOLD_SETTINGS}) == Thresholds()
    for name, default, description, secret in ALERT_SETTINGS:
        assert name in registry, f"{name} missing from settings.SETTINGS"
        s = registry[name]
        assert (s.default, s.description, s.secret, s.group) == (default, description, secret, "alerts"), name
    ours = {s.name for s in settings.SETTINGS if s.group in ("health", "alerts")}
    assert ours == {n for n, *_ in THRESHOLD_SETTINGS} | {n for n, *_ in ALERT_SETTINGS} | {
        "WEATHER_FLICK_HEALTH_DISK_PATH"}
    settings.validate_all({})


def test_embedded_defaults_turn_every_channel_off(tmp_path: Path) -> None:
    resources = build_health_resources({"WEATHER_FLICK_HOME": str(tmp_path)})
    alerts: AlertsResource = resources["alerts"]
    assert alerts.enabled_channels == [] and alerts.redis_url is None
    assert (alerts.cooldown_s, alerts.max_per_hour) == (300, 20)
    health: HealthResource = resources["health"]
    assert health.get_thresholds() == Thresholds()
    assert health.disk_path == str(tmp_path)


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"WEATHER_FLICK_ALERT_SLACK_TOKEN": "xoxb-1"}, "WEATHER_FLICK_ALERT_SLACK_CHANNEL"),
        ({"WEATHER_FLICK_ALERT_SMTP_HOST": "mail"}, "WEATHER_FLICK_ALERT_EMAIL_FROM"),
        ({"WEATHER_FLICK_ALERT_ROUTES": "slack=loud"}, "WEATHER_FLICK_ALERT_ROUTES"),
        ({"WEATHER_FLICK_ALERT_SMTP_SECURITY": "tls"}, "WEATHER_FLICK_ALERT_SMTP_SECURITY"),
        ({"WEATHER_FLICK_ALERT_SMS_NUMBERS": "010-1234-5678"}, "WEATHER_FLICK_ALERT_SMS_NUMBERS"),
        ({"WEATHER_FLICK_ALERT_COOLDOWN_S": "soon"}, "WEATHER_FLICK_ALERT_COOLDOWN_S"),
        ({"WEATHER_FLICK_HEALTH_DISK_PCT_WARN": "95"}, "WEATHER_FLICK_HEALTH_DISK_PCT_WARN"),  # above the error one
    ],
)
def test_bad_health_or_alert_setting_fails_in_one_line_naming_it(environ: dict, named: str) -> None:
    with pytest.raises((settings.SettingsError, HealthSettingsError)) as info:
        build_health_resources(environ)
    assert named in str(info.value) and "\n" not in str(info.value)


def test_secrets_reach_the_alerts_resource_only_as_envvars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEATHER_FLICK_ALERT_SLACK_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("WEATHER_FLICK_ALERT_SLACK_CHANNEL", "#alerts")
    monkeypatch.setenv("WEATHER_FLICK_KMA_API_KEYS", KMA_KEY)
    alerts = build_health_resources()["alerts"]
    # The definitions hold references to the variables, never the values.
    dumped = repr(alerts) + str(dg.Definitions(resources={"alerts": alerts}).get_repository_def()
                                .get_top_level_resources())
    assert leaked(dumped) == []
    assert "WEATHER_FLICK_ALERT_SLACK_TOKEN" in repr(alerts)


# ==================================================================================================
# The health asset: metrics and checks
# ==================================================================================================
@pytest.mark.redis
@pytest.mark.postgres
def test_health_asset_records_numeric_metrics_and_one_check_per_probe(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, fresh_postgres_url: str
) -> None:
    monkeypatch.setenv("WEATHER_FLICK_REDIS_URL", redis_url)
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", fresh_postgres_url)
    # Host use is whatever this machine is doing: limits at 100 % make the expected grade certain.
    set_thresholds(monkeypatch, cpu_pct_warn=100, cpu_pct_error=100, memory_pct_warn=100, memory_pct_error=100,
                   disk_pct_warn=100, disk_pct_error=100)
    with dg.instance_for_test() as instance:
        first = materialize_health(instance)
        assert first.success
        meta = health_metadata(first)
        for metric in ("cpu_pct", "memory_pct", "disk_pct", "warehouse_latency_ms", "db_connections_ratio",
                       "redis_memory_ratio", "kma_api_latency_ms", "kto_api_latency_ms", "queue_depth"):
            assert isinstance(meta[metric], float), metric
        assert 0 < meta["disk_pct"] <= 100 and 0 <= meta["cpu_pct"] <= 100
        assert meta["disk_pct"] == pytest.approx(psutil.disk_usage(str(Path(settings.home_dir()).parent)).percent,
                                                 abs=2)
        assert 0 < meta["db_connections_ratio"] < 1 and 0 < meta["redis_memory_ratio"] < 1
        assert meta["queue_depth"] == 0.0 and "run_success_rate_24h" not in meta  # no run finished yet
        assert meta["kma_source"].startswith("SIMULATED") and meta["kto_source"].startswith("SIMULATED")
        assert "cpu_window_s" not in meta  # nothing to average over yet: sampled

        checks = evaluations(first)
        assert set(checks) == {p.check_name for p in health_assets.PROBE_CHECKS}
        assert all(e.passed for e in checks.values()), {n: e.description for n, e in checks.items()}
        assert checks["warehouse_connections"].metadata["max_connections"].value >= 1
        assert checks["disk_use"].metadata["warn_threshold"].value == 100

        # The next run grades CPU over the window since this one, from psutil's counters.
        time.sleep(0.2)
        second = materialize_health(instance)
        meta2 = health_metadata(second)
        assert 0 < meta2["cpu_window_s"] < 60
        assert "averaged over the last" in evaluations(second)["cpu_use"].description
        # The run that just succeeded counts now.
        assert meta2["run_success_rate_24h"] == 1.0 and meta2["runs_finished_24h"] >= 1


def test_thresholds_from_settings_turn_checks_warn_then_error(monkeypatch: pytest.MonkeyPatch) -> None:
    used = psutil.disk_usage(str(Path(settings.home_dir()).parent)).percent
    assert used > 0  # the premise: a 0 % limit is crossed without filling anything

    with dg.instance_for_test() as instance:
        set_thresholds(monkeypatch, disk_pct_warn=0, disk_pct_error=100, warehouse_latency_s_warn=0)
        warn = evaluations(materialize_health(instance))
        assert not warn["disk_use"].passed and warn["disk_use"].severity == dg.AssetCheckSeverity.WARN
        assert "(warn;" in warn["disk_use"].description
        assert not warn["warehouse_reachable"].passed
        assert warn["warehouse_reachable"].severity == dg.AssetCheckSeverity.WARN

        set_thresholds(monkeypatch, disk_pct_warn=0, disk_pct_error=0)
        error = evaluations(materialize_health(instance))
        assert not error["disk_use"].passed and error["disk_use"].severity == dg.AssetCheckSeverity.ERROR
        assert error["disk_use"].metadata["error_threshold"].value == 0

        # The run success rate comes from the instance: one failed run among the finished ones.
        failing_job().execute_in_process(instance=instance, raise_on_error=False,
                                         run_config=_fail_config(True))
        rate = evaluations(materialize_health(instance))["run_success_rate_24h"]
        assert not rate.passed and rate.severity == dg.AssetCheckSeverity.ERROR  # 2/3 < 0.8
        assert rate.metadata["value"].value == pytest.approx(2 / 3)


def test_guard_check_runs_alongside_the_asset_it_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    from weather_flick_batch.regions.assets import regions

    with dg.instance_for_test() as instance:
        ok = dg.materialize([regions, health_assets.regions_warehouse_reachable], resources=all_resources(),
                            instance=instance)
        assert ok.success and evaluations(ok)["warehouse_reachable"].passed

        set_thresholds(monkeypatch, warehouse_latency_s_warn=0, warehouse_latency_s_error=0)
        slow = dg.materialize([regions, health_assets.regions_warehouse_reachable], resources=all_resources(),
                              instance=instance)
        check = evaluations(slow)["warehouse_reachable"]
        assert slow.success  # non-blocking: reported, the asset still materialized
        assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR


def test_health_definitions_merge_into_the_code_location() -> None:
    from weather_flick_batch.definitions import build_definitions
    from weather_flick_batch.policies import LANE_TAGS

    merged = build_definitions()  # the code location includes the health domain and its resources
    assert set(build_health_resources()) <= set(merged.resources)
    dg.Definitions.validate_loadable(merged)
    repo = merged.get_repository_def()
    job = merged.resolve_job_def("health_job")
    assert {k: v for k, v in job.tags.items() if k in LANE_TAGS["health"]} == LANE_TAGS["health"]
    schedule = repo.get_schedule_def("health_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("*/5 * * * *", "Asia/Seoul")
    assert {s.name for s in repo.sensor_defs} >= {"alert_on_run_failure", "alert_on_run_recovery",
                                                   "alert_on_check_failures", "freshness_checks_sensor"}
    node = repo.asset_graph.get(health_assets.HEALTH_KEY)
    assert node.group_name == "platform" and node.kinds == {"python", "psutil"}
    assert "dagster/column_schema" in node.metadata and len(node.description) > 40
    # Guard and freshness checks sit on the assets they guard; guards run in those assets' jobs.
    check_keys = {k.to_user_string() for k in repo.asset_graph.asset_check_keys}
    assert {"regions:warehouse_reachable", "weather/short_range_forecast:kma_api_reachable",
            "destinations/catalogue:kto_api_reachable", "weather/short_range_forecast:freshness_check",
            "weather/daily_outlook:freshness_check", "destinations/catalogue:freshness_check"} <= check_keys
    assert not any(repo.asset_graph.get_check_spec(k).blocking for k in repo.asset_graph.asset_check_keys
                   if k.name in ("kma_api_reachable", "kto_api_reachable", "freshness_check")
                   or k.asset_key == health_assets.HEALTH_KEY)
    # Freshness is judged between runs (the sensor, the standalone checks job), never by a step of the run
    # that has just written the asset (where it passes by construction, one more step in every run).
    freshness = {k for d in health_checks.FRESHNESS_CHECKS for k in d.check_keys}
    carried = {job.name: freshness & job.asset_layer.asset_graph.asset_check_keys
               for job in repo.get_all_jobs() if not job.name.startswith("__")}
    assert carried.pop("standalone_asset_checks") == freshness
    assert {name: keys for name, keys in carried.items() if keys} == {}
    assert "weather/short_range_forecast:kma_api_reachable" in {
        k.to_user_string() for k in repo.get_job("weather_short_range_job").asset_layer.asset_graph.asset_check_keys}


# ==================================================================================================
# Alerts end to end
# ==================================================================================================
class RecordingHandler(logging.Handler):
    """Keeps every formatted record of the loggers it is attached to (sensor tick logs)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass
class Channels:
    slack: FakeSlack
    smtp: SmtpServer
    phone: str
    moto_url: str
    cooldown_s: float
    log: RecordingHandler
    redis_url: str

    def counts(self) -> tuple[int, int, int]:
        return len(self.slack.messages), len(self.smtp.recorder.messages), len(sms_received(self.moto_url,
                                                                                             self.phone))

    def end_cooldown_window(self) -> None:
        """The cooldown window ends: its markers in Redis expire (now, instead of after a wall-clock wait).

        Waiting out a real window makes "within the window" depend on how loaded the machine is; the
        markers' expiry in Redis is what ends a window, and the limiter's own tests wait one out for real.
        """
        client = redis.Redis.from_url(self.redis_url)
        try:
            markers = list(client.scan_iter("wfb:alerts:*:cd:*"))
            assert markers, "no cooldown marker: nothing was rate-limited"
            assert all(0 < client.pttl(m) <= self.cooldown_s * 1000 for m in markers)  # the window is the setting
            client.delete(*markers)
        finally:
            client.close()

    def received(self) -> list[str]:
        """Everything any channel received (raw Slack bodies, decoded e-mails, SMS texts, the tick logs)."""
        received = (self.slack.raw_bodies + [email_text(m) for m in self.smtp.recorder.messages]
                    + sms_received(self.moto_url, self.phone) + self.log.messages)
        assert any(m.startswith("ALERT [") for m in self.log.messages)  # the log channel got them too
        return received


COOLDOWN_S = 120.0  # longer than any test: windows end through end_cooldown_window()


@pytest.fixture
def channels(monkeypatch: pytest.MonkeyPatch, redis_url: str, moto_server_url: str,
             tmp_path: Path) -> Iterator[Channels]:
    """Every channel on, through the settings' environment variables only; cooldowns in Redis."""
    cert, key = _self_signed(tmp_path)
    controller, smtp = _start_smtp("starttls", (cert, key))
    phone = random_phone()
    env = {
        "WEATHER_FLICK_REDIS_URL": redis_url,
        "WEATHER_FLICK_UI_BASE_URL": UI,
        # SMS from error up (default: critical only) so every channel is exercised by a run failure.
        "WEATHER_FLICK_ALERT_ROUTES": "log=info,slack=warning,email=error,sms=error",
        "WEATHER_FLICK_ALERT_COOLDOWN_S": str(COOLDOWN_S),
        "WEATHER_FLICK_ALERT_SLACK_TOKEN": SLACK_TOKEN,
        "WEATHER_FLICK_ALERT_SLACK_CHANNEL": "#weatherflick-alerts",
        "WEATHER_FLICK_ALERT_SMTP_HOST": "127.0.0.1",
        "WEATHER_FLICK_ALERT_SMTP_PORT": str(smtp.port),
        "WEATHER_FLICK_ALERT_SMTP_SECURITY": "starttls",
        "WEATHER_FLICK_ALERT_SMTP_USERNAME": SMTP_USER,
        "WEATHER_FLICK_ALERT_SMTP_PASSWORD": SMTP_PASSWORD,
        "WEATHER_FLICK_ALERT_EMAIL_FROM": "batch@weatherflick.test",
        "WEATHER_FLICK_ALERT_EMAIL_TO": "oncall@weatherflick.test",
        "WEATHER_FLICK_ALERT_SMS_NUMBERS": phone,
        "WEATHER_FLICK_ALERT_SNS_ENDPOINT_URL": moto_server_url,
        "WEATHER_FLICK_ALERT_SNS_REGION": "ap-northeast-2",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        # Not used in sample mode; configured so the alerts resource scrubs it from every message.
        "WEATHER_FLICK_KMA_API_KEYS": KMA_KEY,
        # The self-signed certificate of the SMTP server, trusted the way a private CA would be.
        "SSL_CERT_FILE": str(cert),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with FakeSlack(SLACK_TOKEN) as slack:
        slack_url = slack.base_url
        monkeypatch.setenv("WEATHER_FLICK_ALERT_SLACK_BASE_URL", slack_url)
        yield Channels(slack, smtp, phone, moto_server_url, COOLDOWN_S, RecordingHandler(), redis_url)
    controller.stop()
    client = redis.Redis.from_url(redis_url)
    try:  # ... nor in a Redis key name
        assert all(leaked(k) == [] for k in client.keys("*"))
    finally:
        client.close()


def _fail_config(fail: bool) -> dict:
    return {"ops": {"nightly_step": {"config": {"fail": fail}}}}


def failing_job() -> dg.JobDefinition:
    """A tiny job that fails on demand, with a KMA key in its error (as a careless client might put it)."""

    @dg.op(config_schema={"fail": bool})
    def nightly_step(context: dg.OpExecutionContext) -> None:
        if context.op_config["fail"]:
            raise RuntimeError(f"GET https://apis.data.go.kr/1360000/x?serviceKey={quote(KMA_KEY)}&pageNo=1 "
                               f"answered 401: key {KMA_KEY} rejected")

    @dg.job(name="nightly_sync")
    def nightly_sync() -> None:
        nightly_step()

    return nightly_sync


def tick_run_sensor(sensor: dg.SensorDefinition, result: dg.ExecuteInProcessResult,
                    instance: dg.DagsterInstance, failure: bool, log: logging.Handler) -> None:
    """Evaluate a run status sensor for ``result``'s run, as the daemon does when the run finishes."""
    event = result.get_run_failure_event() if failure else result.get_run_success_event()
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_event=event, dagster_instance=instance,
        dagster_run=result.dagster_run, resources=build_health_resources(),
    )
    context = context.for_run_failure() if failure else context
    context.log.addHandler(log)
    sensor(context)


@pytest.mark.redis
@pytest.mark.s3
def test_failing_run_alerts_once_per_channel_per_window_then_ok_again(channels: Channels) -> None:
    job = failing_job()
    with dg.instance_for_test() as instance:
        run_ids = []
        for _ in range(3):  # the same job failing again within the cooldown window
            failed = job.execute_in_process(instance=instance, raise_on_error=False, run_config=_fail_config(True))
            assert not failed.success
            run_ids.append(failed.run_id)
            tick_run_sensor(alert_on_run_failure, failed, instance, failure=True, log=channels.log)
        assert channels.counts() == (1, 1, 1)
        message = channels.slack.messages[0]
        assert message["text"] == "[ERROR] Run nightly_sync: run failed"
        attachment = message["attachments"][0]
        assert attachment["title_link"] == f"{UI}/runs/{run_ids[0]}"
        # What failed: the step and its root cause, the key scrubbed out of the quoted URL and the prose.
        assert attachment["text"].startswith("step nightly_step: RuntimeError: GET https://apis.data.go.kr/")
        assert "serviceKey=***" in attachment["text"] and f"(run {run_ids[0][:8]})" in attachment["text"]
        email = email_text(channels.smtp.recorder.messages[0])
        assert "Subject: [WeatherFlick] ERROR: Run nightly_sync: run failed" in email
        assert f"{UI}/runs/" in email

        # The next window: one more alert per channel.
        channels.end_cooldown_window()
        tick_run_sensor(alert_on_run_failure, failed, instance, failure=True, log=channels.log)
        assert channels.counts() == (2, 2, 2)

        # Recovery: a later run of the job succeeds -> one "ok again" per channel, then nothing.
        for _ in range(2):
            ok = job.execute_in_process(instance=instance, run_config=_fail_config(False))
            tick_run_sensor(alert_on_run_recovery, ok, instance, failure=False, log=channels.log)
        assert channels.counts() == (3, 3, 3)
        assert channels.slack.messages[-1]["text"] == "[OK AGAIN] Run nightly_sync: succeeded again (was ERROR)"
        assert sms_received(channels.moto_url, channels.phone)[-1].startswith("[OK AGAIN] Run nightly_sync")

    for text in channels.received():
        assert leaked(text) == [], text


class BookingsConfig(dg.Config):
    consistent: bool = False


BOOKINGS_KEY = dg.AssetKey(["quality", "bookings"])


@dg.asset(key=BOOKINGS_KEY, check_specs=[dg.AssetCheckSpec("bookings_consistent", asset=BOOKINGS_KEY,
                                                           blocking=False)])
def bookings(config: BookingsConfig) -> dg.MaterializeResult:
    """A tiny asset whose non-blocking ERROR check fails on demand (and quotes a key when it does)."""
    return dg.MaterializeResult(check_results=[dg.AssetCheckResult(
        check_name="bookings_consistent", passed=config.consistent, severity=dg.AssetCheckSeverity.ERROR,
        description="all bookings consistent" if config.consistent
        else f"3 bookings without a destination; source https://x.test/api?serviceKey={KMA_KEY}",
    )])


class SensorTicker:
    """Ticks a sensor against a repository like the daemon does, carrying the cursor between ticks."""

    def __init__(self, sensor: dg.SensorDefinition, instance: dg.DagsterInstance, defs: dg.Definitions,
                 log_handler: logging.Handler | None = None) -> None:
        self.sensor, self.instance, self.repo = sensor, instance, defs.get_repository_def()
        self.cursor: str | None = None
        self.log_handler = log_handler

    def tick(self) -> str:
        context = dg.build_sensor_context(instance=self.instance, cursor=self.cursor, repository_def=self.repo,
                                          resources=build_health_resources())
        if self.log_handler is not None:  # the tick's own log, the one the UI shows
            context.log.addHandler(self.log_handler)
        result = self.sensor(context)
        self.cursor = context.cursor
        return result.skip_message if isinstance(result, dg.SkipReason) else str(result)


@pytest.mark.redis
@pytest.mark.s3
def test_failing_non_blocking_check_alerts_once_per_channel_per_window_then_ok_again(channels: Channels) -> None:
    defs = dg.Definitions(assets=[bookings], sensors=[alert_on_check_failures])
    with dg.instance_for_test() as instance:
        sensor = SensorTicker(alert_on_check_failures, instance, defs, log_handler=channels.log)
        assert sensor.tick() == "no new check evaluations"

        def materialize(consistent: bool) -> None:
            result = dg.materialize([bookings], instance=instance,
                                    run_config={"ops": {"quality__bookings": {"config": {"consistent": consistent}}}})
            assert result.success  # non-blocking: the run succeeds, only the sensor can tell
            assert evaluations(result)["bookings_consistent"].passed is consistent

        materialize(False)
        assert "1 failing" in sensor.tick()
        assert sensor.tick() == "no new check evaluations"  # the cursor moved: nothing twice
        materialize(False)
        assert "cooldown" in sensor.tick()  # a new failing evaluation within the window
        assert channels.counts() == (1, 1, 1)
        text = channels.slack.messages[0]["text"]
        assert text == "[ERROR] Check bookings_consistent on quality/bookings: check failed"
        attachment = channels.slack.messages[0]["attachments"][0]
        assert attachment["title_link"] == f"{UI}/assets/quality/bookings?view=checks&checkDetail=bookings_consistent"
        assert "3 bookings without a destination" in attachment["text"]

        channels.end_cooldown_window()
        materialize(False)
        sensor.tick()
        assert channels.counts() == (2, 2, 2)  # one per channel per window

        materialize(True)
        sensor.tick()
        materialize(True)
        sensor.tick()
        assert channels.counts() == (3, 3, 3)  # exactly one "ok again"
        assert channels.slack.messages[-1]["text"] == (
            "[OK AGAIN] Check bookings_consistent on quality/bookings: passes again (was ERROR)")

        # A cursor that cannot be read starts over without replaying the history twice.
        assert CheckCursor.parse("not json").seen == {}

    for text in channels.received():
        assert leaked(text) == [], text


@pytest.mark.redis
@pytest.mark.s3
def test_stale_asset_alerts_through_its_freshness_check_then_ok_again(channels: Channels) -> None:
    from weather_flick_batch.definitions import build_definitions

    freshness = [d for d in health_checks.FRESHNESS_CHECKS
                 if any(k.asset_key in (OUTLOOK_KEY, SHORT_RANGE_KEY) for k in d.check_keys)]
    probe_job = dg.define_asset_job("freshness_now", selection=dg.AssetSelection.checks(*freshness))
    defs = dg.Definitions.merge(build_definitions(), dg.Definitions(jobs=[probe_job]))
    with dg.instance_for_test() as instance:
        sensor = SensorTicker(alert_on_check_failures, instance, defs, log_handler=channels.log)
        job = defs.resolve_job_def("freshness_now")
        stale = evaluations(job.execute_in_process(instance=instance))
        assert not stale["freshness_check"].passed
        sensor.tick()
        overdue = sorted(m["text"] for m in channels.slack.messages)
        assert overdue == ["[ERROR] Freshness of weather/daily_outlook: asset is overdue",
                           "[ERROR] Freshness of weather/short_range_forecast: asset is overdue"]
        assert channels.counts() == (2, 2, 2)  # stale assets are errors: e-mail and (here) SMS too

        # Still stale at the freshness sensor's next evaluation: inside the window, nothing new.
        job.execute_in_process(instance=instance)
        sensor.tick()
        assert channels.counts() == (2, 2, 2)

        # The outlook is rebuilt: its freshness check passes, "ok again" once.
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=OUTLOOK_KEY))
        job.execute_in_process(instance=instance)
        sensor.tick()
        assert channels.counts() == (3, 3, 3)
        assert channels.slack.messages[-1]["text"] == (
            "[OK AGAIN] Freshness of weather/daily_outlook: fresh again (was ERROR)")

    for text in channels.received():
        assert leaked(text) == [], text


@pytest.mark.redis
def test_health_check_errors_page_as_critical(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> None:
    """A health check at ERROR is the platform itself degraded: critical (SMS under the default routes)."""
    monkeypatch.setenv("WEATHER_FLICK_REDIS_URL", redis_url)
    set_thresholds(monkeypatch, disk_pct_warn=0, disk_pct_error=0)
    with FakeSlack(SLACK_TOKEN) as slack:
        monkeypatch.setenv("WEATHER_FLICK_ALERT_SLACK_TOKEN", SLACK_TOKEN)
        monkeypatch.setenv("WEATHER_FLICK_ALERT_SLACK_CHANNEL", "#alerts")
        monkeypatch.setenv("WEATHER_FLICK_ALERT_SLACK_BASE_URL", slack.base_url)
        monkeypatch.setenv("WEATHER_FLICK_ALERT_ROUTES", "slack=critical")  # only pages reach Slack here
        with dg.instance_for_test() as instance:
            defs = dg.Definitions(assets=[health_assets.platform_health], resources=all_resources())
            sensor = SensorTicker(alert_on_check_failures, instance, defs)
            materialize_health(instance)
            sensor.tick()
            texts = [m["text"] for m in slack.messages]
            assert "[CRITICAL] Health check disk_use: error threshold crossed" in texts
            assert all(t.startswith("[CRITICAL] Health check") for t in texts)


def test_embedded_mode_alerts_go_to_the_log(monkeypatch: pytest.MonkeyPatch) -> None:
    from weather_flick_batch.health import resources as health_resources

    monkeypatch.setattr(health_resources, "_MEMORY_LIMITERS", {})  # this test's own in-process cooldowns
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    defs = dg.Definitions(assets=[bookings], sensors=[alert_on_check_failures])
    with dg.instance_for_test() as instance:
        sensor = SensorTicker(alert_on_check_failures, instance, defs, log_handler=handler)
        dg.materialize([bookings], instance=instance)
        message = sensor.tick()
        assert "sent=['log']" in message  # every channel off, no Redis: the log, in-process cooldown
        dg.materialize([bookings], instance=instance)
        assert "cooldown" in sensor.tick()
    alerts = [r.getMessage() for r in records if r.getMessage().startswith("ALERT ")]
    assert alerts == ["ALERT [ERROR] Check bookings_consistent on quality/bookings: check failed - 3 bookings "
                      f"without a destination; source https://x.test/api?serviceKey=*** ({alerts[0].split('(')[-1]}"]


def test_kma_guard_check_makes_one_authenticated_call_in_live_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    from weather_flick_batch.testing.fakes.http_fault_server import FaultPlan
    from weather_flick_batch.testing.fakes.kma import kma_server
    from weather_flick_batch.weather.assets import short_range_forecast

    guard = health_assets.short_range_kma_api_reachable
    with kma_server(FaultPlan(valid_keys={KMA_KEY})) as server, dg.instance_for_test() as instance:
        monkeypatch.setenv("WEATHER_FLICK_KMA_MODE", "live")
        monkeypatch.setenv("WEATHER_FLICK_KMA_BASE_URL", server.base_url.rstrip("/"))
        monkeypatch.setenv("WEATHER_FLICK_KMA_API_KEYS", KMA_KEY)

        def run_guard() -> dg.AssetCheckEvaluation:
            result = dg.materialize([short_range_forecast, guard], selection=dg.AssetSelection.checks(guard),
                                    resources=all_resources(), instance=instance)
            return evaluations(result)["kma_api_reachable"]

        ok = run_guard()
        assert ok.passed and ok.metadata["source"].value == "KMA open API (live)"
        assert server.request_count() == 1 and server.keys_used() == [KMA_KEY]  # authenticated, not cached

        server.plan.fail_next("http500")
        down = run_guard()
        assert not down.passed and down.severity == dg.AssetCheckSeverity.ERROR
        assert server.request_count() == 2  # one attempt: a probe reports, it does not retry
        assert "kma_api call failed" in down.description

        monkeypatch.setenv("WEATHER_FLICK_KMA_API_KEYS", "Wr0ng+Key/Value==")
        rejected = run_guard()
        assert not rejected.passed and "Wr0ng" not in rejected.description and "Key/Value" not in rejected.description
        assert "WEATHER_FLICK_KMA_API_KEYS" in rejected.description  # names the setting to fix, not the key
        for evaluation in (ok, down, rejected):
            assert leaked(evaluation.description) == [] and leaked(str(evaluation.metadata)) == []


def test_scores_and_top_lists_have_freshness_checks() -> None:
    """What a traveller sees first must not go stale silently (6 h, like the outlook they follow)."""
    covered = {key.asset_key for check in health_checks.FRESHNESS_CHECKS for key in check.check_keys}
    assert {health_checks.SCORES_KEY, health_checks.TOP_KEY, health_checks.OUTLOOK_KEY} <= covered

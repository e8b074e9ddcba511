"""End to end through real processes: the production topology on loopback, driven like the UI drives it.

Every process is started with the command ``docs/topology.md`` documents (code server, webserver,
daemon, ``dagster-celery`` workers), on the production ``dagster.yaml`` with PostgreSQL instance
storage and a PostgreSQL warehouse, and the whole graph (``pipeline.PIPELINE``) is launched through
the GraphQL API with ``DagsterGraphQLClient``, the way the UI launches runs: one run per job and
partition, the partition given as the ``dagster/partition`` tag, queued and launched by the daemon.

1. Celery executor with two workers on the local Redis: every run succeeds, the warehouse holds the
   results, every step ran in a worker process (not in the run worker), spread over both workers,
   with the ``kma_api`` pool holding across them (the in-process executor, the default, goes
   through the same queue and daemon in test_daemon_integration.py; the whole graph runs once here);
2. a worker is SIGKILLed while it executes a step: the task goes back to the broker, the other
   worker runs the step again and the run finishes with complete, non-duplicated data.

Deviations from production, all about waiting, not behaviour: the run queue is polled every second
instead of every 5 s; the sync lane runs 4 province syncs at once instead of 2 (lane limits are
tested in test_daemon_integration.py); the test workers' Redis visibility timeout is 20 s instead of
an hour (with the restore sweep every second), so a lost task comes back within the test's patience.
The automation sensor is switched off through GraphQL before the daemon starts (as an operator
would in the UI) so that it does not launch runs of its own in the middle of the test's runs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg2
import pytest
import requests
import yaml
from sqlalchemy.engine import make_url

from weather_flick_batch.execution import CELERY_CONFIG_SOURCE
from weather_flick_batch.pipeline import PIPELINE
from weather_flick_batch.testing.services import (
    PG_HOST, PG_PORT, PG_USER, REDIS_URL_BASE, create_database, drop_database, free_port,
)

pytestmark = [
    pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis,
    # gql (inside DagsterGraphQLClient) warns on every request about its own API; not ours to fix.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gql"),
]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCATION = "weather_flick_batch"
REPOSITORY = "__repository__"
# The production definitions plus the executor the settings ask for (see that module's docstring).
LOCATION_MODULE = "weather_flick_batch.testing.scale_out_location"
# Broker and result backend: a Redis database index of their own (conftest's redis_url uses 13),
# flushed before and after.
REDIS_URL = f"{REDIS_URL_BASE}/14"
HORIZON_DAYS = 10
RUN_TIMEOUT_S = 180
TEST_VISIBILITY_TIMEOUT_S = 20
SCORES_STEP = "recommendations__destination_weather_scores"
SYNC_RUNS_AT_ONCE = 4


# -- a deployment of real processes ----------------------------------------------------------------
@dataclass
class Deployment:
    """Dagster webserver, daemon, code server (and Celery workers) on loopback, with their logs."""

    root: Path
    env: dict[str, str]
    warehouse_url: str
    instance_db: str
    webserver_port: int
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    # processes ---------------------------------------------------------------------------------
    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        """Start one process in its own session (so its whole group can be signalled) with our env."""
        log = open(self.root / f"{name}.log", "w")  # noqa: SIM115 - lives as long as the process
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[name]
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 20
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:  # stragglers, and children that outlived their parent in the same group
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)

    def log_tail(self, chars: int = 3000) -> str:
        parts = []
        for path in sorted(self.root.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(parts)

    # GraphQL -----------------------------------------------------------------------------------
    @property
    def graphql_url(self) -> str:
        return f"http://127.0.0.1:{self.webserver_port}/graphql"

    def client(self):
        from dagster_graphql import DagsterGraphQLClient

        return DagsterGraphQLClient("127.0.0.1", port_number=self.webserver_port, timeout=60)

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = requests.post(self.graphql_url, json={"query": query, "variables": variables or {}}, timeout=60)
        response.raise_for_status()
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]

    # the instance and the warehouse, read by the test ------------------------------------------
    @contextmanager
    def instance(self) -> Iterator[Any]:
        """The deployment's Dagster instance (its dagster.yaml reads DAGSTER_PG_* and, for the step logs,
        WEATHER_FLICK_S3_* and AWS_* from the environment)."""
        import dagster as dg

        keys = [k for k in self.env if k.startswith(("DAGSTER_", "WEATHER_FLICK_S3_", "AWS_"))]
        with mock.patch.dict(os.environ, {k: self.env[k] for k in keys}):
            with dg.DagsterInstance.from_config(self.env["DAGSTER_HOME"]) as instance:
                yield instance

    def warehouse(self):
        url = make_url(self.warehouse_url)
        return psycopg2.connect(host=url.host, port=url.port, user=url.username, dbname=url.database)

    def scalar(self, sql: str, args: tuple = ()) -> Any:
        with self.warehouse() as conn, conn.cursor() as cur:
            cur.execute(sql, args)
            value = cur.fetchone()[0]
        conn.close()
        return value


def _wait_port(port: int, proc: subprocess.Popen, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout_s} s")


def _wait_location_loaded(deployment: Deployment, timeout_s: float = 90) -> None:
    """Until the webserver sees the code location loaded (reloading it, as the UI's button does)."""
    query = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
                 locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            entries = deployment.graphql(query)["workspaceOrError"]["locationEntries"]
        except requests.RequestException as exc:
            last = exc
            time.sleep(0.5)
            continue
        entry = next((e for e in entries if e["name"] == LOCATION), None)
        last = entry
        if entry and entry["loadStatus"] == "LOADED":
            if (entry["locationOrLoadError"] or {}).get("__typename") == "RepositoryLocation":
                return
            deployment.client().reload_repository_location(LOCATION)
        time.sleep(0.5)
    raise RuntimeError(f"code location not loaded within {timeout_s} s: {last}\n{deployment.log_tail()}")


def _stop_automation_sensor(deployment: Deployment) -> None:
    """Switch the declarative-automation sensor off through GraphQL, as an operator would in the UI."""
    sensors = deployment.graphql(
        """query($selector: RepositorySelector!) { sensorsOrError(repositorySelector: $selector) {
             ... on Sensors { results { id name sensorState { status } } } } }""",
        {"selector": {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}},
    )["sensorsOrError"]["results"]
    for sensor in sensors:
        if sensor["sensorState"]["status"] == "RUNNING":
            deployment.graphql(
                """mutation($id: String!) { stopSensor(id: $id) { __typename
                     ... on StopSensorMutationResult { instigationState { status } } } }""",
                {"id": sensor["id"]},
            )


def _worker_config(root: Path) -> Path:
    """deploy/celery.yaml with a short visibility timeout, so a lost task comes back within the test."""
    config = yaml.safe_load((ROOT / "deploy" / "celery.yaml").read_text())
    options = config["execution"]["config"]["config_source"]["broker_transport_options"]
    options["visibility_timeout"] = TEST_VISIBILITY_TIMEOUT_S
    # Look for abandoned tasks every second (default: every ~100 s, fine next to a 1 h timeout).
    options["unacked_restore_interval"] = 1
    options["unacked_restore_throttle"] = 1
    path = root / "celery.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def deployment(tmp: Path, executor: str, workers: int = 0, s3: dict | None = None) -> Iterator[Deployment]:
    """Start the production topology on fresh databases; stop every process group afterwards."""
    tmp.mkdir(parents=True, exist_ok=True)
    instance_db, warehouse_db = create_database("wfb_scale_inst"), create_database("wfb_scale_wh")
    home = tmp / "dagster_home"
    home.mkdir()
    instance_yaml = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    # Two changes, both about waiting: the queue is polled every second (production: 5 s), and the
    # sync lane gets 4 slots instead of 2, so the 17 province syncs do not queue behind each other
    # (the lane limits and priorities are tested on the real daemon in test_daemon_integration.py).
    instance_yaml["run_coordinator"].setdefault("config", {})["dequeue_interval_seconds"] = 1
    for limit in instance_yaml["concurrency"]["runs"]["tag_concurrency_limits"]:
        if limit.get("value") == "sync":
            limit["limit"] = SYNC_RUNS_AT_ONCE
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance_yaml))

    code_port, webserver_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEATHER_FLICK_", "DAGSTER_"))}
    env.update({
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": PG_HOST, "DAGSTER_PG_PORT": str(PG_PORT), "DAGSTER_PG_USERNAME": PG_USER,
        "DAGSTER_PG_PASSWORD": "", "DAGSTER_PG_DB": instance_db,
        "DAGSTER_CODE_SERVER_HOST": "127.0.0.1", "DAGSTER_CODE_SERVER_PORT": str(code_port),
        "WEATHER_FLICK_HOME": str(tmp / "wfb_home"),
        "WEATHER_FLICK_WAREHOUSE_URL": f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{warehouse_db}",
        "WEATHER_FLICK_EXECUTOR": executor,
        "PYTHONPATH": str(ROOT),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    })
    if s3:  # the platform's bucket: raw archives, and every step's logs (dagster.yaml's compute_logs)
        env.update({"WEATHER_FLICK_S3_ENDPOINT_URL": s3["endpoint_url"], "WEATHER_FLICK_S3_BUCKET": s3["bucket"],
                    "WEATHER_FLICK_S3_REGION": "ap-northeast-2",
                    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    if executor == "celery":
        env["WEATHER_FLICK_CELERY_BROKER"] = REDIS_URL
        env["WEATHER_FLICK_CELERY_BACKEND"] = REDIS_URL
    dep = Deployment(root=tmp, env=env, warehouse_url=env["WEATHER_FLICK_WAREHOUSE_URL"], instance_db=instance_db,
                     webserver_port=webserver_port)
    redis_client = None
    workspace = str(ROOT / "deploy" / "production" / "workspace.yaml")
    try:
        # `make instance-migrate`: the schema exists before any process starts (docs/topology.md);
        # without it the workers, code server and webserver race to create it and one of them dies.
        subprocess.run([str(BIN / "dagster"), "instance", "migrate"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
        if executor == "celery":
            import redis

            redis_client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
            redis_client.flushdb()
            worker_yaml = _worker_config(tmp)
            for i in range(1, workers + 1):
                # `make worker`'s command, with a name per worker and one process each (-c 1).
                dep.start(f"worker{i}", [str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app",
                                         "-y", str(worker_yaml), "-n", f"worker{i}", "--", "-c", "1"])
        code_server = dep.start("code_server", [
            str(BIN / "dagster"), "code-server", "start", "-m", LOCATION_MODULE, "-a", "defs", "-d", str(ROOT),
            "-h", "127.0.0.1", "-p", str(code_port), "--location-name", LOCATION,
        ])
        webserver = dep.start("webserver", [str(BIN / "dagster-webserver"), "-w", workspace,
                                            "-h", "127.0.0.1", "-p", str(webserver_port)])
        _wait_port(code_port, code_server, "code server")
        _wait_port(webserver_port, webserver, "dagster-webserver")
        _wait_location_loaded(dep)
        _stop_automation_sensor(dep)
        dep.start("daemon", [str(BIN / "dagster-daemon"), "run", "-w", workspace])
        if workers:
            _wait_workers(workers)
        yield dep
    finally:
        dep.stop_all()
        if redis_client is not None:
            redis_client.flushdb()
            redis_client.close()
        drop_database(instance_db)
        drop_database(warehouse_db)


def _wait_workers(n: int, timeout_s: float = 60) -> None:
    from celery import Celery

    app = Celery(broker=REDIS_URL, backend=REDIS_URL)
    deadline = time.monotonic() + timeout_s
    answered: list = []
    while time.monotonic() < deadline:
        answered = app.control.ping(timeout=0.5) or []
        if len(answered) >= n:
            return
    raise RuntimeError(f"only {len(answered)} of {n} Celery workers answered a ping")


# -- launching the whole graph over GraphQL ---------------------------------------------------------
@dataclass
class LaunchedRun:
    job_name: str
    partition: str | None
    run_id: str
    status: str = "QUEUED"


def _wait_runs(dep: Deployment, runs: list[LaunchedRun], timeout_s: float = RUN_TIMEOUT_S) -> None:
    from dagster import DagsterRunStatus

    terminal = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
    client = dep.client()
    deadline = time.monotonic() + timeout_s
    pending = list(runs)
    while pending and time.monotonic() < deadline:
        for run in list(pending):
            status = client.get_run_status(run.run_id)
            run.status = status.value
            if status in terminal:
                pending.remove(run)
        time.sleep(0.5)
    if pending:
        raise AssertionError(f"runs not finished within {timeout_s} s: {pending}\n{dep.log_tail()}")


def _failure_details(dep: Deployment, run_id: str) -> str:
    import dagster as dg

    with dep.instance() as instance:
        lines = []
        for record in instance.all_logs(run_id):
            event = record.dagster_event
            if event and event.event_type in (dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.RUN_FAILURE,
                                              dg.DagsterEventType.ENGINE_EVENT) and record.user_message:
                lines.append(f"{event.event_type_value} {event.step_key or ''}: {record.user_message[:400]}")
        return "\n".join(lines[-15:])


# The province syncs of the whole graph here: three, not 17. Each sync is the same job on another
# partition; 17 of them cost minutes of the suite and prove nothing three do not (partitions through
# the queue, the sync lane's limit, steps spread over both workers).
PROVINCES = ("seoul", "gangwon", "jeju")


def launch_pipeline(dep: Deployment, provinces: tuple[str, ...] = PROVINCES) -> list[LaunchedRun]:
    """Every job of the pipeline through GraphQL, wave by wave (``pipeline_waves``): the runs of a wave
    never read each other's assets, so they are submitted together and the queue overlaps them
    (the province syncs beside the warnings and fine dust, the four weather jobs), within the
    instance's run limits (here: 4 province syncs at once).
    """
    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.definitions import defs
    from weather_flick_batch.pipeline import pipeline_waves

    client = dep.client()
    now = now_kst()
    launched: list[LaunchedRun] = []
    skipped = ("seed_sample_trips_job", "trip_notices_job")  # no back-end user tables here (test_trips.py)
    for wave in pipeline_waves(defs.get_repository_def()):
        batch = []
        for step in [s for s in wave if s.job_name not in skipped]:
            keys = step.keys(now)
            if step.job_name == "destinations_sync_job":
                assert set(provinces) <= set(keys), provinces
                keys = list(provinces)
            for key in keys:
                run_id = client.submit_job_execution(
                    step.job_name, repository_location_name=LOCATION, repository_name=REPOSITORY,
                    tags={"dagster/partition": key} if key else None,
                )
                batch.append(LaunchedRun(step.job_name, key, run_id))
        if not batch:
            continue
        # A hang guard, not a speed target: generous per run, because the 2 cores are often shared
        # with other suites (a quiet machine needs about a tenth of it).
        _wait_runs(dep, batch, timeout_s=RUN_TIMEOUT_S + 20 * len(batch))
        launched += batch
        failed = [r for r in batch if r.status != "SUCCESS"]
        if failed:
            details = "\n".join(f"{r.job_name}[{r.partition}] {r.status}:\n{_failure_details(dep, r.run_id)}"
                                for r in failed)
            raise AssertionError(f"runs failed:\n{details}")
    return launched


def assert_complete_scores(dep: Deployment) -> int:
    """Every active destination scored for each of the 10 days, exactly once; the row count."""
    active = dep.scalar("SELECT count(*) FROM destinations WHERE is_active")
    rows = dep.scalar("SELECT count(*) FROM destination_weather_scores")
    distinct = dep.scalar("SELECT count(DISTINCT (content_id, forecast_date)) FROM destination_weather_scores")
    per_destination = dep.scalar(
        "SELECT count(*) FROM (SELECT content_id FROM destination_weather_scores GROUP BY content_id "
        "HAVING count(DISTINCT forecast_date) = %s) t", (HORIZON_DAYS,))
    assert active > 20 * len(PROVINCES), f"only {active} active destinations synced"
    assert per_destination == active, f"{active} active destinations, {per_destination} scored for {HORIZON_DAYS} days"
    assert rows == distinct == active * HORIZON_DAYS, (rows, distinct, active)
    return rows


def _step_worker_events(dep: Deployment, run_ids: list[str]) -> tuple[dict[str, list[str]], dict[str, list[int]]]:
    """For each "run_id:step_key": the Celery workers that reported executing it, and its STEP_START pids."""
    import dagster as dg

    executed: dict[str, list[str]] = {}
    start_pids: dict[str, list[int]] = {}
    with dep.instance() as instance:
        for run_id in run_ids:
            for record in instance.all_logs(run_id):
                event = record.dagster_event
                if event is None:
                    continue
                key = f"{run_id}:{event.step_key}"
                if event.event_type == dg.DagsterEventType.STEP_START:
                    start_pids.setdefault(key, []).append(event.pid)
                elif event.event_type == dg.DagsterEventType.ENGINE_EVENT and event.engine_event_data:
                    worker = (event.engine_event_data.metadata or {}).get("Celery worker")
                    if worker is not None:
                        executed.setdefault(key, []).append(str(getattr(worker, "value", worker)))
    return executed, start_pids


def _jobs_on_celery(dep: Deployment) -> set[str]:
    """Jobs of the pipeline whose executor, in this deployment's settings, is the Celery one."""
    from weather_flick_batch.testing import scale_out_location

    settings_env = {k: v for k, v in dep.env.items() if k.startswith("WEATHER_FLICK_")}
    with mock.patch.dict(os.environ, settings_env):
        defs = scale_out_location.build()
    return {step.job_name for step in PIPELINE if defs.resolve_job_def(step.job_name).executor_def.name == "celery"}


# -- 0. the executor setting and the workers' config (no processes) ---------------------------------
@pytest.mark.parametrize("choice,name", [("in_process", "in_process"), ("multiprocess", "multiprocess"),
                                         ("celery", "celery"), ("", "in_process")])
def test_executor_setting_chooses_the_executor(choice: str, name: str) -> None:
    from weather_flick_batch.execution import build_executor

    assert build_executor({"WEATHER_FLICK_EXECUTOR": choice}).name == name


def test_invalid_executor_settings_fail_in_one_line_naming_the_variable() -> None:
    from weather_flick_batch import settings
    from weather_flick_batch.execution import build_executor

    for env, name in (({"WEATHER_FLICK_EXECUTOR": "dask"}, "WEATHER_FLICK_EXECUTOR"),
                      ({"WEATHER_FLICK_EXECUTOR": "celery", "WEATHER_FLICK_CELERY_BROKER": "localhost"},
                       "WEATHER_FLICK_CELERY_BROKER")):
        with pytest.raises(settings.SettingsError) as info:
            build_executor(env)
        assert str(info.value).startswith(name) and "\n" not in str(info.value)


def test_broker_url_stays_out_of_the_definitions_and_the_workers_agree() -> None:
    from weather_flick_batch.execution import BACKEND_SETTING, BROKER_SETTING, celery_executor_config

    # A URL that is set (it may carry a password) is passed by reference, resolved at run time.
    config = celery_executor_config({BROKER_SETTING: "redis://:s3cret@redis:6379/1"})
    assert config["broker"] == {"env": BROKER_SETTING} and "s3cret" not in repr(config)
    assert config["backend"] == "redis://127.0.0.1:6379/2"  # the registry default, no secret in it
    # deploy/celery.yaml (the workers) has the same broker, backend and Celery app settings.
    worker = yaml.safe_load((ROOT / "deploy" / "celery.yaml").read_text())["execution"]["config"]
    assert worker["broker"] == {"env": BROKER_SETTING} and worker["backend"] == {"env": BACKEND_SETTING}
    assert worker["config_source"] == CELERY_CONFIG_SOURCE
    # Redelivery must wait out the longest step: at least the longest max_runtime of a lane whose
    # jobs run on the executor (maintenance jobs pin the in-process executor: never Celery tasks).
    from weather_flick_batch.policies import LANE_TAGS

    longest = max(int(tags["dagster/max_runtime"]) for lane, tags in LANE_TAGS.items() if lane != "maintenance")
    assert CELERY_CONFIG_SOURCE["broker_transport_options"]["visibility_timeout"] >= longest
    assert CELERY_CONFIG_SOURCE["task_acks_late"] and CELERY_CONFIG_SOURCE["task_reject_on_worker_lost"]


# -- 1. and 2. Celery ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def celery_s3(moto_server_url: str) -> dict:
    import boto3

    bucket = "wfb-scale-out"
    client = boto3.client("s3", endpoint_url=moto_server_url, region_name="ap-northeast-2",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    return {"endpoint_url": moto_server_url, "bucket": bucket, "client": client}


@pytest.fixture(scope="module")
def celery_deployment(tmp_path_factory: pytest.TempPathFactory, celery_s3: dict) -> Iterator[Deployment]:
    with deployment(tmp_path_factory.mktemp("celery"), "celery", workers=2, s3=celery_s3) as dep:
        yield dep


@pytest.fixture(scope="module")
def celery_pipeline(celery_deployment: Deployment) -> list[LaunchedRun]:
    """The whole graph over Celery, with the kma_api pool cut to one slot first (the UI's pool setting)."""
    assert celery_deployment.graphql(
        'mutation { setConcurrencyLimit(concurrencyKey: "kma_api", limit: 1) }')["setConcurrencyLimit"] is True
    return launch_pipeline(celery_deployment)


def assert_step_logs_on_s3(dep: Deployment, s3: dict, run_ids: list[str]) -> None:
    """Every Celery run's step logs were uploaded to the platform's bucket by the worker that ran the
    step, and the instance reads them back from there (what the UI's log view asks for)."""
    client, bucket = s3["client"], s3["bucket"]
    with dep.instance() as instance:
        manager = instance.compute_log_manager
        assert type(manager).__name__ == "SettingsS3ComputeLogManager"
        for run_id in run_ids:
            listed = client.list_objects_v2(Bucket=bucket, Prefix=f"dagster/compute-logs/storage/{run_id}/")
            keys = [o["Key"] for o in listed.get("Contents", [])]
            everything = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
            assert any(k.endswith(".err") for k in keys), \
                f"no step logs on S3 for run {run_id}: {keys[:5]}; in the bucket: {len(everything)} {everything[:8]}"
        # One step's stderr (Dagster writes its step events there), read through the instance.
        run_id = run_ids[0]
        listed = client.list_objects_v2(Bucket=bucket, Prefix=f"dagster/compute-logs/storage/{run_id}/")
        err_key = next(o["Key"] for o in listed["Contents"] if o["Key"].endswith(".err"))
        log_key = err_key.removeprefix("dagster/compute-logs/storage/").removesuffix(".err").split("/")
        data = manager.get_log_data(log_key)
        assert data.stderr and len(data.stderr) > 0


def test_celery_workers_run_every_step(celery_deployment: Deployment, celery_pipeline: list[LaunchedRun],
                                       celery_s3: dict) -> None:
    import psutil

    dep = celery_deployment
    runs = celery_pipeline
    assert [r.job_name for r in runs][0] == "refresh_reference"
    assert sorted(r.partition for r in runs if r.job_name == "destinations_sync_job") == sorted(PROVINCES)
    assert all(r.status == "SUCCESS" for r in runs)
    assert_complete_scores(dep)
    assert dep.scalar("SELECT count(*) FROM regions WHERE region_level = 1") == 17
    assert dep.scalar("SELECT count(*) FROM regional_recommendations") > 0
    assert dep.scalar("SELECT count(*) FROM analytics_region_weather") > 0
    # The runs really went through the queue and the daemon, on the PostgreSQL instance. (The
    # in-process executor takes the same path for one job in test_daemon_integration; the whole graph
    # runs once here, on the production topology, to keep the suite within its time.)
    with dep.instance() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        for run in runs:
            record = instance.get_run_by_id(run.run_id)
            assert record.status.value == "SUCCESS"
            if run.partition:
                assert record.tags["dagster/partition"] == run.partition

    # Jobs that pin their own executor (health and maintenance pin the in-process one: one short
    # step, not worth a task) keep it; every other job of the pipeline must run on Celery.
    celery_jobs = _jobs_on_celery(dep)
    assert {"refresh_reference", "destinations_sync_job", "refresh_derived"} <= celery_jobs
    celery_runs = [r.run_id for r in celery_pipeline if r.job_name in celery_jobs]
    executed, start_pids = _step_worker_events(dep, celery_runs)
    # Every step that started did so in a Celery worker, which said so in the run's event log...
    assert len(start_pids) >= len(celery_runs), "fewer steps than runs"
    missing = sorted(set(start_pids) - set(executed))
    assert not missing, f"steps without a Celery worker: {missing[:5]}"
    # ...and both workers took part.
    workers = {w.split("@")[0] for names in executed.values() for w in names}
    assert workers == {"worker1", "worker2"}, workers
    # The step processes are the workers' pool processes, not the run workers.
    pool_pids = {c.pid for name in ("worker1", "worker2")
                 for c in psutil.Process(dep.procs[name].pid).children(recursive=True)}
    outside = {k: p for k, pids in start_pids.items() for p in pids if p not in pool_pids}
    assert not outside, f"steps started outside the Celery workers' processes: {list(outside.items())[:5]}"

    # Nothing passed between steps through local files: the instance's storage directory holds no
    # pickled step outputs (step logs go to S3, below).
    storage = Path(dep.env["DAGSTER_HOME"]) / "storage"
    stored = [p for p in storage.rglob("*") if p.is_file()] if storage.exists() else []
    assert all(p.parent.name == "compute_logs" for p in stored), stored[:5]
    assert_step_logs_on_s3(dep, celery_s3, celery_runs)

    # The kma_api pool (one slot, set over GraphQL) held across workers: kma steps never overlapped.
    import dagster as dg

    intervals = []
    kma_runs = [r.run_id for r in celery_pipeline if r.job_name.startswith("weather_")]
    with dep.instance() as instance:
        for run_id in kma_runs:
            starts: dict[str, float] = {}
            for record in instance.all_logs(run_id):
                event = record.dagster_event
                if event is None or not (event.step_key or "").startswith("weather__"):
                    continue
                if event.event_type == dg.DagsterEventType.STEP_START:
                    starts[event.step_key] = record.timestamp
                elif event.event_type == dg.DagsterEventType.STEP_SUCCESS and event.step_key in starts:
                    intervals.append((starts[event.step_key], record.timestamp, event.step_key))
    pooled = [i for i in intervals if not i[2].endswith(("_check", "_reachable"))]
    assert len(pooled) >= 4, intervals
    pooled.sort()
    for (_, end, a), (start, _, b) in zip(pooled, pooled[1:]):
        assert start >= end - 0.05, f"{a} and {b} overlapped although kma_api has one slot"


def test_killed_worker_mid_step_run_still_completes(celery_deployment: Deployment,
                                                    celery_pipeline: list[LaunchedRun]) -> None:
    dep = celery_deployment
    import dagster as dg

    rows_before = assert_complete_scores(dep)
    client = dep.client()
    # Nothing changed since the pipeline scored: forget which inputs the days came from, so that the
    # step rewrites every day (as after a change of the scoring code) and has a write to be killed in.
    forget = dep.warehouse()
    with forget, forget.cursor() as cur:
        cur.execute("DELETE FROM derived_day_versions")
    forget.close()
    # Hold the scores table so the scores step blocks inside its write, mid-step, in whichever
    # worker takes it; then kill that worker.
    blocker = dep.warehouse()
    blocker.autocommit = False
    with blocker.cursor() as cur:
        cur.execute("LOCK TABLE destination_weather_scores IN ACCESS EXCLUSIVE MODE")
    launched_at = time.time()
    run_id = client.submit_job_execution("refresh_derived", repository_location_name=LOCATION,
                                         repository_name=REPOSITORY)
    victim = None
    try:
        deadline = time.monotonic() + 120
        while victim is None and time.monotonic() < deadline:
            executed, _ = _step_worker_events(dep, [run_id])
            names = executed.get(f"{run_id}:{SCORES_STEP}")
            if names:
                victim = names[0].split("@")[0]
            else:
                time.sleep(0.2)
        assert victim, f"the scores step never reached a worker\n{dep.log_tail()}"
        # Blocked on the lock means mid-step: inside the step, at the scores table.
        deadline = time.monotonic() + 30
        while dep.scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                         "AND datname = current_database()") == 0:
            assert time.monotonic() < deadline, "the scores step never blocked on the table lock"
            time.sleep(0.2)
        dep.kill(victim, signal.SIGKILL)
        killed_at = time.time()
    finally:
        blocker.rollback()
        blocker.close()

    _wait_runs(dep, [run := LaunchedRun("refresh_derived", None, run_id)], timeout_s=150)
    assert run.status == "SUCCESS", _failure_details(dep, run_id)

    executed, _ = _step_worker_events(dep, [run_id])
    takers = [w.split("@")[0] for w in executed[f"{run_id}:{SCORES_STEP}"]]
    survivor = "worker2" if victim == "worker1" else "worker1"
    # Taken by the victim, killed, handed to the survivor by the broker once the visibility timeout passed.
    assert takers == [victim, survivor], takers
    with dep.instance() as instance:
        successes = [r for r in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
                     if r.dagster_event.step_key == SCORES_STEP]
        materializations = [r for r in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
                            if r.dagster_event.step_key == SCORES_STEP]
    assert len(successes) == 1 and successes[0].timestamp > killed_at
    assert len(materializations) == 1
    # Complete and not duplicated: the same number of rows as before, each written by this run.
    assert assert_complete_scores(dep) == rows_before
    fresh = dep.scalar("SELECT count(*) FROM destination_weather_scores WHERE as_of >= to_timestamp(%s)",
                       (launched_at,))
    assert fresh == rows_before

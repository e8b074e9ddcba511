"""The production dagster.yaml: a real materialization with run/event/schedule storage on PostgreSQL."""

import shutil
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
import yaml
from sqlalchemy.engine import make_url

from weather_flick_batch.definitions import build_definitions
from weather_flick_batch.pipeline import PipelineStep, run_pipeline

ROOT = Path(__file__).resolve().parent.parent


def test_production_config_has_the_promised_policies():
    config = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    assert config["storage"]["custom"]["class"] == "PooledPostgresStorage"  # dagster-postgres, pooled
    assert "postgres_db" in config["storage"]["custom"]["config"]
    assert config["run_monitoring"]["enabled"] is True
    assert config["run_retries"]["enabled"] is True
    # Step RetryPolicies already retry failed steps: a run must not retry them a second time.
    assert config["run_retries"]["retry_on_asset_or_op_failure"] is False
    assert config["concurrency"]["runs"]["tag_concurrency_limits"]
    assert "max_concurrent_runs" not in config.get("run_coordinator", {}).get("config", {})


@pytest.mark.postgres
def test_materialization_on_the_production_instance(tmp_path, monkeypatch, fresh_postgres_url, postgres_database,
                                                    s3_env):
    instance_url = make_url(fresh_postgres_url)
    home = tmp_path / "prod_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_HOST", instance_url.host)
    monkeypatch.setenv("DAGSTER_PG_PORT", str(instance_url.port))
    monkeypatch.setenv("DAGSTER_PG_USERNAME", instance_url.username)
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "")  # trust auth on the local test server
    monkeypatch.setenv("DAGSTER_PG_DB", instance_url.database)
    # The warehouse on PostgreSQL too, as in production (a separate database).
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", postgres_database)

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert type(instance.compute_log_manager).__name__ == "SettingsS3ComputeLogManager"
        defs = build_definitions()
        result = defs.resolve_job_def("refresh_reference").execute_in_process(instance=instance)
        assert result.success
        run_id = result.run_id

    # The run and its events really are in PostgreSQL, and the data in the PostgreSQL warehouse.
    with psycopg2.connect(host=instance_url.host, port=instance_url.port, user=instance_url.username,
                          dbname=instance_url.database) as conn, conn.cursor() as cur:
        cur.execute("SELECT status FROM runs WHERE run_id = %s", (run_id,))
        assert cur.fetchone()[0] == "SUCCESS"
        cur.execute("SELECT count(*) FROM event_logs WHERE run_id = %s", (run_id,))
        assert cur.fetchone()[0] > 5
    warehouse_db = make_url(postgres_database)
    with psycopg2.connect(host=warehouse_db.host, port=warehouse_db.port, user=warehouse_db.username,
                          dbname=warehouse_db.database) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM province_catalogue")
        assert cur.fetchone()[0] == 17

    # The run's step logs went to the platform's bucket (dagster.yaml's compute_logs): whichever host
    # ran the step, the UI reads them from there.
    listed = s3_env["client"].list_objects_v2(Bucket=s3_env["bucket"], Prefix=f"dagster/compute-logs/storage/{run_id}/")
    keys = [o["Key"] for o in listed.get("Contents", [])]
    err = [k for k in keys if k.endswith(".err")]
    assert err, keys
    # ...and the instance reads them back from S3 (what the UI's log view asks for).
    log_key = err[0].removeprefix("dagster/compute-logs/storage/").removesuffix(".err").split("/")
    with dg.DagsterInstance.get() as instance:
        data = instance.compute_log_manager.get_log_data(log_key)
    assert data.stderr and b"refresh_reference" in data.stderr

    # Every process of the instance writes through one pooled engine (Dagster's PostgreSQL storages
    # otherwise open a connection for every event): the run's storages share it, it stays open
    # between writes, and a second instance in the same process (a Celery worker makes one per
    # task) reuses it instead of piling up connections.
    with dg.DagsterInstance.get() as instance, dg.DagsterInstance.get() as another:
        engines = {id(s._engine) for i in (instance, another)
                   for s in (i.run_storage, i.event_log_storage, i.schedule_storage)}
        assert len(engines) == 1
        engine = instance.run_storage._engine
        assert type(engine.pool).__name__ == "QueuePool" and engine.pool.size() == 1
        outcome = run_pipeline(build_definitions(), instance, steps=[PipelineStep("refresh_reference")])
        assert outcome.success, outcome.failures
        pooled_run = instance.get_runs(limit=1)[0]
        assert pooled_run.run_id != run_id and pooled_run.status == dg.DagsterRunStatus.SUCCESS
        assert len(instance.all_logs(pooled_run.run_id)) > 5
        assert engine.pool.checkedin() == 1  # kept open between writes, returned after each

def test_step_logs_on_s3_need_the_bucket(tmp_path, monkeypatch):
    # The production instance without WEATHER_FLICK_S3_BUCKET: one line naming the setting.
    from weather_flick_batch.compute_logs import SettingsS3ComputeLogManager
    from weather_flick_batch.settings import SettingsError

    monkeypatch.delenv("WEATHER_FLICK_S3_BUCKET", raising=False)
    with pytest.raises(SettingsError, match="WEATHER_FLICK_S3_BUCKET is empty"):
        SettingsS3ComputeLogManager.from_config_value(None, {"prefix": "x"})


def test_step_logs_on_s3_read_the_env_file_like_every_other_process(tmp_path, monkeypatch):
    # The webserver and daemon build the instance before the code location loads .env.
    from weather_flick_batch.compute_logs import SettingsS3ComputeLogManager

    env_file = tmp_path / ".env"
    env_file.write_text("WEATHER_FLICK_S3_BUCKET=from-env-file\nWEATHER_FLICK_S3_ENDPOINT_URL=http://127.0.0.1:9\n")
    monkeypatch.setenv("WEATHER_FLICK_ENV_FILE", str(env_file))
    monkeypatch.delenv("WEATHER_FLICK_S3_BUCKET", raising=False)
    try:
        manager = SettingsS3ComputeLogManager.from_config_value(None, {"prefix": "x"})
    finally:  # load_env_file writes os.environ itself: leave nothing behind for the next test
        import os

        for name in ("WEATHER_FLICK_S3_BUCKET", "WEATHER_FLICK_S3_ENDPOINT_URL"):
            os.environ.pop(name, None)
    assert manager._s3_bucket == "from-env-file"



def test_step_log_capture_mirrors_through_a_thread_not_helper_processes(tmp_path):
    """What a step writes (Python, logging and its child processes alike) lands in the step's log files and
    still reaches the process's own stdout/stderr; the capture starts no helper process (Dagster's starts a
    `tail` and a Python watcher per stream) and leaves no thread behind."""
    import subprocess
    import sys

    code = f"""
import os, sys, threading, psutil
from weather_flick_batch.compute_log_capture import ThreadMirroredLocalComputeLogManager
manager = ThreadMirroredLocalComputeLogManager({str(tmp_path)!r})
threads = threading.active_count()
with manager.capture_logs(["run", "step"]):
    print("from python", flush=True)
    print("to stderr", file=sys.stderr, flush=True)
    os.system("echo from a child process")
    helpers = psutil.Process().children()
assert helpers == [], helpers
assert threading.active_count() == threads, threading.enumerate()
assert manager.is_capture_complete(["run", "step"])
print("captured:", open(manager.get_captured_local_path(["run", "step"], "out")).read().split("\\n"))
print("captured err:", open(manager.get_captured_local_path(["run", "step"], "err")).read().split("\\n"))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    # Mirrored to the process's own streams while captured...
    assert "from python\n" in done.stdout and "from a child process\n" in done.stdout
    assert "to stderr\n" in done.stderr
    # ...and in the step's files.
    assert "captured: ['from python', 'from a child process', '']" in done.stdout
    assert "captured err: ['to stderr', '']" in done.stdout

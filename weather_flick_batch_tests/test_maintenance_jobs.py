"""Maintenance through Dagster: the backup and cleanup jobs, their schedules, the retry sensor.

Jobs run with ``execute_in_process`` and the real resources built from settings
(``build_resources``), on both warehouse engines, against a real S3 (moto_server) and a real
Dagster instance. The Dagster-free modules underneath have their own tests
(test_maintenance_backup.py, test_maintenance_cleanup.py); these check the wiring: what the ops
read from settings and resources, what they report, and that a failed verification fails the run.
"""

from __future__ import annotations

import gzip
import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy.engine import make_url

from weather_flick_batch import cli, settings
from weather_flick_batch.core.apiclient import LocalRawArchive, S3RawArchive
from weather_flick_batch.core.timeutil import KST
from weather_flick_batch.definitions import DOMAINS, build_definitions
from weather_flick_batch.maintenance import backup as bk
from weather_flick_batch.maintenance import ops, sensors
from weather_flick_batch.maintenance.definitions import defs as maintenance_defs
from weather_flick_batch.regions.assets import region_frame
from weather_flick_batch.definitions import build_resources
from weather_flick_batch.testing.services import create_database, drop_database
from weather_flick_batch.warehouse.warehouse import Warehouse

DAY = timedelta(days=1)
SECRET = "pw-that-must-never-show-7f3a"


def full_definitions() -> dg.Definitions:
    """The code location as definitions.py assembles it: every domain, maintenance included."""
    return build_definitions()


def populate(url: str) -> None:
    """Schema at head and the 17 regions (with their audit row)."""
    wh = Warehouse(url)
    try:
        wh.ensure_schema()
        wh.upsert("province_catalogue", region_frame())
    finally:
        wh.dispose()


def output_metadata(result: dg.ExecuteInProcessResult, node: str) -> dict[str, Any]:
    for event in result.events_for_node(node):
        if event.is_successful_output:
            return {k: getattr(v, "value", v) for k, v in event.step_output_data.metadata.items()}
    raise AssertionError(f"{node} produced no output")


def s3_keys(client, bucket: str) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


class FakeClock:
    """Stands in for the ops' clock, so backups get distinct, controlled times."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(datetime.now(timezone.utc).replace(microsecond=0))
    monkeypatch.setattr(ops, "_utcnow", fake)
    return fake


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as inst:
        yield inst


# -- definitions ------------------------------------------------------------------------------------
def test_maintenance_merges_with_every_domain_and_validates() -> None:
    assert maintenance_defs in DOMAINS
    merged = dg.Definitions.merge(*DOMAINS, dg.Definitions(resources=build_resources()))
    dg.Definitions.validate_loadable(merged)
    full = full_definitions()
    dg.Definitions.validate_loadable(full)
    repo = full.get_repository_def()
    for name in ("warehouse_backup_job", "cleanup_job"):
        job = repo.get_job(name)
        assert job.tags["weather_flick/lane"] == "maintenance"
        # Maintenance yields to everything else in the queue.
        others = [int(j.tags["dagster/priority"]) for j in repo.get_all_jobs()
                  if j.tags.get("weather_flick/lane") not in (None, "maintenance")]
        assert others and int(job.tags["dagster/priority"]) < min(others)
    assert repo.get_job("cleanup_job").run_config_schema.config_type.fields.keys() == {"dry_run"}
    # Local dev: nothing runs unless asked (production is tested through schedules_policy).
    assert repo.get_sensor_def("failed_partition_retry_sensor").default_status == dg.DefaultSensorStatus.STOPPED
    assert repo.get_schedule_def("warehouse_backup_schedule").default_status == dg.DefaultScheduleStatus.STOPPED


def test_a_bad_maintenance_setting_fails_the_load_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from weather_flick_batch.settings import SettingsError

    monkeypatch.setenv("WEATHER_FLICK_BACKUP_KEEP_COUNT", "0")
    with pytest.raises(SettingsError) as info:
        ops.validate_settings()
    assert str(info.value).startswith("WEATHER_FLICK_BACKUP_KEEP_COUNT=") and "\n" not in str(info.value)
    monkeypatch.setenv("WEATHER_FLICK_BACKUP_KEEP_COUNT", "2")
    monkeypatch.setenv("WEATHER_FLICK_LOG_COMPRESS_AFTER_DAYS", "100")
    with pytest.raises(SettingsError, match="WEATHER_FLICK_LOG_COMPRESS_AFTER_DAYS"):
        ops.validate_settings()


# -- schedules --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "schedule_name,tick_kst,run_key",
    [
        # 01:00 KST is 16:00 UTC the day before: the night is named by its KST date.
        ("cleanup_schedule", datetime(2026, 11, 26, 1, 0, tzinfo=KST), "cleanup-2026-11-26"),
        ("warehouse_backup_schedule", datetime(2026, 11, 26, 2, 0, tzinfo=KST), "backup-2026-11-26"),
        ("warehouse_backup_schedule", datetime(2027, 1, 1, 2, 0, tzinfo=KST), "backup-2027-01-01"),
    ],
)
def test_nightly_schedules_at_concrete_kst_instants(schedule_name: str, tick_kst: datetime, run_key: str) -> None:
    repo = full_definitions().get_repository_def()
    schedule = repo.get_schedule_def(schedule_name)
    assert schedule.execution_timezone == "Asia/Seoul"
    # Evaluated with the tick as the daemon hands it over: in UTC.
    context = dg.build_schedule_context(scheduled_execution_time=tick_kst.astimezone(timezone.utc),
                                        repository_def=repo)
    requests = schedule.evaluate_tick(context).run_requests
    assert len(requests) == 1
    request = requests[0]
    assert request.run_key == run_key
    assert request.partition_key is None  # maintenance jobs are not partitioned
    assert request.tags["weather_flick/scheduled_for"] == tick_kst.isoformat()
    assert not request.run_config  # the scheduled cleanup is a real run, not a dry run


def test_nightly_schedules_fire_at_the_old_kst_times() -> None:
    from dagster._utils.schedules import cron_string_iterator

    repo = full_definitions().get_repository_def()
    start = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc).timestamp()
    for name, hour in (("cleanup_schedule", 1), ("warehouse_backup_schedule", 2)):
        schedule = repo.get_schedule_def(name)
        ticks = cron_string_iterator(start, schedule.cron_schedule, schedule.execution_timezone)
        first, second = next(ticks), next(ticks)
        assert first == datetime(2026, 11, 26, hour, 0, tzinfo=KST)
        assert first.astimezone(timezone.utc) == datetime(2026, 11, 25, hour + 15, 0, tzinfo=timezone.utc)
        assert second - first == DAY


def test_every_schedule_of_the_code_location_runs_on_kst() -> None:
    for schedule in full_definitions().get_repository_def().schedule_defs:
        assert schedule.execution_timezone == "Asia/Seoul", schedule.name


# -- backup -----------------------------------------------------------------------------------------
@pytest.mark.s3
def test_backup_job_to_s3_then_restore_command_round_trip(
    warehouse_url: str, s3_env: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, instance, capsys
) -> None:
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", warehouse_url)
    # Trust auth on the test server ignores it, but it must travel as PGPASSWORD and nowhere else.
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_PASSWORD", SECRET)
    populate(warehouse_url)
    tool_envs: list[tuple[list[str], dict[str, str]]] = []
    real_tool = bk._run_tool

    def spy(argv, env, **kwargs):
        tool_envs.append((list(argv), dict(env)))
        return real_tool(argv, env, **kwargs)

    monkeypatch.setattr(bk.postgres, "_run_tool", spy)  # where the dump, restore and verify code calls it

    job = full_definitions().resolve_job_def("warehouse_backup_job")
    result = job.execute_in_process(instance=instance)
    assert result.success
    assert result.dagster_run.tags["weather_flick/lane"] == "maintenance"

    created = output_metadata(result, "create_warehouse_backup")
    verified = output_metadata(result, "verify_warehouse_backup")
    stored = output_metadata(result, "store_warehouse_backup")
    retention = output_metadata(result, "apply_backup_retention")
    name = created["backup"]
    engine = make_url(warehouse_url).get_backend_name()
    assert name.startswith(f"warehouse-{engine}-") and created["rows"] >= 18  # 17 regions + the audit row
    assert verified["verification_passed"] is True and verified["tables_verified"] == created["tables"]
    assert stored["storage"] == "s3" and stored["location"] == f"s3://{s3_env['bucket']}/backups/{name}"
    assert retention["backups_kept"] == 1 and retention["backups_deleted"] == 0
    s3, bucket = s3_env["client"], s3_env["bucket"]
    assert s3_keys(s3, bucket) == {f"backups/{name}", f"backups/{name}{bk.MANIFEST_SUFFIX}"}
    assert s3.head_object(Bucket=bucket, Key=f"backups/{name}")["Metadata"]["sha256"] == created["sha256"]
    assert not any((tmp_path / "wfb_home" / "backups" / ".work").glob("*/*"))  # nothing staged left behind

    if engine == "postgresql":
        assert tool_envs and all(env.get("PGPASSWORD") == SECRET for _, env in tool_envs)
        assert not any(SECRET in " ".join(argv) for argv, _ in tool_envs)
    # No secret in any event of the run (logs, metadata, failure messages).
    assert not [e for e in instance.all_logs(result.run_id) if SECRET in str(e)]

    # The documented restore command, into an empty database of the same engine.
    if engine == "sqlite":
        target = f"sqlite:///{tmp_path / 'restored' / 'warehouse.sqlite'}"
        target_db = None
    else:
        target_db = create_database("wfb_restore")
        target = str(make_url(warehouse_url).set(database=target_db))
    try:
        assert cli.main(["backup", "list"]) == 0
        assert f"s3://{bucket}/backups/{name}" in capsys.readouterr().out
        assert cli.main(["backup", "restore", "--key", f"backups/{name}", "--target-url", target]) == 0
        out = capsys.readouterr().out
        assert "tables match" in out and SECRET not in out
        assert bk.table_stats(target) == bk.fetch_manifest(s3, bucket, f"backups/{name}").table_stats
        # A second restore into the now non-empty target is refused without --force.
        assert cli.main(["backup", "restore", "--key", name, "--target-url", target]) == 2
        assert "refusing" in capsys.readouterr().err
    finally:
        if target_db:
            drop_database(target_db)


def test_backup_job_without_s3_keeps_backups_locally_with_retention(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock, instance, capsys
) -> None:
    url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", url)
    monkeypatch.setenv("WEATHER_FLICK_BACKUP_KEEP_DAYS", "7")
    monkeypatch.setenv("WEATHER_FLICK_BACKUP_KEEP_COUNT", "1")
    populate(url)
    job = full_definitions().resolve_job_def("warehouse_backup_job")
    start = clock.now
    names = {}
    for age in (40, 20, 1, 0):  # oldest first, as nights go by
        clock.now = start - age * DAY
        result = job.execute_in_process(instance=instance)
        assert result.success
        names[age] = output_metadata(result, "create_warehouse_backup")["backup"]
    store = tmp_path / "wfb_home" / "backups"
    # keep_count 1 keeps the newest; keep_days 7 also keeps yesterday's; the 20- and 40-day-old go.
    assert sorted(p.name for p in store.iterdir() if p.is_file()) == sorted(
        n + suffix for n in (names[0], names[1]) for suffix in ("", bk.MANIFEST_SUFFIX))
    last = output_metadata(result, "apply_backup_retention")
    assert (last["backups_kept"], last["backups_deleted"]) == (2, 0)  # the others went on earlier nights
    assert not any((store / ".work").glob("*/*"))

    # Restore a local backup with the CLI, by bare name as `backup list` shows it.
    assert cli.main(["backup", "list"]) == 0
    listed = capsys.readouterr().out
    assert names[0] in listed and names[20] not in listed
    target = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    assert cli.main(["backup", "restore", "--key", names[0], "--target-url", target]) == 0
    assert bk.table_stats(target) == bk.table_stats(url)


def test_the_backup_job_backs_up_a_postgresql_instance_database_restore_verified(
    fresh_postgres_url: str, s3_env: dict, tmp_path: Path
) -> None:
    """Production: the instance's run history goes to S3 too, and restores into an empty database."""
    populate(settings.warehouse_url())
    with dg.instance_for_test(overrides={"storage": {"postgres": {"postgres_url": fresh_postgres_url}}},
                              ) as instance:
        earlier = _noisy_job.execute_in_process(instance=instance).run_id  # history worth keeping
        result = full_definitions().resolve_job_def("warehouse_backup_job").execute_in_process(instance=instance)
        assert result.success
        event = instance.get_latest_materialization_event(ops.INSTANCE_BACKUP_KEY)
    metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    name = metadata["backup"]
    assert name.startswith("instance-postgresql-") and metadata["verification_passed"] is True
    assert metadata["rows"] > 0 and "password" not in str(metadata).lower()
    s3, bucket = s3_env["client"], s3_env["bucket"]
    key = f"{ops.INSTANCE_BACKUP_PREFIX}/{name}"
    assert {key, key + bk.MANIFEST_SUFFIX} <= s3_keys(s3, bucket)
    assert not any(k.startswith(f"{ops.BACKUP_PREFIX}/instance-") for k in s3_keys(s3, bucket))
    target_db = create_database("wfb_instance_restore")
    try:
        target = str(make_url(fresh_postgres_url).set(database=target_db))
        assert cli.main(["backup", "restore", "--key", key, "--target-url", target]) == 0
        restored = bk.table_stats(target)
        assert restored == bk.fetch_manifest(s3, bucket, key).table_stats
        restored_db = Warehouse(target)
        try:
            with restored_db.engine.connect() as conn:
                assert earlier in {r[0] for r in conn.exec_driver_sql("SELECT run_id FROM runs")}
        finally:
            restored_db.dispose()
    finally:
        drop_database(target_db)


def test_retention_never_deletes_the_backup_just_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock, instance
) -> None:
    url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", url)
    monkeypatch.setenv("WEATHER_FLICK_BACKUP_KEEP_DAYS", "0")
    monkeypatch.setenv("WEATHER_FLICK_BACKUP_KEEP_COUNT", "1")
    populate(url)
    job = full_definitions().resolve_job_def("warehouse_backup_job")
    assert job.execute_in_process(instance=instance).success
    clock.now -= DAY  # the clock went back: the older-looking new backup would lose to the newest one
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "apply_backup_retention"
    assert "nothing was deleted" in failure.step_failure_data.user_failure_data.description
    assert len([p for p in (tmp_path / "wfb_home" / "backups").iterdir() if p.is_file()]) == 4  # both kept


@pytest.mark.s3
def test_corrupted_backup_fails_the_run_and_keeps_the_older_backups(
    tmp_path: Path, s3_env: dict, monkeypatch: pytest.MonkeyPatch, clock: FakeClock, instance
) -> None:
    url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", url)
    monkeypatch.setenv("WEATHER_FLICK_BACKUP_KEEP_DAYS", "0")
    monkeypatch.setenv("WEATHER_FLICK_BACKUP_KEEP_COUNT", "1")
    populate(url)
    job = full_definitions().resolve_job_def("warehouse_backup_job")
    clock.now -= 3 * DAY
    good = job.execute_in_process(instance=instance)
    assert good.success
    before = s3_keys(s3_env["client"], s3_env["bucket"])

    real_create = bk.create_backup

    def corrupting_create(*args, **kwargs):
        artifact = real_create(*args, **kwargs)
        data = bytearray(artifact.path.read_bytes())
        data[len(data) // 2] ^= 0xFF  # damaged after hashing, as a bad disk would
        artifact.path.write_bytes(bytes(data))
        return artifact

    monkeypatch.setattr(bk, "create_backup", corrupting_create)
    clock.now += 3 * DAY
    bad = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not bad.success
    failure = next(e for e in bad.all_events if e.is_step_failure)
    assert failure.step_key == "verify_warehouse_backup"
    message = failure.step_failure_data.user_failure_data.description
    assert "failed verification" in message and "SHA-256" in message and "\n" not in message
    # Nothing uploaded, retention never ran: the older good backup is still there; nothing staged.
    assert s3_keys(s3_env["client"], s3_env["bucket"]) == before
    assert not any((tmp_path / "wfb_home" / "backups" / ".work").glob("*/*"))
    assert not [e for e in bad.all_events if e.step_key == "store_warehouse_backup" and e.is_step_success]


# -- cleanup ----------------------------------------------------------------------------------------
def _age(path: Path, age: timedelta, content: bytes | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is not None or not path.exists():
        path.write_bytes(content if content is not None else f"{path.name}\n".encode() * 300)
    ts = time.time() - age.total_seconds()
    os.utime(path, (ts, ts))
    return path


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


@dg.op
def _noisy() -> None:
    print("a line for the compute log")  # noqa: T201 - captured by Dagster's compute log manager


@dg.job
def _noisy_job() -> None:
    _noisy()


def test_warehouse_retention_dry_run_then_bounded_batches_then_nothing(
    warehouse_url: str, monkeypatch: pytest.MonkeyPatch, instance
) -> None:
    """Old KMA partitions and audit rows go in batches of WEATHER_FLICK_RETENTION_BATCH_ROWS; new ones stay."""
    import pandas as pd

    from weather_flick_batch.core.timeutil import now_kst
    from weather_flick_batch.warehouse import schema

    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("WEATHER_FLICK_WEATHER_RETENTION_DAYS", "10")
    monkeypatch.setenv("WEATHER_FLICK_AUDIT_RETENTION_DAYS", "20")
    monkeypatch.setenv("WEATHER_FLICK_RETENTION_BATCH_ROWS", "7")  # 30 old rows: five batches
    populate(warehouse_url)
    wh = Warehouse(warehouse_url)
    now = now_kst().replace(minute=0, second=0, microsecond=0)
    hours = {days: now - timedelta(days=days) for days in (0, 3, 9, 11, 40)}
    for days, hour in hours.items():
        frame = pd.DataFrame({"nx": range(1, 16), "ny": 100, "base_time": hour, "t1h_c": 1.5,
                              "simulated": True, "loaded_at": hour})
        wh.replace_rows(schema.weather_nowcast, frame.assign(partition_hour=hour), {"partition_hour": hour})
    with wh.engine.begin() as conn:
        conn.execute(schema.load_audit.update().values(written_at=now - timedelta(days=25))
                     .where(schema.load_audit.c.table_name == "province_catalogue"))
    audit_rows = wh.row_count(schema.load_audit)

    def kept_hours() -> set:
        return {pd.Timestamp(h).tz_convert("UTC") for h in wh.read_table(schema.weather_nowcast)["partition_hour"]}

    job = full_definitions().resolve_job_def("cleanup_job")
    dry = job.execute_in_process(instance=instance, run_config={"dry_run": True})
    listed = dry.output_for_node("expire_warehouse_rows").listed
    assert wh.row_count(schema.weather_nowcast) == 75 and wh.row_count(schema.load_audit) == audit_rows
    assert any(line.startswith("weather_nowcast: partition_hour before") and line.endswith(": 30 rows")
               for line in listed)
    assert any(line.startswith("load_audit: written_at before") and line.endswith(": 1 rows") for line in listed)

    statements: list[str] = []
    import sqlalchemy as sa

    def count_deletes(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM WEATHER_NOWCAST"):
            statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count_deletes)
    real = job.execute_in_process(instance=instance)
    assert real.success and real.output_for_node("expire_warehouse_rows").items == 31
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", count_deletes)
    # 30 old rows, 15 per partition hour, batches of 7: each batch ends at a whole partition (15 rows): two
    # bounded batches, then the last one (fewer than 7 left: none) unbounded; never one statement for all.
    assert ["<=" in s for s in statements] == [True, True, False], statements
    assert kept_hours() == {pd.Timestamp(hours[d]).tz_convert("UTC") for d in (0, 3, 9)}
    audits = wh.read_table(schema.load_audit, {"operation": "retention"})
    assert set(audits["table_name"]) == {"weather_nowcast", "load_audit", "weather_short_range", "weather_mid_land",
                                         "weather_mid_ta", "weather_ultra_short", "air_dust_forecast",
                                         "destination_rejects", "destination_weather_scores"}
    assert int(audits.loc[audits["table_name"] == "weather_nowcast", "rows_replaced"].iloc[0]) == 30
    again = job.execute_in_process(instance=instance)
    assert again.output_for_node("expire_warehouse_rows").items == 0  # idempotent
    wh.dispose()


@pytest.mark.s3
def test_cleanup_dry_run_changes_nothing_and_the_real_run_removes_exactly_that(
    tmp_path: Path, s3_env: dict, monkeypatch: pytest.MonkeyPatch, instance
) -> None:
    monkeypatch.setenv("WEATHER_FLICK_RUN_RETENTION_DAYS", "0")  # every finished run is old enough
    home = tmp_path / "wfb_home"
    logs = home / "logs"
    _age(logs / "app.log", 0.1 * DAY)  # today's: kept
    _age(logs / "app.2026-09-01.log", 40 * DAY)  # compressed
    _age(logs / "app.2026-07-01.log", 120 * DAY)  # deleted
    _age(logs / "app.2026-06-01.log.gz", 150 * DAY, gzip.compress(b"old"))  # deleted
    _age(logs / "notes.txt", 400 * DAY)  # not a log: never touched

    now = datetime.now(timezone.utc)
    local_archive = LocalRawArchive(home / "raw")
    s3_archive = S3RawArchive(s3_env["client"], s3_env["bucket"], "raw")
    expired_locations = []
    for archive in (local_archive, s3_archive):
        for days_ago in (45, 31, 2, 0):
            location = archive.put("kma", "getVilageFcst", {"nx": str(days_ago)}, b'{"ok": true}',
                                   now - days_ago * DAY)
            if days_ago > 30:
                expired_locations.append(location)

    old_runs = [_noisy_job.execute_in_process(instance=instance).run_id for _ in range(2)]
    storage = ops.compute_log_dir(instance)
    assert storage is not None
    old_compute_logs = sorted(p for p in (storage / old_runs[0]).rglob("*") if p.is_file())
    assert old_compute_logs, "Dagster wrote no compute logs where expected"
    for path in old_compute_logs:
        _age(path, 45 * DAY)

    def state(*own_runs: str) -> tuple:
        """Everything cleanup may touch, minus the compute logs the cleanup runs write themselves."""
        compute = {k: v for k, v in _tree(storage).items() if k.split("/")[0] not in own_runs}
        return (_tree(logs), _tree(home / "raw"), s3_keys(s3_env["client"], s3_env["bucket"]), compute)

    before = state()
    runs_before = {r.dagster_run.run_id for r in instance.get_run_records()}
    job = full_definitions().resolve_job_def("cleanup_job")

    dry = job.execute_in_process(instance=instance, run_config={"dry_run": True})
    assert dry.success
    assert state(dry.run_id) == before  # a dry run changes no file and no object ...
    assert {r.dagster_run.run_id for r in instance.get_run_records()} == runs_before | {dry.run_id}  # ... nor run

    planned = {node: set(dry.output_for_node(node).listed) for node in
               ("cleanup_platform_logs", "cleanup_compute_logs", "purge_old_runs", "expire_raw_archives")}
    assert planned["cleanup_platform_logs"] == {str(logs / n) for n in
                                                ("app.2026-09-01.log", "app.2026-07-01.log", "app.2026-06-01.log.gz")}
    assert planned["cleanup_compute_logs"] == {str(p) for p in old_compute_logs}
    assert planned["purge_old_runs"] == set(old_runs)
    assert planned["expire_raw_archives"] == set(expired_locations)
    report = output_metadata(dry, "cleanup_report")
    assert report["dry_run"] is True and report["total_items"] == sum(len(v) for v in planned.values())
    raw_meta = output_metadata(dry, "expire_raw_archives")
    assert raw_meta["archives_to_expire"] == 4 and raw_meta["bytes_to_free"] > 0
    assert output_metadata(dry, "cleanup_platform_logs")["files_to_compress"] == 1

    real = job.execute_in_process(instance=instance)
    assert real.success
    done = {node: set(real.output_for_node(node).listed) for node in planned}
    # Exactly what the dry run listed; the run purge also finds the dry run itself, finished since.
    assert done["cleanup_platform_logs"] == planned["cleanup_platform_logs"]
    assert done["cleanup_compute_logs"] == planned["cleanup_compute_logs"]
    assert done["expire_raw_archives"] == planned["expire_raw_archives"]
    assert done["purge_old_runs"] == planned["purge_old_runs"] | {dry.run_id}
    assert _tree(logs).keys() == {"app.log", "app.2026-09-01.log.gz", "notes.txt"}
    assert state(dry.run_id, real.run_id)[3].keys() == before[3].keys() - {
        p.relative_to(storage).as_posix() for p in old_compute_logs}
    assert not set(expired_locations) & ({str(p) for p in (home / "raw").rglob("*.json.gz")}
                            | {f"s3://{s3_env['bucket']}/{k}" for k in s3_keys(s3_env["client"], s3_env["bucket"])})
    assert len(list((home / "raw").rglob("*.json.gz"))) == 2
    assert {r.dagster_run.run_id for r in instance.get_run_records()} == {real.run_id}
    meta = output_metadata(real, "cleanup_report")
    assert meta["dry_run"] is False and meta["bytes_freed"] > 0
    assert output_metadata(real, "purge_old_runs")["runs_purged"] == 3


# -- failed-partition retry sensor ----------------------------------------------------------------
@pytest.fixture
def sensor_setup(monkeypatch: pytest.MonkeyPatch, instance):
    monkeypatch.setattr(sensors, "FAILURE_SETTLE_SECONDS", 0.0)
    monkeypatch.setenv("WEATHER_FLICK_PARTITION_RETRY_LIMIT", "2")
    repo = full_definitions().get_repository_def()
    return instance, repo


def fail_run(instance: dg.DagsterInstance, repo, job_name: str, partition: str | None, *,
             tags: dict[str, str] | None = None, run_config: dict | None = None) -> str:
    all_tags = {**(tags or {}), **({"dagster/partition": partition} if partition else {})}
    run = instance.create_run_for_job(repo.get_job(job_name), run_config=run_config, tags=all_tags,
                                      status=dg.DagsterRunStatus.STARTED)
    instance.report_run_failed(run)
    return run.run_id


def evaluate(repo, instance, cursor: str | None) -> dg.SensorResult | Any:
    sensor = repo.get_sensor_def("failed_partition_retry_sensor")
    context = dg.build_sensor_context(instance=instance, cursor=cursor, repository_def=repo)
    return sensor.evaluate_tick(context)


def test_sensor_re_requests_failed_partitions_once_each_and_gives_up_at_the_limit(sensor_setup) -> None:
    instance, repo = sensor_setup
    hour = datetime.now(KST).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    nowcast_key = hour.strftime("%Y-%m-%d-%H:%M")
    sync_config = {"ops": {"destinations__catalogue": {"config": {"mode": "full"}}}}
    failed_nowcast = fail_run(instance, repo, "weather_nowcast_job", nowcast_key,
                              tags={"weather_flick/issuance": hour.isoformat()})
    failed_sync = fail_run(instance, repo, "destinations_sync_job", "jeju", run_config=sync_config,
                           tags={"weather_flick/sync_mode": "full", "dagster/backfill": "abcdefgh"})
    instance.add_run_tags(failed_sync, {"dagster/failure_reason": "RUN_EXCEPTION"})
    fail_run(instance, repo, "refresh_reference", None)  # not a partitioned job: ignored

    tick = evaluate(repo, instance, None)
    requests = {r.job_name: r for r in tick.run_requests}
    assert requests.keys() == {"weather_nowcast_job", "destinations_sync_job"}
    nowcast, sync = requests["weather_nowcast_job"], requests["destinations_sync_job"]
    assert nowcast.partition_key == nowcast_key
    assert nowcast.tags["weather_flick/partition_retry"] == "1"
    assert nowcast.tags["weather_flick/retry_of"] == failed_nowcast
    assert nowcast.tags["weather_flick/issuance"] == hour.isoformat()  # the run's own tags carry over
    assert nowcast.run_key == f"partition-retry-{failed_nowcast}"
    assert sync.partition_key == "jeju" and sync.run_config == sync_config  # same mode as the failed run
    assert sync.tags["weather_flick/sync_mode"] == "full" and sync.tags["weather_flick/retry_of"] == failed_sync
    # Dagster's own tags of the failed run (a backfill id, failure reasons...) are not carried over.
    assert "dagster/backfill" not in sync.tags and "dagster/failure_reason" not in sync.tags

    # The cursor: the same failures are never handled twice.
    again = evaluate(repo, instance, tick.cursor)
    assert not again.run_requests and again.cursor == tick.cursor

    # The re-requested run fails too: attempt 2; it fails again: the limit (2) is reached.
    retry1 = fail_run(instance, repo, "destinations_sync_job", "jeju", run_config=sync_config,
                      tags=dict(sync.tags))
    tick2 = evaluate(repo, instance, tick.cursor)
    assert [(r.partition_key, r.tags["weather_flick/partition_retry"], r.tags["weather_flick/retry_of"])
            for r in tick2.run_requests] == [("jeju", "2", retry1)]
    fail_run(instance, repo, "destinations_sync_job", "jeju", run_config=sync_config,
             tags=dict(tick2.run_requests[0].tags))
    tick3 = evaluate(repo, instance, tick2.cursor)
    assert not tick3.run_requests and int(tick3.cursor) > int(tick2.cursor)


def test_sensor_skips_partitions_that_succeeded_are_rerunning_or_will_be_retried(sensor_setup) -> None:
    from weather_flick_batch.weather import assets as weather_assets

    instance, repo = sensor_setup
    base = datetime.now(KST).replace(minute=0, second=0, microsecond=0)
    keys = [(base - timedelta(hours=h)).strftime("%Y-%m-%d-%H:%M") for h in (3, 4, 5, 6)]

    # 1. A newer run of the same partition succeeded.
    fail_run(instance, repo, "weather_nowcast_job", keys[0])
    instance.create_run_for_job(repo.get_job("weather_nowcast_job"), tags={"dagster/partition": keys[0]},
                                status=dg.DagsterRunStatus.SUCCESS)
    # 2. A newer run of the same partition is in progress (someone re-ran it by hand).
    fail_run(instance, repo, "weather_nowcast_job", keys[1])
    instance.create_run_for_job(repo.get_job("weather_nowcast_job"), tags={"dagster/partition": keys[1]},
                                status=dg.DagsterRunStatus.STARTED)
    # 3. The partition was materialized since by another route (a backfill, a manual materialization).
    fail_run(instance, repo, "weather_nowcast_job", keys[2])
    instance.report_runless_asset_event(dg.AssetMaterialization(weather_assets.NOWCAST_KEY, partition=keys[2]))
    # 4. Run retries (dagster.yaml) will re-execute this crashed run: not ours to retry as well.
    crashed = fail_run(instance, repo, "weather_nowcast_job", keys[3])
    instance.add_run_tags(crashed, {"dagster/will_retry": "true"})

    # 5. Counter-case: the failed run itself materialized the asset, then failed (a blocking check):
    #    that is no success, so the partition is re-requested.
    key5 = (base - timedelta(hours=7)).strftime("%Y-%m-%d-%H:%M")
    run5 = instance.create_run_for_job(repo.get_job("weather_nowcast_job"), tags={"dagster/partition": key5},
                                       status=dg.DagsterRunStatus.STARTED)
    instance.report_runless_asset_event(dg.AssetMaterialization(weather_assets.NOWCAST_KEY, partition=key5))
    time.sleep(0.01)
    instance.report_run_failed(run5)

    tick = evaluate(repo, instance, None)
    assert [(r.partition_key, r.tags["weather_flick/retry_of"]) for r in tick.run_requests] == [(key5, run5.run_id)]
    assert tick.cursor is not None


def test_sensor_leaves_fresh_failures_for_the_next_tick_and_ignores_old_ones(
    sensor_setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance, repo = sensor_setup
    key = (datetime.now(KST).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)).strftime(
        "%Y-%m-%d-%H:%M")
    first = evaluate(repo, instance, None)
    assert not first.run_requests
    fail_run(instance, repo, "weather_nowcast_job", key)

    monkeypatch.setattr(sensors, "FAILURE_SETTLE_SECONDS", 3600.0)  # the failure is "too fresh"
    fresh = evaluate(repo, instance, first.cursor)
    assert not fresh.run_requests and fresh.cursor == first.cursor  # not consumed: seen next tick

    monkeypatch.setattr(sensors, "FAILURE_SETTLE_SECONDS", 0.0)
    settled = evaluate(repo, instance, fresh.cursor)
    assert [r.partition_key for r in settled.run_requests] == [key]

    # A failure older than the lookback window is not retried when the sensor starts without a cursor.
    monkeypatch.setattr(sensors, "_sensor_clock", lambda: time.time() + 25 * 3600)
    late = evaluate(repo, instance, None)
    assert not late.run_requests

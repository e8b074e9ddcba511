"""Cleanup: a dry run changes nothing, and the real run does exactly what the dry run listed.

Real files with controlled modification times, a real Dagster instance (runs, event logs and
compute logs), real raw archives on disk and in S3 (moto_server).
"""

from __future__ import annotations

import gzip
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import pytest

from weather_flick_batch.core.apiclient import LocalRawArchive, S3RawArchive
from weather_flick_batch.maintenance import cleanup as cl

NOW = datetime(2025, 3, 1, 1, 0, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


def make_file(path: Path, age: timedelta, content: bytes | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if content is not None else f"{path.name}\n".encode() * 200)
    ts = (NOW - age).timestamp()
    os.utime(path, (ts, ts))
    return path


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under root: kind, size, mtime (ns), and the content hash for files."""
    state: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
            content = path.read_bytes() if kind == "file" else None
            state[path.relative_to(root).as_posix()] = (kind, st.st_size if kind == "file" else 0,
                                                        st.st_mtime_ns if kind != "dir" else 0, content)
    return state


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    make_file(root / "app.log", 0.1 * DAY)  # today's, being written
    make_file(root / "app.2025-01-20.log", 40 * DAY)  # -> compress
    make_file(root / "batch" / "sync.2025-01-25.log", 35 * DAY)  # -> compress (subdirectory)
    make_file(root / "app.2024-11-01.log", 120 * DAY)  # never compressed, past expiry -> delete
    make_file(root / "app.2024-10-01.log.gz", 150 * DAY)  # -> delete
    make_file(root / "app.2024-12-20.log.gz", 70 * DAY)  # compressed, not yet expired -> keep
    make_file(root / "app.2025-02-20.log", 9 * DAY)  # young -> keep
    make_file(root / "notes.txt", 400 * DAY)  # not a log -> never touched
    make_file(root / "dup.log", 50 * DAY)  # its .gz already exists -> left alone, reported
    make_file(root / "dup.log.gz", 20 * DAY)
    (root / "linked.log").symlink_to(root / "app.2024-11-01.log")  # symlinks are never followed or removed
    return root


def test_log_cleanup_dry_run_changes_nothing_and_real_run_does_exactly_the_plan(log_dir: Path) -> None:
    before = snapshot(log_dir)
    plan = cl.plan_log_cleanup(log_dir, NOW, compress_after_days=30, delete_after_days=90)
    assert snapshot(log_dir) == before  # planning is the dry run: nothing changed, not even an mtime

    planned = {(a.kind, a.path.relative_to(log_dir).as_posix()) for a in plan.actions}
    assert planned == {
        ("compress", "app.2025-01-20.log"),
        ("compress", "batch/sync.2025-01-25.log"),
        ("delete", "app.2024-11-01.log"),
        ("delete", "app.2024-10-01.log.gz"),
    }
    assert [(p.name, why) for p, why in plan.skipped] == [("dup.log", "dup.log.gz already exists")]
    meta = plan.as_metadata()
    assert meta["files_to_compress"] == 2 and meta["files_to_delete"] == 2
    assert meta["bytes_to_delete"] == before["app.2024-11-01.log"][1] + before["app.2024-10-01.log.gz"][1]

    result = cl.apply(plan)
    after = snapshot(log_dir)
    assert not result.skipped
    assert {p.relative_to(log_dir).as_posix() for p in result.deleted} == {p for k, p in planned if k == "delete"}
    assert {p.relative_to(log_dir).as_posix() for p in result.compressed} == {p for k, p in planned if k == "compress"}

    # Exactly the planned entries changed: the rest is byte-for-byte and mtime-for-mtime identical.
    touched = {p for _, p in planned}
    created = {p + ".gz" for k, p in planned if k == "compress"}
    assert set(after) == (set(before) - touched) | created
    assert {k: v for k, v in after.items() if k not in created} == {k: v for k, v in before.items() if k not in touched}
    for name in created:
        original = name[:-3]
        assert gzip.decompress((log_dir / name).read_bytes()) == before[original][3]
        assert after[name][2] == before[original][2]  # the .gz ages from the log's own time
    freed = sum(before[p][1] for p in touched) - sum(after[p][1] for p in created)
    assert result.bytes_freed == freed > 0
    assert result.as_metadata() == {"dry_run": False, "files_compressed": 2, "files_deleted": 2,
                                    "files_skipped": 0, "bytes_freed": freed}

    # Idempotent: the next plan at the same time has nothing left to do (the new .gz are young).
    assert cl.plan_log_cleanup(log_dir, NOW).actions == ()


def test_files_that_change_or_vanish_after_the_plan_are_skipped_and_reported(log_dir: Path) -> None:
    plan = cl.plan_log_cleanup(log_dir, NOW)
    grown = log_dir / "app.2025-01-20.log"
    with open(grown, "ab") as fh:  # an appender reopened an old log
        fh.write(b"late line\n")
    (log_dir / "app.2024-10-01.log.gz").unlink()  # someone else cleaned it up
    result = cl.apply(plan)
    assert sorted((p.name, why) for p, why in result.skipped) == [
        ("app.2024-10-01.log.gz", "vanished since the plan"),
        ("app.2025-01-20.log", "changed since the plan"),
    ]
    assert grown.exists() and not grown.with_name(grown.name + ".gz").exists()
    assert [p.name for p in result.compressed] == ["sync.2025-01-25.log"]
    assert [p.name for p in result.deleted] == ["app.2024-11-01.log"]


def test_rejects_inconsistent_thresholds(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        cl.plan_log_cleanup(tmp_path, NOW, compress_after_days=90, delete_after_days=30)
    with pytest.raises(ValueError):
        cl.plan_log_cleanup(tmp_path, NOW.replace(tzinfo=None))
    assert cl.plan_log_cleanup(tmp_path / "missing", NOW).actions == ()


# -- Dagster: compute logs and run history ---------------------------------------------------------
@dg.op
def succeed() -> int:
    return 1


@dg.op
def fail() -> None:
    raise RuntimeError("boom")


@dg.job
def tiny_job() -> None:
    succeed()


@dg.job
def failing_job() -> None:
    fail()


def test_run_purge_deletes_only_finished_runs_older_than_the_cutoff() -> None:
    with dg.instance_for_test() as instance:
        old_ok = tiny_job.execute_in_process(instance=instance).run_id
        old_failed = failing_job.execute_in_process(instance=instance, raise_on_error=False).run_id
        not_started = instance.create_run_for_job(tiny_job).run_id
        running = instance.create_run_for_job(tiny_job, status=dg.DagsterRunStatus.STARTED).run_id
        time.sleep(0.05)
        cutoff = datetime.now(timezone.utc)
        time.sleep(0.05)
        new_ok = tiny_job.execute_in_process(instance=instance).run_id
        assert instance.get_run_record_by_id(old_ok).create_timestamp < cutoff

        planned = cl.plan_run_purge(instance, cutoff, page_size=1)  # several pages
        assert sorted(planned) == sorted([old_ok, old_failed])
        all_runs = {old_ok, old_failed, not_started, running, new_ok}
        assert {r.dagster_run.run_id for r in instance.get_run_records()} == all_runs
        assert instance.all_logs(old_ok)  # the dry run deleted nothing

        instance.delete_run(old_failed)  # gone between plan and purge: skipped, not an error
        assert cl.purge_runs(instance, planned) == 1
        assert cl.purge_runs(instance, [running, not_started]) == 0  # never an unfinished run
        assert {r.dagster_run.run_id for r in instance.get_run_records()} == {not_started, running, new_ok}
        assert instance.all_logs(old_ok) == []  # its event log went with it
        assert instance.all_logs(new_ok)
        # A future cutoff still never lists a run that has not finished.
        assert cl.plan_run_purge(instance, cutoff + 365 * DAY) == [new_ok]


def test_compute_log_cleanup_on_a_real_instance() -> None:
    with dg.instance_for_test() as instance:
        old_run = tiny_job.execute_in_process(instance=instance).run_id
        new_run = tiny_job.execute_in_process(instance=instance).run_id
        storage = cl.default_compute_log_dir(Path(instance.root_directory))
        old_logs = sorted((storage / old_run / "compute_logs").iterdir())
        assert old_logs, "Dagster wrote no compute logs where expected"
        for path in old_logs:
            ts = (NOW - 40 * DAY).timestamp()
            os.utime(path, (ts, ts))
        new_logs = sorted((storage / new_run / "compute_logs").iterdir())
        for path in new_logs:
            ts = (NOW - 2 * DAY).timestamp()
            os.utime(path, (ts, ts))
        io_output = storage / "some_asset"  # IO manager outputs share storage/: never touched
        make_file(io_output, 400 * DAY)
        before = snapshot(storage)

        plan = cl.plan_compute_log_cleanup(storage, NOW, delete_after_days=30)
        assert snapshot(storage) == before
        assert sorted(a.path for a in plan.actions) == old_logs
        result = cl.apply(plan)
        assert sorted(result.deleted) == old_logs and not result.skipped
        assert result.bytes_freed == sum(a.size for a in plan.actions)
        assert not (storage / old_run).exists()  # emptied run directory pruned
        assert sorted((storage / new_run / "compute_logs").iterdir()) == new_logs
        assert io_output.exists()


# -- raw archives --------------------------------------------------------------------------------
def _fill_archive(archive) -> list[str]:
    locations = []
    for days_ago in (45, 31, 30, 29, 0):
        fetched = NOW - days_ago * DAY
        locations.append(archive.put("kma", "getVilageFcst", {"nx": str(days_ago)}, b'{"ok": true}', fetched))
    return locations


def test_local_archive_expiry_dry_run_then_exactly_the_plan(tmp_path: Path) -> None:
    archive = LocalRawArchive(tmp_path / "raw")
    locations = _fill_archive(archive)
    before = snapshot(tmp_path / "raw")
    cutoff = NOW - 30 * DAY
    plan = cl.plan_archive_expiry(archive, cutoff)
    assert snapshot(tmp_path / "raw") == before
    assert sorted(loc for loc, _ in plan.entries) == sorted(locations[:2])  # 45 and 31 days old
    assert plan.as_metadata()["archives_to_expire"] == 2

    result = cl.expire_archive(archive, plan)
    assert result.expired == plan.entries and not result.vanished and not result.unplanned
    assert result.bytes_freed == sum(size for _, size in plan.entries) > 0
    assert sorted(str(p) for p in (tmp_path / "raw").rglob("*.json.gz")) == sorted(locations[2:])


@pytest.mark.s3
def test_s3_archive_expiry_dry_run_then_exactly_the_plan(s3_env: dict) -> None:
    s3, bucket = s3_env["client"], s3_env["bucket"]
    archive = S3RawArchive(s3, bucket, "raw")
    locations = _fill_archive(archive)
    cutoff = NOW - 30 * DAY
    plan = cl.plan_archive_expiry(archive, cutoff)
    assert len(s3.list_objects_v2(Bucket=bucket)["Contents"]) == 5
    assert sorted(loc for loc, _ in plan.entries) == sorted(locations[:2])

    result = cl.expire_archive(archive, plan)
    assert result.expired == plan.entries and not result.unplanned
    remaining = {f"s3://{bucket}/{o['Key']}" for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert remaining == set(locations[2:])

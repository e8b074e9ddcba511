"""Warehouse backup against the real engines and a real S3 (moto_server).

Round trip on both engines (dump -> S3 -> download -> restore -> identical stats), the password
kept out of every argv, consistency under concurrent writes on PostgreSQL, corruption caught at
each layer, retention keeping exactly the newest N plus the young ones.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg2
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from weather_flick_batch.maintenance import backup as bk
from weather_flick_batch.regions.assets import region_frame
from weather_flick_batch.testing.services import create_database, drop_database
from weather_flick_batch.warehouse.warehouse import Warehouse

NOW = datetime(2025, 3, 1, 2, 0, 0, tzinfo=timezone.utc)
PREFIX = "backups/warehouse"


def populate(url: str) -> None:
    """Realistic content (schema at head, 17 regions, an audit row) plus awkward values and a keyless table."""
    wh = Warehouse(url)
    try:
        wh.ensure_schema()
        wh.upsert("province_catalogue", region_frame())
        pg = wh.dialect == "postgresql"
        with wh.engine.begin() as conn:
            types = ("bytea", "timestamptz", "jsonb") if pg else ("blob", "text", "text")
            conn.exec_driver_sql("CREATE TABLE odd_values (k text PRIMARY KEY, t text, b {}, f double precision, "
                                 "ts {}, j {})".format(*types))
            conn.execute(sa.text("INSERT INTO odd_values VALUES (:k, :t, :b, :f, :ts, :j)"), [
                # Text keys whose order depends on the collation ('b' < 'A' in no byte order).
                {"k": "b", "t": 'line1\nline2 "quoted", (paren) \\ back', "b": b"\x00\xff|", "f": 0.1,
                 "ts": "2025-03-01 02:00:00+00", "j": '{"a": [1, 2]}'},
                {"k": "A", "t": None, "b": None, "f": 1e300, "ts": None, "j": None},
                {"k": "한글", "t": "ünïcödé ☂", "b": b"", "f": -0.0, "ts": "1999-12-31 23:59:59.123456+00", "j": "[]"},
            ])
            conn.exec_driver_sql("CREATE TABLE no_key (a integer, b text)")
            conn.execute(sa.text("INSERT INTO no_key VALUES (:a, :b)"),
                         [{"a": 2, "b": None}, {"a": 1, "b": "x"}, {"a": 1, "b": "x"}])
    finally:
        wh.dispose()


def pg_connect(url: str):
    u = make_url(url)
    conn = psycopg2.connect(host=u.host, port=u.port, user=u.username, dbname=u.database)
    conn.autocommit = True
    return conn


@pytest.fixture
def restore_target_url(warehouse_url: str, tmp_path: Path):
    """An empty database of the same engine as ``warehouse_url`` to restore into."""
    if warehouse_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'warehouse.sqlite'}"
        return
    name = create_database("wfb_restore")
    yield str(make_url(warehouse_url).set(database=name))
    drop_database(name)


@pytest.fixture
def tool_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, str]]]:
    """Every (argv, env) the backup module hands to a subprocess, still really run."""
    calls: list[tuple[list[str], dict[str, str]]] = []
    real = bk._run_tool

    def spy(argv, env, **kwargs):
        calls.append((list(argv), dict(env)))
        return real(argv, env, **kwargs)

    monkeypatch.setattr(bk.postgres, "_run_tool", spy)  # where the dump, restore and verify code calls it
    return calls


# -- round trip ---------------------------------------------------------------------------------
@pytest.mark.s3
def test_backup_upload_download_restore_round_trip(
    warehouse_url: str, restore_target_url: str, s3_env: dict, tmp_path: Path
) -> None:
    populate(warehouse_url)
    s3, bucket = s3_env["client"], s3_env["bucket"]
    engine = make_url(warehouse_url).get_backend_name()

    artifact = bk.create_backup(warehouse_url, None, tmp_path / "work", NOW)
    assert artifact.name == f"warehouse-{engine}-20250301T020000Z.{'dump' if engine == 'postgresql' else 'sqlite.gz'}"
    assert artifact.sha256 == bk.sha256_file(artifact.path) and artifact.size == artifact.path.stat().st_size
    assert artifact.table_stats["province_catalogue"].row_count == 17
    assert artifact.table_stats["alembic_version"].row_count == 1  # every table, the version too
    assert artifact.table_stats == bk.table_stats(warehouse_url)  # the source, nothing written since

    key = bk.upload_backup(s3, bucket, PREFIX, artifact)
    assert key == f"{PREFIX}/{artifact.name}"
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=PREFIX)["Contents"]}
    assert listed == {key, key + bk.MANIFEST_SUFFIX}
    assert s3.head_object(Bucket=bucket, Key=key)["Metadata"]["sha256"] == artifact.sha256
    manifest = bk.fetch_manifest(s3, bucket, key)
    assert manifest == artifact.manifest

    downloaded = bk.download_backup(s3, bucket, key, tmp_path / "download")
    assert downloaded.read_bytes() == artifact.path.read_bytes()

    bk.restore_backup(downloaded, manifest, restore_target_url, None)
    restored = bk.table_stats(restore_target_url)
    assert restored == artifact.table_stats  # identical row counts and content checksums
    wh = Warehouse(restore_target_url)
    try:
        wh.ensure_schema()  # the restored warehouse is usable by the platform as is
        assert sorted(wh.read_table("province_catalogue")["name_en"]) == sorted(region_frame()["name_en"])
    finally:
        wh.dispose()

    result = bk.verify_backup(downloaded, manifest, warehouse_url, None)
    assert result.passed, result.reason
    assert len(result.tables) == len(artifact.table_stats) and not result.mismatches

    # A second restore into the now non-empty target is refused unless forced.
    with pytest.raises(bk.BackupError, match="refusing"):
        bk.restore_from_s3(s3, bucket, key, restore_target_url, None)
    forced = bk.restore_from_s3(s3, bucket, key, restore_target_url, None, force=True)
    assert forced.passed and bk.table_stats(restore_target_url) == artifact.table_stats


def test_checksum_changes_with_content_and_not_with_physical_order(warehouse_url: str, tmp_path: Path) -> None:
    populate(warehouse_url)
    frame = region_frame()
    frame["updated_at"] = frame["updated_at"].iloc[0]
    wh = Warehouse(warehouse_url)
    try:
        wh.upsert("province_catalogue", frame)
        first = bk.table_stats(warehouse_url)["province_catalogue"]
        # Same rows rewritten in reverse order: physical order changes, content does not.
        wh.upsert("province_catalogue", frame.iloc[::-1])
        same_content = bk.table_stats(warehouse_url)["province_catalogue"]
        changed = frame.copy()
        changed.loc[0, "name_en"] = changed.loc[0, "name_en"] + " (renamed)"
        wh.upsert("province_catalogue", changed)
    finally:
        wh.dispose()
    after = bk.table_stats(warehouse_url)["province_catalogue"]
    assert first == same_content
    assert after.row_count == same_content.row_count == 17
    assert after.checksum != same_content.checksum


# -- secrets ------------------------------------------------------------------------------------
@pytest.fixture
def pg_role() -> tuple[str, str]:
    """A login role with a password (local trust auth does not check it, but we can trace it)."""
    name = f"wfb_backup_test_{uuid.uuid4().hex[:8]}"
    password = f"S3cret-{uuid.uuid4().hex}"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE ROLE "{name}" LOGIN SUPERUSER PASSWORD %s', (password,))
    yield name, password
    with admin.cursor() as cur:
        cur.execute(f'DROP ROLE IF EXISTS "{name}"')
    admin.close()


@pytest.mark.postgres
def test_postgres_password_travels_only_in_the_environment(
    pg_role: tuple[str, str], fresh_postgres_url: str, tool_calls: list, tmp_path: Path
) -> None:
    role, password = pg_role
    populate(fresh_postgres_url)
    source = make_url(fresh_postgres_url).set(username=role, host="127.0.0.1")
    target_db = create_database("wfb_restore")
    try:
        artifact = bk.create_backup(source.render_as_string(hide_password=False), password, tmp_path, NOW)
        assert password not in artifact.manifest.to_json().decode()
        result = bk.verify_backup(artifact.path, artifact.manifest, str(source), password)
        assert result.passed, result.reason
        # A password embedded in the URL is taken out of it and passed the same way.
        target = source.set(database=target_db, password=password).render_as_string(hide_password=False)
        bk.restore_backup(artifact.path, artifact.manifest, target, None)
        assert bk.table_stats(target) == artifact.table_stats
    finally:
        drop_database(target_db)

    tools = [argv[0] for argv, _ in tool_calls]
    assert tools == ["pg_dump", "pg_restore", "pg_restore"]  # dump, scratch verify, real restore
    assert any(a.startswith("--snapshot=") for a in tool_calls[0][0])
    for argv, env in tool_calls:
        assert not any(password in arg for arg in argv), argv
        assert f"--username={role}" in argv
        assert env["PGPASSWORD"] == password

    # Failures are one line and never show the password, even when the URL carried it.
    missing = source.set(database="wfb_no_such_database", password=password).render_as_string(hide_password=False)
    with pytest.raises(bk.BackupError) as excinfo:
        bk.create_backup(missing, None, tmp_path, NOW)
    message = str(excinfo.value)
    assert "wfb_no_such_database" in message and "\n" not in message
    assert password not in message and password not in repr(excinfo.value)


@pytest.mark.postgres
def test_postgres_dump_and_stats_share_one_snapshot_while_writers_run(fresh_postgres_url: str, tmp_path: Path) -> None:
    populate(fresh_postgres_url)
    conn = pg_connect(fresh_postgres_url)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE churn (id serial PRIMARY KEY, payload text NOT NULL)")
    stop = threading.Event()

    def writer() -> None:
        w = pg_connect(fresh_postgres_url)
        with w.cursor() as cur:
            while not stop.is_set():
                cur.execute("INSERT INTO churn (payload) SELECT md5(random()::text) FROM generate_series(1, 50)")
        w.close()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        time.sleep(0.1)
        artifact = bk.create_backup(fresh_postgres_url, None, tmp_path, NOW)
        time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM churn")
        final_rows = cur.fetchone()[0]
    conn.close()
    backed_up = artifact.table_stats["churn"].row_count
    assert 0 < backed_up < final_rows  # writes happened before, during and after the backup
    result = bk.verify_backup(artifact.path, artifact.manifest, fresh_postgres_url, None)
    assert result.passed, result.reason  # the dump holds exactly the rows the stats counted


# -- corruption ---------------------------------------------------------------------------------
def _flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.s3
def test_corruption_is_caught_at_every_layer(warehouse_url: str, s3_env: dict, tmp_path: Path) -> None:
    populate(warehouse_url)
    s3, bucket = s3_env["client"], s3_env["bucket"]
    artifact = bk.create_backup(warehouse_url, None, tmp_path / "work", NOW)
    key = bk.upload_backup(s3, bucket, PREFIX, artifact)

    # 1. The object in S3 is damaged: the download refuses it and leaves nothing behind.
    damaged = bytearray(artifact.path.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    s3.put_object(Bucket=bucket, Key=key, Body=bytes(damaged))
    with pytest.raises(bk.BackupCorruptError, match="corrupt: SHA-256"):
        bk.download_backup(s3, bucket, key, tmp_path / "dl")
    assert list((tmp_path / "dl").iterdir()) == []
    s3.put_object(Bucket=bucket, Key=key, Body=artifact.path.read_bytes())

    # 2. The downloaded file is damaged afterwards: verification fails on the checksum.
    downloaded = bk.download_backup(s3, bucket, key, tmp_path / "dl")
    _flip_byte(downloaded, downloaded.stat().st_size // 2)
    result = bk.verify_backup(downloaded, artifact.manifest, warehouse_url, None)
    assert not result.passed and "SHA-256" in result.reason
    with pytest.raises(bk.BackupCorruptError):
        bk.restore_backup(downloaded, artifact.manifest, warehouse_url, None, force=True)

    # 3. The dump was bad before it was hashed (checksum matches, content does not restore).
    truncated = tmp_path / "truncated" / artifact.name
    truncated.parent.mkdir()
    truncated.write_bytes(artifact.path.read_bytes()[: artifact.size // 2])
    bad_dump = replace(artifact.manifest, sha256=bk.sha256_file(truncated))
    result = bk.verify_backup(truncated, bad_dump, warehouse_url, None)
    assert not result.passed and result.reason.startswith("restore failed:"), result.reason
    assert "\n" not in result.reason

    # 4. The manifest's stats do not match what the dump holds: verification names the table.
    stats = dict(artifact.table_stats)
    stats["province_catalogue"] = bk.TableStat(16, stats["province_catalogue"].checksum)
    result = bk.verify_backup(artifact.path, replace(artifact.manifest, table_stats=stats), warehouse_url, None)
    assert not result.passed
    assert "province_catalogue: 17 rows restored, 16 expected" in result.reason
    assert [c.table for c in result.mismatches] == ["province_catalogue"]
    stats["province_catalogue"] = bk.TableStat(17, "0" * 64)
    result = bk.verify_backup(artifact.path, replace(artifact.manifest, table_stats=stats), warehouse_url, None)
    assert not result.passed and "province_catalogue: content checksum" in result.reason

    # 5. The restore command checks the restored copy against the manifest in S3.
    s3.put_object(Bucket=bucket, Key=key + bk.MANIFEST_SUFFIX,
                  Body=replace(artifact.manifest, table_stats=stats).to_json())
    target = (f"sqlite:///{tmp_path / 'restore5.sqlite'}" if warehouse_url.startswith("sqlite")
              else warehouse_url)
    with pytest.raises(bk.BackupVerificationError, match="province_catalogue: content checksum"):
        bk.restore_from_s3(s3, bucket, key, target, None, force=True)


@pytest.mark.s3
def test_failed_verification_fails_the_backup_and_keeps_older_backups(
    tmp_path: Path, s3_env: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
    populate(url)
    s3, bucket = s3_env["client"], s3_env["bucket"]
    first = bk.run_backup(url, None, workdir=tmp_path / "w", now=NOW - timedelta(days=40), keep_days=7,
                          keep_count=1, s3_client=s3, bucket=bucket, prefix=PREFIX)
    assert first.verification.passed and first.location.startswith(f"s3://{bucket}/")

    real_create = bk.create_backup

    def corrupting_create(*args, **kwargs):
        artifact = real_create(*args, **kwargs)
        _flip_byte(artifact.path, 20)  # damaged after hashing, as a bad disk would
        return artifact

    monkeypatch.setattr(bk, "create_backup", corrupting_create)
    with pytest.raises(bk.BackupVerificationError, match="failed verification: .*SHA-256"):
        bk.run_backup(url, None, workdir=tmp_path / "w", now=NOW, keep_days=7, keep_count=1,
                      s3_client=s3, bucket=bucket, prefix=PREFIX)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    # Nothing uploaded, and retention did not run: the old backup is still there.
    assert keys == {f"{PREFIX}/{first.artifact.name}", f"{PREFIX}/{first.artifact.name}{bk.MANIFEST_SUFFIX}"}
    assert list((tmp_path / "w").glob("warehouse-*")) == []


# -- retention ----------------------------------------------------------------------------------
def _put_backup(s3, bucket: str, age: timedelta, *, dump: bool = True, manifest: bool = True,
                engine: str = "sqlite", prefix: str = PREFIX) -> str:
    name = bk.backup_name(engine, NOW - age)
    if dump:
        s3.put_object(Bucket=bucket, Key=f"{prefix}/{name}", Body=b"d" * 100)
    if manifest:
        s3.put_object(Bucket=bucket, Key=f"{prefix}/{name}{bk.MANIFEST_SUFFIX}", Body=b"{}")
    return name


def _keys(s3, bucket: str) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


@pytest.mark.s3
def test_retention_keeps_the_newest_n_plus_the_young_ones(s3_env: dict) -> None:
    s3, bucket = s3_env["client"], s3_env["bucket"]
    day = timedelta(days=1)
    names = {d: _put_backup(s3, bucket, d * day) for d in (0.5, 2, 5, 10, 40, 60, 90)}
    young_partial = _put_backup(s3, bucket, 1 * day, manifest=False)  # upload in progress
    old_partial = _put_backup(s3, bucket, 50 * day, dump=False)  # debris of a failed upload
    old_pg = _put_backup(s3, bucket, 300 * day, engine="postgresql")  # the only one of its engine
    foreign = {f"{PREFIX}/notes.txt", f"{PREFIX}/archive/{names[90]}", f"other/{names[90]}"}
    for key in foreign:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    before = _keys(s3, bucket)

    dry = bk.apply_retention(s3, bucket, PREFIX, NOW, keep_days=7, keep_count=2, dry_run=True)
    assert _keys(s3, bucket) == before  # a dry run changes nothing
    # newest 2 complete: 0.5 d, 2 d; younger than 7 d: + 5 d and the young partial upload.
    assert set(dry.kept) == {names[0.5], names[2], names[5], young_partial, old_pg}
    assert set(dry.deleted) == {names[10], names[40], names[60], names[90], old_partial}
    assert dry.bytes_freed == 4 * 102 + 2

    real = bk.apply_retention(s3, bucket, PREFIX, NOW, keep_days=7, keep_count=2, dry_run=False)
    assert (real.kept, real.deleted, real.deleted_keys) == (dry.kept, dry.deleted, dry.deleted_keys)
    assert _keys(s3, bucket) == before - set(dry.deleted_keys)
    assert foreign <= _keys(s3, bucket)  # keys that are not backups at this level are never touched
    assert f"{PREFIX}/{names[10]}{bk.MANIFEST_SUFFIX}" in dry.deleted_keys  # dump and manifest go together

    # keep_count protects old backups: a job that stopped months ago still leaves the last N.
    again = bk.apply_retention(s3, bucket, PREFIX, NOW + 365 * day, keep_days=7, keep_count=2, dry_run=False)
    assert set(again.kept) == {names[0.5], names[2], old_pg}
    with pytest.raises(ValueError):
        bk.apply_retention(s3, bucket, PREFIX, NOW, keep_days=7, keep_count=0, dry_run=True)


def test_local_backups_with_retention(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
    populate(url)
    store = tmp_path / "backups"
    reports = [
        bk.run_backup(url, None, workdir=tmp_path / "w", now=NOW + timedelta(days=d), keep_days=7, keep_count=2,
                      local_dir=store)
        for d in (0, 10, 20, 21)
    ]
    assert all(r.verification.passed for r in reports)
    # At day 21: newest two (21, 20) kept, and nothing else is younger than 7 days.
    assert reports[-1].retention.kept == [reports[3].artifact.name, reports[2].artifact.name]
    assert sorted(p.name for p in store.iterdir()) == sorted(
        n + suffix for n in (reports[2].artifact.name, reports[3].artifact.name) for suffix in ("", bk.MANIFEST_SUFFIX))
    path = reports[-1].artifact.path
    assert path.parent == store
    target = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    bk.restore_backup(path, bk.read_manifest_file(path), target, None)
    assert bk.table_stats(target) == reports[-1].artifact.table_stats

"""Schema versioning: code metadata equals the migrations, and the upgrade command works."""

import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from weather_flick_batch.regions.assets import region_frame
from weather_flick_batch.warehouse.schema import metadata
from weather_flick_batch.warehouse.service_tables import batch_tables_only
from weather_flick_batch.warehouse.warehouse import SchemaOutdatedError, Warehouse, head_revision


def test_migrations_produce_exactly_the_code_schema(warehouse):
    warehouse.upgrade("head")
    with warehouse.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                      "include_object": batch_tables_only})
        diff = compare_metadata(ctx, metadata)
    assert diff == [], f"migrations and schema.py disagree: {diff}"


def test_downgrade_to_base_and_back(warehouse):
    warehouse.upgrade("head")
    warehouse.downgrade("base")
    assert warehouse.current_revision() is None
    warehouse.upgrade("head")
    assert warehouse.current_revision() == head_revision()


def test_upgrade_command_upgrades_an_existing_database_keeping_its_data(warehouse_url, tmp_path):
    old = Warehouse(warehouse_url)
    old.upgrade("0001")
    # Write as the old code did (before load_audit existed): a bulk insert with no audit row.
    regions = metadata.tables["province_catalogue"]  # 0001 called it regions (0006 renamed it)
    with old.engine.begin() as conn:
        old._bulk_insert(conn, '"regions"', old._to_db_frame(regions, region_frame()))
    with pytest.raises(SchemaOutdatedError, match="0001 but the code needs"):
        old.ensure_schema()
    old.dispose()

    env = {**os.environ, "WEATHER_FLICK_WAREHOUSE_URL": warehouse_url}
    cli = [sys.executable, "-m", "weather_flick_batch.cli", "db", "upgrade"]
    done = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "0001 -> " + head_revision() in done.stdout

    new = Warehouse(warehouse_url)
    new.ensure_schema()
    assert new.row_count("province_catalogue") == 17
    new.dispose()


def test_schema_newer_than_code_is_refused(warehouse):
    warehouse.upgrade("head")
    with warehouse.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SchemaOutdatedError, match="newer than this code"):
        warehouse.ensure_schema()


def test_steps_starting_together_on_a_new_warehouse_initialise_it_once(warehouse_url):
    """Runs started at once (run --concurrent, the queue) may each find the new warehouse empty: one
    initialises it while the others wait, then find it initialised (no failed step, one version row)."""
    import threading

    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def first_step() -> None:
        wh = Warehouse(warehouse_url)
        try:
            barrier.wait(timeout=30)
            wh.ensure_schema()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            wh.dispose()

    threads = [threading.Thread(target=first_step) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, [str(e) for e in errors]
    wh = Warehouse(warehouse_url)
    try:
        with wh.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_heads() == (head_revision(),)
    finally:
        wh.dispose()

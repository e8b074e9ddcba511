"""Cutover and rollback on PostgreSQL, as an operator does it (docs/migration.md).

The live database holds the back end's tables as the previous batch left them (columns missing,
content_id not unique in restaurants, NUMERIC(3,2) scores, stale rows, no pet_tour_info) and a
back-end table the batch never touches (users). The platform runs in its own schema, writes a
shadow copy, is compared, cut over, and rolled back from the pre-cutover snapshot: the back end's
tables are then exactly what they were (row counts and content checksums), users included.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from weather_flick_batch import cli
from weather_flick_batch.core.regions import PROVINCES
from weather_flick_batch.maintenance import backup as bk
from weather_flick_batch.testing.services import create_database, drop_database
from weather_flick_batch.warehouse.warehouse import SchemaOutdatedError, Warehouse
from weather_flick_batch_tests import backend_models as bm
from weather_flick_batch_tests.test_backend_contract import publish_catalogue

BATCH_SCHEMA = "weather_flick_batch"
SHADOW_SCHEMA = "weather_flick_shadow"


@pytest.fixture
def live(postgres_server):
    name = create_database("wfb_live")
    url = f"postgresql+psycopg2://{postgres_server['user']}@{postgres_server['host']}:{postgres_server['port']}/{name}"
    yield url
    drop_database(name)


def seed_previous_batch(url: str) -> None:
    """The back end's tables as the previous batch left them (backend-contract.md, section 1)."""
    engine = sa.create_engine(url)
    previous = [t for t in bm.backend_metadata.sorted_tables if t.name != "pet_tour_info"]
    bm.backend_metadata.create_all(engine, tables=previous)
    with engine.begin() as conn:
        name = conn.execute(sa.text(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'restaurants'::regclass AND contype = 'u'")).scalar()
        conn.exec_driver_sql(f'ALTER TABLE restaurants DROP CONSTRAINT "{name}"')  # no unique content_id
        conn.exec_driver_sql("ALTER TABLE leisure_sports ALTER COLUMN data_quality_score TYPE NUMERIC(3,2)")
        conn.exec_driver_sql("ALTER TABLE tourist_attractions DROP COLUMN tour_api_area_code")
        conn.exec_driver_sql("CREATE TABLE users (user_id uuid PRIMARY KEY, email text NOT NULL)")
        conn.exec_driver_sql("INSERT INTO users VALUES ('7d1c0c5e-1111-4c4c-9d9d-000000000001', 'a@example.com')")
        conn.execute(bm.regions.insert(), [
            {"region_code": str(p.area_code), "region_name": p.name_ko, "region_level": 1, "is_active": True,
             "tour_api_area_code": str(p.area_code), "api_mappings": {"KTO": str(p.area_code)}}
            for p in PROVINCES] + [{"region_code": "1_23", "region_name": "종로구", "parent_region_code": "1",
                                    "region_level": 2, "is_active": True, "tour_api_area_code": None,
                                    "api_mappings": None}])
        conn.execute(bm.tourist_attractions.insert(), [
            {"content_id": "126508", "region_code": "1", "attraction_name": "경복궁 (old)"},
            {"content_id": "999001", "region_code": "1", "attraction_name": "withdrawn long ago"}])
        conn.execute(bm.restaurants.insert(), [{"content_id": "999002", "region_code": "1", "restaurant_name": "식당"}])
        conn.execute(bm.travel_courses.insert(), [
            {"content_id": "126508", "region_code": "1", "course_name": "경복궁 (old)"}])
    engine.dispose()


def public_stats(url: str) -> dict[str, bk.TableStat]:
    return {name: stat for name, stat in bk.table_stats(url).items() if "." not in name}


def test_shadow_compare_cutover_and_rollback(live, tmp_path, monkeypatch, capsys):
    seed_previous_batch(live)
    before = public_stats(live)
    assert set(before) >= {"regions", "tourist_attractions", "restaurants", "users"}
    engine = sa.create_engine(live)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{BATCH_SCHEMA}"')
    # The batch's own tables in a schema of its own (in production: ALTER ROLE ... SET search_path).
    batch_url = f"{live}?options=-csearch_path%3D{BATCH_SCHEMA}"

    # 1. Shadow run: the platform writes the back end's tables into the shadow schema only.
    monkeypatch.setenv("WEATHER_FLICK_SERVICE_SCHEMA", SHADOW_SCHEMA)
    publish_catalogue(batch_url, tmp_path / "home", monkeypatch)
    assert public_stats(live) == before, "the shadow run must not touch what the back end reads"
    inspector = sa.inspect(engine)
    assert not {"destinations", "load_audit", "alembic_version", "province_catalogue"} & set(
        inspector.get_table_names(schema="public"))
    assert "destinations" in inspector.get_table_names(schema=BATCH_SCHEMA)

    # The back end's own autogenerate (default schema, its models) sees none of the batch's tables.
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), bm.backend_metadata)
    dropped = [op[1].name for op in diff if isinstance(op, tuple) and op[0] == "remove_table"]
    assert dropped == ["users"]  # its own table missing from our transcription, nothing of ours

    # 2. Compare: the previous batch's copy differs from the shadow (stale rows, missing types).
    assert cli.main(["compare", "--live", live, "--shadow", live, "--shadow-schema", SHADOW_SCHEMA]) == 1
    report = capsys.readouterr()
    assert "tourist_attractions" in report.out and "shopping" in report.err

    # 3. Snapshot, then cut over: the platform adopts the back end's tables in public.
    assert cli.main(["cutover", "snapshot", "--url", live, "--out", str(tmp_path / "snap")]) == 0
    (dump,) = (tmp_path / "snap").glob("*.dump")
    monkeypatch.setenv("WEATHER_FLICK_SERVICE_SCHEMA", "public")
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", batch_url)
    with pytest.raises(SchemaOutdatedError, match="not up to their declaration in service schema 'public'"):
        Warehouse(batch_url).ensure_schema()  # nothing is written before the adoption is asked for
    assert cli.main(["db", "upgrade"]) == 0
    upgrade = capsys.readouterr().out
    assert "adopted public.restaurants (unique index on content_id)" in upgrade
    assert "adopted public.leisure_sports (data_quality_score widened to NUMERIC(5, 2))" in upgrade
    assert "created public.pet_tour_info" in upgrade
    publish_catalogue(batch_url, tmp_path / "home", monkeypatch)
    assert bm.contract_mismatches(engine, schema="public") == []
    with engine.connect() as conn:
        ids = set(conn.execute(sa.text("SELECT content_id FROM tourist_attractions")).scalars())
        name = conn.execute(sa.text("SELECT attraction_name FROM tourist_attractions "
                                    "WHERE content_id = '126508'")).scalar_one()
    assert "999001" not in ids and name == "경복궁"
    assert cli.main(["compare", "--live", live, "--shadow", live, "--shadow-schema", SHADOW_SCHEMA]) == 0
    assert public_stats(live)["users"] == before["users"]

    # 4. Rollback: the back end's tables exactly as before the cutover; pet_tour_info was new.
    capsys.readouterr()
    assert cli.main(["cutover", "rollback", "--url", live, "--snapshot", str(dump)]) == 0
    assert "dropped pet_tour_info" in capsys.readouterr().out
    assert public_stats(live) == before
    # The platform notices the rollback: it refuses to write public until adopted again.
    with pytest.raises(SchemaOutdatedError, match="service schema 'public'"):
        Warehouse(batch_url).ensure_schema()
    engine.dispose()


def test_rollback_refuses_a_damaged_snapshot(live, tmp_path, capsys):
    seed_previous_batch(live)
    assert cli.main(["cutover", "snapshot", "--url", live, "--out", str(tmp_path)]) == 0
    (dump,) = tmp_path.glob("*.dump")
    with open(dump, "ab") as fh:
        fh.write(b"x")
    before = public_stats(live)
    assert cli.main(["cutover", "rollback", "--url", live, "--snapshot", str(dump)]) == 2
    assert "does not match the SHA-256" in capsys.readouterr().err
    assert public_stats(live) == before


def test_adopting_a_table_with_duplicate_content_ids_fails_in_one_line_and_changes_nothing(live, capsys,
                                                                                            monkeypatch):
    seed_previous_batch(live)
    engine = sa.create_engine(live)
    with engine.begin() as conn:  # restaurants' key is (content_id, region_code): the same id twice
        conn.execute(bm.restaurants.insert(), [{"content_id": "999002", "region_code": "2", "restaurant_name": "x"}])
    engine.dispose()
    before = public_stats(live)
    # Without a schema of its own the batch refuses to start among the back end's tables.
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", live)
    assert cli.main(["db", "upgrade"]) == 2
    assert "need a schema of their own" in capsys.readouterr().err
    engine = sa.create_engine(live)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{BATCH_SCHEMA}"')
    engine.dispose()
    batch_url = f"{live}?options=-csearch_path%3D{BATCH_SCHEMA}"
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", batch_url)
    assert cli.main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rolled back (nothing changed)" in err and "999002" in err
    assert public_stats(live) == before
    assert Warehouse(batch_url).current_revision() is None

"""The back end's models against our warehouse: its tables, its columns, its typical queries.

``backend_models`` is the back end's table definitions, transcribed from the reference as SQLAlchemy
Core. Here they are checked against a warehouse that the platform itself filled from the embedded
catalogue (all 17 provinces), and the back end's typical queries, written with those definitions,
must return what the catalogue says they should.
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import pytest
import sqlalchemy as sa

from weather_flick_batch.core.timeutil import now_kst
from weather_flick_batch.destinations import assets as d
from weather_flick_batch.regions.assets import regions as regions_asset
from weather_flick_batch.definitions import build_resources
from weather_flick_batch.testing.services import create_database, drop_database
from weather_flick_batch.warehouse import schema
from weather_flick_batch.warehouse.warehouse import Warehouse
from weather_flick_batch_tests import backend_models as bm


def publish_catalogue(url: str, home, monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform's own assets write the back end's tables: regions, districts, every province,
    festivals and pet-travel details (embedded sample sources)."""
    monkeypatch.setenv("WEATHER_FLICK_WAREHOUSE_URL", url)
    monkeypatch.setenv("WEATHER_FLICK_HOME", str(home))
    resources = build_resources()
    assert dg.materialize([regions_asset, d.districts], resources=resources).success
    for province in d.PROVINCE_PARTITION_KEYS:
        assert dg.materialize([d.catalogue], partition_key=province, resources=resources).success
    assert dg.materialize([d.festivals, d.pet_tour_info], resources=resources).success


@pytest.fixture(scope="module")
def published_pg(postgres_server, tmp_path_factory) -> str:
    name = create_database("wfb_contract")
    url = f"postgresql+psycopg2://{postgres_server['user']}@{postgres_server['host']}:{postgres_server['port']}/{name}"
    with pytest.MonkeyPatch.context() as mp:
        publish_catalogue(url, tmp_path_factory.mktemp("contract_home"), mp)
    yield url
    drop_database(name)


@pytest.fixture(scope="module")
def engine(published_pg):
    engine = sa.create_engine(published_pg)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def catalogue(published_pg):
    wh = Warehouse(published_pg)
    frame = wh.read_table(schema.destinations, {"is_active": True})
    wh.dispose()
    return frame


def test_every_declared_column_exists_with_a_compatible_type(engine):
    assert bm.contract_mismatches(engine, schema="public") == []


def test_contract_holds_on_a_fresh_warehouse_of_either_engine(warehouse):
    """Created by the migrations alone (no data yet): SQLite checks presence and nullability."""
    warehouse.ensure_schema()
    assert bm.contract_mismatches(warehouse.engine, schema=warehouse.service_schema) == []


def test_db_query_model_selects_every_column_of_every_table(engine):
    """``db.query(Model)``: a SELECT of every declared column, which is what answered HTTP 500 before."""
    with engine.connect() as conn:
        for table in bm.backend_metadata.sorted_tables:
            rows = conn.execute(sa.select(table).limit(3)).all()
            assert rows, f"{table.name} is empty"


def test_regions_join_on_tour_api_area_code(engine, catalogue):
    """attractions.py:130: X.region_code == Region.region_code AND Region.tour_api_area_code == '<kto>'."""
    ta, rg = bm.tourist_attractions, bm.regions
    for kto_code, name in [("36", "경상남도"), ("38", "전라남도"), ("6", "부산광역시")]:
        stmt = (sa.select(ta.c.content_id, rg.c.region_name)
                .join(rg, ta.c.region_code == rg.c.region_code)
                .where(rg.c.tour_api_area_code == kto_code, rg.c.is_active.is_(True)))
        with engine.connect() as conn:
            rows = conn.execute(stmt).all()
        expected = set(catalogue.loc[(catalogue["content_type_id"] == 12)
                                     & (catalogue["region_code"] == int(kto_code)), "content_id"])
        assert expected and {r.content_id for r in rows} == expected
        assert {r.region_name for r in rows} == {name}


def test_regions_as_the_back_end_reads_them(engine):
    rg = bm.regions
    with engine.connect() as conn:
        level1 = conn.execute(sa.select(rg).where(rg.c.region_level == 1, rg.c.parent_region_code.is_(None))).all()
        mapped = conn.execute(sa.text(
            "SELECT region_code FROM regions WHERE api_mappings->'tour_api'->>'area_code' = region_code "
            "AND api_mappings->'kma'->>'region_code' IS NOT NULL AND region_level = 1")).scalars().all()
        districts = conn.execute(sa.select(sa.func.count()).select_from(rg).where(
            rg.c.region_level == 2, rg.c.parent_region_code == "39")).scalar_one()
    assert len(level1) == 17 and all(r.grid_x and r.grid_y for r in level1)
    assert all(r.tour_api_area_code == r.region_code for r in level1)
    assert sorted(mapped, key=int) == [str(c) for c in (1, 2, 3, 4, 5, 6, 7, 8, *range(31, 40))]
    assert districts == 4  # TourAPI still lists 남제주군 and 북제주군 beside 서귀포시 and 제주시


def test_attraction_name_ilike(engine, catalogue):
    ta = bm.tourist_attractions
    with engine.connect() as conn:
        found = set(conn.execute(sa.select(ta.c.content_id).where(ta.c.attraction_name.ilike("%궁%"))).scalars())
    attractions = catalogue[catalogue["content_type_id"] == 12]
    expected = set(attractions.loc[attractions["title"].str.contains("궁"), "content_id"])
    assert expected and found == expected


def test_pet_friendly_attractions(engine, catalogue):
    """attractions.py:138: content_id IN (SELECT content_id FROM pet_tour_info)."""
    ta, pet = bm.tourist_attractions, bm.pet_tour_info
    with engine.connect() as conn:
        found = conn.execute(sa.select(ta.c.content_id).where(
            ta.c.content_id.in_(sa.select(pet.c.content_id)))).scalars().all()
        pets = conn.execute(sa.select(pet.c.content_id, pet.c.area_code, pet.c.pet_acpt_abl, pet.c.pet_info)).all()
    assert len(found) == len(pets) == 34  # the embedded sample set: two outdoor spots per province
    assert all(p.area_code and p.pet_acpt_abl and "동반 가능 동물" in p.pet_info for p in pets)
    assert set(found) <= set(catalogue["content_id"])


def test_travel_courses_by_region_code_string(engine, catalogue):
    """travel_course.py:41: region_code == str(int)."""
    tc = bm.travel_courses
    with engine.connect() as conn:
        rows = conn.execute(sa.select(tc).where(tc.c.region_code == str(39))).all()
    expected = set(catalogue.loc[(catalogue["content_type_id"] == 25) & (catalogue["region_code"] == 39),
                                 "content_id"])
    assert expected and {r.content_id for r in rows} == expected
    assert all(r.course_name and r.course_theme and r.required_time and r.schedule for r in rows)


def test_festivals_by_date(engine, published_pg):
    fe = bm.festivals_events
    today = now_kst().date()
    window_end = today + timedelta(days=60)
    with engine.connect() as conn:
        found = set(conn.execute(sa.select(fe.c.content_id).where(
            fe.c.event_start_date <= window_end, fe.c.event_end_date >= today)).scalars())
    wh = Warehouse(published_pg)
    festivals = wh.read_table(schema.festival_events)
    wh.dispose()
    expected = {r.content_id for r in festivals.itertuples()
                if r.event_start_date <= window_end and r.event_end_date >= today}
    assert expected and found == expected


def test_content_ids_are_unique_and_region_codes_are_kto_text(engine):
    with engine.connect() as conn:
        for name in ("tourist_attractions", "cultural_facilities", "festivals_events", "restaurants",
                     "accommodations", "shopping", "leisure_sports", "travel_courses"):
            dupes = conn.execute(sa.text(
                f"SELECT count(*) - count(DISTINCT content_id) FROM {name}")).scalar_one()
            codes = set(conn.execute(sa.text(f"SELECT DISTINCT region_code FROM {name}")).scalars())
            assert dupes == 0, name
            assert codes <= {str(c) for c in (1, 2, 3, 4, 5, 6, 7, 8, *range(31, 40))}, name

"""The shadow-run comparison (weather_flick_batch.cutover.compare and `weather-flick-batch compare`)
against two real PostgreSQL databases seeded differently."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest

from weather_flick_batch.cli import main
from weather_flick_batch.cutover.compare import (
    LOAD_BEARING,
    SERVICE_TABLE_KEYS,
    ColumnChange,
    ComparisonError,
    RowDifference,
    compare_databases,
    values_equal,
)
from weather_flick_batch.testing.services import PG_HOST, PG_PORT, PG_USER, create_database, drop_database

pytestmark = pytest.mark.postgres

UNREACHABLE = "postgresql+psycopg2://root@127.0.0.1:1/x"  # a closed loopback port


def _url(name: str) -> str:
    return f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def _sql(url: str, sql: str, schema: str | None = None) -> None:
    dbname = url.rsplit("/", 1)[1]
    conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, connect_timeout=5)
    try:
        with conn, conn.cursor() as cur:
            if schema:
                cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"; SET search_path TO "{schema}"')
            cur.execute(sql)
    finally:
        conn.close()


@pytest.fixture
def two_dbs(postgres_server: dict) -> Iterator[tuple[str, str]]:
    live, shadow = create_database("wfb_cmp_live"), create_database("wfb_cmp_shadow")
    try:
        yield _url(live), _url(shadow)
    finally:
        drop_database(live)
        drop_database(shadow)


# -- Seeds ------------------------------------------------------------------------------------------
# live: regions (api_mappings JSONB), restaurants (key under an ICU collation, so the database's own
# order differs from code-point order), festivals_events (DATE), tourist_attractions.
LIVE = """
CREATE TABLE regions (
    region_code varchar PRIMARY KEY, region_name varchar NOT NULL, region_name_full varchar,
    parent_region_code varchar, region_level int, is_active boolean DEFAULT true, grid_x int, grid_y int,
    tour_api_area_code varchar, latitude float, longitude float, api_mappings jsonb,
    created_at timestamptz DEFAULT '2024-01-01');
INSERT INTO regions (region_code, region_name, region_name_full, parent_region_code, region_level, is_active,
                     grid_x, grid_y, tour_api_area_code, latitude, longitude, api_mappings) VALUES
 ('1', '서울', '서울특별시', NULL, 1, true, 60, 127, '1', 37.5665, 126.978,
  '{"tour_api": {"area_code": "1"}, "kma": {"region_code": "11B10101"}}'),
 ('31', '경기', '경기도', NULL, 1, true, 60, 120, '31', 37.4138, 127.5183, '{"tour_api": {"area_code": "31"}}'),
 ('39', '제주', '제주특별자치도', NULL, 1, true, 52, 38, '39', 33.4996, 126.5312, NULL),
 ('1_110', '종로구', '서울특별시 종로구', '1', 2, true, 60, 127, NULL, 37.5735, 126.979, NULL);

CREATE TABLE restaurants (
    content_id varchar(20) COLLATE "en-x-icu", region_code varchar, restaurant_name varchar NOT NULL,
    address varchar, latitude float, longitude float, category_code varchar(10), first_image varchar,
    tel varchar, PRIMARY KEY (content_id, region_code));
INSERT INTO restaurants VALUES
 ('R01', '1', '한옥집', '서울 종로구 1', 37.57, 126.98, 'A05', 'http://img/1.jpg', '02-111'),
 ('R02', '1', '국밥집', '서울 중구 2', 37.56, 126.99, 'A05', NULL, '02-222'),
 ('R03', '31', '갈비집', '경기 수원 3', 37.2636, 127.0286, 'A05', NULL, NULL),
 ('R04', '31', '냉면집', '경기 4', 37.5, 127.0, 'A05', NULL, NULL),
 ('R05', '39', '흑돼지', '', 33.5, 126.5, '  A05 ', NULL, NULL),
 ('R06', '39', '고기국수', '제주 6', 33.51, 126.52, 'A05', NULL, NULL),
 ('R07', '39', '전복죽', '제주 7', 33.52, 126.53, 'A05', NULL, NULL),
 ('R08', '1', '분식', '서울 8', 37.58, 126.97, 'A05', NULL, NULL),
 ('a100', '1', '소문자', '서울 a', 37.59, 126.96, 'A05', NULL, NULL),
 ('B200', '1', '대문자', '서울 B', 37.60, 126.95, 'A05', NULL, NULL);

CREATE TABLE festivals_events (
    content_id varchar(20) PRIMARY KEY, region_code varchar NOT NULL, event_name varchar NOT NULL,
    address varchar, latitude numeric(10,8), longitude numeric(11,8), event_start_date date, event_end_date date);
INSERT INTO festivals_events VALUES
 ('F1', '1', '봄꽃축제', '서울', 37.5, 126.9, '2025-05-01', '2025-05-05'),
 ('F2', '39', '유채꽃축제', '제주', 33.4, 126.4, '2025-06-01', '2025-06-03');

CREATE TABLE tourist_attractions (
    content_id varchar(20) PRIMARY KEY, region_code varchar NOT NULL, attraction_name varchar NOT NULL);
INSERT INTO tourist_attractions VALUES ('T1', '1', '경복궁'), ('T2', '1', '창덕궁'), ('T3', '39', '성산일출봉');
"""

# shadow: api_mappings as TEXT, no first_image on restaurants, festival dates as TIMESTAMP, no
# tourist_attractions. Differences that count: regions 31 (api_mappings), 39 (grid_x); restaurants R02
# (name), R03 (latitude +1e-4), R08 (region_code), R06/R07 only live, S01 only shadow; festivals F2 (end
# date). Differences that must not count: regions 1 (JSON key order/whitespace), 31 (latitude +4e-10),
# 1_110 (trailing space), created_at; restaurants R01 (tel is not load-bearing), R04 (coordinates within
# 1e-6), R05 ('' vs NULL, '  A05 ' vs 'A05'); festivals F1 (date vs timestamp at midnight).
SHADOW = """
CREATE TABLE regions (
    region_code varchar PRIMARY KEY, region_name varchar NOT NULL, region_name_full varchar,
    parent_region_code varchar, region_level int, is_active boolean DEFAULT true, grid_x int, grid_y int,
    tour_api_area_code varchar, latitude float, longitude float, api_mappings text,
    created_at timestamptz DEFAULT '2025-07-01');
INSERT INTO regions (region_code, region_name, region_name_full, parent_region_code, region_level, is_active,
                     grid_x, grid_y, tour_api_area_code, latitude, longitude, api_mappings) VALUES
 ('1', '서울', '서울특별시', NULL, 1, true, 60, 127, '1', 37.5665, 126.978,
  '{"kma":{"region_code":"11B10101"},"tour_api":{"area_code":"1"}}'),
 ('31', '경기', '경기도', NULL, 1, true, 60, 120, '31', 37.4138000004, 127.5183, '{"KTO": {"area_code": "31"}}'),
 ('39', '제주', '제주특별자치도', NULL, 1, true, 53, 38, '39', 33.4996, 126.5312, NULL),
 ('1_110', '종로구', '서울특별시 종로구 ', '1', 2, true, 60, 127, NULL, 37.5735, 126.979, '');

CREATE TABLE restaurants (
    content_id varchar(20) PRIMARY KEY, region_code varchar, restaurant_name varchar NOT NULL,
    address varchar, latitude float, longitude float, category_code varchar(10), tel varchar);
INSERT INTO restaurants VALUES
 ('B200', '1', '대문자', '서울 B', 37.60, 126.95, 'A05', NULL),
 ('R01', '1', '한옥집', '서울 종로구 1', 37.57, 126.98, 'A05', '02-999'),
 ('R02', '1', '국밥집 본점', '서울 중구 2', 37.56, 126.99, 'A05', '02-222'),
 ('R03', '31', '갈비집', '경기 수원 3', 37.2637, 127.0286, 'A05', NULL),
 ('R04', '31', '냉면집', '경기 4', 37.5000000004, 127.0000000003, 'A05', NULL),
 ('R05', '39', '흑돼지', NULL, 33.5, 126.5, 'A05', NULL),
 ('R08', '31', '분식', '서울 8', 37.58, 126.97, 'A05', NULL),
 ('S01', '1', '새집', '서울 S', 37.61, 126.94, 'A05', NULL),
 ('a100', '1', '소문자', '서울 a', 37.59, 126.96, 'A05', NULL);

CREATE TABLE festivals_events (
    content_id varchar(20) PRIMARY KEY, region_code varchar NOT NULL, event_name varchar NOT NULL,
    address varchar, latitude float, longitude float, event_start_date timestamp, event_end_date timestamp);
INSERT INTO festivals_events VALUES
 ('F1', '1', '봄꽃축제', '서울', 37.5, 126.9, '2025-05-01 00:00', '2025-05-05 00:00'),
 ('F2', '39', '유채꽃축제', '제주', 33.4, 126.4, '2025-06-01 00:00', '2025-06-04 00:00');
"""

# Applied to a copy of LIVE: differences that must all be tolerated.
WITHIN_TOLERANCE = """
UPDATE restaurants SET latitude = latitude + 4e-7, longitude = longitude - 9e-7;
UPDATE restaurants SET address = NULL WHERE address = '';
UPDATE restaurants SET restaurant_name = '  ' || restaurant_name || ' ', tel = 'changed';
UPDATE restaurants SET first_image = '' WHERE first_image IS NULL;
UPDATE regions SET api_mappings = '{"kma": {"region_code": "11B10101"}, "tour_api": {"area_code": "1"}}'
 WHERE region_code = '1';
UPDATE regions SET created_at = '2030-01-01', latitude = latitude + 1e-7;
UPDATE festivals_events SET latitude = latitude + 0.0000005;
"""


def _seed(live: str, shadow: str, *, shadow_schema: str | None = None) -> None:
    _sql(live, LIVE)
    _sql(shadow, SHADOW, schema=shadow_schema)


# -- The library --------------------------------------------------------------------------------------


def test_counts_and_examples(two_dbs: tuple[str, str]) -> None:
    live, shadow = two_dbs
    _seed(live, shadow)
    report = compare_databases(live, shadow)

    assert [t.table for t in report.tables] == list(SERVICE_TABLE_KEYS)

    regions = report.table("regions")
    assert (regions.live_rows, regions.shadow_rows) == (4, 4)
    assert (regions.only_live, regions.only_shadow, regions.differing) == (0, 0, 2)
    assert regions.column_differences == {"api_mappings": 1, "grid_x": 1}
    assert regions.differing_examples == [
        RowDifference(("31",), (ColumnChange("api_mappings", {"tour_api": {"area_code": "31"}},
                                             '{"KTO": {"area_code": "31"}}'),)),
        RowDifference(("39",), (ColumnChange("grid_x", 52, 53),)),
    ]
    assert regions.share == pytest.approx(0.5)

    restaurants = report.table("restaurants")
    assert (restaurants.live_rows, restaurants.shadow_rows) == (10, 9)
    assert (restaurants.only_live, restaurants.only_shadow, restaurants.differing) == (2, 1, 3)
    assert restaurants.only_live_examples == [("R06",), ("R07",)]
    assert restaurants.only_shadow_examples == [("S01",)]
    assert [d.key for d in restaurants.differing_examples] == [("R02",), ("R03",), ("R08",)]
    r02, r03, r08 = restaurants.differing_examples
    assert r02.changes == (ColumnChange("restaurant_name", "국밥집", "국밥집 본점"),)
    assert [c.column for c in r03.changes] == ["latitude"]
    assert (r03.changes[0].live, r03.changes[0].shadow) == (pytest.approx(37.2636), pytest.approx(37.2637))
    assert r08.changes == (ColumnChange("region_code", "1", "31"),)
    assert restaurants.columns_missing_shadow == ("tour_api_area_code", "first_image")
    assert restaurants.columns_missing_live == ("tour_api_area_code",)
    assert restaurants.compared_columns == (
        "restaurant_name", "region_code", "address", "latitude", "longitude", "category_code")
    assert restaurants.share == pytest.approx(0.6)

    festivals = report.table("festivals_events")
    assert (festivals.live_rows, festivals.shadow_rows, festivals.only_live, festivals.only_shadow) == (2, 2, 0, 0)
    assert festivals.differing == 1
    assert festivals.differing_examples == [RowDifference(("F2",), (
        ColumnChange("event_end_date", date(2025, 6, 3), datetime(2025, 6, 4)),))]

    attractions = report.table("tourist_attractions")
    assert attractions.live_rows == 3 and attractions.shadow_rows is None
    assert attractions.shadow_problem == "table missing" and attractions.live_problem is None
    assert (attractions.only_live, attractions.only_shadow, attractions.differing) == (3, 0, 0)
    assert attractions.only_live_examples == [("T1",), ("T2",), ("T3",)]
    assert attractions.share == 1.0

    for name in ("cultural_facilities", "accommodations", "shopping", "leisure_sports", "travel_courses",
                 "pet_tour_info"):
        absent = report.table(name)
        assert absent.live_rows is None and absent.shadow_rows is None and absent.share == 0.0

    assert report.exceeds(0.01) == ["regions", "tourist_attractions", "festivals_events", "restaurants"]
    assert report.exceeds(0.5) == ["tourist_attractions", "restaurants"]
    assert report.exceeds(1.0) == []

    text = report.render()
    lines = text.splitlines()
    row = next(ln for ln in lines if ln.startswith("restaurants "))
    assert [c.strip() for c in row.split("|")] == ["restaurants", "10", "9", "2", "1", "3", "60.0 %"]
    row = next(ln for ln in lines if ln.startswith("tourist_attractions "))
    assert [c.strip() for c in row.split("|")] == ["tourist_attractions", "3", "missing", "3", "0", "0", "100.0 %"]
    header = next(ln for ln in lines if ln.startswith("table "))
    assert [c.strip() for c in header.split("|")] == [
        "table", "live rows", "shadow rows", "only live", "only shadow", "differing", "share"]
    assert "restaurants: content_id=R02: restaurant_name '국밥집' → '국밥집 본점'" in lines
    assert "restaurants: content_id=R08: region_code '1' → '31'" in lines
    assert "restaurants: only in live (2): content_id=R06; content_id=R07" in lines
    assert "restaurants: only in shadow (1): content_id=S01" in lines
    assert "restaurants: columns missing in shadow, not compared: first_image" in lines
    assert "regions: region_code=39: grid_x 52 → 53" in lines
    assert "festivals_events: content_id=F2: event_end_date 2025-06-03 → 2025-06-04T00:00:00" in lines
    assert "tourist_attractions: shadow: table missing (every live row counts as different)" in lines
    assert "pet_tour_info: table missing on both sides" in lines


def test_identical_and_within_tolerance_databases_do_not_differ(two_dbs: tuple[str, str]) -> None:
    live, shadow = two_dbs
    _sql(live, LIVE)
    _sql(shadow, LIVE)
    report = compare_databases(live, shadow)
    assert all(t.different == 0 and t.share == 0.0 for t in report.tables), report.render()
    assert report.table("restaurants").live_rows == 10

    _sql(shadow, WITHIN_TOLERANCE)
    report = compare_databases(live, shadow)
    assert report.exceeds(0.0) == [], report.render()
    assert report.table("restaurants").shadow_rows == 10
    assert report.table("restaurants").compared_columns == (
        "restaurant_name", "region_code", "address", "latitude", "longitude", "category_code", "first_image")


def test_sample_limits_examples(two_dbs: tuple[str, str]) -> None:
    live, shadow = two_dbs
    _seed(live, shadow)
    report = compare_databases(live, shadow, tables=["restaurants"], sample=1)
    t = report.table("restaurants")
    assert [x.table for x in report.tables] == ["restaurants"]
    assert (t.only_live, t.differing) == (2, 3)
    assert t.only_live_examples == [("R06",)] and len(t.differing_examples) == 1
    assert "restaurants: only in live (2): content_id=R06 ..." in report.render().splitlines()


def test_null_duplicate_and_missing_key_columns(two_dbs: tuple[str, str]) -> None:
    live, shadow = two_dbs
    _sql(live, """
        CREATE TABLE pet_tour_info (content_id varchar(50), title varchar, area_code varchar, pet_acpt_abl varchar);
        INSERT INTO pet_tour_info VALUES ('P1', '펫카페', '1', '가능'), ('P1', '펫카페 2', '1', '가능'),
            (NULL, '키 없음', '1', NULL), ('P2', '공원', '39', '불가');
        CREATE TABLE shopping (id serial, shop_name varchar);
        INSERT INTO shopping (shop_name) VALUES ('시장');
    """)
    _sql(shadow, """
        CREATE TABLE pet_tour_info (content_id varchar(50), title varchar, area_code varchar, pet_info text);
        INSERT INTO pet_tour_info VALUES ('P1', '펫카페', '1', 'ok'), ('P2', '공원', '39', NULL);
        CREATE TABLE shopping (content_id varchar(20), shop_name varchar);
        INSERT INTO shopping VALUES ('S1', '시장');
    """)
    report = compare_databases(live, shadow, tables=["pet_tour_info", "shopping"])
    pets = report.table("pet_tour_info")
    assert (pets.live_rows, pets.shadow_rows, pets.null_keys_live, pets.duplicate_keys_live) == (4, 2, 1, 1)
    assert (pets.only_live, pets.only_shadow, pets.differing) == (0, 0, 0)
    assert pets.compared_columns == ("title", "area_code")
    assert "pet_acpt_abl" in pets.columns_missing_shadow and "pet_info" in pets.columns_missing_live
    shopping = report.table("shopping")
    assert shopping.live_problem == "key column content_id missing"
    assert (shopping.only_shadow, shopping.share) == (1, 1.0)
    lines = report.render().splitlines()
    assert "pet_tour_info: live has 1 rows with a NULL key (not matched)" in lines
    assert "shopping: live: key column content_id missing (every shadow row counts as different)" in lines


def test_shadow_schema_in_the_same_database(two_dbs: tuple[str, str], capsys: pytest.CaptureFixture) -> None:
    live, _ = two_dbs
    _seed(live, live, shadow_schema="shadow")
    report = compare_databases(live, live, live_schema="public", shadow_schema="shadow")
    restaurants = report.table("restaurants")
    assert (restaurants.live_rows, restaurants.shadow_rows, restaurants.differing) == (10, 9, 3)
    assert report.table("tourist_attractions").shadow_problem == "table missing"

    assert main(["compare", "--live", live, "--shadow", live, "--shadow-schema", "shadow",
                 "--tables", "regions", "--max-diff-share", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "(schema shadow)" in out and "regions: region_code=39: grid_x 52 → 53" in out
    # Without --shadow-schema both sides are public: identical.
    assert main(["compare", "--live", live, "--shadow", live, "--tables", "regions,restaurants",
                 "--max-diff-share", "0"]) == 0
    capsys.readouterr()


def test_postgres_against_sqlite_merges_in_the_same_order(two_dbs: tuple[str, str], tmp_path: Path) -> None:
    import sqlalchemy as sa

    live, _ = two_dbs
    _sql(live, LIVE)
    sqlite_url = f"sqlite:///{tmp_path / 'shadow.sqlite'}"
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE restaurants (content_id varchar(20) PRIMARY KEY, region_code varchar, "
                             "restaurant_name varchar, address varchar, latitude float, longitude float, "
                             "category_code varchar(10), first_image varchar)")
        rows = [("a100", "1", "소문자", "서울 a", 37.59, 126.96, "A05", None)]
        rows += [(f"R0{i}", r, n, a, la, lo, "A05", img) for i, r, n, a, la, lo, img in [
            (1, "1", "한옥집", "서울 종로구 1", 37.57, 126.98, "http://img/1.jpg"),
            (2, "1", "국밥집", "서울 중구 2", 37.56, 126.99, None),
            (3, "31", "갈비집", "경기 수원 3", 37.2636, 127.0286, None),
            (4, "31", "냉면집", "경기 4", 37.5, 127.0, None),
            (5, "39", "흑돼지", None, 33.5, 126.5, None),
            (6, "39", "고기국수", "제주 6", 33.51, 126.52, None),
            (7, "39", "전복죽", "제주 7", 33.52, 126.53, None),
            (8, "1", "분식", "서울 8", 37.58, 126.97, None)]]
        rows.append(("B200", "1", "대문자", "서울 B", 37.60, 126.95, "A05", None))
        conn.exec_driver_sql("INSERT INTO restaurants VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    engine.dispose()
    report = compare_databases(live, sqlite_url, tables=["restaurants"])
    t = report.table("restaurants")
    assert (t.live_rows, t.shadow_rows, t.only_live, t.only_shadow, t.differing) == (10, 10, 0, 0, 0), report.render()


def test_fifty_thousand_rows_stay_bounded(two_dbs: tuple[str, str]) -> None:
    live, shadow = two_dbs
    ddl = """
        CREATE TABLE restaurants (content_id varchar(20) PRIMARY KEY, region_code varchar, restaurant_name varchar,
            address varchar, latitude float, longitude float, category_code varchar(10), first_image varchar);
        INSERT INTO restaurants SELECT 'K' || lpad(g::text, 6, '0'), '1', '식당 ' || g, '서울시 어딘가 ' || g || '번지',
            37 + g / 100000.0, 127 - g / 100000.0, 'A05', 'http://img/' || g || '.jpg'
        FROM generate_series(1, 50000) g;
    """
    _sql(live, ddl)
    _sql(shadow, ddl + """
        DELETE FROM restaurants WHERE content_id IN ('K000001', 'K025000', 'K049999');
        INSERT INTO restaurants (content_id, region_code, restaurant_name) VALUES ('K050001', '1', 'new'),
            ('Z1', '1', 'new');
        UPDATE restaurants SET restaurant_name = restaurant_name || ' 본점' WHERE content_id IN ('K000010', 'K040000');
        UPDATE restaurants SET latitude = latitude + 1e-8 WHERE content_id LIKE 'K0001%';
    """)
    import sqlalchemy as sa

    # libpq would hold a client-side result outside Python's heap: check the reads use server-side cursors.
    cursors: list[tuple[str, str | None]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "ORDER BY _key0" in statement:
            cursors.append((statement, getattr(cursor, "name", None)))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    tracemalloc.start()
    try:
        report = compare_databases(live, shadow, tables=["restaurants"], chunk_rows=1000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    assert len(cursors) == 2 and all(name for _, name in cursors), cursors
    assert all('COLLATE "C"' in statement for statement, _ in cursors)
    t = report.table("restaurants")
    assert (t.live_rows, t.shadow_rows) == (50_000, 49_999)
    assert (t.only_live, t.only_shadow, t.differing) == (3, 2, 2)
    assert t.only_live_examples == [("K000001",), ("K025000",), ("K049999",)]
    assert t.only_shadow_examples == [("K050001",), ("Z1",)]
    assert [d.key for d in t.differing_examples] == [("K000010",), ("K040000",)]
    # Holding both tables (2 x 50,000 rows of 8 values) takes tens of MB; a merge of two cursors far less.
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"

    default = compare_databases(live, shadow, tables=["restaurants"]).table("restaurants")
    assert (default.only_live, default.only_shadow, default.differing) == (3, 2, 2)


def test_unknown_table_and_unreachable_database_raise() -> None:
    with pytest.raises(ComparisonError, match="unknown service table"):
        compare_databases(UNREACHABLE, UNREACHABLE, tables=["weather_forecast"])
    with pytest.raises(ComparisonError, match=r"cannot connect to the live database postgresql\+psycopg2://root@127"):
        compare_databases(UNREACHABLE, UNREACHABLE)


# -- Value normalisation --------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [
    ("", None), ("  ", None), (" 서울 ", "서울"), (37.5, Decimal("37.50000000")), (37.5, 37.5000009),
    (1, 1.0), (Decimal("126.97800000"), "126.978"), (True, "t"), (True, 1), (date(2025, 5, 1), datetime(2025, 5, 1)),
    (date(2025, 5, 1), "20250501"), (date(2025, 5, 1), "2025-05-01"),
    (datetime(2025, 5, 1, 9, tzinfo=timezone.utc), datetime(2025, 5, 1, 9)),
    ({"a": 1, "b": [1, 2]}, '{"b": [1, 2], "a": 1}'), ('{"a":1,"b":2}', '{"b": 2, "a": 1}'),
    ("0b7c1f8e-1111-4222-8333-444455556666", __import__("uuid").UUID("0b7c1f8e-1111-4222-8333-444455556666")),
    (None, None),
])
def test_values_equal(a: object, b: object) -> None:
    assert values_equal(a, b) and values_equal(b, a)


@pytest.mark.parametrize(("a", "b"), [
    ("a", None), ("서울", "서울시"), (37.5, 37.500002), (Decimal("37.5"), Decimal("37.5000011")), ("0123", "123"),
    (1, "one"), (True, False), (True, 2), (date(2025, 5, 1), datetime(2025, 5, 1, 0, 0, 1)),
    (date(2025, 5, 1), "20250502"), ({"a": 1}, '{"a": 2}'), ({"a": 1}, "not json"), ('{"a":1}', '{"a":2}'),
    (0, None), (False, None),
])
def test_values_differ(a: object, b: object) -> None:
    assert not values_equal(a, b) and not values_equal(b, a)


def test_load_bearing_covers_every_service_table() -> None:
    assert set(LOAD_BEARING) == set(SERVICE_TABLE_KEYS)
    assert LOAD_BEARING["restaurants"][0] == "restaurant_name"
    assert {"event_start_date", "event_end_date"} <= set(LOAD_BEARING["festivals_events"])
    assert {"pet_acpt_abl", "pet_info", "area_code"} <= set(LOAD_BEARING["pet_tour_info"])


def test_module_does_not_import_dagster() -> None:
    code = "import sys, weather_flick_batch.cutover.compare; sys.exit(1 if 'dagster' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=120).returncode == 0


# -- The command line ---------------------------------------------------------------------------------


def test_cli_exit_codes(two_dbs: tuple[str, str], capsys: pytest.CaptureFixture) -> None:
    live, shadow = two_dbs
    _seed(live, shadow)

    assert main(["compare", "--live", live, "--shadow", shadow]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "regions: 50.0 % of keys differ (threshold 1.0 %)",
        "tourist_attractions: 100.0 % of keys differ (threshold 1.0 %)",
        "festivals_events: 50.0 % of keys differ (threshold 1.0 %)",
        "restaurants: 60.0 % of keys differ (threshold 1.0 %)",
    ]
    assert "restaurants: content_id=R02: restaurant_name '국밥집' → '국밥집 본점'" in captured.out

    # within the threshold (share equal to it is within)
    assert main(["compare", "--live", live, "--shadow", shadow, "--tables", "regions, festivals_events",
                 "--max-diff-share", "0.5"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "festivals_events" in captured.out and "restaurants" not in captured.out
    assert main(["compare", "--live", live, "--shadow", shadow, "--tables", "restaurants",
                 "--max-diff-share", "0.59"]) == 1
    assert capsys.readouterr().err == "restaurants: 60.0 % of keys differ (threshold 59.0 %)\n"

    # identical databases
    assert main(["compare", "--live", live, "--shadow", live]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("extra", "message"), [
    (["--tables", "restaurants,weather_forecast"], "unknown service table(s): weather_forecast"),
    (["--max-diff-share", "1.5"], "--max-diff-share must be a fraction between 0 and 1"),
    (["--tables", ","], "--tables names no table"),
    (["--live-password-env", "WFB_TEST_UNSET_PASSWORD_VAR"],
     "environment variable WFB_TEST_UNSET_PASSWORD_VAR (--live-password-env) is not set"),
    (["--shadow-schema", "shadw"], "has no schema shadw"),
])
def test_cli_wrong_arguments_exit_2(two_dbs: tuple[str, str], capsys: pytest.CaptureFixture,
                                    extra: list[str], message: str) -> None:
    live, shadow = two_dbs
    _seed(live, shadow)
    assert main(["compare", "--live", live, "--shadow", shadow, *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1 and captured.err.startswith("error: ") and message in captured.err


def test_cli_no_table_on_either_side_exit_2(two_dbs: tuple[str, str], capsys: pytest.CaptureFixture) -> None:
    live, shadow = two_dbs  # both empty: probably the wrong databases
    assert main(["compare", "--live", live, "--shadow", shadow]) == 2
    assert capsys.readouterr().err == (
        "error: none of the compared tables exists in either database: check the URLs and schemas\n")


def test_cli_unreachable_database_exit_2_without_password(
        two_dbs: tuple[str, str], capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    live, _ = two_dbs
    secret = "pw-s3cret-7f1d"
    monkeypatch.setenv("WFB_CMP_LIVE_PW", secret)
    monkeypatch.setenv("WFB_CMP_SHADOW_PW", secret)

    assert main(["compare", "--live", UNREACHABLE, "--shadow", live, "--live-password-env", "WFB_CMP_LIVE_PW"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1
    assert captured.err.startswith("error: cannot connect to the live database "
                                   "postgresql+psycopg2://root:***@127.0.0.1:1/x: ")
    assert secret not in captured.err and "Traceback" not in captured.err

    assert main(["compare", "--live", live, "--shadow", UNREACHABLE.replace("postgresql+psycopg2", "postgresql")]) == 2
    assert capsys.readouterr().err.startswith(
        "error: cannot connect to the shadow database postgresql+psycopg2://root@127.0.0.1:1/x: ")

    # a password on the command line is refused and not echoed
    with_password = live.replace(f"{PG_USER}@", f"{PG_USER}:{secret}@")
    assert main(["compare", "--live", with_password, "--shadow", live]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: --live carries a password; put it in an environment variable")
    assert secret not in captured.err + captured.out

    # a reachable database with a password from the environment (trust auth ignores it): hidden in the output
    _sql(live, LIVE)
    assert main(["compare", "--live", live, "--shadow", live, "--live-password-env", "WFB_CMP_LIVE_PW",
                 "--shadow-password-env", "WFB_CMP_SHADOW_PW"]) == 0
    captured = capsys.readouterr()
    assert f"live:   {live.replace(f'{PG_USER}@', f'{PG_USER}:***@')}" in captured.out.splitlines()
    assert secret not in captured.out + captured.err


def test_cli_through_the_console_script(two_dbs: tuple[str, str]) -> None:
    live, shadow = two_dbs
    _seed(live, shadow)
    exe = Path(sys.executable).parent / "weather-flick-batch"
    assert exe.is_file(), f"{exe} is not installed (pip install -e .)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(exe), "compare", "--live", live, "--shadow", shadow, "--tables",
                           "restaurants,regions", "--max-diff-share", "0.55"],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == "restaurants: 60.0 % of keys differ (threshold 55.0 %)\n"
    assert "restaurants: only in shadow (1): content_id=S01" in proc.stdout.splitlines()

    proc = subprocess.run([str(exe), "compare", "--live", UNREACHABLE, "--shadow", shadow],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: cannot connect to the live database") and len(proc.stderr.splitlines()) == 1

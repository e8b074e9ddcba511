"""The back end's table contract (backend_models): the type rule, and the check against real databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from weather_flick_batch_tests.backend_models import (
    BACKEND_FOREIGN_KEYS,
    TABLES_NEEDING_UNIQUE_CONTENT_ID,
    backend_metadata,
    contract_mismatches,
    types_compatible,
)

JSONB_VARIANT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# (declared in the model, reflected from PostgreSQL, compatible?)
TYPE_CASES = [
    # String(n)
    (sa.String(20), postgresql.VARCHAR(20), True),
    (sa.String(20), postgresql.VARCHAR(50), True),
    (sa.String(20), postgresql.VARCHAR(), True),
    (sa.String(20), postgresql.TEXT(), True),
    (sa.String(20), postgresql.VARCHAR(10), False),
    (sa.String(1), postgresql.CHAR(1), False),
    (sa.String(20), postgresql.INTEGER(), False),
    # String without a length, and Text: unbounded only
    (sa.String(), postgresql.VARCHAR(), True),
    (sa.String(), postgresql.TEXT(), True),
    (sa.String(), postgresql.VARCHAR(255), False),
    (sa.String(), postgresql.VARCHAR(10_000), False),
    (sa.Text(), postgresql.TEXT(), True),
    (sa.Text(), postgresql.VARCHAR(), True),
    (sa.Text(), postgresql.VARCHAR(500), False),
    (sa.Text(), postgresql.JSONB(), False),
    # Float
    (sa.Float(), postgresql.DOUBLE_PRECISION(), True),
    (sa.Float(), postgresql.REAL(), True),
    (sa.Float(), postgresql.FLOAT(), True),
    (sa.Float(), postgresql.NUMERIC(10, 8), True),
    (sa.Float(), postgresql.INTEGER(), False),
    (sa.Float(), postgresql.VARCHAR(), False),
    # Numeric(p, s): integer digits and scale both at least the model's
    (sa.Numeric(10, 8), postgresql.NUMERIC(10, 8), True),
    (sa.Numeric(10, 8), postgresql.NUMERIC(12, 9), True),
    (sa.Numeric(10, 8), postgresql.NUMERIC(), True),
    (sa.Numeric(10, 8), postgresql.NUMERIC(10, 6), False),  # scale 6 < 8 rounds
    (sa.Numeric(10, 8), postgresql.NUMERIC(11, 10), False),  # 1 integer digit < 2
    (sa.Numeric(5, 2), postgresql.NUMERIC(3, 2), False),  # batch migration 012's data_quality_score
    (sa.Numeric(10, 8), postgresql.DOUBLE_PRECISION(), False),
    (sa.Numeric(10, 8), postgresql.INTEGER(), False),
    # Integer
    (sa.Integer(), postgresql.INTEGER(), True),
    (sa.Integer(), postgresql.BIGINT(), True),
    (sa.Integer(), postgresql.SMALLINT(), False),
    (sa.SmallInteger(), postgresql.SMALLINT(), True),
    (sa.Integer(), postgresql.NUMERIC(10, 0), False),
    (sa.Integer(), postgresql.DOUBLE_PRECISION(), False),
    # Boolean, Date
    (sa.Boolean(), postgresql.BOOLEAN(), True),
    (sa.Boolean(), postgresql.SMALLINT(), False),
    (sa.Date(), postgresql.DATE(), True),
    (sa.Date(), postgresql.TIMESTAMP(timezone=True), False),
    (sa.Date(), postgresql.VARCHAR(8), False),
    # DateTime(timezone=True)
    (sa.DateTime(timezone=True), postgresql.TIMESTAMP(timezone=True), True),
    (sa.DateTime(timezone=True), postgresql.TIMESTAMP(timezone=False), False),
    (sa.DateTime(timezone=True), postgresql.DATE(), False),
    (sa.DateTime(timezone=True), postgresql.TEXT(), False),
    # JSON / JSONB
    (JSONB_VARIANT, postgresql.JSONB(), True),
    (JSONB_VARIANT, postgresql.JSON(), True),
    (JSONB_VARIANT, postgresql.TEXT(), False),
    # Uuid
    (sa.Uuid(), postgresql.UUID(), True),
    (sa.Uuid(), postgresql.VARCHAR(36), False),
    (sa.Uuid(), postgresql.TEXT(), False),
]


@pytest.mark.parametrize(("declared", "actual", "expected"), TYPE_CASES,
                         ids=[f"{d!r}-vs-{a!r}" for d, a, _ in TYPE_CASES])
def test_types_compatible(declared, actual, expected):
    assert types_compatible(declared, actual) is expected


def test_types_compatible_refuses_a_declared_type_it_has_no_rule_for():
    with pytest.raises(TypeError, match="no rule"):
        types_compatible(postgresql.ARRAY(sa.Integer), postgresql.ARRAY(sa.Integer))


def test_contract_covers_exactly_the_tables_the_back_end_reads():
    assert set(backend_metadata.tables) == {
        "regions", "tourist_attractions", "cultural_facilities", "festivals_events", "restaurants",
        "accommodations", "shopping", "leisure_sports", "travel_courses", "pet_tour_info"}
    assert TABLES_NEEDING_UNIQUE_CONTENT_ID == set(backend_metadata.tables) - {"regions"}
    assert "leisure_sports" not in BACKEND_FOREIGN_KEYS
    for table, foreign_keys in BACKEND_FOREIGN_KEYS.items():
        assert foreign_keys == {"region_code": "regions.region_code"}
        assert "region_code" in backend_metadata.tables[table].columns


# -- Against a real PostgreSQL ------------------------------------------------------------------
@pytest.fixture
def backend_engine(fresh_postgres_url: str) -> Iterator[sa.Engine]:
    """A fresh PostgreSQL database holding exactly backend_metadata."""
    engine = sa.create_engine(fresh_postgres_url)
    backend_metadata.create_all(engine)
    yield engine
    engine.dispose()


def _execute(engine: sa.Engine, *statements: str) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def _only_mismatch(engine: sa.Engine) -> str:
    mismatches = contract_mismatches(engine)
    assert len(mismatches) == 1, mismatches
    return mismatches[0]


@pytest.mark.postgres
def test_backend_metadata_satisfies_its_own_contract(backend_engine):
    assert contract_mismatches(backend_engine) == []


@pytest.mark.postgres
def test_empty_database_reports_every_table_missing(fresh_postgres_url):
    engine = sa.create_engine(fresh_postgres_url)
    try:
        mismatches = contract_mismatches(engine)
    finally:
        engine.dispose()
    assert sorted(mismatches) == sorted(f"{name}: table is missing" for name in backend_metadata.tables)


@pytest.mark.postgres
def test_dropped_column_is_reported(backend_engine):
    _execute(backend_engine, "ALTER TABLE festivals_events DROP COLUMN event_place")
    line = _only_mismatch(backend_engine)
    assert line.startswith("festivals_events.event_place:") and "missing" in line


@pytest.mark.postgres
@pytest.mark.parametrize(("table", "column", "new_type", "shown"), [
    ("shopping", "updated_at", "timestamp without time zone", "TIMESTAMP WITHOUT TIME ZONE"),
    ("cultural_facilities", "content_id", "varchar(10)", "VARCHAR(10)"),
    ("tourist_attractions", "latitude", "double precision", "DOUBLE PRECISION"),
    ("leisure_sports", "data_quality_score", "numeric(3, 2)", "NUMERIC(3, 2)"),  # batch migration 012
])
def test_changed_type_is_reported(backend_engine, table, column, new_type, shown):
    _execute(backend_engine, f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {new_type}")
    line = _only_mismatch(backend_engine)
    assert line.startswith(f"{table}.{column}: type {shown} ")


@pytest.mark.postgres
def test_not_null_column_made_nullable_is_reported(backend_engine):
    _execute(backend_engine, "ALTER TABLE accommodations ALTER COLUMN address DROP NOT NULL")
    line = _only_mismatch(backend_engine)
    assert line.startswith("accommodations.address: nullable in the database")


@pytest.mark.postgres
def test_nullable_column_made_not_null_is_reported(backend_engine):
    _execute(backend_engine, "ALTER TABLE regions ALTER COLUMN grid_x SET NOT NULL")
    line = _only_mismatch(backend_engine)
    assert line.startswith("regions.grid_x: NOT NULL in the database")


def _unique_content_id_constraint(engine: sa.Engine, table: str) -> str:
    inspector = sa.inspect(engine)
    pk = inspector.get_pk_constraint(table)
    if pk["constrained_columns"] == ["content_id"]:
        return pk["name"]
    (unique,) = [u for u in inspector.get_unique_constraints(table) if u["column_names"] == ["content_id"]]
    return unique["name"]


@pytest.mark.postgres
@pytest.mark.parametrize("table", [
    "pet_tour_info",  # a UNIQUE constraint beside the id primary key
    "restaurants",  # a UNIQUE constraint; the composite primary key (content_id, region_code) stays
    "tourist_attractions",  # the primary key itself
])
def test_dropped_unique_content_id_is_reported(backend_engine, table):
    constraint = _unique_content_id_constraint(backend_engine, table)
    _execute(backend_engine, f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
    line = _only_mismatch(backend_engine)
    assert line.startswith(f"{table}.content_id: not unique on its own")


@pytest.mark.postgres
def test_unique_index_counts_but_partial_or_wider_ones_do_not(backend_engine):
    _execute(backend_engine, 'ALTER TABLE pet_tour_info DROP CONSTRAINT "pet_tour_info_content_id_key"',
             "CREATE UNIQUE INDEX pet_partial ON pet_tour_info (content_id) WHERE content_id IS NOT NULL",
             "CREATE UNIQUE INDEX pet_wider ON pet_tour_info (content_id, area_code)")
    assert _only_mismatch(backend_engine).startswith("pet_tour_info.content_id: not unique on its own")
    _execute(backend_engine, "CREATE UNIQUE INDEX pet_content_id ON pet_tour_info (content_id)")
    assert contract_mismatches(backend_engine) == []


@pytest.mark.postgres
def test_extra_columns_are_harmless(backend_engine):
    _execute(backend_engine, "ALTER TABLE regions ADD COLUMN batch_only integer NOT NULL DEFAULT 0")
    assert contract_mismatches(backend_engine) == []


@pytest.mark.postgres
def test_tables_in_another_schema_are_found_with_schema(fresh_postgres_url):
    engine = sa.create_engine(fresh_postgres_url)
    try:
        _execute(engine, "CREATE SCHEMA service")
        with engine.connect().execution_options(schema_translate_map={None: "service"}) as conn:
            backend_metadata.create_all(conn)
            conn.commit()
        assert contract_mismatches(engine, schema="service") == []
        assert len(contract_mismatches(engine)) == len(backend_metadata.tables)  # not in public
        _execute(engine, "ALTER TABLE service.regions ALTER COLUMN created_at TYPE timestamp")
        assert contract_mismatches(engine, schema="service", tables=["regions", "shopping"]) == [
            "service.regions.created_at: type TIMESTAMP WITHOUT TIME ZONE cannot hold the back end's "
            "TIMESTAMP WITH TIME ZONE"]
    finally:
        engine.dispose()


def test_unknown_table_name_is_refused(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with pytest.raises(ValueError, match="not a back-end table"):
        contract_mismatches(engine, tables=["weather_notifications"])
    engine.dispose()


# -- SQLite: presence and nullability only ------------------------------------------------------
def test_sqlite_checks_presence_and_nullability_but_not_types(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'backend.sqlite'}")
    backend_metadata.create_all(engine)
    assert contract_mismatches(engine) == []

    # regions again, every column TEXT, region_name nullable and grid_y gone.
    loose = sa.MetaData()
    sa.Table("regions", loose, *[
        sa.Column(column.name, sa.Text, primary_key=column.primary_key,
                  nullable=True if column.name == "region_name" else column.nullable)
        for column in backend_metadata.tables["regions"].columns if column.name != "grid_y"])
    _execute(engine, "DROP TABLE regions")
    loose.create_all(engine)
    assert sorted(contract_mismatches(engine, tables=["regions"])) == [
        "regions.grid_y: column is missing (the back end selects it)",
        "regions.region_name: nullable in the database, NOT NULL in the back end's model",
    ]
    engine.dispose()

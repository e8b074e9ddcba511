"""The WeatherFlick back end's own tables, exactly as its SQLAlchemy models declare them.

The back end selects every column its models declare (``db.query(Model)``): a missing column is an
HTTP 500. So these tables carry the back end's names and types, column for column, as listed in
``shared/reference/backend-contract.md`` (B:app/models.py). Extra columns would be harmless to its
reads, but its own Alembic autogenerate drops what its models do not declare, so there are none.
What the contract adds on top of the models: ``content_id`` is unique on its own in every content
table (the upserts of any batch, ours included, key on it).

Where they live: every table here is declared in the symbolic schema :data:`SERVICE_SCHEMA`, which
the warehouse engine translates (SQLAlchemy ``schema_translate_map``) to the configured service
schema on PostgreSQL (``WEATHER_FLICK_SERVICE_SCHEMA``, default ``public``, where the back end reads)
and to the one namespace of SQLite. The batch's own tables stay in the warehouse connection's
default schema, which in production is a schema of their own (docs/migration.md, "Two schemas").

Foreign keys to ``regions`` that the models declare are left out on purpose: the back end's writes
never depend on them, and they would tie the order of our province-partitioned publication.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from weather_flick_batch.warehouse.types import AwareDateTime

#: Symbolic schema of the service tables; the engine maps it to the real one (see module docstring).
SERVICE_SCHEMA = "wf_service"

JSONB = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# timestamptz on PostgreSQL, as the back end declares; values tz-aware in Python on both engines.
TIMESTAMPTZ = AwareDateTime()
UUID = sa.Uuid(as_uuid=False)


def _std() -> list[sa.Column]:
    return [
        sa.Column("content_id", sa.String(20), primary_key=True, comment="TourAPI contentid"),
        sa.Column("region_code", sa.String, nullable=False, comment="TourAPI area code as text ('1'..'39')"),
        sa.Column("tour_api_area_code", sa.String, comment="TourAPI area code (same as region_code)"),
        sa.Column("raw_data_id", UUID, comment="the previous batch's raw-data link; not used (NULL)"),
    ]


def _cat(length: int | None = 10) -> list[sa.Column]:
    # restaurants and travel_courses declare these without a length
    return [
        sa.Column("category_code", sa.String(length), comment="TourAPI cat3 (the finest classification)"),
        sa.Column("sub_category_code", sa.String(length), comment="not provided by TourAPI listings (NULL)"),
    ]


def _loc() -> list[sa.Column]:
    return [
        sa.Column("address", sa.String, comment="addr1"),
        sa.Column("detail_address", sa.String, comment="addr2"),
        sa.Column("zipcode", sa.String(10)),
        sa.Column("latitude", sa.Numeric(10, 8), comment="mapy, WGS84"),
        sa.Column("longitude", sa.Numeric(11, 8), comment="mapx, WGS84"),
        sa.Column("tel", sa.String(50)),
        sa.Column("homepage", sa.Text),
    ]


def _img() -> list[sa.Column]:
    return [
        sa.Column("overview", sa.Text),
        sa.Column("first_image", sa.String, comment="firstimage (https)"),
        sa.Column("first_image_small", sa.String, comment="firstimage2 (https)"),
    ]


def _kto() -> list[sa.Column]:
    return [
        sa.Column("booktour", sa.String(1)),
        sa.Column("createdtime", sa.String(14), comment="YYYYMMDDHHMMSS, KST, as TourAPI sends it"),
        sa.Column("modifiedtime", sa.String(14), comment="YYYYMMDDHHMMSS, KST, as TourAPI sends it"),
        sa.Column("telname", sa.String(100)),
        sa.Column("faxno", sa.String(50)),
        sa.Column("mlevel", sa.Integer),
        sa.Column("detail_intro_info", JSONB, comment="detailIntro2 fields where fetched"),
        sa.Column("detail_additional_info", JSONB),
    ]


def _meta() -> list[sa.Column]:
    return [
        sa.Column("data_quality_score", sa.Numeric(5, 2)),
        sa.Column("processing_status", sa.String(20), server_default="processed"),
        sa.Column("created_at", TIMESTAMPTZ, comment="first seen by the batch"),
        sa.Column("updated_at", TIMESTAMPTZ, comment="last changed by the batch"),
        sa.Column("last_sync_at", TIMESTAMPTZ, comment="last sync that listed it"),
    ]


def _table(name: str, metadata: sa.MetaData, *columns, comment: str, unique_content_id: bool = False) -> sa.Table:
    args: list = list(columns)
    if unique_content_id:
        args.append(sa.UniqueConstraint("content_id", name=f"uq_{name}_content_id"))
    return sa.Table(name, metadata, *args, schema=SERVICE_SCHEMA, comment=comment)


def define(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """The service tables on ``metadata``: the schema's own, or a fresh one when they are created or
    adopted (``adopt``, ``pending``) without touching the schema's."""
    t: dict[str, sa.Table] = {}
    t["regions"] = sa.Table(
        "regions", metadata,
        sa.Column("region_code", sa.String, primary_key=True,
                  comment="level 1: TourAPI area code; level 2: '{area}_{sigungu}'"),
        sa.Column("region_name", sa.String, nullable=False),
        sa.Column("parent_region_code", sa.String, comment="NULL at level 1"),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("region_level", sa.Integer, comment="1 province, 2 district"),
        sa.Column("is_active", sa.Boolean, server_default=sa.true()),
        sa.Column("grid_x", sa.Integer, comment="KMA grid nx, computed from the point"),
        sa.Column("grid_y", sa.Integer, comment="KMA grid ny, computed from the point"),
        sa.Column("region_name_full", sa.String),
        sa.Column("region_name_en", sa.String),
        sa.Column("region_id", sa.String),
        sa.Column("center_latitude", sa.Float),
        sa.Column("center_longitude", sa.Float),
        sa.Column("administrative_code", sa.String),
        sa.Column("api_mappings", JSONB, comment="{'tour_api': {'area_code'}, 'kma': {'region_code', ...}}"),
        sa.Column("coordinate_info", JSONB),
        sa.Column("tour_api_area_code", sa.String, comment="the TourAPI area code the back end joins on"),
        sa.Column("created_at", TIMESTAMPTZ),
        sa.Column("updated_at", TIMESTAMPTZ),
        schema=SERVICE_SCHEMA, comment="Provinces (level 1) and districts (level 2), as the back end's Region model",
    )
    t["tourist_attractions"] = _table(
        "tourist_attractions", metadata, *_std(),
        sa.Column("attraction_name", sa.String, nullable=False),
        sa.Column("category_code", sa.String(10), comment="TourAPI cat3"),
        sa.Column("category_name", sa.String(50), comment="Korean name of cat3"),
        sa.Column("address", sa.String), sa.Column("zipcode", sa.String(10)),
        sa.Column("latitude", sa.Numeric(10, 8)), sa.Column("longitude", sa.Numeric(11, 8)),
        sa.Column("homepage", sa.Text), sa.Column("description", sa.Text), sa.Column("image_url", sa.String),
        *_kto(), *_meta(), comment="TourAPI content type 12 (tourist spots)",
    )
    t["cultural_facilities"] = _table(
        "cultural_facilities", metadata, *_std(),
        sa.Column("facility_name", sa.String, nullable=False), sa.Column("facility_type", sa.String),
        *_cat(), *_loc(),
        *(sa.Column(c, sa.String) for c in ("admission_fee", "operating_hours", "parking_info", "rest_date",
                                            "use_season", "use_time")),
        *_img(), *_kto(), *_meta(), comment="TourAPI content type 14 (cultural facilities)",
    )
    t["festivals_events"] = _table(
        "festivals_events", metadata, *_std(),
        sa.Column("event_name", sa.String, nullable=False), *_cat(),
        sa.Column("event_start_date", sa.Date), sa.Column("event_end_date", sa.Date),
        sa.Column("event_place", sa.String), *_loc(), sa.Column("event_program", sa.Text),
        *(sa.Column(c, sa.String) for c in ("sponsor", "organizer", "play_time", "age_limit", "cost_info",
                                            "discount_info")),
        sa.Column("description", sa.Text), *_img(), *_kto(), *_meta(),
        comment="TourAPI content type 15 (festivals, performances, events) with their dates",
    )
    t["restaurants"] = _table(
        "restaurants", metadata,
        sa.Column("content_id", sa.String, primary_key=True),
        sa.Column("region_code", sa.String, primary_key=True),
        sa.Column("tour_api_area_code", sa.String), sa.Column("raw_data_id", UUID),
        sa.Column("restaurant_name", sa.String, nullable=False), *_cat(None),
        sa.Column("address", sa.String), sa.Column("detail_address", sa.String), sa.Column("zipcode", sa.String),
        sa.Column("latitude", sa.Float), sa.Column("longitude", sa.Float),
        *(sa.Column(c, sa.String) for c in ("tel", "homepage", "cuisine_type", "specialty_dish", "operating_hours",
                                            "rest_date", "reservation_info", "credit_card", "smoking", "parking",
                                            "room_available", "children_friendly", "takeout", "delivery")),
        *_img(), sa.Column("data_quality_score", sa.Float),
        sa.Column("processing_status", sa.String, server_default="processed"),
        sa.Column("created_at", TIMESTAMPTZ), sa.Column("updated_at", TIMESTAMPTZ),
        sa.Column("last_sync_at", TIMESTAMPTZ),
        comment="TourAPI content type 39 (restaurants)", unique_content_id=True,
    )
    t["accommodations"] = _table(
        "accommodations", metadata,
        sa.Column("content_id", sa.String(20), primary_key=True),
        sa.Column("region_code", sa.String, nullable=False), sa.Column("raw_data_id", UUID),
        sa.Column("accommodation_name", sa.String, nullable=False),
        sa.Column("accommodation_type", sa.String, nullable=False, comment="Korean name of cat3"),
        sa.Column("address", sa.String, nullable=False), sa.Column("tel", sa.String),
        sa.Column("latitude", sa.Float), sa.Column("longitude", sa.Float), *_cat(),
        sa.Column("parking", sa.String), sa.Column("created_at", TIMESTAMPTZ),
        comment="TourAPI content type 32 (lodging)",
    )
    t["shopping"] = _table(
        "shopping", metadata, *_std(),
        sa.Column("shop_name", sa.String, nullable=False), sa.Column("shop_type", sa.String), *_cat(), *_loc(),
        *(sa.Column(c, sa.String) for c in ("opening_hours", "rest_date", "parking_info", "credit_card",
                                            "pet_allowed", "baby_carriage", "sale_item", "fair_day")),
        *_img(), *_kto(), *_meta(), comment="TourAPI content type 38 (shopping)",
    )
    t["leisure_sports"] = _table(
        "leisure_sports", metadata,
        sa.Column("content_id", sa.String(20), primary_key=True),
        sa.Column("region_code", sa.String, nullable=False),
        sa.Column("facility_name", sa.String, nullable=False), *_cat(), sa.Column("raw_data_id", UUID),
        *(sa.Column(c, sa.String) for c in ("sports_type", "reservation_info", "admission_fee", "parking_info",
                                            "rental_info", "capacity", "operating_hours")),
        sa.Column("address", sa.String), sa.Column("detail_address", sa.String), sa.Column("zipcode", sa.String(10)),
        sa.Column("latitude", sa.Numeric(10, 8)), sa.Column("longitude", sa.Numeric(11, 8)),
        sa.Column("tel", sa.String), sa.Column("homepage", sa.String),
        *_img(), *_meta(), *_kto(), sa.Column("sigungu_code", sa.String),
        comment="TourAPI content type 28 (leisure and sports)",
    )
    t["travel_courses"] = _table(
        "travel_courses", metadata,
        sa.Column("content_id", sa.String, primary_key=True),
        sa.Column("region_code", sa.String, primary_key=True),
        sa.Column("course_name", sa.String, primary_key=True),
        sa.Column("course_theme", sa.String, comment="detailIntro2 theme"),
        sa.Column("required_time", sa.String, comment="detailIntro2 taketime"),
        sa.Column("difficulty_level", sa.String, comment="not provided by TourAPI (NULL)"),
        sa.Column("schedule", sa.Text, comment="detailIntro2 schedule"),
        sa.Column("course_distance", sa.String, comment="detailIntro2 distance"),
        *_cat(None),
        sa.Column("address", sa.String), sa.Column("detail_address", sa.String), sa.Column("zipcode", sa.String),
        sa.Column("tel", sa.String), sa.Column("telname", sa.String), sa.Column("faxno", sa.String),
        sa.Column("homepage", sa.String), *_img(),
        sa.Column("latitude", sa.Float), sa.Column("longitude", sa.Float),
        sa.Column("data_quality_score", sa.Float), sa.Column("processing_status", sa.String),
        sa.Column("raw_data_id", UUID),
        sa.Column("created_at", TIMESTAMPTZ), sa.Column("updated_at", TIMESTAMPTZ),
        sa.Column("last_sync_at", TIMESTAMPTZ), sa.Column("mlevel", sa.Integer),
        sa.Column("detail_intro_info", JSONB), sa.Column("detail_additional_info", JSONB),
        sa.Column("booktour", sa.String), sa.Column("createdtime", sa.String), sa.Column("modifiedtime", sa.String),
        sa.Column("sigungu_code", sa.String), sa.Column("place_id", sa.String, comment="not written (NULL)"),
        comment="TourAPI content type 25 (travel courses) with course details from detailIntro2",
        unique_content_id=True,
    )
    t["pet_tour_info"] = sa.Table(
        "pet_tour_info", metadata,
        sa.Column("id", UUID, primary_key=True, comment="uuid5 of the content_id: stable across runs"),
        sa.Column("content_id", sa.String(50), unique=True),
        sa.Column("raw_data_id", UUID),
        *(sa.Column(c, sa.String) for c in ("content_type_id", "title", "address")),
        sa.Column("latitude", sa.Numeric(10, 8)), sa.Column("longitude", sa.Numeric(11, 8)),
        *(sa.Column(c, sa.String) for c in ("area_code", "sigungu_code", "tel", "homepage")),
        sa.Column("overview", sa.Text),
        *(sa.Column(c, sa.String) for c in ("first_image", "first_image2", "cat1", "cat2", "cat3",
                                            "pet_acpt_abl")),
        sa.Column("pet_info", sa.Text, comment="detailPetTour2 fields as readable text"),
        *_meta(),
        schema=SERVICE_SCHEMA, comment="TourAPI detailPetTour2: pet-travel details of the destinations that have them",
    )
    return t


#: Content type -> service table (25 travel courses and 38 shopping each in their own table).
TABLE_BY_CONTENT_TYPE: dict[int, str] = {
    12: "tourist_attractions", 14: "cultural_facilities", 15: "festivals_events", 25: "travel_courses",
    28: "leisure_sports", 32: "accommodations", 38: "shopping", 39: "restaurants",
}
CONTENT_TABLES: tuple[str, ...] = tuple(TABLE_BY_CONTENT_TYPE.values())
SERVICE_TABLE_NAMES: tuple[str, ...] = ("regions", *CONTENT_TABLES, "pet_tour_info")


def batch_tables_only(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object``: autogenerate compares the batch's own tables only. The back end's
    tables are created or adopted by migration 0006 and checked against its models by the contract
    test; in SQLite's one namespace their reflected copies are recognised by name."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    if getattr(table, "schema", None) == SERVICE_SCHEMA:
        return False
    table_name = name if type_ == "table" else getattr(table, "name", None)
    from weather_flick_batch.warehouse.backend_tables import BACKEND_TABLE_NAMES

    return not (reflected and table_name in (*SERVICE_TABLE_NAMES, *BACKEND_TABLE_NAMES))


# -- creating or adopting them ------------------------------------------------------------------
_ORIGIN = sa.table("service_table_origin", sa.column("schema_name"), sa.column("table_name"), sa.column("adopted"),
                   sa.column("columns_added"), sa.column("recorded_at"))


def schema_label(schema: str | None) -> str:
    return schema or "main"


def _plan(bind: sa.Connection, table: sa.Table, schema: str | None, columns: list[dict],
          content_id_unique: bool) -> list[tuple[str, str]]:
    """(DDL, what it does) to bring an existing table up to its declaration; empty when it is. ``columns``:
    the table's reflected columns; ``content_id_unique``: whether content_id is unique on its own there."""
    name = table.name
    qualified = f'"{schema}"."{name}"' if schema else f'"{name}"'
    reflected = {c["name"]: c for c in columns}
    steps: list[tuple[str, str]] = []
    for column in table.columns:
        if column.name in reflected:
            widened = _widening(column.type, reflected[column.name]["type"], bind.dialect)
            if widened:
                steps.append((f'ALTER TABLE {qualified} ALTER COLUMN "{column.name}" TYPE {widened}',
                              f"{column.name} widened to {widened}"))
            continue
        ddl = f'ALTER TABLE {qualified} ADD COLUMN "{column.name}" {column.type.compile(dialect=bind.dialect)}'
        if column.server_default is not None:
            default = column.server_default.arg
            ddl += " DEFAULT " + (f"'{default}'" if isinstance(default, str)
                                  else str(default.compile(dialect=bind.dialect)))
        steps.append((ddl, f"added {column.name}"))
    if "content_id" in table.c and not content_id_unique:
        # On a table holding duplicate content_ids this fails, naming the table: resolve the
        # duplicates before the cutover (docs/migration.md, troubleshooting).
        steps.append((f'CREATE UNIQUE INDEX "uq_{name}_content_id" ON {qualified} (content_id)',
                      "unique index on content_id"))
    return steps


def pending(bind: sa.Connection, schema: str | None) -> list[str]:
    """Service tables in ``schema`` that are missing or not yet up to their declaration."""
    # Every step's first write asks (Warehouse.ensure_schema): the catalogue is read once for all the tables
    # (four queries), not per table and kind (about 80 on PostgreSQL, 0.12 s a step).
    inspector = sa.inspect(bind)
    tables = define(sa.MetaData())
    present = sorted(set(inspector.get_table_names(schema=schema)) & set(tables))
    reflected: dict[str, tuple] = {}
    if present:
        multi = [getattr(inspector, f"get_multi_{kind}")(schema=schema, filter_names=present)
                 for kind in ("columns", "pk_constraint", "unique_constraints", "indexes")]
        reflected = {name: tuple(m.get((schema, name)) or ({} if i == 1 else []) for i, m in enumerate(multi))
                     for name in present}
    out = []
    for name, table in tables.items():
        if name not in reflected:
            out.append(name)
            continue
        columns, pk, uniques, indexes = reflected[name]
        if _plan(bind, table, schema, columns, _content_id_unique_in(pk, uniques, indexes)):
            out.append(name)
    return out


def adopt(bind: sa.Connection, schema: str | None) -> list[str]:
    """Create the service tables in ``schema``, or adopt the ones already there; one line per action.

    ``bind`` must translate :data:`SERVICE_SCHEMA` to ``schema`` (the warehouse engine does). A table
    that exists (made by the back end's migrations or left by the previous batch) is adopted: the
    declared columns it lacks are added (nullable, with the model's default), narrower numeric and
    text columns are widened (lossless), and ``content_id`` gets a unique index where it is not
    unique on its own. Nothing is dropped or narrowed. Idempotent; ``service_table_origin`` keeps
    whether the batch created or adopted each table, so a downgrade drops only what it created.
    """
    from weather_flick_batch.core.timeutil import now_kst

    label = schema_label(schema)
    if bind.dialect.name == "postgresql" and schema:
        bind.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    recorded = {row[0] for row in bind.execute(
        sa.select(_ORIGIN.c.table_name).where(_ORIGIN.c.schema_name == label))}
    inspector = sa.inspect(bind)
    actions = []
    for name, table in define(sa.MetaData()).items():
        created = not inspector.has_table(name, schema=schema)
        if created:
            table.create(bind)
            done = []
            actions.append(f"created {label}.{name}")
        else:
            steps = _plan(bind, table, schema, inspector.get_columns(name, schema=schema),
                          "content_id" not in table.c or _content_id_unique(inspector, name, schema))
            for ddl, _what in steps:
                bind.exec_driver_sql(ddl)
            done = [what for _ddl, what in steps]
            if name not in recorded or done:
                actions.append(f"adopted {label}.{name}" + (f" ({', '.join(done)})" if done else ""))
        if created or name not in recorded:
            bind.execute(_ORIGIN.delete().where(_ORIGIN.c.schema_name == label, _ORIGIN.c.table_name == name))
            bind.execute(_ORIGIN.insert().values(schema_name=label, table_name=name, adopted=not created,
                                                 columns_added=", ".join(done) or None, recorded_at=now_kst()))
    return actions


def _widening(declared: sa.types.TypeEngine, actual: sa.types.TypeEngine, dialect) -> str | None:
    """The declared type when the existing column is a narrower form of it (lossless to widen), else None.

    NUMERIC(3,2) -> NUMERIC(5,2) (the previous batch's leisure_sports.data_quality_score) and a short
    VARCHAR -> the declared length are widened; anything else is left alone and reported by the
    contract check, never converted.
    """
    if dialect.name != "postgresql":
        return None
    if isinstance(declared, sa.Numeric) and not isinstance(declared, sa.Float) and isinstance(actual, sa.Numeric) \
            and not isinstance(actual, sa.Float) and declared.precision and actual.precision:
        d_int, a_int = declared.precision - (declared.scale or 0), actual.precision - (actual.scale or 0)
        if (actual.precision, actual.scale or 0) != (declared.precision, declared.scale or 0) \
                and d_int >= a_int and (declared.scale or 0) >= (actual.scale or 0):
            return f"NUMERIC({declared.precision}, {declared.scale or 0})"
    if isinstance(declared, sa.String) and isinstance(actual, sa.String) and not isinstance(actual, sa.Text) \
            and not isinstance(declared, sa.Text) and actual.length is not None \
            and (declared.length is None or declared.length > actual.length):
        return "VARCHAR" if declared.length is None else f"VARCHAR({declared.length})"
    return None


def _content_id_unique(inspector: sa.Inspector, name: str, schema: str | None) -> bool:
    return _content_id_unique_in(inspector.get_pk_constraint(name, schema=schema),
                                 inspector.get_unique_constraints(name, schema=schema),
                                 inspector.get_indexes(name, schema=schema))


def _content_id_unique_in(pk: dict, uniques: list[dict], indexes: list[dict]) -> bool:
    """Whether content_id alone is the primary key, a unique constraint or a full unique index."""
    if (pk or {}).get("constrained_columns") == ["content_id"]:
        return True
    if any(u["column_names"] == ["content_id"] for u in uniques):
        return True
    return any(i["unique"] and i["column_names"] == ["content_id"]
               and not (i.get("dialect_options") or {}).get("postgresql_where")
               for i in indexes)

"""The WeatherFlick back end's tables, as a contract that the database the batch writes must satisfy.

The back end (aicc6/weather-flick-back) reads these tables through SQLAlchemy models and never
writes them; the batch fills them. `db.query(Model)` selects every mapped column, so a missing
column is an HTTP 500, and a value the model cannot hold is a broken response. The tables below
are transcribed from /work/shared/reference/backend-contract.md, sections 0 and 1 (each table
carries the reference's "models <line>" citation), with the column bundles STD, CAT, LOC, IMG,
KTO and META expanded as the reference defines them.

`contract_mismatches` compares a live database with these definitions and returns one readable
line per problem; `types_compatible` is the type rule it uses. Nothing here imports Dagster.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

backend_metadata = sa.MetaData()


# -- Types and column bundles -------------------------------------------------------------------
# Fresh type objects and Column objects for every table: a Column belongs to exactly one Table.
def _jsonb() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamptz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _std() -> list[sa.Column]:
    """STD: the key and provenance columns of a KTO content table."""
    return [
        sa.Column("content_id", sa.String(20), primary_key=True),
        sa.Column("region_code", sa.String, nullable=False),  # FK regions: see BACKEND_FOREIGN_KEYS
        sa.Column("tour_api_area_code", sa.String),
        sa.Column("raw_data_id", sa.Uuid),
    ]


def _cat() -> list[sa.Column]:
    return [
        sa.Column("category_code", sa.String(10)),
        sa.Column("sub_category_code", sa.String(10)),
    ]


def _loc(*, tel_and_homepage_as_string: bool = False) -> list[sa.Column]:
    # leisure_sports declares tel and homepage as plain S instead of S(50) and T ("LOC (tel/homepage S)").
    return [
        sa.Column("address", sa.String),
        sa.Column("detail_address", sa.String),
        sa.Column("zipcode", sa.String(10)),
        sa.Column("latitude", sa.Numeric(10, 8)),
        sa.Column("longitude", sa.Numeric(11, 8)),
        sa.Column("tel", sa.String if tel_and_homepage_as_string else sa.String(50)),
        sa.Column("homepage", sa.String if tel_and_homepage_as_string else sa.Text),
    ]


def _img() -> list[sa.Column]:
    return [
        sa.Column("overview", sa.Text),
        sa.Column("first_image", sa.String),
        sa.Column("first_image_small", sa.String),
    ]


def _kto() -> list[sa.Column]:
    """KTO: TourAPI fields kept as delivered."""
    return [
        sa.Column("booktour", sa.String(1)),
        sa.Column("createdtime", sa.String(14)),
        sa.Column("modifiedtime", sa.String(14)),
        sa.Column("telname", sa.String(100)),
        sa.Column("faxno", sa.String(50)),
        sa.Column("mlevel", sa.Integer),
        sa.Column("detail_intro_info", _jsonb()),
        sa.Column("detail_additional_info", _jsonb()),
    ]


def _meta() -> list[sa.Column]:
    # default= is client-side in the back-end model (it never inserts), so it changes no DDL.
    return [
        sa.Column("data_quality_score", sa.Numeric(5, 2)),
        sa.Column("processing_status", sa.String(20), default="processed"),
        sa.Column("created_at", _timestamptz()),
        sa.Column("updated_at", _timestamptz()),
        sa.Column("last_sync_at", _timestamptz()),
    ]


def _strings(*names: str) -> list[sa.Column]:
    """Columns the reference lists without a type: plain (unbounded) String."""
    return [sa.Column(name, sa.String) for name in names]


# -- Tables -------------------------------------------------------------------------------------
regions = sa.Table(  # models 1133
    "regions", backend_metadata,
    sa.Column("region_code", sa.String, primary_key=True),
    sa.Column("region_name", sa.String, nullable=False),
    sa.Column("parent_region_code", sa.String),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("region_level", sa.Integer),
    sa.Column("is_active", sa.Boolean, default=True),
    sa.Column("grid_x", sa.Integer),
    sa.Column("grid_y", sa.Integer),
    *_strings("region_name_full", "region_name_en", "region_id"),
    sa.Column("center_latitude", sa.Float),
    sa.Column("center_longitude", sa.Float),
    *_strings("administrative_code"),
    sa.Column("api_mappings", _jsonb()),
    sa.Column("coordinate_info", _jsonb()),
    sa.Column("tour_api_area_code", sa.String),
    sa.Column("created_at", _timestamptz()),
    sa.Column("updated_at", _timestamptz()),
)

tourist_attractions = sa.Table(  # models 363
    "tourist_attractions", backend_metadata,
    *_std(),
    sa.Column("attraction_name", sa.String, nullable=False),
    sa.Column("category_code", sa.String(10)),
    sa.Column("category_name", sa.String(50)),
    sa.Column("address", sa.String),
    sa.Column("zipcode", sa.String(10)),
    sa.Column("latitude", sa.Numeric(10, 8)),
    sa.Column("longitude", sa.Numeric(11, 8)),
    sa.Column("homepage", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("image_url", sa.String),
    *_kto(),
    *_meta(),
)

cultural_facilities = sa.Table(  # models 423
    "cultural_facilities", backend_metadata,
    *_std(),
    sa.Column("facility_name", sa.String, nullable=False),
    *_strings("facility_type"),
    *_cat(),
    *_loc(),
    *_strings("admission_fee", "operating_hours", "parking_info", "rest_date", "use_season", "use_time"),
    *_img(),
    *_kto(),
    *_meta(),
)

festivals_events = sa.Table(  # models 495
    "festivals_events", backend_metadata,
    *_std(),
    sa.Column("event_name", sa.String, nullable=False),
    *_cat(),
    sa.Column("event_start_date", sa.Date),
    sa.Column("event_end_date", sa.Date),
    *_strings("event_place"),
    *_loc(),
    sa.Column("event_program", sa.Text),
    *_strings("sponsor", "organizer", "play_time", "age_limit", "cost_info", "discount_info"),
    sa.Column("description", sa.Text),
    *_img(),
    *_kto(),
    *_meta(),
)

restaurants = sa.Table(  # models 573
    "restaurants", backend_metadata,
    # The back end's model keys restaurants by (content_id, region_code), and types neither.
    sa.Column("content_id", sa.String, primary_key=True),
    sa.Column("region_code", sa.String, primary_key=True),  # FK regions: see BACKEND_FOREIGN_KEYS
    sa.Column("tour_api_area_code", sa.String),
    sa.Column("raw_data_id", sa.Uuid),
    sa.Column("restaurant_name", sa.String, nullable=False),
    *_strings("category_code", "sub_category_code", "address", "detail_address", "zipcode"),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    *_strings("tel", "homepage", "cuisine_type", "specialty_dish", "operating_hours", "rest_date",
              "reservation_info", "credit_card", "smoking", "parking", "room_available",
              "children_friendly", "takeout", "delivery"),
    *_img(),
    sa.Column("data_quality_score", sa.Float),
    sa.Column("processing_status", sa.String, default="processed"),
    sa.Column("created_at", _timestamptz()),
    sa.Column("updated_at", _timestamptz()),
    sa.Column("last_sync_at", _timestamptz()),
    # Not in the back-end model: the batch upserts ON CONFLICT (content_id), which needs content_id
    # unique on its own (reference §1, "Where the batch differs"). Declared so that this metadata,
    # created as is, satisfies its own contract.
    sa.UniqueConstraint("content_id", name="uq_restaurants_content_id"),
)

accommodations = sa.Table(  # models 639
    "accommodations", backend_metadata,
    sa.Column("content_id", sa.String(20), primary_key=True),
    sa.Column("region_code", sa.String, nullable=False),  # FK regions: see BACKEND_FOREIGN_KEYS
    sa.Column("raw_data_id", sa.Uuid),
    sa.Column("accommodation_name", sa.String, nullable=False),
    sa.Column("accommodation_type", sa.String, nullable=False),
    sa.Column("address", sa.String, nullable=False),
    *_strings("tel"),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    *_cat(),
    *_strings("parking"),
    sa.Column("created_at", _timestamptz()),
)

shopping = sa.Table(  # models 703
    "shopping", backend_metadata,
    *_std(),
    sa.Column("shop_name", sa.String, nullable=False),
    *_strings("shop_type"),
    *_cat(),
    *_loc(),
    *_strings("opening_hours", "rest_date", "parking_info", "credit_card", "pet_allowed", "baby_carriage",
              "sale_item", "fair_day"),
    *_img(),
    *_kto(),
    *_meta(),
)

leisure_sports = sa.Table(  # models 774
    "leisure_sports", backend_metadata,
    sa.Column("content_id", sa.String(20), primary_key=True),
    sa.Column("region_code", sa.String, nullable=False),  # no FK in the back-end model
    sa.Column("facility_name", sa.String, nullable=False),
    *_cat(),
    sa.Column("raw_data_id", sa.Uuid),
    *_strings("sports_type", "reservation_info", "admission_fee", "parking_info", "rental_info", "capacity",
              "operating_hours"),
    *_loc(tel_and_homepage_as_string=True),
    *_img(),
    *_meta(),
    *_kto(),
    *_strings("sigungu_code"),
)

travel_courses = sa.Table(  # models 822
    "travel_courses", backend_metadata,
    # The declared key; the back end's response schema also needs all three non-null.
    sa.Column("content_id", sa.String, primary_key=True),
    sa.Column("region_code", sa.String, primary_key=True),
    sa.Column("course_name", sa.String, primary_key=True),
    *_strings("course_theme", "required_time", "difficulty_level"),
    sa.Column("schedule", sa.Text),
    sa.Column("course_distance", sa.String),
    *_strings("category_code", "sub_category_code", "address", "detail_address", "zipcode", "tel", "telname",
              "faxno", "homepage"),
    *_img(),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("data_quality_score", sa.Float),
    *_strings("processing_status"),
    sa.Column("raw_data_id", sa.Uuid),
    sa.Column("created_at", _timestamptz()),
    sa.Column("updated_at", _timestamptz()),
    sa.Column("last_sync_at", _timestamptz()),
    sa.Column("mlevel", sa.Integer),
    sa.Column("detail_intro_info", _jsonb()),
    sa.Column("detail_additional_info", _jsonb()),
    *_strings("booktour", "createdtime", "modifiedtime", "sigungu_code", "place_id"),
    # Not in the back-end model: travel_course_likes.content_id references content_id alone
    # (models 1310) and the batch upserts ON CONFLICT (content_id), so it must be unique on its own.
    sa.UniqueConstraint("content_id", name="uq_travel_courses_content_id"),
)

pet_tour_info = sa.Table(  # models 868
    "pet_tour_info", backend_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("content_id", sa.String(50), unique=True),
    sa.Column("raw_data_id", sa.Uuid),
    *_strings("content_type_id", "title", "address"),
    sa.Column("latitude", sa.Numeric(10, 8)),
    sa.Column("longitude", sa.Numeric(11, 8)),
    *_strings("area_code", "sigungu_code", "tel", "homepage", "overview", "first_image", "first_image2",
              "cat1", "cat2", "cat3"),
    sa.Column("pet_acpt_abl", sa.String),
    sa.Column("pet_info", sa.Text),
    *_meta(),
)

# Foreign keys the back-end model declares (column -> referenced column). They are recorded rather
# than declared on the tables above, so that creating or checking tables never depends on order.
# leisure_sports has none ("no FK"); the reference gives travel_courses none; pet_tour_info keys
# its region by area_code, without an FK.
BACKEND_FOREIGN_KEYS: dict[str, dict[str, str]] = {
    "tourist_attractions": {"region_code": "regions.region_code"},
    "cultural_facilities": {"region_code": "regions.region_code"},
    "festivals_events": {"region_code": "regions.region_code"},
    "restaurants": {"region_code": "regions.region_code"},
    "accommodations": {"region_code": "regions.region_code"},
    "shopping": {"region_code": "regions.region_code"},
}

# The batch upserts every content table, travel_courses and pet_tour_info with
# ON CONFLICT (content_id), which PostgreSQL refuses without a unique index on exactly that column.
TABLES_NEEDING_UNIQUE_CONTENT_ID: frozenset[str] = frozenset(
    name for name in backend_metadata.tables if name != "regions"
)


# -- Type compatibility -------------------------------------------------------------------------
def _integer_bytes(type_: sa.Integer) -> int:
    if isinstance(type_, sa.SmallInteger):
        return 2
    if isinstance(type_, sa.BigInteger):
        return 8
    return 4


def _is_text(type_: sa.types.TypeEngine) -> bool:
    return isinstance(type_, sa.Text)


def _is_varchar(type_: sa.types.TypeEngine) -> bool:
    # CHAR pads with blanks and an enum restricts values, so neither stands in for VARCHAR.
    return isinstance(type_, sa.String) and not isinstance(type_, (sa.Text, sa.CHAR, sa.NCHAR, sa.Enum))


def _is_unbounded_string(type_: sa.types.TypeEngine) -> bool:
    return _is_text(type_) or (_is_varchar(type_) and type_.length is None)


def types_compatible(declared: sa.types.TypeEngine, actual: sa.types.TypeEngine) -> bool:
    """Whether a database column of type ``actual`` can hold every value of the model's ``declared`` type.

    ``declared`` is a type from ``backend_metadata``; ``actual`` is a type reflected from PostgreSQL
    (``sa.inspect(engine).get_columns``). The rule is strict: a column must hold what the model
    declares without truncation, rounding or a change of meaning.

    - String(n): VARCHAR(m) with m >= n, unbounded VARCHAR, or TEXT.
    - String (no length) and Text: unbounded VARCHAR or TEXT. A bounded VARCHAR could truncate
      values the model accepts, whatever its length. CHAR(n) is never accepted (it pads).
    - Float: DOUBLE PRECISION, FLOAT, REAL or NUMERIC (all read as numbers).
    - Numeric(p, s): NUMERIC(p', s') with p' - s' >= p - s and s' >= s, or unbounded NUMERIC.
      DOUBLE PRECISION is NOT accepted: it rounds decimals the model reads as exact ``Decimal``.
    - Integer: INTEGER or BIGINT; SMALLINT only if the model declares SmallInteger
      (generally: the column's width is at least the declared width).
    - Boolean: BOOLEAN. Date: DATE.
    - DateTime(timezone=True): TIMESTAMP WITH TIME ZONE only; TIMESTAMP WITHOUT TIME ZONE reads as
      naive datetimes, which is a different meaning. (A naive DateTime needs a naive TIMESTAMP.)
    - JSON/JSONB: JSONB or JSON.
    - Uuid: UUID.

    Raises TypeError for a declared type this rule does not cover, so that a new type in the
    contract cannot pass silently.
    """
    if isinstance(declared, sa.JSON):  # postgresql.JSONB and postgresql.JSON are both sa.JSON
        return isinstance(actual, sa.JSON)
    if isinstance(declared, sa.Uuid):  # the reflected postgresql UUID is an sa.Uuid
        return isinstance(actual, sa.Uuid)
    if isinstance(declared, sa.Boolean):
        return isinstance(actual, sa.Boolean)
    if isinstance(declared, sa.DateTime):
        return isinstance(actual, sa.DateTime) and bool(actual.timezone) == bool(declared.timezone)
    if isinstance(declared, sa.Date):
        return isinstance(actual, sa.Date)
    if isinstance(declared, sa.Integer):
        return isinstance(actual, sa.Integer) and _integer_bytes(actual) >= _integer_bytes(declared)
    if isinstance(declared, sa.Float):  # before Numeric: Float is a Numeric subclass
        return isinstance(actual, sa.Numeric)  # NUMERIC and the whole Float family
    if isinstance(declared, sa.Numeric):
        if not isinstance(actual, sa.Numeric) or isinstance(actual, sa.Float):
            return False
        if actual.precision is None:  # unbounded NUMERIC holds any decimal exactly
            return True
        if declared.precision is None:
            return False
        declared_scale, actual_scale = declared.scale or 0, actual.scale or 0
        return (actual.precision - actual_scale >= declared.precision - declared_scale
                and actual_scale >= declared_scale)
    if isinstance(declared, sa.Text):  # before String: Text is a String subclass
        return _is_unbounded_string(actual)
    if isinstance(declared, sa.String) and not isinstance(declared, (sa.CHAR, sa.NCHAR, sa.Enum)):
        if declared.length is None:
            return _is_unbounded_string(actual)
        return _is_text(actual) or (_is_varchar(actual) and (actual.length is None or actual.length >= declared.length))
    raise TypeError(f"types_compatible has no rule for the declared type {declared!r}")


# -- Checking a live database -------------------------------------------------------------------
def _type_name(type_: sa.types.TypeEngine, dialect: sa.Dialect) -> str:
    try:
        return str(type_.compile(dialect=dialect))
    except Exception:  # noqa: BLE001 - a type the dialect cannot render is still worth naming
        return repr(type_)


def _selected_tables(tables: Iterable[str | sa.Table] | None) -> list[sa.Table]:
    if tables is None:
        return list(backend_metadata.tables.values())
    selected = []
    for table in tables:
        if isinstance(table, sa.Table):
            selected.append(table)
        elif table in backend_metadata.tables:
            selected.append(backend_metadata.tables[table])
        else:
            raise ValueError(f"{table!r} is not a back-end table; known: {', '.join(backend_metadata.tables)}")
    return selected


def _is_partial(index: dict) -> bool:
    # A partial unique index (WHERE ...) is no arbiter for a plain ON CONFLICT (content_id).
    return any(key.endswith("_where") and value is not None
               for key, value in (index.get("dialect_options") or {}).items())


def _content_id_unique_on_its_own(inspector: sa.Inspector, table_name: str, schema: str | None) -> bool:
    wanted = ["content_id"]
    if inspector.get_pk_constraint(table_name, schema=schema).get("constrained_columns") == wanted:
        return True
    if any(unique["column_names"] == wanted for unique in inspector.get_unique_constraints(table_name, schema=schema)):
        return True
    return any(index.get("unique") and index["column_names"] == wanted and not _is_partial(index)
               for index in inspector.get_indexes(table_name, schema=schema))


def contract_mismatches(engine: sa.Engine, schema: str | None = None,
                        tables: Iterable[str | sa.Table] | None = None) -> list[str]:
    """Every way the live database behind ``engine`` breaks the back end's table contract, one line each.

    Reflects ``schema`` (the connection's default schema when None) and checks ``tables``
    (names or Table objects; all of ``backend_metadata`` when None) for:

    - a missing table (its columns are then not checked);
    - a missing column (the back end selects every model column);
    - a column type that fails ``types_compatible``; skipped on SQLite, whose types are loose;
    - nullability that differs either way: a model NOT NULL column the database lets be NULL
      returns NULLs the model does not expect; a model-nullable column the database makes NOT NULL
      refuses rows the model accepts, and the batch must accept whatever the model accepts;
    - for ``TABLES_NEEDING_UNIQUE_CONTENT_ID``, no primary key, unique constraint or non-partial
      unique index on exactly (content_id).

    Extra columns and tables are not problems. Returns [] when the database satisfies the contract.
    """
    inspector = sa.inspect(engine)
    check_types = engine.dialect.name != "sqlite"
    existing = set(inspector.get_table_names(schema=schema))
    problems: list[str] = []
    for table in _selected_tables(tables):
        where = f"{schema}.{table.name}" if schema else table.name
        if table.name not in existing:
            problems.append(f"{where}: table is missing")
            continue
        reflected = {column["name"]: column for column in inspector.get_columns(table.name, schema=schema)}
        for column in table.columns:
            actual = reflected.get(column.name)
            if actual is None:
                problems.append(f"{where}.{column.name}: column is missing (the back end selects it)")
                continue
            if check_types and not types_compatible(column.type, actual["type"]):
                problems.append(
                    f"{where}.{column.name}: type {_type_name(actual['type'], engine.dialect)} cannot hold "
                    f"the back end's {_type_name(column.type, engine.dialect)}")
            if not column.nullable and actual["nullable"]:
                problems.append(f"{where}.{column.name}: nullable in the database, NOT NULL in the back end's model")
            elif column.nullable and not actual["nullable"]:
                problems.append(
                    f"{where}.{column.name}: NOT NULL in the database, nullable in the back end's model "
                    "(the batch must accept every row the model accepts)")
        if table.name in TABLES_NEEDING_UNIQUE_CONTENT_ID and not _content_id_unique_on_its_own(
                inspector, table.name, schema):
            problems.append(
                f"{where}.content_id: not unique on its own (no primary key, unique constraint or unique "
                "index on exactly (content_id)); the batch's ON CONFLICT (content_id) upserts need one")
    return problems


__all__: list[str] = [
    "BACKEND_FOREIGN_KEYS",
    "TABLES_NEEDING_UNIQUE_CONTENT_ID",
    "backend_metadata",
    "contract_mismatches",
    "types_compatible",
    # the Table objects, named as their tables
    "regions", "tourist_attractions", "cultural_facilities", "festivals_events", "restaurants",
    "accommodations", "shopping", "leisure_sports", "travel_courses", "pet_tour_info",
]

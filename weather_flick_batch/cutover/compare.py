"""Compare the back end's service tables in two databases: the live ones and the shadow run's.

During a shadow run the platform writes the back end's service tables into a shadow schema or
database, while the previous batch system still serves the live ones. This module says how far
the two copies differ, table by table. It only looks at what the back end depends on:

* rows are matched on a key per table (:data:`SERVICE_TABLE_KEYS`);
* for rows present on both sides only the load-bearing columns (:data:`LOAD_BEARING`) are compared,
  the ones the back end filters, joins or ILIKEs on or returns to the user.

Values are compared after normalisation (:func:`values_equal`): strings are stripped, '' equals
NULL, numbers are equal within 1e-6, dates and timestamps compare as values, JSON as parsed objects.

Each side is read in key order through one server-side cursor, fetched in chunks of
:data:`CHUNK_ROWS`, and the two ordered streams are merged: memory stays bounded whatever the size
of the tables. Keys are compared as text in code-point order on both sides (``COLLATE "C"`` on
PostgreSQL, SQLite's binary order), so two databases with different collations still merge.

The reference for every choice below is /work/shared/reference/backend-contract.md (sections 0
and 1), cited as "contract §N". This module does not import Dagster.

Passwords never appear in output: URLs are rendered with ``hide_password=True`` and error messages
have the password removed.
"""

from __future__ import annotations

import json
import math
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

# Rows fetched per round trip from each side's cursor.
CHUNK_ROWS = 10_000

# Two numbers closer than this are equal (coordinates are NUMERIC(10,8) on one side, FLOAT on the
# other: contract §1, LOC bundle vs restaurants/accommodations).
NUMERIC_TOLERANCE = 1e-6

# -- What is compared ---------------------------------------------------------------------------

# The key rows are matched on, per service table.
SERVICE_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    # regions: region_code is the PK (contract §1, regions row).
    "regions": ("region_code",),
    # The content tables: content_id is the PK (STD bundle), and the batch upserts them all with
    # ON CONFLICT(content_id), so it is unique on its own (contract §1, "Every content table
    # therefore needs a unique content_id").
    "tourist_attractions": ("content_id",),
    "cultural_facilities": ("content_id",),
    "festivals_events": ("content_id",),
    # restaurants declares PK (content_id, region_code) but the upsert is ON CONFLICT(content_id)
    # (contract §1, restaurants row and "Where the batch differs": restaurants).
    "restaurants": ("content_id",),
    "accommodations": ("content_id",),
    "shopping": ("content_id",),
    "leisure_sports": ("content_id",),
    # travel_courses declares PK (content_id, region_code, course_name), but the FK
    # travel_course_likes.content_id -> content_id makes content_id unique in practice (contract §1,
    # "Where the batch differs": travel_courses).
    "travel_courses": ("content_id",),
    # pet_tour_info: PK is a UUID id that each writer generates; content_id is UNIQUE and the
    # back end requires it NOT NULL (contract §1, pet_tour_info row).
    "pet_tour_info": ("content_id",),
}

# Columns present in the STD bundle that the back end filters or joins on: region_code is the
# KTO area code it filters/joins by, tour_api_area_code is declared by STD (contract §0.2, §0.3, §1 STD).
_STD = ("region_code", "tour_api_area_code")
# The address and coordinates every content row returns and the search ILIKEs on (contract §1:
# "attraction_name/address ILIKE" attractions.py:45, "address/restaurant_name ILIKE"
# local_info_service.py:35-41, "facility_name/address ILIKE" leisure_sports; lat/lon returned,
# local_info.py:141-171).
_PLACE = ("address", "latitude", "longitude")

# Per table, the columns whose difference matters to the back end.
LOAD_BEARING: dict[str, tuple[str, ...]] = {
    # regions: is_active, region_level and parent_region_code select the level-1/level-2 lists
    # (region_service.py:26-38; local_info_service.py:852-931); region_name/region_name_full are
    # matched by eq or ILIKE (region_service.py:56-80); grid_x/grid_y must be non-null (:95,183);
    # latitude/longitude are read; tour_api_area_code is the join target of every content query
    # (contract §0.3); api_mappings->'tour_api'->>'area_code' and ['kma']['region_code'] are read
    # (:116,198,276). All: contract §1 regions row.
    "regions": (
        "region_name", "region_name_full", "parent_region_code", "region_level", "is_active",
        "grid_x", "grid_y", "tour_api_area_code", "latitude", "longitude", "api_mappings",
    ),
    # tourist_attractions: attraction_name/address ILIKE (attractions.py:45), region join
    # (attractions.py:130), category_code (local_info.py:416); the model declares image_url, not
    # the IMG bundle (contract §1, tourist_attractions row).
    "tourist_attractions": ("attraction_name", *_STD, *_PLACE, "category_code", "image_url"),
    # cultural_facilities: region_code filter (custom_travel.py:230); STD, CAT, LOC and IMG bundles
    # (contract §1, cultural_facilities row).
    "cultural_facilities": ("facility_name", *_STD, *_PLACE, "category_code", "first_image"),
    # festivals_events: no back-end filter today (/events calls TourAPI live), but the rows are a
    # service table with event dates the user sees; STD, CAT, LOC, IMG and event_start/end_date
    # (contract §1, festivals_events row; dates arrive as YYYYMMDD strings in the old batch).
    "festivals_events": (
        "event_name", *_STD, *_PLACE, "category_code", "first_image", "event_start_date", "event_end_date",
    ),
    # restaurants: region join (local_info.py:124), category_code, address/restaurant_name ILIKE
    # (local_info_service.py:35-41); all columns returned (local_info.py:141-171); declares
    # tour_api_area_code and IMG (contract §1, restaurants row).
    "restaurants": ("restaurant_name", *_STD, *_PLACE, "category_code", "first_image"),
    # accommodations: region join (local_info.py:294); no tour_api_area_code and no IMG bundle
    # declared, only the 12 model columns (contract §1, accommodations row and "Where the batch
    # differs").
    "accommodations": ("accommodation_name", "region_code", *_PLACE, "category_code"),
    # shopping: region_code filter (custom_travel.py:248); STD, CAT, LOC, IMG (contract §1, shopping
    # row; the old batch may have left it stale or empty: "Where the batch differs").
    "shopping": ("shop_name", *_STD, *_PLACE, "category_code", "first_image"),
    # leisure_sports: facility_name/address ILIKE, region join (leisure_sports.py:131); region_code
    # without STD, so no tour_api_area_code; CAT, LOC, IMG (contract §1, leisure_sports row).
    "leisure_sports": ("facility_name", "region_code", *_PLACE, "category_code", "first_image"),
    # travel_courses: region_code == str(int) filter (travel_course.py:41); the response requires
    # content_id, region_code and course_name (schema_models/travel_course.py:6-56); IMG declared, no
    # tour_api_area_code (contract §1, travel_courses rows).
    "travel_courses": ("course_name", "region_code", *_PLACE, "category_code", "first_image"),
    # pet_tour_info: area_code = KTO code filter; pet_acpt_abl and pet_info are read
    # (custom_travel.py:268); title/address/coordinates/first_image declared; no region_code or
    # category_code (cat1..3 instead) (contract §1, pet_tour_info row).
    "pet_tour_info": (
        "title", "area_code", *_PLACE, "first_image", "pet_acpt_abl", "pet_info",
    ),
}


class ComparisonError(Exception):
    """A database could not be reached or read, or the arguments are wrong. The message is one line
    and never contains a password."""


# -- Results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnChange:
    """One load-bearing column whose value differs: live (old) -> shadow (new)."""

    column: str
    live: Any
    shadow: Any


@dataclass(frozen=True)
class RowDifference:
    """A key present on both sides whose load-bearing columns differ."""

    key: tuple[str, ...]
    changes: tuple[ColumnChange, ...]


@dataclass
class TableComparison:
    """How one service table differs between the live and the shadow database.

    ``live_rows``/``shadow_rows`` are None when the table cannot be compared on that side (it does
    not exist, or it lacks its key column: see ``live_problem``/``shadow_problem``).
    """

    table: str
    key: tuple[str, ...]
    live_rows: int | None = None
    shadow_rows: int | None = None
    only_live: int = 0
    only_shadow: int = 0
    differing: int = 0
    only_live_examples: list[tuple[str, ...]] = field(default_factory=list)
    only_shadow_examples: list[tuple[str, ...]] = field(default_factory=list)
    differing_examples: list[RowDifference] = field(default_factory=list)
    column_differences: dict[str, int] = field(default_factory=dict)  # column -> rows differing in it
    compared_columns: tuple[str, ...] = ()
    columns_missing_live: tuple[str, ...] = ()  # load-bearing columns the live table lacks
    columns_missing_shadow: tuple[str, ...] = ()
    live_problem: str | None = None  # why the live side could not be read, e.g. "table missing"
    shadow_problem: str | None = None
    null_keys_live: int = 0  # rows whose key is NULL: counted in *_rows, not matched
    null_keys_shadow: int = 0
    duplicate_keys_live: int = 0  # extra rows for a key already seen: only the first is compared
    duplicate_keys_shadow: int = 0

    @property
    def live_missing(self) -> bool:
        return self.live_problem is not None

    @property
    def shadow_missing(self) -> bool:
        return self.shadow_problem is not None

    @property
    def different(self) -> int:
        """Keys only on one side plus keys on both whose load-bearing columns differ."""
        return self.only_live + self.only_shadow + self.differing

    @property
    def share(self) -> float:
        """different / max(live rows, shadow rows, 1); 1.0 when the table is missing on one side
        only (the back end would fail on it: contract §0.1), 0.0 when it is missing on both."""
        if self.live_missing != self.shadow_missing:
            return 1.0
        if self.live_missing and self.shadow_missing:
            return 0.0
        return self.different / max(self.live_rows or 0, self.shadow_rows or 0, 1)


@dataclass
class ComparisonReport:
    """The comparison of every requested service table."""

    tables: list[TableComparison]
    live: str = ""  # the live database's URL, password hidden
    shadow: str = ""
    live_schema: str | None = None
    shadow_schema: str | None = None

    def table(self, name: str) -> TableComparison:
        for t in self.tables:
            if t.table == name:
                return t
        raise KeyError(name)

    def exceeds(self, max_share: float) -> list[str]:
        """Tables whose share of differing keys is above ``max_share`` (a fraction: 0.01 = 1 %)."""
        return [t.table for t in self.tables if t.share > max_share]

    def render(self) -> str:
        """A plain-text table, one line per table, followed by the example lines."""
        lines: list[str] = []
        if self.live:
            lines.append(f"live:   {self.live}" + (f" (schema {self.live_schema})" if self.live_schema else ""))
        if self.shadow:
            lines.append(f"shadow: {self.shadow}" + (f" (schema {self.shadow_schema})" if self.shadow_schema else ""))
        if lines:
            lines.append("")
        header = ("table", "live rows", "shadow rows", "only live", "only shadow", "differing", "share")
        rows = [
            (
                t.table,
                _count(t.live_rows),
                _count(t.shadow_rows),
                f"{t.only_live:,d}",
                f"{t.only_shadow:,d}",
                f"{t.differing:,d}",
                f"{t.share * 100:.1f} %",
            )
            for t in self.tables
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

        def fmt(cells: Sequence[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
            return " | ".join([first, *rest])

        lines.append(fmt(header))
        lines.append("-+-".join("-" * w for w in widths))
        lines.extend(fmt(r) for r in rows)

        examples: list[str] = []
        for t in self.tables:
            examples.extend(_example_lines(t))
        if examples:
            lines.append("")
            lines.extend(examples)
        return "\n".join(lines)


def _count(n: int | None) -> str:
    return "missing" if n is None else f"{n:,d}"


def _key_text(key_columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    return ", ".join(f"{c}={v}" for c, v in zip(key_columns, key))


def _example_lines(t: TableComparison) -> list[str]:
    name = t.table
    if t.live_missing and t.shadow_missing:
        if t.live_problem == t.shadow_problem:
            return [f"{name}: {t.live_problem} on both sides"]
        return [f"{name}: live: {t.live_problem}; shadow: {t.shadow_problem}"]
    out: list[str] = []
    if t.live_missing:
        out.append(f"{name}: live: {t.live_problem} (every shadow row counts as different)")
    if t.shadow_missing:
        out.append(f"{name}: shadow: {t.shadow_problem} (every live row counts as different)")
    both_missing = [c for c in t.columns_missing_live if c in t.columns_missing_shadow]
    only_live_missing = [c for c in t.columns_missing_live if c not in both_missing]
    only_shadow_missing = [c for c in t.columns_missing_shadow if c not in both_missing]
    if only_live_missing:
        out.append(f"{name}: columns missing in live, not compared: {', '.join(only_live_missing)}")
    if only_shadow_missing:
        out.append(f"{name}: columns missing in shadow, not compared: {', '.join(only_shadow_missing)}")
    if both_missing:
        out.append(f"{name}: columns missing on both sides: {', '.join(both_missing)}")
    for side, nulls, dups in (("live", t.null_keys_live, t.duplicate_keys_live),
                              ("shadow", t.null_keys_shadow, t.duplicate_keys_shadow)):
        if nulls:
            out.append(f"{name}: {side} has {nulls:,d} rows with a NULL key (not matched)")
        if dups:
            out.append(f"{name}: {side} has {dups:,d} extra rows for keys already seen (first row compared)")
    if t.only_live:
        keys = "; ".join(_key_text(t.key, k) for k in t.only_live_examples)
        out.append(f"{name}: only in live ({t.only_live:,d}): {keys}"
                   + (" ..." if t.only_live > len(t.only_live_examples) else ""))
    if t.only_shadow:
        keys = "; ".join(_key_text(t.key, k) for k in t.only_shadow_examples)
        out.append(f"{name}: only in shadow ({t.only_shadow:,d}): {keys}"
                   + (" ..." if t.only_shadow > len(t.only_shadow_examples) else ""))
    if t.differing:
        counts = ", ".join(f"{c} {n:,d}" for c, n in t.column_differences.items())
        out.append(f"{name}: {t.differing:,d} rows differ (by column: {counts})")
        for diff in t.differing_examples:
            changes = "; ".join(f"{c.column} {_show(c.live)} → {_show(c.shadow)}" for c in diff.changes)
            out.append(f"{name}: {_key_text(t.key, diff.key)}: {changes}")
    return out


def _show(value: Any, limit: int = 60) -> str:
    if value is None:
        text = "NULL"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    elif isinstance(value, (date, datetime, time)):
        text = value.isoformat()
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- Value normalisation --------------------------------------------------------------------------

_MISSING = object()


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _as_number(value: Any) -> Any:
    if _is_number(value):
        return value
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return _MISSING
    return _MISSING


def _numbers_equal(a: Any, b: Any) -> bool:
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if isinstance(a, Decimal) and isinstance(b, Decimal) and a.is_finite() and b.is_finite():
        return abs(a - b) <= Decimal(str(NUMERIC_TOLERANCE))
    fa, fb = float(a), float(b)
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    if math.isinf(fa) or math.isinf(fb):
        return fa == fb
    return abs(fa - fb) <= NUMERIC_TOLERANCE


_TRUE = {"t", "true", "y", "yes", "1", "on"}
_FALSE = {"f", "false", "n", "no", "0", "off"}


def _as_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if _is_number(value):
        return {0: False, 1: True}.get(value, _MISSING)  # type: ignore[call-overload]
    if isinstance(value, str):
        low = value.lower()
        return True if low in _TRUE else False if low in _FALSE else _MISSING
    return _MISSING


def _as_temporal(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value
    if isinstance(value, str):
        digits = value.isdigit()
        try:
            if digits and len(value) == 8:  # YYYYMMDD, as KTO sends dates
                return datetime.strptime(value, "%Y%m%d").date()
            if digits and len(value) == 14:  # YYYYMMDDHHMMSS (KTO createdtime/modifiedtime)
                return datetime.strptime(value, "%Y%m%d%H%M%S")
            if len(value) == 10:
                return date.fromisoformat(value)
            return datetime.fromisoformat(value)
        except ValueError:
            return _MISSING
    return _MISSING


def _temporals_equal(a: date | datetime, b: date | datetime) -> bool:
    a_dt, b_dt = isinstance(a, datetime), isinstance(b, datetime)
    if a_dt and b_dt:
        if (a.tzinfo is None) != (b.tzinfo is None):  # type: ignore[union-attr]
            # a naive timestamp is taken as UTC
            a = a if a.tzinfo else a.replace(tzinfo=timezone.utc)  # type: ignore[union-attr,call-arg]
            b = b if b.tzinfo else b.replace(tzinfo=timezone.utc)  # type: ignore[union-attr,call-arg]
        return a == b
    if a_dt != b_dt:  # a date equals the timestamp at its midnight
        dt, d = (a, b) if a_dt else (b, a)
        return dt.time() == time(0) and dt.date() == d  # type: ignore[union-attr]
    return a == b


def _as_json(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return value
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            return _MISSING
    return _MISSING


def values_equal(live: Any, shadow: Any) -> bool:
    """Whether two column values are the same for the back end.

    Strings are stripped and '' equals NULL; numbers (int, float, Decimal, or a numeric string
    against a number) are equal within 1e-6; booleans match 't'/'true'/1 and the like; dates and
    timestamps compare as values (a date equals the timestamp at its midnight, 'YYYYMMDD' and ISO
    strings are read as dates); JSON compares as parsed objects (a JSON string against a dict/list,
    or two strings that both parse as a JSON object or array); UUIDs compare as UUIDs.
    """
    a, b = _norm(live), _norm(shadow)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        ba, bb = _as_bool(a), _as_bool(b)
        return ba is not _MISSING and ba == bb
    if _is_number(a) or _is_number(b):
        na, nb = _as_number(a), _as_number(b)
        return na is not _MISSING and nb is not _MISSING and _numbers_equal(na, nb)
    if isinstance(a, (date, datetime)) or isinstance(b, (date, datetime)):
        ta, tb = _as_temporal(a), _as_temporal(b)
        return ta is not _MISSING and tb is not _MISSING and _temporals_equal(ta, tb)
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        ja, jb = _as_json(a), _as_json(b)
        return ja is not _MISSING and ja == jb
    if isinstance(a, str) and isinstance(b, str):
        if a == b:
            return True
        if a[0] in "{[" and b[0] in "{[":
            ja, jb = _as_json(a), _as_json(b)
            return ja is not _MISSING and jb is not _MISSING and ja == jb
        return False
    if isinstance(a, uuid.UUID) or isinstance(b, uuid.UUID):
        try:
            return uuid.UUID(str(a)) == uuid.UUID(str(b))
        except ValueError:
            return False
    return a == b or str(a) == str(b)


# -- Reading the databases ------------------------------------------------------------------------


def _redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def _one_line(exc: BaseException, secret: str | None) -> str:
    """The first useful line of a driver error, without SQLAlchemy's background link or the password."""
    text = str(getattr(exc, "orig", None) or exc)
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and "sqlalche.me" not in ln]
    return _redact(lines[0] if lines else type(exc).__name__, secret)


class _Side:
    """One database, opened for reading; the password is held apart from the shown URL."""

    def __init__(self, role: str, url: str, password: str | None, schema: str | None):
        self.role = role
        self.schema = schema or None
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError, TypeError):
            # The URL may hold a password: never echo it.
            raise ComparisonError(f"the {role} URL is not a valid SQLAlchemy URL") from None
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg2")
        if password:
            parsed = parsed.set(password=password)
        self.secret: str | None = str(parsed.password) if parsed.password else None
        self.url: URL = parsed
        self.display = parsed.render_as_string(hide_password=True)
        database = parsed.database or ""
        if (parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
                and not database.startswith("file:") and not Path(database).is_file()):
            # SQLite would create an empty file and report every table missing.
            raise ComparisonError(f"the {role} database {self.display} does not exist")
        connect_args: dict[str, Any] = {}
        if parsed.get_backend_name() == "postgresql":
            connect_args = {"connect_timeout": 10, "application_name": "weather_flick_batch_compare"}
        try:
            self.engine: Engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool, connect_args=connect_args)
        except Exception as exc:  # noqa: BLE001 - e.g. an unknown dialect or driver not installed
            raise ComparisonError(
                f"cannot use the {role} database {self.display}: {_one_line(exc, self.secret)}") from None
        self.is_postgres = self.engine.dialect.name == "postgresql"
        self.conn: Connection | None = None

    def open(self) -> Connection:
        try:
            conn = self.engine.connect()
            if self.is_postgres:
                conn = conn.execution_options(postgresql_readonly=True)
            conn.execute(sa.text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise ComparisonError(
                f"cannot connect to the {self.role} database {self.display}: {_one_line(exc, self.secret)}") from None
        self.conn = conn
        if self.schema is not None and self.schema not in sa.inspect(conn).get_schema_names():
            # a mistyped schema would otherwise read as "every table missing"
            raise ComparisonError(f"the {self.role} database {self.display} has no schema {self.schema}")
        return conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.engine.dispose()

    def columns(self, table: str) -> dict[str, Any] | None:
        """Column name -> reflected type, or None when the table does not exist."""
        assert self.conn is not None
        inspector = sa.inspect(self.conn)
        if not inspector.has_table(table, schema=self.schema):
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Did not recognize type 'geometry'"
            return {c["name"]: c["type"] for c in inspector.get_columns(table, schema=self.schema)}

    def stream(self, table: str, key: tuple[str, ...], values: tuple[str, ...], types: dict[str, Any],
               chunk_rows: int) -> Iterator[sa.Row]:
        """Every row's key (as text) and ``values`` columns, in code-point order of the key."""
        assert self.conn is not None
        t = sa.table(table, *[sa.column(c, types[c]) for c in (*key, *values)], schema=self.schema)
        key_exprs = []
        for i, c in enumerate(key):
            expr: Any = sa.cast(t.c[c], sa.Text)
            if self.is_postgres:
                expr = expr.collate("C")  # byte order of UTF-8 = code-point order, like Python's str
            key_exprs.append(expr.label(f"_key{i}"))
        stmt = sa.select(*key_exprs, *[t.c[c] for c in values]).order_by(*key_exprs)
        result = self.conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(stmt)
        try:
            yield from result
        finally:
            result.close()


@dataclass
class _SideCounts:
    rows: int = 0
    null_keys: int = 0
    duplicates: int = 0


def _unique_keys(rows: Iterator[sa.Row], nkeys: int, counts: _SideCounts, what: str) -> Iterator[tuple[tuple, tuple]]:
    """(key, values) of the first row of each key, checking that keys ascend."""
    previous: tuple | None = None
    for row in rows:
        counts.rows += 1
        key = tuple(row[:nkeys])
        if any(k is None for k in key):
            counts.null_keys += 1
            continue
        if previous is not None:
            if key == previous:
                counts.duplicates += 1
                continue
            if key < previous:
                raise ComparisonError(f"{what} returned its keys out of code-point order "
                                      f"({previous!r} before {key!r}); cannot merge")
        previous = key
        yield key, tuple(row[nkeys:])


def _compare_table(live: _Side, shadow: _Side, table: str, sample: int, chunk_rows: int) -> TableComparison:
    key = SERVICE_TABLE_KEYS[table]
    wanted = LOAD_BEARING[table]
    result = TableComparison(table=table, key=key)
    live_cols, shadow_cols = live.columns(table), shadow.columns(table)

    def problem(cols: dict[str, Any] | None) -> str | None:
        if cols is None:
            return "table missing"
        missing = [c for c in key if c not in cols]
        return f"key column {', '.join(missing)} missing" if missing else None

    result.live_problem, result.shadow_problem = problem(live_cols), problem(shadow_cols)
    if live_cols is not None:
        result.columns_missing_live = tuple(c for c in wanted if c not in live_cols)
    if shadow_cols is not None:
        result.columns_missing_shadow = tuple(c for c in wanted if c not in shadow_cols)
    if result.live_missing and result.shadow_missing:
        return result
    compared = tuple(c for c in wanted
                     if (live_cols is None or c in live_cols) and (shadow_cols is None or c in shadow_cols))
    result.compared_columns = compared if not (result.live_missing or result.shadow_missing) else ()

    live_counts, shadow_counts = _SideCounts(), _SideCounts()
    empty: Iterator[tuple[tuple, tuple]] = iter(())
    live_rows = empty if result.live_missing else _unique_keys(
        live.stream(table, key, result.compared_columns, live_cols or {}, chunk_rows), len(key), live_counts,
        f"the live table {table}")
    shadow_rows = empty if result.shadow_missing else _unique_keys(
        shadow.stream(table, key, result.compared_columns, shadow_cols or {}, chunk_rows), len(key),
        shadow_counts, f"the shadow table {table}")

    a = next(live_rows, None)
    b = next(shadow_rows, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            result.only_live += 1
            if len(result.only_live_examples) < sample:
                result.only_live_examples.append(a[0])  # type: ignore[index]
            a = next(live_rows, None)
        elif a is None or b[0] < a[0]:
            result.only_shadow += 1
            if len(result.only_shadow_examples) < sample:
                result.only_shadow_examples.append(b[0])
            b = next(shadow_rows, None)
        else:
            changes = tuple(ColumnChange(c, lv, sv) for c, lv, sv in zip(result.compared_columns, a[1], b[1])
                            if not values_equal(lv, sv))
            if changes:
                result.differing += 1
                for change in changes:
                    result.column_differences[change.column] = result.column_differences.get(change.column, 0) + 1
                if len(result.differing_examples) < sample:
                    result.differing_examples.append(RowDifference(a[0], changes))
            a = next(live_rows, None)
            b = next(shadow_rows, None)

    if not result.live_missing:
        result.live_rows = live_counts.rows
        result.null_keys_live, result.duplicate_keys_live = live_counts.null_keys, live_counts.duplicates
    if not result.shadow_missing:
        result.shadow_rows = shadow_counts.rows
        result.null_keys_shadow, result.duplicate_keys_shadow = shadow_counts.null_keys, shadow_counts.duplicates
    return result


def compare_databases(
    live_url: str,
    shadow_url: str,
    *,
    live_schema: str | None = None,
    shadow_schema: str | None = None,
    tables: Sequence[str] | None = None,
    live_password: str | None = None,
    shadow_password: str | None = None,
    sample: int = 5,
    chunk_rows: int = CHUNK_ROWS,
) -> ComparisonReport:
    """Compare the service tables of the live and the shadow database.

    ``tables`` defaults to every table of :data:`SERVICE_TABLE_KEYS`; ``sample`` caps the example
    keys and rows kept per table and kind. Raises :class:`ComparisonError` when a database cannot be
    reached or read, or when a table name is unknown.
    """
    names = list(SERVICE_TABLE_KEYS) if tables is None else list(dict.fromkeys(tables))
    unknown = [n for n in names if n not in SERVICE_TABLE_KEYS]
    if unknown:
        raise ComparisonError(f"unknown service table(s): {', '.join(unknown)} "
                              f"(known: {', '.join(SERVICE_TABLE_KEYS)})")
    if not names:
        raise ComparisonError("no table to compare")
    if sample < 0:
        raise ComparisonError("sample must be 0 or more")
    if chunk_rows < 1:
        raise ComparisonError("chunk_rows must be 1 or more")

    live = _Side("live", live_url, live_password, live_schema)
    shadow = _Side("shadow", shadow_url, shadow_password, shadow_schema)
    try:
        live.open()
        shadow.open()
        report = ComparisonReport(tables=[], live=live.display, shadow=shadow.display,
                                  live_schema=live.schema, shadow_schema=shadow.schema)
        for name in names:
            try:
                report.tables.append(_compare_table(live, shadow, name, sample, chunk_rows))
            except SQLAlchemyError as exc:
                secret_free = _redact(_one_line(exc, live.secret), shadow.secret)
                raise ComparisonError(f"reading {name} failed: {secret_free}") from None
        return report
    finally:
        live.close()
        shadow.close()

"""The warehouse: one class over a SQLAlchemy URL, identical behaviour on SQLite and PostgreSQL.

Writes are transactional and idempotent:
- ``replace_rows`` deletes a partition's rows and inserts the new ones in ONE transaction, so a
  crash mid-write leaves the previous rows intact and a re-run leaves identical rows;
  ``replace_stream`` does the same with the new rows arriving in batches (bounded memory);
- ``upsert`` goes by natural key, so re-running never duplicates;
- loads are bulk: COPY on PostgreSQL, one transaction of executemany on SQLite; never a round
  trip per row.

The schema is versioned by Alembic. An empty database is initialised to the current revision;
a database at an older revision is refused with the command that upgrades it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from weather_flick_batch.warehouse.schema import SERVICE_TABLES, metadata
from weather_flick_batch.warehouse import backend_tables, service_tables
from weather_flick_batch.warehouse.service_tables import SERVICE_SCHEMA
from weather_flick_batch.warehouse.types import AwareDateTime

_DELETE_KEYS_PER_STATEMENT = 10_000  # bound parameters per DELETE ... IN statement
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "weather-flick-batch db upgrade  (or: make db-upgrade)"


class WarehouseError(RuntimeError):
    """A warehouse problem a human can act on; the message is one line."""


class SchemaOutdatedError(WarehouseError):
    pass


#: Derived tables readers see, gated at publication: a replace that would shrink one by more than
#: WEATHER_FLICK_PUBLISH_MAX_ROW_DROP against its previous publication is rolled back (a broken
#: upstream or a bad setting looks like this; the real world rarely does). Partitioned raw tables
#: and the catalogue (its own withdrawal guard) are not gated here.
GATED_TABLES = frozenset({
    "forecast_points", "weather_daily_outlook", "destination_weather_scores", "regional_recommendations",
    "analytics_region_weather", "analytics_score_distribution", "analytics_forecast_verification",
})
#: Below this many rows a table is too small for a share to mean anything (a festival list).
GATE_MIN_ROWS = 100


class WarehouseWriteError(WarehouseError):
    """A write was rejected by the database; the transaction rolled back, earlier rows are intact.

    ``transient`` is True for connection-level failures worth retrying, False for writes the
    database refused (constraints, bad data), which a retry would only repeat.
    """

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


@contextmanager
def _write_errors(table: str):
    """Turn driver errors (SQLAlchemy's and the raw COPY cursor's) into one clear line."""
    try:
        yield
    except WarehouseError:
        raise
    except Exception as exc:
        import psycopg2
        import psycopg2.errors

        if isinstance(exc, (sa.exc.DBAPIError, psycopg2.Error)):
            transient = isinstance(exc, (sa.exc.OperationalError, psycopg2.OperationalError)) and not isinstance(
                getattr(exc, "orig", exc), psycopg2.errors.QueryCanceled)
            raise WarehouseWriteError(
                f"writing {table} failed and was rolled back (earlier rows kept): {_first_line(exc)}", transient
            ) from exc
        raise


class PublishGateError(WarehouseWriteError):
    """A replace that would shrink a gated table too much: rolled back, the published rows kept."""


class PublishAuditError(WarehouseError):
    """A write's audit (its asset's blocking checks, run inside the transaction) refused it: rolled back.

    Not a WarehouseWriteError: the database accepted the rows, the checks did not; the asset layer
    reports the checks (checks.audited_publication), not a database failure.
    """


#: Called inside a write's transaction after the new rows are in and before the commit; raising
#: (PublishAuditError) rolls the write back. Reads through the connection see the new rows; no
#: other connection does until the commit.
Audit = Callable[[sa.Connection], None]


@dataclass(frozen=True)
class WriteResult:
    table: str
    rows_written: int
    rows_deleted: int
    seconds: float

    def as_metadata(self) -> dict[str, Any]:
        return {
            "rows_written": self.rows_written,
            "rows_replaced": self.rows_deleted,
            "write_seconds": round(self.seconds, 3),
        }


def _alembic_config(url: str | URL | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation would choke on '%' in encoded passwords.
        cfg.set_main_option("sqlalchemy.url", str(url).replace("%", "%%"))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


class Warehouse:
    """A SQLAlchemy engine plus the platform's write and read contract."""

    def __init__(self, url: str, password: str | None = None, *, pool_size: int = 5,
                 service_schema: str | None = None):
        parsed = make_url(url)
        if password:
            parsed = parsed.set(password=password)
        if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
            raise WarehouseError(
                f"WEATHER_FLICK_WAREHOUSE_URL uses unsupported database {parsed.get_backend_name()!r}; "
                "use sqlite:///path or postgresql+psycopg2://user@host/db"
            )
        if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
            # SQLAlchemy >= 2.1 maps bare postgresql:// to psycopg 3; pin the driver we ship.
            parsed = parsed.set(drivername="postgresql+psycopg2")
        self.url = parsed
        # Where the back end's tables live (PostgreSQL): given, else the setting, else public.
        # SQLite has one namespace; its service tables sit beside the batch's own.
        self.service_schema: str | None = None
        if self.dialect == "postgresql":
            from weather_flick_batch import settings

            if service_schema is None:
                self.service_schema = settings.get("WEATHER_FLICK_SERVICE_SCHEMA")
            else:
                try:
                    self.service_schema = settings.parse_schema_name(service_schema)
                except ValueError as exc:
                    raise WarehouseError(f"service schema {service_schema!r} is invalid: {exc}") from None
        self._pool_size = pool_size
        self.service_actions: list[str] = []  # what the last upgrade did to the back end's tables
        self._engine: Engine | None = None
        self._schema_checked = False

    # -- engine ---------------------------------------------------------------------------
    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def display_url(self) -> str:
        """The URL with the password hidden: the only form that may be logged."""
        return self.url.render_as_string(hide_password=True)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            if self.dialect == "sqlite":
                db = self.url.database
                if db and db != ":memory:":
                    Path(db).parent.mkdir(parents=True, exist_ok=True)
                engine = sa.create_engine(self.url, connect_args={"timeout": 60})

                @sa.event.listens_for(engine, "connect")
                def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
                    cur = dbapi_conn.cursor()
                    # WAL lets readers (the UI, checks) run while a step writes.
                    cur.execute("PRAGMA journal_mode=WAL")
                    cur.execute("PRAGMA foreign_keys=ON")
                    cur.close()

            else:
                engine = sa.create_engine(
                    self.url, pool_size=self._pool_size, pool_pre_ping=True,
                    connect_args={"connect_timeout": 10, "application_name": "weather_flick_batch"},
                )
            # Service tables are declared in a symbolic schema; map it to the real one on every
            # statement (DDL in migrations included).
            self._base_engine = engine
            self._engine = engine.execution_options(schema_translate_map={SERVICE_SCHEMA: self.service_schema})
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._base_engine.dispose()
            self._engine = None

    # -- schema ---------------------------------------------------------------------------
    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        try:
            with self.engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        except sa.exc.OperationalError as exc:
            raise WarehouseError(
                f"cannot reach the warehouse at {self.display_url}: {str(exc.orig).strip().splitlines()[0]}"
            ) from None

    def upgrade(self, revision: str = "head") -> None:
        """Apply migrations up to ``revision`` (the documented upgrade command calls this)."""
        from alembic import command

        cfg = _alembic_config()
        if self.dialect == "postgresql" and self.current_revision() is None:
            self._refuse_the_back_ends_schema()
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                cfg.attributes["service_schema"] = self.service_schema
                command.upgrade(cfg, revision)
                if revision == "head":
                    # The back end's tables in the configured service schema: created, or adopted where
                    # they exist (service_tables.adopt), in the same transaction as the migrations.
                    self.service_actions = [*cfg.attributes.get("service_actions", []),
                                            *service_tables.adopt(conn, self.service_schema)]
                    if self.dialect == "sqlite":
                        # The embedded warehouse stands in for the back end's database too: it holds
                        # the back end's user tables (trip notices read them). Never on PostgreSQL,
                        # where they are the back end's to create (backend_tables.py).
                        self.service_actions += [f"created main.{name} (the back end's table, embedded)"
                                                 for name in backend_tables.create_missing(conn)]
        except sa.exc.OperationalError as exc:
            raise WarehouseError(f"cannot reach the warehouse at {self.display_url}: {_first_line(exc)}") from None
        except sa.exc.DBAPIError as exc:
            # e.g. duplicate content_ids in a table to adopt, or a role without the rights to alter it
            detail = getattr(getattr(getattr(exc, "orig", None), "diag", None), "message_detail", None)
            raise WarehouseError(f"upgrading {self.display_url} failed and was rolled back (nothing changed): "
                                 f"{_first_line(exc)}" + (f" ({detail})" if detail else "")) from None
        self._schema_checked = False

    def _refuse_the_back_ends_schema(self) -> None:
        """A new warehouse whose own schema already holds the back end's ``regions`` would put the
        batch's tables among the back end's (and its first migration would collide with them)."""
        with self.engine.connect() as conn:
            own = conn.exec_driver_sql("SELECT current_schema()").scalar()
            taken = own is not None and sa.inspect(conn).has_table("regions", schema=own)
        if taken:
            raise WarehouseError(
                f"schema {own!r} of {self.display_url} already holds the back end's tables: the batch's own "
                "tables need a schema of their own (the role's search_path; docs/migration.md, 'Two schemas')")

    def downgrade(self, revision: str) -> None:
        from alembic import command

        cfg = _alembic_config()
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
        self._schema_checked = False

    def ensure_schema(self) -> None:
        """Initialise an empty warehouse; refuse one whose schema is older than the code."""
        if self._schema_checked:
            return
        current = self.current_revision()
        head = head_revision()
        if current is None:
            with self.engine.connect() as conn:
                existing = set(sa.inspect(conn).get_table_names()) & set(metadata.tables)
            if existing:
                raise SchemaOutdatedError(
                    f"warehouse {self.display_url} has tables {sorted(existing)} but no schema version; "
                    f"refusing to write. Run: {UPGRADE_COMMAND}"
                )
            self.upgrade("head")
        elif current != head:
            from alembic.script import ScriptDirectory

            script = ScriptDirectory.from_config(_alembic_config())
            known = {rev.revision for rev in script.walk_revisions()}
            if current not in known:
                raise SchemaOutdatedError(
                    f"warehouse {self.display_url} is at schema revision {current}, newer than this code "
                    f"(head {head}); deploy the newer code instead of writing with this one"
                )
            raise SchemaOutdatedError(
                f"warehouse {self.display_url} is at schema revision {current} but the code needs {head}; "
                f"refusing to write. Run: {UPGRADE_COMMAND}"
            )
        with self.engine.connect() as conn:
            absent = service_tables.pending(conn, self.service_schema)
        if absent:
            raise SchemaOutdatedError(
                f"the back end's tables {absent} are missing or not up to their declaration in service schema "
                f"{service_tables.schema_label(self.service_schema)!r} (WEATHER_FLICK_SERVICE_SCHEMA) of "
                f"{self.display_url}; refusing to write. Run: {UPGRADE_COMMAND}"
            )
        self._schema_checked = True

    # -- writes ---------------------------------------------------------------------------
    def replace_rows(
        self,
        table: sa.Table | str,
        frame: pd.DataFrame,
        where: Mapping[str, Any] | None = None,
        *,
        run_id: str | None = None,
        audit: Audit | None = None,
    ) -> WriteResult:
        """Replace the rows matching ``where`` (all rows if None) by ``frame``, in one transaction.

        ``audit`` runs before the commit and may refuse the write (write-audit-publish).
        """
        # Convert before the transaction opens: a frame the table cannot take fails without a round trip.
        db_frame = self._to_db_frame(self._table(table), frame)
        return self._replace(table, [db_frame], where, run_id, converted=True, audit=audit)

    def replace_stream(
        self,
        table: sa.Table | str,
        frames: Iterable[pd.DataFrame],
        where: Mapping[str, Any] | None = None,
        *,
        run_id: str | None = None,
        audit: Audit | None = None,
    ) -> WriteResult:
        """``replace_rows`` with the new rows arriving in batches: still ONE transaction, one batch in memory.

        ``frames`` is consumed inside the transaction, so a batch that fails (in the database or while
        it is being computed) rolls the whole replace back and readers never see part of the table.
        """
        return self._replace(table, frames, where, run_id, converted=False, audit=audit)

    def replace_from_select(
        self,
        table: sa.Table | str,
        select: sa.Select,
        where: Mapping[str, Any] | None = None,
        *,
        run_id: str | None = None,
        audit: Audit | None = None,
    ) -> WriteResult:
        """``replace_rows`` with the new rows computed by ``select`` inside the database (INSERT ... SELECT).

        Nothing travels through Python: for derived tables whose rows the database can compute.
        The select's column labels must be columns of ``table``.
        """
        tbl = self._table(table)
        unknown = [c.name for c in select.selected_columns if c.name not in tbl.c]
        if unknown:
            raise WarehouseError(f"columns {unknown} are not in table {tbl.name}")
        self.ensure_schema()
        started = time.perf_counter()
        with _write_errors(tbl.name), self.engine.begin() as conn:
            deleted = self._delete_where(conn, tbl, where)
            insert = tbl.insert().from_select([c.name for c in select.selected_columns], select)
            written = conn.execute(insert).rowcount or 0
            self._gate(tbl.name, deleted, written)
            if audit is not None:
                audit(conn)
            self._audit(conn, tbl.name, "replace", where, written, deleted, run_id)
        return WriteResult(tbl.name, written, deleted, time.perf_counter() - started)

    def _replace(self, table: sa.Table | str, frames: Iterable[pd.DataFrame], where: Mapping[str, Any] | None,
                 run_id: str | None, *, converted: bool, audit: Audit | None = None) -> WriteResult:
        tbl = self._table(table)
        self.ensure_schema()
        started = time.perf_counter()
        written = 0
        with _write_errors(tbl.name), self.engine.begin() as conn:
            deleted = self._delete_where(conn, tbl, where)
            for frame in frames:
                db_frame = frame if converted else self._to_db_frame(tbl, frame)
                self._bulk_insert(conn, self.sql_name(tbl), db_frame)
                written += len(db_frame)
            self._gate(tbl.name, deleted, written)
            if audit is not None:
                audit(conn)
            self._audit(conn, tbl.name, "replace", where, written, deleted, run_id)
        return WriteResult(tbl.name, written, deleted, time.perf_counter() - started)

    def replace_many(
        self,
        writes: Sequence[tuple[sa.Table | str, pd.DataFrame, Mapping[str, Any] | None, Sequence[str] | None]],
        *,
        run_id: str | None = None,
        then: Sequence[tuple[sa.Executable, Sequence[Mapping[str, Any]]]] = (),
        audit: Audit | None = None,
    ) -> list[WriteResult]:
        """Several replaces in ONE transaction: all land or none do.

        Each write is ``(table, frame, where, key_columns)``: rows matching ``where`` are deleted,
        and, when ``key_columns`` is given, so are rows whose key appears in ``frame`` (a row that
        moved out of another partition, or an upsert expressed as delete-then-insert).
        ``then``: further (statement, parameter rows) run after the writes in the same transaction,
        e.g. an UPDATE of a table the writes feed. ``audit`` runs last, before the commit.
        """
        self.ensure_schema()
        prepared = []
        for table, frame, where, keys in writes:
            tbl = self._table(table)
            key_frame = frame[list(keys)].astype(object).where(frame[list(keys)].notna(), None) if keys else None
            prepared.append((tbl, self._to_db_frame(tbl, frame), where, key_frame))
        results: list[WriteResult] = []
        names = ", ".join(tbl.name for tbl, *_ in prepared)
        with _write_errors(names), self.engine.begin() as conn:
            for tbl, db_frame, where, key_frame in prepared:
                started = time.perf_counter()
                deleted = 0
                if where is not None:
                    deleted += self._delete_where(conn, tbl, where)
                if key_frame is not None and len(key_frame):
                    deleted += self._delete_by_keys(conn, tbl, key_frame)
                self._bulk_insert(conn, self.sql_name(tbl), db_frame)
                self._audit(conn, tbl.name, "replace", where, len(db_frame), deleted, run_id)
                results.append(WriteResult(tbl.name, len(db_frame), deleted, time.perf_counter() - started))
            for statement, params in then:
                if params:
                    conn.execute(statement, list(params))
            if audit is not None:
                audit(conn)
        return results

    @contextmanager
    def transaction(self, names: str) -> Iterator[sa.Connection]:
        """One transaction for a write that is more than table replaces (e.g. trip notices: forecasts,
        plan updates and notices all land or none do); driver errors become one line naming ``names``."""
        self.ensure_schema()
        with _write_errors(names), self.engine.begin() as conn:
            yield conn

    def insert_frame(self, conn: sa.Connection, table: sa.Table | str, frame: pd.DataFrame) -> int:
        """Bulk-insert ``frame`` into ``table`` inside ``conn``'s transaction (COPY on PostgreSQL)."""
        tbl = self._table(table)
        db_frame = self._to_db_frame(tbl, frame)
        self._bulk_insert(conn, self.sql_name(tbl), db_frame)
        return len(db_frame)

    def delete_older_than(
        self, table: sa.Table | str, column: str, cutoff: Any, *, batch_rows: int, run_id: str | None = None,
        dry_run: bool = False,
    ) -> int:
        """Delete the rows whose ``column`` is before ``cutoff``, oldest first, about ``batch_rows`` at a
        time; how many went.

        Each batch is its own short transaction bounded by a value of ``column`` (the batch_rows-th
        oldest): an index range on the partition columns, the same statements on both engines. Readers
        are never held up for long, the write-ahead log stays small, and a job stopped half-way leaves
        consistent tables and resumes where it stopped. A batch may exceed ``batch_rows`` by the rows that
        share its boundary value (one partition). ``dry_run`` only counts. One load_audit row records it.
        """
        if batch_rows < 1:
            raise ValueError("batch_rows must be >= 1")
        tbl = self._table(table)
        col = tbl.c[column]
        old = col < cutoff
        if dry_run:
            with self.engine.connect() as conn:
                return int(conn.execute(sa.select(sa.func.count()).select_from(tbl).where(old)).scalar_one())
        self.ensure_schema()
        deleted = 0
        boundary_of_batch = sa.select(col).where(old).order_by(col).offset(batch_rows - 1).limit(1)
        with _write_errors(tbl.name):
            while True:
                with self.engine.begin() as conn:
                    boundary = conn.execute(boundary_of_batch).scalar()
                    last = boundary is None  # fewer than batch_rows left: this batch takes them all
                    batch = old if last else sa.and_(old, col <= boundary)
                    deleted += conn.execute(tbl.delete().where(batch)).rowcount or 0
                if last:
                    break
            with self.engine.begin() as conn:
                self._audit(conn, tbl.name, "retention", {column: f"< {cutoff}"}, 0, deleted, run_id)
        return deleted

    def _gate(self, table: str, before: int, after: int) -> None:
        """Raise (inside the transaction, so it rolls back) when a gated table would shrink too much."""
        if table not in GATED_TABLES or before < GATE_MIN_ROWS:
            return
        from weather_flick_batch import settings

        max_drop = settings.get("WEATHER_FLICK_PUBLISH_MAX_ROW_DROP")
        if after < before * (1 - max_drop):
            raise PublishGateError(
                f"{table} would fall from {before:,} to {after:,} rows ({1 - after / before:.0%} fewer) against its "
                f"previous publication, more than WEATHER_FLICK_PUBLISH_MAX_ROW_DROP={max_drop:g}: rolled back, "
                "the published table is unchanged")

    @staticmethod
    def _delete_where(conn: sa.Connection, tbl: sa.Table, where: Mapping[str, Any] | None) -> int:
        """Delete the rows matching ``where`` (every row when None); how many went."""
        stmt = tbl.delete()
        for column, value in (where or {}).items():
            stmt = stmt.where(tbl.c[column] == value)
        return conn.execute(stmt).rowcount or 0

    @staticmethod
    def _delete_by_keys(conn: sa.Connection, tbl: sa.Table, keys: pd.DataFrame) -> int:
        """Delete rows whose key is in ``keys``: one ``IN`` statement per chunk of keys, not one per key
        (a province's 10,000 keys one by one were most of a catalogue write)."""
        columns = [tbl.c[c] for c in keys.columns]
        target = columns[0] if len(columns) == 1 else sa.tuple_(*columns)
        values = list(keys.drop_duplicates().itertuples(index=False, name=None))
        if len(columns) == 1:
            values = [v[0] for v in values]
        # Chunks keep each statement under SQLite's limit on bound parameters (32,766).
        chunk = _DELETE_KEYS_PER_STATEMENT // len(columns)
        deleted = 0
        for start in range(0, len(values), chunk):
            deleted += conn.execute(tbl.delete().where(target.in_(values[start:start + chunk]))).rowcount or 0
        return deleted

    def upsert(
        self,
        table: sa.Table | str,
        frame: pd.DataFrame,
        key_columns: Sequence[str] | None = None,
        *,
        run_id: str | None = None,
    ) -> WriteResult:
        """Insert or update by natural key (the primary key unless given)."""
        tbl = self._table(table)
        self.ensure_schema()
        keys = list(key_columns or [c.name for c in tbl.primary_key.columns])
        if not keys:
            raise WarehouseError(f"table {tbl.name} has no key to upsert by")
        db_frame = self._to_db_frame(tbl, frame)
        if db_frame.duplicated(subset=keys).any():
            dupes = db_frame[db_frame.duplicated(subset=keys, keep=False)][keys].head(3).to_dict("records")
            raise WarehouseError(f"refusing to upsert into {tbl.name}: duplicate keys in the batch, e.g. {dupes}")
        columns = list(db_frame.columns)
        updates = [c for c in columns if c not in keys]
        col_sql = ", ".join(f'"{c}"' for c in columns)
        key_sql = ", ".join(f'"{k}"' for k in keys)
        set_sql = ", ".join(f'"{c}" = excluded."{c}"' for c in updates)
        conflict = f"ON CONFLICT ({key_sql}) " + (f"DO UPDATE SET {set_sql}" if updates else "DO NOTHING")
        started = time.perf_counter()
        with _write_errors(tbl.name), self.engine.begin() as conn:
            target = self.sql_name(tbl)
            if self.dialect == "postgresql":
                staging = f"_staging_{tbl.name}"
                conn.exec_driver_sql(
                    f'CREATE TEMP TABLE "{staging}" (LIKE {target} INCLUDING DEFAULTS) ON COMMIT DROP'
                )
                self._bulk_insert(conn, f'"{staging}"', db_frame)
                conn.exec_driver_sql(
                    f'INSERT INTO {target} ({col_sql}) SELECT {col_sql} FROM "{staging}" {conflict}'
                )
            else:
                placeholders = ", ".join("?" for _ in columns)
                rows = list(db_frame.itertuples(index=False, name=None))
                if rows:
                    conn.exec_driver_sql(
                        f'INSERT INTO {target} ({col_sql}) VALUES ({placeholders}) {conflict}', rows
                    )
            self._audit(conn, tbl.name, "upsert", None, len(db_frame), 0, run_id)
        return WriteResult(tbl.name, len(db_frame), 0, time.perf_counter() - started)

    # -- reads ----------------------------------------------------------------------------
    def newest_value(self, table: sa.Table | str, column: str) -> Any:
        """The largest value of ``column`` (e.g. the newest partition), or None for an empty table."""
        tbl = self._table(table)
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.max(tbl.c[column]))).scalar()

    def read_table(self, table: sa.Table | str, where: Mapping[str, Any] | None = None,
                   columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Rows of a table, optionally filtered and narrowed to ``columns``, with typed, tz-aware columns.

        A ``where`` value that is a list, tuple or set matches any of its items (SQL ``IN``).
        """
        tbl = self._table(table)
        stmt = sa.select(*(tbl.c[c] for c in columns)) if columns else sa.select(tbl)
        for column, value in (where or {}).items():
            stmt = stmt.where(tbl.c[column].in_(list(value)) if isinstance(value, (list, tuple, set, frozenset))
                              else tbl.c[column] == value)
        return self.read_select(stmt)

    def read_select(self, stmt: sa.Select) -> pd.DataFrame:
        """The rows of a SELECT as a frame; columns of type AwareDateTime come back tz-aware (Asia/Seoul)."""
        with self.engine.connect() as conn:
            result = conn.execute(stmt)
            names, rows = list(result.keys()), result.fetchall()
        # Column by column: a frame built from 500,000 row objects took four times as long as the fetch.
        columns = list(zip(*rows)) if rows else [()] * len(names)
        frame = pd.DataFrame(dict(zip(names, columns)), columns=names)
        for column in stmt.selected_columns:
            if isinstance(column.type, AwareDateTime) and column.name in frame:
                # utc=True copes with empty and all-NULL columns too (they come back untyped).
                frame[column.name] = (pd.to_datetime(frame[column.name], utc=True).dt.tz_convert("Asia/Seoul")
                                      .dt.as_unit("us"))
        return frame

    def row_count(self, table: sa.Table | str, where: Mapping[str, Any] | None = None) -> int:
        tbl = self._table(table)
        stmt = sa.select(sa.func.count()).select_from(tbl)
        for column, value in (where or {}).items():
            stmt = stmt.where(tbl.c[column] == value)
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def ping(self) -> float:
        """Round-trip latency of ``SELECT 1`` in seconds."""
        started = time.perf_counter()
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return time.perf_counter() - started

    def sql_name(self, table: sa.Table | str) -> str:
        """The table's quoted name for hand-written SQL: schema-qualified for the back end's tables
        on PostgreSQL (raw SQL does not pass through the engine's schema translation)."""
        tbl = self._table(table)
        if tbl.schema == SERVICE_SCHEMA and self.service_schema:
            return f'"{self.service_schema}"."{tbl.name}"'
        return f'"{tbl.name}"'

    # -- internals ------------------------------------------------------------------------
    @staticmethod
    def _table(table: sa.Table | str) -> sa.Table:
        if isinstance(table, sa.Table):
            return table
        found = metadata.tables.get(table)
        if found is None:
            found = SERVICE_TABLES.get(table)
        if found is None:
            found = backend_tables.BACKEND_TABLES.get(table)
        if found is None:
            raise WarehouseError(f"unknown warehouse table {table!r}")
        return found

    def _to_db_frame(self, tbl: sa.Table, frame: pd.DataFrame) -> pd.DataFrame:
        """Columns converted, vectorised, to the primitive values both drivers accept."""
        unknown = set(frame.columns) - set(tbl.columns.keys())
        if unknown:
            raise WarehouseError(f"columns {sorted(unknown)} are not in table {tbl.name}")
        missing = [c.name for c in tbl.columns if not c.nullable and c.name not in frame.columns
                   and c.server_default is None and not (c.primary_key and c.autoincrement is True)]
        if missing:
            raise WarehouseError(f"table {tbl.name} needs columns {missing} that the frame lacks")
        out: dict[str, pd.Series] = {}
        for name in frame.columns:
            column = tbl.c[name]
            series = frame[name]
            out[name] = self._convert(tbl.name, column, series)
        return pd.DataFrame(out, index=range(len(frame)))

    def _convert(self, table: str, column: sa.Column, series: pd.Series) -> pd.Series:
        kind = column.type
        series = series.reset_index(drop=True)
        if isinstance(kind, AwareDateTime):
            if len(series) == 0:
                return series.astype(object)
            naive = WarehouseError(f"{table}.{column.name} must be timezone-aware; got naive timestamps")
            if isinstance(series.dtype, pd.DatetimeTZDtype):
                values = series
            elif pd.api.types.is_datetime64_dtype(series.dtype):
                raise naive
            else:
                # Object columns (mixed offsets, python datetimes, ISO strings): check each value.
                if any(pd.Timestamp(v).tz is None for v in series.dropna()):
                    raise naive
                values = pd.to_datetime(series, utc=True)
            utc = values.dt.tz_convert("UTC")
            fmt = "%Y-%m-%d %H:%M:%S.%f" if self.dialect == "sqlite" else "%Y-%m-%d %H:%M:%S.%f+00"
            return _format_distinct(utc, lambda distinct: distinct.strftime(fmt))
        if isinstance(kind, sa.Date):
            values = pd.to_datetime(series)
            return _format_distinct(values, lambda distinct: distinct.strftime("%Y-%m-%d"))
        if isinstance(kind, sa.Boolean):
            # Equal values have equal truth, so converting each distinct value is converting all.
            flags = _format_distinct(series.astype(object), lambda distinct: [bool(v) for v in distinct])
            # Same dtype as before: bool when nothing is null (as Series.map inferred), else object.
            return flags.astype(bool) if len(flags) and flags.notna().all() else flags
        if isinstance(kind, sa.Integer):
            try:
                ints = series.astype("Int64")
            except (TypeError, ValueError):
                raise WarehouseError(f"{table}.{column.name} must hold whole numbers") from None
            return ints.astype(object).where(ints.notna(), None)
        if isinstance(kind, sa.Float):
            floats = pd.to_numeric(series, errors="raise").astype("float64")
            return floats.astype(object).where(floats.notna(), None)
        if isinstance(kind, (sa.JSON,)):
            import json

            return series.map(lambda v: None if v is None else json.dumps(v, ensure_ascii=False))
        return series.astype(object).where(series.notna(), None)

    @staticmethod
    def _audit(
        conn: sa.Connection, table: str, operation: str, where: Mapping[str, Any] | None,
        written: int, replaced: int, run_id: str | None,
    ) -> None:
        from weather_flick_batch.core.timeutil import now_kst
        from weather_flick_batch.warehouse.schema import load_audit

        partition = ", ".join(f"{k}={v}" for k, v in (where or {}).items()) or None
        conn.execute(load_audit.insert().values(
            table_name=table, partition_key=partition, operation=operation, rows_written=written,
            rows_replaced=replaced, run_id=run_id, written_at=now_kst(),
        ))

    def _bulk_insert(self, conn: sa.Connection, sql_name: str, db_frame: pd.DataFrame) -> None:
        """Bulk-load ``db_frame`` into the table named ``sql_name`` (quoted, see :meth:`sql_name`)."""
        if db_frame.empty:
            return
        columns = list(db_frame.columns)
        col_sql = ", ".join(f'"{c}"' for c in columns)
        if self.dialect == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                cur.copy_expert(
                    f'COPY {sql_name} ({col_sql}) FROM STDIN WITH (FORMAT csv, NULL \'\\N\')',
                    _CopyReader(db_frame),
                )
        else:
            placeholders = ", ".join("?" for _ in columns)
            rows = list(db_frame.itertuples(index=False, name=None))
            conn.exec_driver_sql(f'INSERT INTO {sql_name} ({col_sql}) VALUES ({placeholders})', rows)


def _format_distinct(series: pd.Series, convert) -> pd.Series:
    """``convert`` applied to each distinct non-null value once, spread back; None where null.

    A forecast issuance has ~70 distinct timestamps in 17,000 rows: formatting each row (``strftime``
    is ~1 us a value) was most of the load's client time. Nulls (None, NaN, NaT) become None.
    """
    codes, distinct = pd.factorize(series, sort=False, use_na_sentinel=True)
    table = np.empty(len(distinct) + 1, dtype=object)
    table[:-1] = list(convert(distinct))
    table[-1] = None  # code -1: null
    return pd.Series(table[codes], index=series.index, dtype=object)


# -- COPY text ----------------------------------------------------------------------------------
# PostgreSQL's CSV format with NULL '\N': an unquoted \N is NULL, a quoted field is always literal.
# A field is quoted when it holds the delimiter, a quote, a line break (\n or \r: an unquoted \r is
# an error) or a backslash (so the text "\N" stays text and "\." is never the end-of-data marker).
_COPY_NULL = "\\N"
_COPY_QUOTE_IF = re.compile(r'[,"\r\n\\]')


def _copy_field(value: Any) -> str:
    """One non-null value as a CSV field: floats by shortest round-trip repr, text quoted if needed."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, float):
        return float.__repr__(value)  # also plain for numpy float64 ('1.5', not 'np.float64(1.5)')
    else:
        text = str(value)  # bool -> True/False, int, and anything else by its str
    if _COPY_QUOTE_IF.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _copy_column(series: pd.Series) -> np.ndarray:
    """A db-frame column as CSV fields (object array of str), rendering each distinct value once."""
    values = series.to_numpy(dtype=object)
    null = pd.isna(values)
    kinds = set(map(type, values[~null])) if null.any() else set(map(type, values))
    if len(kinds) == 1 and next(iter(kinds)) in (str, int, bool):
        # One exact type whose equal values always print alike: render each distinct value once.
        codes, distinct = pd.factorize(values, sort=False, use_na_sentinel=True)
        rendered = [_copy_field(v) for v in distinct]
    elif len(kinds) == 1 and issubclass(next(iter(kinds)), float):
        # Floats by bit pattern: 0.0 and -0.0 are equal but print differently.
        floats = np.zeros(len(values), dtype=np.float64)
        floats[~null] = values[~null]
        codes, distinct = pd.factorize(floats.view(np.int64), sort=False)
        codes[null] = -1
        rendered = [float.__repr__(v) for v in distinct.view(np.float64).tolist()]
    else:
        # Mixed or other types (1, 1.0 and True are equal but print differently): value by value.
        return np.array([_COPY_NULL if n else _copy_field(v) for v, n in zip(values, null)], dtype=object)
    table = np.empty(len(rendered) + 1, dtype=object)
    table[:-1] = rendered
    table[-1] = _COPY_NULL  # code -1: null
    return table[codes]


class _CopyReader:
    """The frame's COPY text as a file ``copy_expert`` reads, built a block of rows at a time.

    The whole text of 500,000 score rows is ~150 MB of str (and as much again in a StringIO);
    block by block only one block exists at once. ``read`` ignores the size hint: psycopg2 sends
    whatever a read returns.
    """

    ROWS_PER_BLOCK = 20_000

    def __init__(self, db_frame: pd.DataFrame) -> None:
        # Rendered columns hold one str per distinct value, shared: far smaller than the text.
        self._columns = [_copy_column(db_frame[name]) for name in db_frame.columns]
        self._rows = len(db_frame)
        self._blocks = self.chunks()

    def chunks(self) -> Iterator[str]:
        for start in range(0, self._rows, self.ROWS_PER_BLOCK):
            block = [column[start:start + self.ROWS_PER_BLOCK] for column in self._columns]
            yield "".join([",".join(fields) + "\n" for fields in zip(*block)])

    def read(self, size: int = -1) -> str:
        return next(self._blocks, "")


def to_python(value: Any) -> Any:
    """Plain Python scalars for metadata and JSON (numpy types, timestamps)."""
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value

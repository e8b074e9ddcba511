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

The class is assembled from parts, one job each: :mod:`.versioning` (the Alembic schema version),
:mod:`.writes` (the write contract), :mod:`.publication` (the publication gate and the audit trail),
:mod:`.bulk` (frame conversion and COPY); :mod:`.errors` holds the exceptions. This module sets up
the engine and the connection, and reads.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from weather_flick_batch.warehouse import backend_tables
# _CopyReader: re-exported, tests tune its block size.
from weather_flick_batch.warehouse.bulk import BulkLoad, _CopyReader  # noqa: F401
from weather_flick_batch.warehouse.errors import (
    PublishAuditError,
    PublishGateError,
    SchemaOutdatedError,
    WarehouseError,
    WarehouseWriteError,
)
from weather_flick_batch.warehouse.publication import GATE_MIN_ROWS, GATED_TABLES, Audit, Publication
from weather_flick_batch.warehouse.schema import SERVICE_TABLES, metadata
from weather_flick_batch.warehouse.service_tables import SERVICE_SCHEMA
from weather_flick_batch.warehouse.types import AwareDateTime
from weather_flick_batch.warehouse.versioning import MIGRATIONS_DIR, UPGRADE_COMMAND, SchemaVersioning, head_revision
from weather_flick_batch.warehouse.writes import Writes, WriteResult, where_condition

__all__ = [
    "Warehouse",
    "WriteResult",
    "Audit",
    "WarehouseError",
    "SchemaOutdatedError",
    "WarehouseWriteError",
    "PublishGateError",
    "PublishAuditError",
    "GATED_TABLES",
    "GATE_MIN_ROWS",
    "MIGRATIONS_DIR",
    "UPGRADE_COMMAND",
    "head_revision",
    "to_python",
]


class Warehouse(SchemaVersioning, Writes, Publication, BulkLoad):
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

    # -- reads ----------------------------------------------------------------------------
    def newest_value(self, table: sa.Table | str, column: str) -> Any:
        """The largest value of ``column`` (e.g. the newest partition), or None for an empty table."""
        tbl = self._table(table)
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.max(tbl.c[column]))).scalar()

    def read_table(self, table: sa.Table | str, where: Mapping[str, Any] | None = None,
                   columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Rows of a table, optionally filtered and narrowed to ``columns``, with typed, tz-aware columns.

        A ``where`` value that is a list, tuple or set matches any of its items (SQL ``IN``); see
        :func:`~weather_flick_batch.warehouse.writes.where_condition`.
        """
        tbl = self._table(table)
        stmt = sa.select(*(tbl.c[c] for c in columns)) if columns else sa.select(tbl)
        for column, value in (where or {}).items():
            stmt = stmt.where(where_condition(tbl.c[column], value))
        return self.read_select(stmt)

    def read_select(self, stmt: sa.Select) -> pd.DataFrame:
        """The rows of a SELECT as a frame; columns of type AwareDateTime come back tz-aware (Asia/Seoul)."""
        aware = [c.name for c in stmt.selected_columns if isinstance(c.type, AwareDateTime)]
        if aware:
            # The frame converts these columns as a whole below: skip the per-value conversion of the type
            # (a Python call per value: 0.24 s for the two newest short-range issuances).
            stmt = stmt.with_only_columns(*(
                sa.type_coerce(c, sa.DateTime(timezone=True)).label(c.name) if c.name in aware else c
                for c in stmt.selected_columns), maintain_column_froms=True)
        with self.engine.connect() as conn:
            result = conn.execute(stmt)
            names, rows = list(result.keys()), result.fetchall()
        # Column by column: a frame built from 500,000 row objects took four times as long as the fetch.
        columns = list(zip(*rows)) if rows else [()] * len(names)
        frame = pd.DataFrame(dict(zip(names, columns)), columns=names)
        for name in aware:
            if name in frame:
                # utc=True: SQLite's naive values are UTC at rest; it copes with empty and all-NULL columns too.
                frame[name] = pd.to_datetime(frame[name], utc=True).dt.tz_convert("Asia/Seoul").dt.as_unit("us")
        return frame

    def row_count(self, table: sa.Table | str, where: Mapping[str, Any] | None = None) -> int:
        tbl = self._table(table)
        stmt = sa.select(sa.func.count()).select_from(tbl)
        for column, value in (where or {}).items():
            stmt = stmt.where(where_condition(tbl.c[column], value))
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


def to_python(value: Any) -> Any:
    """Plain Python scalars for metadata and JSON (numpy types, timestamps)."""
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value

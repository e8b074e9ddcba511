"""The warehouse's schema version (Alembic): initialise an empty database to the current revision,
refuse one at another revision with the command that upgrades it, and upgrade or downgrade.

:class:`SchemaVersioning` is a part of :class:`~weather_flick_batch.warehouse.warehouse.Warehouse`;
it uses the host's ``engine``, ``dialect``, ``display_url`` and ``service_schema``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

from weather_flick_batch.warehouse import backend_tables, service_tables
from weather_flick_batch.warehouse.errors import SchemaOutdatedError, WarehouseError, _first_line
from weather_flick_batch.warehouse.schema import metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "weather-flick-batch db upgrade  (or: make db-upgrade)"
# pg_advisory_lock key held while a new warehouse is initialised (any constant of our own).
INITIALISATION_LOCK_KEY = 7_324_911_016


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


class SchemaVersioning:
    """Schema versioning of a :class:`~weather_flick_batch.warehouse.warehouse.Warehouse`."""

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        try:
            with self.engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        except sa.exc.OperationalError as exc:
            raise self._unreachable(exc) from None

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
            raise self._unreachable(exc) from None
        except sa.exc.DBAPIError as exc:
            # e.g. duplicate content_ids in a table to adopt, or a role without the rights to alter it
            detail = getattr(getattr(getattr(exc, "orig", None), "diag", None), "message_detail", None)
            raise WarehouseError(f"upgrading {self.display_url} failed and was rolled back (nothing changed): "
                                 f"{_first_line(exc)}" + (f" ({detail})" if detail else "")) from None
        self._schema_checked = False

    def _unreachable(self, exc: sa.exc.OperationalError) -> WarehouseError:
        return WarehouseError(f"cannot reach the warehouse at {self.display_url}: {_first_line(exc)}")

    @contextmanager
    def _initialisation_lock(self) -> Iterator[None]:
        """Held by one process at a time: a PostgreSQL session advisory lock, or a file lock beside a
        SQLite database file."""
        if self.dialect == "postgresql":
            try:
                conn = self.engine.connect()
            except sa.exc.OperationalError as exc:
                raise self._unreachable(exc) from None
            with conn:
                conn.exec_driver_sql(f"SELECT pg_advisory_lock({INITIALISATION_LOCK_KEY})")
                try:
                    yield
                finally:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({INITIALISATION_LOCK_KEY})")
                    conn.commit()
            return
        database = self.engine.url.database if self.dialect == "sqlite" else None
        if not database or database == ":memory:":
            yield
            return
        import fcntl

        with open(f"{database}.init-lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

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
        head = head_revision()
        # Steps of runs started together (run --concurrent, the queue) may all find a new warehouse
        # empty: one initialises it while the others wait, and they find it initialised. (On SQLite a
        # reader beside the initialising writer also failed with "database is locked".)
        with self._initialisation_lock():
            current = self.current_revision()
            if current is None:
                with self.engine.connect() as conn:
                    existing = set(sa.inspect(conn).get_table_names()) & set(metadata.tables)
                if existing:
                    raise SchemaOutdatedError(
                        f"warehouse {self.display_url} has tables {sorted(existing)} but no schema version; "
                        f"refusing to write. Run: {UPGRADE_COMMAND}"
                    )
                self.upgrade("head")
                current = head
        if current != head:
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

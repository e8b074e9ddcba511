"""The warehouse's writes, transactional and idempotent: partition replaces (from frames, batches
or a SELECT), several replaces in one transaction, upserts by natural key and batched retention
deletes. Replaces run the publication gate (single-table ones) and the caller's audit before the
commit, and every write leaves a ``load_audit`` row (:mod:`.publication`); rows go in through
:mod:`.bulk`.

:class:`Writes` is a part of :class:`~weather_flick_batch.warehouse.warehouse.Warehouse`; it uses
the host's ``engine``, ``dialect``, ``ensure_schema``, ``sql_name`` and ``_table``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from weather_flick_batch.warehouse.errors import WarehouseError, _write_errors
from weather_flick_batch.warehouse.publication import GATED_TABLES, Audit

_DELETE_KEYS_PER_STATEMENT = 10_000  # bound parameters per DELETE ... IN statement
_SELECT_WORK_MEM = "64MB"  # PostgreSQL's sort memory for an INSERT ... SELECT (this transaction only)

#: Runs inside a replace's transaction after the new rows are in, before the gate and the audit (e.g.
#: the ledger of which inputs the rows came from, recommendations/incremental.py).
Then = Callable[[sa.Connection], None]


@dataclass(frozen=True)
class Excluding:
    """A ``where`` value: every row whose column is NOT one of ``values`` (a replace that keeps those)."""

    values: tuple
    negated = True  # how load_audit spells it: "column not in (...)"

    def __str__(self) -> str:
        return "not in (" + ", ".join(str(v) for v in self.values) + ")"


def where_condition(column: sa.ColumnElement, value: Any) -> sa.ColumnElement:
    """A ``where`` mapping's value for one column (reads and writes alike): equal to a value, one of a
    list/tuple/set (SQL ``IN``), or :class:`Excluding` (``NOT IN``)."""
    if isinstance(value, Excluding):
        return ~column.in_(list(value.values)) if value.values else sa.true()
    if isinstance(value, (list, tuple, set, frozenset)):
        return column.in_(sorted(value))
    return column == value


class _Ahead:
    """``prepare(frame)`` of each of ``frames``, the next one computed in a thread while the caller writes this
    one: a batch is scored and converted while the database takes the one before it (on two cores, the
    scores' COPY and the next batch's scoring each had a core to themselves only when they overlapped).

    One batch ahead at most: the next batch is begun only once the one before it has been taken (two batches
    in memory, the one written and the one computed; a third waiting would be the peak of a full refresh's
    scoring). An exception in ``frames`` or ``prepare`` is raised in the consumer, where the transaction rolls
    back; when the consumer stops early (its write failed), the producer stops after the batch in hand and
    closes ``frames``. Lists are not threaded.
    """

    _DONE = object()

    def __init__(self, frames: Iterable[pd.DataFrame], prepare: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
        self._frames, self._prepare = frames, prepare
        # Never more than one item waits in it: the producer puts one only after the one before was taken.
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._taken = threading.Semaphore(1)  # released each time the consumer takes a batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if not isinstance(frames, (list, tuple)):
            self._thread = threading.Thread(target=self._produce, name="warehouse-write-ahead", daemon=True)
            self._thread.start()

    def _wait_until_taken(self) -> bool:
        """Until the consumer has taken the batch before (True), or has stopped (False)."""
        while not self._stop.is_set():
            if self._taken.acquire(timeout=0.1):
                return True
        return False

    def _produce(self) -> None:
        frames = iter(self._frames)
        try:
            while self._wait_until_taken():
                frame = next(frames, self._DONE)
                self._queue.put((frame if frame is self._DONE else self._prepare(frame), None))
                if frame is self._DONE:
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            self._queue.put((None, exc))
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator[pd.DataFrame]:
        if self._thread is None:
            yield from (self._prepare(frame) for frame in self._frames)
            return
        while True:
            item, exc = self._queue.get()
            self._taken.release()
            if exc is not None:
                raise exc
            if item is self._DONE:
                return
            yield item

    def close(self) -> None:
        """Stop the producer and wait for it (it finishes the batch in hand): nothing computes after the
        write is over."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


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


class Writes:
    """The write contract of a :class:`~weather_flick_batch.warehouse.warehouse.Warehouse`."""

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
        then: Then | None = None,
    ) -> WriteResult:
        """``replace_rows`` with the new rows arriving in batches: still ONE transaction, one batch in memory.

        ``frames`` is consumed inside the transaction, so a batch that fails (in the database or while
        it is being computed) rolls the whole replace back and readers never see part of the table.
        ``then`` runs in the same transaction after the rows are in (before the gate and ``audit``).
        """
        return self._replace(table, frames, where, run_id, converted=False, audit=audit, then=then)

    def replace_from_select(
        self,
        table: sa.Table | str,
        select: sa.Select,
        where: Mapping[str, Any] | None = None,
        *,
        run_id: str | None = None,
        audit: Audit | None = None,
        then: Then | None = None,
    ) -> WriteResult:
        """``replace_rows`` with the new rows computed by ``select`` inside the database (INSERT ... SELECT).

        Nothing travels through Python: for derived tables whose rows the database can compute.
        The select's column labels must be columns of ``table``. ``then``: as for ``replace_stream``.
        """
        tbl = self._table(table)
        unknown = [c.name for c in select.selected_columns if c.name not in tbl.c]
        if unknown:
            raise WarehouseError(f"columns {unknown} are not in table {tbl.name}")
        self.ensure_schema()
        started = time.perf_counter()
        with _write_errors(tbl.name), self.engine.begin() as conn:
            if self.dialect == "postgresql":
                # The selects that compute derived rows rank or group hundreds of thousands of rows; with the
                # default 4 MB their sorts spill to disk (the top lists: two 6 MB external merges).
                conn.exec_driver_sql(f"SET LOCAL work_mem = '{_SELECT_WORK_MEM}'")
            kept = self._kept_rows(conn, tbl, where)
            deleted = self._delete_where(conn, tbl, where)
            insert = tbl.insert().from_select([c.name for c in select.selected_columns], select)
            written = conn.execute(insert).rowcount
            if written is None or written < 0:
                # SQLite reports no count for an INSERT whose SELECT begins with WITH: the rows matching
                # ``where`` now are the ones just inserted (the old ones were deleted first, in this transaction).
                written = self._rows_and_matching(conn, tbl, where)[1]
            self._conclude_replace(conn, tbl, where, kept, deleted, written, run_id, then, audit)
        return WriteResult(tbl.name, written, deleted, time.perf_counter() - started)

    def _replace(self, table: sa.Table | str, frames: Iterable[pd.DataFrame], where: Mapping[str, Any] | None,
                 run_id: str | None, *, converted: bool, audit: Audit | None = None,
                 then: Then | None = None) -> WriteResult:
        tbl = self._table(table)
        self.ensure_schema()
        started = time.perf_counter()
        written = 0
        # The first batch is computed while the old rows are counted and deleted, each next one while the
        # one before is copied.
        ahead = _Ahead(frames, (lambda frame: frame) if converted else (lambda frame: self._to_db_frame(tbl, frame)))
        try:
            with _write_errors(tbl.name), self.engine.begin() as conn:
                kept = self._kept_rows(conn, tbl, where)
                deleted = self._delete_where(conn, tbl, where)
                for db_frame in ahead:
                    written += self._bulk_insert(conn, self.sql_name(tbl), db_frame)  # COPY's own count
                self._conclude_replace(conn, tbl, where, kept, deleted, written, run_id, then, audit)
        finally:
            ahead.close()
        return WriteResult(tbl.name, written, deleted, time.perf_counter() - started)

    def _conclude_replace(self, conn: sa.Connection, tbl: sa.Table, where: Mapping[str, Any] | None, kept: int,
                          deleted: int, written: int, run_id: str | None, then: Then | None,
                          audit: Audit | None) -> None:
        """A replace's last steps in its transaction, once the new rows are in: ``then``, the publication gate
        (the whole table before and after), the caller's audit and the load_audit row."""
        if then is not None:
            then(conn)
        self._gate(tbl.name, kept + deleted, kept + written)
        if audit is not None:
            audit(conn)
        self._audit(conn, tbl.name, "replace", where, written, deleted, run_id)

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
                written = self._bulk_insert(conn, self.sql_name(tbl), db_frame)
                self._audit(conn, tbl.name, "replace", where, written, deleted, run_id)
                results.append(WriteResult(tbl.name, written, deleted, time.perf_counter() - started))
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
        return self._bulk_insert(conn, self.sql_name(tbl), self._to_db_frame(tbl, frame))

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

    @staticmethod
    def _delete_where(conn: sa.Connection, tbl: sa.Table, where: Mapping[str, Any] | None) -> int:
        """Delete the rows matching ``where`` (every row when None); how many went. A value may be a
        list/tuple/set (IN) or :class:`Excluding` (NOT IN)."""
        stmt = tbl.delete()
        for column, value in (where or {}).items():
            stmt = stmt.where(where_condition(tbl.c[column], value))
        return conn.execute(stmt).rowcount or 0

    @staticmethod
    def _rows_and_matching(conn: sa.Connection, tbl: sa.Table, where: Mapping[str, Any] | None) -> tuple[int, int]:
        """The table's rows, and those matching ``where`` (what a replace deletes), in one scan."""
        conditions = [where_condition(tbl.c[column], value) for column, value in (where or {}).items()]
        condition = sa.and_(sa.true(), *conditions)
        total, matching = conn.execute(
            sa.select(sa.func.count(), sa.func.sum(sa.case((condition, 1), else_=0))).select_from(tbl)).one()
        return int(total), int(matching or 0)

    def _kept_rows(self, conn: sa.Connection, tbl: sa.Table, where: Mapping[str, Any] | None) -> int:
        """The rows a replace of the rows matching ``where`` keeps, for the gate of a gated table replaced in
        part (e.g. the days of the scores whose inputs changed): it compares the whole table before and
        after. Not counted otherwise (0): a partitioned raw table is not gated."""
        if not where or tbl.name not in GATED_TABLES:
            return 0
        total, matching = self._rows_and_matching(conn, tbl, where)
        return total - matching

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

"""Bulk loading: frames converted, vectorised, to the values each driver takes, and loaded in bulk:
COPY on PostgreSQL (CSV text built a block of rows at a time), one executemany on SQLite; never a
round trip per row.

On SQLite a converted frame holds Python objects (None for null), what ``executemany`` binds. On
PostgreSQL, whose rows only ever travel as COPY text, numbers and flags stay typed (nullable Int64,
float64, bool) and timestamps are categorical text: the COPY text is rendered from the typed arrays,
each distinct value once, with no per-value Python objects (boxing 16,500 rows x 22 columns into
objects and inspecting them again was most of a weather re-run's client time).

:class:`BulkLoad` is a part of :class:`~weather_flick_batch.warehouse.warehouse.Warehouse`; it
uses the host's ``dialect``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from weather_flick_batch.warehouse.errors import WarehouseError
from weather_flick_batch.warehouse.types import AwareDateTime


class BulkLoad:
    """Frame conversion and bulk inserts of a :class:`~weather_flick_batch.warehouse.warehouse.Warehouse`."""

    def _to_db_frame(self, tbl: sa.Table, frame: pd.DataFrame) -> pd.DataFrame:
        """Columns converted, vectorised, to what the driver takes (see the module: Python objects on
        SQLite; typed columns on PostgreSQL, for COPY); invalid values are refused here."""
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
            if self.dialect == "sqlite":
                return _format_distinct(utc, lambda distinct: distinct.strftime("%Y-%m-%d %H:%M:%S.%f"))
            return _format_distinct(utc, _copy_timestamps, categorical=True)
        if isinstance(kind, sa.Date):
            values = pd.to_datetime(series)
            return _format_distinct(values, lambda distinct: distinct.strftime("%Y-%m-%d"), self._copy_only)
        if isinstance(kind, sa.Boolean):
            if series.dtype == np.bool_:
                return series  # already what the conversion below makes of it
            # Equal values have equal truth, so converting each distinct value is converting all.
            flags = _format_distinct(series.astype(object), lambda distinct: [bool(v) for v in distinct])
            # Same dtype as before: bool when nothing is null (as Series.map inferred), else object.
            return flags.astype(bool) if len(flags) and flags.notna().all() else flags
        if isinstance(kind, sa.Integer):
            try:
                ints = series.astype("Int64")
            except (TypeError, ValueError):
                raise WarehouseError(f"{table}.{column.name} must hold whole numbers") from None
            return ints if self._copy_only else ints.astype(object).where(ints.notna(), None)
        if isinstance(kind, sa.Float):
            floats = pd.to_numeric(series, errors="raise").astype("float64")
            return floats if self._copy_only else floats.astype(object).where(floats.notna(), None)
        if isinstance(kind, (sa.JSON,)):
            import json

            return series.map(lambda v: None if v is None else json.dumps(v, ensure_ascii=False))
        return series.astype(object).where(series.notna(), None)

    @property
    def _copy_only(self) -> bool:
        """Converted frames only ever travel as COPY text (PostgreSQL): keep columns typed."""
        return self.dialect == "postgresql"

    def _bulk_insert(self, conn: sa.Connection, sql_name: str, db_frame: pd.DataFrame) -> int:
        """Bulk-load ``db_frame`` into the table named ``sql_name`` (quoted, see :meth:`sql_name`);
        the rows the database took (COPY's own count on PostgreSQL)."""
        if db_frame.empty:
            return 0
        columns = list(db_frame.columns)
        col_sql = ", ".join(f'"{c}"' for c in columns)
        if self.dialect == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                cur.copy_expert(
                    f'COPY {sql_name} ({col_sql}) FROM STDIN WITH (FORMAT csv, NULL \'\\N\')',
                    _CopyReader(db_frame),
                )
                copied = cur.rowcount
            return copied if copied is not None and copied >= 0 else len(db_frame)
        placeholders = ", ".join("?" for _ in columns)
        rows = list(db_frame.itertuples(index=False, name=None))
        conn.exec_driver_sql(f'INSERT INTO {sql_name} ({col_sql}) VALUES ({placeholders})', rows)
        return len(rows)


def _copy_timestamps(utc: pd.DatetimeIndex) -> list[str]:
    """UTC instants as PostgreSQL timestamptz text; whole seconds (most of them) without a fraction:
    a short-range issuance is 460 kB (15%) less text, ~5 ms less of the server's CPU in COPY."""
    whole = utc.strftime("%Y-%m-%d %H:%M:%S+00")
    if (utc.microsecond == 0).all():
        return list(whole)
    return np.where(utc.microsecond == 0, whole, utc.strftime("%Y-%m-%d %H:%M:%S.%f+00")).tolist()


def _format_distinct(series: pd.Series, convert, categorical: bool = False) -> pd.Series:
    """``convert`` applied to each distinct non-null value once, spread back; None where null.

    A forecast issuance has ~70 distinct timestamps in 17,000 rows: formatting each row (``strftime``
    is ~1 us a value) was most of the load's client time. Nulls (None, NaN, NaT) become None.
    ``categorical``: the same values as a categorical column (NaN where null), which COPY renders
    from its codes without looking at each row.
    """
    codes, distinct = pd.factorize(series, sort=False, use_na_sentinel=True)
    converted = list(convert(distinct))
    if categorical:
        # Distinct values may convert alike (nanoseconds beyond %f): categories must be unique.
        merged, categories = pd.factorize(pd.Index(converted, dtype=object), sort=False)
        codes = np.where(codes < 0, -1, merged[codes]) if len(merged) else codes
        return pd.Series(pd.Categorical.from_codes(codes, categories=categories), index=series.index)
    table = np.empty(len(distinct) + 1, dtype=object)
    table[:-1] = converted
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


def _rendered(codes: np.ndarray, rendered: list[str]) -> np.ndarray:
    """``rendered[code]`` for each code; code -1 (null) is \\N."""
    table = np.empty(len(rendered) + 1, dtype=object)
    table[:-1] = rendered
    table[-1] = _COPY_NULL
    return table[codes]


def _copy_column(series: pd.Series) -> np.ndarray:
    """A db-frame column as CSV fields (object array of str), rendering each distinct value once.

    Typed columns (what PostgreSQL's conversion keeps) are factorised as numbers, never boxed:
    float64 by bit pattern (0.0 and -0.0 are equal but print differently), signed integers (nullable
    too) and bool by value, categoricals by their codes. Object columns are inspected value by value.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) and pd.api.types.infer_dtype(dtype.categories, skipna=False) == "string":
        cat = series.array
        return _rendered(cat.codes.astype(np.intp), [_copy_field(v) for v in cat.categories])
    if dtype == np.float64:
        floats = series.to_numpy()
        null = np.isnan(floats)
        codes, distinct = pd.factorize(np.where(null, 0.0, floats).view(np.int64), sort=False)
        codes[null] = -1
        return _rendered(codes, [float.__repr__(v) for v in distinct.view(np.float64).tolist()])
    if dtype == np.bool_:
        return np.array(["False", "True"], dtype=object)[series.to_numpy().view(np.uint8)]
    if pd.api.types.is_signed_integer_dtype(dtype):  # int8..int64 and their nullable forms (Int64)
        null = series.isna().to_numpy()
        codes, distinct = pd.factorize(series.to_numpy(dtype=np.int64, na_value=0), sort=False)
        codes[null] = -1
        return _rendered(codes, [str(v) for v in distinct.tolist()])
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
    return _rendered(codes, rendered)


class _CopyReader:
    """The frame's COPY text as a file ``copy_expert`` reads, built a block of rows at a time.

    The whole text of 500,000 score rows is ~150 MB of str (and as much again in a StringIO);
    block by block only one block exists at once. ``read`` ignores the size hint: psycopg2 sends
    whatever a read returns. Blocks are small enough that PostgreSQL parses one while the next is
    joined (a short-range issuance, 16,500 rows, was one block: the server waited for all of it).
    """

    ROWS_PER_BLOCK = 2_000

    def __init__(self, db_frame: pd.DataFrame) -> None:
        # Rendered columns hold one str per distinct value, shared: far smaller than the text.
        self._columns = [_copy_column(db_frame[name]) for name in db_frame.columns]
        self._rows = len(db_frame)
        self._blocks = self.chunks()

    def chunks(self) -> Iterator[str]:
        for start in range(0, self._rows, self.ROWS_PER_BLOCK):
            block = [column[start:start + self.ROWS_PER_BLOCK] for column in self._columns]
            yield "\n".join(map(",".join, zip(*block))) + "\n"

    def read(self, size: int = -1) -> str:
        return next(self._blocks, "")

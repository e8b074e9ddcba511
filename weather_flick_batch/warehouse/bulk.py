"""Bulk loading: frames converted, vectorised, to the primitive values both drivers accept, and
loaded in bulk: COPY on PostgreSQL (CSV text built a block of rows at a time), one executemany
on SQLite; never a round trip per row.

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

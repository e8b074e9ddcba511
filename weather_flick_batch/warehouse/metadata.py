"""Helpers that turn warehouse tables and frames into Dagster-free metadata values."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    import pandas as pd


def _type_name(type_: sa.types.TypeEngine) -> str:
    """The column's type as PostgreSQL (production) spells it: uuid, jsonb, timestamp with time zone."""
    from sqlalchemy.dialects import postgresql

    try:
        return str(type_.compile(dialect=postgresql.dialect())).lower()
    except Exception:  # noqa: BLE001 - a type PostgreSQL cannot render: its generic name
        return str(type_.impl if hasattr(type_, "impl") else type_).lower()


def column_schema(table: sa.Table):
    """A dagster TableSchema for a warehouse table (imported lazily: this module stays light)."""
    import dagster as dg

    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=_type_name(c.type),
                description=c.comment,
                constraints=dg.TableColumnConstraints(nullable=c.nullable, unique=bool(c.primary_key or c.unique)),
            )
            for c in table.columns
        ]
    )


def markdown_preview(frame: "pd.DataFrame", rows: int = 10) -> str:
    """A small markdown table (no tabulate dependency needed beyond pandas' own)."""
    import pandas as pd

    head = frame.head(rows)
    header = "| " + " | ".join(str(c) for c in head.columns) + " |"
    sep = "|" + "---|" * len(head.columns)
    body = ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |" for row in head.itertuples(index=False)]
    return "\n".join([header, sep, *body])

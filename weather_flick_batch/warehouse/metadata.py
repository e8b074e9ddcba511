"""Helpers that turn warehouse tables and frames into Dagster-free metadata values."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    import pandas as pd


def column_schema(table: sa.Table):
    """A dagster TableSchema for a warehouse table (imported lazily: this module stays light)."""
    import dagster as dg

    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=str(c.type.impl if hasattr(c.type, "impl") else c.type).lower(),
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

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
    """A dagster TableSchema for a warehouse table (imported lazily: this module stays light).

    A column is marked unique only when it is unique on its own (a one-column primary key or a
    unique column); a composite primary key is a table constraint, as are multi-column unique ones.
    """
    import dagster as dg

    pk = [c.name for c in table.primary_key.columns]
    composite = [f"primary key ({', '.join(pk)})"] if len(pk) > 1 else []
    composite += [f"unique ({', '.join(c.name for c in u.columns)})" for u in table.constraints
                  if isinstance(u, sa.UniqueConstraint) and len(u.columns) > 1]
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=_type_name(c.type),
                description=c.comment,
                constraints=dg.TableColumnConstraints(
                    nullable=c.nullable, unique=bool((c.primary_key and len(pk) == 1) or c.unique)),
            )
            for c in table.columns
        ],
        constraints=dg.TableConstraints(other=composite) if composite else None,
    )


def _cell(value) -> str:
    """One preview cell: missing as empty, floats rounded (71.56454741379312 reads 71.56)."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:.0f}"
    return str(value)


def markdown_preview(frame: "pd.DataFrame", rows: int = 10) -> str:
    """A small markdown table (no tabulate dependency needed beyond pandas' own): floats rounded to two
    decimals, and a province name beside each ``region_code`` (a code alone means nothing to a reader)."""
    head = frame.head(rows)
    if "region_code" in head.columns and "province" not in head.columns:
        from weather_flick_batch.core.regions import PROVINCE_BY_AREA_CODE

        names = [PROVINCE_BY_AREA_CODE[int(c)].name_ko if _known_province(c, PROVINCE_BY_AREA_CODE) else ""
                 for c in head["region_code"]]
        head = head.copy()
        head.insert(list(head.columns).index("region_code") + 1, "province", names)
    header = "| " + " | ".join(str(c) for c in head.columns) + " |"
    sep = "|" + "---|" * len(head.columns)
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in head.itertuples(index=False)]
    return "\n".join([header, sep, *body])


def _known_province(code, provinces) -> bool:
    try:
        return int(code) in provinces
    except (TypeError, ValueError):
        return False

"""Helpers that turn warehouse tables and frames into Dagster-free metadata values.

The UI's column schemas (``dagster/column_schema``) are built at code-location load from
``columns.py``, plain data generated from the SQLAlchemy tables of ``schema.py`` and
``backend_tables.py`` (``make warehouse-columns``; a test keeps it in sync): building those tables
means importing SQLAlchemy, about a quarter of a second the location would otherwise spend at every
load. Nothing here imports SQLAlchemy, pandas or Dagster at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import sqlalchemy as sa

# A column as the UI shows it: (name, type, description, nullable, unique).
Column = tuple[str, str, "str | None", bool, bool]


def _type_name(type_: sa.types.TypeEngine) -> str:
    """The column's type as PostgreSQL (production) spells it: uuid, jsonb, timestamp with time zone."""
    from sqlalchemy.dialects import postgresql

    try:
        return str(type_.compile(dialect=postgresql.dialect())).lower()
    except Exception:  # noqa: BLE001 - a type PostgreSQL cannot render: its generic name
        return str(type_.impl if hasattr(type_, "impl") else type_).lower()


def table_columns(table: sa.Table) -> tuple[tuple[Column, ...], tuple[str, ...]]:
    """A SQLAlchemy table's columns and table constraints as plain data (what ``columns.py`` holds).

    A column is marked unique only when it is unique on its own (a one-column primary key or a
    unique column); a composite primary key is a table constraint, as are multi-column unique ones.
    """
    import sqlalchemy as sa

    pk = [c.name for c in table.primary_key.columns]
    composite = [f"primary key ({', '.join(pk)})"] if len(pk) > 1 else []
    composite += [f"unique ({', '.join(c.name for c in u.columns)})" for u in table.constraints
                  if isinstance(u, sa.UniqueConstraint) and len(u.columns) > 1]
    columns = tuple((c.name, _type_name(c.type), c.comment, bool(c.nullable),
                     bool((c.primary_key and len(pk) == 1) or c.unique)) for c in table.columns)
    return columns, tuple(composite)


def column_schema(table: sa.Table | str):
    """A dagster TableSchema for a warehouse table: a table name (read from the generated
    ``columns.py``, as the assets do at load) or a SQLAlchemy table. Dagster is imported lazily:
    this module stays Dagster-free."""
    import dagster as dg

    if isinstance(table, str):
        from weather_flick_batch.warehouse.columns import TABLES

        if table not in TABLES:
            raise KeyError(f"{table!r} is not in warehouse/columns.py: add it to metadata.SHOWN_TABLES, "
                           "then run `make warehouse-columns`")
        columns, composite = TABLES[table]
    else:
        columns, composite = table_columns(table)
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=name,
                type=type_,
                description=description,
                constraints=dg.TableColumnConstraints(nullable=nullable, unique=unique),
            )
            for name, type_, description, nullable, unique in columns
        ],
        constraints=dg.TableConstraints(other=list(composite)) if composite else None,
    )


#: The tables whose columns the UI shows (an asset's ``dagster/column_schema``): what ``columns.py``
#: holds. A new asset with a column schema adds its table here, then ``make warehouse-columns``.
SHOWN_TABLES = (
    "forecast_points", "weather_nowcast", "weather_short_range", "weather_ultra_short", "weather_next_hours",
    "weather_mid_land", "weather_mid_ta", "weather_daily_outlook",
    "weather_warning_zones", "weather_warnings",
    "air_dust_forecast", "air_dust_stations", "air_dust_grades",
    "regions", "districts", "destinations", "festival_events", "pet_tour_info", "destination_forecast_cells",
    "destination_weather_scores", "regional_recommendations",
    "analytics_region_weather", "analytics_score_distribution", "analytics_festival_weather",
    "analytics_forecast_verification",
    "trip_forecasts", "trip_notices",
    # the back end's own tables (backend_tables.py), shown as external assets
    "users", "travel_plans", "user_notification_settings", "user_device_tokens", "notifications",
)


def columns_module() -> str:
    """The text of ``columns.py``: the columns of every table in :data:`SHOWN_TABLES`, as plain data
    (``make warehouse-columns`` writes it; a test compares it with the committed file)."""
    from weather_flick_batch.warehouse import backend_tables, schema

    tables = {t.name: t for t in schema.metadata.tables.values()}
    assert not set(tables) & set(backend_tables.BACKEND_TABLES), "a table name used twice"
    tables.update(backend_tables.BACKEND_TABLES)
    lines = [
        '"""The columns of the warehouse tables the UI shows (``dagster/column_schema``), as plain data.',
        "",
        "Generated by `make warehouse-columns` from schema.py and backend_tables.py (the tables named in",
        "metadata.SHOWN_TABLES); do not edit by hand: a test keeps it in sync. The code location reads this at",
        "load instead of building the SQLAlchemy tables (warehouse/metadata.py).",
        '"""',
        "",
        "# table name: ((name, type, description, nullable, unique) per column, table constraints)",
        "TABLES = {",
    ]
    for name in SHOWN_TABLES:
        table = tables[name]
        columns, composite = table_columns(table)
        lines.append(f"    {name!r}: (")
        lines.append("        (")
        lines.extend(f"            {column!r}," for column in columns)
        lines.append("        ),")
        lines.append(f"        {composite!r},")
        lines.append("    ),")
    lines.append("}")
    lines.append("")
    lines.append("# The back end's own tables (backend_tables.py), in their declared order.")
    lines.append(f"BACKEND_TABLE_NAMES = {tuple(backend_tables.BACKEND_TABLES)!r}")
    return "\n".join(lines) + "\n"


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


if __name__ == "__main__":  # make warehouse-columns
    print(columns_module(), end="")

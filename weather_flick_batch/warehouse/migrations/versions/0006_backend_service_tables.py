"""the back end's own tables: create them, or adopt the ones already there

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:30:00

Replaces the service views of 0004 (renamed and missing columns the back end selects) by the back
end's tables exactly as its models declare them (``service_tables.py``), in the service schema
(``WEATHER_FLICK_SERVICE_SCHEMA`` on PostgreSQL). The batch's own region catalogue becomes
``province_catalogue`` so that ``regions`` is the back end's.

The tables are created or adopted per service schema by ``service_tables.adopt`` (here, and by
``db upgrade`` after every upgrade): a table that already exists (made by the back end's migrations
or left by the previous batch) is adopted, not recreated. ``service_table_origin`` records what was
created and what was adopted, so a downgrade drops only what the batch created.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from weather_flick_batch.warehouse import service_tables
from weather_flick_batch.warehouse.types import AwareDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_OLD_VIEWS = ("tourist_attractions", "cultural_facilities", "festivals_events", "leisure_sports",
              "accommodations", "shopping", "restaurants")
# 0004's view definitions, restored by the downgrade.
_VIEW_TYPES = {"tourist_attractions": 12, "cultural_facilities": 14, "leisure_sports": 28, "accommodations": 32,
               "shopping": 38, "restaurants": 39}
_VIEW_SELECT = (
    "SELECT d.content_id, d.region_code, d.sigungu_code, d.title AS name, d.addr1 AS address, "
    "d.addr2 AS address_detail, d.latitude, d.longitude, d.cat3 AS category, d.image_url, d.tel, "
    "d.modified_time, d.is_active"
)


def upgrade() -> None:
    bind = op.get_bind()
    for name in _OLD_VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.rename_table("regions", "province_catalogue")
    if bind.dialect.name == "postgresql":
        # Index names are per schema: free the back end's names for its own regions table.
        op.execute("ALTER INDEX IF EXISTS regions_pkey RENAME TO province_catalogue_pkey")
        op.execute("ALTER INDEX IF EXISTS regions_admin_code_key RENAME TO province_catalogue_admin_code_key")
    op.create_table(
        "service_table_origin",
        sa.Column("schema_name", sa.String(length=63), nullable=False,
                  comment="where it lives (PostgreSQL schema or main)"),
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("adopted", sa.Boolean(), nullable=False,
                  comment="true: it existed before the batch's migration"),
        sa.Column("columns_added", sa.Text(), nullable=True, comment="declared columns the migration had to add"),
        sa.Column("recorded_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("schema_name", "table_name"),
    )
    # The back end's tables in the configured service schema, created or adopted. `db upgrade`
    # (Warehouse.upgrade) hands the schema in and runs the same idempotent step again after every
    # upgrade, so a change of WEATHER_FLICK_SERVICE_SCHEMA (shadow -> public) is applied too.
    if "service_schema" in context.config.attributes:
        context.config.attributes["service_actions"] = service_tables.adopt(
            bind, context.config.attributes["service_schema"])


def downgrade() -> None:
    bind = op.get_bind()
    created = bind.execute(sa.text(
        "SELECT schema_name, table_name FROM service_table_origin WHERE NOT adopted")).all()
    for schema, name in created:
        qualified = f'"{schema}"."{name}"' if bind.dialect.name == "postgresql" else f'"{name}"'
        op.execute(f"DROP TABLE IF EXISTS {qualified}")
    op.drop_table("service_table_origin")
    op.rename_table("province_catalogue", "regions")
    if bind.dialect.name == "postgresql":
        op.execute("ALTER INDEX IF EXISTS province_catalogue_pkey RENAME TO regions_pkey")
        op.execute("ALTER INDEX IF EXISTS province_catalogue_admin_code_key RENAME TO regions_admin_code_key")
    for name, content_type in _VIEW_TYPES.items():
        op.execute(f"CREATE VIEW {name} AS {_VIEW_SELECT} FROM destinations d WHERE d.content_type_id = {content_type}")
    op.execute(
        f"CREATE VIEW festivals_events AS {_VIEW_SELECT}, "
        "COALESCE(f.event_start_date, d.event_start_date) AS event_start_date, "
        "COALESCE(f.event_end_date, d.event_end_date) AS event_end_date "
        "FROM destinations d LEFT JOIN festival_events f ON f.content_id = d.content_id "
        "WHERE d.content_type_id = 15"
    )

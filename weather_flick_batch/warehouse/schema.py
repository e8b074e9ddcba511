"""The warehouse tables, as SQLAlchemy Core metadata.

This metadata is the code's view of the schema; the Alembic migrations in ``migrations/`` create
it. A test compares the two (autogenerate diff must be empty), so they can't drift apart.

Tables read by the WeatherFlick service (``regions`` and, later, the destination tables) are a
contract: their names and key columns only change through a migration and a contract test.
"""

from __future__ import annotations

import sqlalchemy as sa

from weather_flick_batch.warehouse.types import AwareDateTime

metadata = sa.MetaData()

# Service contract table: the 17 provinces with every code system mapped from the canonical key.
regions = sa.Table(
    "regions",
    metadata,
    sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False, comment="TourAPI area code (canonical key)"),
    sa.Column("admin_code", sa.String(2), nullable=False, unique=True),
    sa.Column("former_admin_code", sa.String(2), nullable=True),
    sa.Column("legal_dong_code", sa.String(10), nullable=False),
    sa.Column("name_ko", sa.String(40), nullable=False),
    sa.Column("name_en", sa.String(40), nullable=False),
    sa.Column("capital_ko", sa.String(40), nullable=False),
    sa.Column("latitude", sa.Float, nullable=False),
    sa.Column("longitude", sa.Float, nullable=False),
    sa.Column("grid_nx", sa.Integer, nullable=False),
    sa.Column("grid_ny", sa.Integer, nullable=False),
    sa.Column("mid_land_reg_id", sa.String(8), nullable=False),
    sa.Column("mid_ta_reg_id", sa.String(8), nullable=False),
    sa.Column("updated_at", AwareDateTime, nullable=False),
)

# One row per write, committed in the same transaction as the write itself: an audit trail of
# what each run wrote, and the evidence that re-runs replace rather than duplicate.
load_audit = sa.Table(
    "load_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("table_name", sa.String(80), nullable=False),
    sa.Column("partition_key", sa.String(200), nullable=True, comment="what was replaced, e.g. a partition"),
    sa.Column("operation", sa.String(20), nullable=False, comment="replace or upsert"),
    sa.Column("rows_written", sa.Integer, nullable=False),
    sa.Column("rows_replaced", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(64), nullable=True),
    sa.Column("written_at", AwareDateTime, nullable=False),
)
sa.Index("ix_load_audit_table_written", load_audit.c.table_name, load_audit.c.written_at)

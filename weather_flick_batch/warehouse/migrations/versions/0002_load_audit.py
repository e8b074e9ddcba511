"""load_audit: one row per warehouse write, committed with the write

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from weather_flick_batch.warehouse.types import AwareDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "load_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("table_name", sa.String(80), nullable=False),
        sa.Column("partition_key", sa.String(200), nullable=True, comment="what was replaced, e.g. a partition"),
        sa.Column("operation", sa.String(20), nullable=False, comment="replace or upsert"),
        sa.Column("rows_written", sa.Integer, nullable=False),
        sa.Column("rows_replaced", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("written_at", AwareDateTime, nullable=False),
    )
    op.create_index("ix_load_audit_table_written", "load_audit", ["table_name", "written_at"])


def downgrade() -> None:
    op.drop_index("ix_load_audit_table_written", table_name="load_audit")
    op.drop_table("load_audit")

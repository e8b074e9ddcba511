"""which inputs each day of the scores and top lists was computed from

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 00:30:00

A new short-range issuance changes today to day 3 of the ten days scored: the scores and top lists
rewrite only the days whose inputs changed, and this table says, per table and day, which inputs the
published rows came from. No rows at first: the next refresh rewrites every day and records them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from weather_flick_batch.warehouse.types import AwareDateTime

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "derived_day_versions",
        sa.Column("table_name", sa.String(80), nullable=False,
                  comment="the derived table, e.g. destination_weather_scores"),
        sa.Column("forecast_date", sa.Date(), nullable=False, comment="the day (KST) of the table's rows"),
        sa.Column("version", sa.String(64), nullable=False,
                  comment="digest of everything the day's rows were computed from (inputs, settings, code)"),
        sa.Column("rows", sa.Integer(), nullable=False,
                  comment="rows the day had when written: a day that no longer has them is computed again"),
        sa.Column("run_id", sa.String(64), nullable=True, comment="the Dagster run that wrote the day's rows"),
        sa.Column("written_at", AwareDateTime(), nullable=False, comment="when the day's rows were written"),
        sa.PrimaryKeyConstraint("table_name", "forecast_date"),
    )


def downgrade() -> None:
    op.drop_table("derived_day_versions")

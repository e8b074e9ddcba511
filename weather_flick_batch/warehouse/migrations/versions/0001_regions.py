"""regions: the 17 provinces with every region code system mapped from the TourAPI area code

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from weather_flick_batch.warehouse.types import AwareDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False,
                  comment="TourAPI area code (canonical key)"),
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


def downgrade() -> None:
    op.drop_table("regions")

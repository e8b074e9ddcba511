"""simulated flag on the top lists and the analytics tables

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 13:10:00

Every table a reader sees says whether it came from the offline sample sources. The weather,
catalogue and score tables had the flag; the top lists and analytics (computed from them) now carry
it too. Existing rows get false: they were computed before the flag existed and say nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_TABLES = ("regional_recommendations", "analytics_region_weather", "analytics_score_distribution",
           "analytics_festival_weather", "analytics_forecast_verification")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("simulated", sa.Boolean(), nullable=False, server_default=sa.false(),
                                          comment="true when computed from the offline sample sources"))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("simulated")

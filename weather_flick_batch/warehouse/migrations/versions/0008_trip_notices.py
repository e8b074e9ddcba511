"""trip forecasts and trip notices, with the 24-hour rule in the database

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 14:00:00

``trip_forecasts`` holds what each booked trip was last told; ``trip_notices`` one row per notice.
At most one notice per plan in any 24 hours is a constraint, not a query: on PostgreSQL an exclusion
constraint over (plan_id, [notified_at, window_end)) with window_end = notified_at + 24 h (a CHECK) (``btree_gist`` provides the equality
operator class; it is a trusted extension, so the batch's role can create it in its database), on
SQLite (the embedded warehouse, one writer) a trigger that aborts the insert.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from weather_flick_batch.warehouse.types import AwareDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

WINDOW_CONSTRAINT = "trip_notices_one_per_plan_per_24h"


def upgrade() -> None:
    op.create_table(
        "trip_forecasts",
        sa.Column("plan_id", sa.String(length=36), nullable=False, comment="travel_plans.plan_id"),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False, comment="itinerary day, 1-based"),
        sa.Column("stop", sa.Integer(), autoincrement=False, nullable=False, comment="place's order within the day"),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("forecast_date", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False, comment="the place's name as the itinerary gives it"),
        sa.Column("content_id", sa.String(length=20), nullable=True,
                  comment="TourAPI contentid; NULL when the itinerary gives none"),
        sa.Column("region_code", sa.Integer(), nullable=True,
                  comment="TourAPI area code of the place (or of the trip's province)"),
        sa.Column("point_id", sa.String(length=16), nullable=True,
                  comment="forecast point used; NULL: no outlook covers the place that day"),
        sa.Column("located_by", sa.String(length=16), nullable=False, comment="destination, region or none"),
        sa.Column("tmax_c", sa.Float(), nullable=True),
        sa.Column("tmin_c", sa.Float(), nullable=True),
        sa.Column("pop_pct", sa.Float(), nullable=True),
        sa.Column("precip_mm", sa.Float(), nullable=True),
        sa.Column("wind_ms", sa.Float(), nullable=True),
        sa.Column("cloud_pct", sa.Float(), nullable=True),
        sa.Column("condition", sa.String(length=16), nullable=True, comment="sunny ... typhoon (trips/changes.py)"),
        sa.Column("simulated", sa.Boolean(), nullable=False,
                  comment="true when the outlook came from the sample sources"),
        sa.Column("computed_at", AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "day", "stop"),
    )
    op.create_table(
        "trip_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("notified_at", AwareDateTime(), nullable=False, comment="when the notice was written"),
        sa.Column("window_end", AwareDateTime(), nullable=False,
                  comment="notified_at + 24 h: until then the plan gets no other notice"),
        sa.Column("severity", sa.String(length=10), nullable=False,
                  comment="info, warning or critical (the worst change)"),
        sa.Column("changes", sa.JSON(), nullable=False, comment="the changes, as in notifications.data"),
        sa.Column("notification_ids", sa.Text(), nullable=False, comment="the notifications rows, one per channel"),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_trip_notices_plan", "trip_notices", ["plan_id", "notified_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        # timestamptz + interval is not IMMUTABLE, so the window's end is a column, pinned by a CHECK.
        op.execute("ALTER TABLE trip_notices ADD CONSTRAINT trip_notices_window_is_24h "
                   "CHECK (window_end - notified_at = interval '24 hours')")
        op.execute(
            f"ALTER TABLE trip_notices ADD CONSTRAINT {WINDOW_CONSTRAINT} EXCLUDE USING gist "
            "(plan_id WITH =, tstzrange(notified_at, window_end) WITH &&)")
    else:
        # AwareDateTime stores ISO-8601 text in UTC on SQLite, so julianday() compares instants.
        op.execute(
            f"CREATE TRIGGER {WINDOW_CONSTRAINT} BEFORE INSERT ON trip_notices "
            "WHEN EXISTS (SELECT 1 FROM trip_notices t WHERE t.plan_id = NEW.plan_id "
            "AND abs(julianday(t.notified_at) - julianday(NEW.notified_at)) < 1.0) "
            f"BEGIN SELECT RAISE(ABORT, '{WINDOW_CONSTRAINT}: a notice for this plan within 24 hours'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {WINDOW_CONSTRAINT}")
    op.drop_index("ix_trip_notices_plan", table_name="trip_notices")
    op.drop_table("trip_notices")
    op.drop_table("trip_forecasts")

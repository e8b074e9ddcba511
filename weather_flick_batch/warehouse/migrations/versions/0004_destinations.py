"""destination tables and service views

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:48:57.562603
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from weather_flick_batch.warehouse.types import AwareDateTime


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


# Frozen here (not imported from schema.py): a migration must keep meaning what it meant.
_SERVICE_VIEWS = {
    "tourist_attractions": 12,
    "cultural_facilities": 14,
    "leisure_sports": 28,
    "accommodations": 32,
    "shopping": 38,
    "restaurants": 39,
}
_VIEW_SELECT = (
    "SELECT d.content_id, d.region_code, d.sigungu_code, d.title AS name, d.addr1 AS address, "
    "d.addr2 AS address_detail, d.latitude, d.longitude, d.cat3 AS category, d.image_url, d.tel, "
    "d.modified_time, d.is_active"
)


def _create_views() -> None:
    for name, content_type in _SERVICE_VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {_VIEW_SELECT} FROM destinations d WHERE d.content_type_id = {content_type}")
    # Festivals carry their dates: from searchFestival2 when known, else from the listing.
    op.execute(
        f"CREATE VIEW festivals_events AS {_VIEW_SELECT}, "
        "COALESCE(f.event_start_date, d.event_start_date) AS event_start_date, "
        "COALESCE(f.event_end_date, d.event_end_date) AS event_end_date "
        "FROM destinations d LEFT JOIN festival_events f ON f.content_id = d.content_id "
        "WHERE d.content_type_id = 15"
    )


def _drop_views() -> None:
    for name in [*_SERVICE_VIEWS, "festivals_events"]:
        op.execute(f"DROP VIEW IF EXISTS {name}")


def upgrade() -> None:
    op.create_table('destination_forecast_cells',
    sa.Column('content_id', sa.String(length=20), nullable=False),
    sa.Column('region_code', sa.Integer(), nullable=False),
    sa.Column('nx', sa.Integer(), nullable=False),
    sa.Column('ny', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.String(length=16), nullable=False, comment='forecast_points.point_id of the cell'),
    sa.Column('updated_at', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('content_id')
    )
    op.create_table('destination_rejects',
    sa.Column('region_code', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('content_id', sa.String(length=20), nullable=False, comment='empty when the item had none'),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('content_type_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('raw', sa.Text(), nullable=True, comment='the item as received (no API key)'),
    sa.Column('rejected_at', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'content_id', 'reason')
    )
    op.create_table('destinations',
    sa.Column('content_id', sa.String(length=20), nullable=False, comment='TourAPI contentid'),
    sa.Column('content_type_id', sa.Integer(), nullable=False),
    sa.Column('service_table', sa.String(length=40), nullable=True, comment='the service table this type is published in'),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('addr1', sa.String(length=300), nullable=True),
    sa.Column('addr2', sa.String(length=300), nullable=True),
    sa.Column('zipcode', sa.String(length=10), nullable=True),
    sa.Column('tel', sa.String(length=200), nullable=True),
    sa.Column('region_code', sa.Integer(), nullable=False, comment='TourAPI area code (regions.region_code)'),
    sa.Column('sigungu_code', sa.Integer(), nullable=True),
    sa.Column('cat1', sa.String(length=20), nullable=True),
    sa.Column('cat2', sa.String(length=20), nullable=True),
    sa.Column('cat3', sa.String(length=20), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('image_url', sa.String(length=500), nullable=True),
    sa.Column('thumbnail_url', sa.String(length=500), nullable=True),
    sa.Column('created_time', AwareDateTime(), nullable=True),
    sa.Column('modified_time', AwareDateTime(), nullable=True),
    sa.Column('event_start_date', sa.Date(), nullable=True),
    sa.Column('event_end_date', sa.Date(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('withdrawn_at', AwareDateTime(), nullable=True),
    sa.Column('first_seen_at', AwareDateTime(), nullable=False),
    sa.Column('last_synced_at', AwareDateTime(), nullable=False),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('content_id')
    )
    with op.batch_alter_table('destinations', schema=None) as batch_op:
        batch_op.create_index('ix_destinations_region', ['region_code', 'content_type_id'], unique=False)

    op.create_table('districts',
    sa.Column('region_code', sa.Integer(), autoincrement=False, nullable=False, comment='TourAPI area code'),
    sa.Column('sigungu_code', sa.Integer(), autoincrement=False, nullable=False, comment='TourAPI sigungu code'),
    sa.Column('name_ko', sa.String(length=40), nullable=False),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('updated_at', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'sigungu_code')
    )
    op.create_table('festival_events',
    sa.Column('content_id', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('region_code', sa.Integer(), nullable=False),
    sa.Column('sigungu_code', sa.Integer(), nullable=True),
    sa.Column('event_start_date', sa.Date(), nullable=False),
    sa.Column('event_end_date', sa.Date(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('addr1', sa.String(length=300), nullable=True),
    sa.Column('image_url', sa.String(length=500), nullable=True),
    sa.Column('modified_time', AwareDateTime(), nullable=True),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('updated_at', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('content_id')
    )
    op.create_table('destination_sync_state',
    sa.Column('region_code', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_full_sync_at', AwareDateTime(), nullable=True),
    sa.Column('last_sync_at', AwareDateTime(), nullable=False),
    sa.Column('last_mode', sa.String(length=16), nullable=False),
    sa.Column('active_destinations', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('region_code')
    )
    _create_views()


def downgrade() -> None:
    _drop_views()
    op.drop_table('destination_sync_state')
    op.drop_table('festival_events')
    op.drop_table('districts')
    with op.batch_alter_table('destinations', schema=None) as batch_op:
        batch_op.drop_index('ix_destinations_region')

    op.drop_table('destinations')
    op.drop_table('destination_rejects')
    op.drop_table('destination_forecast_cells')

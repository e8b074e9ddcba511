"""recommendation and analytics tables

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 11:03:30.715084
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from weather_flick_batch.warehouse.types import AwareDateTime


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analytics_festival_weather',
    sa.Column('content_id', sa.String(length=20), nullable=False),
    sa.Column('forecast_date', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('region_code', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('poor_weather', sa.Boolean(), nullable=False),
    sa.Column('as_of', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('content_id', 'forecast_date')
    )
    op.create_table('analytics_forecast_verification',
    sa.Column('region_code', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('lead_day', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('pairs', sa.Integer(), nullable=False),
    sa.Column('temp_mae_c', sa.Float(), nullable=False),
    sa.Column('rain_accuracy', sa.Float(), nullable=False),
    sa.Column('rain_hit_rate', sa.Float(), nullable=True, comment='NULL when no rain was observed'),
    sa.Column('observed_rain_hours', sa.Integer(), nullable=False),
    sa.Column('as_of', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'lead_day')
    )
    op.create_table('analytics_region_weather',
    sa.Column('region_code', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('forecast_date', sa.Date(), nullable=False),
    sa.Column('lead_days', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('tmax_mean_c', sa.Float(), nullable=True),
    sa.Column('tmax_max_c', sa.Float(), nullable=True),
    sa.Column('tmin_mean_c', sa.Float(), nullable=True),
    sa.Column('tmin_min_c', sa.Float(), nullable=True),
    sa.Column('pop_mean_pct', sa.Float(), nullable=True),
    sa.Column('precip_mean_mm', sa.Float(), nullable=True),
    sa.Column('wind_max_ms', sa.Float(), nullable=True),
    sa.Column('cloud_mean_pct', sa.Float(), nullable=True),
    sa.Column('as_of', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'forecast_date')
    )
    op.create_table('analytics_score_distribution',
    sa.Column('region_code', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('forecast_date', sa.Date(), nullable=False),
    sa.Column('destinations', sa.Integer(), nullable=False),
    sa.Column('mean_score', sa.Float(), nullable=False),
    sa.Column('p10_score', sa.Float(), nullable=False),
    sa.Column('median_score', sa.Float(), nullable=False),
    sa.Column('p90_score', sa.Float(), nullable=False),
    sa.Column('share_good_or_better', sa.Float(), nullable=False),
    sa.Column('day_rank', sa.Integer(), nullable=False, comment="1 = the region's best day in the horizon"),
    sa.Column('is_best_day', sa.Boolean(), nullable=False),
    sa.Column('as_of', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'forecast_date')
    )
    op.create_table('destination_weather_scores',
    sa.Column('content_id', sa.String(length=20), nullable=False),
    sa.Column('forecast_date', sa.Date(), nullable=False),
    sa.Column('lead_days', sa.Integer(), nullable=False),
    sa.Column('content_type_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.Integer(), nullable=False),
    sa.Column('sigungu_code', sa.Integer(), nullable=True),
    sa.Column('point_id', sa.String(length=16), nullable=False),
    sa.Column('profile', sa.String(length=20), nullable=False, comment='urban, beach or outdoor_active (HCI variant)'),
    sa.Column('score', sa.Float(), nullable=False, comment='0-100 weather suitability'),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('grade_rank', sa.Integer(), nullable=False, comment='0 unacceptable .. 6 ideal'),
    sa.Column('confidence', sa.Float(), nullable=False, comment='falls with lead time and missing inputs'),
    sa.Column('reasons', sa.Text(), nullable=False, comment='JSON list, e.g. ["rain 70 %"]'),
    sa.Column('tc_rating', sa.Float(), nullable=False),
    sa.Column('a_rating', sa.Float(), nullable=False),
    sa.Column('p_rating', sa.Float(), nullable=False),
    sa.Column('w_rating', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False, comment='short_range or mid_range outlook'),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('as_of', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('content_id', 'forecast_date')
    )
    with op.batch_alter_table('destination_weather_scores', schema=None) as batch_op:
        batch_op.create_index('ix_scores_region_date', ['region_code', 'forecast_date'], unique=False)

    op.create_table('regional_recommendations',
    sa.Column('region_code', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('sigungu_code', sa.Integer(), autoincrement=False, nullable=False, comment='0: province level'),
    sa.Column('forecast_date', sa.Date(), nullable=False),
    sa.Column('content_type_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('rank', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False, comment='province or district'),
    sa.Column('content_id', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('as_of', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'sigungu_code', 'forecast_date', 'content_type_id', 'rank')
    )


def downgrade() -> None:
    op.drop_table('regional_recommendations')
    with op.batch_alter_table('destination_weather_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_scores_region_date')

    op.drop_table('destination_weather_scores')
    op.drop_table('analytics_score_distribution')
    op.drop_table('analytics_region_weather')
    op.drop_table('analytics_forecast_verification')
    op.drop_table('analytics_festival_weather')

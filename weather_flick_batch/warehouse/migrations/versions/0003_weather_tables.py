"""weather tables: forecast points, nowcast, short and medium range, daily outlook

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:35:07.060059
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from weather_flick_batch.warehouse.types import AwareDateTime


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('forecast_points',
    sa.Column('point_id', sa.String(length=16), nullable=False, comment="'nx_ny' of the KMA grid cell"),
    sa.Column('nx', sa.Integer(), nullable=False),
    sa.Column('ny', sa.Integer(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('region_code', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='province or destinations'),
    sa.Column('destination_count', sa.Integer(), nullable=False),
    sa.Column('mid_land_reg_id', sa.String(length=8), nullable=False),
    sa.Column('mid_ta_reg_id', sa.String(length=8), nullable=False),
    sa.Column('updated_at', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('point_id'),
    sa.UniqueConstraint('nx', 'ny', name='uq_forecast_points_cell')
    )
    op.create_table('weather_daily_outlook',
    sa.Column('point_id', sa.String(length=16), nullable=False),
    sa.Column('forecast_date', sa.Date(), nullable=False),
    sa.Column('lead_days', sa.Integer(), nullable=False),
    sa.Column('tmax_c', sa.Float(), nullable=False),
    sa.Column('tmin_c', sa.Float(), nullable=False),
    sa.Column('rh_mean_pct', sa.Float(), nullable=True),
    sa.Column('cloud_pct', sa.Float(), nullable=False),
    sa.Column('pop_max_pct', sa.Float(), nullable=False),
    sa.Column('precip_mm', sa.Float(), nullable=False),
    sa.Column('wind_max_ms', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False, comment='short_range or mid_range: where each value came from'),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('filled_fields', sa.String(length=120), nullable=True, comment='fields filled from the other source'),
    sa.Column('as_of', AwareDateTime(), nullable=False, comment='when the outlook was built'),
    sa.Column('simulated', sa.Boolean(), nullable=False, comment='true when produced by the offline sample source'),
    sa.Column('loaded_at', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('point_id', 'forecast_date')
    )
    op.create_table('weather_mid_land',
    sa.Column('partition_tm_fc', AwareDateTime(), nullable=False),
    sa.Column('reg_id', sa.String(length=8), nullable=False),
    sa.Column('forecast_date', sa.Date(), nullable=False),
    sa.Column('tm_fc', AwareDateTime(), nullable=False),
    sa.Column('day_offset', sa.Integer(), nullable=False),
    sa.Column('rain_prob_am', sa.Float(), nullable=True),
    sa.Column('rain_prob_pm', sa.Float(), nullable=True),
    sa.Column('rain_prob', sa.Float(), nullable=True),
    sa.Column('sky_text_am', sa.String(length=40), nullable=True),
    sa.Column('sky_text_pm', sa.String(length=40), nullable=True),
    sa.Column('sky_text', sa.String(length=40), nullable=True),
    sa.Column('simulated', sa.Boolean(), nullable=False, comment='true when produced by the offline sample source'),
    sa.Column('loaded_at', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('partition_tm_fc', 'reg_id', 'forecast_date')
    )
    op.create_table('weather_mid_ta',
    sa.Column('partition_tm_fc', AwareDateTime(), nullable=False),
    sa.Column('reg_id', sa.String(length=8), nullable=False),
    sa.Column('forecast_date', sa.Date(), nullable=False),
    sa.Column('tm_fc', AwareDateTime(), nullable=False),
    sa.Column('day_offset', sa.Integer(), nullable=False),
    sa.Column('ta_min_c', sa.Float(), nullable=True),
    sa.Column('ta_max_c', sa.Float(), nullable=True),
    sa.Column('ta_min_low_c', sa.Float(), nullable=True),
    sa.Column('ta_min_high_c', sa.Float(), nullable=True),
    sa.Column('ta_max_low_c', sa.Float(), nullable=True),
    sa.Column('ta_max_high_c', sa.Float(), nullable=True),
    sa.Column('simulated', sa.Boolean(), nullable=False, comment='true when produced by the offline sample source'),
    sa.Column('loaded_at', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('partition_tm_fc', 'reg_id', 'forecast_date')
    )
    op.create_table('weather_nowcast',
    sa.Column('partition_hour', AwareDateTime(), nullable=False, comment='the hour this partition asked for'),
    sa.Column('nx', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('ny', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('base_time', AwareDateTime(), nullable=False, comment='the observation hour KMA answered with'),
    sa.Column('t1h_c', sa.Float(), nullable=True),
    sa.Column('rn1_mm', sa.Float(), nullable=True),
    sa.Column('reh_pct', sa.Float(), nullable=True),
    sa.Column('pty_code', sa.Integer(), nullable=True),
    sa.Column('wsd_ms', sa.Float(), nullable=True),
    sa.Column('vec_deg', sa.Float(), nullable=True),
    sa.Column('uuu_ms', sa.Float(), nullable=True),
    sa.Column('vvv_ms', sa.Float(), nullable=True),
    sa.Column('lgt_ka', sa.Float(), nullable=True),
    sa.Column('simulated', sa.Boolean(), nullable=False, comment='true when produced by the offline sample source'),
    sa.Column('loaded_at', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('partition_hour', 'nx', 'ny')
    )
    op.create_table('weather_short_range',
    sa.Column('partition_issuance', AwareDateTime(), nullable=False, comment='the issuance this partition asked for'),
    sa.Column('nx', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('ny', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('valid_time', AwareDateTime(), nullable=False),
    sa.Column('base_time', AwareDateTime(), nullable=False, comment='the issuance KMA answered with'),
    sa.Column('lead_hours', sa.Integer(), nullable=False),
    sa.Column('tmp_c', sa.Float(), nullable=True),
    sa.Column('tmn_c', sa.Float(), nullable=True),
    sa.Column('tmx_c', sa.Float(), nullable=True),
    sa.Column('pop_pct', sa.Float(), nullable=True),
    sa.Column('pty_code', sa.Integer(), nullable=True),
    sa.Column('pcp_mm', sa.Float(), nullable=True),
    sa.Column('sno_cm', sa.Float(), nullable=True),
    sa.Column('sky_code', sa.Integer(), nullable=True),
    sa.Column('reh_pct', sa.Float(), nullable=True),
    sa.Column('wsd_ms', sa.Float(), nullable=True),
    sa.Column('vec_deg', sa.Float(), nullable=True),
    sa.Column('uuu_ms', sa.Float(), nullable=True),
    sa.Column('vvv_ms', sa.Float(), nullable=True),
    sa.Column('wav_m', sa.Float(), nullable=True),
    sa.Column('simulated', sa.Boolean(), nullable=False, comment='true when produced by the offline sample source'),
    sa.Column('loaded_at', AwareDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('partition_issuance', 'nx', 'ny', 'valid_time')
    )


def downgrade() -> None:
    op.drop_table('weather_short_range')
    op.drop_table('weather_nowcast')
    op.drop_table('weather_mid_ta')
    op.drop_table('weather_mid_land')
    op.drop_table('weather_daily_outlook')
    op.drop_table('forecast_points')

"""ultra-short forecast partitions, the next-hours table, and today's hours from the ultra-short forecast

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 15:30:00

``weather_ultra_short`` holds one partition per hourly getUltraSrtFcst issuance (base HH:30);
``weather_next_hours`` what the service reads as "the next few hours"; the daily outlook counts the
hours of each day it took from the ultra-short forecast (existing rows: 0, they took none).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from weather_flick_batch.warehouse.types import AwareDateTime

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _simulated_and_loaded() -> list[sa.Column]:
    return [
        sa.Column("simulated", sa.Boolean(), nullable=False, comment="true when produced by the offline sample source"),
        sa.Column("loaded_at", AwareDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "weather_ultra_short",
        sa.Column("partition_base", AwareDateTime(), nullable=False, comment="the HH:30 issuance this partition asked for"),
        sa.Column("nx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ny", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("valid_time", AwareDateTime(), nullable=False, comment="the hour the values are for"),
        sa.Column("base_time", AwareDateTime(), nullable=False, comment="the issuance KMA answered with"),
        sa.Column("lead_hours", sa.Integer(), nullable=False, comment="whole hours after the base (0..6)"),
        sa.Column("t1h_c", sa.Float(), nullable=True, comment="air temperature, °C"),
        sa.Column("rn1_mm", sa.Float(), nullable=True,
                  comment="rain in the hour, mm (KMA's category text parsed by the PCP rule)"),
        sa.Column("sky_code", sa.Integer(), nullable=True, comment="1 맑음, 3 구름많음, 4 흐림"),
        sa.Column("pty_code", sa.Integer(), nullable=True,
                  comment="0 none, 1 비, 2 비/눈, 3 눈, 5 빗방울, 6 빗방울눈날림, 7 눈날림"),
        sa.Column("reh_pct", sa.Float(), nullable=True, comment="relative humidity, %"),
        sa.Column("wsd_ms", sa.Float(), nullable=True, comment="wind speed, m/s"),
        sa.Column("vec_deg", sa.Float(), nullable=True, comment="wind direction (from), degrees"),
        sa.Column("uuu_ms", sa.Float(), nullable=True, comment="east-west wind component, m/s"),
        sa.Column("vvv_ms", sa.Float(), nullable=True, comment="north-south wind component, m/s"),
        sa.Column("lgt_ka", sa.Float(), nullable=True, comment="lightning (0: none)"),
        *_simulated_and_loaded(),
        sa.PrimaryKeyConstraint("partition_base", "nx", "ny", "valid_time"),
    )
    op.create_table(
        "weather_next_hours",
        sa.Column("point_id", sa.String(length=16), nullable=False, comment="forecast point ('nx_ny')"),
        sa.Column("valid_time", AwareDateTime(), nullable=False, comment="the hour (KST) the row describes"),
        sa.Column("lead_hours", sa.Integer(), nullable=False, comment="hours from now (0: the hour under way)"),
        sa.Column("base_time", AwareDateTime(), nullable=False, comment="the ultra-short issuance (HH:30 KST)"),
        sa.Column("t1h_c", sa.Float(), nullable=True, comment="air temperature, °C"),
        sa.Column("rn1_mm", sa.Float(), nullable=True, comment="rain in the hour, mm"),
        sa.Column("pty_code", sa.Integer(), nullable=True, comment="precipitation type (ultra-short table)"),
        sa.Column("sky_code", sa.Integer(), nullable=True, comment="1 맑음, 3 구름많음, 4 흐림"),
        sa.Column("reh_pct", sa.Float(), nullable=True, comment="relative humidity, %"),
        sa.Column("wsd_ms", sa.Float(), nullable=True, comment="wind speed, m/s"),
        sa.Column("vec_deg", sa.Float(), nullable=True, comment="wind direction (from), degrees"),
        sa.Column("lightning", sa.Boolean(), nullable=False, comment="lightning forecast in the hour"),
        sa.Column("condition", sa.String(length=16), nullable=True,
                  comment="KMA's words: 맑음, 구름많음, 흐림, 비, 눈, 빗방울 ..."),
        sa.Column("wind_text", sa.String(length=16), nullable=True,
                  comment="KMA's wind bands: 약한 (< 4 m/s), 약간 강한 (4-9), 강한 (>= 9)"),
        *_simulated_and_loaded(),
        sa.PrimaryKeyConstraint("point_id", "valid_time"),
    )
    with op.batch_alter_table("weather_daily_outlook", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "ultra_short_hours", sa.Integer(), nullable=False, server_default="0",
            comment="hours of the day taken from the ultra-short forecast (the next six hours)"))


def downgrade() -> None:
    with op.batch_alter_table("weather_daily_outlook", schema=None) as batch_op:
        batch_op.drop_column("ultra_short_hours")
    op.drop_table("weather_next_hours")
    op.drop_table("weather_ultra_short")

"""weather warnings in force and their zones, fine dust (forecast, stations, daily grades), and what they
do to scores and trip forecasts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 16:00:00

New tables: weather_warning_zones (which districts each KMA warning zone covers), weather_warnings
and weather_warning_areas (the warnings in force, per zone and per district), air_dust_forecast (one
partition per AirKorea issuance), air_dust_stations (the current station snapshot) and
air_dust_grades (the grade of each place and day). Scores gain the warning in force, the level that
concerns the visit and the day's fine-dust grade; trip forecasts the warnings at each stop.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import weather_flick_batch.warehouse.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_NEW_TABLES = ("weather_warnings", "weather_warning_zones", "weather_warning_areas", "air_dust_stations",
               "air_dust_grades", "air_dust_forecast")


def upgrade() -> None:
    op.create_table('air_dust_forecast',
    sa.Column('partition_issuance', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=False, comment='the issuance this partition asked for (05, 11, 17, 23 h KST)'),
    sa.Column('inform_code', sa.String(length=8), nullable=False, comment='PM10, PM25 or O3'),
    sa.Column('inform_date', sa.Date(), nullable=False, comment='the day the grade is for'),
    sa.Column('forecast_region', sa.String(length=8), nullable=False, comment="one of AirKorea's 19 forecast regions (서울 … 영동, 영서, 경기남부, 경기북부)"),
    sa.Column('issued_at', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=False, comment='dataTime of the forecast (발표 시각)'),
    sa.Column('grade', sa.String(length=8), nullable=False, comment='좋음, 보통, 나쁨 or 매우나쁨'),
    sa.Column('grade_code', sa.Integer(), nullable=False, comment='1 좋음 … 4 매우나쁨'),
    sa.Column('simulated', sa.Boolean(), nullable=False, comment='true when produced by the offline sample source'),
    sa.Column('loaded_at', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('partition_issuance', 'inform_code', 'inform_date', 'forecast_region')
    )
    op.create_table('air_dust_grades',
    sa.Column('region_code', sa.Integer(), autoincrement=False, nullable=False, comment='TourAPI area code'),
    sa.Column('sigungu_code', sa.Integer(), autoincrement=False, nullable=False, comment='TourAPI district code; 0: the province level, for districts without a row of their own'),
    sa.Column('forecast_date', sa.Date(), nullable=False, comment='the day (KST)'),
    sa.Column('forecast_grade_code', sa.Integer(), nullable=True, comment='forecast grade, worse of PM10 and PM2.5 (1 좋음 … 4 매우나쁨)'),
    sa.Column('measured_grade_code', sa.Integer(), nullable=True, comment="today only: the stations' current 1-hour grade"),
    sa.Column('grade_code', sa.Integer(), nullable=False, comment="the day's grade: the worse of forecast and measured"),
    sa.Column('grade', sa.String(length=8), nullable=False, comment='좋음, 보통, 나쁨 or 매우나쁨'),
    sa.Column('basis', sa.String(length=20), nullable=False, comment='forecast, measured or forecast+measured'),
    sa.Column('simulated', sa.Boolean(), nullable=False, comment='true when produced by the offline sample source'),
    sa.Column('loaded_at', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'sigungu_code', 'forecast_date')
    )
    op.create_table('air_dust_stations',
    sa.Column('sido_name', sa.String(length=8), nullable=False, comment="AirKorea's province name (서울, 경기 …)"),
    sa.Column('station_name', sa.String(length=40), nullable=False, comment='monitoring station'),
    sa.Column('data_time', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=False, comment='the measurement hour (KST)'),
    sa.Column('region_code', sa.Integer(), nullable=False, comment='TourAPI area code'),
    sa.Column('sigungu_code', sa.Integer(), nullable=True, comment='TourAPI district the station is assigned to; NULL: province only'),
    sa.Column('station_assignment', sa.String(length=16), nullable=False, comment='how the district was found: name, alias, address, single_district or province'),
    sa.Column('mang_name', sa.String(length=16), nullable=True, comment='network (도시대기, 도로변대기 …)'),
    sa.Column('pm10_1h', sa.Float(), nullable=True, comment='PM10, µg/m³, 1 hour'),
    sa.Column('pm25_1h', sa.Float(), nullable=True, comment='PM2.5, µg/m³, 1 hour'),
    sa.Column('pm10_24h', sa.Float(), nullable=True, comment='PM10, µg/m³, 24-hour moving value'),
    sa.Column('pm25_24h', sa.Float(), nullable=True, comment='PM2.5, µg/m³, 24-hour moving value'),
    sa.Column('pm10_grade_1h', sa.Integer(), nullable=True, comment='1-hour PM10 grade, 1 좋음 … 4 매우나쁨'),
    sa.Column('pm25_grade_1h', sa.Integer(), nullable=True, comment='1-hour PM2.5 grade'),
    sa.Column('pm_grade_1h', sa.Integer(), nullable=True, comment='the worse of the two'),
    sa.Column('khai', sa.Float(), nullable=True, comment='CAI (통합대기환경지수)'),
    sa.Column('khai_grade', sa.Integer(), nullable=True, comment='CAI grade'),
    sa.Column('o3_ppm', sa.Float(), nullable=True, comment='ozone, ppm'),
    sa.Column('pm10_flag', sa.String(length=20), nullable=True, comment="AirKorea's flag when the value is withheld (점검및교정 …)"),
    sa.Column('pm25_flag', sa.String(length=20), nullable=True, comment="AirKorea's flag when the value is withheld"),
    sa.Column('simulated', sa.Boolean(), nullable=False, comment='true when produced by the offline sample source'),
    sa.Column('loaded_at', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sido_name', 'station_name', 'data_time')
    )
    op.create_table('weather_warning_areas',
    sa.Column('region_code', sa.Integer(), autoincrement=False, nullable=False, comment='TourAPI area code'),
    sa.Column('sigungu_code', sa.Integer(), autoincrement=False, nullable=False, comment='TourAPI district code; 0: the whole province (scope province) or its coast (scope coast)'),
    sa.Column('scope', sa.String(length=10), nullable=False, comment='district, province or coast'),
    sa.Column('area_name', sa.String(length=40), nullable=False, comment='the warning zone'),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('level', sa.String(length=6), nullable=False),
    sa.Column('level_rank', sa.Integer(), nullable=False, comment='1 주의보, 2 경보, 3 중대경보'),
    sa.Column('applies_to', sa.String(length=10), nullable=False, comment='outdoor, coastal or none'),
    sa.Column('outdoor_effect', sa.String(length=8), nullable=False, comment='what it does to outdoor recommendations: cap, lower or none'),
    sa.Column('coverage', sa.String(length=10), nullable=True, comment='whether the zone covers the whole district or part of it'),
    sa.Column('issued_at', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('simulated', sa.Boolean(), nullable=False, comment='true when produced by the offline sample source'),
    sa.Column('loaded_at', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'sigungu_code', 'scope', 'area_name', 'kind')
    )
    op.create_table('weather_warning_zones',
    sa.Column('zone_id', sa.String(length=40), nullable=False, comment="the zone's name as KMA writes it (특보구역)"),
    sa.Column('region_code', sa.Integer(), autoincrement=False, nullable=False, comment='TourAPI area code; 0 for an offshore sea zone'),
    sa.Column('sigungu_code', sa.Integer(), autoincrement=False, nullable=False, comment="TourAPI district code; 0: no district (a sea zone's coast, a whole-province name)"),
    sa.Column('zone_name', sa.String(length=40), nullable=False),
    sa.Column('zone_type', sa.String(length=10), nullable=False, comment='land, province or sea'),
    sa.Column('area_code', sa.String(length=12), nullable=True, comment="KMA's zone code (L…/S…) where known"),
    sa.Column('aliases', sa.String(length=200), nullable=True, comment="other spellings, '|'-separated"),
    sa.Column('sigungu_name', sa.String(length=40), nullable=True),
    sa.Column('coverage', sa.String(length=10), nullable=True, comment='whole, part, unknown or coast'),
    sa.Column('source', sa.String(length=30), nullable=False, comment='where the row comes from (district_name, kma_split …)'),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('updated_at', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('zone_id', 'region_code', 'sigungu_code')
    )
    op.create_table('weather_warnings',
    sa.Column('area_name', sa.String(length=40), nullable=False, comment='the warning zone'),
    sa.Column('kind', sa.String(length=12), nullable=False, comment='호우, 대설, 한파, 폭염, 강풍, 태풍, 풍랑, 건조, 황사 …'),
    sa.Column('zone_id', sa.String(length=40), nullable=True, comment='weather_warning_zones.zone_id (NULL: unknown zone)'),
    sa.Column('area_code', sa.String(length=12), nullable=True, comment="KMA's zone code (from the events)"),
    sa.Column('stn_id', sa.Integer(), nullable=True, comment='issuing office'),
    sa.Column('is_sea', sa.Boolean(), nullable=False),
    sa.Column('kind_code', sa.Integer(), nullable=True, comment='KMA warnVar'),
    sa.Column('level', sa.String(length=6), nullable=False, comment='주의보 or 경보'),
    sa.Column('level_rank', sa.Integer(), nullable=False, comment='1 주의보, 2 경보, 3 중대경보'),
    sa.Column('command', sa.String(length=12), nullable=True, comment='the newest event: 발표, 연장, 정정 …'),
    sa.Column('issued_at', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=True, comment='tmFc of the newest event'),
    sa.Column('tm_seq', sa.Integer(), nullable=True, comment="the office's bulletin number"),
    sa.Column('start_time', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('end_time', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=True, comment='NULL while not lifted'),
    sa.Column('source', sa.String(length=12), nullable=False, comment='events (getPwnCd) or status_text (getPwnStatus)'),
    sa.Column('as_of', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=False, comment='the instant the warnings were read for'),
    sa.Column('simulated', sa.Boolean(), nullable=False, comment='true when produced by the offline sample source'),
    sa.Column('loaded_at', weather_flick_batch.warehouse.types.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('area_name', 'kind')
    )
    with op.batch_alter_table('destination_weather_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warning', sa.String(length=200), nullable=True, comment="weather warnings in force at the place today, e.g. '호우경보, 강풍주의보'"))
        batch_op.add_column(sa.Column('warning_level', sa.Integer(), server_default='0', nullable=False, comment='the warning that concerns the visit: 0 none, 1 주의보 (lowered), 2 경보 (capped, not in top lists)'))
        batch_op.add_column(sa.Column('dust_grade', sa.String(length=8), nullable=True, comment="the day's fine-dust grade at the place (좋음 … 매우나쁨)"))

    with op.batch_alter_table('trip_forecasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warnings', sa.String(length=200), nullable=True, comment="weather warnings in force at the place on the day, e.g. '호우경보'"))

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table('trip_forecasts', schema=None) as batch_op:
        batch_op.drop_column('warnings')
    with op.batch_alter_table('destination_weather_scores', schema=None) as batch_op:
        batch_op.drop_column('dust_grade')
        batch_op.drop_column('warning_level')
        batch_op.drop_column('warning')
    for table in _NEW_TABLES:
        op.drop_table(table)

"""descriptions for every column of the tables the service and analysts read

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 16:30:00

The Dagster UI shows a table's column comments as its column descriptions; these columns had none.
PostgreSQL only: SQLite keeps no column comments (the embedded warehouse is described by its schema).
"""

from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COMMENTS = [
    ('air_dust_grades', 'loaded_at', 'when the row was written'),
    ('analytics_festival_weather', 'content_id', 'TourAPI contentid of the destination'),
    ('analytics_festival_weather', 'forecast_date', 'a day of the festival within the horizon'),
    ('analytics_festival_weather', 'title', "the destination's name as TourAPI gives it"),
    ('analytics_festival_weather', 'region_code', 'province: TourAPI area code (1 서울 … 39 제주)'),
    ('analytics_festival_weather', 'score', '0-100 weather suitability (docs/scoring.md)'),
    ('analytics_festival_weather', 'grade', "the score's band: ideal, excellent, very good, good, acceptable, marginal, unacceptable"),
    ('analytics_festival_weather', 'reasons', 'JSON list of the reasons behind the score, e.g. ["rain 70 %"]'),
    ('analytics_festival_weather', 'poor_weather', "true when the festival day's score is marginal or worse"),
    ('analytics_festival_weather', 'as_of', 'when the row was computed'),
    ('analytics_forecast_verification', 'region_code', 'province: TourAPI area code (1 서울 … 39 제주)'),
    ('analytics_forecast_verification', 'lead_day', "days between the forecast's issuance and the hour observed"),
    ('analytics_forecast_verification', 'pairs', 'forecast-observation pairs compared'),
    ('analytics_forecast_verification', 'temp_mae_c', 'mean absolute temperature error, °C'),
    ('analytics_forecast_verification', 'rain_accuracy', 'share of hours where rain/no rain was forecast right (0-1)'),
    ('analytics_forecast_verification', 'observed_rain_hours', 'hours with observed rain'),
    ('analytics_forecast_verification', 'as_of', 'when the row was computed'),
    ('analytics_region_weather', 'region_code', 'province: TourAPI area code (1 서울 … 39 제주)'),
    ('analytics_region_weather', 'forecast_date', 'the day (KST) the row is for'),
    ('analytics_region_weather', 'lead_days', 'days from today (KST) to forecast_date: 0 today … 9'),
    ('analytics_region_weather', 'points', 'forecast points averaged'),
    ('analytics_region_weather', 'tmax_mean_c', 'mean daily maximum, °C'),
    ('analytics_region_weather', 'tmax_max_c', 'highest daily maximum, °C'),
    ('analytics_region_weather', 'tmin_mean_c', 'mean daily minimum, °C'),
    ('analytics_region_weather', 'tmin_min_c', 'lowest daily minimum, °C'),
    ('analytics_region_weather', 'pop_mean_pct', 'mean rain probability, %'),
    ('analytics_region_weather', 'precip_mean_mm', 'mean rain amount, mm'),
    ('analytics_region_weather', 'wind_max_ms', 'strongest wind, m/s'),
    ('analytics_region_weather', 'cloud_mean_pct', 'mean cloud cover, %'),
    ('analytics_region_weather', 'as_of', 'when the row was computed'),
    ('analytics_score_distribution', 'region_code', 'province: TourAPI area code (1 서울 … 39 제주)'),
    ('analytics_score_distribution', 'forecast_date', 'the day (KST) the row is for'),
    ('analytics_score_distribution', 'destinations', 'destinations scored'),
    ('analytics_score_distribution', 'mean_score', 'mean score'),
    ('analytics_score_distribution', 'p10_score', '10th percentile score'),
    ('analytics_score_distribution', 'median_score', 'median score'),
    ('analytics_score_distribution', 'p90_score', '90th percentile score'),
    ('analytics_score_distribution', 'share_good_or_better', 'share of scores graded good or better (0-1)'),
    ('analytics_score_distribution', 'is_best_day', "true on the province's best day of the horizon"),
    ('analytics_score_distribution', 'as_of', 'when the row was computed'),
    ('destination_weather_scores', 'content_id', 'TourAPI contentid of the destination'),
    ('destination_weather_scores', 'forecast_date', 'the day (KST) the row is for'),
    ('destination_weather_scores', 'lead_days', 'days from today (KST) to forecast_date: 0 today … 9'),
    ('destination_weather_scores', 'content_type_id', 'TourAPI content type: 12 tourist spot, 14 culture, 15 festival, 25 course, 28 leisure, 32 lodging, 38 shopping, 39 food'),
    ('destination_weather_scores', 'region_code', 'province: TourAPI area code (1 서울 … 39 제주)'),
    ('destination_weather_scores', 'sigungu_code', 'district: TourAPI sigungu code within the province'),
    ('destination_weather_scores', 'point_id', "KMA forecast point 'nx_ny' (5 km grid cell) whose forecast is used"),
    ('destination_weather_scores', 'grade', "the score's band: ideal, excellent, very good, good, acceptable, marginal, unacceptable"),
    ('destination_weather_scores', 'tc_rating', 'thermal comfort facet rating, 0-10 (HCI)'),
    ('destination_weather_scores', 'a_rating', 'aesthetic (cloud) facet rating, 0-10'),
    ('destination_weather_scores', 'p_rating', 'precipitation facet rating, 0-10'),
    ('destination_weather_scores', 'w_rating', 'wind facet rating, 0-10'),
    ('destination_weather_scores', 'simulated', 'true when computed from the offline sample sources'),
    ('destination_weather_scores', 'as_of', 'when the row was computed'),
    ('destinations', 'content_type_id', 'TourAPI content type: 12 tourist spot, 14 culture, 15 festival, 25 course, 28 leisure, 32 lodging, 38 shopping, 39 food'),
    ('destinations', 'title', "the destination's name as TourAPI gives it"),
    ('destinations', 'addr1', 'address'),
    ('destinations', 'addr2', 'address, detail'),
    ('destinations', 'zipcode', 'postal code'),
    ('destinations', 'tel', 'telephone'),
    ('destinations', 'sigungu_code', 'district: TourAPI sigungu code within the province'),
    ('destinations', 'cat1', 'TourAPI category, level 1'),
    ('destinations', 'cat2', 'TourAPI category, level 2'),
    ('destinations', 'cat3', 'TourAPI category, level 3'),
    ('destinations', 'latitude', 'WGS84 latitude'),
    ('destinations', 'longitude', 'WGS84 longitude'),
    ('destinations', 'image_url', 'TourAPI firstimage'),
    ('destinations', 'thumbnail_url', 'TourAPI firstimage2'),
    ('destinations', 'created_time', 'TourAPI createdtime'),
    ('destinations', 'modified_time', 'TourAPI modifiedtime'),
    ('destinations', 'event_start_date', 'festival start (festivals only)'),
    ('destinations', 'event_end_date', 'festival end (festivals only)'),
    ('destinations', 'is_active', "false once withdrawn from TourAPI's listing"),
    ('destinations', 'withdrawn_at', 'when it left the listing'),
    ('destinations', 'first_seen_at', 'first sync that saw it'),
    ('destinations', 'last_synced_at', 'last sync that saw it'),
    ('destinations', 'simulated', 'true when computed from the offline sample sources'),
    ('districts', 'name_ko', "the district's Korean name"),
    ('districts', 'simulated', 'true when computed from the offline sample sources'),
    ('districts', 'updated_at', 'when the row was last written'),
    ('forecast_points', 'nx', 'KMA grid x (5 km Lambert grid)'),
    ('forecast_points', 'ny', 'KMA grid y (5 km Lambert grid)'),
    ('forecast_points', 'latitude', 'WGS84 latitude'),
    ('forecast_points', 'longitude', 'WGS84 longitude'),
    ('forecast_points', 'region_code', 'province: TourAPI area code (1 서울 … 39 제주)'),
    ('forecast_points', 'destination_count', 'active destinations in the cell'),
    ('forecast_points', 'mid_land_reg_id', 'KMA medium-range land region (getMidLandFcst regId)'),
    ('forecast_points', 'mid_ta_reg_id', 'KMA medium-range temperature city (getMidTa regId)'),
    ('forecast_points', 'updated_at', 'when the row was last written'),
    ('regional_recommendations', 'region_code', 'province: TourAPI area code; with sigungu_code 0 the province list'),
    ('regional_recommendations', 'forecast_date', 'the day (KST) the row is for'),
    ('regional_recommendations', 'content_type_id', 'TourAPI content type: 12 tourist spot, 14 culture, 15 festival, 25 course, 28 leisure, 32 lodging, 38 shopping, 39 food'),
    ('regional_recommendations', 'rank', '1 = the best-scoring destination of the list'),
    ('regional_recommendations', 'content_id', 'TourAPI contentid of the destination'),
    ('regional_recommendations', 'title', "the destination's name as TourAPI gives it"),
    ('regional_recommendations', 'score', '0-100 weather suitability (docs/scoring.md)'),
    ('regional_recommendations', 'grade', "the score's band: ideal, excellent, very good, good, acceptable, marginal, unacceptable"),
    ('regional_recommendations', 'reasons', 'JSON list of the reasons behind the score, e.g. ["rain 70 %"]'),
    ('regional_recommendations', 'as_of', 'when the row was computed'),
    ('trip_forecasts', 'user_id', "the back end's users.user_id"),
    ('trip_forecasts', 'forecast_date', 'the day (KST) the row is for'),
    ('trip_forecasts', 'tmax_c', 'daily maximum temperature, °C'),
    ('trip_forecasts', 'tmin_c', 'daily minimum temperature, °C'),
    ('trip_forecasts', 'pop_pct', 'highest rain probability of the day, %'),
    ('trip_forecasts', 'precip_mm', 'rain amount of the day, mm'),
    ('trip_forecasts', 'wind_ms', 'strongest wind of the day, m/s'),
    ('trip_forecasts', 'cloud_pct', 'cloud cover, % (daytime mean)'),
    ('trip_forecasts', 'computed_at', 'when the row was computed'),
    ('weather_daily_outlook', 'point_id', "KMA forecast point 'nx_ny' (5 km grid cell) whose forecast is used"),
    ('weather_daily_outlook', 'forecast_date', 'the day (KST) the row is for'),
    ('weather_daily_outlook', 'lead_days', 'days from today (KST) to forecast_date: 0 today … 9'),
    ('weather_daily_outlook', 'tmax_c', 'daily maximum temperature, °C'),
    ('weather_daily_outlook', 'tmin_c', 'daily minimum temperature, °C'),
    ('weather_daily_outlook', 'rh_mean_pct', 'mean relative humidity, %'),
    ('weather_daily_outlook', 'cloud_pct', 'cloud cover, % (daytime mean)'),
    ('weather_daily_outlook', 'pop_max_pct', 'highest rain probability of the day, %'),
    ('weather_daily_outlook', 'precip_mm', 'rain amount of the day, mm'),
    ('weather_daily_outlook', 'wind_max_ms', 'strongest wind of the day, m/s'),
    ('weather_daily_outlook', 'complete', 'true when the day had every hour (short range) or both halves (mid range)'),
    ('weather_daily_outlook', 'loaded_at', 'when the row was written'),
    ('weather_next_hours', 'loaded_at', 'when the row was written'),
    ('weather_warning_areas', 'kind', 'warning kind: 호우, 대설, 한파, 폭염, 강풍, 태풍, 풍랑, 폭풍해일, 건조, 황사 …'),
    ('weather_warning_areas', 'level', '주의보 (advisory) or 경보 (warning)'),
    ('weather_warning_areas', 'issued_at', 'when KMA issued the warning (tmFc)'),
    ('weather_warning_areas', 'loaded_at', 'when the row was written'),
    ('weather_warnings', 'is_sea', 'true for a sea zone (풍랑, 폭풍해일 …)'),
    ('weather_warnings', 'start_time', 'when the warning takes effect'),
    ('weather_warnings', 'loaded_at', 'when the row was written'),
]


def _comment(describe: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, comment in COMMENTS:
        op.alter_column(table, column, comment=comment if describe else None)


def upgrade() -> None:
    _comment(True)


def downgrade() -> None:
    _comment(False)

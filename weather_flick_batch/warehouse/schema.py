"""The warehouse tables, as SQLAlchemy Core metadata.

This metadata is the code's view of the schema; the Alembic migrations in ``migrations/`` create
it. A test compares the two (autogenerate diff must be empty), so they can't drift apart.

The tables the WeatherFlick back end reads (``regions``, the content tables, ``pet_tour_info``) are
its own models' tables, defined column for column in ``service_tables.py`` and registered here; the
batch's own tables below are the platform's working state.
"""

from __future__ import annotations

import sqlalchemy as sa

from weather_flick_batch.warehouse.types import AwareDateTime

metadata = sa.MetaData()

# The 17 provinces with every code system mapped from the canonical key: the batch's own catalogue.
# (The back end's ``regions`` table, keyed by the same code as text, is published from it.)
province_catalogue = sa.Table(
    "province_catalogue",
    metadata,
    sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False, comment="TourAPI area code (canonical key)"),
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

# One row per write, committed in the same transaction as the write itself: an audit trail of
# what each run wrote, and the evidence that re-runs replace rather than duplicate.
load_audit = sa.Table(
    "load_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("table_name", sa.String(80), nullable=False),
    sa.Column("partition_key", sa.String(200), nullable=True, comment="what was replaced, e.g. a partition"),
    sa.Column("operation", sa.String(20), nullable=False, comment="replace or upsert"),
    sa.Column("rows_written", sa.Integer, nullable=False),
    sa.Column("rows_replaced", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(64), nullable=True),
    sa.Column("written_at", AwareDateTime, nullable=False),
)
sa.Index("ix_load_audit_table_written", load_audit.c.table_name, load_audit.c.written_at)


def _computed_from_samples() -> sa.Column:
    """The flag of tables computed from others (top lists, analytics): true when their inputs were simulated."""
    return sa.Column("simulated", sa.Boolean, nullable=False, server_default=sa.false(),
                     comment="true when computed from the offline sample sources")


# --- weather (KMA) ---------------------------------------------------------------------------
def _simulated_and_loaded() -> list[sa.Column]:
    return [
        sa.Column("simulated", sa.Boolean, nullable=False, comment="true when produced by the offline sample source"),
        sa.Column("loaded_at", AwareDateTime, nullable=False),
    ]


forecast_points = sa.Table(
    "forecast_points",
    metadata,
    sa.Column("point_id", sa.String(16), primary_key=True, comment="'nx_ny' of the KMA grid cell"),
    sa.Column("nx", sa.Integer, nullable=False),
    sa.Column("ny", sa.Integer, nullable=False),
    sa.Column("latitude", sa.Float, nullable=False),
    sa.Column("longitude", sa.Float, nullable=False),
    sa.Column("region_code", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False, comment="province or destinations"),
    sa.Column("destination_count", sa.Integer, nullable=False),
    sa.Column("mid_land_reg_id", sa.String(8), nullable=False),
    sa.Column("mid_ta_reg_id", sa.String(8), nullable=False),
    sa.Column("updated_at", AwareDateTime, nullable=False),
    sa.UniqueConstraint("nx", "ny", name="uq_forecast_points_cell"),
)

weather_nowcast = sa.Table(
    "weather_nowcast",
    metadata,
    sa.Column("partition_hour", AwareDateTime, primary_key=True, comment="the hour this partition asked for"),
    sa.Column("nx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("ny", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("base_time", AwareDateTime, nullable=False, comment="the observation hour KMA answered with"),
    sa.Column("t1h_c", sa.Float),
    sa.Column("rn1_mm", sa.Float),
    sa.Column("reh_pct", sa.Float),
    sa.Column("pty_code", sa.Integer),
    sa.Column("wsd_ms", sa.Float),
    sa.Column("vec_deg", sa.Float),
    sa.Column("uuu_ms", sa.Float),
    sa.Column("vvv_ms", sa.Float),
    sa.Column("lgt_ka", sa.Float),
    *_simulated_and_loaded(),
)

weather_short_range = sa.Table(
    "weather_short_range",
    metadata,
    sa.Column("partition_issuance", AwareDateTime, primary_key=True, comment="the issuance this partition asked for"),
    sa.Column("nx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("ny", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("valid_time", AwareDateTime, primary_key=True),
    sa.Column("base_time", AwareDateTime, nullable=False, comment="the issuance KMA answered with"),
    sa.Column("lead_hours", sa.Integer, nullable=False),
    sa.Column("tmp_c", sa.Float),
    sa.Column("tmn_c", sa.Float),
    sa.Column("tmx_c", sa.Float),
    sa.Column("pop_pct", sa.Float),
    sa.Column("pty_code", sa.Integer),
    sa.Column("pcp_mm", sa.Float),
    sa.Column("sno_cm", sa.Float),
    sa.Column("sky_code", sa.Integer),
    sa.Column("reh_pct", sa.Float),
    sa.Column("wsd_ms", sa.Float),
    sa.Column("vec_deg", sa.Float),
    sa.Column("uuu_ms", sa.Float),
    sa.Column("vvv_ms", sa.Float),
    sa.Column("wav_m", sa.Float),
    *_simulated_and_loaded(),
)

weather_ultra_short = sa.Table(
    "weather_ultra_short",
    metadata,
    sa.Column("partition_base", AwareDateTime, primary_key=True, comment="the HH:30 issuance this partition asked for"),
    sa.Column("nx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("ny", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("valid_time", AwareDateTime, primary_key=True, comment="the hour the values are for"),
    sa.Column("base_time", AwareDateTime, nullable=False, comment="the issuance KMA answered with"),
    sa.Column("lead_hours", sa.Integer, nullable=False, comment="whole hours after the base (0..6)"),
    sa.Column("t1h_c", sa.Float, comment="air temperature, °C"),
    sa.Column("rn1_mm", sa.Float, comment="rain in the hour, mm (KMA's category text parsed by the PCP rule)"),
    sa.Column("sky_code", sa.Integer, comment="1 맑음, 3 구름많음, 4 흐림"),
    sa.Column("pty_code", sa.Integer, comment="0 none, 1 비, 2 비/눈, 3 눈, 5 빗방울, 6 빗방울눈날림, 7 눈날림"),
    sa.Column("reh_pct", sa.Float, comment="relative humidity, %"),
    sa.Column("wsd_ms", sa.Float, comment="wind speed, m/s"),
    sa.Column("vec_deg", sa.Float, comment="wind direction (from), degrees"),
    sa.Column("uuu_ms", sa.Float, comment="east-west wind component, m/s"),
    sa.Column("vvv_ms", sa.Float, comment="north-south wind component, m/s"),
    sa.Column("lgt_ka", sa.Float, comment="lightning (0: none)"),
    *_simulated_and_loaded(),
)

weather_next_hours = sa.Table(
    "weather_next_hours",
    metadata,
    sa.Column("point_id", sa.String(16), primary_key=True, comment="forecast point ('nx_ny')"),
    sa.Column("valid_time", AwareDateTime, primary_key=True, comment="the hour (KST) the row describes"),
    sa.Column("lead_hours", sa.Integer, nullable=False, comment="hours from now (0: the hour under way)"),
    sa.Column("base_time", AwareDateTime, nullable=False, comment="the ultra-short issuance (HH:30 KST)"),
    sa.Column("t1h_c", sa.Float, comment="air temperature, °C"),
    sa.Column("rn1_mm", sa.Float, comment="rain in the hour, mm"),
    sa.Column("pty_code", sa.Integer, comment="precipitation type (ultra-short table)"),
    sa.Column("sky_code", sa.Integer, comment="1 맑음, 3 구름많음, 4 흐림"),
    sa.Column("reh_pct", sa.Float, comment="relative humidity, %"),
    sa.Column("wsd_ms", sa.Float, comment="wind speed, m/s"),
    sa.Column("vec_deg", sa.Float, comment="wind direction (from), degrees"),
    sa.Column("lightning", sa.Boolean, nullable=False, comment="lightning forecast in the hour"),
    sa.Column("condition", sa.String(16), comment="KMA's words: 맑음, 구름많음, 흐림, 비, 눈, 빗방울 ..."),
    sa.Column("wind_text", sa.String(16), comment="KMA's wind bands: 약한 (< 4 m/s), 약간 강한 (4-9), 강한 (>= 9)"),
    *_simulated_and_loaded(),
)

weather_mid_land = sa.Table(
    "weather_mid_land",
    metadata,
    sa.Column("partition_tm_fc", AwareDateTime, primary_key=True),
    sa.Column("reg_id", sa.String(8), primary_key=True),
    sa.Column("forecast_date", sa.Date, primary_key=True),
    sa.Column("tm_fc", AwareDateTime, nullable=False),
    sa.Column("day_offset", sa.Integer, nullable=False),
    sa.Column("rain_prob_am", sa.Float),
    sa.Column("rain_prob_pm", sa.Float),
    sa.Column("rain_prob", sa.Float),
    sa.Column("sky_text_am", sa.String(40)),
    sa.Column("sky_text_pm", sa.String(40)),
    sa.Column("sky_text", sa.String(40)),
    *_simulated_and_loaded(),
)

weather_mid_ta = sa.Table(
    "weather_mid_ta",
    metadata,
    sa.Column("partition_tm_fc", AwareDateTime, primary_key=True),
    sa.Column("reg_id", sa.String(8), primary_key=True),
    sa.Column("forecast_date", sa.Date, primary_key=True),
    sa.Column("tm_fc", AwareDateTime, nullable=False),
    sa.Column("day_offset", sa.Integer, nullable=False),
    sa.Column("ta_min_c", sa.Float),
    sa.Column("ta_max_c", sa.Float),
    sa.Column("ta_min_low_c", sa.Float),
    sa.Column("ta_min_high_c", sa.Float),
    sa.Column("ta_max_low_c", sa.Float),
    sa.Column("ta_max_high_c", sa.Float),
    *_simulated_and_loaded(),
)

weather_daily_outlook = sa.Table(
    "weather_daily_outlook",
    metadata,
    sa.Column("point_id", sa.String(16), primary_key=True),
    sa.Column("forecast_date", sa.Date, primary_key=True),
    sa.Column("lead_days", sa.Integer, nullable=False),
    sa.Column("tmax_c", sa.Float, nullable=False),
    sa.Column("tmin_c", sa.Float, nullable=False),
    sa.Column("rh_mean_pct", sa.Float),
    sa.Column("cloud_pct", sa.Float, nullable=False),
    sa.Column("pop_max_pct", sa.Float, nullable=False),
    sa.Column("precip_mm", sa.Float, nullable=False),
    sa.Column("wind_max_ms", sa.Float, nullable=False),
    sa.Column("source", sa.String(16), nullable=False, comment="short_range or mid_range: where each value came from"),
    sa.Column("complete", sa.Boolean, nullable=False),
    sa.Column("filled_fields", sa.String(120), comment="fields filled from the other source"),
    sa.Column("ultra_short_hours", sa.Integer, nullable=False, server_default="0",
              comment="hours of the day taken from the ultra-short forecast (the next six hours)"),
    sa.Column("as_of", AwareDateTime, nullable=False, comment="when the outlook was built"),
    *_simulated_and_loaded(),
)


# --- weather warnings (KMA 기상특보) --------------------------------------------------------------
weather_warning_zones = sa.Table(
    "weather_warning_zones",
    metadata,
    sa.Column("zone_id", sa.String(40), primary_key=True, comment="the zone's name as KMA writes it (특보구역)"),
    sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False,
              comment="TourAPI area code; 0 for an offshore sea zone"),
    sa.Column("sigungu_code", sa.Integer, primary_key=True, autoincrement=False,
              comment="TourAPI district code; 0: no district (a sea zone's coast, a whole-province name)"),
    sa.Column("zone_name", sa.String(40), nullable=False),
    sa.Column("zone_type", sa.String(10), nullable=False, comment="land, province or sea"),
    sa.Column("area_code", sa.String(12), comment="KMA's zone code (L…/S…) where known"),
    sa.Column("aliases", sa.String(200), comment="other spellings, '|'-separated"),
    sa.Column("sigungu_name", sa.String(40)),
    sa.Column("coverage", sa.String(10), comment="whole, part, unknown or coast"),
    sa.Column("source", sa.String(30), nullable=False, comment="where the row comes from (district_name, kma_split …)"),
    sa.Column("note", sa.Text),
    sa.Column("updated_at", AwareDateTime, nullable=False),
)

weather_warnings = sa.Table(
    "weather_warnings",
    metadata,
    sa.Column("area_name", sa.String(40), primary_key=True, comment="the warning zone"),
    sa.Column("kind", sa.String(12), primary_key=True, comment="호우, 대설, 한파, 폭염, 강풍, 태풍, 풍랑, 건조, 황사 …"),
    sa.Column("zone_id", sa.String(40), comment="weather_warning_zones.zone_id (NULL: unknown zone)"),
    sa.Column("area_code", sa.String(12), comment="KMA's zone code (from the events)"),
    sa.Column("stn_id", sa.Integer, comment="issuing office"),
    sa.Column("is_sea", sa.Boolean, nullable=False),
    sa.Column("kind_code", sa.Integer, comment="KMA warnVar"),
    sa.Column("level", sa.String(6), nullable=False, comment="주의보 or 경보"),
    sa.Column("level_rank", sa.Integer, nullable=False, comment="1 주의보, 2 경보, 3 중대경보"),
    sa.Column("command", sa.String(12), comment="the newest event: 발표, 연장, 정정 …"),
    sa.Column("issued_at", AwareDateTime, comment="tmFc of the newest event"),
    sa.Column("tm_seq", sa.Integer, comment="the office's bulletin number"),
    sa.Column("start_time", AwareDateTime),
    sa.Column("end_time", AwareDateTime, comment="NULL while not lifted"),
    sa.Column("source", sa.String(12), nullable=False, comment="events (getPwnCd) or status_text (getPwnStatus)"),
    sa.Column("as_of", AwareDateTime, nullable=False, comment="the instant the warnings were read for"),
    *_simulated_and_loaded(),
)

weather_warning_areas = sa.Table(
    "weather_warning_areas",
    metadata,
    sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False, comment="TourAPI area code"),
    sa.Column("sigungu_code", sa.Integer, primary_key=True, autoincrement=False,
              comment="TourAPI district code; 0: the whole province (scope province) or its coast (scope coast)"),
    sa.Column("scope", sa.String(10), primary_key=True, comment="district, province or coast"),
    sa.Column("area_name", sa.String(40), primary_key=True, comment="the warning zone"),
    sa.Column("kind", sa.String(12), primary_key=True),
    sa.Column("level", sa.String(6), nullable=False),
    sa.Column("level_rank", sa.Integer, nullable=False, comment="1 주의보, 2 경보, 3 중대경보"),
    sa.Column("applies_to", sa.String(10), nullable=False, comment="outdoor, coastal or none"),
    sa.Column("outdoor_effect", sa.String(8), nullable=False,
              comment="what it does to outdoor recommendations: cap, lower or none"),
    sa.Column("coverage", sa.String(10), comment="whether the zone covers the whole district or part of it"),
    sa.Column("issued_at", AwareDateTime),
    *_simulated_and_loaded(),
)


# --- fine dust (AirKorea) -----------------------------------------------------------------------
air_dust_forecast = sa.Table(
    "air_dust_forecast",
    metadata,
    sa.Column("partition_issuance", AwareDateTime, primary_key=True,
              comment="the issuance this partition asked for (05, 11, 17, 23 h KST)"),
    sa.Column("inform_code", sa.String(8), primary_key=True, comment="PM10, PM25 or O3"),
    sa.Column("inform_date", sa.Date, primary_key=True, comment="the day the grade is for"),
    sa.Column("forecast_region", sa.String(8), primary_key=True,
              comment="one of AirKorea's 19 forecast regions (서울 … 영동, 영서, 경기남부, 경기북부)"),
    sa.Column("issued_at", AwareDateTime, nullable=False, comment="dataTime of the forecast (발표 시각)"),
    sa.Column("grade", sa.String(8), nullable=False, comment="좋음, 보통, 나쁨 or 매우나쁨"),
    sa.Column("grade_code", sa.Integer, nullable=False, comment="1 좋음 … 4 매우나쁨"),
    *_simulated_and_loaded(),
)

air_dust_stations = sa.Table(
    "air_dust_stations",
    metadata,
    sa.Column("sido_name", sa.String(8), primary_key=True, comment="AirKorea's province name (서울, 경기 …)"),
    sa.Column("station_name", sa.String(40), primary_key=True, comment="monitoring station"),
    sa.Column("data_time", AwareDateTime, primary_key=True, comment="the measurement hour (KST)"),
    sa.Column("region_code", sa.Integer, nullable=False, comment="TourAPI area code"),
    sa.Column("sigungu_code", sa.Integer, comment="TourAPI district the station is assigned to; NULL: province only"),
    sa.Column("station_assignment", sa.String(16), nullable=False,
              comment="how the district was found: name, alias, address, single_district or province"),
    sa.Column("mang_name", sa.String(16), comment="network (도시대기, 도로변대기 …)"),
    sa.Column("pm10_1h", sa.Float, comment="PM10, µg/m³, 1 hour"),
    sa.Column("pm25_1h", sa.Float, comment="PM2.5, µg/m³, 1 hour"),
    sa.Column("pm10_24h", sa.Float, comment="PM10, µg/m³, 24-hour moving value"),
    sa.Column("pm25_24h", sa.Float, comment="PM2.5, µg/m³, 24-hour moving value"),
    sa.Column("pm10_grade_1h", sa.Integer, comment="1-hour PM10 grade, 1 좋음 … 4 매우나쁨"),
    sa.Column("pm25_grade_1h", sa.Integer, comment="1-hour PM2.5 grade"),
    sa.Column("pm_grade_1h", sa.Integer, comment="the worse of the two"),
    sa.Column("khai", sa.Float, comment="CAI (통합대기환경지수)"),
    sa.Column("khai_grade", sa.Integer, comment="CAI grade"),
    sa.Column("o3_ppm", sa.Float, comment="ozone, ppm"),
    sa.Column("pm10_flag", sa.String(20), comment="AirKorea's flag when the value is withheld (점검및교정 …)"),
    sa.Column("pm25_flag", sa.String(20), comment="AirKorea's flag when the value is withheld"),
    *_simulated_and_loaded(),
)

air_dust_grades = sa.Table(
    "air_dust_grades",
    metadata,
    sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False, comment="TourAPI area code"),
    sa.Column("sigungu_code", sa.Integer, primary_key=True, autoincrement=False,
              comment="TourAPI district code; 0: the province level, for districts without a row of their own"),
    sa.Column("forecast_date", sa.Date, primary_key=True, comment="the day (KST)"),
    sa.Column("forecast_grade_code", sa.Integer, comment="forecast grade, worse of PM10 and PM2.5 (1 좋음 … 4 매우나쁨)"),
    sa.Column("measured_grade_code", sa.Integer, comment="today only: the stations' current 1-hour grade"),
    sa.Column("grade_code", sa.Integer, nullable=False, comment="the day's grade: the worse of forecast and measured"),
    sa.Column("grade", sa.String(8), nullable=False, comment="좋음, 보통, 나쁨 or 매우나쁨"),
    sa.Column("basis", sa.String(20), nullable=False, comment="forecast, measured or forecast+measured"),
    *_simulated_and_loaded(),
)


# --- destinations (KTO TourAPI) ----------------------------------------------------------------
districts = sa.Table(
    "districts",
    metadata,
    sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False, comment="TourAPI area code"),
    sa.Column("sigungu_code", sa.Integer, primary_key=True, autoincrement=False, comment="TourAPI sigungu code"),
    sa.Column("name_ko", sa.String(40), nullable=False),
    sa.Column("simulated", sa.Boolean, nullable=False),
    sa.Column("updated_at", AwareDateTime, nullable=False),
)

# The master table: every destination ever seen; withdrawn ones stay, inactive, so nothing breaks.
destinations = sa.Table(
    "destinations",
    metadata,
    sa.Column("content_id", sa.String(20), primary_key=True, comment="TourAPI contentid"),
    sa.Column("content_type_id", sa.Integer, nullable=False),
    sa.Column("service_table", sa.String(40), comment="the service table this type is published in"),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("addr1", sa.String(300)),
    sa.Column("addr2", sa.String(300)),
    sa.Column("zipcode", sa.String(10)),
    sa.Column("tel", sa.String(200)),
    sa.Column("region_code", sa.Integer, nullable=False, comment="TourAPI area code (regions.region_code)"),
    sa.Column("sigungu_code", sa.Integer),
    sa.Column("cat1", sa.String(20)),
    sa.Column("cat2", sa.String(20)),
    sa.Column("cat3", sa.String(20)),
    sa.Column("latitude", sa.Float, nullable=False),
    sa.Column("longitude", sa.Float, nullable=False),
    sa.Column("image_url", sa.String(500)),
    sa.Column("thumbnail_url", sa.String(500)),
    sa.Column("created_time", AwareDateTime),
    sa.Column("modified_time", AwareDateTime),
    sa.Column("event_start_date", sa.Date),
    sa.Column("event_end_date", sa.Date),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("withdrawn_at", AwareDateTime),
    sa.Column("first_seen_at", AwareDateTime, nullable=False),
    sa.Column("last_synced_at", AwareDateTime, nullable=False),
    sa.Column("simulated", sa.Boolean, nullable=False),
)
sa.Index("ix_destinations_region", destinations.c.region_code, destinations.c.content_type_id)

destination_rejects = sa.Table(
    "destination_rejects",
    metadata,
    sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("content_id", sa.String(20), primary_key=True, comment="empty when the item had none"),
    sa.Column("reason", sa.String(200), primary_key=True),
    sa.Column("content_type_id", sa.Integer),
    sa.Column("title", sa.String(300)),
    sa.Column("raw", sa.Text, comment="the item as received (no API key)"),
    sa.Column("rejected_at", AwareDateTime, nullable=False),
)

festival_events = sa.Table(
    "festival_events",
    metadata,
    sa.Column("content_id", sa.String(20), primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("region_code", sa.Integer, nullable=False),
    sa.Column("sigungu_code", sa.Integer),
    sa.Column("event_start_date", sa.Date, nullable=False),
    sa.Column("event_end_date", sa.Date, nullable=False),
    sa.Column("latitude", sa.Float, nullable=False),
    sa.Column("longitude", sa.Float, nullable=False),
    sa.Column("addr1", sa.String(300)),
    sa.Column("image_url", sa.String(500)),
    sa.Column("modified_time", AwareDateTime),
    sa.Column("simulated", sa.Boolean, nullable=False),
    sa.Column("updated_at", AwareDateTime, nullable=False),
)

destination_forecast_cells = sa.Table(
    "destination_forecast_cells",
    metadata,
    sa.Column("content_id", sa.String(20), primary_key=True),
    sa.Column("region_code", sa.Integer, nullable=False),
    sa.Column("nx", sa.Integer, nullable=False),
    sa.Column("ny", sa.Integer, nullable=False),
    sa.Column("point_id", sa.String(16), nullable=False, comment="forecast_points.point_id of the cell"),
    sa.Column("updated_at", AwareDateTime, nullable=False),
)

# When each province was last synced, per mode: what the "full sync weekly" freshness check reads.
destination_sync_state = sa.Table(
    "destination_sync_state",
    metadata,
    sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_full_sync_at", AwareDateTime),
    sa.Column("last_sync_at", AwareDateTime, nullable=False),
    sa.Column("last_mode", sa.String(16), nullable=False),
    sa.Column("active_destinations", sa.Integer, nullable=False),
)


# --- recommendations ---------------------------------------------------------------------------
destination_weather_scores = sa.Table(
    "destination_weather_scores",
    metadata,
    sa.Column("content_id", sa.String(20), primary_key=True),
    sa.Column("forecast_date", sa.Date, primary_key=True),
    sa.Column("lead_days", sa.Integer, nullable=False),
    sa.Column("content_type_id", sa.Integer, nullable=False),
    sa.Column("region_code", sa.Integer, nullable=False),
    sa.Column("sigungu_code", sa.Integer),
    sa.Column("point_id", sa.String(16), nullable=False),
    sa.Column("profile", sa.String(20), nullable=False, comment="urban, beach or outdoor_active (HCI variant)"),
    sa.Column("score", sa.Float, nullable=False, comment="0-100 weather suitability"),
    sa.Column("grade", sa.String(20), nullable=False),
    sa.Column("grade_rank", sa.Integer, nullable=False, comment="0 unacceptable .. 6 ideal"),
    sa.Column("confidence", sa.Float, nullable=False, comment="falls with lead time and missing inputs"),
    sa.Column("reasons", sa.Text, nullable=False, comment="JSON list, e.g. [\"rain 70 %\"]"),
    sa.Column("tc_rating", sa.Float, nullable=False),
    sa.Column("a_rating", sa.Float, nullable=False),
    sa.Column("p_rating", sa.Float, nullable=False),
    sa.Column("w_rating", sa.Float, nullable=False),
    sa.Column("source", sa.String(16), nullable=False, comment="short_range or mid_range outlook"),
    sa.Column("warning", sa.String(200), comment="weather warnings in force at the place today, e.g. '호우경보, 강풍주의보'"),
    sa.Column("warning_level", sa.Integer, nullable=False, server_default="0",
              comment="the warning that concerns the visit: 0 none, 1 주의보 (lowered), 2 경보 (capped, not in top lists)"),
    sa.Column("dust_grade", sa.String(8), comment="the day's fine-dust grade at the place (좋음 … 매우나쁨)"),
    sa.Column("simulated", sa.Boolean, nullable=False),
    sa.Column("as_of", AwareDateTime, nullable=False),
)
sa.Index("ix_scores_region_date", destination_weather_scores.c.region_code, destination_weather_scores.c.forecast_date)

regional_recommendations = sa.Table(
    "regional_recommendations",
    metadata,
    sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sigungu_code", sa.Integer, primary_key=True, autoincrement=False, comment="0: province level"),
    sa.Column("forecast_date", sa.Date, primary_key=True),
    sa.Column("content_type_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("level", sa.String(10), nullable=False, comment="province or district"),
    sa.Column("content_id", sa.String(20), nullable=False),
    sa.Column("title", sa.String(300)),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("grade", sa.String(20), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),
    _computed_from_samples(),
    sa.Column("as_of", AwareDateTime, nullable=False),
)

# Which inputs each day of a derived table was computed from: a refresh rewrites only the days whose
# inputs changed (a short-range issuance changes today to day 3 of the ten). Written in the same
# transaction as the day's rows, so the two never disagree (recommendations/incremental.py).
derived_day_versions = sa.Table(
    "derived_day_versions",
    metadata,
    sa.Column("table_name", sa.String(80), primary_key=True, comment="the derived table, e.g. destination_weather_scores"),
    sa.Column("forecast_date", sa.Date, primary_key=True, comment="the day (KST) of the table's rows"),
    sa.Column("version", sa.String(64), nullable=False,
              comment="digest of everything the day's rows were computed from (inputs, settings, code)"),
    sa.Column("rows", sa.Integer, nullable=False,
              comment="rows the day had when written: a day that no longer has them is computed again"),
    sa.Column("run_id", sa.String(64), nullable=True, comment="the Dagster run that wrote the day's rows"),
    sa.Column("written_at", AwareDateTime, nullable=False, comment="when the day's rows were written"),
)

# --- analytics ---------------------------------------------------------------------------------
analytics_region_weather = sa.Table(
    "analytics_region_weather",
    metadata,
    sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("forecast_date", sa.Date, primary_key=True),
    sa.Column("lead_days", sa.Integer, nullable=False),
    sa.Column("points", sa.Integer, nullable=False),
    sa.Column("tmax_mean_c", sa.Float),
    sa.Column("tmax_max_c", sa.Float),
    sa.Column("tmin_mean_c", sa.Float),
    sa.Column("tmin_min_c", sa.Float),
    sa.Column("pop_mean_pct", sa.Float),
    sa.Column("precip_mean_mm", sa.Float),
    sa.Column("wind_max_ms", sa.Float),
    sa.Column("cloud_mean_pct", sa.Float),
    _computed_from_samples(),
    sa.Column("as_of", AwareDateTime, nullable=False),
)

analytics_score_distribution = sa.Table(
    "analytics_score_distribution",
    metadata,
    sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("forecast_date", sa.Date, primary_key=True),
    sa.Column("destinations", sa.Integer, nullable=False),
    sa.Column("mean_score", sa.Float, nullable=False),
    sa.Column("p10_score", sa.Float, nullable=False),
    sa.Column("median_score", sa.Float, nullable=False),
    sa.Column("p90_score", sa.Float, nullable=False),
    sa.Column("share_good_or_better", sa.Float, nullable=False),
    sa.Column("day_rank", sa.Integer, nullable=False, comment="1 = the region's best day in the horizon"),
    sa.Column("is_best_day", sa.Boolean, nullable=False),
    _computed_from_samples(),
    sa.Column("as_of", AwareDateTime, nullable=False),
)

analytics_festival_weather = sa.Table(
    "analytics_festival_weather",
    metadata,
    sa.Column("content_id", sa.String(20), primary_key=True),
    sa.Column("forecast_date", sa.Date, primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("region_code", sa.Integer, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("grade", sa.String(20), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("poor_weather", sa.Boolean, nullable=False),
    _computed_from_samples(),
    sa.Column("as_of", AwareDateTime, nullable=False),
)

analytics_forecast_verification = sa.Table(
    "analytics_forecast_verification",
    metadata,
    sa.Column("region_code", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("lead_day", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("pairs", sa.Integer, nullable=False),
    sa.Column("temp_mae_c", sa.Float, nullable=False),
    sa.Column("rain_accuracy", sa.Float, nullable=False),
    sa.Column("rain_hit_rate", sa.Float, comment="NULL when no rain was observed"),
    sa.Column("observed_rain_hours", sa.Integer, nullable=False),
    _computed_from_samples(),
    sa.Column("as_of", AwareDateTime, nullable=False),
)


# --- trips: the forecast each booked trip was last told, and the notices sent ----------------------
# One row per active plan, itinerary day and place: the daily outlook at the place's forecast point.
# The next run compares its new forecast with these rows, then replaces them.
trip_forecasts = sa.Table(
    "trip_forecasts",
    metadata,
    sa.Column("plan_id", sa.String(36), primary_key=True, comment="travel_plans.plan_id"),
    sa.Column("day", sa.Integer, primary_key=True, autoincrement=False, comment="itinerary day, 1-based"),
    sa.Column("stop", sa.Integer, primary_key=True, autoincrement=False, comment="place's order within the day"),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("forecast_date", sa.Date, nullable=False),
    sa.Column("place", sa.String(200), nullable=False, comment="the place's name as the itinerary gives it"),
    sa.Column("content_id", sa.String(20), comment="TourAPI contentid; NULL when the itinerary gives none"),
    sa.Column("region_code", sa.Integer, comment="TourAPI area code of the place (or of the trip's province)"),
    sa.Column("point_id", sa.String(16), comment="forecast point used; NULL: no outlook covers the place that day"),
    sa.Column("located_by", sa.String(16), nullable=False, comment="destination, region or none"),
    sa.Column("tmax_c", sa.Float),
    sa.Column("tmin_c", sa.Float),
    sa.Column("pop_pct", sa.Float),
    sa.Column("precip_mm", sa.Float),
    sa.Column("wind_ms", sa.Float),
    sa.Column("cloud_pct", sa.Float),
    sa.Column("condition", sa.String(16), comment="sunny ... typhoon (trips/changes.py)"),
    sa.Column("warnings", sa.String(200), comment="weather warnings in force at the place on the day, e.g. '호우경보'"),
    sa.Column("simulated", sa.Boolean, nullable=False, comment="true when the outlook came from the sample sources"),
    sa.Column("computed_at", AwareDateTime, nullable=False),
)

# One row per notice told to a traveller: at most one per plan in any 24 hours, which the database
# enforces (an exclusion constraint on PostgreSQL, a trigger on SQLite; migration 0008), so no
# schedule, automation or concurrent run can send a second one.
trip_notices = sa.Table(
    "trip_notices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("plan_id", sa.String(36), nullable=False),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("notified_at", AwareDateTime, nullable=False, comment="when the notice was written"),
    sa.Column("window_end", AwareDateTime, nullable=False,
              comment="notified_at + 24 h: until then the plan gets no other notice"),
    sa.Column("severity", sa.String(10), nullable=False, comment="info, warning or critical (the worst change)"),
    sa.Column("changes", sa.JSON, nullable=False, comment="the changes, as in notifications.data"),
    sa.Column("notification_ids", sa.Text, nullable=False, comment="the notifications rows, one per channel"),
    sa.Column("run_id", sa.String(64)),
)
sa.Index("ix_trip_notices_plan", trip_notices.c.plan_id, trip_notices.c.notified_at)


# --- column descriptions shared by many tables ------------------------------------------------------
# Every column of a table the service or an analyst reads says what it holds (the UI shows these).
# Words that mean the same in every table are written once here; a column's own comment wins.
_COMMON_COMMENTS = {
    "content_id": "TourAPI contentid of the destination",
    "content_type_id": "TourAPI content type: 12 tourist spot, 14 culture, 15 festival, 25 course, 28 leisure, "
                       "32 lodging, 38 shopping, 39 food",
    "region_code": "province: TourAPI area code (1 서울 … 39 제주)",
    "sigungu_code": "district: TourAPI sigungu code within the province",
    "forecast_date": "the day (KST) the row is for",
    "lead_days": "days from today (KST) to forecast_date: 0 today … 9",
    "point_id": "KMA forecast point 'nx_ny' (5 km grid cell) whose forecast is used",
    "title": "the destination's name as TourAPI gives it",
    "grade": "the score's band: ideal, excellent, very good, good, acceptable, marginal, unacceptable",
    "score": "0-100 weather suitability (docs/scoring.md)",
    "reasons": "JSON list of the reasons behind the score, e.g. [\"rain 70 %\"]",
    "simulated": "true when computed from the offline sample sources",
    "as_of": "when the row was computed",
    "loaded_at": "when the row was written",
    "updated_at": "when the row was last written",
    "computed_at": "when the row was computed",
    "tmax_c": "daily maximum temperature, °C",
    "tmin_c": "daily minimum temperature, °C",
    "rh_mean_pct": "mean relative humidity, %",
    "cloud_pct": "cloud cover, % (daytime mean)",
    "pop_max_pct": "highest rain probability of the day, %",
    "pop_pct": "highest rain probability of the day, %",
    "precip_mm": "rain amount of the day, mm",
    "wind_max_ms": "strongest wind of the day, m/s",
    "wind_ms": "strongest wind of the day, m/s",
    "latitude": "WGS84 latitude",
    "longitude": "WGS84 longitude",
    "nx": "KMA grid x (5 km Lambert grid)",
    "ny": "KMA grid y (5 km Lambert grid)",
    "user_id": "the back end's users.user_id",
    "kind": "warning kind: 호우, 대설, 한파, 폭염, 강풍, 태풍, 풍랑, 폭풍해일, 건조, 황사 …",
    "level": "주의보 (advisory) or 경보 (warning)",
    "issued_at": "when KMA issued the warning (tmFc)",
    "name_ko": "the district's Korean name",
}
_TABLE_COMMENTS = {
    "destination_weather_scores": {
        "tc_rating": "thermal comfort facet rating, 0-10 (HCI)", "a_rating": "aesthetic (cloud) facet rating, 0-10",
        "p_rating": "precipitation facet rating, 0-10", "w_rating": "wind facet rating, 0-10"},
    "regional_recommendations": {"rank": "1 = the best-scoring destination of the list",
                                 "region_code": "province: TourAPI area code; with sigungu_code 0 the province list"},
    "analytics_region_weather": {
        "points": "forecast points averaged", "tmax_mean_c": "mean daily maximum, °C",
        "tmax_max_c": "highest daily maximum, °C", "tmin_mean_c": "mean daily minimum, °C",
        "tmin_min_c": "lowest daily minimum, °C", "pop_mean_pct": "mean rain probability, %",
        "precip_mean_mm": "mean rain amount, mm", "wind_max_ms": "strongest wind, m/s",
        "cloud_mean_pct": "mean cloud cover, %"},
    "analytics_score_distribution": {
        "destinations": "destinations scored", "mean_score": "mean score", "p10_score": "10th percentile score",
        "median_score": "median score", "p90_score": "90th percentile score",
        "share_good_or_better": "share of scores graded good or better (0-1)",
        "is_best_day": "true on the province's best day of the horizon"},
    "analytics_festival_weather": {"poor_weather": "true when the festival day's score is marginal or worse",
                                   "forecast_date": "a day of the festival within the horizon"},
    "analytics_forecast_verification": {
        "lead_day": "days between the forecast's issuance and the hour observed",
        "pairs": "forecast-observation pairs compared", "temp_mae_c": "mean absolute temperature error, °C",
        "rain_accuracy": "share of hours where rain/no rain was forecast right (0-1)",
        "observed_rain_hours": "hours with observed rain"},
    "weather_daily_outlook": {"complete": "true when the day had every hour (short range) or both halves (mid range)"},
    "weather_warnings": {"is_sea": "true for a sea zone (풍랑, 폭풍해일 …)", "start_time": "when the warning takes effect"},
    "destinations": {
        "addr1": "address", "addr2": "address, detail", "zipcode": "postal code", "tel": "telephone",
        "cat1": "TourAPI category, level 1", "cat2": "TourAPI category, level 2", "cat3": "TourAPI category, level 3",
        "image_url": "TourAPI firstimage", "thumbnail_url": "TourAPI firstimage2",
        "created_time": "TourAPI createdtime", "modified_time": "TourAPI modifiedtime",
        "event_start_date": "festival start (festivals only)", "event_end_date": "festival end (festivals only)",
        "is_active": "false once withdrawn from TourAPI's listing", "withdrawn_at": "when it left the listing",
        "first_seen_at": "first sync that saw it", "last_synced_at": "last sync that saw it"},
    "forecast_points": {"destination_count": "active destinations in the cell",
                        "mid_land_reg_id": "KMA medium-range land region (getMidLandFcst regId)",
                        "mid_ta_reg_id": "KMA medium-range temperature city (getMidTa regId)"},
}
_DESCRIBED_TABLES = ("destination_weather_scores", "regional_recommendations", "analytics_region_weather",
                     "analytics_score_distribution", "analytics_festival_weather", "analytics_forecast_verification",
                     "weather_daily_outlook", "weather_next_hours", "air_dust_grades", "weather_warnings",
                     "weather_warning_areas", "trip_forecasts", "destinations", "forecast_points", "districts")
for _name in _DESCRIBED_TABLES:
    for _column in metadata.tables[_name].columns:
        if not _column.comment:
            _column.comment = _TABLE_COMMENTS.get(_name, {}).get(_column.name) or _COMMON_COMMENTS.get(_column.name)


# --- the back end's tables (service contract) ----------------------------------------------------
from weather_flick_batch.warehouse import service_tables as _service  # noqa: E402

SERVICE_TABLES: dict[str, sa.Table] = _service.define(metadata)

# Which service tables the batch created and which it adopted (found, made by the back end or the
# previous batch): a downgrade drops only the former, never the back end's own tables.
service_table_origin = sa.Table(
    "service_table_origin",
    metadata,
    sa.Column("schema_name", sa.String(63), primary_key=True, comment="where it lives (PostgreSQL schema or main)"),
    sa.Column("table_name", sa.String(63), primary_key=True),
    sa.Column("adopted", sa.Boolean, nullable=False, comment="true: it existed before the batch's migration"),
    sa.Column("columns_added", sa.Text, comment="declared columns the migration had to add"),
    sa.Column("recorded_at", AwareDateTime, nullable=False),
)
regions = SERVICE_TABLES["regions"]
tourist_attractions = SERVICE_TABLES["tourist_attractions"]
cultural_facilities = SERVICE_TABLES["cultural_facilities"]
festivals_events = SERVICE_TABLES["festivals_events"]
restaurants = SERVICE_TABLES["restaurants"]
accommodations = SERVICE_TABLES["accommodations"]
shopping = SERVICE_TABLES["shopping"]
leisure_sports = SERVICE_TABLES["leisure_sports"]
travel_courses = SERVICE_TABLES["travel_courses"]
pet_tour_info = SERVICE_TABLES["pet_tour_info"]

"""The back end's own user-facing tables that trip notices read and write, as its models declare them.

Unlike the service tables (``service_tables.py``), which the batch publishes and therefore creates
or adopts, these belong to the back end: its migrations create them and its API writes them. The
batch reads ``users``, ``travel_plans``, ``user_notification_settings`` and ``user_device_tokens``,
and writes exactly two things: ``travel_plans.weather_info`` and rows of ``notifications`` (type
WEATHER_ALERT). They live where the back end's other tables live, the service schema
(``WEATHER_FLICK_SERVICE_SCHEMA``, translated from :data:`SERVICE_SCHEMA` by the warehouse engine),
because the back end's database is the warehouse database (docs/migration.md, "Two schemas").

Only an embedded or development warehouse creates them (``create_missing``), to hold the sample
users and plans; in production a missing table is an error that names the back end's migrations.
Columns follow shared/reference/backend-contract.md §2-3; of ``users`` only the columns the batch
reads are declared (the back end's model has more, which the batch never touches).
"""

from __future__ import annotations

import sqlalchemy as sa

from weather_flick_batch.warehouse.service_tables import JSONB, SERVICE_SCHEMA, TIMESTAMPTZ, UUID

PLAN_STATUSES = ("PLANNING", "CONFIRMED", "IN_PROGRESS", "COMPLETED", "CANCELLED")
ACTIVE_PLAN_STATUSES = ("CONFIRMED", "IN_PROGRESS")
NOTIFICATION_TYPES = ("WEATHER_ALERT", "TRAVEL_PLAN_UPDATE", "RECOMMENDATION", "MARKETING", "SYSTEM", "EMERGENCY")
NOTIFICATION_CHANNELS = ("PUSH", "EMAIL", "SMS", "IN_APP")
NOTIFICATION_STATUSES = ("PENDING", "SENT", "DELIVERED", "READ", "FAILED")


def define(metadata: sa.MetaData) -> dict[str, sa.Table]:
    t: dict[str, sa.Table] = {}
    t["users"] = sa.Table(
        "users", metadata,
        sa.Column("user_id", UUID, primary_key=True),
        sa.Column("email", sa.String(255), nullable=False, unique=True),
        sa.Column("nickname", sa.String(50)),
        sa.Column("is_active", sa.Boolean, server_default=sa.true()),
        sa.Column("is_email_verified", sa.Boolean, server_default=sa.false()),
        sa.Column("created_at", TIMESTAMPTZ),
        schema=SERVICE_SCHEMA, comment="the back end's users (the columns the batch reads)",
    )
    t["travel_plans"] = sa.Table(
        "travel_plans", metadata,
        sa.Column("plan_id", UUID, primary_key=True),
        sa.Column("user_id", UUID, nullable=False, index=True),
        sa.Column("title", sa.String, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("start_date", sa.Date, comment="DATE here; TIMESTAMPTZ after the back end's migration 001 (both read)"),
        sa.Column("end_date", sa.Date),
        sa.Column("budget", sa.Numeric(10, 2)),
        sa.Column("status", sa.Enum(*PLAN_STATUSES, name="travelplanstatus"), server_default="PLANNING"),
        sa.Column("itinerary", JSONB, comment='{"day1": [...]} or {"days": [{day, date, places, ...}]}'),
        sa.Column("participants", sa.Integer),
        sa.Column("transportation", sa.String),
        sa.Column("start_location", sa.String),
        sa.Column("weather_info", JSONB, comment="written by the batch: docs/trip-notices.md"),
        sa.Column("plan_type", sa.String(20), server_default="manual"),
        sa.Column("created_at", TIMESTAMPTZ),
        sa.Column("updated_at", TIMESTAMPTZ),
        schema=SERVICE_SCHEMA, comment="the back end's travel plans",
    )
    t["user_notification_settings"] = sa.Table(
        "user_notification_settings", metadata,
        sa.Column("id", UUID, primary_key=True),
        sa.Column("user_id", UUID, nullable=False, unique=True),
        sa.Column("push_enabled", sa.Boolean, server_default=sa.true()),
        sa.Column("email_enabled", sa.Boolean, server_default=sa.true()),
        sa.Column("sms_enabled", sa.Boolean, server_default=sa.false()),
        sa.Column("in_app_enabled", sa.Boolean, server_default=sa.true()),
        sa.Column("weather_alerts", sa.Boolean, server_default=sa.true()),
        sa.Column("quiet_hours_enabled", sa.Boolean, server_default=sa.false()),
        sa.Column("quiet_hours_start", sa.Time, comment="local (KST) time of day"),
        sa.Column("quiet_hours_end", sa.Time),
        sa.Column("created_at", TIMESTAMPTZ),
        sa.Column("updated_at", TIMESTAMPTZ),
        schema=SERVICE_SCHEMA, comment="the back end's per-user notification settings (absent row: defaults)",
    )
    t["user_device_tokens"] = sa.Table(
        "user_device_tokens", metadata,
        sa.Column("id", UUID, primary_key=True),
        sa.Column("user_id", UUID, nullable=False, index=True),
        sa.Column("device_token", sa.String(500), nullable=False, unique=True),
        sa.Column("device_type", sa.String(20)),
        sa.Column("is_active", sa.Boolean, server_default=sa.true()),
        sa.Column("created_at", TIMESTAMPTZ),
        sa.Column("updated_at", TIMESTAMPTZ),
        schema=SERVICE_SCHEMA, comment="the back end's FCM device tokens (the batch deactivates invalid ones)",
    )
    t["notifications"] = sa.Table(
        "notifications", metadata,
        sa.Column("id", UUID, primary_key=True),
        sa.Column("user_id", UUID, nullable=False, index=True),
        sa.Column("type", sa.Enum(*NOTIFICATION_TYPES, name="notificationtype"), nullable=False),
        sa.Column("channel", sa.Enum(*NOTIFICATION_CHANNELS, name="notificationchannel"), nullable=False),
        sa.Column("status", sa.Enum(*NOTIFICATION_STATUSES, name="notificationstatus"), server_default="PENDING"),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("data", JSONB),
        sa.Column("priority", sa.Integer, server_default="5"),
        sa.Column("expires_at", TIMESTAMPTZ),
        sa.Column("scheduled_at", TIMESTAMPTZ),
        sa.Column("sent_at", TIMESTAMPTZ),
        sa.Column("delivered_at", TIMESTAMPTZ),
        sa.Column("read_at", TIMESTAMPTZ),
        sa.Column("failure_reason", sa.Text),
        sa.Column("retry_count", sa.Integer, server_default="0"),
        sa.Column("max_retry_count", sa.Integer, server_default="3"),
        sa.Column("external_id", sa.String(255)),
        sa.Column("external_response", JSONB),
        sa.Column("created_at", TIMESTAMPTZ),
        sa.Column("updated_at", TIMESTAMPTZ),
        schema=SERVICE_SCHEMA, comment="the back end's notifications (GET /notifications)",
    )
    return t


#: The declarations, on a metadata of their own: they are not the batch's to migrate.
BACKEND_TABLES: dict[str, sa.Table] = define(sa.MetaData())
BACKEND_TABLE_NAMES: tuple[str, ...] = tuple(BACKEND_TABLES)


def missing(bind: sa.Connection, schema: str | None) -> list[str]:
    inspector = sa.inspect(bind)
    return [name for name in BACKEND_TABLE_NAMES if not inspector.has_table(name, schema=schema)]


def create_missing(bind: sa.Connection) -> list[str]:
    """Create the back end's tables that are missing (embedded and development warehouses only)."""
    created = []
    schema = bind.get_execution_options().get("schema_translate_map", {}).get(SERVICE_SCHEMA)
    for name, table in define(sa.MetaData()).items():
        if not sa.inspect(bind).has_table(name, schema=schema):
            table.create(bind)
            created.append(name)
    return created

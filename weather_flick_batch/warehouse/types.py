"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from weather_flick_batch.core.timeutil import KST, require_aware


class AwareDateTime(sa.types.TypeDecorator):
    """A timestamp that is always timezone-aware in Python and UTC at rest.

    PostgreSQL stores ``timestamptz``; SQLite has no zone support, so the value is stored as
    naive UTC and re-attached to UTC on the way out. Values come back in Asia/Seoul on both
    engines. Naive datetimes are refused rather than guessed.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[override]
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        utc = require_aware(value, "warehouse timestamp").astimezone(timezone.utc)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(KST)

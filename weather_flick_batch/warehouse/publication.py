"""Publication: the gate that refuses a replace shrinking a published table too much, the audit
that may refuse a write before its commit (write-audit-publish), and the ``load_audit`` row every
write leaves in its own transaction.

:class:`Publication` is a part of :class:`~weather_flick_batch.warehouse.warehouse.Warehouse`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from weather_flick_batch.warehouse.errors import PublishGateError

#: Derived tables readers see, gated at publication: a replace that would shrink one by more than
#: WEATHER_FLICK_PUBLISH_MAX_ROW_DROP against its previous publication is rolled back (a broken
#: upstream or a bad setting looks like this; the real world rarely does). Partitioned raw tables
#: and the catalogue (its own withdrawal guard) are not gated here.
GATED_TABLES = frozenset({
    "forecast_points", "weather_daily_outlook", "destination_weather_scores", "regional_recommendations",
    "analytics_region_weather", "analytics_score_distribution", "analytics_forecast_verification",
})
#: Below this many rows a table is too small for a share to mean anything (a festival list).
GATE_MIN_ROWS = 100

#: Called inside a write's transaction after the new rows are in and before the commit; raising
#: (PublishAuditError) rolls the write back. Reads through the connection see the new rows; no
#: other connection does until the commit.
Audit = Callable[[sa.Connection], None]


class Publication:
    """The publication gate and the write audit trail of a
    :class:`~weather_flick_batch.warehouse.warehouse.Warehouse`."""

    def _gate(self, table: str, before: int, after: int) -> None:
        """Raise (inside the transaction, so it rolls back) when a gated table would shrink too much."""
        if table not in GATED_TABLES or before < GATE_MIN_ROWS:
            return
        from weather_flick_batch import settings

        max_drop = settings.get("WEATHER_FLICK_PUBLISH_MAX_ROW_DROP")
        if after < before * (1 - max_drop):
            raise PublishGateError(
                f"{table} would fall from {before:,} to {after:,} rows ({1 - after / before:.0%} fewer) against its "
                f"previous publication, more than WEATHER_FLICK_PUBLISH_MAX_ROW_DROP={max_drop:g}: rolled back, "
                "the published table is unchanged")

    @staticmethod
    def _audit(
        conn: sa.Connection, table: str, operation: str, where: Mapping[str, Any] | None,
        written: int, replaced: int, run_id: str | None,
    ) -> None:
        from weather_flick_batch.core.timeutil import now_kst
        from weather_flick_batch.warehouse.schema import load_audit

        partition = ", ".join(f"{k} {v}" if getattr(v, "negated", False) else f"{k}={v}"
                              for k, v in (where or {}).items())[:200] or None
        conn.execute(load_audit.insert().values(
            table_name=table, partition_key=partition, operation=operation, rows_written=written,
            rows_replaced=replaced, run_id=run_id, written_at=now_kst(),
        ))

"""Re-checking what is published: an asset's publication checks, run again on the rows readers see now.

Every table the service or a downstream asset reads is written behind a gate (docs/publication.md): the
asset's blocking checks run on the new rows inside the write's transaction. The same check functions can
be run at any later time on the rows that are published, which is what ``weather-flick-batch checks``
(``make checks``) and the ``audit_published_data`` job do: it tells whether the warehouse as it stands
passes, without fetching anything or writing a row.

A domain exposes ``PUBLISHED_AUDITS`` in its ``audits`` module: asset key (``"weather/nowcast"``) → a
function of the warehouse returning a :class:`PublishedCheck` (or ``None`` when nothing is published yet).
Each function reads what the asset last published (the newest partition for a partitioned asset) and
evaluates it with the *same* functions the asset's gate calls, so the two can't drift apart; a test checks
that the check names match the asset's check specs one for one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from weather_flick_batch.core.quality import Verdict
    from weather_flick_batch.warehouse.warehouse import Warehouse


@dataclass(frozen=True)
class PublishedCheck:
    """The verdicts on an asset's published rows, and what was read (``scope``: e.g. ``partition
    2026-12-07T05:00, 3,480 rows``) so a reader knows which publication was judged."""

    scope: str
    verdicts: dict[str, "Verdict"]
    # Checks whose gate reports a failure as a warning (AssetCheckSeverity.WARN); the rest are errors.
    warn_only: frozenset[str] = frozenset()


#: A check's verdict by check name, as every domain's audits module returns them.
Verdicts = dict[str, "Verdict"]

# None: the asset has published nothing yet (the caller reports it; it is never a pass).
ReAudit = Callable[["Warehouse"], "PublishedCheck | None"]


def newest_value(warehouse: "Warehouse", table, column: str):
    """The newest value of ``column`` in ``table`` (the newest partition), or None for an empty table."""
    import sqlalchemy as sa

    with warehouse.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(table.c[column]))).scalar()


def scope(label: str, rows: int) -> str:
    return f"{label}, {rows:,} rows" if label else f"{rows:,} rows"


def written(warehouse: "Warehouse", table_name: str) -> bool:
    """Whether load_audit records a write of ``table_name``: a table published empty, not one never
    published (retention may have removed old records)."""
    from weather_flick_batch.warehouse import schema

    return warehouse.row_count(schema.load_audit, {"table_name": table_name}) > 0


def whole_table(warehouse: "Warehouse", table):
    """The table as readers see it, or None when it was never written (an empty publication is one)."""
    frame = warehouse.read_table(table)
    if frame.empty and not written(warehouse, table.name):
        return None
    return frame


def published_label(frame, column: str = "loaded_at") -> str:
    return f"published {frame[column].max():%Y-%m-%dT%H:%M}" if len(frame) else "published empty"

"""Which days of the scores and top lists a refresh rewrites (no Dagster here).

A short-range issuance (eight a day) changes the outlook of today to day 3; the medium-range days stay
as they were. Rewriting the whole country's ten days on every issuance was most of the incremental path's
time (issue #16), so each day of a derived table carries a *version*: a digest of everything its rows are
computed from. A refresh computes the versions the inputs give now, compares them with the versions the
published days carry (``derived_day_versions``, written in the same transaction as the rows), and rewrites
only the days that differ; the others are kept as they are, which is what recomputing them would give.

What a score day is computed from: the day's outlook rows at every point, and, for every day alike, the
scoring day (lead days and today's warnings follow it), the catalogue columns scoring reads, the
destinations' cells and the forecast points (and which of them have an outlook: the nearest-point rule),
the warnings and fine dust in force, whether the data is simulated, and the source code of the scoring
modules (a change to the scoring rewrites everything). A top-list day follows its score day's version and
the list length. A day whose version cannot be established (no ledger yet, a table written before it
existed) is rewritten: when in doubt, recompute.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

SCORES_TABLE = "destination_weather_scores"
TOP_LISTS_TABLE = "regional_recommendations"
# Outlook columns that say when, not what: never part of a version.
_VOLATILE = ("as_of", "loaded_at")
# The modules whose code decides what a score or a top list is (their source is part of every version).
_SCORING_MODULES = (
    "weather_flick_batch.recommendations.scoring.engine",
    "weather_flick_batch.recommendations.scoring.profiles",
    "weather_flick_batch.recommendations.scoring.ratings",
    "weather_flick_batch.recommendations.scoring.reasons",
    "weather_flick_batch.recommendations.scoring.seasons",
    "weather_flick_batch.recommendations.hazards",
    "weather_flick_batch.recommendations.transform",
    "weather_flick_batch.recommendations.incremental",
)


@cache
def code_fingerprint() -> str:
    """A digest of the scoring modules' source: a new scorer makes every day's version new."""
    import importlib

    digest = hashlib.sha256()
    for name in _SCORING_MODULES:
        module = importlib.import_module(name)
        digest.update(name.encode())
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def frame_digest(frame: pd.DataFrame, sort_by: Iterable[str] | None = None) -> str:
    """A digest of a frame's columns and values (row order fixed by ``sort_by``; the index ignored)."""
    if sort_by is not None:
        frame = frame.sort_values(list(sort_by), kind="stable")
    digest = hashlib.sha256(repr(list(frame.columns)).encode())
    digest.update(repr([str(t) for t in frame.dtypes]).encode())
    if len(frame):
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _combine(*parts: Any) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def score_day_versions(*, today: date, simulated: bool, hazards: Any, destinations: pd.DataFrame,
                       cells: pd.DataFrame, points: pd.DataFrame, outlook: pd.DataFrame) -> dict[date, str]:
    """The version of each day of the outlook's scores, from what scoring reads (see the module docstring).

    ``hazards``: the warnings' and fine dust's fingerprints as ``hazards_in_force`` returns them.
    """
    every_day = _combine(
        "scores", code_fingerprint(), today.isoformat(), bool(simulated), hazards,
        frame_digest(destinations, ["content_id"]), frame_digest(cells, ["content_id"]),
        frame_digest(points, ["point_id"]), sorted(set(outlook["point_id"])) if len(outlook) else [],
    )
    days = outlook.drop(columns=[c for c in _VOLATILE if c in outlook.columns])
    return {as_date(day): _combine(every_day, frame_digest(rows, ["point_id"]))
            for day, rows in days.groupby("forecast_date", sort=True)}


def top_list_day_versions(score_versions: Mapping[date, str | None], top_n: int) -> dict[date, str]:
    """A top-list day's version: its score day's and the list length (titles are in the score version).

    A score day without a version (``None``: written before the ledger, or changed behind its back) gets
    one no ledger holds, so its lists are ranked again.
    """
    import uuid

    # The score version already holds the code's fingerprint (the ranking query is in transform.py).
    return {day: _combine("top lists", version if version is not None else uuid.uuid4().hex, int(top_n))
            for day, version in score_versions.items()}


@dataclass(frozen=True)
class DayPlan:
    """The days a refresh rewrites: ``wanted`` versions (the inputs now) against ``published`` ones."""

    wanted: Mapping[date, str]
    published: Mapping[date, str]

    @property
    def kept(self) -> list[date]:
        """Days whose published rows are what the inputs give now."""
        return sorted(d for d, v in self.wanted.items() if self.published.get(d) == v)

    @property
    def rewritten(self) -> list[date]:
        """Days to compute and write (new, or whose inputs changed)."""
        return sorted(d for d, v in self.wanted.items() if self.published.get(d) != v)

    @property
    def full(self) -> bool:
        return not self.kept

    def describe(self) -> str:
        if not self.rewritten:
            return f"all {len(self.kept)} days unchanged since their publication"
        if self.full:
            return f"all {len(self.rewritten)} days rewritten"
        return (f"{len(self.rewritten)} of {len(self.wanted)} days rewritten "
                f"({', '.join(d.isoformat() for d in self.rewritten)}), {len(self.kept)} unchanged")


def day_counts(conn: sa.Connection, table: sa.Table) -> dict[date, int]:
    """Rows per forecast_date of a derived table as it is now."""
    rows = conn.execute(sa.select(table.c.forecast_date, sa.func.count()).group_by(table.c.forecast_date)).all()
    return {as_date(day): int(n) for day, n in rows}


def published_versions(conn: sa.Connection, table_name: str, counts: Mapping[date, int]) -> dict[date, str]:
    """The versions the published days of ``table_name`` carry, for the days that still have the rows they
    were written with (``counts``: :func:`day_counts` now). A day whose rows were deleted or added since (by
    retention, a restore, a hand) has no version: it is computed again."""
    from weather_flick_batch.warehouse import schema

    ledger = schema.derived_day_versions
    rows = conn.execute(sa.select(ledger.c.forecast_date, ledger.c.version, ledger.c.rows)
                        .where(ledger.c.table_name == table_name)).all()
    return {as_date(day): version for day, version, n in rows if counts.get(as_date(day), 0) == n}


def record_versions(conn: sa.Connection, table_name: str, plan: DayPlan, rows: Mapping[date, int],
                    run_id: str | None, written_at: datetime) -> None:
    """Inside the write's transaction: the ledger says what the table now holds (the kept days keep their
    entries; the rewritten ones get the new versions and their row counts, ``rows``; days no longer in the
    table lose theirs)."""
    from weather_flick_batch.warehouse import schema

    ledger = schema.derived_day_versions
    conn.execute(ledger.delete().where(ledger.c.table_name == table_name, ledger.c.forecast_date.not_in(plan.kept)))
    if plan.rewritten:
        conn.execute(ledger.insert(), [
            {"table_name": table_name, "forecast_date": day, "version": plan.wanted[day],
             "rows": int(rows.get(day, 0)), "run_id": run_id, "written_at": written_at}
            for day in plan.rewritten])


def as_date(value: Any) -> date:
    """A forecast_date as read (a date; a datetime or timestamp in frames built otherwise) as a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()

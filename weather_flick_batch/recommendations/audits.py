"""The recommendation assets' publication checks as plain functions (no Dagster here).

Each ``*_verdicts`` function is what the asset's gate evaluates (``recommendations/assets.py``) and what
the re-audit of the published rows evaluates (:data:`PUBLISHED_AUDITS`, core/published.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from weather_flick_batch.core.published import PublishedCheck, ReAudit, Verdicts, newest_value, scope, written
from weather_flick_batch.core.quality import Verdict

if TYPE_CHECKING:
    from weather_flick_batch.recommendations.transform import ScoreSummary
    from weather_flick_batch.warehouse.warehouse import Warehouse

HORIZON_DAYS = 10
# What ScoreSummary.add reads of a score row.
_SUMMARY_COLUMNS = ["content_id", "forecast_date", "score", "grade"]


# -- the checks ----------------------------------------------------------------------------------
def score_verdicts(summary: ScoreSummary, active_ids: Iterable[str], active: int) -> Verdicts:
    """The score checks on the scores counted into ``summary`` (every batch), against the active
    destinations (``active_ids``, ``active`` of them)."""
    unscored = summary.unscored(active_ids)
    short = summary.short_of(HORIZON_DAYS)
    complete = unscored == 0 and short == 0
    return {
        "scores_in_range": Verdict(
            summary.out_of_range == 0, {"out_of_range": summary.out_of_range},
            f"{summary.out_of_range} scores outside 0..100"),
        "every_destination_every_day": Verdict(
            complete, {"active_destinations": active, "unscored": unscored, "short_of_horizon": short},
            "every destination scored for the whole horizon" if complete
            else f"{unscored} unscored, {short} short of {HORIZON_DAYS} days"),
        "grades_match_scores": Verdict(
            summary.grade_mismatches == 0, {"mismatched": summary.grade_mismatches},
            f"{summary.grade_mismatches} grades inconsistent"),
    }


def top_list_verdicts(conn: Any, days: Iterable[Any] | None = None) -> Verdicts:
    """``top_lists_not_empty`` through ``conn`` (inside the gate: the new lists, before the commit): every
    region and day with a place that may be recommended (not under a 경보 that concerns it) has a
    province-level list. ``days``: only these forecast dates (the ones just ranked; the others were
    checked when they were, from the same scores); None: every day."""
    import sqlalchemy as sa

    from weather_flick_batch.warehouse import schema

    scores, top = schema.destination_weather_scores, schema.regional_recommendations
    expected = sa.select(scores.c.region_code, scores.c.forecast_date).where(scores.c.warning_level < 2).distinct()
    have = sa.select(top.c.region_code, top.c.forecast_date).where(top.c.level == "province").distinct()
    if days is not None:
        expected = expected.where(scores.c.forecast_date.in_(sorted(days)))
        have = have.where(top.c.forecast_date.in_(sorted(days)))
    # Each side read once (a few hundred region-days), compared here: a count and an EXCEPT in the database
    # scanned the day's scores twice.
    expected_pairs = set(conn.execute(expected).all())
    region_days, missing = len(expected_pairs), len(expected_pairs - set(conn.execute(have).all()))
    return {"top_lists_not_empty": Verdict(
        missing == 0, {"region_days": region_days, "missing": missing},
        "every region and day has a list" if missing == 0 else f"{missing} region-days without a list")}


# -- re-audits of what is published ---------------------------------------------------------------
def audit_scores(wh: Warehouse) -> PublishedCheck | None:
    """The published scores (every day, whichever run last wrote it), counted a province at a time by the
    scoring's own ScoreSummary, against the catalogue's active destinations as published now (a
    destination activated since the scoring is reported unscored until the scores follow)."""
    import sqlalchemy as sa

    from weather_flick_batch.recommendations.transform import ScoreSummary
    from weather_flick_batch.warehouse import schema

    table = schema.destination_weather_scores
    regions = wh.read_select(sa.select(table.c.region_code).distinct())["region_code"]
    if regions.empty and not written(wh, table.name):
        return None
    summary = ScoreSummary()
    for region in sorted(regions):
        summary.add(wh.read_table(table, {"region_code": int(region)}, columns=_SUMMARY_COLUMNS))
    active = wh.read_table(schema.destinations, {"is_active": True}, columns=["content_id"])["content_id"]
    return PublishedCheck(scope(_as_of(wh, table), summary.rows), score_verdicts(summary, active, len(active)))


def audit_top_lists(wh: Warehouse) -> PublishedCheck | None:
    """The published top lists against the published scores (lists older than the scores are reported
    until they follow)."""
    from weather_flick_batch.warehouse import schema

    top = schema.regional_recommendations
    rows = wh.row_count(top)
    if not rows and not written(wh, top.name):
        return None
    with wh.engine.connect() as conn:
        verdicts = top_list_verdicts(conn)
    return PublishedCheck(scope(_as_of(wh, top), rows), verdicts)


def _as_of(wh: Warehouse, table) -> str:
    as_of = newest_value(wh, table, "as_of")
    return f"published {as_of:%Y-%m-%dT%H:%M}" if as_of is not None else "published empty"


PUBLISHED_AUDITS: dict[str, ReAudit] = {
    "recommendations/destination_weather_scores": audit_scores,
    "recommendations/regional_recommendations": audit_top_lists,
}

"""From the daily outlook and the catalogue to scores and top lists: vectorised, Dagster-free."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa

from weather_flick_batch.recommendations.scoring import GOOD_OR_BETTER_RANK, GRADE_BANDS, score_frame
from weather_flick_batch.warehouse import schema
from weather_flick_batch.weather.outlook import MID_RANGE_WET_DAY_MM

# TourAPI categories where the beach profile (HCI:Beach) applies: coastal scenery, beaches,
# islands, ports, lighthouses (A0101xx), and water sports (A0303).
COASTAL_CAT3 = frozenset({"A01011100", "A01011200", "A01011300", "A01011400", "A01011600"})
COASTAL_CAT2 = frozenset({"A0303"})

SCORE_COLUMNS = [
    "content_id", "forecast_date", "lead_days", "content_type_id", "region_code", "sigungu_code", "point_id",
    "profile", "score", "grade", "grade_rank", "confidence", "reasons", "tc_rating", "a_rating", "p_rating",
    "w_rating", "source",
]


def nearest_forecast_points(cells: pd.DataFrame, points: pd.DataFrame) -> pd.Series:
    """Each destination's forecast point: its own cell's, else the nearest one that has an outlook.

    WEATHER_FLICK_KMA_MAX_POINTS can leave cells out of the forecast to stay inside the API quota;
    destinations there are scored from the nearest point (grid distance, 5 km cells) rather than
    left unscored. ``cells``: content_id, nx, ny, point_id; ``points``: point_id, nx, ny.
    """
    own = cells["point_id"]
    have = own.isin(set(points["point_id"]))
    if have.all() or points.empty:
        return own
    missing = cells.loc[~have, ["nx", "ny"]].drop_duplicates()
    dx = missing["nx"].to_numpy()[:, None] - points["nx"].to_numpy()[None, :]
    dy = missing["ny"].to_numpy()[:, None] - points["ny"].to_numpy()[None, :]
    nearest = points["point_id"].to_numpy()[(dx * dx + dy * dy).argmin(axis=1)]
    lookup = dict(zip(zip(missing["nx"], missing["ny"]), nearest))
    substitute = pd.Series([lookup[cell] for cell in zip(cells.loc[~have, "nx"], cells.loc[~have, "ny"])],
                           index=cells.index[~have])
    return own.where(have, substitute)


def resolve_forecast_points(cells: pd.DataFrame, outlook: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """``cells`` with each point_id replaced by the point that actually has an outlook (own or nearest)."""
    covered = points[points["point_id"].isin(set(outlook["point_id"]))]
    return cells.assign(point_id=nearest_forecast_points(cells, covered))


def scoring_input(destinations: pd.DataFrame, cells: pd.DataFrame, outlook: pd.DataFrame,
                  points: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per active destination and outlook day of its forecast point (see nearest_forecast_points).

    Without ``points``, ``cells`` are taken as already resolved (:func:`resolve_forecast_points`).
    """
    active = destinations[destinations["is_active"].astype(bool)]
    if points is not None:
        cells = resolve_forecast_points(cells, outlook, points)
    dest = active[["content_id", "content_type_id", "region_code", "sigungu_code", "cat2", "cat3"]].merge(
        cells[["content_id", "point_id"]], on="content_id", how="inner")
    dest["coastal"] = dest["cat3"].isin(COASTAL_CAT3) | dest["cat2"].isin(COASTAL_CAT2)
    frame = dest.merge(outlook, on="point_id", how="inner")
    # Scoring treats precip_mm as "the amount if it rains" (probability comes from pop). Short-range
    # sums are amounts; the medium-range outlook stores an expectation (pop x 5 mm), so give it the
    # wet-day amount instead and let pop carry the probability.
    frame["precip_mm"] = np.where(frame["source"] == "mid_range", MID_RANGE_WET_DAY_MM, frame["precip_mm"])
    return frame


def score_destinations(destinations: pd.DataFrame, cells: pd.DataFrame, outlook: pd.DataFrame,
                       points: pd.DataFrame | None = None) -> pd.DataFrame:
    frame = scoring_input(destinations, cells, outlook, points)
    if frame.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    # Reasons come back as JSON array strings (json.dumps(list, ensure_ascii=False)), built once per distinct
    # reason tuple; "str" is the dtype the column had when it was assigned a list of strings.
    scored = score_frame(frame, reasons_format="json")
    scored["reasons"] = scored["reasons"].astype("str")
    return scored[SCORE_COLUMNS].reset_index(drop=True)


def score_batches(destinations: pd.DataFrame, cells: pd.DataFrame, outlook: pd.DataFrame, points: pd.DataFrame,
                  batch_destinations: int = 2_000) -> Iterator[pd.DataFrame]:
    """The scores of all active destinations, ``batch_destinations`` destinations at a time.

    At nationwide scale (50,000 destinations x 10 days) the whole score table, reasons included, is
    several hundred MB in pandas; batches keep one in memory while the warehouse writes them all in
    one transaction (``Warehouse.replace_stream``). Batches follow province order.
    """
    resolved = resolve_forecast_points(cells, outlook, points)
    ordered = destinations.sort_values(["region_code", "content_id"], kind="stable")
    for start in range(0, len(ordered), batch_destinations):
        scores = score_destinations(ordered.iloc[start:start + batch_destinations], resolved, outlook)
        if len(scores):
            yield scores


@dataclass
class ScoreSummary:
    """Metadata and check inputs accumulated over the score batches, so no batch is kept."""

    own_point: Mapping[str, str]
    rows: int = 0
    out_of_range: int = 0
    grade_mismatches: int = 0
    good_or_better: int = 0
    from_nearest: int = 0
    score_sum: float = 0.0
    confidence_sum: float = 0.0
    grades: Counter = field(default_factory=Counter)
    days_per_destination: Counter = field(default_factory=Counter)
    top_today: list[pd.DataFrame] = field(default_factory=list)

    def add(self, scores: pd.DataFrame, titles: pd.Series) -> None:
        """Count one batch in; ``titles`` maps content_id to title (for the best place of each region today)."""
        self.rows += len(scores)
        self.out_of_range += int((~scores["score"].between(0, 100) | scores["score"].isna()).sum())
        self.grade_mismatches += int((scores["grade"].to_numpy() != band_names(scores["score"].to_numpy())).sum())
        self.good_or_better += int((scores["grade_rank"] >= GOOD_OR_BETTER_RANK).sum())
        self.score_sum += float(scores["score"].sum())
        self.confidence_sum += float(scores["confidence"].sum())
        self.grades.update(scores["grade"].value_counts().to_dict())
        firsts = scores.drop_duplicates("content_id")
        self.from_nearest += int((firsts["point_id"].to_numpy()
                                  != firsts["content_id"].map(self.own_point).to_numpy()).sum())
        self.days_per_destination.update(scores.groupby("content_id")["forecast_date"].nunique().to_dict())
        today = scores[scores["lead_days"] == 0].sort_values("score", ascending=False).groupby("region_code").head(1)
        self.top_today.append(today.assign(title=today["content_id"].map(titles))[
            ["region_code", "title", "score", "grade", "reasons"]])

    @property
    def destinations(self) -> int:
        return len(self.days_per_destination)

    def short_of(self, days: int) -> int:
        return sum(1 for n in self.days_per_destination.values() if n < days)

    def unscored(self, active_ids: Iterable[str]) -> int:
        return sum(1 for content_id in active_ids if content_id not in self.days_per_destination)

    def mean(self, total: float) -> float:
        return total / self.rows if self.rows else 0.0

    def top_today_frame(self) -> pd.DataFrame:
        """Today's best destination of each province (a province can span several batches)."""
        if not self.top_today:
            return pd.DataFrame(columns=["region_code", "title", "score", "grade", "reasons"])
        best = pd.concat(self.top_today, ignore_index=True).sort_values("score", ascending=False, kind="stable")
        return best.groupby("region_code").head(1).sort_values("region_code").reset_index(drop=True)


# The HCI bands from their table, lowest first: the check's own reading of GRADE_BANDS (not the scorer's).
_BAND_FLOORS = np.array([floor for floor, _ in reversed(GRADE_BANDS)])
_BAND_NAMES = np.array([name for _, name in reversed(GRADE_BANDS)], dtype=object)


def band_names(scores: np.ndarray) -> np.ndarray:
    """The grade each score falls in (``grade_for``'s name, vectorised); NaN falls in no band (None)."""
    names = _BAND_NAMES[np.searchsorted(_BAND_FLOORS, scores, side="right") - 1]
    names[np.isnan(scores)] = None
    return names


def top_n_query(n: int) -> sa.Select:
    """Top ``n`` destinations per (province, district, day, content type), province level as district 0.

    Ranked in the database (``ROW_NUMBER() OVER``, on SQLite and PostgreSQL alike): by score, ties by
    content_id, so only the top rows travel, not the 500,000 scores of a nationwide refresh. The
    ranking sorts only the narrow key columns; grade, reasons and title are joined to the top rows.
    Columns: region_code, sigungu_code, forecast_date, content_type_id, rank, level, content_id, title,
    score, grade, reasons, simulated.
    """
    scores, destinations = schema.destination_weather_scores, schema.destinations
    levels = []
    for level, place in (("province", [scores.c.region_code]),
                         ("district", [scores.c.region_code, scores.c.sigungu_code])):
        rank = sa.func.row_number().over(
            partition_by=[*place, scores.c.forecast_date, scores.c.content_type_id],
            order_by=[scores.c.score.desc(), scores.c.content_id]).label("rank")
        district = sa.literal(0) if level == "province" else scores.c.sigungu_code
        ranked = sa.select(scores.c.region_code, district.label("sigungu_code"), scores.c.forecast_date,
                           scores.c.content_type_id, rank, sa.literal(level).label("level"), scores.c.content_id)
        if level == "district":
            ranked = ranked.where(scores.c.sigungu_code.is_not(None))
        levels.append(ranked)
    ranked = sa.union_all(*levels).subquery("ranked")
    detail = scores.alias("detail")
    return (
        sa.select(ranked.c.region_code, ranked.c.sigungu_code, ranked.c.forecast_date, ranked.c.content_type_id,
                  ranked.c.rank, ranked.c.level, ranked.c.content_id, destinations.c.title, detail.c.score,
                  detail.c.grade, detail.c.reasons, detail.c.simulated)
        .select_from(ranked)
        .join(detail, sa.and_(detail.c.content_id == ranked.c.content_id,
                              detail.c.forecast_date == ranked.c.forecast_date))
        # Titles of active destinations only; an inactive one keeps its place with no title.
        .outerjoin(destinations, sa.and_(destinations.c.content_id == ranked.c.content_id,
                                         destinations.c.is_active.is_(True)))
        .where(ranked.c.rank <= n)
    )

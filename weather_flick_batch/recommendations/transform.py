"""From the daily outlook and the catalogue to scores and top lists: vectorised, Dagster-free."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa

from weather_flick_batch.recommendations.incremental import as_date
from weather_flick_batch.recommendations.scoring import GOOD_OR_BETTER_RANK, GRADE_BANDS, score_frame
from weather_flick_batch.warehouse import schema
from weather_flick_batch.warehouse.types import ByteOrder
from weather_flick_batch.weather.outlook import MID_RANGE_WET_DAY_MM

# Which destinations are coastal (scored with HCI:Beach in the bathing season, see scoring.BATHING_SEASON).
# TourAPI categories that are at sea by definition: coastal scenery, beaches, ports, lighthouses.
SEA_CAT3 = frozenset({"A01011100", "A01011200", "A01011400", "A01011600"})
# Islands (섬) and water sports (수상 레포츠) are at sea only where their district has a sea coast: 남이섬 is an
# island in the North Han river (Cheongpyeong reservoir) in 춘천, 뚝섬 windsurfing is on the Han in Seoul.
ISLAND_CAT3 = "A01011300"
WATER_SPORTS_CAT2 = "A0303"
# Water sports that are never sea bathing: freshwater fishing, swimming (pools, water parks), rafting.
FRESHWATER_SPORTS_CAT3 = frozenset({"A03030500", "A03030700", "A03030800"})
# The categories that can be coastal (kept for callers of the earlier names): whether a destination *is* coastal
# is coastal_flags' decision, which also looks at the district.
COASTAL_CAT3 = SEA_CAT3 | {ISLAND_CAT3}
COASTAL_CAT2 = frozenset({WATER_SPORTS_CAT2})
# Winter sports, exempt from the scorer's thermal ceiling (they need the cold): ski/snowboard, skating,
# sledding, ice climbing.
WINTER_SPORTS_CAT3 = frozenset({"A03021200", "A03021300", "A03021400", "A03021900"})

# Districts (TourAPI areaCode2: region_code -> sigungu_code -> name) that border the sea, listed from the
# coastline (the same idea as the coastal local governments of the Coastal Management Act, 연안관리법), in
# TourAPI's codes; the tests check every code against the embedded catalogue's district names.  Estuary-only
# districts are left out (김해시, 양산시, 부산 사상구/북구, 경기 고양시/파주시 on the Han estuary).  Provinces not
# listed (서울, 대전, 대구, 광주, 세종, 충북) are inland.
# The rule is per district, so a river island inside a coastal district (을숙도 at the Nakdong mouth, 사하구)
# still counts as coastal; a destination without a district does not (the beach profile is only claimed
# when the data says so).
COASTAL_DISTRICTS: Mapping[int, Mapping[int, str]] = {
    2: {1: "강화군", 3: "미추홀구", 4: "남동구", 5: "동구", 7: "서구", 8: "연수구", 9: "옹진군", 10: "중구"},  # 인천
    6: {1: "강서구", 3: "기장군", 4: "남구", 5: "동구", 10: "사하구", 11: "서구", 12: "수영구", 14: "영도구",
        15: "중구", 16: "해운대구"},  # 부산
    7: {2: "남구", 3: "동구", 4: "북구", 5: "울주군"},  # 울산
    31: {8: "김포시", 14: "시흥시", 15: "안산시", 28: "평택시", 31: "화성시"},  # 경기도
    32: {1: "강릉시", 2: "고성군", 3: "동해시", 4: "삼척시", 5: "속초시", 7: "양양군"},  # 강원
    34: {4: "당진시", 5: "보령시", 7: "서산시", 8: "서천군", 9: "아산시", 14: "태안군", 15: "홍성군"},  # 충남
    35: {2: "경주시", 12: "영덕군", 17: "울릉군", 18: "울진군", 23: "포항시"},  # 경북
    36: {1: "거제시", 3: "고성군", 5: "남해군", 6: "마산시", 8: "사천시", 14: "진해시", 16: "창원시", 17: "통영시",
         18: "하동군"},  # 경남
    37: {1: "고창군", 2: "군산시", 3: "김제시", 6: "부안군"},  # 전북
    38: {1: "강진군", 2: "고흥군", 4: "광양시", 8: "목포시", 9: "무안군", 10: "보성군", 11: "순천시", 12: "신안군",
         13: "여수시", 16: "영광군", 17: "영암군", 18: "완도군", 20: "장흥군", 21: "진도군", 22: "함평군",
         23: "해남군"},  # 전남
    39: {1: "남제주군", 2: "북제주군", 3: "서귀포시", 4: "제주시"},  # 제주
}
_COASTAL_DISTRICT_KEYS = np.array(sorted(region * 1000 + sigungu for region, districts in COASTAL_DISTRICTS.items()
                                         for sigungu in districts), dtype=np.int64)

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


def in_coastal_district(region_code: pd.Series, sigungu_code: pd.Series) -> np.ndarray:
    """Whether each (province, district) is in :data:`COASTAL_DISTRICTS`; False where either code is missing."""
    region = pd.to_numeric(pd.Series(region_code), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    sigungu = pd.to_numeric(pd.Series(sigungu_code), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    known = np.isfinite(region) & np.isfinite(sigungu)
    keys = np.where(known, region * 1000 + sigungu, -1).astype(np.int64)
    return known & np.isin(keys, _COASTAL_DISTRICT_KEYS)


def coastal_flags(cat2: pd.Series, cat3: pd.Series, region_code: pd.Series, sigungu_code: pd.Series) -> np.ndarray:
    """Which destinations are coastal: sea categories anywhere; islands and sea water sports in coastal districts.

    Coastal places score with HCI:Beach in the bathing season (``scoring.BATHING_SEASON``); lakes (A01011700) and
    rivers (A01011800) never are, and neither is an island or a water sport inland (:data:`COASTAL_DISTRICTS`).
    """
    cat2, cat3 = pd.Series(cat2), pd.Series(cat3)
    sea = cat3.isin(SEA_CAT3).to_numpy()
    island = (cat3 == ISLAND_CAT3).to_numpy()
    sea_sport = (cat2 == WATER_SPORTS_CAT2).to_numpy() & ~cat3.isin(FRESHWATER_SPORTS_CAT3).to_numpy()
    return sea | ((island | sea_sport) & in_coastal_district(region_code, sigungu_code))


def scoring_input(destinations: pd.DataFrame, cells: pd.DataFrame, outlook: pd.DataFrame,
                  points: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per active destination and outlook day of its forecast point (see nearest_forecast_points).

    Without ``points``, ``cells`` are taken as already resolved (:func:`resolve_forecast_points`).
    ``coastal`` comes from :func:`coastal_flags`, ``winter_sport`` from :data:`WINTER_SPORTS_CAT3`;
    ``forecast_date`` (from the outlook) tells the scorer whether it is the bathing season.
    """
    active = destinations[destinations["is_active"].astype(bool)]
    if points is not None:
        cells = resolve_forecast_points(cells, outlook, points)
    dest = active[["content_id", "content_type_id", "region_code", "sigungu_code", "cat2", "cat3"]].merge(
        cells[["content_id", "point_id"]], on="content_id", how="inner")
    dest["coastal"] = coastal_flags(dest["cat2"], dest["cat3"], dest["region_code"], dest["sigungu_code"])
    dest["winter_sport"] = dest["cat3"].isin(WINTER_SPORTS_CAT3).to_numpy()
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


def score_batches(destinations: pd.DataFrame, cells: pd.DataFrame, outlook: pd.DataFrame, points: pd.DataFrame | None,
                  batch_rows: int = 10_000, days: Iterable[date] | None = None) -> Iterator[pd.DataFrame]:
    """The scores of all active destinations, about ``batch_rows`` score rows at a time (whole destinations).

    At nationwide scale (50,000 destinations x 10 days) the whole score table, reasons included, is
    several hundred MB in pandas; batches keep two in memory (the warehouse writes one while the next is
    scored, ``Warehouse.replace_stream``, all in one transaction: 10,000 rows each keep the peak of the
    20,000-row batches written one after the other). Batches follow province order; fewer days make
    batches of more destinations (each batch has a fixed cost in pandas). ``days``: only these
    days of the outlook (the ones whose inputs changed, recommendations/incremental.py); every
    destination's point is still resolved against the whole outlook, so a day scores as it would with
    the others. Without ``points``, ``cells`` are taken as already resolved (as :func:`scoring_input`).
    """
    resolved = cells if points is None else resolve_forecast_points(cells, outlook, points)
    if days is not None:
        outlook = outlook[outlook["forecast_date"].map(as_date).isin(set(days))]
        if outlook.empty:
            return
    day_count = max(1, outlook["forecast_date"].nunique()) if len(outlook) else 1
    batch_destinations = max(1, batch_rows // day_count)
    ordered = destinations.sort_values(["region_code", "content_id"], kind="stable")
    for start in range(0, len(ordered), batch_destinations):
        scores = score_destinations(ordered.iloc[start:start + batch_destinations], resolved, outlook)
        if len(scores):
            yield scores


@dataclass
class ScoreSummary:
    """What the score checks and the day ledger need, accumulated over the score batches, so no batch is
    kept. (What the asset reports about the published table is counted in the database:
    :func:`published_score_stats`.)"""

    rows: int = 0
    out_of_range: int = 0
    grade_mismatches: int = 0
    days_per_destination: Counter = field(default_factory=Counter)
    rows_per_day: Counter = field(default_factory=Counter)
    # Days of the table not rescored (their inputs unchanged since their publication, which covered every
    # destination of the same catalogue): they count toward every destination's horizon.
    kept_days: int = 0

    def add(self, scores: pd.DataFrame) -> None:
        """Count one batch in."""
        self.rows += len(scores)
        self.out_of_range += int((~scores["score"].between(0, 100) | scores["score"].isna()).sum())
        self.grade_mismatches += int((scores["grade"].to_numpy() != band_names(scores["score"].to_numpy())).sum())
        self.days_per_destination.update(scores.groupby("content_id")["forecast_date"].nunique().to_dict())
        self.rows_per_day.update({as_date(d): int(n) for d, n in scores["forecast_date"].value_counts().items()})

    @property
    def destinations(self) -> int:
        return len(self.days_per_destination)

    def short_of(self, days: int) -> int:
        return sum(1 for n in self.days_per_destination.values() if n + self.kept_days < days)

    def unscored(self, active_ids: Iterable[str]) -> int:
        return sum(1 for content_id in active_ids if content_id not in self.days_per_destination)


# The HCI bands from their table, lowest first: the check's own reading of GRADE_BANDS (not the scorer's).
_BAND_FLOORS = np.array([floor for floor, _ in reversed(GRADE_BANDS)])
_BAND_NAMES = np.array([name for _, name in reversed(GRADE_BANDS)], dtype=object)


def band_names(scores: np.ndarray) -> np.ndarray:
    """The grade each score falls in (``grade_for``'s name, vectorised); NaN falls in no band (None)."""
    names = _BAND_NAMES[np.searchsorted(_BAND_FLOORS, scores, side="right") - 1]
    names[np.isnan(scores)] = None
    return names


def top_n_query(n: int, days: Iterable[date] | None = None) -> sa.Select:
    """Top ``n`` destinations per (province, district, day, content type), province level as district 0.

    Places under a 경보 that concerns the visit (``warning_level`` 2) are left out. Ranked in the
    database (``ROW_NUMBER() OVER``, on SQLite and PostgreSQL alike): by score, ties by content_id (in byte
    order: ``ByteOrder``), so only the top rows travel, not the 500,000 scores of a nationwide refresh.
    One pass ranks every place within its district; a province's top ``n`` are among its districts' top
    ``n`` and its places without a district (a place outside its district's top ``n`` has ``n`` better ones
    in the same province), so the province ranking sorts only those, not the day's scores again. The rows
    carry what the lists publish through the ranking (joining them back to the scores by key cost more
    than sorting the wider rows); titles are joined to the top rows. Columns: region_code, sigungu_code,
    forecast_date, content_type_id, rank, level, content_id, title, score, grade, reasons, simulated.
    ``days``: only these forecast dates (None: every day).
    """
    scores, destinations = schema.destination_weather_scores, schema.destinations
    order = [scores.c.score.desc(), ByteOrder(scores.c.content_id)]
    within_district = sa.func.row_number().over(
        partition_by=[scores.c.region_code, scores.c.sigungu_code, scores.c.forecast_date, scores.c.content_type_id],
        order_by=order).label("rank")
    ranked = sa.select(scores.c.region_code, scores.c.sigungu_code, scores.c.forecast_date, scores.c.content_type_id,
                       scores.c.content_id, scores.c.score, scores.c.grade, scores.c.reasons, scores.c.simulated,
                       within_district)
    # A place under a 경보 that concerns the visit is not recommended at all (docs/scoring.md).
    ranked = ranked.where(scores.c.warning_level < 2)
    if days is not None:
        ranked = ranked.where(scores.c.forecast_date.in_(sorted(days)))
    ranked = ranked.subquery("ranked")
    # Each district's top n, and every place without a district (NULLs rank together above: not a district).
    candidates = (sa.select(ranked).where(sa.or_(ranked.c.rank <= n, ranked.c.sigungu_code.is_(None)))
                  .cte("candidates"))
    district = (sa.select(candidates.c.region_code, candidates.c.sigungu_code, candidates.c.forecast_date,
                          candidates.c.content_type_id, candidates.c.rank, sa.literal("district").label("level"),
                          candidates.c.content_id, candidates.c.score, candidates.c.grade, candidates.c.reasons,
                          candidates.c.simulated)
                .where(candidates.c.sigungu_code.is_not(None)))
    within_province = sa.func.row_number().over(
        partition_by=[candidates.c.region_code, candidates.c.forecast_date, candidates.c.content_type_id],
        order_by=[candidates.c.score.desc(), ByteOrder(candidates.c.content_id)]).label("rank")
    province = sa.select(candidates.c.region_code, sa.literal(0).label("sigungu_code"), candidates.c.forecast_date,
                         candidates.c.content_type_id, within_province, sa.literal("province").label("level"),
                         candidates.c.content_id, candidates.c.score, candidates.c.grade, candidates.c.reasons,
                         candidates.c.simulated).subquery("province")
    top = sa.union_all(
        sa.select(province).where(province.c.rank <= n), district.where(candidates.c.rank <= n)).subquery("top")
    return (
        sa.select(top.c.region_code, top.c.sigungu_code, top.c.forecast_date, top.c.content_type_id, top.c.rank,
                  top.c.level, top.c.content_id, destinations.c.title, top.c.score, top.c.grade, top.c.reasons,
                  top.c.simulated)
        .select_from(top)
        # Titles of active destinations only; an inactive one keeps its place with no title.
        .outerjoin(destinations, sa.and_(destinations.c.content_id == top.c.content_id,
                                         destinations.c.is_active.is_(True)))
    )


def published_score_stats(conn: sa.Connection, today: date) -> dict:
    """What the scores table holds, counted in the database (every day, the kept ones included): rows, mean
    score and confidence, share good or better, grades, today's warnings, fine-dust days, and today's best
    destination of each province (a frame: region_code, title, score, grade, reasons)."""
    scores, destinations = schema.destination_weather_scores, schema.destinations
    is_today = scores.c.forecast_date == today
    flag = lambda condition: sa.func.sum(sa.case((condition, 1), else_=0))  # noqa: E731
    by_grade = conn.execute(
        sa.select(scores.c.grade, sa.func.count(), sa.func.sum(scores.c.score), sa.func.sum(scores.c.confidence),
                  flag(scores.c.grade_rank >= GOOD_OR_BETTER_RANK),
                  flag(sa.and_(is_today, scores.c.warning.is_not(None))),
                  flag(sa.and_(is_today, scores.c.warning_level == 2)),
                  flag(scores.c.dust_grade.in_(["나쁨", "매우나쁨"])))
        .group_by(scores.c.grade)).all()
    rows = sum(r[1] for r in by_grade)
    total = lambda i: sum(float(r[i] or 0) for r in by_grade)  # noqa: E731
    rank = sa.func.row_number().over(partition_by=scores.c.region_code,
                                     order_by=[scores.c.score.desc(), ByteOrder(scores.c.content_id)]).label("rank")
    best = sa.select(scores.c.region_code, scores.c.content_id, scores.c.score, scores.c.grade, scores.c.reasons,
                     rank).where(is_today).subquery()
    top = pd.DataFrame(conn.execute(
        sa.select(best.c.region_code, destinations.c.title, best.c.score, best.c.grade, best.c.reasons)
        .outerjoin(destinations, destinations.c.content_id == best.c.content_id)
        .where(best.c.rank == 1).order_by(best.c.region_code)).all(),
        columns=["region_code", "title", "score", "grade", "reasons"])
    return {
        "rows": rows,
        "mean_score": total(2) / rows if rows else 0.0,
        "mean_confidence": total(3) / rows if rows else 0.0,
        "share_good_or_better": total(4) / rows if rows else 0.0,
        "grades": {r[0]: int(r[1]) for r in sorted(by_grade, key=lambda r: -r[1])},
        "under_warning_today": int(total(5)),
        "capped_by_warning_today": int(total(6)),
        "lowered_by_fine_dust": int(total(7)),
        "top_today": top,
    }

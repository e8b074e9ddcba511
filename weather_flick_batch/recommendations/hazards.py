"""Weather warnings (특보) and fine dust (미세먼지) in the scores: caps, penalties and reasons (no Dagster).

The HCI rates how pleasant the weather is; a warning or bad air says whether going out is wise at
all. They enter after the HCI score (``score_frame``), as rules a traveller can check:

==========================================  =======================================================
what is in force at the place                what happens to the day's score
==========================================  =======================================================
경보 of 태풍, 호우, 대설, 강풍, 폭염, 한파       outdoor places capped at :data:`WARNING_CAP` and left
                                             out of the top lists
주의보 of those kinds, 황사 (either level)     outdoor places lowered by :data:`ADVISORY_PENALTY`
풍랑 / 폭풍해일 (sea zones)                   the same, for outdoor places on that province's coast
건조, 열대야, unknown kinds                   reason only
fine dust 나쁨 / 매우나쁨 (the day's grade)    outdoor places lowered by :data:`DUST_PENALTY`
==========================================  =======================================================

Which kind does what is one table, :mod:`weather_flick_batch.weather_warnings.codes`
(``applies_to``, ``outdoor_effect`` on every district row); this module only applies it.
Every place under a warning carries it as a reason (indoor ones too: the traveller should know).
Warnings are what is in force *now*: they apply to today's row (lead 0) only; KMA's warnings say
nothing reliable about the days after. Fine dust has a forecast per day (today, tomorrow and
sometimes the day after) and, for today, measurements: the day's grade is the worse of the two.

"Outdoor" is a content type for which the weather fully matters (sensitivity >= 0.9 in
:data:`~weather_flick_batch.recommendations.scoring.CONTENT_TYPE_SENSITIVITY`: tourist spots,
festivals, courses, leisure and sports, and unknown types). The grade is recomputed from the
adjusted score, so it always reads what the score says.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from weather_flick_batch.recommendations import scoring

#: Highest score a place can have under a 경보 that concerns it (the top of the lowest band, "unacceptable").
WARNING_CAP = 39.0
#: Points taken off under a 주의보 that concerns the place.
ADVISORY_PENALTY = 15.0
#: Points taken off outdoor places on a 나쁨 (3) and a 매우나쁨 (4) fine-dust day.
DUST_PENALTY = {3: 10.0, 4: 20.0}
OUTDOOR_SENSITIVITY = 0.9

DUST_GRADES = {1: "좋음", 2: "보통", 3: "나쁨", 4: "매우나쁨"}
#: ``warning_level`` values: 0 none (or reason only), 1 주의보, 2 경보 (a 중대경보 counts as 경보).
LEVEL_ADVISORY, LEVEL_WARNING = 1, 2

#: District rows of the warnings in force (weather_warnings.parsing.expand_to_districts): scope is district,
#: province (the zone's district is unknown: the whole province) or coast (a sea zone: the province's coast).
WARNING_COLUMNS = ["region_code", "sigungu_code", "scope", "kind", "level", "level_rank", "applies_to",
                   "outdoor_effect"]
DUST_COLUMNS = ["region_code", "sigungu_code", "forecast_date", "grade_code"]


def is_outdoor(content_type_id: pd.Series) -> np.ndarray:
    # One lookup per distinct content type, not per row (500,000 rows of a handful of types nationwide);
    # missing types (code -1) take the last entry, sensitivity_for(None), as a missing value did row by row.
    codes, types = pd.factorize(content_type_id, use_na_sentinel=True)
    outdoor = np.array([scoring.sensitivity_for(ct) >= OUTDOOR_SENSITIVITY for ct in types]
                       + [scoring.sensitivity_for(None) >= OUTDOOR_SENSITIVITY], dtype=bool)
    return outdoor[codes]


def _at_place(frame: pd.DataFrame, by_place: pd.DataFrame, value_columns: list[str],
              extra_keys: Iterable[str] = (), fallback: bool = False) -> pd.DataFrame:
    """``by_place`` rows matched to each row of ``frame``: district rows by (region, district), rows
    without a district by region (all of them; with ``fallback``, only where no district row matched).
    Returns ``_row`` (``frame``'s index) with the matched values, one row per match."""
    keys = list(extra_keys)
    left = frame[["region_code", "sigungu_code", *keys]].reset_index(names="_row")
    district = by_place[by_place["sigungu_code"].notna()]
    province = by_place[by_place["sigungu_code"].isna()].drop(columns=["sigungu_code"])
    parts = []
    if len(district):
        d = district.astype({"sigungu_code": "int64"})
        lhs = left[left["sigungu_code"].notna()].astype({"sigungu_code": "int64"})
        parts.append(lhs.merge(d, on=["region_code", "sigungu_code", *keys])[["_row", *value_columns]])
    if len(province):
        rest = left[~left["_row"].isin(parts[0]["_row"])] if (fallback and parts) else left
        parts.append(rest.merge(province, on=["region_code", *keys])[["_row", *value_columns]])
    if not parts:
        return pd.DataFrame(columns=["_row", *value_columns])
    return pd.concat(parts, ignore_index=True)


def _append_reasons(reasons: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Append JSON-encoded reason strings (``extra``: '"a", "b"' or '') to JSON arrays, without parsing them."""
    out = reasons.astype(object).copy()
    has = extra != ""
    if not has.any():
        return out
    current = out[has].astype(str)
    empty = current == "[]"
    out[has] = np.where(empty, "[" + extra[has] + "]", np.char.add(np.char.add(
        np.array([c[:-1] for c in current], dtype=object).astype(str), ", "), extra[has].astype(str)) + "]")
    return out


def _json(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def apply_hazards(scores: pd.DataFrame, warnings: pd.DataFrame | None, dust: pd.DataFrame | None,
                  coastal: pd.Series | None = None, today: date | None = None) -> pd.DataFrame:
    """``scores`` (rows of ``score_frame``) with warnings and fine dust applied (see the module rules).

    ``warnings``: :data:`WARNING_COLUMNS` (sigungu_code NA = the whole province, or its coast for
    scope "coast"), the warnings in force now; ``dust``: :data:`DUST_COLUMNS`, one grade per place and day (the worst applies);
    ``coastal``: per score row, whether the place is on the coast (for the sea kinds); ``today``: the
    KST date the warnings in force apply to (default: the rows with lead 0, which the outlook may
    still date yesterday just after midnight, so callers pass it).
    Adds ``warning`` (e.g. "호우경보, 강풍주의보"), ``warning_level`` (0/1/2) and ``dust_grade``.
    """
    out = scores.reset_index(drop=True)  # positions and labels agree from here on
    n = len(out)
    score = out["score"].to_numpy(dtype=float).copy()
    extra = np.full(n, "", dtype=object)
    warning_text = np.full(n, None, dtype=object)
    level = np.zeros(n, dtype=np.int64)
    dust_grade = np.full(n, None, dtype=object)
    outdoor = is_outdoor(out["content_type_id"])
    on_coast = (coastal.to_numpy(dtype=bool) if coastal is not None else np.zeros(n, dtype=bool))
    today = (out["lead_days"].to_numpy() == 0 if today is None
             else np.array([d == today for d in out["forecast_date"]], dtype=bool))

    if warnings is not None and len(warnings) and today.any():
        w = warnings[WARNING_COLUMNS].drop_duplicates()
        matched = _at_place(out[today], w, ["scope", "kind", "level", "level_rank", "applies_to", "outdoor_effect"])
        if len(matched):
            rows_of = matched["_row"].to_numpy()
            coast_row = (matched["scope"] == "coast").to_numpy()
            # A sea zone's warning concerns only the coast of its province.
            matched = matched[~coast_row | on_coast[rows_of]]
        if len(matched):
            rows_of = matched["_row"].to_numpy()
            matched["name"] = matched["kind"].astype(str) + matched["level"].astype(str)
            applies = matched["applies_to"].astype(str).to_numpy()
            concerns = outdoor[rows_of] & ((applies == "outdoor") | ((applies == "coastal") & on_coast[rows_of]))
            effect = matched["outdoor_effect"].astype(str).to_numpy()
            matched["effective"] = np.where(concerns & (effect == "cap"), LEVEL_WARNING,
                                            np.where(concerns & (effect == "lower"), LEVEL_ADVISORY, 0))
            per_row = matched.sort_values(["_row", "level_rank", "name"], ascending=[True, False, True]).groupby(
                "_row", sort=False).agg(names=("name", lambda s: ", ".join(dict.fromkeys(s))),
                                        effective=("effective", "max"))
            rows = per_row.index.to_numpy()
            warning_text[rows] = per_row["names"].to_numpy()
            level[rows] = per_row["effective"].to_numpy()
            capped = rows[per_row["effective"].to_numpy() == LEVEL_WARNING]
            lowered = rows[per_row["effective"].to_numpy() == LEVEL_ADVISORY]
            score[capped] = np.minimum(score[capped], WARNING_CAP)
            score[lowered] = np.maximum(score[lowered] - ADVISORY_PENALTY, 0.0)
            extra[rows] = np.array([_json(f"weather warning: {t}") for t in per_row["names"]], dtype=object)

    if dust is not None and len(dust):
        d = dust[DUST_COLUMNS].copy()
        d["grade_code"] = d["grade_code"].astype(int)
        matched = _at_place(out, d, ["grade_code"], extra_keys=["forecast_date"], fallback=True)
        if len(matched):
            worst = matched.groupby("_row")["grade_code"].max()
            rows, grades = worst.index.to_numpy(), worst.to_numpy()
            dust_grade[rows] = [DUST_GRADES.get(int(g)) for g in grades]
            penalty = np.array([DUST_PENALTY.get(int(g), 0.0) for g in grades]) * outdoor[rows]
            score[rows] = np.maximum(score[rows] - penalty, 0.0)
            bad = rows[grades >= 3]
            if len(bad):
                text = np.array([_json(f"fine dust {DUST_GRADES[int(g)]}") for g in grades[grades >= 3]], dtype=object)
                extra[bad] = np.where(extra[bad] == "", text, extra[bad].astype(str) + ", " + text.astype(str))

    changed = score != out["score"].to_numpy(dtype=float)
    if changed.any():
        names, ranks = scoring.grades_for(score)
        out["score"] = np.round(score, 1)
        out["grade"] = names
        out["grade_rank"] = ranks
    out["reasons"] = _append_reasons(out["reasons"].to_numpy(dtype=object), extra)
    out["warning"] = warning_text
    out["warning_level"] = level
    out["dust_grade"] = dust_grade
    return out


#: Worked examples for docs/scoring.md: (case, content type, base score, warning rows, dust grade code).
HAZARD_EXAMPLES: tuple[tuple[str, int, float, tuple[tuple[str, str, int, str, str], ...], int | None], ...] = (
    ("해운대해수욕장, clear 7 °C December day, nothing in force", 12, 63.2, (), None),
    ("… under a 한파주의보 (advisory: lowered)", 12, 63.2, (("한파", "주의보", 1, "outdoor", "lower"),), None),
    ("… under a 대설경보 (warning: capped, out of the top lists)", 12, 63.2, (("대설", "경보", 2, "outdoor", "cap"),),
     None),
    ("… under a 건조주의보 (dry air: reason only)", 12, 63.2, (("건조", "주의보", 1, "none", "none"),), None),
    ("… on a 나쁨 fine-dust day", 12, 63.2, (), 3),
    ("… on a 매우나쁨 day under a 강풍주의보", 12, 63.2, (("강풍", "주의보", 1, "outdoor", "lower"),), 4),
    ("부산시립미술관 (museum, indoor) under the 대설경보 on a 매우나쁨 day", 14, 69.5,
     (("대설", "경보", 2, "outdoor", "cap"),), 4),
)


def hazard_examples_table() -> str:
    """The worked examples as a markdown table, computed by :func:`apply_hazards` (the docs embed it)."""
    from datetime import date

    lines = ["| case | HCI score | warnings in force | fine dust | score | grade | warning_level | reason added |",
             "|---|---|---|---|---|---|---|---|"]
    day = date(2026, 12, 7)
    for case, ct, base, warns, dust_code in HAZARD_EXAMPLES:
        names, ranks = scoring.grades_for([base])
        scores = pd.DataFrame([{"content_id": "x", "content_type_id": ct, "region_code": 6, "sigungu_code": 16,
                                "forecast_date": day, "lead_days": 0, "score": base, "grade": names[0],
                                "grade_rank": int(ranks[0]), "reasons": "[]"}])
        warnings = pd.DataFrame([{"region_code": 6, "sigungu_code": 16, "scope": "district", "kind": k, "level": lv,
                                  "level_rank": r, "applies_to": a, "outdoor_effect": e} for k, lv, r, a, e in warns],
                                columns=WARNING_COLUMNS)
        dust = (pd.DataFrame([{"region_code": 6, "sigungu_code": 16, "forecast_date": day, "grade_code": dust_code}])
                if dust_code else None)
        row = apply_hazards(scores, warnings, dust).iloc[0]
        added = ", ".join(f"`{r}`" for r in json.loads(row["reasons"])) or "–"
        lines.append(f"| {case} | {base:.1f} | {', '.join(k + lv for k, lv, *_ in warns) or '–'} | "
                     f"{DUST_GRADES.get(dust_code, '–') if dust_code else '–'} | **{row['score']:.1f}** | {row['grade']} | "
                     f"{int(row['warning_level'])} | {added} |")
    return "\n".join(lines)

"""Code tables of the KMA warning service and what each warning means for outdoor recommendations.

Source: the data.go.kr guide of 기상특보 조회서비스 (dataset 15000415) as transcribed in
``/work/shared/reference/kma-warnings-airkorea.md`` section 2. Items marked **[U]** there are
uncertain; each is handled here defensively and says how:

* warnVar 13 열대야 **[U]**: listed (newer public code shows it); it has no outdoor effect.
* warnStress 2 중대경보 **[U]**: ranked *above* 경보 (``level_rank`` 3) and reported with
  ``level`` ``"경보"``, so anything written for 경보 also fires for it.
* commands 4 대치해제 / 5 대치발표 (old guide) and 7 변경발표 / 8 변경해제 (newer code) **[U]**:
  all four are known; 2, 4 and 8 lift a warning, every other command leaves it in force.
* Any other code is *kept*, labelled ``"미확인(<code>)"`` and reported, never a crash:
  an unknown warnVar has no outdoor effect (we cannot say what it is), an unknown warnStress is
  treated as 경보 (the scale is monotonic, and over-warning is the safe side for travellers),
  an unknown command is treated as not lifting (only the known lifting commands lift).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

__all__ = [
    "WARN_VAR",
    "KIND_CODE_BY_NAME",
    "WARN_STRESS",
    "LEVELS",
    "COMMANDS",
    "LIFT_COMMANDS",
    "LIFT_COMMAND_NAMES",
    "Level",
    "KindPolicy",
    "KIND_POLICIES",
    "OUTDOOR_SEVERE_KINDS",
    "UNKNOWN_KIND_POLICY",
    "code_int",
    "unknown_label",
    "kind_label",
    "kind_code_for_name",
    "level_for_stress",
    "level_for_name",
    "command_label",
    "is_lift_command",
    "policy_for",
    "outdoor_effect",
    "kind_policy_frame",
]

#: ``warnVar`` / ``warningType``: the kind of warning. 13 열대야 is **[U]** (see module doc).
WARN_VAR: dict[int, str] = {
    1: "강풍",
    2: "호우",
    3: "한파",
    4: "건조",
    5: "폭풍해일",
    6: "풍랑",
    7: "태풍",
    8: "대설",
    9: "황사",
    12: "폭염",
    13: "열대야",
}

#: Korean kind name -> warnVar, with the spellings seen in ``t6`` text (해일 for 폭풍해일).
KIND_CODE_BY_NAME: dict[str, int] = {**{name: code for code, name in WARN_VAR.items()}, "해일": 5}

#: ``warnStress``: 0 주의보, 1 경보, 2 중대경보 **[U]**.
WARN_STRESS: dict[int, str] = {0: "주의보", 1: "경보", 2: "중대경보"}

#: ``command``. 4/5 are from the old guide, 7/8 from newer code **[U]**; all are understood.
COMMANDS: dict[int, str] = {
    1: "발표",
    2: "해제",
    3: "연장",
    4: "대치해제",
    5: "대치발표",
    6: "정정",
    7: "변경발표",
    8: "변경해제",
}

#: Commands after which the warning of that (zone, kind) is no longer in force.
LIFT_COMMANDS: frozenset[int] = frozenset({2, 4, 8})
LIFT_COMMAND_NAMES: frozenset[str] = frozenset(COMMANDS[c] for c in LIFT_COMMANDS)


def code_int(value: Any) -> int | None:
    """Integer value of a code that may arrive as ``1``, ``"1"``, ``" 01 "`` or ``1.0``; else ``None``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def unknown_label(value: Any) -> str:
    """``"미확인(14)"``: the label of a code this module does not know."""
    return f"미확인({'' if value is None else str(value).strip()})"


def kind_label(var: Any) -> str:
    """Korean name of a warnVar, or ``"미확인(<code>)"``."""
    code = code_int(var)
    return WARN_VAR.get(code, unknown_label(var)) if code is not None else unknown_label(var)


def kind_code_for_name(name: str) -> int | None:
    """warnVar of a Korean kind name as written in ``t6`` (``"폭염"``, ``"해일"``), else ``None``."""
    return KIND_CODE_BY_NAME.get(name.strip())


@dataclass(frozen=True)
class Level:
    """A warning level. ``level`` is 주의보 or 경보 (중대경보 and unknown stresses fold into 경보);
    ``rank`` orders them (1 주의보, 2 경보, 3 중대경보; 0 is left for "no warning", so ranks can be
    compared with and maxed over places without one); ``label`` is what was issued."""

    level: str
    rank: int
    label: str
    known: bool = True


LEVELS: dict[int, Level] = {
    0: Level("주의보", 1, "주의보"),
    1: Level("경보", 2, "경보"),
    2: Level("경보", 3, "중대경보"),
}


def level_for_stress(stress: Any) -> Level:
    """Level of a warnStress; an unknown one is treated as 경보 (rank 2) and marked unknown."""
    code = code_int(stress)
    if code in LEVELS:
        return LEVELS[code]
    return Level("경보", 2, unknown_label(stress), known=False)


def level_for_name(name: str) -> Level:
    """Level of a name as written in ``t6``: 주의보, 경보 or 중대경보."""
    for level in LEVELS.values():
        if level.label == name.strip():
            return level
    return Level("경보", 2, unknown_label(name), known=False)


def command_label(command: Any) -> str:
    code = code_int(command)
    return COMMANDS.get(code, unknown_label(command)) if code is not None else unknown_label(command)


def is_lift_command(command: Any) -> bool:
    """True for 해제, 대치해제 and 변경해제 (codes 2, 4, 8). Unknown commands do not lift."""
    return code_int(command) in LIFT_COMMANDS


# --------------------------------------------------------------------------------------------
# Outdoor-recommendation policy
# --------------------------------------------------------------------------------------------

#: Effects, mildest first: ``"none"`` nothing, ``"lower"`` lower outdoor places' scores,
#: ``"cap"`` cap outdoor places (they may not be recommended above a ceiling).
EFFECT_ORDER: tuple[str, ...] = ("none", "lower", "cap")


@dataclass(frozen=True)
class KindPolicy:
    """What a kind of warning does to recommendations of outdoor places.

    ``applies_to``: ``"outdoor"`` (every outdoor place in the affected districts), ``"coastal"``
    (only coastal/sea places: beaches, islands, boat trips) or ``"none"``.
    ``advisory_effect`` / ``warning_effect``: the effect of a 주의보 / of a 경보 (and 중대경보).
    """

    kind_code: int
    kind: str
    applies_to: str
    advisory_effect: str
    warning_effect: str
    rationale: str


KIND_POLICIES: dict[int, KindPolicy] = {
    7: KindPolicy(7, "태풍", "outdoor", "lower", "cap",
                  "Typhoon: damaging wind and rain everywhere in the zone; no outdoor visit under a 경보."),
    2: KindPolicy(2, "호우", "outdoor", "lower", "cap",
                  "Heavy rain: flash floods in valleys and on trails, landslides; 경보 means 180 mm/12 h or more."),
    8: KindPolicy(8, "대설", "outdoor", "lower", "cap",
                  "Heavy snow: closed mountain roads and trails; 경보 means 20 cm/24 h or more (30 cm in mountains)."),
    1: KindPolicy(1, "강풍", "outdoor", "lower", "cap",
                  "Strong wind (경보: 21 m/s or gusts 26 m/s): ridges, cable cars, coasts and bridges are unsafe."),
    12: KindPolicy(12, "폭염", "outdoor", "lower", "cap",
                   "Heat wave (경보: apparent temperature 35 degC or more for 2 days): heat illness outdoors."),
    3: KindPolicy(3, "한파", "outdoor", "lower", "cap",
                  "Cold wave (경보: minimum -15 degC or lower for 2 days): frostbite and hypothermia outdoors."),
    6: KindPolicy(6, "풍랑", "coastal", "lower", "cap",
                  "High seas: issued for sea zones; ferries stop and beaches and sea activities are unsafe, "
                  "inland places are unaffected."),
    5: KindPolicy(5, "폭풍해일", "coastal", "lower", "cap",
                  "Storm surge: coastal flooding; only places on the shore are affected."),
    9: KindPolicy(9, "황사", "outdoor", "lower", "lower",
                  "Yellow dust: an air-quality matter (AirKorea grades carry the detail); outdoor activity is "
                  "discouraged but not dangerous for most visitors, so both levels lower."),
    4: KindPolicy(4, "건조", "none", "none", "none",
                  "Dry air: fire risk (no campfires), not a reason to avoid a place."),
    13: KindPolicy(13, "열대야", "none", "none", "none",
                   "Tropical night [U]: uncomfortable nights, no daytime outdoor effect."),
}

#: The kinds whose 경보 caps outdoor places (the "outdoor-severe" kinds for land zones).
OUTDOOR_SEVERE_KINDS: frozenset[int] = frozenset(
    code for code, p in KIND_POLICIES.items() if p.applies_to == "outdoor" and p.warning_effect == "cap"
)

UNKNOWN_KIND_POLICY = KindPolicy(
    -1, "미확인", "none", "none", "none",
    "Unknown warning kind: kept and reported, no effect until the code is added to WARN_VAR.",
)


def policy_for(kind_code: Any) -> KindPolicy:
    code = code_int(kind_code)
    return KIND_POLICIES.get(code, UNKNOWN_KIND_POLICY) if code is not None else UNKNOWN_KIND_POLICY


def outdoor_effect(kind_code: Any, level_rank: int) -> str:
    """``"cap"``, ``"lower"`` or ``"none"`` for a warning of this kind and level rank (1 주의보, >= 2 경보;
    0 or less: no warning, ``"none"``).

    Says nothing about *where*: see :attr:`KindPolicy.applies_to` (``"coastal"`` kinds only
    affect coastal places).
    """
    policy = policy_for(kind_code)
    if level_rank <= 0:
        return "none"
    return policy.warning_effect if level_rank >= 2 else policy.advisory_effect


def kind_policy_frame() -> pd.DataFrame:
    """The policy as a table (one row per known kind), for the warehouse and for documentation."""
    rows = [asdict(p) for p in sorted(KIND_POLICIES.values(), key=lambda p: p.kind_code)]
    frame = pd.DataFrame(rows, columns=["kind_code", "kind", "applies_to", "advisory_effect", "warning_effect",
                                        "rationale"])
    frame["kind_code"] = frame["kind_code"].astype("int64")
    return frame

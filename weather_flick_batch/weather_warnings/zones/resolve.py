"""Resolving one zone as KMA names it (code, name, issuing office) to TourAPI provinces and
districts: the code table, the name, the suffix rule, the province hint; and the
:class:`ZoneReport` of zones that did not resolve cleanly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from weather_flick_batch.weather_warnings.zones.code_table import _code_rows
from weather_flick_batch.weather_warnings.zones.mapping import (
    Zone,
    ZoneTarget,
    _district_stem_index,
    _districts,
    _stem,
    pick_zone,
    zone_by_name,
    zones_named,
)
from weather_flick_batch.weather_warnings.zones.names import (
    hint_regions,
    is_sea_zone,
    normalize_zone_name,
    sea_coast_regions,
)

# --------------------------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneResolution:
    """How one (area_code, area_name) was resolved.

    ``method``: ``"code_table"``, ``"name"``, ``"rule"`` (suffix rule), ``"sea"``,
    ``"province_hint"`` (district unknown: ``sigungu_code`` ``None``) or ``"unmapped"``.
    ``problem``: ``None`` or a short reason (``"unknown zone"``, ``"ambiguous name"``).
    """

    area_code: str | None
    area_name: str | None
    zone: Zone | None
    targets: tuple[ZoneTarget, ...]
    coast_regions: tuple[int, ...]
    method: str
    problem: str | None = None

    @property
    def zone_id(self) -> str | None:
        if self.zone is not None:
            return self.zone.zone_id
        return None

    @property
    def is_sea(self) -> bool:
        return self.method == "sea"

    def pairs(self) -> list[tuple[int, int | None]]:
        return [(t.region_code, t.sigungu_code) for t in self.targets]


_RULE_SUFFIXES = ("북부중산간", "남부중산간", "중산간", "평지", "산지", "북부", "남부", "동부", "서부", "중부",
                  "내륙", "해안", "동해안", "서해안")


def _rule_targets(name: str, hint: frozenset[int] | None) -> tuple[ZoneTarget, ...]:
    """``곡성북부`` -> part of 곡성군: strip a direction/terrain suffix and match one district."""
    for suffix in _RULE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            stem = name[: -len(suffix)]
            matches = _district_stem_index().get(stem) or _district_stem_index().get(_stem(stem)) or ()
            if hint and len(matches) > 1:
                matches = tuple(m for m in matches if m[0] in hint)
            if len(matches) == 1:
                region, district = matches[0]
                return (ZoneTarget(region, _districts()[region][district], "part"),)
    return ()


def _expand_province_targets(region: int) -> tuple[ZoneTarget, ...]:
    return tuple(ZoneTarget(region, code, "whole") for code in sorted(_districts()[region].values()))


def resolve_zone_detail(area_code: str | None, area_name: str | None, office_stn_id: Any = None,
                        *, hint: Iterable[int] | None = None) -> ZoneResolution:
    """Resolve one zone. Order: sea zones; the code table; the name; the suffix rule; the province
    hint. ``hint`` (provinces, e.g. the parent of a ``t6`` group) is combined with the office's."""
    code = str(area_code).strip() if area_code not in (None, "") else None
    name = str(area_name).strip() if area_name not in (None, "") else None
    hints = hint_regions(code, office_stn_id)
    if hint:
        hints = frozenset(hint) & hints if hints and frozenset(hint) & hints else frozenset(hint)

    if is_sea_zone(code, name):
        zone = zone_by_name(name) if name else None
        coast = zone.coast_regions if zone is not None and zone.is_sea else sea_coast_regions(name)
        return ZoneResolution(code, name, zone if zone is not None and zone.is_sea else None, (), coast, "sea",
                              None if (zone is not None or coast or (name or "").endswith("먼바다"))
                              else "sea zone touching no known coast")

    if code:
        rows = _code_rows(code)
        if rows:
            targets: list[ZoneTarget] = []
            zone = None
            for row in rows:
                if row["region_code"]:
                    region = int(row["region_code"])
                    if row["sigungu_code"]:
                        targets.append(ZoneTarget(region, int(row["sigungu_code"]), "whole"))
                    else:
                        targets.extend(_expand_province_targets(region))
                else:
                    by_name = zone_by_name(row["area_name"], hints)
                    if by_name is not None:
                        targets.extend(by_name.targets)
                        zone = by_name
            # The zone identity comes from the name, so events and status text agree on zone_id.
            zone = zone or zone_by_name(name or rows[0]["area_name"], hints)
            if targets:
                return ZoneResolution(code, name or rows[0]["area_name"], zone, tuple(dict.fromkeys(targets)), (),
                                      "code_table")

    if name:
        picked = pick_zone(zones_named(name), hints)
        if isinstance(picked, Zone):
            if hints and not set(picked.region_codes) & hints and picked.zone_type != "province":
                # The only zone of that name lies outside the office's provinces (bare 고성 from the
                # 강원 office): a district of that name inside them is the better reading.
                local = pick_zone(zones_named(normalize_zone_name(name) + "평지"), hints)
                if isinstance(local, Zone) and set(local.region_codes) & hints:
                    return ZoneResolution(code, name, local, local.targets, (), "name")
                rule = _rule_targets(normalize_zone_name(name) + "평지", hints)
                if rule:
                    return ZoneResolution(code, name, None, rule, (), "rule", "name outside the office's provinces")
            return ZoneResolution(code, name, picked, picked.targets, (), "name")
        problem = "ambiguous name" if picked == "ambiguous" else "unknown zone"
        rule = _rule_targets(normalize_zone_name(name), hints)
        if rule:
            return ZoneResolution(code, name, None, rule, (), "rule", "matched by suffix rule")
    else:
        problem = "no zone name"

    if hints and len(hints) == 1:
        (region,) = tuple(hints)
        return ZoneResolution(code, name, None, (ZoneTarget(region, None, "unknown"),), (), "province_hint", problem)
    return ZoneResolution(code, name, None, (), (), "unmapped", problem)


def resolve_zone(area_code: str | None, area_name: str | None, office_stn_id: Any = None,
                 *, report: ZoneReport | None = None) -> list[tuple[int, int | None]]:
    """``[(region_code, sigungu_code | None), ...]`` a zone covers.

    A land zone gives one pair per district (several for 서울동남권); a sea zone gives ``[]``
    (see :func:`resolve_zone_detail` for the coast it touches); an unknown zone gives
    ``[(province, None)]`` when the office or code narrows it to one province, else ``[]``.
    Unmapped, ambiguous and rule-matched zones are recorded in ``report``.
    """
    resolution = resolve_zone_detail(area_code, area_name, office_stn_id)
    if report is not None:
        report.add(resolution)
    return resolution.pairs()


@dataclass
class ZoneReport:
    """Zones that did not resolve cleanly, with how often each was met."""

    unmapped: Counter = field(default_factory=Counter)  # (area_code, area_name, problem) -> count
    approximate: Counter = field(default_factory=Counter)  # rule / province_hint matches

    def add(self, resolution: ZoneResolution) -> None:
        key = (resolution.area_code, resolution.area_name, resolution.problem)
        if resolution.method == "unmapped":
            self.unmapped[key] += 1
        elif resolution.method in ("rule", "province_hint"):
            self.approximate[key + (resolution.method,)] += 1
        elif resolution.method == "sea" and resolution.problem:
            self.unmapped[key] += 1

    def merge(self, other: ZoneReport) -> None:
        self.unmapped.update(other.unmapped)
        self.approximate.update(other.approximate)

    def lines(self, limit: int = 20) -> list[str]:
        out = [f"unmapped zone {name or '?'} ({code or 'no code'}): {problem} x{n}"
               for (code, name, problem), n in self.unmapped.most_common(limit)]
        out += [f"approximate zone {name or '?'} ({code or 'no code'}): {method} x{n}"
                for (code, name, _problem, method), n in self.approximate.most_common(limit)]
        return out

    def as_metadata(self) -> dict[str, Any]:
        return {"unmapped_zones": sum(self.unmapped.values()), "approximate_zones": sum(self.approximate.values()),
                "zone_problems": self.lines()}

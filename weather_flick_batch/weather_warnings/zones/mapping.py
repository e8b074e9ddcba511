"""The zone -> district mapping: :data:`ZONES`, built from the name tables (:mod:`.names`) and
TourAPI's district list, and the lookups by name (:func:`zones_named`, :func:`pick_zone`,
:func:`zone_by_name`, :func:`member_zones`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from weather_flick_batch.weather_warnings.zones.names import (
    _DISTRICT_ZONE_PROVINCES,
    _GANGWON_PLAIN,
    _GYEONGBUK_PLAIN,
    _KNOWN_SEA_NAMES,
    _PROVINCE_NAMES,
    _SEA_BROAD,
    _SPECIAL_LAND,
    normalize_zone_name,
    sea_coast_regions,
)

DISTRICTS_PATH = Path(__file__).resolve().parent.parent.parent / "destinations" / "catalogue" / "districts.json"

# --------------------------------------------------------------------------------------------
# Districts (TourAPI)
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _districts() -> dict[int, dict[str, int]]:
    """``{region_code: {district name: sigungu_code}}`` from the TourAPI catalogue."""
    data = json.loads(DISTRICTS_PATH.read_text(encoding="utf-8"))
    return {
        int(area): {row["name"]: int(row["code"]) for row in rows}
        for area, rows in data["districts"].items()
    }


@lru_cache(maxsize=1)
def _district_names() -> dict[tuple[int, int], str]:
    return {(area, code): name for area, rows in _districts().items() for name, code in rows.items()}


def district_name(region_code: int, sigungu_code: int | None) -> str | None:
    if sigungu_code is None:
        return None
    return _district_names().get((int(region_code), int(sigungu_code)))


def _stem(name: str) -> str:
    """``김포시`` -> ``김포``; names of two characters or fewer keep their suffix (``중구``)."""
    return name[:-1] if len(name) > 2 and name[-1] in "시군구" else name


# --------------------------------------------------------------------------------------------
# Zones
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneTarget:
    region_code: int
    sigungu_code: int | None
    coverage: str  # "whole" | "part" | "unknown" (province only)


@dataclass(frozen=True)
class Zone:
    """One warning zone. ``zone_id`` is the normalised canonical name (the join key)."""

    zone_id: str
    name: str
    zone_type: str  # "land" | "province" | "sea"
    region_codes: tuple[int, ...]  # land: provinces it lies in; sea: provinces whose coast it touches
    targets: tuple[ZoneTarget, ...]
    aliases: tuple[str, ...] = ()
    source: str = "district_name"
    note: str = ""
    prefer_bare: bool = False  # wins a bare-name tie without a hint (광주 -> 광주광역시)

    @property
    def is_sea(self) -> bool:
        return self.zone_type == "sea"

    @property
    def coast_regions(self) -> tuple[int, ...]:
        return self.region_codes if self.is_sea else ()


# -- building the table ------------------------------------------------------------------------


def _target(region: int, district: str, coverage: str) -> ZoneTarget:
    try:
        code = _districts()[region][district]
    except KeyError:
        raise ValueError(f"zone table names district {district!r} that TourAPI area {region} does not list") from None
    return ZoneTarget(region, code, coverage)


def _build_zones() -> dict[str, Zone]:
    zones: dict[str, Zone] = {}

    def add(zone: Zone) -> None:
        if zone.zone_id in zones:
            raise ValueError(f"zone {zone.zone_id!r} defined twice")
        zones[zone.zone_id] = zone

    special_districts: set[tuple[int, str]] = set()
    for region, name, aliases, targets, source, note in _SPECIAL_LAND:
        add(Zone(normalize_zone_name(name), name, "land", (region,),
                 tuple(_target(region, d, cov) for d, cov in targets), tuple(aliases), source, note,
                 prefer_bare=(name == "광주")))
        if region in _DISTRICT_ZONE_PROVINCES:
            special_districts.update((region, d) for d, cov in targets if cov == "whole")

    for district in _GANGWON_PLAIN:
        stem = _stem(district)
        # No bare alias for 고성군 (강원): bare 고성 is 경남's zone (강원's is always 고성평지).
        aliases = (f"{district}평지",) + (() if district == "고성군" else (stem, district))
        add(Zone(f"{stem}평지", f"{stem}평지", "land", (32,), (_target(32, district, "part"),), aliases,
                 "public_listing", "lowland part; the mountains are in a 강원 산지 zone"))
        special_districts.add((32, district))
    for district in _GYEONGBUK_PLAIN:
        stem = _stem(district)
        add(Zone(f"{stem}평지", f"{stem}평지", "land", (35,), (_target(35, district, "part"),),
                 (f"{district}평지", stem, district), "public_listing", "lowland part; mountains are 경북북동산지"))
        special_districts.add((35, district))

    legacy = {(33, "청원군"), (36, "마산시"), (36, "진해시"), (38, "신안군"), (35, "울릉군")}
    for region in _DISTRICT_ZONE_PROVINCES:
        for district in _districts()[region]:
            if (region, district) in special_districts or (region, district) in legacy:
                continue
            stem = _stem(district)
            zone_id = stem
            if zone_id in zones:  # a same-named zone elsewhere (경기 광주 vs 광주광역시)
                zone_id = f"{stem}({region})"
            add(Zone(zone_id, stem, "land", (region,), (_target(region, district, "whole"),), (district,),
                     "district_name", ""))

    for region, names in _PROVINCE_NAMES.items():
        targets = tuple(ZoneTarget(region, code, "whole") for code in sorted(_districts()[region].values()))
        add(Zone(normalize_zone_name(names[0]) + "(전체)", names[0], "province", (region,), targets, names,
                 "district_name", "every zone of the province"))

    for name in dict.fromkeys((*_KNOWN_SEA_NAMES, *_SEA_BROAD)):
        add(Zone(normalize_zone_name(name), name, "sea", sea_coast_regions(name), (), (), "public_listing",
                 "sea zone; code unverified" + ("" if sea_coast_regions(name) else "; offshore, touches no coast")))
    return zones


ZONES: dict[str, Zone] = _build_zones()


@lru_cache(maxsize=1)
def _name_index() -> dict[str, tuple[Zone, ...]]:
    index: dict[str, list[Zone]] = {}
    for zone in ZONES.values():
        for name in {zone.zone_id, zone.name, *zone.aliases}:
            key = normalize_zone_name(name)
            if zone not in index.setdefault(key, []):
                index[key].append(zone)
    return {key: tuple(zs) for key, zs in index.items()}


@lru_cache(maxsize=1)
def _district_stem_index() -> dict[str, tuple[tuple[int, str], ...]]:
    """District names and stems -> (region, district), for the suffix rule."""
    index: dict[str, list[tuple[int, str]]] = {}
    for region, rows in _districts().items():
        for district in rows:
            for key in {district, _stem(district)}:
                index.setdefault(key, []).append((region, district))
    return {k: tuple(v) for k, v in index.items()}


def zones_named(name: Any) -> tuple[Zone, ...]:
    """Every zone a name may stand for (several for 고성군-like ties); ``()`` when unknown."""
    return _name_index().get(normalize_zone_name(name), ())


def pick_zone(candidates: Sequence[Zone], hint: frozenset[int] | None) -> Zone | None | str:
    """One zone among same-named candidates, ``None`` (no candidate) or ``"ambiguous"``.

    ``hint`` (provinces) narrows the candidates; without it, a zone marked ``prefer_bare`` wins
    (bare 광주 is 광주광역시), then a lone land zone wins over province aggregates."""
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    if hint:
        narrowed = [z for z in candidates if set(z.region_codes) & hint]
        if len(narrowed) == 1:
            return narrowed[0]
        if narrowed:
            candidates = narrowed
    preferred = [z for z in candidates if z.prefer_bare]
    if len(preferred) == 1 and not hint:
        return preferred[0]
    # Land zones win over province aggregates of the same name (세종 zone vs nothing, 광주 ...).
    land = [z for z in candidates if z.zone_type == "land"]
    if len(land) == 1:
        return land[0]
    return "ambiguous"


def zone_by_name(name: Any, hint: Iterable[int] | None = None) -> Zone | None:
    """The zone a name stands for, using ``hint`` (province codes) to break ties; ``None`` if unknown
    or still ambiguous."""
    picked = pick_zone(zones_named(name), frozenset(hint) if hint else None)
    return picked if isinstance(picked, Zone) else None


def member_zones(region_codes: Iterable[int]) -> list[Zone]:
    """The land zones of the given provinces (what ``경기도`` or ``부산(부산동부 제외)`` expands to)."""
    wanted = set(region_codes)
    return [z for z in ZONES.values() if z.zone_type == "land" and set(z.region_codes) & wanted]

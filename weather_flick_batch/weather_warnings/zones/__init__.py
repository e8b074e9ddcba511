"""Warning zones (특보구역) to TourAPI provinces (``region_code``) and districts (``sigungu_code``).

KMA issues warnings per zone, and zones are not districts: Seoul is four zones of several
districts each, Gangwon districts are split into lowland (평지) and mountain (산지) parts whose
mountain parts form three zones of their own, 제주 has eight zones over two districts, small
islands (울릉도독도, 흑산도홍도, 서해5도, 추자도, 거문도초도) are zones inside one district, and
sea zones cover no land at all. The official zone-code list is an Excel file attached to the
data.go.kr guide, which we do not have offline, so:

* The mapping is built **by zone name** (:data:`ZONES`). KMA names most land zones after the
  district without 시/군 (``김포``, ``청주``), with the forms ``강릉시평지`` / ``강릉평지``,
  ``울릉도.독도`` / ``울릉도독도`` and short/full province names all accepted
  (:func:`normalize_zone_name`). A zone covers one or more districts, each with coverage
  ``"whole"`` or ``"part"`` (the zone covers only part of the district: a district is affected
  when any zone covering part of it is, which errs on the safe side for travellers).
* The **code -> zone table** is ``zone_codes.csv`` beside this package (columns ``area_code,
  area_name, region_code, sigungu_code, source, note``; several rows per code when a zone covers
  several districts; ``sigungu_code`` empty = the whole province; ``region_code`` empty = resolve
  ``area_name`` by name). It holds the three codes our reference confirms (L1010100 서울,
  L1030100 대전, L1011700 의정부) and is to be completed from the official file.
* Every row of the mapping says where it comes from (``source``) and what is uncertain (``note``):

  ============== ===================================================================================
  source         meaning
  ============== ===================================================================================
  district_name  the zone is one TourAPI district, matched by name
  kma_announcement  names and membership as KMA announced and uses them (press reports of the
                 2020 Seoul split, the 2022 제주 중산간 zones and the 2024 부산/울산 split)
  inferred       membership inferred, to be checked against the official file **[U]**
  public_listing the name appears in public client code that lists KMA zone codes; code unverified
  reference      /work/shared/reference/kma-warnings-airkorea.md
  ============== ===================================================================================

Known gaps (documented, reported when met): exact membership of 강원북부/중부/남부산지 (inferred
from which districts have a 평지 zone, split north to south) and of 경북북동산지, Jeju zones are
coarser than its districts (every zone is
``part`` of 제주시/서귀포시 and the legacy 북제주군/남제주군), sheltered-water zones (평수구역,
e.g. harbours) and any zone KMA added after these notes; sea-zone codes are not known at all.
Names that match nothing are resolved by a rule (strip 평지/산지/북부/남부/... and match a
district, e.g. 곡성북부 -> 곡성군 ``part``), then by the issuing office to a province
(``sigungu_code`` ``None``: somewhere in that province, district unknown), and are always
reported (:class:`ZoneReport`).

Sea zones (``S…`` codes, names ending in 앞바다/먼바다/해상) have no land district; the
provinces whose **coast** they touch are recorded (``coast_regions``) so that 풍랑 and 폭풍해일
can affect coastal places. 앞바다 and 전해상 zones touch a coast; 먼바다 (offshore) zones touch none.

The package, by job:

* :mod:`.names` - what KMA calls its zones: issuing offices and code prefixes (province hints),
  name normalisation, the name tables (the KMA splits, 강원/경북 평지 zones, province
  aggregates) and the sea zones.
* :mod:`.mapping` - builds :data:`ZONES` (zone -> TourAPI districts) from those tables and the
  TourAPI district list, and looks zones up by name.
* :mod:`.code_table` - the code -> zone table (``zone_codes.csv``).
* :mod:`.resolve` - resolving one (code, name, office) to districts, and the :class:`ZoneReport`.
* :mod:`.coverage` - the mapping as warehouse rows and its coverage summary.
"""

from __future__ import annotations

from weather_flick_batch.weather_warnings.zones.code_table import (
    ZONE_CODE_COLUMNS,
    ZONE_CODES_PATH,
    load_zone_codes,
    zone_code_frame,
)
from weather_flick_batch.weather_warnings.zones.coverage import (
    ZONE_MAPPING_COLUMNS,
    coverage_summary,
    zone_mapping_frame,
)
from weather_flick_batch.weather_warnings.zones.mapping import (  # noqa: F401  (_districts: used by tests)
    DISTRICTS_PATH,
    ZONES,
    Zone,
    ZoneTarget,
    _districts,
    district_name,
    member_zones,
    pick_zone,
    zone_by_name,
    zones_named,
)
from weather_flick_batch.weather_warnings.zones.names import (
    CODE_PREFIX_HINTS,
    OFFICES,
    Office,
    hint_regions,
    is_sea_zone,
    normalize_zone_name,
    office_regions,
    sea_coast_regions,
)
from weather_flick_batch.weather_warnings.zones.resolve import (
    ZoneReport,
    ZoneResolution,
    resolve_zone,
    resolve_zone_detail,
)

__all__ = [
    "ZONE_CODES_PATH",
    "DISTRICTS_PATH",
    "OFFICES",
    "Office",
    "CODE_PREFIX_HINTS",
    "ZoneTarget",
    "Zone",
    "ZoneResolution",
    "ZoneReport",
    "ZONES",
    "normalize_zone_name",
    "is_sea_zone",
    "sea_coast_regions",
    "zone_by_name",
    "pick_zone",
    "ZONE_CODE_COLUMNS",
    "ZONE_MAPPING_COLUMNS",
    "zones_named",
    "member_zones",
    "office_regions",
    "hint_regions",
    "resolve_zone",
    "resolve_zone_detail",
    "load_zone_codes",
    "zone_code_frame",
    "zone_mapping_frame",
    "coverage_summary",
    "district_name",
]

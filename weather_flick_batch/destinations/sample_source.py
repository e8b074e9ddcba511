"""Offline stand-in for the Korea Tourism Organization TourAPI (KorService2).

The platform must run end to end without a service key (development laptops, CI, demos), and the
real API allows only about 1,000 calls a day per operation, so tests must never spend that quota.
:class:`TourApiSampleSource` answers the operations the destination assets use with payloads in
exactly the JSON shape the real gateway returns, including its awkward corners:

* every item value is a string (``""`` when absent); the paging counters in ``body`` are numbers,
  as in the real responses;
* an empty page carries ``"items": ""`` (an empty *string*, not an object);
* optionally a single-item page carries ``"item": {...}`` instead of a list
  (``single_item_as_object=True``), which some real operations do;
* bad or missing request parameters come back as a TourAPI-style error header instead of data.

The data is the embedded catalogue in ``catalogue/destinations.json`` (real, well-known
destinations) or any caller-supplied catalogue, e.g. :func:`synthetic_catalogue` for load tests.
Festival dates are stored as a month/day plus a duration and projected onto the calendar relative
to ``today``, so ``searchFestival2`` never runs dry however old the catalogue gets.

This module deliberately does not import Dagster: it is plain domain code that resources, assets,
benchmarks and tests can all share.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "AREA_CODES",
    "CATALOGUE_DIR",
    "CAT3_LABELS",
    "CONTENT_TYPE_IDS",
    "DESTINATIONS_PATH",
    "DISTRICTS_PATH",
    "LEGACY_DISTRICTS",
    "LDONG_REGN_BY_AREA",
    "OPERATIONS",
    "PROVINCE_FULL_NAMES",
    "SYNTHETIC_BOXES",
    "FestivalOccurrence",
    "TourApiSampleSource",
    "festival_occurrence",
    "load_catalogue",
    "load_districts",
    "synthetic_catalogue",
]

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
DESTINATIONS_PATH = CATALOGUE_DIR / "destinations.json"
DISTRICTS_PATH = CATALOGUE_DIR / "districts.json"

#: TourAPI area codes: the platform's canonical region key.
AREA_CODES: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 31, 32, 33, 34, 35, 36, 37, 38, 39)

#: Content types TourAPI serves in Korean (25 = travel course has no service table but exists).
CONTENT_TYPE_IDS: tuple[int, ...] = (12, 14, 15, 25, 28, 32, 38, 39)

#: Official province names as they open a road address (``addr1``).
PROVINCE_FULL_NAMES: dict[int, str] = {
    1: "서울특별시", 2: "인천광역시", 3: "대전광역시", 4: "대구광역시", 5: "광주광역시",
    6: "부산광역시", 7: "울산광역시", 8: "세종특별자치시", 31: "경기도", 32: "강원특별자치도",
    33: "충청북도", 34: "충청남도", 35: "경상북도", 36: "경상남도", 37: "전북특별자치도",
    38: "전라남도", 39: "제주특별자치도",
}

#: KorService2's ``lDongRegnCd`` (legal-dong province prefix) for each TourAPI area code.
#: Gangwon (51) and Jeonbuk (52) are the codes since they became special self-governing provinces.
LDONG_REGN_BY_AREA: dict[int, str] = {
    1: "11", 2: "28", 3: "30", 4: "27", 5: "29", 6: "26", 7: "31", 8: "36", 31: "41",
    32: "51", 33: "43", 34: "44", 35: "47", 36: "48", 37: "52", 38: "46", 39: "50",
}

#: Districts that ``areaCode2`` still lists but that no longer exist administratively (merged
#: into a neighbour). Real items rarely carry them, so synthetic data avoids them.
LEGACY_DISTRICTS: frozenset[tuple[int, int]] = frozenset(
    {(33, 9), (36, 6), (36, 14), (39, 1), (39, 2)}  # 청원군, 마산시, 진해시, 남·북제주군
)

#: Korean labels of the TourAPI ``cat3`` codes used by the catalogues (for overview text).
CAT3_LABELS: dict[str, str] = {
    "A01010100": "국립공원", "A01010200": "도립공원", "A01010400": "산",
    "A01010500": "자연생태관광지", "A01010600": "자연휴양림", "A01010700": "수목원",
    "A01010800": "폭포", "A01011100": "해안절경", "A01011200": "해수욕장", "A01011300": "섬",
    "A01011700": "호수", "A01011800": "강", "A01011900": "동굴",
    "A02010100": "고궁", "A02010200": "성", "A02010400": "고택", "A02010600": "민속마을",
    "A02010700": "유적지/사적지", "A02010800": "사찰", "A02011000": "안보관광",
    "A02020300": "온천/욕장/스파", "A02020600": "테마공원", "A02020700": "공원",
    "A02030100": "농·산·어촌 체험", "A02030600": "이색거리", "A02050100": "다리/대교",
    "A02050200": "기념탑/기념비/전망대", "A02050600": "유명건물",
    "A02060100": "박물관", "A02060200": "기념관", "A02060300": "전시관",
    "A02060500": "미술관/화랑", "A02060600": "공연장", "A02060900": "도서관",
    "A02070100": "문화관광축제", "A02070200": "일반축제",
    "A03020300": "경기장", "A03020500": "자전거하이킹", "A03020600": "카트",
    "A03020800": "경마", "A03021200": "스키/스노보드", "A03021700": "야영장/오토캠핑장",
    "A03030100": "윈드서핑/제트스키", "A03030300": "요트", "A03030700": "수영",
    "A03030800": "래프팅", "A03040300": "패러글라이딩", "A03050100": "복합 레포츠",
    "B02010100": "관광호텔", "B02010500": "콘도미니엄", "B02011300": "서비스드레지던스",
    "B02011600": "한옥",
    "A04010100": "5일장", "A04010200": "상설시장", "A04010300": "백화점", "A04010400": "면세점",
    "A04010600": "전문매장/상가",
    "A05020100": "한식", "A05020200": "서양식", "A05020400": "중식", "A05020900": "카페/전통찻집",
}

OPERATIONS: frozenset[str] = frozenset(
    {"areaCode2", "areaBasedList2", "areaBasedSyncList2", "searchFestival2", "detailCommon2", "detailIntro2",
     "detailPetTour2"}
)
# detailIntro2 fields of a travel course (content type 25), as KorService2 names them.
_COURSE_INTRO_FIELDS: tuple[str, ...] = ("contentid", "contenttypeid", "distance", "infocentertourcourse",
                                         "schedule", "taketime", "theme")
# detailPetTour2 item fields (KorService2's pet-travel details).
_PET_FIELDS: tuple[str, ...] = (
    "contentid", "relaAcdntRiskMtr", "acmpyTypeCd", "relaPosesFclty", "relaFrnshPrdlst", "etcAcmpyInfo",
    "relaPurcPrdlst", "acmpyPsblCpam", "relaRntlPrdlst", "acmpyNeedMtr",
)

# Field order of areaBasedList2 items as KorService2 emits them (order is cosmetic for JSON
# consumers, but keeping it makes recorded fixtures diff cleanly against real responses).
_LIST_FIELDS: tuple[str, ...] = (
    "addr1", "addr2", "areacode", "cat1", "cat2", "cat3", "contentid", "contenttypeid",
    "createdtime", "firstimage", "firstimage2", "cpyrhtDivCd", "mapx", "mapy", "mlevel",
    "modifiedtime", "sigungucode", "tel", "title", "zipcode",
    "lDongRegnCd", "lDongSignguCd", "lclsSystm1", "lclsSystm2", "lclsSystm3",
)
_DETAIL_FIELDS: tuple[str, ...] = (
    "contentid", "contenttypeid", "title", "createdtime", "modifiedtime", "tel", "telname",
    "homepage", "firstimage", "firstimage2", "cpyrhtDivCd", "areacode", "sigungucode",
    "lDongRegnCd", "lDongSignguCd", "lclsSystm1", "lclsSystm2", "lclsSystm3",
    "cat1", "cat2", "cat3", "addr1", "addr2", "zipcode", "mapx", "mapy", "mlevel", "overview",
)
_FESTIVAL_KEYS = ("festival_month_day", "festival_duration_days")

_ARRANGES = frozenset("ACDOQR")
_DEFAULT_NUM_OF_ROWS = 10  # TourAPI's documented default page size
_LISTINGS_KEPT = 64  # memoised list requests per source (one per province and list kind in a sync)

# Result codes shared by the data.go.kr gateways (see the KMA reference for the full table).
_INVALID_PARAMETER = ("10", "INVALID_REQUEST_PARAMETER_ERROR")
_MISSING_PARAMETER = ("11", "NO_MANDATORY_REQUEST_PARAMETERS_ERROR")
_NO_SUCH_SERVICE = ("12", "NO_OPENAPI_SERVICE_ERROR")

# Parameters that may carry secrets and must never be kept in the call log.
_SECRET_PARAMS = frozenset({"serviceKey", "ServiceKey", "servicekey"})


# --------------------------------------------------------------------------- catalogue loading


@lru_cache(maxsize=1)
def _load_catalogue_cached() -> tuple[dict[str, Any], ...]:
    with DESTINATIONS_PATH.open(encoding="utf-8") as fh:
        return tuple(json.load(fh))


def load_catalogue() -> list[dict[str, Any]]:
    """Return a fresh copy of the embedded catalogue (TourAPI item fields plus festival extras).

    Each entry holds the ``areaBasedList2`` item fields as strings; festivals (content type 15)
    add ``festival_month_day`` (``"MM-DD"`` of the usual start) and ``festival_duration_days``.
    A deep copy is returned so callers can mutate entries without poisoning the cache.
    """
    return copy.deepcopy(list(_load_catalogue_cached()))


@lru_cache(maxsize=1)
def _load_districts_cached() -> dict[str, Any]:
    with DISTRICTS_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def load_districts() -> dict[str, Any]:
    """Return ``{"provinces": [...], "districts": {area_code: [...]}}`` as ``areaCode2`` lists them.

    Rows are ``{"code": "1", "name": "강남구", "rnum": 1}``; ``code`` keeps TourAPI's numbering
    including its gaps (e.g. Chungnam has no 10 since 연기군 became Sejong).
    """
    return copy.deepcopy(_load_districts_cached())


# --------------------------------------------------------------------------- festival calendar


@dataclass(frozen=True, slots=True)
class FestivalOccurrence:
    """One edition of an annual festival: inclusive start and end dates."""

    start: date
    end: date

    def overlaps(self, window_start: date, window_end: date | None) -> bool:
        """True when this edition intersects ``[window_start, window_end]`` (open end if None)."""
        return self.end >= window_start and (window_end is None or self.start <= window_end)


def _safe_date(year: int, month: int, day: int) -> date:
    # A 29 February start would vanish three years in four; fall back to the 28th.
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, 28)


def festival_occurrence(month_day: str, duration_days: int, today: date) -> FestivalOccurrence:
    """The edition running today or, if this year's is over, next year's.

    ``month_day`` is ``"MM-DD"``. An edition that started last year and is still running (e.g. a
    winter festival from late December into February) counts as current.
    """
    if duration_days < 1:
        raise ValueError(f"festival duration must be at least one day, got {duration_days}")
    month, day = (int(part) for part in month_day.split("-"))
    span = timedelta(days=duration_days - 1)
    for year in (today.year - 1, today.year, today.year + 1):
        start = _safe_date(year, month, day)
        if start + span >= today:
            return FestivalOccurrence(start, start + span)
    raise AssertionError("unreachable: next year's edition always ends after today")


# --------------------------------------------------------------------------- the sample source


class _RequestError(Exception):
    """Internal: a request the real gateway would refuse with a result code."""

    def __init__(self, result: tuple[str, str], detail: str) -> None:
        super().__init__(detail)
        self.result = result


def _error_payload(result: tuple[str, str]) -> dict[str, Any]:
    code, message = result
    return {"response": {"header": {"resultCode": code, "resultMsg": message}}}


def _topic_particle(word: str) -> str:
    """은/는 for a Korean noun, chosen by whether its last syllable has a final consonant."""
    last = word.strip()[-1:] if word.strip() else ""
    if "가" <= last <= "힣":
        return "은" if (ord(last) - 0xAC00) % 28 else "는"
    return "은(는)"


class TourApiSampleSource:
    """Answers KorService2 requests from an in-memory catalogue, in the exact TourAPI JSON shape.

    Args:
        today: the date festival editions are projected around (pass the run's KST date).
        catalogue: entries as returned by :func:`load_catalogue`; defaults to the embedded one.
        withdrawn_ids: content ids the provider has withdrawn. They disappear from
            ``areaBasedList2``/``searchFestival2``/``detailCommon2`` and show up in
            ``areaBasedSyncList2`` with ``showflag "0"``. Unless overridden, a withdrawal counts
            as a modification made ``today`` so incremental syncs notice it.
        modified_overrides: ``{contentid: {field: value}}`` applied on top of the catalogue to
            simulate provider-side edits (e.g. a new ``title`` and ``modifiedtime``).
        extra_items: additional entries (e.g. brand-new content) appended to the catalogue.
        single_item_as_object: emit ``"item": {...}`` rather than a one-element list, as some
            real operations do, so clients can be tested against that quirk.
        require_common_params: also insist on ``MobileOS`` and ``MobileApp`` like the gateway.

    Every request is appended to :attr:`calls` (without any ``serviceKey``) so tests can assert
    how many API calls a job would have spent.
    """

    def __init__(
        self,
        today: date,
        catalogue: Sequence[Mapping[str, Any]] | None = None,
        *,
        withdrawn_ids: Collection[str] = frozenset(),
        modified_overrides: Mapping[str, Mapping[str, Any]] | None = None,
        extra_items: Iterable[Mapping[str, Any]] = (),
        single_item_as_object: bool = False,
        require_common_params: bool = False,
    ) -> None:
        if isinstance(today, datetime):  # datetime is a date subclass; keep the calendar day
            today = today.date()
        self.today = today
        self.single_item_as_object = single_item_as_object
        self.require_common_params = require_common_params
        self.calls: list[tuple[str, dict[str, str]]] = []
        self._withdrawn = frozenset(str(cid) for cid in withdrawn_ids)
        self._districts = load_districts()

        source = list(load_catalogue() if catalogue is None else catalogue) + list(extra_items)
        overrides = {str(k): dict(v) for k, v in (modified_overrides or {}).items()}
        entries: dict[str, dict[str, Any]] = {}
        for raw in source:
            entry = dict(raw)
            cid = str(entry.get("contentid") or "")
            if not cid:
                raise ValueError(f"catalogue entry without contentid: {raw!r}")
            entry["contentid"] = cid
            if cid in entries:
                raise ValueError(f"duplicate contentid {cid} in catalogue")
            if cid in self._withdrawn and "modifiedtime" not in overrides.get(cid, {}):
                entry["modifiedtime"] = today.strftime("%Y%m%d") + "000000"
            entry.update(overrides.get(cid, {}))
            entries[cid] = entry
        unknown = (set(overrides) | self._withdrawn) - set(entries)
        if unknown:
            # A typo in a test's override would otherwise silently test nothing.
            raise ValueError(f"overrides/withdrawals for unknown content ids: {sorted(unknown)}")
        # Sorted by id once so every listing has a deterministic base order.
        self._entries = dict(sorted(entries.items()))
        self._listings: dict[tuple, list[dict[str, Any]]] = {}
        self._festivals: dict[str, FestivalOccurrence] = {
            cid: festival_occurrence(
                str(e["festival_month_day"]), int(e["festival_duration_days"]), today
            )
            for cid, e in self._entries.items()
            if str(e.get("contenttypeid")) == "15" and e.get("festival_month_day")
        }

    # ------------------------------------------------------------------ public API

    def respond(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one TourAPI request as the decoded JSON body the gateway would send."""
        clean = {str(k): "" if v is None else str(v) for k, v in params.items()}
        self.calls.append(
            (operation, {k: v for k, v in clean.items() if k not in _SECRET_PARAMS})
        )
        # Clients often send optional parameters as empty strings: TourAPI treats them as absent.
        present = {k: v.strip() for k, v in clean.items() if v.strip() != ""}
        handlers = {
            "areaCode2": self._area_code,
            "areaBasedList2": lambda p: self._area_based(p, sync=False),
            "areaBasedSyncList2": lambda p: self._area_based(p, sync=True),
            "searchFestival2": self._search_festival,
            "detailCommon2": self._detail_common,
            "detailIntro2": self._detail_intro,
            "detailPetTour2": self._detail_pet_tour,
        }
        handler = handlers.get(operation)
        try:
            if handler is None:
                raise _RequestError(_NO_SUCH_SERVICE, f"unknown operation {operation!r}")
            if self.require_common_params:
                for name in ("MobileOS", "MobileApp"):
                    if name not in present:
                        raise _RequestError(_MISSING_PARAMETER, f"{name} is required")
            return handler(present)
        except _RequestError as exc:
            return _error_payload(exc.result)

    def festival_dates(self, content_id: str) -> FestivalOccurrence | None:
        """The projected edition of a festival in this source (None for non-festivals)."""
        return self._festivals.get(str(content_id))

    # ------------------------------------------------------------------ operations

    def _area_code(self, params: dict[str, str]) -> dict[str, Any]:
        rows_per_page, page = self._paging(params)
        area = params.get("areaCode")
        if area is None:
            rows = self._districts["provinces"]
        else:
            self._int(params, "areaCode")
            rows = self._districts["districts"].get(area, [])
        # rnum is a JSON number in real areaCode2 responses; code and name are strings.
        items = [
            {"rnum": int(r["rnum"]), "code": str(r["code"]), "name": str(r["name"])} for r in rows
        ]
        return self._page(items, rows_per_page, page)

    def _area_based(self, params: dict[str, str], *, sync: bool) -> dict[str, Any]:
        rows_per_page, page = self._paging(params)
        selected = self._listing(params, sync=sync)
        # Only the requested page is rendered: a nationwide catalogue is paged 1,000 items at a time.
        items = []
        for entry in selected[(page - 1) * rows_per_page : page * rows_per_page]:
            item = self._list_item(entry)
            if sync:
                item = _insert_after(item, "modifiedtime", {"showflag": self._showflag(entry)})
            items.append(item)
        return self._page(items, rows_per_page, page, total=len(selected))

    def _listing(self, params: dict[str, str], *, sync: bool) -> list[dict[str, Any]]:
        """The filtered, ordered entries of a list request, the same for each of its pages (memoised:
        the entries never change after construction, and re-sorting 50,000 per page made paging quadratic)."""
        key = (sync, tuple(sorted((k, v) for k, v in params.items() if k not in ("pageNo", "numOfRows"))))
        cached = self._listings.get(key)
        if cached is not None:
            return cached
        arrange = self._arrange(params, default="A")
        # Only the sync list knows showflag; like the gateway, other lists ignore it.
        showflag = params.get("showflag") if sync else None
        if showflag is not None and showflag not in ("0", "1"):
            raise _RequestError(_INVALID_PARAMETER, "showflag must be 0 or 1")
        selected = self._filter(params, include_withdrawn=sync)
        if sync and showflag is not None:
            selected = [e for e in selected if self._showflag(e) == showflag]
        selected = self._arranged(selected, arrange)
        if len(self._listings) >= _LISTINGS_KEPT:
            self._listings.pop(next(iter(self._listings)))  # oldest first
        self._listings[key] = selected
        return selected

    def _search_festival(self, params: dict[str, str]) -> dict[str, Any]:
        rows_per_page, page = self._paging(params)
        arrange = self._arrange(params, default="A")
        if "eventStartDate" not in params:
            raise _RequestError(_MISSING_PARAMETER, "eventStartDate is required")
        window_start = self._yyyymmdd(params, "eventStartDate")
        window_end = self._yyyymmdd(params, "eventEndDate") if "eventEndDate" in params else None
        if window_end is not None and window_end < window_start:
            raise _RequestError(_INVALID_PARAMETER, "eventEndDate precedes eventStartDate")
        selected = [
            e
            for e in self._filter(params, include_withdrawn=False, content_type="15")
            if e["contentid"] in self._festivals
            and self._festivals[e["contentid"]].overlaps(window_start, window_end)
        ]
        items = []
        for entry in self._arranged(selected, arrange):
            occurrence = self._festivals[entry["contentid"]]
            items.append(
                _insert_after(
                    self._list_item(entry),
                    "createdtime",
                    {
                        "eventstartdate": occurrence.start.strftime("%Y%m%d"),
                        "eventenddate": occurrence.end.strftime("%Y%m%d"),
                    },
                )
            )
        return self._page(items, rows_per_page, page)

    def _detail_common(self, params: dict[str, str]) -> dict[str, Any]:
        rows_per_page, page = self._paging(params)
        if "contentId" not in params:
            raise _RequestError(_MISSING_PARAMETER, "contentId is required")
        self._int(params, "contentId")
        entry = self._entries.get(params["contentId"])
        if entry is None or entry["contentid"] in self._withdrawn:
            return self._page([], rows_per_page, page)
        item = {name: _as_str(entry.get(name, "")) for name in _DETAIL_FIELDS}
        item["overview"] = _as_str(entry.get("overview") or self._overview(entry))
        return self._page([item], rows_per_page, page)

    def _detail_intro(self, params: dict[str, str]) -> dict[str, Any]:
        """Type-specific details; for travel courses (25) the course fields the catalogue holds."""
        rows_per_page, page = self._paging(params)
        for name in ("contentId", "contentTypeId"):
            if name not in params:
                raise _RequestError(_MISSING_PARAMETER, f"{name} is required")
        self._int(params, "contentId")
        entry = self._entries.get(params["contentId"])
        if entry is None or entry["contentid"] in self._withdrawn:
            return self._page([], rows_per_page, page)
        if str(entry.get("contenttypeid")) != params["contentTypeId"]:
            raise _RequestError(_INVALID_PARAMETER, "contentTypeId does not match the content")
        intro = dict(entry.get("course_intro") or {})
        item = {name: _as_str(intro.get(name, "")) for name in _COURSE_INTRO_FIELDS} if params[
            "contentTypeId"] == "25" else {"contentid": entry["contentid"]}
        item["contentid"], item["contenttypeid"] = entry["contentid"], _as_str(entry.get("contenttypeid"))
        return self._page([item], rows_per_page, page)

    def _detail_pet_tour(self, params: dict[str, str]) -> dict[str, Any]:
        """Pet-travel details: one content's with ``contentId``, else every content that has them, paged."""
        rows_per_page, page = self._paging(params)
        if "contentId" in params:
            self._int(params, "contentId")
            wanted = [self._entries.get(params["contentId"])]
        else:
            wanted = list(self._entries.values())
        items = [{name: _as_str(e["pet_tour"].get(name, "")) for name in _PET_FIELDS} | {"contentid": e["contentid"]}
                 for e in wanted if e is not None and e.get("pet_tour") and e["contentid"] not in self._withdrawn]
        return self._page(items, rows_per_page, page)

    # ------------------------------------------------------------------ helpers

    def _filter(
        self,
        params: dict[str, str],
        *,
        include_withdrawn: bool,
        content_type: str | None = None,
    ) -> list[dict[str, Any]]:
        if "contentTypeId" in params:
            self._int(params, "contentTypeId")
            content_type = params["contentTypeId"] if content_type is None else content_type
            if params["contentTypeId"] != content_type:
                return []
        area = params.get("areaCode")
        sigungu = params.get("sigunguCode")
        if area is not None:
            self._int(params, "areaCode")
        if sigungu is not None:
            self._int(params, "sigunguCode")
            if area is None:
                # Sigungu codes repeat in every province, so alone they identify nothing.
                raise _RequestError(_INVALID_PARAMETER, "sigunguCode requires areaCode")
        since = None
        if "modifiedtime" in params:  # "modified on or after this KST date"
            since = self._yyyymmdd(params, "modifiedtime").strftime("%Y%m%d")

        result = []
        for entry in self._entries.values():
            if not include_withdrawn and entry["contentid"] in self._withdrawn:
                continue
            if content_type is not None and _as_str(entry.get("contenttypeid")) != content_type:
                continue
            if area is not None and _as_str(entry.get("areacode")) != area:
                continue
            if sigungu is not None and _as_str(entry.get("sigungucode")) != sigungu:
                continue
            if since is not None and _as_str(entry.get("modifiedtime"))[:8] < since:
                continue
            result.append(entry)
        return result

    def _arranged(self, entries: list[dict[str, Any]], arrange: str) -> list[dict[str, Any]]:
        if arrange in "OQR":
            # The O/Q/R orders only list content that has a representative image.
            entries = [e for e in entries if _as_str(e.get("firstimage"))]
        if arrange in "AO":
            return sorted(entries, key=lambda e: (_as_str(e.get("title")), e["contentid"]))
        field = "modifiedtime" if arrange in "CQ" else "createdtime"
        # Newest first; content id breaks ties so paging is stable across calls.
        by_id = sorted(entries, key=lambda e: e["contentid"])
        return sorted(by_id, key=lambda e: _as_str(e.get(field)), reverse=True)

    def _showflag(self, entry: Mapping[str, Any]) -> str:
        return "0" if entry["contentid"] in self._withdrawn else "1"

    def _overview(self, entry: Mapping[str, Any]) -> str:
        # Generated only from the entry's own facts, so it can never contradict them.
        title = _as_str(entry.get("title"))
        label = CAT3_LABELS.get(_as_str(entry.get("cat3")), "여행지")
        text = f"{title}{_topic_particle(title)} {_as_str(entry.get('addr1'))}에 있는 {label}입니다."
        month_day = entry.get("festival_month_day")
        if month_day:
            month = int(str(month_day).split("-")[0])
            text += f" 해마다 {month}월 무렵 열리며, 정확한 일정은 해마다 달라지니 방문 전에 확인하세요."
        return text

    @staticmethod
    def _list_item(entry: Mapping[str, Any]) -> dict[str, str]:
        return {name: _as_str(entry.get(name, "")) for name in _LIST_FIELDS}

    def _page(self, items: list[dict[str, Any]], rows_per_page: int, page: int,
              total: int | None = None) -> dict[str, Any]:
        """The response for one page; ``items`` is every result, or just this page's when ``total`` is given."""
        if total is None:
            total = len(items)
            chunk = items[(page - 1) * rows_per_page : page * rows_per_page]
        else:
            chunk = items
        if not chunk:
            items_field: Any = ""  # TourAPI's empty page: an empty string, not an object
        elif len(chunk) == 1 and self.single_item_as_object:
            items_field = {"item": chunk[0]}
        else:
            items_field = {"item": chunk}
        return {
            "response": {
                "header": {"resultCode": "0000", "resultMsg": "OK"},
                "body": {
                    "items": items_field,
                    "numOfRows": rows_per_page,
                    "pageNo": page,
                    "totalCount": total,
                },
            }
        }

    def _paging(self, params: dict[str, str]) -> tuple[int, int]:
        rows = self._int(params, "numOfRows", default=_DEFAULT_NUM_OF_ROWS)
        page = self._int(params, "pageNo", default=1)
        if rows < 1 or page < 1:
            raise _RequestError(_INVALID_PARAMETER, "numOfRows and pageNo must be positive")
        return rows, page

    @staticmethod
    def _arrange(params: dict[str, str], *, default: str) -> str:
        arrange = params.get("arrange", default)
        if arrange not in _ARRANGES:
            raise _RequestError(_INVALID_PARAMETER, f"unknown arrange {arrange!r}")
        return arrange

    @staticmethod
    def _int(params: dict[str, str], name: str, default: int | None = None) -> int:
        if name not in params:
            if default is None:
                raise _RequestError(_MISSING_PARAMETER, f"{name} is required")
            return default
        value = params[name]
        if not value.isdigit():  # TourAPI rejects signs, decimals and non-ASCII digits alike
            raise _RequestError(_INVALID_PARAMETER, f"{name} must be a number, got {value!r}")
        return int(value)

    @staticmethod
    def _yyyymmdd(params: dict[str, str], name: str) -> date:
        value = params[name]
        try:
            if len(value) != 8 or not value.isdigit():
                raise ValueError(value)
            return datetime.strptime(value, "%Y%m%d").date()
        except ValueError:
            raise _RequestError(_INVALID_PARAMETER, f"{name} must be YYYYMMDD") from None


def _as_str(value: Any) -> str:
    """TourAPI sends every item value as a string, empty when absent."""
    return "" if value is None else str(value)


def _insert_after(item: dict[str, str], anchor: str, extra: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in item.items():
        out[key] = value
        if key == anchor:
            out.update(extra)
    return out


# --------------------------------------------------------------------------- synthetic catalogue

#: Boxes synthetic items are drawn from: each lies inside its province's land core (mainland
#: parts only, so a generous per-province bounding box always contains them).
SYNTHETIC_BOXES: dict[int, tuple[float, float, float, float]] = {
    # area: (lat_min, lat_max, lon_min, lon_max)
    1: (37.46, 37.68, 126.82, 127.15),
    2: (37.38, 37.58, 126.62, 126.78),
    3: (36.25, 36.45, 127.30, 127.50),
    4: (35.75, 35.95, 128.45, 128.75),
    5: (35.10, 35.22, 126.75, 126.95),
    6: (35.05, 35.30, 128.95, 129.20),
    7: (35.45, 35.65, 129.10, 129.40),
    8: (36.45, 36.68, 127.20, 127.35),
    31: (37.00, 38.05, 126.80, 127.60),
    32: (37.20, 38.20, 127.60, 129.00),
    33: (36.20, 37.10, 127.40, 128.30),
    34: (36.20, 36.95, 126.50, 127.40),
    35: (35.80, 36.90, 128.20, 129.30),
    36: (34.95, 35.60, 127.80, 128.90),
    37: (35.45, 35.95, 126.70, 127.60),
    38: (34.60, 35.30, 126.50, 127.50),
    39: (33.28, 33.50, 126.30, 126.80),
}

# Rough shares of real TourAPI content (restaurants and tourist spots are the largest groups).
_SYNTHETIC_AREA_WEIGHTS: dict[int, float] = {
    1: 0.12, 2: 0.04, 3: 0.02, 4: 0.03, 5: 0.02, 6: 0.05, 7: 0.02, 8: 0.01, 31: 0.14,
    32: 0.11, 33: 0.04, 34: 0.05, 35: 0.08, 36: 0.07, 37: 0.05, 38: 0.07, 39: 0.08,
}
_SYNTHETIC_TYPE_WEIGHTS: dict[int, float] = {
    39: 0.30, 12: 0.25, 32: 0.12, 38: 0.10, 28: 0.09, 14: 0.09, 15: 0.05,
}
_SYNTHETIC_CAT3: dict[int, tuple[str, ...]] = {
    12: ("A01011200", "A01010400", "A02020700", "A02010800", "A01010500"),
    14: ("A02060100", "A02060500", "A02060300"),
    15: ("A02070100", "A02070200"),
    28: ("A03021200", "A03030800", "A03020700", "A03021700"),
    32: ("B02010100", "B02010500", "B02010700"),
    38: ("A04010100", "A04010200", "A04010300"),
    39: ("A05020100", "A05020200", "A05020900"),
}
_TYPE_WORDS: dict[int, str] = {
    12: "관광지", 14: "문화시설", 15: "축제", 28: "레포츠", 32: "숙소", 38: "쇼핑", 39: "음식점",
}
_SYNTHETIC_ID_BASE = 4_000_000  # far from the catalogue's 9xxxxxx ids and its real 6-digit ones


def synthetic_catalogue(
    n_items: int, seed: int, *, dirty_fraction: float = 0.0
) -> list[dict[str, Any]]:
    """Deterministic fake catalogue of ``n_items`` entries in the exact TourAPI item shape.

    Items spread over all 17 areas and the seven service content types (every combination
    appears once before the weighted random draw starts, given ``n_items >= 119``), with
    coordinates inside :data:`SYNTHETIC_BOXES`. Titles and addresses say 샘플 so nobody mistakes
    them for real places. Festivals carry the same ``festival_month_day`` extras as the embedded
    catalogue, so the result can be fed straight to :class:`TourApiSampleSource`.

    ``dirty_fraction`` (0..1) turns that share of items into the kinds of mess real responses
    contain (HTML in titles, entities, zero coordinates, blank titles, older duplicate copies),
    which exercises the cleaning path in benchmarks. Duplicates share a content id, so a source
    built from a dirty catalogue needs them removed first.
    """
    if n_items < 0:
        raise ValueError("n_items must be non-negative")
    if not 0.0 <= dirty_fraction <= 1.0:
        raise ValueError("dirty_fraction must be within [0, 1]")
    rng = random.Random(seed)
    districts = _load_districts_cached()["districts"]
    usable = {
        area: [r for r in districts[str(area)] if (area, int(r["code"])) not in LEGACY_DISTRICTS]
        for area in AREA_CODES
    }
    areas = list(_SYNTHETIC_AREA_WEIGHTS)
    area_weights = list(_SYNTHETIC_AREA_WEIGHTS.values())
    types = list(_SYNTHETIC_TYPE_WEIGHTS)
    type_weights = list(_SYNTHETIC_TYPE_WEIGHTS.values())
    combos = [(a, t) for a in AREA_CODES for t in types]
    epoch = datetime(2008, 1, 1)
    created_span = int((datetime(2024, 12, 31) - epoch).total_seconds())

    items: list[dict[str, Any]] = []
    for i in range(n_items):
        if i < len(combos):
            area, ctype = combos[i]
        else:
            area = rng.choices(areas, area_weights)[0]
            ctype = rng.choices(types, type_weights)[0]
        district = rng.choice(usable[area])
        lat_min, lat_max, lon_min, lon_max = SYNTHETIC_BOXES[area]
        created = epoch + timedelta(seconds=rng.randrange(created_span))
        modified = created + timedelta(seconds=rng.randrange(86_400 * 700))
        province = PROVINCE_FULL_NAMES[area]
        place = province if district["name"] == province else f"{province} {district['name']}"
        cat3 = rng.choice(_SYNTHETIC_CAT3[ctype])
        label = district["name"] if district["name"] != province else "세종"
        item: dict[str, Any] = {
            "addr1": f"{place} 샘플로 {rng.randint(1, 999)}",
            "addr2": "",
            "areacode": str(area),
            "cat1": cat3[:3],
            "cat2": cat3[:5],
            "cat3": cat3,
            "contentid": str(_SYNTHETIC_ID_BASE + i),
            "contenttypeid": str(ctype),
            "createdtime": created.strftime("%Y%m%d%H%M%S"),
            "firstimage": "",
            "firstimage2": "",
            "cpyrhtDivCd": "",
            "mapx": f"{rng.uniform(lon_min, lon_max):.10f}",
            "mapy": f"{rng.uniform(lat_min, lat_max):.10f}",
            "mlevel": "6",
            "modifiedtime": modified.strftime("%Y%m%d%H%M%S"),
            "sigungucode": str(district["code"]),
            "tel": "",
            "title": f"{label} 샘플 {_TYPE_WORDS[ctype]} {i + 1:05d}",
            "zipcode": "",
            "lDongRegnCd": LDONG_REGN_BY_AREA[area],
            "lDongSignguCd": "",
            "lclsSystm1": "",
            "lclsSystm2": "",
            "lclsSystm3": "",
        }
        if ctype == 15:
            start = date(2001, 1, 1) + timedelta(days=rng.randrange(365))  # non-leap year
            item["festival_month_day"] = start.strftime("%m-%d")
            item["festival_duration_days"] = rng.randint(1, 14)
        if dirty_fraction and i >= len(combos) and rng.random() < dirty_fraction:
            item = _make_dirty(item, rng, items)
        items.append(item)
    return items


def _make_dirty(
    item: dict[str, Any], rng: random.Random, previous: list[dict[str, Any]]
) -> dict[str, Any]:
    """Apply one realistic defect to a synthetic item."""
    defect = rng.randrange(5)
    if defect == 0:
        item["title"] = f"<b>{item['title']}</b>&nbsp;&amp; 주변"
    elif defect == 1:
        item["addr1"] = f"  {item['addr1']}<br>\n  (샘플동)  "
    elif defect == 2:
        item["mapx"], item["mapy"] = "0", "0"
    elif defect == 3:
        item["title"] = "   "
    elif previous:
        # Same content id as an earlier item, modified later: the cleaner must keep the newer.
        original = rng.choice(previous)
        item["contentid"] = original["contentid"]
        later = datetime.strptime(original["modifiedtime"], "%Y%m%d%H%M%S") + timedelta(days=1)
        item["modifiedtime"] = later.strftime("%Y%m%d%H%M%S")
    return item


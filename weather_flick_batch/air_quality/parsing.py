"""Parse AirKorea payloads into tidy, typed pandas frames, with an account of everything dropped.

Payloads are what ``json.loads`` gives for ``returnType=json``. AirKorea's envelope differs from
KMA's: ``body.items`` *is* the array (no ``item`` level)::

    {"response": {"header": {"resultCode": "00", "resultMsg": "NORMAL_CODE"},
                  "body": {"totalCount": 28, "items": [{...}, ...], "pageNo": 1, "numOfRows": 100}}}

:func:`payload_items` also accepts a KMA-style ``{"item": [...]}``, a lone object, ``""`` and a
missing body (all normalised), and a raw body (bytes/str: gateway XML is classified). Result codes
are classified with ``core.apiclient.classify_result_code``: 03 → ``NoDataError``, 01/02/04/05/99 →
``TransientApiError`` (05 SERVICETIME_OUT arrives inside HTTP 200), 22 → ``QuotaExhaustedError``,
key/parameter codes → ``ApiConfigurationError``. The parse functions take a payload *or* the list
of items a paged fetch returned.

Forecast (getMinuDustFrcstDspth) → :data:`FORECAST_COLUMNS` (one row per issuance × pollutant ×
target date × region) and :data:`FORECAST_TEXT_COLUMNS` (one row per item: the overview texts).

``informGrade`` (``"서울 : 보통,제주 : 좋음,…"``) is split on ``,`` then on the first ``:``, with all
whitespace removed from names and grades. Defensive rules (the format is only partly documented):

* ``-``, ``--``, ``예보없음``, ``없음`` or an empty grade is a *placeholder*: no row, counted.
* An unknown region name is counted in ``unknown_regions`` (no crash, no row); a region absent
  from the text is listed in ``missing_regions``; an unknown grade text in ``unknown_grades``.
* Group names (``수도권``, ``강원권``, ``영남권`` … :data:`regions.REGION_GROUPS`) and ``그밖의권역`` /
  ``그 밖의 지역`` (the rest) were seen in public code for O3 **[U]**: they are expanded, with
  explicit regions taking precedence over groups and groups over "the rest", and counted.
* A region repeated in one text keeps its first grade (counted in ``duplicate_regions``).
* The same (issuance, pollutant, target date) twice keeps the first item (``duplicate_items``).
* ``latest_only=True`` keeps, per (pollutant, target date), only the newest ``dataTime``.

Real-time (getCtprvnRltmMesureDnsty, ``ver=1.3``) → :data:`REALTIME_COLUMNS`, one row per station.
Values are strings; ``"-"``, ``""`` and ``null`` are missing; a value that is text (``통신장애``) is
missing; a value whose ``*Flag`` is set (``점검및교정``, ``통신장애`` …) is treated as missing too,
because AirKorea flags values under calibration or after a communication fault **[U]** (its grade is
dropped with it). Values outside a plausible range are dropped and counted. Rows without a station
name, province or readable ``dataTime`` are dropped and counted; each row is placed in its
district by :func:`regions.assign_station` (by name only: the operation returns no address).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from weather_flick_batch.air_quality import grades as G
from weather_flick_batch.air_quality import regions as R
from weather_flick_batch.air_quality.issuance import KST, parse_data_time
from weather_flick_batch.core.apiclient import (
    RESULT_CODE_NAMES,
    ApiConfigurationError,
    MalformedResponseError,
    classify_result_code,
    parse_gateway_xml,
)

__all__ = [
    "SERVICE",
    "INFORM_CODES",
    "FORECAST_COLUMNS",
    "FORECAST_TEXT_COLUMNS",
    "REALTIME_COLUMNS",
    "PM_FORECAST_COLUMNS",
    "FORECAST_BY_DISTRICT_COLUMNS",
    "REALTIME_BY_DISTRICT_COLUMNS",
    "GRADE_PLACEHOLDERS",
    "PLAUSIBLE_RANGES",
    "InformGrade",
    "ForecastReport",
    "RealtimeReport",
    "ForecastParse",
    "RealtimeParse",
    "check_result",
    "payload_items",
    "parse_inform_grade",
    "parse_forecast",
    "parse_realtime",
    "latest_per_target",
    "pm_forecast",
    "forecast_by_district",
    "realtime_by_district",
]

SERVICE = "AIRKOREA"
#: Pollutants of getMinuDustFrcstDspth in output order.
INFORM_CODES: tuple[str, ...] = ("PM10", "PM25", "O3")
_INFORM_ALIASES = {"PM10": "PM10", "PM25": "PM25", "PM2.5": "PM25", "PM2_5": "PM25", "O3": "O3"}

_TS = pd.DatetimeTZDtype(unit="ns", tz=KST)

#: Columns and dtypes of :attr:`ForecastParse.rows`.
FORECAST_COLUMNS: dict[str, Any] = {
    "issued_at": _TS,  # dataTime "2024-07-12 17시 발표" → 2024-07-12 17:00+09:00
    "inform_code": "str",  # PM10 | PM25 | O3
    "inform_date": "object",  # datetime.date: the target day (informData)
    "forecast_region": "str",  # one of regions.FORECAST_REGIONS
    "grade": "str",  # 좋음 | 보통 | 나쁨 | 매우나쁨
    "grade_code": "int64",  # 1..4
}
#: Columns and dtypes of :attr:`ForecastParse.texts` (one row per forecast item).
FORECAST_TEXT_COLUMNS: dict[str, Any] = {
    "issued_at": _TS,
    "inform_code": "str",
    "inform_date": "object",
    "inform_overall": "str",  # NaN when absent
    "inform_cause": "str",
    "action_knack": "str",
}
#: Columns and dtypes of :attr:`RealtimeParse.rows` (one row per station and hour).
REALTIME_COLUMNS: dict[str, Any] = {
    "sido_name": "str",  # AirKorea's short province name (서울, 경기 ...)
    "station_name": "str",
    "region_code": "int64",  # TourAPI area code
    "sigungu_code": "Int64",  # TourAPI district code, <NA> when the station counts for the province only
    "station_assignment": "str",  # name | alias | address | single_district | province
    "mang_name": "str",  # network: 도시대기, 도로변대기, ... (NaN when absent)
    "data_time": _TS,  # measurement hour, KST
    "pm10_1h": "float64",  # µg/m³
    "pm25_1h": "float64",
    "pm10_24h": "float64",  # 24-hour moving value (pm10Value24)
    "pm25_24h": "float64",
    "pm10_grade_1h": "Int64",  # as reported (pm10Grade1h), <NA> when missing or flagged
    "pm25_grade_1h": "Int64",
    "pm_grade_1h": "Int64",  # worst of PM10/PM2.5 1-hour grades (reported, else from the value)
    "khai": "float64",  # CAI (khaiValue)
    "khai_grade": "Int64",
    "o3_ppm": "float64",
    "pm10_flag": "str",  # the flag text when set (점검및교정 ...), else NaN
    "pm25_flag": "str",
}
#: Columns of :func:`pm_forecast` (PM10 and PM2.5 side by side, the worst of both).
PM_FORECAST_COLUMNS: dict[str, Any] = {
    "issued_at": _TS,
    "inform_date": "object",
    "forecast_region": "str",
    "pm10_grade_code": "Int64",
    "pm25_grade_code": "Int64",
    "pm_grade_code": "Int64",
    "pm_grade": "str",
}
#: Columns of :func:`forecast_by_district`.
FORECAST_BY_DISTRICT_COLUMNS: dict[str, Any] = {
    "region_code": "int64",
    "sigungu_code": "Int64",  # <NA>: the whole province
    "forecast_region": "str",
    **{k: v for k, v in PM_FORECAST_COLUMNS.items() if k != "forecast_region"},
}
#: Columns of :func:`realtime_by_district`.
REALTIME_BY_DISTRICT_COLUMNS: dict[str, Any] = {
    "region_code": "int64",
    "sigungu_code": "Int64",  # <NA>: every station of the province
    "data_time": _TS,
    "stations": "int64",
    "pm10_1h_mean": "float64",
    "pm25_1h_mean": "float64",
    "pm_grade_1h_worst": "Int64",
    "khai_max": "float64",
}

#: Grade texts that stand for "no forecast" (compared without whitespace).
GRADE_PLACEHOLDERS: frozenset[str] = frozenset({"", "-", "--", "—", "예보없음", "없음", "null", "None", "N/A"})
_REST_NAMES = frozenset({"그밖의권역", "그밖의지역", "그외권역", "그외지역", "나머지권역", "나머지지역", "기타권역", "기타지역"})

#: Plausible value ranges; anything outside is dropped and counted in ``RealtimeReport.implausible``.
PLAUSIBLE_RANGES: dict[str, tuple[float, float]] = {
    "pm10": (0.0, 2000.0), "pm25": (0.0, 1000.0), "khai": (0.0, 500.0), "o3": (0.0, 1.0),
}
_NO_FLAG = frozenset({"", "-", "null", "None", "정상"})
_MAX_EXAMPLES = 10


# --------------------------------------------------------------------------- envelope


def _raise_for_code(code: str, msg: str, operation: str) -> None:
    cls = classify_result_code(code)
    if cls is None:
        return
    value = int(code) if str(code).strip().isdigit() else -1
    name = msg or RESULT_CODE_NAMES.get(value, "unknown error")
    raise cls(f"{SERVICE} {operation or 'payload'} answered result code {code} ({name})".strip(),
              service=SERVICE, operation=operation, code=str(code))


def check_result(payload: Any, operation: str = "") -> Mapping[str, Any]:
    """Raise the ``core.apiclient`` error a payload's result code stands for; return ``response``.

    ``payload`` may be the decoded JSON or a raw body (bytes/str); a raw body that is XML (the
    gateway's ``OpenAPI_ServiceResponse``) is classified by its ``returnReasonCode``.
    """
    if isinstance(payload, (bytes, bytearray, str)):
        raw = bytes(payload) if not isinstance(payload, str) else payload.encode("utf-8")
        if raw.lstrip()[:1] == b"<":
            xml = parse_gateway_xml(raw)
            if xml is None:
                raise MalformedResponseError(f"{SERVICE} {operation} returned XML without a result code",
                                             service=SERVICE, operation=operation)
            _raise_for_code(xml[0], xml[1], operation)
            raise ApiConfigurationError(f"{SERVICE} {operation} answered XML although JSON was requested: check the "
                                        f"returnType parameter", service=SERVICE, operation=operation, code=xml[0])
        try:
            payload = json.loads(raw)
        except ValueError:
            raise MalformedResponseError(f"{SERVICE} {operation} returned an unparseable body ({len(raw)} bytes)",
                                         service=SERVICE, operation=operation) from None
    response = payload.get("response") if isinstance(payload, Mapping) else None
    header = response.get("header") if isinstance(response, Mapping) else None
    if not isinstance(header, Mapping):
        raise MalformedResponseError(f"{SERVICE} {operation} payload has no response.header",
                                     service=SERVICE, operation=operation)
    _raise_for_code(str(header.get("resultCode", "")).strip(), str(header.get("resultMsg") or ""), operation)
    return response


def payload_items(payload: Any, operation: str = "") -> list[Any]:
    """The items of a payload after :func:`check_result`, whatever shape ``body.items`` has.

    ``[...]`` (AirKorea), ``{"item": [...]}`` / ``{"item": {...}}`` (KMA style), a lone object,
    ``""``/``null``/missing body (empty). A list passed in is returned as is (already items).
    """
    if isinstance(payload, list):
        return payload
    response = check_result(payload, operation)
    body = response.get("body")
    items = body.get("items") if isinstance(body, Mapping) else None
    if isinstance(items, Mapping) and "item" in items:
        items = items.get("item")
    if items is None or items == "":
        return []
    if isinstance(items, Mapping):
        return [items]
    if isinstance(items, list):
        return items
    raise MalformedResponseError(f"{SERVICE} {operation} body.items has unexpected type {type(items).__name__}",
                                 service=SERVICE, operation=operation)


# --------------------------------------------------------------------------- reports


@dataclass
class _Report:
    items_total: int = 0
    items_malformed: int = 0
    malformed_examples: list[tuple[str, str]] = field(default_factory=list)

    def _malformed(self, item: Any, reason: str) -> None:
        self.items_malformed += 1
        if len(self.malformed_examples) < _MAX_EXAMPLES:
            self.malformed_examples.append((repr(item)[:300], reason))


def _bump(counter: dict[str, int], key: str, n: int = 1) -> None:
    counter[key] = counter.get(key, 0) + n


@dataclass
class ForecastReport(_Report):
    """What :func:`parse_forecast` did not turn into rows, and why."""

    unknown_inform_codes: dict[str, int] = field(default_factory=dict)
    placeholders: int = 0
    unknown_regions: dict[str, int] = field(default_factory=dict)
    unknown_grades: dict[str, int] = field(default_factory=dict)
    expanded_groups: dict[str, int] = field(default_factory=dict)
    duplicate_regions: int = 0
    duplicate_items: int = 0
    superseded_items: int = 0
    #: ``"PM10 2024-07-13 @2024-07-12 17:00"`` → regions absent from that item's informGrade.
    missing_regions: dict[str, list[str]] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """Nothing malformed, unknown, duplicated or missing (placeholders and superseded items are normal)."""
        return not (self.items_malformed or self.unknown_inform_codes or self.unknown_regions
                    or self.unknown_grades or self.duplicate_regions or self.duplicate_items or self.missing_regions)

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable, for run metadata and logs."""
        return {
            "items_total": self.items_total,
            "items_malformed": self.items_malformed,
            "malformed_examples": [{"item": i, "reason": r} for i, r in self.malformed_examples],
            "unknown_inform_codes": dict(self.unknown_inform_codes),
            "placeholders": self.placeholders,
            "unknown_regions": dict(self.unknown_regions),
            "unknown_grades": dict(self.unknown_grades),
            "expanded_groups": dict(self.expanded_groups),
            "duplicate_regions": self.duplicate_regions,
            "duplicate_items": self.duplicate_items,
            "superseded_items": self.superseded_items,
            "missing_regions": {k: list(v) for k, v in self.missing_regions.items()},
        }


@dataclass
class RealtimeReport(_Report):
    """What :func:`parse_realtime` dropped or could not place."""

    unknown_sido: dict[str, int] = field(default_factory=dict)
    duplicate_rows: int = 0
    #: value field → number of values that were blank, ``-`` or text.
    missing_values: dict[str, int] = field(default_factory=dict)
    #: value field → number of values dropped because their ``*Flag`` was set.
    flagged_values: dict[str, int] = field(default_factory=dict)
    #: value field → number of values outside :data:`PLAUSIBLE_RANGES`.
    implausible: dict[str, int] = field(default_factory=dict)
    grades_computed: int = 0
    #: ``"경기/행신동"`` of stations that count for their province only.
    stations_unassigned: list[str] = field(default_factory=list)
    stale_rows: int = 0

    @property
    def clean(self) -> bool:
        return not (self.items_malformed or self.unknown_sido or self.duplicate_rows or self.implausible)

    def summary(self) -> dict[str, Any]:
        return {
            "items_total": self.items_total,
            "items_malformed": self.items_malformed,
            "malformed_examples": [{"item": i, "reason": r} for i, r in self.malformed_examples],
            "unknown_sido": dict(self.unknown_sido),
            "duplicate_rows": self.duplicate_rows,
            "missing_values": dict(self.missing_values),
            "flagged_values": dict(self.flagged_values),
            "implausible": dict(self.implausible),
            "grades_computed": self.grades_computed,
            "stations_unassigned": len(self.stations_unassigned),
            "stations_unassigned_examples": self.stations_unassigned[:_MAX_EXAMPLES],
            "stale_rows": self.stale_rows,
        }


@dataclass
class ForecastParse:
    rows: pd.DataFrame  # FORECAST_COLUMNS
    texts: pd.DataFrame  # FORECAST_TEXT_COLUMNS
    report: ForecastReport


@dataclass
class RealtimeParse:
    rows: pd.DataFrame  # REALTIME_COLUMNS
    report: RealtimeReport


# --------------------------------------------------------------------------- informGrade


@dataclass
class InformGrade:
    """One ``informGrade`` text, split: valid grades per region plus everything else, named."""

    grades: dict[str, int] = field(default_factory=dict)
    placeholders: list[str] = field(default_factory=list)
    unknown_regions: list[str] = field(default_factory=list)
    unknown_grades: list[str] = field(default_factory=list)  # "region:grade text"
    expanded_groups: list[str] = field(default_factory=list)
    duplicate_regions: list[str] = field(default_factory=list)
    malformed_parts: list[str] = field(default_factory=list)
    #: Every region the text spoke about (graded, placeholder or unreadable grade).
    named: set[str] = field(default_factory=set)

    @property
    def missing(self) -> list[str]:
        """Regions the text does not mention at all, in AirKorea's order."""
        return [r for r in R.FORECAST_REGIONS if r not in self.named]


_PART_SPLIT = re.compile(r"[,，;\n\r]+")
_NAME_SPLIT = re.compile(r"[:：]")


def _squash(text: str) -> str:
    return "".join(text.split())


def parse_inform_grade(text: Any) -> InformGrade:
    """Split one ``informGrade`` string defensively (see the module rules); never raises."""
    result = InformGrade()
    if not isinstance(text, str):
        if text is not None:
            result.malformed_parts.append(repr(text)[:100])
        return result
    groups: list[tuple[str, str]] = []
    rest: str | None = None
    for part in _PART_SPLIT.split(text):
        if not part.strip():
            continue  # "서울 : 보통,,제주 : 좋음" or a trailing comma
        pieces = _NAME_SPLIT.split(part, maxsplit=1)
        if len(pieces) != 2:
            result.malformed_parts.append(part.strip()[:100])
            continue
        name, grade_text = _squash(pieces[0]), _squash(pieces[1])
        name = R.REGION_NAME_ALIASES.get(name, name)
        if name in R.FORECAST_REGIONS:
            if name in result.named:
                result.duplicate_regions.append(name)
            else:
                result.named.add(name)
                _assign(result, name, grade_text, name)
        elif name in R.REGION_GROUPS:
            groups.append((name, grade_text))
        elif name in _REST_NAMES:
            rest = grade_text
        else:
            result.unknown_regions.append(name[:40] or "(empty)")
    # Explicit regions first, then groups, then "the rest": the most specific statement wins.
    for group, grade_text in groups:
        result.expanded_groups.append(group)
        for member in R.REGION_GROUPS[group]:
            if member not in result.named:
                result.named.add(member)
                _assign(result, member, grade_text, group)
    if rest is not None:
        result.expanded_groups.append("그밖의권역")
        for member in R.FORECAST_REGIONS:
            if member not in result.named:
                result.named.add(member)
                _assign(result, member, grade_text=rest, source="그밖의권역")
    return result


def _assign(result: InformGrade, region: str, grade_text: str, source: str) -> None:
    if grade_text in GRADE_PLACEHOLDERS:
        result.placeholders.append(region)
        return
    code = G.grade_code(grade_text)
    if code is None:
        entry = f"{source}:{grade_text[:40]}"
        if entry not in result.unknown_grades:
            result.unknown_grades.append(entry)
        return
    result.grades[region] = code


# --------------------------------------------------------------------------- forecast


def _inform_date(raw: Any) -> date:
    text = str(raw).strip() if raw is not None else ""
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y.%m.%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unreadable informData {raw!r}")


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    return text or None


def parse_forecast(payload: Any, *, latest_only: bool = True,
                   operation: str = "getMinuDustFrcstDspth") -> ForecastParse:
    """Forecast payload (or its items) → :class:`ForecastParse` (rows, texts, report).

    ``latest_only`` keeps per (pollutant, target date) only the newest issuance in the input, which
    is "the forecast as it stands"; pass ``False`` to keep every issuance (a partitioned store).
    Raises the ``core.apiclient`` error of a non-``00`` result code (03 → ``NoDataError``).
    """
    items = payload_items(payload, operation)
    report = ForecastReport(items_total=len(items))
    parsed: dict[tuple[datetime, str, date], tuple[dict[str, int], Mapping[str, Any]]] = {}
    for item in items:
        if not isinstance(item, Mapping):
            report._malformed(item, "item is not an object")
            continue
        try:
            issued_at = parse_data_time(item.get("dataTime"))
        except ValueError as exc:
            report._malformed(item, str(exc))
            continue
        code_raw = _squash(str(item.get("informCode") or "")).upper()
        code = _INFORM_ALIASES.get(code_raw)
        if code is None:
            _bump(report.unknown_inform_codes, code_raw[:20] or "(empty)")
            continue
        try:
            target = _inform_date(item.get("informData"))
        except ValueError as exc:
            report._malformed(item, str(exc))
            continue
        key = (issued_at, code, target)
        if key in parsed:
            report.duplicate_items += 1
            continue
        split = parse_inform_grade(item.get("informGrade"))
        for part in split.malformed_parts:
            report._malformed(part, "informGrade part without 'region : grade'")
        report.placeholders += len(split.placeholders)
        for name in split.unknown_regions:
            _bump(report.unknown_regions, name)
        for entry in split.unknown_grades:
            _bump(report.unknown_grades, entry)
        for group in split.expanded_groups:
            _bump(report.expanded_groups, group)
        report.duplicate_regions += len(split.duplicate_regions)
        if split.missing:
            report.missing_regions[f"{code} {target:%Y-%m-%d} @{issued_at:%Y-%m-%d %H:%M}"] = split.missing
        parsed[key] = (split.grades, item)

    if latest_only:
        newest: dict[tuple[str, date], datetime] = {}
        for issued_at, code, target in parsed:
            if issued_at > newest.get((code, target), datetime.min.replace(tzinfo=KST)):
                newest[(code, target)] = issued_at
        keep = {k: v for k, v in parsed.items() if newest[(k[1], k[2])] == k[0]}
        report.superseded_items = len(parsed) - len(keep)
        parsed = keep

    region_order = {r: i for i, r in enumerate(R.FORECAST_REGIONS)}
    code_order = {c: i for i, c in enumerate(INFORM_CODES)}
    keys = sorted(parsed, key=lambda k: (k[0], code_order[k[1]], k[2]))
    rows: dict[str, list[Any]] = {c: [] for c in FORECAST_COLUMNS}
    texts: dict[str, list[Any]] = {c: [] for c in FORECAST_TEXT_COLUMNS}
    for issued_at, code, target in keys:
        grades_by_region, item = parsed[(issued_at, code, target)]
        for region in sorted(grades_by_region, key=region_order.__getitem__):
            grade = grades_by_region[region]
            rows["issued_at"].append(issued_at)
            rows["inform_code"].append(code)
            rows["inform_date"].append(target)
            rows["forecast_region"].append(region)
            rows["grade"].append(G.GRADE_NAMES[grade])
            rows["grade_code"].append(grade)
        texts["issued_at"].append(issued_at)
        texts["inform_code"].append(code)
        texts["inform_date"].append(target)
        texts["inform_overall"].append(_text(item.get("informOverall")))
        texts["inform_cause"].append(_text(item.get("informCause")))
        texts["action_knack"].append(_text(item.get("actionKnack")))
    return ForecastParse(_frame(rows, FORECAST_COLUMNS), _frame(texts, FORECAST_TEXT_COLUMNS), report)


def latest_per_target(rows: pd.DataFrame) -> pd.DataFrame:
    """Forecast rows (:data:`FORECAST_COLUMNS`) reduced to the newest ``issued_at`` per (pollutant, target date)."""
    if rows.empty:
        return rows.copy()
    newest = rows.groupby(["inform_code", "inform_date"], sort=False)["issued_at"].transform("max")
    return rows[rows["issued_at"] == newest].reset_index(drop=True)


# --------------------------------------------------------------------------- real time


def _flag(raw: Any) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    return None if text in _NO_FLAG else text


_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


def _value(item: Mapping[str, Any], field_name: str, flag: str | None, measure: str,
           report: RealtimeReport) -> float | None:
    raw = item.get(field_name)
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, (int, float)):
        number: float | None = float(raw) if math.isfinite(raw) else None
    else:
        text = str(raw).strip() if raw is not None else ""
        number = float(text) if _NUMBER_RE.match(text) else None
    if number is None:
        _bump(report.missing_values, field_name)
        return None
    if flag is not None:
        _bump(report.flagged_values, field_name)
        return None
    lo, hi = PLAUSIBLE_RANGES[measure]
    if not lo <= number <= hi:
        _bump(report.implausible, field_name)
        return None
    return number


def parse_realtime(payload: Any, *, sido_name: str | None = None,
                   operation: str = "getCtprvnRltmMesureDnsty") -> RealtimeParse:
    """Real-time payload (or its items) → :class:`RealtimeParse`.

    ``sido_name`` is the requested province, used when a row lacks ``sidoName`` (``"전국"`` gives
    no fallback). Rows are sorted by (region_code, station_name); ``stale_rows`` counts stations
    whose ``data_time`` is older than the newest in the payload (kept: they are what AirKorea has).
    """
    items = payload_items(payload, operation)
    report = RealtimeReport(items_total=len(items))
    fallback_sido = sido_name if sido_name and sido_name != R.ALL_SIDO else None
    seen: set[tuple[str, str, datetime]] = set()
    assignments: dict[tuple[str, str], R.StationAssignment] = {}
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, Mapping):
            report._malformed(item, "item is not an object")
            continue
        station = _text(item.get("stationName"))
        if station is None:
            report._malformed(item, "no stationName")
            continue
        sido = _text(item.get("sidoName")) or fallback_sido
        if sido is None:
            report._malformed(item, "no sidoName")
            continue
        try:
            region_code = R.region_code_for_sido(sido)
        except ValueError:
            _bump(report.unknown_sido, sido[:20])
            continue
        sido = R.SIDO_NAME_BY_REGION_CODE[region_code]
        try:
            data_time = parse_data_time(item.get("dataTime"))
        except ValueError as exc:
            report._malformed(item, str(exc))
            continue
        key = (sido, station, data_time)
        if key in seen:
            report.duplicate_rows += 1
            continue
        seen.add(key)
        where = assignments.get((sido, station))
        if where is None:
            where = assignments[(sido, station)] = R.assign_station(region_code, station)
            if where.sigungu_code is None:
                report.stations_unassigned.append(f"{sido}/{station}")

        pm10_flag, pm25_flag = _flag(item.get("pm10Flag")), _flag(item.get("pm25Flag"))
        pm10 = _value(item, "pm10Value", pm10_flag, "pm10", report)
        pm25 = _value(item, "pm25Value", pm25_flag, "pm25", report)
        pm10_24 = _value(item, "pm10Value24", pm10_flag, "pm10", report)
        pm25_24 = _value(item, "pm25Value24", pm25_flag, "pm25", report)
        khai = _value(item, "khaiValue", None, "khai", report)
        o3 = _value(item, "o3Value", _flag(item.get("o3Flag")), "o3", report)
        pm10_grade = G.grade_code(item.get("pm10Grade1h")) if pm10_flag is None else None
        pm25_grade = G.grade_code(item.get("pm25Grade1h")) if pm25_flag is None else None
        pm10_for_worst, pm25_for_worst = pm10_grade, pm25_grade
        if pm10_for_worst is None and pm10 is not None:
            pm10_for_worst = G.grade_for_value("PM10", pm10)
            report.grades_computed += 1
        if pm25_for_worst is None and pm25 is not None:
            pm25_for_worst = G.grade_for_value("PM25", pm25)
            report.grades_computed += 1
        out.append({
            "sido_name": sido,
            "station_name": station,
            "region_code": region_code,
            "sigungu_code": where.sigungu_code,
            "station_assignment": where.method,
            "mang_name": _text(item.get("mangName")),
            "data_time": data_time,
            "pm10_1h": pm10,
            "pm25_1h": pm25,
            "pm10_24h": pm10_24,
            "pm25_24h": pm25_24,
            "pm10_grade_1h": pm10_grade,
            "pm25_grade_1h": pm25_grade,
            "pm_grade_1h": G.worst_pm_grade(pm10_for_worst, pm25_for_worst),
            "khai": khai,
            "khai_grade": G.grade_code(item.get("khaiGrade")),
            "o3_ppm": o3,
            "pm10_flag": pm10_flag,
            "pm25_flag": pm25_flag,
        })
    if out:
        newest = max(r["data_time"] for r in out)
        report.stale_rows = sum(1 for r in out if r["data_time"] < newest)
    out.sort(key=lambda r: (r["region_code"], r["station_name"], r["data_time"]))
    columns = {c: [r[c] for r in out] for c in REALTIME_COLUMNS}
    return RealtimeParse(_frame(columns, REALTIME_COLUMNS), report)


# --------------------------------------------------------------------------- derived frames


def pm_forecast(rows: pd.DataFrame) -> pd.DataFrame:
    """PM10 and PM2.5 forecast grades side by side per (issuance, target date, region), with the worst.

    Input: :data:`FORECAST_COLUMNS` rows (O3 is ignored). Output: :data:`PM_FORECAST_COLUMNS`; a
    region graded for only one pollutant keeps that grade as the worst.
    """
    pm = rows[rows["inform_code"].isin(["PM10", "PM25"])]
    if pm.empty:
        return _frame({c: [] for c in PM_FORECAST_COLUMNS}, PM_FORECAST_COLUMNS)
    wide = pm.pivot_table(index=["issued_at", "inform_date", "forecast_region"], columns="inform_code",
                          values="grade_code", aggfunc="max", observed=True).reset_index()
    region_order = {r: i for i, r in enumerate(R.FORECAST_REGIONS)}
    wide = wide.assign(_order=wide["forecast_region"].map(region_order)).sort_values(
        ["issued_at", "inform_date", "_order"]).reset_index(drop=True)
    pm10 = pd.array(wide["PM10"] if "PM10" in wide else [pd.NA] * len(wide), dtype="Int64")
    pm25 = pd.array(wide["PM25"] if "PM25" in wide else [pd.NA] * len(wide), dtype="Int64")
    worst = G.worst_grades(pd.Series(pm10), pd.Series(pm25))
    out = {
        "issued_at": list(wide["issued_at"]),
        "inform_date": list(wide["inform_date"]),
        "forecast_region": list(wide["forecast_region"]),
        "pm10_grade_code": pm10,
        "pm25_grade_code": pm25,
        "pm_grade_code": worst.array,
        "pm_grade": [G.GRADE_NAMES.get(int(c)) if not pd.isna(c) else None for c in worst],
    }
    return _frame(out, PM_FORECAST_COLUMNS)


def forecast_by_district(rows: pd.DataFrame) -> pd.DataFrame:
    """:func:`pm_forecast` spread onto the platform's keys with :func:`regions.forecast_region_table`.

    Whole-province regions give one row with ``sigungu_code`` ``<NA>``; 경기 and 강원 give one row
    per district plus one province-level row (``<NA>``) from the region of the province's
    representative point (:func:`regions.region_for` without a district: 경기남부, 영서), the
    same choice the weather makes with its representative grid cell.
    """
    pm = pm_forecast(rows)
    table = R.forecast_region_frame()[["forecast_region", "region_code", "sigungu_code"]]
    defaults = pd.DataFrame({
        "forecast_region": pd.Series([R.SPLIT_PROVINCE_DEFAULT[c] for c in R.SPLIT_PROVINCES], dtype="str"),
        "region_code": pd.Series(list(R.SPLIT_PROVINCES), dtype="int64"),
        "sigungu_code": pd.Series([None] * len(R.SPLIT_PROVINCES), dtype="Int64"),
    })
    merged = pm.merge(pd.concat([table, defaults], ignore_index=True), on="forecast_region", how="inner")
    merged = merged.sort_values(["issued_at", "inform_date", "region_code", "sigungu_code"],
                                na_position="first").reset_index(drop=True)
    return _frame({c: list(merged[c]) for c in FORECAST_BY_DISTRICT_COLUMNS}, FORECAST_BY_DISTRICT_COLUMNS)


def realtime_by_district(rows: pd.DataFrame) -> pd.DataFrame:
    """Station rows → one row per (district, hour) for assigned stations and one per (province, hour)
    over *all* its stations (``sigungu_code`` ``<NA>``): means of the 1-hour PM values, worst grade,
    highest CAI and the number of stations."""
    if rows.empty:
        return _frame({c: [] for c in REALTIME_BY_DISTRICT_COLUMNS}, REALTIME_BY_DISTRICT_COLUMNS)
    aggs = dict(stations=("station_name", "count"), pm10_1h_mean=("pm10_1h", "mean"),
                pm25_1h_mean=("pm25_1h", "mean"), pm_grade_1h_worst=("pm_grade_1h", "max"), khai_max=("khai", "max"))
    districts = (rows[rows["sigungu_code"].notna()]
                 .groupby(["region_code", "sigungu_code", "data_time"], sort=True).agg(**aggs).reset_index())
    provinces = rows.groupby(["region_code", "data_time"], sort=True).agg(**aggs).reset_index()
    provinces["sigungu_code"] = pd.array([pd.NA] * len(provinces), dtype="Int64")
    both = pd.concat([provinces[districts.columns], districts], ignore_index=True)
    both = both.sort_values(["region_code", "data_time", "sigungu_code"], na_position="first").reset_index(drop=True)
    return _frame({c: list(both[c]) for c in REALTIME_BY_DISTRICT_COLUMNS}, REALTIME_BY_DISTRICT_COLUMNS)


# --------------------------------------------------------------------------- frames


def _frame(columns: Mapping[str, Any], dtypes: Mapping[str, Any]) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for col, dtype in dtypes.items():
        values = columns[col]
        if isinstance(dtype, pd.DatetimeTZDtype):
            stamps = pd.to_datetime(pd.Series(list(values), dtype="object"), utc=True) if len(values) else None
            data[col] = stamps.dt.tz_convert(KST).astype(dtype) if stamps is not None else pd.Series([], dtype=dtype)
        elif dtype == "Int64":
            data[col] = pd.Series(pd.array([None if _na(v) else int(v) for v in values], dtype="Int64"))
        elif dtype == "float64":
            data[col] = pd.Series([np.nan if _na(v) else float(v) for v in values], dtype="float64")
        elif dtype == "int64":
            data[col] = pd.Series([int(v) for v in values], dtype="int64")
        elif dtype == "str":
            data[col] = pd.Series([None if _na(v) else str(v) for v in values], dtype="str")
        else:
            data[col] = pd.Series(list(values), dtype=dtype)
    return pd.DataFrame(data, columns=list(dtypes))


def _na(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False

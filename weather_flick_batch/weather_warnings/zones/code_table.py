"""The code -> zone table, ``zone_codes.csv`` beside this package (see the package doc for its columns)."""

from __future__ import annotations

import csv
import logging
from functools import lru_cache
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

ZONE_CODES_PATH = Path(__file__).resolve().parent.parent / "zone_codes.csv"

# --------------------------------------------------------------------------------------------
# Code table (zone_codes.csv)
# --------------------------------------------------------------------------------------------

ZONE_CODE_COLUMNS = ("area_code", "area_name", "region_code", "sigungu_code", "source", "note")

#: The reference's codes, used when the CSV is missing (e.g. an install without package data).
_REFERENCE_CODE_ROWS: tuple[dict[str, str], ...] = (
    {"area_code": "L1010100", "area_name": "서울", "region_code": "1", "sigungu_code": "", "source": "reference",
     "note": "서울 before the 2020 four-zone split; current files use sub-zone codes"},
    {"area_code": "L1030100", "area_name": "대전", "region_code": "3", "sigungu_code": "", "source": "reference",
     "note": ""},
    {"area_code": "L1011700", "area_name": "의정부", "region_code": "31", "sigungu_code": "25", "source": "reference",
     "note": ""},
)


@lru_cache(maxsize=4)
def _load_zone_code_rows(path: str) -> tuple[dict[str, str], ...]:
    file = Path(path)
    if not file.exists():
        log.warning("warning-zone code table %s is missing; using the reference's three codes only", file)
        return _REFERENCE_CODE_ROWS
    with file.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = set(ZONE_CODE_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{file} lacks column(s) {sorted(missing)}; expected {', '.join(ZONE_CODE_COLUMNS)}")
        rows = []
        for line_no, row in enumerate(reader, start=2):
            clean = {k: (row.get(k) or "").strip() for k in ZONE_CODE_COLUMNS}
            if not clean["area_code"] or clean["area_code"].startswith("#"):
                continue
            for col in ("region_code", "sigungu_code"):
                if clean[col] and not clean[col].isdigit():
                    raise ValueError(f"{file}:{line_no}: {col} must be a number, got {clean[col]!r}")
            rows.append(clean)
    return tuple(rows)


def load_zone_codes(path: str | Path | None = None) -> list[dict[str, str]]:
    """The rows of the code table (strings; empty string = not given)."""
    return [dict(r) for r in _load_zone_code_rows(str(path or ZONE_CODES_PATH))]


def zone_code_frame(path: str | Path | None = None) -> pd.DataFrame:
    """The code table as a frame: ``area_code, area_name`` str; ``region_code, sigungu_code`` Int64;
    ``source, note`` str."""
    rows = load_zone_codes(path)
    frame = pd.DataFrame(rows, columns=list(ZONE_CODE_COLUMNS))
    for col in ("region_code", "sigungu_code"):
        frame[col] = pd.array([int(v) if v else None for v in frame[col]], dtype="Int64")
    for col in ("area_code", "area_name", "source", "note"):
        frame[col] = frame[col].astype("str")
    return frame


def _code_rows(area_code: str) -> list[dict[str, str]]:
    code = area_code.strip().upper()
    return [r for r in _load_zone_code_rows(str(ZONE_CODES_PATH)) if r["area_code"].upper() == code]

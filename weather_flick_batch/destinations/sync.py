"""Destination sync: full crawls and incremental syncs of one province, as plain functions.

A sync computes the province's complete new state (every destination ever seen there, with
withdrawn ones kept inactive, never deleted) so the write is one idempotent partition replace.
Full crawl: everything listed now is active; what is no longer listed is withdrawn.
Incremental: only changes since the last sync (areaBasedSyncList2 with showflag) are applied.
Both converge to the same catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from weather_flick_batch.core.apiclient import fetch_all_pages
from weather_flick_batch.destinations.cleaning import CleanResult, clean_items

# Columns compared to decide whether a destination changed.
CONTENT_COLUMNS = [
    "content_type_id", "service_table", "title", "addr1", "addr2", "zipcode", "tel", "region_code", "sigungu_code",
    "cat1", "cat2", "cat3", "latitude", "longitude", "image_url", "thumbnail_url", "created_time", "modified_time",
    "event_start_date", "event_end_date",
]
TABLE_COLUMNS = ["content_id", *CONTENT_COLUMNS, "is_active", "withdrawn_at", "first_seen_at", "last_synced_at",
                 "simulated"]
# Beyond this many days, an incremental sync is replaced by a full crawl (cheaper and exact).
MAX_INCREMENTAL_DAYS = 30


@dataclass
class SyncOutcome:
    mode: str
    state: pd.DataFrame  # the province's complete new rows (TABLE_COLUMNS)
    rejects: pd.DataFrame
    pages: int
    items_fetched: int
    added: int = 0
    changed: int = 0
    withdrawn: int = 0
    reactivated: int = 0
    unchanged: int = 0
    duplicates_dropped: int = 0
    notes: list[str] = field(default_factory=list)

    def as_metadata(self) -> dict[str, Any]:
        return {
            "mode": self.mode, "pages_fetched": self.pages, "items_fetched": self.items_fetched,
            "added": self.added, "changed": self.changed, "withdrawn": self.withdrawn,
            "reactivated": self.reactivated, "unchanged": self.unchanged, "rejected": len(self.rejects),
            "duplicates_dropped": self.duplicates_dropped,
            "active": int(self.state["is_active"].sum()) if len(self.state) else 0,
            **({"notes": "; ".join(self.notes)} if self.notes else {}),
        }


def crawl_full(api, area_code: int, cache_ttl_s: int | None = None) -> tuple[list[dict], int]:
    """Every destination of a province, all content types, in ceil(total / 1000) calls."""
    return fetch_all_pages(api, "areaBasedList2", {"areaCode": area_code, "arrange": "C"},
                           page_size=1000, cache_ttl_s=cache_ttl_s)


def crawl_changes(api, area_code: int, since: date, until: date,
                  cache_ttl_s: int | None = None) -> tuple[list[dict], int]:
    """Items modified on each day from ``since`` to ``until`` (with showflag), via areaBasedSyncList2.

    One query per day: correct whether the API filters on that exact day or on-or-after it
    (duplicates across days are dropped by cleaning, keeping the latest modification).
    """
    items: list[dict] = []
    pages = 0
    day = since
    while day <= until:
        got, n = fetch_all_pages(api, "areaBasedSyncList2",
                                 {"areaCode": area_code, "modifiedtime": day.strftime("%Y%m%d"), "arrange": "C"},
                                 page_size=1000, cache_ttl_s=cache_ttl_s)
        items.extend(got)
        pages += n
        day += timedelta(days=1)
    return items, pages


TIME_COLUMNS = ["created_time", "modified_time", "withdrawn_at", "first_seen_at", "last_synced_at"]


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as tz-aware KST columns (all-NaT columns included), so frames combine cleanly."""
    frame = frame.copy()
    for column in TIME_COLUMNS:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert("Asia/Seoul").dt.as_unit("us")
    return frame


def _from_clean(clean: CleanResult, now: datetime, simulated: bool) -> pd.DataFrame:
    rows = clean.rows.rename(columns={"area_code": "region_code"}).copy()
    rows["simulated"] = simulated
    rows["last_synced_at"] = now
    return rows


def _changed_mask(new: pd.DataFrame, old: pd.DataFrame) -> pd.Series:
    """Per content_id in both frames: does any content column differ?"""
    a = new.set_index("content_id")[CONTENT_COLUMNS]
    b = old.set_index("content_id").reindex(a.index)[CONTENT_COLUMNS]
    differs = pd.Series(False, index=a.index)
    for column in CONTENT_COLUMNS:
        left, right = a[column], b[column]
        if pd.api.types.is_float_dtype(left) or pd.api.types.is_float_dtype(right):
            diff = ~((left.astype(float) - right.astype(float)).abs().fillna(0) < 1e-9) | (left.isna() != right.isna())
        else:
            diff = ~((left.astype(object) == right.astype(object)) | (left.isna() & right.isna()))
        differs |= diff.fillna(True).astype(bool)
    return differs


def apply_sync(
    existing: pd.DataFrame, clean: CleanResult, mode: str, now: datetime, simulated: bool, pages: int,
    area_code: int,
) -> SyncOutcome:
    """The province's new state from its current rows and what the API returned."""
    incoming = _typed(_from_clean(clean, now, simulated))
    incoming = incoming[incoming["region_code"].isna() | (incoming["region_code"] == area_code)]
    existing = existing.copy()
    if existing.empty:
        existing = pd.DataFrame(columns=TABLE_COLUMNS)
    existing = _typed(existing)
    old_ids = set(existing["content_id"])
    outcome = SyncOutcome(mode=mode, state=existing, rejects=clean.rejects, pages=pages,
                          items_fetched=clean.input_count, duplicates_dropped=clean.duplicates_dropped)

    shown = incoming[incoming["is_active"]]
    hidden_ids = set(incoming.loc[~incoming["is_active"], "content_id"])
    if mode == "full":
        # A full crawl is authoritative: whatever it does not list is withdrawn.
        hidden_ids |= old_ids - set(shown["content_id"])

    was_active = existing.set_index("content_id")["is_active"].astype(bool) if len(existing) else pd.Series(dtype=bool)
    known = shown[shown["content_id"].isin(old_ids)]
    new = shown[~shown["content_id"].isin(old_ids)]
    changed_mask = _changed_mask(known, existing) if len(known) else pd.Series(dtype=bool)
    reactivated_ids = {cid for cid in known["content_id"] if not was_active.get(cid, True)}
    outcome.added = len(new)
    outcome.changed = int(changed_mask.sum()) if len(changed_mask) else 0
    outcome.reactivated = len(reactivated_ids)
    outcome.unchanged = len(known) - outcome.changed

    first_seen = existing.set_index("content_id")["first_seen_at"] if len(existing) else pd.Series(dtype=object)
    updates = _typed(shown.assign(
        is_active=True, withdrawn_at=None,
        first_seen_at=shown["content_id"].map(first_seen).where(shown["content_id"].isin(old_ids), now),
    ))
    keep = existing[~existing["content_id"].isin(set(updates["content_id"]))].copy()
    withdraw = keep["content_id"].isin(hidden_ids) & keep["is_active"].astype(bool)
    outcome.withdrawn = int(withdraw.sum())
    keep.loc[withdraw, "is_active"] = False
    keep.loc[withdraw, "withdrawn_at"] = now
    keep.loc[withdraw, "last_synced_at"] = now
    parts = [frame[TABLE_COLUMNS] for frame in (keep, updates) if len(frame)]
    state = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=TABLE_COLUMNS)
    state["is_active"] = state["is_active"].astype(bool)
    outcome.state = state.sort_values("content_id").reset_index(drop=True)
    return outcome


def sync_province(api, area_code: int, existing: pd.DataFrame, mode: str, now: datetime,
                  last_sync: datetime | None, cache_ttl_s: int | None = None) -> SyncOutcome:
    """Fetch and apply one province's sync. ``mode`` is 'full', 'incremental' or 'auto'."""
    notes = []
    today = now.date()
    if mode in ("auto", "incremental"):
        if existing.empty or last_sync is None:
            notes.append("no earlier sync of this province: ran a full crawl")
            mode = "full"
        elif (today - last_sync.date()).days > MAX_INCREMENTAL_DAYS:
            notes.append(f"last sync {last_sync.date()} is over {MAX_INCREMENTAL_DAYS} days old: ran a full crawl")
            mode = "full"
        else:
            mode = "incremental"
    if mode == "full":
        items, pages = crawl_full(api, area_code, cache_ttl_s)
    else:
        items, pages = crawl_changes(api, area_code, last_sync.date(), today, cache_ttl_s)
    clean = clean_items(items, now)
    outcome = apply_sync(existing, clean, mode, now, getattr(api, "simulated", False), pages, area_code)
    outcome.notes = notes + outcome.notes
    return outcome

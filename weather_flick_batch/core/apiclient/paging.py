"""Paged listings: every page of a data.go.kr listing, with the TourAPI and AirKorea quirks handled."""

from __future__ import annotations

import math
import time
from typing import Any, Mapping, Sequence

from weather_flick_batch.core.apiclient.client import ApiClient
from weather_flick_batch.core.apiclient.errors import TransientApiError


def _dig(data: Any, path: Sequence[str]) -> Any:
    for name in path:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data


#: How often a page that came back empty although ``totalCount`` promises more is asked again.
EMPTY_PAGE_RETRIES = 2


class IncompleteListingError(TransientApiError):
    """A listing page came back empty while ``totalCount`` promised more items."""


def _page_items(data: Any, items_path: Sequence[str], total_path: Sequence[str]) -> tuple[list[dict], int | None]:
    raw = _dig(data, items_path)  # None when "items" is "" (empty page)
    if isinstance(raw, dict):
        page_items = [raw]  # a lone result comes as an object
    elif isinstance(raw, list):
        page_items = [item for item in raw if isinstance(item, dict)]
    else:
        page_items = []
    try:
        total = int(str(_dig(data, total_path)).strip())
    except ValueError:
        total = None
    return page_items, total


def fetch_all_pages(
    client: ApiClient,
    operation: str,
    params: Mapping[str, str | int],
    *,
    page_size: int,
    items_path: Sequence[str] = ("response", "body", "items", "item"),
    cache_ttl_s: int | None = None,
    total_path: Sequence[str] | None = None,
) -> tuple[list[dict], int]:
    """Read every page of a paged operation; return ``(items, pages_fetched)``.

    Calls exactly ``ceil(totalCount / page_size)`` pages (one when the total is zero), with
    ``totalCount`` re-read on each page in case it changes mid-crawl. Copes with the
    TourAPI quirks: ``"items": ""`` on an empty page and a lone object instead of a list.
    ``totalCount`` is read next to ``items`` (``items_path[:-2] + ("totalCount",)``) unless
    ``total_path`` says otherwise: AirKorea's ``body.items`` *is* the array, so it passes
    ``items_path=("response", "body", "items")`` and ``total_path=("response", "body", "totalCount")``.

    A page with no items while ``totalCount`` promises more is a transient fault of the server,
    never the end of the listing: a full sync that believed it would withdraw everything not yet
    read. The page is asked again, past the cache, :data:`EMPTY_PAGE_RETRIES` times; if it stays
    empty, :class:`IncompleteListingError` (transient: the step retries) ends the crawl, and the
    caller writes nothing.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    total_path = tuple(total_path) if total_path is not None else (*items_path[:-2], "totalCount")
    items: list[dict] = []
    total: int | None = None
    page = 0
    while True:
        page += 1
        query = {**params, "numOfRows": page_size, "pageNo": page}
        data = client.get_json(operation, query, cache_ttl_s=cache_ttl_s)
        page_items, total = _page_items(data, items_path, total_path)
        retries = 0
        while not page_items and total is not None and len(items) < total:
            if retries == EMPTY_PAGE_RETRIES:
                raise IncompleteListingError(
                    f"{client.service} {operation} page {page} came back empty although totalCount is {total} "
                    f"({len(items)} read so far): treated as a transient server fault, nothing is written",
                    service=client.service, operation=operation)
            retries += 1
            time.sleep(min(0.5 * retries, 2.0))
            data = client.get_json(operation, query, cache_ttl_s=None)  # past the cache: ask the server again
            page_items, total = _page_items(data, items_path, total_path)
        items.extend(page_items)
        if total is None:
            if len(page_items) < page_size:  # no usable totalCount: stop at the first short page
                break
        elif not page_items or page >= max(1, math.ceil(total / page_size)):
            break
    if total is not None and len(items) != total:
        client.log.warning(
            "%s %s: read %d items in %d page(s) but totalCount is %d (data changed during the crawl, "
            "or the server capped numOfRows below %d)", client.service, operation, len(items), page, total, page_size,
        )
    return items, page

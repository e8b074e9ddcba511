"""What one parse returns: the rows plus an account of everything not taken.

Missing values and malformed items
----------------------------------
Any numeric value ``>= 900`` or ``<= -900`` is KMA's missing marker: it is dropped (NaN in
the frame) and counted in ``ParseResult.missing_values_dropped``.  Items that cannot be
read — missing keys, bad dates, bad value text, out-of-range values, unknown PTY/SKY codes —
are counted in ``ParseResult.items_malformed`` with up to ten examples and reasons; their
value is left NaN, never coerced.  Categories the parsers do not know (KMA adds some over
time) are counted per category in ``ParseResult.unknown_categories`` and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from weather_flick_batch.weather.issuance import KST

__all__ = ["MalformedItem", "ParseResult"]

#: Dtype of every timestamp column of a parsed frame.
_TS_DTYPE = pd.DatetimeTZDtype(unit="ns", tz=KST)


@dataclass(frozen=True)
class MalformedItem:
    """One rejected item (a copy of it) and why it was rejected."""

    item: Any
    reason: str


_MAX_EXAMPLES = 10


@dataclass
class ParseResult:
    """Rows parsed from one payload plus an account of everything not taken.

    For short-range and nowcast payloads an *item* is one element of ``items.item``; for
    mid-range payloads (one object per region with one key per value) an item is one
    data key of that object (``rnSt3Am``, ``wf8``, ``taMin5``, ...).
    """

    rows: pd.DataFrame
    items_total: int = 0
    items_malformed: int = 0
    malformed_examples: list[MalformedItem] = field(default_factory=list)
    missing_values_dropped: int = 0
    unknown_categories: dict[str, int] = field(default_factory=dict)
    duplicates_dropped: int = 0
    #: ``body.totalCount`` (for paging), ``None`` if absent.
    total_count: int | None = None

    def _malformed(self, item: Any, reason: str) -> None:
        self.items_malformed += 1
        if len(self.malformed_examples) < _MAX_EXAMPLES:
            self.malformed_examples.append(
                MalformedItem(dict(item) if isinstance(item, Mapping) else item, reason)
            )

    @property
    def clean(self) -> bool:
        """No malformed items, no duplicates and no unknown categories."""
        return not (self.items_malformed or self.duplicates_dropped or self.unknown_categories)

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable account for run metadata and logs."""
        return {
            "rows": int(len(self.rows)),
            "items_total": self.items_total,
            "items_malformed": self.items_malformed,
            "malformed_examples": [
                {"item": repr(e.item)[:300], "reason": e.reason} for e in self.malformed_examples
            ],
            "missing_values_dropped": self.missing_values_dropped,
            "unknown_categories": dict(self.unknown_categories),
            "duplicates_dropped": self.duplicates_dropped,
            "total_count": self.total_count,
        }

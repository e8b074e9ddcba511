"""Trip forecasts and notices a batch of plans at a time (no Dagster here).

100,000 active plans are some 650,000 stops; their forecasts, the previous forecasts they are compared
with, the weather_info documents and the notices together need over a gigabyte at once. A batch of
plans (:data:`BATCH_PLANS`, sorted by plan id) is computed and written before the next is read, all
inside the one publication transaction (``store.publish_batches``), so memory is bounded by the batch
while readers still see the whole run land at once or not at all.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from weather_flick_batch.trips import audits, forecast, notices

BATCH_PLANS = 10_000


@dataclass(frozen=True)
class TripInputs:
    """What every batch reads: the outlook and where places are, the warnings in force, the clock."""

    cells: pd.DataFrame
    points: pd.DataFrame
    outlook: pd.DataFrame
    areas: pd.DataFrame
    sigungu_of: pd.Series
    today: date
    now: datetime


@dataclass
class TripBatch:
    current: pd.DataFrame
    infos: dict[str, dict[str, Any]]
    planned: list[notices.PlannedNotice]


@dataclass
class TripTally:
    """Metadata and check inputs accumulated over the batches, so no batch is kept."""

    horizon: date | None
    active_plans: int = 0
    stops: int = 0
    plans_without_places: int = 0
    located: Counter = field(default_factory=Counter)
    located_in_horizon: int = 0
    without_values: int = 0
    plans_with_changes: int = 0
    notifications: int = 0
    out_of_limits: int = 0
    severities: Counter = field(default_factory=Counter)
    preview: list[dict[str, str]] = field(default_factory=list)
    simulated: bool = False

    def add(self, stops: forecast.TripStops, batch: TripBatch, found: int) -> None:
        current = batch.current
        self.active_plans += stops.plans
        self.plans_without_places += len(stops.skipped)
        self.stops += len(current)
        self.located.update(current["located_by"].value_counts().to_dict())
        if self.horizon is not None:
            located, without = audits.stops_in_horizon(current, self.horizon)
            self.located_in_horizon += located
            self.without_values += without
        self.plans_with_changes += found
        for planned in batch.planned:
            self.severities[planned.notice.severity] += 1
            for row in planned.rows:
                self.notifications += 1
                if audits.exceeds_backend_limits(row["title"], row["message"], row["priority"]):
                    self.out_of_limits += 1
            if len(self.preview) < 10:
                self.preview.append({"plan": planned.plan_id[:8], "severity": planned.notice.severity,
                                     "title": planned.notice.title,
                                     "channels": ",".join(r["channel"] for r in planned.rows)})
        self.simulated = self.simulated or (bool(current["simulated"].any()) if len(current) else False)

    def as_json(self) -> str:
        return json.dumps(dict(self.located))


def plan_batches(plans: pd.DataFrame, size: int = BATCH_PLANS) -> Iterator[pd.DataFrame]:
    """The plans in batches of ``size``, in plan-id order."""
    if size < 1:
        raise ValueError(f"batch size must be >= 1, got {size}")
    ordered = plans.sort_values("plan_id", kind="stable")
    for start in range(0, len(ordered), size):
        yield ordered.iloc[start:start + size]


def compute_batch(plans: pd.DataFrame, previous: pd.DataFrame, inputs: TripInputs,
                  read_people: Callable[[list[str]], tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]],
                  tally: TripTally) -> TripBatch:
    """One batch: stops, forecasts, warnings, changes against ``previous``, weather_info, notices.

    ``read_people(user_ids)`` returns (users, settings, active tokens); it is asked only about the
    travellers whose trips changed.
    """
    stops = forecast.active_stops(plans, inputs.today)
    current = forecast.trip_forecasts(stops.stops, inputs.cells, inputs.points, inputs.outlook)
    current = forecast.with_warnings(current, inputs.areas, inputs.sigungu_of, inputs.today)
    found = forecast.detect_changes(previous, current)
    infos = forecast.weather_infos(current, inputs.now)
    changed = plans[plans["plan_id"].isin(found.keys())]
    users, settings_rows, tokens = read_people(sorted(changed["user_id"].unique()))
    simulated = bool(current["simulated"].any()) if len(current) else False
    planned = notices.plan_notices(found, changed, users, settings_rows, tokens, inputs.now, simulated=simulated)
    batch = TripBatch(current, infos, planned)
    tally.add(stops, batch, len(found))
    return batch

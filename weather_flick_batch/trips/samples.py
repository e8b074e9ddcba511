"""Sample users and travel plans for the embedded warehouse, shaped like the back end writes them.

Deterministic (seeded, ids are UUID5 of a fixed namespace), dated relative to ``today`` so the
trips always fall within the forecast horizon. What they cover, on purpose:

- all 17 provinces; trips of one to four days starting today up to eight days out;
- both itinerary shapes: ``{"day1": [...]}`` and ``{"days": [{day, date, places, weather}]}``;
- places located by a TourAPI content_id of the sample catalogue, by coordinates only, by an
  area code only, by an address only, and one with nothing but a name;
- statuses: mostly CONFIRMED, some IN_PROGRESS (started), PLANNING, CANCELLED and COMPLETED
  (ended) plans, which trip forecasts must leave alone;
- users with weather alerts off, with quiet hours, without a verified e-mail, with and without
  push tokens (one of them invalid at FCM: ``INVALID_TOKEN_PREFIX``).

No Dagster here; ``seed`` writes them through a SQLAlchemy connection.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from weather_flick_batch.core.regions import PROVINCES

NAMESPACE = uuid.UUID("6f1c2f0e-6a8e-4c5e-9d2e-77b0a1c0f001")
INVALID_TOKEN_PREFIX = "sample-invalid-"
USERS, PLANS = 60, 340


def _id(kind: str, n: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}-{n}"))


def users(now: datetime) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(users, user_notification_settings, user_device_tokens)."""
    rng = random.Random(7)
    people, settings, tokens = [], [], []
    for n in range(USERS):
        user_id = _id("user", n)
        people.append({"user_id": user_id, "email": f"traveller{n:03d}@example.com", "nickname": f"여행자{n:03d}",
                       "is_active": True, "is_email_verified": n % 7 != 3, "created_at": now - timedelta(days=90)})
        if n % 5 != 4:  # a fifth have no settings row: the back end's defaults apply
            quiet = n % 6 == 1
            settings.append({
                "id": _id("settings", n), "user_id": user_id, "push_enabled": n % 4 != 2, "email_enabled": True,
                "sms_enabled": False, "in_app_enabled": True, "weather_alerts": n % 10 != 9,
                "quiet_hours_enabled": quiet, "quiet_hours_start": time(22, 0) if quiet else None,
                "quiet_hours_end": time(7, 0) if quiet else None, "created_at": now - timedelta(days=90),
                "updated_at": now - timedelta(days=rng.randint(1, 30))})
        if n % 3 != 0:
            prefix = INVALID_TOKEN_PREFIX if n % 11 == 5 else "sample-"
            tokens.append({"id": _id("token", n), "user_id": user_id, "device_token": f"{prefix}{user_id}",
                           "device_type": "android" if n % 2 else "ios", "is_active": True,
                           "created_at": now - timedelta(days=60), "updated_at": now - timedelta(days=60)})
    return pd.DataFrame(people), pd.DataFrame(settings), pd.DataFrame(tokens)


def _place(rng: random.Random, province_code: int, catalogue: pd.DataFrame, shape: int) -> dict[str, Any]:
    """A place as one of the back end's screens writes it (field names vary on purpose)."""
    local = catalogue[catalogue["region_code"] == province_code]
    kind = rng.random()
    if kind < 0.75 and len(local):
        row = local.iloc[rng.randrange(len(local))]
        if shape == 0:
            return {"content_id": str(row["content_id"]), "name": str(row["title"]), "address": row.get("addr1")}
        return {"contentId": str(row["content_id"]), "title": str(row["title"]), "category": "attraction"}
    p = next(p for p in PROVINCES if p.area_code == province_code)
    if kind < 0.85:
        return {"name": f"{p.capital_ko} 근처 카페", "latitude": round(p.latitude + rng.uniform(-0.05, 0.05), 5),
                "longitude": round(p.longitude + rng.uniform(-0.05, 0.05), 5)}
    if kind < 0.93:
        return {"name": f"{p.name_ko} 시장", "area_code": str(province_code)}
    if kind < 0.98:
        return {"place_name": "숙소", "address": f"{p.name_ko} 어딘가 1"}
    return {"name": "친구 집"}  # nothing locates it: the trip's main province is used


def plans(today: date, catalogue: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """travel_plans rows. ``catalogue``: content_id, title, region_code, addr1 of active destinations."""
    rng = random.Random(11)
    rows = []
    for n in range(PLANS):
        province = PROVINCES[n % len(PROVINCES)]
        status = rng.choices(["CONFIRMED", "IN_PROGRESS", "PLANNING", "CANCELLED", "COMPLETED"],
                             weights=[70, 8, 8, 8, 6])[0]
        length = rng.randint(1, 4)
        if status == "IN_PROGRESS":
            start = today - timedelta(days=rng.randint(0, length - 1))
        elif status == "COMPLETED":
            start = today - timedelta(days=length + rng.randint(1, 10))
        else:
            start = today + timedelta(days=rng.randint(0, 8))
        end = start + timedelta(days=length - 1)
        shape = n % 2
        day_places = [[_place(rng, province.area_code, catalogue, shape) for _ in range(rng.randint(1, 4))]
                      for _ in range(length)]
        if shape == 0:
            itinerary: dict[str, Any] = {f"day{d + 1}": places for d, places in enumerate(day_places)}
        else:
            itinerary = {"days": [{"day": d + 1, "date": (start + timedelta(days=d)).isoformat(), "places": places,
                                   "weather": None} for d, places in enumerate(day_places)],
                         "summary": {"total_days": length}}
        rows.append({
            "plan_id": _id("plan", n), "user_id": _id("user", n % USERS),
            "title": f"{province.name_ko} {length}일 여행", "description": None, "start_date": start,
            "end_date": end, "budget": None, "status": status, "itinerary": itinerary, "participants": 1 + n % 4,
            "transportation": "car" if n % 3 else "public", "start_location": "서울",
            "weather_info": None, "plan_type": "manual" if shape == 0 else "custom",
            "created_at": now - timedelta(days=20), "updated_at": now - timedelta(days=rng.randint(0, 19)),
        })
    return pd.DataFrame(rows)


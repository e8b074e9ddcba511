"""Who is told what, on which channel and when: the back end's ``notifications`` rows for trip notices.

Per plan with changes (``forecast.detect_changes``), one notice (``changes.notice``), written as one
``notifications`` row per channel the traveller allows:

- ``weather_alerts`` off in ``user_notification_settings``: nothing at all (no row; an absent
  settings row means the back end's defaults: alerts on, push/e-mail/in-app on, SMS off);
- EMAIL when ``email_enabled`` and the address is verified; PUSH when ``push_enabled`` and the
  user has an active device token; IN_APP when ``in_app_enabled``; SMS is never sent (the back end
  has no SMS sender yet, and SMS is outside this issue);
- quiet hours (``quiet_hours_enabled``, start/end local times, a window may span midnight):
  the rows are written now with ``scheduled_at`` at the end of the window; delivery waits for it.

IN_APP rows are delivered by being in the table (the app reads GET /notifications): SENT at once
(or PENDING until ``scheduled_at``). EMAIL and PUSH rows are PENDING for the delivery step.
No Dagster here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import pandas as pd

from weather_flick_batch.core.timeutil import KST
from weather_flick_batch.trips import changes

NOTIFICATION_TYPE = "WEATHER_ALERT"
MAX_RETRY_COUNT = 3
#: How long a trip notice stays relevant: after that the forecast has moved on.
EXPIRES_AFTER = timedelta(days=2)
DEFAULTS = {"push_enabled": True, "email_enabled": True, "sms_enabled": False, "in_app_enabled": True,
            "weather_alerts": True, "quiet_hours_enabled": False, "quiet_hours_start": None, "quiet_hours_end": None}


@dataclass
class PlannedNotice:
    plan_id: str
    user_id: str
    notice: changes.Notice
    rows: list[dict[str, Any]]  # notifications rows, one per channel (may be empty: nothing allowed)


def quiet_until(now: datetime, enabled: Any, start: time | None, end: time | None) -> datetime | None:
    """End of the quiet window ``now`` falls in (KST), or None when delivery may happen now."""
    if not enabled or start is None or end is None or start == end:
        return None
    local = now.astimezone(KST)
    t = local.time().replace(tzinfo=None)
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return until if until > local else until + timedelta(days=1)


def _flag(settings: dict[str, Any], name: str) -> bool:
    value = settings.get(name)
    return DEFAULTS[name] if value is None or (isinstance(value, float) and pd.isna(value)) else bool(value)


def plan_notices(found: dict[str, list[changes.Change]], plans: pd.DataFrame, users: pd.DataFrame,
                 settings: pd.DataFrame, active_tokens: pd.DataFrame, now: datetime,
                 simulated: bool = False) -> list[PlannedNotice]:
    """The notices to write. ``plans``: plan_id, user_id, title; ``users``: user_id, is_email_verified,
    is_active; ``settings``: user_notification_settings rows; ``active_tokens``: user_id of active
    device tokens."""
    # Plain dicts: a .loc per plan costs more than the whole notice (thousands of plans change at once).
    plan_by_id = plans.drop_duplicates("plan_id").set_index("plan_id")[["user_id", "title"]].to_dict("index")
    user_by_id = users.drop_duplicates("user_id").set_index("user_id").to_dict("index")
    settings_by_user = settings.set_index("user_id").to_dict("index") if not settings.empty else {}
    has_token = set(active_tokens["user_id"].astype(str)) if not active_tokens.empty else set()
    out: list[PlannedNotice] = []
    for plan_id, plan_changes in sorted(found.items()):
        plan = plan_by_id.get(plan_id)
        if plan is None:
            continue
        user_id = str(plan["user_id"])
        user = user_by_id.get(user_id)
        if user is None or user.get("is_active") is False:
            continue
        prefs = settings_by_user.get(user_id, {})
        if not _flag(prefs, "weather_alerts"):
            continue
        note = changes.notice(str(plan["title"]), plan_changes)
        channels = []
        if _flag(prefs, "email_enabled") and bool(user.get("is_email_verified")):
            channels.append("EMAIL")
        if _flag(prefs, "push_enabled") and user_id in has_token:
            channels.append("PUSH")
        if _flag(prefs, "in_app_enabled"):
            channels.append("IN_APP")
        until = quiet_until(now, prefs.get("quiet_hours_enabled"), prefs.get("quiet_hours_start"),
                            prefs.get("quiet_hours_end"))
        data = {"plan_id": plan_id, "severity": note.severity, "source": "weather-flick-batch",
                "simulated": simulated, "changes": [c.as_json() for c in note.changes]}
        rows = []
        for channel in channels:
            delivered_now = channel == "IN_APP" and until is None
            rows.append({
                "id": str(uuid.uuid4()), "user_id": user_id, "type": NOTIFICATION_TYPE, "channel": channel,
                "status": "SENT" if delivered_now else "PENDING", "title": note.title, "message": note.message,
                "data": data, "priority": note.priority, "expires_at": now + EXPIRES_AFTER,
                "scheduled_at": until or now, "sent_at": now if delivered_now else None, "retry_count": 0,
                "max_retry_count": MAX_RETRY_COUNT, "created_at": now, "updated_at": now,
            })
        out.append(PlannedNotice(plan_id, user_id, note, rows))
    return out

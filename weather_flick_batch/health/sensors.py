"""Alert sensors: run failures (and recoveries), failed asset checks (and recoveries), freshness.

Open-source Dagster has no alerting of its own, so three sensors turn instance events into
:class:`~weather_flick_batch.health.alerts.Alert` s and hand them to the ``alerts`` resource
(routing by severity, cooldowns and the hourly cap shared in Redis, secrets scrubbed):

* ``alert_on_run_failure`` -- every failed run; key ``run:<job>``, so repeated failures of one job
  make one alert per channel per cooldown window. ``alert_on_run_recovery`` sends the "ok again"
  when a later run of that job succeeds (a no-op for jobs nobody was alerted about).
* ``alert_on_check_failures`` -- reads new asset check evaluations from the instance with a cursor.
  Non-blocking checks never fail a run, so a run-failure sensor would never hear about them;
  this sensor does, for every check of the code location: data-quality checks, the health checks
  and the freshness checks. A failed ERROR check alerts at ``error`` (health checks at
  ``critical``: the platform itself is degraded), a failed WARN check at ``warning``, a failed
  freshness check at ``error`` whatever its check severity (a stale asset is an incident); a
  passing evaluation sends the "ok again" for its key.
* ``freshness_checks_sensor`` -- Dagster's sensor that evaluates the freshness checks between runs
  of their assets, so "nothing arrived" becomes a failed check even when no run happens at all.

Why the check sensor reads the asset-check execution table, not the event log: cross-run event
queries by storage id are not supported on the default run-sharded SQLite instance (embedded
mode), while ``get_asset_check_summary_records`` / ``get_asset_check_execution_history`` work
on SQLite and PostgreSQL alike. The cursor keeps, per check, the timestamp of the newest
evaluation already handled; a tick reads one summary row per check and the history of only the
checks that have something new.
"""

import json
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from weather_flick_batch.health.alerts import Alert, DispatchReport, Severity, ui_check_link, ui_run_link
from weather_flick_batch.health.assets import HEALTH_KEY
from weather_flick_batch.health.checks import FRESHNESS_CHECKS, FRESHNESS_PARAMS_METADATA_KEY
from weather_flick_batch.health.resources import AlertsResource
from weather_flick_batch.policies import LANE_TAGS
from weather_flick_batch.schedules_policy import default_sensor_status

CHECK_SENSOR_INTERVAL_S = 30
# Evaluations read per check per tick when several arrived since the last one (older are moot:
# only the sequence of outcomes matters, and it is collapsed below).
HISTORY_LIMIT = 20
# A check first seen by the sensor (new check, new cursor) is alerted on only if its newest
# evaluation is this recent: turning the sensor on must not page for last month's failures.
FIRST_SIGHT_LOOKBACK_S = 24 * 3600
_MAX_STEPS_LISTED = 3


# --------------------------------------------------------------------------------------------
# Alerts from runs
# --------------------------------------------------------------------------------------------


def _innermost_message(error: Any) -> str:
    """The first line of the root cause ("Exceeded max_retries" and retries wrap the real error)."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    message = str(getattr(error, "message", "") or "").strip()
    return message.splitlines()[0].strip() if message else type(error).__name__


def run_failure_alert(run: dg.DagsterRun, failure_event: dg.DagsterEvent | None,
                      step_failures: Sequence[dg.DagsterEvent], ui_base_url: str) -> Alert:
    """The alert for a failed run: which job (and partition), which steps failed and why, a link."""
    parts: list[str] = []
    for event in step_failures[:_MAX_STEPS_LISTED]:
        data = event.event_specific_data
        error = getattr(data, "error", None)
        parts.append(f"step {event.step_key}: {_innermost_message(error) if error else 'failed'}")
    if len(step_failures) > _MAX_STEPS_LISTED:
        parts.append(f"and {len(step_failures) - _MAX_STEPS_LISTED} more steps")
    if not parts and failure_event is not None:
        error = getattr(failure_event.event_specific_data, "error", None)
        parts.append(_innermost_message(error) if error else (failure_event.message or "run failed"))
    partition = run.tags.get("dagster/partition")
    where = f"run {run.run_id[:8]}" + (f", partition {partition}" if partition else "")
    return Alert(
        key=f"run:{run.job_name}",
        severity="error",
        title="run failed",
        what_failed=f"{'; '.join(parts) or 'run failed'} ({where})",
        subject_kind="run",
        subject_name=run.job_name,
        link=ui_run_link(ui_base_url, run.run_id),
    )


def run_recovery_alert(run: dg.DagsterRun, ui_base_url: str) -> Alert:
    """The "ok again" for a job: dispatching it is a no-op unless the job was alerted about."""
    partition = run.tags.get("dagster/partition")
    return Alert(
        key=f"run:{run.job_name}",
        severity="error",
        title="succeeded again",
        what_failed=f"run {run.run_id[:8]} succeeded" + (f" (partition {partition})" if partition else ""),
        subject_kind="run",
        subject_name=run.job_name,
        link=ui_run_link(ui_base_url, run.run_id),
        recovered=True,
    )


def _log_reports(log: Any, reports: Iterable[DispatchReport]) -> str:
    lines = []
    for report in reports:
        if report.sent or report.suppressed or report.failed:
            lines.append(f"sent={report.sent} suppressed={report.suppressed} failed={[n for n, _ in report.failed]}")
    summary = "; ".join(lines) or "nothing to send"
    log.info("alerts: %s", summary)
    return summary


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    default_status=default_sensor_status(),
    description="Alerts (Slack, e-mail, SMS, log: per WEATHER_FLICK_ALERT_ROUTES) when a run of this code location "
                "fails: job, partition, failed steps with their root cause, and a link to the run.",
)
def alert_on_run_failure(context: dg.RunFailureSensorContext, alerts: AlertsResource) -> None:
    alert = run_failure_alert(context.dagster_run, context.failure_event, context.get_step_failure_events(),
                              alerts.ui_base_url)
    _log_reports(context.log, alerts.dispatch_all([alert], logger=context.log))


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="alert_on_run_recovery",
    default_status=default_sensor_status(),
    description="Sends one 'ok again' to the channels that were alerted about a job when a later run of it "
                "succeeds (nothing for jobs nobody was alerted about).",
)
def alert_on_run_recovery(context: dg.RunStatusSensorContext, alerts: AlertsResource) -> None:
    _log_reports(context.log, alerts.dispatch_all([run_recovery_alert(context.dagster_run, alerts.ui_base_url)],
                                                  logger=context.log))


# --------------------------------------------------------------------------------------------
# Alerts from asset check evaluations
# --------------------------------------------------------------------------------------------


def _check_id(key: dg.AssetCheckKey) -> str:
    return key.to_user_string()


@dataclass
class CheckCursor:
    """Per check, the timestamp of the newest evaluation already handled. Serialized as JSON."""

    seen: dict[str, float] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> "CheckCursor":
        """A cursor from its JSON; an unreadable one starts over (first-sight rules apply)."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            return cls({str(k): float(v) for k, v in data.get("seen", {}).items()})
        except (ValueError, TypeError, AttributeError):
            return cls()

    def serialize(self) -> str:
        return json.dumps({"v": 1, "seen": dict(sorted(self.seen.items()))}, separators=(",", ":"))


def is_freshness_evaluation(evaluation: Any) -> bool:
    return FRESHNESS_PARAMS_METADATA_KEY in (evaluation.metadata or {}) or evaluation.check_name == "freshness_check"


def check_alert(evaluation: Any, run_id: str, ui_base_url: str) -> Alert:
    """The alert (failed) or "ok again" (passed) for one asset check evaluation."""
    asset_key: dg.AssetKey = evaluation.asset_key
    asset = asset_key.to_user_string()
    check = evaluation.check_name
    error = evaluation.severity == dg.AssetCheckSeverity.ERROR
    severity: Severity
    if is_freshness_evaluation(evaluation):
        key, kind, name, severity = f"freshness:{asset}", "freshness", asset, "error"
        title = "fresh again" if evaluation.passed else "asset is overdue"
    elif asset_key == HEALTH_KEY:
        key, kind, name = f"health:{check}", "health", check
        severity = "critical" if error else "warning"
        title = "healthy again" if evaluation.passed else ("error threshold crossed" if error
                                                           else "warning threshold crossed")
    else:
        key, kind, name = f"check:{asset}:{check}", "check", f"{check} on {asset}"
        severity = "error" if error else "warning"
        title = "passes again" if evaluation.passed else "check failed"
    description = " ".join(str(evaluation.description or "").split()) or ("passed" if evaluation.passed
                                                                          else "did not pass")
    partition = getattr(evaluation, "partition", None)
    where = f"run {run_id[:8]}" + (f", partition {partition}" if partition else "")
    return Alert(
        key=key,
        severity=severity,
        title=title,
        what_failed=f"{description} ({where})",
        subject_kind=kind,  # type: ignore[arg-type]
        subject_name=name,
        link=ui_check_link(ui_base_url, asset_key.path, check),
        recovered=bool(evaluation.passed),
    )


def _collapse(records: Sequence[Any]) -> list[Any]:
    """Keep the last of each run of equal outcomes: F F P F -> F P F (one dispatch per transition)."""
    out: list[Any] = []
    for record in records:
        if out and out[-1].evaluation.passed == record.evaluation.passed:
            out[-1] = record
        else:
            out.append(record)
    return out


def new_check_evaluations(instance: dg.DagsterInstance, keys: Sequence[dg.AssetCheckKey], cursor: CheckCursor,
                          now: float | None = None) -> tuple[list[Any], CheckCursor]:
    """Completed evaluations newer than ``cursor``, oldest first and collapsed per check; the next cursor."""
    # Not re-exported at the top level in 1.13; the storage methods below take it as their status filter.
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus as Status

    completed = {Status.SUCCEEDED, Status.FAILED}
    now = time.time() if now is None else now
    storage = instance.event_log_storage
    summaries = storage.get_asset_check_summary_records(list(keys)) if keys else {}
    known = {_check_id(k) for k in keys}
    next_cursor = CheckCursor({k: v for k, v in cursor.seen.items() if k in known})  # forget removed checks
    found: list[Any] = []
    for key in keys:
        summary = summaries.get(key)
        last = summary.last_completed_check_execution_record if summary else None
        if last is None or last.event is None or last.evaluation is None:
            continue
        check_id = _check_id(key)
        newest = last.event.timestamp
        seen = cursor.seen.get(check_id)
        if seen is not None and newest <= seen:
            continue
        if seen is None:
            records = [last] if now - newest <= FIRST_SIGHT_LOOKBACK_S else []
        else:
            history = storage.get_asset_check_execution_history(key, limit=HISTORY_LIMIT, status=completed)
            records = sorted((r for r in history if r.event is not None and r.evaluation is not None
                              and r.event.timestamp > seen), key=lambda r: r.event.timestamp) or [last]
        found.extend(_collapse(records))
        next_cursor.seen[check_id] = newest
    found.sort(key=lambda r: r.event.timestamp)
    return found, next_cursor


@dg.sensor(
    name="alert_on_check_failures",
    minimum_interval_seconds=CHECK_SENSOR_INTERVAL_S,
    default_status=default_sensor_status(),
    description="Reads new asset check evaluations (non-blocking checks, health checks and freshness checks "
                "included) and alerts on failures: ERROR checks at error (health: critical), WARN checks at "
                "warning, freshness at error; a passing evaluation sends the 'ok again'.",
)
def alert_on_check_failures(context: dg.SensorEvaluationContext, alerts: AlertsResource) -> dg.SkipReason:
    repository = context.repository_def
    if repository is None:
        raise dg.DagsterInvariantViolationError("alert_on_check_failures needs the repository (its checks)")
    keys = sorted(repository.asset_graph.asset_check_keys, key=_check_id)
    records, next_cursor = new_check_evaluations(context.instance, keys, CheckCursor.parse(context.cursor))
    reports = alerts.dispatch_all([check_alert(r.evaluation, r.run_id, alerts.ui_base_url) for r in records],
                                  logger=context.log)
    context.update_cursor(next_cursor.serialize())
    failing = sum(not r.evaluation.passed for r in records)
    if not records:
        return dg.SkipReason("no new check evaluations")
    summary = _log_reports(context.log, reports)
    return dg.SkipReason(f"{len(records)} new evaluation(s), {failing} failing: {summary}")


# --------------------------------------------------------------------------------------------
# Freshness
# --------------------------------------------------------------------------------------------

with warnings.catch_warnings():
    warnings.simplefilter("ignore", category=dg.SupersessionWarning)  # see FRESHNESS_CHECKS for why
    freshness_checks_sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=FRESHNESS_CHECKS,
        name="freshness_checks_sensor",
        minimum_interval_seconds=60,
        default_status=default_sensor_status(),
        tags=LANE_TAGS["health"],
    )

sensors: list[dg.SensorDefinition] = [
    alert_on_run_failure, alert_on_run_recovery, alert_on_check_failures, freshness_checks_sensor,
]

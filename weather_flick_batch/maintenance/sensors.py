"""The failed-partition retry sensor: re-requests the partitions whose runs failed, a bounded number of times.

Never one that has since succeeded, is already being re-run, or that Dagster's run retries will re-execute.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import dagster as dg

from weather_flick_batch.destinations.jobs import destinations_sync_job
from weather_flick_batch.maintenance.config import _setting
from weather_flick_batch.schedules_policy import default_sensor_status
from weather_flick_batch.weather.jobs import mid_range_job, nowcast_job, short_range_job, ultra_short_job

PARTITION_RETRY_TAG = "weather_flick/partition_retry"  # attempts made so far for this partition ("1", "2", ...)
RETRY_OF_TAG = "weather_flick/retry_of"  # the failed run this one re-requests
PARTITION_TAG = "dagster/partition"
WILL_RETRY_TAG = "dagster/will_retry"  # set by Dagster on failed runs that run retries will re-execute

RETRYABLE_JOBS = (nowcast_job, ultra_short_job, short_range_job, mid_range_job, destinations_sync_job)
RETRYABLE_JOB_NAMES = frozenset(job.name for job in RETRYABLE_JOBS)

# A failure is looked at only once it is this old: Dagster tags a failed run with dagster/will_retry
# just after storing the failure, and the run-retry daemon needs a moment to launch its retry.
FAILURE_SETTLE_SECONDS = 30.0
_PAGE = 100
_MAX_PER_TICK = 500


def _sensor_clock() -> float:
    """The sensor's notion of now (a seam for tests; event timestamps are epoch seconds)."""
    return time.time()


@dataclass(frozen=True)
class RetryDecision:
    """What the sensor decided for one failed run (also what it logs)."""

    run_id: str
    job_name: str
    partition: str | None
    request: dg.RunRequest | None
    reason: str


def _carried_tags(tags: dict[str, str]) -> dict[str, str]:
    """The failed run's own tags worth keeping (e.g. the sync mode); Dagster's and ours are reset."""
    return {k: v for k, v in tags.items()
            if not k.startswith(("dagster/", ".dagster/")) and k not in (PARTITION_RETRY_TAG, RETRY_OF_TAG)}


def _succeeded_since(instance: dg.DagsterInstance, repository_def: Any, job_name: str, partition: str,
                     since: datetime) -> bool:
    """True when every asset of the job has a materialization of the partition after ``since``.

    Catches a partition that succeeded through another job (a backfill, a manual materialization),
    which the run-history check cannot see.
    """
    if repository_def is None or not repository_def.has_job(job_name):
        return False
    asset_keys = repository_def.get_job(job_name).asset_layer.selected_asset_keys
    if not asset_keys:
        return False
    for key in asset_keys:
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition], after_timestamp=since.timestamp()),
            limit=1,
        ).records
        if not records:
            return False
    return True


def decide_retry(instance: dg.DagsterInstance, run_id: str, limit: int, repository_def: Any = None) -> RetryDecision:
    """Whether the failed run ``run_id`` gets a new run for its partition, and why (or why not)."""
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        return RetryDecision(run_id, "?", None, None, "run no longer exists")
    run = record.dagster_run
    partition = run.tags.get(PARTITION_TAG)

    def no(reason: str) -> RetryDecision:
        return RetryDecision(run_id, run.job_name, partition, None, reason)

    if run.job_name not in RETRYABLE_JOB_NAMES:
        return no("job is not one of the partitioned jobs this sensor retries")
    if not partition:
        return no("run has no single partition (a range backfill or an unpartitioned run)")
    if run.status != dg.DagsterRunStatus.FAILURE:
        return no(f"run is {run.status.value}, not FAILURE")
    if run.tags.get(WILL_RETRY_TAG) == "true":
        # Run retries (dagster.yaml) re-execute crashed runs; a second retry from here would double it.
        return no("run retries will re-execute this run")
    newer = [r for r in instance.get_run_records(
        filters=dg.RunsFilter(job_name=run.job_name, tags={PARTITION_TAG: partition},
                              created_after=record.create_timestamp),
        limit=5,
    ) if r.dagster_run.run_id != run_id]
    if newer:
        latest = newer[0].dagster_run
        return no(f"partition already has a newer run {latest.run_id} ({latest.status.value})")
    # Since the failure ended (not since the run began): a run that materialized its assets and
    # then failed a blocking check did not succeed.
    failed_at = datetime.fromtimestamp(record.end_time, timezone.utc) if record.end_time else record.update_timestamp
    if _succeeded_since(instance, repository_def, run.job_name, partition, failed_at):
        return no("partition has been materialized since")
    try:
        attempts = int(run.tags.get(PARTITION_RETRY_TAG, "0"))
    except ValueError:
        attempts = limit  # a tag we did not write: do not guess, do not loop
    if attempts >= limit:
        return no(f"gave up: {attempts} re-request(s) already made (limit {limit})")
    if repository_def is not None and repository_def.has_job(run.job_name):
        partitions_def = repository_def.get_job(run.job_name).partitions_def
        if partitions_def is not None and not partitions_def.has_partition_key(partition):
            return no(f"partition {partition} no longer exists in the job's partitions")
    tags = {**_carried_tags(dict(run.tags)), PARTITION_RETRY_TAG: str(attempts + 1), RETRY_OF_TAG: run_id}
    request = dg.RunRequest(
        # One request per failed run: even if the cursor were lost, the run_key dedupes it.
        run_key=f"partition-retry-{run_id}",
        job_name=run.job_name,
        partition_key=partition,
        run_config=run.run_config,  # e.g. the sync mode (full/incremental) the failed run had
        tags=tags,
    )
    return RetryDecision(run_id, run.job_name, partition, request, f"re-requested (attempt {attempts + 1} of {limit})")


def _failures_after(instance: dg.DagsterInstance, cursor: int | None, since_ts: float) -> Iterable[Any]:
    """RUN_FAILURE event records after the cursor (or since ``since_ts`` on a first tick), oldest first."""
    job_names = sorted(RETRYABLE_JOB_NAMES) if instance.event_log_storage.supports_run_status_change_job_name_filter \
        else None
    fetched = 0
    after = cursor
    while fetched < _MAX_PER_TICK:
        records_filter = dg.RunStatusChangeRecordsFilter(
            event_type=dg.DagsterEventType.RUN_FAILURE,
            after_storage_id=after,
            after_timestamp=since_ts if after is None else None,
            job_names=job_names,
        )
        records = instance.fetch_run_status_changes(records_filter, limit=_PAGE, ascending=True).records
        yield from records
        fetched += len(records)
        if len(records) < _PAGE:
            return
        after = records[-1].storage_id


@dg.sensor(
    name="failed_partition_retry_sensor",
    jobs=list(RETRYABLE_JOBS),
    minimum_interval_seconds=300,
    default_status=default_sensor_status(),
    description="Re-requests partitions of the weather and destination-sync jobs whose runs failed, at most "
                "WEATHER_FLICK_PARTITION_RETRY_LIMIT times each (counted by the run tag "
                "weather_flick/partition_retry); skips partitions that succeeded or are being re-run since.",
)
def failed_partition_retry_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Cursor: the event-log storage id of the last RUN_FAILURE handled, so each failure is seen once."""
    limit = _setting("WEATHER_FLICK_PARTITION_RETRY_LIMIT")
    lookback_s = _setting("WEATHER_FLICK_PARTITION_RETRY_LOOKBACK_HOURS") * 3600
    now = _sensor_clock()
    try:
        cursor = int(context.cursor) if context.cursor else None
    except ValueError:
        cursor = None  # an unreadable cursor: start again from the lookback window (run_keys dedupe)
    requests: list[dg.RunRequest] = []
    last = cursor
    for record in _failures_after(context.instance, cursor, now - lookback_s):
        if record.timestamp > now - FAILURE_SETTLE_SECONDS:
            break  # too fresh: look again next tick (the cursor stays before it)
        last = record.storage_id
        if record.timestamp < now - lookback_s:
            context.log.info(f"run {record.run_id}: failed more than the lookback window ago, not retried")
            continue
        if record.event_log_entry.dagster_event and record.event_log_entry.dagster_event.job_name not in \
                RETRYABLE_JOB_NAMES:
            continue
        decision = decide_retry(context.instance, record.run_id, limit, context.repository_def)
        context.log.info(f"run {decision.run_id} ({decision.job_name}, partition {decision.partition}): "
                         f"{decision.reason}")
        if decision.request is not None:
            requests.append(decision.request)
    new_cursor = str(last) if last is not None else context.cursor
    if not requests:
        return dg.SensorResult(skip_reason="no failed partition to re-request", cursor=new_cursor)
    return dg.SensorResult(run_requests=requests, cursor=new_cursor)


sensors = [failed_partition_retry_sensor]

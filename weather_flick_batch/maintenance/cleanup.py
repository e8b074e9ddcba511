"""Cleanup: log compression and expiry, Dagster compute-log expiry, run purge, raw archive expiry.

Every cleanup is two steps: a *plan* that only looks (the dry run: it lists each file or run it
would touch, with its size) and an *apply* step that takes the plan and does exactly its entries,
nothing else. Between the two a file may change or vanish; apply then skips it and reports why,
so "a real run removes exactly what the dry run listed" holds even with writers around.

Rules (ages from the file's modification time, "older than N days" meaning strictly more):

- platform logs (``*.log`` under the log directory): compress to ``.log.gz`` after
  ``compress_after_days`` (the ``.gz`` keeps the log's mtime, so its age is the log's age);
  delete ``.log.gz`` after ``delete_after_days``; a ``.log`` already past that age is deleted
  rather than compressed first.
- Dagster's local compute logs (``<DAGSTER_HOME>/storage/<run_id>/compute_logs/*``): delete after
  ``delete_after_days``; ``compute_logs`` and ``<run_id>`` directories left empty are removed
  (nothing else in ``storage/``, such as IO manager outputs, is ever touched).
- run history: finished runs (SUCCESS, FAILURE, CANCELED) created before the cutoff are deleted
  with their event logs through the public ``DagsterInstance`` API.
- raw API payload archives: the archive's own ``expire``, cut off by day.

Nothing here imports Dagster at module level; the run purge imports it inside its functions.
"""

from __future__ import annotations

import fnmatch
import gzip
import os
import shutil
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

_CHUNK = 1 << 20

ActionKind = Literal["compress", "delete"]


# --------------------------------------------------------------------------------------------
# Files: plan and apply
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanupAction:
    """One planned change to one file, with the state it was planned against."""

    kind: ActionKind
    path: Path
    size: int
    mtime_ns: int
    reason: str


@dataclass(frozen=True)
class CleanupPlan:
    """What a cleanup would do; applying it does exactly these actions (see :func:`apply`)."""

    root: Path
    now: datetime
    actions: tuple[CleanupAction, ...]
    skipped: tuple[tuple[Path, str], ...] = ()  # files left alone on purpose, with why
    prune_empty_dirs: bool = False  # remove directories under root that the deletions emptied

    def count(self, kind: ActionKind) -> int:
        return sum(1 for a in self.actions if a.kind == kind)

    def bytes(self, kind: ActionKind) -> int:
        return sum(a.size for a in self.actions if a.kind == kind)

    def as_metadata(self) -> dict[str, Any]:
        """The dry run's report: what would go, and the bytes involved."""
        return {
            "dry_run": True,
            "files_to_compress": self.count("compress"),
            "bytes_to_compress": self.bytes("compress"),
            "files_to_delete": self.count("delete"),
            "bytes_to_delete": self.bytes("delete"),
            "files_left_alone": len(self.skipped),
        }


@dataclass
class CleanupResult:
    """What applying a plan did."""

    compressed: list[Path] = field(default_factory=list)
    deleted: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # planned, not done: why
    removed_dirs: list[Path] = field(default_factory=list)
    bytes_freed: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {"compressed": len(self.compressed), "deleted": len(self.deleted), "skipped": len(self.skipped)}

    def as_metadata(self) -> dict[str, Any]:
        return {
            "dry_run": False,
            "files_compressed": len(self.compressed),
            "files_deleted": len(self.deleted),
            "files_skipped": len(self.skipped),
            "bytes_freed": self.bytes_freed,
        }


def _age(st: os.stat_result, now: datetime) -> timedelta:
    return now - datetime.fromtimestamp(st.st_mtime_ns / 1e9, tz=timezone.utc)


def _regular_files(root: Path) -> list[tuple[Path, os.stat_result]]:
    """Regular files under ``root``, sorted; symlinks are neither followed nor touched."""
    found: list[tuple[Path, os.stat_result]] = []
    for dirpath, _dirnames, filenames in os.walk(root, followlinks=False):
        for name in filenames:
            path = Path(dirpath) / name
            try:
                st = path.lstat()
            except FileNotFoundError:
                continue  # vanished while walking
            if stat.S_ISREG(st.st_mode):
                found.append((path, st))
    return sorted(found)


def _check_now(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")


def plan_log_cleanup(
    log_dir: Path, now: datetime, compress_after_days: int = 30, delete_after_days: int = 90, *,
    patterns: Sequence[str] = ("*.log",),
) -> CleanupPlan:
    """Plan compression and expiry of the platform's log files (rules in the module doc)."""
    _check_now(now)
    if not 0 <= compress_after_days <= delete_after_days:
        raise ValueError("need 0 <= compress_after_days <= delete_after_days")
    compress_after, delete_after = timedelta(days=compress_after_days), timedelta(days=delete_after_days)
    log_dir = Path(log_dir)
    actions: list[CleanupAction] = []
    skipped: list[tuple[Path, str]] = []
    files = _regular_files(log_dir) if log_dir.is_dir() else []
    for path, st in files:
        is_log = any(fnmatch.fnmatchcase(path.name, p) for p in patterns)
        is_gz = path.name.endswith(".gz") and any(fnmatch.fnmatchcase(path.name[:-3], p) for p in patterns)
        if not (is_log or is_gz):
            continue
        age = _age(st, now)
        if age > delete_after:
            actions.append(CleanupAction("delete", path, st.st_size, st.st_mtime_ns,
                                         f"{'compressed log' if is_gz else 'log'} older than {delete_after_days} days"))
        elif is_log and age > compress_after:
            target = path.with_name(path.name + ".gz")
            if target.exists() or target.is_symlink():
                # Never overwrite: two generations of the same log must not silently become one.
                skipped.append((path, f"{target.name} already exists"))
                continue
            actions.append(CleanupAction("compress", path, st.st_size, st.st_mtime_ns,
                                         f"log older than {compress_after_days} days"))
    return CleanupPlan(log_dir, now, tuple(actions), tuple(skipped))


def default_compute_log_dir(dagster_home: Path) -> Path:
    """Where Dagster's LocalComputeLogManager writes by default: ``<DAGSTER_HOME>/storage``."""
    return Path(dagster_home) / "storage"


def plan_compute_log_cleanup(storage_dir: Path, now: datetime, delete_after_days: int = 30) -> CleanupPlan:
    """Plan deletion of Dagster compute-log files (``<storage>/<run_id>/compute_logs/*``)."""
    _check_now(now)
    if delete_after_days < 0:
        raise ValueError("delete_after_days must be >= 0")
    storage_dir = Path(storage_dir)
    delete_after = timedelta(days=delete_after_days)
    actions: list[CleanupAction] = []
    if storage_dir.is_dir():
        for run_dir in sorted(p for p in storage_dir.iterdir() if p.is_dir() and not p.is_symlink()):
            logs = run_dir / "compute_logs"
            if not logs.is_dir() or logs.is_symlink():
                continue
            for path, st in _regular_files(logs):
                if _age(st, now) > delete_after:
                    actions.append(CleanupAction("delete", path, st.st_size, st.st_mtime_ns,
                                                 f"compute log older than {delete_after_days} days"))
    return CleanupPlan(storage_dir, now, tuple(actions), prune_empty_dirs=True)


def _unchanged(action: CleanupAction) -> str | None:
    """None if the file is as planned, else why it is skipped."""
    try:
        st = action.path.lstat()
    except FileNotFoundError:
        return "vanished since the plan"
    if not stat.S_ISREG(st.st_mode):
        return "no longer a regular file"
    if st.st_size != action.size or st.st_mtime_ns != action.mtime_ns:
        return "changed since the plan"
    return None


def _compress(action: CleanupAction) -> int:
    """Gzip ``path`` to ``path.gz`` (same mtime), remove ``path``; bytes freed (may be negative)."""
    target = action.path.with_name(action.path.name + ".gz")
    if target.exists() or target.is_symlink():
        raise FileExistsError(f"{target.name} already exists")
    partial = action.path.with_name(f".{action.path.name}.gz.partial")
    try:
        with open(action.path, "rb") as src, open(partial, "wb") as raw:
            with gzip.GzipFile(filename=action.path.name, mode="wb", fileobj=raw, mtime=action.mtime_ns // 10**9) as gz:
                shutil.copyfileobj(src, gz, _CHUNK)
            raw.flush()
            os.fsync(raw.fileno())
        # The log must not have grown while we read it; else keep it and drop our copy.
        if (why := _unchanged(action)) is not None:
            raise RuntimeError(why)
        os.utime(partial, ns=(action.mtime_ns, action.mtime_ns))  # the .gz ages from the log's time
        os.replace(partial, target)
        action.path.unlink()
        return action.size - target.stat().st_size
    finally:
        partial.unlink(missing_ok=True)


def _prune(plan: CleanupPlan, deleted: list[Path]) -> list[Path]:
    """Remove directories emptied by the deletions (compute logs only), never above the root."""
    removed: list[Path] = []
    if not plan.prune_empty_dirs:
        return removed
    root = plan.root.resolve()
    candidates = sorted({p.parent for p in deleted}, key=lambda p: len(p.parts), reverse=True)
    for directory in candidates:
        current = directory
        while current.resolve() != root and root in current.resolve().parents:
            try:
                current.rmdir()  # only succeeds when empty
            except OSError:
                break
            removed.append(current)
            current = current.parent
    return removed


def apply(plan: CleanupPlan) -> CleanupResult:
    """Do exactly the plan's actions; a file that vanished or changed since is skipped and reported."""
    result = CleanupResult()
    for action in plan.actions:
        if (why := _unchanged(action)) is not None:
            result.skipped.append((action.path, why))
            continue
        try:
            if action.kind == "delete":
                action.path.unlink()
                result.deleted.append(action.path)
                result.bytes_freed += action.size
            else:
                result.bytes_freed += _compress(action)
                result.compressed.append(action.path)
        except FileNotFoundError:
            result.skipped.append((action.path, "vanished since the plan"))
        except (OSError, RuntimeError) as exc:
            result.skipped.append((action.path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
    result.removed_dirs = _prune(plan, result.deleted)
    return result


# --------------------------------------------------------------------------------------------
# Dagster run history
# --------------------------------------------------------------------------------------------


def _finished_statuses() -> list[Any]:
    import dagster as dg

    return [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def plan_run_purge(instance: Any, older_than: datetime, *, page_size: int = 500) -> list[str]:
    """Ids of FINISHED runs created before ``older_than`` (queued or running runs are never listed)."""
    import dagster as dg

    if older_than.tzinfo is None:
        raise ValueError("older_than must be timezone-aware")
    filters = dg.RunsFilter(created_before=older_than, statuses=_finished_statuses())
    run_ids: list[str] = []
    cursor: str | None = None
    while True:  # paged: a long-lived instance can hold many thousands of runs
        records = instance.get_run_records(filters=filters, limit=page_size, cursor=cursor)
        run_ids.extend(r.dagster_run.run_id for r in records)
        if len(records) < page_size:
            return run_ids
        cursor = records[-1].dagster_run.run_id


def purge_runs(instance: Any, run_ids: Sequence[str]) -> int:
    """Delete the planned runs with their event logs; the number deleted.

    Each run is re-checked first: one that vanished or is no longer finished (re-executed runs
    get new ids, but a status can still be odd) is skipped, so only what the plan listed and is
    still safe to delete goes. Note that deleting a run also removes its asset materialization
    events from the asset catalog's history, which is what a retention period means.
    """
    finished = set(_finished_statuses())
    deleted = 0
    for run_id in run_ids:
        record = instance.get_run_record_by_id(run_id)
        if record is None or record.dagster_run.status not in finished:
            continue
        instance.delete_run(run_id)  # deletes the run record and its event log
        deleted += 1
    return deleted


# --------------------------------------------------------------------------------------------
# Raw API payload archives
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveExpiryPlan:
    older_than: datetime
    entries: tuple[tuple[str, int], ...]  # (location, bytes)

    def as_metadata(self) -> dict[str, Any]:
        return {"dry_run": True, "archives_to_expire": len(self.entries),
                "bytes_to_free": sum(size for _, size in self.entries)}


@dataclass(frozen=True)
class ArchiveExpiryResult:
    expired: tuple[tuple[str, int], ...]
    bytes_freed: int
    vanished: tuple[str, ...] = ()  # planned but gone before the real run
    unplanned: tuple[str, ...] = ()  # expired but not in the plan (should stay empty; see below)

    def as_metadata(self) -> dict[str, Any]:
        return {"dry_run": False, "archives_expired": len(self.expired), "bytes_freed": self.bytes_freed,
                "archives_vanished": len(self.vanished), "archives_unplanned": len(self.unplanned)}


def plan_archive_expiry(archive: Any, older_than: datetime) -> ArchiveExpiryPlan:
    """Dry run of ``archive.expire``: what would go (LocalRawArchive or S3RawArchive)."""
    return ArchiveExpiryPlan(older_than, tuple(archive.expire(older_than, dry_run=True)))


def expire_archive(archive: Any, older_than: datetime | ArchiveExpiryPlan) -> ArchiveExpiryResult:
    """Expire archives before the cutoff; pass the plan to have the result checked against it.

    Archive files are dated by the day they were fetched, which is always today for a new file,
    so with the same cutoff the real run selects the same files as the dry run (minus any that
    vanished). Comparing with the plan makes that guarantee visible rather than assumed.
    """
    plan = older_than if isinstance(older_than, ArchiveExpiryPlan) else None
    cutoff = plan.older_than if plan else older_than
    assert isinstance(cutoff, datetime)
    expired = tuple(archive.expire(cutoff, dry_run=False))
    done = {loc for loc, _ in expired}
    vanished = tuple(loc for loc, _ in plan.entries if loc not in done) if plan else ()
    unplanned = tuple(sorted(done - {loc for loc, _ in plan.entries})) if plan else ()
    return ArchiveExpiryResult(expired, sum(size for _, size in expired), vanished, unplanned)

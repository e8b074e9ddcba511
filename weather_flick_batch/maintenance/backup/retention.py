"""Backup retention: keep the newest complete backups and the young ones, delete the rest (S3 or local).

Which backups to keep, not which warehouse rows: that is :mod:`weather_flick_batch.maintenance.retention`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from weather_flick_batch.maintenance.backup.manifest import MANIFEST_SUFFIX, BackupError, parse_backup_name
from weather_flick_batch.maintenance.backup.storage import _s3_error, _s3_key


@dataclass(frozen=True)
class StoredBackup:
    """One backup in storage: its dump and manifest keys (or paths), grouped by name."""

    name: str
    engine: str
    created_at: datetime
    keys: tuple[str, ...]
    size_bytes: int
    complete: bool  # dump and manifest both present


@dataclass(frozen=True)
class RetentionResult:
    kept: list[str]  # backup names
    deleted: list[str]  # backup names
    deleted_keys: list[str]  # every object/file removed (dumps and manifests)
    bytes_freed: int
    dry_run: bool

    def as_metadata(self) -> dict[str, Any]:
        return {
            "retention_dry_run": self.dry_run,
            "backups_kept": len(self.kept),
            "backups_deleted": len(self.deleted),
            "retention_bytes_freed": self.bytes_freed,
        }


def _group_backups(entries: Iterable[tuple[str, str, int]]) -> list[StoredBackup]:
    """Group (file name, key, size) entries into backups; names that are not ours are ignored."""
    groups: dict[str, dict[str, Any]] = {}
    for filename, key, size in entries:
        is_manifest = filename.endswith(MANIFEST_SUFFIX)
        base = filename[: -len(MANIFEST_SUFFIX)] if is_manifest else filename
        if parse_backup_name(base) is None:
            continue
        group = groups.setdefault(base, {"keys": [], "size": 0, "dump": False, "manifest": False})
        group["keys"].append(key)
        group["size"] += size
        group["manifest" if is_manifest else "dump"] = True
    backups = []
    for name, group in groups.items():
        engine, created_at = parse_backup_name(name)  # type: ignore[misc]
        backups.append(StoredBackup(name, engine, created_at, tuple(sorted(group["keys"])), group["size"],
                                    group["dump"] and group["manifest"]))
    return sorted(backups, key=lambda b: (b.engine, b.created_at), reverse=True)


def select_retention(
    backups: Sequence[StoredBackup], now: datetime, keep_days: int, keep_count: int
) -> tuple[list[StoredBackup], list[StoredBackup]]:
    """Split backups into (kept, to delete).

    Rule, per engine: a backup is kept if it is among the ``keep_count`` newest COMPLETE backups
    OR younger than ``keep_days``; everything else is deleted. So the newest N restorable backups
    survive even when they are all old (a backup job that stopped working never eats the last
    good ones), and incomplete uploads only survive while they are young.
    """
    if keep_count < 1:
        raise ValueError("keep_count must be at least 1: retention never deletes the last backup")
    if keep_days < 0:
        raise ValueError("keep_days must be >= 0")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cutoff = now - timedelta(days=keep_days)
    newest: set[str] = set()
    for engine in {b.engine for b in backups}:
        complete = sorted((b for b in backups if b.engine == engine and b.complete),
                          key=lambda b: b.created_at, reverse=True)
        newest.update(b.name for b in complete[:keep_count])
    kept = [b for b in backups if b.name in newest or b.created_at > cutoff]
    deleted = [b for b in backups if not (b.name in newest or b.created_at > cutoff)]
    return kept, deleted


def apply_retention(
    s3_client: Any, bucket: str, prefix: str, now: datetime, keep_days: int, keep_count: int, dry_run: bool
) -> RetentionResult:
    """Apply :func:`select_retention` to the backups directly under ``prefix``; dump and manifest go together."""
    from botocore.exceptions import BotoCoreError, ClientError

    list_prefix = _s3_key(prefix, "")
    entries: list[tuple[str, str, int]] = []
    try:
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=list_prefix):
            for obj in page.get("Contents", []):
                rest = obj["Key"][len(list_prefix):]
                if "/" not in rest:  # only this level: never touch keys in sub-prefixes
                    entries.append((rest, obj["Key"], int(obj["Size"])))
    except (BotoCoreError, ClientError) as exc:
        raise _s3_error("listing", bucket, list_prefix, exc) from None
    kept, deleted = select_retention(_group_backups(entries), now, keep_days, keep_count)
    keys = [k for b in deleted for k in b.keys]
    if not dry_run:
        for start in range(0, len(keys), 1000):  # delete_objects takes at most 1000 keys
            chunk = keys[start:start + 1000]
            try:
                response = s3_client.delete_objects(
                    Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
            except (BotoCoreError, ClientError) as exc:
                raise _s3_error("delete", bucket, chunk[0], exc) from None
            if errors := response.get("Errors"):
                raise BackupError(f"S3 refused to delete {len(errors)} backup object(s) in {bucket}, first "
                                  f"{errors[0].get('Key')}: {errors[0].get('Code')} {errors[0].get('Message')}")
    return RetentionResult([b.name for b in kept], [b.name for b in deleted], keys,
                           sum(b.size_bytes for b in deleted), dry_run)


def apply_local_retention(
    backup_dir: Path, now: datetime, keep_days: int, keep_count: int, dry_run: bool
) -> RetentionResult:
    """:func:`apply_retention` for a local backup directory (embedded mode without S3)."""
    backup_dir = Path(backup_dir)
    entries = [(p.name, str(p), p.stat().st_size) for p in backup_dir.iterdir() if p.is_file()] \
        if backup_dir.is_dir() else []
    kept, deleted = select_retention(_group_backups(entries), now, keep_days, keep_count)
    keys = [k for b in deleted for k in b.keys]
    if not dry_run:
        for key in keys:
            Path(key).unlink(missing_ok=True)
    return RetentionResult([b.name for b in kept], [b.name for b in deleted], keys,
                           sum(b.size_bytes for b in deleted), dry_run)

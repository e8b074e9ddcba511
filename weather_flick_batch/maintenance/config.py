"""The maintenance settings, checked against their minimums, and where backups are kept (Dagster-free).

Shared by the ops (:mod:`.ops`), the retry sensor (:mod:`.sensors`), the code location's load-time
check (:mod:`.definitions`) and the CLI's ``backup`` commands, which need no Dagster to find the backups.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from weather_flick_batch import settings

if TYPE_CHECKING:
    from weather_flick_batch.maintenance.backup import BackupArtifact

BACKUP_PREFIX = "backups"  # S3 prefix of warehouse backups (and the local directory's name)
INSTANCE_BACKUP_PREFIX = "instance-backups"  # the Dagster instance database's, beside (not under) it
RAW_PREFIX = "raw"  # same as weather_flick_batch.resources.api.RAW_PREFIX (not imported: it loads the API client)
LOG_DIR_NAME = "logs"

# Settings that must be >= a minimum; checked at load by validate_settings() and again at run time.
_MINIMUMS = {
    "WEATHER_FLICK_BACKUP_KEEP_DAYS": 0,
    "WEATHER_FLICK_BACKUP_KEEP_COUNT": 1,  # retention never deletes the last backup
    "WEATHER_FLICK_RUN_RETENTION_DAYS": 0,
    "WEATHER_FLICK_LOG_COMPRESS_AFTER_DAYS": 0,
    "WEATHER_FLICK_LOG_DELETE_AFTER_DAYS": 0,
    "WEATHER_FLICK_COMPUTE_LOG_RETENTION_DAYS": 0,
    "WEATHER_FLICK_PARTITION_RETRY_LIMIT": 0,
    "WEATHER_FLICK_PARTITION_RETRY_LOOKBACK_HOURS": 1,
    "WEATHER_FLICK_RAW_RETENTION_DAYS": 0,
}


def _setting(name: str) -> int:
    """An integer maintenance setting, refused with one line naming it when below its minimum."""
    value = settings.get(name)
    minimum = _MINIMUMS[name]
    if value < minimum:
        raise settings.SettingsError(f"{name}={value!r} is invalid: expected an integer >= {minimum}")
    return value


def validate_settings() -> None:
    """Fail at load, with one line naming the variable, for an unusable maintenance setting."""
    for name in _MINIMUMS:
        _setting(name)
    compress = _setting("WEATHER_FLICK_LOG_COMPRESS_AFTER_DAYS")
    delete = _setting("WEATHER_FLICK_LOG_DELETE_AFTER_DAYS")
    if compress > delete:
        raise settings.SettingsError(
            f"WEATHER_FLICK_LOG_COMPRESS_AFTER_DAYS={compress} is invalid: it must not exceed "
            f"WEATHER_FLICK_LOG_DELETE_AFTER_DAYS={delete}")


def backup_dir() -> Path:
    """Where backups are kept without S3 (and where dumps are staged before an upload)."""
    return settings.home_dir() / BACKUP_PREFIX


def _workdir(run_id: str) -> Path:
    # Staged next to the final directory: storing locally is then a rename on the same filesystem.
    return backup_dir() / ".work" / run_id


def _discard_workdir(artifact: "BackupArtifact | None", run_id: str) -> None:
    """Remove this run's staging directory (an unverified or already uploaded dump is no backup)."""
    if artifact is not None:
        artifact.path.unlink(missing_ok=True)
    shutil.rmtree(_workdir(run_id), ignore_errors=True)

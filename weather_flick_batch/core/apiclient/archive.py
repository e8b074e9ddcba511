"""Raw archive: every successful response, write-once on local disk or S3, for replay and audit; and its expiry."""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Mapping, Protocol, runtime_checkable

from weather_flick_batch.core.apiclient.cache import _canonical_params, _params_hash
from weather_flick_batch.core.apiclient.redaction import SECRET_PARAM_NAMES


@runtime_checkable
class RawArchive(Protocol):
    """Write-once store of raw successful responses, for replay and audit."""

    def put(
        self, service: str, operation: str, params: Mapping[str, Any], body: bytes, fetched_at: datetime
    ) -> str: ...

    def expire(self, older_than: datetime, dry_run: bool) -> list[tuple[str, int]]: ...


_UNSAFE_SEGMENT_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def _archive_relpath(service: str, operation: str, params: Mapping[str, str], fetched_at: datetime) -> str:
    """``service/operation/YYYY/MM/DD/<hash>.json.gz`` with the date taken in UTC.

    Each path segment is sanitised (operation names contain ``/``, and nothing from a caller
    may escape the archive root with ``..``). A re-fetch of the same request on the same day
    overwrites the earlier copy, which keeps re-runs idempotent.
    """
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware (naive timestamps put files on the wrong day)")
    segments = [
        _UNSAFE_SEGMENT_CHARS.sub("_", seg)
        for seg in [service, *operation.split("/")]
        if seg not in ("", ".", "..")
    ]
    day = fetched_at.astimezone(timezone.utc)
    return "/".join([*segments, f"{day:%Y}", f"{day:%m}", f"{day:%d}", f"{_params_hash(params)}.json.gz"])


def _archive_payload(
    service: str, operation: str, params: Mapping[str, str], body: bytes, fetched_at: datetime
) -> bytes:
    """Gzip'd JSON envelope: the request (without key) and the raw body as text."""
    envelope = {
        "service": service,
        "operation": operation,
        "params": dict(params),
        "fetched_at": fetched_at.isoformat(),
        "body": body.decode("utf-8", errors="replace"),
    }
    # mtime=0: identical input gives identical bytes, so re-archiving is byte-stable. Level 6 (gzip's own
    # default, not Python's 9): a KMA page compresses 5x faster for 15 % more bytes, and every fetched page
    # is archived on the hot path of each weather and catalogue step.
    return gzip.compress(json.dumps(envelope, ensure_ascii=False).encode("utf-8"), compresslevel=6, mtime=0)


def _is_expired(relpath: str, older_than: datetime) -> bool:
    """True when the whole UTC day encoded in ``.../YYYY/MM/DD/<hash>.json.gz`` ends before the cutoff."""
    parts = relpath.split("/")
    if len(parts) < 4 or not parts[-1].endswith(".json.gz"):
        return False
    try:
        day = datetime(int(parts[-4]), int(parts[-3]), int(parts[-2]), tzinfo=timezone.utc)
    except ValueError:
        return False  # not one of ours: never delete what we cannot date
    if older_than.tzinfo is None:
        raise ValueError("older_than must be timezone-aware")
    return day + timedelta(days=1) <= older_than


class LocalRawArchive:
    """:class:`RawArchive` on the local filesystem under ``root_dir``."""

    def __init__(self, root_dir: str | Path) -> None:
        self.root = Path(root_dir)

    def put(
        self, service: str, operation: str, params: Mapping[str, Any], body: bytes, fetched_at: datetime
    ) -> str:
        clean = _canonical_params(params, SECRET_PARAM_NAMES)
        path = self.root / _archive_relpath(service, operation, clean, fetched_at)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename so a crash never leaves a half-written archive file behind.
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(_archive_payload(service, operation, clean, body, fetched_at))
        tmp.replace(path)
        return str(path)

    def expire(self, older_than: datetime, dry_run: bool) -> list[tuple[str, int]]:
        """Delete (unless ``dry_run``) files whose day is entirely before ``older_than``."""
        expired: list[tuple[str, int]] = []
        if not self.root.exists():
            return expired
        for path in sorted(self.root.rglob("*.json.gz")):
            if _is_expired(path.relative_to(self.root).as_posix(), older_than):
                expired.append((str(path), path.stat().st_size))
                if not dry_run:
                    path.unlink()
        return expired


class S3RawArchive:
    """:class:`RawArchive` in S3 (or any S3-compatible store) through a boto3 client."""

    def __init__(self, s3_client: Any, bucket: str, prefix: str = "raw", *, page_size: int = 1000) -> None:
        self._s3 = s3_client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._page_size = page_size

    def _key(self, relpath: str) -> str:
        return f"{self.prefix}/{relpath}" if self.prefix else relpath

    def put(
        self, service: str, operation: str, params: Mapping[str, Any], body: bytes, fetched_at: datetime
    ) -> str:
        clean = _canonical_params(params, SECRET_PARAM_NAMES)
        key = self._key(_archive_relpath(service, operation, clean, fetched_at))
        # No ContentEncoding=gzip: the object *is* a .json.gz file and must download as such.
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=_archive_payload(service, operation, clean, body, fetched_at),
            ContentType="application/gzip",
        )
        return f"s3://{self.bucket}/{key}"

    def expire(self, older_than: datetime, dry_run: bool) -> list[tuple[str, int]]:
        """Delete (unless ``dry_run``) objects whose day is entirely before ``older_than``."""
        list_prefix = f"{self.prefix}/" if self.prefix else ""
        paginator = self._s3.get_paginator("list_objects_v2")
        expired: list[tuple[str, int]] = []
        keys: list[str] = []
        for page in paginator.paginate(
            Bucket=self.bucket, Prefix=list_prefix, PaginationConfig={"PageSize": self._page_size}
        ):
            for obj in page.get("Contents", []):
                if _is_expired(obj["Key"][len(list_prefix):], older_than):
                    expired.append((f"s3://{self.bucket}/{obj['Key']}", int(obj["Size"])))
                    keys.append(obj["Key"])
        if not dry_run:
            for start in range(0, len(keys), 1000):  # delete_objects accepts at most 1000 keys
                chunk = keys[start:start + 1000]
                response = self._s3.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
                )
                errors = response.get("Errors") or []
                if errors:
                    first = errors[0]
                    raise RuntimeError(
                        f"S3 refused to delete {len(errors)} archive object(s) in {self.bucket}, "
                        f"first {first.get('Key')}: {first.get('Code')} {first.get('Message')}"
                    )
        return expired

"""Where backups are kept: S3 (upload, manifest, SHA-256-checked download) or a local directory."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath
from typing import Any

from weather_flick_batch.maintenance.backup.manifest import (
    MANIFEST_SUFFIX,
    BackupArtifact,
    BackupCorruptError,
    BackupError,
    BackupManifest,
    sha256_file,
)
from weather_flick_batch.maintenance.backup.target import _one_line


def manifest_key(key: str) -> str:
    return key + MANIFEST_SUFFIX


def _s3_key(prefix: str, name: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/{name}" if prefix else name


def _s3_error(action: str, bucket: str, key: str, exc: Exception) -> BackupError:
    response = getattr(exc, "response", None) or {}
    err = response.get("Error", {})
    detail = f"{err.get('Code')} {err.get('Message') or ''}".strip() if err else _one_line(str(exc))
    return BackupError(f"S3 {action} of s3://{bucket}/{key} failed: {detail}")


def upload_backup(s3_client: Any, bucket: str, prefix: str, artifact: BackupArtifact) -> str:
    """Upload the dump, then its manifest (its presence marks a complete upload); the dump's key."""
    from botocore.exceptions import BotoCoreError, ClientError

    key = _s3_key(prefix, artifact.name)
    try:
        # upload_file switches to multipart for large dumps; the SHA-256 also goes in the
        # object's metadata so a `head-object` shows it without the manifest.
        s3_client.upload_file(
            str(artifact.path), bucket, key,
            ExtraArgs={"Metadata": {"sha256": artifact.sha256, "engine": artifact.engine},
                       "ContentType": "application/octet-stream"},
        )
    except (BotoCoreError, ClientError) as exc:
        raise _s3_error("upload", bucket, key, exc) from None
    try:
        s3_client.put_object(Bucket=bucket, Key=manifest_key(key), Body=artifact.manifest.to_json(),
                             ContentType="application/json")
        head = s3_client.head_object(Bucket=bucket, Key=key)
    except (BotoCoreError, ClientError) as exc:
        raise _s3_error("upload", bucket, manifest_key(key), exc) from None
    if int(head["ContentLength"]) != artifact.size:
        raise BackupError(f"S3 upload of s3://{bucket}/{key} stored {head['ContentLength']} bytes, "
                          f"{artifact.size} were sent")
    return key


def fetch_manifest(s3_client: Any, bucket: str, key: str) -> BackupManifest:
    """The manifest stored next to the dump ``key``."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        body = s3_client.get_object(Bucket=bucket, Key=manifest_key(key))["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            raise BackupError(f"s3://{bucket}/{key} has no manifest ({MANIFEST_SUFFIX}); the upload is "
                              "incomplete or the key is not a backup") from None
        raise _s3_error("download", bucket, manifest_key(key), exc) from None
    except BotoCoreError as exc:
        raise _s3_error("download", bucket, manifest_key(key), exc) from None
    return BackupManifest.from_json(body)


def download_backup(s3_client: Any, bucket: str, key: str, dest: Path) -> Path:
    """Download the dump ``key`` into the directory ``dest``; its SHA-256 must match the manifest.

    The file only appears under its final name once verified; a mismatch raises
    :class:`BackupCorruptError` and leaves nothing behind.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    manifest = fetch_manifest(s3_client, bucket, key)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / PurePosixPath(key).name
    partial = dest / f".{final.name}.partial"
    try:
        try:
            s3_client.download_file(bucket, key, str(partial))
        except (BotoCoreError, ClientError) as exc:
            raise _s3_error("download", bucket, key, exc) from None
        actual = sha256_file(partial)
        if actual != manifest.sha256:
            raise BackupCorruptError(
                f"backup s3://{bucket}/{key} is corrupt: SHA-256 {actual[:16]} does not match the "
                f"manifest's {manifest.sha256[:16]}"
            )
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)
    return final


def store_backup_locally(artifact: BackupArtifact, backup_dir: Path) -> Path:
    """Embedded mode without S3: move the dump into ``backup_dir`` with its manifest beside it."""
    backup_dir = Path(backup_dir)
    backup_dir.mkdir(parents=True, exist_ok=True)
    final = backup_dir / artifact.name
    if artifact.path.resolve() != final.resolve():
        shutil.move(str(artifact.path), final)
    tmp = backup_dir / f".{artifact.name}{MANIFEST_SUFFIX}.partial"
    tmp.write_bytes(artifact.manifest.to_json())
    tmp.replace(backup_dir / (artifact.name + MANIFEST_SUFFIX))
    return final


def read_manifest_file(dump_path: Path) -> BackupManifest:
    """The manifest beside a local dump (``<dump>.manifest.json``)."""
    path = Path(str(dump_path) + MANIFEST_SUFFIX)
    try:
        return BackupManifest.from_json(path.read_bytes())
    except FileNotFoundError:
        raise BackupError(f"{dump_path} has no manifest {path.name}") from None

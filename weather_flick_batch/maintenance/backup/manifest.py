"""What a backup is: its name, its manifest (per-table row counts and content checksums), its errors.

A backup is two files with the same base name: the dump, ``<kind>-<engine>-YYYYmmddTHHMMSSZ.<ext>``,
and its manifest, ``<dump name>.manifest.json`` (engine, time, size, the dump's SHA-256 and, per
table, the row count and content checksum of the source). See the package doc for how the checksum
is defined.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

FORMAT_VERSION = 1
MANIFEST_SUFFIX = ".manifest.json"
_EXTENSIONS = {"postgresql": "dump", "sqlite": "sqlite.gz"}
_NAME_RE = re.compile(
    r"^(?P<kind>warehouse|instance)-(?P<engine>postgresql|sqlite)-(?P<ts>\d{8}T\d{6}Z)\.(?P<ext>dump|sqlite\.gz)$"
)
_TS_FORMAT = "%Y%m%dT%H%M%SZ"
_CHUNK = 1 << 20
_ROW_FETCH = 10_000


class BackupError(RuntimeError):
    """A backup or restore problem a human can act on; the message is one line, without secrets."""


class BackupCorruptError(BackupError):
    """The file does not match its manifest's SHA-256 (or the manifest itself is unreadable)."""


class BackupVerificationError(BackupError):
    """A restored copy does not match the manifest's per-table row counts and checksums."""


class TableStat(NamedTuple):
    """Row count and content checksum of one table."""

    row_count: int
    checksum: str

@dataclass(frozen=True)
class BackupManifest:
    """What the sidecar ``.manifest.json`` records about one dump."""

    name: str
    engine: str
    created_at: datetime
    sha256: str
    size_bytes: int
    table_stats: dict[str, TableStat]
    source: str  # the source URL with the password hidden: for humans reading the bucket
    format_version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        doc = {
            "format_version": self.format_version,
            "name": self.name,
            "engine": self.engine,
            "created_at": self.created_at.astimezone(timezone.utc).isoformat(),
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "source": self.source,
            "tables": {
                t: {"row_count": s.row_count, "checksum": s.checksum} for t, s in sorted(self.table_stats.items())
            },
        }
        return json.dumps(doc, indent=2, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes | str) -> BackupManifest:
        try:
            doc = json.loads(data)
            if doc.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"unsupported format_version {doc.get('format_version')!r}")
            return cls(
                name=str(doc["name"]),
                engine=str(doc["engine"]),
                created_at=datetime.fromisoformat(doc["created_at"]),
                sha256=str(doc["sha256"]),
                size_bytes=int(doc["size_bytes"]),
                table_stats={
                    str(t): TableStat(int(s["row_count"]), str(s["checksum"])) for t, s in doc["tables"].items()
                },
                source=str(doc.get("source", "")),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupCorruptError(f"backup manifest is unreadable: {exc}") from None


@dataclass(frozen=True)
class BackupArtifact:
    """A dump on local disk and its manifest."""

    path: Path
    manifest: BackupManifest

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def sha256(self) -> str:
        return self.manifest.sha256

    @property
    def size(self) -> int:
        return self.manifest.size_bytes

    @property
    def engine(self) -> str:
        return self.manifest.engine

    @property
    def created_at(self) -> datetime:
        return self.manifest.created_at

    @property
    def table_stats(self) -> dict[str, TableStat]:
        return self.manifest.table_stats


class _ContentHash:
    """Row count + SHA-256 over length-prefixed canonical row texts, fed in key order."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self.rows = 0

    def add(self, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        self._h.update(len(data).to_bytes(8, "big"))
        self._h.update(data)
        self.rows += 1

    def stat(self) -> TableStat:
        return TableStat(self.rows, self._h.hexdigest())


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_sha(artifact_path: Path, manifest: BackupManifest) -> None:
    actual = sha256_file(artifact_path)
    if actual != manifest.sha256:
        raise BackupCorruptError(f"backup file {artifact_path.name} is corrupt: SHA-256 {actual[:16]} does not "
                                 f"match the manifest's {manifest.sha256[:16]}")


#: What a backup is of: the warehouse, or the Dagster instance database (run history, schedules, sensors).
KINDS = ("warehouse", "instance")


def backup_name(engine: str, now: datetime, kind: str = "warehouse") -> str:
    """``<kind>-<engine>-YYYYmmddTHHMMSSZ.<ext>``; the time in UTC so names sort by age."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return f"{kind}-{engine}-{now.astimezone(timezone.utc):{_TS_FORMAT}}.{_EXTENSIONS[engine]}"


def parse_backup_name(name: str) -> tuple[str, datetime] | None:
    """(engine, created_at) of a dump name, None for anything that is not one of ours."""
    match = _NAME_RE.match(name)
    if not match or _EXTENSIONS[match["engine"]] != match["ext"]:
        return None
    return match["engine"], datetime.strptime(match["ts"], _TS_FORMAT).replace(tzinfo=timezone.utc)

"""The database a backup is taken from or restored into, with its password held apart from the URL.

The password never travels in a URL, an argv or a message: :func:`_parse_url` takes it out of the
URL, and :func:`_one_line` reduces a tool's stderr or a driver error to one line without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from weather_flick_batch.maintenance.backup.manifest import _EXTENSIONS, BackupError


@dataclass(frozen=True)
class _Target:
    """A parsed warehouse URL with the password held apart from it."""

    engine: str
    url: URL  # never carries the password
    password: str | None

    @property
    def display(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @property
    def sqlite_path(self) -> Path:
        db = self.url.database
        if not db or db == ":memory:":
            raise BackupError(f"SQLite URL {self.display} names no database file; "
                              "an in-memory database cannot be backed up")
        return Path(db)

    def with_database(self, database: str) -> _Target:
        return _Target(self.engine, self.url.set(database=database), self.password)


def _parse_url(url: str, password: str | None) -> _Target:
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - the URL may hold a password: never echo it
        raise BackupError("the warehouse URL is not a valid SQLAlchemy URL") from None
    engine = parsed.get_backend_name()
    if engine not in _EXTENSIONS:
        raise BackupError(f"cannot back up a {engine!r} database; supported: sqlite, postgresql")
    secret = password or parsed.password
    return _Target(engine, parsed.set(password=None), str(secret) if secret else None)


def _redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def _one_line(text: str, secret: str | None = None) -> str:
    """The most useful single line of a tool's stderr or an exception, secret removed."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        return "no error output"
    errors = [ln for ln in lines if "error" in ln.lower() or "fatal" in ln.lower()]
    return _redact((errors or lines)[0], secret)

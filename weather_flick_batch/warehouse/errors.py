"""The warehouse's errors: one-line messages a human can act on, and driver errors turned into them."""

from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

class WarehouseError(RuntimeError):
    """A warehouse problem a human can act on; the message is one line."""


class SchemaOutdatedError(WarehouseError):
    pass


class WarehouseWriteError(WarehouseError):
    """A write was rejected by the database; the transaction rolled back, earlier rows are intact.

    ``transient`` is True for connection-level failures worth retrying, False for writes the
    database refused (constraints, bad data), which a retry would only repeat.
    """

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


@contextmanager
def _write_errors(table: str):
    """Turn driver errors (SQLAlchemy's and the raw COPY cursor's) into one clear line."""
    try:
        yield
    except WarehouseError:
        raise
    except Exception as exc:
        import psycopg2
        import psycopg2.errors

        if isinstance(exc, (sa.exc.DBAPIError, psycopg2.Error)):
            transient = isinstance(exc, (sa.exc.OperationalError, psycopg2.OperationalError)) and not isinstance(
                getattr(exc, "orig", exc), psycopg2.errors.QueryCanceled)
            raise WarehouseWriteError(
                f"writing {table} failed and was rolled back (earlier rows kept): {_first_line(exc)}", transient
            ) from exc
        raise


class PublishGateError(WarehouseWriteError):
    """A replace that would shrink a gated table too much: rolled back, the published rows kept."""


class PublishAuditError(WarehouseError):
    """A write's audit (its asset's blocking checks, run inside the transaction) refused it: rolled back.

    Not a WarehouseWriteError: the database accepted the rows, the checks did not; the asset layer
    reports the checks (checks.audited_publication), not a database failure.
    """

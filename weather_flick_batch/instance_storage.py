"""The production instance's PostgreSQL storage, with its connections kept open between writes.

dagster-postgres opens a new connection for every write (``NullPool``): for every event of every
step, PostgreSQL starts a server process and authenticates, and a nationwide refresh writes thousands
of events (in process, 20 % of its wall time was Dagster's, mostly that). Dagster pools connections
only in its webserver (``optimize_for_webserver``). This storage is ``DagsterPostgresStorage`` with one
pooled engine per process and database, shared by the run, event-log and schedule storages of every
instance the process creates: a Celery worker creates an instance for every task and never disposes of
it, so a pool per instance would pile up connections; shared, a process holds one open connection
(more only while its threads write at once, closed when returned). Engines are per process id, so a
forked process never uses its parent's connections.

Configured in the production ``dagster.yaml`` (``storage: custom:``) with the same ``postgres_db``
settings as dagster-postgres's own ``storage: postgres:``; every process that reads the instance
(webserver, daemon, run workers, step processes, Celery workers) gets it.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from dagster_postgres import DagsterPostgresStorage
from dagster_postgres.utils import create_pg_engine, get_token_provider_from_config, pg_url_from_config

if TYPE_CHECKING:
    import sqlalchemy

#: Connections beyond the pool's one that threads of one process may open at once (closed when returned).
POOL_OVERFLOW = 16
#: Reconnect connections older than this (a server restart or a load balancer's idle timeout).
POOL_RECYCLE_S = 3600

_ENGINES: dict[tuple[int, str], sqlalchemy.engine.Engine] = {}
_LOCK = threading.Lock()


def shared_engine(postgres_url: str, token_provider=None) -> sqlalchemy.engine.Engine:
    """This process's pooled engine for ``postgres_url`` (created on first use)."""
    key = (os.getpid(), postgres_url)
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = create_pg_engine(postgres_url, token_provider, isolation_level="AUTOCOMMIT", pool_size=1,
                                      max_overflow=POOL_OVERFLOW, pool_recycle=POOL_RECYCLE_S, pool_pre_ping=True)
            _ENGINES[key] = engine
        return engine


class PooledPostgresStorage(DagsterPostgresStorage):
    """dagster-postgres's unified storage, writing through this process's shared pooled engine."""

    def __init__(self, postgres_url: str, should_autocreate_tables: bool = True, inst_data=None,
                 token_provider=None):
        super().__init__(postgres_url, should_autocreate_tables, inst_data=inst_data, token_provider=token_provider)
        engine = shared_engine(postgres_url, token_provider)
        # The same swap Dagster's optimize_for_webserver makes (it sets each storage's _engine).
        for storage in (self._run_storage, self._event_log_storage, self._schedule_storage):
            storage._engine = engine

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledPostgresStorage:  # ty: ignore[invalid-method-override]
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )

"""The local services tests and benchmarks run against: PostgreSQL throwaway databases, free ports,
waiting for a process to get somewhere.

Where they are comes from the environment (``WFB_TEST_PG_HOST``, ``WFB_TEST_PG_PORT``,
``WFB_TEST_PG_USER``, ``WFB_TEST_REDIS_URL``), defaulting to loopback. Plain functions: the pytest
fixtures in ``weather_flick_batch_tests/conftest.py`` wrap them.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

PG_HOST = os.environ.get("WFB_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("WFB_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("WFB_TEST_PG_USER", "postgres")
REDIS_URL_BASE = os.environ.get("WFB_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_connect(dbname: str = "postgres"):
    """A psycopg2 connection to ``dbname`` on the local PostgreSQL."""
    import psycopg2

    return psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, connect_timeout=5)


def create_database(prefix: str = "wfb_test") -> str:
    """Create a fresh, uniquely named database; its name (drop it with :func:`drop_database`)."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn = pg_connect()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name


def drop_database(name: str) -> None:
    """Drop ``name`` (if it exists), ending its open sessions first."""
    conn = pg_connect()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()


def wait_until(what: str, predicate: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    """Poll ``predicate`` until it returns something truthy (returned); TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")

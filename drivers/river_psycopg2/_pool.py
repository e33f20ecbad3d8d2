"""Connection lending for the psycopg2 driver.

psycopg2's pools raise when every connection is in use and keep only ``minconn`` idle
connections; River's services and workers share a pool from several threads, so callers
wait for a free connection instead, and the pool opened by the driver keeps its
connections.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2.pool

from river.driver.errors import DriverError


class AutocommitPool(psycopg2.pool.ThreadedConnectionPool):  # type: ignore[misc]
    """A ``ThreadedConnectionPool`` of autocommit connections that keeps up to ``maxconn``
    of them idle (it opens ``minconn`` at once, the rest on demand)."""

    def __init__(self, minconn: int, maxconn: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(minconn, maxconn, *args, **kwargs)
        # psycopg2 closes returned connections beyond ``minconn``: raise the bar.
        self.minconn = maxconn

    def _connect(self, key: Any = None) -> Any:
        conn = super()._connect(key)
        conn.autocommit = True
        return conn


class ConnectionSource:
    """Lends autocommit connections from a psycopg2 pool, waiting up to ``timeout``
    seconds for a free one."""

    def __init__(self, pool: psycopg2.pool.AbstractConnectionPool, timeout: float) -> None:
        self.pool = pool
        self.timeout = timeout
        self._slots = threading.BoundedSemaphore(pool.maxconn)

    @contextmanager
    def connection(self) -> Iterator[Any]:
        if not self._slots.acquire(timeout=self.timeout):
            raise DriverError(
                f"no free database connection after {self.timeout:g}s "
                f"(the pool holds at most {self.pool.maxconn})"
            )
        try:
            conn = self._checkout()
            try:
                yield conn
            finally:
                self.pool.putconn(conn)
        finally:
            self._slots.release()

    def _checkout(self) -> Any:
        conn = self.pool.getconn()
        if conn.closed:  # broken while idle in the pool: replace it once
            self.pool.putconn(conn, close=True)
            conn = self.pool.getconn()
        if not conn.autocommit:  # a caller's pool: the executor needs autocommit
            conn.autocommit = True
        return conn

"""Connection lending for the psycopg2 driver.

psycopg2's pools raise when every connection is in use and keep only ``minconn`` idle
connections; River's services and workers share a pool from several threads, so callers
wait for a free connection instead, and the pool opened by the driver keeps its
connections.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2.pool

from river.driver.errors import DriverError


class AutocommitPool(psycopg2.pool.ThreadedConnectionPool):  # type: ignore[misc]
    """A ``ThreadedConnectionPool`` of autocommit connections that keeps up to ``maxconn``
    of them idle (it opens ``minconn`` at once, the rest on demand). ``getconn`` waits up
    to ``wait_timeout`` seconds for a connection when all are in use (psycopg2's pools
    raise at once), so code sharing the pool with River waits its turn as River does."""

    def __init__(
        self, minconn: int, maxconn: int, *args: Any, wait_timeout: float = 30.0, **kwargs: Any
    ) -> None:
        super().__init__(minconn, maxconn, *args, **kwargs)
        # psycopg2 closes returned connections beyond ``minconn``: raise the bar.
        self.minconn = maxconn
        self.wait_timeout = wait_timeout
        self._returned = threading.Condition()

    def getconn(self, key: Any = None) -> Any:
        deadline = time.monotonic() + self.wait_timeout
        while True:
            try:
                return super().getconn(key)
            except psycopg2.pool.PoolError as exc:
                left = deadline - time.monotonic()
                if "exhausted" not in str(exc) or left <= 0:
                    raise
            with self._returned:
                # A short wait too: a return between the attempt and here is not missed.
                self._returned.wait(min(left, 0.05))

    def putconn(self, conn: Any = None, key: Any = None, close: bool = False) -> None:
        super().putconn(conn, key, close)
        with self._returned:
            self._returned.notify()

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
            conn = self._checkout_waiting()
            try:
                yield conn
            finally:
                self.pool.putconn(conn)
        finally:
            self._slots.release()

    def _checkout_waiting(self) -> Any:
        # Connections taken from the pool directly (a caller's transaction) hold no slot:
        # wait for them to come back, as for a slot, rather than fail.
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            try:
                return self._checkout()
            except psycopg2.pool.PoolError as exc:
                if "exhausted" not in str(exc) or time.monotonic() >= deadline:
                    raise DriverError(
                        f"no free database connection after {self.timeout:g}s "
                        f"(the pool holds at most {self.pool.maxconn})"
                    ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def _checkout(self) -> Any:
        conn = self.pool.getconn()
        if conn.closed:  # broken while idle in the pool: replace it once
            self.pool.putconn(conn, close=True)
            conn = self.pool.getconn()
        if not conn.autocommit:  # a caller's pool: the executor needs autocommit
            conn.autocommit = True
        return conn

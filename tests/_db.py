"""Database helpers for the test suite (not collected)."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

SYNC_DRIVERS = ("psycopg3", "psycopg2")
ASYNC_DRIVERS = ("psycopg3", "asyncpg")
_LIBS = {"psycopg3": "psycopg", "psycopg2": "psycopg2", "asyncpg": "asyncpg"}


def selected_drivers() -> list[str]:
    wanted = os.environ.get("RIVER_TEST_DRIVER", "")
    names = [n.strip() for n in wanted.split(",") if n.strip()] or list(_LIBS)
    available = []
    for name in names:
        try:
            __import__(_LIBS[name])
        except ImportError:
            if wanted:
                raise
            continue
        available.append(name)
    return available


@contextmanager
def admin(url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


class SchemaPool:
    """Migrated schemas handed out one per test and truncated for reuse (fast isolation)."""

    TABLES = ("river_job", "river_leader", "river_queue")

    def __init__(self, url: str) -> None:
        self.url = url
        self._free: list[str] = []
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._prefix = f"river_test_{os.getpid()}_"

    def acquire(self) -> str:
        with self._lock:
            if self._free:
                return self._free.pop()
            name = f"{self._prefix}{next(self._counter)}"
        self._create(name)
        return name

    def release(self, name: str) -> None:
        tables = ", ".join(f'"{name}".{t}' for t in self.TABLES)
        with admin(self.url) as conn:
            conn.execute(f"TRUNCATE {tables} RESTART IDENTITY")
        with self._lock:
            self._free.append(name)

    def _create(self, name: str) -> None:
        from river_psycopg3 import PsycopgDriver

        from river.migrate import Migrator

        with admin(self.url) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{name}"')
        driver = PsycopgDriver.open(self.url, max_size=2)
        try:
            Migrator(driver, schema=name).migrate_up()
        finally:
            driver.close()

    def drop_all(self) -> None:
        with admin(self.url) as conn:
            for name in self._free:
                conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

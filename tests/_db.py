"""Database helpers for the test suite (imported by conftest and tests, not collected)."""

from __future__ import annotations

import itertools
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

SYNC_DRIVERS = ("psycopg3", "psycopg2")
ASYNC_DRIVERS = ("psycopg3", "asyncpg")
_LIBS = {"psycopg3": "psycopg", "psycopg2": "psycopg2", "asyncpg": "asyncpg"}


def selected_drivers() -> list[str]:
    """Drivers under test: ``RIVER_TEST_DRIVER`` (comma list), else every one installed."""
    wanted = os.environ.get("RIVER_TEST_DRIVER", "")
    names = [n.strip() for n in wanted.split(",") if n.strip()] or list(_LIBS)
    unknown = [n for n in names if n not in _LIBS]
    if unknown:
        raise ValueError(f"RIVER_TEST_DRIVER: unknown driver(s) {unknown}; known: {list(_LIBS)}")
    available = []
    for name in names:
        try:
            __import__(_LIBS[name])
        except ImportError:
            if wanted:  # asked for by name: its library must be there
                raise
            continue
        available.append(name)
    return available


@contextmanager
def admin(url: str) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit psycopg connection for set-up SQL outside any driver."""
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


def admin_execute(url: str, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Run one statement on its own connection; the rows it returns, if any."""
    with admin(url) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def copy_running(url: str, schema: str) -> bool:
    """Whether a COPY into ``schema``'s river_job is running now (asked on a connection of
    its own, blocking: meant to be called while that COPY waits for its next piece)."""
    rows = admin_execute(
        url,
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
        " AND query LIKE 'COPY%%' AND query LIKE %s",
        (f"%{schema}%river_job%",),
    )
    return bool(rows[0][0])


def create_schema(url: str, name: str) -> None:
    with admin(url) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE SCHEMA {0}").format(sql.Identifier(name)))


def drop_schema(url: str, name: str) -> None:
    with admin(url) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(sql.Identifier(name)))


class SchemaPool:
    """Migrated schemas handed out one per test and emptied for reuse.

    Migrating a schema costs far more than emptying one, so a released schema has its
    River tables truncated (identities restarted) and goes back to the pool; a new one
    (``river_test_<pid>_<n>``) is created only when none is free. A schema left in another
    state by its test (migrated down, locked) is dropped or abandoned, never reused.
    """

    LOCK_TIMEOUT = "10s"

    def __init__(self, url: str) -> None:
        self.url = url
        self._free: list[str] = []
        self._all: list[str] = []
        self._tables: dict[str, list[str]] = {}
        self._version: dict[str, int] = {}
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._prefix = f"river_test_{os.getpid()}_"
        self._conn: psycopg.Connection[Any] | None = None

    def _admin(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self.url, autocommit=True)
            # A test that leaks a lock must not hang the next one.
            self._conn.execute(f"SET lock_timeout = '{self.LOCK_TIMEOUT}'")
        return self._conn

    def acquire(self) -> str:
        with self._lock:
            if self._free:
                return self._free.pop()
            name = f"{self._prefix}{next(self._counter)}"
            self._all.append(name)
            self._create(name)
            return name

    def release(self, name: str) -> None:
        with self._lock:
            try:
                if self._reset(name):
                    self._free.append(name)
                    return
            except psycopg.Error as exc:
                warnings.warn(f"test schema {name} not reused: {exc}", stacklevel=1)
            self._drop_quietly(name)

    def _reset(self, name: str) -> bool:
        conn = self._admin()
        try:
            row = conn.execute(
                sql.SQL("SELECT max(version) FROM {0}.river_migration WHERE line = 'main'").format(
                    sql.Identifier(name)
                )
            ).fetchone()
        except psycopg.errors.UndefinedTable:  # the test migrated it all the way down
            return False
        if row is None or row[0] != self._version[name]:
            return False
        tables = sql.SQL(", ").join(sql.Identifier(name, t) for t in self._tables[name])
        conn.execute(sql.SQL("TRUNCATE {0} RESTART IDENTITY CASCADE").format(tables))
        return True

    def _create(self, name: str) -> None:
        from river_psycopg3 import PsycopgDriver

        from river.migrate import Migrator

        create_schema(self.url, name)
        driver = PsycopgDriver.open(self.url, max_size=2)
        try:
            Migrator(driver, schema=name).migrate_up()
        finally:
            driver.close()
        conn = self._admin()
        self._tables[name] = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s"
                " AND tablename <> 'river_migration' ORDER BY tablename",
                (name,),
            )
        ]
        version = conn.execute(
            sql.SQL("SELECT max(version) FROM {0}.river_migration WHERE line = 'main'").format(
                sql.Identifier(name)
            )
        ).fetchone()
        self._version[name] = version[0] if version else 0

    def _drop_quietly(self, name: str) -> None:
        try:
            self._admin().execute(
                sql.SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(sql.Identifier(name))
            )
        except psycopg.Error:
            pass  # still locked by a leaked session; the server is throwaway or shared

    def drop_all(self) -> None:
        with self._lock:
            for name in self._all:
                self._drop_quietly(name)
            self._all.clear()
            self._free.clear()
            if self._conn is not None:
                self._conn.close()
                self._conn = None

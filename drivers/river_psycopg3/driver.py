# WARNING: this file is generated from 'driver_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""River's driver for psycopg 3, async; the sync twin ``driver.py`` is generated."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from river.driver import sql
from river.driver.driver import Driver, Listener
from river.driver.executor import Executor
from river.driver.params import Notification
from river.driver.query import CompiledQuery, ParamStyle, quote_ident

_COPY_TYPES = [
    "jsonb",
    "timestamptz",
    "text",
    "int2",
    "jsonb",
    "int2",
    "text",
    "timestamptz",
    "text",
    "varchar[]",
    "bytea",
]


def _raw(text: Any) -> str:
    return str(text)


def _prefix(schema: str | None) -> str:
    return quote_ident(schema) + "." if schema else ""


class PsycopgExecutor(Executor):
    """Runs on the pool (one connection per call, autocommit) or on one connection."""

    paramstyle: ClassVar[ParamStyle] = ParamStyle.PYFORMAT

    def __init__(
        self,
        schema: str | None,
        *,
        pool: ConnectionPool[Any] | None = None,
        conn: psycopg.Connection[Any] | None = None,
    ) -> None:
        super().__init__(schema)
        self._pool = pool
        self._conn = conn

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        if self._conn is not None:
            yield self._conn
            return
        assert self._pool is not None
        with self._pool.connection() as conn:
            yield conn

    def _execute(self, query: CompiledQuery, args: Mapping[str, Any]) -> None:
        with self._connection() as conn:
            conn.execute(query.sql.encode(), args)

    def _fetch_all(self, query: CompiledQuery, args: Mapping[str, Any]) -> list[Sequence[Any]]:
        with self._connection() as conn:
            cur = conn.execute(query.sql.encode(), args)
            return list(cur.fetchall())

    def exec_script(self, script: str) -> None:
        text = script.replace(sql.S, _prefix(self.schema))
        with self._connection() as conn:
            conn.execute(text.encode(), prepare=False)

    @contextmanager
    def transaction(self) -> Iterator[PsycopgExecutor]:
        if self._conn is not None:
            with self._conn.transaction():
                yield self
            return
        assert self._pool is not None
        with self._pool.connection() as conn, conn.transaction():
            yield PsycopgExecutor(self.schema, conn=conn)

    def _copy_jobs(self, rows: list[tuple[Any, ...]]) -> int:
        table = f"{_prefix(self.schema)}river_job"
        columns = ", ".join(sql.COPY_COLUMNS)
        with_unique = any(r[11] for r in rows)
        with self._connection() as conn:
            cur = conn.cursor()
            if with_unique:
                # bit(8) has no binary dumper: text COPY, with the bitmask as 8 bits.
                stmt = f"COPY {table} ({columns}) FROM STDIN"
                with cur.copy(stmt.encode()) as copy:
                    for r in rows:
                        bits = format(r[11], "08b") if r[11] else None
                        copy.write_row((*r[:11], bits))
            else:
                cols = ", ".join(sql.COPY_COLUMNS[:11])
                stmt = f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)"
                with cur.copy(stmt.encode()) as copy:
                    copy.set_types(_COPY_TYPES)
                    for r in rows:
                        # Args and metadata are JSON text already: stored as they are.
                        copy.write_row((Jsonb(r[0], _raw), *r[1:4], Jsonb(r[4], _raw), *r[5:11]))
        return len(rows)


class PsycopgListener(Listener):
    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._conn: psycopg.Connection[Any] | None = None

    def connect(self) -> None:
        self._conn = psycopg.Connection.connect(self._conninfo, autocommit=True)

    def listen(self, channel: str) -> None:
        assert self._conn is not None
        self._conn.execute(f"LISTEN {quote_ident(channel)}".encode())

    def unlisten(self, channel: str) -> None:
        assert self._conn is not None
        self._conn.execute(f"UNLISTEN {quote_ident(channel)}".encode())

    def wait_for_notification(self, timeout: float) -> Notification | None:
        assert self._conn is not None
        gen = self._conn.notifies(timeout=timeout, stop_after=1)
        for note in gen:
            return Notification(topic=note.channel, payload=note.payload)
        if self._conn.closed:
            raise ConnectionError("listener connection is closed")
        return None

    def ping(self) -> None:
        assert self._conn is not None
        self._conn.execute(b"SELECT 1")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None


class PsycopgDriver(Driver[psycopg.Connection[Any]]):
    """River's driver on a psycopg ``AsyncConnectionPool`` whose connections autocommit."""

    name: ClassVar[str] = "psycopg3"

    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self.pool = pool
        self._owns_pool = False

    @classmethod
    def open(
        cls, url: str, *, min_size: int = 1, max_size: int = 10, timeout: float = 10.0
    ) -> PsycopgDriver:
        pool: ConnectionPool[Any] = ConnectionPool(
            url, min_size=min_size, max_size=max_size, kwargs={"autocommit": True}, open=False
        )
        try:
            pool.open(wait=True, timeout=timeout)
        except BaseException:
            pool.close()
            raise
        driver = cls(pool)
        driver._owns_pool = True
        return driver

    def get_executor(self, schema: str | None = None) -> PsycopgExecutor:
        return PsycopgExecutor(schema, pool=self.pool)

    def unwrap_executor(
        self, tx: psycopg.Connection[Any], schema: str | None = None
    ) -> PsycopgExecutor:
        return PsycopgExecutor(schema, conn=tx)

    def get_listener(self) -> PsycopgListener:
        return PsycopgListener(str(self.pool.conninfo))

    def close(self) -> None:
        if self._owns_pool:
            self.pool.close()

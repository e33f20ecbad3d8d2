"""River's driver for psycopg 3, async; the sync twin ``driver.py`` is generated from it."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import psycopg
from psycopg_pool import AsyncConnectionPool

from river.driver.arrays import with_array_literals
from river.driver.copy_binary import copy_pieces, copy_pieces_of_rows
from river.driver.driver_async import AsyncDriver, AsyncListener
from river.driver.errors import ConnectionLostError, DriverError
from river.driver.executor_async import AsyncExecutor
from river.driver.keepalive import libpq_keepalive_defaults
from river.driver.params import JobInsertFastParams, Notification
from river.driver.query import (
    SCHEMA_MARK,
    CompiledQuery,
    ParamStyle,
    quote_ident,
    schema_prefix,
)
from river.driver.urls import DEFAULT_CONNECT_TIMEOUT, libpq_connect_timeout, normalize_url
from river_psycopg3._copy import copy_statement
from river_psycopg3._errors import translate_connect_errors, translate_errors
from river_psycopg3._options import split_pool_options


class AsyncPsycopgExecutor(AsyncExecutor):
    """Runs on the pool (each call on its own autocommit connection) or on one connection:
    a transaction of this executor's, or the caller's own connection."""

    paramstyle: ClassVar[ParamStyle] = ParamStyle.PYFORMAT

    def __init__(
        self,
        schema: str | None,
        *,
        pool: AsyncConnectionPool[Any] | None = None,
        conn: psycopg.AsyncConnection[Any] | None = None,
    ) -> None:
        if (pool is None) == (conn is None):
            raise ValueError("give exactly one of pool or conn")
        super().__init__(schema, on_pool=conn is None)
        self._pool = pool
        self._conn = conn

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        if self._conn is not None:
            yield self._conn
        else:
            assert self._pool is not None
            async with self._pool.connection() as conn:
                yield conn

    async def _execute(self, query: CompiledQuery, args: Mapping[str, Any]) -> None:
        with translate_errors():
            async with self._connection() as conn:
                await conn.execute(query.sql, with_array_literals(args))

    async def _fetch_all(
        self, query: CompiledQuery, args: Mapping[str, Any]
    ) -> list[Sequence[Any]]:
        with translate_errors():
            async with self._connection() as conn:
                cur = await conn.execute(query.sql, with_array_literals(args))
                return list(await cur.fetchall())

    async def exec_script(self, script: str) -> None:
        text = script.replace(SCHEMA_MARK, schema_prefix(self.schema))
        with translate_errors():
            async with self._connection() as conn:
                # Unprepared and without parameters: psycopg sends it as a simple query,
                # which may hold several statements.
                await conn.execute(text, prepare=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncPsycopgExecutor]:
        with translate_errors():
            if self._conn is not None:
                # psycopg makes this a savepoint when a transaction is already open.
                async with self._conn.transaction():
                    yield self
            else:
                assert self._pool is not None
                async with self._pool.connection() as conn, conn.transaction():
                    yield self.in_transaction(AsyncPsycopgExecutor(self.schema, conn=conn))

    async def _copy_jobs(self, rows: list[tuple[Any, ...]]) -> int:
        await self._copy(lambda encoding: copy_pieces_of_rows(rows, encoding))
        return len(rows)

    async def _copy_params(self, pieces: Iterable[Sequence[JobInsertFastParams]]) -> None:
        await self._copy(lambda encoding: copy_pieces(pieces, encoding=encoding))

    async def _copy(self, data: Callable[[str], Iterator[bytes]]) -> None:
        # Binary COPY data built in pieces: cheaper than psycopg's adapters per row, and
        # each piece is sent while the next is built. The first is built before the COPY
        # starts, so its checks fail before any I/O.
        with translate_errors():
            async with self._connection() as conn:
                pieces = data(conn.info.encoding)
                first = next(pieces, None)
                if first is None:
                    return
                async with conn.cursor().copy(copy_statement(self.schema)) as copy:
                    await copy.write(first)
                    for piece in pieces:
                        await copy.write(piece)


class AsyncPsycopgListener(AsyncListener):
    """LISTENs on a dedicated autocommit connection, outside the pool."""

    def __init__(self, conninfo: str, kwargs: Mapping[str, Any] | None = None) -> None:
        self._conninfo = conninfo
        self._kwargs = {**(kwargs or {}), "autocommit": True}
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._pending: deque[Notification] = deque()

    def _connected(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None or self._conn.closed:
            raise ConnectionLostError("the listener is not connected")
        return self._conn

    async def connect(self) -> None:
        with translate_errors():
            self._conn = await psycopg.AsyncConnection.connect(self._conninfo, **self._kwargs)

    async def listen(self, channel: str) -> None:
        with translate_errors():
            await self._connected().execute(f"LISTEN {quote_ident(channel)}")

    async def unlisten(self, channel: str) -> None:
        with translate_errors():
            await self._connected().execute(f"UNLISTEN {quote_ident(channel)}")

    async def wait_for_notification(self, timeout: float) -> Notification | None:
        if not self._pending:
            conn = self._connected()
            with translate_errors():
                # Run the generator to its end: after the first notification it still
                # yields the rest of the same network read, which would be lost otherwise.
                async for note in conn.notifies(timeout=timeout, stop_after=1):
                    self._pending.append(Notification(topic=note.channel, payload=note.payload))
            if not self._pending:
                self._connected()  # a wait that ended on a closed connection is an error
        return self._pending.popleft() if self._pending else None

    async def ping(self) -> None:
        with translate_errors():
            await self._connected().execute(b"SELECT 1")

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        self._pending.clear()
        if conn is not None:
            await conn.close()


class AsyncPsycopgDriver(AsyncDriver[psycopg.AsyncConnection[Any]]):
    """River's driver on a psycopg ``AsyncConnectionPool``.

    ``open`` creates a pool of autocommit connections that ``close`` closes; a pool given
    to the constructor stays the caller's. Transactions (``unwrap_executor``) are the
    caller's ``psycopg.AsyncConnection`` objects.
    """

    name: ClassVar[str] = "psycopg3"

    def __init__(
        self, pool: AsyncConnectionPool[Any], *, listener_url: str | None = None
    ) -> None:
        self.pool = pool
        self._listener_url = listener_url
        self._owns_pool = False

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        listener_url: str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        **pool_options: Any,
    ) -> AsyncPsycopgDriver:
        """Open a pool of autocommit connections to ``url``.

        ``url`` may be SQLAlchemy-style (``postgresql+psycopg://``) or ``postgres://``.
        ``pool_options`` that ``AsyncConnectionPool`` takes (``timeout``, ``max_idle``,
        ...) go to the pool, the others to each connection (``prepare_threshold=None``
        behind PgBouncer in transaction mode). ``listener_url`` is where the listener
        connects for LISTEN (default ``url``): a direct server address when ``url`` is a
        transaction-mode pooler. A server that does not answer a new connection within
        ``connect_timeout`` seconds (whole seconds, at least 2, as libpq counts them)
        raises ``ConnectTimeoutError``.
        """
        url = normalize_url(url)
        listener_url = normalize_url(listener_url) if listener_url else None
        pool_kwargs, conn_kwargs = split_pool_options(pool_options)
        conn_kwargs.setdefault("connect_timeout", libpq_connect_timeout(connect_timeout))
        # TCP keepalives and user timeout (river.driver.keepalive), unless set already.
        conn_kwargs.update(
            libpq_keepalive_defaults((url, listener_url), conn_kwargs, psycopg.pq.version())
        )
        # One plain connection first: the pool retries a failing server until its own
        # timeout and then reports only that; this reports the server's reason at once.
        with translate_connect_errors(url, conn_kwargs["connect_timeout"]):
            probe = await psycopg.AsyncConnection.connect(url, **conn_kwargs)
        await probe.close()
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            kwargs={**conn_kwargs, "autocommit": True},
            open=False,
            **pool_kwargs,
        )
        try:
            await pool.open(wait=True)
        except BaseException:
            await pool.close()
            raise
        driver = cls(pool, listener_url=listener_url)
        driver._owns_pool = True
        return driver

    def get_executor(self, schema: str | None = None) -> AsyncPsycopgExecutor:
        return AsyncPsycopgExecutor(schema, pool=self.pool)

    def unwrap_executor(
        self, tx: psycopg.AsyncConnection[Any], schema: str | None = None
    ) -> AsyncPsycopgExecutor:
        return AsyncPsycopgExecutor(schema, conn=tx)

    def get_listener(self) -> AsyncPsycopgListener:
        conninfo, kwargs = self.pool.conninfo, self.pool.kwargs
        if not isinstance(conninfo, str) or not (kwargs is None or isinstance(kwargs, dict)):
            raise DriverError("the listener needs a pool with a static conninfo and kwargs")
        return AsyncPsycopgListener(self._listener_url or conninfo, kwargs)

    async def close(self) -> None:
        if self._owns_pool:
            await self.pool.close()

# WARNING: this file is generated from 'driver_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""River's driver for psycopg 3, async; the sync twin ``driver.py`` is generated from it."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import psycopg
from psycopg_pool import ConnectionPool

from river.driver.arrays import with_array_literals
from river.driver.copy_binary import copy_pieces, copy_pieces_of_rows
from river.driver.driver import Driver, Listener
from river.driver.errors import ConnectionLostError, DriverError
from river.driver.executor import Executor
from river.driver.keepalive import libpq_keepalive_defaults
from river.driver.params import JobInsertFastParams, Notification
from river.driver.query import SCHEMA_MARK, CompiledQuery, ParamStyle, quote_ident, schema_prefix
from river.driver.urls import DEFAULT_CONNECT_TIMEOUT, libpq_connect_timeout, normalize_url
from river_psycopg3._copy import copy_statement
from river_psycopg3._errors import translate_connect_errors, translate_errors
from river_psycopg3._options import split_pool_options


class PsycopgExecutor(Executor):
    """Runs on the pool (each call on its own autocommit connection) or on one connection:
    a transaction of this executor's, or the caller's own connection."""

    paramstyle: ClassVar[ParamStyle] = ParamStyle.PYFORMAT

    def __init__(
        self,
        schema: str | None,
        *,
        pool: ConnectionPool[Any] | None = None,
        conn: psycopg.Connection[Any] | None = None,
    ) -> None:
        if (pool is None) == (conn is None):
            raise ValueError("give exactly one of pool or conn")
        super().__init__(schema, on_pool=conn is None)
        self._pool = pool
        self._conn = conn

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        if self._conn is not None:
            yield self._conn
        else:
            assert self._pool is not None
            with self._pool.connection() as conn:
                yield conn

    def _execute(self, query: CompiledQuery, args: Mapping[str, Any]) -> None:
        with translate_errors():
            with self._connection() as conn:
                conn.execute(query.sql, with_array_literals(args))

    def _fetch_all(self, query: CompiledQuery, args: Mapping[str, Any]) -> list[Sequence[Any]]:
        with translate_errors():
            with self._connection() as conn:
                cur = conn.execute(query.sql, with_array_literals(args))
                return list(cur.fetchall())

    def exec_script(self, script: str) -> None:
        text = script.replace(SCHEMA_MARK, schema_prefix(self.schema))
        with translate_errors():
            with self._connection() as conn:
                # Unprepared and without parameters: psycopg sends it as a simple query,
                # which may hold several statements.
                conn.execute(text, prepare=False)

    @contextmanager
    def transaction(self) -> Iterator[PsycopgExecutor]:
        with translate_errors():
            if self._conn is not None:
                # psycopg makes this a savepoint when a transaction is already open.
                with self._conn.transaction():
                    yield self
            else:
                assert self._pool is not None
                with self._pool.connection() as conn, conn.transaction():
                    yield self.in_transaction(PsycopgExecutor(self.schema, conn=conn))

    def _copy_jobs(self, rows: list[tuple[Any, ...]]) -> int:
        self._copy(lambda encoding: copy_pieces_of_rows(rows, encoding))
        return len(rows)

    def _copy_params(self, pieces: Iterable[Sequence[JobInsertFastParams]]) -> None:
        self._copy(lambda encoding: copy_pieces(pieces, encoding=encoding))

    def _copy(self, data: Callable[[str], Iterator[bytes]]) -> None:
        # Binary COPY data built in pieces: cheaper than psycopg's adapters per row, and
        # each piece is sent while the next is built. The first is built before the COPY
        # starts, so its checks fail before any I/O.
        with translate_errors():
            with self._connection() as conn:
                pieces = data(conn.info.encoding)
                first = next(pieces, None)
                if first is None:
                    return
                with conn.cursor().copy(copy_statement(self.schema)) as copy:
                    copy.write(first)
                    for piece in pieces:
                        copy.write(piece)


class PsycopgListener(Listener):
    """LISTENs on a dedicated autocommit connection, outside the pool."""

    def __init__(self, conninfo: str, kwargs: Mapping[str, Any] | None = None) -> None:
        self._conninfo = conninfo
        self._kwargs = {**(kwargs or {}), "autocommit": True}
        self._conn: psycopg.Connection[Any] | None = None
        self._pending: deque[Notification] = deque()

    def _connected(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            raise ConnectionLostError("the listener is not connected")
        return self._conn

    def connect(self) -> None:
        with translate_errors():
            self._conn = psycopg.Connection.connect(self._conninfo, **self._kwargs)

    def listen(self, channel: str) -> None:
        with translate_errors():
            self._connected().execute(f"LISTEN {quote_ident(channel)}")

    def unlisten(self, channel: str) -> None:
        with translate_errors():
            self._connected().execute(f"UNLISTEN {quote_ident(channel)}")

    def wait_for_notification(self, timeout: float) -> Notification | None:
        if not self._pending:
            conn = self._connected()
            with translate_errors():
                # Run the generator to its end: after the first notification it still
                # yields the rest of the same network read, which would be lost otherwise.
                for note in conn.notifies(timeout=timeout, stop_after=1):
                    self._pending.append(Notification(topic=note.channel, payload=note.payload))
            if not self._pending:
                self._connected()  # a wait that ended on a closed connection is an error
        return self._pending.popleft() if self._pending else None

    def ping(self) -> None:
        with translate_errors():
            self._connected().execute(b"SELECT 1")

    def close(self) -> None:
        conn, self._conn = (self._conn, None)
        self._pending.clear()
        if conn is not None:
            conn.close()


class PsycopgDriver(Driver[psycopg.Connection[Any]]):
    """River's driver on a psycopg ``AsyncConnectionPool``.

    ``open`` creates a pool of autocommit connections that ``close`` closes; a pool given
    to the constructor stays the caller's. Transactions (``unwrap_executor``) are the
    caller's ``psycopg.AsyncConnection`` objects.
    """

    name: ClassVar[str] = "psycopg3"

    def __init__(self, pool: ConnectionPool[Any], *, listener_url: str | None = None) -> None:
        self.pool = pool
        self._listener_url = listener_url
        self._owns_pool = False

    @classmethod
    def open(
        cls,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        listener_url: str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        **pool_options: Any,
    ) -> PsycopgDriver:
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
            probe = psycopg.Connection.connect(url, **conn_kwargs)
        probe.close()
        pool: ConnectionPool[Any] = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            kwargs={**conn_kwargs, "autocommit": True},
            open=False,
            **pool_kwargs,
        )
        try:
            pool.open(wait=True)
        except BaseException:
            pool.close()
            raise
        driver = cls(pool, listener_url=listener_url)
        driver._owns_pool = True
        return driver

    def get_executor(self, schema: str | None = None) -> PsycopgExecutor:
        return PsycopgExecutor(schema, pool=self.pool)

    def unwrap_executor(
        self, tx: psycopg.Connection[Any], schema: str | None = None
    ) -> PsycopgExecutor:
        return PsycopgExecutor(schema, conn=tx)

    def get_listener(self) -> PsycopgListener:
        conninfo, kwargs = (self.pool.conninfo, self.pool.kwargs)
        if not isinstance(conninfo, str) or not (kwargs is None or isinstance(kwargs, dict)):
            raise DriverError("the listener needs a pool with a static conninfo and kwargs")
        return PsycopgListener(self._listener_url or conninfo, kwargs)

    def close(self) -> None:
        if self._owns_pool:
            self.pool.close()

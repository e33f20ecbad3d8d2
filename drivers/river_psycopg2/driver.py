"""River's driver for psycopg2 (sync only)."""

from __future__ import annotations

import contextlib
import select
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import psycopg2
import psycopg2.extensions
import psycopg2.pool

from river.driver.arrays import with_array_literals
from river.driver.copy_binary import copy_pieces, copy_pieces_of_rows
from river.driver.driver import Driver, Listener
from river.driver.errors import ConnectionLostError
from river.driver.executor import Executor
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
from river.errors import ConfigError
from river_psycopg2._copy import PiecesReader, copy_statement
from river_psycopg2._errors import translate_connect_errors, translate_errors
from river_psycopg2._pool import AutocommitPool, ConnectionSource

Connection = Any  # psycopg2.extensions.connection; psycopg2 ships no type hints


def _run(conn: Connection, statement: str) -> None:
    with conn.cursor() as cur:
        cur.execute(statement)


class Psycopg2Executor(Executor):
    """Runs on the pool (each call on its own autocommit connection) or on one connection:
    a transaction of this executor's, or the caller's own connection."""

    paramstyle: ClassVar[ParamStyle] = ParamStyle.PYFORMAT

    def __init__(
        self,
        schema: str | None,
        *,
        source: ConnectionSource | None = None,
        conn: Connection | None = None,
        depth: int = 0,
    ) -> None:
        if (source is None) == (conn is None):
            raise ValueError("give exactly one of source or conn")
        super().__init__(schema, on_pool=conn is None)
        self._source = source
        self._conn = conn
        self._depth = depth  # transactions of ours open on ``conn``, naming savepoints

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        if self._conn is not None:
            yield self._conn
        else:
            assert self._source is not None
            with self._source.connection() as conn:
                yield conn

    def _execute(self, query: CompiledQuery, args: Mapping[str, Any]) -> None:
        with translate_errors(), self._connection() as conn, conn.cursor() as cur:
            cur.execute(query.sql, with_array_literals(args))

    def _fetch_all(self, query: CompiledQuery, args: Mapping[str, Any]) -> list[Sequence[Any]]:
        with translate_errors(), self._connection() as conn, conn.cursor() as cur:
            cur.execute(query.sql, with_array_literals(args))
            return list(cur.fetchall())

    def exec_script(self, script: str) -> None:
        # No parameters: psycopg2 sends the text as it is, several statements allowed.
        with translate_errors(), self._connection() as conn:
            _run(conn, script.replace(SCHEMA_MARK, schema_prefix(self.schema)))

    @contextmanager
    def transaction(self) -> Iterator[Psycopg2Executor]:
        if self._conn is not None:
            with self._transaction_on(self._conn, self._depth + 1) as tx:
                yield tx
        else:
            assert self._source is not None
            with self._source.connection() as conn, self._transaction_on(conn, 1) as tx:
                yield tx

    @contextmanager
    def _transaction_on(self, conn: Connection, depth: int) -> Iterator[Psycopg2Executor]:
        # A real transaction on an idle autocommit connection; otherwise (inside one of
        # ours, or on the caller's connection, whose transaction psycopg2 opens
        # implicitly) a savepoint, leaving the outer transaction to its owner.
        idle = conn.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_IDLE
        if conn.autocommit and idle:
            begin, commit, rollback = "BEGIN", "COMMIT", "ROLLBACK"
        else:
            name = f"river_savepoint_{depth}"
            begin = f"SAVEPOINT {name}"
            commit, rollback = f"RELEASE SAVEPOINT {name}", f"ROLLBACK TO SAVEPOINT {name}"
        with translate_errors():
            _run(conn, begin)
            try:
                yield self.in_transaction(Psycopg2Executor(self.schema, conn=conn, depth=depth))
            except BaseException:
                # A failed rollback (say, the connection broke) must not hide the cause.
                with contextlib.suppress(psycopg2.Error):
                    _run(conn, rollback)
                raise
            _run(conn, commit)

    def _copy_jobs(self, rows: list[tuple[Any, ...]]) -> int:
        self._copy(lambda encoding: copy_pieces_of_rows(rows, encoding))
        return len(rows)

    def _copy_params(self, pieces: Iterable[Sequence[JobInsertFastParams]]) -> None:
        self._copy(lambda encoding: copy_pieces(pieces, encoding=encoding))

    def _copy(self, data: Callable[[str], Iterator[bytes]]) -> None:
        # Binary COPY data built in pieces: cheaper than COPY text per value, and each piece
        # is sent while the next is built. The first is built before the COPY starts, so
        # its checks fail before any I/O.
        with translate_errors(), self._connection() as conn, conn.cursor() as cur:
            pieces = data(psycopg2.extensions.encodings[conn.encoding])
            first = next(pieces, None)
            if first is None:
                return
            reader = PiecesReader(first, pieces)
            try:
                cur.copy_expert(copy_statement(self.schema), reader)
            except psycopg2.Error:
                if reader.error is not None:
                    raise reader.error from None
                raise


class Psycopg2Listener(Listener):
    """LISTENs on a dedicated autocommit connection, outside the pool."""

    def __init__(self, connect: Callable[[], Connection]) -> None:
        self._connect = connect
        self._conn: Connection | None = None
        self._pending: deque[Notification] = deque()

    def _connected(self) -> Connection:
        if self._conn is None or self._conn.closed:
            raise ConnectionLostError("the listener is not connected")
        return self._conn

    def connect(self) -> None:
        with translate_errors():
            conn = self._connect()
            conn.autocommit = True
        self._conn = conn

    def listen(self, channel: str) -> None:
        with translate_errors():
            _run(self._connected(), f"LISTEN {quote_ident(channel)}")

    def unlisten(self, channel: str) -> None:
        with translate_errors():
            _run(self._connected(), f"UNLISTEN {quote_ident(channel)}")

    def wait_for_notification(self, timeout: float) -> Notification | None:
        if not self._pending:
            self._receive(timeout)
        return self._pending.popleft() if self._pending else None

    def _receive(self, timeout: float) -> None:
        conn = self._connected()
        deadline = time.monotonic() + timeout
        with translate_errors():
            conn.poll()
            # A readable socket may hold only part of a message: wait again until the
            # deadline rather than return early.
            while not conn.notifies:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([conn], [], [], remaining)[0]:
                    break
                conn.poll()
            self._pending.extend(
                Notification(topic=n.channel, payload=n.payload) for n in conn.notifies
            )
            conn.notifies.clear()

    def ping(self) -> None:
        with translate_errors():
            _run(self._connected(), "SELECT 1")

    def close(self) -> None:
        conn, self._conn = self._conn, None
        self._pending.clear()
        if conn is not None:
            conn.close()


class Psycopg2Driver(Driver[Connection]):
    """River's driver on a psycopg2 connection pool.

    ``open`` creates a pool of autocommit connections that ``close`` closes; a pool given
    to the constructor stays the caller's (the driver switches the connections it borrows
    to autocommit). Transactions (``unwrap_executor``) are the caller's psycopg2
    connections. ``pool_timeout`` bounds the wait for a free connection.
    """

    name: ClassVar[str] = "psycopg2"

    def __init__(
        self,
        pool: psycopg2.pool.AbstractConnectionPool,
        *,
        dsn: str | None = None,
        pool_timeout: float = 30.0,
        listener_url: str | None = None,
    ) -> None:
        self.pool = pool
        self._source = ConnectionSource(pool, pool_timeout)
        self._dsn = dsn
        self._listener_url = listener_url
        self._owns_pool = False

    @classmethod
    def open(
        cls,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        pool_timeout: float = 30.0,
        listener_url: str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        **pool_options: Any,
    ) -> Psycopg2Driver:
        """Open a pool of autocommit connections to ``url`` (SQLAlchemy-style
        ``postgresql+psycopg2://`` and ``postgres://`` URLs too); ``pool_options`` go to
        ``psycopg2.connect`` for every connection, the listener's included.
        ``listener_url`` is where the listener connects for LISTEN (default ``url``): a
        direct server address when ``url`` is a transaction-mode pooler. psycopg2 never
        prepares statements, so PgBouncer in transaction mode needs no option. A server
        that does not answer a new connection within ``connect_timeout`` seconds (whole
        seconds, at least 2, as libpq counts them) raises ``ConnectTimeoutError``."""
        url = normalize_url(url)
        listener_url = normalize_url(listener_url) if listener_url else None
        pool_options.setdefault("connect_timeout", libpq_connect_timeout(connect_timeout))
        # TCP keepalives and user timeout (river.driver.keepalive), unless set already.
        pool_options.update(
            libpq_keepalive_defaults(
                (url, listener_url), pool_options, psycopg2.extensions.libpq_version()
            )
        )
        with translate_connect_errors(url, pool_options["connect_timeout"]):
            pool = AutocommitPool(
                min_size, max_size, url, wait_timeout=pool_timeout, **pool_options
            )
        driver = cls(pool, dsn=url, pool_timeout=pool_timeout, listener_url=listener_url)
        driver._owns_pool = True
        return driver

    def get_executor(self, schema: str | None = None) -> Psycopg2Executor:
        return Psycopg2Executor(schema, source=self._source)

    def unwrap_executor(self, tx: Connection, schema: str | None = None) -> Psycopg2Executor:
        return Psycopg2Executor(schema, conn=tx)

    def get_listener(self) -> Psycopg2Listener:
        # Connect as the pool does (psycopg2's pools keep the arguments), maybe elsewhere;
        # a pool that keeps none (an ORM engine's) connects to the driver's ``dsn``.
        args: tuple[Any, ...] = getattr(self.pool, "_args", ())
        kwargs: dict[str, Any] = getattr(self.pool, "_kwargs", {})
        target = self._listener_url or (None if args else self._dsn)
        if target is not None:
            return Psycopg2Listener(lambda: psycopg2.connect(target, **kwargs))
        if not args and not kwargs:
            raise ConfigError(
                "the psycopg2 driver cannot tell where to LISTEN: its pool keeps no connection "
                "arguments; pass dsn= or listener_url="
            )
        return Psycopg2Listener(lambda: psycopg2.connect(*args, **kwargs))

    def close(self) -> None:
        if self._owns_pool and not self.pool.closed:
            self.pool.closeall()

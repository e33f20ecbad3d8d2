"""River's driver for asyncpg (async only)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import asyncpg

from river.driver.copy_binary import copy_pieces, copy_pieces_of_rows
from river.driver.driver_async import AsyncDriver, AsyncListener
from river.driver.errors import ConnectionLostError
from river.driver.executor_async import AsyncExecutor
from river.driver.keepalive import DEFAULT_TCP_KEEPALIVE, TcpKeepalive
from river.driver.params import JobInsertFastParams, Notification
from river.driver.query import SCHEMA_MARK, CompiledQuery, ParamStyle, schema_prefix
from river.driver.sql_job import COPY_COLUMNS
from river.driver.urls import DEFAULT_CONNECT_TIMEOUT, connect_timeout_error, normalize_url
from river.errors import ConfigError
from river_asyncpg._errors import translate_errors


def _positional(query: CompiledQuery, args: Mapping[str, Any]) -> list[Any]:
    return [args[name] for name in query.names]


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release a pooled connection without asyncpg's reset query (one round trip per
    release). River leaves no session state on its pool's connections: settings are
    transaction-local, advisory locks transaction-scoped, LISTEN on a connection of its
    own; asyncpg has already rolled back a transaction left open."""


class AsyncpgExecutor(AsyncExecutor):
    """Runs on the pool (each call on its own connection) or on one connection: a
    transaction of this executor's, or the caller's own connection."""

    paramstyle: ClassVar[ParamStyle] = ParamStyle.NUMERIC

    def __init__(
        self,
        schema: str | None,
        *,
        pool: asyncpg.Pool | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> None:
        if (pool is None) == (conn is None):
            raise ValueError("give exactly one of pool or conn")
        super().__init__(schema, on_pool=conn is None)
        self._pool = pool
        self._conn = conn
        # Pool and connection share the query methods used here.
        self._target: Any = conn if conn is not None else pool

    async def _execute(self, query: CompiledQuery, args: Mapping[str, Any]) -> None:
        with translate_errors():
            await self._target.execute(query.sql, *_positional(query, args))

    async def _fetch_all(
        self, query: CompiledQuery, args: Mapping[str, Any]
    ) -> list[Sequence[Any]]:
        with translate_errors():
            return list(await self._target.fetch(query.sql, *_positional(query, args)))

    async def exec_script(self, script: str) -> None:
        # Without arguments asyncpg sends a simple query, which may hold several statements.
        with translate_errors():
            await self._target.execute(script.replace(SCHEMA_MARK, schema_prefix(self.schema)))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncpgExecutor]:
        with translate_errors():
            if self._conn is not None:
                # asyncpg makes this a savepoint when a transaction is already open.
                async with self._conn.transaction():
                    yield self
            else:
                assert self._pool is not None
                async with self._pool.acquire() as conn, conn.transaction():
                    yield self.in_transaction(AsyncpgExecutor(self.schema, conn=conn))

    async def _copy_jobs(self, rows: list[tuple[Any, ...]]) -> int:
        await self._copy(copy_pieces_of_rows(rows))
        return len(rows)

    async def _copy_params(self, pieces: Iterable[Sequence[JobInsertFastParams]]) -> None:
        await self._copy(copy_pieces(pieces))

    async def _copy(self, data: Iterator[bytes]) -> None:
        # Binary COPY data built in pieces (asyncpg's connections speak UTF-8): cheaper than
        # asyncpg's per-record encoding, and each piece is sent while the next is built.
        # The first is built before the COPY starts, so its checks fail before any I/O.
        first = next(data, None)
        if first is None:
            return
        with translate_errors():
            if self._conn is not None:
                await self._copy_on(self._conn, _sent(first, data))
            else:
                assert self._pool is not None
                async with self._pool.acquire() as conn:
                    await self._copy_on(conn, _sent(first, data))

    async def _copy_on(self, conn: asyncpg.Connection, source: AsyncIterator[bytes]) -> None:
        # asyncpg quotes the names itself.
        await conn.copy_to_table(
            "river_job", source=source, columns=list(COPY_COLUMNS),
            schema_name=self.schema, format="binary",
        )


async def _sent(first: bytes, rest: Iterator[bytes]) -> AsyncIterator[bytes]:
    # asyncpg reads bytes as a file name; an async iterable is sent piece by piece.
    yield first
    for piece in rest:
        yield piece


def _discard_connection(attempt: asyncio.Future[asyncpg.Connection]) -> None:
    if not attempt.cancelled() and attempt.exception() is None:
        attempt.result().terminate()


def set_keepalive(conn: asyncpg.Connection, settings: TcpKeepalive | None) -> None:
    """Set ``settings`` on ``conn``'s TCP socket. asyncpg takes no keepalive parameters and
    exposes no socket: it is reached through the connection's transport (a private
    attribute, skipped if a later asyncpg drops it)."""
    if settings is None:
        return
    transport = getattr(conn, "_transport", None)
    if transport is not None:
        settings.apply(transport.get_extra_info("socket"))


def _with_keepalive(
    settings: TcpKeepalive, init: Callable[[asyncpg.Connection], Awaitable[None]] | None
) -> Callable[[asyncpg.Connection], Awaitable[None]]:
    """A pool's ``init``: set keepalives on each new connection, then run ``init``."""

    async def init_connection(conn: asyncpg.Connection) -> None:
        set_keepalive(conn, settings)
        if init is not None:
            await init(conn)

    return init_connection


class AsyncpgListener(AsyncListener):
    """LISTENs on a dedicated connection, outside the pool; asyncpg delivers notifications
    to a callback, which queues them."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        tcp_keepalive: TcpKeepalive | None = DEFAULT_TCP_KEEPALIVE,
    ) -> None:
        self._connect = connect
        self._tcp_keepalive = tcp_keepalive
        self._conn: asyncpg.Connection | None = None
        # None marks the connection's end, waking a waiter at once.
        self._queue: asyncio.Queue[Notification | None] = asyncio.Queue()

    def _on_notify(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        self._queue.put_nowait(Notification(topic=channel, payload=payload))

    def _on_terminate(self, conn: Any) -> None:
        self._queue.put_nowait(None)

    def _connected(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            raise ConnectionLostError("the listener is not connected")
        return self._conn

    async def connect(self) -> None:
        # Shielded: asyncpg leaves a failed future behind when a connect is cancelled
        # half-way (a client stopping while its notifier connects); finish, then close.
        attempt = asyncio.ensure_future(self._connect())
        try:
            with translate_errors():
                conn = await asyncio.shield(attempt)
        except asyncio.CancelledError:
            attempt.add_done_callback(_discard_connection)
            raise
        set_keepalive(conn, self._tcp_keepalive)
        conn.add_termination_listener(self._on_terminate)
        self._conn = conn

    async def listen(self, channel: str) -> None:
        # asyncpg quotes the channel name.
        with translate_errors():
            await self._connected().add_listener(channel, self._on_notify)

    async def unlisten(self, channel: str) -> None:
        with translate_errors():
            await self._connected().remove_listener(channel, self._on_notify)

    async def wait_for_notification(self, timeout: float) -> Notification | None:
        if self._queue.empty():
            self._connected()
        try:
            note = await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None
        if note is None:
            raise ConnectionLostError("the listener's connection closed")
        return note

    async def ping(self) -> None:
        with translate_errors():
            await self._connected().execute("SELECT 1")

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.remove_termination_listener(self._on_terminate)
            await conn.close()
        self._queue = asyncio.Queue()


class AsyncpgDriver(AsyncDriver[asyncpg.Connection]):
    """River's driver on an ``asyncpg.Pool``.

    ``open`` creates a pool that ``close`` closes; a pool given to the constructor stays
    the caller's. Transactions (``unwrap_executor``) are the caller's
    ``asyncpg.Connection`` objects.
    """

    name: ClassVar[str] = "asyncpg"

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        url: str | None = None,
        listener_url: str | None = None,
        listener_options: Mapping[str, Any] | None = None,
        tcp_keepalive: TcpKeepalive | None = DEFAULT_TCP_KEEPALIVE,
    ) -> None:
        self.pool = pool
        self._url = url
        self._listener_url = listener_url
        self._listener_options = dict(listener_options or {})
        self._tcp_keepalive = tcp_keepalive
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
        tcp_keepalive: TcpKeepalive | None = DEFAULT_TCP_KEEPALIVE,
        **pool_options: Any,
    ) -> AsyncpgDriver:
        """Open an ``asyncpg.Pool`` on ``url`` (SQLAlchemy-style ``postgresql+asyncpg://``
        and ``postgres://`` URLs too); ``pool_options`` go to ``asyncpg.create_pool``
        (``statement_cache_size=0`` behind PgBouncer in transaction mode), and those
        ``asyncpg.connect`` takes to the listener's connection too. ``listener_url`` is
        where the listener connects for LISTEN (default ``url``): a direct server address
        when ``url`` is a transaction-mode pooler. The pool's connections are not reset on
        release (River sets no session state); pass ``reset`` to reset them, e.g. when the
        pool is shared with code that does. A server that does not answer a new
        connection within ``connect_timeout`` seconds raises ``ConnectTimeoutError``.
        ``tcp_keepalive`` is set on every connection's socket, the listener's included, so
        that a server cut off without a word is noticed within about 30 s (``None``: the
        system's defaults; see ``river.driver.keepalive``)."""
        url = normalize_url(url)
        listener_url = normalize_url(listener_url) if listener_url else None
        if not connect_timeout > 0:
            raise ConfigError(
                f"connect_timeout must be a positive number of seconds, got {connect_timeout!r}"
            )
        pool_options.setdefault("timeout", connect_timeout)
        if tcp_keepalive is not None:
            pool_options["init"] = _with_keepalive(tcp_keepalive, pool_options.get("init"))
        if "reset" in inspect.signature(asyncpg.create_pool).parameters:  # asyncpg 0.30+
            pool_options.setdefault("reset", _keep_session)
        try:
            with translate_errors():
                pool = await asyncpg.create_pool(
                    url, min_size=min_size, max_size=max_size, **pool_options
                )
        except TimeoutError as exc:  # asyncpg's connect timeout, without words
            raise connect_timeout_error(url, pool_options["timeout"]) from exc
        connect_params = inspect.signature(asyncpg.connect).parameters
        listener_options = {k: v for k, v in pool_options.items() if k in connect_params}
        driver = cls(
            pool,
            url=url,
            listener_url=listener_url,
            listener_options=listener_options,
            tcp_keepalive=tcp_keepalive,
        )
        driver._owns_pool = True
        return driver

    def get_executor(self, schema: str | None = None) -> AsyncpgExecutor:
        return AsyncpgExecutor(schema, pool=self.pool)

    def unwrap_executor(self, tx: asyncpg.Connection, schema: str | None = None) -> AsyncpgExecutor:
        return AsyncpgExecutor(schema, conn=tx)

    def get_listener(self) -> AsyncpgListener:
        url = self._listener_url or self._url
        if url is not None:
            options = self._listener_options
            return AsyncpgListener(lambda: asyncpg.connect(url, **options), self._tcp_keepalive)
        # A caller's pool: connect as it does (asyncpg has no public accessor for this).
        args, kwargs = self.pool._connect_args, self.pool._connect_kwargs
        return AsyncpgListener(lambda: asyncpg.connect(*args, **kwargs), self._tcp_keepalive)

    async def close(self) -> None:
        if self._owns_pool:
            await self.pool.close()

"""Pools of each River driver's shape that lend connections from a SQLAlchemy engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from river.driver.driver import Driver
from river.driver.driver_async import AsyncDriver

_SYNC_DRIVERS = ("psycopg", "psycopg2")
_ASYNC_DRIVERS = ("asyncpg", "psycopg")


def listener_url(engine: Engine | AsyncEngine) -> str:
    """A libpq URL for ``engine``'s database (with its password), for connections made
    outside the pool such as the listener's."""
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _max_size(engine: Engine | AsyncEngine) -> int:
    pool: Any = engine.pool
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", 0)
    total = (size() if callable(size) else 5) + max(int(overflow), 0)
    return max(total, 1)


class _PsycopgPool:
    """``psycopg_pool.ConnectionPool``'s ``connection()`` over a sync engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conninfo = listener_url(engine)
        self.kwargs: dict[str, Any] = {}

    @contextmanager
    def connection(self) -> Iterator[Any]:
        fairy = self.engine.raw_connection()
        try:
            raw: Any = fairy.driver_connection
            raw.autocommit = True
            try:
                yield raw
            finally:
                if not raw.closed:
                    raw.autocommit = False
        finally:
            fairy.close()


class _Psycopg2Pool:
    """The part of a psycopg2 pool River's driver uses, over a sync engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.maxconn = _max_size(engine)
        self.closed = False
        self._lent: dict[int, Any] = {}

    def getconn(self) -> Any:
        fairy = self.engine.raw_connection()
        raw = fairy.driver_connection
        assert raw is not None
        self._lent[id(raw)] = fairy
        return raw

    def putconn(self, conn: Any, close: bool = False) -> None:
        fairy = self._lent.pop(id(conn))
        if not conn.closed:
            conn.autocommit = False
        if close:
            fairy.invalidate()
        fairy.close()


class _AsyncPsycopgPool:
    """``psycopg_pool.AsyncConnectionPool``'s ``connection()`` over an async engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.conninfo = listener_url(engine)
        self.kwargs: dict[str, Any] = {}

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        async with self.engine.connect() as conn:
            raw: Any = (await conn.get_raw_connection()).driver_connection
            await raw.set_autocommit(True)
            try:
                yield raw
            finally:
                if not raw.closed:
                    await raw.set_autocommit(False)


class _AsyncpgPool:
    """The part of an ``asyncpg.Pool`` River's driver uses, over an async engine. asyncpg
    connections run in autocommit unless a transaction is started, so they are lent as
    they are."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        async with self.engine.connect() as conn:
            yield (await conn.get_raw_connection()).driver_connection

    async def execute(self, *args: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.execute(*args)

    async def fetch(self, *args: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.fetch(*args)


def make_driver(engine: Engine | AsyncEngine) -> Driver[Any] | AsyncDriver[Any]:
    name = engine.dialect.driver
    if engine.dialect.name != "postgresql":
        raise ValueError(f"River needs a PostgreSQL engine, not {engine.dialect.name!r}")
    if isinstance(engine, AsyncEngine):
        if name == "asyncpg":
            from river_asyncpg import AsyncpgDriver

            return AsyncpgDriver(_AsyncpgPool(engine), url=listener_url(engine))
        if name == "psycopg":
            from river_psycopg3 import AsyncPsycopgDriver

            return AsyncPsycopgDriver(_AsyncPsycopgPool(engine))  # type: ignore[arg-type]
        wanted = ", ".join(f"postgresql+{d}" for d in _ASYNC_DRIVERS)
    else:
        if name == "psycopg":
            from river_psycopg3 import PsycopgDriver

            return PsycopgDriver(_PsycopgPool(engine))  # type: ignore[arg-type]
        if name == "psycopg2":
            from river_psycopg2 import Psycopg2Driver

            return Psycopg2Driver(_Psycopg2Pool(engine), dsn=listener_url(engine))
        wanted = ", ".join(f"postgresql+{d}" for d in _SYNC_DRIVERS)
    raise ValueError(
        f"no River driver for SQLAlchemy's postgresql+{name} dialect on a "
        f"{type(engine).__name__}; use one of {wanted}"
    )

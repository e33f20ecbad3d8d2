"""River's driver for asyncpg (async only)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import asyncpg

from river.driver import sql
from river.driver.driver_async import AsyncDriver, AsyncListener
from river.driver.executor_async import AsyncExecutor
from river.driver.params import Notification
from river.driver.query import CompiledQuery, ParamStyle, quote_ident


def _args(query: CompiledQuery, args: Mapping[str, Any]) -> list[Any]:
    return [args[n] for n in query.names]


class AsyncpgExecutor(AsyncExecutor):
    """Runs on the pool (one connection per call) or on one connection."""

    paramstyle: ClassVar[ParamStyle] = ParamStyle.NUMERIC

    def __init__(
        self,
        schema: str | None,
        *,
        pool: asyncpg.Pool | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> None:
        super().__init__(schema)
        self._pool = pool
        self._conn = conn

    async def _execute(self, query: CompiledQuery, args: Mapping[str, Any]) -> None:
        target = self._conn if self._conn is not None else self._pool
        assert target is not None
        await target.execute(query.sql, *_args(query, args))

    async def _fetch_all(
        self, query: CompiledQuery, args: Mapping[str, Any]
    ) -> list[Sequence[Any]]:
        target = self._conn if self._conn is not None else self._pool
        assert target is not None
        return list(await target.fetch(query.sql, *_args(query, args)))

    async def exec_script(self, script: str) -> None:
        target = self._conn if self._conn is not None else self._pool
        assert target is not None
        await target.execute(script.replace(sql.S, _prefix(self.schema)))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncpgExecutor]:
        if self._conn is not None:
            async with self._conn.transaction():
                yield self
            return
        assert self._pool is not None
        async with self._pool.acquire() as conn, conn.transaction():
            yield AsyncpgExecutor(self.schema, conn=conn)

    async def _copy_jobs(self, rows: list[tuple[Any, ...]]) -> int:
        records = [(*r[:11], asyncpg.BitString.from_int(r[11], 8) if r[11] else None) for r in rows]
        if self._conn is not None:
            await self._copy(self._conn, records)
        else:
            assert self._pool is not None
            async with self._pool.acquire() as conn:
                await self._copy(conn, records)
        return len(rows)

    async def _copy(self, conn: asyncpg.Connection, records: list[tuple[Any, ...]]) -> None:
        await conn.copy_records_to_table(
            "river_job",
            records=records,
            columns=list(sql.COPY_COLUMNS),
            schema_name=self.schema,
        )


def _prefix(schema: str | None) -> str:
    return quote_ident(schema) + "." if schema else ""


class AsyncpgListener(AsyncListener):
    def __init__(self, connect: Any) -> None:
        self._connect = connect
        self._conn: asyncpg.Connection | None = None
        self._queue: asyncio.Queue[Notification] = asyncio.Queue()

    def _on_notify(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        self._queue.put_nowait(Notification(topic=channel, payload=payload))

    async def connect(self) -> None:
        self._conn = await self._connect()

    async def listen(self, channel: str) -> None:
        assert self._conn is not None
        await self._conn.add_listener(channel, self._on_notify)

    async def unlisten(self, channel: str) -> None:
        assert self._conn is not None
        await self._conn.remove_listener(channel, self._on_notify)

    async def wait_for_notification(self, timeout: float) -> Notification | None:
        if self._queue.empty() and (self._conn is None or self._conn.is_closed()):
            raise ConnectionError("listener connection is closed")
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            if self._conn is None or self._conn.is_closed():
                raise ConnectionError("listener connection is closed") from None
            return None

    async def ping(self) -> None:
        assert self._conn is not None
        await self._conn.execute("SELECT 1")

    async def close(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()
        self._conn = None


class AsyncpgDriver(AsyncDriver[Any]):
    """River's driver on an ``asyncpg.Pool``; transactions are ``asyncpg.Connection``s."""

    name: ClassVar[str] = "asyncpg"

    def __init__(self, pool: asyncpg.Pool, *, url: str | None = None) -> None:
        self.pool = pool
        self._url = url
        self._owns_pool = False

    @classmethod
    async def open(cls, url: str, *, min_size: int = 1, max_size: int = 10) -> AsyncpgDriver:
        pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size)
        driver = cls(pool, url=url)
        driver._owns_pool = True
        return driver

    def get_executor(self, schema: str | None = None) -> AsyncpgExecutor:
        return AsyncpgExecutor(schema, pool=self.pool)

    def unwrap_executor(
        self, tx: asyncpg.Connection[Any], schema: str | None = None
    ) -> AsyncpgExecutor:
        return AsyncpgExecutor(schema, conn=tx)

    def get_listener(self) -> AsyncpgListener:
        url = self._url
        if url is not None:
            return AsyncpgListener(lambda: asyncpg.connect(url))
        args, kwargs = self.pool._connect_args, self.pool._connect_kwargs
        return AsyncpgListener(lambda: asyncpg.connect(*args, **kwargs))

    async def close(self) -> None:
        if self._owns_pool:
            await self.pool.close()

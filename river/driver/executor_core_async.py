"""What every executor stands on: the primitives a driver supplies (``_execute``,
``_fetch_all``, ``exec_script``, ``transaction``, ``_copy_jobs``), the generic statements
built on them, and the statements on no River table (``sql_pg_misc``: the current schema,
a ping, ``NOTIFY``).

The sync twin ``executor_core.py`` is generated from this file.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from river.driver import (
    binds,
    sql_pg_misc,
)
from river.driver.executor_base import ExecutorBase
from river.driver.params import (
    JobInsertFastParams,
    NotifyManyParams,
)
from river.driver.query import CompiledQuery


class AsyncExecutorCore(ExecutorBase, abc.ABC):
    """Runs statements on a pool (each call autocommits) or on one transaction."""

    # -- primitives supplied by drivers -----------------------------------------------

    @abc.abstractmethod
    async def _execute(self, query: CompiledQuery, args: Mapping[str, Any]) -> None: ...

    @abc.abstractmethod
    async def _fetch_all(
        self, query: CompiledQuery, args: Mapping[str, Any]
    ) -> list[Sequence[Any]]: ...

    @abc.abstractmethod
    async def exec_script(self, script: str) -> None:
        """Run SQL text without parameters (may hold several statements)."""

    @abc.abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[AsyncExecutorCore]:
        """A transaction (a savepoint when already in one) yielding an executor bound to it."""

    @abc.abstractmethod
    async def _copy_jobs(self, rows: list[tuple[Any, ...]]) -> int:
        """COPY rows (in ``sql_job.COPY_COLUMNS`` order) into river_job; return the count."""

    async def _copy_params(self, pieces: Iterable[Sequence[JobInsertFastParams]]) -> None:
        """COPY checked jobs into river_job, given in pieces (see
        ``copy_binary.copy_pieces``); a driver may encode them without rows."""
        rows = binds.copy_rows([p for piece in pieces for p in piece])
        if rows:  # no COPY round trip for no jobs
            await self._copy_jobs(rows)

    # -- generic helpers ----------------------------------------------------------------

    async def execute(self, query: str, args: Mapping[str, Any] | None = None) -> None:
        await self._execute(self.compile(query), args or {})

    async def fetch_all(
        self, query: str, args: Mapping[str, Any] | None = None
    ) -> list[Sequence[Any]]:
        return await self._fetch_all(self.compile(query), args or {})

    async def fetch_one(
        self, query: str, args: Mapping[str, Any] | None = None
    ) -> Sequence[Any] | None:
        rows = await self._fetch_all(self.compile(query), args or {})
        return rows[0] if rows else None

    async def current_schema(self) -> str:
        row = await self.fetch_one(sql_pg_misc.CURRENT_SCHEMA)
        return str(row[0]) if row else ""

    async def ping(self) -> None:
        """Fail unless the database answers."""
        await self.fetch_one(sql_pg_misc.PING)

    # -- notifications ----------------------------------------------------------------

    async def notify_many(self, params: NotifyManyParams) -> None:
        if params.payloads:
            await self.fetch_all(
                sql_pg_misc.NOTIFY_MANY, {"topic": params.topic, "payloads": list(params.payloads)}
            )

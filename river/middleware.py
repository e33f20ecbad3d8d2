"""Middleware and hooks: plain objects wrapping inserts and work, pass-through by default.

Worker middleware runs outermost first: the client's ``Config.middleware``, then the
middleware of plugins (``river_middleware`` hook; the plugin registered last first, so
river's own ``river.resumable`` is innermost of them), then the worker's own
``middleware(job)``. Insert middleware follows the same order and also wraps
``insert_many_fast`` (whose ``call_next`` returns an empty list: COPY returns no rows).
Hooks run in the order ``Config.hooks``, plugin hooks, the worker's ``hooks(job)``
(work hooks only). ``client.worker_middleware``, ``client.insert_middleware`` and
``client.hooks`` show the resulting order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from river.driver.params import JobInsertFastParams, JobInsertResult
from river.types import JobRow


class WorkerMiddleware:
    """Wraps each job worked by a ``river.Client``."""

    def work(self, job: JobRow, call_next: Callable[[], None]) -> None:
        call_next()


class AsyncWorkerMiddleware:
    """Wraps each job worked by a ``river.AsyncClient``."""

    async def work(self, job: JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        await call_next()


class InsertMiddleware:
    """Wraps each insert batch of a ``river.Client``."""

    def insert_many(
        self,
        params: Sequence[JobInsertFastParams],
        call_next: Callable[[Sequence[JobInsertFastParams]], list[JobInsertResult]],
    ) -> list[JobInsertResult]:
        return call_next(params)


class AsyncInsertMiddleware:
    """Wraps each insert batch of a ``river.AsyncClient``."""

    async def insert_many(
        self,
        params: Sequence[JobInsertFastParams],
        call_next: Callable[[Sequence[JobInsertFastParams]], Awaitable[list[JobInsertResult]]],
    ) -> list[JobInsertResult]:
        return await call_next(params)


class Hook:
    """Lifecycle hooks of a ``river.Client``; override the ones you need."""

    def insert_begin(self, params: JobInsertFastParams) -> None:
        return None

    def work_begin(self, job: JobRow) -> None:
        return None

    def work_end(self, job: JobRow, error: BaseException | None) -> BaseException | None:
        return error


class AsyncHook:
    """Lifecycle hooks of a ``river.AsyncClient``; override the ones you need."""

    async def insert_begin(self, params: JobInsertFastParams) -> None:
        return None

    async def work_begin(self, job: JobRow) -> None:
        return None

    async def work_end(self, job: JobRow, error: BaseException | None) -> BaseException | None:
        return error


#: What ``Config.middleware`` and a plugin's ``river_middleware`` hook hold (the client
#: checks the colour).
AnyMiddleware = WorkerMiddleware | AsyncWorkerMiddleware | InsertMiddleware | AsyncInsertMiddleware
#: What ``Config.hooks`` and a plugin's ``river_hooks`` hook hold.
AnyHook = Hook | AsyncHook

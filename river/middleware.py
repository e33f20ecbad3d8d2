"""Middleware and hooks: plain objects wrapping inserts and work, pass-through by default.

Worker middleware runs outermost first: the client's ``Config.middleware``, then the
middleware of plugins (``river_middleware`` hook; the plugin registered last first, so
river's own ``river.resumable`` is innermost of them), then the worker middleware of the
job's args type (its ``plugins()`` classmethod, River's ``JobArgsWithPlugins``), then the
worker's own ``middleware(job)``. Insert middleware follows the same order (an args
type's insert middleware wraps each batch holding its kind, once) and also wraps
``insert_many_fast`` (whose ``call_next`` returns an empty list: COPY returns no rows).
Hooks run in the order ``Config.hooks``, plugin hooks, the hooks of the job's args type
(those of its ``plugins()``, then its ``hooks()`` classmethod: River's
``JobArgsWithHooks``), the worker's ``hooks(job)`` (work hooks only); ``insert_begin``
runs per job inside all insert middleware, ``work_begin``/``work_end`` inside all worker
middleware, as in River. ``client.worker_middleware``, ``client.insert_middleware`` and
``client.hooks`` show the client's part of that order; ``river._internal.executor.hook_lookup``
reads and caches the args types' part per kind.

Besides the job hooks, a hook may implement ``metric_emit(metric)`` (River's
``HookMetricEmit``: called with a ``JobGetAvailableDurationMetric`` and a
``JobGetAvailableCountMetric`` after each fetch of a queue; it runs on the fetch path, so
it must not block) and ``periodic_jobs_start(params)`` (River's ``HookPeriodicJobsStart``:
called when a newly elected leader starts its periodic job enqueuer, before it inserts
anything; an exception stops that enqueuer for the leadership term). Those two are only
called on the client's and plugins' hooks, never on an args type's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from river.types import JobInsertFastParams, JobInsertResult, JobRow


@dataclass(frozen=True, slots=True)
class JobGetAvailableDurationMetric:
    """How long one successful fetch of available jobs took, in seconds."""

    duration: float
    queue: str


@dataclass(frozen=True, slots=True)
class JobGetAvailableCountMetric:
    """How many jobs one successful fetch locked."""

    count: int
    queue: str


Metric = JobGetAvailableDurationMetric | JobGetAvailableCountMetric


@dataclass(frozen=True, slots=True)
class PeriodicJobsStartParams:
    """The periodic jobs (``river.PeriodicJob``) the starting enqueuer will run."""

    periodic_jobs: tuple[Any, ...]


class WorkerMiddleware:
    """Wraps each job worked by a ``river.Client``."""

    def work(self, job: JobRow, call_next: Callable[[], None]) -> None:
        call_next()


class AsyncWorkerMiddleware:
    """Wraps each job worked by a ``river.AsyncClient``."""

    async def work(self, job: JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        await call_next()


class WorksAtOnce:
    """Worker middleware whose work for most jobs is a synchronous step before the rest
    of the chain: the executor asks ``work_at_once`` first and, when it did the job's
    step, calls the next step directly rather than through ``work`` (a coroutine and a
    frame less a job). River's own plugins use it; ``work`` stays the whole behaviour."""

    def work_at_once(self, job: JobRow) -> bool:
        """Do this middleware's step for ``job`` now if it needs nothing around the rest
        of the chain; False when ``work`` must run instead."""
        return False


def enter_middleware(mw: WorksAtOnce, job: JobRow, call_next: Callable[[], Any]) -> Any:
    """``mw.work(job, call_next)``, or ``call_next()`` once ``mw.work_at_once(job)`` did
    the step: the step runs when the outer middleware calls its ``call_next``."""
    if mw.work_at_once(job):
        return call_next()
    return cast(Any, mw).work(job, call_next)


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

    def metric_emit(self, metric: Metric) -> None:
        return None

    def periodic_jobs_start(self, params: PeriodicJobsStartParams) -> None:
        return None


class AsyncHook:
    """Lifecycle hooks of a ``river.AsyncClient``; override the ones you need."""

    async def insert_begin(self, params: JobInsertFastParams) -> None:
        return None

    async def work_begin(self, job: JobRow) -> None:
        return None

    async def work_end(self, job: JobRow, error: BaseException | None) -> BaseException | None:
        return error

    def metric_emit(self, metric: Metric) -> None:
        """Not a coroutine: called on the fetch path, it must not block or wait."""
        return None

    async def periodic_jobs_start(self, params: PeriodicJobsStartParams) -> None:
        return None


def overrides(hook: Any, method: str) -> bool:
    """Whether ``hook`` implements ``method`` itself (not just the pass-through default)."""
    base = AsyncHook if isinstance(hook, AsyncHook) else Hook
    return getattr(type(hook), method, None) is not getattr(base, method)


#: What ``Config.middleware`` and a plugin's ``river_middleware`` hook hold (the client
#: checks the colour).
AnyMiddleware = WorkerMiddleware | AsyncWorkerMiddleware | InsertMiddleware | AsyncInsertMiddleware
#: What ``Config.hooks`` and a plugin's ``river_hooks`` hook hold.
AnyHook = Hook | AsyncHook

"""What the runtime's services need of the client that runs them, as Protocols the
clients satisfy structurally.

A service holds one of these, never the client's class (which sits above it in the
layers), so what a service may call on its client is written down here and checked by
mypy. A producer hands its client to each job's context: it holds a
``river.context.AsyncJobClient`` (a sync producer a ``JobClient``). Likewise the job
executor holds its completer as the ``OutcomeSink`` it calls, so the executor, below the
completer and the flows, imports neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from river._internal.executor.hook_lookup import ArgsPluginLookup
from river.clock import TimeGenerator
from river.driver.executor import Executor
from river.driver.executor_async import AsyncExecutor
from river.driver.params import JobInsertFastParams, JobSetStateIfRunningParams
from river.types import JobRow
from river.workflow import Release


class ExecutorClient(Protocol):
    """What a job executor needs of its client: its clock (retries and snoozes count from
    it) and the hooks and middleware declared by args types."""

    @property
    def time(self) -> TimeGenerator: ...
    @property
    def args_plugins(self) -> ArgsPluginLookup: ...


class WorkflowClient(Protocol):
    """What a workflow's insert, cancel and retry need of a ``river.Client``."""

    @property
    def time(self) -> TimeGenerator: ...
    def insert_many_fast(self, params: Sequence[Any]) -> int: ...
    def _build(self, params: Sequence[Any]) -> list[JobInsertFastParams]: ...
    def _insert_fast_on(self, executor: Executor, params: list[JobInsertFastParams]) -> int: ...
    def _job_cancel_on(self, executor: Executor, id: int) -> JobRow: ...


class AsyncWorkflowClient(Protocol):
    """``WorkflowClient`` for ``river.AsyncClient``."""

    @property
    def time(self) -> TimeGenerator: ...
    async def insert_many_fast(self, params: Sequence[Any]) -> int: ...
    def _build(self, params: Sequence[Any]) -> list[JobInsertFastParams]: ...
    async def _insert_fast_on(
        self, executor: AsyncExecutor, params: list[JobInsertFastParams]
    ) -> int: ...
    async def _job_cancel_on(self, executor: AsyncExecutor, id: int) -> JobRow: ...


class OutcomeSink(Protocol):
    """What a sync job executor needs of its completer: room for an outcome, and taking it."""

    def full(self) -> bool: ...
    def wait_for_room(self) -> None: ...
    def wants_info(self) -> bool: ...
    def add(
        self, params: JobSetStateIfRunningParams, info: Any, release: Release | None = None
    ) -> None: ...
    def flush_soon(self) -> None: ...


class AsyncOutcomeSink(Protocol):
    """``OutcomeSink`` for an async job executor."""

    def full(self) -> bool: ...
    async def wait_for_room(self) -> None: ...
    def wants_info(self) -> bool: ...
    def add(
        self, params: JobSetStateIfRunningParams, info: Any, release: Release | None = None
    ) -> None: ...
    def flush_soon(self) -> None: ...

"""What the runtime's services need of the client that runs them, as Protocols the
clients satisfy structurally.

A service holds one of these, never the client's class (which sits above it in the
layers), so what a service may call on its client is written down here and checked by
mypy. A producer hands its client to each job's context: it holds a
``river.context.AsyncJobClient`` (a sync producer a ``JobClient``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from river._internal.executor.hook_lookup import ArgsPluginLookup
from river.clock import TimeGenerator
from river.driver.executor import Executor
from river.driver.executor_async import AsyncExecutor
from river.driver.params import JobInsertFastParams
from river.types import JobRow


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

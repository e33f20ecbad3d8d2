"""A harness working one job inside the caller's transaction (River's ``rivertest.Worker``).

The job is inserted (or taken as given), set ``running`` as a fetch would, and worked by
the client's real job executor with its middleware and hooks; the resulting state change
is written in the same transaction. Nothing is committed: roll back to leave no trace.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from river._acompat import aspawn
from river._internal.executor.job_executor_async import AsyncJobExecutor
from river._internal.executor.job_outcome import JobOutcome
from river.client_async import AsyncClient
from river.config import Config
from river.context import JobContext
from river.driver.params import JobSetStateIfRunningParams
from river.driver.tx_adapters import resolve_tx_async
from river.errors import JobNotFoundError
from river.events import EventKind, event_kind_for
from river.insert_opts import InsertOpts
from river.types import JobRow
from river.worker import AsyncWorker, Workers

T = TypeVar("T")
CLIENT_ID = "river-test-worker"


@dataclass(frozen=True)
class WorkResult:
    """What working the job came to: the event a client would emit, the job's row after
    the attempt, and the exception the worker raised (None when it returned)."""

    event_kind: EventKind
    job: JobRow
    error: BaseException | None = None


class _InlineCompleter:
    """Keeps the one state change, for the harness to write in the caller's transaction."""

    def __init__(self) -> None:
        self.result: tuple[JobSetStateIfRunningParams, JobOutcome] | None = None

    def full(self) -> bool:
        return False

    async def wait_for_room(self) -> None:
        return None

    def wants_info(self) -> bool:
        return True  # the harness reports the outcome's kind and error

    def add(
        self,
        params: JobSetStateIfRunningParams,
        info: Any,
        release: Any = None,
    ) -> None:
        # The completer's signature; what the job frees (a workflow task's dependents, a
        # sequence's next job) is not promoted here:
        # the harness writes the one change in the caller's transaction, nothing more.
        self.result = (params, info)


class AsyncTestWorker(Generic[T]):
    """Works jobs of ``worker`` with a client on ``driver`` configured by ``config``.

    The client has ``Config.test.disable_unique_enforcement`` set; a stubbed clock in
    ``config.test.time`` sets the job's ``attempted_at`` and its retry and snooze times.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, driver: Any, worker: AsyncWorker[T], config: Config | None = None) -> None:
        workers = Workers()
        workers.add(worker)
        config = config or Config()
        # As River's: unique options are ignored entirely, so parallel tests never conflict.
        self.config = dataclasses.replace(
            config,
            workers=workers,
            queues={},
            test=dataclasses.replace(config.test, disable_unique_enforcement=True),
        )
        self.client: AsyncClient[Any] = AsyncClient(driver, self.config)
        # The client's own copy: with a stubbed clock its default retry policy counts from it.
        self.config = self.client.config
        self.worker = worker

    async def work(self, tx: Any, args: T, opts: InsertOpts | None = None) -> WorkResult:
        """Insert a job with ``args`` and ``opts`` in ``tx`` and work it there. Unique
        options (from ``opts`` or the args' ``insert_opts()``) are ignored, as in River."""
        inserted = await self.client.insert_tx(tx, args, opts)
        return await self.work_job(tx, inserted.job)

    async def work_job(self, tx: Any, job: JobRow) -> WorkResult:
        """Work an existing job (which must be in the database, seen by ``tx``)."""
        executor = self.client.driver.unwrap_executor(
            await resolve_tx_async(self.client.driver, tx), self.config.schema
        )
        running = await executor.job_mark_running(
            job.id, CLIENT_ID, self.client.time.now_utc_or_none()
        )
        if running is None:
            raise JobNotFoundError(f"job {job.id} not found: insert it before working it")
        completer = _InlineCompleter()
        job_executor = AsyncJobExecutor(
            client=self.client,
            config=self.config,
            workers=self.client.workers,
            completer=cast(Any, completer),
            middleware=self.client.worker_middleware,
            hooks=self.client.hooks,
            logger=self.client.logger,
        )
        ctx = JobContext(self.client, running)
        if True:  # ASYNC
            # Its own task: a job timeout cancels that task, not the caller's.
            await aspawn(job_executor.execute, running, ctx, name=f"river-test-job-{job.id}")
        else:
            job_executor.execute(running, ctx)
        assert completer.result is not None
        params, outcome = completer.result
        rows = await executor.job_set_state_if_running_many([params])
        final = rows[0] if rows else running
        return WorkResult(event_kind_for(final.state, outcome.kind), final, outcome.error)

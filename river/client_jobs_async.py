"""Managing jobs: get, cancel, delete, retry, list and update, each in its own
transaction (``job_x``) or in the caller's (``job_x_tx``), both through one ``_job_x_on``
that runs on an executor.

The sync ``river.client_jobs`` is generated from this file.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from river._internal.executor.job_outcome import CANCEL_REMOTE
from river._internal.flow.release_async import release as _release
from river._internal.flow.sequence_async import lock as _sequence_lock
from river._internal.notifier.notification import TOPIC_CONTROL, TOPIC_INSERT
from river.client_inserts_async import AsyncClientInserts
from river.context import output_metadata_merge
from river.driver.executor_async import AsyncExecutor
from river.driver.job_list import JobListResult, job_list_result
from river.driver.params import JobCancelParams, JobListParams, JobUpdateParams
from river.driver.tx_adapters import AsyncOrmTx
from river.errors import JobNotFoundError, JobRunningError
from river.job_list import check_delete_many_params
from river.sequence import sequence_key_of
from river.types import JobRow, JobState
from river.workflow import release_on_removal

TxT = TypeVar("TxT")


class AsyncClientJobs(AsyncClientInserts[TxT]):
    """The methods of ``river.AsyncClient`` that manage jobs."""

    async def job_get(self, id: int) -> JobRow:
        return await self._job_get_on(self._executor, id)

    async def job_get_tx(self, tx: TxT | AsyncOrmTx, id: int) -> JobRow:
        return await self._job_get_on(await self._tx_executor(tx), id)

    async def _job_get_on(self, executor: AsyncExecutor, id: int) -> JobRow:
        job = await executor.job_get_by_id(id)
        if job is None:
            raise JobNotFoundError(f"job {id} not found")
        return job

    async def job_cancel(self, id: int) -> JobRow:
        """Cancel a job: at once unless running; a running job is told to stop."""
        job = await self._job_cancel_on(self._executor, id)
        if job.state is JobState.RUNNING:
            self._runtime.cancel_job(id, CANCEL_REMOTE)
        return job

    async def job_cancel_tx(self, tx: TxT | AsyncOrmTx, id: int) -> JobRow:
        return await self._job_cancel_on(await self._tx_executor(tx), id)

    async def _job_cancel_on(self, executor: AsyncExecutor, id: int) -> JobRow:
        topic = await self._topic(executor, TOPIC_CONTROL)
        async with executor.transaction() as tx:
            await self._lock_before_removal(tx, id)
            job = await tx.job_cancel(
                JobCancelParams(
                    id=id,
                    cancel_attempted_at=self.time.now_utc(),
                    control_topic=topic,
                    now=self.time.now_utc_or_none(),
                )
            )
            if job is None:
                raise JobNotFoundError(f"job {id} not found")
            if job.state is JobState.CANCELLED:
                await self._release_after(tx, job)
        return job

    async def job_delete(self, id: int) -> JobRow:
        """Delete a job that is not running."""
        return await self._job_delete_on(self._executor, id)

    async def job_delete_tx(self, tx: TxT | AsyncOrmTx, id: int) -> JobRow:
        return await self._job_delete_on(await self._tx_executor(tx), id)

    async def _job_delete_on(self, executor: AsyncExecutor, id: int) -> JobRow:
        async with executor.transaction() as tx:
            await self._lock_before_removal(tx, id)
            job = await tx.job_delete(id)
            if job is None:
                raise JobNotFoundError(f"job {id} not found")
            if job.state is JobState.RUNNING:
                raise JobRunningError(f"job {id} is running and cannot be deleted")
            await self._release_after(tx, job)
        return job

    async def job_retry(self, id: int) -> JobRow:
        """Make a job available to work again now."""
        return await self._job_retry_on(self._executor, id)

    async def job_retry_tx(self, tx: TxT | AsyncOrmTx, id: int) -> JobRow:
        return await self._job_retry_on(await self._tx_executor(tx), id)

    async def _job_retry_on(self, executor: AsyncExecutor, id: int) -> JobRow:
        async with executor.transaction() as tx:
            job = await tx.job_retry(id, self.time.now_utc_or_none())
            if job is None:
                raise JobNotFoundError(f"job {id} not found")
            key = sequence_key_of(job.metadata)
            if key is not None and job.state is JobState.AVAILABLE:
                # Its turn comes when no other job of its sequence is in the way.
                await _sequence_lock(tx, [key])
                if await tx.sequence_hold(job.id, key):
                    job = dataclasses.replace(job, state=JobState.PENDING)
        return job

    async def job_list(self, params: JobListParams | None = None) -> JobListResult:
        """List jobs matching ``params`` (all jobs by id, 100 at most, without), with
        ``last_cursor`` to continue: ``params.with_after(result.last_cursor)``."""
        params = params or JobListParams()
        return job_list_result(await self._executor.job_list(params), params)

    async def job_list_tx(self, tx: TxT | AsyncOrmTx, params: JobListParams | None = None) -> JobListResult:
        """``job_list`` inside the caller's transaction."""
        params = params or JobListParams()
        executor = await self._tx_executor(tx)
        return job_list_result(await executor.job_list(params), params)

    async def job_delete_many(self, params: JobListParams) -> list[JobRow]:
        """Delete the jobs ``job_list(params)`` would list (ordering, ``after`` and
        ``limit`` included), less the running ones; returns them in the listing's order.

        Params without any filter (see ``JobListParams.filters_empty``) or with ``where``
        conditions raise ``InvalidJobListParamsError`` (a ``ValueError``), the former
        unless they come from ``JobListParams.unsafe_all()`` (or set
        ``unsafe_all_jobs=True``).
        """
        check_delete_many_params(params)
        return await self._executor.job_delete_many(params)

    async def job_delete_many_tx(self, tx: TxT | AsyncOrmTx, params: JobListParams) -> list[JobRow]:
        check_delete_many_params(params)
        executor = await self._tx_executor(tx)
        return await executor.job_delete_many(params)

    async def job_update(self, id: int, *, output: Any = None) -> JobRow:
        """Update a job's output now (River's ``JobUpdate``).

        ``output`` (JSON-encodable, up to 32 MB) replaces the job's output. Without it,
        called from the ``work`` of job ``id``, the output recorded so far with
        ``river.record_output`` is stored at once instead of when the attempt ends.
        Without either, the job is returned unchanged. Raises ``JobNotFoundError``."""
        return await self._job_update_on(self._executor, id, output)

    async def job_update_tx(self, tx: TxT | AsyncOrmTx, id: int, *, output: Any = None) -> JobRow:
        """``job_update`` inside the caller's transaction (River's ``JobUpdateTx``)."""
        return await self._job_update_on(await self._tx_executor(tx), id, output)

    async def _job_update_on(self, executor: AsyncExecutor, id: int, output: Any) -> JobRow:
        merge = output_metadata_merge(id, output)
        if merge is None:
            job = await executor.job_get_by_id(id)
        else:
            job = await executor.job_update(JobUpdateParams(id=id, metadata_merge=merge))
        if job is None:
            raise JobNotFoundError(f"job {id} not found")
        return job

    async def _lock_before_removal(self, tx: AsyncExecutor, id: int) -> None:
        """Take the locks of job ``id``'s workflow and sequence before its row: a
        promotion takes them in that order, so a cancel or delete locking the row first
        (in the caller's transaction) could deadlock with a completion promoting it."""
        job = await tx.job_get_by_id(id)
        freed = None if job is None else release_on_removal(job.metadata)
        if freed is None:
            return
        if freed.workflow_task is not None:
            jit = await tx.workflow_lock([freed.workflow_task[0]])
            await tx.workflow_jit_restore(jit)
        if freed.sequence_key is not None:
            await _sequence_lock(tx, [freed.sequence_key])

    async def _release_after(self, tx: AsyncExecutor, job: JobRow) -> None:
        """A workflow task or a sequence's job cancelled or deleted outside a worker
        releases or cancels its dependents, and frees its sequence, in ``tx``: the
        transaction that cancelled or deleted it."""
        freed = release_on_removal(job.metadata)
        if freed is not None:
            await _release(tx, [freed], insert_topic=await self._topic(tx, TOPIC_INSERT))

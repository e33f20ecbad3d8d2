# WARNING: this file is generated from 'client_jobs_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Managing jobs: get, cancel, delete, retry, list and update, each in its own
transaction (``job_x``) or in the caller's (``job_x_tx``), both through one ``_job_x_on``
that runs on an executor.

The sync ``river.client_jobs`` is generated from this file.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from river._internal.executor.job_outcome import CANCEL_REMOTE
from river._internal.flow.release import release as _release
from river._internal.flow.sequence import lock as _sequence_lock
from river._internal.notifier.notification import TOPIC_CONTROL, TOPIC_INSERT
from river.client_inserts import ClientInserts
from river.context import output_metadata_merge
from river.driver.executor import Executor
from river.driver.job_list import JobListResult, job_list_result
from river.driver.params import JobCancelParams, JobListParams, JobUpdateParams
from river.driver.tx_adapters import OrmTx
from river.errors import JobNotFoundError, JobRunningError
from river.job_list import check_delete_many_params
from river.sequence import sequence_key_of
from river.types import JobRow, JobState
from river.workflow import release_on_removal

TxT = TypeVar("TxT")


class ClientJobs(ClientInserts[TxT]):
    """The methods of ``river.AsyncClient`` that manage jobs."""

    def job_get(self, id: int) -> JobRow:
        return self._job_get_on(self._executor, id)

    def job_get_tx(self, tx: TxT | OrmTx, id: int) -> JobRow:
        return self._job_get_on(self._tx_executor(tx), id)

    def _job_get_on(self, executor: Executor, id: int) -> JobRow:
        job = executor.job_get_by_id(id)
        if job is None:
            raise JobNotFoundError(f"job {id} not found")
        return job

    def job_cancel(self, id: int) -> JobRow:
        """Cancel a job: at once unless running; a running job is told to stop."""
        job = self._job_cancel_on(self._executor, id)
        if job.state is JobState.RUNNING:
            self._runtime.cancel_job(id, CANCEL_REMOTE)
        return job

    def job_cancel_tx(self, tx: TxT | OrmTx, id: int) -> JobRow:
        return self._job_cancel_on(self._tx_executor(tx), id)

    def _job_cancel_on(self, executor: Executor, id: int) -> JobRow:
        topic = self._topic(executor, TOPIC_CONTROL)
        with executor.transaction() as tx:
            self._lock_before_removal(tx, id)
            job = tx.job_cancel(
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
                self._release_after(tx, job)
        return job

    def job_delete(self, id: int) -> JobRow:
        """Delete a job that is not running."""
        return self._job_delete_on(self._executor, id)

    def job_delete_tx(self, tx: TxT | OrmTx, id: int) -> JobRow:
        return self._job_delete_on(self._tx_executor(tx), id)

    def _job_delete_on(self, executor: Executor, id: int) -> JobRow:
        with executor.transaction() as tx:
            self._lock_before_removal(tx, id)
            job = tx.job_delete(id)
            if job is None:
                raise JobNotFoundError(f"job {id} not found")
            if job.state is JobState.RUNNING:
                raise JobRunningError(f"job {id} is running and cannot be deleted")
            self._release_after(tx, job)
        return job

    def job_retry(self, id: int) -> JobRow:
        """Make a job available to work again now."""
        return self._job_retry_on(self._executor, id)

    def job_retry_tx(self, tx: TxT | OrmTx, id: int) -> JobRow:
        return self._job_retry_on(self._tx_executor(tx), id)

    def _job_retry_on(self, executor: Executor, id: int) -> JobRow:
        with executor.transaction() as tx:
            job = tx.job_retry(id, self.time.now_utc_or_none())
            if job is None:
                raise JobNotFoundError(f"job {id} not found")
            key = sequence_key_of(job.metadata)
            if key is not None and job.state is JobState.AVAILABLE:
                # Its turn comes when no other job of its sequence is in the way.
                _sequence_lock(tx, [key])
                if tx.sequence_hold(job.id, key):
                    job = dataclasses.replace(job, state=JobState.PENDING)
        return job

    def job_list(self, params: JobListParams | None = None) -> JobListResult:
        """List jobs matching ``params`` (all jobs by id, 100 at most, without), with
        ``last_cursor`` to continue: ``params.with_after(result.last_cursor)``."""
        params = params or JobListParams()
        return job_list_result(self._executor.job_list(params), params)

    def job_list_tx(self, tx: TxT | OrmTx, params: JobListParams | None = None) -> JobListResult:
        """``job_list`` inside the caller's transaction."""
        params = params or JobListParams()
        executor = self._tx_executor(tx)
        return job_list_result(executor.job_list(params), params)

    def job_delete_many(self, params: JobListParams) -> list[JobRow]:
        """Delete the jobs ``job_list(params)`` would list (ordering, ``after`` and
        ``limit`` included), less the running ones; returns them in the listing's order.

        Params without any filter (see ``JobListParams.filters_empty``) or with ``where``
        conditions raise ``InvalidJobListParamsError`` (a ``ValueError``), the former
        unless they come from ``JobListParams.unsafe_all()`` (or set
        ``unsafe_all_jobs=True``).
        """
        check_delete_many_params(params)
        return self._executor.job_delete_many(params)

    def job_delete_many_tx(self, tx: TxT | OrmTx, params: JobListParams) -> list[JobRow]:
        check_delete_many_params(params)
        executor = self._tx_executor(tx)
        return executor.job_delete_many(params)

    def job_update(self, id: int, *, output: Any = None) -> JobRow:
        """Update a job's output now (River's ``JobUpdate``).

        ``output`` (JSON-encodable, up to 32 MB) replaces the job's output. Without it,
        called from the ``work`` of job ``id``, the output recorded so far with
        ``river.record_output`` is stored at once instead of when the attempt ends.
        Without either, the job is returned unchanged. Raises ``JobNotFoundError``."""
        return self._job_update_on(self._executor, id, output)

    def job_update_tx(self, tx: TxT | OrmTx, id: int, *, output: Any = None) -> JobRow:
        """``job_update`` inside the caller's transaction (River's ``JobUpdateTx``)."""
        return self._job_update_on(self._tx_executor(tx), id, output)

    def _job_update_on(self, executor: Executor, id: int, output: Any) -> JobRow:
        merge = output_metadata_merge(id, output)
        if merge is None:
            job = executor.job_get_by_id(id)
        else:
            job = executor.job_update(JobUpdateParams(id=id, metadata_merge=merge))
        if job is None:
            raise JobNotFoundError(f"job {id} not found")
        return job

    def _lock_before_removal(self, tx: Executor, id: int) -> None:
        """Take the locks of job ``id``'s workflow and sequence before its row: a
        promotion takes them in that order, so a cancel or delete locking the row first
        (in the caller's transaction) could deadlock with a completion promoting it."""
        job = tx.job_get_by_id(id)
        freed = None if job is None else release_on_removal(job.metadata)
        if freed is None:
            return
        if freed.workflow_task is not None:
            jit = tx.workflow_lock([freed.workflow_task[0]])
            tx.workflow_jit_restore(jit)
        if freed.sequence_key is not None:
            _sequence_lock(tx, [freed.sequence_key])

    def _release_after(self, tx: Executor, job: JobRow) -> None:
        """A workflow task or a sequence's job cancelled or deleted outside a worker
        releases or cancels its dependents, and frees its sequence, in ``tx``: the
        transaction that cancelled or deleted it."""
        freed = release_on_removal(job.metadata)
        if freed is not None:
            _release(tx, [freed], insert_topic=self._topic(tx, TOPIC_INSERT))

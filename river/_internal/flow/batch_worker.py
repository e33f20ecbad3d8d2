"""The base classes of batch workers: ``work`` runs the batch gathered around the job
(see ``river.batch``), and subclasses implement ``work_many``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from river._internal.flow import batch as sync_batch
from river._internal.flow import batch_async
from river.batch import BatchWorkerOpts
from river.worker import AsyncWorker, Job, Worker

T = TypeVar("T")

#: What ``work_many`` returns: None when every job completed, else the errors of the jobs
#: that did not (a ``JobSnooze``, a ``JobCancel`` or any exception) by job id.
BatchResults = Mapping[int, BaseException | None] | None


class BatchWorker(Worker[T]):
    """A synchronous batch worker: ``work_many`` gets up to ``batch_worker_opts.max_count``
    jobs of one batch key at once."""

    batch_worker_opts: BatchWorkerOpts = BatchWorkerOpts()

    def work(self, job: Job[T]) -> None:
        sync_batch.run_batch(self, job)

    def work_many(self, jobs: list[Job[T]]) -> BatchResults:
        raise NotImplementedError


class AsyncBatchWorker(AsyncWorker[T]):
    """An asynchronous batch worker: ``work_many`` gets up to
    ``batch_worker_opts.max_count`` jobs of one batch key at once."""

    batch_worker_opts: BatchWorkerOpts = BatchWorkerOpts()

    async def work(self, job: Job[T]) -> None:
        await batch_async.run_batch(self, job)

    async def work_many(self, jobs: list[Job[T]]) -> BatchResults:
        raise NotImplementedError


__all__ = ["AsyncBatchWorker", "BatchResults", "BatchWorker"]

"""A batch leader's work: gather more jobs of its batch key, call ``work_many`` once, and
finish every job but the leader itself (the leader's result goes back to the executor).

The jobs fetched into a batch are marked running by the fetch (``sql_batch``), so a
client that dies mid-batch leaves them to the rescuer like any running job. Their state
changes are decided as the executor decides the leader's (``job_outcome.decide``) and go
in one transaction: the completer's statement (``job_set_state_if_running_many``), then the
promotion of what they free (workflow dependents, a sequence's next job), as
``job_complete_tx`` does; once written, they go to the client's subscribers as the
completer's writes do (``_on_completed``). A failure to write them is logged: the jobs
stay running and the rescuer retries them. A cancel of the leader's attempt (a stop, a remote cancel, a
timeout) reaches the jobs gathered around it: stopped or remotely cancelled, they go back
to available without using an attempt; timed out, they fail as the leader does.

In a queue whose concurrency limits are in force (configured, or set in the queue's
metadata, resolved as the producer resolves them) the leader gathers only what the limits
leave room for: its fetch (``sql_concurrency.job_get_batch_limited``) counts the running
jobs of each partition as the producer's limited fetch counts them, the leader and the
jobs of this client's other batches among them, and with a global limit it runs under the
queue's fetch lock, so that gathers and fetches of every client take turns. Within the
client the gather and the producer's limited fetch take turns too (``limited_turn``), and
the gathered jobs count as the client's running jobs (``batched``) until their results
are written. While it waits for more jobs the leader polls every ``poll_interval`` and,
when the client listens, also wakes on its queue's insert notifications.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, Protocol, cast

from river._acompat import AEvent
from river._internal.executor.job_executor_async import error_handler_cancels
from river._internal.executor.job_log import log_outcome
from river._internal.executor.job_outcome import (
    CANCEL_CLIENT_STOP,
    CANCEL_REMOTE,
    JobOutcome,
    OutcomeContext,
    asks_error_handler,
    decide,
    effective_error,
    is_context_cancel,
)
from river._internal.flow.batch_base import (
    CANCEL_CHECK,
    LOGGER,
    BatchClient,
    decode_batch,
    gather_args,
    next_retry,
    worker_opts,
)
from river._internal.flow.release_async import release
from river._internal.notifier.notification import TOPIC_INSERT, parse_insert
from river._internal.notifier.notifier_async import AsyncNotifier
from river._internal.producer.concurrency_limits import QueueConcurrency
from river._internal.producer.producer_async import AsyncProducer
from river.batch import STATE_KEY, BatchWorkerOpts, batch_key_of, checked_results
from river.concurrency import ConcurrencyConfig, scan_limit
from river.context import AsyncJobClient, JobContext, current_job
from river.driver import sql_batch, sql_concurrency
from river.driver.executor_async import AsyncExecutor
from river.driver.params import JobSetStateIfRunningParams
from river.driver.rows import job_from_row
from river.types import JobRow
from river.worker import Job
from river.workflow import release_on_finish


async def run_batch(worker: Any, job: Job[Any]) -> None:
    """Work ``job`` with the batch gathered around it (alone when the ``river.batch``
    plugin did not mark it as a leader); raises the leader's own error."""
    ctx = current_job.get()
    key = batch_key_of(job.metadata)
    if ctx is None or key is None or not ctx.extras.get(STATE_KEY) or not job.row.attempted_by:
        errors = checked_results({job.id}, await worker.work_many([job]))
        if job.id in errors:
            raise errors[job.id]
        return
    await _Batch(worker, job, ctx, key).run()


if True:  # ASYNC
    # Writes of a batch's results still under way after their job's task was cancelled.
    _FINISHING: set[asyncio.Future[None]] = set()


class _BatchClient(AsyncJobClient, BatchClient, Protocol):
    """What a leader needs of the client working it: a job's context's client, its
    notifier, and the colour-free rest (``BatchClient``)."""

    @property
    def _notifier(self) -> AsyncNotifier | None: ...
    @property
    def _producers(self) -> dict[str, AsyncProducer]: ...


class _Batch:
    def __init__(self, worker: Any, leader: Job[Any], ctx: JobContext, key: str) -> None:
        self.worker = worker
        self.leader = leader
        self.ctx = ctx
        self.key = key
        self.client = cast(_BatchClient, ctx.client)  # a client of this colour works it
        self.executor: AsyncExecutor = self.client.driver.get_executor(self.client.config.schema)
        self.logger = self.client.config.logger or LOGGER
        self.followers: list[JobRow] = []
        # The producer of the leader's queue: the gathered jobs count among its jobs.
        self.producer: AsyncProducer | None = self.client._producers.get(leader.queue)
        self.started = time.monotonic()
        # When work_many ran (its span is each gathered job's run duration).
        self.work_started = self.work_ended = self.started

    async def run(self) -> None:
        opts = worker_opts(self.worker)
        errors: dict[int, BaseException] | None = None
        cancels: set[int] = set()
        try:
            if opts.max_count > 1:
                limits = await self._limits()
                with self._insert_wakes() as wake:
                    await self._gather(opts, limits, wake)
            jobs, decode_errors = decode_batch(self.worker, self.leader, self.followers)
            self.work_started = time.monotonic()
            try:
                results = checked_results({j.id for j in jobs}, await self.worker.work_many(jobs))
            except Exception as exc:  # the batch's error is every job's
                results = {j.id: exc for j in jobs}
            finally:
                self.work_ended = time.monotonic()
            errors = {**decode_errors, **results}
            cancels = await self._handler_cancels(errors)
        except BaseException as exc:
            # Interrupted (a cancel of the leader's attempt) or the gathering failed: the
            # gathered jobs end as the leader does, or with their results once known.
            if errors is None:
                errors = {row.id: exc for row in self.followers}
            await self._finish_whatever_happens(errors, cancels)
            raise
        await self._finish_whatever_happens(errors, cancels)
        error = errors.get(self.leader.id)
        if error is not None:
            raise error

    async def _limits(self) -> ConcurrencyConfig | None:
        """The concurrency limits in force in the leader's queue, resolved as its producer
        resolves them (the configured limits unless its metadata overrides them)."""
        queue = self.leader.queue
        config = self.client._queue_configs.get(queue)
        configured = config.concurrency if config is not None else None
        row = await self.executor.queue_get(queue)
        metadata = row.metadata if row is not None else None
        return QueueConcurrency(queue, configured, self.logger).limits(metadata)

    @contextmanager
    def _insert_wakes(self) -> Iterator[AEvent]:
        """An event set by each insert notification of the leader's queue while the
        batch gathers (never set when the client does not listen: it polls)."""
        wake = AEvent()
        queue = self.leader.queue

        def on_insert(payload: str) -> None:
            notice = parse_insert(payload)
            if notice is not None and notice.queue == queue:
                wake.set()

        notifier = self.client._notifier
        if notifier is not None:
            notifier.subscribe(TOPIC_INSERT, on_insert)
        try:
            yield wake
        finally:
            if notifier is not None:
                notifier.unsubscribe(TOPIC_INSERT, on_insert)

    async def _gather(
        self, opts: BatchWorkerOpts, limits: ConcurrencyConfig | None, wake: AEvent
    ) -> None:
        """Fetch jobs of the key until the batch is full or ``max_delay`` has passed,
        looking again every ``poll_interval`` or as soon as a job is inserted into the
        queue."""
        deadline = self.started + opts.max_delay
        while True:
            wake.clear()  # a notification during the fetch below wakes the next wait
            wanted = opts.max_count - 1 - len(self.followers)
            if wanted > 0:
                if limits is None:
                    fetched = await self._fetch(wanted)
                else:
                    fetched = await self._fetch_limited(wanted, limits)
                fetched.sort(key=lambda j: (j.priority, j.scheduled_at, j.id))
                self.followers += fetched
            left = deadline - time.monotonic()
            if len(self.followers) >= opts.max_count - 1 or left <= 0 or self.ctx.is_cancelled():
                return
            await self._wait(wake, min(opts.poll_interval, left))

    async def _fetch(self, wanted: int) -> list[JobRow]:
        args = gather_args(self.leader, self.key, wanted, self.client.time.now_utc_or_none())
        rows = await self.executor.fetch_all(sql_batch.JOB_GET_BATCH, args)
        return [job_from_row(r) for r in rows]

    async def _fetch_limited(self, wanted: int, limits: ConcurrencyConfig) -> list[JobRow]:
        """``_fetch`` kept to the queue's limits, as the producer's limited fetch keeps to
        them (see ``sql_concurrency``); nothing without the producer of the leader's
        queue, whose jobs are counted (the queue was removed from the client)."""
        producer = self.producer
        if producer is None:
            return []
        by_args = limits.partition.by_args
        query = sql_concurrency.job_get_batch_limited(len(by_args))
        now = self.client.time.now_utc_or_none()
        async with producer.limited_turn:
            args = gather_args(self.leader, self.key, wanted, now) | {
                "active_ids": producer.limited_active_ids(),
                "global_limit": limits.global_limit,
                "local_limit": limits.local_limit,
                "by_args": list(by_args),
                "by_kind": limits.partition.by_kind,
                "scan_limit": scan_limit(limits, wanted),
            }
            rows = await self.executor.fetch_limited(
                query, args, locked=limits.global_limit is not None
            )
            fetched = [job_from_row(r) for r in rows]
            producer.batched.update(job.id for job in fetched)
        return fetched

    async def _wait(self, wake: AEvent, seconds: float) -> None:
        """Wait ``seconds``, or until woken or the leader is cancelled (a sync job cannot
        be interrupted: it looks at its cancel every ``CANCEL_CHECK`` seconds)."""
        until = time.monotonic() + seconds
        while not self.ctx.is_cancelled():
            left = until - time.monotonic()
            if left <= 0 or await wake.wait_timeout(min(left, CANCEL_CHECK)):
                return

    async def _handler_cancels(self, errors: dict[int, BaseException]) -> set[int]:
        """The gathered jobs whose error the client's error handler asks to cancel (the
        leader's error goes to the handler through the job executor, as any job's)."""
        handler = self.client.config.error_handler
        cancels: set[int] = set()
        if handler is None:
            return cancels
        for row in self.followers:
            error = errors.get(row.id)
            reason = self._reason() if is_context_cancel(error) else None
            effective = effective_error(error, reason)
            if effective is None or not asks_error_handler(error, reason):
                continue
            if await error_handler_cancels(handler, row, effective, self.logger):
                cancels.add(row.id)
        return cancels

    async def _finish_whatever_happens(
        self, errors: dict[int, BaseException], cancels: set[int]
    ) -> None:
        """``_finish``, which a cancel of the leader's task (a stop, a remote cancel, a
        timeout: one may come while another is handled) does not interrupt: the results
        are written, and the cancel is raised once they are handed over."""
        if True:  # ASYNC
            finishing = asyncio.ensure_future(self._finish(errors, cancels))
            _FINISHING.add(finishing)
            finishing.add_done_callback(_FINISHING.discard)
            await asyncio.shield(finishing)
        else:
            self._finish(errors, cancels)

    async def _finish(self, errors: dict[int, BaseException], cancels: set[int]) -> None:
        """``_write``; then the gathered jobs, written or left to the rescuer, no longer
        count among the producer's running jobs."""
        try:
            await self._write(errors, cancels)
        finally:
            if self.producer is not None:
                self.producer.batched.difference_update([row.id for row in self.followers])

    async def _write(self, errors: dict[int, BaseException], cancels: set[int]) -> None:
        """Write each gathered job's state change, and what the changes free, in one
        transaction."""
        if not self.followers:
            return
        client = self.client
        now = client.time.now_utc()
        changes: list[JobSetStateIfRunningParams] = []
        outcomes: dict[int, JobOutcome] = {}
        for row in self.followers:
            error = errors.get(row.id)
            reason = self._reason() if is_context_cancel(error) else None
            context = OutcomeContext(
                now=now,
                cancel_reason=reason,
                handler_cancels=row.id in cancels,
                next_retry=None
                if error is None
                else partial(next_retry, self.worker, client.config.retry_policy, row, self.logger),
            )
            params, kind = decide(row, context, error)
            log_outcome(self.logger, row, params, kind, effective_error(error, reason))
            changes.append(params)
            outcomes[row.id] = JobOutcome(
                kind,
                row.attempted_at or now,
                row.scheduled_at,
                self.work_ended - self.work_started,
                self.work_ended,
                error,
            )
        try:
            async with self.executor.transaction() as tx:
                rows = await tx.job_set_state_if_running_many(changes)
                freed = [
                    r for r in (release_on_finish(row.metadata, row.state) for row in rows) if r
                ]
                if freed:
                    await release(tx, freed, insert_topic=await client._topic(tx, TOPIC_INSERT))
        except Exception:
            self.logger.exception(
                "river: the results of %d jobs batched with job %d could not be written; "
                "the rescuer will retry them",
                len(changes),
                self.leader.id,
            )
            return
        # Their events, as the completer hands over the rows it wrote.
        done_at = time.monotonic()
        client._on_completed([(row, (outcomes[row.id], done_at)) for row in rows])

    def _reason(self) -> str | None:
        """Why a gathered job's work was cancelled: the leader's reason, except that a
        remote cancel of the leader, or a cancel of its task from outside the client, is
        a stop for the others (they were not cancelled)."""
        reason = self.ctx.cancel_reason
        if reason == CANCEL_REMOTE:
            return CANCEL_CLIENT_STOP
        if True:  # ASYNC
            task = asyncio.current_task()
            if reason is None and task is not None and task.cancelling() > 0:
                return CANCEL_CLIENT_STOP
        return reason

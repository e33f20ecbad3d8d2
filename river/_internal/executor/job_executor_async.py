"""Works one job: decode args, run middleware and the worker, hand the outcome to the
completer (River's ``jobExecutor``). The state change itself is decided by
``river._internal.executor.job_outcome.decide``."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import logging
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from river._acompat import aspawn, skip_sync
from river._internal.executor.deadlines import DeadlineSlots, ThreadDeadlines
from river._internal.executor.hook_lookup import WorkChains
from river._internal.executor.job_log import (
    ERROR_HANDLER,
    HandlerRole,
    handler_answer,
    handler_interrupted,
    handler_raised,
    handler_wrong_colour,
    log_outcome,
    worker_next_retry,
    worker_timeout,
)
from river._internal.executor.job_outcome import (
    CANCEL_CLIENT_STOP,
    CANCEL_TIMEOUT,
    JobOutcome,
    OutcomeContext,
    asks_error_handler,
    decide,
    effective_error,
    is_own_cancel,
)
from river._internal.executor.seams import AsyncOutcomeSink, ExecutorClient
from river._internal.executor.stuck_jobs import (
    STUCK_HANDLER,
    StuckCount,
    StuckWatch,
    log_job_stuck,
    log_job_unstuck,
    stuck_params,
)
from river.clock import TimeGenerator
from river.config import Config, seconds
from river.context import JobCancelledError, JobContext, current_job
from river.driver.params import JobSetStateIfRunningParams
from river.errors import UnknownJobKindError
from river.job_args import decode_args
from river.middleware import WorksAtOnce, enter_middleware
from river.types import JobRow
from river.worker import AsyncWorker, Job, Workers
from river.workflow import release_on_finish


class AsyncJobExecutor:
    def __init__(
        self,
        *,
        client: ExecutorClient,
        config: Config,
        workers: Workers,
        completer: AsyncOutcomeSink,
        middleware: Sequence[Any],
        hooks: Sequence[Any],
        logger: logging.Logger,
    ) -> None:
        self._config = config
        self._workers = workers
        self._completer = completer
        self._middleware = tuple(middleware)
        self._hooks = tuple(hooks)
        self._logger = logger
        self._default_timeout = seconds(config.job_timeout)
        # Retries and snoozes count from the client's clock (stubbable in tests).
        self._time: TimeGenerator = client.time
        # Jobs still running this long after their timeout are stuck (River's watchStuck).
        self._stuck_threshold = config.job_stuck_threshold_seconds()
        #: How many jobs of this client are stuck right now (``.total``).
        self.stuck_count = StuckCount()
        self._stuck_reports: set[Any] = set()  # keeps running reports referenced
        self._chains = WorkChains(self._hooks, self._middleware, client.args_plugins)
        if True:  # ASYNC
            self._deadlines = DeadlineSlots(self._timed_out)
            self._stuck_watches: Any = DeadlineSlots(self._on_stuck)
        else:
            self._stuck_watches = ThreadDeadlines(self._on_stuck, "river-stuck-jobs")

    async def execute(
        self,
        row: JobRow,
        ctx: JobContext,
        open_slot: Callable[[int], None] | None = None,
        *,
        flush_at_once: bool = False,
    ) -> None:
        """Work ``row``; ``open_slot(job_id)`` is called if the job gets stuck and the
        job stuck handler opens a replacement worker slot. ``flush_at_once``: the
        completer writes the outcome now rather than at its next tick.

        The outcome is handed to the completer exactly once, whatever interrupts the
        attempt: a cancel of the job (a stop, a remote cancel, a timeout) while a hook,
        middleware or the error handler is awaited, or a cancellation of the task from
        outside the client, which is raised again once the outcome is handed over."""
        started = time.monotonic()
        fetched_at = row.attempted_at or self._time.now_utc()
        ctx.started = True
        token = current_job.set(ctx)
        try:
            if ctx.cancel_reason is not None:  # cancelled before it could start
                error: BaseException | None = JobCancelledError(ctx.cancel_reason)
            else:
                error = await self._run(row, ctx, open_slot)
        finally:
            current_job.reset(token)
        ended = time.monotonic()
        # A cancellation from outside the client: raised again once the outcome is handed over.
        escaping: BaseException | None = None
        if True:  # ASYNC
            if _cancelled_from_outside(error, ctx):
                ctx.cancel(CANCEL_CLIENT_STOP)  # the job goes back to available, as on a stop
                escaping = error
        handler_cancels = False
        if asks_error_handler(error, ctx.cancel_reason):
            try:
                handler_cancels = await self._error_handler_cancels(
                    row, effective_error(error, ctx.cancel_reason)
                )
            except BaseException as exc:
                # A cancel of the job (a stop, a remote cancel) interrupts the handler: the
                # attempt is still reported, as without the handler's answer.
                handler_interrupted(
                    ERROR_HANDLER, self._config.error_handler, row, ctx.cancel_reason,
                    self._logger,
                )
                if escaping is None and not is_own_cancel(exc, ctx.cancel_reason):
                    escaping = exc
        try:
            params, kind = self._decide(row, ctx, error, handler_cancels)
        except Exception as exc:
            # Metadata staged by middleware that cannot be encoded fails the attempt
            # instead of leaving the job running until it is rescued.
            ctx.metadata_updates.clear()
            error = exc
            params, kind = self._decide(row, ctx, exc, handler_cancels)
        try:
            log_outcome(self._logger, row, params, kind, effective_error(error, ctx.cancel_reason))
        except Exception as exc:
            # A log handler that raises must not keep the job running until it is rescued
            # (and worked again): the outcome is handed over first, then the error raised.
            if escaping is None:
                escaping = exc
        if self._completer.full():
            try:
                await self._completer.wait_for_room()
            except BaseException as exc:
                # A late cancellation must not lose the result: it is added below.
                if escaping is None and not is_own_cancel(exc, ctx.cancel_reason):
                    escaping = exc
        release = release_on_finish(row.metadata, params.state)
        # The outcome goes only to subscribers' events: none, no outcome to build.
        outcome = (
            JobOutcome(kind, fetched_at, row.scheduled_at, ended - started, ended, error)
            if self._completer.wants_info()
            else None
        )
        self._completer.add(params, outcome, release)
        if flush_at_once:
            self._completer.flush_soon()
        if escaping is not None:
            raise escaping

    def _decide(
        self, row: JobRow, ctx: JobContext, error: BaseException | None, handler_cancels: bool
    ) -> tuple[JobSetStateIfRunningParams, str]:
        context = OutcomeContext(
            now=self._time.now_utc(),
            cancel_reason=ctx.cancel_reason,
            metadata_updates=ctx.metadata_updates,
            handler_cancels=handler_cancels,
            next_retry=None if error is None else lambda: self._next_retry(row),
        )
        return decide(row, context, error)

    async def _run(
        self, row: JobRow, ctx: JobContext, open_slot: Callable[[int], None] | None
    ) -> BaseException | None:
        """Run the job; returns the exception it ended with, or None on success."""
        try:
            found = self._workers.get(row.kind)
            if found is None:
                raise UnknownJobKindError(row.kind)
            worker, args_type = found
            hooks, middleware = self._chains.of(worker, args_type, row)
            # Partials rather than closures: fewer objects a job for the collector.
            # The outermost middleware that do their step at once need no frame at all.
            first = 0
            for mw in middleware:
                if not isinstance(mw, WorksAtOnce) or not mw.work_at_once(row):
                    break
                first += 1
            call: Any = partial(self._work, row, worker, args_type, hooks, ctx, open_slot)
            for i in range(len(middleware) - 1, first - 1, -1):
                mw = middleware[i]
                if isinstance(mw, WorksAtOnce) and i > first:
                    call = partial(enter_middleware, mw, row, call)
                else:  # the first one left was asked already
                    call = partial(mw.work, row, call)
            await call()
            return None
        except (asyncio.CancelledError, Exception) as exc:
            # A cancellation is the job's cancel when its context was cancelled; otherwise
            # the job's own error, or (see ``_cancelled_from_outside``) not meant for it.
            return exc

    async def _work(
        self,
        row: JobRow,
        worker: Any,
        args_type: Any,
        hooks: tuple[Any, ...],
        ctx: JobContext,
        open_slot: Callable[[int], None] | None,
    ) -> None:
        """The work hooks around decoding the args and calling the worker: the innermost
        step of the middleware chain."""
        for hook in hooks:
            await hook.work_begin(row)
        err: BaseException | None = None
        try:
            job: Job[Any] = Job(row, decode_args(args_type, row.encoded_args))
            await self._call_worker(worker, job, ctx, open_slot)
        except Exception as exc:
            err = exc
        for hook in hooks:
            err = await hook.work_end(row, err)
        if err is not None:
            raise err

    async def _call_worker(
        self,
        worker: Any,
        job: Job[Any],
        ctx: JobContext,
        open_slot: Callable[[int], None] | None,
    ) -> None:
        timeout = worker_timeout(worker, job, self._default_timeout, self._logger)
        if True:  # ASYNC
            assert isinstance(worker, AsyncWorker)
        if timeout is None:
            await worker.work(job)
            return
        watch = StuckWatch(job.row, timeout, open_slot, ctx)
        if True:  # ASYNC
            # A shared timer slot is cheaper than a timer handle or timeout scope per job.
            # The stuck timer starts only once the timeout fired: most jobs never need it.
            if ctx.task is None:
                ctx.task = asyncio.current_task()
            slot = self._deadlines.add(watch, timeout)
            try:
                await worker.work(job)
            finally:
                self._deadlines.remove(watch, slot)
                if watch.watch_slot is not None:
                    self._stuck_watches.remove(watch, watch.watch_slot)
                    if self.stuck_count.mark_done(watch):
                        log_job_unstuck(watch, self._stuck_threshold, self._logger)
        else:
            ctx.deadline = time.monotonic() + timeout
            watch_slot = self._stuck_watches.add(watch, timeout + self._stuck_threshold)
            try:
                worker.work(job)
            finally:
                self._stuck_watches.remove(watch, watch_slot)
                if self.stuck_count.mark_done(watch):
                    log_job_unstuck(watch, self._stuck_threshold, self._logger)

    @skip_sync
    def _timed_out(self, watch: StuckWatch) -> None:
        _time_out(watch.ctx)
        watch.watch_slot = self._stuck_watches.add(watch, self._stuck_threshold)

    def _on_stuck(self, watch: StuckWatch) -> None:
        """A watched job is still running ``job_stuck_threshold`` after its timeout."""
        total = self.stuck_count.mark_stuck(watch)
        if total is None:  # it returned just now
            return
        # Reported apart from the timer, so that a slow handler delays no other watch.
        name = f"river-stuck-{watch.row.id}"
        if True:  # ASYNC
            report = aspawn(self._report_stuck, watch, total, name=name)
            self._stuck_reports.add(report)
            report.add_done_callback(self._stuck_reports.discard)
        else:
            aspawn(self._report_stuck, watch, total, name=name)

    async def _report_stuck(self, watch: StuckWatch, total: int) -> None:
        try:
            if await self._stuck_handler_adds_slot(watch, total) and watch.open_slot:
                watch.open_slot(watch.row.id)
            log_job_stuck(watch, self._stuck_threshold, self._logger)
        except Exception:
            self._logger.exception("river: reporting stuck job %d failed", watch.row.id)

    async def _stuck_handler_adds_slot(self, watch: StuckWatch, total: int) -> bool:
        """Ask the job stuck handler; any misbehaviour is logged and opens no slot."""
        handler = self._config.job_stuck_handler
        if handler is None:
            return False
        answer = await ask_handler(
            STUCK_HANDLER, handler, watch.row,
            lambda: handler.handle_job_stuck(stuck_params(watch, total)), self._logger,
        )
        return answer is not None and answer.add_worker_slot

    async def _error_handler_cancels(self, row: JobRow, error: BaseException | None) -> bool:
        handler = self._config.error_handler
        if handler is None or error is None:
            return False
        return await error_handler_cancels(handler, row, error, self._logger)

    def _next_retry(self, row: JobRow) -> dt.datetime:
        found = self._workers.get(row.kind)
        custom = worker_next_retry(found[0], Job(row, None), self._logger) if found else None
        return custom or self._config.retry_policy.next_retry(row)


async def error_handler_cancels(
    handler: Any, row: JobRow, error: BaseException, logger: logging.Logger
) -> bool:
    """Whether the error handler asks to cancel the job that failed with ``error`` (the job
    executor's and the batch leader's one question); any misbehaviour is logged and counts
    as no handler."""
    answer = await ask_handler(
        ERROR_HANDLER, handler, row, partial(handler.handle_error, row, error), logger
    )
    return answer is not None and answer.set_cancelled


async def ask_handler(
    role: HandlerRole, handler: Any, row: JobRow, call: Callable[[], Any], logger: logging.Logger
) -> Any:
    """The handler's answer of ``role.answer``'s type, or None: raising, answering
    anything else, or (on a sync Client) answering an awaitable is logged."""
    try:
        result: Any = call()
        if inspect.isawaitable(result):
            if True:  # ASYNC
                result = await result
            else:
                if inspect.iscoroutine(result):
                    result.close()
                handler_wrong_colour(role, handler, row, logger)
                return None
    except Exception:
        handler_raised(role, handler, row, logger)
        return None
    return handler_answer(role, handler, result, row, logger)


@skip_sync
def _cancelled_from_outside(error: BaseException | None, ctx: JobContext) -> bool:
    """Whether the job's task is being cancelled by something other than the client (its
    event loop closing, a caller cancelling every task): a cancellation the job's context
    never saw. A ``CancelledError`` the job raised itself, with no cancel of its task,
    is the job's error."""
    if not isinstance(error, asyncio.CancelledError) or ctx.cancel_reason is not None:
        return False
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _time_out(ctx: JobContext) -> None:
    ctx.cancel(CANCEL_TIMEOUT)
    if ctx.task is not None:
        ctx.task.cancel()

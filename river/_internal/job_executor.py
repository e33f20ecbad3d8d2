# WARNING: this file is generated from 'job_executor_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Works one job: decode args, run middleware and the worker, hand the outcome to the
completer (River's ``jobExecutor``). The state change itself is decided by
``river._internal.job_outcome.decide``."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from river._internal.completer import BatchCompleter
from river._internal.job_context import JobContext, current_job
from river._internal.job_outcome import (
    CANCEL_TIMEOUT,
    CANCELLED,
    COMPLETED,
    INTERRUPTED,
    SNOOZED,
    OutcomeContext,
    asks_error_handler,
    decide,
    effective_error,
    effective_timeout,
)
from river.config import Config, ErrorHandlerResult, seconds
from river.context import JobCancelledError
from river.driver.params import JobSetStateIfRunningParams
from river.errors import UnknownJobKindError
from river.job_args import decode_args
from river.types import JobRow, JobState
from river.worker import Job, Workers


@dataclass(slots=True)
class JobOutcome:
    """What happened to one attempt, for events and statistics."""

    kind: str  # completed | cancelled | snoozed | failed | interrupted
    queue_wait: float
    run_duration: float
    work_ended: float
    error: BaseException | None = None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def job_log_extra(row: JobRow) -> dict[str, Any]:
    """The structured fields of every log record about a job."""
    return {
        "job_id": row.id,
        "job_kind": row.kind,
        "queue": row.queue,
        "attempt": row.attempt,
        "max_attempts": row.max_attempts,
    }


class JobExecutor:
    def __init__(
        self,
        *,
        client: Any,
        config: Config,
        workers: Workers,
        completer: BatchCompleter,
        middleware: Sequence[Any],
        hooks: Sequence[Any],
        logger: logging.Logger,
    ) -> None:
        self._client = client
        self._config = config
        self._workers = workers
        self._completer = completer
        self._middleware = tuple(middleware)
        self._hooks = tuple(hooks)
        self._logger = logger
        self._default_timeout = seconds(config.job_timeout)

    def execute(self, row: JobRow, ctx: JobContext) -> None:
        started = time.monotonic()
        fetched_at = row.attempted_at or _utcnow()
        queue_wait = max(0.0, (fetched_at - row.scheduled_at).total_seconds())
        ctx.started = True
        token = current_job.set(ctx)
        try:
            if ctx.cancel_reason is not None:  # cancelled before it could start
                error: BaseException | None = JobCancelledError(ctx.cancel_reason)
            else:
                error = self._run(row, ctx)
        finally:
            current_job.reset(token)
        ended = time.monotonic()
        handler_cancels = False
        if asks_error_handler(error, ctx.cancel_reason):
            handler_cancels = self._error_handler_cancels(
                row, effective_error(error, ctx.cancel_reason)
            )
        try:
            params, kind = self._decide(row, ctx, error, handler_cancels)
        except Exception as exc:
            # Metadata staged by middleware that cannot be encoded fails the attempt
            # instead of leaving the job running until it is rescued.
            ctx.metadata_updates.clear()
            error = exc
            params, kind = self._decide(row, ctx, exc, handler_cancels)
        self._log_outcome(row, ctx, params, kind, error)
        outcome = JobOutcome(kind, queue_wait, ended - started, ended, error)
        try:
            self._completer.wait_for_room()
        except BaseException:
            pass  # a late cancellation must not lose the result: it is added below
        self._completer.add(params, outcome)

    def _decide(
        self, row: JobRow, ctx: JobContext, error: BaseException | None, handler_cancels: bool
    ) -> tuple[JobSetStateIfRunningParams, str]:
        context = OutcomeContext(
            now=_utcnow(),
            cancel_reason=ctx.cancel_reason,
            metadata_updates=ctx.metadata_updates,
            handler_cancels=handler_cancels,
            next_retry=lambda: self._next_retry(row),
        )
        return decide(row, context, error)

    def _run(self, row: JobRow, ctx: JobContext) -> BaseException | None:
        """Run the job; returns the exception it ended with, or None on success."""
        try:
            found = self._workers.get(row.kind)
            if found is None:
                raise UnknownJobKindError(row.kind)
            worker, args_type = found
            job: Job[Any] = Job(row, None)
            hooks = self._hooks + tuple(worker.hooks(row))

            def work() -> None:
                for hook in hooks:
                    hook.work_begin(row)
                err: BaseException | None = None
                try:
                    job.args = decode_args(args_type, row.encoded_args)
                    self._call_worker(worker, job, ctx)
                except Exception as exc:
                    err = exc
                for hook in hooks:
                    err = hook.work_end(row, err)
                if err is not None:
                    raise err

            call: Any = work
            for mw in reversed(self._middleware + tuple(worker.middleware(row))):
                call = _wrap(mw, row, call)
            call()
            return None
        except (asyncio.CancelledError, JobCancelledError) as exc:
            if ctx.cancel_reason is None:
                raise
            return exc
        except Exception as exc:
            return exc

    def _timeout(self, worker: Any, job: Job[Any]) -> float | None:
        try:
            own = seconds(worker.timeout(job))
        except Exception:
            self._logger.exception(
                "river: %s.timeout() raised for job %d; using the client's job_timeout",
                type(worker).__name__,
                job.id,
                extra=job_log_extra(job.row),
            )
            own = None
        return effective_timeout(own, self._default_timeout)

    def _call_worker(self, worker: Any, job: Job[Any], ctx: JobContext) -> None:
        timeout = self._timeout(worker, job)
        if timeout is not None:
            ctx.deadline = time.monotonic() + timeout
        worker.work(job)

    def _error_handler_cancels(self, row: JobRow, error: BaseException | None) -> bool:
        """Ask the error handler; any misbehaviour is logged and counts as no handler."""
        handler = self._config.error_handler
        if handler is None or error is None:
            return False
        name = _qualname(handler)
        try:
            result: Any = handler.handle_error(row, error)
            if inspect.isawaitable(result):
                if inspect.iscoroutine(result):
                    result.close()
                self._logger.error(
                    "river: error handler %s returned an awaitable for job %d; a sync Client needs a sync handle_error (finalizing as without a handler)",
                    name,
                    row.id,
                    extra=job_log_extra(row),
                )
                return False
        except Exception:
            self._logger.exception(
                "river: error handler %s raised for job %d (finalizing as without a handler)",
                name,
                row.id,
                extra=job_log_extra(row),
            )
            return False
        if result is None:
            return False
        if not isinstance(result, ErrorHandlerResult):
            self._logger.error(
                "river: error handler %s returned %r for job %d, expected an ErrorHandlerResult or None (finalizing as without a handler)",
                name,
                result,
                row.id,
                extra=job_log_extra(row),
            )
            return False
        return result.set_cancelled

    def _next_retry(self, row: JobRow) -> dt.datetime:
        found = self._workers.get(row.kind)
        if found is not None:
            try:
                custom = found[0].next_retry(Job(row, None))
            except Exception:
                self._logger.exception(
                    "river: %s.next_retry() raised for job %d; using the retry policy",
                    type(found[0]).__name__,
                    row.id,
                    extra=job_log_extra(row),
                )
                custom = None
            if isinstance(custom, dt.datetime):
                return custom if custom.tzinfo is not None else custom.replace(tzinfo=dt.UTC)
            if custom is not None:
                self._logger.error(
                    "river: %s.next_retry() returned %r for job %d, expected a datetime or None; using the retry policy",
                    type(found[0]).__name__,
                    custom,
                    row.id,
                    extra=job_log_extra(row),
                )
        return self._config.retry_policy.next_retry(row)

    def _log_outcome(
        self,
        row: JobRow,
        ctx: JobContext,
        params: JobSetStateIfRunningParams,
        kind: str,
        error: BaseException | None,
    ) -> None:
        """Log an attempt at River's levels: retryable failures WARNING, discards ERROR,
        snoozes, cancels and interruptions INFO, completions DEBUG."""
        logger = self._logger
        extra = job_log_extra(row)
        if kind == COMPLETED:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("river: job %d (%s) completed", row.id, row.kind, extra=extra)
            return
        shown = effective_error(error, ctx.cancel_reason)
        if kind == SNOOZED:
            logger.info(
                "river: job %d (%s) snoozed until %s",
                row.id,
                row.kind,
                params.scheduled_at,
                extra=extra,
            )
        elif kind == INTERRUPTED:
            logger.info(
                "river: job %d (%s) interrupted by the client stopping; available again",
                row.id,
                row.kind,
                extra=extra,
            )
        elif kind == CANCELLED:
            logger.info("river: job %d (%s) cancelled: %s", row.id, row.kind, shown, extra=extra)
        elif params.state is JobState.DISCARDED:
            logger.error(
                "river: job %d (%s) failed on attempt %d of %d and is discarded: %s",
                row.id,
                row.kind,
                row.attempt,
                row.max_attempts,
                shown,
                exc_info=shown,
                extra=extra,
            )
        else:
            logger.warning(
                "river: job %d (%s) failed on attempt %d of %d; retrying at %s: %s",
                row.id,
                row.kind,
                row.attempt,
                row.max_attempts,
                params.scheduled_at,
                shown,
                exc_info=shown,
                extra=extra,
            )


def _qualname(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _time_out(ctx: JobContext | None, task: asyncio.Task[Any] | None) -> None:
    if ctx is not None:
        ctx.cancel(CANCEL_TIMEOUT)
    if task is not None:
        task.cancel()


def _wrap(mw: Any, row: JobRow, inner: Any) -> Any:

    def call() -> None:
        mw.work(row, inner)

    return call

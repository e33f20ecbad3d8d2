# WARNING: this file is generated from 'job_executor_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Works one job: decode args, run middleware and the worker, map the outcome to a state
change for the completer (River's ``jobExecutor``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from river._internal.completer import BatchCompleter
from river.config import Config, seconds
from river.context import JobCancelledError
from river.driver.params import (
    JobSetStateIfRunningParams,
    job_set_state_cancelled,
    job_set_state_completed,
    job_set_state_discarded,
    job_set_state_error_retryable,
    job_set_state_interrupted,
    job_set_state_snoozed,
)
from river.errors import JobCancel, JobSnooze, UnknownJobKindError
from river.job_args import decode_args
from river.job_context import JobContext, current_job
from river.types import AttemptError, JobRow
from river.worker import Job, Workers

# Retries and snoozes due sooner than the scheduler's interval skip the scheduler.
SCHEDULER_INTERVAL = 5.0
CANCEL_CLIENT_STOP = "client_stop"
CANCEL_REMOTE = "remote"
CANCEL_TIMEOUT = "timeout"


class JobCancelledRemotelyError(Exception):
    """A job's context was cancelled because of a cancel request from a client."""


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


def _error_text(exc: BaseException) -> str:
    msg = str(exc)
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def _trace_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)).rstrip()


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
        try:
            params, kind = self._state_change(row, ctx, error)
        except Exception as exc:
            # Metadata staged by middleware that cannot be encoded fails the attempt
            # instead of leaving the job running until it is rescued.
            ctx.metadata_updates.clear()
            error = exc
            params, kind = self._state_change(row, ctx, exc)
        outcome = JobOutcome(kind, queue_wait, ended - started, ended, error)
        try:
            self._completer.wait_for_room()
        except BaseException:
            pass  # a late cancellation must not lose the result: it is added below
        self._completer.add(params, outcome)

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

    def _call_worker(self, worker: Any, job: Job[Any], ctx: JobContext) -> None:
        timeout = seconds(worker.timeout(job))
        if timeout is None:
            timeout = self._default_timeout
        if timeout is not None and timeout < 0:
            timeout = None
        if timeout is not None:
            ctx.deadline = time.monotonic() + timeout
        worker.work(job)

    def _state_change(
        self, row: JobRow, ctx: JobContext, error: BaseException | None
    ) -> tuple[JobSetStateIfRunningParams, str]:
        now = _utcnow()
        updates = ctx.metadata_updates
        if error is None:
            return (job_set_state_completed(row.id, now, _dumps(updates)), "completed")
        if isinstance(error, (asyncio.CancelledError, JobCancelledError)):
            if ctx.cancel_reason == CANCEL_CLIENT_STOP:
                params = job_set_state_interrupted(
                    row.id, max(row.attempt - 1, 0), row.scheduled_at, _dumps(updates)
                )
                return (params, "interrupted")
            if ctx.cancel_reason == CANCEL_TIMEOUT:
                error = TimeoutError("job timed out")
            else:
                error = JobCancelledRemotelyError("job cancelled remotely")
        if isinstance(error, JobSnooze):
            updates["snoozes"] = int(row.metadata.get("snoozes", 0)) + 1
            delay = error.duration.total_seconds()
            params = job_set_state_snoozed(
                row.id,
                now + error.duration,
                max(row.attempt - 1, 0),
                _dumps(updates),
                available=delay <= SCHEDULER_INTERVAL,
            )
            return (params, "snoozed")
        attempt_error = AttemptError(
            at=now, attempt=row.attempt, error=_error_text(error), trace=_trace_text(error)
        ).to_json()
        if isinstance(error, JobCancel):
            return (
                job_set_state_cancelled(row.id, now, attempt_error, _dumps(updates)),
                "cancelled",
            )
        if self._error_handler_cancels(row, error):
            return (
                job_set_state_cancelled(row.id, now, attempt_error, _dumps(updates)),
                "cancelled",
            )
        if isinstance(error, UnknownJobKindError):
            self._logger.warning("river: no worker for job kind %r (job %d)", row.kind, row.id)
        else:
            self._logger.debug("river: job %d (%s) failed: %s", row.id, row.kind, error)
        if row.attempt >= row.max_attempts:
            return (job_set_state_discarded(row.id, now, attempt_error, _dumps(updates)), "failed")
        retry_at = self._next_retry(row)
        if retry_at < now:
            retry_at = now
        params = job_set_state_error_retryable(
            row.id,
            retry_at,
            attempt_error,
            _dumps(updates),
            available=(retry_at - now).total_seconds() <= SCHEDULER_INTERVAL,
        )
        return (params, "failed")

    def _error_handler_cancels(self, row: JobRow, error: BaseException) -> bool:
        handler = self._config.error_handler
        if handler is None:
            return False
        try:
            result = handler.handle_error(row, error)
        except Exception:
            self._logger.exception("river: error handler raised for job %d", row.id)
            return False
        return bool(result is not None and result.set_cancelled)

    def _next_retry(self, row: JobRow) -> dt.datetime:
        found = self._workers.get(row.kind)
        if found is not None:
            try:
                custom = found[0].next_retry(Job(row, None))
            except Exception:
                self._logger.exception("river: next_retry raised for job %d", row.id)
                custom = None
            if custom is not None:
                return custom
        return self._config.retry_policy.next_retry(row)


def _time_out(ctx: JobContext | None, task: asyncio.Task[Any] | None) -> None:
    if ctx is not None:
        ctx.cancel(CANCEL_TIMEOUT)
    if task is not None:
        task.cancel()


def _dumps(updates: dict[str, Any]) -> str | None:
    return json.dumps(updates) if updates else None


def _wrap(mw: Any, row: JobRow, inner: Any) -> Any:

    def call() -> None:
        mw.work(row, inner)

    return call

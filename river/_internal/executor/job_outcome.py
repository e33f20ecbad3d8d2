"""The outcome of one attempt: which state change to write and which event it gives.

Pure and colour-free: the job executor gathers what it needs (the error the worker ended
with, why its context was cancelled, the error handler's answer, when to retry) and
``decide`` maps it to the completer's state change, as River's ``reportResult`` does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from river.context import JobCancelledError
from river.driver.jsontext import clean_string, encode_json
from river.driver.params import (
    JobSetStateIfRunningParams,
    job_set_state_cancelled,
    job_set_state_completed,
    job_set_state_discarded,
    job_set_state_error_retryable,
    job_set_state_interrupted,
    job_set_state_snoozed,
)
from river.errors import JobCancel, JobSnooze
from river.types import AttemptError, JobRow

# Retries and snoozes due sooner than the scheduler's interval skip the scheduler.
SCHEDULER_INTERVAL = 5.0

# Why a job's context was cancelled.
CANCEL_CLIENT_STOP = "client_stop"
CANCEL_REMOTE = "remote"
CANCEL_TIMEOUT = "timeout"

# Outcome kinds (the event follows from them and the written row, see ``event_kind_for``).
COMPLETED = "completed"
CANCELLED = "cancelled"
SNOOZED = "snoozed"
FAILED = "failed"
INTERRUPTED = "interrupted"


class JobCancelledRemotelyError(Exception):
    """A job's context was cancelled because of a cancel request from a client."""


@dataclass(slots=True)  # not frozen: built per attempt, and frozen costs more to build
class OutcomeContext:
    """What the executor knows besides the error when an attempt ends."""

    now: dt.datetime
    #: Why the job's context was cancelled (``CANCEL_*``), if it was.
    cancel_reason: str | None = None
    #: Metadata staged by the worker and middleware, merged into the row.
    metadata_updates: Mapping[str, Any] = field(default_factory=dict)
    #: The error handler asked to cancel the job (``ErrorHandlerResult.set_cancelled``).
    handler_cancels: bool = False
    #: When to retry after an error; called only when the job is to be retried.
    next_retry: Callable[[], dt.datetime] | None = None


def is_context_cancel(error: BaseException | None) -> bool:
    return isinstance(error, (asyncio.CancelledError, JobCancelledError))


def effective_error(error: BaseException | None, cancel_reason: str | None) -> BaseException | None:
    """The error recorded for an attempt. After a remote cancel any error is the cancel
    (River's ``ErrJobCancelledRemotely``: the job is cancelled, never retried); a cancelled
    context becomes a timeout; a stop of the client is not an error (None). A cancellation
    error raised while the job's context was never cancelled is the job's own error."""
    if error is None:
        return None
    if cancel_reason == CANCEL_REMOTE:
        return JobCancelledRemotelyError("job cancelled remotely")
    if not is_context_cancel(error) or cancel_reason is None:
        return error
    if cancel_reason == CANCEL_CLIENT_STOP:
        return None
    if cancel_reason == CANCEL_TIMEOUT:
        return TimeoutError("job timed out")
    return JobCancelledRemotelyError("job cancelled remotely")


def is_own_cancel(exc: BaseException, cancel_reason: str | None) -> bool:
    """Whether ``exc``, raised while the attempt was being reported (its error handler
    awaited), is the cancellation of the job itself (a stop, a remote cancel, a timeout):
    the attempt is reported all the same, and nothing is raised further. Anything else
    (a cancellation from outside the client) is raised again once the attempt is reported."""
    return is_context_cancel(exc) and cancel_reason is not None


def is_interrupted(error: BaseException | None, cancel_reason: str | None) -> bool:
    return is_context_cancel(error) and cancel_reason == CANCEL_CLIENT_STOP


def asks_error_handler(error: BaseException | None, cancel_reason: str | None) -> bool:
    """Whether the error handler is consulted: for errors, not for snoozes, explicit
    cancels or a stop of the client (as River's ``reportError``)."""
    if error is None or is_interrupted(error, cancel_reason):
        return False
    return not isinstance(
        effective_error(error, cancel_reason),
        (JobSnooze, JobCancel, JobCancelledRemotelyError),
    )


@dataclass(slots=True)
class JobOutcome:
    """What happened to one attempt, for events and statistics."""

    kind: str  # completed | cancelled | snoozed | failed | interrupted
    fetched_at: dt.datetime
    scheduled_at: dt.datetime
    run_duration: float
    work_ended: float
    error: BaseException | None = None

    @property
    def queue_wait(self) -> float:
        """Seconds from ``scheduled_at`` to the fetch (worked out only when an event needs
        it: a datetime subtraction per job is not free)."""
        return max(0.0, (self.fetched_at - self.scheduled_at).total_seconds())


def decide(
    row: JobRow, context: OutcomeContext, error: BaseException | None
) -> tuple[JobSetStateIfRunningParams, str]:
    """The state change for an attempt of ``row`` that ended with ``error`` (None: success)
    and its outcome kind. The change applies only while the job still runs this attempt:
    if the rescuer gave the job to another client meanwhile (this host was cut off, say),
    the late outcome leaves the newer attempt alone."""
    params, kind = _change(row, context, error)
    params.running_attempt = row.attempt
    return params, kind


def _change(
    row: JobRow, context: OutcomeContext, error: BaseException | None
) -> tuple[JobSetStateIfRunningParams, str]:
    """``decide`` without the attempt guard. Raises ``InvalidJSONValueError`` if the staged metadata cannot
    be stored as JSON (a middleware put NaN there, say): the executor then fails the
    attempt with that error instead of handing the completer a change the database
    would reject."""
    now = context.now
    if error is None:
        return job_set_state_completed(row.id, now, _dumps(context.metadata_updates)), COMPLETED
    updates = dict(context.metadata_updates)
    if is_interrupted(error, context.cancel_reason):
        params = job_set_state_interrupted(
            row.id, max(row.attempt - 1, 0), row.scheduled_at, _dumps(updates)
        )
        return params, INTERRUPTED
    error = effective_error(error, context.cancel_reason)
    assert error is not None
    if isinstance(error, JobSnooze):
        updates["snoozes"] = _snoozes(row) + 1
        delay = error.duration.total_seconds()
        params = job_set_state_snoozed(
            row.id,
            now + error.duration,
            max(row.attempt - 1, 0),
            _dumps(updates),
            available=delay <= SCHEDULER_INTERVAL,
        )
        return params, SNOOZED
    attempt_error = AttemptError(
        at=now, attempt=row.attempt, error=error_text(error), trace=trace_text(error)
    ).to_json()
    if isinstance(error, (JobCancel, JobCancelledRemotelyError)) or context.handler_cancels:
        return job_set_state_cancelled(row.id, now, attempt_error, _dumps(updates)), CANCELLED
    if row.attempt >= row.max_attempts:
        return job_set_state_discarded(row.id, now, attempt_error, _dumps(updates)), FAILED
    retry_at = context.next_retry() if context.next_retry is not None else now
    if retry_at < now:
        retry_at = now
    params = job_set_state_error_retryable(
        row.id,
        retry_at,
        attempt_error,
        _dumps(updates),
        available=(retry_at - now).total_seconds() <= SCHEDULER_INTERVAL,
    )
    return params, FAILED


def error_text(exc: BaseException) -> str:
    # NULs and lone surrogates (an error quoting binary data) cannot be stored in jsonb.
    msg = message_of(exc)
    return clean_string(f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__)


def message_of(exc: BaseException) -> str:
    """``str(exc)``, or a note saying why it has none: an error holding a value nested past
    the recursion limit, or a ``__str__`` that raises, must still be recorded and logged."""
    try:
        return str(exc)
    except Exception as failed:
        return f"<str() raised {type(failed).__name__}>"


def trace_text(exc: BaseException) -> str:
    try:
        return clean_string("".join(traceback.format_exception(exc)).rstrip())
    except Exception:  # the traceback module quotes values too; the error itself still counts
        return error_text(exc)


def _snoozes(row: JobRow) -> int:
    metadata = row.metadata if isinstance(row.metadata, dict) else {}
    try:
        return int(metadata.get("snoozes", 0))
    except (TypeError, ValueError):
        return 0


def _dumps(updates: Mapping[str, Any]) -> str | None:
    if not updates:
        return None
    return encode_json("metadata", updates if isinstance(updates, dict) else dict(updates))


def effective_timeout(worker_timeout: float | None, client_timeout: float | None) -> float | None:
    """A job's timeout in seconds, None for none: the worker's; None or 0 there means the
    client's ``job_timeout``; a negative value means none (River's ``cmp.Or`` rule)."""
    timeout = worker_timeout if worker_timeout else client_timeout
    if timeout is None or timeout < 0:
        return None
    return timeout

"""What a job's attempt tells the log, at River's levels, and the calls into user code
about the job whose failure must never keep it from being finalized: a worker's
``timeout``/``next_retry`` and a handler's answer (anything raised or returned wrongly is
logged by name and counts as "not set"). Colour-free."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from river._internal.executor.job_outcome import (
    CANCELLED,
    COMPLETED,
    INTERRUPTED,
    SNOOZED,
    effective_timeout,
    message_of,
)
from river.config import ErrorHandlerResult, seconds
from river.driver.params import JobSetStateIfRunningParams
from river.errors import UnknownJobKindError
from river.types import JobRow, JobState
from river.worker import _WorkerBase


def job_log_extra(row: JobRow) -> dict[str, Any]:
    """The structured fields of every log record about a job."""
    return {
        "job_id": row.id,
        "job_kind": row.kind,
        "queue": row.queue,
        "attempt": row.attempt,
        "max_attempts": row.max_attempts,
    }


def log_outcome(
    logger: logging.Logger,
    row: JobRow,
    params: JobSetStateIfRunningParams,
    kind: str,
    error: BaseException | None,
) -> None:
    """Log an attempt: a failure to be retried WARNING, a discard ERROR (both with
    ``exc_info``), snoozes, cancels and interruptions INFO, completions DEBUG. ``error`` is
    the error recorded for the attempt (``job_outcome.effective_error``)."""
    if kind == COMPLETED:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "river: job %d (%s) completed", row.id, row.kind, extra=job_log_extra(row)
            )
        return
    extra = job_log_extra(row)
    # The error's text, not the error: logging would call str() on it again, unguarded.
    reason = "" if error is None else message_of(error)
    if kind == SNOOZED:
        logger.info(
            "river: job %d (%s) snoozed until %s",
            row.id, row.kind, params.scheduled_at, extra=extra,
        )
    elif kind == INTERRUPTED:
        logger.info(
            "river: job %d (%s) interrupted by the client stopping; available again",
            row.id, row.kind, extra=extra,
        )
    elif kind == CANCELLED:
        logger.info("river: job %d (%s) cancelled: %s", row.id, row.kind, reason, extra=extra)
    elif params.state is JobState.DISCARDED:
        logger.error(
            "river: job %d (%s) failed on attempt %d of %d and is discarded: %s",
            row.id, row.kind, row.attempt, row.max_attempts, reason,
            exc_info=_traceback(logger, error), extra=extra,
        )
    else:
        logger.warning(
            "river: job %d (%s) failed on attempt %d of %d; retrying at %s: %s",
            row.id, row.kind, row.attempt, row.max_attempts, params.scheduled_at, reason,
            exc_info=_traceback(logger, error), extra=extra,
        )


def _traceback(logger: logging.Logger, error: BaseException | None) -> BaseException | None:
    """The error whose traceback goes with the record: not that of a kind without a
    worker, which points into River rather than at a cause (kept for DEBUG)."""
    if isinstance(error, UnknownJobKindError) and not logger.isEnabledFor(logging.DEBUG):
        return None
    return error


# -- calls into user code about the job ---------------------------------------------


def worker_timeout(
    worker: Any, job: Any, client_timeout: float | None, logger: logging.Logger
) -> float | None:
    """The job's timeout in seconds (None: none): ``worker.timeout(job)``, where None or 0
    means ``client_timeout`` and a negative value none; the client's if it raises."""
    # The base class's timeout() (also when not replaced on the instance) always means
    # the client's: no call needed.
    if getattr(worker.timeout, "__func__", None) is _WorkerBase.timeout:
        return effective_timeout(None, client_timeout)
    try:
        own = seconds(worker.timeout(job))
    except Exception:
        logger.exception(
            "river: %s.timeout() raised for job %d; using the client's job_timeout",
            type(worker).__name__, job.row.id, extra=job_log_extra(job.row),
        )
        own = None
    return effective_timeout(own, client_timeout)


def worker_next_retry(worker: Any, job: Any, logger: logging.Logger) -> dt.datetime | None:
    """``worker.next_retry(job)`` as an aware datetime; None to use the retry policy (also
    when it raises or returns something else)."""
    try:
        custom = worker.next_retry(job)
    except Exception:
        logger.exception(
            "river: %s.next_retry() raised for job %d; using the retry policy",
            type(worker).__name__, job.row.id, extra=job_log_extra(job.row),
        )
        return None
    if isinstance(custom, dt.datetime):
        return custom if custom.tzinfo is not None else custom.replace(tzinfo=dt.UTC)
    if custom is not None:
        logger.error(
            "river: %s.next_retry() returned %r for job %d, expected a datetime or None; "
            "using the retry policy",
            type(worker).__name__, custom, job.row.id, extra=job_log_extra(job.row),
        )
    return None


def handler_name(handler: Any) -> str:
    cls = type(handler)
    return f"{cls.__module__}.{cls.__qualname__}"


@dataclass(frozen=True, slots=True)
class HandlerRole:
    """A user handler the job executor asks: how log records name it, the method a sync
    Client needs, the type of answer it expects, and what happens on a wrong answer."""

    title: str
    method: str
    answer: type
    fallback: str


ERROR_HANDLER = HandlerRole(
    "error handler", "handle_error", ErrorHandlerResult, "finalizing as without a handler"
)


def handler_answer(
    role: HandlerRole, handler: Any, result: Any, row: JobRow, logger: logging.Logger
) -> Any:
    """The handler's answer if it is ``role.answer``; None for None or (logged) anything else."""
    if result is None or isinstance(result, role.answer):
        return result
    name = role.answer.__name__
    logger.error(
        "river: %s %s returned %r for job %d, expected %s %s or None (%s)",
        role.title, handler_name(handler), result, row.id, _a(name), name, role.fallback,
        extra=job_log_extra(row),
    )
    return None


def handler_raised(role: HandlerRole, handler: Any, row: JobRow, logger: logging.Logger) -> None:
    logger.exception(
        "river: %s %s raised for job %d (%s)",
        role.title, handler_name(handler), row.id, role.fallback, extra=job_log_extra(row),
    )


def handler_interrupted(
    role: HandlerRole, handler: Any, row: JobRow, reason: str | None, logger: logging.Logger
) -> None:
    """The handler was interrupted (``reason``: why the job's context was cancelled, None
    for a cancellation from outside the client) before it answered."""
    logger.warning(
        "river: %s %s was interrupted for job %d (%s; %s)",
        role.title, handler_name(handler), row.id,
        f"job cancelled: {reason}" if reason else "cancelled from outside the client",
        role.fallback, extra=job_log_extra(row),
    )


def handler_wrong_colour(
    role: HandlerRole, handler: Any, row: JobRow, logger: logging.Logger
) -> None:
    logger.error(
        "river: %s %s returned an awaitable for job %d; a sync Client needs a sync %s (%s)",
        role.title, handler_name(handler), row.id, role.method, role.fallback,
        extra=job_log_extra(row),
    )


def _a(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"

"""Calls into user code about a job whose failure must never keep the job from being
finalized: a worker's ``timeout``/``next_retry`` and the error handler's answer. Anything
raised or returned wrongly is logged by name and counts as "not set" (colour-free)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from river._internal.executor.job_log import job_log_extra
from river._internal.executor.job_outcome import effective_timeout
from river.config import ErrorHandlerResult, seconds
from river.types import JobRow


def worker_timeout(
    worker: Any, job: Any, client_timeout: float | None, logger: logging.Logger
) -> float | None:
    """The job's timeout in seconds (None: none): ``worker.timeout(job)``, where None or 0
    means ``client_timeout`` and a negative value none; the client's if it raises."""
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

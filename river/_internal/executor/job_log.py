"""The log records of a job's attempt, at River's levels (colour-free)."""

from __future__ import annotations

import logging
from typing import Any

from river._internal.executor.job_outcome import (
    CANCELLED,
    COMPLETED,
    INTERRUPTED,
    SNOOZED,
    message_of,
)
from river.driver.params import JobSetStateIfRunningParams
from river.errors import UnknownJobKindError
from river.types import JobRow, JobState


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

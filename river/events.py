"""Events a client emits for subscribers (River's ``Event``)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from river.types import JobRow, JobState, Queue


class EventKind(enum.StrEnum):
    """The kinds of ``Event`` a subscription receives (River's ``EventKind``)."""

    JOB_CANCELLED = "job_cancelled"
    JOB_COMPLETED = "job_completed"
    JOB_FAILED = "job_failed"  # retryable and discarded
    JOB_INTERRUPTED = "job_interrupted"
    JOB_SNOOZED = "job_snoozed"
    QUEUE_PAUSED = "queue_paused"
    QUEUE_RESUMED = "queue_resumed"


ALL_JOB_EVENT_KINDS = frozenset(
    {
        EventKind.JOB_CANCELLED,
        EventKind.JOB_COMPLETED,
        EventKind.JOB_FAILED,
        EventKind.JOB_INTERRUPTED,
        EventKind.JOB_SNOOZED,
    }
)


@dataclass(frozen=True, slots=True)
class JobStatistics:
    """Durations of a worked job, in seconds."""

    queue_wait_duration: float  # scheduled_at → fetched
    run_duration: float  # work started → work ended
    complete_duration: float  # work ended → completion written


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened in a client: a finished attempt (``job``, ``job_stats``) or a queue paused or resumed (``queue``)."""

    kind: EventKind
    job: JobRow | None = None
    job_stats: JobStatistics | None = None
    queue: Queue | None = None
    at: dt.datetime | None = None


_EVENT_BY_OUTCOME = {
    "completed": EventKind.JOB_COMPLETED,
    "cancelled": EventKind.JOB_CANCELLED,
    "snoozed": EventKind.JOB_SNOOZED,
    "failed": EventKind.JOB_FAILED,
    "interrupted": EventKind.JOB_INTERRUPTED,
}
_EVENT_BY_STATE = {
    JobState.COMPLETED: EventKind.JOB_COMPLETED,
    JobState.CANCELLED: EventKind.JOB_CANCELLED,
    JobState.DISCARDED: EventKind.JOB_FAILED,
}


def event_kind_for(state: JobState, outcome: str) -> EventKind:
    """The event of an attempt: its job's final state decides (a cancel attempt can turn a
    failure into a cancellation), else the attempt's outcome."""
    return _EVENT_BY_STATE.get(state) or _EVENT_BY_OUTCOME[outcome]

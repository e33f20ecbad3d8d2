"""Frozen parameter records for the driver interface (River's ``riverdriver`` params).

The public ones (inserted jobs, job listings) live in ``river.types`` and
``river.job_list``, imported here for the executors and for code that imports them from
this module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from river.job_list import JobListOrderBy as JobListOrderBy
from river.job_list import JobListParams as JobListParams
from river.types import JobInsertFastParams as JobInsertFastParams
from river.types import JobInsertResult as JobInsertResult
from river.types import JobRow, JobState

_KW = {"frozen": True, "slots": True, "kw_only": True}


@dataclass(**_KW)
class JobGetAvailableParams:
    queue: str
    max_to_lock: int
    client_id: str
    max_attempted_by: int = 100
    now: dt.datetime | None = None


@dataclass(**_KW)
class JobGetAvailableLimitedParams:
    """A fetch kept to concurrency limits (``river.concurrency``): ``active_ids`` are the
    jobs of the queue this client still works; ``scan_limit`` how many available jobs
    the fetch looks at; a limit of None is no limit."""

    queue: str
    max_to_lock: int
    client_id: str
    active_ids: Sequence[int]
    global_limit: int | None
    local_limit: int | None
    scan_limit: int
    by_args: Sequence[str] = ()
    by_kind: bool = False
    max_attempted_by: int = 100
    now: dt.datetime | None = None


# Not frozen: built once per worked job, and a frozen dataclass's __init__ costs more.
@dataclass(slots=True, kw_only=True)
class JobSetStateIfRunningParams:
    """A state change for a running job; built by the ``job_set_state_*`` helpers below.

    ``attempt`` set means "store this attempt" (snooze and interrupt give one back).
    ``running_attempt`` set means "only if the job still runs this attempt": the outcome
    of an attempt the rescuer gave to another client meanwhile changes nothing.
    ``error`` is the JSON of an AttemptError to append. ``metadata_updates`` is JSON merged
    into the row's metadata even when the row is no longer running.
    """

    id: int
    state: JobState
    attempt: int | None = None
    error: str | None = None
    finalized_at: dt.datetime | None = None
    metadata_updates: str | None = None
    scheduled_at: dt.datetime | None = None
    running_attempt: int | None = None


def job_set_state_completed(
    id: int, finalized_at: dt.datetime, metadata_updates: str | None = None
) -> JobSetStateIfRunningParams:
    return JobSetStateIfRunningParams(
        id=id,
        state=JobState.COMPLETED,
        finalized_at=finalized_at,
        metadata_updates=metadata_updates,
    )


def is_plain_completion(params: JobSetStateIfRunningParams) -> bool:
    """True for a change that only completes a job (``job_complete_many`` can write it)."""
    return (
        params.state is JobState.COMPLETED
        and params.metadata_updates is None
        and params.error is None
        and params.attempt is None
        and params.scheduled_at is None
        and params.finalized_at is not None
    )


def job_set_state_cancelled(
    id: int, finalized_at: dt.datetime, error: str, metadata_updates: str | None = None
) -> JobSetStateIfRunningParams:
    return JobSetStateIfRunningParams(
        id=id,
        state=JobState.CANCELLED,
        finalized_at=finalized_at,
        error=error,
        metadata_updates=metadata_updates,
    )


def job_set_state_discarded(
    id: int, finalized_at: dt.datetime, error: str, metadata_updates: str | None = None
) -> JobSetStateIfRunningParams:
    return JobSetStateIfRunningParams(
        id=id,
        state=JobState.DISCARDED,
        finalized_at=finalized_at,
        error=error,
        metadata_updates=metadata_updates,
    )


def job_set_state_error_retryable(
    id: int,
    scheduled_at: dt.datetime,
    error: str,
    metadata_updates: str | None = None,
    *,
    available: bool = False,
) -> JobSetStateIfRunningParams:
    """Retry later; ``available`` when the retry is due soon enough to skip the scheduler."""
    return JobSetStateIfRunningParams(
        id=id,
        state=JobState.AVAILABLE if available else JobState.RETRYABLE,
        scheduled_at=scheduled_at,
        error=error,
        metadata_updates=metadata_updates,
    )


def job_set_state_snoozed(
    id: int,
    scheduled_at: dt.datetime,
    attempt: int,
    metadata_updates: str | None = None,
    *,
    available: bool = False,
) -> JobSetStateIfRunningParams:
    return JobSetStateIfRunningParams(
        id=id,
        state=JobState.AVAILABLE if available else JobState.SCHEDULED,
        scheduled_at=scheduled_at,
        attempt=attempt,
        metadata_updates=metadata_updates,
    )


def job_set_state_interrupted(
    id: int, attempt: int, scheduled_at: dt.datetime, metadata_updates: str | None = None
) -> JobSetStateIfRunningParams:
    """Back to ``available`` without consuming an attempt (client stop interrupted it)."""
    return JobSetStateIfRunningParams(
        id=id,
        state=JobState.AVAILABLE,
        attempt=attempt,
        scheduled_at=scheduled_at,
        metadata_updates=metadata_updates,
    )


@dataclass(**_KW)
class JobCancelParams:
    id: int
    cancel_attempted_at: dt.datetime
    control_topic: str  # full channel name, e.g. "public.river_control"
    now: dt.datetime | None = None  # None: the database's now()


@dataclass(**_KW)
class JobUpdateParams:
    id: int
    metadata_merge: str  # JSON object merged into metadata


@dataclass(**_KW)
class JobScheduleParams:
    now: dt.datetime
    max: int = 10_000


@dataclass(**_KW)
class JobScheduleResult:
    job: JobRow
    conflict_discarded: bool


@dataclass(**_KW)
class JobGetStuckParams:
    stuck_horizon: dt.datetime
    after_id: int = 0
    max: int = 1000


@dataclass(**_KW)
class JobRescueManyParams:
    ids: Sequence[int]
    errors: Sequence[str]  # AttemptError JSON per job
    finalized_at: Sequence[dt.datetime | None]
    scheduled_at: Sequence[dt.datetime]
    states: Sequence[JobState]
    # Only jobs attempted before it are rescued (None: any running job); the horizon the
    # stuck jobs were read with, so one fetched again since is left alone.
    stuck_horizon: dt.datetime | None = None


@dataclass(**_KW)
class JobDeleteBeforeParams:
    cancelled_finalized_before: dt.datetime | None
    completed_finalized_before: dt.datetime | None
    discarded_finalized_before: dt.datetime | None
    max: int = 10_000


@dataclass(**_KW)
class LeaderElectParams:
    leader_id: str
    ttl: dt.timedelta


@dataclass(**_KW)
class LeaderResignParams:
    leader_id: str
    leadership_topic: str  # full channel name, e.g. "public.river_leadership"


@dataclass(**_KW)
class QueueCreateOrSetUpdatedAtParams:
    name: str
    metadata: str = "{}"
    paused_at: dt.datetime | None = None
    now: dt.datetime | None = None  # None: the database's now()


@dataclass(**_KW)
class QueuePauseParams:
    name: str  # a queue name or "*" for all
    now: dt.datetime | None = None


@dataclass(**_KW)
class QueueUpdateParams:
    name: str
    metadata: str | None = None  # JSON text; None leaves the metadata as it is


@dataclass(**_KW)
class NotifyManyParams:
    topic: str  # full channel name, e.g. "public.river_insert"
    payloads: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Notification:
    """A NOTIFY received by a listener; ``topic`` has its schema prefix removed."""

    topic: str
    payload: str

"""Frozen parameter records for the driver interface (River's ``riverdriver`` params)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from river.driver.job_list import JobListCursor, JobListWhere, check_order
from river.driver.json_filter import filters_nothing, json_filter_text
from river.errors import InvalidJobListParamsError
from river.types import JobRow, JobState

_KW = {"frozen": True, "slots": True, "kw_only": True}


@dataclass(slots=True, kw_only=True)  # not frozen: built per job on the bulk insert path
class JobInsertFastParams:
    """One job to insert. ``encoded_args``/``metadata`` are JSON text; None times mean now."""

    encoded_args: str
    kind: str
    max_attempts: int = 25
    metadata: str = "{}"
    priority: int = 1
    queue: str = "default"
    scheduled_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    state: JobState = JobState.AVAILABLE
    tags: Sequence[str] = ()
    unique_key: bytes | None = None
    unique_states: int | None = None


@dataclass(**_KW)
class JobInsertResult:
    """An inserted job, or the existing one when a unique insert was skipped as a duplicate."""

    job: JobRow
    unique_skipped_as_duplicate: bool = False


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


class JobListOrderBy(enum.StrEnum):
    """The column ``job_list`` orders by (ties broken by id). ``TIME`` is River's "best
    fit" time: ``scheduled_at`` for available, pending, retryable and scheduled jobs,
    ``attempted_at`` for running ones, ``finalized_at`` for finalized ones, chosen by the
    first state of the ``states`` filter (``scheduled_at`` without one)."""

    ID = "id"
    TIME = "time"
    SCHEDULED_AT = "scheduled_at"
    CREATED_AT = "created_at"
    FINALIZED_AT = "finalized_at"
    ATTEMPTED_AT = "attempted_at"


@dataclass(**_KW)
class JobListParams:
    """Filters for ``job_list`` / ``job_delete_many``. Empty sequences mean no filter.

    ``metadata_contains`` keeps jobs whose metadata contains it (``@>``): a dict, or its
    JSON text, a JSON object either way; ``args_contains`` likewise for args, and
    ``args_text`` is a case-insensitive substring of the args' JSON text. A value that is
    not JSON, not an object, or holds NaN, a NUL or a lone surrogate raises
    ``InvalidJobListParamsError`` naming the field. ``where`` adds raw SQL conditions
    with named parameters (``JobListWhere``; listing only).

    ``order_by`` takes a ``JobListOrderBy`` (or its value) and ``descending`` the
    direction. Ordering by a column that is NULL for some filtered states raises
    ``JobListOrderError``: ``finalized_at`` needs finalized states only (and lists
    the finalized states when ``states`` is empty, as River's ``OrderBy`` does),
    ``attempted_at`` needs running, retryable or completed. ``after`` continues a listing:
    a ``JobListCursor`` (``JobListResult.last_cursor``), its ``encode()`` text, or a job
    (River's ``JobListCursorFromJob``); ``with_after`` returns a copy with it set.
    ``limit`` is the page size, 1 to 10,000 (River's ``First``).

    ``job_delete_many`` deletes the jobs ``job_list`` would list with the same params
    (ordering, ``after`` and ``limit`` included), less the running ones. It refuses
    params without any filter (see ``filters_empty``), so a forgotten filter cannot
    delete every job; ``JobListParams.unsafe_all()`` (or ``unsafe_all_jobs=True``) says
    that deleting all jobs, up to ``limit``, is meant (River's ``UnsafeAll``).
    """

    ids: Sequence[int] = ()
    kinds: Sequence[str] = ()
    priorities: Sequence[int] = ()
    queues: Sequence[str] = ()
    states: Sequence[JobState] = ()
    tags_all: Sequence[str] = ()
    tags_any: Sequence[str] = ()
    metadata_contains: Mapping[str, Any] | str | None = None
    args_contains: Mapping[str, Any] | str | None = None
    args_text: str | None = None
    where: Sequence[JobListWhere] | JobListWhere = ()
    order_by: JobListOrderBy = JobListOrderBy.ID
    descending: bool = False
    after: JobListCursor | JobRow | str | Sequence[Any] | None = None
    limit: int = 100
    unsafe_all_jobs: bool = False

    @classmethod
    def unsafe_all(cls, *, limit: int = 100) -> JobListParams:
        """No filter, allowed to delete any job that is not running (up to ``limit``)."""
        return cls(limit=limit, unsafe_all_jobs=True)

    def with_after(self, cursor: JobListCursor | JobRow | str | None) -> JobListParams:
        """A copy listing the jobs after ``cursor`` (River's ``JobListParams.After``)."""
        return dataclasses.replace(self, after=cursor)

    def filters_empty(self) -> bool:
        """Whether no filter narrows the jobs (River's ``filtersEmpty``). One rule for
        every form: a filter counts when given and not the value that every job
        matches, so empty sequences, ``args_text=""`` and a containment of ``{}`` (as a
        mapping or as text) are no filter. ``where``, ``order_by`` and ``after`` are not
        filters."""
        return not (
            self.ids
            or self.kinds
            or self.priorities
            or self.queues
            or self.states
            or self.tags_all
            or self.tags_any
            or self.args_text
            or not filters_nothing("metadata_contains", self.metadata_contains)
            or not filters_nothing("args_contains", self.args_contains)
        )

    def __post_init__(self) -> None:
        try:
            order_by = JobListOrderBy(self.order_by)
        except ValueError:
            valid = ", ".join(o.value for o in JobListOrderBy)
            raise InvalidJobListParamsError(
                f"cannot order jobs by {self.order_by!r}; use one of: {valid}"
            ) from None
        object.__setattr__(self, "order_by", order_by)
        try:
            states = [JobState(s) for s in self.states]
        except ValueError as exc:
            raise InvalidJobListParamsError(f"unknown job state in states: {exc}") from None
        object.__setattr__(self, "states", tuple(states))
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or not 1 <= self.limit <= 10_000:
            raise InvalidJobListParamsError(f"limit must be between 1 and 10,000, got {self.limit!r}")
        where = (self.where,) if isinstance(self.where, JobListWhere) else tuple(self.where)
        for cond in where:
            if not isinstance(cond, JobListWhere):
                raise InvalidJobListParamsError(
                    f"where takes JobListWhere conditions, got {type(cond).__name__}"
                )
        object.__setattr__(self, "where", where)
        for name in ("metadata_contains", "args_contains"):
            if getattr(self, name) is not None:
                json_filter_text(name, getattr(self, name))
        _check_texts(self)
        check_order(order_by.value, states)
        if self.after is not None:
            object.__setattr__(self, "after", _cursor(self.after, order_by.value, states))


def _check_texts(params: JobListParams) -> None:
    """Text filters are strings Postgres can hold: no NUL, no lone surrogate."""
    fields: list[tuple[str, Any]] = [("args_text", params.args_text)]
    for name in ("kinds", "queues", "tags_all", "tags_any"):
        fields += [(name, v) for v in getattr(params, name)]
    for name, value in fields:
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidJobListParamsError(f"{name} takes strings, got {type(value).__name__}")
        if "\x00" in value or (
            not value.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in value)
        ):
            raise InvalidJobListParamsError(
                f"{name} value {value!r} holds a NUL character or a lone surrogate, which "
                "Postgres text cannot hold"
            )


def _cursor(after: Any, order_by: str, states: Sequence[JobState]) -> JobListCursor:
    if isinstance(after, str):
        after = JobListCursor.decode(after)
    elif isinstance(getattr(after, "row", after), JobRow):
        after = JobListCursor.from_job(after)
    elif isinstance(after, Sequence) and len(after) == 2:
        # The (value, id) pair accepted before cursors existed; the value is the ordered
        # column's (ignored when ordering by id).
        value, id_ = after
        if order_by != "id" and not isinstance(value, dt.datetime):
            raise InvalidJobListParamsError(
                f"after=(value, id) needs a datetime value when ordering by {order_by!r}"
            )
        after = JobListCursor(
            id=id_, sort_field=order_by, time=None if order_by == "id" else value
        )
    if not isinstance(after, JobListCursor):
        raise InvalidJobListParamsError(
            f"after takes a JobListCursor, its text or a job, got {type(after).__name__}"
        )
    return after.resolve(order_by, states)


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

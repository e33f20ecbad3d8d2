"""A job listing's public types, which need no database: its params (River's
``JobListParams``) and ordering (``JobListOrderBy``), the opaque cursor that continues a
listing (River's ``JobListCursor``), the raw ``where`` fragment with named parameters
(River's ``JobListParams.Where``), the result carrying the next cursor
(River's ``JobListResult``), and the rules on which column a listing may be ordered by."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from river._json_filter import filters_nothing, json_filter_text
from river.errors import InvalidJobListParamsError, JobListOrderError
from river.types import JobRow, JobState, format_rfc3339_nano, parse_rfc3339
from river.where_guard import check_where

FINALIZED_STATES = (JobState.CANCELLED, JobState.COMPLETED, JobState.DISCARDED)

# Which column ``time`` orders by for the first filtered state (River's
# ``jobListTimeFieldForState``).
_TIME_COLUMN = {
    JobState.AVAILABLE: "scheduled_at",
    JobState.PENDING: "scheduled_at",
    JobState.RETRYABLE: "scheduled_at",
    JobState.SCHEDULED: "scheduled_at",
    JobState.RUNNING: "attempted_at",
    JobState.CANCELLED: "finalized_at",
    JobState.COMPLETED: "finalized_at",
    JobState.DISCARDED: "finalized_at",
}

# Nullable columns, and the states whose jobs always have a value there. A row with NULL
# in the ordered column sorts outside every keyset bound, so pages would skip it.
_FILLED_IN = {
    "finalized_at": frozenset(FINALIZED_STATES),
    "attempted_at": frozenset({JobState.RUNNING, JobState.RETRYABLE, JobState.COMPLETED}),
}

# Go's zero ``time.Time``: River's cursors carry it when ordering by id.
_GO_ZERO_TIME = "0001-01-01T00:00:00Z"
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1


def sort_column(order_by: str, states: Sequence[JobState]) -> str:
    """The column a listing orders by: ``time`` follows the first filtered state as in
    River (all states, so ``scheduled_at``, when no state is filtered)."""
    if order_by == "time":
        return _TIME_COLUMN[states[0]] if states else "scheduled_at"
    return order_by


def effective_states(order_by: str, states: Sequence[JobState]) -> Sequence[JobState]:
    """The states a listing filters on: ordering by ``finalized_at`` without a state
    filter lists the finalized states, as River's ``OrderBy`` does."""
    if order_by == "finalized_at" and not states:
        return FINALIZED_STATES
    return states


def check_order(order_by: str, states: Sequence[JobState]) -> None:
    """Raise ``JobListOrderError`` when the ordered column may be NULL for the states."""
    states = effective_states(order_by, states)
    column = sort_column(order_by, states)
    filled = _FILLED_IN.get(column)
    if filled is None:
        return
    wanted = ", ".join(s.value for s in JobState if s in filled)
    how = f"ordering by {order_by!r}" + (f" ({column})" if column != order_by else "")
    if not states:
        raise JobListOrderError(
            f"{how} needs a state filter: only {wanted} jobs always have {column}"
        )
    bad = [s.value for s in states if s not in filled]
    if bad:
        raise JobListOrderError(
            f"cannot order by {column} with state filters {', '.join(bad)}: those jobs may "
            f"have no {column}; filter on {wanted} only"
        )


@dataclass(frozen=True, slots=True)
class JobListCursor:
    """Where a job listing stopped; pass it as ``JobListParams(after=...)`` to list the
    next page (River's ``JobListCursor``).

    Get one from ``JobListResult.last_cursor``, from ``JobListCursor.from_job(job)`` (its
    values are taken from the job for the listing's ordering), or decode the opaque text
    made by ``encode()`` / ``str(cursor)`` with ``JobListCursor.decode(text)``. The text
    has River Go's layout, so cursors pass between River clients in either language.
    """

    id: int
    #: The ``JobListOrderBy`` value of the listing the cursor continues.
    sort_field: str = "id"
    #: The last job's value of the ordered time column; None when ordering by id.
    time: dt.datetime | None = None
    kind: str = ""
    queue: str = ""
    _job: JobRow | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Job ids are bigint: a cursor past that range would fail in the driver, each
        # driver with its own error.
        if isinstance(self.id, bool) or not isinstance(self.id, int):
            raise InvalidJobListParamsError(f"cursor id must be an int, got {self.id!r}")
        if not _BIGINT_MIN <= self.id <= _BIGINT_MAX:
            raise InvalidJobListParamsError(
                f"cursor id {self.id} is outside the range of a job id (a bigint, "
                f"{_BIGINT_MIN} to {_BIGINT_MAX})"
            )

    @classmethod
    def from_job(cls, job: Any) -> JobListCursor:
        """A cursor after ``job`` (a ``JobRow`` or a ``river.Job``), resolved against the
        ordering of the ``JobListParams`` it is given to (River's ``JobListCursorFromJob``)."""
        row = getattr(job, "row", job)
        if not isinstance(row, JobRow):
            raise InvalidJobListParamsError(
                f"a cursor is made from a job row, got {type(job).__name__}"
            )
        return cls(id=row.id, kind=row.kind, queue=row.queue, _job=row)

    @classmethod
    def after_job(cls, job: JobRow, order_by: str, states: Sequence[JobState]) -> JobListCursor:
        """The cursor after ``job`` in a listing ordered by ``order_by``."""
        column = sort_column(order_by, effective_states(order_by, states))
        value = None if column == "id" else getattr(job, column)
        if column != "id" and value is None:
            raise InvalidJobListParamsError(
                f"job {job.id} has no {column}, so a listing ordered by {order_by!r} "
                "cannot continue after it"
            )
        return cls(id=job.id, sort_field=order_by, time=value, kind=job.kind, queue=job.queue)

    def resolve(self, order_by: str, states: Sequence[JobState]) -> JobListCursor:
        """This cursor, checked against (or, from a job, made for) a listing's ordering."""
        if self._job is not None:
            return JobListCursor.after_job(self._job, order_by, states)
        if self.sort_field != order_by:
            raise InvalidJobListParamsError(
                f"the cursor continues a listing ordered by {self.sort_field!r}, "
                f"not by {order_by!r}"
            )
        if order_by != "id" and self.time is None:
            raise InvalidJobListParamsError(
                f"a cursor for a listing ordered by {order_by!r} needs a time"
            )
        return self

    def encode(self) -> str:
        """The cursor as opaque URL-safe text (base64 of River's JSON layout)."""
        if self._job is not None:
            raise InvalidJobListParamsError(
                "a cursor made with from_job() has no ordering yet and cannot be encoded; "
                "use JobListResult.last_cursor"
            )
        payload = {
            "id": self.id,
            "kind": self.kind,
            "queue": self.queue,
            "sort_field": self.sort_field,
            "time": _GO_ZERO_TIME if self.time is None else format_rfc3339_nano(self.time),
        }
        data = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(data).decode("ascii")

    def __str__(self) -> str:
        return self.encode()

    @classmethod
    def decode(cls, text: str) -> JobListCursor:
        """A cursor from ``encode()`` text (River Go's cursors decode too); raises
        ``InvalidJobListParamsError`` for anything else."""
        try:
            raw = text.strip().translate(_STD_ALPHABET).encode("ascii")
            data = json.loads(base64.b64decode(raw + b"=" * (-len(raw) % 4), validate=True))
            id_, sort_field, when = data["id"], data["sort_field"], data["time"]
            if isinstance(id_, bool) or not isinstance(id_, int) or not isinstance(sort_field, str):
                raise TypeError("id or sort_field has the wrong type")
            kind, queue = data.get("kind", ""), data.get("queue", "")
            if not isinstance(kind, str) or not isinstance(queue, str):
                raise TypeError("kind or queue has the wrong type")
            time = None if when == _GO_ZERO_TIME else parse_rfc3339(when)
        except (ValueError, TypeError, KeyError, AttributeError, binascii.Error) as exc:
            raise InvalidJobListParamsError(f"not a job list cursor: {text!r}") from exc
        return cls(id=id_, sort_field=sort_field, time=time, kind=kind, queue=queue)


_STD_ALPHABET = str.maketrans("-_", "+/")


class JobListResult(list[JobRow]):
    """The jobs of one listing page, in order, and ``last_cursor`` to list the next page
    (River's ``JobListResult``). It is a list, so code that iterates the jobs keeps
    working; ``jobs`` names them as River does."""

    last_cursor: JobListCursor | None

    def __init__(self, jobs: Iterable[JobRow] = (), last_cursor: JobListCursor | None = None):
        super().__init__(jobs)
        #: The cursor after the last job, None when the page is empty.
        self.last_cursor = last_cursor

    @property
    def jobs(self) -> list[JobRow]:
        """The jobs of this page."""
        return list(self)

    def __repr__(self) -> str:
        return f"JobListResult({list.__repr__(self)}, last_cursor={self.last_cursor!r})"


@dataclass(frozen=True, slots=True)
class JobListWhere:
    """A raw SQL condition added to a job listing, with named parameters written ``@name``
    in ``sql`` and given in ``args`` (River's ``JobListParams.Where(sql, NamedArgs)``)::

        JobListWhere("metadata->>'customer' = @customer", {"customer": "acme"})

    ``sql`` is developer text, written in the application's code: never build it from
    end-user input. Values, whoever wrote them, go in ``args``. Several conditions are
    joined with ``AND``.

    The fragment must be one condition read alike by PostgreSQL under any server
    setting: no ``;``, comments, ``$``, backslashes, prefixed strings (``E''``, ``U&''``,
    ...), statement keywords (``DELETE``, ``SET``, ...), control characters or
    unbalanced parentheses; it may call only read-only built-in functions
    (``river.where_guard.ALLOWED_FUNCTIONS``); every ``@name`` must be in ``args``
    and every key of ``args`` used in ``sql``. Breaking a rule raises
    ``InvalidJobListParamsError``. A listing with conditions runs in a read-only
    transaction that is rolled back, so a condition cannot change data or settings.
    """

    sql: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_where(self.sql, self.args)


_KW = {"frozen": True, "slots": True, "kw_only": True}


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


# The priorities river_job's check constraint allows (priority_in_range).
_EVERY_PRIORITY = frozenset(range(1, 5))


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
        matches, so empty sequences, ``args_text=""``, a containment of ``{}`` (as a
        mapping or as text), every state and every priority (1 to 4) are no filter.
        ``where``, ``order_by`` and ``after`` are not filters."""
        return not (
            self.ids
            or self.kinds
            or (self.priorities and not _EVERY_PRIORITY <= set(self.priorities))
            or self.queues
            or (self.states and not set(JobState) <= set(self.states))
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


def check_delete_many_params(params: JobListParams) -> None:
    """Refuse ``where`` conditions (listing only), and params without a filter unless
    they say that deleting all jobs is meant."""
    if params.where:
        raise InvalidJobListParamsError(
            "where conditions apply to job_list only, not to job_delete_many; filter with "
            "ids, kinds, priorities, queues, states, tags or the JSON filters"
        )
    if params.filters_empty() and not params.unsafe_all_jobs:
        raise InvalidJobListParamsError(
            "job_delete_many with no filter would delete every job that is not running; "
            "give a filter (ids, kinds, priorities, queues, states, tags_all, tags_any, "
            "metadata_contains, args_contains or args_text; an empty value, \"\" or {} "
            "filters nothing, and order_by and after are not filters) or pass "
            "JobListParams.unsafe_all() to delete all jobs"
        )

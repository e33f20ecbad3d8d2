"""Pieces of a job listing that need no database: the opaque cursor that continues a
listing (River's ``JobListCursor``), the raw ``where`` fragment with named parameters
(River's ``JobListParams.Where``), the result carrying the next cursor
(River's ``JobListResult``), and the rules on which column a listing may be ordered by."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from river.driver.where_guard import check_where
from river.errors import InvalidJobListParamsError, JobListOrderError
from river.types import JobRow, JobState, format_rfc3339_nano, parse_rfc3339

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
    (``river.driver.where_guard.ALLOWED_FUNCTIONS``); every ``@name`` must be in ``args``
    and every key of ``args`` used in ``sql``. Breaking a rule raises
    ``InvalidJobListParamsError``. A listing with conditions runs in a read-only
    transaction that is rolled back, so a condition cannot change data or settings.
    """

    sql: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_where(self.sql, self.args)


def where_fragments(
    conditions: Sequence[JobListWhere], taken: Iterable[str]
) -> tuple[list[str], dict[str, Any]]:
    """The conditions' SQL and values; a name already used by the listing or by an earlier
    condition raises ``InvalidJobListParamsError`` (River's "already registered")."""
    names = set(taken)
    fragments: list[str] = []
    values: dict[str, Any] = {}
    for cond in conditions:
        check_where(cond.sql, cond.args)  # again where it is used: the args may have changed
        for name, value in cond.args.items():
            if name in names:
                raise InvalidJobListParamsError(
                    f"where parameter @{name} is already used by the listing; rename it"
                )
            names.add(name)
            values[name] = value
        fragments.append(f"({cond.sql})")
    return fragments, values


def job_list_result(jobs: Sequence[JobRow], params: Any) -> JobListResult:
    """``jobs`` of a listing by ``params`` (a ``JobListParams``), with the cursor after the
    last one."""
    cursor = None
    if jobs:
        try:
            cursor = JobListCursor.after_job(jobs[-1], params.order_by.value, params.states)
        except InvalidJobListParamsError:  # the row was edited by hand: no next page
            cursor = None
    return JobListResult(jobs, cursor)

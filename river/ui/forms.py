"""Validation of every value a request carries: query filters, cursors, ids, form fields.

Each parser raises ``BadRequest`` naming the field, which the app turns into a 400 page;
values reach the database only as typed query parameters.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from river.driver.job_list import JobListCursor
from river.driver.jsontext import unstorable_reason
from river.driver.params import JobListOrderBy, JobListParams
from river.stored_json import depth_reason, too_deep
from river.types import JobState

MAX_BIGINT = 2**63 - 1
PAGE_SIZE = 50
MAX_BULK = 500
_LIMITS = {"kind": 128, "queue": 128, "tag": 255, "q": 500, "meta": 500}
DEFAULT_STATE = JobState.AVAILABLE
JOB_ACTIONS = ("retry", "cancel", "delete")
QUEUE_ACTIONS = ("pause", "resume")


class BadRequest(ValueError):
    """A request value that is missing, malformed or out of range."""


def parse_id(value: str | None, field: str = "id") -> int:
    """A job id: a positive 64-bit integer written in decimal digits."""
    if value is None or not value.strip():
        raise BadRequest(f"{field} is required")
    text = value.strip()
    if not text.isascii() or not text.isdigit():
        raise BadRequest(f"{field} must be a positive integer, not {value!r}")
    number = int(text)
    if not 0 < number <= MAX_BIGINT:
        raise BadRequest(f"{field} is out of range: {value!r}")
    return number


def parse_text(value: str | None, field: str, limit: int | None = None) -> str | None:
    """An optional free-text value; empty means absent."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    limit = limit or _LIMITS.get(field, 255)
    if len(text) > limit:
        raise BadRequest(f"{field} is longer than {limit} characters")
    if any(ord(c) < 32 for c in text):
        raise BadRequest(f"{field} contains control characters")
    return text


def parse_queue_name(value: str | None) -> str:
    """A queue named in a form: required, and never ``*`` (which the client reads as
    "every queue")."""
    name = parse_text(value, "queue")
    if name is None:
        raise BadRequest("queue is required")
    if name == "*":
        raise BadRequest("'*' is not a queue name")
    return name


def parse_state(value: str | None) -> JobState:
    if value is None or value == "":
        return DEFAULT_STATE
    try:
        return JobState(value)
    except ValueError:
        states = ", ".join(s.value for s in JobState)
        raise BadRequest(f"state must be one of {states}, not {value!r}") from None


def parse_choice(value: str | None, field: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise BadRequest(f"{field} must be one of {', '.join(choices)}, not {value!r}")
    return value


def parse_ids(values: list[str], field: str = "ids") -> list[int]:
    """A bulk selection: one or more job ids, at most ``MAX_BULK``."""
    if not values:
        raise BadRequest("select at least one job")
    if len(values) > MAX_BULK:
        raise BadRequest(f"at most {MAX_BULK} jobs at once")
    return sorted({parse_id(v, field) for v in values})


@dataclass(frozen=True)
class JobFilters:
    """The jobs page's filters and cursor, as given in its query string."""

    state: JobState = DEFAULT_STATE
    kind: str | None = None
    queue: str | None = None
    tag: str | None = None
    id: int | None = None
    q: str | None = None
    meta: str | None = None
    after: int | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> JobFilters:
        raw_id = query.get("id")
        raw_after = query.get("after")
        return cls(
            state=parse_state(query.get("state")),
            kind=parse_text(query.get("kind"), "kind"),
            queue=parse_text(query.get("queue"), "queue"),
            tag=parse_text(query.get("tag"), "tag"),
            id=parse_id(raw_id) if raw_id and raw_id.strip() else None,
            q=parse_text(query.get("q"), "q"),
            meta=json_object_text(parse_text(query.get("meta"), "meta"), "meta"),
            after=parse_id(raw_after, "after") if raw_after else None,
        )

    def without_cursor(self) -> JobFilters:
        return replace(self, after=None)

    def list_params(self, limit: int = PAGE_SIZE) -> JobListParams:
        """Newest first by id: the primary key (or, for a rare state, the state-leading
        indexes) serves each page; ``after`` is the last id of the previous page."""
        args_contains, args_text = _args_filter(self.q)
        return JobListParams(
            ids=[self.id] if self.id is not None else (),
            kinds=[self.kind] if self.kind else (),
            queues=[self.queue] if self.queue else (),
            # An id names one job: it is shown whatever its state.
            states=[self.state] if self.id is None else (),
            tags_any=[self.tag] if self.tag else (),
            args_contains=args_contains,
            args_text=args_text,
            metadata_contains=self.meta,
            order_by=JobListOrderBy.ID,
            descending=True,
            after=JobListCursor(id=self.after) if self.after is not None else None,
            limit=limit,
        )

    def query(self, **changes: object) -> dict[str, str]:
        """The query-string values of these filters, with ``changes`` applied."""
        values: dict[str, object] = {
            "state": self.state.value,
            "kind": self.kind,
            "queue": self.queue,
            "tag": self.tag,
            "id": self.id,
            "q": self.q,
            "meta": self.meta,
            "after": self.after,
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v is not None and v != ""}


def json_object_text(text: str | None, field: str) -> str | None:
    """A filter that must be a JSON object (matched by containment), as compact JSON."""
    if text is None:
        return None
    if not text.startswith("{"):
        raise BadRequest(f'{field} must be a JSON object, e.g. {{"customer": "acme"}}')
    if too_deep(text):
        raise BadRequest(f"{field} cannot be matched: {depth_reason()}")
    try:
        value = json.loads(text, parse_constant=_not_json_in(field), parse_float=_finite_in(field))
    except BadRequest:
        raise
    except ValueError as exc:
        raise BadRequest(f"{field} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BadRequest(f"{field} must be a JSON object")
    encoded = json.dumps(value)
    reason = unstorable_reason(encoded)
    if reason is not None:
        raise BadRequest(f"{field} cannot be matched: {reason}")
    return encoded


def _not_json_in(field: str) -> Callable[[str], object]:
    def refuse(name: str) -> object:
        raise BadRequest(f"{field} cannot be matched: {name} is not a JSON value")

    return refuse


def _finite_in(field: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise BadRequest(f"{field} cannot be matched: the number {text} is out of range")
        return value

    return parse


def _args_filter(q: str | None) -> tuple[str | None, str | None]:
    """A JSON object is matched by containment (``args @> q``, served by the args GIN
    index); any other text as a case-insensitive substring of the args' JSON."""
    if q is None:
        return None, None
    if q.startswith("{"):
        if too_deep(q):
            raise BadRequest(f"q cannot be matched: {depth_reason()}")
        try:
            value = json.loads(q, parse_constant=_not_json, parse_float=_finite_float)
        except BadRequest:
            raise
        except ValueError:
            value = None
        if isinstance(value, dict):
            text = json.dumps(value)
            reason = unstorable_reason(text)
            if reason is not None:
                raise BadRequest(f"q cannot be matched: {reason}")
            return text, None
    return None, q


def _not_json(name: str) -> object:
    # Python's parser reads NaN and ±Infinity, which neither JSON nor jsonb has.
    raise BadRequest(f"q cannot be matched: {name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400: past a float's range, it reads as infinity
        raise BadRequest(f"q cannot be matched: the number {text} is out of range")
    return value

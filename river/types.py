"""Leaf types shared by every layer: job rows, states, attempt errors, queues."""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from river.stored_json import decode as decode_stored


class JobState(enum.StrEnum):
    """A job's state; values equal the labels of the ``river_job_state`` enum."""

    AVAILABLE = "available"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    DISCARDED = "discarded"
    PENDING = "pending"
    RETRYABLE = "retryable"
    RUNNING = "running"
    SCHEDULED = "scheduled"


FINALIZED_STATES = frozenset({JobState.CANCELLED, JobState.COMPLETED, JobState.DISCARDED})


@dataclass(frozen=True, slots=True)
class AttemptError:
    """One failed attempt, stored as an element of ``river_job.errors``."""

    at: dt.datetime
    attempt: int
    error: str
    trace: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "at": format_rfc3339_nano(self.at),
                "attempt": self.attempt,
                "error": self.error,
                "trace": self.trace,
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AttemptError:
        return cls(
            at=parse_rfc3339(data["at"]),
            attempt=int(data.get("attempt", 0)),
            error=str(data.get("error", "")),
            trace=str(data.get("trace", "")),
        )


@dataclass(slots=True)
class JobRow:
    """A row of ``river_job``. ``encoded_args`` is the raw JSON text of ``args``.

    ``args`` and ``metadata`` are the decoded JSON; stored JSON this client does not
    decode (nested deeper than ``river.stored_json.MAX_DEPTH`` levels) is an
    ``UndecodableJSON`` holding the raw text and the reason instead."""

    id: int
    state: JobState
    attempt: int
    max_attempts: int
    attempted_at: dt.datetime | None
    created_at: dt.datetime
    finalized_at: dt.datetime | None
    scheduled_at: dt.datetime
    priority: int
    encoded_args: str
    attempted_by: list[str]
    errors: list[AttemptError]
    kind: str
    metadata: dict[str, Any]
    queue: str
    tags: list[str]
    unique_key: bytes | None = None
    unique_states: int | None = None
    _args: Any = field(default=None, repr=False, compare=False)

    @property
    def args(self) -> Any:
        """The decoded ``args`` JSON (decoded once, on first use), or an
        ``UndecodableJSON`` when it cannot be decoded."""
        if self._args is None:
            self._args = decode_stored(self.encoded_args)
        return self._args

    @property
    def output(self) -> Any:
        """The output recorded by the job's worker, if any."""
        return self.metadata.get("output")


@dataclass(frozen=True, slots=True)
class Queue:
    """A row of ``river_queue``."""

    name: str
    created_at: dt.datetime
    metadata: dict[str, Any]
    paused_at: dt.datetime | None
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class QueueStateCount:
    """How many jobs of one queue are in one state."""

    queue: str
    state: JobState
    count: int


@dataclass(frozen=True, slots=True)
class MinuteStateCount:
    """How many jobs reached one final state within one minute."""

    minute: dt.datetime
    state: JobState
    count: int


@dataclass(frozen=True, slots=True)
class Leader:
    """A row of ``river_leader``."""

    leader_id: str
    elected_at: dt.datetime
    expires_at: dt.datetime


def format_rfc3339_nano(t: dt.datetime) -> str:
    """Go's ``time.RFC3339Nano`` for a UTC time: trailing zeros of the fraction trimmed."""
    t = t.astimezone(dt.UTC)
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        base += ("." + f"{t.microsecond:06d}").rstrip("0")
    return base + "Z"


def parse_rfc3339(s: str) -> dt.datetime:
    """Parse an RFC 3339 timestamp as Go writes it (nanoseconds are cut to microseconds)."""
    s = s.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    if "." in s:
        head, rest = s.split(".", 1)
        digits = ""
        i = 0
        while i < len(rest) and rest[i].isdigit():
            digits += rest[i]
            i += 1
        s = head + "." + (digits[:6].ljust(6, "0")) + rest[i:]
    return dt.datetime.fromisoformat(s)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class JobInsertResult:
    """An inserted job, or the existing one when a unique insert was skipped as a duplicate."""

    job: JobRow
    unique_skipped_as_duplicate: bool = False

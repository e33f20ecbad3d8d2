"""Options the ``require_*`` assertions compare (River's ``RequireInsertedOpts``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from river.types import JobRow, JobState


@dataclass(frozen=True, kw_only=True)
class RequireInsertedOpts:
    """Properties an inserted job must have; ``None`` means "any"."""

    max_attempts: int | None = None
    priority: int | None = None
    queue: str | None = None
    scheduled_at: dt.datetime | None = None  # compared to the microsecond, as stored
    state: JobState | None = None
    tags: Sequence[str] | None = None

    def describe(self) -> str:
        return ", ".join(
            f"{f.name}={v!r}" for f in fields(self) if (v := getattr(self, f.name)) is not None
        )


@dataclass(frozen=True)
class ExpectedJob:
    """One job ``require_many_inserted`` expects: its args (class or instance) and opts."""

    args: Any
    opts: RequireInsertedOpts | None = None


def mismatches(row: JobRow, opts: RequireInsertedOpts) -> list[str]:
    """What in ``row`` differs from ``opts``, one phrase each."""
    out = []
    if opts.max_attempts is not None and row.max_attempts != opts.max_attempts:
        out.append(f"max_attempts is {row.max_attempts}, expected {opts.max_attempts}")
    if opts.priority is not None and row.priority != opts.priority:
        out.append(f"priority is {row.priority}, expected {opts.priority}")
    if opts.queue is not None and row.queue != opts.queue:
        out.append(f"queue is {row.queue!r}, expected {opts.queue!r}")
    if opts.scheduled_at is not None:
        want = (
            opts.scheduled_at
            if opts.scheduled_at.tzinfo
            else opts.scheduled_at.replace(tzinfo=dt.UTC)
        )
        if row.scheduled_at != want:
            out.append(
                f"scheduled_at is {row.scheduled_at.isoformat()}, expected {want.isoformat()}"
            )
    if opts.state is not None and row.state is not opts.state:
        out.append(f"state is {row.state.value!r}, expected {opts.state.value!r}")
    if opts.tags is not None and list(row.tags) != list(opts.tags):
        out.append(f"tags are {row.tags}, expected {list(opts.tags)}")
    return out

"""Per-job state carried in a ContextVar (River keeps it in the job's ``ctx``)."""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from river.types import JobRow


@dataclass(slots=True, eq=False)
class JobContext:
    client: Any
    job: JobRow
    metadata_updates: dict[str, Any] = field(default_factory=dict)
    cancelled: bool = False
    cancel_reason: str | None = None
    # Sync jobs cannot be interrupted: their timeout is noticed when they check.
    deadline: float | None = None
    # Set once the job's task runs: a task cancelled before that never runs its body.
    started: bool = False
    # Free slots for middleware state (the resumable plugin keeps its state here).
    extras: dict[str, Any] = field(default_factory=dict)
    # The asyncio task working the job, set by the producer (a timeout cancels it).
    task: Any = None

    def is_cancelled(self) -> bool:
        if not self.cancelled and self.deadline is not None and time.monotonic() > self.deadline:
            self.cancel("timeout")
        return self.cancelled

    def cancel(self, reason: str) -> None:
        if self.cancel_reason is None:
            self.cancel_reason = reason
        self.cancelled = True


current_job: ContextVar[JobContext | None] = ContextVar("river_current_job", default=None)


def require_job_context(what: str) -> JobContext:
    ctx = current_job.get()
    if ctx is None:
        raise RuntimeError(f"{what} can only be called while a job is being worked")
    return ctx

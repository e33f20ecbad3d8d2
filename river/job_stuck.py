"""What a client does with a job that keeps running past its timeout (River's
``JobStuckHandler``).

A sync job runs in a thread that cannot be killed and an async job may swallow its
cancellation, so a job can go on running after ``job_timeout`` and keep its worker slot.
Once such a job is still running ``job_stuck_threshold`` after its timeout, the client logs
a warning and asks the configured ``JobStuckHandler`` whether to open a replacement slot.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass

JOB_STUCK_THRESHOLD_DEFAULT = 10.0  # River's JobStuckThresholdDefault, in seconds


@dataclass(frozen=True, slots=True, kw_only=True)
class JobStuckHandlerParams:
    """What ``JobStuckHandler.handle_job_stuck`` is told about a stuck job."""

    #: The stuck job's ID.
    id: int
    #: The stuck job's kind.
    kind: str
    #: The queue the stuck job runs in.
    queue: str
    #: How many jobs are stuck in the whole client right now (all queues, this one included).
    total_stuck_jobs: int


@dataclass(frozen=True, slots=True)
class JobStuckHandlerResult:
    """What a ``JobStuckHandler`` decided.

    ``add_worker_slot=True`` stops counting the stuck job against its queue's
    ``max_workers`` so another job can start in its place. The stuck job still runs, so the
    queue may run more jobs than ``max_workers`` until it returns; when it does, the queue
    is back to ``max_workers``.
    """

    add_worker_slot: bool = False


class JobStuckHandler:
    """Called once for each job still running ``job_stuck_threshold`` after its timeout.

    Subclass it and override ``handle_job_stuck``; return
    ``JobStuckHandlerResult(add_worker_slot=True)`` to open a replacement worker slot. It can
    also stop the process when ``params.total_stuck_jobs`` grows too large. On
    ``river.AsyncClient`` it may be a coroutine function. A handler that raises, returns
    anything else, or is async on a sync ``river.Client`` is logged and opens no slot.
    """

    def handle_job_stuck(
        self, params: JobStuckHandlerParams
    ) -> JobStuckHandlerResult | Awaitable[JobStuckHandlerResult | None] | None:
        return None

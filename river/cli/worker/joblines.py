"""``river worker``'s line per finished job, at INFO (``--quiet`` turns it off), as Celery
and RQ workers print one: kind, id, queue, attempt, outcome and how long the work took.
The lines come from the client's event stream, so they say what was written: a failed
attempt is ``retryable`` or ``discarded`` as the job's row says."""

from __future__ import annotations

import logging
from typing import Any

from river.events import Event, EventKind
from river.types import JobState

logger = logging.getLogger("river.worker")

_OUTCOMES = {
    EventKind.JOB_COMPLETED: "completed",
    EventKind.JOB_CANCELLED: "cancelled",
    EventKind.JOB_SNOOZED: "snoozed",
    EventKind.JOB_INTERRUPTED: "interrupted",
}


def outcome_of(event: Event) -> str:
    """``completed``, ``retryable``, ``discarded``, ``cancelled``, ``snoozed`` or
    ``interrupted``."""
    if event.kind is EventKind.JOB_FAILED:
        assert event.job is not None
        return "discarded" if event.job.state is JobState.DISCARDED else "retryable"
    return _OUTCOMES.get(event.kind, event.kind.value)


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def log_job_line(event: Event) -> None:
    """The INFO line of one finished attempt, with its fields for ``--log-format json``."""
    job = event.job
    if job is None:
        return
    outcome = outcome_of(event)
    took = event.job_stats.run_duration if event.job_stats is not None else 0.0
    logger.info(
        "job %d %s (queue %s, attempt %d/%d) %s in %s",
        job.id, job.kind, job.queue, job.attempt, job.max_attempts, outcome, _duration(took),
        extra={
            "job_id": job.id,
            "job_kind": job.kind,
            "queue": job.queue,
            "attempt": job.attempt,
            "max_attempts": job.max_attempts,
            "outcome": outcome,
            "duration": round(took, 6),
        },
    )


def follow_jobs(client: Any) -> Any:
    """Log a line per finished job of ``client`` (subscribe before it starts). An async
    client gets a task in the running loop; a sync client a daemon thread. Returns the
    handle to keep while the client runs."""
    subscription = client.subscribe()
    from river.client_async import AsyncClient

    if isinstance(client, AsyncClient):
        import asyncio

        async def follow() -> None:
            async for event in subscription:
                log_job_line(event)

        return asyncio.get_running_loop().create_task(follow(), name="river-worker-job-lines")

    def follow_sync() -> None:
        for event in subscription:
            log_job_line(event)

    import threading

    threading.Thread(target=follow_sync, name="river-worker-job-lines", daemon=True).start()
    return subscription


def _span(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def left_running_line(client: Any, *, most: int = 10) -> str | None:
    """What an exit at once leaves behind: the jobs still ``running`` in the database and
    when the rescuer (of whichever client leads) makes them ``retryable`` again. None when
    no job is running. Called from the signal handler: no locks, no logging."""
    jobs = client.running_jobs()
    if not jobs:
        return None
    after = client.config.rescue_after_seconds()
    named = ", ".join(f"{job.id} ({job.kind})" for job in jobs[:most])
    if len(jobs) > most:
        named += f" and {len(jobs) - most} more"
    started = [job.attempted_at for job in jobs if job.attempted_at is not None]
    when = ""
    if started:
        from datetime import timedelta

        first = min(started) + timedelta(seconds=after)
        when = f", the first at {first.strftime('%Y-%m-%d %H:%M:%S')} UTC"
    return (
        f"river worker: left running: job {named}; the rescuer makes them retryable "
        f"{_span(after)} after they started (rescue_stuck_jobs_after){when}"
    )

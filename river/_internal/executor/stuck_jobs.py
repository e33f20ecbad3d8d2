"""Bookkeeping and log records of stuck jobs: jobs still running ``job_stuck_threshold``
after their timeout (River's ``watchStuck``; colour-free)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Container
from typing import Any

from river._internal.executor.job_log import HandlerRole, job_log_extra
from river.config import JobStuckHandlerParams, JobStuckHandlerResult
from river.types import JobRow

STUCK_HANDLER = HandlerRole(
    "job stuck handler", "handle_job_stuck", JobStuckHandlerResult, "opening no worker slot"
)


class StuckWatch:
    """One running job with a timeout, watched until it returns."""

    __slots__ = ("ctx", "done", "open_slot", "row", "stuck", "stuck_at", "timeout", "watch_slot")

    def __init__(
        self, row: JobRow, timeout: float, open_slot: Callable[[int], None] | None, ctx: Any
    ) -> None:
        self.row = row
        self.timeout = timeout
        #: Tells the job's producer to stop counting the job against ``max_workers``.
        self.open_slot = open_slot
        self.ctx = ctx
        #: The stuck timer's slot once the job's timeout fired (async client).
        self.watch_slot: int | None = None
        self.stuck = False
        self.stuck_at = 0.0
        self.done = False


class StuckCount:
    """How many jobs are stuck in one client (all its queues)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = 0

    def mark_stuck(self, watch: StuckWatch) -> int | None:
        """Count ``watch``'s job as stuck; returns the new total, or None if it returned."""
        with self._lock:
            if watch.done:
                return None
            watch.stuck = True
            watch.stuck_at = time.monotonic()
            self.total += 1
            return self.total

    def mark_done(self, watch: StuckWatch) -> bool:
        """The job returned; returns whether it had been counted as stuck."""
        with self._lock:
            watch.done = True
            if watch.stuck:
                self.total -= 1
            return watch.stuck


def stuck_params(watch: StuckWatch, total: int) -> JobStuckHandlerParams:
    row = watch.row
    return JobStuckHandlerParams(id=row.id, kind=row.kind, queue=row.queue, total_stuck_jobs=total)


def log_job_stuck(watch: StuckWatch, threshold: float, logger: logging.Logger) -> None:
    row = watch.row
    logger.warning(
        "river: job %d (%s) appears to be stuck: still running %.3gs after its %.3gs timeout",
        row.id, row.kind, threshold, watch.timeout,
        extra={**job_log_extra(row), "timeout": watch.timeout},
    )


def log_job_unstuck(watch: StuckWatch, threshold: float, logger: logging.Logger) -> None:
    row = watch.row
    duration = watch.timeout + threshold + time.monotonic() - watch.stuck_at
    logger.info(
        "river: job %d (%s) became unstuck after running %.3gs",
        row.id, row.kind, duration, extra={**job_log_extra(row), "duration": duration},
    )


class OpenedSlots:
    """The running stuck jobs of one producer whose worker slot the job stuck handler
    opened: they no longer count against ``max_workers`` (River's closed executor slots)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[int] = set()

    def __len__(self) -> int:
        return len(self._ids)

    def open(self, job_id: int, running: Container[int]) -> bool:
        """Open the slot of ``job_id`` if it is still ``running`` and not open yet."""
        with self._lock:
            if job_id not in running or job_id in self._ids:
                return False
            self._ids.add(job_id)
            if job_id not in running:  # it ended meanwhile: its slot is free already
                self._ids.discard(job_id)
                return False
            return True

    def close(self, job_id: int) -> None:
        """``job_id`` ended (and left ``running``): its opened slot goes with it."""
        if self._ids:
            with self._lock:
                self._ids.discard(job_id)

"""Per-attempt job logs (River's ``riverlog``): what a job logs is stored in its metadata
under ``river:log`` as a list of ``{"attempt": n, "log": "..."}`` entries, which River UI
and ``river ui`` show.

Install ``JobLogMiddleware`` (sync client) or ``AsyncJobLogMiddleware`` (async client) in
``Config.middleware`` or a worker's ``middleware(job)``; in the worker, log through
``job_logger()``::

    from river.contrib.joblog import JobLogMiddleware, job_logger

    client = river.Client(driver, river.Config(middleware=[JobLogMiddleware()], ...))

    class SendEmail(river.Worker[SendEmailArgs]):
        def work(self, job):
            job_logger().info("sending to %s", job.args.to)

``capture=["myapp"]`` also stores records of those stdlib loggers (``""`` is the root
logger) emitted while the job runs, in its own context. Each attempt keeps at most
``max_size_bytes`` (2 MB, the rest truncated); when all entries together pass
``max_total_bytes`` (8 MB, at most 64 MB) the oldest are dropped, the newest always kept.
Needs no extra.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from river.contrib.joblog._core import (
    DEFAULT_FORMAT,
    MAX_SIZE_BYTES,
    MAX_TOTAL_BYTES,
    METADATA_KEY,
    Capture,
    append_with_cap,
    job_logger,
    total_cap,
)
from river.middleware import AsyncWorkerMiddleware, WorkerMiddleware
from river.types import JobRow

__all__ = [
    "MAX_SIZE_BYTES",
    "MAX_TOTAL_BYTES",
    "METADATA_KEY",
    "AsyncJobLogMiddleware",
    "JobLogMiddleware",
    "append_with_cap",
    "job_logger",
]


class _Options:
    def __init__(
        self,
        *,
        max_size_bytes: int | None = None,
        max_total_bytes: int | None = None,
        formatter: logging.Formatter | None = None,
        level: int = logging.DEBUG,
        capture: Sequence[str] = (),
        propagate: bool = False,
    ) -> None:
        if isinstance(capture, str):
            raise TypeError("capture is a list of logger names, e.g. ['myapp']")
        self.max_size_bytes = max_size_bytes or MAX_SIZE_BYTES
        self.max_total_bytes = total_cap(max_total_bytes)
        self.formatter = formatter or logging.Formatter(DEFAULT_FORMAT)
        self.level = level
        self.capture = tuple(capture)
        self.propagate = propagate

    def capture_for(self, job: JobRow) -> Capture:
        return Capture(
            job,
            formatter=self.formatter,
            level=self.level,
            capture=self.capture,
            propagate=self.propagate,
        )


class JobLogMiddleware(_Options, WorkerMiddleware):
    """Stores what each attempt logs in ``river:log`` (sync client).

    ``propagate=True`` also passes the job logger's records on to the ``river.job``
    logger (and so to the process's own handlers).
    """

    def work(self, job: JobRow, call_next: Callable[[], None]) -> None:
        with self.capture_for(job) as capture:
            try:
                call_next()
            finally:
                capture.store(job, self.max_size_bytes, self.max_total_bytes)


class AsyncJobLogMiddleware(_Options, AsyncWorkerMiddleware):
    """Stores what each attempt logs in ``river:log`` (async client)."""

    async def work(self, job: JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        with self.capture_for(job) as capture:
            try:
                await call_next()
            finally:
                capture.store(job, self.max_size_bytes, self.max_total_bytes)

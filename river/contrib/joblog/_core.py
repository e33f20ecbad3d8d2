"""What the job log middleware does around one attempt, colour-free: give the job a
logger writing to a buffer, and fold that buffer into ``river:log`` (River's ``riverlog``
shape and caps)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Sequence
from typing import Any

from river.context import JobContext, current_job, require_job_context
from river.types import JobRow

METADATA_KEY = "river:log"
MAX_SIZE_BYTES = 2 * 1024 * 1024  # per attempt
MAX_TOTAL_BYTES = 8 * 1024 * 1024  # all attempts together
MAX_TOTAL_BYTES_CEILING = 64 * 1024 * 1024
DEFAULT_FORMAT = "%(asctime)s %(levelname)s %(message)s"
_EXTRAS_KEY = "river.contrib.joblog"

logger = logging.getLogger("river.contrib.joblog")


def job_logger() -> logging.Logger:
    """The logger of the job being worked; its lines are stored with the attempt.

    Raises ``RuntimeError`` outside a job or when no job log middleware is installed.
    """
    found = require_job_context("river.contrib.joblog.job_logger").extras.get(_EXTRAS_KEY)
    if found is None:
        raise RuntimeError(
            "no job logger: add river.contrib.joblog.JobLogMiddleware (or the async one) "
            "to Config.middleware or the worker's middleware"
        )
    return found.logger  # type: ignore[no-any-return]


class _SameJob(logging.Filter):
    """Passes records emitted while ``ctx``'s job is the current one (its own context)."""

    def __init__(self, ctx: JobContext | None) -> None:
        super().__init__()
        self._ctx = ctx

    def filter(self, record: logging.LogRecord) -> bool:
        return current_job.get() is self._ctx


class Capture:
    """One attempt's log buffer, its job logger and the stdlib handlers feeding it."""

    def __init__(
        self,
        job: JobRow,
        *,
        formatter: logging.Formatter,
        level: int,
        capture: Sequence[str],
        propagate: bool,
    ) -> None:
        self.buffer = io.StringIO()
        self.handler = logging.StreamHandler(self.buffer)
        self.handler.setFormatter(formatter)
        self.handler.setLevel(level)
        # Not registered with logging's manager: one per attempt, gone with it.
        self.logger = logging.Logger(f"river.job.{job.kind}", level)
        self.logger.addHandler(self.handler)
        self.logger.propagate = propagate
        if propagate:
            self.logger.parent = logging.getLogger("river.job")
        self._captured: list[logging.Logger] = []
        self._capture = capture

    def __enter__(self) -> Capture:
        ctx = current_job.get()
        if ctx is not None:
            ctx.extras[_EXTRAS_KEY] = self
        if self._capture:
            self._stdlib_handler = logging.StreamHandler(self.buffer)
            self._stdlib_handler.setFormatter(self.handler.formatter)
            self._stdlib_handler.setLevel(self.handler.level)
            self._stdlib_handler.addFilter(_SameJob(ctx))
            for name in self._capture:
                target = logging.getLogger(name or None)
                target.addHandler(self._stdlib_handler)
                self._captured.append(target)
        return self

    def __exit__(self, *exc: object) -> None:
        for target in self._captured:
            target.removeHandler(self._stdlib_handler)
        ctx = current_job.get()
        if ctx is not None:
            ctx.extras.pop(_EXTRAS_KEY, None)

    def store(self, job: JobRow, max_size_bytes: int, max_total_bytes: int) -> None:
        """Stage ``river:log`` with this attempt's entry appended (nothing if it logged
        nothing), as River does whatever the attempt's outcome."""
        ctx = current_job.get()
        data = self.buffer.getvalue().encode()
        if ctx is None or not data:
            return
        if len(data) > max_size_bytes:
            logger.warning(
                "river.contrib.joblog: job %d logged %d bytes, more than the %d bytes kept; "
                "truncating",
                job.id,
                len(data),
                max_size_bytes,
                extra={
                    "job_id": job.id,
                    "job_kind": job.kind,
                    "queue": job.queue,
                    "attempt": job.attempt,
                },
            )
            data = data[:max_size_bytes]
        # jsonb cannot store a NUL: a log of binary output keeps the rest.
        log = data.decode(errors="ignore").replace("\x00", "\ufffd")
        entry = {"attempt": job.attempt, "log": log}
        existing = job.metadata.get(METADATA_KEY, [])
        if not isinstance(existing, list):
            logger.error(
                "river.contrib.joblog: job %d has a %r that is not a list; log not stored",
                job.id,
                METADATA_KEY,
            )
            return
        entries, dropped = append_with_cap(existing, entry, max_total_bytes)
        if dropped:
            logger.warning(
                "river.contrib.joblog: job %d's logs exceed %d bytes; dropped the %d oldest",
                job.id,
                max_total_bytes,
                dropped,
            )
        ctx.metadata_updates[METADATA_KEY] = entries


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def append_with_cap(
    existing: list[Any], entry: dict[str, Any], max_total_bytes: int
) -> tuple[list[Any], int]:
    """``existing + [entry]`` with the fewest oldest entries dropped so the JSON array fits
    ``max_total_bytes``; the new entry is kept even when it alone is larger. Returns the
    list and how many entries were dropped."""
    if max_total_bytes <= 0:
        return [*existing, entry], 0
    new_len = _size(entry)
    if 2 + new_len > max_total_bytes:
        return [entry], len(existing)
    sizes = [_size(e) for e in existing]
    kept_len = sum(sizes) + max(len(sizes) - 1, 0)  # entries and the commas between them
    for start in range(len(existing) + 1):
        content = new_len + (1 + kept_len if start < len(existing) else 0)
        if 2 + content <= max_total_bytes:
            return [*existing[start:], entry], start
        if start < len(existing):
            kept_len -= sizes[start] + (1 if start < len(existing) - 1 else 0)
    return [entry], len(existing)


def total_cap(max_total_bytes: int | None) -> int:
    return min(max_total_bytes or MAX_TOTAL_BYTES, MAX_TOTAL_BYTES_CEILING)

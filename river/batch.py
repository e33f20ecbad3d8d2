"""Batching: jobs of one batch key worked together by one call of ``work_many``.

An args type declares ``batch_opts()`` returning ``river.BatchOpts`` (River Pro's
``BatchOpts``); its jobs get a batch key computed from their kind and, with ``by_args``,
some or all of their args, stored in the job's metadata under ``river_batch_key``. A
worker subclassing ``river.BatchWorker`` / ``river.AsyncBatchWorker`` implements
``work_many(jobs)``. When a producer fetches one of its jobs, that job leads a batch: the
bundled ``river.batch`` plugin lets its ``work`` fetch more available jobs of the same
kind, key and queue (marked running as a fetch does), waiting at most
``BatchWorkerOpts.max_delay`` for the batch to reach ``max_count``, then call
``work_many`` once. It returns per-job results, a mapping of job id to an error (a
``JobSnooze``, a ``JobCancel`` or any exception); jobs it leaves out complete.

This module is colour-free: the options, the key, the results' check, and the plugin's
middleware that marks a job as a batch leader.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from functools import cache
from typing import Any

from river._declared_keys import declared_opts, hashed_key
from river.context import current_job
from river.errors import ConfigError, InvalidInsertError, RiverError
from river.middleware import AsyncWorkerMiddleware, WorkerMiddleware, WorksAtOnce
from river.types import JobRow

METADATA_BATCH_KEY = "river_batch_key"
PLUGIN_NAME = "river.batch"
# JobContext.extras key set on a job whose worker may gather a batch around it.
STATE_KEY = "river.batch"


class BatchError(InvalidInsertError):
    """An args type's batch options are invalid (raised at insert)."""


class BatchResultError(RiverError):
    """``work_many`` returned something other than None or a mapping of the batch's job
    ids to errors: every job of the batch gets this error."""


@dataclasses.dataclass(frozen=True, slots=True)
class BatchOpts:
    """How an args type's jobs are grouped into batches (River Pro's ``BatchOpts``).

    By default all jobs of one kind share a batch key. ``by_args=True`` makes one key per
    distinct args value; a list of field names, one per distinct value of those fields
    (a field an args value lacks counts as null)."""

    by_args: bool | Sequence[str] = False

    def validate(self) -> None:
        by = self.by_args
        if isinstance(by, str) or not isinstance(by, (bool, Sequence)):
            raise BatchError(
                f"BatchOpts.by_args must be a bool or a list of field names, got {by!r}"
            )
        if not isinstance(by, bool):
            if not by:
                raise BatchError(
                    "BatchOpts.by_args must name at least one field (or be True for all)"
                )
            for name in by:
                if not isinstance(name, str) or not name:
                    raise BatchError(
                        f"BatchOpts.by_args field names must be non-empty strings, got {name!r}"
                    )


@dataclasses.dataclass(frozen=True, slots=True)
class BatchWorkerOpts:
    """How a batch worker gathers its batches (River Pro's ``riverbatch.WorkerOpts``):
    at most ``max_count`` jobs a batch, waiting at most ``max_delay`` seconds for more
    jobs once a batch leader was fetched, looking for them every ``poll_interval``
    seconds."""

    max_count: int = 100
    max_delay: float = 5.0
    poll_interval: float = 1.0

    def __post_init__(self) -> None:
        if (
            isinstance(self.max_count, bool)
            or not isinstance(self.max_count, int)
            or self.max_count < 1
        ):
            raise ConfigError(
                f"BatchWorkerOpts.max_count must be an int >= 1, got {self.max_count!r}"
            )
        for name in ("max_delay", "poll_interval"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ConfigError(f"BatchWorkerOpts.{name} must be seconds >= 0, got {value!r}")
        if self.poll_interval == 0 and self.max_delay > 0:
            raise ConfigError("BatchWorkerOpts.poll_interval must be > 0 when max_delay is")


@cache
def has_batch_opts(cls: type) -> bool:
    """Whether the args type ``cls`` declares ``batch_opts()``."""
    return callable(getattr(cls, "batch_opts", None))


def batch_opts_of(args: Any) -> BatchOpts:
    """``args.batch_opts()``, checked."""
    return declared_opts(args, "batch_opts", BatchOpts, BatchError)


def batch_key(kind: str, encoded_args: str, opts: BatchOpts) -> str:
    """A job's batch key: a SHA-256 of its kind and the args the options select (equal
    args give equal keys whatever their key order)."""
    return hashed_key({"kind": kind}, encoded_args, opts.by_args)


def batch_metadata(
    metadata: dict[str, Any], kind: str, encoded_args: str, opts: BatchOpts
) -> dict[str, Any]:
    """``metadata`` with the job's batch key added."""
    return {**metadata, METADATA_BATCH_KEY: batch_key(kind, encoded_args, opts)}


def batch_key_of(metadata: Any) -> str | None:
    """The batch key of a job's metadata, or None for a job inserted without one."""
    if not isinstance(metadata, dict):
        return None
    key = metadata.get(METADATA_BATCH_KEY)
    return key if isinstance(key, str) else None


def checked_results(ids: Collection[int], results: Any) -> dict[int, BaseException]:
    """The errors ``work_many`` returned, by job id (jobs left out completed). Raises
    ``BatchResultError`` for anything but None or a mapping of the batch's ids to None
    or an exception."""
    if results is None:
        return {}
    if not isinstance(results, Mapping):
        raise BatchResultError(
            f"work_many must return None or a mapping of job id to error, got {results!r}"
        )
    errors: dict[int, BaseException] = {}
    for job_id, error in results.items():
        if job_id not in ids:
            raise BatchResultError(
                f"work_many returned a result for job {job_id!r}, not in the batch"
            )
        if error is None:
            continue
        if not isinstance(error, BaseException):
            raise BatchResultError(
                f"work_many's result for job {job_id} must be None or an exception, got {error!r}"
            )
        errors[job_id] = error
    return errors


def _mark_leader(job: JobRow) -> None:
    ctx = current_job.get()
    if ctx is not None and batch_key_of(job.metadata) is not None:
        ctx.extras[STATE_KEY] = True


class BatchMiddleware(WorkerMiddleware, WorksAtOnce):
    """Lets a job inserted with a batch key lead a batch (``river.batch`` plugin)."""

    def work(self, job: JobRow, call_next: Callable[[], None]) -> None:
        _mark_leader(job)
        call_next()

    def work_at_once(self, job: JobRow) -> bool:
        _mark_leader(job)
        return True


class AsyncBatchMiddleware(AsyncWorkerMiddleware, WorksAtOnce):
    """Lets a job inserted with a batch key lead a batch (``river.batch`` plugin)."""

    async def work(self, job: JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        _mark_leader(job)
        await call_next()

    def work_at_once(self, job: JobRow) -> bool:
        _mark_leader(job)
        return True


__all__ = [
    "METADATA_BATCH_KEY",
    "BatchError",
    "BatchOpts",
    "BatchResultError",
    "BatchWorkerOpts",
]

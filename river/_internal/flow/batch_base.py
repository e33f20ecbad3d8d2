"""The colour-free parts of a batch leader's work (``batch_async``): what it needs of its
client, the worker's options, the values its fetches of more jobs are bound to, the
batch's jobs decoded, and when a gathered job that failed is retried."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Protocol

from river._internal.executor.job_log import worker_next_retry
from river.batch import BatchWorkerOpts
from river.config import QueueConfig
from river.errors import ConfigError
from river.job_args import decode_args
from river.retry_policy import RetryPolicy
from river.types import JobRow
from river.worker import Job, args_type_of

LOGGER = logging.getLogger("river")
# How many client ids a job's attempted_by keeps (the producer's fetch keeps as many).
MAX_ATTEMPTED_BY = 100
# How often, in seconds, a waiting batch looks whether its leader was cancelled.
CANCEL_CHECK = 0.1


class BatchClient(Protocol):
    """What a batch leader needs of its client beyond a job's context, in both colours:
    its queues' configuration (their concurrency limits) and where written outcomes
    become events (as the completer hands over its writes)."""

    @property
    def _queue_configs(self) -> dict[str, QueueConfig]: ...
    def _on_completed(self, done: list[tuple[JobRow, Any]]) -> None: ...


def worker_opts(worker: Any) -> BatchWorkerOpts:
    """The worker's ``batch_worker_opts``, checked."""
    opts = getattr(worker, "batch_worker_opts", None)
    if opts is None:
        return BatchWorkerOpts()
    if not isinstance(opts, BatchWorkerOpts):
        raise ConfigError(
            f"{type(worker).__name__}.batch_worker_opts must be river.BatchWorkerOpts, got {opts!r}"
        )
    return opts


def gather_args(leader: Job[Any], key: str, wanted: int, now: dt.datetime | None) -> dict[str, Any]:
    """The values a leader's fetch of up to ``wanted`` more jobs of its ``key`` is bound to
    (``sql_batch``; the limited fetch adds the limits' own)."""
    return {
        "kind": leader.kind,
        "queue": leader.queue,
        "key": key,
        "max_to_lock": wanted,
        "max_attempted_by": MAX_ATTEMPTED_BY,
        # The client that fetched the leader fetches its batch.
        "client_id": leader.row.attempted_by[-1],
        "now": now,
    }


def decode_batch(
    worker: Any, leader: Job[Any], followers: list[JobRow]
) -> tuple[list[Job[Any]], dict[int, BaseException]]:
    """The batch's jobs, leader first; a job whose args cannot be decoded is left out with
    its error."""
    args_type = args_type_of(worker)
    jobs: list[Job[Any]] = [leader]
    errors: dict[int, BaseException] = {}
    for row in followers:
        try:
            jobs.append(Job(row, decode_args(args_type, row.encoded_args)))
        except Exception as exc:
            errors[row.id] = exc
    return jobs, errors


def next_retry(
    worker: Any, retry_policy: RetryPolicy, row: JobRow, logger: logging.Logger
) -> dt.datetime:
    """When a gathered job that failed is retried: the worker's ``next_retry``, else the
    client's retry policy (as the job executor decides for any job)."""
    return worker_next_retry(worker, Job(row, None), logger) or retry_policy.next_retry(row)

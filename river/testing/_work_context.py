"""A job context for calling a worker's ``work`` directly (River's ``rivertest.WorkContext``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from river.context import JobContext, current_job
from river.resumable import _ENABLED, STATE_KEY
from river.types import JobRow, JobState

if TYPE_CHECKING:
    from river.client import Client
    from river.client_async import AsyncClient


@contextmanager
def work_context(
    client: Client[Any] | AsyncClient[Any], job: JobRow | None = None
) -> Iterator[JobContext]:
    """Inside the ``with`` block, code runs as if ``client`` were working ``job``.

    ``client_from_context()`` returns ``client``; ``record_output``, ``metadata_set``,
    ``job_cancelled``/``check_cancelled`` and resumable steps work. Nothing is written
    to the database: the yielded context's ``metadata_updates`` holds what the worker
    staged (``"output"`` for ``record_output``), and ``cancel(reason)`` makes
    ``job_cancelled()`` true. Without ``job``, a running job of kind ``""`` with id 0 and
    empty args and metadata stands in. Works in sync and async code alike::

        with work_context(client, job) as ctx:
            await MyWorker().work(river.Job(job, MyArgs(...)))
        assert ctx.metadata_updates["output"] == {...}
    """
    ctx = JobContext(client, job if job is not None else _placeholder_job(client))
    ctx.extras[STATE_KEY] = _ENABLED  # resumable steps available, as under a client
    ctx.started = True
    token = current_job.set(ctx)
    try:
        yield ctx
    finally:
        current_job.reset(token)


def _placeholder_job(client: Client[Any] | AsyncClient[Any]) -> JobRow:
    now: dt.datetime = client.time.now_utc()
    return JobRow(
        id=0,
        state=JobState.RUNNING,
        attempt=1,
        max_attempts=25,
        attempted_at=now,
        created_at=now,
        finalized_at=None,
        scheduled_at=now,
        priority=1,
        encoded_args="{}",
        attempted_by=[],
        errors=[],
        kind="",
        metadata={},
        queue="default",
        tags=[],
    )

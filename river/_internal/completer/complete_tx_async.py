"""Completing the current job inside the caller's transaction (River's ``JobCompleteTx``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from river._internal.completer.complete_tx_typed import typed_job
from river._internal.flow.release_async import release
from river._internal.flow.release_base import release_on_finish
from river._internal.notifier.notification import TOPIC_INSERT
from river.context import AsyncJobClient, require_job_context
from river.driver.jsontext import encode_json
from river.driver.params import job_set_state_completed
from river.driver.tx_adapters import resolve_tx_async
from river.errors import JobNotFoundError
from river.types import JobRow, JobState
from river.worker import Job


async def job_complete_tx(tx: Any, job: Any, args_type: type[Any] | None = None) -> Job[Any] | JobRow:
    """Mark ``job`` completed in ``tx``; the automatic completion after ``work`` is then a
    no-op. Must be called from inside the job's ``work``.

    Returns the completed job as a ``river.Job`` with its args decoded when their type is
    known: ``args_type``, the type of a ``river.Job``'s args, or the args type registered
    for the job's kind; otherwise the completed ``JobRow``."""
    ctx = require_job_context("job_complete_tx")
    client = cast(AsyncJobClient, ctx.client)  # an async client works this job
    row: JobRow = getattr(job, "row", job)
    executor = client.driver.unwrap_executor(
        await resolve_tx_async(client.driver, tx), client.config.schema
    )
    updates = encode_json("metadata", ctx.metadata_updates) if ctx.metadata_updates else None
    params = job_set_state_completed(row.id, dt.datetime.now(dt.UTC), updates)
    params.running_attempt = row.attempt  # a rescued attempt completes nothing
    rows = await executor.job_set_state_if_running_many([params])
    if not rows:
        raise JobNotFoundError(f"job {row.id} not found")
    freed = release_on_finish(rows[0].metadata, JobState.COMPLETED)
    if freed is not None:  # promoted in the caller's transaction
        await release(
            executor, [freed], insert_topic=await client._topic(executor, TOPIC_INSERT)
        )
    return typed_job(rows[0], job, args_type, client.workers)

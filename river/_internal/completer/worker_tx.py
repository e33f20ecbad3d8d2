# WARNING: this file is generated from 'worker_tx_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The functions a worker calls inside the caller's transaction: completing its job
(River's ``JobCompleteTx``) and saving resumable progress (``ResumableSetStepTx`` /
``ResumableSetStepCursorTx``). ``river.job_tx`` gives them their public names."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from river._internal.flow.release import release
from river._internal.notifier.notification import TOPIC_INSERT
from river.context import JobClient, require_job_context
from river.driver.jsontext import encode_json
from river.driver.params import JobUpdateParams, job_set_state_completed
from river.driver.tx_adapters import resolve_tx
from river.errors import JobNotFoundError
from river.resumable import (
    METADATA_KEY_CURSOR,
    METADATA_KEY_STEP,
    ResumableError,
    _context,
    encode_cursor,
)
from river.types import JobRow, JobState
from river.worker import Job, typed_job
from river.workflow import release_on_finish


def job_complete_tx(tx: Any, job: Any, args_type: type[Any] | None = None) -> Job[Any] | JobRow:
    """Mark ``job`` completed in ``tx``; the automatic completion after ``work`` is then a
    no-op. Must be called from inside the job's ``work``.

    Returns the completed job as a ``river.Job`` with its args decoded when their type is
    known: ``args_type``, the type of a ``river.Job``'s args, or the args type registered
    for the job's kind; otherwise the completed ``JobRow``."""
    ctx = require_job_context("job_complete_tx")
    client = cast(JobClient, ctx.client)  # the client of this colour works this job
    row: JobRow = getattr(job, "row", job)
    executor = client.driver.unwrap_executor(resolve_tx(client.driver, tx), client.config.schema)
    updates = encode_json("metadata", ctx.metadata_updates) if ctx.metadata_updates else None
    params = job_set_state_completed(row.id, dt.datetime.now(dt.UTC), updates)
    params.running_attempt = row.attempt  # a rescued attempt completes nothing
    rows = executor.job_set_state_if_running_many([params])
    if not rows:
        raise JobNotFoundError(f"job {row.id} not found")
    freed = release_on_finish(rows[0].metadata, JobState.COMPLETED)
    if freed is not None:  # promoted in the caller's transaction
        release(executor, [freed], insert_topic=client._topic(executor, TOPIC_INSERT))
    return typed_job(rows[0], job, args_type, client.workers)


_NO_CURSOR = object()


def resumable_set_step_tx(tx: Any, job: Any, cursor: Any = _NO_CURSOR) -> JobRow:
    """Record the current step (and its cursor) as completed in ``tx`` right away.

    Call it inside a step: the checkpoint is durable if and only if ``tx`` commits.
    Returns the job's updated row.
    """
    what = "resumable_set_step_tx" if cursor is _NO_CURSOR else "resumable_set_step_cursor_tx"
    ctx, state = _context(what)
    row: JobRow = getattr(job, "row", job)
    if row.state is not JobState.RUNNING:
        raise ResumableError(f"{what}: job {row.id} must be running, it is {row.state.value}")
    step = state.step_name
    if not step:
        raise ResumableError(f"{what} can only be called inside a resumable step")
    updates: dict[str, Any] = {METADATA_KEY_STEP: step}
    cursors = dict(state.cursors)
    if cursor is not _NO_CURSOR:
        cursors[step] = encode_cursor(cursor)
    if cursors:
        updates[METADATA_KEY_CURSOR] = cursors
        state.had_cursors = True
    # Unlike River Go, the attempt's own progress is left as it was: the checkpoint counts
    # only if ``tx`` commits (a failed attempt reads the row to know).
    state.tx_steps.append(step)
    client = cast(JobClient, ctx.client)  # the client of this colour works this job
    executor = client.driver.unwrap_executor(resolve_tx(client.driver, tx), client.config.schema)
    updated: JobRow | None = executor.job_update(
        JobUpdateParams(id=row.id, metadata_merge=encode_json("metadata", updates))
    )
    if updated is None:
        raise JobNotFoundError(
            f"job {row.id} not found: in a test harness, insert the job in the database first"
        )
    return updated

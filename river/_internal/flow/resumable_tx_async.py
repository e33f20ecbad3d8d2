"""Saving resumable progress inside the caller's transaction (River's
``ResumableSetStepTx`` / ``ResumableSetStepCursorTx``)."""

from __future__ import annotations

from typing import Any, cast

from river.context import AsyncJobClient
from river.driver.jsontext import encode_json
from river.driver.params import JobUpdateParams
from river.driver.tx_adapters import resolve_tx_async
from river.errors import JobNotFoundError
from river.resumable import (
    METADATA_KEY_CURSOR,
    METADATA_KEY_STEP,
    ResumableError,
    _context,
    encode_cursor,
)
from river.types import JobRow, JobState

_NO_CURSOR = object()


async def resumable_set_step_tx(tx: Any, job: Any, cursor: Any = _NO_CURSOR) -> JobRow:
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
    client = cast(AsyncJobClient, ctx.client)  # an async client works this job
    executor = client.driver.unwrap_executor(
        await resolve_tx_async(client.driver, tx), client.config.schema
    )
    updated: JobRow | None = await executor.job_update(
        JobUpdateParams(id=row.id, metadata_merge=encode_json("metadata", updates))
    )
    if updated is None:
        raise JobNotFoundError(
            f"job {row.id} not found: in a test harness, insert the job in the database first"
        )
    return updated

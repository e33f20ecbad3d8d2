"""Workflows' I/O: inserting one, promoting dependents, the client's workflow operations.

Promotion runs in the transaction that changed the dependencies' states: the workflow's
advisory lock first (so that of two transactions completing a task's last two
dependencies, the second sees the first's completion and promotes it, exactly once), then
the promotion statement, repeated for the dependents of the tasks it cancelled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from river._internal.executor.seams import AsyncWorkflowClient
from river._internal.flow.promotion_async import notify_available
from river.driver.executor_async import AsyncExecutor
from river.types import JobState
from river.workflow import (
    Workflow,
    WorkflowInfo,
    WorkflowInsertResult,
    WorkflowSummary,
    summaries,
    workflow_info,
)


async def promote(
    tx: AsyncExecutor,
    changed: Sequence[tuple[str, str]],
    ids: Sequence[int] = (),
    *,
    workflow_ids: Sequence[str] = (),
    insert_topic: str | None = None,
    now: dt.datetime | None = None,
) -> list[tuple[int, JobState, str, str, str]]:
    """Promote or cancel the pending dependents of ``changed`` (workflow id, task) pairs
    and the pending tasks ``ids`` (of the workflows ``workflow_ids``), in ``tx`` (a
    transaction: the locks last until it ends). With ``insert_topic``, notify the queues
    that got available tasks."""
    workflows = {wf for wf, _ in changed} | set(workflow_ids)
    if not workflows:
        return []
    jit = await tx.workflow_lock(sorted(workflows))
    decided: list[tuple[int, JobState, str, str, str]] = []
    rows = await tx.workflow_promote(changed, ids, now)
    while rows:
        decided += rows
        # A cancelled task cancels its own dependents in turn (each task once: a task is
        # decided only while pending).
        cancelled = [(wf, task) for _, state, _, wf, task in rows if state is JobState.CANCELLED]
        rows = await tx.workflow_promote(cancelled, (), now) if cancelled else []
    if jit != "off":  # the caller's transaction goes on with its own setting
        await tx.workflow_jit_restore(jit)
    await notify_available(
        tx, insert_topic, (q for _, state, q, _, _ in decided if state is JobState.AVAILABLE)
    )
    return decided


async def insert(client: AsyncWorkflowClient, tx: AsyncExecutor | None, wf: Workflow) -> WorkflowInsertResult:
    """Insert every task of ``wf`` with one COPY (in ``tx``, else in a transaction of
    its own)."""
    params = wf.insert_params()
    if tx is None:
        count = await client.insert_many_fast(params)
    else:
        count = await client._insert_fast_on(tx, client._build(params))
    return WorkflowInsertResult(wf.id, wf.name, count)


async def get(tx: AsyncExecutor, workflow_id: str) -> WorkflowInfo:
    return workflow_info(workflow_id, await tx.workflow_tasks(workflow_id))


async def list_workflows(
    tx: AsyncExecutor, name: str | None, limit: int
) -> list[WorkflowSummary]:
    return summaries(await tx.workflow_list(name, limit))


async def cancel(client: AsyncWorkflowClient, tx: AsyncExecutor, workflow_id: str) -> WorkflowInfo:
    """Cancel every task not finalized; running ones through River's job cancel."""
    info = await get(tx, workflow_id)  # WorkflowNotFoundError before changing anything
    _, running = await tx.workflow_cancel(workflow_id, client.time.now_utc_or_none())
    for job_id in running:
        await client._job_cancel_on(tx, job_id)
    return await get(tx, info.id)


async def retry(client: AsyncWorkflowClient, tx: AsyncExecutor, workflow_id: str, topic: str) -> WorkflowInfo:
    """Retry the failed (discarded) and cancelled tasks: each becomes pending, then
    available once its dependencies have completed (at once for those already done)."""
    info = await get(tx, workflow_id)
    now = client.time.now_utc_or_none()
    retried = await tx.workflow_retry(workflow_id, now)
    pending = [job_id for job_id, state, _ in retried if state is JobState.PENDING]
    if pending:
        await promote(tx, [], pending, workflow_ids=[workflow_id], insert_topic=topic, now=now)
    # tasks without dependencies are available at once
    await notify_available(
        tx, topic, (queue for _, state, queue in retried if state is JobState.AVAILABLE)
    )
    return await get(tx, info.id)


async def sweep(tx: AsyncExecutor, topic: str | None, max: int = 1000) -> int:
    """The leader's safety net: decide the pending tasks whose dependencies all stopped
    waiting. Returns how many tasks changed."""
    found = await tx.workflow_sweep_candidates(max)
    if not found:
        return 0
    decided = await promote(
        tx,
        [],
        [job_id for _, job_id in found],
        workflow_ids=sorted({wf for wf, _ in found}),
        insert_topic=topic,
    )
    return len(decided)

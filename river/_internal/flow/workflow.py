# WARNING: this file is generated from 'workflow_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Workflows' I/O: inserting one, promoting dependents, the client's workflow operations.

Promotion runs in the transaction that changed the dependencies' states: the workflow's
advisory lock first (so that of two transactions completing a task's last two
dependencies, the second sees the first's completion and promotes it, exactly once), then
the promotion statement, repeated for the dependents of the tasks it cancelled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from river._internal.executor.seams import WorkflowClient
from river._internal.flow.promotion import notify_available
from river.driver.executor import Executor
from river.types import JobState
from river.workflow import (
    Workflow,
    WorkflowInfo,
    WorkflowInsertResult,
    WorkflowSummary,
    summaries,
    workflow_info,
)


def promote(
    tx: Executor,
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
    jit = tx.workflow_lock(sorted(workflows))
    decided: list[tuple[int, JobState, str, str, str]] = []
    rows = tx.workflow_promote(changed, ids, now)
    while rows:
        decided += rows
        # A cancelled task cancels its own dependents in turn (each task once: a task is
        # decided only while pending).
        cancelled = [(wf, task) for _, state, _, wf, task in rows if state is JobState.CANCELLED]
        rows = tx.workflow_promote(cancelled, (), now) if cancelled else []
    if jit != "off":  # the caller's transaction goes on with its own setting
        tx.workflow_jit_restore(jit)
    notify_available(
        tx, insert_topic, (q for _, state, q, _, _ in decided if state is JobState.AVAILABLE)
    )
    return decided


def insert(client: WorkflowClient, tx: Executor | None, wf: Workflow) -> WorkflowInsertResult:
    """Insert every task of ``wf`` with one COPY (in ``tx``, else in a transaction of
    its own)."""
    params = wf.insert_params()
    if tx is None:
        count = client.insert_many_fast(params)
    else:
        count = client._insert_fast_on(tx, client._build(params))
    return WorkflowInsertResult(wf.id, wf.name, count)


def get(tx: Executor, workflow_id: str) -> WorkflowInfo:
    return workflow_info(workflow_id, tx.workflow_tasks(workflow_id))


def list_workflows(tx: Executor, name: str | None, limit: int) -> list[WorkflowSummary]:
    return summaries(tx.workflow_list(name, limit))


def cancel(client: WorkflowClient, tx: Executor, workflow_id: str) -> WorkflowInfo:
    """Cancel every task not finalized; running ones through River's job cancel."""
    info = get(tx, workflow_id)  # WorkflowNotFoundError before changing anything
    _, running = tx.workflow_cancel(workflow_id, client.time.now_utc_or_none())
    for job_id in running:
        client._job_cancel_on(tx, job_id)
    return get(tx, info.id)


def retry(client: WorkflowClient, tx: Executor, workflow_id: str, topic: str) -> WorkflowInfo:
    """Retry the failed (discarded) and cancelled tasks: each becomes pending, then
    available once its dependencies have completed (at once for those already done)."""
    info = get(tx, workflow_id)
    now = client.time.now_utc_or_none()
    retried = tx.workflow_retry(workflow_id, now)
    pending = [job_id for job_id, state, _ in retried if state is JobState.PENDING]
    if pending:
        promote(tx, [], pending, workflow_ids=[workflow_id], insert_topic=topic, now=now)
    # tasks without dependencies are available at once
    notify_available(
        tx, topic, (queue for _, state, queue in retried if state is JobState.AVAILABLE)
    )
    return get(tx, info.id)


def sweep(tx: Executor, topic: str | None, max: int = 1000) -> int:
    """The leader's safety net: decide the pending tasks whose dependencies all stopped
    waiting. Returns how many tasks changed."""
    found = tx.workflow_sweep_candidates(max)
    if not found:
        return 0
    decided = promote(
        tx,
        [],
        [job_id for _, job_id in found],
        workflow_ids=sorted({wf for wf, _ in found}),
        insert_topic=topic,
    )
    return len(decided)

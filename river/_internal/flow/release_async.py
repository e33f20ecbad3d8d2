"""Promoting what finished jobs free, in the transaction that changed them: the dependents
of workflow tasks first, then the next job of each sequence (always in this order, and
each kind's locks sorted, so that two such transactions cannot deadlock)."""

from __future__ import annotations

from collections.abc import Iterable

from river._internal.flow.sequence_async import promote as promote_sequences
from river._internal.flow.workflow_async import promote as promote_workflow
from river.driver.executor_async import AsyncExecutor
from river.workflow import Release


async def release(
    tx: AsyncExecutor, releases: Iterable[Release], *, insert_topic: str | None = None
) -> None:
    """Promote or cancel what ``releases`` free, in ``tx`` (a transaction)."""
    tasks: list[tuple[str, str]] = []
    keys: list[str] = []
    for r in releases:
        if r.workflow_task is not None:
            tasks.append(r.workflow_task)
        if r.sequence_key is not None:
            keys.append(r.sequence_key)
    if tasks:
        await promote_workflow(tx, tasks, insert_topic=insert_topic)
    if keys:
        await promote_sequences(tx, keys, insert_topic=insert_topic)

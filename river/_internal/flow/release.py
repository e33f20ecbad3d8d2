# WARNING: this file is generated from 'release_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Promoting what finished jobs free, in the transaction that changed them: the dependents
of workflow tasks first, then the next job of each sequence (always in this order, and
each kind's locks sorted, so that two such transactions cannot deadlock)."""

from __future__ import annotations

from collections.abc import Iterable

from river._internal.flow.sequence import promote as promote_sequences
from river._internal.flow.workflow import promote as promote_workflow
from river.driver.executor import Executor
from river.workflow import Release


def release(tx: Executor, releases: Iterable[Release], *, insert_topic: str | None = None) -> None:
    """Promote or cancel what ``releases`` free, in ``tx`` (a transaction)."""
    tasks: list[tuple[str, str]] = []
    keys: list[str] = []
    for r in releases:
        if r.workflow_task is not None:
            tasks.append(r.workflow_task)
        if r.sequence_key is not None:
            keys.append(r.sequence_key)
    if tasks:
        promote_workflow(tx, tasks, insert_topic=insert_topic)
    if keys:
        promote_sequences(tx, keys, insert_topic=insert_topic)

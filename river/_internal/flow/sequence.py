# WARNING: this file is generated from 'sequence_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Sequences' I/O: locking keys around an insert, promoting each key's next job, the
leader's sweep.

Every decision about a key runs in a transaction holding the key's advisory lock, taken
in a statement of its own so that the promotion's snapshot sees every change committed
before: an insert locks its keys before inserting (so a key's ids grow in the order its
inserts commit) and promotes after; a transaction finishing a job locks and promotes
after changing its state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from river._internal.flow.promotion import notify_available
from river.driver.executor import Executor
from river.types import JobState


def lock(tx: Executor, keys: Sequence[str]) -> None:
    """Take the locks of ``keys`` in ``tx`` (a transaction: they last until it ends)."""
    if keys:
        tx.sequence_lock(sorted(set(keys)))


def promote(
    tx: Executor,
    keys: Sequence[str],
    *,
    insert_topic: str | None = None,
    now: dt.datetime | None = None,
) -> list[tuple[int, JobState, str, str]]:
    """Make the next job of each of ``keys`` available when nothing is in its way, in
    ``tx`` (a transaction). With ``insert_topic``, notify the queues that got jobs."""
    if not keys:
        return []
    lock(tx, keys)
    decided = tx.sequence_promote(sorted(set(keys)), now)
    notify_available(
        tx, insert_topic, (q for _, state, q, _ in decided if state is JobState.AVAILABLE)
    )
    return decided


def sweep(tx: Executor, topic: str | None, max: int = 1000) -> int:
    """The leader's safety net: promote the keys whose pending jobs have nothing in their
    way. Returns how many jobs changed."""
    keys = tx.sequence_sweep_candidates(max)
    return len(promote(tx, keys, insert_topic=topic)) if keys else 0

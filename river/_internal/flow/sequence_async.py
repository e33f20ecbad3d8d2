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

from river._internal.flow.promotion_async import notify_available
from river.driver.executor_async import AsyncExecutor
from river.types import JobState


async def lock(tx: AsyncExecutor, keys: Sequence[str]) -> None:
    """Take the locks of ``keys`` in ``tx`` (a transaction: they last until it ends)."""
    if keys:
        await tx.sequence_lock(sorted(set(keys)))


async def promote(
    tx: AsyncExecutor,
    keys: Sequence[str],
    *,
    insert_topic: str | None = None,
    now: dt.datetime | None = None,
) -> list[tuple[int, JobState, str, str]]:
    """Make the next job of each of ``keys`` available when nothing is in its way, in
    ``tx`` (a transaction). With ``insert_topic``, notify the queues that got jobs."""
    if not keys:
        return []
    await lock(tx, keys)
    decided = await tx.sequence_promote(sorted(set(keys)), now)
    await notify_available(
        tx, insert_topic, (q for _, state, q, _ in decided if state is JobState.AVAILABLE)
    )
    return decided


async def sweep(tx: AsyncExecutor, topic: str | None, max: int = 1000) -> int:
    """The leader's safety net: promote the keys whose pending jobs have nothing in their
    way. Returns how many jobs changed."""
    keys = await tx.sequence_sweep_candidates(max)
    return len(await promote(tx, keys, insert_topic=topic)) if keys else 0

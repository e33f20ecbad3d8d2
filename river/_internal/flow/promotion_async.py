"""What every promotion of pending jobs ends with: notifying the queues that got available
jobs (``river_insert``), in the promoting transaction (so on its commit), so that their
producers fetch them without waiting for a poll. Used by workflows and sequences."""

from __future__ import annotations

from collections.abc import Iterable

from river._internal.notifier.notification import InsertNotice
from river.driver.executor_async import AsyncExecutor
from river.driver.params import NotifyManyParams


async def notify_available(tx: AsyncExecutor, topic: str | None, queues: Iterable[str]) -> None:
    """NOTIFY ``topic`` once for each of ``queues`` (none when ``topic`` is None)."""
    names = sorted(set(queues))
    if topic is None or not names:
        return
    payloads = [InsertNotice(q).to_payload() for q in names]
    await tx.notify_many(NotifyManyParams(topic=topic, payloads=payloads))

"""Managing queues: pause, resume, get, list and update, each in its own transaction
(``queue_x``) or in the caller's (``queue_x_tx``); a change is announced on
``river_control`` to every client's producers.

The sync ``river.client_queues`` is generated from this file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from river._internal.notifier.notification import (
    TOPIC_CONTROL,
    ControlMetadataChanged,
    ControlPause,
    ControlResume,
    check_payload_size,
)
from river.client_bundles_base import encode_queue_metadata, queue_metadata_field
from river.client_inserts_async import AsyncClientInserts
from river.driver.executor_async import AsyncExecutor
from river.driver.params import NotifyManyParams, QueuePauseParams, QueueUpdateParams
from river.driver.tx_adapters import AsyncOrmTx
from river.errors import ClientError, QueueNotFoundError
from river.types import Queue

TxT = TypeVar("TxT")


class AsyncClientQueues(AsyncClientInserts[TxT]):
    """The methods of ``river.AsyncClient`` that manage queues."""

    async def queue_pause(self, name: str) -> None:
        """Pause a queue (or ``"*"`` for all): producers everywhere stop fetching from it."""
        await self._queue_set_paused(self._executor, name, pause=True)

    async def queue_pause_tx(self, tx: TxT | AsyncOrmTx, name: str) -> None:
        executor = await self._tx_executor(tx)
        await self._queue_set_paused(executor, name, pause=True)

    async def queue_resume(self, name: str) -> None:
        await self._queue_set_paused(self._executor, name, pause=False)

    async def queue_resume_tx(self, tx: TxT | AsyncOrmTx, name: str) -> None:
        executor = await self._tx_executor(tx)
        await self._queue_set_paused(executor, name, pause=False)

    async def _queue_set_paused(self, executor: AsyncExecutor, name: str, *, pause: bool) -> None:
        params = QueuePauseParams(name=name, now=self.time.now_utc_or_none())
        matched = await (executor.queue_pause(params) if pause else executor.queue_resume(params))
        if matched == 0 and name != "*":
            raise ClientError(f"queue {name!r} not found")
        message = ControlPause(name) if pause else ControlResume(name)
        topic = await self._topic(executor, TOPIC_CONTROL)
        await executor.notify_many(NotifyManyParams(topic=topic, payloads=[message.to_payload()]))
        if executor is self._executor or self.config.poll_only:
            # Each producer reports the change as a queue event once it has taken effect.
            self._runtime.handle_control(message)

    async def queue_get(self, name: str) -> Queue:
        """The queue ``name``; ``river.QueueNotFoundError`` when no client has worked it
        recently."""
        return await self._queue_get_on(self._executor, name)

    async def queue_get_tx(self, tx: TxT | AsyncOrmTx, name: str) -> Queue:
        """``queue_get`` in the caller's transaction."""
        return await self._queue_get_on(await self._tx_executor(tx), name)

    async def _queue_get_on(self, executor: AsyncExecutor, name: str) -> Queue:
        queue = await executor.queue_get(name)
        if queue is None:
            raise QueueNotFoundError(name)
        return queue

    async def queue_list(self, limit: int = 100) -> list[Queue]:
        """Up to ``limit`` queues, by name."""
        return await self._executor.queue_list(limit)

    async def queue_list_tx(self, tx: TxT | AsyncOrmTx, limit: int = 100) -> list[Queue]:
        """``queue_list`` in the caller's transaction."""
        executor = await self._tx_executor(tx)
        return await executor.queue_list(limit)

    async def queue_update(
        self, name: str, *, metadata: Mapping[str, Any] | None = None
    ) -> Queue:
        """Replace the metadata of queue ``name`` (None leaves it as it is) and return the
        queue (River's ``QueueUpdate``). The change is announced on ``river_control``
        (``metadata_changed``), so the queue's producers in every client take the new
        metadata at once (without notifications, at their next settings poll).
        ``river.QueueNotFoundError`` when the queue does not exist."""
        async with self._executor.transaction() as tx:
            queue, message = await self._queue_update_on(tx, name, metadata)
        if message is not None:
            self._runtime.handle_control(message)
        return queue

    async def queue_update_tx(
        self, tx: TxT | AsyncOrmTx, name: str, *, metadata: Mapping[str, Any] | None = None
    ) -> Queue:
        """``queue_update`` in the caller's transaction: announced when it commits."""
        queue, _ = await self._queue_update_on(await self._tx_executor(tx), name, metadata)
        return queue

    async def _queue_update_on(
        self, executor: AsyncExecutor, name: str, metadata: Mapping[str, Any] | None
    ) -> tuple[Queue, ControlMetadataChanged | None]:
        encoded = encode_queue_metadata(name, metadata)
        if encoded is not None:  # refused here, not by NOTIFY after the update
            announced = ControlMetadataChanged(queue=name, metadata=json.loads(encoded))
            check_payload_size(announced, queue_metadata_field(name))
        queue = await executor.queue_update(QueueUpdateParams(name=name, metadata=encoded))
        if queue is None:
            raise QueueNotFoundError(name)
        if encoded is None:
            return queue, None
        message = ControlMetadataChanged(queue=queue.name, metadata=json.loads(encoded))
        topic = await self._topic(executor, TOPIC_CONTROL)
        await executor.notify_many(NotifyManyParams(topic=topic, payloads=[message.to_payload()]))
        return queue, message

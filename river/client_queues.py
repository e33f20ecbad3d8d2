# WARNING: this file is generated from 'client_queues_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
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
from river.client_inserts import ClientInserts
from river.driver.executor import Executor
from river.driver.params import NotifyManyParams, QueuePauseParams, QueueUpdateParams
from river.driver.tx_adapters import OrmTx
from river.errors import ClientError, QueueNotFoundError
from river.types import Queue

TxT = TypeVar("TxT")


class ClientQueues(ClientInserts[TxT]):
    """The methods of ``river.AsyncClient`` that manage queues."""

    def queue_pause(self, name: str) -> None:
        """Pause a queue (or ``"*"`` for all): producers everywhere stop fetching from it."""
        self._queue_set_paused(self._executor, name, pause=True)

    def queue_pause_tx(self, tx: TxT | OrmTx, name: str) -> None:
        executor = self._tx_executor(tx)
        self._queue_set_paused(executor, name, pause=True)

    def queue_resume(self, name: str) -> None:
        self._queue_set_paused(self._executor, name, pause=False)

    def queue_resume_tx(self, tx: TxT | OrmTx, name: str) -> None:
        executor = self._tx_executor(tx)
        self._queue_set_paused(executor, name, pause=False)

    def _queue_set_paused(self, executor: Executor, name: str, *, pause: bool) -> None:
        params = QueuePauseParams(name=name, now=self.time.now_utc_or_none())
        matched = executor.queue_pause(params) if pause else executor.queue_resume(params)
        if matched == 0 and name != "*":
            raise ClientError(f"queue {name!r} not found")
        message = ControlPause(name) if pause else ControlResume(name)
        topic = self._topic(executor, TOPIC_CONTROL)
        executor.notify_many(NotifyManyParams(topic=topic, payloads=[message.to_payload()]))
        if executor is self._executor or self.config.poll_only:
            # Each producer reports the change as a queue event once it has taken effect.
            self._runtime.handle_control(message)

    def queue_get(self, name: str) -> Queue:
        """The queue ``name``; ``river.QueueNotFoundError`` when no client has worked it
        recently."""
        return self._queue_get_on(self._executor, name)

    def queue_get_tx(self, tx: TxT | OrmTx, name: str) -> Queue:
        """``queue_get`` in the caller's transaction."""
        return self._queue_get_on(self._tx_executor(tx), name)

    def _queue_get_on(self, executor: Executor, name: str) -> Queue:
        queue = executor.queue_get(name)
        if queue is None:
            raise QueueNotFoundError(name)
        return queue

    def queue_list(self, limit: int = 100) -> list[Queue]:
        """Up to ``limit`` queues, by name."""
        return self._executor.queue_list(limit)

    def queue_list_tx(self, tx: TxT | OrmTx, limit: int = 100) -> list[Queue]:
        """``queue_list`` in the caller's transaction."""
        executor = self._tx_executor(tx)
        return executor.queue_list(limit)

    def queue_update(self, name: str, *, metadata: Mapping[str, Any] | None = None) -> Queue:
        """Replace the metadata of queue ``name`` (None leaves it as it is) and return the
        queue (River's ``QueueUpdate``). The change is announced on ``river_control``
        (``metadata_changed``), so the queue's producers in every client take the new
        metadata at once (without notifications, at their next settings poll).
        ``river.QueueNotFoundError`` when the queue does not exist."""
        with self._executor.transaction() as tx:
            queue, message = self._queue_update_on(tx, name, metadata)
        if message is not None:
            self._runtime.handle_control(message)
        return queue

    def queue_update_tx(
        self, tx: TxT | OrmTx, name: str, *, metadata: Mapping[str, Any] | None = None
    ) -> Queue:
        """``queue_update`` in the caller's transaction: announced when it commits."""
        queue, _ = self._queue_update_on(self._tx_executor(tx), name, metadata)
        return queue

    def _queue_update_on(
        self, executor: Executor, name: str, metadata: Mapping[str, Any] | None
    ) -> tuple[Queue, ControlMetadataChanged | None]:
        encoded = encode_queue_metadata(name, metadata)
        if encoded is not None:  # refused here, not by NOTIFY after the update
            announced = ControlMetadataChanged(queue=name, metadata=json.loads(encoded))
            check_payload_size(announced, queue_metadata_field(name))
        queue = executor.queue_update(QueueUpdateParams(name=name, metadata=encoded))
        if queue is None:
            raise QueueNotFoundError(name)
        if encoded is None:
            return (queue, None)
        message = ControlMetadataChanged(queue=queue.name, metadata=json.loads(encoded))
        topic = self._topic(executor, TOPIC_CONTROL)
        executor.notify_many(NotifyManyParams(topic=topic, payloads=[message.to_payload()]))
        return (queue, message)

# WARNING: this file is generated from 'subscription_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Subscriptions: per-subscriber buffers of events; a full buffer drops, never blocks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from river._acompat import Queue
from river.events import Event, EventKind


class Subscription:
    """Events of the subscribed kinds; iterate it, or ``get`` with a timeout.

    Iteration ends when the client stops or ``close`` is called.
    """

    def __init__(self, kinds: Iterable[EventKind], size: int, manager: SubscriptionManager) -> None:
        self.kinds = frozenset(kinds)
        self._size = size
        self._queue: Queue[Event | None] = Queue()
        self._manager = manager
        self._closed = False
        self.dropped = 0

    def offer(self, event: Event) -> bool:
        if self._closed or self._queue.qsize() >= self._size:
            self.dropped += 1
            return False
        self._queue.put_nowait(event)
        return True

    def get(self, timeout: float | None = None) -> Event | None:
        """The next event; None once closed. Raises TimeoutError after ``timeout``."""
        if timeout is None:
            event = self._queue.get()
        else:
            event = self._queue.get_timeout(timeout)
        if event is None:
            self._queue.put_nowait(None)  # keep later calls returning None
        return event

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._manager.remove(self)
            self._queue.put_nowait(None)

    def __iter__(self) -> Subscription:
        return self

    def __next__(self) -> Event:
        event = self.get()
        if event is None:
            raise StopIteration
        return event


class SubscriptionManager:
    def __init__(self, logger: logging.Logger) -> None:
        self._subs: list[Subscription] = []
        self._lock = threading.Lock()
        self._logger = logger

    def subscribe(self, kinds: Iterable[EventKind], size: int) -> Subscription:
        sub = Subscription(kinds, size, self)
        with self._lock:
            self._subs = [*self._subs, sub]
        return sub

    def remove(self, sub: Subscription) -> None:
        with self._lock:
            self._subs = [s for s in self._subs if s is not sub]

    def has_subscribers(self) -> bool:
        return bool(self._subs)

    def distribute(self, events: Iterable[Event]) -> None:
        subs = self._subs
        if not subs:
            return
        for event in events:
            for sub in subs:
                if event.kind in sub.kinds and (not sub.offer(event)):
                    self._logger.warning(
                        "river: subscriber buffer full; dropped a %s event", event.kind
                    )

    def close_all(self) -> None:
        for sub in list(self._subs):
            sub.close()

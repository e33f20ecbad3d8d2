# WARNING: this file is generated from 'notifier_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The notifier: one listening connection per client, reconnected with backoff (River's
``notifier``). Components subscribe to the topics they need; the notifier listens to
those and hands each one its messages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from river._acompat import Event
from river._internal.notification import channel
from river.driver.driver import Driver, Listener

WAIT = 1.0
BACKOFF_MAX = 10.0
Handler = Callable[[str], None]  # the payload of one message on a topic


class Notifier:
    """``subscribe(topic, handler)`` before ``run()``; ``on_reconnect`` handlers are called
    each time the connection comes back (messages sent meanwhile were missed)."""

    def __init__(self, driver: Driver[Any], schema: str, logger: logging.Logger) -> None:
        self._driver = driver
        self._schema = schema
        self._logger = logger
        self._handlers: dict[str, list[Handler]] = {}
        self._reconnect_handlers: list[Callable[[], None]] = []
        self._stop = Event()
        self.connected = Event()
        self._listener: Listener | None = None

    def subscribe(self, topic: str, handler: Handler) -> None:
        """Call ``handler(payload)`` for every message on ``topic`` (e.g. ``river_insert``)."""
        self._handlers.setdefault(topic, []).append(handler)

    def on_reconnect(self, handler: Callable[[], None]) -> None:
        self._reconnect_handlers.append(handler)

    def channels(self) -> list[str]:
        return [channel(self._schema, topic) for topic in self._handlers]

    def run(self) -> None:
        backoff = 0.1
        first = True
        by_channel = {channel(self._schema, topic): topic for topic in self._handlers}
        while not self._stop.is_set():
            listener = self._driver.get_listener()
            self._listener = listener
            try:
                listener.connect()
                for name in by_channel:
                    listener.listen(name)
                self.connected.set()
                backoff = 0.1
                if not first:
                    self._reconnected()
                first = False
                while not self._stop.is_set():
                    note = listener.wait_for_notification(WAIT)
                    if note is not None and note.topic in by_channel:
                        self._deliver(by_channel[note.topic], note.payload)
            except Exception as exc:
                self.connected.clear()
                if self._stop.is_set():
                    break
                self._logger.warning(
                    "river: notifier lost its connection (%s); reconnecting in %.1fs; producers poll meanwhile",
                    exc,
                    backoff,
                )
                self._stop.wait_timeout(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
            finally:
                try:
                    listener.close()
                except Exception:
                    pass
        self.connected.clear()

    def _deliver(self, topic: str, payload: str) -> None:
        for handler in self._handlers[topic]:
            try:
                handler(payload)
            except Exception:
                self._logger.exception("river: handling a %s notification failed", topic)

    def _reconnected(self) -> None:
        for handler in self._reconnect_handlers:
            try:
                handler()
            except Exception:
                self._logger.exception("river: handling a notifier reconnect failed")

    def stop(self) -> None:
        self._stop.set()

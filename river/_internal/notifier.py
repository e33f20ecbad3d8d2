# WARNING: this file is generated from 'notifier_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The notifier: one listening connection per client, reconnected with backoff, that hands
``river_insert``, ``river_control`` and ``river_leadership`` messages to the client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from river._acompat import Event
from river.driver.driver import Driver, Listener

TOPICS = ("river_insert", "river_control", "river_leadership")
WAIT = 1.0
BACKOFF_MAX = 10.0
Handler = Callable[[str, str], None]  # (topic without schema, payload)


class Notifier:
    def __init__(
        self,
        driver: Driver[Any],
        schema: str,
        handler: Handler,
        on_reconnect: Callable[[], None],
        logger: logging.Logger,
    ) -> None:
        self._driver = driver
        self._prefix = schema + "."
        self._handler = handler
        self._on_reconnect = on_reconnect
        self._logger = logger
        self._stop = Event()
        self.connected = Event()
        self._listener: Listener | None = None

    def channels(self) -> list[str]:
        return [self._prefix + t for t in TOPICS]

    def run(self) -> None:
        backoff = 0.1
        first = True
        while not self._stop.is_set():
            listener = self._driver.get_listener()
            self._listener = listener
            try:
                listener.connect()
                for channel in self.channels():
                    listener.listen(channel)
                self.connected.set()
                backoff = 0.1
                if not first:
                    self._on_reconnect()
                first = False
                while not self._stop.is_set():
                    note = listener.wait_for_notification(WAIT)
                    if note is not None and note.topic.startswith(self._prefix):
                        self._dispatch(note.topic[len(self._prefix) :], note.payload)
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

    def _dispatch(self, topic: str, payload: str) -> None:
        try:
            self._handler(topic, payload)
        except Exception:
            self._logger.exception("river: handling a %s notification failed", topic)

    def stop(self) -> None:
        self._stop.set()

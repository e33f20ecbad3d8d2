# WARNING: this file is generated from 'notifier_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The notifier: one listening connection per client, reconnected with backoff (River's
``notifier``). Components subscribe to the topics they need; the notifier listens to
those and hands each one its messages."""

from __future__ import annotations

import logging
from typing import Any

from river._acompat import Event
from river._internal.notifier.notification import NotifierBase
from river.driver.driver import Driver, Listener

WAIT = 1.0
BACKOFF_MAX = 10.0


class Notifier(NotifierBase):
    def __init__(self, driver: Driver[Any], schema: str, logger: logging.Logger) -> None:
        super().__init__(schema, logger)
        self._driver = driver
        self._stop = Event()
        self.connected = Event()
        self._listener: Listener | None = None

    def run(self) -> None:
        backoff = 0.1
        first = True
        by_channel = self.channels()
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

    def stop(self) -> None:
        self._stop.set()

"""Whether a producer may fetch, and when a pause or resume of its queue has taken effect.

A fetch that began before a pause may still take a job inserted just after it: the pause
only takes effect once that fetch has returned. The gate reports each change then, so a
caller told that the queue is paused knows no fetch of this producer takes a job it inserts
afterwards. Changes are reported in the order they were made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class PauseGate:
    """The paused state of one producer's queue and the fetch it may have in flight.

    ``set`` may be called from any thread (the notifier's, a poll loop's, the caller's);
    ``begin_fetch`` and ``end_fetch`` from the fetch loop only.
    """

    def __init__(self, on_change: Callable[[bool], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._paused = False
        self._fetching = False
        self._pending: list[bool] = []  # changes made while a fetch was in flight
        self._on_change = on_change

    @property
    def paused(self) -> bool:
        return self._paused

    def load(self, paused: bool) -> None:
        """Take the state read from the queue's row at start, without reporting it."""
        self._paused = paused

    def set(self, paused: bool) -> bool:
        """Pause or resume; returns whether the state changed. The change is reported at
        once, or when the fetch in flight returns."""
        with self._lock:
            if paused == self._paused:
                return False
            self._paused = paused
            if self._fetching:
                self._pending.append(paused)
            else:
                self._report([paused])
            return True

    def begin_fetch(self) -> bool:
        """Whether the fetch loop may fetch now; if so, a pause waits for ``end_fetch``."""
        with self._lock:
            if self._paused:
                return False
            self._fetching = True
            return True

    def end_fetch(self) -> None:
        """The fetch has returned: report the changes it held back."""
        with self._lock:
            self._fetching = False
            pending, self._pending = self._pending, []
            self._report(pending)

    def _report(self, changes: list[bool]) -> None:
        # Under the lock, so reports keep their order across threads; the callback only
        # hands an event to subscribers.
        if self._on_change is not None:
            for paused in changes:
                self._on_change(paused)

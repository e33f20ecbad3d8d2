"""A clock tests set and move by hand (River's ``rivertest.TimeStub``)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable


class TimeStub:
    """A ``river.TimeGenerator`` whose time a test sets: pass it as
    ``river.Config(test=river.TestConfig(time=stub))``.

    Until ``stub_now_utc`` is called it reads the system clock and the database keeps
    using ``now()``. Once stubbed, its time stands still until moved with
    ``stub_now_utc`` or ``advance``; a started client fetches jobs and runs the leader's
    maintenance services (scheduler, periodic jobs, cleaners, rescuer) at once when it
    moves, so jobs that became due run without waiting for a poll interval.
    """

    def __init__(self, now: dt.datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._now: dt.datetime | None = None
        self._listeners: list[Callable[[], None]] = []
        if now is not None:
            self.stub_now_utc(now)

    def now_utc(self) -> dt.datetime:
        """The stubbed time, or the system clock's when not stubbed."""
        with self._lock:
            now = self._now
        return now if now is not None else dt.datetime.now(dt.UTC)

    def now_utc_or_none(self) -> dt.datetime | None:
        """The stubbed time, or None when not stubbed."""
        with self._lock:
            return self._now

    def stub_now_utc(self, now: dt.datetime) -> dt.datetime:
        """Set the time to ``now`` (naive datetimes are taken as UTC); returns it."""
        if not isinstance(now, dt.datetime):
            raise TypeError(f"stub_now_utc needs a datetime, got {now!r}")
        now = now.replace(tzinfo=dt.UTC) if now.tzinfo is None else now.astimezone(dt.UTC)
        with self._lock:
            self._now = now
            listeners = list(self._listeners)
        self._notify(listeners)
        return now

    def advance(self, by: dt.timedelta | float) -> dt.datetime:
        """Move the time forward by ``by`` (a timedelta or seconds) from the stubbed time
        (from the system clock's when not stubbed yet); returns the new time. Atomic:
        threads advancing at once each move it by their full amount."""
        delta = by if isinstance(by, dt.timedelta) else dt.timedelta(seconds=by)
        with self._lock:  # read and write under one hold, or concurrent moves are lost
            base = self._now if self._now is not None else dt.datetime.now(dt.UTC)
            now = self._now = base + delta
            listeners = list(self._listeners)
        self._notify(listeners)
        return now

    @staticmethod
    def _notify(listeners: list[Callable[[], None]]) -> None:
        for listener in listeners:
            listener()

    def unstub(self) -> None:
        """Go back to the system clock (and to the database's ``now()``)."""
        with self._lock:
            self._now = None

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` (in the thread moving the clock) after each change of time."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        """Stop calling ``listener``; unknown listeners are ignored."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

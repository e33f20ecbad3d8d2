"""Where a client reads the current time (River's ``rivertype.TimeGenerator``).

A client normally uses the system clock and leaves times it writes in the same statement
to the database's ``now()``. Tests may hand ``river.TestConfig(time=...)`` a generator
whose time is stubbed (``river.testing.TimeStub``): inserts, fetches, retries, snoozes,
periodic jobs and the maintenance services then all read that time instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable


@runtime_checkable
class TimeGenerator(Protocol):
    """A source of the current time, as timezone-aware UTC datetimes."""

    def now_utc(self) -> dt.datetime:
        """The current time: the stubbed time when stubbed, the system clock otherwise."""
        ...

    def now_utc_or_none(self) -> dt.datetime | None:
        """The stubbed time, or None when not stubbed (statements then use ``now()``)."""
        ...


class SystemTime:
    """The system clock, never stubbed (River's ``UnStubbableTimeGenerator``)."""

    def now_utc(self) -> dt.datetime:
        """The system clock's time in UTC."""
        return dt.datetime.now(dt.UTC)

    def now_utc_or_none(self) -> dt.datetime | None:
        """Always None: the database's ``now()`` stands for the current time."""
        return None


SYSTEM_TIME = SystemTime()

"""Job timeouts of the async client on one event-loop timer per time slot.

A timer per job costs a heap push and a cancelled handle left behind on every job; here a
job joins the set of its slot (its deadline rounded up to ``RESOLUTION``) and leaves it when
it ends, and one timer per slot times out whatever is still in it. A job is timed out at
most ``RESOLUTION`` late.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

RESOLUTION = 0.01
NEVER = -1  # the slot of an item whose timeout is infinite


class DeadlineSlots:
    def __init__(self, on_expired: Callable[[Any], None]) -> None:
        self._on_expired = on_expired
        self._slots: dict[int, set[Any]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def add(self, item: Any, timeout: float) -> int:
        """Time out ``item`` after ``timeout`` seconds unless removed; returns its slot."""
        if not math.isfinite(timeout):
            return NEVER
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # the timers of another loop never fire here
            self._loop = loop
            self._slots = {}
        slot = math.ceil((loop.time() + timeout) / RESOLUTION)
        members = self._slots.get(slot)
        if members is None:
            members = self._slots[slot] = set()
            loop.call_at(slot * RESOLUTION, self._expire, slot)
        members.add(item)
        return slot

    def remove(self, item: Any, slot: int) -> None:
        members = self._slots.get(slot)
        if members is not None:
            members.discard(item)

    def _expire(self, slot: int) -> None:
        for item in self._slots.pop(slot, ()):
            self._on_expired(item)

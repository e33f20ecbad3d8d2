"""Job timeouts of the async client on one event-loop timer per time slot.

A timer per job costs a heap push and a cancelled handle left behind on every job; here a
job joins the set of its slot (its deadline rounded up to ``RESOLUTION``) and leaves it when
it ends, and one timer per slot times out whatever is still in it. A job is timed out at
most ``RESOLUTION`` late. ``ThreadDeadlines`` offers the same calls to the sync client.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import threading
import time
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


class ThreadDeadlines:
    """``DeadlineSlots`` for the sync client, on one timer thread that runs while any slot
    is pending. ``on_expired`` runs on that thread."""

    def __init__(self, on_expired: Callable[[Any], None], name: str = "river-deadlines") -> None:
        self._on_expired = on_expired
        self._name = name
        self._cond = threading.Condition()
        self._slots: dict[int, set[Any]] = {}
        self._due: list[int] = []  # heap of the pending slots
        self._running = False

    def add(self, item: Any, timeout: float) -> int:
        """Time out ``item`` after ``timeout`` seconds unless removed; returns its slot."""
        if not math.isfinite(timeout):
            return NEVER
        slot = math.ceil((time.monotonic() + timeout) / RESOLUTION)
        with self._cond:
            members = self._slots.get(slot)
            if members is None:
                members = self._slots[slot] = set()
                heapq.heappush(self._due, slot)
                if not self._running:
                    self._running = True
                    threading.Thread(target=self._loop, name=self._name, daemon=True).start()
                elif self._due[0] == slot:
                    self._cond.notify()
            members.add(item)
        return slot

    def remove(self, item: Any, slot: int) -> None:
        members = self._slots.get(slot)
        if members is not None:
            members.discard(item)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while True:
                    if not self._due:
                        self._running = False
                        return
                    wait = self._due[0] * RESOLUTION - time.monotonic()
                    if wait <= 0:
                        members = self._slots.pop(heapq.heappop(self._due), set())
                        break
                    self._cond.wait(wait)
            for item in list(members):
                try:
                    self._on_expired(item)
                except Exception:  # the callback logs its own failures; the timer goes on
                    pass

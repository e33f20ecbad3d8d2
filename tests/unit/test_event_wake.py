"""A set ``AEvent`` wakes a task in ``wait_timeout`` on the event loop's next turn: the
producer's wake on an insert waits for no more turns of a busy loop than that."""

from __future__ import annotations

import asyncio

import pytest

from river._acompat import AEvent

pytestmark = pytest.mark.anyio


async def test_a_set_event_wakes_its_waiter_on_the_next_loop_turn() -> None:
    event = AEvent()
    woke: list[bool] = []

    async def waiter() -> None:
        woke.append(await event.wait_timeout(60.0))

    task = asyncio.get_running_loop().create_task(waiter())
    await asyncio.sleep(0)  # the waiter is now waiting
    event.set()
    await asyncio.sleep(0)  # one turn: the waiter runs before this task resumes
    assert woke == [True]
    await task


async def test_wait_timeout_returns_false_when_not_set() -> None:
    assert await AEvent().wait_timeout(0.01) is False

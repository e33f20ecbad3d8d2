"""Job timeouts on shared timer slots (pure logic on an event loop, no database)."""

from __future__ import annotations

import asyncio

from river._internal.executor.deadlines import RESOLUTION, DeadlineSlots


def _run(scenario: object) -> list[str]:
    expired: list[str] = []

    async def main() -> None:
        slots = DeadlineSlots(expired.append)
        await scenario(slots)  # type: ignore[operator]

    asyncio.run(main())
    return expired


def test_an_item_expires_once_its_timeout_has_passed() -> None:
    async def scenario(slots: DeadlineSlots) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        slots.add("job", 0.05)
        while loop.time() - started < 0.05:
            await asyncio.sleep(0.005)
        await asyncio.sleep(RESOLUTION * 3)

    assert _run(scenario) == ["job"]


def test_an_item_does_not_expire_before_its_timeout() -> None:
    seen: list[list[str]] = []

    async def scenario(slots: DeadlineSlots) -> None:
        slots.add("job", 0.5)
        await asyncio.sleep(0.1)
        seen.append([])

    assert _run(scenario) == []
    assert seen == [[]]


def test_a_removed_item_never_expires_and_its_slot_mates_still_do() -> None:
    async def scenario(slots: DeadlineSlots) -> None:
        first = slots.add("finished", 0.03)
        second = slots.add("stuck", 0.03)
        slots.remove("finished", first)
        await asyncio.sleep(0.03 + RESOLUTION * 4)
        assert second in (first, first + 1)

    assert _run(scenario) == ["stuck"]


def test_slots_of_a_closed_loop_are_forgotten() -> None:
    # The second item lands in the slot the first left behind on a loop that is gone; it
    # needs a timer of its own loop.
    expired: list[str] = []
    slots = DeadlineSlots(expired.append)
    left: list[int] = []

    async def leave_one_behind() -> None:
        left.append(slots.add("orphan", 0.2))

    async def add_and_wait() -> None:
        loop = asyncio.get_running_loop()
        timeout = left[0] * RESOLUTION - RESOLUTION / 2 - loop.time()
        assert slots.add("job", timeout) == left[0]
        await asyncio.sleep(timeout + RESOLUTION * 4)

    asyncio.run(leave_one_behind())
    asyncio.run(add_and_wait())
    assert expired == ["job"]


def test_an_infinite_timeout_never_expires() -> None:
    async def scenario(slots: DeadlineSlots) -> None:
        slot = slots.add("forever", float("inf"))
        await asyncio.sleep(RESOLUTION * 3)
        slots.remove("forever", slot)

    assert _run(scenario) == []

"""``river.testing.TimeStub`` moved from several threads at once keeps every move."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Iterator

import pytest

from river.testing import TimeStub

THREADS = 4
MOVES = 20_000


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    # Switch threads as often as CPython allows, so that a move read and written in two
    # steps is interleaved with the others (as it was: 38,525 of 80,000 seconds kept).
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.mark.usefixtures("frequent_thread_switches")
def test_advance_from_several_threads_loses_no_time() -> None:
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    stub = TimeStub(start)
    listened: list[int] = []
    stub.add_listener(lambda: listened.append(1))
    barrier = threading.Barrier(THREADS)
    returned: list[list[dt.datetime]] = [[] for _ in range(THREADS)]

    def move(seen: list[dt.datetime]) -> None:
        barrier.wait()
        for _ in range(MOVES):
            seen.append(stub.advance(1))

    threads = [threading.Thread(target=move, args=(seen,)) for seen in returned]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert stub.now_utc() - start == dt.timedelta(seconds=THREADS * MOVES)
    # Each move returned its own new time: no two threads saw the same one.
    every = [t for seen in returned for t in seen]
    assert len(set(every)) == THREADS * MOVES
    assert len(listened) == THREADS * MOVES


def test_advance_before_stubbing_starts_from_the_system_clock() -> None:
    stub = TimeStub()
    before = dt.datetime.now(dt.UTC)
    moved = stub.advance(dt.timedelta(hours=1))
    assert before + dt.timedelta(hours=1) <= moved <= dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert stub.now_utc_or_none() == moved

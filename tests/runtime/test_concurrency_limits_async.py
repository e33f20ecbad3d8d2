"""Concurrency limits, seen from inside the workers: several clients on one queue never
run more jobs at once than the queue's global limit, each client no more than its local
limit, each partition (by kind, by args fields) is limited on its own without holding up
the others, and the queue's metadata overrides the configured limits at runtime."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import asleep
from tests._client_helpers_async import make_config, wait_for

pytestmark = pytest.mark.anyio

QUEUE = "limited"
WORK_SECONDS = 0.03


@dataclass
class LimitedArgs:
    kind = "limited"
    customer: str = ""
    n: int = 0

    def insert_opts(self) -> river.InsertOpts:
        return river.InsertOpts(queue=QUEUE)


@dataclass
class OtherKindArgs:
    kind = "limited_other"
    n: int = 0

    def insert_opts(self) -> river.InsertOpts:
        return river.InsertOpts(queue=QUEUE)


class Tracker:
    """How many jobs run at once: in all, per client, per partition; and the order in
    which they started."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # sync clients work jobs on threads
        self.running: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.started: list[str] = []
        self.done = 0

    def begin(self, *names: str) -> None:
        with self._lock:
            for name in names:
                self.running[name] += 1
                self.peak[name] = max(self.peak[name], self.running[name])

    def end(self, *names: str) -> None:
        with self._lock:
            for name in names:
                self.running[name] -= 1
            self.done += 1


class LimitedWorker(river.AsyncWorker[LimitedArgs]):
    def __init__(self, tracker: Tracker, client_name: str) -> None:
        self.tracker = tracker
        self.client_name = client_name

    async def work(self, job: river.Job[LimitedArgs]) -> None:
        names = ("all", f"client:{self.client_name}", f"customer:{job.args.customer}")
        self.tracker.begin(*names)
        self.tracker.started.append(f"{job.args.customer}{job.args.n}")
        await asleep(WORK_SECONDS)
        self.tracker.end(*names)


class OtherKindWorker(river.AsyncWorker[OtherKindArgs]):
    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    async def work(self, job: river.Job[OtherKindArgs]) -> None:
        self.tracker.begin("all", "kind:other")
        self.tracker.started.append(f"other{job.args.n}")
        await asleep(WORK_SECONDS)
        self.tracker.end("all", "kind:other")


@asynccontextmanager
async def clients(
    adriver: Any,
    schema: str,
    tracker: Tracker,
    count: int,
    *,
    max_workers: int = 5,
    concurrency: river.ConcurrencyConfig | None = None,
) -> AsyncIterator[list[Any]]:
    """``count`` started clients working ``QUEUE``, each with its own workers."""
    made: list[Any] = []
    try:
        for i in range(count):
            workers = river.Workers()
            workers.add(LimitedWorker(tracker, str(i)))
            workers.add(OtherKindWorker(tracker))
            config = make_config(
                schema,
                workers,
                queues={QUEUE: river.QueueConfig(max_workers=max_workers, concurrency=concurrency)},
            )
            client = river.AsyncClient(adriver, config)
            await client.start()
            made.append(client)
        yield made
    finally:
        for client in made:
            await client.stop_and_cancel()


async def _all_worked(tracker: Tracker, count: int) -> None:
    async def done() -> bool:
        return tracker.done == count

    await wait_for(done, timeout=30)


async def test_global_limit_is_never_exceeded_by_several_clients(adriver: Any, schema: str) -> None:
    tracker = Tracker()
    limit = river.ConcurrencyConfig(global_limit=2)
    async with clients(adriver, schema, tracker, 3, concurrency=limit) as made:
        await made[0].insert_many([LimitedArgs(n=i) for i in range(24)])
        await _all_worked(tracker, 24)
    # 3 clients of 5 workers each would run up to 15 at once without the limit.
    assert 1 <= tracker.peak["all"] <= 2


async def test_local_limit_holds_in_each_client(adriver: Any, schema: str) -> None:
    tracker = Tracker()
    limit = river.ConcurrencyConfig(local_limit=2)
    async with clients(adriver, schema, tracker, 2, concurrency=limit) as made:
        await made[0].insert_many([LimitedArgs(n=i) for i in range(20)])
        await _all_worked(tracker, 20)
    assert tracker.peak["client:0"] <= 2
    assert tracker.peak["client:1"] <= 2
    assert tracker.peak["client:0"] + tracker.peak["client:1"] >= 2


async def test_partition_by_args_limits_each_value_without_holding_up_the_others(
    adriver: Any, schema: str
) -> None:
    tracker = Tracker()
    limit = river.ConcurrencyConfig(
        global_limit=1, partition=river.PartitionConfig(by_args=["customer"])
    )
    async with clients(adriver, schema, tracker, 2, concurrency=limit) as made:
        # Customer a's backlog is ahead of b's in the queue.
        await made[0].insert_many([LimitedArgs(customer="a", n=i) for i in range(8)])
        await made[0].insert_many([LimitedArgs(customer="b", n=i) for i in range(2)])
        await _all_worked(tracker, 10)
    assert tracker.peak["customer:a"] == 1
    assert tracker.peak["customer:b"] == 1
    # b's jobs ran beside a's (one at a time), not after a's whole backlog.
    order = tracker.started
    assert order.index("b1") < order.index("a7"), order


async def test_partition_by_kind_limits_each_kind_on_its_own(adriver: Any, schema: str) -> None:
    tracker = Tracker()
    limit = river.ConcurrencyConfig(global_limit=1, partition=river.PartitionConfig(by_kind=True))
    async with clients(adriver, schema, tracker, 2, concurrency=limit) as made:
        await made[0].insert_many([LimitedArgs(n=i) for i in range(6)])
        await made[0].insert_many([OtherKindArgs(n=i) for i in range(6)])
        await _all_worked(tracker, 12)
    assert tracker.peak["customer:"] == 1  # the "limited" kind
    assert tracker.peak["kind:other"] == 1
    order = tracker.started
    assert order.index("other0") < order.index("5"), order


async def test_queue_metadata_overrides_the_limits_at_runtime(adriver: Any, schema: str) -> None:
    tracker = Tracker()
    async with clients(adriver, schema, tracker, 2, max_workers=5) as made:
        # As River UI writes it: a limit of 0 is no limit.
        override = {
            "concurrency": {
                "global_limit": 1,
                "local_limit": 0,
                "partition": {"by_args": None, "by_kind": None},
            }
        }
        await made[0].queue_update(QUEUE, metadata=override)
        await made[0].insert_many([LimitedArgs(n=i) for i in range(10)])
        await _all_worked(tracker, 10)
        assert tracker.peak["all"] == 1
        # Cleared ({}), the queue is unlimited again: both clients' workers run at once.
        await made[0].queue_update(QUEUE, metadata={})
        tracker.peak.clear()
        await made[0].insert_many([LimitedArgs(n=i) for i in range(20)])
        await _all_worked(tracker, 30)
    assert tracker.peak["all"] > 1


async def test_override_replaces_the_configured_limits(adriver: Any, schema: str) -> None:
    tracker = Tracker()
    configured = river.ConcurrencyConfig(global_limit=1)
    async with clients(adriver, schema, tracker, 1, concurrency=configured) as made:
        await made[0].queue_update(QUEUE, metadata={"concurrency": {"global_limit": 4}})
        await made[0].insert_many([LimitedArgs(n=i) for i in range(16)])
        await _all_worked(tracker, 16)
    assert 1 < tracker.peak["all"] <= 4

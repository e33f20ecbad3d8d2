# WARNING: this file is generated from 'test_concurrency_limits_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Concurrency limits, seen from inside the workers: several clients on one queue never
run more jobs at once than the queue's global limit, each client no more than its local
limit, each partition (by kind, by args fields) is limited on its own without holding up
the others, and the queue's metadata overrides the configured limits at runtime."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

import river
import river._internal.completer.completer
from river._acompat import gather, sleep, spawn
from river._internal.notifier.notification import ControlMetadataChanged
from river.driver import sql_concurrency
from river.driver.params import JobGetAvailableLimitedParams
from river.driver.query import SCHEMA_MARK
from tests._client_helpers import make_config, wait_for, wait_for_state

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


class LimitedWorker(river.Worker[LimitedArgs]):
    def __init__(self, tracker: Tracker, client_name: str) -> None:
        self.tracker = tracker
        self.client_name = client_name

    def work(self, job: river.Job[LimitedArgs]) -> None:
        names = ("all", f"client:{self.client_name}", f"customer:{job.args.customer}")
        self.tracker.begin(*names)
        self.tracker.started.append(f"{job.args.customer}{job.args.n}")
        sleep(WORK_SECONDS)
        self.tracker.end(*names)


class OtherKindWorker(river.Worker[OtherKindArgs]):
    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def work(self, job: river.Job[OtherKindArgs]) -> None:
        self.tracker.begin("all", "kind:other")
        self.tracker.started.append(f"other{job.args.n}")
        sleep(WORK_SECONDS)
        self.tracker.end("all", "kind:other")


@contextmanager
def clients(
    driver: Any,
    schema: str,
    tracker: Tracker,
    count: int,
    *,
    max_workers: int = 5,
    concurrency: river.ConcurrencyConfig | None = None,
) -> Iterator[list[Any]]:
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
            client = river.Client(driver, config)
            client.start()
            made.append(client)
        yield made
    finally:
        for client in made:
            client.stop_and_cancel()


def _all_worked(tracker: Tracker, count: int) -> None:

    def done() -> bool:
        return tracker.done == count

    wait_for(done, timeout=30)


def _limits_in_force(made: list[Any], metadata: dict[str, Any]) -> bool:
    """Whether every client's producer fetches with the limits of the queue's new
    metadata: it has the metadata (the other clients' by notification) and a fetch has
    begun with it. Having the metadata is not enough: a fetch that began before keeps the
    old limits, and its statement may run after jobs inserted since."""
    producers = [client._producers[QUEUE] for client in made]
    return all(
        p.metadata == metadata and p._concurrency.resolved_from == metadata for p in producers
    )


def _in_force_for_all(made: list[Any], metadata: dict[str, Any]) -> None:

    def in_force() -> bool:
        return _limits_in_force(made, metadata)

    wait_for(in_force)


class _HeldFetch:
    """A producer's executor whose next fetch without limits waits, once under way, until
    released: a fetch still in flight when the queue's metadata changes."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.held = False
        self.released = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def job_get_available(self, params: Any) -> Any:
        if not self.held:
            self.held = True
            while not self.released:
                sleep(0.005)
        return self._inner.job_get_available(params)


def test_an_override_is_in_force_once_a_fetch_has_begun_with_it(driver: Any, schema: str) -> None:
    """A fetch under way when an override arrives keeps the limits it began with, and its
    statement may lock jobs inserted after the override (5, max_workers, of a queue
    limited to 1): the override is in force once the producer's fetches begin with it."""
    tracker = Tracker()
    override = {"concurrency": {"global_limit": 1}}
    with clients(driver, schema, tracker, 1, max_workers=5) as made:
        producer = made[0]._producers[QUEUE]
        inner = producer._executor
        held = _HeldFetch(inner)
        producer._executor = held
        try:

            def fetch_held() -> bool:
                return held.held

            wait_for(fetch_held)
            made[0].queue_update(QUEUE, metadata=override)
            assert producer.metadata == override
            assert not _limits_in_force(made, override)
            held.released = True
            _in_force_for_all(made, override)
        finally:
            held.released = True
            producer._executor = inner
        made[0].insert_many([LimitedArgs(n=i) for i in range(6)])
        _all_worked(tracker, 6)
    assert tracker.peak["all"] == 1


class _NotifiedDuringRead:
    """A producer's executor whose queue read returns the row as it was before a newer
    change, whose notification arrives while the read is under way."""

    def __init__(self, inner: Any, producer: Any, message: ControlMetadataChanged) -> None:
        self._inner = inner
        self._producer = producer
        self._message = message

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def queue_get(self, name: str) -> Any:
        row = self._inner.queue_get(name)
        self._producer.handle_control(self._message)
        return row


def test_a_settings_poll_read_before_an_override_does_not_undo_it(driver: Any, schema: str) -> None:
    """A settings poll whose read began before a concurrency override was written, and
    whose answer comes after the override's notification, leaves the override in force
    (applying the older row ran the queue without limits until the next poll)."""
    tracker = Tracker()
    with clients(driver, schema, tracker, 1, max_workers=5) as made:
        producer = made[0]._producers[QUEUE]
        override = {"concurrency": {"global_limit": 1, "local_limit": 0}}
        inner = producer._executor
        producer._executor = _NotifiedDuringRead(
            inner, producer, ControlMetadataChanged(queue=QUEUE, metadata=override)
        )
        try:
            producer.poll_settings_once()
        finally:
            producer._executor = inner
        assert producer.metadata == override


def test_global_limit_is_never_exceeded_by_several_clients(driver: Any, schema: str) -> None:
    tracker = Tracker()
    limit = river.ConcurrencyConfig(global_limit=2)
    with clients(driver, schema, tracker, 3, concurrency=limit) as made:
        made[0].insert_many([LimitedArgs(n=i) for i in range(24)])
        _all_worked(tracker, 24)
    # 3 clients of 5 workers each would run up to 15 at once without the limit.
    assert 1 <= tracker.peak["all"] <= 2


def test_local_limit_holds_in_each_client(driver: Any, schema: str) -> None:
    tracker = Tracker()
    limit = river.ConcurrencyConfig(local_limit=2)
    with clients(driver, schema, tracker, 2, concurrency=limit) as made:
        made[0].insert_many([LimitedArgs(n=i) for i in range(20)])
        _all_worked(tracker, 20)
    assert tracker.peak["client:0"] <= 2
    assert tracker.peak["client:1"] <= 2
    assert tracker.peak["client:0"] + tracker.peak["client:1"] >= 2


def test_partition_by_args_limits_each_value_without_holding_up_the_others(
    driver: Any, schema: str
) -> None:
    tracker = Tracker()
    limit = river.ConcurrencyConfig(
        global_limit=1, partition=river.PartitionConfig(by_args=["customer"])
    )
    with clients(driver, schema, tracker, 2, concurrency=limit) as made:
        # Customer a's backlog is ahead of b's in the queue.
        made[0].insert_many([LimitedArgs(customer="a", n=i) for i in range(8)])
        made[0].insert_many([LimitedArgs(customer="b", n=i) for i in range(2)])
        _all_worked(tracker, 10)
    assert tracker.peak["customer:a"] == 1
    assert tracker.peak["customer:b"] == 1
    # b's jobs ran beside a's (one at a time), not after a's whole backlog.
    order = tracker.started
    assert order.index("b1") < order.index("a7"), order


def test_partition_by_kind_limits_each_kind_on_its_own(driver: Any, schema: str) -> None:
    tracker = Tracker()
    limit = river.ConcurrencyConfig(global_limit=1, partition=river.PartitionConfig(by_kind=True))
    with clients(driver, schema, tracker, 2, concurrency=limit) as made:
        made[0].insert_many([LimitedArgs(n=i) for i in range(6)])
        made[0].insert_many([OtherKindArgs(n=i) for i in range(6)])
        _all_worked(tracker, 12)
    assert tracker.peak["customer:"] == 1  # the "limited" kind
    assert tracker.peak["kind:other"] == 1
    order = tracker.started
    assert order.index("other0") < order.index("5"), order


def test_a_job_that_ends_frees_its_global_slot_without_waiting_for_the_completers_tick(
    driver: Any, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The completer's periodic write is off: a lone outcome would wait for the client's
    # stop. A job counts as running, for the other clients' fetches, until its outcome is
    # written, so under a global limit the completer writes it as soon as the job ends.
    monkeypatch.setattr(river._internal.completer.completer, "FLUSH_EVERY_TICKS", 10**9)
    tracker = Tracker()
    limit = river.ConcurrencyConfig(global_limit=1)
    with clients(driver, schema, tracker, 2, concurrency=limit) as made:
        results = made[0].insert_many([LimitedArgs(n=i) for i in range(3)])
        for result in results:
            wait_for_state(made[0], result.job.id, river.JobState.COMPLETED)
    assert tracker.peak["all"] == 1


def test_queue_metadata_overrides_the_limits_at_runtime(driver: Any, schema: str) -> None:
    tracker = Tracker()
    with clients(driver, schema, tracker, 2, max_workers=5) as made:
        # As River UI writes it: a limit of 0 is no limit.
        override = {
            "concurrency": {
                "global_limit": 1,
                "local_limit": 0,
                "partition": {"by_args": None, "by_kind": None},
            }
        }
        made[0].queue_update(QUEUE, metadata=override)
        _in_force_for_all(made, override)
        made[0].insert_many([LimitedArgs(n=i) for i in range(10)])
        _all_worked(tracker, 10)
        assert tracker.peak["all"] == 1
        # Cleared ({}), the queue is unlimited again: both clients' workers run at once.
        made[0].queue_update(QUEUE, metadata={})
        _in_force_for_all(made, {})
        tracker.peak.clear()
        made[0].insert_many([LimitedArgs(n=i) for i in range(20)])
        _all_worked(tracker, 30)
    assert tracker.peak["all"] > 1


def test_override_replaces_the_configured_limits(driver: Any, schema: str) -> None:
    tracker = Tracker()
    configured = river.ConcurrencyConfig(global_limit=1)
    with clients(driver, schema, tracker, 1, concurrency=configured) as made:
        made[0].queue_update(QUEUE, metadata={"concurrency": {"global_limit": 4}})
        made[0].insert_many([LimitedArgs(n=i) for i in range(16)])
        _all_worked(tracker, 16)
    assert 1 < tracker.peak["all"] <= 4


def _limited(
    client_id: str, active_ids: list[int], global_limit: int = 2
) -> JobGetAvailableLimitedParams:
    return JobGetAvailableLimitedParams(
        queue=QUEUE,
        max_to_lock=5,
        client_id=client_id,
        active_ids=active_ids,
        global_limit=global_limit,
        local_limit=None,
        scan_limit=5,
    )


def _fetch_in_flight(
    driver: Any, schema: str, executor: Any, b_params: JobGetAvailableLimitedParams
) -> tuple[list[int], list[list[river.JobRow]]]:
    """Client a's fetch holds the queue's lock and has set two jobs running, uncommitted,
    while client b's fetch (``b_params``) starts and waits for the lock; a then commits.
    a takes two jobs b does not look at (due only by a's clock, and first by priority),
    so only b's count of running jobs keeps b from taking too many: a's rows being locked
    or no longer available does not. Returns a's job ids and what b's fetch took."""
    inserter = river.Client(driver, make_config(schema, river.Workers(), queues={}))
    inserted = inserter.insert_many([LimitedArgs(n=i) for i in range(4)])
    later = [r.job.id for r in inserted[2:]]
    executor.execute(
        f"UPDATE {SCHEMA_MARK}river_job SET scheduled_at = CASE WHEN id = any(@ids) THEN now() + interval '1 hour' ELSE scheduled_at END, priority = CASE WHEN id = any(@ids) THEN 1 ELSE 2 END",
        {"ids": later},
    )
    got_b: list[list[river.JobRow]] = []

    def fetch_b() -> None:
        got_b.append(executor.job_get_available_limited(b_params))

    with executor.transaction() as tx:
        tx.execute(sql_concurrency.QUEUE_FETCH_LOCK, {"queue": QUEUE})
        rows = tx.fetch_all(
            sql_concurrency.job_get_available_limited(0),
            {
                "queue": QUEUE,
                "now": dt.datetime.now(dt.UTC) + dt.timedelta(hours=2),
                "max_to_lock": 2,
                "max_attempted_by": 100,
                "client_id": "a",
                "active_ids": [],
                "global_limit": 2,
                "local_limit": None,
                "by_args": [],
                "by_kind": False,
                "scan_limit": 2,
            },
        )
        assert sorted(int(r[0]) for r in rows) == sorted(later)
        task = spawn(fetch_b)

        def b_waits() -> bool:
            row = executor.fetch_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            return bool(row and row[0] >= 1)

        wait_for(b_waits)
    gather(task, timeout=30)
    return (later, got_b)


@pytest.mark.parametrize("in_function", [True, False], ids=["function", "transaction"])
def test_a_fetch_waits_for_the_one_in_flight_and_sees_its_jobs(
    driver: Any, schema: str, executor: Any, in_function: bool
) -> None:
    executor.session_functions = in_function  # b's fetch: either way it holds the lock
    # Under a limit of two, b must count a's two jobs and take none (else four would run).
    a_ids, got_b = _fetch_in_flight(driver, schema, executor, _limited("b", []))
    assert got_b == [[]]
    # Once a's jobs are no longer running, b takes up to the limit.
    executor.execute(
        f"UPDATE {SCHEMA_MARK}river_job SET state = 'completed', finalized_at = now() WHERE id = any(@ids)",
        {"ids": a_ids},
    )
    assert len(executor.job_get_available_limited(_limited("b", []))) == 2


@pytest.mark.parametrize("in_function", [True, False], ids=["function", "transaction"])
def test_a_fetch_that_waited_takes_the_room_left_by_the_one_in_flight(
    driver: Any, schema: str, executor: Any, in_function: bool
) -> None:
    executor.session_functions = in_function  # b's fetch: either way it holds the lock
    # Under a limit of three, b counts a's two jobs and takes the one slot they leave.
    _, got_b = _fetch_in_flight(driver, schema, executor, _limited("b", [], global_limit=3))
    assert len(got_b[0]) == 1


def test_a_global_limit_alone_does_not_cap_what_the_client_runs_at_the_fetch_size(
    driver: Any, schema: str, executor: Any
) -> None:
    # The client already runs 4 jobs and asks for 3 more, under a global limit of 10 and
    # no local limit: it gets the 3 (no local limit means none, not the fetch's size).
    inserter = river.Client(driver, make_config(schema, river.Workers(), queues={}))
    inserter.insert_many([LimitedArgs(n=i) for i in range(10)])
    first = JobGetAvailableLimitedParams(
        queue=QUEUE,
        max_to_lock=4,
        client_id="me",
        active_ids=[],
        global_limit=10,
        local_limit=None,
        scan_limit=4,
    )
    running = [job.id for job in executor.job_get_available_limited(first)]
    assert len(running) == 4
    more = JobGetAvailableLimitedParams(
        queue=QUEUE,
        max_to_lock=3,
        client_id="me",
        active_ids=running,
        global_limit=10,
        local_limit=None,
        scan_limit=3,
    )
    assert len(executor.job_get_available_limited(more)) == 3


def test_partition_by_several_args_fields_and_kind(driver: Any, schema: str, executor: Any) -> None:
    inserter = river.Client(driver, make_config(schema, river.Workers(), queues={}))
    inserter.insert_many(
        [
            LimitedArgs(customer="a", n=0),
            LimitedArgs(customer="a", n=0),
            LimitedArgs(customer="a", n=1),
            LimitedArgs(customer="b", n=0),
            OtherKindArgs(n=0),
            OtherKindArgs(n=0),
        ]
    )
    params = JobGetAvailableLimitedParams(
        queue=QUEUE,
        max_to_lock=10,
        client_id="me",
        active_ids=[],
        global_limit=1,
        local_limit=None,
        scan_limit=100,
        by_args=["customer", "n"],
        by_kind=True,
    )
    got = executor.job_get_available_limited(params)
    # One job of each partition: (limited, a, 0), (limited, a, 1), (limited, b, 0), and
    # (limited_other, no customer, 0).
    assert sorted((job.kind, job.args.get("customer", ""), job.args["n"]) for job in got) == [
        ("limited", "a", 0),
        ("limited", "a", 1),
        ("limited", "b", 0),
        ("limited_other", "", 0),
    ]
    # Every partition is now full while those jobs run...
    still = dataclasses.replace(params, active_ids=[job.id for job in got])
    assert executor.job_get_available_limited(still) == []
    # ...and this client's jobs that have left its work pool no longer count, though their
    # completion is not written yet.
    assert len(executor.job_get_available_limited(params)) == 2

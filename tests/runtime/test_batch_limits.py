# WARNING: this file is generated from 'test_batch_limits_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Batching in a queue whose concurrency limits are in force, on a real database: a leader
gathers only the room its partition has left under the global limit (every client's
running jobs) and the local limit (this client's), jobs of another partition take none of
it, and leaders and fetches of two clients together never run more jobs of a partition
than the global limit."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import Event, sleep
from river.driver.params import JobGetAvailableLimitedParams
from river.driver.query import SCHEMA_MARK
from river.types import JobState
from tests._client_helpers import make_config, started, wait_for

pytestmark = pytest.mark.anyio
S = JobState
QUEUE = "batch_limited"


@dataclass
class SendArgs:
    kind = "batch_limited_send"
    customer: str
    n: int = 0

    @staticmethod
    def batch_opts() -> river.BatchOpts:
        return river.BatchOpts(by_args=["customer"])


@dataclass
class HoldArgs:
    """A job of another kind that runs until the test lets it end."""

    kind = "batch_limited_hold"


class Running:
    """How many batched jobs are being worked at once, across the workers that share it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # sync clients work batches on threads
        self.now = 0
        self.peak = 0

    def add(self, count: int) -> None:
        with self._lock:
            self.now += count
            self.peak = max(self.peak, self.now)


class SendWorker(river.BatchWorker[SendArgs]):
    def __init__(
        self,
        opts: river.BatchWorkerOpts,
        running: Running | None = None,
        *,
        work_seconds: float = 0.0,
    ) -> None:
        self.batch_worker_opts = opts
        self.running = running or Running()
        self.work_seconds = work_seconds
        self.batches: list[list[int]] = []
        self.release: Event | None = None  # set: each batch runs until it is set

    def work_many(self, jobs: list[river.Job[SendArgs]]) -> river.BatchResults:
        self.batches.append([j.id for j in jobs])
        self.running.add(len(jobs))
        sleep(self.work_seconds)
        while self.release is not None and (not self.release.is_set()):
            self.release.wait_timeout(0.01)
        self.running.add(-len(jobs))
        return None


class HoldWorker(river.Worker[HoldArgs]):
    def __init__(self) -> None:
        self.release = Event()

    def work(self, job: river.Job[HoldArgs]) -> None:
        while not self.release.is_set():
            self.release.wait_timeout(0.01)


def _opts(max_count: int, max_delay: float = 0.05) -> river.BatchWorkerOpts:
    return river.BatchWorkerOpts(max_count=max_count, max_delay=max_delay, poll_interval=0.005)


def _client(
    driver: Any,
    schema: str,
    concurrency: river.ConcurrencyConfig,
    *workers: Any,
    max_workers: int = 1,
) -> Any:
    registry = river.Workers()
    for worker in workers:
        registry.add(worker)
    queues = {QUEUE: river.QueueConfig(max_workers=max_workers, concurrency=concurrency)}
    return river.Client(driver, make_config(schema, registry, queues=queues))


def _insert(client: Any, *args: Any) -> list[int]:
    results = client.insert_many(
        [river.InsertManyParams(a, river.InsertOpts(queue=QUEUE)) for a in args]
    )
    return [r.job.id for r in results]


def _running_elsewhere(client: Any, executor: Any, *customers: str) -> None:
    """Jobs of ``customers`` running in another client (one each), set up directly."""
    ids = _insert(client, *[SendArgs(c, -1) for c in customers])
    executor.execute(
        f"UPDATE {SCHEMA_MARK}river_job SET state = 'running', attempt = 1, attempted_at = now(), attempted_by = '{{elsewhere}}' WHERE id = any(@ids)",
        {"ids": ids},
    )


def _completed(client: Any, ids: list[int]) -> None:

    def check() -> bool:
        rows = [client.job_get(i) for i in ids]
        return all(r.state == S.COMPLETED for r in rows)

    wait_for(check, timeout=20)


def test_a_leader_gathers_up_to_the_global_limit_less_what_runs(
    driver: Any, executor: Any, schema: str
) -> None:
    # Four of the queue may run; two run in another client: the leader gathers one.
    worker = SendWorker(_opts(max_count=10))
    client = _client(driver, schema, river.ConcurrencyConfig(global_limit=4), worker)
    _running_elsewhere(client, executor, "b", "c")
    ids = _insert(client, *[SendArgs("a", n) for n in range(5)])
    with started(client):
        _completed(client, ids)
    assert worker.batches == [ids[0:2], ids[2:4], ids[4:5]]


def test_a_leader_gathers_up_to_the_local_limit_less_what_this_client_runs(
    driver: Any, executor: Any, schema: str
) -> None:
    # Three may run in this client, which runs a job of another kind beside the leader:
    # the leader gathers one. The job running in another client takes none of the room.
    worker, hold = (SendWorker(_opts(max_count=10)), HoldWorker())
    client = _client(
        driver, schema, river.ConcurrencyConfig(local_limit=3), worker, hold, max_workers=2
    )
    _running_elsewhere(client, executor, "b")
    held = _insert(client, HoldArgs())
    ids = _insert(client, *[SendArgs("a", n) for n in range(4)])
    try:
        with started(client):
            _completed(client, ids)
            hold.release.set()
            _completed(client, held)
    finally:
        hold.release.set()
    assert worker.batches == [ids[0:2], ids[2:4]]


def test_jobs_of_another_partition_take_none_of_the_batchs_room(
    driver: Any, executor: Any, schema: str
) -> None:
    # Three of each customer may run. Customer b's partition is full, which leaves a's
    # room alone; one job of a runs elsewhere, so a leader of a gathers one.
    worker = SendWorker(_opts(max_count=10))
    limits = river.ConcurrencyConfig(
        global_limit=3, partition=river.PartitionConfig(by_args=["customer"])
    )
    client = _client(driver, schema, limits, worker)
    _running_elsewhere(client, executor, "b", "b", "b", "a")
    ids = _insert(client, *[SendArgs("a", n) for n in range(5)])
    with started(client):
        _completed(client, ids)
    assert worker.batches == [ids[0:2], ids[2:4], ids[4:5]]


def test_two_clients_never_run_more_than_the_global_limit_together(
    driver: Any, schema: str
) -> None:
    # Three leaders on each client gather while both producers fetch: at no time do the
    # batches being worked hold more than the four jobs the limit allows.
    opts = _opts(max_count=5, max_delay=0.02)
    running = Running()
    workers = [SendWorker(opts, running, work_seconds=0.02) for _ in range(2)]
    limits = river.ConcurrencyConfig(global_limit=4)
    clients = [_client(driver, schema, limits, w, max_workers=3) for w in workers]
    ids = _insert(clients[0], *[SendArgs("a", n) for n in range(30)])
    with started(clients[0]), started(clients[1]):
        _completed(clients[0], ids)
    batches = [b for w in workers for b in w.batches]
    assert sorted(i for b in batches for i in b) == sorted(ids)
    assert running.peak <= 4


def test_gathered_jobs_count_against_the_next_fetch_of_their_client(
    driver: Any, executor: Any, schema: str
) -> None:
    # While a batch that fills the limit of three runs, a fetch of its client (the
    # producer's, with the jobs it counts as its own) takes nothing: the gathered jobs,
    # running outside the work pool, count as the client's running jobs.
    worker = SendWorker(_opts(max_count=3))
    worker.release = Event()
    client = _client(driver, schema, river.ConcurrencyConfig(global_limit=3), worker)
    ids = _insert(client, *[SendArgs("a", n) for n in range(4)])
    try:
        with started(client):

            def first_batch() -> bool:
                return bool(worker.batches)

            wait_for(first_batch)
            assert worker.batches == [ids[0:3]]
            producer = client._producers[QUEUE]
            leader = client.job_get(ids[0])
            fetched = executor.job_get_available_limited(
                JobGetAvailableLimitedParams(
                    queue=QUEUE,
                    max_to_lock=1,
                    client_id=leader.attempted_by[-1],
                    active_ids=producer.limited_active_ids(),
                    global_limit=3,
                    local_limit=None,
                    scan_limit=1,
                )
            )
            assert fetched == []
            worker.release.set()
            _completed(client, ids)
    finally:
        worker.release.set()
    assert worker.batches == [ids[0:3], ids[3:4]]
    assert producer.batched == set()

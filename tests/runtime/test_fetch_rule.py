# WARNING: this file is generated from 'test_fetch_rule_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The producer's fetch rule, seen from the database: a backlog is worked without waiting
out the fetch cooldown, fetched in halves so that the next fetch runs while jobs do, and
the cooldown still spaces fetches once the queue runs short (beyond a small burst)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import Event, sleep
from river._internal.producer.token_bucket import BURST
from river.middleware import JobGetAvailableCountMetric, Metric
from tests._client_helpers import make_config, started, wait_for

pytestmark = pytest.mark.anyio
# Far longer than any wait below: a fetch held back by the cooldown or the poll interval
# never happens during a test.
LONG = 600.0


@dataclass
class TickArgs:
    kind = "tick"
    n: int = 0


class TickWorker(river.Worker[TickArgs]):
    def __init__(self) -> None:
        self.worked: list[int] = []

    def work(self, job: river.Job[TickArgs]) -> None:
        self.worked.append(job.args.n)


class HeldWorker(river.Worker[TickArgs]):
    """Jobs below ``first`` wait for ``release_first``, the others for ``release_rest``."""

    def __init__(self, first: int) -> None:
        self.first = first
        self.release_first = Event()
        self.release_rest = Event()
        self.running: set[int] = set()

    def work(self, job: river.Job[TickArgs]) -> None:
        self.running.add(job.args.n)
        held = self.release_first if job.args.n < self.first else self.release_rest
        held.wait_timeout(30)
        self.running.discard(job.args.n)


class FetchCounts(river.Hook):
    def __init__(self) -> None:
        self.counts: list[int] = []

    def metric_emit(self, metric: Metric) -> None:
        if isinstance(metric, JobGetAvailableCountMetric) and metric.count:
            self.counts.append(metric.count)


class AllFetches(river.Hook):
    """Counts every fetch, empty ones too."""

    def __init__(self) -> None:
        self.count = 0

    def metric_emit(self, metric: Metric) -> None:
        if isinstance(metric, JobGetAvailableCountMetric):
            self.count += 1


def _client(
    driver: Any,
    schema: str,
    worker: Any,
    max_workers: int,
    hooks: list[Any] | None = None,
    cooldown: float = LONG,
) -> Any:
    workers = river.Workers()
    workers.add(worker)
    config = make_config(
        schema,
        workers,
        queues={"default": river.QueueConfig(max_workers=max_workers)},
        fetch_cooldown=cooldown,
        fetch_poll_interval=max(cooldown, LONG),
        hooks=hooks or [],
    )
    return river.Client(driver, config)


def _states(client: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for job in client.job_list(river.JobListParams(limit=1000)):
        counts[job.state.value] = counts.get(job.state.value, 0) + 1
    return counts


def test_first_fetch_does_not_wait_for_a_cooldown_longer_than_the_uptime(
    driver: Any, schema: str
) -> None:
    # Monotonic time starts near zero at boot, so a cooldown longer than it has run stands
    # for a machine up for less than the cooldown: the first fetch must still run at once.
    worker = TickWorker()
    client = _client(driver, schema, worker, max_workers=2, cooldown=time.monotonic() + LONG)
    client.insert(TickArgs(n=1))
    with started(client):

        def completed() -> bool:
            return _states(client).get("completed", 0) == 1

        wait_for(completed, timeout=30)
    assert worker.worked == [1]


def test_backlog_is_worked_without_waiting_out_the_cooldown(driver: Any, schema: str) -> None:
    # Two slots, twelve jobs: only fetching again as soon as a slot frees works them all
    # before the (very long) cooldown would allow a second fetch.
    worker = TickWorker()
    client = _client(driver, schema, worker, max_workers=2)
    client.insert_many([TickArgs(n=i) for i in range(12)])
    with started(client):

        def all_completed() -> bool:
            return _states(client).get("completed", 0) == 12

        wait_for(all_completed, timeout=30)
    assert sorted(worker.worked) == list(range(12))


def test_backlog_is_fetched_in_halves_without_waiting_for_a_slot(driver: Any, schema: str) -> None:
    # Four slots. The first fetch takes all four; once they end the queue is known to be
    # backed up, so each fetch locks at most two and the producer fetches again at once
    # while slots are free: the held jobs of the second round fill all four slots
    # although none of them ever frees one.
    worker = HeldWorker(first=4)
    fetches = FetchCounts()
    client = _client(driver, schema, worker, max_workers=4, hooks=[fetches])
    client.insert_many([TickArgs(n=i) for i in range(10)])
    with started(client):

        def first_round_running() -> bool:
            return worker.running == {0, 1, 2, 3}

        wait_for(first_round_running, timeout=30)
        worker.release_first.set()

        def second_round_running() -> bool:
            return len(worker.running) == 4 and min(worker.running) >= 4

        wait_for(second_round_running, timeout=30)
        held_counts = list(fetches.counts)
        worker.release_rest.set()

        def all_completed() -> bool:
            return _states(client).get("completed", 0) == 10

        wait_for(all_completed, timeout=30)
    assert held_counts[0] == 4
    assert len(held_counts) >= 3 and max(held_counts[1:]) <= 2
    assert sum(fetches.counts) == 10 and max(fetches.counts[1:]) <= 2


def test_short_fetches_are_spaced_by_the_cooldown_beyond_a_small_burst(
    driver: Any, schema: str
) -> None:
    # Fetches that come back short spend the fetch bucket: BURST of them run at once
    # (a job inserted shortly after a fetch is not held back), but then a producer woken
    # over and over (each insert pokes it and notifies it) fetches no more until the
    # very long cooldown brings a token: its fetches per cooldown window are bounded.
    worker = TickWorker()
    fetches = AllFetches()
    client = _client(driver, schema, worker, max_workers=5, hooks=[fetches])
    inserted = 2 * BURST
    with started(client):

        def first_fetch_done() -> bool:
            return fetches.count >= 1

        wait_for(first_fetch_done, timeout=30)
        for n in range(inserted):
            client.insert(TickArgs(n=n))
            sleep(0.05)
        sleep(1.0)
        states = _states(client)
    assert fetches.count == BURST
    assert 1 <= len(worker.worked) <= BURST - 1
    assert states.get("available", 0) == inserted - len(worker.worked)

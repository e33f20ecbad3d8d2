"""Jobs another client inserts close together are all worked without waiting for the
producer's poll: the client sends an insert notification at once while its queue's token
bucket allows, and otherwise as soon as the next token comes (the trailing edge), never
dropping it; the producer fetches on each, spaced by a token bucket of its own.

The worker client polls every 30 s, so within ``BOUND`` (far shorter) only a notification
can wake it: a job worked before it was announced, not polled for. An idle client still
fetches once a poll tick, and no more."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import asleep
from river._internal.producer.token_bucket import BURST
from river.middleware import JobGetAvailableCountMetric, Metric
from tests._client_helpers_async import make_config, started, user_tx, wait_for

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.needs_listen_in_pool("only an insert notification wakes the producer"),
]

POLL = 30.0
BOUND = 10.0  # generous, and far below POLL: tells a notification from the poll
COOLDOWN = 0.1  # the library's default
LONG = 600.0


@dataclass
class PingArgs:
    kind = "ping"
    n: int = 0


class PingWorker(river.AsyncWorker[PingArgs]):
    def __init__(self) -> None:
        self.worked: set[int] = set()

    async def work(self, job: river.Job[PingArgs]) -> None:
        self.worked.add(job.id)


class FetchCount(river.AsyncHook):
    """Every fetch, empty ones too."""

    def __init__(self) -> None:
        self.fetches = 0

    def metric_emit(self, metric: Metric) -> None:
        if isinstance(metric, JobGetAvailableCountMetric):
            self.fetches += 1


def _client(adriver: Any, schema: str, worker: PingWorker, **options: Any) -> Any:
    workers = river.Workers()
    workers.add(worker)
    options = {"fetch_cooldown": COOLDOWN, "fetch_poll_interval": POLL, **options}
    return river.AsyncClient(adriver, make_config(schema, workers, **options))


async def _listening(client: Any) -> None:
    assert await client._notifier.connected.wait_timeout(BOUND)


async def _worked(worker: PingWorker, *results: Any) -> None:
    wanted = {r.job.id for r in results}

    async def done() -> bool:
        return wanted <= worker.worked

    await wait_for(done, timeout=BOUND)


async def test_two_inserts_10ms_apart_are_both_worked_without_the_poll(
    adriver: Any, schema: str
) -> None:
    # The inserting client's cooldown is very long: the second insert is well within
    # it. Its transaction commits only once the first job was fetched, so only its own
    # notification can tell the producer about it.
    ping = PingWorker()
    inserter = _client(adriver, schema, PingWorker(), fetch_cooldown=LONG, fetch_poll_interval=LONG)
    async with started(_client(adriver, schema, ping)) as worker:
        await _listening(worker)
        first = await inserter.insert(PingArgs(n=1))
        await asleep(0.01)
        async with user_tx(adriver) as tx:
            second = await inserter.insert_tx(tx, PingArgs(n=2))
            await _worked(ping, first)
        await _worked(ping, second)


async def test_an_insert_beyond_the_burst_is_announced_when_the_next_token_comes(
    adriver: Any, schema: str
) -> None:
    # BURST inserts 10 ms apart spend the inserting client's bucket (its cooldown, 3 s,
    # is longer than working them takes); one more, made once they were worked, is
    # held back and announced by the trailing notification when the next token comes.
    ping = PingWorker()
    inserter = _client(adriver, schema, PingWorker(), fetch_cooldown=3.0)
    async with started(_client(adriver, schema, ping)) as worker:
        await _listening(worker)
        burst = []
        for n in range(BURST):
            burst.append(await inserter.insert(PingArgs(n=n)))
            await asleep(0.01)
        await _worked(ping, *burst)
        last = await inserter.insert(PingArgs(n=BURST))
        await _worked(ping, last)


async def test_an_idle_client_fetches_once_a_poll_tick(adriver: Any, schema: str) -> None:
    # A poll interval of 0.2 s: an idle producer fetches once a tick (plus its first
    # fetch), never more: the fetch bucket adds no fetch of its own. A slow machine only
    # makes fewer ticks.
    poll = 0.2
    fetches = FetchCount()
    worker = _client(adriver, schema, PingWorker(), fetch_poll_interval=poll, hooks=[fetches])
    async with started(worker):
        began = time.monotonic()
        await asleep(2.0)
        elapsed = time.monotonic() - began
        counted = fetches.fetches
    assert 1 <= counted <= 2 + elapsed / poll


async def test_closing_a_client_that_opened_its_pool_sends_the_held_back_notification(
    adriver: Any, schema: str, database_url: str
) -> None:
    # A very long cooldown: the insert after the burst is held back until the client
    # closes, and closing its pool must not drop it.
    listener = adriver.get_listener()
    await listener.connect()
    await listener.listen(f"{schema}.river_insert")
    workers = river.Workers()
    workers.add(PingWorker())
    client = river.AsyncClient(
        await type(adriver).open(database_url),
        make_config(schema, workers, fetch_cooldown=LONG, fetch_poll_interval=LONG),
    )
    client._owns_driver = True  # as from_url opens it
    try:
        for n in range(BURST + 1):
            await client.insert(PingArgs(n=n))
        burst = [await listener.wait_for_notification(BOUND) for _ in range(BURST)]
        held_back = await listener.wait_for_notification(0.3)
        await client.close()
        on_close = await listener.wait_for_notification(BOUND)
    finally:
        await listener.close()
    assert all(note is not None for note in burst)
    assert held_back is None
    assert on_close is not None and json.loads(on_close.payload) == {"queue": "default"}

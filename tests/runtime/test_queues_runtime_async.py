"""Queues at runtime (``client.queues``) and queue metadata (``queue_update``), as River's
``QueueBundle`` and ``QueueUpdate``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import AEvent, asleep
from tests._client_helpers_async import make_config, started, user_tx, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class QuickArgs:
    kind = "quick"


@dataclass
class SlowArgs:
    kind = "slow"


class QuickWorker(river.AsyncWorker[QuickArgs]):
    async def work(self, job: river.Job[QuickArgs]) -> None:
        pass


FINISHED: list[int] = []


class SlowWorker(river.AsyncWorker[SlowArgs]):
    """Takes long enough that a caller not waiting for it would see it still running; with
    a ``gate``, runs until the gate opens."""

    gate: AEvent | None = None

    async def work(self, job: river.Job[SlowArgs]) -> None:
        gate = SlowWorker.gate
        if gate is not None:
            await gate.wait_timeout(30)
        else:
            await asleep(0.5)
        FINISHED.append(job.id)


def _workers() -> river.Workers:
    workers = river.Workers()
    workers.add(QuickWorker())
    workers.add(SlowWorker())
    return workers


def _client(adriver: Any, schema: str, **overrides: Any) -> river.AsyncClient[Any]:
    return river.AsyncClient(adriver, make_config(schema, _workers(), **overrides))


async def test_add_on_a_started_client_starts_working_the_queue(
    adriver: Any, schema: str
) -> None:
    client = _client(adriver, schema)
    async with started(client):
        res = await client.insert(QuickArgs(), river.InsertOpts(queue="extra"))
        assert "extra" not in client.queues
        await client.queues.add("extra", river.QueueConfig(max_workers=2))
        assert client.queues.names() == ["default", "extra"]
        await wait_for_state(client, res.job.id, river.JobState.COMPLETED)
        assert (await client.queue_get("extra")).name == "extra"


async def test_add_before_start_joins_the_queues_start_works(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema)
    await client.queues.add("later", river.QueueConfig(max_workers=1))
    res = await client.insert(QuickArgs(), river.InsertOpts(queue="later"))
    async with started(client):
        await wait_for_state(client, res.job.id, river.JobState.COMPLETED)
    assert "later" in client.queues


async def test_remove_on_a_started_client_lets_running_jobs_finish(
    adriver: Any, schema: str
) -> None:
    client = _client(adriver, schema)
    await client.queues.add("extra", river.QueueConfig(max_workers=2))
    async with started(client):
        slow = await client.insert(SlowArgs(), river.InsertOpts(queue="extra"))
        await wait_for_state(client, slow.job.id, river.JobState.RUNNING)
        FINISHED.clear()
        await client.queues.remove("extra")
        # Removal returned only once the running job had finished; the completer records it.
        assert FINISHED == [slow.job.id]
        await wait_for_state(client, slow.job.id, river.JobState.COMPLETED)
        assert "extra" not in client.queues
        later = await client.insert(QuickArgs(), river.InsertOpts(queue="extra"))
        done = await client.insert(QuickArgs())  # the default queue still works
        await wait_for_state(client, done.job.id, river.JobState.COMPLETED)
        assert (await client.job_get(later.job.id)).state is river.JobState.AVAILABLE
        # Added again, the queue is worked again.
        await client.queues.add("extra", river.QueueConfig(max_workers=1))
        await wait_for_state(client, later.job.id, river.JobState.COMPLETED)


async def test_remove_with_a_timeout_leaves_the_queue_until_removed_again(
    adriver: Any, schema: str
) -> None:
    client = _client(adriver, schema)
    await client.queues.add("extra", river.QueueConfig(max_workers=2))
    gate = SlowWorker.gate = AEvent()  # the job runs until the gate opens
    try:
        async with started(client):
            slow = await client.insert(SlowArgs(), river.InsertOpts(queue="extra"))
            await wait_for_state(client, slow.job.id, river.JobState.RUNNING)
            with pytest.raises(TimeoutError, match="'extra': running jobs did not finish"):
                await client.queues.remove("extra", timeout=0.01)
            assert "extra" in client.queues
            gate.set()
            await client.queues.remove("extra")
            assert "extra" not in client.queues
            await wait_for_state(client, slow.job.id, river.JobState.COMPLETED)
            with pytest.raises(river.QueueNotFoundError):
                await client.queues.remove("extra")
    finally:
        SlowWorker.gate = None


async def test_remove_with_a_timeout_waits_for_the_jobs_of_a_fetch_in_flight(
    adriver: Any, schema: str
) -> None:
    """The database shows a fetched job running before the fetch has returned to the
    client: a removal in that window still counts the job the fetch is about to start."""
    client = _client(adriver, schema)
    await client.queues.add("extra", river.QueueConfig(max_workers=2))
    fetched, release = AEvent(), AEvent()
    fetch = client._executor.job_get_available

    async def held_fetch(params: Any) -> Any:
        jobs = await fetch(params)
        if jobs and params.queue == "extra":
            fetched.set()
            await release.wait_timeout(5)
        return jobs

    client._executor.job_get_available = held_fetch  # the producers share this executor
    gate = SlowWorker.gate = AEvent()
    try:
        async with started(client):
            slow = await client.insert(SlowArgs(), river.InsertOpts(queue="extra"))
            assert await fetched.wait_timeout(10)
            assert (await client.job_get(slow.job.id)).state is river.JobState.RUNNING
            with pytest.raises(TimeoutError, match="'extra': running jobs did not finish"):
                await client.queues.remove("extra", timeout=0.05)
            release.set()
            gate.set()
            await client.queues.remove("extra")
            await wait_for_state(client, slow.job.id, river.JobState.COMPLETED)
    finally:
        release.set()
        SlowWorker.gate = None


async def test_remove_before_start_drops_the_queue(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema, queues={
        "default": river.QueueConfig(max_workers=1), "gone": river.QueueConfig(max_workers=1)
    })
    await client.queues.remove("gone")
    assert client.queues.names() == ["default"]
    res = await client.insert(QuickArgs(), river.InsertOpts(queue="gone"))
    done = await client.insert(QuickArgs())
    async with started(client):
        await wait_for_state(client, done.job.id, river.JobState.COMPLETED)
        assert (await client.job_get(res.job.id)).state is river.JobState.AVAILABLE
    with pytest.raises(river.QueueNotFoundError):
        await client.queue_get("gone")


async def test_add_and_remove_are_validated_as_river_does(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema)
    with pytest.raises(river.QueueAlreadyAddedError, match="'default' already added"):
        await client.queues.add("default", river.QueueConfig(max_workers=1))
    with pytest.raises(river.QueueNotFoundError, match="'nope' not found") as caught:
        await client.queues.remove("nope")
    assert caught.value.name == "nope"
    with pytest.raises(river.ConfigError, match="queue"):
        await client.queues.add("Bad Name!", river.QueueConfig(max_workers=1))
    with pytest.raises(river.ConfigError, match="max_workers"):
        await client.queues.add("fine", river.QueueConfig(max_workers=0))
    with pytest.raises(river.ConfigError, match="expected QueueConfig"):
        await client.queues.add("fine", {"max_workers": 1})  # type: ignore[arg-type]
    assert client.queues.names() == ["default"]
    insert_only = river.AsyncClient(adriver, river.Config(schema=schema))
    with pytest.raises(river.ClientError, match="not configured to work jobs"):
        await insert_only.queues.add("extra", river.QueueConfig(max_workers=1))
    with pytest.raises(river.ClientError, match="not configured to work jobs"):
        await insert_only.queues.remove("extra")


async def test_queue_update_replaces_metadata_and_returns_the_queue(
    adriver: Any, schema: str
) -> None:
    client = _client(adriver, schema)
    async with started(client):
        before = await client.queue_get("default")
        queue = await client.queue_update("default", metadata={"region": "eu", "n": 1})
        assert queue.name == "default" and queue.metadata == {"region": "eu", "n": 1}
        assert queue.updated_at > before.updated_at
        assert (await client.queue_get("default")).metadata == {"region": "eu", "n": 1}
        # The local producer keeps the queue's metadata.
        assert client._producers["default"].metadata == {"region": "eu", "n": 1}
        unchanged = await client.queue_update("default")
        assert unchanged.metadata == {"region": "eu", "n": 1}
        with pytest.raises(river.QueueNotFoundError, match="'nope' not found"):
            await client.queue_update("nope", metadata={})
        with pytest.raises(TypeError, match="must be a mapping"):
            await client.queue_update("default", metadata=["a"])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="not JSON-encodable"):
            await client.queue_update("default", metadata={"at": dt.datetime.now()})
        assert (await client.queue_get("default")).metadata == {"region": "eu", "n": 1}


async def test_queue_update_tx_get_tx_and_list_tx_see_the_transaction(
    adriver: Any, schema: str
) -> None:
    client = _client(adriver, schema)
    async with started(client):
        async with user_tx(adriver, rollback=True) as tx:
            queue = await client.queue_update_tx(tx, "default", metadata={"v": 1})
            assert queue.metadata == {"v": 1}
            assert (await client.queue_get_tx(tx, "default")).metadata == {"v": 1}
            assert [q.metadata for q in await client.queue_list_tx(tx)] == [{"v": 1}]
            assert (await client.queue_get("default")).metadata == {}
            with pytest.raises(river.QueueNotFoundError):
                await client.queue_get_tx(tx, "nope")
        assert (await client.queue_get("default")).metadata == {}
        async with user_tx(adriver) as tx:
            await client.queue_update_tx(tx, "default", metadata={"v": 2})
        assert (await client.queue_get("default")).metadata == {"v": 2}
        # Committed, the announcement reaches the producer (here: through the listener).
        await wait_for(_producer_metadata(client, {"v": 2}))


def _producer_metadata(client: Any, expected: dict[str, Any]) -> Any:
    async def check() -> bool:
        producer = client._producers.get("default")
        return producer is not None and producer.metadata == expected

    return check


async def test_metadata_changed_reaches_a_producer_of_another_client(
    adriver: Any, schema: str
) -> None:
    # A long settings poll: only the notification can bring the change in time.
    worker = _client(adriver, schema, queue_poll_interval=600.0)
    updater = river.AsyncClient(adriver, river.Config(schema=schema))
    async with started(worker):
        assert worker._producers["default"].metadata == {}
        await updater.queue_update("default", metadata={"owner": "team-a"})
        await wait_for(_producer_metadata(worker, {"owner": "team-a"}))


async def test_metadata_changed_reaches_a_poll_only_client_by_polling(
    adriver: Any, schema: str
) -> None:
    worker = _client(adriver, schema, poll_only=True, queue_poll_interval=0.05)
    updater = river.AsyncClient(adriver, river.Config(schema=schema))
    async with started(worker):
        await updater.queue_update("default", metadata={"owner": "team-b"})
        await wait_for(_producer_metadata(worker, {"owner": "team-b"}))

"""Managing jobs and queues through the client: pause/resume, list, delete, retry, update."""

from __future__ import annotations

from typing import Any

import pytest

import river
from river._acompat import AEvent, asleep
from river.types import JobState
from tests._client_helpers_async import make_config, started, wait_for, wait_for_state
from tests.runtime.test_client_async import EchoArgs, EchoWorker, FailArgs, FailWorker, _workers

pytestmark = pytest.mark.anyio


async def test_paused_queue_is_not_worked_until_resumed(adriver: Any, schema: str) -> None:
    echo = EchoWorker()
    client = river.AsyncClient(adriver, make_config(schema, _workers(echo)))
    paused = client.subscribe(river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED)
    async with started(client):
        await client.queue_pause("default")
        assert (await client.queue_get("default")).paused_at is not None
        # The event comes once a fetch the producer began before the pause has returned.
        first = await paused.get(timeout=5)
        job = (await client.insert(EchoArgs(message="held"))).job
        await asleep(0.5)
        assert (await client.job_get(job.id)).state is JobState.AVAILABLE
        await client.queue_resume("*")
        await wait_for_state(client, job.id, JobState.COMPLETED)
        second = await paused.get(timeout=5)
    kinds = [e.kind if e is not None else None for e in (first, second)]
    assert kinds == [river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED]
    with pytest.raises(river.ClientError):
        await client.queue_pause("no_such_queue")
    assert [q.name for q in await client.queue_list()] == ["default"]


async def test_a_pause_takes_effect_once_the_fetch_in_flight_returns(
    adriver: Any, schema: str
) -> None:
    """A fetch begun before the pause may still take a job inserted after it: the queue is
    reported paused only once that fetch has returned, so a job inserted after the event
    waits for the resume."""
    client = river.AsyncClient(adriver, make_config(schema, _workers(EchoWorker())))
    events = client.subscribe(river.EventKind.QUEUE_PAUSED)
    fetching, release = AEvent(), AEvent()
    fetch = client._executor.job_get_available

    async def held_fetch(params: Any) -> Any:
        fetching.set()
        await release.wait_timeout(10)
        return await fetch(params)

    try:
        async with started(client):
            client._executor.job_get_available = held_fetch  # the producer's executor
            client._producers["default"].trigger_fetch()
            assert await fetching.wait_timeout(10)
            await client.queue_pause("default")
            with pytest.raises(TimeoutError):  # the fetch is still in flight
                await events.get(timeout=0.5)
            release.set()
            event = await events.get(timeout=5)
            assert event is not None and event.queue is not None
            assert event.queue.name == "default"
            job = (await client.insert(EchoArgs(message="held"))).job
            await asleep(0.3)
            assert (await client.job_get(job.id)).state is JobState.AVAILABLE
    finally:
        release.set()


async def test_list_paginates_and_filters(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(EchoWorker())))
    rows = await client.insert_many(
        [river.InsertManyParams(EchoArgs(message=str(i)), river.InsertOpts(
            priority=1 + i % 2, tags=["even" if i % 2 == 0 else "odd"])) for i in range(7)]
    )
    ids = [r.job.id for r in rows]
    first = await client.job_list(river.JobListParams(limit=3))
    second = await client.job_list(river.JobListParams(limit=3, after=(first[-1].id,
                                                                      first[-1].id)))
    assert [j.id for j in first + second] == ids[:6]
    odd = await client.job_list(river.JobListParams(tags_any=["odd"], priorities=[2]))
    assert [j.id for j in odd] == ids[1::2]


async def test_delete_retry_update(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(FailWorker())))
    async with started(client):
        job = (await client.insert(FailArgs(mode="cooperative"))).job
        await wait_for_state(client, job.id, JobState.RUNNING)
        with pytest.raises(river.JobRunningError):
            await client.job_delete(job.id)
        discarded = (await client.insert(FailArgs(), river.InsertOpts(max_attempts=1))).job
        await wait_for_state(client, discarded.id, JobState.DISCARDED)
        await client.queue_pause("default")
        retried = await client.job_retry(discarded.id)
        assert retried.state is JobState.AVAILABLE and retried.finalized_at is None
        assert retried.max_attempts == 2
    updated = await client.job_update(discarded.id, output={"rows": 3})
    assert updated.output == {"rows": 3}
    deleted = await client.job_delete(discarded.id)
    assert deleted.id == discarded.id
    with pytest.raises(river.JobNotFoundError):
        await client.job_get(discarded.id)
    await wait_for(lambda: _not_running(client, job.id))


async def _not_running(client: Any, job_id: int) -> bool:
    return (await client.job_get(job_id)).state is not JobState.RUNNING


async def test_delete_many(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(EchoWorker())))
    await client.insert_many([EchoArgs(message=str(i)) for i in range(4)])
    await client.insert(EchoArgs(), river.InsertOpts(queue="keep"))
    deleted = await client.job_delete_many(river.JobListParams(queues=["default"]))
    assert len(deleted) == 4
    assert [j.queue for j in await client.job_list()] == ["keep"]

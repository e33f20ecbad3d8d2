# WARNING: this file is generated from 'test_manage_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Managing jobs and queues through the client: pause/resume, list, delete, retry, update."""

from __future__ import annotations

from typing import Any

import pytest

import river
from river._acompat import Event, sleep
from river.types import JobState
from tests._client_helpers import make_config, started, wait_for, wait_for_state
from tests.runtime.test_client import EchoArgs, EchoWorker, FailArgs, FailWorker, _workers

pytestmark = pytest.mark.anyio


def test_paused_queue_is_not_worked_until_resumed(driver: Any, schema: str) -> None:
    echo = EchoWorker()
    client = river.Client(driver, make_config(schema, _workers(echo)))
    paused = client.subscribe(river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED)
    with started(client):
        client.queue_pause("default")
        assert client.queue_get("default").paused_at is not None
        # The event comes once a fetch the producer began before the pause has returned.
        first = paused.get(timeout=5)
        job = client.insert(EchoArgs(message="held")).job
        sleep(0.5)
        assert client.job_get(job.id).state is JobState.AVAILABLE
        client.queue_resume("*")
        wait_for_state(client, job.id, JobState.COMPLETED)
        second = paused.get(timeout=5)
    kinds = [e.kind if e is not None else None for e in (first, second)]
    assert kinds == [river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED]
    with pytest.raises(river.ClientError):
        client.queue_pause("no_such_queue")
    assert [q.name for q in client.queue_list()] == ["default"]


def test_a_pause_takes_effect_once_the_fetch_in_flight_returns(driver: Any, schema: str) -> None:
    """A fetch begun before the pause may still take a job inserted after it: the queue is
    reported paused only once that fetch has returned, so a job inserted after the event
    waits for the resume."""
    client = river.Client(driver, make_config(schema, _workers(EchoWorker())))
    events = client.subscribe(river.EventKind.QUEUE_PAUSED)
    fetching, release = (Event(), Event())
    fetch = client._executor.job_get_available

    def held_fetch(params: Any) -> Any:
        fetching.set()
        release.wait_timeout(10)
        return fetch(params)

    try:
        with started(client):
            client._executor.job_get_available = held_fetch  # the producer's executor
            client._producers["default"].trigger_fetch()
            assert fetching.wait_timeout(10)
            client.queue_pause("default")
            with pytest.raises(TimeoutError):  # the fetch is still in flight
                events.get(timeout=0.5)
            release.set()
            event = events.get(timeout=5)
            assert event is not None and event.queue is not None
            assert event.queue.name == "default"
            job = client.insert(EchoArgs(message="held")).job
            sleep(0.3)
            assert client.job_get(job.id).state is JobState.AVAILABLE
    finally:
        release.set()


def test_list_paginates_and_filters(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(EchoWorker())))
    rows = client.insert_many(
        [
            river.InsertManyParams(
                EchoArgs(message=str(i)),
                river.InsertOpts(priority=1 + i % 2, tags=["even" if i % 2 == 0 else "odd"]),
            )
            for i in range(7)
        ]
    )
    ids = [r.job.id for r in rows]
    first = client.job_list(river.JobListParams(limit=3))
    second = client.job_list(river.JobListParams(limit=3, after=(first[-1].id, first[-1].id)))
    assert [j.id for j in first + second] == ids[:6]
    odd = client.job_list(river.JobListParams(tags_any=["odd"], priorities=[2]))
    assert [j.id for j in odd] == ids[1::2]


def test_delete_retry_update(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(FailWorker())))
    with started(client):
        job = client.insert(FailArgs(mode="cooperative")).job
        wait_for_state(client, job.id, JobState.RUNNING)
        with pytest.raises(river.JobRunningError):
            client.job_delete(job.id)
        discarded = client.insert(FailArgs(), river.InsertOpts(max_attempts=1)).job
        wait_for_state(client, discarded.id, JobState.DISCARDED)
        client.queue_pause("default")
        retried = client.job_retry(discarded.id)
        assert retried.state is JobState.AVAILABLE and retried.finalized_at is None
        assert retried.max_attempts == 2
    updated = client.job_update(discarded.id, output={"rows": 3})
    assert updated.output == {"rows": 3}
    deleted = client.job_delete(discarded.id)
    assert deleted.id == discarded.id
    with pytest.raises(river.JobNotFoundError):
        client.job_get(discarded.id)
    wait_for(lambda: _not_running(client, job.id))


def _not_running(client: Any, job_id: int) -> bool:
    return client.job_get(job_id).state is not JobState.RUNNING


def test_delete_many(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(EchoWorker())))
    client.insert_many([EchoArgs(message=str(i)) for i in range(4)])
    client.insert(EchoArgs(), river.InsertOpts(queue="keep"))
    deleted = client.job_delete_many(river.JobListParams(queues=["default"]))
    assert len(deleted) == 4
    assert [j.queue for j in client.job_list()] == ["keep"]

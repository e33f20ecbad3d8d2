# WARNING: this file is generated from 'test_queues_runtime_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Queues at runtime (``client.queues``) and queue metadata (``queue_update``), as River's
``QueueBundle`` and ``QueueUpdate``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import Event, sleep
from tests._client_helpers import make_config, started, user_tx, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class QuickArgs:
    kind = "quick"


@dataclass
class SlowArgs:
    kind = "slow"


class QuickWorker(river.Worker[QuickArgs]):
    def work(self, job: river.Job[QuickArgs]) -> None:
        pass


FINISHED: list[int] = []


class SlowWorker(river.Worker[SlowArgs]):
    """Takes long enough that a caller not waiting for it would see it still running; with
    a ``gate``, runs until the gate opens."""

    gate: Event | None = None

    def work(self, job: river.Job[SlowArgs]) -> None:
        gate = SlowWorker.gate
        if gate is not None:
            gate.wait_timeout(30)
        else:
            sleep(0.5)
        FINISHED.append(job.id)


def _workers() -> river.Workers:
    workers = river.Workers()
    workers.add(QuickWorker())
    workers.add(SlowWorker())
    return workers


def _client(driver: Any, schema: str, **overrides: Any) -> river.Client[Any]:
    return river.Client(driver, make_config(schema, _workers(), **overrides))


def test_add_on_a_started_client_starts_working_the_queue(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    with started(client):
        res = client.insert(QuickArgs(), river.InsertOpts(queue="extra"))
        assert "extra" not in client.queues
        client.queues.add("extra", river.QueueConfig(max_workers=2))
        assert client.queues.names() == ["default", "extra"]
        wait_for_state(client, res.job.id, river.JobState.COMPLETED)
        assert client.queue_get("extra").name == "extra"


def test_add_before_start_joins_the_queues_start_works(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    client.queues.add("later", river.QueueConfig(max_workers=1))
    res = client.insert(QuickArgs(), river.InsertOpts(queue="later"))
    with started(client):
        wait_for_state(client, res.job.id, river.JobState.COMPLETED)
    assert "later" in client.queues


def test_remove_on_a_started_client_lets_running_jobs_finish(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    client.queues.add("extra", river.QueueConfig(max_workers=2))
    with started(client):
        slow = client.insert(SlowArgs(), river.InsertOpts(queue="extra"))
        wait_for_state(client, slow.job.id, river.JobState.RUNNING)
        FINISHED.clear()
        client.queues.remove("extra")
        # Removal returned only once the running job had finished; the completer records it.
        assert FINISHED == [slow.job.id]
        wait_for_state(client, slow.job.id, river.JobState.COMPLETED)
        assert "extra" not in client.queues
        later = client.insert(QuickArgs(), river.InsertOpts(queue="extra"))
        done = client.insert(QuickArgs())  # the default queue still works
        wait_for_state(client, done.job.id, river.JobState.COMPLETED)
        assert client.job_get(later.job.id).state is river.JobState.AVAILABLE
        # Added again, the queue is worked again.
        client.queues.add("extra", river.QueueConfig(max_workers=1))
        wait_for_state(client, later.job.id, river.JobState.COMPLETED)


def test_remove_with_a_timeout_leaves_the_queue_until_removed_again(
    driver: Any, schema: str
) -> None:
    client = _client(driver, schema)
    client.queues.add("extra", river.QueueConfig(max_workers=2))
    gate = SlowWorker.gate = Event()  # the job runs until the gate opens
    try:
        with started(client):
            slow = client.insert(SlowArgs(), river.InsertOpts(queue="extra"))
            wait_for_state(client, slow.job.id, river.JobState.RUNNING)
            with pytest.raises(TimeoutError, match="'extra': running jobs did not finish"):
                client.queues.remove("extra", timeout=0.01)
            assert "extra" in client.queues
            gate.set()
            client.queues.remove("extra")
            assert "extra" not in client.queues
            wait_for_state(client, slow.job.id, river.JobState.COMPLETED)
            with pytest.raises(river.QueueNotFoundError):
                client.queues.remove("extra")
    finally:
        SlowWorker.gate = None


def test_remove_with_a_timeout_waits_for_the_jobs_of_a_fetch_in_flight(
    driver: Any, schema: str
) -> None:
    """The database shows a fetched job running before the fetch has returned to the
    client: a removal in that window still counts the job the fetch is about to start."""
    client = _client(driver, schema)
    client.queues.add("extra", river.QueueConfig(max_workers=2))
    fetched, release = (Event(), Event())
    fetch = client._executor.job_get_available

    def held_fetch(params: Any) -> Any:
        jobs = fetch(params)
        if jobs and params.queue == "extra":
            fetched.set()
            release.wait_timeout(5)
        return jobs

    client._executor.job_get_available = held_fetch  # the producers share this executor
    gate = SlowWorker.gate = Event()
    try:
        with started(client):
            slow = client.insert(SlowArgs(), river.InsertOpts(queue="extra"))
            assert fetched.wait_timeout(10)
            assert client.job_get(slow.job.id).state is river.JobState.RUNNING
            with pytest.raises(TimeoutError, match="'extra': running jobs did not finish"):
                client.queues.remove("extra", timeout=0.05)
            release.set()
            gate.set()
            client.queues.remove("extra")
            wait_for_state(client, slow.job.id, river.JobState.COMPLETED)
    finally:
        release.set()
        SlowWorker.gate = None


def test_remove_before_start_drops_the_queue(driver: Any, schema: str) -> None:
    client = _client(
        driver,
        schema,
        queues={
            "default": river.QueueConfig(max_workers=1),
            "gone": river.QueueConfig(max_workers=1),
        },
    )
    client.queues.remove("gone")
    assert client.queues.names() == ["default"]
    res = client.insert(QuickArgs(), river.InsertOpts(queue="gone"))
    done = client.insert(QuickArgs())
    with started(client):
        wait_for_state(client, done.job.id, river.JobState.COMPLETED)
        assert client.job_get(res.job.id).state is river.JobState.AVAILABLE
    with pytest.raises(river.QueueNotFoundError):
        client.queue_get("gone")


def test_add_and_remove_are_validated_as_river_does(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    with pytest.raises(river.QueueAlreadyAddedError, match="'default' already added"):
        client.queues.add("default", river.QueueConfig(max_workers=1))
    with pytest.raises(river.QueueNotFoundError, match="'nope' not found") as caught:
        client.queues.remove("nope")
    assert caught.value.name == "nope"
    with pytest.raises(river.ConfigError, match="queue"):
        client.queues.add("Bad Name!", river.QueueConfig(max_workers=1))
    with pytest.raises(river.ConfigError, match="max_workers"):
        client.queues.add("fine", river.QueueConfig(max_workers=0))
    with pytest.raises(river.ConfigError, match="expected QueueConfig"):
        client.queues.add("fine", {"max_workers": 1})  # type: ignore[arg-type]
    assert client.queues.names() == ["default"]
    insert_only = river.Client(driver, river.Config(schema=schema))
    with pytest.raises(river.ClientError, match="not configured to work jobs"):
        insert_only.queues.add("extra", river.QueueConfig(max_workers=1))
    with pytest.raises(river.ClientError, match="not configured to work jobs"):
        insert_only.queues.remove("extra")


def test_queue_update_replaces_metadata_and_returns_the_queue(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    with started(client):
        before = client.queue_get("default")
        queue = client.queue_update("default", metadata={"region": "eu", "n": 1})
        assert queue.name == "default" and queue.metadata == {"region": "eu", "n": 1}
        assert queue.updated_at > before.updated_at
        assert client.queue_get("default").metadata == {"region": "eu", "n": 1}
        # The local producer keeps the queue's metadata.
        assert client._producers["default"].metadata == {"region": "eu", "n": 1}
        unchanged = client.queue_update("default")
        assert unchanged.metadata == {"region": "eu", "n": 1}
        with pytest.raises(river.QueueNotFoundError, match="'nope' not found"):
            client.queue_update("nope", metadata={})
        with pytest.raises(TypeError, match="must be a mapping"):
            client.queue_update("default", metadata=["a"])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="not JSON-encodable"):
            client.queue_update("default", metadata={"at": dt.datetime.now()})
        assert client.queue_get("default").metadata == {"region": "eu", "n": 1}


def test_queue_update_tx_get_tx_and_list_tx_see_the_transaction(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    with started(client):
        with user_tx(driver, rollback=True) as tx:
            queue = client.queue_update_tx(tx, "default", metadata={"v": 1})
            assert queue.metadata == {"v": 1}
            assert client.queue_get_tx(tx, "default").metadata == {"v": 1}
            assert [q.metadata for q in client.queue_list_tx(tx)] == [{"v": 1}]
            assert client.queue_get("default").metadata == {}
            with pytest.raises(river.QueueNotFoundError):
                client.queue_get_tx(tx, "nope")
        assert client.queue_get("default").metadata == {}
        with user_tx(driver) as tx:
            client.queue_update_tx(tx, "default", metadata={"v": 2})
        assert client.queue_get("default").metadata == {"v": 2}
        # Committed, the announcement reaches the producer (here: through the listener).
        wait_for(_producer_metadata(client, {"v": 2}))


def _producer_metadata(client: Any, expected: dict[str, Any]) -> Any:

    def check() -> bool:
        producer = client._producers.get("default")
        return producer is not None and producer.metadata == expected

    return check


def test_metadata_changed_reaches_a_producer_of_another_client(driver: Any, schema: str) -> None:
    # A long settings poll: only the notification can bring the change in time.
    worker = _client(driver, schema, queue_poll_interval=600.0)
    updater = river.Client(driver, river.Config(schema=schema))
    with started(worker):
        assert worker._producers["default"].metadata == {}
        updater.queue_update("default", metadata={"owner": "team-a"})
        wait_for(_producer_metadata(worker, {"owner": "team-a"}))


def test_metadata_changed_reaches_a_poll_only_client_by_polling(driver: Any, schema: str) -> None:
    worker = _client(driver, schema, poll_only=True, queue_poll_interval=0.05)
    updater = river.Client(driver, river.Config(schema=schema))
    with started(worker):
        updater.queue_update("default", metadata={"owner": "team-b"})
        wait_for(_producer_metadata(worker, {"owner": "team-b"}))

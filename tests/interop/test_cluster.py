# WARNING: this file is generated from 'test_cluster_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""River Go and river-queue clients on the same queues of one schema: a pause, a resume,
a queue's new metadata and the cancel of a running job sent from one language are obeyed
by the other, through notifications and in poll-only mode."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

import river
from river._acompat import sleep
from river.types import JobState
from tests._client_helpers import make_config, started, wait_for
from tests.interop._args import raw_args, raw_args_type
from tests.interop._gopeer import GoPeer, RunningPeer

pytestmark = pytest.mark.anyio
ECHO = "interop_echo"
SLOW = "interop_slow"
# Long enough that a job still running was cancelled, not finished.
SLOW_SECONDS = 120
BRIEF = "interop_brief"
BRIEF_SECONDS = 3
# How long a client that ignored a pause gets to show it by working a job.
GRACE = 1.5
POLL_ONLY = [pytest.param(False, id="notify"), pytest.param(True, id="poll_only")]


@contextlib.contextmanager
def go_worker(gopeer: GoPeer, schema: str, poll_only: bool) -> Iterator[RunningPeer]:
    peer = gopeer.start(
        schema,
        queues={"default": 2},
        timeout_seconds=300,
        poll_only=poll_only,
        kinds={
            ECHO: {"behaviour": "noop"},
            SLOW: {"behaviour": "slow", "sleep_seconds": SLOW_SECONDS},
            BRIEF: {"behaviour": "slow", "sleep_seconds": BRIEF_SECONDS},
        },
    )
    try:
        _seen(peer, peer.event("started"))
        yield peer
    finally:
        if peer.proc.poll() is None:
            peer.stop()


def _seen(peer: RunningPeer, pred: Any, timeout: float = 30) -> dict[str, Any]:

    def check() -> dict[str, Any] | None:
        return peer.find(pred)

    line: dict[str, Any] = wait_for(check, timeout=timeout)
    return line


@pytest.mark.parametrize("poll_only", POLL_ONLY)
def test_river_go_obeys_a_pause_and_resume_from_river_queue(
    driver: Any, schema: str, gopeer: GoPeer, poll_only: bool
) -> None:
    client = river.Client(driver, river.Config(schema=schema, poll_only=poll_only))
    with go_worker(gopeer, schema, poll_only) as peer:
        # The queue row exists once River Go's producer is up.
        wait_for(lambda: _queue_exists(client, "default"), timeout=30)
        client.queue_pause("default")
        _seen(peer, peer.event("queue_paused", queue="default"))
        job = client.insert(raw_args(ECHO, '{"n":1}')).job
        sleep(GRACE)
        assert peer.find(peer.event("job_started", job_id=job.id)) is None
        assert client.job_get(job.id).state is JobState.AVAILABLE
        client.queue_resume("default")
        _seen(peer, peer.event("queue_resumed", queue="default"))
        _seen(peer, peer.event("job_completed", job_id=job.id))
    assert client.job_get(job.id).state is JobState.COMPLETED


def _queue_exists(client: Any, name: str) -> bool:
    return any(q.name == name for q in client.queue_list())


class Recorder(river.Worker[Any]):
    def __init__(self, kind: str, started: list[int], slow: bool = False) -> None:
        self.args_type = raw_args_type(kind)
        self.started = started
        self.slow = slow

    def work(self, job: river.Job[Any]) -> None:
        self.started.append(job.id)
        if self.slow:
            # A sync worker cannot be interrupted: it checks for a cancel between naps.
            for _ in range(int(SLOW_SECONDS / 0.05)):
                river.check_cancelled()
                sleep(0.05)


def _python_workers(started: list[int]) -> river.Workers:
    workers = river.Workers()
    workers.add(Recorder(ECHO, started))
    workers.add(Recorder(SLOW, started, slow=True))
    return workers


@pytest.mark.parametrize("poll_only", POLL_ONLY)
def test_river_queue_obeys_a_pause_and_resume_from_river_go(
    driver: Any, schema: str, gopeer: GoPeer, poll_only: bool
) -> None:
    started_ids: list[int] = []
    client = river.Client(
        driver, make_config(schema, _python_workers(started_ids), poll_only=poll_only)
    )
    sub = client.subscribe(river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED)

    def next_queue_event() -> river.EventKind:
        event = sub.get(timeout=30)
        assert event is not None and event.queue is not None and (event.queue.name == "default")
        return event.kind

    with started(client):
        wait_for(lambda: _queue_exists(client, "default"), timeout=30)
        gopeer.run("queue", client_schema(client), {"action": "pause", "queue": "default"})
        assert next_queue_event() is river.EventKind.QUEUE_PAUSED
        job = client.insert(raw_args(ECHO, '{"n":2}')).job
        sleep(GRACE)
        assert job.id not in started_ids
        assert client.job_get(job.id).state is JobState.AVAILABLE
        gopeer.run("queue", client_schema(client), {"action": "resume", "queue": "default"})
        assert next_queue_event() is river.EventKind.QUEUE_RESUMED

        def completed() -> bool:
            return client.job_get(job.id).state is JobState.COMPLETED

        wait_for(completed, timeout=30)
    assert started_ids == [job.id]


def client_schema(client: Any) -> str:
    return str(client.config.schema)


@pytest.mark.parametrize("poll_only", POLL_ONLY)
def test_river_go_takes_queue_metadata_from_river_queue(
    driver: Any, schema: str, gopeer: GoPeer, poll_only: bool
) -> None:
    """River Go's producer takes the new metadata (from ``metadata_changed``, or from
    its settings poll every 2 s in poll-only mode); the peer reports the debug line River
    Go logs then, its only trace without River Pro."""
    client = river.Client(driver, river.Config(schema=schema, poll_only=poll_only))
    with go_worker(gopeer, schema, poll_only) as peer:
        wait_for(lambda: _queue_exists(client, "default"), timeout=30)
        changed = peer.event("queue_metadata_changed", queue="default")
        assert peer.find(changed) is None
        client.queue_update("default", metadata={"owner": "team-python"})
        _seen(peer, changed)
    assert client.queue_get("default").metadata == {"owner": "team-python"}


@pytest.mark.parametrize("poll_only", POLL_ONLY)
def test_river_queue_takes_queue_metadata_from_river_go(
    driver: Any, schema: str, gopeer: GoPeer, poll_only: bool
) -> None:
    client = river.Client(
        driver,
        make_config(schema, _python_workers([]), poll_only=poll_only, queue_poll_interval=0.2),
    )
    with started(client):
        wait_for(lambda: _queue_exists(client, "default"), timeout=30)
        producer = client._producers["default"]
        assert producer.metadata == {}
        gopeer.run(
            "queue",
            schema,
            {"action": "update", "queue": "default", "metadata": {"owner": "team-go", "n": 1}},
        )

        def taken() -> bool:
            return bool(producer.metadata == {"owner": "team-go", "n": 1})

        wait_for(taken, timeout=30)


# Through notifications only: River Go v0.43 in poll-only mode does not interrupt a
# running job cancelled from another process (its producer hears of cancels only from its
# own client there); the job runs to its end (docs: sharing-with-go.md).


def test_river_go_obeys_a_cancel_from_river_queue(
    driver: Any, schema: str, gopeer: GoPeer, poll_only: bool = False
) -> None:
    client = river.Client(driver, river.Config(schema=schema, poll_only=poll_only))
    with go_worker(gopeer, schema, poll_only) as peer:
        job = client.insert(raw_args(SLOW, "{}")).job
        _seen(peer, peer.event("job_started", job_id=job.id))
        client.job_cancel(job.id)
        line = _seen(peer, peer.event("job_cancelled", job_id=job.id))
        assert line["state"] == "cancelled"
    row = client.job_get(job.id)
    assert row.state is JobState.CANCELLED and row.finalized_at is not None


@pytest.mark.parametrize("poll_only", POLL_ONLY)
def test_river_queue_obeys_a_cancel_from_river_go(
    driver: Any, schema: str, gopeer: GoPeer, poll_only: bool
) -> None:
    started_ids: list[int] = []
    client = river.Client(
        driver, make_config(schema, _python_workers(started_ids), poll_only=poll_only)
    )
    with started(client):
        job = client.insert(raw_args(SLOW, "{}")).job

        def running() -> bool:
            return job.id in started_ids

        wait_for(running, timeout=30)
        gopeer.run("queue", schema, {"action": "cancel", "job_id": job.id})

        def cancelled() -> bool:
            row = client.job_get(job.id)
            return row.state is JobState.CANCELLED and row.finalized_at is not None

        # Not the stop below: the job ends while the client still runs.
        wait_for(cancelled, timeout=30)


def test_river_go_in_poll_only_mode_runs_a_job_cancelled_elsewhere_to_its_end(
    driver: Any, schema: str, gopeer: GoPeer
) -> None:
    """River Go v0.43's limit (documented): in poll-only mode a cancel from another
    process does not reach the running job, which completes."""
    client = river.Client(driver, river.Config(schema=schema, poll_only=True))
    with go_worker(gopeer, schema, poll_only=True) as peer:
        job = client.insert(raw_args(BRIEF, "{}")).job
        _seen(peer, peer.event("job_started", job_id=job.id))
        cancelled = client.job_cancel(job.id)
        assert cancelled.state is JobState.RUNNING
        assert "cancel_attempted_at" in cancelled.metadata
        _seen(peer, peer.event("job_completed", job_id=job.id))
    assert client.job_get(job.id).state is JobState.COMPLETED

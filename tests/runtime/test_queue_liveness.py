# WARNING: this file is generated from 'test_queue_liveness_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Producers keep their queue alive and, without notifications, learn of pauses, resumes and
remote cancels by polling."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import sleep
from river._internal.maintenance.queue_cleaner import QueueCleaner
from river.driver.params import LeaderElectParams, QueueCreateOrSetUpdatedAtParams
from tests._client_helpers import make_config, started, wait_for, wait_for_state

pytestmark = pytest.mark.anyio
POLL = 0.1


@dataclass
class QuickArgs:
    kind = "quick"


@dataclass
class WaitArgs:
    kind = "wait_for_cancel"


class QuickWorker(river.Worker[QuickArgs]):
    def work(self, job: river.Job[QuickArgs]) -> None:
        pass


class WaitWorker(river.Worker[WaitArgs]):
    """Runs until its context is cancelled (checks, for workers that cannot be interrupted)."""

    def work(self, job: river.Job[WaitArgs]) -> None:
        for _ in range(1500):
            river.check_cancelled()
            sleep(0.02)


def _workers() -> river.Workers:
    workers = river.Workers()
    workers.add(QuickWorker())
    workers.add(WaitWorker())
    return workers


def _age_queue(ex: Any, name: str, age: dt.timedelta) -> None:
    ex.execute(
        "UPDATE /* TEMPLATE: schema */river_queue SET updated_at = @at WHERE name = @name",
        {"at": dt.datetime.now(dt.UTC) - age, "name": name},
    )


def test_live_queue_survives_the_queue_cleaner(driver: Any, schema: str) -> None:
    ex = driver.get_executor(schema)
    # Another process leads for the whole test, so the client runs no queue cleaner of its
    # own: the only pass is the one below, after the producer has refreshed its queue.
    ex.leader_attempt_elect(
        LeaderElectParams(leader_id="another-process", ttl=dt.timedelta(hours=1))
    )
    ex.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="abandoned"))
    client = river.Client(driver, make_config(schema, _workers(), queue_report_interval=POLL))
    with started(client):
        for name in ("default", "abandoned"):
            _age_queue(ex, name, dt.timedelta(hours=25))

        def refreshed() -> bool:
            queue = ex.queue_get("default")
            age = dt.datetime.now(dt.UTC) - queue.updated_at
            return bool(age < dt.timedelta(minutes=1))

        wait_for(refreshed, timeout=5.0)
        assert not client.is_leader
        assert QueueCleaner(ex, test_only=True).run_once() == 1
        assert client.queue_get("default").name == "default"
        client.queue_pause("default")  # still known: no "not found"
        assert ex.queue_get("abandoned") is None


def _poll_only(schema: str, **overrides: Any) -> river.Config:
    return make_config(schema, _workers(), poll_only=True, queue_poll_interval=POLL, **overrides)


def test_poll_only_client_sees_pause_and_resume_from_another(driver: Any, schema: str) -> None:
    worker = river.Client(driver, _poll_only(schema))
    admin = river.Client(driver, river.Config(schema=schema, poll_only=True))
    events = worker.subscribe(river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED)
    with started(worker):
        admin.queue_pause("default")
        sleep(2 * POLL + 0.1)  # two poll intervals
        job = admin.insert(QuickArgs()).job
        sleep(0.5)  # many fetch polls
        assert admin.job_get(job.id).state is river.JobState.AVAILABLE
        admin.queue_resume("default")
        wait_for_state(admin, job.id, river.JobState.COMPLETED, timeout=5.0)
        seen = [events.get(timeout=5.0), events.get(timeout=5.0)]
    assert [(e.kind, e.queue.name) for e in seen if e is not None and e.queue] == [
        (river.EventKind.QUEUE_PAUSED, "default"),
        (river.EventKind.QUEUE_RESUMED, "default"),
    ]


def test_poll_only_client_sees_remote_cancel(driver: Any, schema: str) -> None:
    worker = river.Client(driver, _poll_only(schema))
    admin = river.Client(driver, river.Config(schema=schema, poll_only=True))
    with started(worker):
        job = admin.insert(WaitArgs()).job
        wait_for_state(admin, job.id, river.JobState.RUNNING)
        admin.job_cancel(job.id)
        done = wait_for_state(admin, job.id, river.JobState.CANCELLED, timeout=5.0)
        assert done.finalized_at is not None


def test_listening_client_does_not_poll_settings(driver: Any, schema: str) -> None:
    assert driver.supports_listener
    client = river.Client(driver, make_config(schema, _workers(), queue_poll_interval=POLL))
    with started(client):
        wait_for(_listening(client))
        producer = client._producers["default"]
        # A change made behind the client's back (no notification) is not polled for.
        driver.get_executor(schema).execute(
            "UPDATE /* TEMPLATE: schema */river_queue SET paused_at = now() WHERE name = 'default'"
        )
        sleep(3 * POLL)
        assert producer.paused is False


def _listening(client: Any) -> Any:

    def check() -> bool:
        return bool(client._listening())

    return check


def test_client_polls_while_its_listener_is_down(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(), queue_poll_interval=POLL))
    with started(client):
        wait_for(_listening(client))
        producer = client._producers["default"]
        client._notifier.connected.clear()  # as while it reconnects
        # Paused behind the client's back: only polling can tell.
        driver.get_executor(schema).execute(
            "UPDATE /* TEMPLATE: schema */river_queue SET paused_at = now() WHERE name = 'default'"
        )

        def paused() -> bool:
            return bool(producer.paused)

        wait_for(paused, timeout=3 * POLL + 2.0)

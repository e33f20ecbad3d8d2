"""Producers keep their queue alive and, without notifications, learn of pauses, resumes and
remote cancels by polling."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import asleep
from river._internal.maintenance.queue_cleaner_async import AsyncQueueCleaner
from river.driver.params import LeaderElectParams, QueueCreateOrSetUpdatedAtParams
from tests._client_helpers_async import make_config, started, wait_for, wait_for_state

pytestmark = pytest.mark.anyio
POLL = 0.1


@dataclass
class QuickArgs:
    kind = "quick"


@dataclass
class WaitArgs:
    kind = "wait_for_cancel"


class QuickWorker(river.AsyncWorker[QuickArgs]):
    async def work(self, job: river.Job[QuickArgs]) -> None:
        pass


class WaitWorker(river.AsyncWorker[WaitArgs]):
    """Runs until its context is cancelled (checks, for workers that cannot be interrupted)."""

    async def work(self, job: river.Job[WaitArgs]) -> None:
        for _ in range(1500):
            river.check_cancelled()
            await asleep(0.02)


def _workers() -> river.Workers:
    workers = river.Workers()
    workers.add(QuickWorker())
    workers.add(WaitWorker())
    return workers


async def _age_queue(ex: Any, name: str, age: dt.timedelta) -> None:
    await ex.execute(
        "UPDATE /* TEMPLATE: schema */river_queue SET updated_at = @at WHERE name = @name",
        {"at": dt.datetime.now(dt.UTC) - age, "name": name},
    )


async def test_live_queue_survives_the_queue_cleaner(adriver: Any, schema: str) -> None:
    ex = adriver.get_executor(schema)
    # Another process leads for the whole test, so the client runs no queue cleaner of its
    # own: the only pass is the one below, after the producer has refreshed its queue.
    await ex.leader_attempt_elect(
        LeaderElectParams(leader_id="another-process", ttl=dt.timedelta(hours=1))
    )
    await ex.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="abandoned"))
    client = river.AsyncClient(
        adriver, make_config(schema, _workers(), queue_report_interval=POLL)
    )
    async with started(client):
        for name in ("default", "abandoned"):
            await _age_queue(ex, name, dt.timedelta(hours=25))

        async def refreshed() -> bool:
            queue = await ex.queue_get("default")
            age = dt.datetime.now(dt.UTC) - queue.updated_at
            return bool(age < dt.timedelta(minutes=1))

        await wait_for(refreshed, timeout=5.0)
        assert not client.is_leader
        assert await AsyncQueueCleaner(ex, test_only=True).run_once() == 1
        assert (await client.queue_get("default")).name == "default"
        await client.queue_pause("default")  # still known: no "not found"
        assert await ex.queue_get("abandoned") is None


def _poll_only(schema: str, **overrides: Any) -> river.Config:
    return make_config(
        schema, _workers(), poll_only=True, queue_poll_interval=POLL, **overrides
    )


async def test_poll_only_client_sees_pause_and_resume_from_another(
    adriver: Any, schema: str
) -> None:
    worker = river.AsyncClient(adriver, _poll_only(schema))
    admin = river.AsyncClient(adriver, river.Config(schema=schema, poll_only=True))
    events = worker.subscribe(river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED)
    async with started(worker):
        await admin.queue_pause("default")
        await asleep(2 * POLL + 0.1)  # two poll intervals
        job = (await admin.insert(QuickArgs())).job
        await asleep(0.5)  # many fetch polls
        assert (await admin.job_get(job.id)).state is river.JobState.AVAILABLE
        await admin.queue_resume("default")
        await wait_for_state(admin, job.id, river.JobState.COMPLETED, timeout=5.0)
        seen = [await events.get(timeout=5.0), await events.get(timeout=5.0)]
    assert [(e.kind, e.queue.name) for e in seen if e is not None and e.queue] == [
        (river.EventKind.QUEUE_PAUSED, "default"),
        (river.EventKind.QUEUE_RESUMED, "default"),
    ]


async def test_poll_only_client_sees_remote_cancel(adriver: Any, schema: str) -> None:
    worker = river.AsyncClient(adriver, _poll_only(schema))
    admin = river.AsyncClient(adriver, river.Config(schema=schema, poll_only=True))
    async with started(worker):
        job = (await admin.insert(WaitArgs())).job
        await wait_for_state(admin, job.id, river.JobState.RUNNING)
        await admin.job_cancel(job.id)
        done = await wait_for_state(admin, job.id, river.JobState.CANCELLED, timeout=5.0)
        assert done.finalized_at is not None


async def test_listening_client_does_not_poll_settings(adriver: Any, schema: str) -> None:
    assert adriver.supports_listener
    client = river.AsyncClient(
        adriver, make_config(schema, _workers(), queue_poll_interval=POLL)
    )
    async with started(client):
        await wait_for(_listening(client))
        producer = client._producers["default"]
        # A change made behind the client's back (no notification) is not polled for.
        await adriver.get_executor(schema).execute(
            "UPDATE /* TEMPLATE: schema */river_queue SET paused_at = now() WHERE name = 'default'"
        )
        await asleep(3 * POLL)
        assert producer.paused is False


def _listening(client: Any) -> Any:
    async def check() -> bool:
        return bool(client._listening())

    return check


async def test_client_polls_while_its_listener_is_down(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(
        adriver, make_config(schema, _workers(), queue_poll_interval=POLL)
    )
    async with started(client):
        await wait_for(_listening(client))
        producer = client._producers["default"]
        client._notifier.connected.clear()  # as while it reconnects
        # Paused behind the client's back: only polling can tell.
        await adriver.get_executor(schema).execute(
            "UPDATE /* TEMPLATE: schema */river_queue SET paused_at = now() WHERE name = 'default'"
        )

        async def paused() -> bool:
            return bool(producer.paused)

        await wait_for(paused, timeout=3 * POLL + 2.0)

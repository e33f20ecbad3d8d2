"""Clients without a listener (``poll_only=True``, or behind a transaction-mode pooler):
what others do to their queues still reaches them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import asleep
from tests._client_helpers_async import make_config, started, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class PollArgs:
    kind = "poll_only_noop"


class PollWorker(river.AsyncWorker[PollArgs]):
    async def work(self, job: river.Job[PollArgs]) -> None:
        pass


async def test_pause_and_resume_by_another_client_reach_a_poll_only_client(
    adriver: Any, schema: str
) -> None:
    workers = river.Workers()
    workers.add(PollWorker())
    worker = river.AsyncClient(adriver, make_config(schema, workers, poll_only=True))
    other = river.AsyncClient(adriver, river.Config(schema=schema))
    events = worker.subscribe(river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED)
    async with started(worker):
        await other.queue_pause("default")
        # No notification arrives: the worker reads its queue's row.
        await wait_for(lambda: _paused(worker), timeout=30)
        job = (await other.insert(PollArgs())).job
        await asleep(0.5)  # several fetch polls: a paused queue starts nothing
        assert (await other.job_get(job.id)).state == river.JobState.AVAILABLE
        await other.queue_resume("default")
        await wait_for_state(other, job.id, river.JobState.COMPLETED, timeout=30)
        kinds = [(await events.get(timeout=5)).kind for _ in range(2)]  # type: ignore[union-attr]
    assert kinds == [river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED]


async def test_a_poll_only_client_reports_its_own_pause_and_resume(
    adriver: Any, schema: str
) -> None:
    workers = river.Workers()
    workers.add(PollWorker())
    client = river.AsyncClient(adriver, make_config(schema, workers, poll_only=True))
    events = client.subscribe(river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED)
    async with started(client):
        await client.queue_pause("default")
        await client.queue_resume("default")
        kinds = [(await events.get(timeout=5)).kind for _ in range(2)]  # type: ignore[union-attr]
    assert kinds == [river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED]


async def _paused(client: Any) -> bool:
    return bool(client._producers["default"].paused)

# WARNING: this file is generated from 'test_poll_only_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Clients without a listener (``poll_only=True``, or behind a transaction-mode pooler):
what others do to their queues still reaches them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import sleep
from tests._client_helpers import make_config, started, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class PollArgs:
    kind = "poll_only_noop"


class PollWorker(river.Worker[PollArgs]):
    def work(self, job: river.Job[PollArgs]) -> None:
        pass


def test_pause_and_resume_by_another_client_reach_a_poll_only_client(
    driver: Any, schema: str
) -> None:
    workers = river.Workers()
    workers.add(PollWorker())
    worker = river.Client(driver, make_config(schema, workers, poll_only=True))
    other = river.Client(driver, river.Config(schema=schema))
    events = worker.subscribe(river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED)
    with started(worker):
        other.queue_pause("default")
        # No notification arrives: the worker reads its queue's row.
        wait_for(lambda: _paused(worker), timeout=30)
        job = other.insert(PollArgs()).job
        sleep(0.5)  # several fetch polls: a paused queue starts nothing
        assert other.job_get(job.id).state == river.JobState.AVAILABLE
        other.queue_resume("default")
        wait_for_state(other, job.id, river.JobState.COMPLETED, timeout=30)
        kinds = [events.get(timeout=5).kind for _ in range(2)]  # type: ignore[union-attr]
    assert kinds == [river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED]


def test_a_poll_only_client_reports_its_own_pause_and_resume(driver: Any, schema: str) -> None:
    workers = river.Workers()
    workers.add(PollWorker())
    client = river.Client(driver, make_config(schema, workers, poll_only=True))
    events = client.subscribe(river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED)
    with started(client):
        client.queue_pause("default")
        client.queue_resume("default")
        kinds = [events.get(timeout=5).kind for _ in range(2)]  # type: ignore[union-attr]
    assert kinds == [river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED]


def _paused(client: Any) -> bool:
    return bool(client._producers["default"].paused)

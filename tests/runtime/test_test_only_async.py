"""``Config(test_only=True)`` (River's ``TestOnly``): the leader's maintenance services
start at once instead of after a random stagger; nothing else changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from tests._client_helpers_async import make_config, started, wait_for

pytestmark = pytest.mark.anyio


@dataclass
class NoopArgs:
    kind = "noop"


class NoopWorker(river.AsyncWorker[NoopArgs]):
    async def work(self, job: river.Job[NoopArgs]) -> None:
        return None


def _workers() -> river.Workers:
    workers = river.Workers()
    workers.add(NoopWorker())
    return workers


@pytest.mark.parametrize("test_only", [True, False])
async def test_test_only_turns_off_the_stagger_only(
    adriver: Any, schema: str, test_only: bool
) -> None:
    tick = river.PeriodicJob(
        river.PeriodicInterval(dt.timedelta(hours=1)), NoopArgs, run_on_start=True
    )
    config = make_config(schema, _workers(), periodic_jobs=[tick], test_only=test_only)
    assert river.Config().test_only is False
    client = river.AsyncClient(adriver, config)
    assert client.periodic_jobs.test_only is test_only
    async with started(client):
        maintainer = client._maintainer
        assert maintainer is not None
        assert {s.name: s.test_only for s in maintainer.services} == {
            "job scheduler": test_only,
            "job rescuer": test_only,
            "job cleaner": test_only,
            "queue cleaner": test_only,
            "workflow sweeper": test_only,
            "sequence sweeper": test_only,
            # The reindexer only runs at its scheduled times, never on start.
            "reindexer": True,
            "periodic job enqueuer": test_only,
        }

        # The client still leads, runs its services and works jobs.
        async def worked() -> bool:
            jobs = await client.job_list()
            return bool(jobs) and all(j.state is river.JobState.COMPLETED for j in jobs)

        await wait_for(worked, timeout=20)
        assert maintainer.running

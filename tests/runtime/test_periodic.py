# WARNING: this file is generated from 'test_periodic_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Periodic jobs: schedules, the enqueuer, and a started client inserting them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from tests._client_helpers import make_config, started, wait_for

pytestmark = pytest.mark.anyio
T0 = dt.datetime(2026, 1, 1, 12, 10, tzinfo=dt.UTC)


@dataclass
class TickArgs:
    kind = "tick"
    n: int = 0


def test_schedules() -> None:
    assert river.PeriodicInterval(dt.timedelta(minutes=15)).next(T0) == T0 + dt.timedelta(
        minutes=15
    )
    assert river.cron("30 * * * *").next(T0) == dt.datetime(2026, 1, 1, 12, 30, tzinfo=dt.UTC)
    assert river.cron("*/5 * * * *").next(T0) == dt.datetime(2026, 1, 1, 12, 15, tzinfo=dt.UTC)
    assert river.NeverSchedule().next(T0).year == 9999
    with pytest.raises(river.ConfigError):
        river.cron("not a cron")
    with pytest.raises(river.ConfigError):
        river.PeriodicInterval(dt.timedelta(0))


def test_leader_inserts_periodic_jobs(driver: Any, schema: str) -> None:
    worked: list[int] = []

    class TickWorker(river.Worker[TickArgs]):
        def work(self, job: river.Job[TickArgs]) -> None:
            worked.append(job.id)

    workers = river.Workers()
    workers.add(TickWorker())
    job = river.PeriodicJob(
        river.PeriodicInterval(dt.timedelta(minutes=15)),
        lambda: TickArgs(),
        run_on_start=True,
        id="tick",
    )
    client = river.Client(driver, make_config(schema, workers, periodic_jobs=[job]))
    with started(client):
        wait_for(lambda: _worked(worked), timeout=15)
        [row] = client.job_list()
    assert row.metadata["periodic"] is True
    assert row.metadata["river:periodic_job_id"] == "tick"


def _worked(worked: list[int]) -> bool:
    return bool(worked)

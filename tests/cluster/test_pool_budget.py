# WARNING: this file is generated from 'test_pool_budget_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""A client on the smallest pool it supports: jobs that use the pool themselves (inserting
from inside a job, completing in their own transaction) while the producer, completer and
maintenance services need connections too, all on ``MIN_POOL_SIZE`` connections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import river
from tests._client_helpers import make_config, started, user_tx, wait_for

pytestmark = pytest.mark.anyio
# The smallest pool documented as supported (docs/operations/deploying.md, "Connections").
MIN_POOL_SIZE = 2
JOBS = 40


@dataclass
class ChildArgs:
    kind = "budget_child"


@dataclass
class SpawnArgs:
    """Inserts a child job through the client's pool."""

    kind = "budget_spawn"


@dataclass
class TxArgs:
    """Inserts a child job and completes itself in one transaction of its own."""

    kind = "budget_tx"


def _complete_tx(driver: Any) -> Any:
    name = type(driver).__name__
    if name == "AsyncpgDriver":
        from river_asyncpg import job_complete_tx
    elif name == "Psycopg2Driver":
        from river_psycopg2 import job_complete_tx
    else:
        from river_psycopg3 import job_complete_tx
    return job_complete_tx


class ChildWorker(river.Worker[ChildArgs]):
    def work(self, job: river.Job[ChildArgs]) -> None:
        pass


class SpawnWorker(river.Worker[SpawnArgs]):
    def work(self, job: river.Job[SpawnArgs]) -> None:
        river.client_from_context().insert(ChildArgs())


class TxWorker(river.Worker[TxArgs]):
    def work(self, job: river.Job[TxArgs]) -> None:
        client = river.client_from_context()
        with user_tx(client.driver) as tx:
            client.insert_tx(tx, ChildArgs())
            _complete_tx(client.driver)(tx, job)


def _workers() -> river.Workers:
    workers = river.Workers()
    workers.add(ChildWorker())
    workers.add(SpawnWorker())
    workers.add(TxWorker())
    return workers


def test_jobs_using_the_pool_finish_on_the_smallest_pool(
    driver: Any, database_url: str, schema: str
) -> None:
    small = type(driver).open(database_url, min_size=1, max_size=MIN_POOL_SIZE)
    try:
        # More job slots than connections: jobs wait for the pool, never hold it waiting.
        config = make_config(
            schema, _workers(), queues={"default": river.QueueConfig(max_workers=10)}
        )
        client = river.Client(small, config)
        with started(client):
            client.insert_many(
                [SpawnArgs() for _ in range(JOBS // 2)] + [TxArgs() for _ in range(JOBS // 2)]
            )

            def all_completed() -> bool:
                rows = client.job_list(river.JobListParams(limit=1000))
                return len(rows) == 2 * JOBS and all(
                    row.state == river.JobState.COMPLETED for row in rows
                )

            wait_for(all_completed, timeout=120, interval=0.2)
        rows = client.job_list(river.JobListParams(kinds=["budget_tx"], limit=1000))
        assert {row.state for row in rows} == {river.JobState.COMPLETED}
        # Completed in their own transaction, at the first attempt.
        retried = [
            (row.id, row.attempt, [e.error for e in row.errors]) for row in rows if row.attempt != 1
        ]
        assert not retried
    finally:
        small.close()

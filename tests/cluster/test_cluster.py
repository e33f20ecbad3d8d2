"""Several client processes on one database: leadership, exactly-once work, cancellation
across processes, and rescue of a killed worker's jobs."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from river_psycopg3 import PsycopgDriver

import river
from river._internal.maintenance.rescuer_async import RESCUED_ERROR
from tests.programs.cluster_worker import ClusterArgs
from tests.programs.procs import WorkerProcesses

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture
def cluster(database_url: str, schema: str) -> Iterator[WorkerProcesses]:
    c = WorkerProcesses("tests.programs.cluster_worker", database_url, schema)
    yield c
    c.stop_all()


@pytest.fixture
def client(database_url: str, schema: str) -> Iterator[Any]:
    driver = PsycopgDriver.open(database_url)
    yield river.Client(driver, river.Config(schema=schema))
    driver.close()


def _wait(cond: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _states(client: Any) -> dict[str, int]:
    rows = client.driver.get_executor(client.config.schema).fetch_all(
        "SELECT state::text, count(*) FROM /* TEMPLATE: schema */river_job GROUP BY 1"
    )
    return {r[0]: int(r[1]) for r in rows}


def test_jobs_worked_exactly_once_by_three_processes(cluster: WorkerProcesses, client: Any) -> None:
    n = 20_000
    client.insert_many_fast([ClusterArgs() for _ in range(n)])
    for _ in range(3):
        cluster.spawn()
    _wait(lambda: _states(client).get("completed") == n, 120, "all jobs completed")
    ex = client.driver.get_executor(client.config.schema)
    [(attempts, tries, workers)] = ex.fetch_all(
        "SELECT max(attempt), max(array_length(attempted_by, 1)), "
        "count(DISTINCT attempted_by[1]) FROM /* TEMPLATE: schema */river_job"
    )
    assert attempts == 1 and tries == 1  # nobody worked a job twice
    assert workers >= 2  # the work was shared
    assert _states(client) == {"completed": n}


def test_one_leader_and_failover(cluster: WorkerProcesses, client: Any) -> None:
    procs = [cluster.spawn() for _ in range(3)]
    ex = client.driver.get_executor(client.config.schema)
    leader = _wait(ex.leader_get_elected_leader, 15, "a leader")
    time.sleep(1)
    assert len(ex.fetch_all("SELECT leader_id FROM /* TEMPLATE: schema */river_leader")) == 1
    [victim] = [p for p in procs if f"cluster-{p.pid}" == leader.leader_id]
    victim.kill()  # no resignation: the others must wait out the lease
    killed_at = time.monotonic()
    new = _wait(
        lambda: (lambda ldr: ldr if ldr and ldr.leader_id != leader.leader_id else None)(
            ex.leader_get_elected_leader()
        ),
        25, "a new leader",
    )
    assert time.monotonic() - killed_at <= 15 + 5 + 2  # TTL + election interval + slack
    assert new.leader_id != leader.leader_id
    # Maintenance continues under the new leader: a due scheduled job gets scheduled.
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    job = client.insert(ClusterArgs(), river.InsertOpts(scheduled_at=soon)).job
    _wait(lambda: client.job_get(job.id).state is river.JobState.COMPLETED, 15,
          "the scheduled job to run")


@pytest.mark.needs_listen_in_pool("a running job in another process hears of its cancel by notification")
def test_cancel_reaches_job_running_in_another_process(cluster: WorkerProcesses, client: Any) -> None:
    cluster.spawn()
    job = client.insert(ClusterArgs(sleep=60)).job
    _wait(lambda: client.job_get(job.id).state is river.JobState.RUNNING, 15, "job running")
    cancelled = client.job_cancel(job.id)
    assert cancelled.state is river.JobState.RUNNING  # still running until the worker stops
    done = _wait(
        lambda: (lambda j: j if j.state is river.JobState.CANCELLED else None)(
            client.job_get(job.id)
        ),
        10, "the job to be cancelled",
    )
    assert done.finalized_at is not None and "cancel_attempted_at" in done.metadata


def test_killed_workers_jobs_are_rescued(cluster: WorkerProcesses, client: Any) -> None:
    worker = cluster.spawn()
    jobs = [client.insert(ClusterArgs(sleep=60)).job for _ in range(3)]
    _wait(lambda: all(client.job_get(j.id).state is river.JobState.RUNNING for j in jobs), 15,
          "jobs running")
    worker.kill()  # SIGKILL mid-job: nothing is written back
    cluster.spawn()  # the survivor leads and rescues after rescue_stuck_jobs_after (5s)
    rescued = _wait(
        lambda: [client.job_get(j.id) for j in jobs]
        if all(client.job_get(j.id).state is not river.JobState.RUNNING for j in jobs)
        else None,
        60, "stuck jobs to be rescued",
    )
    for job in rescued:
        assert job.state in (river.JobState.RETRYABLE, river.JobState.AVAILABLE)
        assert job.errors[-1].error == RESCUED_ERROR  # River's wording
        assert job.metadata["river:rescue_count"] == 1

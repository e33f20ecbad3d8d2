# WARNING: this file is generated from 'test_joblog_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Per-attempt job logs on a real client: River's ``river:log`` shape across attempts,
stdlib capture limited to the job's own context, and River's size caps."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river.contrib.joblog import METADATA_KEY, append_with_cap, job_logger
from river.contrib.joblog import JobLogMiddleware as JobLog
from tests._client_helpers import make_config, started, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class FlakyArgs:
    kind = "flaky"


@dataclass
class ChattyArgs:
    kind = "chatty"


@dataclass
class QuietArgs:
    kind = "quiet"


class RetryNow:
    def next_retry(self, job: river.JobRow) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FlakyWorker(river.Worker[FlakyArgs]):
    def work(self, job: river.Job[Any]) -> None:
        job_logger().info("attempt %d starting", job.attempt)
        logging.getLogger("myapp").warning("from stdlib on attempt %d", job.attempt)
        if job.attempt == 1:
            job_logger().error("giving up this time")
            raise ValueError("first attempt fails")
        job_logger().info("done")


class ChattyWorker(river.Worker[ChattyArgs]):
    def work(self, job: river.Job[Any]) -> None:
        job_logger().info("x" * 100)


class QuietWorker(river.Worker[QuietArgs]):
    def work(self, job: river.Job[Any]) -> None:
        logging.getLogger("myapp").warning("not this job's logger")


def _client(driver: Any, schema: str, mw: Any, *workers: Any) -> Any:
    registry = river.Workers()
    for worker in workers:
        registry.add(worker)
    return river.Client(
        driver, make_config(schema, registry, middleware=[mw], retry_policy=RetryNow())
    )


def test_two_attempts_in_rivers_shape(driver: Any, schema: str) -> None:
    mw = JobLog(formatter=logging.Formatter("%(levelname)s %(message)s"), capture=["myapp"])
    client = _client(driver, schema, mw, FlakyWorker())
    with started(client):
        job = client.insert(FlakyArgs()).job
        done = wait_for_state(client, job.id, river.JobState.COMPLETED)
    assert done.attempt == 2
    assert done.metadata[METADATA_KEY] == [
        {
            "attempt": 1,
            "log": "INFO attempt 1 starting\nWARNING from stdlib on attempt 1\nERROR giving up this time\n",
        },
        {
            "attempt": 2,
            "log": "INFO attempt 2 starting\nWARNING from stdlib on attempt 2\nINFO done\n",
        },
    ]
    # The stdlib handler is removed once the attempt ends.
    assert logging.getLogger("myapp").handlers == []


def test_attempt_log_truncated_to_max_size(driver: Any, schema: str) -> None:
    mw = JobLog(formatter=logging.Formatter("%(message)s"), max_size_bytes=10)
    client = _client(driver, schema, mw, ChattyWorker())
    with started(client):
        job = client.insert(ChattyArgs()).job
        done = wait_for_state(client, job.id, river.JobState.COMPLETED)
    assert done.metadata[METADATA_KEY] == [{"attempt": 1, "log": "x" * 10}]


def test_stdlib_capture_is_opt_in(driver: Any, schema: str) -> None:
    client = _client(driver, schema, JobLog(capture=["myapp"]), QuietWorker())
    with started(client):
        job = client.insert(QuietArgs()).job
        done = wait_for_state(client, job.id, river.JobState.COMPLETED)
    # Logged through stdlib in the job's own context: captured when asked for.
    assert [e["attempt"] for e in done.metadata[METADATA_KEY]] == [1]
    client2 = _client(driver, schema, JobLog(), QuietWorker())
    with started(client2):
        job = client2.insert(QuietArgs()).job
        done = wait_for_state(client2, job.id, river.JobState.COMPLETED)
    assert METADATA_KEY not in done.metadata  # nothing logged, nothing stored


def _entry(attempt: int, size: int) -> dict[str, Any]:
    return {"attempt": attempt, "log": "y" * size}


def test_total_cap_drops_oldest_entries_first() -> None:
    entries = [_entry(1, 50), _entry(2, 50)]
    one = len(json.dumps(_entry(1, 50), separators=(",", ":")))
    # Room for exactly two entries: [a,b] is 2 + 2*one + 1 bytes.
    kept, dropped = append_with_cap(entries, _entry(3, 50), 2 + 2 * one + 1)
    assert [e["attempt"] for e in kept] == [2, 3] and dropped == 1
    kept, dropped = append_with_cap(entries, _entry(3, 50), 2 + 3 * one + 2)
    assert [e["attempt"] for e in kept] == [1, 2, 3] and dropped == 0
    # The newest entry is kept even when it alone is over the cap.
    kept, dropped = append_with_cap(entries, _entry(3, 500), 100)
    assert kept == [_entry(3, 500)] and dropped == 2

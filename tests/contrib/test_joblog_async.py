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
from tests._client_helpers_async import make_config, started, wait_for_state

if True:  # ASYNC
    from river.contrib.joblog import AsyncJobLogMiddleware as JobLog
else:
    from river.contrib.joblog import JobLogMiddleware as JobLog

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


class FlakyWorker(river.AsyncWorker[FlakyArgs]):
    async def work(self, job: river.Job[Any]) -> None:
        job_logger().info("attempt %d starting", job.attempt)
        logging.getLogger("myapp").warning("from stdlib on attempt %d", job.attempt)
        if job.attempt == 1:
            job_logger().error("giving up this time")
            raise ValueError("first attempt fails")
        job_logger().info("done")


class ChattyWorker(river.AsyncWorker[ChattyArgs]):
    async def work(self, job: river.Job[Any]) -> None:
        job_logger().info("x" * 100)


class QuietWorker(river.AsyncWorker[QuietArgs]):
    async def work(self, job: river.Job[Any]) -> None:
        logging.getLogger("myapp").warning("not this job's logger")


def _client(adriver: Any, schema: str, mw: Any, *workers: Any) -> Any:
    registry = river.Workers()
    for worker in workers:
        registry.add(worker)
    return river.AsyncClient(
        adriver, make_config(schema, registry, middleware=[mw], retry_policy=RetryNow())
    )


async def test_two_attempts_in_rivers_shape(adriver: Any, schema: str) -> None:
    mw = JobLog(formatter=logging.Formatter("%(levelname)s %(message)s"), capture=["myapp"])
    client = _client(adriver, schema, mw, FlakyWorker())
    async with started(client):
        job = (await client.insert(FlakyArgs())).job
        done = await wait_for_state(client, job.id, river.JobState.COMPLETED)
    assert done.attempt == 2
    assert done.metadata[METADATA_KEY] == [
        {
            "attempt": 1,
            "log": "INFO attempt 1 starting\nWARNING from stdlib on attempt 1\n"
            "ERROR giving up this time\n",
        },
        {
            "attempt": 2,
            "log": "INFO attempt 2 starting\nWARNING from stdlib on attempt 2\nINFO done\n",
        },
    ]
    # The stdlib handler is removed once the attempt ends.
    assert logging.getLogger("myapp").handlers == []


async def test_attempt_log_truncated_to_max_size(adriver: Any, schema: str) -> None:
    mw = JobLog(formatter=logging.Formatter("%(message)s"), max_size_bytes=10)
    client = _client(adriver, schema, mw, ChattyWorker())
    async with started(client):
        job = (await client.insert(ChattyArgs())).job
        done = await wait_for_state(client, job.id, river.JobState.COMPLETED)
    assert done.metadata[METADATA_KEY] == [{"attempt": 1, "log": "x" * 10}]


async def test_stdlib_capture_is_opt_in(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema, JobLog(capture=["myapp"]), QuietWorker())
    async with started(client):
        job = (await client.insert(QuietArgs())).job
        done = await wait_for_state(client, job.id, river.JobState.COMPLETED)
    # Logged through stdlib in the job's own context: captured when asked for.
    assert [e["attempt"] for e in done.metadata[METADATA_KEY]] == [1]
    client2 = _client(adriver, schema, JobLog(), QuietWorker())
    async with started(client2):
        job = (await client2.insert(QuietArgs())).job
        done = await wait_for_state(client2, job.id, river.JobState.COMPLETED)
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

# WARNING: this file is generated from 'test_unique_insert_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Unique jobs against the database: a job River Go inserted and the same job inserted
through the client collide, scheduled or not (the period is the insert time's)."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from typing import Any

import pytest

import river
from river._acompat import sleep
from river.driver.params import JobInsertFastParams
from river.types import JobState
from tests._client_helpers import make_config
from tests.runtime.test_client import EchoArgs, EchoWorker, _workers

pytestmark = pytest.mark.anyio
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def utc_process() -> Iterator[None]:
    """The process's local zone is UTC (Go writes the period in its local zone)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("TZ", "UTC")
    time.tzset()
    yield
    mp.undo()
    time.tzset()


def _clear_of_an_hour_boundary() -> dt.datetime:
    """Now, once at least 10 s remain before the next full hour (keys are per hour)."""
    now = dt.datetime.now(dt.UTC)
    left = HOUR - (now - now.replace(minute=0, second=0, microsecond=0))
    if left < dt.timedelta(seconds=10):
        sleep(left.total_seconds() + 0.1)
        now = dt.datetime.now(dt.UTC)
    return now


def _go_key(now: dt.datetime) -> bytes:
    """The key River Go v0.43 stores for ``EchoArgs()`` unique by period of an hour,
    inserted at ``now`` by a process whose zone is UTC, whatever its scheduled time."""
    start = now.replace(minute=0, second=0, microsecond=0)
    return hashlib.sha256(f"&kind=echo&period={start:%Y-%m-%dT%H:%M:%SZ}".encode()).digest()


def test_scheduled_job_collides_with_the_one_go_inserted(
    driver: Any, schema: str, utc_process: None
) -> None:
    client = river.Client(driver, make_config(schema, _workers(EchoWorker())))
    now = _clear_of_an_hour_boundary()
    # As River Go writes it: scheduled in an hour, keyed by the hour it was inserted in.
    go_row = JobInsertFastParams(
        encoded_args='{"message":""}',
        kind="echo",
        scheduled_at=now + HOUR,
        state=JobState.SCHEDULED,
        unique_key=_go_key(now),
        unique_states=245,
    )
    (inserted,) = driver.get_executor(schema).job_insert_fast_many([go_row])
    assert not inserted.unique_skipped_as_duplicate
    unique = river.UniqueOpts(by_period=HOUR)
    for scheduled_at in (now + 3 * HOUR, now + dt.timedelta(days=2), None):
        opts = river.InsertOpts(scheduled_at=scheduled_at, unique_opts=unique)
        result = client.insert(EchoArgs(message=""), opts)
        assert result.unique_skipped_as_duplicate, scheduled_at
        assert result.job.id == inserted.job.id
    assert len(client.job_list()) == 1

# WARNING: this file is generated from 'test_cleaner_timeout_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The job cleaner's statement timeout (River's ``JobCleanerTimeout``), against a real database:
a delete blocked by a lock held in another transaction is cancelled and logged, and the
cleaner carries on at its next run."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import gather, sleep, spawn
from river._internal.maintenance.cleaner import JobCleaner
from river.driver.params import JobInsertFastParams
from river.errors import ConfigError
from river.types import JobState
from tests._client_helpers import make_config, started

pytestmark = pytest.mark.anyio
LOG = logging.getLogger("river.test.cleaner_timeout")
SHORT = 0.2  # seconds: the timeout under test
TIMED_OUT = "deleting jobs took longer than 0.2s and was cancelled"


def _insert_expired(executor: Any, n: int) -> list[int]:
    rows = executor.job_insert_fast_many(
        [JobInsertFastParams(encoded_args="{}", kind="clean") for _ in range(n)]
    )
    ids = [r.job.id for r in rows]
    executor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET state = @state::text::/* TEMPLATE: schema */river_job_state, finalized_at = @at WHERE id = ANY(@ids::bigint[])",
        {
            "state": JobState.COMPLETED.value,
            "at": dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
            "ids": ids,
        },
    )
    return ids


def _remaining(executor: Any, ids: list[int]) -> list[int]:
    return [j.id for j in executor.job_get_by_id_many(ids)]


_LOCK_ROWS = (
    "SELECT id FROM /* TEMPLATE: schema */river_job WHERE id = ANY(@ids::bigint[]) FOR UPDATE"
)


def test_delete_without_a_lock_finishes_under_the_timeout(executor: Any) -> None:
    ids = _insert_expired(executor, 3)
    cleaner = JobCleaner(executor, timeout=SHORT, logger=LOG, test_only=True)
    assert cleaner.run_once() == 3
    assert _remaining(executor, ids) == []


def test_blocked_delete_is_cancelled_at_the_timeout_and_logged(
    executor: Any, caplog: pytest.LogCaptureFixture
) -> None:
    ids = _insert_expired(executor, 3)
    cleaner = JobCleaner(executor, timeout=SHORT, logger=LOG, test_only=True)
    caplog.set_level(logging.WARNING, logger=LOG.name)
    with executor.transaction() as locker:
        locker.execute(_LOCK_ROWS, {"ids": ids})
        start = time.monotonic()
        assert cleaner.run_once() == 0
        waited = time.monotonic() - start
    # Cancelled by the server after the timeout, not left waiting for the lock.
    assert SHORT <= waited < 10.0
    assert any(TIMED_OUT in r.getMessage() for r in caplog.records)
    assert _remaining(executor, ids) == ids
    # The pool connection is usable again, without the timeout left behind.
    row = executor.fetch_one("SHOW statement_timeout")
    assert row is not None and row[0] == "0"


def test_cleaner_keeps_running_after_a_timed_out_pass(
    executor: Any, caplog: pytest.LogCaptureFixture
) -> None:
    ids = _insert_expired(executor, 3)
    cleaner = JobCleaner(executor, timeout=SHORT, interval=0.05, logger=LOG, test_only=True)
    caplog.set_level(logging.WARNING, logger=LOG.name)
    task = None
    try:
        with executor.transaction() as locker:
            locker.execute(_LOCK_ROWS, {"ids": ids})
            task = spawn(cleaner.run)  # after the lock: its first pass must meet it
            deadline = time.monotonic() + 10.0
            while not any(TIMED_OUT in r.getMessage() for r in caplog.records):
                assert time.monotonic() < deadline, "no timed-out pass was logged"
                sleep(0.02)
            assert _remaining(executor, ids) == ids
        # The lock is gone: a later pass of the same run deletes the rows.
        deadline = time.monotonic() + 10.0
        while _remaining(executor, ids):
            assert time.monotonic() < deadline, "the cleaner stopped after the timeout"
            sleep(0.05)
    finally:
        cleaner.stop()
        if task is not None:
            gather(task, timeout=10.0)


def test_no_timeout_waits_for_the_lock(executor: Any) -> None:
    ids = _insert_expired(executor, 2)
    cleaner = JobCleaner(executor, timeout=None, logger=LOG, test_only=True)
    deleted: list[int] = []

    def clean() -> None:
        deleted.append(cleaner.run_once())

    with executor.transaction() as locker:
        locker.execute(_LOCK_ROWS, {"ids": ids})
        task = spawn(clean)
        sleep(3 * SHORT)
        assert deleted == []  # still waiting for the lock, not cancelled
    gather(task, timeout=10.0)
    assert deleted == [2]
    assert _remaining(executor, ids) == []


@pytest.mark.parametrize("bad", [0, -1.0, dt.timedelta(0)])
def test_non_positive_timeout_is_a_config_error(bad: Any) -> None:
    with pytest.raises(ConfigError, match="job_cleaner_timeout must be positive or None"):
        river.Config(job_cleaner_timeout=bad).validate()


@dataclass
class NoopArgs:
    kind = "cleaner_timeout_noop"


class NoopWorker(river.Worker[NoopArgs]):
    def work(self, job: river.Job[NoopArgs]) -> None:
        return None


def test_client_gives_its_cleaner_the_configured_timeout(driver: Any, schema: str) -> None:
    for options, expected in (
        ({}, 30.0),
        ({"job_cleaner_timeout": dt.timedelta(seconds=5)}, 5.0),
        ({"job_cleaner_timeout": None}, None),
    ):  # River's JobCleanerTimeoutDefault
        workers = river.Workers()
        workers.add(NoopWorker())
        client: Any = river.Client(driver, make_config(schema, workers, **options))
        with started(client):
            [cleaner] = [s for s in client._maintainer.services if isinstance(s, JobCleaner)]
            assert cleaner.timeout == expected

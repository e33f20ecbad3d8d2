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
from river._acompat import agather, asleep, aspawn
from river._internal.maintenance.cleaner_async import AsyncJobCleaner
from river.driver.params import JobInsertFastParams
from river.errors import ConfigError
from river.types import JobState
from tests._client_helpers_async import make_config, started

pytestmark = pytest.mark.anyio
LOG = logging.getLogger("river.test.cleaner_timeout")
SHORT = 0.2  # seconds: the timeout under test
TIMED_OUT = "deleting jobs took longer than 0.2s and was cancelled"


async def _insert_expired(aexecutor: Any, n: int) -> list[int]:
    rows = await aexecutor.job_insert_fast_many(
        [JobInsertFastParams(encoded_args="{}", kind="clean") for _ in range(n)]
    )
    ids = [r.job.id for r in rows]
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job "
        "SET state = @state::text::/* TEMPLATE: schema */river_job_state, finalized_at = @at "
        "WHERE id = ANY(@ids::bigint[])",
        {
            "state": JobState.COMPLETED.value,
            "at": dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
            "ids": ids,
        },
    )
    return ids


async def _remaining(aexecutor: Any, ids: list[int]) -> list[int]:
    return [j.id for j in await aexecutor.job_get_by_id_many(ids)]


_LOCK_ROWS = "SELECT id FROM /* TEMPLATE: schema */river_job WHERE id = ANY(@ids::bigint[]) FOR UPDATE"


async def test_delete_without_a_lock_finishes_under_the_timeout(aexecutor: Any) -> None:
    ids = await _insert_expired(aexecutor, 3)
    cleaner = AsyncJobCleaner(aexecutor, timeout=SHORT, logger=LOG, test_only=True)
    assert await cleaner.run_once() == 3
    assert await _remaining(aexecutor, ids) == []


async def test_blocked_delete_is_cancelled_at_the_timeout_and_logged(
    aexecutor: Any, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await _insert_expired(aexecutor, 3)
    cleaner = AsyncJobCleaner(aexecutor, timeout=SHORT, logger=LOG, test_only=True)
    caplog.set_level(logging.WARNING, logger=LOG.name)
    async with aexecutor.transaction() as locker:
        await locker.execute(_LOCK_ROWS, {"ids": ids})
        start = time.monotonic()
        assert await cleaner.run_once() == 0
        waited = time.monotonic() - start
    # Cancelled by the server after the timeout, not left waiting for the lock.
    assert SHORT <= waited < 10.0
    assert any(TIMED_OUT in r.getMessage() for r in caplog.records)
    assert await _remaining(aexecutor, ids) == ids
    # The pool connection is usable again, without the timeout left behind.
    row = await aexecutor.fetch_one("SHOW statement_timeout")
    assert row is not None and row[0] == "0"


async def test_cleaner_keeps_running_after_a_timed_out_pass(
    aexecutor: Any, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await _insert_expired(aexecutor, 3)
    cleaner = AsyncJobCleaner(
        aexecutor, timeout=SHORT, interval=0.05, logger=LOG, test_only=True
    )
    caplog.set_level(logging.WARNING, logger=LOG.name)
    task = None
    try:
        async with aexecutor.transaction() as locker:
            await locker.execute(_LOCK_ROWS, {"ids": ids})
            task = aspawn(cleaner.run)  # after the lock: its first pass must meet it
            deadline = time.monotonic() + 10.0
            while not any(TIMED_OUT in r.getMessage() for r in caplog.records):
                assert time.monotonic() < deadline, "no timed-out pass was logged"
                await asleep(0.02)
            assert await _remaining(aexecutor, ids) == ids
        # The lock is gone: a later pass of the same run deletes the rows.
        deadline = time.monotonic() + 10.0
        while await _remaining(aexecutor, ids):
            assert time.monotonic() < deadline, "the cleaner stopped after the timeout"
            await asleep(0.05)
    finally:
        cleaner.stop()
        if task is not None:
            await agather(task, timeout=10.0)


async def test_no_timeout_waits_for_the_lock(aexecutor: Any) -> None:
    ids = await _insert_expired(aexecutor, 2)
    cleaner = AsyncJobCleaner(aexecutor, timeout=None, logger=LOG, test_only=True)
    deleted: list[int] = []

    async def clean() -> None:
        deleted.append(await cleaner.run_once())

    async with aexecutor.transaction() as locker:
        await locker.execute(_LOCK_ROWS, {"ids": ids})
        task = aspawn(clean)
        await asleep(3 * SHORT)
        assert deleted == []  # still waiting for the lock, not cancelled
    await agather(task, timeout=10.0)
    assert deleted == [2]
    assert await _remaining(aexecutor, ids) == []


@pytest.mark.parametrize("bad", [0, -1.0, dt.timedelta(0)])
def test_non_positive_timeout_is_a_config_error(bad: Any) -> None:
    with pytest.raises(ConfigError, match="job_cleaner_timeout must be positive or None"):
        river.Config(job_cleaner_timeout=bad).validate()


@dataclass
class NoopArgs:
    kind = "cleaner_timeout_noop"


class NoopWorker(river.AsyncWorker[NoopArgs]):
    async def work(self, job: river.Job[NoopArgs]) -> None:
        return None


async def test_client_gives_its_cleaner_the_configured_timeout(adriver: Any, schema: str) -> None:
    for options, expected in (
        ({}, 30.0),  # River's JobCleanerTimeoutDefault
        ({"job_cleaner_timeout": dt.timedelta(seconds=5)}, 5.0),
        ({"job_cleaner_timeout": None}, None),
    ):
        workers = river.Workers()
        workers.add(NoopWorker())
        client: Any = river.AsyncClient(adriver, make_config(schema, workers, **options))
        async with started(client):
            [cleaner] = [
                s for s in client._maintainer.services if isinstance(s, AsyncJobCleaner)
            ]
            assert cleaner.timeout == expected

"""A job killed (SIGKILL) inside a durable checkpoint transaction resumes from the last
committed checkpoint, with no item processed twice: every driver and colour."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from river._internal.maintenance.rescuer import JobRescuer
from river.driver.params import JobInsertFastParams
from river.retry_policy import DefaultRetryPolicy
from river.types import JobState
from tests._db import ASYNC_DRIVERS, SYNC_DRIVERS, admin_execute, selected_drivers

ROOT = Path(__file__).resolve().parents[2]
ITEMS = list(range(1, 9))
KILL_AT = 4
CASES = [
    (name, colour)
    for colour, names in (("sync", SYNC_DRIVERS), ("async", ASYNC_DRIVERS))
    for name in names
    if name in selected_drivers()
]


def _worker(database_url: str, schema: str, name: str, colour: str, kill_at: int) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "tests.programs.resumable_kill_worker", database_url, schema, name,
         colour, str(kill_at)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )
    if done.returncode not in (0, -9):
        raise AssertionError(f"worker failed ({done.returncode}): {done.stderr}")
    return done.returncode


@pytest.mark.parametrize(("name", "colour"), CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_killed_mid_checkpoint_resumes_from_last_commit(
    database_url: str, schema: str, name: str, colour: str
) -> None:
    from river_psycopg3 import PsycopgDriver

    admin_execute(
        database_url,
        f'DROP TABLE IF EXISTS "{schema}".processed; '
        f'CREATE TABLE "{schema}".processed (item int PRIMARY KEY, attempt int NOT NULL)',
    )
    driver = PsycopgDriver.open(database_url)
    try:
        ex = driver.get_executor(schema)
        [job] = ex.job_insert_fast_many([JobInsertFastParams(
            kind="durable_items", encoded_args=json.dumps({"items": ITEMS}), max_attempts=3,
        )])
        job_id = job.job.id

        assert _worker(database_url, schema, name, colour, KILL_AT) == -9
        stuck = ex.job_get_by_id(job_id)
        assert stuck.state is JobState.RUNNING and stuck.attempt == 1
        # The checkpoint of the last committed item, not of the item being written.
        assert stuck.metadata["river:resumable_step"] == "items"
        assert stuck.metadata["river:resumable_cursor"] == {"items": KILL_AT - 1}

        JobRescuer(
            ex, retry_policy=DefaultRetryPolicy(), rescue_after=0.0, test_only=True
        ).run_once()
        ex.job_retry(job_id)
        assert _worker(database_url, schema, name, colour, 0) == 0
        final = ex.job_get_by_id(job_id)
    finally:
        driver.close()

    assert final.state is JobState.COMPLETED and final.attempt == 2
    rows = admin_execute(
        database_url, f'SELECT item, attempt FROM "{schema}".processed ORDER BY item'
    )
    admin_execute(database_url, f'DROP TABLE "{schema}".processed')
    assert rows == [(i, 1 if i < KILL_AT else 2) for i in ITEMS]

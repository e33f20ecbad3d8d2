"""``river worker``'s lines: one INFO line per finished job (JSON with ``--log-format
json``, none with ``--quiet``), one WARNING line without a traceback per attempt of a kind
no worker handles, and the jobs an exit at once leaves running."""

from __future__ import annotations

import json
import signal
from dataclasses import dataclass

import pytest

from river.shutdown import STAGES
from tests.cli.test_worker_cli import Harness, harness, poll_until
from tests.programs.worker_app import BlockArgs, SleepArgs

__all__ = ["harness"]  # the fixture, imported to be used here


@dataclass
class NobodyArgs:
    kind = "worker_cli_nobody"


@pytest.mark.parametrize("target", ["client", "async_client"])
def test_one_info_line_per_finished_job(harness: Harness, target: str) -> None:
    worker = harness.start(f"tests.programs.worker_app:{target}")
    job = harness.insert(SleepArgs(seconds=0))
    harness.wait_state(job, "completed", worker)
    worker.wait_for_line(f"job {job} worker_cli_sleep")
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0, worker.stderr
    lines = [line for line in worker.lines if f"job {job} " in line]
    assert len(lines) == 1, worker.stderr
    assert " INFO river.worker: " in lines[0]
    assert "(queue default, attempt 1/25) completed in " in lines[0]
    assert lines[0].endswith(" ms") or lines[0].endswith(" s")


def test_json_job_line(harness: Harness) -> None:
    worker = harness.start("tests.programs.worker_app:async_client", "--log-format", "json")
    job = harness.insert(SleepArgs(seconds=0))
    harness.wait_state(job, "completed", worker)
    worker.wait_for_line(f'"job_id": {job}')
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0, worker.stderr
    records = [json.loads(line) for line in worker.lines if f'"job_id": {job}' in line]
    assert len(records) == 1
    record = records[0]
    assert record["level"] == "INFO" and record["logger"] == "river.worker"
    assert (record["job_kind"], record["queue"], record["attempt"], record["outcome"]) == (
        "worker_cli_sleep", "default", 1, "completed"
    )
    assert isinstance(record["duration"], float) and record["duration"] >= 0


def test_quiet_prints_no_job_lines(harness: Harness) -> None:
    worker = harness.start("tests.programs.worker_app:async_client", "--quiet")
    job = harness.insert(SleepArgs(seconds=0))
    harness.wait_state(job, "completed", worker)
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0, worker.stderr
    assert "working queues" in worker.stderr  # it did log at INFO
    assert f"job {job} " not in worker.stderr


@pytest.mark.parametrize("target", ["client", "async_client"])
def test_unknown_kind_is_one_warning_line_without_traceback(
    harness: Harness, target: str
) -> None:
    worker = harness.start(f"tests.programs.worker_app:{target}")
    job = harness.insert(NobodyArgs())
    harness.wait_state(job, "retryable", worker)
    worker.wait_for_line(f"job {job} worker_cli_nobody")  # its INFO line: written after
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0, worker.stderr
    # The retry may come before the stop: one WARNING line for each attempt made.
    warnings = [line for line in worker.lines if " WARNING " in line]
    attempts = [line for line in worker.lines if ") retryable in " in line]
    assert len(warnings) == len(attempts) >= 1, worker.stderr
    for n, line in enumerate(warnings, 1):
        assert f"job {job} (worker_cli_nobody) failed on attempt {n} of 25" in line
        assert "not registered with a worker" in line
    assert "Traceback" not in worker.stderr


def test_exit_at_once_names_the_jobs_left_running(harness: Harness) -> None:
    worker = harness.start("tests.programs.worker_app:client")
    job = harness.insert(BlockArgs(seconds=60))
    harness.wait_state(job, "running", worker)
    for stage in (1, 2):
        worker.signal(signal.SIGTERM)
        worker.wait_for_line(STAGES[stage])
    worker.signal(signal.SIGTERM)
    assert worker.wait() != 0
    poll_until(lambda: STAGES[3] in worker.lines, "the last stage", worker)
    left = [line for line in worker.lines if "left running" in line]
    assert len(left) == 1, worker.stderr
    assert f"job {job} (worker_cli_block)" in left[0]
    assert "the rescuer makes them retryable 1 h after they started" in left[0]
    assert harness.job(job)[0] == "running"


@pytest.mark.parametrize("target", ["client", "async_client"])
def test_worker_on_an_unmigrated_schema_says_what_to_run(
    harness: Harness, fresh_schema: str, target: str
) -> None:
    harness.env = {**harness.env, "RIVER_WORKER_TEST_SCHEMA": fresh_schema}
    worker = harness.start(f"tests.programs.worker_app:{target}")
    assert worker.wait() == 1
    errors = [line for line in worker.lines if line.startswith("river: error: ")]
    assert errors == [
        f"river: error: River's tables are not in schema {fresh_schema} (river_queue does not "
        f"exist): run `river migrate-up --schema {fresh_schema}` first"
    ], worker.stderr
    assert "Traceback" not in worker.stderr

# WARNING: this file is generated from 'test_resumable_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Resumable jobs worked by a real client: steps, cursors, nested cursors, durable
checkpoints, and the metadata River Go writes for the same history."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

import river
from river._acompat import sleep
from river.resumable import METADATA_KEY_CURSOR, METADATA_KEY_STEP
from tests._client_helpers import make_config, started, user_tx, wait_for, wait_for_state

pytestmark = pytest.mark.anyio
STEP = METADATA_KEY_STEP
CURSOR = METADATA_KEY_CURSOR


@dataclass
class StepsArgs:
    kind = "resumable_steps"
    ids: list[int] = field(default_factory=list)


@dataclass
class BatchCursor:
    last_processed_id: int = 0


@dataclass
class NestedCursor:
    last_processed_id: int
    last_processed_sub_id: str


class Recorder(river.Worker[StepsArgs]):
    """Runs ``body`` as the job; records what ran and the metadata each attempt saw."""

    def __init__(self, body: Callable[[Recorder, river.Job[StepsArgs]], Any]) -> None:
        self.body = body
        self.ran: list[str] = []
        self.metadata: list[dict[str, Any]] = []

    def work(self, job: river.Job[StepsArgs]) -> None:
        self.metadata.append({k: v for k, v in job.metadata.items() if k.startswith("river:")})
        self.body(self, job)

    def next_retry(self, job: river.Job[StepsArgs]) -> dt.datetime:
        return dt.datetime.now(dt.UTC)  # retry at once


def _failing(worker: Recorder, job: river.Job[StepsArgs], attempt: int, what: str) -> None:
    if job.attempt == attempt:
        raise RuntimeError(f"{what} failed")


def _run(
    driver: Any,
    schema: str,
    worker: Recorder,
    args: Any = None,
    opts: river.InsertOpts | None = None,
    **config: Any,
) -> river.JobRow:
    workers = river.Workers()
    workers.add(worker)
    client = river.Client(driver, make_config(schema, workers, **config))
    with started(client):
        inserted = client.insert(args or StepsArgs(), opts)
        return wait_for_state(
            client, inserted.job.id, river.JobState.COMPLETED, river.JobState.DISCARDED, timeout=20
        )


def test_failure_in_step_two_resumes_at_step_two(driver: Any, schema: str) -> None:

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:
        w.ran.append(f"outside@{job.attempt}")

        def step(name: str, fail_on: int = 0) -> None:
            w.ran.append(f"{name}@{job.attempt}")
            _failing(w, job, fail_on, name)

        river.resumable_step("step1", lambda: step("step1"))
        river.resumable_step("step2", lambda: step("step2", fail_on=1))
        river.resumable_step("step3", lambda: step("step3"))

    worker = Recorder(body)
    job = _run(driver, schema, worker)
    assert job.state is river.JobState.COMPLETED and job.attempt == 2
    assert worker.ran == ["outside@1", "step1@1", "step2@1", "outside@2", "step2@2", "step3@2"]
    # What River Go writes after step2 fails: the last completed step, no cursor.
    assert worker.metadata == [{}, {STEP: "step1"}]
    assert job.metadata[STEP] == "step1"
    assert job.errors[0].error == "RuntimeError: step2 failed"


def test_a_step_inside_another_counts_once_its_outer_step_completes(
    driver: Any, schema: str
) -> None:

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:

        def outer() -> None:
            w.ran.append(f"outer@{job.attempt}")
            river.resumable_step("inner", lambda: w.ran.append(f"inner@{job.attempt}"))
            _failing(w, job, 1, "outer")

        river.resumable_step("first", lambda: w.ran.append(f"first@{job.attempt}"))
        river.resumable_step("outer", outer)
        river.resumable_step("last", lambda: w.ran.append(f"last@{job.attempt}"))

    worker = Recorder(body)
    job = _run(driver, schema, worker, opts=river.InsertOpts(max_attempts=3))
    assert job.state is river.JobState.COMPLETED and job.attempt == 2
    # The outer step failed after its inner one completed: the retry runs both again.
    assert worker.ran == ["first@1", "outer@1", "inner@1", "outer@2", "inner@2", "last@2"]
    assert worker.metadata[1] == {STEP: "first"}


def test_timeout_in_a_step_saves_the_steps_before_it(driver: Any, schema: str) -> None:

    class SlowOnce(Recorder):
        def timeout(self, job: river.Job[StepsArgs]) -> float | None:
            return 0.3 if job.attempt == 1 else None

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:

        def slow() -> None:
            w.ran.append(f"step2@{job.attempt}")
            for _ in range(1000 if job.attempt == 1 else 0):
                river.check_cancelled()  # how a sync worker notices; async is cancelled
                sleep(0.01)

        river.resumable_step("step1", lambda: w.ran.append(f"step1@{job.attempt}"))
        river.resumable_step("step2", slow)

    worker = SlowOnce(body)
    job = _run(driver, schema, worker)
    assert job.state is river.JobState.COMPLETED and job.attempt == 2
    assert worker.ran == ["step1@1", "step2@1", "step2@2"]
    assert worker.metadata[1] == {STEP: "step1"}
    assert "TimeoutError" in job.errors[0].error


def test_cursor_step_resumes_after_last_recorded_item(driver: Any, schema: str) -> None:
    processed: list[int] = []

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:
        river.resumable_step("prepare", lambda: w.ran.append("prepare"))

        def process(cursor: BatchCursor) -> None:
            for id in job.args.ids:
                if id <= cursor.last_processed_id:
                    continue
                if id == 3 and job.attempt == 1:
                    raise RuntimeError("item 3 failed")
                processed.append(id)
                river.resumable_set_cursor(BatchCursor(last_processed_id=id))

        river.resumable_step_cursor("process_ids", process)

    worker = Recorder(body)
    job = _run(driver, schema, worker, StepsArgs(ids=[1, 2, 3, 4, 5]))
    assert job.state is river.JobState.COMPLETED and job.attempt == 2
    assert processed == [1, 2, 3, 4, 5]
    assert worker.ran == ["prepare"]
    assert worker.metadata[1] == {
        STEP: "prepare",
        CURSOR: {"process_ids": {"last_processed_id": 2}},
    }


def test_first_cursor_step_keeps_its_cursor(driver: Any, schema: str) -> None:
    processed: list[int] = []

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:

        def process(cursor: int) -> None:
            for id in job.args.ids:
                if id <= cursor:
                    continue
                if id == 4:
                    _failing(w, job, 1, "item")
                processed.append(id)
                river.resumable_set_cursor(id)

        river.resumable_step_cursor("process_ids", process)

    worker = Recorder(body)
    job = _run(driver, schema, worker, StepsArgs(ids=[1, 2, 3, 4, 5]))
    assert job.state is river.JobState.COMPLETED
    assert processed == [1, 2, 3, 4, 5]
    assert worker.metadata[1] == {CURSOR: {"process_ids": 3}}


def test_nested_cursor_skips_finished_outer_and_inner_items(driver: Any, schema: str) -> None:
    sub_ids = {1: ["a", "b"], 2: ["a", "b", "c"], 3: ["a"]}
    processed: list[tuple[int, str]] = []

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:

        def process(cursor: NestedCursor) -> None:
            for id in job.args.ids:
                if id < cursor.last_processed_id:
                    continue
                for sub in sub_ids[id]:
                    if id == cursor.last_processed_id and sub <= cursor.last_processed_sub_id:
                        continue
                    if (id, sub) == (2, "b") and job.attempt == 1:
                        raise RuntimeError("sub item failed")
                    processed.append((id, sub))
                    river.resumable_set_cursor(NestedCursor(id, sub))

        river.resumable_step_cursor("process_ids", process)

    worker = Recorder(body)
    job = _run(driver, schema, worker, StepsArgs(ids=[1, 2, 3]))
    assert job.state is river.JobState.COMPLETED
    assert processed == [(1, "a"), (1, "b"), (2, "a"), (2, "b"), (2, "c"), (3, "a")]
    assert worker.metadata[1] == {
        CURSOR: {"process_ids": {"last_processed_id": 2, "last_processed_sub_id": "a"}}
    }


def test_completed_cursor_step_clears_its_cursor(driver: Any, schema: str) -> None:

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:

        def process(cursor: int) -> None:
            w.ran.append(f"process from {cursor}")
            river.resumable_set_cursor(9)

        river.resumable_step("step1", lambda: None)
        river.resumable_step_cursor("step2", process)
        river.resumable_step("step3", lambda: _failing(w, job, 1, "step3"))

    worker = Recorder(body)
    opts = river.InsertOpts(metadata={STEP: "step1", CURSOR: {"step2": 5}})
    job = _run(driver, schema, worker, opts=opts)
    assert job.state is river.JobState.COMPLETED and job.attempt == 2
    assert worker.ran == ["process from 5"]
    # Attempt 1 (the first here) completed step2 then step3 failed: River Go writes the
    # completed step and a null cursor, as the metadata merge cannot remove a key.
    assert worker.metadata[1] == {STEP: "step2", CURSOR: None}


def test_multiple_cursor_steps_with_different_types(driver: Any, schema: str) -> None:
    seen: list[Any] = []

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:

        def first(cursor: int) -> None:
            seen.append(cursor)
            river.resumable_set_cursor(123)

        def second(cursor: dict[str, str]) -> None:
            seen.append(cursor)
            river.resumable_set_cursor({"id": "abc"})
            _failing(w, job, 1, "second")

        river.resumable_step_cursor("step1", first)
        river.resumable_step_cursor("step2", second)

    worker = Recorder(body)
    job = _run(driver, schema, worker)
    assert job.state is river.JobState.COMPLETED
    assert seen == [0, {}, {"id": "abc"}]
    assert worker.metadata[1] == {STEP: "step1", CURSOR: {"step2": {"id": "abc"}}}


def test_duplicate_step_name_fails_the_job(driver: Any, schema: str) -> None:

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:
        river.resumable_step("step1", lambda: w.ran.append("first"))
        river.resumable_step("step1", lambda: w.ran.append("second"))

    worker = Recorder(body)
    job = _run(driver, schema, worker, max_attempts=1)
    assert job.state is river.JobState.DISCARDED
    assert worker.ran == ["first"]
    assert "duplicate resumable step name 'step1'" in job.errors[0].error


def test_recorded_step_missing_from_worker_is_an_error(driver: Any, schema: str) -> None:

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:
        river.resumable_step("step1", lambda: w.ran.append("step1"))

    worker = Recorder(body)
    opts = river.InsertOpts(metadata={STEP: "renamed_step"})
    job = _run(driver, schema, worker, opts=opts, max_attempts=1)
    assert job.state is river.JobState.DISCARDED
    assert worker.ran == []
    assert "resumable step 'renamed_step' not found in worker" in job.errors[0].error


def test_set_step_tx_is_durable_only_when_committed(driver: Any, schema: str) -> None:
    tx_functions = importlib.import_module(type(driver).__module__.split(".")[0])
    stored: list[Any] = []

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:
        client = river.client_from_context()

        def durable(name: str, rollback: bool) -> None:
            if job.attempt > 1:
                w.ran.append(name)
                return
            with user_tx(driver, rollback=rollback) as tx:
                row = tx_functions.resumable_set_step_cursor_tx(tx, job, {"n": 1})
                assert row.metadata[STEP] == name
            stored.append(client.job_get(job.id).metadata.get(STEP))

        river.resumable_step_cursor("committed", lambda c: durable("committed", False))
        river.resumable_step_cursor("rolled_back", lambda c: durable("rolled_back", True))
        if job.attempt == 1:
            raise RuntimeError("stop after the steps")

    worker = Recorder(body)
    job = _run(driver, schema, worker)
    assert job.state is river.JobState.COMPLETED
    # Seen from another connection right after each transaction ended.
    assert stored == ["committed", "committed"]
    # Both steps completed in attempt 1, so its record (written when it failed) names the
    # later one, and the retry skips both.
    assert worker.metadata[1] == {STEP: "rolled_back", CURSOR: None}
    assert worker.ran == []


def test_disabled_plugin_removes_resumable_steps(driver: Any, schema: str) -> None:

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:
        river.resumable_step("step1", lambda: w.ran.append("step1"))

    worker = Recorder(body)
    job = _run(driver, schema, worker, max_attempts=1, disabled_plugins=["river.resumable"])
    assert job.state is river.JobState.DISCARDED and worker.ran == []
    assert "needs the 'river.resumable' plugin" in job.errors[0].error


@pytest.mark.parametrize("rollback", [True, False], ids=["rolled_back", "committed"])
def test_failed_step_redoes_a_rolled_back_checkpoint(
    driver: Any, schema: str, rollback: bool
) -> None:
    """Seed 000: a checkpoint saved in a transaction that rolls back is discarded, so the
    next attempt runs that step again; a committed one is kept."""
    tx_functions = importlib.import_module(type(driver).__module__.split(".")[0])

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:

        def checkpointed() -> None:
            w.ran.append(f"step2@{job.attempt}")
            if job.attempt > 1:
                return
            with user_tx(driver, rollback=rollback) as tx:
                tx_functions.resumable_set_step_tx(tx, job)
            raise RuntimeError("step2 failed after its checkpoint")

        river.resumable_step("step1", lambda: w.ran.append(f"step1@{job.attempt}"))
        river.resumable_step("step2", checkpointed)
        river.resumable_step("step3", lambda: w.ran.append(f"step3@{job.attempt}"))

    worker = Recorder(body)
    job = _run(driver, schema, worker)
    assert job.state is river.JobState.COMPLETED and job.attempt == 2
    if rollback:
        assert worker.metadata[1] == {STEP: "step1"}
        assert worker.ran == ["step1@1", "step2@1", "step2@2", "step3@2"]
    else:
        assert worker.metadata[1] == {STEP: "step2"}
        assert worker.ran == ["step1@1", "step2@1", "step3@2"]


def test_progress_is_saved_when_a_step_snoozes(driver: Any, schema: str) -> None:

    def body(w: Recorder, job: river.Job[StepsArgs]) -> None:

        def snoozing() -> None:
            w.ran.append(f"step2@{job.metadata.get('snoozes', 0)}")
            if not job.metadata.get("snoozes"):
                raise river.JobSnooze(dt.timedelta(milliseconds=10))

        river.resumable_step("step1", lambda: w.ran.append("step1"))
        river.resumable_step("step2", snoozing)

    worker = Recorder(body)
    job = _run(driver, schema, worker)
    assert job.state is river.JobState.COMPLETED
    assert worker.ran == ["step1", "step2@0", "step2@1"]
    assert worker.metadata[1] == {STEP: "step1"}


def _wait_in_step(w: Recorder, job: river.Job[StepsArgs]) -> None:

    def waiting() -> None:
        w.ran.append("step2")
        for _ in range(1000):
            river.check_cancelled()
            sleep(0.01)

    river.resumable_step("step1", lambda: w.ran.append("step1"))
    river.resumable_step("step2", waiting)


@pytest.mark.parametrize("how", ["remote_cancel", "stop_and_cancel"])
def test_progress_is_saved_when_the_job_is_cancelled(driver: Any, schema: str, how: str) -> None:
    worker = Recorder(_wait_in_step)
    workers = river.Workers()
    workers.add(worker)
    client = river.Client(driver, make_config(schema, workers))
    other = river.Client(driver, river.Config(schema=schema))
    client.start()
    try:
        job = client.insert(StepsArgs()).job

        def in_step2() -> bool:
            return "step2" in worker.ran

        wait_for(in_step2)
        if how == "remote_cancel":
            other.job_cancel(job.id)
            done = wait_for_state(other, job.id, river.JobState.CANCELLED, timeout=5.0)
        else:
            client.stop_and_cancel()
            done = other.job_get(job.id)
            assert done.state is river.JobState.AVAILABLE and done.attempt == 0
    finally:
        client.stop_and_cancel()
    assert done.metadata[STEP] == "step1"

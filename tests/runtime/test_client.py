# WARNING: this file is generated from 'test_client_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The client's core loop against a real database, for every driver of this colour."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import sleep
from tests._client_helpers import make_config, started, user_tx, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


@dataclass
class EchoArgs:
    kind = "echo"
    message: str = ""


@dataclass
class FailArgs:
    kind = "fail"
    mode: str = "error"


class EchoWorker(river.Worker[EchoArgs]):
    def __init__(self) -> None:
        self.seen: list[tuple[int, str]] = []

    def work(self, job: river.Job[EchoArgs]) -> None:
        self.seen.append((job.id, job.args.message))
        river.record_output({"echo": job.args.message})


class FailWorker(river.Worker[FailArgs]):
    def work(self, job: river.Job[FailArgs]) -> None:
        mode = job.args.mode
        if mode == "cancel":
            raise river.JobCancel(ValueError("no longer needed"))
        if mode == "snooze":
            raise river.JobSnooze(dt.timedelta(minutes=5))
        if mode == "snooze_short":
            raise river.JobSnooze(dt.timedelta(seconds=1))
        if mode == "bad_metadata":
            river.metadata_set("note", "nul \x00 inside")
        if mode == "sleep":
            sleep(30)
            return
        if mode == "cooperative":
            for _ in range(3000):
                river.check_cancelled()
                sleep(0.01)
            return
        raise ValueError(f"failing on purpose ({mode})")


def _workers(*workers: Any) -> river.Workers:
    registry = river.Workers()
    for w in workers:
        registry.add(w)
    return registry


def test_insert_and_work(driver: Any, schema: str) -> None:
    echo = EchoWorker()
    client = river.Client(driver, make_config(schema, _workers(echo)))
    sub = client.subscribe(river.EventKind.JOB_COMPLETED)
    with started(client):
        inserted = client.insert(EchoArgs(message="hello"))
        assert inserted.job.state is river.JobState.AVAILABLE
        assert not inserted.unique_skipped_as_duplicate
        event = sub.get(timeout=10)
    assert event is not None and event.job is not None
    assert event.kind is river.EventKind.JOB_COMPLETED
    assert event.job.id == inserted.job.id
    assert event.job_stats is not None and event.job_stats.run_duration >= 0
    job = client.job_get(inserted.job.id)
    assert job.state is river.JobState.COMPLETED
    assert job.attempt == 1
    assert job.finalized_at is not None
    assert job.output == {"echo": "hello"}
    assert echo.seen == [(inserted.job.id, "hello")]


def test_insert_tx_rollback_is_never_worked_commit_once(driver: Any, schema: str) -> None:
    echo = EchoWorker()
    client = river.Client(driver, make_config(schema, _workers(echo)))
    with started(client):
        with user_tx(driver, rollback=True) as tx:
            gone = client.insert_tx(tx, EchoArgs(message="rolled back"))
        with user_tx(driver) as tx:
            kept = client.insert_tx(tx, EchoArgs(message="committed"))
        wait_for_state(client, kept.job.id, river.JobState.COMPLETED)
        sleep(0.3)
    assert echo.seen == [(kept.job.id, "committed")]
    with pytest.raises(river.JobNotFoundError):
        client.job_get(gone.job.id)


def test_insert_many_and_fast(driver: Any, schema: str) -> None:
    echo = EchoWorker()
    client = river.Client(driver, make_config(schema, _workers(echo)))
    results = client.insert_many(
        [EchoArgs(message=str(i)) for i in range(5)]
        + [river.InsertManyParams(EchoArgs(message="p"), river.InsertOpts(priority=3))]
    )
    assert results[0].job.args == {"message": "0"}
    assert results[-1].job.priority == 3
    count = client.insert_many_fast([EchoArgs(message=f"f{i}") for i in range(20)])
    assert count == 20
    with started(client):
        wait_for(lambda: _count_state(client, river.JobState.COMPLETED, 26))
    assert sorted((m for _, m in echo.seen)) == sorted(
        [str(i) for i in range(5)] + ["p"] + [f"f{i}" for i in range(20)]
    )


def _count_state(client: Any, state: river.JobState, expected: int) -> bool:
    jobs = client.job_list(river.JobListParams(states=[state], limit=10000))
    return len(jobs) == expected


def test_error_retry_follows_default_policy(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(FailWorker())))
    with started(client):
        job = client.insert(FailArgs()).job
        # First failure: (0+1)^4 = 1s ± 10%, due soon enough to be available directly.
        first = wait_for(lambda: _errored(client, job.id, 1))
        # Second failure: (1+1)^4 = 16s ± 10%, left for the scheduler.
        second = wait_for(lambda: _errored(client, job.id, 2))
    err = first.errors[0]
    assert err.attempt == 1
    assert "ValueError: failing on purpose (error)" in err.error
    assert "Traceback" in err.trace
    assert second.state is river.JobState.RETRYABLE
    assert second.attempt == 2
    delay = (second.scheduled_at - second.errors[1].at).total_seconds()
    assert 16 * 0.9 - 0.5 <= delay <= 16 * 1.1 + 0.5


def _errored(client: Any, job_id: int, n: int) -> river.JobRow | None:
    job: river.JobRow = client.job_get(job_id)
    return job if len(job.errors) >= n and job.state is not river.JobState.RUNNING else None


def test_snooze_does_not_consume_attempts(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(FailWorker())))
    with started(client):
        job = client.insert(FailArgs(mode="snooze")).job
        snoozed = wait_for_state(client, job.id, river.JobState.SCHEDULED)
    assert snoozed.attempt == 0
    assert snoozed.metadata["snoozes"] == 1
    assert snoozed.errors == []
    wait = (snoozed.scheduled_at - dt.datetime.now(dt.UTC)).total_seconds()
    assert 250 < wait <= 300


def test_job_cancel_from_worker(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(FailWorker())))
    with started(client):
        job = client.insert(FailArgs(mode="cancel")).job
        cancelled = wait_for_state(client, job.id, river.JobState.CANCELLED)
    assert cancelled.finalized_at is not None
    assert "no longer needed" in cancelled.errors[0].error


def test_exhausted_job_is_discarded(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(FailWorker())))
    with started(client):
        job = client.insert(FailArgs(), river.InsertOpts(max_attempts=1)).job
        discarded = wait_for_state(client, job.id, river.JobState.DISCARDED)
    assert discarded.attempt == 1
    assert discarded.finalized_at is not None
    assert len(discarded.errors) == 1


def test_stop_waits_for_running_jobs(driver: Any, schema: str) -> None:

    class SlowWorker(river.Worker[EchoArgs]):
        def work(self, job: river.Job[EchoArgs]) -> None:
            sleep(0.5)

    client = river.Client(driver, make_config(schema, _workers(SlowWorker())))
    client.start()
    job = client.insert(EchoArgs()).job
    wait_for_state(client, job.id, river.JobState.RUNNING)
    client.stop()
    assert client.job_get(job.id).state is river.JobState.COMPLETED


def test_stop_and_cancel_interrupts_without_consuming_attempt(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(FailWorker())))
    client.start()
    # Async jobs are cancelled wherever they are; sync ones must check for cancellation.
    modes = ("cooperative",)
    ids = [client.insert(FailArgs(mode=m)).job.id for m in modes]
    for job_id in ids:
        wait_for_state(client, job_id, river.JobState.RUNNING)
    client.stop_and_cancel()
    for job_id in ids:
        job = client.job_get(job_id)
        assert job.state is river.JobState.AVAILABLE
        assert job.attempt == 0
        assert job.errors == []
    running = client.job_list(river.JobListParams(states=[river.JobState.RUNNING]))
    assert running == []


def test_unknown_kind_is_retried(driver: Any, schema: str) -> None:
    client = river.Client(
        driver, make_config(schema, _workers(EchoWorker()), skip_unknown_job_check=True)
    )

    @dataclass
    class OtherArgs:
        kind = "nobody_works_this"

    with started(client):
        job = client.insert(OtherArgs()).job
        errored = wait_for(lambda: _errored(client, job.id, 1))
    assert "UnknownJobKindError" in errored.errors[0].error
    assert errored.state in (river.JobState.AVAILABLE, river.JobState.RETRYABLE)


def test_insert_unknown_kind_rejected(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(EchoWorker())))

    @dataclass
    class OtherArgs:
        kind = "nobody_works_this"

    with pytest.raises(river.UnknownJobKindError):
        client.insert(OtherArgs())
    assert client.job_list() == []


def test_invalid_insert_writes_nothing(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(EchoWorker())))
    with pytest.raises(river.InvalidPriorityError):
        client.insert_many(
            [EchoArgs(), river.InsertManyParams(EchoArgs(), river.InsertOpts(priority=5))]
        )
    with pytest.raises(river.InvalidQueueError):
        client.insert(EchoArgs(), river.InsertOpts(queue="Bad Queue!"))
    assert client.job_list() == []


def test_error_handler_can_cancel(driver: Any, schema: str) -> None:
    seen: list[str] = []

    class Handler(river.ErrorHandler):
        def handle_error(self, job: Any, error: BaseException) -> river.ErrorHandlerResult:
            seen.append(str(error))
            return river.ErrorHandlerResult(set_cancelled=True)

    client = river.Client(
        driver, make_config(schema, _workers(FailWorker()), error_handler=Handler())
    )
    with started(client):
        job = client.insert(FailArgs()).job
        wait_for_state(client, job.id, river.JobState.CANCELLED)
    assert seen == ["failing on purpose (error)"]


def test_timeout_fails_the_attempt(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(FailWorker()), job_timeout=0.2))
    with started(client):
        job = client.insert(FailArgs(mode="cooperative")).job
        errored = wait_for(lambda: _errored(client, job.id, 1))
    assert "timed out" in errored.errors[0].error


def test_job_complete_tx(driver: Any, schema: str) -> None:
    from river._internal.completer.worker_tx import job_complete_tx

    done: list[river.JobState] = []

    class TxWorker(river.Worker[EchoArgs]):
        def work(self, job: river.Job[EchoArgs]) -> None:
            with user_tx(driver) as tx:
                row = job_complete_tx(tx, job)
                done.append(row.state)

    client = river.Client(driver, make_config(schema, _workers(TxWorker())))
    with started(client):
        job = client.insert(EchoArgs()).job
        wait_for_state(client, job.id, river.JobState.COMPLETED)
    assert done == [river.JobState.COMPLETED]


def test_event_follows_the_persisted_outcome(driver: Any, schema: str) -> None:
    # Completed in a transaction, then an error: the job stays completed, and its event
    # says so (River v0.44).
    from river._internal.completer.worker_tx import job_complete_tx

    class CompleteThenFailWorker(river.Worker[EchoArgs]):
        def work(self, job: river.Job[EchoArgs]) -> None:
            with user_tx(driver) as tx:
                job_complete_tx(tx, job)
            raise RuntimeError("failing after completing")

    client = river.Client(driver, make_config(schema, _workers(CompleteThenFailWorker())))
    sub = client.subscribe()
    with started(client):
        job = client.insert(EchoArgs()).job
        event = sub.get(timeout=10)
    assert event is not None and event.job is not None and (event.job.id == job.id)
    assert event.kind is river.EventKind.JOB_COMPLETED
    assert event.job.state is river.JobState.COMPLETED and event.job.errors == []


def test_no_event_for_a_job_moved_out_of_band_while_it_ran(driver: Any, schema: str) -> None:
    # River v0.48: the completer leaves such a job alone and reports nothing for it.
    ex = driver.get_executor(schema)

    class MovedWorker(river.Worker[EchoArgs]):
        def work(self, job: river.Job[EchoArgs]) -> None:
            if job.args.message == "move":
                ex.execute(
                    "UPDATE /* TEMPLATE: schema */river_job SET state = 'pending' WHERE id = @id",
                    {"id": job.id},
                )
                raise RuntimeError("failing once moved")  # not a completion-only batch

    client = river.Client(driver, make_config(schema, _workers(MovedWorker())))
    sub = client.subscribe()
    with started(client):
        moved = client.insert(EchoArgs(message="move")).job

        def moved_and_reported() -> bool:
            row = client.job_get(moved.id)
            return row.state is river.JobState.PENDING

        wait_for(moved_and_reported)
        plain = client.insert(EchoArgs(message="plain")).job
        wait_for_state(client, plain.id, river.JobState.COMPLETED)
    # Stopping flushed the completer and closed the subscription: every event is in it.
    events = []
    while (event := sub.get(timeout=10)) is not None:
        events.append(event)
    assert [e.job.id for e in events if e.job is not None] == [plain.id]
    assert client.job_get(moved.id).state is river.JobState.PENDING


@pytest.mark.needs_listen_in_pool("listens for the insert notification itself")
def test_insert_notifies_river_insert(driver: Any, schema: str) -> None:
    listener = driver.get_listener()
    listener.connect()
    try:
        listener.listen(f"{schema}.river_insert")
        client = river.Client(driver, make_config(schema, _workers(EchoWorker())))
        client.insert(EchoArgs())
        note = listener.wait_for_notification(5.0)
    finally:
        listener.close()
    assert note is not None
    assert json.loads(note.payload) == {"queue": "default"}


def test_wrong_colour_worker_rejected(driver: Any, schema: str) -> None:
    # Built by name so that the generated sync twin still gets the other colour.
    other = getattr(river, "Async" + "Worker")

    class WrongColour(other[EchoArgs]):  # type: ignore[misc,valid-type]
        pass

    with pytest.raises(river.WrongColourError):
        river.Client(driver, make_config(schema, _workers(WrongColour())))


def test_stop_and_cancel_right_after_fetch_leaves_nothing_running(driver: Any, schema: str) -> None:
    # Jobs fetched but whose tasks have not started yet must be handed back too.
    client = river.Client(driver, make_config(schema, _workers(FailWorker())))
    client.insert_many([FailArgs(mode="cooperative") for _ in range(30)])
    client.start()
    wait_for(lambda: _count_state(client, river.JobState.RUNNING, 10))
    client.stop_and_cancel()
    assert client.job_list(river.JobListParams(states=[river.JobState.RUNNING])) == []
    available = client.job_list(river.JobListParams(states=[river.JobState.AVAILABLE]))
    assert len(available) == 30
    assert all(j.attempt == 0 for j in available)


def test_unstorable_metadata_fails_the_attempt(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(FailWorker()), max_attempts=1))
    with started(client):
        job = client.insert(FailArgs(mode="bad_metadata")).job
        done = wait_for_state(client, job.id, river.JobState.DISCARDED)
    assert done.errors[0].error.startswith("InvalidJSONValueError: metadata['note']")
    assert "note" not in done.metadata

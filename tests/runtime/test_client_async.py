"""The client's core loop against a real database, for every driver of this colour."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import asleep
from tests._client_helpers_async import (
    make_config,
    started,
    user_tx,
    wait_for,
    wait_for_state,
)

pytestmark = pytest.mark.anyio


@dataclass
class EchoArgs:
    kind = "echo"
    message: str = ""


@dataclass
class FailArgs:
    kind = "fail"
    mode: str = "error"


class EchoWorker(river.AsyncWorker[EchoArgs]):
    def __init__(self) -> None:
        self.seen: list[tuple[int, str]] = []

    async def work(self, job: river.Job[EchoArgs]) -> None:
        self.seen.append((job.id, job.args.message))
        river.record_output({"echo": job.args.message})


class FailWorker(river.AsyncWorker[FailArgs]):
    async def work(self, job: river.Job[FailArgs]) -> None:
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
            await asleep(30)
            return
        if mode == "cooperative":
            for _ in range(3000):
                river.check_cancelled()
                await asleep(0.01)
            return
        raise ValueError(f"failing on purpose ({mode})")


def _workers(*workers: Any) -> river.Workers:
    registry = river.Workers()
    for w in workers:
        registry.add(w)
    return registry


async def test_insert_and_work(adriver: Any, schema: str) -> None:
    echo = EchoWorker()
    client = river.AsyncClient(adriver, make_config(schema, _workers(echo)))
    sub = client.subscribe(river.EventKind.JOB_COMPLETED)
    async with started(client):
        inserted = await client.insert(EchoArgs(message="hello"))
        assert inserted.job.state is river.JobState.AVAILABLE
        assert not inserted.unique_skipped_as_duplicate
        event = await sub.get(timeout=10)
    assert event is not None and event.job is not None
    assert event.kind is river.EventKind.JOB_COMPLETED
    assert event.job.id == inserted.job.id
    assert event.job_stats is not None and event.job_stats.run_duration >= 0
    job = await client.job_get(inserted.job.id)
    assert job.state is river.JobState.COMPLETED
    assert job.attempt == 1
    assert job.finalized_at is not None
    assert job.output == {"echo": "hello"}
    assert echo.seen == [(inserted.job.id, "hello")]


async def test_insert_tx_rollback_is_never_worked_commit_once(adriver: Any, schema: str) -> None:
    echo = EchoWorker()
    client = river.AsyncClient(adriver, make_config(schema, _workers(echo)))
    async with started(client):
        async with user_tx(adriver, rollback=True) as tx:
            gone = await client.insert_tx(tx, EchoArgs(message="rolled back"))
        async with user_tx(adriver) as tx:
            kept = await client.insert_tx(tx, EchoArgs(message="committed"))
        await wait_for_state(client, kept.job.id, river.JobState.COMPLETED)
        await asleep(0.3)
    assert echo.seen == [(kept.job.id, "committed")]
    with pytest.raises(river.JobNotFoundError):
        await client.job_get(gone.job.id)


async def test_insert_many_and_fast(adriver: Any, schema: str) -> None:
    echo = EchoWorker()
    client = river.AsyncClient(adriver, make_config(schema, _workers(echo)))
    results = await client.insert_many(
        [EchoArgs(message=str(i)) for i in range(5)]
        + [river.InsertManyParams(EchoArgs(message="p"), river.InsertOpts(priority=3))]
    )
    assert results[0].job.args == {"message": "0"}
    assert results[-1].job.priority == 3
    count = await client.insert_many_fast([EchoArgs(message=f"f{i}") for i in range(20)])
    assert count == 20
    async with started(client):
        await wait_for(lambda: _count_state(client, river.JobState.COMPLETED, 26))
    assert sorted(m for _, m in echo.seen) == sorted(
        [str(i) for i in range(5)] + ["p"] + [f"f{i}" for i in range(20)]
    )


async def _count_state(client: Any, state: river.JobState, expected: int) -> bool:
    jobs = await client.job_list(river.JobListParams(states=[state], limit=10_000))
    return len(jobs) == expected


async def test_error_retry_follows_default_policy(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(FailWorker())))
    async with started(client):
        job = (await client.insert(FailArgs())).job
        # First failure: (0+1)^4 = 1s ± 10%, due soon enough to be available directly.
        first = await wait_for(lambda: _errored(client, job.id, 1))
        # Second failure: (1+1)^4 = 16s ± 10%, left for the scheduler.
        second = await wait_for(lambda: _errored(client, job.id, 2))
    err = first.errors[0]
    assert err.attempt == 1
    assert "ValueError: failing on purpose (error)" in err.error
    assert "Traceback" in err.trace
    assert second.state is river.JobState.RETRYABLE
    assert second.attempt == 2
    delay = (second.scheduled_at - second.errors[1].at).total_seconds()
    assert 16 * 0.9 - 0.5 <= delay <= 16 * 1.1 + 0.5


async def _errored(client: Any, job_id: int, n: int) -> river.JobRow | None:
    job: river.JobRow = await client.job_get(job_id)
    return job if len(job.errors) >= n and job.state is not river.JobState.RUNNING else None


async def test_snooze_does_not_consume_attempts(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(FailWorker())))
    async with started(client):
        job = (await client.insert(FailArgs(mode="snooze"))).job
        snoozed = await wait_for_state(client, job.id, river.JobState.SCHEDULED)
    assert snoozed.attempt == 0
    assert snoozed.metadata["snoozes"] == 1
    assert snoozed.errors == []
    wait = (snoozed.scheduled_at - dt.datetime.now(dt.UTC)).total_seconds()
    assert 250 < wait <= 300


async def test_job_cancel_from_worker(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(FailWorker())))
    async with started(client):
        job = (await client.insert(FailArgs(mode="cancel"))).job
        cancelled = await wait_for_state(client, job.id, river.JobState.CANCELLED)
    assert cancelled.finalized_at is not None
    assert "no longer needed" in cancelled.errors[0].error


async def test_exhausted_job_is_discarded(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(FailWorker())))
    async with started(client):
        job = (await client.insert(FailArgs(), river.InsertOpts(max_attempts=1))).job
        discarded = await wait_for_state(client, job.id, river.JobState.DISCARDED)
    assert discarded.attempt == 1
    assert discarded.finalized_at is not None
    assert len(discarded.errors) == 1


async def test_stop_waits_for_running_jobs(adriver: Any, schema: str) -> None:
    class SlowWorker(river.AsyncWorker[EchoArgs]):
        async def work(self, job: river.Job[EchoArgs]) -> None:
            await asleep(0.5)

    client = river.AsyncClient(adriver, make_config(schema, _workers(SlowWorker())))
    await client.start()
    job = (await client.insert(EchoArgs())).job
    await wait_for_state(client, job.id, river.JobState.RUNNING)
    await client.stop()
    assert (await client.job_get(job.id)).state is river.JobState.COMPLETED


async def test_stop_and_cancel_interrupts_without_consuming_attempt(
    adriver: Any, schema: str
) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(FailWorker())))
    await client.start()
    # Async jobs are cancelled wherever they are; sync ones must check for cancellation.
    if True:  # ASYNC
        modes = ("sleep", "cooperative")
    else:
        modes = ("cooperative",)
    ids = [(await client.insert(FailArgs(mode=m))).job.id for m in modes]
    for job_id in ids:
        await wait_for_state(client, job_id, river.JobState.RUNNING)
    await client.stop_and_cancel()
    for job_id in ids:
        job = await client.job_get(job_id)
        assert job.state is river.JobState.AVAILABLE
        assert job.attempt == 0
        assert job.errors == []
    running = await client.job_list(river.JobListParams(states=[river.JobState.RUNNING]))
    assert running == []


async def test_unknown_kind_is_retried(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(
        adriver, make_config(schema, _workers(EchoWorker()), skip_unknown_job_check=True)
    )

    @dataclass
    class OtherArgs:
        kind = "nobody_works_this"

    async with started(client):
        job = (await client.insert(OtherArgs())).job
        errored = await wait_for(lambda: _errored(client, job.id, 1))
    assert "UnknownJobKindError" in errored.errors[0].error
    assert errored.state in (river.JobState.AVAILABLE, river.JobState.RETRYABLE)


async def test_insert_unknown_kind_rejected(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(EchoWorker())))

    @dataclass
    class OtherArgs:
        kind = "nobody_works_this"

    with pytest.raises(river.UnknownJobKindError):
        await client.insert(OtherArgs())
    assert await client.job_list() == []


async def test_invalid_insert_writes_nothing(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(EchoWorker())))
    with pytest.raises(river.InvalidPriorityError):
        await client.insert_many(
            [EchoArgs(), river.InsertManyParams(EchoArgs(), river.InsertOpts(priority=5))]
        )
    with pytest.raises(river.InvalidQueueError):
        await client.insert(EchoArgs(), river.InsertOpts(queue="Bad Queue!"))
    assert await client.job_list() == []


async def test_error_handler_can_cancel(adriver: Any, schema: str) -> None:
    seen: list[str] = []

    class Handler(river.ErrorHandler):
        def handle_error(self, job: Any, error: BaseException) -> river.ErrorHandlerResult:
            seen.append(str(error))
            return river.ErrorHandlerResult(set_cancelled=True)

    client = river.AsyncClient(
        adriver, make_config(schema, _workers(FailWorker()), error_handler=Handler())
    )
    async with started(client):
        job = (await client.insert(FailArgs())).job
        await wait_for_state(client, job.id, river.JobState.CANCELLED)
    assert seen == ["failing on purpose (error)"]


async def test_timeout_fails_the_attempt(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(
        adriver, make_config(schema, _workers(FailWorker()), job_timeout=0.2)
    )
    async with started(client):
        job = (await client.insert(FailArgs(mode="cooperative"))).job
        errored = await wait_for(lambda: _errored(client, job.id, 1))
    assert "timed out" in errored.errors[0].error


async def test_job_complete_tx(adriver: Any, schema: str) -> None:
    from river._internal.completer.worker_tx_async import job_complete_tx

    done: list[river.JobState] = []

    class TxWorker(river.AsyncWorker[EchoArgs]):
        async def work(self, job: river.Job[EchoArgs]) -> None:
            async with user_tx(adriver) as tx:
                row = await job_complete_tx(tx, job)
                done.append(row.state)

    client = river.AsyncClient(adriver, make_config(schema, _workers(TxWorker())))
    async with started(client):
        job = (await client.insert(EchoArgs())).job
        await wait_for_state(client, job.id, river.JobState.COMPLETED)
    assert done == [river.JobState.COMPLETED]


async def test_event_follows_the_persisted_outcome(adriver: Any, schema: str) -> None:
    # Completed in a transaction, then an error: the job stays completed, and its event
    # says so (River v0.44).
    from river._internal.completer.worker_tx_async import job_complete_tx

    class CompleteThenFailWorker(river.AsyncWorker[EchoArgs]):
        async def work(self, job: river.Job[EchoArgs]) -> None:
            async with user_tx(adriver) as tx:
                await job_complete_tx(tx, job)
            raise RuntimeError("failing after completing")

    client = river.AsyncClient(adriver, make_config(schema, _workers(CompleteThenFailWorker())))
    sub = client.subscribe()
    async with started(client):
        job = (await client.insert(EchoArgs())).job
        event = await sub.get(timeout=10)
    assert event is not None and event.job is not None and event.job.id == job.id
    assert event.kind is river.EventKind.JOB_COMPLETED
    assert event.job.state is river.JobState.COMPLETED and event.job.errors == []


async def test_no_event_for_a_job_moved_out_of_band_while_it_ran(
    adriver: Any, schema: str
) -> None:
    # River v0.48: the completer leaves such a job alone and reports nothing for it.
    ex = adriver.get_executor(schema)

    class MovedWorker(river.AsyncWorker[EchoArgs]):
        async def work(self, job: river.Job[EchoArgs]) -> None:
            if job.args.message == "move":
                await ex.execute(
                    "UPDATE /* TEMPLATE: schema */river_job SET state = 'pending'"
                    " WHERE id = @id",
                    {"id": job.id},
                )
                raise RuntimeError("failing once moved")  # not a completion-only batch

    client = river.AsyncClient(adriver, make_config(schema, _workers(MovedWorker())))
    sub = client.subscribe()
    async with started(client):
        moved = (await client.insert(EchoArgs(message="move"))).job

        async def moved_and_reported() -> bool:
            row = await client.job_get(moved.id)
            return row.state is river.JobState.PENDING

        await wait_for(moved_and_reported)
        plain = (await client.insert(EchoArgs(message="plain"))).job
        await wait_for_state(client, plain.id, river.JobState.COMPLETED)
    # Stopping flushed the completer and closed the subscription: every event is in it.
    events = []
    while (event := await sub.get(timeout=10)) is not None:
        events.append(event)
    assert [e.job.id for e in events if e.job is not None] == [plain.id]
    assert (await client.job_get(moved.id)).state is river.JobState.PENDING


@pytest.mark.needs_listen_in_pool("listens for the insert notification itself")
async def test_insert_notifies_river_insert(adriver: Any, schema: str) -> None:
    listener = adriver.get_listener()
    await listener.connect()
    try:
        await listener.listen(f"{schema}.river_insert")
        client = river.AsyncClient(adriver, make_config(schema, _workers(EchoWorker())))
        await client.insert(EchoArgs())
        note = await listener.wait_for_notification(5.0)
    finally:
        await listener.close()
    assert note is not None
    assert json.loads(note.payload) == {"queue": "default"}


async def test_wrong_colour_worker_rejected(adriver: Any, schema: str) -> None:
    # Built by name so that the generated sync twin still gets the other colour.
    if True:  # ASYNC
        other: Any = river.Worker
    else:
        other = getattr(river, "Async" + "Worker")

    class WrongColour(other[EchoArgs]):  # type: ignore[misc,valid-type]
        pass

    with pytest.raises(river.WrongColourError):
        river.AsyncClient(adriver, make_config(schema, _workers(WrongColour())))


async def test_stop_and_cancel_right_after_fetch_leaves_nothing_running(
    adriver: Any, schema: str
) -> None:
    # Jobs fetched but whose tasks have not started yet must be handed back too.
    client = river.AsyncClient(adriver, make_config(schema, _workers(FailWorker())))
    await client.insert_many([FailArgs(mode="cooperative") for _ in range(30)])
    await client.start()
    await wait_for(lambda: _count_state(client, river.JobState.RUNNING, 10))
    await client.stop_and_cancel()
    assert await client.job_list(river.JobListParams(states=[river.JobState.RUNNING])) == []
    available = await client.job_list(river.JobListParams(states=[river.JobState.AVAILABLE]))
    assert len(available) == 30
    assert all(j.attempt == 0 for j in available)


async def test_unstorable_metadata_fails_the_attempt(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(
        adriver, make_config(schema, _workers(FailWorker()), max_attempts=1)
    )
    async with started(client):
        job = (await client.insert(FailArgs(mode="bad_metadata"))).job
        done = await wait_for_state(client, job.id, river.JobState.DISCARDED)
    assert done.errors[0].error.startswith("InvalidJSONValueError: metadata['note']")
    assert "note" not in done.metadata

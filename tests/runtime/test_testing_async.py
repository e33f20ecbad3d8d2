"""river.testing: the require_* assertions pass and fail when they should, and the worker
harness works one job inside a transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

import river
from river.testing import (
    AsyncTestWorker,
    ExpectedJob,
    RequireInsertedOpts,
    resumable_step_after,
    resumable_step_at_cursor,
)
from river.testing import arequire_inserted as require_inserted
from river.testing import arequire_inserted_tx as require_inserted_tx
from river.testing import arequire_many_inserted as require_many_inserted
from river.testing import arequire_many_inserted_tx as require_many_inserted_tx
from river.testing import arequire_not_inserted as require_not_inserted
from river.testing import arequire_not_inserted_tx as require_not_inserted_tx
from tests._client_helpers_async import user_tx

pytestmark = pytest.mark.anyio


@dataclass
class EmailArgs:
    kind = "email"
    to: str = ""


@dataclass
class SmsArgs:
    kind = "sms"
    to: str = ""


@dataclass
class StepsArgs:
    kind = "steps"
    ids: list[int] = field(default_factory=list)


def _client(adriver: Any, schema: str) -> Any:
    return river.AsyncClient(adriver, river.Config(schema=schema))


async def test_require_inserted(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema)
    with pytest.raises(AssertionError, match="exactly one job of kind 'email', found 0"):
        await require_inserted(adriver, EmailArgs, schema=schema)
    await client.insert(EmailArgs(to="a@example.com"), river.InsertOpts(queue="mail", priority=2))

    job = await require_inserted(
        adriver, EmailArgs, RequireInsertedOpts(queue="mail", priority=2), schema=schema
    )
    assert job.args == EmailArgs(to="a@example.com")
    with pytest.raises(AssertionError, match="queue is 'mail', expected 'default'"):
        await require_inserted(adriver, EmailArgs(), RequireInsertedOpts(queue="default"),
                               schema=schema)
    with pytest.raises(AssertionError, match="priority is 2, expected 1"):
        await require_inserted(adriver, EmailArgs, RequireInsertedOpts(priority=1), schema=schema)

    # A client works too: its driver and schema are used.
    assert (await require_inserted(client, EmailArgs)).args.to == "a@example.com"
    await client.insert(EmailArgs(to="b@example.com"))
    with pytest.raises(AssertionError, match="found 2"):
        await require_inserted(adriver, EmailArgs, schema=schema)


async def test_require_not_inserted(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema)
    await require_not_inserted(adriver, EmailArgs, schema=schema)
    await client.insert(EmailArgs(), river.InsertOpts(queue="mail", tags=["tag_a"]))
    with pytest.raises(AssertionError, match="expected no job of kind 'email'"):
        await require_not_inserted(adriver, EmailArgs, schema=schema)
    # Fails only when every given option matches.
    await require_not_inserted(
        adriver, EmailArgs, RequireInsertedOpts(queue="mail", tags=["tag_b"]), schema=schema
    )
    with pytest.raises(AssertionError, match="matching queue='mail'"):
        await require_not_inserted(
            adriver, EmailArgs, RequireInsertedOpts(queue="mail", tags=["tag_a"]), schema=schema
        )


async def test_require_many_inserted(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema)
    await client.insert_many([EmailArgs(), SmsArgs(), EmailArgs()])
    rows = await require_many_inserted(adriver, [
        ExpectedJob(EmailArgs), ExpectedJob(SmsArgs, RequireInsertedOpts(queue="default")),
        ExpectedJob(EmailArgs),
    ], schema=schema)
    assert [r.kind for r in rows] == ["email", "sms", "email"]
    with pytest.raises(AssertionError, match=r"expected jobs of kinds \['sms', 'email'"):
        await require_many_inserted(
            adriver, [ExpectedJob(SmsArgs), ExpectedJob(EmailArgs), ExpectedJob(EmailArgs)],
            schema=schema,
        )
    with pytest.raises(AssertionError, match="priority is 1, expected 4"):
        await require_many_inserted(adriver, [
            ExpectedJob(EmailArgs), ExpectedJob(SmsArgs, RequireInsertedOpts(priority=4)),
            ExpectedJob(EmailArgs),
        ], schema=schema)


async def test_tx_forms_see_the_uncommitted_insert(adriver: Any, schema: str) -> None:
    client = _client(adriver, schema)
    async with user_tx(adriver, rollback=True) as tx:
        await client.insert_tx(tx, EmailArgs(to="x"))
        job = await require_inserted_tx(adriver, tx, EmailArgs, schema=schema)
        assert job.args.to == "x"
        await require_many_inserted_tx(adriver, tx, [ExpectedJob(EmailArgs)], schema=schema)
        with pytest.raises(AssertionError):
            await require_not_inserted_tx(adriver, tx, EmailArgs, schema=schema)
        # Outside the transaction there is nothing yet.
        await require_not_inserted(adriver, EmailArgs, schema=schema)
    await require_not_inserted(adriver, EmailArgs, schema=schema)


class StepsWorker(river.AsyncWorker[StepsArgs]):
    def __init__(self) -> None:
        self.ran: list[str] = []

    async def work(self, job: river.Job[StepsArgs]) -> None:
        await river.aresumable_step("download", lambda: self.ran.append("download"))

        async def process(cursor: int) -> None:
            for id in job.args.ids:
                if id > cursor:
                    self.ran.append(f"process {id}")
                    river.resumable_set_cursor(id)

        await river.aresumable_step_cursor("process", process)
        await river.aresumable_step("load", lambda: self.ran.append("load"))
        if "fail" in job.metadata:
            raise ValueError("asked to fail")


async def test_worker_harness_works_one_job_in_the_transaction(adriver: Any, schema: str) -> None:
    worker = StepsWorker()
    harness = AsyncTestWorker(adriver, worker, river.Config(schema=schema))
    async with user_tx(adriver, rollback=True) as tx:
        result = await harness.work(tx, StepsArgs(ids=[1, 2]))
        assert result.event_kind is river.EventKind.JOB_COMPLETED
        assert result.job.state is river.JobState.COMPLETED and result.job.attempt == 1
        assert result.error is None
        assert worker.ran == ["download", "process 1", "process 2", "load"]

        failed = await harness.work(tx, StepsArgs(ids=[1]), river.InsertOpts(metadata={"fail": 1}))
        assert failed.event_kind is river.EventKind.JOB_FAILED
        # The first retry is due within seconds, so it is made available at once.
        assert failed.job.state in (river.JobState.AVAILABLE, river.JobState.RETRYABLE)
        assert failed.job.metadata["river:resumable_step"] == "load"
        assert isinstance(failed.error, ValueError)
        assert failed.job.errors[0].error == "ValueError: asked to fail"
    # Rolled back: nothing was left behind.
    await require_not_inserted(adriver, StepsArgs, schema=schema)


async def test_worker_harness_resumes_at_a_step_or_cursor(adriver: Any, schema: str) -> None:
    worker = StepsWorker()
    harness = AsyncTestWorker(adriver, worker, river.Config(schema=schema))
    async with user_tx(adriver, rollback=True) as tx:
        opts = resumable_step_after(river.InsertOpts(queue="custom"), "download")
        assert opts.queue == "custom" and opts.metadata == {"river:resumable_step": "download"}
        result = await harness.work(tx, StepsArgs(ids=[1, 2]), opts)
        assert result.event_kind is river.EventKind.JOB_COMPLETED
        assert worker.ran == ["process 1", "process 2", "load"]

        worker.ran.clear()
        opts = resumable_step_at_cursor(None, "process", 1)
        assert opts.metadata == {
            "river:resumable_step": "process", "river:resumable_cursor": {"process": 1},
        }
        result = await harness.work(tx, StepsArgs(ids=[1, 2, 3]), opts)
        assert result.event_kind is river.EventKind.JOB_COMPLETED
        assert worker.ran == ["process 2", "process 3", "load"]

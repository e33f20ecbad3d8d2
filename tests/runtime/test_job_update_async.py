"""``job_update`` / ``job_update_tx`` (River's ``JobUpdate``), output flushed from a running
job, the typed result of ``job_complete_tx``, and the check of registered kinds."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._internal.completer.worker_tx_async import job_complete_tx
from river.types import JobState
from tests._client_helpers_async import make_config, started, user_tx, wait_for_state
from tests.runtime.test_client_async import EchoArgs, EchoWorker, _workers

pytestmark = pytest.mark.anyio


@dataclass
class ReportArgs:
    kind = "report"
    rows: int = 0
    other_job: int = 0


class FlushingWorker(river.AsyncWorker[ReportArgs]):
    """Records output, stores it mid-run, and keeps what each update returned."""

    def __init__(self) -> None:
        self.updates: list[river.JobRow] = []

    async def work(self, job: river.Job[ReportArgs]) -> None:
        client = river.client_from_context()
        river.record_output({"rows": job.args.rows})
        self.updates.append(await client.job_update(job.id))
        # Another job's update does not take this job's recorded output.
        self.updates.append(await client.job_update(job.args.other_job))
        # A given output wins over the recorded one.
        self.updates.append(await client.job_update(job.id, output="given"))


async def test_update_inside_work_stores_recorded_output_at_once(adriver: Any, schema: str) -> None:
    worker = FlushingWorker()
    client = river.AsyncClient(adriver, make_config(schema, _workers(worker)))
    other = (await client.insert(ReportArgs(), river.InsertOpts(queue="idle"))).job
    async with started(client):
        job = (await client.insert(ReportArgs(rows=7, other_job=other.id))).job
        await wait_for_state(client, job.id, JobState.COMPLETED)
    flushed, untouched, given = worker.updates
    assert flushed.state is JobState.RUNNING and flushed.output == {"rows": 7}
    assert untouched.id == other.id and untouched.output is None
    assert given.state is JobState.RUNNING and given.output == "given"
    # Completion stores the recorded output again, as River does.
    assert (await client.job_get(job.id)).output == {"rows": 7}


async def test_update_outside_work(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(EchoWorker())))
    job = (await client.insert(EchoArgs(), river.InsertOpts(metadata={"keep": 1}))).job
    unchanged = await client.job_update(job.id)
    assert unchanged.metadata == {"keep": 1}
    updated = await client.job_update(job.id, output=[1, "two"])
    assert updated.metadata == {"keep": 1, "output": [1, "two"]}
    async with user_tx(adriver, rollback=True) as tx:
        inside = await client.job_update_tx(tx, job.id, output="rolled back")
        assert inside.output == "rolled back"
    assert (await client.job_get(job.id)).output == [1, "two"]
    with pytest.raises(river.JobNotFoundError):
        await client.job_update(job.id + 1000, output=1)
    with pytest.raises(river.InvalidMetadataError, match="not JSON-encodable"):
        await client.job_update(job.id, output={1, 2})
    assert (await client.job_get(job.id)).output == [1, "two"]


class CompletingWorker(river.AsyncWorker[EchoArgs]):
    """Completes its job in a transaction of its own, three ways."""

    def __init__(self, adriver: Any) -> None:
        self.adriver = adriver
        self.results: list[Any] = []

    async def work(self, job: river.Job[EchoArgs]) -> None:
        async with user_tx(self.adriver) as tx:
            if job.args.message == "job":
                self.results.append(await job_complete_tx(tx, job))
            elif job.args.message == "registered":
                self.results.append(await job_complete_tx(tx, job.row))
            else:
                self.results.append(await job_complete_tx(tx, job.row, dict))


async def test_job_complete_tx_returns_the_typed_job(adriver: Any, schema: str) -> None:
    worker = CompletingWorker(adriver)
    client = river.AsyncClient(adriver, make_config(schema, _workers(worker)))
    async with started(client):
        for message in ("job", "registered", "given"):
            job = (await client.insert(EchoArgs(message=message))).job
            await wait_for_state(client, job.id, JobState.COMPLETED)
    from_job, from_registered, from_given = worker.results
    for result in worker.results:
        assert isinstance(result, river.Job)
        assert result.state is JobState.COMPLETED and result.finalized_at is not None
    assert from_job.args == EchoArgs(message="job")
    assert from_registered.args == EchoArgs(message="registered")
    assert from_given.args == {"message": "given"}


@dataclass
class SpacedArgs:
    kind = "has space"
    kind_aliases = ("also spaced",)


class SpacedWorker(river.AsyncWorker[SpacedArgs]):
    async def work(self, job: river.Job[SpacedArgs]) -> None:
        pass


@dataclass
class AliasedArgs:
    kind = "aliased"
    kind_aliases = ("old kind with spaces",)


class AliasedWorker(river.AsyncWorker[AliasedArgs]):
    async def work(self, job: river.Job[AliasedArgs]) -> None:
        pass


async def test_registered_kinds_are_checked_unless_skipped(
    adriver: Any, schema: str, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(river.ConfigError, match="has space"):
        river.AsyncClient(adriver, make_config(schema, _workers(SpacedWorker())))
    # Aliases name kinds written before a rename: River does not check them.
    river.AsyncClient(adriver, make_config(schema, _workers(AliasedWorker())))
    with caplog.at_level(logging.WARNING, logger="river"):
        client = river.AsyncClient(
            adriver,
            make_config(schema, _workers(SpacedWorker()), skip_job_kind_validation=True),
        )
    assert "has space" in caplog.text
    async with started(client):
        job = (await client.insert(SpacedArgs())).job
        await wait_for_state(client, job.id, JobState.COMPLETED)
    with pytest.raises(river.InvalidKindError, match="at most 127"):
        await client.insert(type("Long", (), {"kind": "k" * 128, "to_json": lambda s: "{}"})())

# WARNING: this file is generated from 'test_job_update_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""``job_update`` / ``job_update_tx`` (River's ``JobUpdate``), output flushed from a running
job, the typed result of ``job_complete_tx``, and the check of registered kinds."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._internal.completer.worker_tx import job_complete_tx
from river.types import JobState
from tests._client_helpers import make_config, started, user_tx, wait_for_state
from tests.runtime.test_client import EchoArgs, EchoWorker, _workers

pytestmark = pytest.mark.anyio


@dataclass
class ReportArgs:
    kind = "report"
    rows: int = 0
    other_job: int = 0


class FlushingWorker(river.Worker[ReportArgs]):
    """Records output, stores it mid-run, and keeps what each update returned."""

    def __init__(self) -> None:
        self.updates: list[river.JobRow] = []

    def work(self, job: river.Job[ReportArgs]) -> None:
        client = river.client_from_context()
        river.record_output({"rows": job.args.rows})
        self.updates.append(client.job_update(job.id))
        # Another job's update does not take this job's recorded output.
        self.updates.append(client.job_update(job.args.other_job))
        # A given output wins over the recorded one.
        self.updates.append(client.job_update(job.id, output="given"))


def test_update_inside_work_stores_recorded_output_at_once(driver: Any, schema: str) -> None:
    worker = FlushingWorker()
    client = river.Client(driver, make_config(schema, _workers(worker)))
    other = client.insert(ReportArgs(), river.InsertOpts(queue="idle")).job
    with started(client):
        job = client.insert(ReportArgs(rows=7, other_job=other.id)).job
        wait_for_state(client, job.id, JobState.COMPLETED)
    flushed, untouched, given = worker.updates
    assert flushed.state is JobState.RUNNING and flushed.output == {"rows": 7}
    assert untouched.id == other.id and untouched.output is None
    assert given.state is JobState.RUNNING and given.output == "given"
    # Completion stores the recorded output again, as River does.
    assert client.job_get(job.id).output == {"rows": 7}


def test_update_outside_work(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(EchoWorker())))
    job = client.insert(EchoArgs(), river.InsertOpts(metadata={"keep": 1})).job
    unchanged = client.job_update(job.id)
    assert unchanged.metadata == {"keep": 1}
    updated = client.job_update(job.id, output=[1, "two"])
    assert updated.metadata == {"keep": 1, "output": [1, "two"]}
    with user_tx(driver, rollback=True) as tx:
        inside = client.job_update_tx(tx, job.id, output="rolled back")
        assert inside.output == "rolled back"
    assert client.job_get(job.id).output == [1, "two"]
    with pytest.raises(river.JobNotFoundError):
        client.job_update(job.id + 1000, output=1)
    with pytest.raises(river.InvalidMetadataError, match="not JSON-encodable"):
        client.job_update(job.id, output={1, 2})
    assert client.job_get(job.id).output == [1, "two"]


class CompletingWorker(river.Worker[EchoArgs]):
    """Completes its job in a transaction of its own, three ways."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.results: list[Any] = []

    def work(self, job: river.Job[EchoArgs]) -> None:
        with user_tx(self.driver) as tx:
            if job.args.message == "job":
                self.results.append(job_complete_tx(tx, job))
            elif job.args.message == "registered":
                self.results.append(job_complete_tx(tx, job.row))
            else:
                self.results.append(job_complete_tx(tx, job.row, dict))


def test_job_complete_tx_returns_the_typed_job(driver: Any, schema: str) -> None:
    worker = CompletingWorker(driver)
    client = river.Client(driver, make_config(schema, _workers(worker)))
    with started(client):
        for message in ("job", "registered", "given"):
            job = client.insert(EchoArgs(message=message)).job
            wait_for_state(client, job.id, JobState.COMPLETED)
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


class SpacedWorker(river.Worker[SpacedArgs]):
    def work(self, job: river.Job[SpacedArgs]) -> None:
        pass


@dataclass
class AliasedArgs:
    kind = "aliased"
    kind_aliases = ("old kind with spaces",)


class AliasedWorker(river.Worker[AliasedArgs]):
    def work(self, job: river.Job[AliasedArgs]) -> None:
        pass


def test_registered_kinds_are_checked_unless_skipped(
    driver: Any, schema: str, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(river.ConfigError, match="has space"):
        river.Client(driver, make_config(schema, _workers(SpacedWorker())))
    # Aliases name kinds written before a rename: River does not check them.
    river.Client(driver, make_config(schema, _workers(AliasedWorker())))
    with caplog.at_level(logging.WARNING, logger="river"):
        client = river.Client(
            driver, make_config(schema, _workers(SpacedWorker()), skip_job_kind_validation=True)
        )
    assert "has space" in caplog.text
    with started(client):
        job = client.insert(SpacedArgs()).job
        wait_for_state(client, job.id, JobState.COMPLETED)
    with pytest.raises(river.InvalidKindError, match="at most 127"):
        client.insert(type("Long", (), {"kind": "k" * 128, "to_json": lambda s: "{}"})())

# WARNING: this file is generated from 'test_insert_fast_stream_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""``insert_many_fast`` without insert hooks or middleware builds its jobs while the COPY
runs: the database works on the first piece while the rest are built. A job failing late
aborts the COPY and inserts nothing; ``insert_many_fast_tx`` builds the whole batch first,
so that a failure leaves the caller's transaction usable."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river.driver.copy_binary import PIECE_ROWS
from river.errors import ArgsEncodeError
from tests._client_helpers import make_config, user_tx
from tests._db import copy_running

pytestmark = pytest.mark.anyio
URL = os.environ.get("RIVER_TEST_DATABASE_URL", "")  # set by conftest before collection


@dataclass
class StreamArgs:
    kind = "stream"
    n: int = 0
    extra: Any = None


class StreamWorker(river.Worker[StreamArgs]):
    def work(self, job: river.Job[StreamArgs]) -> None:
        pass


class WorkOnlyHook(river.Hook):
    """A hook with no ``insert_begin`` of its own: inserts need not wait for it."""

    def work_begin(self, job: river.JobRow) -> None:
        pass


def _client(driver: Any, schema: str, **overrides: Any) -> Any:
    workers = river.Workers()
    workers.add(StreamWorker())
    return river.Client(driver, make_config(schema, workers, **overrides))


class _Watched(list[Any]):
    """A batch that calls ``at_read`` when the client reads the item after the first
    piece while building jobs (its second pass: the first finds the args types)."""

    def __init__(self, items: list[Any], at_read: Any) -> None:
        super().__init__(items)
        self._at_read = at_read
        self._passes = 0

    def __iter__(self) -> Any:
        self._passes += 1
        for i, item in enumerate(super().__iter__()):
            if self._passes == 2 and i == PIECE_ROWS + 1:
                self._at_read()
            yield item


@pytest.mark.parametrize("hooks", [[], [WorkOnlyHook()]], ids=["no-hooks", "work-hook"])
def test_jobs_are_built_while_the_copy_runs(driver: Any, schema: str, hooks: list[Any]) -> None:
    client = _client(driver, schema, hooks=hooks)
    running: list[bool] = []
    n = PIECE_ROWS * 2 + 3
    batch = _Watched(
        [StreamArgs(n=i) for i in range(n)], lambda: running.append(copy_running(URL, schema))
    )
    assert client.insert_many_fast(batch) == n
    assert running == [True]
    jobs = client.job_list(river.JobListParams(limit=n + 1))
    assert [j.args["n"] for j in jobs] == list(range(n))


def test_a_job_failing_late_inserts_nothing(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    batch = [StreamArgs(n=i) for i in range(PIECE_ROWS + 20)]
    batch[PIECE_ROWS + 10] = StreamArgs(extra=object())  # no JSON for it
    with pytest.raises(ArgsEncodeError):
        client.insert_many_fast(batch)
    assert client.job_list(river.JobListParams(limit=10)) == []
    assert client.insert_many_fast([StreamArgs(n=1)]) == 1


def test_the_tx_variant_failing_late_keeps_the_transaction(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    batch = [StreamArgs(n=i) for i in range(PIECE_ROWS + 20)]
    batch[PIECE_ROWS + 10] = StreamArgs(extra=object())
    with user_tx(driver) as tx:
        with pytest.raises(ArgsEncodeError):
            client.insert_many_fast_tx(tx, batch)
        client.insert_tx(tx, StreamArgs(n=7))
    jobs = client.job_list(river.JobListParams(limit=10))
    assert [j.args["n"] for j in jobs] == [7]


def test_a_generator_of_args_is_inserted_whole(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    n = PIECE_ROWS + 3
    assert client.insert_many_fast(StreamArgs(n=i) for i in range(n)) == n  # type: ignore[arg-type]
    jobs = client.job_list(river.JobListParams(limit=n + 1))
    assert [j.args["n"] for j in jobs] == list(range(n))

"""When the batch completer writes, against a real database: as River's completer, a
backlog smaller than a full batch waits for the completer's tick, and only a full batch is
written at once. Writing as soon as 100 changes waited made many small statements under
load, each with its own fixed cost on the server."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from typing import Any

import pytest

from river._acompat import agather, asleep, aspawn
from river._internal.completer.completer_async import AsyncBatchCompleter
from river.driver.params import (
    JobGetAvailableParams,
    JobInsertFastParams,
    job_set_state_completed,
)

pytestmark = pytest.mark.anyio
LOG = logging.getLogger("river.test.completer_flush")
BATCH = 300  # stands in for the full batch of 5,000


class RecordingExecutor:
    """The real executor, recording the size of each completion statement."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.statements: list[int] = []

    async def job_complete_many_at(
        self, ids: list[int], finalized_at: list[dt.datetime], *, returning: bool, **kw: Any
    ) -> Any:
        self.statements.append(len(ids))
        return await self._inner.job_complete_many_at(
            ids, finalized_at, returning=returning, **kw
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def _running_jobs(aexecutor: Any, n: int) -> list[int]:
    await aexecutor.job_insert_fast_many(
        [JobInsertFastParams(encoded_args="{}", kind="flush") for _ in range(n)]
    )
    rows = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=n, client_id="test")
    )
    assert len(rows) == n
    return [row.id for row in rows]


async def _states(aexecutor: Any, ids: list[int]) -> set[str]:
    return {row.state.value for row in await aexecutor.job_get_by_id_many(ids)}


async def test_a_backlog_waits_for_the_tick_and_a_full_batch_is_written_at_once(
    aexecutor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = sys.modules[AsyncBatchCompleter.__module__]
    monkeypatch.setattr(module, "TICK", 3600.0)  # no tick during the test
    monkeypatch.setattr(module, "BATCH_MAX", BATCH)
    ids = await _running_jobs(aexecutor, BATCH)
    recording = RecordingExecutor(aexecutor)
    completer = AsyncBatchCompleter(recording, lambda rows: None, LOG, wants_rows=lambda: False)
    task = aspawn(completer.run)
    try:
        now = dt.datetime.now(dt.UTC)
        for job_id in ids[:150]:  # past FLUSH_MIN (100), short of a full batch
            completer.add(job_set_state_completed(job_id, now), None)
        await asleep(0.3)
        assert recording.statements == []
        assert await _states(aexecutor, ids) == {"running"}

        for job_id in ids[150:]:
            completer.add(job_set_state_completed(job_id, now), None)
        deadline = time.monotonic() + 10.0
        while await _states(aexecutor, ids) != {"completed"}:
            assert time.monotonic() < deadline, "a full batch was not written at once"
            await asleep(0.02)
        assert recording.statements == [BATCH]
    finally:
        completer.stop()
        await agather(task, timeout=10.0)

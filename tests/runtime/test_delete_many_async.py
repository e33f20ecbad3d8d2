"""``job_delete_many`` deletes nothing without a filter unless all jobs are asked for."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import river
from river.types import JobState
from tests._client_helpers_async import make_config, user_tx
from tests.runtime.test_client_async import EchoArgs, EchoWorker, _workers

pytestmark = pytest.mark.anyio

UNFILTERED = [
    river.JobListParams(),
    river.JobListParams(limit=1000),
    river.JobListParams(order_by="scheduled_at", descending=True, after=(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), 1)),
]


async def _client_with_jobs(adriver: Any, schema: str) -> Any:
    client = river.AsyncClient(adriver, make_config(schema, _workers(EchoWorker())))
    await client.insert_many([EchoArgs(message=str(i)) for i in range(3)])
    await client.insert(EchoArgs(), river.InsertOpts(queue="other", tags=["keep"]))
    return client


@pytest.mark.parametrize("params", UNFILTERED, ids=["default", "limit", "order"])
async def test_no_filter_is_refused(adriver: Any, schema: str, params: Any) -> None:
    client = await _client_with_jobs(adriver, schema)
    with pytest.raises(ValueError, match="with no filter would delete every job") as caught:
        await client.job_delete_many(params)
    assert "JobListParams.unsafe_all()" in str(caught.value)
    async with user_tx(adriver) as tx:
        with pytest.raises(ValueError, match="would delete every job"):
            await client.job_delete_many_tx(tx, params)
    assert len(await client.job_list()) == 4


async def test_unsafe_all_deletes_every_job_not_running(adriver: Any, schema: str) -> None:
    client = await _client_with_jobs(adriver, schema)
    assert len(await client.job_delete_many(river.JobListParams(unsafe_all_jobs=True, limit=1)))
    assert len(await client.job_list()) == 3
    async with user_tx(adriver) as tx:
        deleted = await client.job_delete_many_tx(tx, river.JobListParams.unsafe_all())
    assert len(deleted) == 3
    assert await client.job_list() == []
    assert river.JobListParams.unsafe_all(limit=7) == river.JobListParams(
        limit=7, unsafe_all_jobs=True
    )


@pytest.mark.parametrize(
    "params",
    [
        river.JobListParams(queues=["other"]),
        river.JobListParams(tags_any=["keep"]),
        river.JobListParams(tags_all=["keep"]),
        river.JobListParams(kinds=["echo"], queues=["other"]),
        river.JobListParams(priorities=[1], queues=["other"]),
        river.JobListParams(states=[JobState.AVAILABLE], tags_all=["keep"]),
    ],
    ids=["queues", "tags_any", "tags_all", "kinds", "priorities", "states"],
)
async def test_any_filter_is_enough(adriver: Any, schema: str, params: Any) -> None:
    client = await _client_with_jobs(adriver, schema)
    deleted = await client.job_delete_many(params)
    assert [j.queue for j in deleted] == ["other"]
    assert len(await client.job_list()) == 3


async def test_ids_filter(adriver: Any, schema: str) -> None:
    client = await _client_with_jobs(adriver, schema)
    first = (await client.job_list())[0]
    deleted = await client.job_delete_many(river.JobListParams(ids=[first.id]))
    assert [j.id for j in deleted] == [first.id]

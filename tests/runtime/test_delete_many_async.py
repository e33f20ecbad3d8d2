"""``job_delete_many`` deletes nothing without a filter unless all jobs are asked for."""

from __future__ import annotations

import dataclasses
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
    await client.insert(
        EchoArgs(message="other"),
        river.InsertOpts(queue="other", tags=["keep"], metadata={"team": "blue"}),
    )
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
        # Each JSON or text filter counts on its own, in either form.
        river.JobListParams(metadata_contains={"team": "blue"}),
        river.JobListParams(metadata_contains='{"team": "blue"}'),
        river.JobListParams(args_contains={"message": "other"}),
        river.JobListParams(args_contains='{"message": "other"}'),
        river.JobListParams(args_text="OTHER"),
    ],
    ids=[
        "queues", "tags_any", "tags_all", "kinds", "priorities", "states", "metadata_dict",
        "metadata_text", "args_dict", "args_text_json", "args_text",
    ],
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


# Filters whose value every job matches: the empty object, as a mapping or as text, the
# empty substring, every state and every priority. One rule for all of them: no filter.
MATCH_EVERY_JOB = {
    "metadata_text": river.JobListParams(metadata_contains="{}"),
    "metadata_text_spaced": river.JobListParams(metadata_contains=" { } "),
    "metadata_dict": river.JobListParams(metadata_contains={}),
    "args_text_json": river.JobListParams(args_contains="{}"),
    "args_dict": river.JobListParams(args_contains={}),
    "args_text_empty": river.JobListParams(args_text=""),
    "all_of_them": river.JobListParams(metadata_contains="{}", args_contains={}, args_text=""),
    "every_state": river.JobListParams(states=list(JobState)),
    "every_priority": river.JobListParams(priorities=[1, 2, 3, 4]),
}


@pytest.mark.parametrize("params", MATCH_EVERY_JOB.values(), ids=MATCH_EVERY_JOB.keys())
async def test_a_filter_every_job_matches_is_no_filter(
    adriver: Any, schema: str, params: Any
) -> None:
    client = await _client_with_jobs(adriver, schema)
    with pytest.raises(river.InvalidJobListParamsError, match="with no filter would delete"):
        await client.job_delete_many(params)
    async with user_tx(adriver) as tx:
        with pytest.raises(river.InvalidJobListParamsError, match="with no filter"):
            await client.job_delete_many_tx(tx, params)
    assert len(await client.job_list()) == 4
    assert len(await client.job_delete_many(dataclasses.replace(params, unsafe_all_jobs=True))) == 4


async def test_where_is_refused_as_listing_only(adriver: Any, schema: str) -> None:
    client = await _client_with_jobs(adriver, schema)
    where = river.JobListWhere("queue = @q", {"q": "other"})
    with pytest.raises(river.InvalidJobListParamsError, match="job_list only"):
        await client.job_delete_many(river.JobListParams(where=where))
    assert len(await client.job_list()) == 4


NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


async def _scheduled(client: Any) -> list[river.JobRow]:
    """Five jobs scheduled out of id order."""
    rows = await client.insert_many([
        river.InsertManyParams(
            EchoArgs(message=str(i)), river.InsertOpts(scheduled_at=NOW + dt.timedelta(hours=h))
        )
        for i, h in enumerate([3, 1, 4, 5, 2])
    ])
    return [r.job for r in rows]


@pytest.mark.parametrize(
    ("order_by", "descending"),
    [("id", False), ("id", True), ("scheduled_at", False), ("scheduled_at", True),
     ("time", True), ("created_at", True)],
)
async def test_deletes_what_the_listing_lists_in_its_order(
    adriver: Any, schema: str, order_by: str, descending: bool
) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(EchoWorker())))
    await _scheduled(client)
    params = river.JobListParams(kinds=["echo"], order_by=order_by, descending=descending, limit=2)
    page = await client.job_list(params)
    assert [j.id for j in await client.job_delete_many(params)] == [j.id for j in page]
    # The next page, after the cursor of the first.
    following = params.with_after(page.last_cursor)
    page = await client.job_list(following)
    assert len(page) == 2
    async with user_tx(adriver) as tx:
        deleted = await client.job_delete_many_tx(tx, following)
    assert [j.id for j in deleted] == [j.id for j in page]
    assert len(await client.job_list()) == 1


async def test_after_keeps_the_jobs_before_the_cursor(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, make_config(schema, _workers(EchoWorker())))
    jobs = await _scheduled(client)
    latest_first = sorted(jobs, key=lambda j: j.scheduled_at, reverse=True)
    params = river.JobListParams(
        kinds=["echo"], order_by="scheduled_at", descending=True,
        after=river.JobListCursor.from_job(latest_first[1]),
    )
    deleted = await client.job_delete_many(params)
    assert [j.id for j in deleted] == [j.id for j in latest_first[2:]]
    assert {j.id for j in await client.job_list()} == {j.id for j in latest_first[:2]}

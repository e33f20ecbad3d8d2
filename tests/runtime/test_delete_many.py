# WARNING: this file is generated from 'test_delete_many_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""``job_delete_many`` deletes nothing without a filter unless all jobs are asked for."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import river
from river.types import JobState
from tests._client_helpers import make_config, user_tx
from tests.runtime.test_client import EchoArgs, EchoWorker, _workers

pytestmark = pytest.mark.anyio
UNFILTERED = [
    river.JobListParams(),
    river.JobListParams(limit=1000),
    river.JobListParams(
        order_by="scheduled_at", descending=True, after=(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), 1)
    ),
]


def _client_with_jobs(driver: Any, schema: str) -> Any:
    client = river.Client(driver, make_config(schema, _workers(EchoWorker())))
    client.insert_many([EchoArgs(message=str(i)) for i in range(3)])
    client.insert(EchoArgs(), river.InsertOpts(queue="other", tags=["keep"]))
    return client


@pytest.mark.parametrize("params", UNFILTERED, ids=["default", "limit", "order"])
def test_no_filter_is_refused(driver: Any, schema: str, params: Any) -> None:
    client = _client_with_jobs(driver, schema)
    with pytest.raises(ValueError, match="with no filter would delete every job") as caught:
        client.job_delete_many(params)
    assert "JobListParams.unsafe_all()" in str(caught.value)
    with user_tx(driver) as tx:
        with pytest.raises(ValueError, match="would delete every job"):
            client.job_delete_many_tx(tx, params)
    assert len(client.job_list()) == 4


def test_unsafe_all_deletes_every_job_not_running(driver: Any, schema: str) -> None:
    client = _client_with_jobs(driver, schema)
    assert len(client.job_delete_many(river.JobListParams(unsafe_all_jobs=True, limit=1)))
    assert len(client.job_list()) == 3
    with user_tx(driver) as tx:
        deleted = client.job_delete_many_tx(tx, river.JobListParams.unsafe_all())
    assert len(deleted) == 3
    assert client.job_list() == []
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
def test_any_filter_is_enough(driver: Any, schema: str, params: Any) -> None:
    client = _client_with_jobs(driver, schema)
    deleted = client.job_delete_many(params)
    assert [j.queue for j in deleted] == ["other"]
    assert len(client.job_list()) == 3


def test_ids_filter(driver: Any, schema: str) -> None:
    client = _client_with_jobs(driver, schema)
    first = client.job_list()[0]
    deleted = client.job_delete_many(river.JobListParams(ids=[first.id]))
    assert [j.id for j in deleted] == [first.id]

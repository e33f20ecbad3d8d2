# WARNING: this file is generated from 'test_job_list_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Reading and changing jobs: listing (filters, order, cursors), counts by queue and state,
update, delete, retry.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from river.driver.params import JobListOrderBy, JobListParams, JobUpdateParams
from river.types import JobState
from tests.driver._conformance import AWKWARD, job_params, mixed_case_schema, now_utc

pytestmark = pytest.mark.anyio


@pytest.fixture
def schema(driver: Any) -> Iterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    with mixed_case_schema(driver) as name:
        yield name


def test_job_list_filters(executor: Any) -> None:
    res = executor.job_insert_fast_many(
        [
            job_params(kind="k1", queue="q1", priority=1, tags=("x",), metadata='{"team": "a"}'),
            job_params(kind="k2", queue="q2", priority=2, tags=("x", "y")),
            job_params(kind="k2", queue="q1", priority=3, state=JobState.SCHEDULED),
        ]
    )
    a, b, c = (r.job.id for r in res)

    def ids(**kw: Any) -> list[int]:
        return [j.id for j in executor.job_list(JobListParams(**kw))]

    assert ids(kinds=["k2"]) == [b, c]
    assert ids(queues=["q1"]) == [a, c]
    assert ids(priorities=[2, 3]) == [b, c]
    assert ids(states=[JobState.SCHEDULED]) == [c]
    assert ids(tags_any=["y"]) == [b]
    assert ids(tags_all=["x"]) == [a, b]
    assert ids(metadata_contains='{"team": "a"}') == [a]
    assert ids(ids=[a, c]) == [a, c]
    assert ids(descending=True, limit=2) == [c, b]
    assert ids(after=(a, a)) == [b, c]
    assert ids(kinds=["k2"], queues=["q1"]) == [c]


def test_list_filters_update_delete_retry(executor: Any) -> None:
    res = executor.job_insert_fast_many(
        [job_params(kind="k1", tags=("x", "y")), job_params(kind="k2", queue="q2", priority=4)]
    )
    one, two = (res[0].job, res[1].job)
    assert [j.id for j in executor.job_list(JobListParams(kinds=["k2"]))] == [two.id]
    assert [j.id for j in executor.job_list(JobListParams(tags_all=["x", "y"]))] == [one.id]
    assert [j.id for j in executor.job_list(JobListParams(descending=True))] == [two.id, one.id]
    page = executor.job_list(JobListParams(after=(one.id, one.id)))
    assert [j.id for j in page] == [two.id]
    updated = executor.job_update(JobUpdateParams(id=one.id, metadata_merge='{"o":1}'))
    assert updated.metadata == {"o": 1}
    deleted = executor.job_delete(two.id)
    assert deleted.id == two.id and executor.job_get_by_id(two.id) is None
    retried = executor.job_retry(one.id)
    assert retried.state is JobState.AVAILABLE


def test_job_count_by_queue_and_state(executor: Any) -> None:
    assert executor.job_count_by_queue_and_state() == []
    executor.job_insert_fast_many(
        [
            job_params(queue="a"),
            job_params(queue="a"),
            job_params(
                queue="b", state=JobState.SCHEDULED, scheduled_at=now_utc() + dt.timedelta(hours=1)
            ),
        ]
    )
    counts = executor.job_count_by_queue_and_state()
    assert [(c.queue, c.state, c.count) for c in counts] == [
        ("a", JobState.AVAILABLE, 2),
        ("b", JobState.SCHEDULED, 1),
    ]


def test_job_list_orders_by_enum_and_filters_metadata_by_dict(executor: Any) -> None:
    early = now_utc() - dt.timedelta(hours=2)
    [a, b] = [
        r.job.id
        for r in executor.job_insert_fast_many(
            [
                job_params(metadata='{"team": "a", "n": 1}'),
                job_params(metadata='{"team": "b"}', scheduled_at=early),
            ]
        )
    ]

    def ids(**kw: Any) -> list[int]:
        return [j.id for j in executor.job_list(JobListParams(**kw))]

    assert ids(metadata_contains={"team": "a"}) == [a]
    assert ids(metadata_contains={}) == [a, b]
    assert ids(order_by=JobListOrderBy.SCHEDULED_AT) == [b, a]
    assert ids(order_by="scheduled_at", descending=True) == [a, b]
    with pytest.raises(ValueError, match="cannot order jobs by 'kind'"):
        JobListParams(order_by="kind")  # type: ignore[arg-type]
    deleted = executor.job_delete_many(JobListParams(metadata_contains={"team": "b"}))
    assert [j.id for j in deleted] == [b]


def test_job_list_where_and_time_cursor(executor: Any) -> None:
    from river.driver.job_list import JobListWhere, job_list_result

    early = now_utc() - dt.timedelta(hours=1)
    inserted = executor.job_insert_fast_many(
        [
            job_params(metadata=json.dumps({"team": AWKWARD}), priority=2, scheduled_at=early),
            job_params(metadata='{"team": "b"}', priority=2),
            job_params(kind="smoky", metadata=json.dumps({"team": AWKWARD}), priority=3),
            job_params(metadata=json.dumps({"team": AWKWARD}), priority=2),
        ]
    )
    ids = [r.job.id for r in inserted]
    # Values of several types, a '%' in the fragment's own text, and a value that looks
    # like the placeholders of other drivers.
    where = [
        JobListWhere("metadata->>'team' = @team AND kind LIKE 'sm%'", {"team": AWKWARD}),
        JobListWhere(
            "priority <= @top AND kind = any(@wanted::text[])",
            {"top": 2, "wanted": ["smoke", "smoky"]},
        ),
        JobListWhere("scheduled_at < @before", {"before": now_utc() + dt.timedelta(minutes=1)}),
    ]
    params = JobListParams(where=where, order_by=JobListOrderBy.TIME, limit=1)
    first = job_list_result(executor.job_list(params), params)
    assert [j.id for j in first] == [ids[0]]
    assert first.last_cursor is not None and first.last_cursor.time == first[0].scheduled_at
    rest = executor.job_list(
        JobListParams(where=where, order_by="time", after=first.last_cursor.encode())
    )
    assert [j.id for j in rest] == [ids[3]]
    updated = executor.job_update(
        JobUpdateParams(id=ids[1], metadata_merge=json.dumps({"output": AWKWARD}))
    )
    assert updated.metadata == {"team": "b", "output": AWKWARD}

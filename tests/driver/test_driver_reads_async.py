"""Driver conformance for the read queries behind the dashboard: listing filters and
keyset pages, throughput per minute, oldest available job per queue, running clients."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from river.driver.params import JobInsertFastParams, JobListParams
from river.types import JobState

pytestmark = pytest.mark.anyio


def _job(**kw: Any) -> JobInsertFastParams:
    base: dict[str, Any] = {"encoded_args": '{"n":1}', "kind": "reads"}
    base.update(kw)
    return JobInsertFastParams(**base)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _insert(aexecutor: Any, *jobs: JobInsertFastParams) -> list[int]:
    results = await aexecutor.job_insert_fast_many(list(jobs))
    return [r.job.id for r in results]


async def _finalize(aexecutor: Any, id: int, state: str, at: dt.datetime) -> None:
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET state = @state::text::"
        "/* TEMPLATE: schema */river_job_state, finalized_at = @at::timestamptz "
        "WHERE id = @id::bigint",
        {"state": state, "at": at, "id": id},
    )


async def test_job_list_filters_args_text_and_containment(aexecutor: Any) -> None:
    ids = await _insert(
        aexecutor,
        _job(encoded_args='{"email":"Ann@example.com"}'),
        _job(encoded_args='{"email":"bob@example.com","n":100}'),
        _job(encoded_args='{"note":"50%_off"}'),
    )
    found = await aexecutor.job_list(JobListParams(args_text="ann@EXAMPLE"))
    assert [j.id for j in found] == [ids[0]]
    # LIKE wildcards in the text are matched literally.
    found = await aexecutor.job_list(JobListParams(args_text="%_"))
    assert [j.id for j in found] == [ids[2]]
    found = await aexecutor.job_list(JobListParams(args_contains='{"n":100}'))
    assert [j.id for j in found] == [ids[1]]


async def test_job_list_states_and_keyset_pages_by_id_descending(aexecutor: Any) -> None:
    ids = await _insert(aexecutor, *[_job() for _ in range(5)])
    await _finalize(aexecutor, ids[1], "completed", _now())
    params = JobListParams(states=[JobState.AVAILABLE], order_by="id", descending=True, limit=2)
    first = await aexecutor.job_list(params)
    assert [j.id for j in first] == [ids[4], ids[3]]
    after = (first[-1].id, first[-1].id)
    second = await aexecutor.job_list(
        JobListParams(
            states=[JobState.AVAILABLE], order_by="id", descending=True, limit=2, after=after
        )
    )
    assert [j.id for j in second] == [ids[2], ids[0]]
    completed = await aexecutor.job_list(JobListParams(states=[JobState.COMPLETED]))
    assert [j.id for j in completed] == [ids[1]]


async def test_job_finalized_per_minute(aexecutor: Any) -> None:
    now = _now().replace(second=30, microsecond=0)
    ids = await _insert(aexecutor, *[_job() for _ in range(5)])
    await _finalize(aexecutor, ids[0], "completed", now)
    await _finalize(aexecutor, ids[1], "completed", now + dt.timedelta(seconds=10))
    await _finalize(aexecutor, ids[2], "discarded", now - dt.timedelta(minutes=1))
    await _finalize(aexecutor, ids[3], "completed", now - dt.timedelta(hours=2))
    rows = await aexecutor.job_finalized_per_minute(now - dt.timedelta(hours=1))
    minute = now.replace(second=0)
    assert [(r.minute, r.state, r.count) for r in rows] == [
        (minute - dt.timedelta(minutes=1), JobState.DISCARDED, 1),
        (minute, JobState.COMPLETED, 2),
    ]


async def test_queue_oldest_available(aexecutor: Any) -> None:
    old = _now() - dt.timedelta(minutes=5)
    await _insert(
        aexecutor,
        _job(queue="a", priority=3, scheduled_at=old),
        _job(queue="a", priority=1, scheduled_at=old + dt.timedelta(minutes=1)),
        _job(queue="b", state=JobState.SCHEDULED, scheduled_at=_now() + dt.timedelta(hours=1)),
    )
    oldest = await aexecutor.queue_oldest_available(["a", "b", "none"])
    assert oldest == {"a": old, "b": None, "none": None}


async def test_job_running_client_ids(aexecutor: Any) -> None:
    ids = await _insert(aexecutor, *[_job() for _ in range(3)])
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET state = 'running', "
        "attempted_by = @by::text[] WHERE id = any(@ids::bigint[])",
        {"by": ["old-client", "client-1"], "ids": ids[:2]},
    )
    assert await aexecutor.job_running_client_ids() == {"client-1": 2}
    assert sum((await aexecutor.job_running_client_ids(max=1)).values()) == 1


async def test_job_count_by_queue_and_state_capped(aexecutor: Any) -> None:
    assert await aexecutor.job_count_by_queue_and_state_capped(3) == []
    ids = await _insert(
        aexecutor,
        *[_job(queue="a") for _ in range(5)],
        _job(queue="b"),
        _job(queue="c", state=JobState.SCHEDULED, scheduled_at=_now() + dt.timedelta(hours=1)),
    )
    await _finalize(aexecutor, ids[5], "completed", _now())
    counts = await aexecutor.job_count_by_queue_and_state_capped(3)
    assert [(c.queue, c.state, c.count) for c in counts] == [
        ("a", JobState.AVAILABLE, 3),
        ("b", JobState.COMPLETED, 1),
        ("c", JobState.SCHEDULED, 1),
    ]
    exact = await aexecutor.job_count_by_queue_and_state_capped(100)
    assert exact == await aexecutor.job_count_by_queue_and_state()

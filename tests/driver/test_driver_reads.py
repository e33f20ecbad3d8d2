# WARNING: this file is generated from 'test_driver_reads_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Driver conformance for the read queries behind the dashboard: listing filters and
keyset pages, throughput per minute, oldest available job per queue, running clients; a
queue's running clients, its jobs finalized since a time, its running jobs per concurrency
partition and its sequences."""

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


def _insert(executor: Any, *jobs: JobInsertFastParams) -> list[int]:
    results = executor.job_insert_fast_many(list(jobs))
    return [r.job.id for r in results]


def _finalize(executor: Any, id: int, state: str, at: dt.datetime) -> None:
    executor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET state = @state::text::/* TEMPLATE: schema */river_job_state, finalized_at = @at::timestamptz WHERE id = @id::bigint",
        {"state": state, "at": at, "id": id},
    )


def test_job_list_filters_args_text_and_containment(executor: Any) -> None:
    ids = _insert(
        executor,
        _job(encoded_args='{"email":"Ann@example.com"}'),
        _job(encoded_args='{"email":"bob@example.com","n":100}'),
        _job(encoded_args='{"note":"50%_off"}'),
    )
    found = executor.job_list(JobListParams(args_text="ann@EXAMPLE"))
    assert [j.id for j in found] == [ids[0]]
    # LIKE wildcards in the text are matched literally.
    found = executor.job_list(JobListParams(args_text="%_"))
    assert [j.id for j in found] == [ids[2]]
    found = executor.job_list(JobListParams(args_contains='{"n":100}'))
    assert [j.id for j in found] == [ids[1]]


def test_job_list_states_and_keyset_pages_by_id_descending(executor: Any) -> None:
    ids = _insert(executor, *[_job() for _ in range(5)])
    _finalize(executor, ids[1], "completed", _now())
    params = JobListParams(states=[JobState.AVAILABLE], order_by="id", descending=True, limit=2)
    first = executor.job_list(params)
    assert [j.id for j in first] == [ids[4], ids[3]]
    after = (first[-1].id, first[-1].id)
    second = executor.job_list(
        JobListParams(
            states=[JobState.AVAILABLE], order_by="id", descending=True, limit=2, after=after
        )
    )
    assert [j.id for j in second] == [ids[2], ids[0]]
    completed = executor.job_list(JobListParams(states=[JobState.COMPLETED]))
    assert [j.id for j in completed] == [ids[1]]


def test_job_finalized_per_minute(executor: Any) -> None:
    now = _now().replace(second=30, microsecond=0)
    ids = _insert(executor, *[_job() for _ in range(5)])
    _finalize(executor, ids[0], "completed", now)
    _finalize(executor, ids[1], "completed", now + dt.timedelta(seconds=10))
    _finalize(executor, ids[2], "discarded", now - dt.timedelta(minutes=1))
    _finalize(executor, ids[3], "completed", now - dt.timedelta(hours=2))
    rows = executor.job_finalized_per_minute(now - dt.timedelta(hours=1))
    minute = now.replace(second=0)
    assert [(r.minute, r.state, r.count) for r in rows] == [
        (minute - dt.timedelta(minutes=1), JobState.DISCARDED, 1),
        (minute, JobState.COMPLETED, 2),
    ]


def test_queue_oldest_available(executor: Any) -> None:
    old = _now() - dt.timedelta(minutes=5)
    _insert(
        executor,
        _job(queue="a", priority=3, scheduled_at=old),
        _job(queue="a", priority=1, scheduled_at=old + dt.timedelta(minutes=1)),
        _job(queue="b", state=JobState.SCHEDULED, scheduled_at=_now() + dt.timedelta(hours=1)),
    )
    oldest = executor.queue_oldest_available(["a", "b", "none"])
    assert oldest == {"a": old, "b": None, "none": None}


def test_job_running_client_ids(executor: Any) -> None:
    ids = _insert(executor, *[_job() for _ in range(3)])
    executor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET state = 'running', attempted_by = @by::text[] WHERE id = any(@ids::bigint[])",
        {"by": ["old-client", "client-1"], "ids": ids[:2]},
    )
    assert executor.job_running_client_ids() == {"client-1": 2}
    assert sum(executor.job_running_client_ids(max=1).values()) == 1


def test_job_count_by_queue_and_state_capped(executor: Any) -> None:
    assert executor.job_count_by_queue_and_state_capped(3) == []
    ids = _insert(
        executor,
        *[_job(queue="a") for _ in range(5)],
        _job(queue="b"),
        _job(queue="c", state=JobState.SCHEDULED, scheduled_at=_now() + dt.timedelta(hours=1)),
    )
    _finalize(executor, ids[5], "completed", _now())
    counts = executor.job_count_by_queue_and_state_capped(3)
    assert [(c.queue, c.state, c.count) for c in counts] == [
        ("a", JobState.AVAILABLE, 3),
        ("b", JobState.COMPLETED, 1),
        ("c", JobState.SCHEDULED, 1),
    ]
    exact = executor.job_count_by_queue_and_state_capped(100)
    assert exact == executor.job_count_by_queue_and_state()


def _set(executor: Any, ids: list[int], state: str, by: list[str]) -> None:
    executor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET state = @state::text::/* TEMPLATE: schema */river_job_state, attempted_by = @by::text[] WHERE id = any(@ids::bigint[])",
        {"state": state, "by": by, "ids": ids},
    )


def test_queue_running_client_ids(executor: Any) -> None:
    ids = _insert(executor, *[_job(queue="q") for _ in range(3)], _job(queue="other"))
    _set(executor, ids[:2], "running", ["old-client", "client-1"])
    _set(executor, ids[2:], "running", ["client-2"])
    assert executor.queue_running_client_ids("q") == {"client-1": 2, "client-2": 1}
    assert sum(executor.queue_running_client_ids("q", max=1).values()) == 1
    assert executor.queue_running_client_ids("none") == {}


def test_queue_finalized_since(executor: Any) -> None:
    ids = _insert(executor, *[_job(queue="q") for _ in range(4)], _job(queue="other"))
    hour_ago = _now() - dt.timedelta(hours=1)
    for id in ids[:3]:
        _finalize(executor, id, "completed", _now())
    _finalize(executor, ids[3], "discarded", hour_ago - dt.timedelta(minutes=1))
    _finalize(executor, ids[4], "cancelled", _now())  # finalized before the hour
    assert executor.queue_finalized_since("q", hour_ago, 10) == {
        JobState.COMPLETED: 3,
        JobState.CANCELLED: 0,
        JobState.DISCARDED: 0,
    }
    capped = executor.queue_finalized_since("q", hour_ago, 2)
    assert capped[JobState.COMPLETED] == 2


def test_queue_running_by_partition(executor: Any) -> None:  # not running
    jobs = [
        _job(queue="q", kind="mail", encoded_args='{"customer": 1}'),
        _job(queue="q", kind="mail", encoded_args='{"customer": 1}'),
        _job(queue="q", kind="mail", encoded_args='{"customer": 1}'),
        _job(queue="q", kind="sms", encoded_args='{"customer": "x"}'),
        _job(queue="q", kind="mail", encoded_args='{"customer": 2}'),
        _job(queue="other", kind="mail", encoded_args='{"customer": 1}'),
    ]
    ids = _insert(executor, *jobs)
    _set(executor, ids[:2], "running", ["a"])
    _set(executor, ids[2:4], "running", ["b"])
    _set(executor, ids[5:], "running", ["a"])
    by_args = executor.queue_running_by_partition("q", by_kind=False, by_args=["customer"])
    assert by_args == [("[null, 1]", 3, 2), ('[null, "x"]', 1, 1)]
    by_kind = executor.queue_running_by_partition("q", by_kind=True, by_args=[])
    assert by_kind == [('["mail"]', 3, 2), ('["sms"]', 1, 1)]
    whole = executor.queue_running_by_partition("q", by_kind=False, by_args=[])
    assert whole == [("[null]", 4, 2)]
    assert (
        len(
            executor.queue_running_by_partition(
                "q", by_kind=True, by_args=["customer"], partitions=1
            )
        )
        == 1
    )


def _in_sequence(key: str, queue: str = "q", go_on: bool = False) -> JobInsertFastParams:
    metadata = f'{{"riverpro_sequence_key": "{key}", "riverpro_sequence_continue_on_discarded": {str(go_on).lower()}}}'
    return _job(queue=queue, metadata=metadata, state=JobState.PENDING)


def test_sequence_queue_heads(executor: Any) -> None:
    held, held_next, _, running, running_next, free, free_next, other, done = _insert(
        executor,
        _in_sequence("held"),
        _in_sequence("held"),
        _in_sequence("held"),
        _in_sequence("running"),
        _in_sequence("running"),
        _in_sequence("free", go_on=True),
        _in_sequence("free"),
        _in_sequence("elsewhere", queue="other"),
        _in_sequence("done"),
    )
    _finalize(executor, held, "discarded", _now())
    _finalize(executor, free, "discarded", _now())
    _finalize(executor, done, "completed", _now())
    _set(executor, [running], "running", ["a"])
    heads = executor.sequence_queue_heads("q")
    assert heads == [
        ("held", 2, held_next, held, JobState.DISCARDED, "reads"),
        ("running", 1, running_next, running, JobState.RUNNING, "reads"),
        ("free", 1, free_next, None, None, None),
    ]
    assert len(executor.sequence_queue_heads("q", max_keys=1)) == 1
    assert executor.sequence_queue_heads("other", scan=1) == [
        ("elsewhere", 1, other, None, None, None)
    ]

# WARNING: this file is generated from 'test_job_insert_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Inserting jobs: the fast insert (with its unique skip) and the COPY path.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from river.driver.copy_binary import PIECE_ROWS
from river.driver.params import JobListParams
from river.errors import InvalidInsertError, UniqueConflictError
from river.types import JobState
from tests._db import copy_running
from tests.driver._conformance import AWKWARD, URL, job_params, mixed_case_schema, now_utc

pytestmark = pytest.mark.anyio


@pytest.fixture
def schema(driver: Any) -> Iterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    with mixed_case_schema(driver) as name:
        yield name


def test_insert_fast_many_round_trip_and_unique_skip(executor: Any) -> None:
    key = hashlib.sha256(b"smoke").digest()
    sched = now_utc() + dt.timedelta(minutes=5)
    awkward_json = json.dumps({"s": AWKWARD})
    res = executor.job_insert_fast_many(
        [
            job_params(
                encoded_args=awkward_json, metadata=awkward_json, kind=AWKWARD, queue=AWKWARD
            ),
            job_params(
                unique_key=key,
                unique_states=245,
                state=JobState.SCHEDULED,
                scheduled_at=sched,
                tags=("a", "b_c"),
                priority=4,
                max_attempts=3,
            ),
        ]
    )
    first, second = (res[0].job, res[1].job)
    assert first.args == {"s": AWKWARD} and first.metadata == {"s": AWKWARD}
    assert (first.kind, first.queue) == (AWKWARD, AWKWARD)
    assert second.unique_key == key and second.unique_states == 245
    assert second.tags == ["a", "b_c"] and (second.priority, second.max_attempts) == (4, 3)
    assert second.state is JobState.SCHEDULED and second.scheduled_at == sched
    assert not res[0].unique_skipped_as_duplicate and (not res[1].unique_skipped_as_duplicate)
    again = executor.job_insert_fast_many(
        [job_params(unique_key=key, unique_states=245), job_params()]
    )
    assert again[0].unique_skipped_as_duplicate and again[0].job.id == second.id
    assert not again[1].unique_skipped_as_duplicate
    assert executor.job_get_by_id(first.id) == first


def test_copy_insert_escapes_and_unique_columns(executor: Any) -> None:
    key = hashlib.sha256(b"copy").digest()
    created = dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
    params = [
        job_params(
            encoded_args=json.dumps({"i": i, "s": AWKWARD}),
            metadata=json.dumps({"m": AWKWARD}),
            kind=AWKWARD,
            tags=("plain", 'q"uote', "back\\slash", "sp ace", "tab\t"),
            created_at=created,
        )
        for i in range(300)
    ]
    params.append(job_params(kind="unique", unique_key=key, unique_states=129))
    params.append(job_params(kind="no_unique", unique_key=b"", unique_states=0))
    assert executor.job_insert_fast_many_no_returning(params) == 302
    jobs = executor.job_list(JobListParams(limit=1000))
    assert len(jobs) == 302
    assert jobs[0].args == {"i": 0, "s": AWKWARD} and jobs[0].metadata == {"m": AWKWARD}
    assert jobs[0].kind == AWKWARD and jobs[0].created_at == created
    assert jobs[0].tags == ["plain", 'q"uote', "back\\slash", "sp ace", "tab\t"]
    unique, plain = (jobs[300], jobs[301])
    assert unique.unique_key == key and unique.unique_states == 129
    assert plain.unique_key is None and plain.unique_states is None
    # The unique index applies to COPY as well.
    with pytest.raises(UniqueConflictError) as info:
        executor.job_insert_fast_many_no_returning([job_params(unique_key=key, unique_states=129)])
    assert (info.value.index, info.value.unique_key) == (0, key)


def test_copy_insert_keeps_every_column_of_a_mixed_batch(executor: Any) -> None:
    # Jobs that differ in every column but args, interleaved, with their times given or not.
    later = dt.datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC)
    early = dt.datetime(
        1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=-5))
    )
    args = {"emoji": "😀 é", "escaped": "\\u0041 \\n", "n": 2**62, "f": 1.5}
    shapes = [
        {"kind": "k1"},
        {"kind": "k2", "queue": "other", "priority": 4, "max_attempts": 3, "tags": ["a", "b c"]},
        {"kind": "k1", "scheduled_at": later, "state": JobState.SCHEDULED},
        {"kind": "k3", "metadata": '{"meta": "ü", "nested": {"x": [1, null]}}'},
        {"kind": "k4", "created_at": early, "scheduled_at": early, "state": JobState.PENDING},
        {"kind": "k5", "tags": ("only",), "unique_states": 1},
    ]

    def unique_key(i: int) -> bytes | None:
        return b"\x00\xff" + bytes([i]) if "unique_states" in shapes[i % len(shapes)] else None

    params = [
        job_params(
            encoded_args=json.dumps({**args, "i": i}),
            unique_key=unique_key(i),
            **shapes[i % len(shapes)],
        )
        for i in range(55)
    ]
    before = now_utc()
    assert executor.job_insert_fast_many_no_returning(params) == 55
    after = now_utc()
    jobs = executor.job_list(JobListParams(limit=100))
    assert len(jobs) == 55
    for i, job in enumerate(jobs):
        shape = shapes[i % len(shapes)]
        assert job.args == {**args, "i": i}
        assert job.kind == shape["kind"]
        assert job.queue == shape.get("queue", "default")
        assert job.priority == shape.get("priority", 1)
        assert job.max_attempts == shape.get("max_attempts", 25)
        assert job.tags == list(shape.get("tags", ()))
        assert job.metadata == json.loads(shape.get("metadata", "{}"))
        assert job.state is shape.get("state", JobState.AVAILABLE)
        if "created_at" in shape:
            assert job.created_at == shape["created_at"]
        else:
            assert before <= job.created_at <= after
        assert job.scheduled_at == shape.get("scheduled_at", job.created_at)
        assert job.unique_key == unique_key(i)
        assert job.unique_states == shape.get("unique_states")


def test_copy_insert_rejects_a_value_its_column_cannot_hold(executor: Any) -> None:
    with pytest.raises(InvalidInsertError, match="max_attempts 40000"):
        executor.job_insert_fast_many_no_returning([job_params(), job_params(max_attempts=40000)])
    with pytest.raises(InvalidInsertError, match="unique_states 256"):
        executor.job_insert_fast_many_no_returning([job_params(unique_key=b"k", unique_states=256)])
    assert executor.job_list(JobListParams()) == []


def test_copy_insert_builds_an_iterator_of_jobs_while_the_copy_runs(
    executor: Any, schema: str
) -> None:
    # The job after the first piece is built while the database already reads the COPY.
    seen_running: list[bool] = []

    def jobs() -> Any:
        for i in range(PIECE_ROWS * 2 + 7):
            if i == PIECE_ROWS + 1:
                seen_running.append(copy_running(URL, schema))
            yield job_params(encoded_args=json.dumps({"i": i}))

    assert executor.job_insert_fast_many_no_returning(jobs()) == PIECE_ROWS * 2 + 7
    assert seen_running == [True]
    listed = executor.job_list(JobListParams(limit=PIECE_ROWS * 3))
    assert [j.args["i"] for j in listed] == list(range(PIECE_ROWS * 2 + 7))
    assert executor.job_insert_fast_many_no_returning(iter([])) == 0


def test_copy_insert_of_an_iterator_failing_late_aborts_the_copy(executor: Any) -> None:

    def jobs() -> Any:
        for i in range(PIECE_ROWS + 10):
            yield job_params(max_attempts=40000 if i == PIECE_ROWS + 5 else 25)

    with pytest.raises(InvalidInsertError, match="max_attempts 40000"):
        executor.job_insert_fast_many_no_returning(jobs())
    # Nothing of the aborted COPY was written, and the executor works on.
    assert executor.job_list(JobListParams()) == []
    assert executor.job_insert_fast_many_no_returning([job_params()]) == 1


def test_copy_insert_of_a_list_failing_late_sends_nothing(executor: Any) -> None:
    # A sequence is checked whole first: the caller's transaction stays usable.
    bad = [job_params() for _ in range(PIECE_ROWS + 10)]
    bad[PIECE_ROWS + 5] = job_params(encoded_args='{"nul": "\\u0000"}')
    with executor.transaction() as tx:
        with pytest.raises(InvalidInsertError):
            tx.job_insert_fast_many_no_returning(bad)
        assert tx.job_insert_fast_many_no_returning([job_params(kind="after")]) == 1
    assert [j.kind for j in executor.job_list(JobListParams())] == ["after"]


def test_insert_fast_many_round_trips_every_column(executor: Any) -> None:
    key = hashlib.sha256(b"k").digest()
    sched = now_utc() + dt.timedelta(hours=1)
    [res] = executor.job_insert_fast_many(
        [
            job_params(
                encoded_args='{"a":"<x>","b":[1,2]}',
                max_attempts=7,
                metadata='{"m":true}',
                priority=3,
                queue="q1",
                scheduled_at=sched,
                state=JobState.SCHEDULED,
                tags=("t1", "t2"),
                unique_key=key,
                unique_states=245,
            )
        ]
    )
    job = res.job
    assert not res.unique_skipped_as_duplicate
    assert job.id > 0 and job.kind == "smoke" and (job.args == {"a": "<x>", "b": [1, 2]})
    assert (job.max_attempts, job.priority, job.queue) == (7, 3, "q1")
    assert job.state is JobState.SCHEDULED and job.metadata == {"m": True}
    assert job.tags == ["t1", "t2"] and job.unique_key == key and (job.unique_states == 245)
    assert abs((job.scheduled_at - sched).total_seconds()) < 0.001
    assert job.attempt == 0 and job.errors == [] and (job.attempted_by == [])
    got = executor.job_get_by_id(job.id)
    assert got == job


def test_unique_duplicate_is_skipped(executor: Any) -> None:
    key = hashlib.sha256(b"unique").digest()
    first = executor.job_insert_fast_many([job_params(unique_key=key, unique_states=245)])
    second = executor.job_insert_fast_many(
        [job_params(unique_key=key, unique_states=245), job_params()]
    )
    assert second[0].unique_skipped_as_duplicate
    assert second[0].job.id == first[0].job.id
    assert not second[1].unique_skipped_as_duplicate
    assert len(executor.job_list(JobListParams())) == 2


def test_copy_insert_no_returning(executor: Any) -> None:
    key = hashlib.sha256(b"copy").digest()
    params = [job_params(encoded_args=json.dumps({"i": i}), tags=("a",)) for i in range(500)]
    assert executor.job_insert_fast_many_no_returning(params) == 500
    # A batch with a unique job takes the other COPY path of some drivers.
    unique = [job_params(unique_key=key, unique_states=245, metadata='{"x":"tab\\there"}')]
    assert executor.job_insert_fast_many_no_returning(unique) == 1
    jobs = executor.job_list(JobListParams(limit=1000))
    assert len(jobs) == 501
    assert jobs[0].args == {"i": 0} and jobs[0].tags == ["a"]
    assert jobs[-1].unique_key == key and jobs[-1].unique_states == 245
    assert jobs[-1].metadata == {"x": "tab\there"}

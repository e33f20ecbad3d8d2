# WARNING: this file is generated from 'test_unique_conflicts_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Unique conflicts on every driver: a duplicate leaves the job holding its key exactly as
it was and gets that job back; a job repeating an earlier one's key in the same batch is
that job's duplicate; a COPY refuses a batch with a taken key, naming the job, and writes
nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from river.driver.copy_binary import PIECE_ROWS
from river.driver.params import JobInsertFastParams, JobListParams, NotifyManyParams
from river.errors import UniqueConflictError
from river.types import JobRow, JobState

pytestmark = pytest.mark.anyio
KEY = hashlib.sha256(b"taken").digest()
OTHER = hashlib.sha256(b"other").digest()
DEFAULT_STATES = 245  # available, completed, pending, retryable, running, scheduled
LATER = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)


def _job(**kw: Any) -> JobInsertFastParams:
    base: dict[str, Any] = {"encoded_args": '{"n": 1}', "kind": "plain"}
    base.update(kw)
    return JobInsertFastParams(**base)


def _unique(kind: str, key: bytes = KEY, **kw: Any) -> JobInsertFastParams:
    return _job(kind=kind, unique_key=key, unique_states=DEFAULT_STATES, **kw)


def _outside_index(kind: str) -> JobInsertFastParams:
    """A job with ``KEY`` whose state is not one of its unique states: the unique index
    does not hold it, so it conflicts with nothing."""
    return _job(
        kind=kind, unique_key=KEY, unique_states=1, state=JobState.SCHEDULED, scheduled_at=LATER
    )


def _all(executor: Any) -> list[JobRow]:
    jobs: list[JobRow] = executor.job_list(JobListParams(limit=10000))
    return jobs


@pytest.mark.parametrize("notify", [False, True], ids=["plain", "with_notify"])
def test_duplicate_leaves_the_job_holding_the_key_as_it_was(executor: Any, notify: bool) -> None:
    (held,) = executor.job_insert_fast_many([_unique("first")])
    before = executor.job_get_by_id(held.job.id)
    # Same key, every other column different (a key made with exclude_kind, say).
    dup = _unique(
        "second",
        encoded_args='{"n": 2}',
        queue="other",
        priority=3,
        max_attempts=7,
        metadata='{"m": 1}',
        tags=("t",),
    )
    note = NotifyManyParams(topic="unique_conflicts", payloads=["{}"]) if notify else None
    (result,) = executor.job_insert_fast_many([dup], note)
    assert result.unique_skipped_as_duplicate
    assert result.job == before and result.job.kind == "first"
    assert _all(executor) == [before]


def test_repeat_in_one_batch_is_a_duplicate_of_the_first(executor: Any) -> None:  # repeats job 0
    # same key, outside the index: inserted
    # scheduled is one of its states: repeats job 0
    params = [
        _unique("a"),
        _job(),
        _unique("b"),
        _unique("c", OTHER),
        _outside_index("d"),
        _job(
            kind="e",
            unique_key=KEY,
            unique_states=129,
            state=JobState.SCHEDULED,
            scheduled_at=LATER,
        ),
    ]
    res = executor.job_insert_fast_many(params)
    assert [r.unique_skipped_as_duplicate for r in res] == [False, False, True, False, False, True]
    assert res[2].job == res[0].job and res[5].job == res[0].job and (res[0].job.kind == "a")
    kinds = sorted(j.kind for j in _all(executor))
    assert kinds == ["a", "c", "d", "plain"]
    # When a job in the database holds the key, every repeat gets that job.
    again = executor.job_insert_fast_many([_unique("x"), _job(), _unique("y")])
    assert [r.unique_skipped_as_duplicate for r in again] == [True, False, True]
    held = executor.job_get_by_id(res[0].job.id)
    assert again[0].job == held and again[2].job == held
    assert len(_all(executor)) == 5


def test_copy_refuses_a_batch_repeating_a_unique_key(executor: Any) -> None:
    params = [_job(), _unique("a"), _outside_index("outside"), _unique("b")]
    with pytest.raises(UniqueConflictError) as info:
        executor.job_insert_fast_many_no_returning(params)
    err = info.value
    assert (err.index, err.duplicate_of, err.unique_key, err.kind) == (3, 1, KEY, "b")
    assert "job 3 (kind 'b')" in str(err) and KEY.hex() in str(err) and ("job 1" in str(err))
    assert _all(executor) == []
    # Without the repeat the batch goes in, the job outside the index with it.
    assert executor.job_insert_fast_many_no_returning(params[:3]) == 3


def test_copy_refuses_a_repeat_in_a_later_piece_and_writes_nothing(executor: Any) -> None:

    def jobs() -> Iterator[JobInsertFastParams]:
        yield _unique("a")
        for i in range(PIECE_ROWS + 5):
            yield _job(encoded_args=json.dumps({"i": i}))
        yield _unique("b")

    with pytest.raises(UniqueConflictError) as info:
        executor.job_insert_fast_many_no_returning(jobs())
    assert (info.value.index, info.value.duplicate_of) == (PIECE_ROWS + 6, 0)
    assert _all(executor) == []


def test_copy_refuses_a_key_a_job_in_the_database_holds(executor: Any) -> None:
    (held,) = executor.job_insert_fast_many([_unique("first")])
    before = executor.job_get_by_id(held.job.id)
    params = [_job(), _unique("other", OTHER), _outside_index("outside"), _unique("second")]
    with pytest.raises(UniqueConflictError) as info:
        executor.job_insert_fast_many_no_returning(params)
    err = info.value
    assert (err.index, err.duplicate_of, err.unique_key, err.kind) == (3, None, KEY, "second")
    assert "a job in the database already holds" in str(err)
    assert _all(executor) == [before]

# WARNING: this file is generated from 'test_unique_conflicts_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Unique jobs through the client: a duplicate gets the job holding the key, left exactly
as it was (also when the key leaves out the kind); a job repeated in one ``insert_many``
is a duplicate of the first; ``insert_many_fast`` takes unique options as River does and
refuses a batch whose key is taken with ``UniqueConflictError``, writing nothing; and two
clients inserting the same unique job at once make one job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import gather, spawn
from tests._client_helpers import make_config, user_tx, wait_for

pytestmark = pytest.mark.anyio


@dataclass
class SendArgs:
    kind = "send"
    to: str = ""


@dataclass
class NotifyArgs:
    kind = "notify"
    to: str = ""


class SendWorker(river.Worker[SendArgs]):
    def work(self, job: river.Job[SendArgs]) -> None:
        pass


class NotifyWorker(river.Worker[NotifyArgs]):
    def work(self, job: river.Job[NotifyArgs]) -> None:
        pass


# One key for both kinds: by args and queue, the kind left out.
ANY_KIND = river.InsertOpts(unique_opts=river.UniqueOpts(by_args=True, exclude_kind=True))
BY_ARGS = river.InsertOpts(unique_opts=river.UniqueOpts(by_args=True))


def _client(driver: Any, schema: str) -> river.Client[Any]:
    workers = river.Workers()
    workers.add(SendWorker())
    workers.add(NotifyWorker())
    return river.Client(driver, make_config(schema, workers))


def test_duplicate_of_another_kind_leaves_the_job_as_it_was(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    held = client.insert(SendArgs(to="ada"), ANY_KIND)
    assert not held.unique_skipped_as_duplicate
    before = client.job_get(held.job.id)
    dup = client.insert(NotifyArgs(to="ada"), ANY_KIND)
    assert dup.unique_skipped_as_duplicate and dup.job == before and (dup.job.kind == "send")
    many = client.insert_many([river.InsertManyParams(NotifyArgs(to="ada"), ANY_KIND)])
    assert many[0].unique_skipped_as_duplicate and many[0].job == before
    with user_tx(driver) as tx:
        in_tx = client.insert_tx(tx, NotifyArgs(to="ada"), ANY_KIND)
    assert in_tx.unique_skipped_as_duplicate and in_tx.job == before
    with pytest.raises(river.UniqueConflictError):
        client.insert_many_fast([river.InsertManyParams(NotifyArgs(to="ada"), ANY_KIND)])
    assert client.job_list().jobs == [before]


def test_job_repeated_in_one_insert_many_is_a_duplicate_of_the_first(
    driver: Any, schema: str
) -> None:
    client = _client(driver, schema)  # not unique
    res = client.insert_many(
        [
            river.InsertManyParams(SendArgs(to="ada"), BY_ARGS),
            river.InsertManyParams(SendArgs(to="bob"), BY_ARGS),
            SendArgs(to="ada"),
            river.InsertManyParams(SendArgs(to="ada"), BY_ARGS),
        ]
    )
    assert [r.unique_skipped_as_duplicate for r in res] == [False, False, False, True]
    assert res[3].job == res[0].job
    assert len(client.job_list().jobs) == 3
    # As two separate inserts would: the second is a duplicate of the first.
    again = client.insert_many(
        [
            river.InsertManyParams(SendArgs(to="ada"), BY_ARGS),
            river.InsertManyParams(SendArgs(to="ada"), BY_ARGS),
        ]
    )
    assert [r.unique_skipped_as_duplicate for r in again] == [True, True]
    assert again[0].job.id == again[1].job.id == res[0].job.id


def test_insert_many_fast_takes_unique_options(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    count = client.insert_many_fast(
        [
            river.InsertManyParams(SendArgs(to="ada"), BY_ARGS),
            river.InsertManyParams(SendArgs(to="bob"), BY_ARGS),
        ]
    )
    assert count == 2
    (ada,) = [j for j in client.job_list().jobs if j.args == {"to": "ada"}]
    assert ada.unique_key is not None
    dup = client.insert(SendArgs(to="ada"), BY_ARGS)
    assert dup.unique_skipped_as_duplicate and dup.job == ada


def test_insert_many_fast_refuses_a_batch_with_a_taken_key(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    batch = [river.InsertManyParams(SendArgs(to=str(i)), BY_ARGS) for i in range(3)]
    repeated = [*batch, SendArgs(to="plain"), river.InsertManyParams(SendArgs(to="1"), BY_ARGS)]
    with pytest.raises(river.UniqueConflictError) as info:
        client.insert_many_fast(repeated)
    assert (info.value.index, info.value.duplicate_of, info.value.kind) == (4, 1, "send")
    assert client.job_list().jobs == []
    # A repeat is found before anything is sent: the caller's transaction goes on.
    with user_tx(driver) as tx:
        with pytest.raises(river.UniqueConflictError):
            client.insert_many_fast_tx(tx, repeated)
        kept = client.insert_tx(tx, SendArgs(to="kept"))
    assert client.job_list().jobs == [kept.job]
    client.job_delete(kept.job.id)
    held = client.insert(SendArgs(to="2"), BY_ARGS)
    with pytest.raises(river.UniqueConflictError) as info:
        client.insert_many_fast(batch)
    assert (info.value.index, info.value.duplicate_of) == (2, None)
    assert info.value.unique_key == held.job.unique_key
    assert client.job_list().jobs == [held.job]
    with user_tx(driver, rollback=True) as tx:
        with pytest.raises(river.UniqueConflictError) as info:
            client.insert_many_fast_tx(tx, batch)
        assert info.value.index == 2
        # The failed COPY failed the caller's transaction, as any failed statement does.
        try:
            client.insert_tx(tx, SendArgs(to="after"))
        except Exception as exc:  # each driver's library has its own class for it
            assert _sqlstate(exc) == IN_FAILED_TRANSACTION
        else:
            raise AssertionError("the transaction took another statement")
    assert client.job_list().jobs == [held.job]


IN_FAILED_TRANSACTION = "25P02"


def _sqlstate(exc: BaseException) -> str | None:
    for e in (exc, exc.__cause__):
        code = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if code:
            return str(code)
    return None


def _blocked_on_a_lock(driver: Any, schema: str) -> None:
    """Return once a session waits for a lock on river_job (a unique insert waiting for
    the transaction that inserted the same key)."""
    executor = driver.get_executor(schema)

    def waiting() -> bool:
        row = executor.fetch_one(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%river_job%'"
        )
        return bool(row and row[0])

    wait_for(waiting, timeout=60)


@pytest.mark.parametrize("commit", [True, False], ids=["commit", "rollback"])
def test_two_clients_inserting_the_same_job_at_once_make_one(
    driver: Any, schema: str, commit: bool
) -> None:
    first, second = (_client(driver, schema), _client(driver, schema))
    got: list[list[river.JobInsertResult]] = []

    def insert_twice_in_one_batch() -> None:
        got.append(
            second.insert_many(
                [
                    river.InsertManyParams(NotifyArgs(to="ada"), ANY_KIND),
                    river.InsertManyParams(NotifyArgs(to="ada"), ANY_KIND),
                ]
            )
        )

    with user_tx(driver, rollback=not commit) as tx:
        held = first.insert_tx(tx, SendArgs(to="ada"), ANY_KIND)
        # The second client's insert waits for the first's transaction to end.
        task = spawn(insert_twice_in_one_batch)
        _blocked_on_a_lock(driver, schema)
    gather(task)
    (results,) = got
    jobs = first.job_list().jobs
    assert len(jobs) == 1
    if commit:
        assert [r.unique_skipped_as_duplicate for r in results] == [True, True]
        assert results[0].job == results[1].job == jobs[0]
        assert jobs[0].id == held.job.id and jobs[0].kind == "send"
    else:
        assert [r.unique_skipped_as_duplicate for r in results] == [False, True]
        assert results[0].job == results[1].job == jobs[0]
        assert jobs[0].id != held.job.id and jobs[0].kind == "notify"


def test_many_clients_racing_to_insert_one_job_agree_on_it(driver: Any, schema: str) -> None:
    clients = [_client(driver, schema) for _ in range(8)]
    got: list[river.JobInsertResult] = []

    def insert(client: river.Client[Any], i: int) -> None:
        # Every other one of another kind: the key leaves the kind out.
        args: Any = SendArgs(to="ada") if i % 2 else NotifyArgs(to="ada")
        got.append(client.insert(args, ANY_KIND))

    gather(*[spawn(insert, c, i) for i, c in enumerate(clients)])
    (job,) = clients[0].job_list().jobs
    assert len(got) == len(clients)
    assert sorted(r.unique_skipped_as_duplicate for r in got) == [False] + [True] * 7
    assert all(r.job == job for r in got)

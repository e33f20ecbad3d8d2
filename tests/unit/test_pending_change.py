"""How the batch completer keeps state changes until their batch is written: handed in by
any thread without a lock, taken out by one; a plain completion as its ``finalized_at``
alone (a datetime the garbage collector does not track), any other change as it is."""

from __future__ import annotations

import datetime as dt
import gc
import threading

from river._internal.completer.pending_change import PendingChanges, compact, expand, split
from river.driver.params import (
    job_set_state_completed,
    job_set_state_error_retryable,
)

AT = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def test_a_plain_completion_is_kept_as_an_untracked_datetime() -> None:
    kept = compact(job_set_state_completed(7, AT))
    assert kept == AT
    assert not gc.is_tracked(kept)
    assert expand(7, kept) == job_set_state_completed(7, AT)


def test_other_changes_are_kept_whole() -> None:
    with_output = job_set_state_completed(7, AT, '{"output": 1}')
    retry = job_set_state_error_retryable(8, AT + dt.timedelta(seconds=5), '{"error": "x"}')
    assert compact(with_output) is with_output
    assert compact(retry) is retry
    assert expand(8, retry) is retry


def test_split_separates_plain_completions_from_other_changes() -> None:
    retry = job_set_state_error_retryable(2, AT, '{"error": "x"}')
    batch = [(1, compact(job_set_state_completed(1, AT))), (2, compact(retry)), (3, AT)]
    assert split(batch) == ([1, 3], [AT, AT], [0, 0], [retry])


def test_a_completion_of_a_named_attempt_keeps_the_attempt_and_is_soon_untracked() -> None:
    params = job_set_state_completed(7, AT)
    params.running_attempt = 3
    kept = compact(params)
    assert kept == (AT, 3)
    gc.collect()  # a tuple of untracked values is untracked at the collector's first pass
    assert not gc.is_tracked(kept)
    assert expand(7, kept) == params
    retry = job_set_state_error_retryable(2, AT, '{"error": "x"}')
    assert split([(7, kept), (2, retry), (1, AT)]) == ([7, 1], [AT, AT], [3, 0], [retry])


def test_the_later_of_two_changes_to_a_job_is_taken_with_its_info() -> None:
    pending = PendingChanges()
    retry = job_set_state_error_retryable(1, AT, '{"error": "x"}')
    assert pending.add(retry, "first") == 1
    assert pending.add(job_set_state_completed(2, AT), None) == 2
    assert pending.add(job_set_state_completed(1, AT), "second") == 3
    batch, infos = pending.take()
    assert batch == [(1, AT), (2, AT)]
    assert infos == {1: "second"}
    assert len(pending) == 0 and pending.take() == ([], {})


def test_a_change_put_back_yields_to_one_handed_in_since() -> None:
    pending = PendingChanges()
    retry = job_set_state_error_retryable(1, AT, '{"error": "x"}')
    pending.add(retry, "old")
    pending.add(job_set_state_completed(2, AT), "two")
    batch, infos = pending.take()
    pending.add(job_set_state_completed(1, AT), "new")  # while the write failed
    pending.put_back(batch, infos)
    assert len(pending) == 3
    assert pending.take() == ([(1, AT), (2, AT)], {1: "new", 2: "two"})


def test_changes_handed_in_by_many_threads_are_all_taken_once() -> None:
    pending = PendingChanges()
    threads, per_thread = 8, 5_000
    taken: list[int] = []
    done = threading.Event()

    def hand_in(first: int) -> None:
        for job_id in range(first, first + per_thread):
            pending.add(job_set_state_completed(job_id, AT), None)

    def take_until_done() -> None:
        while not done.is_set() or len(pending):
            taken.extend(job_id for job_id, _ in pending.take()[0])

    taker = threading.Thread(target=take_until_done)
    taker.start()
    workers = [threading.Thread(target=hand_in, args=(i * per_thread,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done.set()
    taker.join()
    assert sorted(taken) == list(range(threads * per_thread))

# WARNING: this file is generated from 'test_sequence_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Sequences on a real database: one job of a key at a time, in id order; a failed job
holding its key until it completes, is retried or deleted (or not, with the options to
continue); other keys not delayed; two clients on one key; the leader's sweep."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import Event, gather, sleep, spawn
from river._internal.maintenance.sequence_sweeper import SequenceSweeper
from river.sequence import METADATA_SEQUENCE_KEY
from river.types import JobState
from tests._client_helpers import make_config, started, wait_for

pytestmark = pytest.mark.anyio
S = JobState


@dataclass
class StepArgs:
    kind = "sequence_step"
    customer: str
    n: int
    fail: bool = False
    cancel: bool = False

    @staticmethod
    def sequence_opts() -> river.SequenceOpts:
        return river.SequenceOpts(by_args=["customer"])


@dataclass
class LenientArgs:
    """A sequence that goes on past a discarded or cancelled job."""

    kind = "sequence_lenient"
    customer: str
    n: int
    fail: bool = False
    cancel: bool = False

    @staticmethod
    def sequence_opts() -> river.SequenceOpts:
        return river.SequenceOpts(
            by_args=["customer"], continue_on_cancelled=True, continue_on_discarded=True
        )


class FarRetry:
    """Retries a day later: a failed job stays retryable for the whole test."""

    def next_retry(self, job: river.JobRow) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


class Recorder:
    """What every worker of a test saw (shared by the workers of two clients): the order
    of each customer's jobs, and the most of one customer's jobs running at once."""

    def __init__(self) -> None:
        self.order: dict[str, list[int]] = {}
        self.running: dict[str, int] = {}
        self.most_at_once: dict[str, int] = {}
        self.gates: dict[tuple[str, int], Event] = {}
        self.entered: dict[tuple[str, int], Event] = {}
        self.fail = True

    def gate(self, customer: str, n: int) -> Event:
        """A job that waits for this event once it runs (``entered`` tells it runs)."""
        self.entered[customer, n] = Event()
        self.gates[customer, n] = event = Event()
        return event

    def work(self, args: Any) -> None:
        c = args.customer
        self.running[c] = self.running.get(c, 0) + 1
        self.most_at_once[c] = max(self.most_at_once.get(c, 0), self.running[c])
        try:
            self.order.setdefault(c, []).append(args.n)
            if (c, args.n) in self.gates:
                self.entered[c, args.n].set()
                self.gates[c, args.n].wait()
            sleep(0.005)  # let another job of the key start, if one could
            if args.fail and self.fail:
                raise RuntimeError(f"{c} {args.n} failed")
            if args.cancel:
                raise river.JobCancel("cancelled by its worker")
        finally:
            self.running[c] -= 1


class StepWorker(river.Worker[StepArgs]):
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def work(self, job: river.Job[StepArgs]) -> None:
        self.rec.work(job.args)


class LenientWorker(river.Worker[LenientArgs]):
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def work(self, job: river.Job[LenientArgs]) -> None:
        self.rec.work(job.args)


def _client(driver: Any, schema: str, rec: Recorder, **config: Any) -> Any:
    workers = river.Workers()
    workers.add(StepWorker(rec))
    workers.add(LenientWorker(rec))
    return river.Client(driver, make_config(schema, workers, **config))


def _states(client: Any, ids: list[int]) -> list[JobState]:
    return [client.job_get(i).state for i in ids]


def _wait_states(client: Any, ids: list[int], want: list[JobState]) -> None:

    def check() -> bool:
        return _states(client, ids) == want

    try:
        wait_for(check, timeout=20)
    except AssertionError:
        raise AssertionError(f"states {_states(client, ids)} != {want}") from None


def _insert(client: Any, *args: Any, **opts: Any) -> list[int]:
    """Each job in an insert of its own (as separate requests would)."""
    o = river.InsertOpts(**opts) if opts else None
    return [client.insert(a, o).job.id for a in args]


def _sweep(driver: Any, schema: str) -> int:
    changed: int = SequenceSweeper(driver.get_executor(schema), test_only=True).run_once()
    return changed


def test_insert_stores_the_key_and_makes_only_the_first_of_a_key_available(
    driver: Any, schema: str
) -> None:
    client = _client(driver, schema, Recorder())
    many = client.insert_many([StepArgs("a", 1), StepArgs("a", 2), StepArgs("b", 1)])
    one = _insert(client, StepArgs("a", 3))
    copied = client.insert_many_fast([StepArgs("c", 1), StepArgs("c", 2)])
    assert copied == 2
    jobs = [r.job for r in many] + [client.job_get(one[0])]
    assert [j.state for j in jobs] == [S.AVAILABLE, S.PENDING, S.AVAILABLE, S.PENDING]
    keys = [j.metadata[METADATA_SEQUENCE_KEY] for j in jobs]
    assert keys[0] == keys[1] == keys[3] != keys[2]
    assert jobs[0].metadata["riverpro_sequence_continue_on_discarded"] is False
    c = client.job_list(river.JobListParams(kinds=["sequence_step"])).jobs[-2:]
    assert [j.state for j in c] == [S.AVAILABLE, S.PENDING]


def test_jobs_of_one_key_run_one_at_a_time_in_id_order(driver: Any, schema: str) -> None:
    rec = Recorder()
    client = _client(driver, schema, rec)
    ids = _insert(client, *[StepArgs(c, n) for n in range(6) for c in "ab"])
    ids += [r.job.id for r in client.insert_many([StepArgs("a", n) for n in range(6, 9)])]
    with started(client):
        _wait_states(client, ids, [S.COMPLETED] * len(ids))
    assert rec.order == {"a": list(range(9)), "b": list(range(6))}
    assert rec.most_at_once == {"a": 1, "b": 1}


def test_a_failing_job_holds_its_key_until_it_completes(driver: Any, schema: str) -> None:
    rec = Recorder()
    client = _client(driver, schema, rec, retry_policy=FarRetry())
    first, second = _insert(client, StepArgs("a", 1, fail=True), StepArgs("a", 2))
    with started(client):
        _wait_states(client, [first, second], [S.RETRYABLE, S.PENDING])
        assert _sweep(driver, schema) == 0  # nothing missed: the key is held
        assert _states(client, [second]) == [S.PENDING]
        rec.fail = False
        client.job_retry(first)
        _wait_states(client, [first, second], [S.COMPLETED, S.COMPLETED])
    assert rec.order["a"] == [1, 1, 2]


def test_a_discarded_job_holds_its_key_until_retried_or_deleted(driver: Any, schema: str) -> None:
    rec = Recorder()
    client = _client(driver, schema, rec)
    a = _insert(client, StepArgs("a", 1, fail=True), StepArgs("a", 2), max_attempts=1)
    b = _insert(client, StepArgs("b", 1, fail=True), StepArgs("b", 2), max_attempts=1)
    with started(client):
        _wait_states(client, a + b, [S.DISCARDED, S.PENDING] * 2)
        assert _sweep(driver, schema) == 0
        rec.fail = False
        client.job_retry(a[0])  # runs again, completes, then the next runs
        client.job_delete(b[0])  # gone: the next runs
        _wait_states(client, [*a, b[1]], [S.COMPLETED] * 3)
    assert rec.order == {"a": [1, 1, 2], "b": [1, 2]}


def test_with_continue_options_the_next_runs_after_a_discard_or_cancel(
    driver: Any, schema: str
) -> None:
    rec = Recorder()
    client = _client(driver, schema, rec)
    ids = _insert(
        client,
        LenientArgs("a", 1, fail=True),
        LenientArgs("a", 2, cancel=True),
        LenientArgs("a", 3),
        max_attempts=1,
    )
    with started(client):
        _wait_states(client, ids, [S.DISCARDED, S.CANCELLED, S.COMPLETED])
    assert rec.order["a"] == [1, 2, 3]


def test_a_job_cancelled_from_outside_holds_or_frees_its_key(driver: Any, schema: str) -> None:
    client = _client(driver, schema, Recorder())
    strict = _insert(client, StepArgs("a", 1), StepArgs("a", 2))
    lenient = _insert(client, LenientArgs("b", 1), LenientArgs("b", 2))
    client.job_cancel(strict[0])
    client.job_cancel(lenient[0])
    assert _states(client, strict + lenient) == [S.CANCELLED, S.PENDING, S.CANCELLED, S.AVAILABLE]


def test_other_keys_are_not_delayed(driver: Any, schema: str) -> None:
    rec = Recorder()
    gate = rec.gate("a", 1)
    client = _client(driver, schema, rec)
    a = _insert(client, StepArgs("a", 1), StepArgs("a", 2))
    b = _insert(client, *[StepArgs("b", n) for n in range(3)])
    c = _insert(client, StepArgs("c", 1))
    with started(client):
        _wait_states(client, b + c, [S.COMPLETED] * 4)
        assert _states(client, a) == [S.RUNNING, S.PENDING]
        gate.set()
        _wait_states(client, a, [S.COMPLETED] * 2)


def test_two_clients_on_one_key_never_run_two_of_its_jobs_at_once(driver: Any, schema: str) -> None:
    """Two clients work one key while two more inserters add to it: each job once, one at
    a time, in id order."""
    rec = Recorder()
    one, two = (_client(driver, schema, rec), _client(driver, schema, rec))
    ids = _insert(one, *[StepArgs("a", n) for n in range(10)])
    with started(one), started(two):

        def add(client: Any, start: int) -> None:
            ids.extend(_insert(client, *[StepArgs("a", n) for n in range(start, start + 5)]))

        gather(spawn(add, one, 10), spawn(add, two, 15), timeout=20)
        assert len(ids) == 20
        _wait_states(one, ids, [S.COMPLETED] * len(ids))
    rows = sorted([one.job_get(i) for i in ids], key=lambda j: j.id)
    assert rec.order["a"] == [r.args["n"] for r in rows]  # id order
    assert rec.most_at_once["a"] == 1
    assert all(r.attempt == 1 for r in rows)


def test_the_sweeper_promotes_a_key_whose_promotion_was_missed(driver: Any, schema: str) -> None:
    client = _client(driver, schema, Recorder())
    first, second, third = _insert(client, *[StepArgs("a", n) for n in range(3)])
    executor = driver.get_executor(schema)
    # Finished behind the client's back: nothing promoted the next job.
    executor.execute(
        f"UPDATE {schema}.river_job SET state = 'completed', finalized_at = now() WHERE id = @id",
        {"id": first},
    )
    assert _states(client, [second, third]) == [S.PENDING, S.PENDING]
    assert _sweep(driver, schema) == 1
    assert _states(client, [second, third]) == [S.AVAILABLE, S.PENDING]
    assert _sweep(driver, schema) == 0
    with started(client):
        assert any(isinstance(s, SequenceSweeper) for s in client._maintainer.services)


def test_bad_sequence_options_and_workflow_tasks_are_refused(driver: Any, schema: str) -> None:

    @dataclass
    class BadArgs:
        kind = "sequence_bad"
        x: int

        def sequence_opts(self) -> Any:
            return river.SequenceOpts(by_args="x")

    client = _client(driver, schema, Recorder(), skip_unknown_job_check=True)
    with pytest.raises(river.SequenceError, match="by_args must be a bool or a list"):
        client.insert(BadArgs(1))
    wf = river.Workflow("mixed")
    wf.add("a", StepArgs("a", 1))
    with pytest.raises(river.SequenceError, match="sequences and workflows do not mix"):
        client.insert_workflow(wf)
    assert client.job_list().jobs == []


def test_a_retried_job_waits_while_another_job_of_its_key_runs(driver: Any, schema: str) -> None:
    rec = Recorder()
    gate = rec.gate("a", 2)
    client = _client(driver, schema, rec)
    ids = _insert(
        client,
        LenientArgs("a", 1, fail=True),
        LenientArgs("a", 2),
        LenientArgs("a", 3),
        max_attempts=1,
    )
    with started(client):
        _wait_states(client, ids, [S.DISCARDED, S.RUNNING, S.PENDING])
        rec.fail = False
        retried = client.job_retry(ids[0])  # its key is busy: it waits its turn
        assert retried.state is S.PENDING
        assert _states(client, ids) == [S.PENDING, S.RUNNING, S.PENDING]
        gate.set()
        _wait_states(client, ids, [S.COMPLETED] * 3)
    assert rec.order["a"] == [1, 2, 1, 3]
    assert rec.most_at_once["a"] == 1


def test_a_job_cancelled_before_its_turn_holds_only_the_jobs_after_it(
    driver: Any, schema: str
) -> None:
    rec = Recorder()
    gate = rec.gate("a", 1)
    client = _client(driver, schema, rec)
    ids = _insert(client, *[StepArgs("a", n) for n in (1, 2, 3, 4)])
    with started(client):
        _wait_states(client, ids, [S.RUNNING, S.PENDING, S.PENDING, S.PENDING])
        client.job_cancel(ids[2])
        gate.set()
        _wait_states(client, ids, [S.COMPLETED, S.COMPLETED, S.CANCELLED, S.PENDING])
        assert _sweep(driver, schema) == 0
    assert rec.order["a"] == [1, 2]

"""Sequences on a real database: one job of a key at a time, in id order; a failed job
holding its key until it completes, is retried or deleted (or not, with the options to
continue); other keys not delayed; two clients on one key; the leader's sweep."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import AEvent, agather, asleep, aspawn
from river._internal.maintenance.sequence_sweeper_async import AsyncSequenceSweeper
from river.sequence import METADATA_SEQUENCE_KEY
from river.types import JobState
from tests._client_helpers_async import make_config, started, wait_for

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
        self.gates: dict[tuple[str, int], AEvent] = {}
        self.entered: dict[tuple[str, int], AEvent] = {}
        self.fail = True

    def gate(self, customer: str, n: int) -> AEvent:
        """A job that waits for this event once it runs (``entered`` tells it runs)."""
        self.entered[(customer, n)] = AEvent()
        self.gates[(customer, n)] = event = AEvent()
        return event

    async def work(self, args: Any) -> None:
        c = args.customer
        self.running[c] = self.running.get(c, 0) + 1
        self.most_at_once[c] = max(self.most_at_once.get(c, 0), self.running[c])
        try:
            self.order.setdefault(c, []).append(args.n)
            if (c, args.n) in self.gates:
                self.entered[(c, args.n)].set()
                await self.gates[(c, args.n)].wait()
            await asleep(0.005)  # let another job of the key start, if one could
            if args.fail and self.fail:
                raise RuntimeError(f"{c} {args.n} failed")
            if args.cancel:
                raise river.JobCancel("cancelled by its worker")
        finally:
            self.running[c] -= 1


class StepWorker(river.AsyncWorker[StepArgs]):
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    async def work(self, job: river.Job[StepArgs]) -> None:
        await self.rec.work(job.args)


class LenientWorker(river.AsyncWorker[LenientArgs]):
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    async def work(self, job: river.Job[LenientArgs]) -> None:
        await self.rec.work(job.args)


def _client(adriver: Any, schema: str, rec: Recorder, **config: Any) -> Any:
    workers = river.Workers()
    workers.add(StepWorker(rec))
    workers.add(LenientWorker(rec))
    return river.AsyncClient(adriver, make_config(schema, workers, **config))


async def _states(client: Any, ids: list[int]) -> list[JobState]:
    return [(await client.job_get(i)).state for i in ids]


async def _wait_states(client: Any, ids: list[int], want: list[JobState]) -> None:
    async def check() -> bool:
        return await _states(client, ids) == want

    try:
        await wait_for(check, timeout=20)
    except AssertionError:
        raise AssertionError(f"states {await _states(client, ids)} != {want}") from None


async def _insert(client: Any, *args: Any, **opts: Any) -> list[int]:
    """Each job in an insert of its own (as separate requests would)."""
    o = river.InsertOpts(**opts) if opts else None
    return [(await client.insert(a, o)).job.id for a in args]


async def _sweep(adriver: Any, schema: str) -> int:
    changed: int = await AsyncSequenceSweeper(
        adriver.get_executor(schema), test_only=True
    ).run_once()
    return changed


async def test_insert_stores_the_key_and_makes_only_the_first_of_a_key_available(
    adriver: Any, schema: str
) -> None:
    client = _client(adriver, schema, Recorder())
    many = await client.insert_many([StepArgs("a", 1), StepArgs("a", 2), StepArgs("b", 1)])
    one = await _insert(client, StepArgs("a", 3))
    copied = await client.insert_many_fast([StepArgs("c", 1), StepArgs("c", 2)])
    assert copied == 2
    jobs = [r.job for r in many] + [await client.job_get(one[0])]
    assert [j.state for j in jobs] == [S.AVAILABLE, S.PENDING, S.AVAILABLE, S.PENDING]
    keys = [j.metadata[METADATA_SEQUENCE_KEY] for j in jobs]
    assert keys[0] == keys[1] == keys[3] != keys[2]
    assert jobs[0].metadata["riverpro_sequence_continue_on_discarded"] is False
    c = (await client.job_list(river.JobListParams(kinds=["sequence_step"]))).jobs[-2:]
    assert [j.state for j in c] == [S.AVAILABLE, S.PENDING]


async def test_jobs_of_one_key_run_one_at_a_time_in_id_order(adriver: Any, schema: str) -> None:
    rec = Recorder()
    client = _client(adriver, schema, rec)
    ids = await _insert(client, *[StepArgs(c, n) for n in range(6) for c in "ab"])
    ids += [r.job.id for r in await client.insert_many([StepArgs("a", n) for n in range(6, 9)])]
    async with started(client):
        await _wait_states(client, ids, [S.COMPLETED] * len(ids))
    assert rec.order == {"a": list(range(9)), "b": list(range(6))}
    assert rec.most_at_once == {"a": 1, "b": 1}


async def test_a_failing_job_holds_its_key_until_it_completes(adriver: Any, schema: str) -> None:
    rec = Recorder()
    client = _client(adriver, schema, rec, retry_policy=FarRetry())
    first, second = await _insert(client, StepArgs("a", 1, fail=True), StepArgs("a", 2))
    async with started(client):
        await _wait_states(client, [first, second], [S.RETRYABLE, S.PENDING])
        assert await _sweep(adriver, schema) == 0  # nothing missed: the key is held
        assert await _states(client, [second]) == [S.PENDING]
        rec.fail = False
        await client.job_retry(first)
        await _wait_states(client, [first, second], [S.COMPLETED, S.COMPLETED])
    assert rec.order["a"] == [1, 1, 2]


async def test_a_discarded_job_holds_its_key_until_retried_or_deleted(
    adriver: Any, schema: str
) -> None:
    rec = Recorder()
    client = _client(adriver, schema, rec)
    a = await _insert(client, StepArgs("a", 1, fail=True), StepArgs("a", 2), max_attempts=1)
    b = await _insert(client, StepArgs("b", 1, fail=True), StepArgs("b", 2), max_attempts=1)
    async with started(client):
        await _wait_states(client, a + b, [S.DISCARDED, S.PENDING] * 2)
        assert await _sweep(adriver, schema) == 0
        rec.fail = False
        await client.job_retry(a[0])  # runs again, completes, then the next runs
        await client.job_delete(b[0])  # gone: the next runs
        await _wait_states(client, [*a, b[1]], [S.COMPLETED] * 3)
    assert rec.order == {"a": [1, 1, 2], "b": [1, 2]}


async def test_with_continue_options_the_next_runs_after_a_discard_or_cancel(
    adriver: Any, schema: str
) -> None:
    rec = Recorder()
    client = _client(adriver, schema, rec)
    ids = await _insert(
        client,
        LenientArgs("a", 1, fail=True), LenientArgs("a", 2, cancel=True), LenientArgs("a", 3),
        max_attempts=1,
    )
    async with started(client):
        await _wait_states(client, ids, [S.DISCARDED, S.CANCELLED, S.COMPLETED])
    assert rec.order["a"] == [1, 2, 3]


async def test_a_job_cancelled_from_outside_holds_or_frees_its_key(
    adriver: Any, schema: str
) -> None:
    client = _client(adriver, schema, Recorder())
    strict = await _insert(client, StepArgs("a", 1), StepArgs("a", 2))
    lenient = await _insert(client, LenientArgs("b", 1), LenientArgs("b", 2))
    await client.job_cancel(strict[0])
    await client.job_cancel(lenient[0])
    assert await _states(client, strict + lenient) == [
        S.CANCELLED, S.PENDING, S.CANCELLED, S.AVAILABLE
    ]


async def test_other_keys_are_not_delayed(adriver: Any, schema: str) -> None:
    rec = Recorder()
    gate = rec.gate("a", 1)
    client = _client(adriver, schema, rec)
    a = await _insert(client, StepArgs("a", 1), StepArgs("a", 2))
    b = await _insert(client, *[StepArgs("b", n) for n in range(3)])
    c = await _insert(client, StepArgs("c", 1))
    async with started(client):
        await _wait_states(client, b + c, [S.COMPLETED] * 4)
        assert await _states(client, a) == [S.RUNNING, S.PENDING]
        gate.set()
        await _wait_states(client, a, [S.COMPLETED] * 2)


async def test_two_clients_on_one_key_never_run_two_of_its_jobs_at_once(
    adriver: Any, schema: str
) -> None:
    """Two clients work one key while two more inserters add to it: each job once, one at
    a time, in id order."""
    rec = Recorder()
    one, two = _client(adriver, schema, rec), _client(adriver, schema, rec)
    ids = await _insert(one, *[StepArgs("a", n) for n in range(10)])
    async with started(one), started(two):

        async def add(client: Any, start: int) -> None:
            ids.extend(await _insert(client, *[StepArgs("a", n) for n in range(start, start + 5)]))

        await agather(aspawn(add, one, 10), aspawn(add, two, 15), timeout=20)
        assert len(ids) == 20
        await _wait_states(one, ids, [S.COMPLETED] * len(ids))
    rows = sorted([await one.job_get(i) for i in ids], key=lambda j: j.id)
    assert rec.order["a"] == [r.args["n"] for r in rows]  # id order
    assert rec.most_at_once["a"] == 1
    assert all(r.attempt == 1 for r in rows)


async def test_the_sweeper_promotes_a_key_whose_promotion_was_missed(
    adriver: Any, schema: str
) -> None:
    client = _client(adriver, schema, Recorder())
    first, second, third = await _insert(client, *[StepArgs("a", n) for n in range(3)])
    executor = adriver.get_executor(schema)
    # Finished behind the client's back: nothing promoted the next job.
    await executor.execute(
        f"UPDATE {schema}.river_job SET state = 'completed', finalized_at = now() WHERE id = @id",
        {"id": first},
    )
    assert await _states(client, [second, third]) == [S.PENDING, S.PENDING]
    assert await _sweep(adriver, schema) == 1
    assert await _states(client, [second, third]) == [S.AVAILABLE, S.PENDING]
    assert await _sweep(adriver, schema) == 0
    async with started(client):
        assert any(isinstance(s, AsyncSequenceSweeper) for s in client._maintainer.services)


async def test_bad_sequence_options_and_workflow_tasks_are_refused(
    adriver: Any, schema: str
) -> None:
    @dataclass
    class BadArgs:
        kind = "sequence_bad"
        x: int

        def sequence_opts(self) -> Any:
            return river.SequenceOpts(by_args="x")

    client = _client(adriver, schema, Recorder(), skip_unknown_job_check=True)
    with pytest.raises(river.SequenceError, match="by_args must be a bool or a list"):
        await client.insert(BadArgs(1))
    wf = river.Workflow("mixed")
    wf.add("a", StepArgs("a", 1))
    with pytest.raises(river.SequenceError, match="sequences and workflows do not mix"):
        await client.insert_workflow(wf)
    assert (await client.job_list()).jobs == []


async def test_a_retried_job_waits_while_another_job_of_its_key_runs(
    adriver: Any, schema: str
) -> None:
    rec = Recorder()
    gate = rec.gate("a", 2)
    client = _client(adriver, schema, rec)
    ids = await _insert(
        client,
        LenientArgs("a", 1, fail=True), LenientArgs("a", 2), LenientArgs("a", 3),
        max_attempts=1,
    )
    async with started(client):
        await _wait_states(client, ids, [S.DISCARDED, S.RUNNING, S.PENDING])
        rec.fail = False
        retried = await client.job_retry(ids[0])  # its key is busy: it waits its turn
        assert retried.state is S.PENDING
        assert await _states(client, ids) == [S.PENDING, S.RUNNING, S.PENDING]
        gate.set()
        await _wait_states(client, ids, [S.COMPLETED] * 3)
    assert rec.order["a"] == [1, 2, 1, 3]
    assert rec.most_at_once["a"] == 1


async def test_a_job_cancelled_before_its_turn_holds_only_the_jobs_after_it(
    adriver: Any, schema: str
) -> None:
    rec = Recorder()
    gate = rec.gate("a", 1)
    client = _client(adriver, schema, rec)
    ids = await _insert(client, *[StepArgs("a", n) for n in (1, 2, 3, 4)])
    async with started(client):
        await _wait_states(client, ids, [S.RUNNING, S.PENDING, S.PENDING, S.PENDING])
        await client.job_cancel(ids[2])
        gate.set()
        await _wait_states(client, ids, [S.COMPLETED, S.COMPLETED, S.CANCELLED, S.PENDING])
        assert await _sweep(adriver, schema) == 0
    assert rec.order["a"] == [1, 2]

# WARNING: this file is generated from 'test_batch_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Batching on a real database: jobs of one batch key worked together by ``work_many`` in
batches of at most ``max_count``, other keys never mixed in, a short batch run once
``max_delay`` has passed, a leader woken by inserts, per-job results and their events,
``work_many`` raising, a stop while a batch gathers, a queue with concurrency limits (see
also ``test_batch_limits_async``), and two clients never batching the same job."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._internal.notifier.notification import TOPIC_INSERT
from river.batch import METADATA_BATCH_KEY
from river.driver.params import LeaderElectParams, QueueCreateOrSetUpdatedAtParams
from river.types import JobState
from tests._client_helpers import make_config, started, wait_for

pytestmark = pytest.mark.anyio
S = JobState
QUEUE = "batch"


@dataclass
class SendArgs:
    kind = "batch_send"
    customer: str
    n: int
    outcome: str = ""  # fail | cancel | snooze: the result work_many gives this job

    @staticmethod
    def batch_opts() -> river.BatchOpts:
        return river.BatchOpts(by_args=["customer"])


@dataclass
class PlainArgs:
    """Batched by kind alone."""

    kind = "batch_plain"
    n: int

    @staticmethod
    def batch_opts() -> river.BatchOpts:
        return river.BatchOpts()


@dataclass
class BadOptsArgs:
    kind = "batch_bad_opts"

    @staticmethod
    def batch_opts() -> river.BatchOpts:
        return river.BatchOpts(by_args="customer")


class FarRetry:
    """Retries a day later: a failed job stays retryable for the whole test."""

    def next_retry(self, job: river.JobRow) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


class SendWorker(river.BatchWorker[SendArgs]):
    def __init__(self, opts: river.BatchWorkerOpts, *, raises: bool = False) -> None:
        self.batch_worker_opts = opts
        self.raises = raises
        self.batches: list[list[river.Job[SendArgs]]] = []
        self.returns: Any = None  # overrides the results when set

    def work_many(self, jobs: list[river.Job[SendArgs]]) -> river.BatchResults:
        self.batches.append(jobs)
        if river.job_cancelled():
            raise river.JobCancelledError("stopped")
        if self.raises:
            raise RuntimeError("the provider is down")
        if self.returns is not None:
            return self.returns  # type: ignore[no-any-return]
        results: dict[int, BaseException | None] = {}
        for job in jobs:
            if job.args.outcome == "fail":
                results[job.id] = RuntimeError(f"bad address {job.args.n}")
            elif job.args.outcome == "cancel":
                results[job.id] = river.JobCancel("unsubscribed")
            elif job.args.outcome == "snooze":
                results[job.id] = river.JobSnooze(3600)
            else:
                results[job.id] = None
        return results


class PlainWorker(river.BatchWorker[PlainArgs]):
    batch_worker_opts = river.BatchWorkerOpts(max_count=3, max_delay=0.05, poll_interval=0.01)

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def work_many(self, jobs: list[river.Job[PlainArgs]]) -> river.BatchResults:
        self.batches.append([j.args.n for j in jobs])
        return None


def _opts(max_count: int = 3, max_delay: float = 0.05) -> river.BatchWorkerOpts:
    return river.BatchWorkerOpts(max_count=max_count, max_delay=max_delay, poll_interval=0.01)


def _client(
    driver: Any,
    schema: str,
    *workers: Any,
    max_workers: int = 1,
    concurrency: river.ConcurrencyConfig | None = None,
    **config: Any,
) -> Any:
    registry = river.Workers()
    for worker in workers:
        registry.add(worker)
    queues = {QUEUE: river.QueueConfig(max_workers=max_workers, concurrency=concurrency)}
    return river.Client(driver, make_config(schema, registry, queues=queues, **config))


def _insert(client: Any, *args: Any) -> list[int]:
    results = client.insert_many(
        [river.InsertManyParams(a, river.InsertOpts(queue=QUEUE)) for a in args]
    )
    return [r.job.id for r in results]


def _wait_states(client: Any, ids: list[int], *states: JobState) -> list[river.JobRow]:

    def check() -> list[river.JobRow] | None:
        rows = [client.job_get(i) for i in ids]
        return rows if all(r.state in states for r in rows) else None

    rows: list[river.JobRow] = wait_for(check, timeout=20)
    return rows


def test_insert_stores_a_key_per_kind_and_chosen_fields(driver: Any, schema: str) -> None:
    client = _client(driver, schema, SendWorker(_opts()), PlainWorker())
    ids = _insert(
        client, SendArgs("a", 1), SendArgs("a", 2, "fail"), SendArgs("b", 1), PlainArgs(1)
    )
    copied = client.insert_many_fast(
        [river.InsertManyParams(SendArgs("a", 3), river.InsertOpts(queue=QUEUE))]
    )
    assert copied == 1
    rows = [client.job_get(i) for i in ids]
    rows += client.job_list(river.JobListParams(kinds=["batch_send"])).jobs[-1:]
    keys = [r.metadata[METADATA_BATCH_KEY] for r in rows]
    assert keys[0] == keys[1] == keys[4]
    assert len({keys[0], keys[2], keys[3]}) == 3
    assert {r.state for r in rows} == {S.AVAILABLE}
    with pytest.raises(river.BatchError, match="by_args must be a bool or a list"):
        client.insert(BadOptsArgs())


def test_jobs_of_one_key_are_worked_in_batches_of_at_most_max_count(
    driver: Any, schema: str
) -> None:
    worker = PlainWorker()
    client = _client(driver, schema, worker)
    ids = _insert(client, *[PlainArgs(n) for n in range(7)])
    with started(client):
        rows = _wait_states(client, ids, S.COMPLETED)
    # One slot: the producer fetches a leader, which gathers the next two of its key.
    assert worker.batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert [r.attempt for r in rows] == [1] * 7


def test_other_keys_are_never_mixed_in(driver: Any, schema: str) -> None:
    send = SendWorker(_opts(max_count=4))
    plain = PlainWorker()
    client = _client(driver, schema, send, plain, max_workers=2)
    args = [SendArgs(c, n) for n in range(5) for c in "abc"] + [PlainArgs(n) for n in range(4)]
    ids = _insert(client, *args)
    with started(client):
        _wait_states(client, ids, S.COMPLETED)
    for batch in send.batches:
        assert len(batch) <= 4
        assert len({j.args.customer for j in batch}) == 1
        assert {j.kind for j in batch} == {"batch_send"}
    worked = sorted((j.args.customer, j.args.n) for b in send.batches for j in b)
    assert worked == sorted((c, n) for n in range(5) for c in "abc")
    assert sorted(n for b in plain.batches for n in b) == list(range(4))


def test_a_leader_waits_for_more_jobs_until_the_batch_is_full(driver: Any, schema: str) -> None:
    # A long max_delay: the batch runs because it is full, with the jobs inserted while
    # its leader waited (the only slot is the leader's: no one else can fetch them).
    # Without notifications the leader finds them by polling.
    worker = SendWorker(_opts(max_count=3, max_delay=60))
    client = _client(driver, schema, worker, poll_only=True)
    with started(client):
        (leader,) = _insert(client, SendArgs("a", 1))
        _wait_states(client, [leader], S.RUNNING)
        later = _insert(client, SendArgs("a", 2), SendArgs("a", 3))
        _wait_states(client, [leader, *later], S.COMPLETED)
    assert [[j.id for j in b] for b in worker.batches] == [[leader, *later]]


def test_an_insert_wakes_a_leader_at_once(driver: Any, schema: str) -> None:
    # The leader polls once an hour: only the insert's notification can fill its batch
    # before the test gives up.
    opts = river.BatchWorkerOpts(max_count=2, max_delay=7200, poll_interval=3600)
    worker = SendWorker(opts)
    client = _client(driver, schema, worker)
    with started(client):
        # A notification sent before the listener is up would be lost.
        notifier = client._notifier
        assert notifier.connected.wait_timeout(20)
        handlers = notifier._handlers[TOPIC_INSERT]
        listening = len(handlers)  # the producer's
        (leader,) = _insert(client, SendArgs("a", 1))

        def leader_listens() -> bool:
            return len(handlers) > listening

        # Inserted once the leader listens: found by its first look for more jobs or,
        # once that is over, only through the notification (the next poll is an hour away).
        wait_for(leader_listens, timeout=20)
        later = _insert(client, SendArgs("a", 2))
        _wait_states(client, [leader, *later], S.COMPLETED)
    assert [[j.id for j in b] for b in worker.batches] == [[leader, *later]]


def test_a_short_batch_runs_once_max_delay_has_passed(driver: Any, schema: str) -> None:
    worker = SendWorker(_opts(max_count=50, max_delay=0.1))
    client = _client(driver, schema, worker)
    ids = _insert(client, SendArgs("a", 1), SendArgs("a", 2))
    with started(client):
        _wait_states(client, ids, S.COMPLETED)
    assert [[j.id for j in b] for b in worker.batches] == [ids]


def test_each_job_gets_its_own_result(driver: Any, schema: str) -> None:
    worker = SendWorker(_opts(max_count=5))
    client = _client(driver, schema, worker, retry_policy=FarRetry())
    ids = _insert(
        client,
        SendArgs("a", 1),
        SendArgs("a", 2, "fail"),
        SendArgs("a", 3, "cancel"),
        SendArgs("a", 4, "snooze"),
        SendArgs("a", 5),
    )
    with started(client):
        rows = _wait_states(client, ids, S.COMPLETED, S.RETRYABLE, S.CANCELLED, S.SCHEDULED)
    assert [len(b) for b in worker.batches] == [5]
    assert [r.state for r in rows] == [
        S.COMPLETED,
        S.RETRYABLE,
        S.CANCELLED,
        S.SCHEDULED,
        S.COMPLETED,
    ]
    assert [r.attempt for r in rows] == [1, 1, 1, 0, 1]
    assert [len(r.errors) for r in rows] == [0, 1, 1, 0, 0]
    assert rows[1].errors[0].error == "RuntimeError: bad address 2"
    assert "unsubscribed" in rows[2].errors[0].error
    assert rows[3].metadata["snoozes"] == 1
    # The jobs gathered around the leader were fetched like any job: by this client.
    assert {r.attempted_by[-1] for r in rows if r.attempt} == {client.id}


def test_every_job_of_a_batch_has_its_event(driver: Any, schema: str) -> None:
    worker = SendWorker(_opts(max_count=4))
    client = _client(driver, schema, worker, retry_policy=FarRetry())
    sub = client.subscribe()
    ids = _insert(
        client,
        SendArgs("a", 1),
        SendArgs("a", 2, "fail"),
        SendArgs("a", 3, "cancel"),
        SendArgs("a", 4, "snooze"),
    )
    events: dict[int, river.Event] = {}
    with started(client):
        while len(events) < len(ids):
            event = sub.get(timeout=20)
            assert event is not None, f"events only for {sorted(events)} of {ids}"
            events[event.job.id] = event
    assert [len(b) for b in worker.batches] == [4]
    assert [(events[i].kind, events[i].job.state) for i in ids] == [
        (river.EventKind.JOB_COMPLETED, S.COMPLETED),
        (river.EventKind.JOB_FAILED, S.RETRYABLE),
        (river.EventKind.JOB_CANCELLED, S.CANCELLED),
        (river.EventKind.JOB_SNOOZED, S.SCHEDULED),
    ]
    assert all(events[i].job_stats.run_duration >= 0 for i in ids)


@pytest.mark.parametrize("limit_in", ["config", "metadata"])
def test_a_queue_with_concurrency_limits_gathers_only_what_the_limits_leave_room_for(
    driver: Any, executor: Any, schema: str, limit_in: str
) -> None:
    # Two jobs of the queue may run at a time: the leader gathers one more, never three.
    # The limit is configured, or set in the queue's metadata (River UI's override, over a
    # configured limit of one that would leave no room at all).
    worker = SendWorker(_opts(max_count=4))
    limit = river.ConcurrencyConfig(global_limit=2 if limit_in == "config" else 1)
    client = _client(driver, schema, worker, max_workers=1, concurrency=limit)
    ids = _insert(client, *[SendArgs("a", n) for n in range(5)])
    if limit_in == "metadata":
        override = json.dumps({"concurrency": {"global_limit": 2}})
        executor.queue_create_or_set_updated_at(
            QueueCreateOrSetUpdatedAtParams(name=QUEUE, metadata=override)
        )
    with started(client):
        _wait_states(client, ids, S.COMPLETED)
    assert [[j.id for j in b] for b in worker.batches] == [ids[0:2], ids[2:4], ids[4:5]]


def test_a_failing_leader_fails_alone(driver: Any, schema: str) -> None:
    worker = SendWorker(_opts(max_count=3))
    client = _client(driver, schema, worker, retry_policy=FarRetry())
    ids = _insert(client, SendArgs("a", 1, "fail"), SendArgs("a", 2), SendArgs("a", 3))
    with started(client):
        rows = _wait_states(client, ids, S.COMPLETED, S.RETRYABLE)
    assert [r.state for r in rows] == [S.RETRYABLE, S.COMPLETED, S.COMPLETED]


class CancellingHandler:
    """An error handler that cancels every failed job it is asked about."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, str]] = []

    def handle_error(self, job: river.JobRow, error: BaseException) -> river.ErrorHandlerResult:
        self.seen.append((job.id, str(error)))
        return river.ErrorHandlerResult(set_cancelled=True)


def test_the_error_handler_decides_for_each_failed_job(driver: Any, schema: str) -> None:
    handler = CancellingHandler()
    worker = SendWorker(_opts(max_count=3))
    client = _client(driver, schema, worker, error_handler=handler, retry_policy=FarRetry())
    ids = _insert(client, SendArgs("a", 1), SendArgs("a", 2, "fail"), SendArgs("a", 3))
    with started(client):
        rows = _wait_states(client, ids, S.COMPLETED, S.CANCELLED, S.RETRYABLE)
    assert [r.state for r in rows] == [S.COMPLETED, S.CANCELLED, S.COMPLETED]
    assert [len(r.errors) for r in rows] == [0, 1, 0]
    assert handler.seen == [(ids[1], "bad address 2")]


def test_work_many_raising_fails_every_job(driver: Any, schema: str) -> None:
    worker = SendWorker(_opts(max_count=3), raises=True)
    client = _client(driver, schema, worker, retry_policy=FarRetry())
    ids = _insert(client, *[SendArgs("a", n) for n in range(3)])
    with started(client):
        rows = _wait_states(client, ids, S.RETRYABLE)
    assert [len(b) for b in worker.batches] == [3]
    assert [r.errors[-1].error for r in rows] == ["RuntimeError: the provider is down"] * 3


def test_results_that_are_not_a_mapping_of_the_batch_fail_every_job(
    driver: Any, schema: str
) -> None:
    worker = SendWorker(_opts(max_count=2))
    worker.returns = {123456789: None}
    client = _client(driver, schema, worker, retry_policy=FarRetry())
    ids = _insert(client, SendArgs("a", 1), SendArgs("a", 2))
    with started(client):
        rows = _wait_states(client, ids, S.RETRYABLE)
    assert all("BatchResultError" in r.errors[-1].error for r in rows)
    assert all("123456789" in r.errors[-1].error for r in rows)


def test_a_stop_while_a_batch_gathers_puts_every_job_back(driver: Any, schema: str) -> None:
    worker = SendWorker(_opts(max_count=10, max_delay=60))
    client = _client(driver, schema, worker)
    ids = _insert(client, *[SendArgs("a", n) for n in range(3)])
    client.start()
    try:
        _wait_states(client, ids, S.RUNNING)
    finally:
        client.stop_and_cancel()
    rows = _wait_states(client, ids, S.AVAILABLE)
    assert [r.attempt for r in rows] == [0, 0, 0]


def test_a_remote_cancel_of_the_leader_puts_the_others_back(driver: Any, schema: str) -> None:
    worker = SendWorker(_opts(max_count=10, max_delay=60))
    client = _client(driver, schema, worker)
    leader, *others = _insert(client, *[SendArgs("a", n) for n in range(3)])
    with started(client):
        _wait_states(client, [leader, *others], S.RUNNING)
        client.job_cancel(leader)
        assert _wait_states(client, [leader], S.CANCELLED)[0].attempt == 1

        def fetched_again() -> list[river.JobRow] | None:
            rows = [client.job_get(i) for i in others]
            return rows if all(len(r.attempted_by) == 2 for r in rows) else None

        # Back to available without using an attempt, then fetched into a new batch.
        rows = wait_for(fetched_again, timeout=20)
    assert [(r.state, r.attempt, r.errors) for r in rows] == [(S.RUNNING, 1, [])] * 2


def test_gathered_workflow_tasks_free_their_dependents_when_they_complete(
    driver: Any, executor: Any, schema: str
) -> None:
    # The batch's leader is no workflow task: the two sends of the workflow are gathered
    # into its batch, and the batch's write of their completions promotes the report.
    # Another process leads the cluster: no workflow sweeper would promote it instead.
    executor.leader_attempt_elect(
        LeaderElectParams(leader_id="elsewhere", ttl=dt.timedelta(hours=1))
    )
    send, plain = (SendWorker(_opts(max_count=3)), PlainWorker())
    client = _client(driver, schema, send, plain)
    (leader,) = _insert(client, SendArgs("a", 0))
    wf = river.Workflow("mailing")
    opts = river.InsertOpts(queue=QUEUE)
    s1 = wf.add("s1", SendArgs("a", 1), opts)
    s2 = wf.add("s2", SendArgs("a", 2), opts)
    wf.add("report", PlainArgs(0), opts, deps=[s1, s2])
    client.insert_workflow(wf)
    with started(client):

        def all_completed() -> bool:
            info = client.workflow_get(wf.id)
            return set(info.states.values()) == {S.COMPLETED}

        wait_for(all_completed, timeout=20)
    assert [b[0].id for b in send.batches] == [leader]
    assert [[j.args.n for j in b] for b in send.batches] == [[0, 1, 2]]
    assert plain.batches == [[0]]


def test_without_the_plugin_each_job_is_worked_alone(driver: Any, schema: str) -> None:
    worker = SendWorker(_opts(max_count=3))
    client = _client(driver, schema, worker, disabled_plugins=["river.batch"])
    ids = _insert(client, *[SendArgs("a", n) for n in range(3)])
    with started(client):
        _wait_states(client, ids, S.COMPLETED)
    assert [[j.id for j in b] for b in worker.batches] == [[i] for i in ids]


def test_two_clients_never_batch_the_same_job(driver: Any, schema: str) -> None:
    # Six leaders (three slots on each client) look for jobs of one key every 5ms while
    # the jobs come in one at a time: each job is fetched once, by one of them.
    opts = river.BatchWorkerOpts(max_count=4, max_delay=0.1, poll_interval=0.005)
    workers = [SendWorker(opts) for _ in range(2)]
    clients = [_client(driver, schema, w, max_workers=3) for w in workers]
    with started(clients[0]), started(clients[1]):
        ids = [_insert(clients[0], SendArgs("a", n))[0] for n in range(30)]
        rows = _wait_states(clients[0], ids, S.COMPLETED)
    worked = [j.id for w in workers for b in w.batches for j in b]
    assert sorted(worked) == sorted(ids)
    assert [r.attempt for r in rows] == [1] * len(ids)

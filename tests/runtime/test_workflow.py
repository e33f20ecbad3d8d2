# WARNING: this file is generated from 'test_workflow_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Workflows on a real database: promotion when dependencies complete, cancellation when
one fails, is cancelled or deleted, outputs of dependencies, cancel, retry, get, list,
the leader's sweep, and the races of two transactions finishing dependencies at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river._acompat import Event, gather, sleep, spawn
from river._internal.completer.worker_tx import job_complete_tx
from river._internal.flow.workflow import promote, sweep
from river._internal.maintenance.workflow_sweeper import WorkflowSweeper
from river._internal.notifier.notification import TOPIC_INSERT, channel, parse_payload
from river.types import JobState
from tests._client_helpers import make_config, started, user_tx, wait_for

pytestmark = pytest.mark.anyio
S = JobState


@dataclass
class StepArgs:
    kind = "workflow_step"
    name: str
    fail: bool = False


class StepWorker(river.Worker[StepArgs]):
    def __init__(self) -> None:
        self.order: list[str] = []
        self.seen_outputs: dict[str, dict[str, Any]] = {}
        self.fail = True

    def work(self, job: river.Job[StepArgs]) -> None:
        self.seen_outputs[job.args.name] = river.workflow_outputs()
        if job.args.fail and self.fail:
            raise RuntimeError(f"{job.args.name} failed")
        self.order.append(job.args.name)
        river.record_output({"from": job.args.name, "n": len(self.order)})


def _client(driver: Any, schema: str, worker: StepWorker | None = None) -> Any:
    workers = river.Workers()
    workers.add(worker or StepWorker())
    return river.Client(driver, make_config(schema, workers))


def _diamond(name: str = "diamond") -> river.Workflow:
    wf = river.Workflow(name)
    a = wf.add("a", StepArgs("a"))
    b = wf.add("b", StepArgs("b"), deps=[a])
    c = wf.add("c", StepArgs("c"), deps=[a])
    wf.add("d", StepArgs("d"), deps=[b, c])
    return wf


def _states(client: Any, wf_id: str) -> dict[str, JobState]:
    states: dict[str, JobState] = client.workflow_get(wf_id).states
    return states


def _wait_states(client: Any, wf_id: str, want: dict[str, JobState]) -> None:

    def check() -> bool:
        return _states(client, wf_id) == want

    try:
        wait_for(check, timeout=20)
    except AssertionError:
        raise AssertionError(f"states {_states(client, wf_id)} != {want}") from None


def test_insert_stores_river_pro_metadata_and_pending_state(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    wf = _diamond()
    result = client.insert_workflow(wf)
    assert (result.workflow_id, result.name, result.count) == (wf.id, "diamond", 4)
    info = client.workflow_get(wf.id)
    assert info.states == {"a": S.AVAILABLE, "b": S.PENDING, "c": S.PENDING, "d": S.PENDING}
    d = info.task("d").job
    assert d.metadata["workflow_id"] == wf.id
    assert d.metadata["workflow_name"] == "diamond"
    assert d.metadata["task"] == "d"
    assert d.metadata["deps"] == ["b", "c"]
    assert info.task("d").deps == ("b", "c")


def test_dag_runs_in_dependency_order_with_outputs(driver: Any, schema: str) -> None:
    worker = StepWorker()
    client = _client(driver, schema, worker)
    wf = _diamond()
    client.insert_workflow(wf)
    with started(client):
        _wait_states(client, wf.id, dict.fromkeys("abcd", S.COMPLETED))
    assert worker.order[0] == "a" and worker.order[-1] == "d"
    assert set(worker.order[1:3]) == {"b", "c"}
    assert worker.seen_outputs["a"] == {}
    assert worker.seen_outputs["b"] == {"a": {"from": "a", "n": 1}}
    assert set(worker.seen_outputs["d"]) == {"b", "c"}
    assert worker.seen_outputs["d"]["b"]["from"] == "b"


def test_discarded_dep_cancels_dependents_transitively_then_retry(driver: Any, schema: str) -> None:
    worker = StepWorker()
    client = _client(driver, schema, worker)
    wf = river.Workflow("failing")
    a = wf.add("a", StepArgs("a"))
    b = wf.add("b", StepArgs("b", fail=True), river.InsertOpts(max_attempts=1), deps=[a])
    c = wf.add("c", StepArgs("c"), deps=[b])
    wf.add("d", StepArgs("d"), deps=[c])
    wf.add("e", StepArgs("e"), deps=[b], ignore_discarded_deps=True)
    client.insert_workflow(wf)
    with started(client):
        _wait_states(
            client,
            wf.id,
            {
                "a": S.COMPLETED,
                "b": S.DISCARDED,
                "c": S.CANCELLED,
                "d": S.CANCELLED,
                "e": S.COMPLETED,
            },
        )
        info = client.workflow_get(wf.id)
        assert info.task("d").job.metadata["workflow_cancelled_by_dep"] is True
        worker.fail = False
        retried = client.workflow_retry(wf.id)
        assert retried.states["b"] in (S.AVAILABLE, S.RUNNING, S.COMPLETED)
        assert retried.states["c"] == S.PENDING or retried.states["c"] is S.COMPLETED
        _wait_states(client, wf.id, dict.fromkeys("abcde", S.COMPLETED))
    assert worker.order.count("a") == 1  # a completed task is not run again
    assert worker.order.count("e") == 1


def test_cancel_and_delete_of_a_dep_cancel_dependents(driver: Any, schema: str) -> None:
    client = _client(driver, schema)  # not started: states change only through the API
    wf = river.Workflow("manual")
    a = wf.add("a", StepArgs("a"))
    b = wf.add("b", StepArgs("b"), deps=[a])
    wf.add("c", StepArgs("c"), deps=[b])
    x = wf.add("x", StepArgs("x"))
    wf.add("y", StepArgs("y"), deps=[x])
    wf.add("z", StepArgs("z"), deps=[x], ignore_deleted_deps=True)
    client.insert_workflow(wf)
    info = client.workflow_get(wf.id)
    client.job_cancel(info.task("a").job.id)
    client.job_delete(info.task("x").job.id)
    states = _states(client, wf.id)
    assert states == {
        "a": S.CANCELLED,
        "b": S.CANCELLED,
        "c": S.CANCELLED,
        "y": S.CANCELLED,
        "z": S.AVAILABLE,
    }


def test_ignore_cancelled_deps_runs_anyway(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    wf = river.Workflow("ignoring")
    a = wf.add("a", StepArgs("a"))
    wf.add("b", StepArgs("b"), deps=[a], ignore_cancelled_deps=True)
    client.insert_workflow(wf)
    client.job_cancel(client.workflow_get(wf.id).task("a").job.id)
    assert _states(client, wf.id) == {"a": S.CANCELLED, "b": S.AVAILABLE}


def test_workflow_cancel_list_and_not_found(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    one, two = (_diamond("one"), _diamond("two"))
    client.insert_workflow(one)
    client.insert_workflow(two)
    info = client.workflow_cancel(one.id)
    assert set(info.states.values()) == {S.CANCELLED}
    listed = {s.id: s for s in client.workflow_list()}
    assert listed[one.id].counts == {"cancelled": 4}
    assert listed[two.id].counts == {"available": 1, "pending": 3}
    assert listed[two.id].name == "two"
    assert [s.id for s in client.workflow_list(name="two")] == [two.id]
    with pytest.raises(river.WorkflowNotFoundError, match="nope"):
        client.workflow_get("nope")
    with pytest.raises(river.WorkflowNotFoundError):
        client.workflow_cancel("nope")


def test_invalid_workflow_inserts_nothing(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    wf = river.Workflow("bad")
    wf.add("a", StepArgs("a"), deps=["b"])
    wf.add("b", StepArgs("b"), deps=["a"])
    with pytest.raises(river.WorkflowError, match="cycle"):
        client.insert_workflow(wf)
    assert client.workflow_list() == []


def test_insert_workflow_tx_rolls_back_with_the_callers_transaction(
    driver: Any, schema: str
) -> None:
    client = _client(driver, schema)
    wf = _diamond()
    with user_tx(driver, rollback=True) as tx:
        assert client.insert_workflow_tx(tx, wf).count == 4
    assert client.workflow_list() == []
    with user_tx(driver) as tx:
        client.insert_workflow_tx(tx, wf)
    assert client.workflow_get(wf.id).states["a"] == S.AVAILABLE


def _set_running(executor: Any, ids: list[int]) -> None:
    executor.execute(
        f"UPDATE {executor.schema}.river_job SET state = 'running', attempt = 1 WHERE id = any(@ids::bigint[])",
        {"ids": ids},
    )


def _two_deps_running(client: Any, driver: Any, schema: str) -> tuple[Any, dict[str, int]]:
    wf = river.Workflow("race")
    x = wf.add("x", StepArgs("x"))
    y = wf.add("y", StepArgs("y"))
    wf.add("d", StepArgs("d"), deps=[x, y])
    client.insert_workflow(wf)
    ids = {t.name: t.job.id for t in client.workflow_get(wf.id).tasks}
    return (wf, ids)


def _waiting_or_done(executor: Any, done: Event) -> bool:
    """Whether the second transaction waits for the workflow's lock (or has finished)."""
    if done.is_set():
        return True
    row = executor.fetch_one(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    )
    return int(row[0]) > 0


def test_race_last_two_deps_completed_at_once_promote_exactly_once(
    driver: Any, schema: str
) -> None:
    """Each transaction completes one of the last two dependencies and promotes; the
    first holds the workflow's lock, so the second waits and then sees both completed."""
    client = _client(driver, schema)
    wf, ids = _two_deps_running(client, driver, schema)
    executor = driver.get_executor(schema)
    _set_running(executor, [ids["x"], ids["y"]])
    now = dt.datetime.now(dt.UTC)
    decided: list[Any] = []
    first_done = Event()
    release = Event()
    second_done = Event()

    def complete(name: str, first: bool) -> None:
        with executor.transaction() as tx:
            tx.job_complete_many_at([ids[name]], [now])
            decided.extend(promote(tx, [(wf.id, name)]))
            if first:
                first_done.set()
                release.wait()
        if not first:
            second_done.set()

    t1 = spawn(complete, "x", True)
    first_done.wait()
    t2 = spawn(complete, "y", False)
    try:  # the second waits for the lock
        wait_for(lambda: _waiting_or_done(executor, second_done))
    finally:
        release.set()
    gather(t1, t2, timeout=30)
    assert [(row[0], row[1]) for row in decided] == [(ids["d"], S.AVAILABLE)]
    assert client.workflow_get(wf.id).states["d"] == S.AVAILABLE


def test_race_dep_cancelled_while_dependent_is_promoted(driver: Any, schema: str) -> None:
    """One transaction completes x and promotes while another cancels y: the dependent
    ends cancelled, never available."""
    client = _client(driver, schema)
    wf, ids = _two_deps_running(client, driver, schema)
    executor = driver.get_executor(schema)
    _set_running(executor, [ids["x"]])
    now = dt.datetime.now(dt.UTC)
    first_done = Event()
    release = Event()

    def complete_x() -> None:
        with executor.transaction() as tx:
            tx.job_complete_many_at([ids["x"]], [now])
            promote(tx, [(wf.id, "x")])
            first_done.set()
            release.wait()

    second_done = Event()

    def cancel_y() -> None:
        with executor.transaction() as tx:
            client._job_cancel_on(tx, ids["y"])
        second_done.set()

    t1 = spawn(complete_x)
    first_done.wait()
    t2 = spawn(cancel_y)
    try:
        wait_for(lambda: _waiting_or_done(executor, second_done))
    finally:
        release.set()
    gather(t1, t2, timeout=30)
    assert _states(client, wf.id) == {"x": S.COMPLETED, "y": S.CANCELLED, "d": S.CANCELLED}


def test_sweep_decides_tasks_a_promotion_missed(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    wf = _diamond()
    client.insert_workflow(wf)
    ids = {t.name: t.job.id for t in client.workflow_get(wf.id).tasks}
    executor = driver.get_executor(schema)
    # Changed behind the client's back: no promotion ran.
    executor.execute(
        f"UPDATE {schema}.river_job SET state = 'completed', finalized_at = now() WHERE id = @id::bigint",
        {"id": ids["a"]},
    )
    executor.execute(f"DELETE FROM {schema}.river_job WHERE id = @id::bigint", {"id": ids["c"]})
    with executor.transaction() as tx:
        assert sweep(tx, None) == 2  # b available; d cancelled (c deleted)
    assert _states(client, wf.id) == {"a": S.COMPLETED, "b": S.AVAILABLE, "d": S.CANCELLED}
    with executor.transaction() as tx:
        assert sweep(tx, None) == 0


def test_ten_thousand_tasks_insert_and_promote(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    wf = river.Workflow("wide")
    root = wf.add("root", StepArgs("root"))
    for i in range(9999):
        wf.add(f"t{i}", StepArgs(f"t{i}"), deps=[root])
    assert client.insert_workflow(wf).count == 10000
    info = client.workflow_get(wf.id)
    executor = driver.get_executor(schema)
    _set_running(executor, [info.task("root").job.id])
    with executor.transaction() as tx:
        tx.job_complete_many_at([info.task("root").job.id], [dt.datetime.now(dt.UTC)])
        decided = promote(tx, [(wf.id, "root")])
    assert len(decided) == 9999
    assert {row[1] for row in decided} == {S.AVAILABLE}


def test_leader_sweeper_service_promotes_and_is_run_by_the_client(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    wf = _diamond()
    client.insert_workflow(wf)
    ids = {t.name: t.job.id for t in client.workflow_get(wf.id).tasks}
    executor = driver.get_executor(schema)
    executor.execute(
        f"UPDATE {schema}.river_job SET state = 'completed', finalized_at = now() WHERE id = any(@ids::bigint[])",
        {"ids": [ids["a"], ids["b"], ids["c"]]},
    )
    sweeper = WorkflowSweeper(executor, test_only=True, batch_size=1)
    assert sweeper.run_once() == 1
    assert _states(client, wf.id)["d"] == S.AVAILABLE
    with started(client):
        assert any(isinstance(s, WorkflowSweeper) for s in client._maintainer.services)


def test_two_clients_completing_a_fan_in_promote_the_join_once(driver: Any, schema: str) -> None:
    """Twenty roots worked by two clients at once: the join task runs exactly once."""
    first, second = (StepWorker(), StepWorker())
    one, two = (_client(driver, schema, first), _client(driver, schema, second))
    wf = river.Workflow("fan-in")
    roots = [wf.add(f"r{i}", StepArgs(f"r{i}")) for i in range(20)]
    wf.add("join", StepArgs("join"), deps=roots)
    one.insert_workflow(wf)
    with started(one), started(two):
        _wait_states(one, wf.id, {**{f"r{i}": S.COMPLETED for i in range(20)}, "join": S.COMPLETED})
    assert (first.order + second.order).count("join") == 1
    assert one.workflow_get(wf.id).task("join").job.attempt == 1
    assert len(first.seen_outputs.get("join") or second.seen_outputs["join"]) == 20


def test_cleaner_keeps_a_completed_task_while_a_dependent_waits(driver: Any, schema: str) -> None:
    """Deleting a completed dependency would cancel the task still waiting for it (its
    other dependency retrying for longer than the completed jobs' retention)."""
    from river.driver.params import JobDeleteBeforeParams

    client = _client(driver, schema)
    wf = river.Workflow("slow")
    a = wf.add("a", StepArgs("a"))
    b = wf.add("b", StepArgs("b"))
    wf.add("c", StepArgs("c"), deps=[a, b])
    lone = river.Workflow("lone")
    lone.add("only", StepArgs("only"))
    client.insert_workflow(wf)
    client.insert_workflow(lone)
    ids = {t.name: t.job.id for t in client.workflow_get(wf.id).tasks}
    only = client.workflow_get(lone.id).task("only").job.id
    executor = driver.get_executor(schema)
    executor.execute(
        f"UPDATE {schema}.river_job SET state = 'completed', finalized_at = now() - interval '2 days' WHERE id = any(@ids::bigint[])",
        {"ids": [ids["a"], only]},
    )
    now = dt.datetime.now(dt.UTC)
    params = JobDeleteBeforeParams(
        cancelled_finalized_before=now,
        completed_finalized_before=now,
        discarded_finalized_before=now,
    )
    assert executor.job_delete_before(params) == 1  # the lone task only
    assert client.workflow_get(wf.id).states["a"] == S.COMPLETED
    _set_running(executor, [ids["b"]])
    with executor.transaction() as tx:
        tx.job_complete_many_at([ids["b"]], [now - dt.timedelta(days=2)])
        promote(tx, [(wf.id, "b")])
    assert _states(client, wf.id)["c"] == S.AVAILABLE
    assert executor.job_delete_before(params) == 2  # nothing waits for a or b now


def test_promotion_leaves_the_callers_jit_setting_as_it_was(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    wf = _diamond()
    client.insert_workflow(wf)
    executor = driver.get_executor(schema)
    with executor.transaction() as tx:
        tx.execute("SELECT set_config('jit', 'on', true)")
        promote(tx, [(wf.id, "a")])
        row = tx.fetch_one("SELECT current_setting('jit')")
        assert row is not None and row[0] == "on"


def test_retry_after_cancel_makes_tasks_without_deps_available(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    wf = _diamond()
    client.insert_workflow(wf)
    client.workflow_cancel(wf.id)
    retried = client.workflow_retry(wf.id)
    assert retried.states == {"a": S.AVAILABLE, "b": S.PENDING, "c": S.PENDING, "d": S.PENDING}
    assert "workflow_cancelled_by_dep" not in retried.task("d").job.metadata


def test_promotion_notifies_the_promoted_tasks_queue(driver: Any, schema: str) -> None:
    """Fetching clients hear of a promoted task at once (no wait for their poll)."""
    client = _client(driver, schema)
    wf = river.Workflow("notified")
    a = wf.add("a", StepArgs("a"))
    wf.add("b", StepArgs("b"), river.InsertOpts(queue="promoted_queue"), deps=[a])
    client.insert_workflow(wf)
    topic = channel(schema, TOPIC_INSERT)
    listener = driver.get_listener()
    listener.connect()
    try:
        listener.listen(topic)
        executor = driver.get_executor(schema)
        a_id = client.workflow_get(wf.id).task("a").job.id
        _set_running(executor, [a_id])
        with executor.transaction() as tx:
            tx.job_complete_many_at([a_id], [dt.datetime.now(dt.UTC)])
            promote(tx, [(wf.id, "a")], insert_topic=topic)
        queues = []
        for _ in range(50):
            note = listener.wait_for_notification(0.2)
            if note is not None:
                queues.append(parse_payload(note.payload).get("queue"))
                break
        assert queues == ["promoted_queue"]
    finally:
        listener.close()


def test_hostile_task_names(driver: Any, schema: str) -> None:
    """Bidi controls and astral characters are stored and read back as given; a lone
    surrogate is refused with a typed error, and nothing of the workflow is inserted."""
    client = _client(driver, schema)
    wf = river.Workflow("n\u202eame 😀")
    a = wf.add("\u202ea\u200f", StepArgs("a"))
    wf.add("b 😀", StepArgs("b"), deps=[a])
    client.insert_workflow(wf)
    info = client.workflow_get(wf.id)
    assert info.name == "n\u202eame 😀"
    assert info.task("b 😀").deps == ("\u202ea\u200f",)
    bad = river.Workflow("bad")
    good = bad.add("fine", StepArgs("fine"))
    bad.add("x\ud800", StepArgs("x"), deps=[good])
    with pytest.raises(river.InvalidInsertError, match="surrogate"):
        client.insert_workflow(bad)
    assert [s.id for s in client.workflow_list()] == [wf.id]


@dataclass
class TxStepArgs:
    kind = "workflow_tx_step"


def test_job_complete_tx_promotes_dependents_in_the_callers_transaction(
    driver: Any, schema: str
) -> None:
    seen: list[JobState] = []
    wanted: dict[str, Any] = {}

    class TxWorker(river.Worker[TxStepArgs]):
        def work(self, job: river.Job[TxStepArgs]) -> None:
            with user_tx(driver) as tx:
                job_complete_tx(tx, job)
                # Promoted before the caller's transaction commits, visible inside it.
                seen.append(wanted["client"].job_get_tx(tx, wanted["b"]).state)

    workers = river.Workers()
    workers.add(TxWorker())
    workers.add(StepWorker())
    client = river.Client(driver, make_config(schema, workers))
    wf = river.Workflow("in-tx")
    a = wf.add("a", TxStepArgs())
    wf.add("b", StepArgs("b"), deps=[a])
    client.insert_workflow(wf)
    wanted.update(client=client, b=client.workflow_get(wf.id).task("b").job.id)
    with started(client):
        _wait_states(client, wf.id, {"a": S.COMPLETED, "b": S.COMPLETED})
    assert seen == [S.AVAILABLE]


def _waiting_for_a_row(executor: Any, done: Event) -> bool:
    """Whether another transaction waits for a row lock (or the waiter has finished)."""
    if done.is_set():
        return True
    row = executor.fetch_one(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted"
    )
    return int(row[0]) > 0


def test_race_workflow_cancel_while_a_completing_task_promotes_its_dependent(
    driver: Any, schema: str
) -> None:
    """A task completed (its row locked) and about to promote its dependent while
    ``workflow_cancel`` runs: the cancel waits for the completion instead of locking the
    dependent first, which made each wait for the other (a deadlock, one of the two
    aborted). Both succeed; the dependent ends cancelled, never left pending."""
    client = _client(driver, schema)
    wf = river.Workflow("cancel-race")
    x = wf.add("x", StepArgs("x"))
    other = wf.add("other", StepArgs("other"))
    wf.add("d", StepArgs("d"), deps=[x, other], ignore_cancelled_deps=True)
    wf.add("e", StepArgs("e"), deps=[x])
    client.insert_workflow(wf)
    ids = {t.name: t.job.id for t in client.workflow_get(wf.id).tasks}
    executor = driver.get_executor(schema)
    _set_running(executor, [ids["x"]])
    completed = Event()
    release = Event()
    decided: list[Any] = []

    def complete_x() -> None:  # what the completer does, held between its steps
        with executor.transaction() as tx:
            tx.job_complete_many_at([ids["x"]], [dt.datetime.now(dt.UTC)])
            completed.set()
            release.wait()
            decided.extend(promote(tx, [(wf.id, "x")]))

    cancel_done = Event()
    infos: list[Any] = []

    def cancel() -> None:
        infos.append(client.workflow_cancel(wf.id))
        cancel_done.set()

    t1 = spawn(complete_x)
    completed.wait()
    t2 = spawn(cancel)
    try:  # the cancel waits for x's row, held by the completing transaction
        wait_for(lambda: _waiting_for_a_row(executor, cancel_done))
    finally:
        release.set()
    gather(t1, t2, timeout=30)
    assert infos[0].states == {
        "x": S.COMPLETED,
        "other": S.CANCELLED,
        "d": S.CANCELLED,
        "e": S.CANCELLED,
    }
    assert _states(client, wf.id) == infos[0].states


def test_race_dep_cancelled_first_while_the_other_dep_completes(driver: Any, schema: str) -> None:
    """The other order: a transaction cancels y and cancels the dependent, holding the
    workflow's lock, while x is completed; the completion's promotion waits, then finds
    the dependent decided. The dependent ends cancelled and is never made available."""
    client = _client(driver, schema)
    wf, ids = _two_deps_running(client, driver, schema)
    executor = driver.get_executor(schema)
    _set_running(executor, [ids["x"]])
    cancelled = Event()
    release = Event()
    decided: list[Any] = []

    def cancel_y() -> None:
        with executor.transaction() as tx:
            client._job_cancel_on(tx, ids["y"])
            cancelled.set()
            release.wait()

    completed = Event()

    def complete_x() -> None:
        with executor.transaction() as tx:
            tx.job_complete_many_at([ids["x"]], [dt.datetime.now(dt.UTC)])
            decided.extend(promote(tx, [(wf.id, "x")]))
        completed.set()

    t1 = spawn(cancel_y)
    cancelled.wait()
    t2 = spawn(complete_x)
    try:  # the completion's promotion waits for the workflow's lock
        wait_for(lambda: _waiting_or_done(executor, completed))
    finally:
        release.set()
    gather(t1, t2, timeout=30)
    assert decided == []
    assert _states(client, wf.id) == {"x": S.COMPLETED, "y": S.CANCELLED, "d": S.CANCELLED}


@pytest.mark.parametrize("removal", ["cancel", "delete"])
def test_race_a_pending_task_removed_in_the_callers_transaction_while_promoted(
    driver: Any, schema: str, removal: str
) -> None:
    """A completing transaction holds the workflow's lock and is about to promote d while
    the caller's transaction cancels or deletes d: the removal takes the workflow's lock
    before d's row, as a promotion does, so it waits instead of holding the row the
    promotion needs (a deadlock, one of the two aborted). Both succeed."""
    client = _client(driver, schema)
    wf = river.Workflow("remove-race")
    x = wf.add("x", StepArgs("x"))
    wf.add("d", StepArgs("d"), deps=[x])
    client.insert_workflow(wf)
    ids = {t.name: t.job.id for t in client.workflow_get(wf.id).tasks}
    executor = driver.get_executor(schema)
    _set_running(executor, [ids["x"]])
    locked = Event()
    release = Event()
    decided: list[Any] = []

    def complete_x() -> None:  # the completer, held between its lock and promotion
        with executor.transaction() as tx:
            tx.job_complete_many_at([ids["x"]], [dt.datetime.now(dt.UTC)])
            tx.workflow_lock([wf.id])
            locked.set()
            release.wait()
            decided.extend(promote(tx, [(wf.id, "x")]))

    removed = Event()
    rows: list[Any] = []

    def remove_d() -> None:
        with user_tx(driver) as tx:
            if removal == "cancel":
                rows.append(client.job_cancel_tx(tx, ids["d"]))
            else:
                rows.append(client.job_delete_tx(tx, ids["d"]))
        removed.set()

    t1 = spawn(complete_x)
    locked.wait()
    t2 = spawn(remove_d)
    try:  # the removal waits for the workflow's lock
        wait_for(lambda: _waiting_or_done(executor, removed))
    finally:
        release.set()
    gather(t1, t2, timeout=30)
    assert [(row[0], row[1]) for row in decided] == [(ids["d"], S.AVAILABLE)]
    if removal == "cancel":
        assert rows[0].state is S.CANCELLED
        assert _states(client, wf.id) == {"x": S.COMPLETED, "d": S.CANCELLED}
    else:
        assert rows[0].id == ids["d"]
        assert _states(client, wf.id) == {"x": S.COMPLETED}


@dataclass
class BlockArgs:
    kind = "workflow_block"


class BlockWorker(river.Worker[BlockArgs]):
    """Runs until its job is cancelled."""

    def __init__(self) -> None:
        self.started = Event()

    def work(self, job: river.Job[BlockArgs]) -> None:
        self.started.set()
        for _ in range(2000):
            if river.job_cancelled():
                break
            sleep(0.01)
        raise RuntimeError("stopped by the cancel")


def test_workflow_cancel_stops_a_running_task_and_cancels_the_rest(
    driver: Any, schema: str
) -> None:
    """A running task is told to stop and ends cancelled; the tasks waiting for it are
    cancelled at once and never run."""
    blocker, steps = (BlockWorker(), StepWorker())
    workers = river.Workers()
    workers.add(blocker)
    workers.add(steps)
    client = river.Client(driver, make_config(schema, workers))
    wf = river.Workflow("stopped")
    a = wf.add("a", BlockArgs())
    b = wf.add("b", StepArgs("b"), deps=[a])
    wf.add("c", StepArgs("c"), deps=[b])
    client.insert_workflow(wf)
    with started(client):
        blocker.started.wait()
        info = client.workflow_cancel(wf.id)
        assert info.states == {"a": S.RUNNING, "b": S.CANCELLED, "c": S.CANCELLED}
        _wait_states(client, wf.id, {"a": S.CANCELLED, "b": S.CANCELLED, "c": S.CANCELLED})
    assert steps.order == []


def test_a_task_scheduled_ahead_is_scheduled_when_its_deps_complete(
    driver: Any, schema: str
) -> None:
    """Promotion keeps a task's ``scheduled_at``: a task due later becomes scheduled, not
    available, and one due already becomes available."""
    client = _client(driver, schema)
    wf = river.Workflow("later")
    a = wf.add("a", StepArgs("a"))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    wf.add("b", StepArgs("b"), river.InsertOpts(scheduled_at=later), deps=[a])
    wf.add("c", StepArgs("c"), deps=[a])
    client.insert_workflow(wf)
    a_id = client.workflow_get(wf.id).task("a").job.id
    executor = driver.get_executor(schema)
    _set_running(executor, [a_id])
    with executor.transaction() as tx:
        tx.job_complete_many_at([a_id], [dt.datetime.now(dt.UTC)])
        promote(tx, [(wf.id, "a")])
    info = client.workflow_get(wf.id)
    assert info.states == {"a": S.COMPLETED, "b": S.SCHEDULED, "c": S.AVAILABLE}
    assert abs((info.task("b").job.scheduled_at - later).total_seconds()) < 1

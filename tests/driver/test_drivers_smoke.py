# WARNING: this file is generated from 'test_drivers_smoke_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Driver self-check: every driver of each colour against a real Postgres.

Reads ``RIVER_TEST_DATABASE_URL`` and skips without it. Each test gets its own migrated
schema, named in mixed case so that every identifier must be quoted to be found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from river.driver.errors import ConnectionLostError, UniqueViolationError
from river.driver.params import (
    JobCancelParams,
    JobGetAvailableParams,
    JobInsertFastParams,
    JobListParams,
    LeaderElectParams,
    LeaderResignParams,
    NotifyManyParams,
    QueueCreateOrSetUpdatedAtParams,
    QueuePauseParams,
    job_set_state_completed,
    job_set_state_error_retryable,
)
from river.driver.sql import S
from river.migrate import Migrator
from river.plugins.manager import open_driver
from river.types import AttemptError, JobState

URL = os.environ.get("RIVER_TEST_DATABASE_URL", "")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not URL, reason="set RIVER_TEST_DATABASE_URL to run driver checks"),
]
DRIVERS = ("psycopg3", "psycopg2")
# Text that COPY's text format and array literals must escape.
AWKWARD = "tab\there, line\nbreak, cr\r, back\\slash, \"quotes\", 'single', é ü 中, %s %(x)s"
_schemas = itertools.count(1)


def _job(**kw: Any) -> JobInsertFastParams:
    base: dict[str, Any] = {"encoded_args": '{"n": 1}', "kind": "smoke"}
    base.update(kw)
    return JobInsertFastParams(**base)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture(params=DRIVERS)
def smoke_driver(request: pytest.FixtureRequest) -> Iterator[Any]:
    driver = open_driver(URL, request.param, max_size=4)
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def schema(smoke_driver: Any) -> Iterator[str]:
    name = f"Smoke_{os.getpid()}_{next(_schemas)}"
    ex = smoke_driver.get_executor()
    ex.exec_script(f'DROP SCHEMA IF EXISTS "{name}" CASCADE; CREATE SCHEMA "{name}"')
    Migrator(smoke_driver, schema=name).migrate_up()
    try:
        yield name
    finally:
        ex.exec_script(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture
def ex(smoke_driver: Any, schema: str) -> Any:
    return smoke_driver.get_executor(schema)


@contextmanager
def user_connection(driver: Any, *, commit: bool) -> Iterator[Any]:
    """A connection of the driver's library, opened by the caller, inside a transaction
    that ends with a commit or a rollback."""
    if driver.name == "psycopg2":
        import psycopg2

        conn = psycopg2.connect(URL)  # not autocommit: a transaction opens implicitly
        try:
            yield conn
            if commit:
                conn.commit()
            else:
                conn.rollback()
        finally:
            conn.close()
        return
    import psycopg

    with psycopg.Connection.connect(URL) as conn:
        with conn.transaction(force_rollback=not commit):
            yield conn


@contextmanager
def autocommit_connection(driver: Any) -> Iterator[Any]:
    """A connection of the driver's library, opened by the caller, outside a transaction."""
    if driver.name == "psycopg2":
        import psycopg2

        conn = psycopg2.connect(URL)
        conn.autocommit = True
        try:
            yield conn
        finally:
            conn.close()
        return
    import psycopg

    with psycopg.Connection.connect(URL, autocommit=True) as conn:
        yield conn


def test_insert_fast_many_round_trip_and_unique_skip(ex: Any) -> None:
    key = hashlib.sha256(b"smoke").digest()
    sched = _now() + dt.timedelta(minutes=5)
    awkward_json = json.dumps({"s": AWKWARD})
    res = ex.job_insert_fast_many(
        [
            _job(encoded_args=awkward_json, metadata=awkward_json, kind=AWKWARD, queue=AWKWARD),
            _job(
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
    again = ex.job_insert_fast_many([_job(unique_key=key, unique_states=245), _job()])
    assert again[0].unique_skipped_as_duplicate and again[0].job.id == second.id
    assert not again[1].unique_skipped_as_duplicate
    assert ex.job_get_by_id(first.id) == first


def test_copy_insert_escapes_and_unique_columns(ex: Any) -> None:
    key = hashlib.sha256(b"copy").digest()
    created = dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
    params = [
        _job(
            encoded_args=json.dumps({"i": i, "s": AWKWARD}),
            metadata=json.dumps({"m": AWKWARD}),
            kind=AWKWARD,
            tags=("plain", 'q"uote', "back\\slash", "sp ace", "tab\t"),
            created_at=created,
        )
        for i in range(300)
    ]
    params.append(_job(kind="unique", unique_key=key, unique_states=129))
    params.append(_job(kind="no_unique", unique_key=b"", unique_states=0))
    assert ex.job_insert_fast_many_no_returning(params) == 302
    jobs = ex.job_list(JobListParams(limit=1000))
    assert len(jobs) == 302
    assert jobs[0].args == {"i": 0, "s": AWKWARD} and jobs[0].metadata == {"m": AWKWARD}
    assert jobs[0].kind == AWKWARD and jobs[0].created_at == created
    assert jobs[0].tags == ["plain", 'q"uote', "back\\slash", "sp ace", "tab\t"]
    unique, plain = (jobs[300], jobs[301])
    assert unique.unique_key == key and unique.unique_states == 129
    assert plain.unique_key is None and plain.unique_states is None
    # The unique index applies to COPY as well.
    with pytest.raises(UniqueViolationError):
        ex.job_insert_fast_many_no_returning([_job(unique_key=key, unique_states=129)])


def test_get_available_then_set_state_if_running_many(ex: Any) -> None:
    ex.job_insert_fast_many([_job(priority=2), _job(priority=1), _job(queue="other")])
    got = ex.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=5, client_id="smoke-client")
    )
    assert [j.priority for j in got] == [1, 2]
    assert all(j.state is JobState.RUNNING and j.attempted_by == ["smoke-client"] for j in got)
    done, failed = got
    now = _now()
    err = AttemptError(at=now, attempt=1, error=AWKWARD, trace="trace").to_json()
    rows = ex.job_set_state_if_running_many(
        [
            job_set_state_completed(done.id, now, '{"output": "ok"}'),
            job_set_state_error_retryable(failed.id, now + dt.timedelta(seconds=30), err),
        ]
    )
    by_id = {r.id: r for r in rows}
    assert by_id[done.id].state is JobState.COMPLETED
    assert by_id[done.id].metadata == {"output": "ok"}
    assert by_id[failed.id].state is JobState.RETRYABLE
    assert by_id[failed.id].errors[0].error == AWKWARD


def test_cancel(ex: Any, schema: str) -> None:
    [waiting] = ex.job_insert_fast_many([_job()])
    topic = f"{schema}.river_control"
    cancelled = ex.job_cancel(
        JobCancelParams(id=waiting.job.id, cancel_attempted_at=_now(), control_topic=topic)
    )
    assert cancelled.state is JobState.CANCELLED and "cancel_attempted_at" in cancelled.metadata
    missing = JobCancelParams(id=10**9, cancel_attempted_at=_now(), control_topic=topic)
    assert ex.job_cancel(missing) is None


def test_job_list_filters(ex: Any) -> None:
    res = ex.job_insert_fast_many(
        [
            _job(kind="k1", queue="q1", priority=1, tags=("x",), metadata='{"team": "a"}'),
            _job(kind="k2", queue="q2", priority=2, tags=("x", "y")),
            _job(kind="k2", queue="q1", priority=3, state=JobState.SCHEDULED),
        ]
    )
    a, b, c = (r.job.id for r in res)

    def ids(**kw: Any) -> list[int]:
        return [j.id for j in ex.job_list(JobListParams(**kw))]

    assert ids(kinds=["k2"]) == [b, c]
    assert ids(queues=["q1"]) == [a, c]
    assert ids(priorities=[2, 3]) == [b, c]
    assert ids(states=[JobState.SCHEDULED]) == [c]
    assert ids(tags_any=["y"]) == [b]
    assert ids(tags_all=["x"]) == [a, b]
    assert ids(metadata_contains='{"team": "a"}') == [a]
    assert ids(ids=[a, c]) == [a, c]
    assert ids(descending=True, limit=2) == [c, b]
    assert ids(after=(a, a)) == [b, c]
    assert ids(kinds=["k2"], queues=["q1"]) == [c]


def test_leader_elect_and_resign(ex: Any, schema: str) -> None:
    ttl = dt.timedelta(seconds=10)
    leader = ex.leader_attempt_elect(LeaderElectParams(leader_id="one", ttl=ttl))
    assert leader is not None and leader.leader_id == "one"
    assert ex.leader_attempt_elect(LeaderElectParams(leader_id="two", ttl=ttl)) is None
    topic = f"{schema}.river_leadership"
    assert ex.leader_resign(LeaderResignParams(leader_id="one", leadership_topic=topic))
    assert ex.leader_get_elected_leader() is None
    assert ex.leader_attempt_elect(LeaderElectParams(leader_id="two", ttl=ttl))


def test_queue_pause_and_resume(ex: Any) -> None:
    ex.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="q"))
    assert ex.queue_pause(QueuePauseParams(name="q")) == 1
    assert ex.queue_get("q").paused_at is not None
    assert ex.queue_resume(QueuePauseParams(name="*")) == 1
    assert ex.queue_get("q").paused_at is None


def test_notify_many_reaches_listener(smoke_driver: Any, ex: Any, schema: str) -> None:
    channel = f"{schema}.river_insert"
    listener = smoke_driver.get_listener()
    listener.connect()
    try:
        listener.listen(channel)
        listener.ping()
        # Several payloads from one statement may arrive in one network read.
        payloads = [json.dumps({"queue": AWKWARD, "n": i}) for i in range(3)]
        ex.notify_many(NotifyManyParams(topic=channel, payloads=payloads))
        got = [listener.wait_for_notification(5.0) for _ in payloads]
        assert [(n.topic, n.payload) for n in got] == [(channel, p) for p in payloads]
        assert listener.wait_for_notification(0.05) is None
        listener.unlisten(channel)
        ex.notify_many(NotifyManyParams(topic=channel, payloads=["late"]))
        assert listener.wait_for_notification(0.2) is None
    finally:
        listener.close()
    with pytest.raises(ConnectionLostError):
        listener.wait_for_notification(0.01)


def _tagged_url() -> tuple[str, str]:
    """The test database's URL with an application name to find (and kill) its sessions."""
    tag = f"river_smoke_{os.getpid()}_{next(_schemas)}"
    return (URL + ("&" if "?" in URL else "?") + f"application_name={tag}", tag)


def _kill_sessions(ex: Any, tag: str) -> None:
    ex.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = @tag::text AND pid <> pg_backend_pid()",
        {"tag": tag},
    )


def test_listener_reports_a_killed_connection(smoke_driver: Any, ex: Any) -> None:
    url, tag = _tagged_url()
    doomed = open_driver(url, smoke_driver.name, max_size=1)
    listener = doomed.get_listener()
    # Only the listener's session is killed: a killed idle pool connection makes asyncpg
    # report an unhandled error on the event loop, which is not what this test is about.
    doomed.close()
    try:
        listener.connect()
        listener.listen(tag)
        _kill_sessions(ex, tag)
        with pytest.raises(ConnectionLostError):
            for _ in range(50):
                listener.wait_for_notification(0.1)
    finally:
        listener.close()


def test_pool_recovers_from_killed_connections(smoke_driver: Any, ex: Any) -> None:
    url, tag = _tagged_url()
    doomed = open_driver(url, smoke_driver.name, min_size=2, max_size=2)
    try:
        doomed_ex = doomed.get_executor()
        assert tuple(doomed_ex.fetch_one("SELECT 1")) == (1,)
        _kill_sessions(ex, tag)
        lost = 0
        for _ in range(5):
            try:
                row = doomed_ex.fetch_one("SELECT 2")
            except ConnectionLostError:
                lost += 1
                continue
            assert tuple(row) == (2,)
            break
        else:
            raise AssertionError("the pool kept handing out dead connections")
        assert lost <= 2
    finally:
        doomed.close()


def test_pool_transactions_commit_roll_back_and_nest(ex: Any) -> None:
    with ex.transaction() as tx:
        tx.job_insert_fast_many([_job(kind="outer")])
        with pytest.raises(RuntimeError):
            with tx.transaction() as sp:
                sp.job_insert_fast_many([_job(kind="savepoint")])
                raise RuntimeError("roll back to the savepoint")
        with tx.transaction() as sp:
            with sp.transaction() as deeper:
                deeper.job_insert_fast_many([_job(kind="nested")])
        # Not committed yet: invisible to another connection.
        assert ex.job_list(JobListParams()) == []
    with pytest.raises(RuntimeError):
        with ex.transaction() as tx:
            tx.job_insert_fast_many_no_returning([_job(kind="copied")])
            raise RuntimeError("roll back")
    assert [j.kind for j in ex.job_list(JobListParams())] == ["outer", "nested"]


def test_errors_inside_a_transaction(ex: Any) -> None:
    with ex.transaction() as tx:
        tx.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="dup"))
        insert = f"INSERT INTO {S}river_queue (name, updated_at) VALUES (@name::text, now())"
        with pytest.raises(UniqueViolationError) as raised:
            with tx.transaction() as sp:
                sp.execute(insert, {"name": "dup"})
        assert raised.value.constraint == "river_queue_pkey"
        # The savepoint rolled back: the transaction goes on.
        tx.execute(insert, {"name": "other"})
    assert [q.name for q in ex.queue_list()] == ["dup", "other"]


def test_unwrap_executor_on_a_callers_connection(smoke_driver: Any, schema: str) -> None:
    pool_ex = smoke_driver.get_executor(schema)
    with user_connection(smoke_driver, commit=False) as conn:
        tx_ex = smoke_driver.unwrap_executor(conn, schema)
        tx_ex.job_insert_fast_many([_job(kind="rolled_back")])
        tx_ex.job_insert_fast_many_no_returning([_job(kind="rolled_back_copy")])
        assert len(tx_ex.job_list(JobListParams())) == 2
        assert pool_ex.job_list(JobListParams()) == []
    with user_connection(smoke_driver, commit=True) as conn:
        tx_ex = smoke_driver.unwrap_executor(conn, schema)
        with pytest.raises(RuntimeError):
            with tx_ex.transaction() as sp:
                sp.job_insert_fast_many([_job(kind="savepoint")])
                raise RuntimeError("roll back to the savepoint")
        with tx_ex.transaction() as sp:
            sp.job_insert_fast_many([_job(kind="committed")])
    assert [j.kind for j in pool_ex.job_list(JobListParams())] == ["committed"]


def test_exec_script_and_percent_signs(ex: Any) -> None:
    ex.exec_script(f"CREATE TABLE {S}smoke_t (v text); INSERT INTO {S}smoke_t VALUES ('100%')")
    assert tuple(ex.fetch_one(f"SELECT v || '%' FROM {S}smoke_t")) == ("100%%",)
    row = ex.fetch_one("SELECT @v::text || '%'", {"v": "%(x)s"})
    assert tuple(row) == ("%(x)s%",)
    assert ex.table_exists("smoke_t") and (not ex.table_exists("nope"))


def test_unwrap_executor_on_an_autocommit_connection(smoke_driver: Any, schema: str) -> None:
    pool_ex = smoke_driver.get_executor(schema)
    with autocommit_connection(smoke_driver) as conn:
        conn_ex = smoke_driver.unwrap_executor(conn, schema)
        conn_ex.job_insert_fast_many([_job(kind="autocommitted")])
        with pytest.raises(RuntimeError):
            with conn_ex.transaction() as tx:
                tx.job_insert_fast_many([_job(kind="rolled_back")])
                raise RuntimeError("roll back")
        with conn_ex.transaction() as tx:
            with tx.transaction() as sp:
                sp.job_insert_fast_many([_job(kind="committed")])
    kinds = [j.kind for j in pool_ex.job_list(JobListParams())]
    assert kinds == ["autocommitted", "committed"]

"""Driver conformance: River's executor operations behave the same on every driver.

Every selected driver of the colour (``RIVER_TEST_DRIVER``) runs each test against a real
Postgres, in its own migrated schema named in mixed case, so that every identifier must be
quoted to be found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from river.driver.copy_binary import PIECE_ROWS
from river.driver.errors import ConnectionLostError, QueryCanceledError, UniqueViolationError
from river.driver.params import (
    JobCancelParams,
    JobDeleteBeforeParams,
    JobGetAvailableParams,
    JobInsertFastParams,
    JobListOrderBy,
    JobListParams,
    JobScheduleParams,
    JobUpdateParams,
    LeaderElectParams,
    LeaderResignParams,
    NotifyManyParams,
    QueueCreateOrSetUpdatedAtParams,
    QueuePauseParams,
    QueueUpdateParams,
    job_set_state_completed,
    job_set_state_error_retryable,
    job_set_state_snoozed,
)
from river.driver.query import SCHEMA_MARK as S
from river.errors import InvalidInsertError, UniqueConflictError
from river.migrate import AsyncMigrator
from river.plugins.manager import aopen_driver
from river.types import AttemptError, JobState
from tests._client_helpers_async import user_tx
from tests._db import copy_running

URL = os.environ.get("RIVER_TEST_DATABASE_URL", "")  # set by conftest before collection
pytestmark = pytest.mark.anyio

# Text that COPY's text format and array literals must escape.
AWKWARD = "tab\there, line\nbreak, cr\r, back\\slash, \"quotes\", 'single', é ü 中, %s %(x)s"
_schemas = itertools.count(1)


def _job(**kw: Any) -> JobInsertFastParams:
    base: dict[str, Any] = {"encoded_args": '{"n": 1}', "kind": "smoke"}
    base.update(kw)
    return JobInsertFastParams(**base)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
async def schema(adriver: Any) -> AsyncIterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    name = f"Conformance_{os.getpid()}_{next(_schemas)}"
    pool = adriver.get_executor()
    await pool.exec_script(f'DROP SCHEMA IF EXISTS "{name}" CASCADE; CREATE SCHEMA "{name}"')
    await AsyncMigrator(adriver, schema=name).migrate_up()
    try:
        yield name
    finally:
        await pool.exec_script(f'DROP SCHEMA "{name}" CASCADE')


@asynccontextmanager
async def user_connection(driver: Any, *, commit: bool) -> AsyncIterator[Any]:
    """A connection of the driver's library, opened by the caller, inside a transaction
    that ends with a commit or a rollback."""
    if True:  # ASYNC
        if driver.name == "asyncpg":
            import asyncpg

            conn = await asyncpg.connect(URL)
            try:
                tx = conn.transaction()
                await tx.start()
                yield conn
                await (tx.commit() if commit else tx.rollback())
            finally:
                await conn.close()
            return
    else:
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

    async with await psycopg.AsyncConnection.connect(URL) as conn:
        async with conn.transaction(force_rollback=not commit):
            yield conn


@asynccontextmanager
async def autocommit_connection(driver: Any) -> AsyncIterator[Any]:
    """A connection of the driver's library, opened by the caller, outside a transaction."""
    if True:  # ASYNC
        if driver.name == "asyncpg":
            import asyncpg

            conn = await asyncpg.connect(URL)
            try:
                yield conn
            finally:
                await conn.close()
            return
    else:
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

    async with await psycopg.AsyncConnection.connect(URL, autocommit=True) as conn:
        yield conn


async def test_insert_fast_many_round_trip_and_unique_skip(aexecutor: Any) -> None:
    key = hashlib.sha256(b"smoke").digest()
    sched = _now() + dt.timedelta(minutes=5)
    awkward_json = json.dumps({"s": AWKWARD})
    res = await aexecutor.job_insert_fast_many(
        [
            _job(encoded_args=awkward_json, metadata=awkward_json, kind=AWKWARD, queue=AWKWARD),
            _job(
                unique_key=key,
                unique_states=0b1111_0101,
                state=JobState.SCHEDULED,
                scheduled_at=sched,
                tags=("a", "b_c"),
                priority=4,
                max_attempts=3,
            ),
        ]
    )
    first, second = res[0].job, res[1].job
    assert first.args == {"s": AWKWARD} and first.metadata == {"s": AWKWARD}
    assert (first.kind, first.queue) == (AWKWARD, AWKWARD)
    assert second.unique_key == key and second.unique_states == 0b1111_0101
    assert second.tags == ["a", "b_c"] and (second.priority, second.max_attempts) == (4, 3)
    assert second.state is JobState.SCHEDULED and second.scheduled_at == sched
    assert not res[0].unique_skipped_as_duplicate and not res[1].unique_skipped_as_duplicate

    again = await aexecutor.job_insert_fast_many([_job(unique_key=key, unique_states=0xF5), _job()])
    assert again[0].unique_skipped_as_duplicate and again[0].job.id == second.id
    assert not again[1].unique_skipped_as_duplicate
    assert await aexecutor.job_get_by_id(first.id) == first


async def test_copy_insert_escapes_and_unique_columns(aexecutor: Any) -> None:
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
    params.append(_job(kind="unique", unique_key=key, unique_states=0b1000_0001))
    params.append(_job(kind="no_unique", unique_key=b"", unique_states=0))
    assert await aexecutor.job_insert_fast_many_no_returning(params) == 302

    jobs = await aexecutor.job_list(JobListParams(limit=1000))
    assert len(jobs) == 302
    assert jobs[0].args == {"i": 0, "s": AWKWARD} and jobs[0].metadata == {"m": AWKWARD}
    assert jobs[0].kind == AWKWARD and jobs[0].created_at == created
    assert jobs[0].tags == ["plain", 'q"uote', "back\\slash", "sp ace", "tab\t"]
    unique, plain = jobs[300], jobs[301]
    assert unique.unique_key == key and unique.unique_states == 0b1000_0001
    assert plain.unique_key is None and plain.unique_states is None
    # The unique index applies to COPY as well.
    with pytest.raises(UniqueConflictError) as info:
        await aexecutor.job_insert_fast_many_no_returning([_job(unique_key=key, unique_states=0x81)])
    assert (info.value.index, info.value.unique_key) == (0, key)


async def test_copy_insert_keeps_every_column_of_a_mixed_batch(aexecutor: Any) -> None:
    # Jobs that differ in every column but args, interleaved, with their times given or not.
    later = dt.datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC)
    early = dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    args = {"emoji": "\U0001f600 \u00e9", "escaped": "\\u0041 \\n", "n": 2**62, "f": 1.5}
    shapes = [
        {"kind": "k1"},
        {"kind": "k2", "queue": "other", "priority": 4, "max_attempts": 3, "tags": ["a", "b c"]},
        {"kind": "k1", "scheduled_at": later, "state": JobState.SCHEDULED},
        {"kind": "k3", "metadata": '{"meta": "\u00fc", "nested": {"x": [1, null]}}'},
        {"kind": "k4", "created_at": early, "scheduled_at": early, "state": JobState.PENDING},
        {"kind": "k5", "tags": ("only",), "unique_states": 0b0000_0001},
    ]

    def unique_key(i: int) -> bytes | None:
        return b"\x00\xff" + bytes([i]) if "unique_states" in shapes[i % len(shapes)] else None

    params = [
        _job(encoded_args=json.dumps({**args, "i": i}), unique_key=unique_key(i), **shapes[i % len(shapes)])
        for i in range(55)
    ]
    before = _now()
    assert await aexecutor.job_insert_fast_many_no_returning(params) == 55
    after = _now()

    jobs = await aexecutor.job_list(JobListParams(limit=100))
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


async def test_copy_insert_rejects_a_value_its_column_cannot_hold(aexecutor: Any) -> None:
    with pytest.raises(InvalidInsertError, match="max_attempts 40000"):
        await aexecutor.job_insert_fast_many_no_returning([_job(), _job(max_attempts=40_000)])
    with pytest.raises(InvalidInsertError, match="unique_states 256"):
        await aexecutor.job_insert_fast_many_no_returning(
            [_job(unique_key=b"k", unique_states=256)]
        )
    assert await aexecutor.job_list(JobListParams()) == []


async def test_copy_insert_builds_an_iterator_of_jobs_while_the_copy_runs(
    aexecutor: Any, schema: str
) -> None:
    # The job after the first piece is built while the database already reads the COPY.
    seen_running: list[bool] = []

    def jobs() -> Any:
        for i in range(PIECE_ROWS * 2 + 7):
            if i == PIECE_ROWS + 1:
                seen_running.append(copy_running(URL, schema))
            yield _job(encoded_args=json.dumps({"i": i}))

    assert await aexecutor.job_insert_fast_many_no_returning(jobs()) == PIECE_ROWS * 2 + 7
    assert seen_running == [True]
    listed = await aexecutor.job_list(JobListParams(limit=PIECE_ROWS * 3))
    assert [j.args["i"] for j in listed] == list(range(PIECE_ROWS * 2 + 7))
    assert await aexecutor.job_insert_fast_many_no_returning(iter([])) == 0


async def test_copy_insert_of_an_iterator_failing_late_aborts_the_copy(aexecutor: Any) -> None:
    def jobs() -> Any:
        for i in range(PIECE_ROWS + 10):
            yield _job(max_attempts=40_000 if i == PIECE_ROWS + 5 else 25)

    with pytest.raises(InvalidInsertError, match="max_attempts 40000"):
        await aexecutor.job_insert_fast_many_no_returning(jobs())
    # Nothing of the aborted COPY was written, and the executor works on.
    assert await aexecutor.job_list(JobListParams()) == []
    assert await aexecutor.job_insert_fast_many_no_returning([_job()]) == 1


async def test_copy_insert_of_a_list_failing_late_sends_nothing(aexecutor: Any) -> None:
    # A sequence is checked whole first: the caller's transaction stays usable.
    bad = [_job() for _ in range(PIECE_ROWS + 10)]
    bad[PIECE_ROWS + 5] = _job(encoded_args='{"nul": "\\u0000"}')
    async with aexecutor.transaction() as tx:
        with pytest.raises(InvalidInsertError):
            await tx.job_insert_fast_many_no_returning(bad)
        assert await tx.job_insert_fast_many_no_returning([_job(kind="after")]) == 1
    assert [j.kind for j in await aexecutor.job_list(JobListParams())] == ["after"]


async def test_get_available_then_set_state_if_running_many(aexecutor: Any) -> None:
    await aexecutor.job_insert_fast_many([_job(priority=2), _job(priority=1), _job(queue="other")])
    got = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=5, client_id="smoke-client")
    )
    assert [j.priority for j in got] == [1, 2]
    assert all(j.state is JobState.RUNNING and j.attempted_by == ["smoke-client"] for j in got)
    done, failed = got
    now = _now()
    err = AttemptError(at=now, attempt=1, error=AWKWARD, trace="trace").to_json()
    rows = await aexecutor.job_set_state_if_running_many(
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


async def test_cancel(aexecutor: Any, schema: str) -> None:
    [waiting] = await aexecutor.job_insert_fast_many([_job()])
    topic = f"{schema}.river_control"
    cancelled = await aexecutor.job_cancel(
        JobCancelParams(id=waiting.job.id, cancel_attempted_at=_now(), control_topic=topic)
    )
    assert cancelled.state is JobState.CANCELLED and "cancel_attempted_at" in cancelled.metadata
    missing = JobCancelParams(id=10**9, cancel_attempted_at=_now(), control_topic=topic)
    assert await aexecutor.job_cancel(missing) is None


async def test_job_list_filters(aexecutor: Any) -> None:
    res = await aexecutor.job_insert_fast_many(
        [
            _job(kind="k1", queue="q1", priority=1, tags=("x",), metadata='{"team": "a"}'),
            _job(kind="k2", queue="q2", priority=2, tags=("x", "y")),
            _job(kind="k2", queue="q1", priority=3, state=JobState.SCHEDULED),
        ]
    )
    a, b, c = (r.job.id for r in res)

    async def ids(**kw: Any) -> list[int]:
        return [j.id for j in await aexecutor.job_list(JobListParams(**kw))]

    assert await ids(kinds=["k2"]) == [b, c]
    assert await ids(queues=["q1"]) == [a, c]
    assert await ids(priorities=[2, 3]) == [b, c]
    assert await ids(states=[JobState.SCHEDULED]) == [c]
    assert await ids(tags_any=["y"]) == [b]
    assert await ids(tags_all=["x"]) == [a, b]
    assert await ids(metadata_contains='{"team": "a"}') == [a]
    assert await ids(ids=[a, c]) == [a, c]
    assert await ids(descending=True, limit=2) == [c, b]
    assert await ids(after=(a, a)) == [b, c]
    assert await ids(kinds=["k2"], queues=["q1"]) == [c]


async def test_leader_elect_and_resign(aexecutor: Any, schema: str) -> None:
    ttl = dt.timedelta(seconds=10)
    leader = await aexecutor.leader_attempt_elect(LeaderElectParams(leader_id="one", ttl=ttl))
    assert leader is not None and leader.leader_id == "one"
    assert await aexecutor.leader_attempt_elect(LeaderElectParams(leader_id="two", ttl=ttl)) is None
    topic = f"{schema}.river_leadership"
    assert await aexecutor.leader_resign(LeaderResignParams(leader_id="one", leadership_topic=topic))
    assert await aexecutor.leader_get_elected_leader() is None
    assert await aexecutor.leader_attempt_elect(LeaderElectParams(leader_id="two", ttl=ttl))


async def test_queue_pause_and_resume(aexecutor: Any) -> None:
    await aexecutor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="q"))
    assert await aexecutor.queue_pause(QueuePauseParams(name="q")) == 1
    assert (await aexecutor.queue_get("q")).paused_at is not None
    assert await aexecutor.queue_resume(QueuePauseParams(name="*")) == 1
    assert (await aexecutor.queue_get("q")).paused_at is None


async def test_notify_many_reaches_listener(adriver: Any, aexecutor: Any, schema: str) -> None:
    channel = f"{schema}.river_insert"
    listener = adriver.get_listener()
    await listener.connect()
    try:
        await listener.listen(channel)
        await listener.ping()
        # Several payloads from one statement may arrive in one network read.
        payloads = [json.dumps({"queue": AWKWARD, "n": i}) for i in range(3)]
        await aexecutor.notify_many(NotifyManyParams(topic=channel, payloads=payloads))
        got = [await listener.wait_for_notification(5.0) for _ in payloads]
        assert [(n.topic, n.payload) for n in got] == [(channel, p) for p in payloads]
        assert await listener.wait_for_notification(0.05) is None
        await listener.unlisten(channel)
        await aexecutor.notify_many(NotifyManyParams(topic=channel, payloads=["late"]))
        assert await listener.wait_for_notification(0.2) is None
    finally:
        await listener.close()
    with pytest.raises(ConnectionLostError):
        await listener.wait_for_notification(0.01)


def _tagged_url() -> tuple[str, str]:
    """The test database's URL with an application name to find (and kill) its sessions."""
    tag = f"river_smoke_{os.getpid()}_{next(_schemas)}"
    return URL + ("&" if "?" in URL else "?") + f"application_name={tag}", tag


async def _kill_sessions(aexecutor: Any, tag: str) -> None:
    await aexecutor.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = @tag::text AND pid <> pg_backend_pid()",
        {"tag": tag},
    )


async def test_listener_reports_a_killed_connection(adriver: Any, aexecutor: Any) -> None:
    url, tag = _tagged_url()
    doomed = await aopen_driver(url, adriver.name, max_size=1)
    listener = doomed.get_listener()
    # Only the listener's session is killed: a killed idle pool connection makes asyncpg
    # report an unhandled error on the event loop, which is not what this test is about.
    await doomed.close()
    try:
        await listener.connect()
        await listener.listen(tag)
        await _kill_sessions(aexecutor, tag)
        with pytest.raises(ConnectionLostError):
            for _ in range(50):
                await listener.wait_for_notification(0.1)
    finally:
        await listener.close()


async def test_pool_recovers_from_killed_connections(adriver: Any, aexecutor: Any) -> None:
    url, tag = _tagged_url()
    doomed = await aopen_driver(url, adriver.name, min_size=2, max_size=2)
    try:
        doomed_ex = doomed.get_executor()
        assert tuple(await doomed_ex.fetch_one("SELECT 1")) == (1,)
        await _kill_sessions(aexecutor, tag)
        lost = 0
        for _ in range(5):
            try:
                row = await doomed_ex.fetch_one("SELECT 2")
            except ConnectionLostError:
                lost += 1
                continue
            assert tuple(row) == (2,)
            break
        else:
            raise AssertionError("the pool kept handing out dead connections")
        assert lost <= 2
    finally:
        await doomed.close()


async def test_pool_transactions_commit_roll_back_and_nest(aexecutor: Any) -> None:
    async with aexecutor.transaction() as tx:
        await tx.job_insert_fast_many([_job(kind="outer")])
        with pytest.raises(RuntimeError):
            async with tx.transaction() as sp:
                await sp.job_insert_fast_many([_job(kind="savepoint")])
                raise RuntimeError("roll back to the savepoint")
        async with tx.transaction() as sp:
            async with sp.transaction() as deeper:
                await deeper.job_insert_fast_many([_job(kind="nested")])
        # Not committed yet: invisible to another connection.
        assert await aexecutor.job_list(JobListParams()) == []
    with pytest.raises(RuntimeError):
        async with aexecutor.transaction() as tx:
            await tx.job_insert_fast_many_no_returning([_job(kind="copied")])
            raise RuntimeError("roll back")
    assert [j.kind for j in await aexecutor.job_list(JobListParams())] == ["outer", "nested"]


async def test_errors_inside_a_transaction(aexecutor: Any) -> None:
    async with aexecutor.transaction() as tx:
        await tx.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="dup"))
        insert = f"INSERT INTO {S}river_queue (name, updated_at) VALUES (@name::text, now())"
        with pytest.raises(UniqueViolationError) as raised:
            async with tx.transaction() as sp:
                await sp.execute(insert, {"name": "dup"})
        assert raised.value.constraint == "river_queue_pkey"
        # The savepoint rolled back: the transaction goes on.
        await tx.execute(insert, {"name": "other"})
    assert [q.name for q in await aexecutor.queue_list()] == ["dup", "other"]


async def test_unwrap_executor_on_a_callers_connection(adriver: Any, schema: str) -> None:
    pool_ex = adriver.get_executor(schema)
    async with user_connection(adriver, commit=False) as conn:
        tx_ex = adriver.unwrap_executor(conn, schema)
        await tx_ex.job_insert_fast_many([_job(kind="rolled_back")])
        await tx_ex.job_insert_fast_many_no_returning([_job(kind="rolled_back_copy")])
        assert len(await tx_ex.job_list(JobListParams())) == 2
        assert await pool_ex.job_list(JobListParams()) == []
    async with user_connection(adriver, commit=True) as conn:
        tx_ex = adriver.unwrap_executor(conn, schema)
        with pytest.raises(RuntimeError):
            async with tx_ex.transaction() as sp:
                await sp.job_insert_fast_many([_job(kind="savepoint")])
                raise RuntimeError("roll back to the savepoint")
        async with tx_ex.transaction() as sp:
            await sp.job_insert_fast_many([_job(kind="committed")])
    assert [j.kind for j in await pool_ex.job_list(JobListParams())] == ["committed"]


async def test_exec_script_and_percent_signs(aexecutor: Any) -> None:
    await aexecutor.exec_script(
        f"CREATE TABLE {S}smoke_t (v text); INSERT INTO {S}smoke_t VALUES ('100%')"
    )
    assert tuple(await aexecutor.fetch_one(f"SELECT v || '%' FROM {S}smoke_t")) == ("100%%",)
    row = await aexecutor.fetch_one("SELECT @v::text || '%'", {"v": "%(x)s"})
    assert tuple(row) == ("%(x)s%",)
    assert await aexecutor.table_exists("smoke_t") and not await aexecutor.table_exists("nope")


async def test_unwrap_executor_on_an_autocommit_connection(adriver: Any, schema: str) -> None:
    pool_ex = adriver.get_executor(schema)
    async with autocommit_connection(adriver) as conn:
        conn_ex = adriver.unwrap_executor(conn, schema)
        await conn_ex.job_insert_fast_many([_job(kind="autocommitted")])
        with pytest.raises(RuntimeError):
            async with conn_ex.transaction() as tx:
                await tx.job_insert_fast_many([_job(kind="rolled_back")])
                raise RuntimeError("roll back")
        async with conn_ex.transaction() as tx:
            async with tx.transaction() as sp:
                await sp.job_insert_fast_many([_job(kind="committed")])
    kinds = [j.kind for j in await pool_ex.job_list(JobListParams())]
    assert kinds == ["autocommitted", "committed"]


async def test_insert_fast_many_round_trips_every_column(aexecutor: Any) -> None:
    key = hashlib.sha256(b"k").digest()
    sched = _now() + dt.timedelta(hours=1)
    [res] = await aexecutor.job_insert_fast_many(
        [
            _job(
                encoded_args='{"a":"<x>","b":[1,2]}',
                max_attempts=7,
                metadata='{"m":true}',
                priority=3,
                queue="q1",
                scheduled_at=sched,
                state=JobState.SCHEDULED,
                tags=("t1", "t2"),
                unique_key=key,
                unique_states=0xF5,
            )
        ]
    )
    job = res.job
    assert not res.unique_skipped_as_duplicate
    assert job.id > 0 and job.kind == "smoke" and job.args == {"a": "<x>", "b": [1, 2]}
    assert (job.max_attempts, job.priority, job.queue) == (7, 3, "q1")
    assert job.state is JobState.SCHEDULED and job.metadata == {"m": True}
    assert job.tags == ["t1", "t2"] and job.unique_key == key and job.unique_states == 0xF5
    assert abs((job.scheduled_at - sched).total_seconds()) < 0.001
    assert job.attempt == 0 and job.errors == [] and job.attempted_by == []
    got = await aexecutor.job_get_by_id(job.id)
    assert got == job


async def test_unique_duplicate_is_skipped(aexecutor: Any) -> None:
    key = hashlib.sha256(b"unique").digest()
    first = await aexecutor.job_insert_fast_many([_job(unique_key=key, unique_states=0xF5)])
    second = await aexecutor.job_insert_fast_many(
        [_job(unique_key=key, unique_states=0xF5), _job()]
    )
    assert second[0].unique_skipped_as_duplicate
    assert second[0].job.id == first[0].job.id
    assert not second[1].unique_skipped_as_duplicate
    assert len(await aexecutor.job_list(JobListParams())) == 2


async def test_copy_insert_no_returning(aexecutor: Any) -> None:
    key = hashlib.sha256(b"copy").digest()
    params = [_job(encoded_args=json.dumps({"i": i}), tags=("a",)) for i in range(500)]
    assert await aexecutor.job_insert_fast_many_no_returning(params) == 500
    # A batch with a unique job takes the other COPY path of some drivers.
    unique = [_job(unique_key=key, unique_states=0xF5, metadata='{"x":"tab\\there"}')]
    assert await aexecutor.job_insert_fast_many_no_returning(unique) == 1
    jobs = await aexecutor.job_list(JobListParams(limit=1000))
    assert len(jobs) == 501
    assert jobs[0].args == {"i": 0} and jobs[0].tags == ["a"]
    assert jobs[-1].unique_key == key and jobs[-1].unique_states == 0xF5
    assert jobs[-1].metadata == {"x": "tab\there"}


async def test_get_available_locks_in_priority_order(aexecutor: Any) -> None:
    await aexecutor.job_insert_fast_many(
        [
            _job(priority=2),
            _job(priority=1),
            _job(queue="other"),
            _job(scheduled_at=_now() + dt.timedelta(hours=1)),
        ]
    )
    got = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=10, client_id="c1")
    )
    assert sorted(j.priority for j in got) == [1, 2]
    for j in got:
        assert j.state is JobState.RUNNING and j.attempt == 1 and j.attempted_by == ["c1"]
        assert j.attempted_at is not None
    again = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=10, client_id="c1")
    )
    assert again == []


async def test_set_state_if_running_many(aexecutor: Any) -> None:
    await aexecutor.job_insert_fast_many([_job(), _job(), _job()])
    running = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=3, client_id="c")
    )
    a, b, c = sorted(running, key=lambda j: j.id)
    now = _now()
    err = AttemptError(at=now, attempt=1, error="boom", trace="t").to_json()
    rows = await aexecutor.job_set_state_if_running_many(
        [
            job_set_state_completed(a.id, now, '{"output":1}'),
            job_set_state_error_retryable(b.id, now + dt.timedelta(minutes=1), err),
            job_set_state_snoozed(c.id, now + dt.timedelta(minutes=5), 0, '{"snoozes":1}'),
        ]
    )
    by_id = {r.id: r for r in rows}
    assert by_id[a.id].state is JobState.COMPLETED and by_id[a.id].metadata["output"] == 1
    assert by_id[b.id].state is JobState.RETRYABLE and by_id[b.id].errors[0].error == "boom"
    assert by_id[c.id].state is JobState.SCHEDULED and by_id[c.id].attempt == 0
    # Not running any more: state stays, metadata still merges.
    [again] = await aexecutor.job_set_state_if_running_many(
        [job_set_state_completed(b.id, now, '{"late":true}')]
    )
    assert again.state is JobState.RETRYABLE and again.metadata["late"] is True


async def test_cancel_running_and_waiting(aexecutor: Any) -> None:
    await aexecutor.job_insert_fast_many([_job()])
    [running] = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=1, client_id="c")
    )
    [waiting] = await aexecutor.job_insert_fast_many([_job()])
    now = _now()
    topic = f"{aexecutor.schema}.river_control"
    cancelled = await aexecutor.job_cancel(
        JobCancelParams(id=waiting.job.id, cancel_attempted_at=now, control_topic=topic)
    )
    assert cancelled.state is JobState.CANCELLED and cancelled.finalized_at is not None
    still = await aexecutor.job_cancel(
        JobCancelParams(id=running.id, cancel_attempted_at=now, control_topic=topic)
    )
    assert still.state is JobState.RUNNING and "cancel_attempted_at" in still.metadata
    # A retry of a job whose cancel was attempted becomes a cancellation.
    err = AttemptError(at=now, attempt=1, error="x").to_json()
    [final] = await aexecutor.job_set_state_if_running_many(
        [job_set_state_error_retryable(running.id, now, err)]
    )
    assert final.state is JobState.CANCELLED and final.finalized_at is not None
    assert (
        await aexecutor.job_cancel(
            JobCancelParams(id=999_999, cancel_attempted_at=now, control_topic=topic)
        )
        is None
    )


async def test_list_filters_update_delete_retry(aexecutor: Any) -> None:
    res = await aexecutor.job_insert_fast_many(
        [_job(kind="k1", tags=("x", "y")), _job(kind="k2", queue="q2", priority=4)]
    )
    one, two = res[0].job, res[1].job
    assert [j.id for j in await aexecutor.job_list(JobListParams(kinds=["k2"]))] == [two.id]
    assert [j.id for j in await aexecutor.job_list(JobListParams(tags_all=["x", "y"]))] == [one.id]
    assert [j.id for j in await aexecutor.job_list(JobListParams(descending=True))] == [
        two.id,
        one.id,
    ]
    page = await aexecutor.job_list(JobListParams(after=(one.id, one.id)))
    assert [j.id for j in page] == [two.id]
    updated = await aexecutor.job_update(JobUpdateParams(id=one.id, metadata_merge='{"o":1}'))
    assert updated.metadata == {"o": 1}
    deleted = await aexecutor.job_delete(two.id)
    assert deleted.id == two.id and await aexecutor.job_get_by_id(two.id) is None
    retried = await aexecutor.job_retry(one.id)
    assert retried.state is JobState.AVAILABLE


async def test_schedule_moves_due_jobs(aexecutor: Any) -> None:
    past = _now() - dt.timedelta(seconds=1)
    res = await aexecutor.job_insert_fast_many(
        [
            _job(state=JobState.SCHEDULED, scheduled_at=past),
            _job(state=JobState.SCHEDULED, scheduled_at=_now() + dt.timedelta(hours=1)),
        ]
    )
    moved = await aexecutor.job_schedule(JobScheduleParams(now=_now()))
    assert [m.job.id for m in moved] == [res[0].job.id]
    assert moved[0].job.state is JobState.AVAILABLE and not moved[0].conflict_discarded


async def test_leader_elect_reelect_resign(aexecutor: Any) -> None:
    ttl = dt.timedelta(seconds=15)
    leader = await aexecutor.leader_attempt_elect(LeaderElectParams(leader_id="a", ttl=ttl))
    assert leader is not None and leader.leader_id == "a"
    assert await aexecutor.leader_attempt_elect(LeaderElectParams(leader_id="b", ttl=ttl)) is None
    assert await aexecutor.leader_attempt_reelect(LeaderElectParams(leader_id="a", ttl=ttl))
    assert not await aexecutor.leader_attempt_reelect(LeaderElectParams(leader_id="b", ttl=ttl))
    topic = f"{aexecutor.schema}.river_leadership"
    assert await aexecutor.leader_resign(LeaderResignParams(leader_id="a", leadership_topic=topic))
    assert await aexecutor.leader_get_elected_leader() is None


async def test_queue_pause_resume(aexecutor: Any) -> None:
    q = await aexecutor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="q"))
    assert q.paused_at is None
    assert await aexecutor.queue_pause(QueuePauseParams(name="q")) == 1
    assert (await aexecutor.queue_get("q")).paused_at is not None
    assert await aexecutor.queue_resume(QueuePauseParams(name="*")) == 1
    assert (await aexecutor.queue_get("q")).paused_at is None
    assert await aexecutor.queue_pause(QueuePauseParams(name="missing")) == 0
    assert [x.name for x in await aexecutor.queue_list()] == ["q"]


async def test_listener_receives_notify(adriver: Any, aexecutor: Any) -> None:
    listener = adriver.get_listener()
    await listener.connect()
    try:
        channel = f"{aexecutor.schema}.river_insert"
        await listener.listen(channel)
        await aexecutor.notify_many(NotifyManyParams(topic=channel, payloads=['{"queue":"x"}']))
        note = await listener.wait_for_notification(5.0)
        assert note is not None and note.topic == channel and note.payload == '{"queue":"x"}'
        assert await listener.wait_for_notification(0.05) is None
    finally:
        await listener.close()


async def test_transactions_commit_rollback_savepoint(aexecutor: Any) -> None:
    async with aexecutor.transaction() as tx:
        await tx.job_insert_fast_many([_job(kind="kept")])
        with pytest.raises(RuntimeError):
            async with tx.transaction() as sp:
                await sp.job_insert_fast_many([_job(kind="savepoint")])
                raise RuntimeError("roll back the savepoint")
    with pytest.raises(RuntimeError):
        async with aexecutor.transaction() as tx:
            await tx.job_insert_fast_many([_job(kind="gone")])
            raise RuntimeError("roll back")
    assert [j.kind for j in await aexecutor.job_list(JobListParams())] == ["kept"]


async def test_unwrap_executor_joins_callers_transaction(adriver: Any, schema: str) -> None:
    async with user_tx(adriver, rollback=True) as tx:
        ex = adriver.unwrap_executor(tx, schema)
        await ex.job_insert_fast_many([_job(kind="rolled_back")])
        assert len(await ex.job_list(JobListParams())) == 1
    async with user_tx(adriver) as tx:
        ex = adriver.unwrap_executor(tx, schema)
        await ex.job_insert_fast_many([_job(kind="committed")])
    jobs = await adriver.get_executor(schema).job_list(JobListParams())
    assert [j.kind for j in jobs] == ["committed"]


async def test_job_count_by_queue_and_state(aexecutor: Any) -> None:
    assert await aexecutor.job_count_by_queue_and_state() == []
    await aexecutor.job_insert_fast_many(
        [_job(queue="a"), _job(queue="a"), _job(queue="b", state=JobState.SCHEDULED,
                                                 scheduled_at=_now() + dt.timedelta(hours=1))]
    )
    counts = await aexecutor.job_count_by_queue_and_state()
    assert [(c.queue, c.state, c.count) for c in counts] == [
        ("a", JobState.AVAILABLE, 2),
        ("b", JobState.SCHEDULED, 1),
    ]


async def test_ping_and_catalog_questions(aexecutor: Any) -> None:
    await aexecutor.ping()
    assert await aexecutor.table_exists("river_job")
    assert not await aexecutor.table_exists("no_such_table")
    assert await aexecutor.column_exists("river_migration", "line")
    assert not await aexecutor.column_exists("river_migration", "no_such_column")
    assert not await aexecutor.column_exists("no_such_table", "line")


async def test_with_schema_names_another_schemas_tables(adriver: Any, aexecutor: Any) -> None:
    elsewhere = adriver.get_executor("river_no_such_schema")
    assert not await elsewhere.table_exists("river_job")
    moved = elsewhere.with_schema(aexecutor.schema)
    assert moved.schema == aexecutor.schema and elsewhere.schema == "river_no_such_schema"
    assert await moved.table_exists("river_job")
    assert aexecutor.with_schema(aexecutor.schema) is aexecutor


async def test_migration_rows_by_line_and_assuming_main(aexecutor: Any) -> None:
    applied = await aexecutor.migration_get_by_line("main")
    assert applied == sorted(applied) and applied[0] == 1
    async with aexecutor.transaction() as tx:
        await tx.migration_insert_many("other", [1, 2])
        assert await tx.migration_get_by_line("other") == [1, 2]
        await tx.migration_delete_by_line_many("other", [1, 2])
        assert await tx.migration_get_by_line("other") == []
    # The shape before version 5: no line column, every row is the main line's.
    with pytest.raises(RuntimeError):
        async with aexecutor.transaction() as tx:
            await tx.exec_script(f"ALTER TABLE {S}river_migration DROP COLUMN line")
            assert await tx.migration_get_all_assuming_main() == applied
            await tx.migration_delete_assuming_main_many(applied[-2:])
            await tx.migration_insert_many_assuming_main([applied[-1]])
            assert await tx.migration_get_all_assuming_main() == [*applied[:-2], applied[-1]]
            raise RuntimeError("roll the table's shape back")
    assert await aexecutor.migration_get_by_line("main") == applied


async def test_index_exists_reindex_and_leftovers(aexecutor: Any, schema: str) -> None:
    assert await aexecutor.index_exists(schema, "river_job_kind")
    assert not await aexecutor.index_exists(schema, "no_such_index")
    assert not await aexecutor.index_reindex_leftovers_exist(schema, "river_job_kind")
    await aexecutor.index_reindex(schema, "river_job_kind")
    assert await aexecutor.index_exists(schema, "river_job_kind")
    await aexecutor.exec_script(
        f'CREATE INDEX river_job_kind_ccnew ON "{schema}".river_job (kind)'
    )
    assert await aexecutor.index_reindex_leftovers_exist(schema, "river_job_kind")


async def test_job_mark_running(aexecutor: Any) -> None:
    [res] = await aexecutor.job_insert_fast_many([_job()])
    running = await aexecutor.job_mark_running(res.job.id, "tester")
    assert running is not None and running.state is JobState.RUNNING
    assert running.attempt == 1 and running.attempted_by == ["tester"]
    assert await aexecutor.job_mark_running(res.job.id + 1000, "tester") is None


async def test_job_list_orders_by_enum_and_filters_metadata_by_dict(aexecutor: Any) -> None:
    early = _now() - dt.timedelta(hours=2)
    [a, b] = [
        r.job.id
        for r in await aexecutor.job_insert_fast_many(
            [_job(metadata='{"team": "a", "n": 1}'), _job(metadata='{"team": "b"}',
                                                         scheduled_at=early)]
        )
    ]

    async def ids(**kw: Any) -> list[int]:
        return [j.id for j in await aexecutor.job_list(JobListParams(**kw))]

    assert await ids(metadata_contains={"team": "a"}) == [a]
    assert await ids(metadata_contains={}) == [a, b]
    assert await ids(order_by=JobListOrderBy.SCHEDULED_AT) == [b, a]
    assert await ids(order_by="scheduled_at", descending=True) == [a, b]
    with pytest.raises(ValueError, match="cannot order jobs by 'kind'"):
        JobListParams(order_by="kind")  # type: ignore[arg-type]
    deleted = await aexecutor.job_delete_many(JobListParams(metadata_contains={"team": "b"}))
    assert [j.id for j in deleted] == [b]


async def test_job_get_cancel_attempted_ids(aexecutor: Any) -> None:
    await aexecutor.job_insert_fast_many([_job(), _job(), _job()])
    running = await aexecutor.job_get_available(
        JobGetAvailableParams(queue="default", max_to_lock=2, client_id="c")
    )
    [waiting] = await aexecutor.job_insert_fast_many([_job()])
    ids = [j.id for j in running]
    assert await aexecutor.job_get_cancel_attempted_ids(ids) == []
    assert await aexecutor.job_get_cancel_attempted_ids([]) == []
    topic = f"{aexecutor.schema}.river_control"
    await aexecutor.job_cancel(
        JobCancelParams(id=ids[1], cancel_attempted_at=_now(), control_topic=topic)
    )
    await aexecutor.job_cancel(
        JobCancelParams(id=waiting.job.id, cancel_attempted_at=_now(), control_topic=topic)
    )
    # Only running jobs are reported; the cancelled waiting job is no longer running.
    assert await aexecutor.job_get_cancel_attempted_ids([*ids, waiting.job.id]) == [ids[1]]


async def test_job_list_where_and_time_cursor(aexecutor: Any) -> None:
    from river.driver.job_list import JobListWhere, job_list_result

    early = _now() - dt.timedelta(hours=1)
    inserted = await aexecutor.job_insert_fast_many([
        _job(metadata=json.dumps({"team": AWKWARD}), priority=2, scheduled_at=early),
        _job(metadata='{"team": "b"}', priority=2),
        _job(kind="smoky", metadata=json.dumps({"team": AWKWARD}), priority=3),
        _job(metadata=json.dumps({"team": AWKWARD}), priority=2),
    ])
    ids = [r.job.id for r in inserted]
    # Values of several types, a '%' in the fragment's own text, and a value that looks
    # like the placeholders of other drivers.
    where = [
        JobListWhere("metadata->>'team' = @team AND kind LIKE 'sm%'", {"team": AWKWARD}),
        JobListWhere("priority <= @top AND kind = any(@wanted::text[])",
                     {"top": 2, "wanted": ["smoke", "smoky"]}),
        JobListWhere("scheduled_at < @before", {"before": _now() + dt.timedelta(minutes=1)}),
    ]
    params = JobListParams(where=where, order_by=JobListOrderBy.TIME, limit=1)
    first = job_list_result(await aexecutor.job_list(params), params)
    assert [j.id for j in first] == [ids[0]]
    assert first.last_cursor is not None and first.last_cursor.time == first[0].scheduled_at
    rest = await aexecutor.job_list(
        JobListParams(where=where, order_by="time", after=first.last_cursor.encode())
    )
    assert [j.id for j in rest] == [ids[3]]
    updated = await aexecutor.job_update(
        JobUpdateParams(id=ids[1], metadata_merge=json.dumps({"output": AWKWARD}))
    )
    assert updated.metadata == {"team": "b", "output": AWKWARD}
async def test_queue_update_replaces_metadata_only_when_given(aexecutor: Any) -> None:
    created = await aexecutor.queue_create_or_set_updated_at(
        QueueCreateOrSetUpdatedAtParams(name="q", metadata='{"old": true}')
    )
    updated = await aexecutor.queue_update(
        QueueUpdateParams(name="q", metadata=json.dumps({"region": AWKWARD, "n": 2}))
    )
    assert updated is not None and updated.name == "q"
    assert updated.metadata == {"region": AWKWARD, "n": 2}
    assert updated.updated_at > created.updated_at
    kept = await aexecutor.queue_update(QueueUpdateParams(name="q"))
    assert kept is not None and kept.metadata == {"region": AWKWARD, "n": 2}
    assert kept.updated_at >= updated.updated_at
    assert (await aexecutor.queue_get("q")).metadata == {"region": AWKWARD, "n": 2}
    emptied = await aexecutor.queue_update(QueueUpdateParams(name="q", metadata="{}"))
    assert emptied is not None and emptied.metadata == {}
    assert await aexecutor.queue_update(QueueUpdateParams(name="nope", metadata="{}")) is None


async def test_index_reindex_labelled_and_cancel(aexecutor: Any, schema: str) -> None:
    await aexecutor.index_reindex(schema, "river_job_kind", label="abc123")
    assert await aexecutor.index_exists(schema, "river_job_kind")
    assert not await aexecutor.index_reindex_leftovers_exist(schema, "river_job_kind")
    assert await aexecutor.index_reindex_cancel("abc123") == 0  # finished: nothing to cancel
    with pytest.raises(ValueError, match="letters and digits"):
        await aexecutor.index_reindex(schema, "river_job_kind", label="x */ DROP")


# -- a stubbed clock: statements take ``now`` and fall back to the database's ``now()`` ----

STUB_NOW = dt.datetime(2041, 2, 3, 4, 5, 6, 789000, tzinfo=dt.UTC)  # far from the real now


async def test_stubbed_now_decides_what_is_available(aexecutor: Any) -> None:
    [job] = await aexecutor.job_insert_fast_many(
        [_job(created_at=STUB_NOW, scheduled_at=STUB_NOW + dt.timedelta(seconds=10))]
    )
    params = {"queue": "default", "max_to_lock": 10, "client_id": "c"}
    assert await aexecutor.job_get_available(JobGetAvailableParams(**params)) == []
    assert await aexecutor.job_get_available(
        JobGetAvailableParams(**params, now=STUB_NOW + dt.timedelta(seconds=9))
    ) == []
    later = STUB_NOW + dt.timedelta(seconds=10)
    [fetched] = await aexecutor.job_get_available(JobGetAvailableParams(**params, now=later))
    assert fetched.id == job.job.id
    assert fetched.attempted_at == later


async def test_stubbed_now_in_mark_running_cancel_retry_and_queue(aexecutor: Any) -> None:
    [a, b] = [r.job for r in await aexecutor.job_insert_fast_many([_job(), _job()])]
    running = await aexecutor.job_mark_running(a.id, "c", STUB_NOW)
    assert running.attempted_at == STUB_NOW and running.state is JobState.RUNNING
    unstubbed = await aexecutor.job_mark_running(b.id, "c")
    assert abs(unstubbed.attempted_at - _now()) < dt.timedelta(minutes=5)

    [c] = [r.job for r in await aexecutor.job_insert_fast_many([_job()])]
    topic = f"{aexecutor.schema}.river_control"
    cancelled = await aexecutor.job_cancel(
        JobCancelParams(id=c.id, cancel_attempted_at=STUB_NOW, control_topic=topic, now=STUB_NOW)
    )
    assert cancelled.state is JobState.CANCELLED and cancelled.finalized_at == STUB_NOW

    retried = await aexecutor.job_retry(c.id, STUB_NOW)
    assert retried.state is JobState.AVAILABLE and retried.scheduled_at == STUB_NOW

    queue = await aexecutor.queue_create_or_set_updated_at(
        QueueCreateOrSetUpdatedAtParams(name="stubbed", now=STUB_NOW)
    )
    assert queue.created_at == STUB_NOW and queue.updated_at == STUB_NOW
    later = STUB_NOW + dt.timedelta(minutes=1)
    touched = await aexecutor.queue_create_or_set_updated_at(
        QueueCreateOrSetUpdatedAtParams(name="stubbed", now=later)
    )
    assert touched.created_at == STUB_NOW and touched.updated_at == later
    plain = await aexecutor.queue_create_or_set_updated_at(
        QueueCreateOrSetUpdatedAtParams(name="plain")
    )
    assert abs(plain.updated_at - _now()) < dt.timedelta(minutes=5)


# -- a statement timeout on the job cleaner's delete --------------------------------------------


async def test_job_delete_before_with_timeout_is_cancelled_when_blocked(aexecutor: Any) -> None:
    [job] = [r.job for r in await aexecutor.job_insert_fast_many([_job()])]
    await aexecutor.execute(
        f"UPDATE {S}river_job SET state = 'completed', finalized_at = now() - interval '2 days' "
        "WHERE id = @id",
        {"id": job.id},
    )
    params = JobDeleteBeforeParams(
        cancelled_finalized_before=None,
        completed_finalized_before=_now() - dt.timedelta(days=1),
        discarded_finalized_before=None,
        max=10,
    )
    async with aexecutor.transaction() as locker:
        await locker.execute(f"SELECT id FROM {S}river_job WHERE id = @id FOR UPDATE", {"id": job.id})
        with pytest.raises(QueryCanceledError) as caught:
            await aexecutor.job_delete_before(params, timeout=0.1)
    assert caught.value.sqlstate == "57014"
    assert [j.id for j in await aexecutor.job_get_by_id_many([job.id])] == [job.id]
    # Inside a transaction of the caller's: a savepoint, and the transaction goes on.
    async with aexecutor.transaction() as tx:
        assert await tx.job_delete_before(params, timeout=5.0) == 1
        row = await tx.fetch_one("SELECT 1")
        assert row is not None and row[0] == 1
    assert await aexecutor.job_get_by_id_many([job.id]) == []

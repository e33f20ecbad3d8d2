"""Jobs enqueued inside SQLAlchemy's sync ``Session`` / ``Connection`` transactions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

import river
from river.testing import TestWorker, require_inserted_tx
from tests._client_helpers import started, wait_for_state
from tests.contrib._orm import (
    SA_DIALECTS,
    NoteArgs,
    OtherArgs,
    app_rows,
    config,
    create_app_table,
    job_kinds,
    sa_url,
)


@pytest.fixture
def engine(driver: Any, database_url: str) -> Iterator[Engine]:
    eng = create_engine(sa_url(database_url, SA_DIALECTS[driver.name]))
    yield eng
    eng.dispose()


@pytest.fixture
def table(database_url: str, schema: str) -> str:
    return create_app_table(database_url, schema)


class NoteWorker(river.Worker[NoteArgs]):
    def work(self, job: river.Job[NoteArgs]) -> None:
        pass


def test_session_commit_job_visible_and_worked(
    driver: Any, engine: Engine, schema: str, table: str, database_url: str
) -> None:
    workers = river.Workers()
    workers.add(NoteWorker())
    client = river.Client(driver, config(schema, workers))
    with Session(engine) as session, session.begin():
        session.execute(text(f"INSERT INTO {table} (body) VALUES ('hello')"))
        inserted = client.insert_tx(session, NoteArgs("hello"))
        assert job_kinds(database_url, schema) == []
    assert app_rows(database_url, table) == ["hello"]
    assert job_kinds(database_url, schema) == ["note"]
    with started(client):
        row = wait_for_state(client, inserted.job.id, river.JobState.COMPLETED)
    assert row.state is river.JobState.COMPLETED


def test_session_rollback_leaves_no_job(
    driver: Any, engine: Engine, schema: str, table: str, database_url: str
) -> None:
    client = river.Client(driver, config(schema))
    with pytest.raises(RuntimeError, match="request failed"):
        with Session(engine) as session, session.begin():
            session.execute(text(f"INSERT INTO {table} (body) VALUES ('lost')"))
            client.insert_tx(session, NoteArgs("lost"))
            raise RuntimeError("request failed")
    assert app_rows(database_url, table) == []
    assert job_kinds(database_url, schema) == []


def test_autobegun_session_holds_the_job_until_commit(
    driver: Any, engine: Engine, schema: str, database_url: str
) -> None:
    client = river.Client(driver, config(schema))
    with Session(engine) as session:
        client.insert_tx(session, NoteArgs("a"))
        session.rollback()
        assert job_kinds(database_url, schema) == []
        client.insert_tx(session, NoteArgs("b"))
        session.commit()
    assert job_kinds(database_url, schema) == ["note"]


def test_savepoint_rollback_drops_only_the_inner_job(
    driver: Any, engine: Engine, schema: str, database_url: str
) -> None:
    client = river.Client(driver, config(schema))
    with Session(engine) as session, session.begin():
        client.insert_tx(session, NoteArgs("outer"))
        nested = session.begin_nested()
        client.insert_tx(session, OtherArgs("inner"))
        nested.rollback()
    assert job_kinds(database_url, schema) == ["note"]


def test_scoped_session(driver: Any, engine: Engine, schema: str, database_url: str) -> None:
    client = river.Client(driver, config(schema))
    scoped = scoped_session(sessionmaker(engine))
    try:
        client.insert_tx(scoped, NoteArgs("s"))
        scoped.commit()
    finally:
        scoped.remove()
    assert job_kinds(database_url, schema) == ["note"]


def test_connection_commit_and_rollback(
    driver: Any, engine: Engine, schema: str, database_url: str
) -> None:
    client = river.Client(driver, config(schema))
    with engine.begin() as conn:
        client.insert_many_tx(conn, [NoteArgs("one"), NoteArgs("two")])
    with engine.connect() as conn:
        client.insert_tx(conn, OtherArgs("gone"))
        conn.rollback()
    with engine.connect() as conn, conn.begin():
        client.insert_tx(conn, NoteArgs("three"))
        savepoint = conn.begin_nested()
        client.insert_many_fast_tx(conn, [OtherArgs("inner")])
        savepoint.rollback()
    assert job_kinds(database_url, schema) == ["note", "note", "note"]


def test_every_tx_entry_point_takes_a_session(
    driver: Any, engine: Engine, schema: str, database_url: str
) -> None:
    client = river.Client(driver, config(schema))
    with Session(engine) as session, session.begin():
        job = client.insert_tx(session, NoteArgs("x")).job
        assert client.job_get_tx(session, job.id).id == job.id
        assert [j.id for j in client.job_list_tx(session)] == [job.id]
        assert require_inserted_tx(client, session, NoteArgs).id == job.id
        assert client.job_cancel_tx(session, job.id).state is river.JobState.CANCELLED
        assert client.job_retry_tx(session, job.id).state is river.JobState.AVAILABLE
        client.queue_pause_tx(session, "*")
        client.queue_resume_tx(session, "*")
        assert client.job_delete_tx(session, job.id).id == job.id
    assert job_kinds(database_url, schema) == []


def test_where_listing_in_a_session_leaves_it_writable(
    driver: Any, engine: Engine, schema: str, table: str, database_url: str
) -> None:
    # The listing's read-only savepoint is rolled back: the session's own transaction
    # goes on writing and commits.
    client = river.Client(driver, config(schema))
    where = river.JobListWhere("kind = @kind", {"kind": "note"})
    with Session(engine) as session, session.begin():
        job = client.insert_tx(session, NoteArgs("x")).job
        assert [j.id for j in client.job_list_tx(session, river.JobListParams(where=where))] == [job.id]
        session.execute(text(f"INSERT INTO {table} (body) VALUES ('after listing')"))
    assert app_rows(database_url, table) == ["after listing"]
    assert job_kinds(database_url, schema) == ["note"]


class CompleteInSessionWorker(river.Worker[NoteArgs]):
    def __init__(self, engine: Engine, table: str, driver_name: str) -> None:
        self.engine, self.table, self.driver_name = engine, table, driver_name

    def work(self, job: river.Job[NoteArgs]) -> None:
        module = __import__(f"river_{self.driver_name}")
        with Session(self.engine) as session, session.begin():
            session.execute(text(f"INSERT INTO {self.table} (body) VALUES ('worked')"))
            after = module.job_complete_tx(session, job)
            assert after.state is river.JobState.COMPLETED


def test_job_complete_tx_in_a_worker_session(
    driver: Any, engine: Engine, schema: str, table: str, database_url: str
) -> None:
    workers = river.Workers()
    workers.add(CompleteInSessionWorker(engine, table, driver.name))
    client = river.Client(driver, config(schema, workers))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    job = client.insert(NoteArgs("x")).job
    with started(client):
        event = completed.get(timeout=10)
    assert event.job.id == job.id
    assert app_rows(database_url, table) == ["worked"]
    assert client.job_get(job.id).state is river.JobState.COMPLETED


def test_test_worker_works_inside_a_session(
    driver: Any, engine: Engine, schema: str, database_url: str
) -> None:
    test_worker = TestWorker(driver, NoteWorker(), config(schema))
    with Session(engine) as session:
        result = test_worker.work(session, NoteArgs("t"))
        assert result.job.state is river.JobState.COMPLETED
        session.rollback()
    assert job_kinds(database_url, schema) == []


async def _async_session_given_to(client: Any, database_url: str) -> None:
    engine = create_async_engine(sa_url(database_url, "postgresql+asyncpg"))
    try:
        async with AsyncSession(engine) as session:
            with pytest.raises(TypeError, match=r"AsyncSession is async .*sync Connection or Session"):
                client.insert_tx(session, NoteArgs())
    finally:
        await engine.dispose()


def test_async_session_is_rejected(driver: Any, schema: str, database_url: str) -> None:
    import asyncio

    asyncio.run(_async_session_given_to(river.Client(driver, config(schema)), database_url))


def test_session_of_another_driver_is_rejected(
    driver: Any, schema: str, database_url: str
) -> None:
    other = "postgresql+psycopg2" if driver.name == "psycopg3" else "postgresql+psycopg"
    engine = create_engine(sa_url(database_url, other))
    client = river.Client(driver, config(schema))
    try:
        with Session(engine) as session:
            with pytest.raises(TypeError, match=f"driver is {driver.name}, which accepts"):
                client.insert_tx(session, NoteArgs())
    finally:
        engine.dispose()


def test_anything_else_lists_what_is_accepted(driver: Any, schema: str) -> None:
    client = river.Client(driver, config(schema))
    with pytest.raises(TypeError, match=r"Connection or Session.*Django's connection.*got builtins\.int"):
        client.insert_tx(42, NoteArgs())


class ResumableInSessionWorker(river.Worker[NoteArgs]):
    def __init__(self, engine: Engine, driver_name: str) -> None:
        self.engine, self.driver_name = engine, driver_name
        self.rows: list[river.JobRow] = []

    def work(self, job: river.Job[NoteArgs]) -> None:
        module = __import__(f"river_{self.driver_name}")

        def first() -> None:
            with Session(self.engine) as session, session.begin():
                self.rows.append(module.resumable_set_step_tx(session, job))

        def second(cursor: Any) -> None:
            with Session(self.engine) as session, session.begin():
                self.rows.append(module.resumable_set_step_cursor_tx(session, job, 7))

        river.resumable_step("first", first)
        river.resumable_step_cursor("second", second)


def test_resumable_checkpoints_in_a_worker_session(
    driver: Any, engine: Engine, schema: str
) -> None:
    worker = ResumableInSessionWorker(engine, driver.name)
    workers = river.Workers()
    workers.add(worker)
    client = river.Client(driver, config(schema, workers))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    client.insert(NoteArgs("r"))
    with started(client):
        completed.get(timeout=10)
    first, second = worker.rows
    assert first.metadata["river:resumable_step"] == "first"
    assert second.metadata["river:resumable_step"] == "second"
    assert "second" in second.metadata["river:resumable_cursor"]


def test_async_session_for_a_sync_clients_driver_is_rejected(
    driver: Any, database_url: str
) -> None:
    # As when a worker of a sync client hands an AsyncSession to job_complete_tx.
    import asyncio

    from river.driver.tx_adapters import resolve_tx_async

    async def attempt() -> None:
        engine = create_async_engine(sa_url(database_url, "postgresql+asyncpg"))
        try:
            async with AsyncSession(engine) as session:
                with pytest.raises(TypeError, match=r"driver \(\w+\) is sync: use a sync"):
                    await resolve_tx_async(driver, session)
        finally:
            await engine.dispose()

    asyncio.run(attempt())

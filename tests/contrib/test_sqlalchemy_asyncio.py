"""Jobs enqueued inside SQLAlchemy's ``AsyncSession`` / ``AsyncConnection`` transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import Session

import river
from river.testing import AsyncTestWorker, arequire_inserted_tx
from tests._client_helpers_async import started, wait_for_state
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

pytestmark = pytest.mark.anyio


@pytest.fixture
async def engine(adriver: Any, database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(sa_url(database_url, SA_DIALECTS[adriver.name]))
    yield eng
    await eng.dispose()


@pytest.fixture
def table(database_url: str, schema: str) -> str:
    return create_app_table(database_url, schema)


class NoteWorker(river.AsyncWorker[NoteArgs]):
    async def work(self, job: river.Job[NoteArgs]) -> None:
        pass


async def test_session_commit_job_visible_and_worked(
    adriver: Any, engine: AsyncEngine, schema: str, table: str, database_url: str
) -> None:
    workers = river.Workers()
    workers.add(NoteWorker())
    client = river.AsyncClient(adriver, config(schema, workers))
    async with AsyncSession(engine) as session, session.begin():
        await session.execute(text(f"INSERT INTO {table} (body) VALUES ('hello')"))
        inserted = await client.insert_tx(session, NoteArgs("hello"))
        # Not visible outside the transaction before it commits.
        assert job_kinds(database_url, schema) == []
    assert app_rows(database_url, table) == ["hello"]
    assert job_kinds(database_url, schema) == ["note"]
    async with started(client):
        row = await wait_for_state(client, inserted.job.id, river.JobState.COMPLETED)
    assert row.state is river.JobState.COMPLETED


async def test_session_rollback_leaves_no_job(
    adriver: Any, engine: AsyncEngine, schema: str, table: str, database_url: str
) -> None:
    client = river.AsyncClient(adriver, config(schema))
    with pytest.raises(RuntimeError, match="request failed"):
        async with AsyncSession(engine) as session, session.begin():
            await session.execute(text(f"INSERT INTO {table} (body) VALUES ('lost')"))
            await client.insert_tx(session, NoteArgs("lost"))
            raise RuntimeError("request failed")
    assert app_rows(database_url, table) == []
    assert job_kinds(database_url, schema) == []


async def test_autobegun_session_holds_the_job_until_commit(
    adriver: Any, engine: AsyncEngine, schema: str, database_url: str
) -> None:
    # The session's transaction begins lazily; the job must be written inside it, so a
    # rollback of a session that had not touched the database yet still drops the job.
    client = river.AsyncClient(adriver, config(schema))
    async with AsyncSession(engine) as session:
        await client.insert_tx(session, NoteArgs("a"))
        await session.rollback()
        assert job_kinds(database_url, schema) == []
        await client.insert_tx(session, NoteArgs("b"))
        await session.commit()
    assert job_kinds(database_url, schema) == ["note"]


async def test_savepoint_rollback_drops_only_the_inner_job(
    adriver: Any, engine: AsyncEngine, schema: str, database_url: str
) -> None:
    client = river.AsyncClient(adriver, config(schema))
    async with AsyncSession(engine) as session, session.begin():
        await client.insert_tx(session, NoteArgs("outer"))
        nested = await session.begin_nested()
        await client.insert_tx(session, OtherArgs("inner"))
        await nested.rollback()
    assert job_kinds(database_url, schema) == ["note"]


async def test_connection_commit_and_rollback(
    adriver: Any, engine: AsyncEngine, schema: str, database_url: str
) -> None:
    client = river.AsyncClient(adriver, config(schema))
    async with engine.begin() as conn:
        await client.insert_many_tx(conn, [NoteArgs("one"), NoteArgs("two")])
    async with engine.connect() as conn:
        await client.insert_tx(conn, OtherArgs("gone"))
        await conn.rollback()
    async with engine.connect() as conn:
        async with conn.begin():
            await client.insert_tx(conn, NoteArgs("three"))
            savepoint = await conn.begin_nested()
            await client.insert_many_fast_tx(conn, [OtherArgs("inner")])
            await savepoint.rollback()
    assert job_kinds(database_url, schema) == ["note", "note", "note"]


async def test_every_tx_entry_point_takes_a_session(
    adriver: Any, engine: AsyncEngine, schema: str, database_url: str
) -> None:
    client = river.AsyncClient(adriver, config(schema))
    async with AsyncSession(engine) as session, session.begin():
        job = (await client.insert_tx(session, NoteArgs("x"))).job
        assert (await client.job_get_tx(session, job.id)).id == job.id
        assert [j.id for j in await client.job_list_tx(session)] == [job.id]
        found = await arequire_inserted_tx(client, session, NoteArgs)
        assert found.id == job.id
        assert (await client.job_cancel_tx(session, job.id)).state is river.JobState.CANCELLED
        assert (await client.job_retry_tx(session, job.id)).state is river.JobState.AVAILABLE
        await client.queue_pause_tx(session, "*")
        await client.queue_resume_tx(session, "*")
        assert (await client.job_delete_tx(session, job.id)).id == job.id
    assert job_kinds(database_url, schema) == []


class CompleteInSessionWorker(river.AsyncWorker[NoteArgs]):
    def __init__(self, engine: AsyncEngine, table: str, driver_name: str) -> None:
        self.engine, self.table, self.driver_name = engine, table, driver_name

    async def work(self, job: river.Job[NoteArgs]) -> None:
        module = __import__(f"river_{self.driver_name}")
        async with AsyncSession(self.engine) as session, session.begin():
            await session.execute(text(f"INSERT INTO {self.table} (body) VALUES ('worked')"))
            after = await module.job_complete_tx(session, job)
            assert after.state is river.JobState.COMPLETED


async def test_job_complete_tx_in_a_worker_session(
    adriver: Any, engine: AsyncEngine, schema: str, table: str, database_url: str
) -> None:
    worker = CompleteInSessionWorker(engine, table, adriver.name)
    workers = river.Workers()
    workers.add(worker)
    client = river.AsyncClient(adriver, config(schema, workers))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    job = (await client.insert(NoteArgs("x"))).job
    async with started(client):
        event = await completed.get(timeout=10)
    assert event.job.id == job.id
    assert app_rows(database_url, table) == ["worked"]
    assert (await client.job_get(job.id)).state is river.JobState.COMPLETED


async def test_test_worker_works_inside_a_session(
    adriver: Any, engine: AsyncEngine, schema: str, database_url: str
) -> None:
    test_worker = AsyncTestWorker(adriver, NoteWorker(), config(schema))
    async with AsyncSession(engine) as session:
        result = await test_worker.work(session, NoteArgs("t"))
        assert result.job.state is river.JobState.COMPLETED
        await session.rollback()
    assert job_kinds(database_url, schema) == []


async def test_sync_session_is_rejected(adriver: Any, schema: str, database_url: str) -> None:
    client = river.AsyncClient(adriver, config(schema))
    sync_engine = create_engine(sa_url(database_url, "postgresql+psycopg"))
    try:
        with Session(sync_engine) as session:
            with pytest.raises(TypeError, match=r"Session is sync .*AsyncSession"):
                await client.insert_tx(session, NoteArgs())
    finally:
        sync_engine.dispose()


async def test_session_of_another_driver_is_rejected(
    adriver: Any, schema: str, database_url: str
) -> None:
    other = "postgresql+psycopg" if adriver.name == "asyncpg" else "postgresql+asyncpg"
    engine = create_async_engine(sa_url(database_url, other))
    client = river.AsyncClient(adriver, config(schema))
    try:
        async with AsyncSession(engine) as session:
            with pytest.raises(TypeError, match=f"driver is {adriver.name}, which accepts"):
                await client.insert_tx(session, NoteArgs())
    finally:
        await engine.dispose()
    assert job_kinds(database_url, schema) == []


async def test_anything_else_lists_what_is_accepted(adriver: Any, schema: str) -> None:
    client = river.AsyncClient(adriver, config(schema))
    with pytest.raises(TypeError, match=r"AsyncConnection or AsyncSession.*got builtins\.object"):
        await client.insert_tx(object(), NoteArgs())

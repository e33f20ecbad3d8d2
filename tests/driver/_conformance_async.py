"""Driver conformance: River's executor operations behave the same on every driver.

The suite is split by area, one file each (``test_job_insert_async.py``,
``test_job_fetch_complete_async.py``, ``test_job_list_async.py``,
``test_job_maintenance_async.py``, ``test_stubbed_now_async.py``, ``test_queue_async.py``,
``test_leader_async.py``, ``test_notify_async.py``, ``test_connections_async.py``,
``test_migration_async.py``, ``test_reindex_async.py``); this module holds what they share.

Every selected driver of the colour (``RIVER_TEST_DRIVER``) runs each test against a real
Postgres, in its own migrated schema named in mixed case, so that every identifier must be
quoted to be found: each file's ``schema`` fixture, which overrides the shared one (and so
gives ``aexecutor`` its schema), is a ``mixed_case_schema``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from river.driver.params import JobInsertFastParams
from river.migrate import AsyncMigrator

URL = os.environ.get("RIVER_TEST_DATABASE_URL", "")  # set by conftest before collection

# Text that COPY's text format and array literals must escape.
AWKWARD = "tab\there, line\nbreak, cr\r, back\\slash, \"quotes\", 'single', é ü 中, %s %(x)s"
_schemas = itertools.count(1)


def job_params(**kw: Any) -> JobInsertFastParams:
    base: dict[str, Any] = {"encoded_args": '{"n": 1}', "kind": "smoke"}
    base.update(kw)
    return JobInsertFastParams(**base)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@asynccontextmanager
async def mixed_case_schema(adriver: Any) -> AsyncIterator[str]:
    """A migrated schema of its own, in mixed case (a test module's ``schema`` fixture)."""
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


def tagged_url() -> tuple[str, str]:
    """The test database's URL with an application name to find (and kill) its sessions."""
    tag = f"river_smoke_{os.getpid()}_{next(_schemas)}"
    return URL + ("&" if "?" in URL else "?") + f"application_name={tag}", tag


async def kill_sessions(aexecutor: Any, tag: str) -> None:
    await aexecutor.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = @tag::text AND pid <> pg_backend_pid()",
        {"tag": tag},
    )


STUB_NOW = dt.datetime(2041, 2, 3, 4, 5, 6, 789000, tzinfo=dt.UTC)  # far from the real now

# WARNING: this file is generated from 'test_limited_fetch_function_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The fetch with a global concurrency limit as one statement: a function of the session
(``sql_concurrency.limited_fetch_function``) that takes the queue's lock and fetches,
made by the first such fetch on a connection without it. Where the database refuses a role the
function (no TEMP privilege), the fetch holds the lock in a transaction instead, and the
limit holds either way."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from psycopg import sql

import river
from river.driver import sql_concurrency
from river.driver.errors import UndefinedNameError
from river.driver.params import JobGetAvailableLimitedParams
from river.migrate import Migrator
from river.plugins.manager import open_driver
from tests._client_helpers import make_config
from tests._db import admin_execute
from tests._pgbouncer import DIRECT_URL_ENV

pytestmark = pytest.mark.anyio
QUEUE = "limited"


@dataclass
class LimitedArgs:
    kind = "limited_function"
    n: int = 0

    def insert_opts(self) -> river.InsertOpts:
        return river.InsertOpts(queue=QUEUE)


def _limited(client_id: str, global_limit: int) -> JobGetAvailableLimitedParams:
    return JobGetAvailableLimitedParams(
        queue=QUEUE,
        max_to_lock=10,
        client_id=client_id,
        active_ids=[],
        global_limit=global_limit,
        local_limit=None,
        scan_limit=10,
    )


def test_a_limited_fetch_on_the_pool_goes_through_the_function(
    driver: Any, schema: str, executor: Any, database_url: str
) -> None:
    inserter = river.Client(driver, make_config(schema, river.Workers(), queues={}))
    inserter.insert_many([LimitedArgs(n=i) for i in range(12)])
    taken = [len(executor.job_get_available_limited(_limited(c, 5))) for c in "abc"]
    assert taken == [5, 0, 0]  # the limit holds across the clients' fetches
    assert executor.session_functions
    _, call = sql_concurrency.limited_fetch_function(0, schema, executor.plans.generation)
    name = call.split("pg_temp.", 1)[1].split("(", 1)[0]
    # pg_proc lists the functions of every session, pg_temp's among them (behind
    # PgBouncer, server connections keep theirs from one client to the next).
    url = os.environ.get(DIRECT_URL_ENV) or database_url
    rows = admin_execute(url, "SELECT count(*) FROM pg_proc WHERE proname = %s", (name,))
    assert rows[0][0] >= 1


def test_a_call_to_a_missing_function_is_an_undefined_name(executor: Any) -> None:
    with pytest.raises(UndefinedNameError) as raised:
        executor.fetch_all("SELECT pg_temp.river_no_such_function()")
    assert raised.value.sqlstate in ("42883", "3F000")
    with pytest.raises(UndefinedNameError) as raised:
        executor.fetch_all("SELECT river_no_such_function()")
    assert raised.value.sqlstate == "42883"


@pytest.fixture
def no_temp_database(database_url: str) -> Iterator[str]:
    """A new database, River's tables in its public schema, and the URL of a role that
    may use them but not make temporary objects (TEMP revoked from PUBLIC)."""
    url = os.environ.get(DIRECT_URL_ENV) or database_url
    suffix = uuid.uuid4().hex[:8]
    database, role, password = (
        f"river_no_temp_{suffix}",
        f"river_no_temp_{suffix}",
        uuid.uuid4().hex,
    )
    admin_execute(
        url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)).as_string(None)
    )
    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path=f"/{database}"))
    host = parts.hostname or "127.0.0.1"
    netloc = f"{role}:{password}@{host}" + (f":{parts.port}" if parts.port else "")
    role_url = urlunsplit(parts._replace(netloc=netloc, path=f"/{database}"))
    try:
        admin_execute(
            url,
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}")
            .format(sql.Identifier(role), sql.Literal(password))
            .as_string(None),
        )
        admin_execute(
            admin_url,
            sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC")
            .format(sql.Identifier(database))
            .as_string(None),
        )
        yield (admin_url + "\n" + role_url + "\n" + role)
    finally:
        admin_execute(
            url,
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            .format(sql.Identifier(database))
            .as_string(None),
        )
        admin_execute(
            url, sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)).as_string(None)
        )


def test_without_the_temp_privilege_the_limited_fetch_locks_in_a_transaction(
    driver: Any, no_temp_database: str
) -> None:
    admin_url, role_url, role = no_temp_database.split("\n")
    admin_driver = open_driver(admin_url, driver.name)
    try:
        Migrator(admin_driver).migrate_up()
        admin_driver.get_executor(None).exec_script(
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {0};GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {0}"
            )
            .format(sql.Identifier(role))
            .as_string(None)
        )
    finally:
        admin_driver.close()
    driver = open_driver(role_url, driver.name)
    try:
        inserter = river.Client(driver, river.Config(queues={}))
        inserter.insert_many([LimitedArgs(n=i) for i in range(8)])
        executor = driver.get_executor(None)
        first = executor.job_get_available_limited(_limited("a", 3))
        second = executor.job_get_available_limited(_limited("b", 5))
        assert len(first) == 3
        assert len(second) == 2  # a's three count against the limit of five
        assert executor.session_functions is False  # refused once, not asked again
    finally:
        driver.close()

"""Test harness: a real Postgres, isolated schemas, and driver fixtures of each colour.

The database is ``RIVER_TEST_DATABASE_URL`` or a throwaway local server started for the
session. Without one, database tests skip — unless ``RIVER_TEST_REQUIRE_DB=1`` (CI, tox),
which makes that a failure.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests._db import ASYNC_DRIVERS, SYNC_DRIVERS, SchemaPool, admin, selected_drivers

_fresh = itertools.count(1)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


_server: Any = None
_server_error: str | None = None


def _start_database() -> None:
    """Start the throwaway server before collection, so every module sees its URL."""
    global _server, _server_error
    if os.environ.get("RIVER_TEST_DATABASE_URL"):
        return
    from river._localpg import start_ephemeral

    try:
        _server = start_ephemeral(fast=True)
    except Exception as exc:
        _server_error = str(exc)
        return
    os.environ["RIVER_TEST_DATABASE_URL"] = _server.url


def pytest_unconfigure(config: pytest.Config) -> None:
    if _server is not None:
        os.environ.pop("RIVER_TEST_DATABASE_URL", None)
        _server.stop()


@pytest.fixture(scope="session")
def database_url() -> str:
    url = os.environ.get("RIVER_TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("RIVER_TEST_REQUIRE_DB") == "1":
        pytest.fail(f"no test database: {_server_error}", pytrace=False)
    pytest.skip(f"no test database ({_server_error}); set RIVER_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def schema_pool(database_url: str) -> Iterator[SchemaPool]:
    pool = SchemaPool(database_url)
    yield pool
    pool.drop_all()


@pytest.fixture
def schema(schema_pool: SchemaPool) -> Iterator[str]:
    """An isolated schema migrated to the latest version, with empty River tables."""
    name = schema_pool.acquire()
    yield name
    schema_pool.release(name)


@pytest.fixture
def fresh_schema(database_url: str) -> Iterator[str]:
    """A new, empty (unmigrated) schema, dropped afterwards."""
    name = f"river_fresh_{os.getpid()}_{next(_fresh)}"
    with admin(database_url) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    yield name
    with admin(database_url) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    selected = selected_drivers()
    for fixture, colour in (("adriver", ASYNC_DRIVERS), ("driver", SYNC_DRIVERS)):
        if fixture in metafunc.fixturenames:
            names = [n for n in selected if n in colour]
            # No driver of this colour selected: the test is deselected, not skipped.
            params = names or [pytest.param(None, marks=_NOT_APPLICABLE)]
            metafunc.parametrize(fixture, params, indirect=True, ids=names or ["none"])


_NOT_APPLICABLE = pytest.mark.river_no_driver_of_colour


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "river_no_driver_of_colour: deselected")
    _start_database()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep = [i for i in items if i.get_closest_marker("river_no_driver_of_colour") is None]
    dropped = [i for i in items if i.get_closest_marker("river_no_driver_of_colour")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture
async def adriver(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[Any]:
    opened: Any
    if request.param == "asyncpg":
        from river_asyncpg import AsyncpgDriver

        opened = await AsyncpgDriver.open(database_url, max_size=20)
    else:
        from river_psycopg3 import AsyncPsycopgDriver

        opened = await AsyncPsycopgDriver.open(database_url, max_size=20)
    yield opened
    await opened.close()


@pytest.fixture
def driver(request: pytest.FixtureRequest, database_url: str) -> Iterator[Any]:
    opened: Any
    if request.param == "psycopg2":
        from river_psycopg2 import Psycopg2Driver

        opened = Psycopg2Driver.open(database_url, max_size=20)
    else:
        from river_psycopg3 import PsycopgDriver

        opened = PsycopgDriver.open(database_url, max_size=20)
    yield opened
    opened.close()


@pytest.fixture
def aexecutor(adriver: Any, schema: str) -> Any:
    return adriver.get_executor(schema)


@pytest.fixture
def executor(driver: Any, schema: str) -> Any:
    return driver.get_executor(schema)

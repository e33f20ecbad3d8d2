"""Test harness: a real Postgres, isolated schemas, and driver fixtures of each colour.

The database is ``RIVER_TEST_DATABASE_URL``, else a throwaway local server started before
collection (so modules that read the variable at import see it) and stopped at the end.
Without either, database tests skip — unless ``RIVER_TEST_REQUIRE_DB=1`` (CI, tox), which
makes that an error before any test runs.

Drivers: ``RIVER_TEST_DRIVER`` (comma list of psycopg3, psycopg2, asyncpg; default: every
one installed). ``adriver`` is parametrized over the selected async-capable drivers and
``driver`` over the sync-capable ones; a test needing a colour no selected driver has is
deselected rather than skipped. Async tests are generated into sync ones by renaming
``adriver``/``aexecutor``/``aclient`` to ``driver``/``executor``/``client``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests._db import (
    ASYNC_DRIVERS,
    SYNC_DRIVERS,
    SchemaPool,
    create_schema,
    drop_schema,
    selected_drivers,
)
from tests._pgbouncer import (
    DIRECT_URL_ENV,
    POLL_ONLY,
    PgBouncer,
    PgBouncerError,
)
from tests._pgbouncer import MODE_ENV as PGBOUNCER_MODE_ENV
from tests._pgbouncer import mode as _pgbouncer_mode

URL_ENV = "RIVER_TEST_DATABASE_URL"
REQUIRE_ENV = "RIVER_TEST_REQUIRE_DB"
SERVER_ENV = "RIVER_TEST_POSTGRES"
POOL_MAX_SIZE = 20

_fresh = itertools.count(1)
_server: Any = None  # river.cli.localpg.LocalPostgres started by this session
_server_error: str | None = None
_NOT_APPLICABLE = "river_no_driver_of_colour"
_pgbouncer: Any = None  # tests._pgbouncer.PgBouncer started by this session
LISTEN_MARK = "needs_listen_in_pool"


def _embedded_server_wanted() -> bool:
    """``RIVER_TEST_POSTGRES=embedded``: the throwaway server is the embedded extra's
    PostgreSQL (another major version than the system's); ``system`` or unset: the
    machine's server binaries when there are any."""
    wanted = os.environ.get(SERVER_ENV, "system").strip() or "system"
    if wanted not in ("system", "embedded"):
        raise pytest.UsageError(f"{SERVER_ENV}={wanted!r}: expected system or embedded")
    return wanted == "embedded"


def _start_database(config: pytest.Config) -> None:
    global _server, _server_error
    if os.environ.get(URL_ENV) or getattr(config.option, "help", False):
        return
    from river.cli.localpg import start_ephemeral

    try:
        _server = start_ephemeral(fast=True, embedded_only=_embedded_server_wanted())
    except Exception as exc:
        _server_error = f"{type(exc).__name__}: {exc}"
        if os.environ.get(REQUIRE_ENV) == "1":
            raise pytest.UsageError(
                f"{REQUIRE_ENV}=1 but no test database: {URL_ENV} is not set and a local "
                f"server could not be started ({_server_error})"
            ) from exc
        return
    # Set before collection; subprocesses (pytest-xdist workers, cluster tests) inherit it.
    os.environ[URL_ENV] = _server.url


def _start_pgbouncer() -> None:
    """With ``RIVER_TEST_PGBOUNCER`` set, put a PgBouncer (transaction mode) in front of
    the test database: ``URL_ENV`` becomes its address, ``DIRECT_URL_ENV`` the server's."""
    global _pgbouncer
    if _pgbouncer_mode() is None or not os.environ.get(URL_ENV):
        return
    direct = os.environ[URL_ENV]
    try:
        _pgbouncer = PgBouncer(direct).start()
    except PgBouncerError as exc:
        raise pytest.UsageError(f"{PGBOUNCER_MODE_ENV} is set: {exc}") from exc
    os.environ[DIRECT_URL_ENV] = direct
    os.environ[URL_ENV] = _pgbouncer.url


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{_NOT_APPLICABLE}: deselected (no driver of the colour)")
    config.addinivalue_line(
        "markers",
        f"{LISTEN_MARK}(reason): needs LISTEN/NOTIFY; deselected when every client is "
        f"poll-only ({PGBOUNCER_MODE_ENV}=transaction)",
    )
    _start_database(config)
    if not getattr(config.option, "help", False):
        _start_pgbouncer()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _server, _pgbouncer
    if _pgbouncer is not None:
        os.environ[URL_ENV] = os.environ.pop(DIRECT_URL_ENV)
        _pgbouncer.stop()
        _pgbouncer = None
    if _server is not None:
        os.environ.pop(URL_ENV, None)
        _server.stop()
        _server = None


def pytest_report_header(config: pytest.Config) -> list[str]:
    where = f"throwaway local PostgreSQL {_server.version}" if _server is not None else URL_ENV
    url = os.environ.get(URL_ENV)
    database = f"{url} ({where})" if url else f"none ({_server_error})"
    lines = [f"river: database {database}; drivers {', '.join(selected_drivers()) or 'none'}"]
    if _pgbouncer is not None:
        lines.append(
            f"river: through PgBouncer (transaction mode, {_pgbouncer_mode()}) to "
            f"{os.environ.get(DIRECT_URL_ENV)}"
        )
    return lines


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def database_url() -> str:
    """URL of the test database (session-wide)."""
    url = os.environ.get(URL_ENV)
    if url:
        return url
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"no test database: {_server_error}", pytrace=False)
    pytest.skip(f"no test database ({_server_error}); set {URL_ENV}")


@pytest.fixture(scope="session")
def schema_pool(database_url: str) -> Iterator[SchemaPool]:
    # Schemas are set up on the server itself: the set-up's session settings must not
    # reach pooled server connections through PgBouncer.
    pool = SchemaPool(os.environ.get(DIRECT_URL_ENV) or database_url)
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
    create_schema(database_url, name)
    yield name
    drop_schema(database_url, name)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    selected = selected_drivers()
    for fixture, colour in (("adriver", ASYNC_DRIVERS), ("driver", SYNC_DRIVERS)):
        if fixture not in metafunc.fixturenames:
            continue
        names = [n for n in selected if n in colour]
        if names:
            metafunc.parametrize(fixture, names, indirect=True, ids=names)
        else:  # deselected in pytest_collection_modifyitems, never reported as skipped
            marked = pytest.param(None, marks=getattr(pytest.mark, _NOT_APPLICABLE))
            metafunc.parametrize(fixture, [marked], indirect=True, ids=["none"])


def _deselected(item: pytest.Item) -> bool:
    if item.get_closest_marker(_NOT_APPLICABLE):
        return True
    return _pgbouncer_mode() == POLL_ONLY and item.get_closest_marker(LISTEN_MARK) is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    dropped = [i for i in items if _deselected(i)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if not _deselected(i)]


@pytest.fixture
async def adriver(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[Any]:
    """An async driver with its own pool, closed after the test."""
    opened: Any
    if request.param == "asyncpg":
        from river_asyncpg import AsyncpgDriver

        opened = await AsyncpgDriver.open(database_url, max_size=POOL_MAX_SIZE)
    else:
        from river_psycopg3 import AsyncPsycopgDriver

        opened = await AsyncPsycopgDriver.open(database_url, max_size=POOL_MAX_SIZE)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def driver(request: pytest.FixtureRequest, database_url: str) -> Iterator[Any]:
    """A sync driver with its own pool, closed after the test."""
    opened: Any
    if request.param == "psycopg2":
        from river_psycopg2 import Psycopg2Driver

        opened = Psycopg2Driver.open(database_url, max_size=POOL_MAX_SIZE)
    else:
        from river_psycopg3 import PsycopgDriver

        opened = PsycopgDriver.open(database_url, max_size=POOL_MAX_SIZE)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def aexecutor(schema: str, adriver: Any) -> Any:
    """``adriver``'s executor on the test's migrated ``schema``.

    ``schema`` comes first so the driver is closed before the schema is emptied.
    """
    return adriver.get_executor(schema)


@pytest.fixture
def executor(schema: str, driver: Any) -> Any:
    """``driver``'s executor on the test's migrated ``schema``."""
    return driver.get_executor(schema)

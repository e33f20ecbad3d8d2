"""Opening a driver: the URLs every driver accepts, and the connect timeout they share.

Each test runs on every selected driver, through the class users open (the sync class of
psycopg3 and psycopg2, the async one of asyncpg).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from river.driver.errors import ConnectionLostError, ConnectTimeoutError
from river.driver.urls import normalize_url, server_address
from river.errors import ConfigError
from tests._db import selected_drivers

DRIVERS = selected_drivers()


def _open(name: str, url: str, **options: Any) -> Any:
    """Open driver ``name`` on ``url``, run ``SELECT 1`` through its executor, close it."""
    if name == "asyncpg":
        from river_asyncpg import AsyncpgDriver

        async def run() -> Any:
            driver = await AsyncpgDriver.open(url, **options)
            try:
                return await driver.get_executor().current_schema()
            finally:
                await driver.close()

        return asyncio.run(run())
    cls: Any
    if name == "psycopg2":
        from river_psycopg2 import Psycopg2Driver as cls
    else:
        from river_psycopg3 import PsycopgDriver as cls
    driver = cls.open(url, **options)
    try:
        return driver.get_executor().current_schema()
    finally:
        driver.close()


@pytest.fixture
def silent_server() -> Iterator[tuple[str, int]]:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:  # closed at the end of the test
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()
    finally:
        server.close()
        for conn in accepted:
            conn.close()


@pytest.mark.parametrize("name", DRIVERS)
def test_connect_timeout_names_the_server(name: str, silent_server: tuple[str, int]) -> None:
    host, port = silent_server
    with pytest.raises(ConnectTimeoutError) as caught:
        _open(name, f"postgresql://river:secret@{host}:{port}/db", connect_timeout=1)
    message = str(caught.value)
    assert f"{host}:{port}" in message and "connect_timeout" in message
    assert "secret" not in message
    # A connection error (retried like one) and a timeout alike.
    assert isinstance(caught.value, ConnectionLostError) and isinstance(caught.value, TimeoutError)


@pytest.mark.parametrize("name", DRIVERS)
@pytest.mark.parametrize("scheme", ["postgres", "postgresql+asyncpg", "postgresql+psycopg",
                                    "postgresql+psycopg2", "POSTGRESQL"])
def test_open_accepts_sqlalchemy_and_postgres_urls(
    name: str, scheme: str, database_url: str
) -> None:
    assert database_url.startswith("postgresql://")
    url = scheme + database_url[len("postgresql") :]
    assert _open(name, url)  # the current schema, read on the database the URL names


@pytest.mark.parametrize("name", DRIVERS)
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://u:secret@localhost/db", "not a PostgreSQL URL"),
        ("sqlite:///tmp/x.db", "not a PostgreSQL URL"),
        ("localhost/db", "not a database URL"),
    ],
)
def test_open_refuses_other_urls_in_one_line(name: str, url: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _open(name, url)
    assert words in str(caught.value) and "secret" not in str(caught.value)
    assert "\n" not in str(caught.value)


def test_normalize_url() -> None:
    assert normalize_url("postgres://h/db") == "postgresql://h/db"
    assert normalize_url("postgresql+psycopg2://u:p@h:5/db?x=1") == "postgresql://u:p@h:5/db?x=1"
    assert normalize_url("postgresql://h/db") == "postgresql://h/db"
    assert normalize_url("host=h dbname=db") == "host=h dbname=db"  # libpq's key=value form
    assert normalize_url("") == ""  # libpq's PG* variables
    with pytest.raises(ConfigError, match="not a PostgreSQL URL"):
        normalize_url("redis://h/0")


def test_server_address() -> None:
    assert server_address("postgresql://u:p@db.example:6543/x") == "db.example:6543"
    assert server_address("postgresql:///x") == "localhost:5432"
    assert server_address("host=h port=7 dbname=x") == "h:7"
    assert server_address("postgresql://[::1]:5433/x") == "[::1]:5433"


@pytest.mark.parametrize("name", DRIVERS)
def test_connect_timeout_must_be_positive(name: str, database_url: str) -> None:
    with pytest.raises(ConfigError, match="connect_timeout"):
        _open(name, database_url, connect_timeout=0)

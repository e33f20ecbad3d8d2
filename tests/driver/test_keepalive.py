"""TCP keepalives and user timeout on every driver's connections (``river.driver.keepalive``):
set by default on the pool's and the listener's sockets, so that a host cut off from the
database notices within about 30 s; a setting the user gives wins. Read back from the
sockets themselves. Each test runs on every selected driver, through the class users open.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from river.driver.keepalive import DEFAULT_TCP_KEEPALIVE, TcpKeepalive
from tests._db import selected_drivers

DRIVERS = selected_drivers()
TCP_USER_TIMEOUT = getattr(socket, "TCP_USER_TIMEOUT", None)
pytestmark = pytest.mark.skipif(
    not hasattr(socket, "TCP_KEEPIDLE") or TCP_USER_TIMEOUT is None,
    reason="reads TCP_KEEPIDLE and TCP_USER_TIMEOUT (Linux)",
)


def _options(fd: int) -> dict[str, int]:
    sock = socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM)  # a duplicate
    try:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            pytest.skip("the test database is reached through a Unix-domain socket")
        assert TCP_USER_TIMEOUT is not None
        return {
            "keepalive": sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
            "idle": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
            "interval": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
            "count": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
            "user_timeout_ms": sock.getsockopt(socket.IPPROTO_TCP, TCP_USER_TIMEOUT),
        }
    finally:
        sock.close()


def _sockets(name: str, url: str, **options: Any) -> tuple[dict[str, int], dict[str, int]]:
    """The options of a pool connection's socket and of the listener's."""
    if name == "asyncpg":
        from river_asyncpg import AsyncpgDriver

        async def run() -> tuple[dict[str, int], dict[str, int]]:
            driver = await AsyncpgDriver.open(url, max_size=2, **options)
            listener = driver.get_listener()
            try:
                async with driver.pool.acquire() as conn:
                    pooled = _options(conn._transport.get_extra_info("socket").fileno())
                await listener.connect()
                assert listener._conn is not None
                listening = _options(listener._conn._transport.get_extra_info("socket").fileno())
                return pooled, listening
            finally:
                await listener.close()
                await driver.close()

        return asyncio.run(run())
    if name == "psycopg2":
        from river_psycopg2 import Psycopg2Driver

        driver2 = Psycopg2Driver.open(url, max_size=2, **options)
        listener2 = driver2.get_listener()
        try:
            conn = driver2.pool.getconn()
            try:
                pooled = _options(conn.fileno())
            finally:
                driver2.pool.putconn(conn)
            listener2.connect()
            return pooled, _options(listener2._conn.fileno())
        finally:
            listener2.close()
            driver2.close()
    from river_psycopg3 import PsycopgDriver

    driver3 = PsycopgDriver.open(url, max_size=2, **options)
    listener3 = driver3.get_listener()
    try:
        with driver3.pool.connection() as conn3:
            pooled = _options(conn3.fileno())
        listener3.connect()
        assert listener3._conn is not None
        return pooled, _options(listener3._conn.fileno())
    finally:
        listener3.close()
        driver3.close()


def _expected(settings: TcpKeepalive) -> dict[str, int]:
    return {"keepalive": 1, "idle": settings.idle, "interval": settings.interval,
            "count": settings.count, "user_timeout_ms": settings.user_timeout * 1000}


@pytest.mark.parametrize("name", DRIVERS)
def test_every_connection_has_keepalives_and_a_user_timeout_by_default(
    name: str, database_url: str
) -> None:
    pooled, listening = _sockets(name, database_url)
    assert pooled == _expected(DEFAULT_TCP_KEEPALIVE)
    assert listening == _expected(DEFAULT_TCP_KEEPALIVE)


def _with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


@pytest.mark.parametrize("name", DRIVERS)
def test_a_users_settings_win(name: str, database_url: str) -> None:
    """libpq drivers: a setting in the URL or as an option to open wins over River's
    default; asyncpg (no libpq): the settings given to open, or none."""
    if name == "asyncpg":
        settings = TcpKeepalive(idle=60, interval=7, count=4, user_timeout=45)
        pooled, listening = _sockets("asyncpg", database_url, tcp_keepalive=settings)
        assert pooled == listening == _expected(settings)
        pooled, listening = _sockets("asyncpg", database_url, tcp_keepalive=None)
        assert pooled["keepalive"] == listening["keepalive"] == 0
        assert pooled["user_timeout_ms"] == listening["user_timeout_ms"] == 0
        return
    # One setting in the URL, one as an option to open; the others keep River's defaults.
    url = _with_query(database_url, "keepalives_idle=60")
    pooled, listening = _sockets(name, url, tcp_user_timeout=0)
    want = {**_expected(DEFAULT_TCP_KEEPALIVE), "idle": 60, "user_timeout_ms": 0}
    assert pooled == want
    assert listening == want

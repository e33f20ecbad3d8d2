"""The asyncpg pool River opens releases connections without asyncpg's reset query (a
round trip per release on every fetch and insert): River leaves no session state."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_released_connections_are_not_reset(database_url: str) -> None:
    from river_asyncpg import AsyncpgDriver

    driver = await AsyncpgDriver.open(database_url, min_size=1, max_size=1)
    try:
        async with driver.pool.acquire() as conn:
            await conn.execute("SET application_name = 'river-kept'")
        # One connection in the pool: the same one, not reset on release.
        async with driver.pool.acquire() as conn:
            name = await conn.fetchval("SHOW application_name")
    finally:
        await driver.close()
    assert name == "river-kept"


async def test_a_caller_can_ask_for_the_reset(database_url: str) -> None:
    from river_asyncpg import AsyncpgDriver

    async def reset(conn: object) -> None:
        await conn.execute("RESET ALL")  # type: ignore[attr-defined]

    driver = await AsyncpgDriver.open(database_url, min_size=1, max_size=1, reset=reset)
    try:
        async with driver.pool.acquire() as conn:
            await conn.execute("SET application_name = 'river-kept'")
        async with driver.pool.acquire() as conn:
            name = await conn.fetchval("SHOW application_name")
    finally:
        await driver.close()
    assert name != "river-kept"

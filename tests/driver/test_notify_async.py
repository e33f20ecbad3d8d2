"""Notifications: ``NOTIFY`` from a statement reaches a listener, and a listener reports a
lost connection.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from river.driver.errors import ConnectionLostError
from river.driver.params import NotifyManyParams
from river.plugins.manager import aopen_driver
from tests.driver._conformance_async import AWKWARD, kill_sessions, mixed_case_schema, tagged_url

pytestmark = pytest.mark.anyio


@pytest.fixture
async def schema(adriver: Any) -> AsyncIterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    async with mixed_case_schema(adriver) as name:
        yield name


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


async def test_listener_reports_a_killed_connection(adriver: Any, aexecutor: Any) -> None:
    url, tag = tagged_url()
    doomed = await aopen_driver(url, adriver.name, max_size=1)
    listener = doomed.get_listener()
    # Only the listener's session is killed: a killed idle pool connection makes asyncpg
    # report an unhandled error on the event loop, which is not what this test is about.
    await doomed.close()
    try:
        await listener.connect()
        await listener.listen(tag)
        await kill_sessions(aexecutor, tag)
        with pytest.raises(ConnectionLostError):
            for _ in range(50):
                await listener.wait_for_notification(0.1)
    finally:
        await listener.close()


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

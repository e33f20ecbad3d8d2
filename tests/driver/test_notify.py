# WARNING: this file is generated from 'test_notify_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Notifications: ``NOTIFY`` from a statement reaches a listener, and a listener reports a
lost connection.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from river.driver.errors import ConnectionLostError
from river.driver.params import NotifyManyParams
from river.plugins.manager import open_driver
from tests.driver._conformance import AWKWARD, kill_sessions, mixed_case_schema, tagged_url

pytestmark = pytest.mark.anyio


@pytest.fixture
def schema(driver: Any) -> Iterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    with mixed_case_schema(driver) as name:
        yield name


def test_notify_many_reaches_listener(driver: Any, executor: Any, schema: str) -> None:
    channel = f"{schema}.river_insert"
    listener = driver.get_listener()
    listener.connect()
    try:
        listener.listen(channel)
        listener.ping()
        # Several payloads from one statement may arrive in one network read.
        payloads = [json.dumps({"queue": AWKWARD, "n": i}) for i in range(3)]
        executor.notify_many(NotifyManyParams(topic=channel, payloads=payloads))
        got = [listener.wait_for_notification(5.0) for _ in payloads]
        assert [(n.topic, n.payload) for n in got] == [(channel, p) for p in payloads]
        assert listener.wait_for_notification(0.05) is None
        listener.unlisten(channel)
        executor.notify_many(NotifyManyParams(topic=channel, payloads=["late"]))
        assert listener.wait_for_notification(0.2) is None
    finally:
        listener.close()
    with pytest.raises(ConnectionLostError):
        listener.wait_for_notification(0.01)


def test_listener_reports_a_killed_connection(driver: Any, executor: Any) -> None:
    url, tag = tagged_url()
    doomed = open_driver(url, driver.name, max_size=1)
    listener = doomed.get_listener()
    # Only the listener's session is killed: a killed idle pool connection makes asyncpg
    # report an unhandled error on the event loop, which is not what this test is about.
    doomed.close()
    try:
        listener.connect()
        listener.listen(tag)
        kill_sessions(executor, tag)
        with pytest.raises(ConnectionLostError):
            for _ in range(50):
                listener.wait_for_notification(0.1)
    finally:
        listener.close()


def test_listener_receives_notify(driver: Any, executor: Any) -> None:
    listener = driver.get_listener()
    listener.connect()
    try:
        channel = f"{executor.schema}.river_insert"
        listener.listen(channel)
        executor.notify_many(NotifyManyParams(topic=channel, payloads=['{"queue":"x"}']))
        note = listener.wait_for_notification(5.0)
        assert note is not None and note.topic == channel and (note.payload == '{"queue":"x"}')
        assert listener.wait_for_notification(0.05) is None
    finally:
        listener.close()

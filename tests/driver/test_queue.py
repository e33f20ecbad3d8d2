# WARNING: this file is generated from 'test_queue_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Queues: pause, resume and metadata updates.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from river.driver.params import QueueCreateOrSetUpdatedAtParams, QueuePauseParams, QueueUpdateParams
from tests.driver._conformance import AWKWARD, mixed_case_schema

pytestmark = pytest.mark.anyio


@pytest.fixture
def schema(driver: Any) -> Iterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    with mixed_case_schema(driver) as name:
        yield name


def test_queue_pause_and_resume(executor: Any) -> None:
    executor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="q"))
    assert executor.queue_pause(QueuePauseParams(name="q")) == 1
    assert executor.queue_get("q").paused_at is not None
    assert executor.queue_resume(QueuePauseParams(name="*")) == 1
    assert executor.queue_get("q").paused_at is None


def test_queue_pause_resume(executor: Any) -> None:
    q = executor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="q"))
    assert q.paused_at is None
    assert executor.queue_pause(QueuePauseParams(name="q")) == 1
    assert executor.queue_get("q").paused_at is not None
    assert executor.queue_resume(QueuePauseParams(name="*")) == 1
    assert executor.queue_get("q").paused_at is None
    assert executor.queue_pause(QueuePauseParams(name="missing")) == 0
    assert [x.name for x in executor.queue_list()] == ["q"]


def test_queue_update_replaces_metadata_only_when_given(executor: Any) -> None:
    created = executor.queue_create_or_set_updated_at(
        QueueCreateOrSetUpdatedAtParams(name="q", metadata='{"old": true}')
    )
    updated = executor.queue_update(
        QueueUpdateParams(name="q", metadata=json.dumps({"region": AWKWARD, "n": 2}))
    )
    assert updated is not None and updated.name == "q"
    assert updated.metadata == {"region": AWKWARD, "n": 2}
    assert updated.updated_at > created.updated_at
    kept = executor.queue_update(QueueUpdateParams(name="q"))
    assert kept is not None and kept.metadata == {"region": AWKWARD, "n": 2}
    assert kept.updated_at >= updated.updated_at
    assert executor.queue_get("q").metadata == {"region": AWKWARD, "n": 2}
    emptied = executor.queue_update(QueueUpdateParams(name="q", metadata="{}"))
    assert emptied is not None and emptied.metadata == {}
    assert executor.queue_update(QueueUpdateParams(name="nope", metadata="{}")) is None

"""Queues: pause, resume and metadata updates.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from river.driver.params import QueueCreateOrSetUpdatedAtParams, QueuePauseParams, QueueUpdateParams
from tests.driver._conformance_async import AWKWARD, mixed_case_schema

pytestmark = pytest.mark.anyio


@pytest.fixture
async def schema(adriver: Any) -> AsyncIterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    async with mixed_case_schema(adriver) as name:
        yield name


async def test_queue_pause_and_resume(aexecutor: Any) -> None:
    await aexecutor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="q"))
    assert await aexecutor.queue_pause(QueuePauseParams(name="q")) == 1
    assert (await aexecutor.queue_get("q")).paused_at is not None
    assert await aexecutor.queue_resume(QueuePauseParams(name="*")) == 1
    assert (await aexecutor.queue_get("q")).paused_at is None


async def test_queue_pause_resume(aexecutor: Any) -> None:
    q = await aexecutor.queue_create_or_set_updated_at(QueueCreateOrSetUpdatedAtParams(name="q"))
    assert q.paused_at is None
    assert await aexecutor.queue_pause(QueuePauseParams(name="q")) == 1
    assert (await aexecutor.queue_get("q")).paused_at is not None
    assert await aexecutor.queue_resume(QueuePauseParams(name="*")) == 1
    assert (await aexecutor.queue_get("q")).paused_at is None
    assert await aexecutor.queue_pause(QueuePauseParams(name="missing")) == 0
    assert [x.name for x in await aexecutor.queue_list()] == ["q"]


async def test_queue_update_replaces_metadata_only_when_given(aexecutor: Any) -> None:
    created = await aexecutor.queue_create_or_set_updated_at(
        QueueCreateOrSetUpdatedAtParams(name="q", metadata='{"old": true}')
    )
    updated = await aexecutor.queue_update(
        QueueUpdateParams(name="q", metadata=json.dumps({"region": AWKWARD, "n": 2}))
    )
    assert updated is not None and updated.name == "q"
    assert updated.metadata == {"region": AWKWARD, "n": 2}
    assert updated.updated_at > created.updated_at
    kept = await aexecutor.queue_update(QueueUpdateParams(name="q"))
    assert kept is not None and kept.metadata == {"region": AWKWARD, "n": 2}
    assert kept.updated_at >= updated.updated_at
    assert (await aexecutor.queue_get("q")).metadata == {"region": AWKWARD, "n": 2}
    emptied = await aexecutor.queue_update(QueueUpdateParams(name="q", metadata="{}"))
    assert emptied is not None and emptied.metadata == {}
    assert await aexecutor.queue_update(QueueUpdateParams(name="nope", metadata="{}")) is None

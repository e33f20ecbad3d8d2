"""Leader election: elect, re-elect, resign.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from river.driver.params import LeaderElectParams, LeaderResignParams
from tests.driver._conformance_async import mixed_case_schema

pytestmark = pytest.mark.anyio


@pytest.fixture
async def schema(adriver: Any) -> AsyncIterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    async with mixed_case_schema(adriver) as name:
        yield name


async def test_leader_elect_and_resign(aexecutor: Any, schema: str) -> None:
    ttl = dt.timedelta(seconds=10)
    leader = await aexecutor.leader_attempt_elect(LeaderElectParams(leader_id="one", ttl=ttl))
    assert leader is not None and leader.leader_id == "one"
    assert await aexecutor.leader_attempt_elect(LeaderElectParams(leader_id="two", ttl=ttl)) is None
    topic = f"{schema}.river_leadership"
    assert await aexecutor.leader_resign(
        LeaderResignParams(leader_id="one", leadership_topic=topic)
    )
    assert await aexecutor.leader_get_elected_leader() is None
    assert await aexecutor.leader_attempt_elect(LeaderElectParams(leader_id="two", ttl=ttl))


async def test_leader_elect_reelect_resign(aexecutor: Any) -> None:
    ttl = dt.timedelta(seconds=15)
    leader = await aexecutor.leader_attempt_elect(LeaderElectParams(leader_id="a", ttl=ttl))
    assert leader is not None and leader.leader_id == "a"
    assert await aexecutor.leader_attempt_elect(LeaderElectParams(leader_id="b", ttl=ttl)) is None
    assert await aexecutor.leader_attempt_reelect(LeaderElectParams(leader_id="a", ttl=ttl))
    assert not await aexecutor.leader_attempt_reelect(LeaderElectParams(leader_id="b", ttl=ttl))
    topic = f"{aexecutor.schema}.river_leadership"
    assert await aexecutor.leader_resign(LeaderResignParams(leader_id="a", leadership_topic=topic))
    assert await aexecutor.leader_get_elected_leader() is None

# WARNING: this file is generated from 'test_leader_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Leader election: elect, re-elect, resign.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from river.driver.params import LeaderElectParams, LeaderResignParams
from tests.driver._conformance import mixed_case_schema

pytestmark = pytest.mark.anyio


@pytest.fixture
def schema(driver: Any) -> Iterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    with mixed_case_schema(driver) as name:
        yield name


def test_leader_elect_and_resign(executor: Any, schema: str) -> None:
    ttl = dt.timedelta(seconds=10)
    leader = executor.leader_attempt_elect(LeaderElectParams(leader_id="one", ttl=ttl))
    assert leader is not None and leader.leader_id == "one"
    assert executor.leader_attempt_elect(LeaderElectParams(leader_id="two", ttl=ttl)) is None
    topic = f"{schema}.river_leadership"
    assert executor.leader_resign(LeaderResignParams(leader_id="one", leadership_topic=topic))
    assert executor.leader_get_elected_leader() is None
    assert executor.leader_attempt_elect(LeaderElectParams(leader_id="two", ttl=ttl))


def test_leader_elect_reelect_resign(executor: Any) -> None:
    ttl = dt.timedelta(seconds=15)
    leader = executor.leader_attempt_elect(LeaderElectParams(leader_id="a", ttl=ttl))
    assert leader is not None and leader.leader_id == "a"
    assert executor.leader_attempt_elect(LeaderElectParams(leader_id="b", ttl=ttl)) is None
    assert executor.leader_attempt_reelect(LeaderElectParams(leader_id="a", ttl=ttl))
    assert not executor.leader_attempt_reelect(LeaderElectParams(leader_id="b", ttl=ttl))
    topic = f"{executor.schema}.river_leadership"
    assert executor.leader_resign(LeaderResignParams(leader_id="a", leadership_topic=topic))
    assert executor.leader_get_elected_leader() is None

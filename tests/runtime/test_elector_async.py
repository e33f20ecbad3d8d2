"""Leader election over ``river_leader`` against a real database."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

import pytest

from river._acompat import AEvent, agather, asleep, aspawn
from river._internal.leadership.elector_async import AsyncElector

pytestmark = pytest.mark.anyio
LOG = logging.getLogger("river.test.elector")
FAST = {"interval": 0.1, "ttl": 2.0, "jitter": 0.05}


def _elector(aexecutor: Any, schema: str, name: str, changes: list[bool], **kw: Any) -> Any:
    opts = {**FAST, **kw}
    return AsyncElector(
        aexecutor, name, schema_name=schema, on_change=changes.append, logger=LOG, **opts
    )


async def _leader_id(aexecutor: Any) -> str | None:
    leader = await aexecutor.leader_get_elected_leader()
    return None if leader is None else str(leader.leader_id)


async def _wait_leader(aexecutor: Any, name: str, timeout: float = 5.0) -> float:
    """Seconds until ``name`` holds the leader row."""
    start = time.monotonic()
    while await _leader_id(aexecutor) != name:
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{name} not leader after {timeout}s")
        await asleep(0.01)
    return time.monotonic() - start


async def _wait_until(cond: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        await asleep(0.01)


async def test_two_electors_elect_exactly_one_leader(aexecutor: Any, schema: str) -> None:
    changes: dict[str, list[bool]] = {"a": [], "b": []}
    a = _elector(aexecutor, schema, "a", changes["a"])
    b = _elector(aexecutor, schema, "b", changes["b"])
    tasks = [aspawn(a.run), aspawn(b.run)]
    try:
        await _wait_until(lambda: a.is_leader or b.is_leader)
        for _ in range(20):  # several renewal rounds: never two leaders, never a change
            assert a.is_leader != b.is_leader
            await asleep(0.05)
        winner, loser = ("a", "b") if a.is_leader else ("b", "a")
        assert await _leader_id(aexecutor) == winner
        assert changes[winner] == [True] and changes[loser] == []
    finally:
        a.stop()
        b.stop()
        await agather(*tasks)
    assert not a.is_leader and not b.is_leader
    assert await _leader_id(aexecutor) is None


@pytest.mark.needs_listen_in_pool("listens for the resignation notification")
async def test_stop_resigns_and_notifies(aexecutor: Any, adriver: Any, schema: str) -> None:
    listener = adriver.get_listener()
    await listener.connect()
    try:
        await listener.listen(f"{schema}.river_leadership")
        changes: list[bool] = []
        a = _elector(aexecutor, schema, "a", changes)
        task = aspawn(a.run)
        await _wait_leader(aexecutor, "a")
        a.stop()
        await agather(task)
        assert changes == [True, False]
        assert await _leader_id(aexecutor) is None
        note = await listener.wait_for_notification(5.0)
        assert note is not None and note.topic.endswith("river_leadership")
        assert json.loads(note.payload) == {"leader_id": "a", "action": "resigned"}
    finally:
        await listener.close()


async def _forward(listener: Any, electors: list[Any], done: AEvent) -> None:
    while not done.is_set():
        note = await listener.wait_for_notification(0.1)
        if note is not None:
            for e in electors:
                e.handle_notification(json.loads(note.payload))


@pytest.mark.needs_listen_in_pool("the follower is woken by the resignation notification")
async def test_resignation_wakes_a_follower_at_once(
    aexecutor: Any, adriver: Any, schema: str
) -> None:
    # Long intervals: only the ``resigned`` notification can explain a quick takeover.
    slow = {"interval": 30.0, "ttl": 60.0, "jitter": 0.0}
    a = _elector(aexecutor, schema, "a", [], **slow)
    b_changes: list[bool] = []
    b = _elector(aexecutor, schema, "b", b_changes, **slow)
    listener = adriver.get_listener()
    await listener.connect()
    await listener.listen(f"{schema}.river_leadership")
    done = AEvent()
    forwarder = aspawn(_forward, listener, [a, b], done)
    ta = aspawn(a.run)
    await _wait_leader(aexecutor, "a")
    tb = aspawn(b.run)
    try:
        await asleep(0.2)  # b has tried once and now waits its 30s
        assert not b.is_leader
        a.stop()
        await agather(ta)
        assert await _wait_leader(aexecutor, "b", timeout=3.0) < 3.0
        await _wait_until(lambda: b.is_leader)
        assert b_changes == [True]
    finally:
        a.stop()
        b.stop()
        await agather(tb)
        done.set()
        await agather(forwarder)
        await listener.close()


class _CrashOnResign:
    """An executor whose resignation never reaches the database (the process died)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def leader_resign(self, params: Any) -> bool:
        return False


async def test_without_notifications_a_follower_takes_over_after_the_ttl(
    aexecutor: Any, schema: str
) -> None:
    a = _elector(_CrashOnResign(aexecutor), schema, "a", [], ttl=1.0)
    b = _elector(aexecutor, schema, "b", [], ttl=1.0)
    ta = aspawn(a.run)
    await _wait_leader(aexecutor, "a")
    tb = aspawn(b.run)
    try:
        a.stop()
        await agather(ta)
        stopped = time.monotonic()
        await asleep(0.3)
        assert await _leader_id(aexecutor) == "a" and not b.is_leader  # the lease still runs
        await _wait_leader(aexecutor, "b", timeout=5.0)
        assert time.monotonic() - stopped < 2.0
    finally:
        b.stop()
        await agather(tb)


async def test_expired_leader_row_is_replaced(aexecutor: Any, schema: str) -> None:
    await aexecutor.execute(
        "INSERT INTO /* TEMPLATE: schema */river_leader (leader_id, elected_at, expires_at) "
        "VALUES ('dead', now() - interval '1 minute', now() - interval '1 second')"
    )
    changes: list[bool] = []
    a = _elector(aexecutor, schema, "a", changes)
    task = aspawn(a.run)
    try:
        assert await _wait_leader(aexecutor, "a", timeout=3.0) < 3.0
        await _wait_until(lambda: changes == [True])
    finally:
        a.stop()
        await agather(task)


async def test_live_leader_row_is_respected(aexecutor: Any, schema: str) -> None:
    await aexecutor.execute(
        "INSERT INTO /* TEMPLATE: schema */river_leader (leader_id, elected_at, expires_at) "
        "VALUES ('other', now(), now() + interval '1 minute')"
    )
    changes: list[bool] = []
    a = _elector(aexecutor, schema, "a", changes)
    task = aspawn(a.run)
    await asleep(0.5)
    a.stop()
    await agather(task)
    assert changes == [] and await _leader_id(aexecutor) == "other"


async def test_leader_that_loses_its_row_steps_down_and_returns(
    aexecutor: Any, schema: str
) -> None:
    changes: list[bool] = []
    a = _elector(aexecutor, schema, "a", changes)
    task = aspawn(a.run)
    try:
        await _wait_leader(aexecutor, "a")
        await _wait_until(lambda: a.is_leader)
        # Another client took over (e.g. after our lease expired unnoticed).
        await aexecutor.execute(
            "UPDATE /* TEMPLATE: schema */river_leader SET leader_id = 'other', "
            "expires_at = now() + interval '300 milliseconds'"
        )
        await _wait_until(lambda: changes == [True, False])
        # Once that lease expires, ``a`` is elected again.
        await _wait_leader(aexecutor, "a")
        await _wait_until(lambda: changes == [True, False, True])
    finally:
        a.stop()
        await agather(task)


async def test_request_resign_moves_leadership(aexecutor: Any, schema: str) -> None:
    a_changes: list[bool] = []
    a = _elector(aexecutor, schema, "a", a_changes)
    b = _elector(aexecutor, schema, "b", [])
    ta = aspawn(a.run)
    await _wait_leader(aexecutor, "a")
    await _wait_until(lambda: a.is_leader)
    tb = aspawn(b.run)
    try:
        await asleep(0.2)
        # Meant for another client: ignored.
        a.handle_notification({"action": "request_resign", "leader_id": "someone-else"})
        await asleep(0.3)
        assert a.is_leader
        # River's own request carries no leader id (and may arrive as JSON text).
        a.handle_notification('{"action": "request_resign", "leader_id": ""}')
        await _wait_leader(aexecutor, "b")
        await _wait_until(lambda: b.is_leader)
        assert a_changes == [True, False]
    finally:
        a.stop()
        b.stop()
        await agather(ta, tb)


async def test_own_resigned_notification_is_ignored(aexecutor: Any, schema: str) -> None:
    a = _elector(aexecutor, schema, "a", [], interval=30.0, ttl=60.0, jitter=0.0)
    a.handle_notification({"action": "resigned", "leader_id": "a"})
    assert not a._wake.is_set()
    a.handle_notification({"action": "resigned", "leader_id": "b"})
    assert a._wake.is_set()


class _FailingRenewals:
    """An executor whose lease renewals fail (a lost database connection, say)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def leader_attempt_reelect(self, params: Any) -> Any:
        raise ConnectionError("database unreachable")


async def test_leader_steps_down_when_renewals_fail_past_its_deadline(
    aexecutor: Any, schema: str
) -> None:
    changes: list[bool] = []
    a = AsyncElector(
        _FailingRenewals(aexecutor),
        "a",
        schema_name=schema,
        on_change=changes.append,
        logger=LOG,
        interval=0.1,
        ttl=1.5,
        jitter=0.0,
    )
    task = aspawn(a.run)
    try:
        await _wait_until(lambda: changes == [True])
        elected = time.monotonic()
        await _wait_until(lambda: changes[:2] == [True, False], timeout=5.0)
        # Trusted until shortly before the 1.5s lease ends, not beyond it.
        assert 0.5 < time.monotonic() - elected < 1.5
    finally:
        a.stop()
        await agather(task)


async def test_stop_before_run_returns_at_once(aexecutor: Any, schema: str) -> None:
    a = _elector(aexecutor, schema, "a", [])
    a.stop()
    start = time.monotonic()
    await a.run()
    assert time.monotonic() - start < 0.5
    assert await _leader_id(aexecutor) is None


def test_ttl_must_exceed_interval() -> None:
    with pytest.raises(ValueError):
        AsyncElector(None, "a", schema_name="s", on_change=print, interval=5.0, ttl=5.0)  # type: ignore[arg-type]


async def test_lease_is_renewed(aexecutor: Any, schema: str) -> None:
    a = _elector(aexecutor, schema, "a", [])
    task = aspawn(a.run)
    try:
        await _wait_leader(aexecutor, "a")
        first = await aexecutor.leader_get_elected_leader()
        await asleep(0.4)
        later = await aexecutor.leader_get_elected_leader()
        assert later.elected_at == first.elected_at
        assert later.expires_at > first.expires_at
        assert later.expires_at - dt.datetime.now(dt.UTC) > dt.timedelta(seconds=1)
    finally:
        a.stop()
        await agather(task)


async def test_request_resign_heard_as_leadership_begins_is_kept(
    aexecutor: Any, schema: str
) -> None:
    # The request arrives while the new leader's on_change runs, before it renews its
    # lease for the first time: it must still resign.
    changes: list[bool] = []
    elector: Any = None

    def on_change(leader: bool) -> None:
        changes.append(leader)
        if leader and len(changes) == 1:
            elector.handle_notification({"action": "request_resign", "leader_id": ""})

    elector = AsyncElector(
        aexecutor, "a", schema_name=schema, on_change=on_change, logger=LOG,
        interval=0.1, ttl=2.0, jitter=0.05,
    )
    task = aspawn(elector.run)
    try:
        await _wait_until(lambda: changes[:2] == [True, False])
    finally:
        elector.stop()
        await agather(task)


async def test_leader_whose_renewal_hangs_stops_leading_when_its_lease_runs_out(
    aexecutor: Any, schema: str
) -> None:
    # A leader cut off from the database waits on its renewal (no error comes back until
    # TCP gives up, many minutes later). Another client may lead once the lease expires:
    # by then this one must no longer believe it leads.
    changes: list[bool] = []
    a = _elector(aexecutor, schema, "a", changes, ttl=1.5)
    task = aspawn(a.run)
    try:
        await _wait_leader(aexecutor, "a")
        await _wait_until(lambda: changes == [True])
        async with aexecutor.transaction() as tx:
            # Renewals now wait on this lock, as on a connection that no longer answers.
            await tx.execute(
                "LOCK TABLE /* TEMPLATE: schema */river_leader IN ACCESS EXCLUSIVE MODE"
            )
            await _wait_until(lambda: changes == [True, False], timeout=10.0)
            assert not a.is_leader
        # The renewal goes through late: the lease it renewed was already given up, so
        # the elector leads again only through a new election.
        await _wait_until(lambda: changes == [True, False, True], timeout=10.0)
        assert await _leader_id(aexecutor) == "a"
    finally:
        a.stop()
        await agather(task)

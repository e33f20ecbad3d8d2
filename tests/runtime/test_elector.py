# WARNING: this file is generated from 'test_elector_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Leader election over ``river_leader`` against a real database."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

import pytest

from river._acompat import Event, gather, sleep, spawn
from river._internal.leadership.elector import Elector

pytestmark = pytest.mark.anyio
LOG = logging.getLogger("river.test.elector")
FAST = {"interval": 0.1, "ttl": 2.0, "jitter": 0.05}


def _elector(executor: Any, schema: str, name: str, changes: list[bool], **kw: Any) -> Any:
    opts = {**FAST, **kw}
    return Elector(executor, name, schema_name=schema, on_change=changes.append, logger=LOG, **opts)


def _leader_id(executor: Any) -> str | None:
    leader = executor.leader_get_elected_leader()
    return None if leader is None else str(leader.leader_id)


def _wait_leader(executor: Any, name: str, timeout: float = 5.0) -> float:
    """Seconds until ``name`` holds the leader row."""
    start = time.monotonic()
    while _leader_id(executor) != name:
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{name} not leader after {timeout}s")
        sleep(0.01)
    return time.monotonic() - start


def _wait_until(cond: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        sleep(0.01)


def test_two_electors_elect_exactly_one_leader(executor: Any, schema: str) -> None:
    changes: dict[str, list[bool]] = {"a": [], "b": []}
    a = _elector(executor, schema, "a", changes["a"])
    b = _elector(executor, schema, "b", changes["b"])
    tasks = [spawn(a.run), spawn(b.run)]
    try:
        _wait_until(lambda: a.is_leader or b.is_leader)
        for _ in range(20):  # several renewal rounds: never two leaders, never a change
            assert a.is_leader != b.is_leader
            sleep(0.05)
        winner, loser = ("a", "b") if a.is_leader else ("b", "a")
        assert _leader_id(executor) == winner
        assert changes[winner] == [True] and changes[loser] == []
    finally:
        a.stop()
        b.stop()
        gather(*tasks)
    assert not a.is_leader and (not b.is_leader)
    assert _leader_id(executor) is None


@pytest.mark.needs_listen_in_pool("listens for the resignation notification")
def test_stop_resigns_and_notifies(executor: Any, driver: Any, schema: str) -> None:
    listener = driver.get_listener()
    listener.connect()
    try:
        listener.listen(f"{schema}.river_leadership")
        changes: list[bool] = []
        a = _elector(executor, schema, "a", changes)
        task = spawn(a.run)
        _wait_leader(executor, "a")
        a.stop()
        gather(task)
        assert changes == [True, False]
        assert _leader_id(executor) is None
        note = listener.wait_for_notification(5.0)
        assert note is not None and note.topic.endswith("river_leadership")
        assert json.loads(note.payload) == {"leader_id": "a", "action": "resigned"}
    finally:
        listener.close()


def _forward(listener: Any, electors: list[Any], done: Event) -> None:
    while not done.is_set():
        note = listener.wait_for_notification(0.1)
        if note is not None:
            for e in electors:
                e.handle_notification(json.loads(note.payload))


@pytest.mark.needs_listen_in_pool("the follower is woken by the resignation notification")
def test_resignation_wakes_a_follower_at_once(executor: Any, driver: Any, schema: str) -> None:
    # Long intervals: only the ``resigned`` notification can explain a quick takeover.
    slow = {"interval": 30.0, "ttl": 60.0, "jitter": 0.0}
    a = _elector(executor, schema, "a", [], **slow)
    b_changes: list[bool] = []
    b = _elector(executor, schema, "b", b_changes, **slow)
    listener = driver.get_listener()
    listener.connect()
    listener.listen(f"{schema}.river_leadership")
    done = Event()
    forwarder = spawn(_forward, listener, [a, b], done)
    ta = spawn(a.run)
    _wait_leader(executor, "a")
    tb = spawn(b.run)
    try:
        sleep(0.2)  # b has tried once and now waits its 30s
        assert not b.is_leader
        a.stop()
        gather(ta)
        assert _wait_leader(executor, "b", timeout=3.0) < 3.0
        _wait_until(lambda: b.is_leader)
        assert b_changes == [True]
    finally:
        a.stop()
        b.stop()
        gather(tb)
        done.set()
        gather(forwarder)
        listener.close()


class _CrashOnResign:
    """An executor whose resignation never reaches the database (the process died)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def leader_resign(self, params: Any) -> bool:
        return False


def test_without_notifications_a_follower_takes_over_after_the_ttl(
    executor: Any, schema: str
) -> None:
    a = _elector(_CrashOnResign(executor), schema, "a", [], ttl=1.0)
    b = _elector(executor, schema, "b", [], ttl=1.0)
    ta = spawn(a.run)
    _wait_leader(executor, "a")
    tb = spawn(b.run)
    try:
        a.stop()
        gather(ta)
        stopped = time.monotonic()
        sleep(0.3)
        assert _leader_id(executor) == "a" and (not b.is_leader)  # the lease still runs
        _wait_leader(executor, "b", timeout=5.0)
        assert time.monotonic() - stopped < 2.0
    finally:
        b.stop()
        gather(tb)


def test_expired_leader_row_is_replaced(executor: Any, schema: str) -> None:
    executor.execute(
        "INSERT INTO /* TEMPLATE: schema */river_leader (leader_id, elected_at, expires_at) VALUES ('dead', now() - interval '1 minute', now() - interval '1 second')"
    )
    changes: list[bool] = []
    a = _elector(executor, schema, "a", changes)
    task = spawn(a.run)
    try:
        assert _wait_leader(executor, "a", timeout=3.0) < 3.0
        _wait_until(lambda: changes == [True])
    finally:
        a.stop()
        gather(task)


def test_live_leader_row_is_respected(executor: Any, schema: str) -> None:
    executor.execute(
        "INSERT INTO /* TEMPLATE: schema */river_leader (leader_id, elected_at, expires_at) VALUES ('other', now(), now() + interval '1 minute')"
    )
    changes: list[bool] = []
    a = _elector(executor, schema, "a", changes)
    task = spawn(a.run)
    sleep(0.5)
    a.stop()
    gather(task)
    assert changes == [] and _leader_id(executor) == "other"


def test_leader_that_loses_its_row_steps_down_and_returns(executor: Any, schema: str) -> None:
    changes: list[bool] = []
    a = _elector(executor, schema, "a", changes)
    task = spawn(a.run)
    try:
        _wait_leader(executor, "a")
        _wait_until(lambda: a.is_leader)
        # Another client took over (e.g. after our lease expired unnoticed).
        executor.execute(
            "UPDATE /* TEMPLATE: schema */river_leader SET leader_id = 'other', expires_at = now() + interval '300 milliseconds'"
        )
        _wait_until(lambda: changes == [True, False])
        # Once that lease expires, ``a`` is elected again.
        _wait_leader(executor, "a")
        _wait_until(lambda: changes == [True, False, True])
    finally:
        a.stop()
        gather(task)


def test_request_resign_moves_leadership(executor: Any, schema: str) -> None:
    a_changes: list[bool] = []
    a = _elector(executor, schema, "a", a_changes)
    b = _elector(executor, schema, "b", [])
    ta = spawn(a.run)
    _wait_leader(executor, "a")
    _wait_until(lambda: a.is_leader)
    tb = spawn(b.run)
    try:
        sleep(0.2)
        # Meant for another client: ignored.
        a.handle_notification({"action": "request_resign", "leader_id": "someone-else"})
        sleep(0.3)
        assert a.is_leader
        # River's own request carries no leader id (and may arrive as JSON text).
        a.handle_notification('{"action": "request_resign", "leader_id": ""}')
        _wait_leader(executor, "b")
        _wait_until(lambda: b.is_leader)
        assert a_changes == [True, False]
    finally:
        a.stop()
        b.stop()
        gather(ta, tb)


def test_own_resigned_notification_is_ignored(executor: Any, schema: str) -> None:
    a = _elector(executor, schema, "a", [], interval=30.0, ttl=60.0, jitter=0.0)
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

    def leader_attempt_reelect(self, params: Any) -> Any:
        raise ConnectionError("database unreachable")


def test_leader_steps_down_when_renewals_fail_past_its_deadline(executor: Any, schema: str) -> None:
    changes: list[bool] = []
    a = Elector(
        _FailingRenewals(executor),
        "a",
        schema_name=schema,
        on_change=changes.append,
        logger=LOG,
        interval=0.1,
        ttl=1.5,
        jitter=0.0,
    )
    task = spawn(a.run)
    try:
        _wait_until(lambda: changes == [True])
        elected = time.monotonic()
        _wait_until(lambda: changes[:2] == [True, False], timeout=5.0)
        # Trusted until shortly before the 1.5s lease ends, not beyond it.
        assert 0.5 < time.monotonic() - elected < 1.5
    finally:
        a.stop()
        gather(task)


def test_stop_before_run_returns_at_once(executor: Any, schema: str) -> None:
    a = _elector(executor, schema, "a", [])
    a.stop()
    start = time.monotonic()
    a.run()
    assert time.monotonic() - start < 0.5
    assert _leader_id(executor) is None


def test_ttl_must_exceed_interval() -> None:
    with pytest.raises(ValueError):
        Elector(None, "a", schema_name="s", on_change=print, interval=5.0, ttl=5.0)  # type: ignore[arg-type]


def test_lease_is_renewed(executor: Any, schema: str) -> None:
    a = _elector(executor, schema, "a", [])
    task = spawn(a.run)
    try:
        _wait_leader(executor, "a")
        first = executor.leader_get_elected_leader()
        sleep(0.4)
        later = executor.leader_get_elected_leader()
        assert later.elected_at == first.elected_at
        assert later.expires_at > first.expires_at
        assert later.expires_at - dt.datetime.now(dt.UTC) > dt.timedelta(seconds=1)
    finally:
        a.stop()
        gather(task)


def test_request_resign_heard_as_leadership_begins_is_kept(executor: Any, schema: str) -> None:
    # The request arrives while the new leader's on_change runs, before it renews its
    # lease for the first time: it must still resign.
    changes: list[bool] = []
    elector: Any = None

    def on_change(leader: bool) -> None:
        changes.append(leader)
        if leader and len(changes) == 1:
            elector.handle_notification({"action": "request_resign", "leader_id": ""})

    elector = Elector(
        executor,
        "a",
        schema_name=schema,
        on_change=on_change,
        logger=LOG,
        interval=0.1,
        ttl=2.0,
        jitter=0.05,
    )
    task = spawn(elector.run)
    try:
        _wait_until(lambda: changes[:2] == [True, False])
    finally:
        elector.stop()
        gather(task)


def test_leader_whose_renewal_hangs_stops_leading_when_its_lease_runs_out(
    executor: Any, schema: str
) -> None:
    # A leader cut off from the database waits on its renewal (no error comes back until
    # TCP gives up, many minutes later). Another client may lead once the lease expires:
    # by then this one must no longer believe it leads.
    changes: list[bool] = []
    a = _elector(executor, schema, "a", changes, ttl=1.5)
    task = spawn(a.run)
    try:
        _wait_leader(executor, "a")
        _wait_until(lambda: changes == [True])
        with executor.transaction() as tx:
            # Renewals now wait on this lock, as on a connection that no longer answers.
            tx.execute("LOCK TABLE /* TEMPLATE: schema */river_leader IN ACCESS EXCLUSIVE MODE")
            _wait_until(lambda: changes == [True, False], timeout=10.0)
            assert not a.is_leader
        # The renewal goes through late: the lease it renewed was already given up, so
        # the elector leads again only through a new election.
        _wait_until(lambda: changes == [True, False, True], timeout=10.0)
        assert _leader_id(executor) == "a"
    finally:
        a.stop()
        gather(task)

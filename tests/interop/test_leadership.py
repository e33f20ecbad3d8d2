"""Leadership passes across languages, and maintenance runs once per schema.

When the leader process is killed (no resignation), a client of the other language takes
over once the lease has expired (15 s, renewed every 5; docs/concepts/leadership.md). Both
clients are configured with the same periodic job and the follower with the shorter
rescue horizon: until the takeover only the leader inserts periodic jobs and nobody
rescues the stuck job; after it, the new leader does both, once. A leader resigns when a
client of the other language asks it to (``request_resign``), starting a new term."""

from __future__ import annotations

import time
from typing import Any

import river
from tests.interop._cluster import (
    GO_ID,
    PY_ID,
    TAKEOVER_LIMIT,
    Term,
    insert_stuck_job,
    inserted_by,
    job_state,
    leader,
    periodic,
    python_member,
    term,
    wait_leader,
    wait_until,
)
from tests.interop._gopeer import GoPeer, RunningPeer

ECHO = "interop_echo"
# Both languages' periodic job, and the stuck job, in queues nobody works: their rows
# stay as the maintenance services leave them.
PERIODIC = "interop_periodic"
STUCK = "interop_stuck"
NOOP = {"behaviour": "noop"}
# The follower sees at least this many of the leader's periodic turns (1.8 s) before the
# leader dies: a follower running maintenance would have inserted its own job and rescued
# the stuck one by then (each language starts its maintenance services within 1 s).
LEADER_TURNS = 6
PERIODIC_INTERVAL = 0.3
# The rescue horizon of the client that is to rescue the stuck job (ten minutes old); the
# other keeps River's default (1 hour), so it never does.
RESCUE_AFTER = 1.0
RESCUED_ERROR = "Stuck job rescued by JobRescuer"


def _start_go(gopeer: GoPeer, schema: str, **request: Any) -> RunningPeer:
    peer = gopeer.start(schema, client_id=GO_ID, queues={"default": 1}, timeout_seconds=300,
                        kinds={ECHO: NOOP, PERIODIC: NOOP, STUCK: NOOP}, **request)
    wait_until(lambda: peer.find(peer.event("started")), "River Go's client started")
    return peer


def _takeover(url: str, schema: str, kill: Any, new_leader: str) -> tuple[float, Term, Term]:
    """Kill the leader; wait for ``new_leader``. The time from the kill to the new term
    (polled every 50 ms), the dead leader's last term and the new one."""
    old = term(url, schema)
    assert old is not None
    kill()
    killed = time.monotonic()
    while (current := term(url, schema)) is None or current.leader_id == old.leader_id:
        if current is not None:
            old = current  # a renewal committed as the process died
        assert time.monotonic() - killed < TAKEOVER_LIMIT, f"{new_leader} never took over"
        time.sleep(0.05)
    assert current.leader_id == new_leader
    return time.monotonic() - killed, old, current


def _check_once(
    url: str, schema: str, stuck: int, dead: str, alive: str, old: Term, new: Term,
    record_property: Any, seconds: float,
) -> None:
    record_property("takeover_seconds", round(seconds, 2))
    print(f"\ntakeover from a killed {dead} leader: {seconds:.2f}s")
    # Not before the dead leader's lease expired.
    assert new.elected_at >= old.expires_at
    wait_until(lambda: job_state(url, schema, stuck)[0] != "running", "the stuck job rescued")
    wait_until(lambda: inserted_by(url, schema, PERIODIC)[-1:] == [alive],
               f"{alive}'s periodic job inserted")
    # The leader's runs, then the new leader's: never both inserting.
    runs = inserted_by(url, schema, PERIODIC)
    cut = runs.index(alive)
    assert runs[:cut] == [dead] * cut and cut >= LEADER_TURNS
    assert runs[cut:] == [alive] * (len(runs) - cut)
    # Rescued once: retryable, or available again once the scheduler got to it.
    state, errors = job_state(url, schema, stuck)
    assert state in ("retryable", "available")
    assert [e["error"] for e in errors] == [RESCUED_ERROR]


def test_river_queue_takes_over_from_a_killed_river_go_leader(
    gopeer: GoPeer, database_url: str, schema: str, record_property: Any
) -> None:
    url = database_url
    peer = _start_go(gopeer, schema,
                     periodic=periodic("go", PERIODIC, PERIODIC, PERIODIC_INTERVAL))
    try:
        wait_leader(url, schema, GO_ID)
        stuck = insert_stuck_job(url, schema, STUCK, STUCK)
        with python_member(
            url, schema, kinds=["interop_echo", PERIODIC, STUCK], rescue_after_seconds=RESCUE_AFTER,
            job_timeout_seconds=RESCUE_AFTER,
            periodic=periodic("python", PERIODIC, PERIODIC, PERIODIC_INTERVAL),
        ):
            turns = len(inserted_by(url, schema, PERIODIC))
            wait_until(lambda: len(inserted_by(url, schema, PERIODIC)) >= turns + LEADER_TURNS,
                       "River Go's periodic job inserted while river-queue follows")
            assert leader(url, schema) == GO_ID  # a live leader keeps its lease
            assert job_state(url, schema, stuck)[0] == "running"
            seconds, old, new = _takeover(url, schema, peer.kill, PY_ID)
            _check_once(url, schema, stuck, "go", "python", old, new, record_property,
                        seconds)
    finally:
        if peer.proc.poll() is None:
            peer.kill()


def test_river_go_takes_over_from_a_killed_river_queue_leader(
    gopeer: GoPeer, database_url: str, schema: str, record_property: Any
) -> None:
    url = database_url
    with python_member(
        url, schema, kinds=["interop_echo", PERIODIC, STUCK],
        periodic=periodic("python", PERIODIC, PERIODIC, PERIODIC_INTERVAL),
    ) as member:
        wait_leader(url, schema, PY_ID)
        stuck = insert_stuck_job(url, schema, STUCK, STUCK)
        peer = _start_go(gopeer, schema, rescue_after_seconds=RESCUE_AFTER,
                         job_timeout_seconds=RESCUE_AFTER,
                         periodic=periodic("go", PERIODIC, PERIODIC, PERIODIC_INTERVAL))
        try:
            turns = len(inserted_by(url, schema, PERIODIC))
            wait_until(lambda: len(inserted_by(url, schema, PERIODIC)) >= turns + LEADER_TURNS,
                       "river-queue's periodic job inserted while River Go follows")
            assert leader(url, schema) == PY_ID
            assert job_state(url, schema, stuck)[0] == "running"

            def kill() -> None:
                member.kill()
                member.wait(timeout=30)

            seconds, old, new = _takeover(url, schema, kill, GO_ID)
            _check_once(url, schema, stuck, "python", "go", old, new, record_property,
                        seconds)
            peer.stop()
        finally:
            if peer.proc.poll() is None:
                peer.kill()


def _wait_new_term(url: str, schema: str, old: Term | None) -> None:
    """A new term once a leader resigns, whoever wins the election that follows (River
    Go's resigned leader may win it again)."""
    wait_until(lambda: term(url, schema) not in (old, None), "a new term", TAKEOVER_LIMIT)


def test_a_river_go_leader_resigns_when_river_queue_asks(
    gopeer: GoPeer, database_url: str, schema: str, driver: Any
) -> None:
    url = database_url
    peer = _start_go(gopeer, schema)
    try:
        wait_leader(url, schema, GO_ID)
        with python_member(url, schema):
            old = term(url, schema)
            river.Client(driver, river.Config(schema=schema)).notify.request_resign()
            # A live leader that ignored the request would keep its term for good.
            _wait_new_term(url, schema, old)
        peer.stop()
    finally:
        if peer.proc.poll() is None:
            peer.kill()


def test_a_river_queue_leader_resigns_when_river_go_asks(
    gopeer: GoPeer, database_url: str, schema: str
) -> None:
    url = database_url
    with python_member(url, schema):
        wait_leader(url, schema, PY_ID)
        peer = _start_go(gopeer, schema)
        try:
            old = term(url, schema)
            gopeer.run("queue", schema, {"action": "request_resign"})
            _wait_new_term(url, schema, old)
            # river-queue's resigned leader lets the others go first.
            wait_leader(url, schema, GO_ID)
            peer.stop()
        finally:
            if peer.proc.poll() is None:
                peer.kill()

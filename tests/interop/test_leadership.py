"""Leadership passes across languages: when the leader process is killed (no resignation),
a client of the other language takes over once the lease expires (15 s, renewed every 5;
docs/concepts/leadership.md); and a leader resigns when a client of the other language
asks it to (``request_resign``), starting a new term."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

import river
from tests._db import admin_execute
from tests.interop._gopeer import GoPeer

# The lease (15 s) plus a follower's election interval (5 s), twice over for a loaded
# machine: a wait limit, not a measurement.
TAKEOVER_LIMIT = 40.0
GO_ID = "interop-go-client"


def _leader(url: str, schema: str) -> str | None:
    rows = admin_execute(url, f'SELECT leader_id FROM "{schema}".river_leader')
    return str(rows[0][0]) if rows else None


def _wait_leader(url: str, schema: str, name: str, limit: float) -> None:
    deadline = time.monotonic() + limit
    while (leader := _leader(url, schema)) != name:
        if time.monotonic() > deadline:
            raise AssertionError(f"leader is {leader!r}, not {name!r}, after {limit}s")
        time.sleep(0.1)


def _term(url: str, schema: str) -> tuple[object, ...] | None:
    """The leader and when it was elected: a new term once a leader resigns, whoever
    wins the election that follows (River Go's resigned leader may win it again)."""
    rows = admin_execute(url, f'SELECT leader_id, elected_at FROM "{schema}".river_leader')
    return tuple(rows[0]) if rows else None


def _wait_new_term(url: str, schema: str, old: tuple[object, ...] | None, limit: float) -> None:
    deadline = time.monotonic() + limit
    while (term := _term(url, schema)) in (old, None):
        if time.monotonic() > deadline:
            raise AssertionError(f"still the term {term!r} after {limit}s")
        time.sleep(0.1)


@pytest.fixture
def python_worker(database_url: str, schema: str) -> Iterator[subprocess.Popen[str]]:
    """A river-queue worker process (client id ``cluster-<pid>``), started."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.programs.cluster_worker", database_url, schema],
        stdout=subprocess.PIPE, text=True, env={**os.environ},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    yield proc
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=60)


def test_river_queue_takes_over_from_a_killed_river_go_leader(
    gopeer: GoPeer, database_url: str, schema: str
) -> None:
    peer = gopeer.start(schema, client_id=GO_ID, queues={"default": 1}, timeout_seconds=300,
                        kinds={"interop_echo": {"behaviour": "noop"}})
    try:
        _wait_leader(database_url, schema, GO_ID, TAKEOVER_LIMIT)
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.programs.cluster_worker", database_url, schema],
            stdout=subprocess.PIPE, text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
        assert _leader(database_url, schema) == GO_ID  # a live leader keeps its lease
        peer.kill()
        _wait_leader(database_url, schema, f"cluster-{proc.pid}", TAKEOVER_LIMIT)
        proc.terminate()
        assert proc.wait(timeout=60) == 0
    finally:
        if peer.proc.poll() is None:
            peer.kill()


def test_river_go_takes_over_from_a_killed_river_queue_leader(
    gopeer: GoPeer, database_url: str, schema: str, python_worker: subprocess.Popen[str]
) -> None:
    _wait_leader(database_url, schema, f"cluster-{python_worker.pid}", TAKEOVER_LIMIT)
    peer = gopeer.start(schema, client_id=GO_ID, queues={"default": 1}, timeout_seconds=300,
                        kinds={"interop_echo": {"behaviour": "noop"}})
    try:
        deadline = time.monotonic() + TAKEOVER_LIMIT
        while peer.find(peer.event("started")) is None:
            assert time.monotonic() < deadline, "River Go's client did not start"
            time.sleep(0.05)
        assert _leader(database_url, schema) == f"cluster-{python_worker.pid}"
        python_worker.kill()
        python_worker.wait(timeout=30)
        _wait_leader(database_url, schema, GO_ID, TAKEOVER_LIMIT)
        peer.stop()
    finally:
        if peer.proc.poll() is None:
            peer.kill()


def test_a_river_go_leader_resigns_when_river_queue_asks(
    gopeer: GoPeer, database_url: str, schema: str, driver: Any
) -> None:
    peer = gopeer.start(schema, client_id=GO_ID, queues={"default": 1}, timeout_seconds=300,
                        kinds={"interop_echo": {"behaviour": "noop"}})
    try:
        _wait_leader(database_url, schema, GO_ID, TAKEOVER_LIMIT)
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.programs.cluster_worker", database_url, schema],
            stdout=subprocess.PIPE, text=True,
        )
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
            term = _term(database_url, schema)
            river.Client(driver, river.Config(schema=schema)).notify.request_resign()
            # A live leader that ignored the request would keep its term for good.
            _wait_new_term(database_url, schema, term, TAKEOVER_LIMIT)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        peer.stop()
    finally:
        if peer.proc.poll() is None:
            peer.kill()


def test_a_river_queue_leader_resigns_when_river_go_asks(
    gopeer: GoPeer, database_url: str, schema: str, python_worker: subprocess.Popen[str]
) -> None:
    _wait_leader(database_url, schema, f"cluster-{python_worker.pid}", TAKEOVER_LIMIT)
    peer = gopeer.start(schema, client_id=GO_ID, queues={"default": 1}, timeout_seconds=300,
                        kinds={"interop_echo": {"behaviour": "noop"}})
    try:
        deadline = time.monotonic() + TAKEOVER_LIMIT
        while peer.find(peer.event("started")) is None:
            assert time.monotonic() < deadline, "River Go's client did not start"
            time.sleep(0.05)
        term = _term(database_url, schema)
        gopeer.run("queue", schema, {"action": "request_resign"})
        _wait_new_term(database_url, schema, term, TAKEOVER_LIMIT)
        peer.stop()
    finally:
        if peer.proc.poll() is None:
            peer.kill()

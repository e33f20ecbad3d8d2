"""A mixed cluster for the interop tests: River Go's peer and river-queue clients in
processes of their own on one schema, and what the tests read of their shared state."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tests._db import admin_execute

GO_ID = "interop-go-client"
PY_ID = "interop-python-client"
# The lease (15 s) plus a follower's election interval (5 s) and jitter, twice over for
# a loaded machine: a wait limit, not a measurement.
TAKEOVER_LIMIT = 45.0


@dataclass(frozen=True)
class Term:
    """One leadership term: the ``river_leader`` row."""

    leader_id: str
    elected_at: Any
    expires_at: Any


def term(url: str, schema: str) -> Term | None:
    rows = admin_execute(
        url, f'SELECT leader_id, elected_at, expires_at FROM "{schema}".river_leader'
    )
    return Term(*rows[0]) if rows else None


def leader(url: str, schema: str) -> str | None:
    current = term(url, schema)
    return current.leader_id if current else None


def wait_until(cond: Callable[[], Any], what: str, limit: float = 30.0) -> Any:
    """Poll ``cond`` every 50 ms until it is truthy; fail after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while not (value := cond()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not so after {limit}s")
        time.sleep(0.05)
    return value


def wait_leader(url: str, schema: str, name: str, limit: float = TAKEOVER_LIMIT) -> None:
    wait_until(lambda: leader(url, schema) == name, f"{name} leads", limit)


@contextlib.contextmanager
def python_member(url: str, schema: str, **settings: Any) -> Iterator[subprocess.Popen[str]]:
    """A river-queue client process (``tests.programs.interop_member``), started and
    listening; stopped (SIGTERM, a clean stop) at the end unless already dead."""
    settings = {"id": PY_ID, "queues": {"default": 1}, "kinds": ["interop_echo"], **settings}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.programs.interop_member", url, schema,
         json.dumps(settings)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            assert proc.wait(timeout=60) == 0


def periodic(source: str, kind: str, queue: str, interval: float) -> dict[str, Any]:
    """The same periodic job for either language; its args say which inserted it."""
    return {"kind": kind, "args": {"from": source}, "queue": queue,
            "interval_seconds": interval}


def inserted_by(url: str, schema: str, kind: str) -> list[str]:
    """Who inserted each job of ``kind`` (its args' ``from``), in insertion order."""
    rows = admin_execute(
        url, f"SELECT args->>'from' FROM \"{schema}\".river_job WHERE kind = %s ORDER BY id",
        (kind,),
    )
    return [str(row[0]) for row in rows]


def insert_stuck_job(url: str, schema: str, kind: str, queue: str) -> int:
    """A job left ``running`` ten minutes ago by a client that is gone."""
    rows = admin_execute(
        url,
        f'INSERT INTO "{schema}".river_job (kind, queue, state, attempt, attempted_at,'
        " attempted_by, args, max_attempts, priority, scheduled_at)"
        " VALUES (%s, %s, 'running', 1, now() - interval '10 minutes',"
        " ARRAY['a-client-that-is-gone'], '{}', 25, 1, now() - interval '10 minutes')"
        " RETURNING id",
        (kind, queue),
    )
    return int(rows[0][0])


def job_state(url: str, schema: str, job_id: int) -> tuple[str, list[dict[str, Any]]]:
    """The job's state and its errors."""
    rows = admin_execute(
        url, f'SELECT state, coalesce(errors, ARRAY[]::jsonb[]) FROM "{schema}".river_job'
        " WHERE id = %s", (job_id,),
    )
    state, errors = rows[0]
    return str(state), list(errors)


def put_stale_queue(url: str, schema: str, name: str) -> None:
    """Queue ``name``'s row, last touched 25 hours ago: past the queue cleaner's 24 hours."""
    admin_execute(
        url,
        f'INSERT INTO "{schema}".river_queue (name, metadata, created_at, updated_at)'
        " VALUES (%s, '{}', now() - interval '25 hours', now() - interval '25 hours')"
        " ON CONFLICT (name) DO UPDATE SET updated_at = EXCLUDED.updated_at",
        (name,),
    )


def queue_fresh(url: str, schema: str, name: str) -> bool | None:
    """Whether queue ``name``'s row was touched within the hour (None: no row)."""
    rows = admin_execute(
        url, f"SELECT updated_at > now() - interval '1 hour' FROM \"{schema}\".river_queue"
        " WHERE name = %s", (name,),
    )
    return bool(rows[0][0]) if rows else None

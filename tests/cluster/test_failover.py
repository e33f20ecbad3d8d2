"""Postgres failover (``tests.programs.failover``): a primary and a synchronous standby on
loopback, clients of every driver given one multi-host URL with
``target_session_attrs=read-write``; the primary crashes while jobs run and the standby is
promoted. Every invariant of the program must hold: no committed insert lost, producer and
workers back on the new primary on their own, every job completed, no attempt started
twice. With asynchronous replication (and a standby held back before the crash),
committed inserts may be lost: the program must account for every acknowledged insert as
present or lost. When the standby cannot be set up the program fails, and so does this
test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.faults
ROOT = Path(__file__).resolve().parents[2]


def test_clients_follow_a_promoted_standby_and_lose_no_committed_job() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.programs.failover", "--seed", "1", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=dict(os.environ),
    )
    assert done.stdout.strip(), f"no report (exit {done.returncode}):\n{done.stderr[-4000:]}"
    report = json.loads(done.stdout)
    failed = [r for r in report["invariants"] if not r["ok"]]
    assert not failed, json.dumps(failed, indent=2)
    assert done.returncode == 0, done.stderr[-4000:]
    assert report["replication"] == "synchronous"
    assert report["inserted"] > 0
    assert report["running_at_failover"] > 0, "no job was running when the primary crashed"
    assert report["recovery_s"]["producer"] is not None
    assert report["recovery_s"]["workers"] is not None


def test_asynchronous_replication_accounts_for_every_acknowledged_insert() -> None:
    # With asynchronous replication and a standby held back for 1.5 s before the crash,
    # acknowledged inserts may be lost: the test checks that each is counted, not that
    # none is.
    done = subprocess.run(
        [sys.executable, "-m", "tests.programs.failover", "--replication", "async",
         "--seed", "2", "--json", "--before-seconds", "3", "--after-seconds", "4",
         "--load", "2", "--standby-lag", "1.5"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=dict(os.environ),
    )
    assert done.stdout.strip(), f"no report (exit {done.returncode}):\n{done.stderr[-4000:]}"
    report = json.loads(done.stdout)
    assert report["replication"] == "asynchronous"
    acked = report["acknowledged"]
    assert acked["total"] == report["inserted"] > 0
    assert acked["before_failover"] > 0
    assert acked["present"] + acked["lost"] == acked["total"], acked
    assert acked["lost_before_failover"] + acked["lost_after_failover"] == acked["lost"], acked
    assert len(report["lost_jobs"]) == min(acked["lost"], 20), report["lost_jobs"]
    kept = next(r for r in report["invariants"] if r["name"] == "committed_inserts_kept")
    assert kept["checked"] is False
    failed = [r for r in report["invariants"] if not r["ok"]]
    assert not failed, json.dumps(failed, indent=2)
    assert report["recovery_s"]["producer"] is not None
    assert report["recovery_s"]["workers"] is not None

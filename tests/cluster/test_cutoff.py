"""A host cut off from the database notices (``tests.programs.cutoff``): in a network
namespace, every driver opened with its defaults holds an idle listener and a pool running
queries; the host's link goes down without closing anything, and each driver's listener
and pool must fail within the program's bound (TCP keepalives and user timeout, set by
default). Needs root and iproute2: when namespaces cannot be made the program fails, and
so does this test.
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


def test_a_cut_off_hosts_listener_and_pool_fail_within_the_bound() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.programs.cutoff", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=dict(os.environ),
    )
    assert done.stdout.strip(), f"no report (exit {done.returncode}):\n{done.stderr[-4000:]}"
    report = json.loads(done.stdout)
    failed = [r for r in report["invariants"] if not r["ok"]]
    assert not failed, json.dumps(failed, indent=2)
    assert done.returncode == 0, done.stderr[-4000:]
    assert set(report["drivers"]) == {"asyncpg", "psycopg3", "psycopg2"}
    for name, lost in report["drivers"].items():
        assert lost["listener"]["error"] and lost["pool"]["error"], (name, lost)

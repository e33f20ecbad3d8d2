"""Worker hosts cut off and slowed down (``tests.programs.partition``), short version.

Three hosts in network namespaces, each with its own client; the leader host is cut off
while it runs jobs, then healed; another host's link is slowed to a trickle. The program
checks its invariants on the database and the workers' logs (see its docstring): here
every one must hold, and the faults must really have happened. Needs root and iproute2:
when namespaces cannot be made the program fails, and so does this test.
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


def test_a_cut_off_leader_and_a_slow_host_break_no_invariant() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.programs.partition", "--minutes", "0", "--seed", "1",
         "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=420, env=dict(os.environ),
    )
    assert done.stdout.strip(), f"no report (exit {done.returncode}):\n{done.stderr[-4000:]}"
    report = json.loads(done.stdout)
    failed = [r for r in report["invariants"] if not r["ok"]]
    assert not failed, json.dumps(failed, indent=2)
    assert done.returncode == 0, done.stderr[-4000:]
    kinds = [(f["kind"], f["was_leader"]) for f in report["faults"]]
    assert ("cut", True) in kinds, report["faults"]
    assert any(kind == "slow" for kind, _ in kinds), report["faults"]
    cut = next(f for f in report["faults"] if f["kind"] == "cut")
    # The cut lasted until another host led and ran the cut-off host's jobs again.
    assert cut["new_leader_after_s"] is not None, cut
    assert "without seeing" not in cut["note"], cut
    assert report["inserted"] > 0 and not report["control_errors"], report

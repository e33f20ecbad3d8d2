"""A host cut off from the database notices: ``python -m tests.programs.cutoff [--json]``.

Starts a throwaway PostgreSQL and one worker host in a network namespace
(``tests.programs.netns``, root and iproute2), and in it one
``tests.programs.cutoff_probe`` per driver (asyncpg, psycopg 3, psycopg2), each opened
with the driver's defaults: a listener waiting for notifications (an idle connection) and
a pool running ``SELECT 1`` every half second. Once all are ready, the host's link goes
down: nothing is closed, packets just stop. Each probe reports when its listener and its
pool fail. Invariant (exit 1 when violated):

- ``cut_off_host_notices``: every driver's listener and pool fail within ``LOST_BOUND_S``
  seconds of the cut (TCP keepalives and user timeout, ``river.driver.keepalive``;
  without them an idle connection waits for hours and a query for about 15 minutes).

``--no-keepalive`` turns the drivers' keepalives off, to see the difference; the run then
waits ``LOST_BOUND_S`` and reports what never failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from river.cli.localpg import start_ephemeral
from river.driver.keepalive import DEFAULT_TCP_KEEPALIVE
from tests.programs.netns import make_hosts
from tests.programs.partition import events, serve_hosts, tail

ROOT = Path(__file__).resolve().parents[2]
DRIVERS = ("asyncpg", "psycopg3", "psycopg2")
# The defaults drop an idle connection after idle + count * interval seconds (25 s), or
# once probes go unanswered for user_timeout (30 s); margin for a loaded machine.
LOST_BOUND_S = float(
    max(DEFAULT_TCP_KEEPALIVE.idle + DEFAULT_TCP_KEEPALIVE.count * DEFAULT_TCP_KEEPALIVE.interval,
        DEFAULT_TCP_KEEPALIVE.user_timeout + DEFAULT_TCP_KEEPALIVE.interval) + 20
)


def run(args: argparse.Namespace, logdir: Path) -> dict[str, Any]:
    server = start_ephemeral(fast=True)
    hosts = []
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        hosts = make_hosts(1)
        host = hosts[0]
        serve_hosts(server, hosts)
        url = f"postgresql://postgres@{host.root_addr}:{server.port}/postgres"
        env = {**os.environ, "CUT_URL": url,
               "CUT_NO_KEEPALIVE": "1" if args.no_keepalive else "0"}
        for name in DRIVERS:
            with open(logdir / f"{name}.log", "ab") as log:
                procs[name] = subprocess.Popen(
                    host.command([sys.executable, "-m", "tests.programs.cutoff_probe"]),
                    cwd=ROOT, env={**env, "CUT_DRIVER": name}, stdout=log,
                    stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not all(any(e.get("ev") == "ready" for e in events(logdir / f"{n}.log"))
                      for n in DRIVERS):
            dead = [n for n, p in procs.items() if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"probe {dead or 'start'} failed: "
                                   + " | ".join(tail(logdir / f"{n}.log", 1500) for n in DRIVERS))
            time.sleep(0.2)
        host.cut()
        cut_at = time.time()
        lost: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + LOST_BOUND_S
        while time.monotonic() < deadline:
            lost = {n: {e["what"]: e for e in events(logdir / f"{n}.log")
                        if e.get("ev") == "lost"} for n in DRIVERS}
            if all(len(v) == 2 for v in lost.values()):
                break
            time.sleep(0.5)
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()
        for h in hosts:
            h.destroy()
        server.stop()
    violations = []
    drivers: dict[str, Any] = {}
    for name in DRIVERS:
        drivers[name] = {}
        for what in ("listener", "pool"):
            e = lost[name].get(what)
            after = round(e["t"] - cut_at, 1) if e else None
            drivers[name][what] = {"lost_after_s": after, "error": e["error"] if e else None}
            if after is None:
                violations.append(f"{name} {what}: not lost within {LOST_BOUND_S:.0f}s of the cut")
    return {
        "keepalive": None if args.no_keepalive else vars(DEFAULT_TCP_KEEPALIVE),
        "postgres": server.version,
        "drivers": drivers,
        "invariants": [{"name": "cut_off_host_notices", "ok": not violations,
                        "violations": violations, "violation_count": len(violations),
                        "bound_s": LOST_BOUND_S}],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.programs.cutoff",
                                description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.add_argument("--no-keepalive", action="store_true",
                   help="turn the drivers' keepalives and user timeout off")
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt))
    started = time.monotonic()
    logdir = Path(tempfile.mkdtemp(prefix="river-cutoff-"))
    try:
        report = run(args, logdir)
    finally:
        shutil.rmtree(logdir, ignore_errors=True)
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    report["ok"] = all(r["ok"] for r in report["invariants"])
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(f"cut-off test: {json.dumps(report['drivers'])}")
        for r in report["invariants"]:
            print(f"  {'ok  ' if r['ok'] else 'FAIL'} {r['name']}: {r['violation_count']}"
                  " violation(s)" + "".join(f"\n       {v}" for v in r["violations"]))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

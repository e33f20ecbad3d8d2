"""Stops a local server whose owner has gone, however it went (even SIGKILL).

Run as ``python -m river.cli.localpg.watchdog PG_CTL BASE UID GID [--keep-data]`` with a
pipe on stdin held by the owner. At end of file (the owner closed it or died) it stops the
server of ``BASE/data`` if it still runs and removes ``BASE`` unless ``--keep-data``. The
owner writes ``keep`` before closing to leave a running server alone. ``UID``/``GID`` are
the server's account, ``-`` for the current one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

KEEP = b"keep"
# Long enough for an immediate stop, short enough not to hang the owner's exit.
_DISMISS_TIMEOUT_S = 30


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m river.cli.localpg.watchdog")
    parser.add_argument("pg_ctl")
    parser.add_argument("base")
    parser.add_argument("uid")
    parser.add_argument("gid")
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args(argv)
    message = sys.stdin.buffer.read()
    if message.strip() == KEEP:
        return 0
    data = os.path.join(args.base, "data")
    if os.path.exists(os.path.join(data, "postmaster.pid")):
        as_account = args.uid != "-"
        subprocess.run(
            [args.pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"],
            cwd="/",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            user=int(args.uid) if as_account else None,
            group=int(args.gid) if as_account else None,
            extra_groups=[] if as_account else None,
        )
    if not args.keep_data:
        shutil.rmtree(args.base, ignore_errors=True)
    return 0


def start(
    pg_ctl: str,
    base: Path,
    *,
    uid: int | None,
    gid: int | None,
    keep_data: bool,
    env: dict[str, str],
) -> subprocess.Popen[bytes]:
    """Start a watchdog for the server in ``base``; it acts when this process ends."""
    cmd = [
        sys.executable,
        "-m",
        "river.cli.localpg.watchdog",
        pg_ctl,
        str(base),
        "-" if uid is None else str(uid),
        "-" if gid is None else str(gid),
    ]
    if keep_data:
        cmd.append("--keep-data")
    return subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd="/",
        env=env,
        start_new_session=True,  # outlives a signal sent to our whole process group
    )


def dismiss(watchdog: subprocess.Popen[bytes], *, keep_server: bool = False) -> None:
    """End the watchdog now: it stops the server (unless ``keep_server``) and exits."""
    if watchdog.stdin is not None:
        try:
            if keep_server:
                watchdog.stdin.write(KEEP)
            watchdog.stdin.close()
        except BrokenPipeError:
            pass
    try:
        watchdog.wait(timeout=_DISMISS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        watchdog.kill()
        watchdog.wait()


if __name__ == "__main__":
    sys.exit(main())

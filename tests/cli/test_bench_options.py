"""``river bench``'s options as documented: ``--schema`` (and its refusal of a schema
holding jobs), true help texts, and Ctrl-C printing the figures so far."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from tests._db import admin_execute, drop_schema


def river_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "river", *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, "DATABASE_URL": ""},
    )


def test_schema_is_honoured(database_url: str) -> None:
    name = f"bench_elsewhere_{os.getpid()}"
    try:
        done = river_cli("bench", "--database-url", database_url, "--schema", name,
                         "-n", "300", "--json")
        assert done.returncode == 0, done.stderr
        assert "bench: working 300 jobs" in done.stderr
        rows = admin_execute(
            database_url, f"SELECT state::text, count(*) FROM {name}.river_job GROUP BY 1"
        )
        assert rows == [("completed", 300)]
    finally:
        drop_schema(database_url, name)


def test_schema_with_jobs_is_refused(database_url: str, schema: str) -> None:
    admin_execute(database_url, f"INSERT INTO {schema}.river_job (kind, args) VALUES ('k', '{{}}')")
    done = river_cli("bench", "--database-url", database_url, "--schema", schema, "-n", "10")
    assert done.returncode == 1, done
    assert done.stderr.splitlines() == [
        f"river: error: schema {schema} holds jobs, and river bench empties its river_job: "
        "use an empty schema (or the default, river_bench)"
    ]
    assert admin_execute(database_url, f"SELECT count(*) FROM {schema}.river_job") == [(1,)]


def test_help_says_the_default_driver_and_units() -> None:
    text = " ".join(river_cli("bench", "--help").stdout.split())
    assert "(default asyncpg, or $RIVER_BENCH_DRIVER)" in text
    for option in ("--duration SECONDS", "--fetch-cooldown SECONDS",
                   "--fetch-poll-interval SECONDS", "--connect-timeout SECONDS"):
        assert option in text, option
    assert "every 2 seconds" in text


# ``python -m river`` with Python's Ctrl-C handler installed first. A test run started in
# the background by a script (``cmd &``) ignores SIGINT and its children inherit that:
# Python then installs no handler, and the bench ignored the Ctrl-C and ran to its end
# (exit 0).
AS_AT_A_TERMINAL = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('river', run_name='__main__', alter_sys=True)"
)


def test_ctrl_c_prints_the_figures_so_far(database_url: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", AS_AT_A_TERMINAL, "bench", "--database-url", database_url,
         "-n", "200000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "DATABASE_URL": ""},
    )
    lines: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    # The line is written inside the event loop, once its Ctrl-C handler is installed.
    while not any(line.startswith("bench: inserting") for line in lines):
        assert proc.poll() is None and time.monotonic() < deadline, lines
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    # The reader thread alone reads stderr (communicate() would race it for the last lines).
    proc.wait(timeout=120)
    reader.join(10)
    assert proc.stdout is not None
    out = proc.stdout.read()
    assert proc.returncode == 130, lines
    assert out == ""  # no summary: the run did not end
    interrupted = [line for line in lines if line.startswith("bench: interrupted: ")]
    assert len(interrupted) == 1, lines
    assert "Traceback" not in "\n".join(lines)

"""``river worker --log-format json``: the formatter on records made here, and the
library's records on a real ``river worker``'s stderr."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from river.cli.worker.logformat import JSONFormatter
from river.shutdown import STAGES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JSONFormatter())
    logger = logging.getLogger("river.test_logformat")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, out
    logger.removeHandler(handler)


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_job_record_with_its_fields_and_traceback(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = captured
    fields = {"job_id": 42, "job_kind": "email", "queue": "mail", "attempt": 2,
              "max_attempts": 25}
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        raise RuntimeError("smtp down\nsecond line")
    except RuntimeError:
        logger.warning("river: job %d failed: %s", 42, "smtp down", exc_info=True,
                       extra=fields)
    (record,) = _lines(out)
    assert record["message"] == "river: job 42 failed: smtp down"
    assert record["level"] == "WARNING"
    assert record["logger"] == "river.test_logformat"
    assert {k: record[k] for k in fields} == fields
    assert record["exc_info"].startswith("Traceback (most recent call last):")
    assert record["exc_info"].endswith("RuntimeError: smtp down\nsecond line")
    assert record["time"].endswith("Z") and len(record["time"]) == len("2026-01-01T00:00:00.000Z")
    logged = dt.datetime.fromisoformat(record["time"])
    assert before <= logged <= dt.datetime.now(dt.UTC)
    assert len(out.getvalue().splitlines()) == 1  # the traceback's newlines are escaped


def test_plain_record_has_only_the_base_fields(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = captured
    logger.info("élan %s", "ok", extra={"queue": "q", "other": "not a job field"})
    logger.error("odd", extra={"job_id": dt.date(2026, 1, 2)})
    plain, odd = _lines(out)
    assert set(plain) == {"time", "level", "logger", "message", "queue"}
    assert plain["message"] == "élan ok" and plain["level"] == "INFO"
    assert odd["job_id"] == "2026-01-02"  # written as text rather than lost


def _worker(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``river worker`` until the elector says it leads, then stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "river", "worker", "tests.programs.worker_app:async_client",
         *args],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )
    assert proc.stderr is not None
    lines = []
    deadline = time.monotonic() + 30
    for line in proc.stderr:
        lines.append(line)
        if "leadership" in line or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGTERM)
    _, rest = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", "".join(lines) + rest)


def test_worker_shows_library_records_as_json(database_url: str, schema: str) -> None:
    env = {**os.environ, "RIVER_WORKER_TEST_URL": database_url,
           "RIVER_WORKER_TEST_SCHEMA": schema, "DATABASE_URL": ""}
    done = _worker(env, "--log-level", "info", "--log-format", "json")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines()]
    leading = next(r for r in records if r["message"] == "river: elector: gained leadership")
    assert leading["level"] == "INFO" and leading["logger"].startswith("river")
    stopping = next(r for r in records if r["message"] == STAGES[1])
    assert stopping["logger"] == "river.worker" and stopping["level"] == "WARNING"
    text = _worker(env, "--log-level", "info")
    assert text.returncode == 0, text.stderr
    assert " INFO river: river: elector: gained leadership" in text.stderr

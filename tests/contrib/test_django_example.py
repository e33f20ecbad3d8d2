"""examples/django_project: ``manage.py migrate`` creates River's tables (and ``migrate
river zero`` removes them), its tests pass under Django's test runner, and
``manage.py river_worker`` works a job enqueued by the view's code, then stops on a
signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests._db import admin_execute

PROJECT = Path(__file__).resolve().parents[2] / "examples" / "django_project"
ROOT = PROJECT.parents[1]
BACKENDS = {"psycopg3": "psycopg", "psycopg2": "psycopg2"}


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=env,
        capture_output=True, text=True, timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def project_env(database_url: str, schema: str, driver_name: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "RIVER_SCHEMA": schema}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    if driver_name == "psycopg2":  # Django takes psycopg 3 whenever it can import it
        env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent / "_no_psycopg3"), env["PYTHONPATH"]])
    return env


def tables(database_url: str, schema: str) -> set[str]:
    rows = admin_execute(
        database_url, "SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema]
    )
    return {r[0] for r in rows}


def test_migrate_test_runner_and_river_worker(
    driver: Any, fresh_schema: str, database_url: str
) -> None:
    env = project_env(database_url, fresh_schema, driver.name)
    library = manage(env, "shell", "-c", "from river.contrib.django.clients import "
                     "_uses_psycopg3; print(_uses_psycopg3())")
    assert library.stdout.strip().splitlines()[-1] == str(driver.name == "psycopg3")
    manage(env, "migrate", "--no-input")
    assert {"river_job", "river_migration", "notes_note"} <= tables(database_url, fresh_schema)

    tested = manage(env, "test", "notes", "--no-input", timeout=300)
    assert "Ran 3 tests" in tested.stderr and "OK" in tested.stderr, tested.stderr

    manage(env, "shell", "-c", "from notes.views import enqueue_note; enqueue_note('hello')")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "river_worker"], cwd=PROJECT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        query = f'SELECT processed FROM "{fresh_schema}".notes_note'
        while admin_execute(database_url, query) != [(True,)]:
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the note was not processed"
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, err
    assert "river_worker: stopping; running jobs may finish" in err
    states = admin_execute(database_url, f'SELECT state FROM "{fresh_schema}".river_job')
    assert states == [("completed",)]

    manage(env, "migrate", "river", "zero", "--no-input")
    assert not {"river_job", "river_migration", "notes_note"} & tables(database_url, fresh_schema)

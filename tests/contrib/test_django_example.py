"""examples/django_project: ``manage.py migrate`` creates River's tables (and ``migrate
river zero`` removes them), its tests pass under Django's test runner, and
``manage.py river_worker`` works a job and a Django task (``django.tasks`` on River)
enqueued by the view's code, then stops on a signal. The project uses ``django.tasks``, so
it needs Django >= 6.0; it runs on both of Django's PostgreSQL backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests._db import admin_execute

PROJECT = Path(__file__).resolve().parents[2] / "examples" / "django_project"
ROOT = PROJECT.parents[1]
# Django backend library -> the River driver on the same library.
BACKENDS = {"psycopg": "psycopg3", "psycopg2": "psycopg2"}


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


@pytest.mark.django_tasks
@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_migrate_test_runner_and_river_worker(
    backend: str, fresh_schema: str, database_url: str
) -> None:
    driver_name = BACKENDS[backend]
    env = project_env(database_url, fresh_schema, driver_name)
    library = manage(env, "shell", "-c", "from river.contrib.django.clients import "
                     "_uses_psycopg3; print(_uses_psycopg3())")
    assert library.stdout.strip().splitlines()[-1] == str(driver_name == "psycopg3")
    manage(env, "migrate", "--no-input")
    assert {"river_job", "river_migration", "notes_note"} <= tables(database_url, fresh_schema)

    tested = manage(env, "test", "notes", "--no-input", timeout=300)
    assert "Ran 5 tests" in tested.stderr and "OK" in tested.stderr, tested.stderr

    enqueued = manage(env, "shell", "-c", "from notes.views import enqueue_note; "
                      "print(enqueue_note('hello river')[1])")
    result_id = enqueued.stdout.strip().splitlines()[-1]
    assert result_id.isdigit(), enqueued.stdout
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "river_worker"], cwd=PROJECT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        query = (
            f'SELECT (SELECT bool_and(processed) FROM "{fresh_schema}".notes_note), '
            f'(SELECT bool_and(state = \'completed\') FROM "{fresh_schema}".river_job)'
        )
        while admin_execute(database_url, query) != [(True, True)]:
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
    jobs = admin_execute(
        database_url, f'SELECT kind, state FROM "{fresh_schema}".river_job ORDER BY id'
    )
    assert jobs == [("process_note", "completed"), ("django_task", "completed")]
    counted = manage(env, "shell", "-c", "from notes.tasks import count_words; "
                     f"r = count_words.get_result('{result_id}'); print(r.status, r.return_value)")
    assert counted.stdout.strip().splitlines()[-1] == "SUCCESSFUL 2"

    manage(env, "migrate", "river", "zero", "--no-input")
    assert not {"river_job", "river_migration", "notes_note"} & tables(database_url, fresh_schema)

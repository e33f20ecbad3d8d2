"""Django's task framework on River (``river.contrib.django.tasks``): the cases of
``django_tasks_cases.py`` run in a process per Django PostgreSQL backend (psycopg 3 and
psycopg2); the priority and status mappings and the version check run everywhere."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from river.contrib.django.task_mapping import river_priority, task_status
from river.types import JobState

ROOT = Path(__file__).resolve().parents[2]
# Django backend library -> the River driver on the same library.
BACKENDS = {"psycopg": "psycopg3", "psycopg2": "psycopg2"}
CASES = 30


@pytest.mark.django_tasks
@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_django_tasks_on_backend(backend: str, database_url: str) -> None:
    env = {
        **os.environ,
        "RIVER_TEST_DATABASE_URL": database_url,
        "RIVER_TEST_DRIVER": BACKENDS[backend],
        "RIVER_DJANGO_BACKEND": backend,
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/contrib/django_tasks_cases.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    passed = re.search(r"(\d+) passed", done.stdout)
    assert passed is not None and int(passed.group(1)) == CASES, done.stdout


def test_priority_bands() -> None:
    assert [river_priority(p) for p in (100, 1, 0, -1, -50, -51, -100)] == [1, 1, 2, 3, 3, 4, 4]


def test_status_of_every_job_state() -> None:
    assert {s: task_status(s) for s in JobState} == {
        JobState.AVAILABLE: "READY",
        JobState.SCHEDULED: "READY",
        JobState.RETRYABLE: "READY",
        JobState.PENDING: "READY",
        JobState.RUNNING: "RUNNING",
        JobState.COMPLETED: "SUCCESSFUL",
        JobState.DISCARDED: "FAILED",
        JobState.CANCELLED: "FAILED",
    }


def test_older_django_gets_a_clear_error() -> None:
    # Without django.tasks (Django < 6.0), as on Django 5.2 or with it hidden here.
    code = (
        "import sys; sys.modules['django.tasks'] = None\n"
        "from django.core.exceptions import ImproperlyConfigured\n"
        "try:\n"
        "    import river.contrib.django.tasks\n"
        "except ImproperlyConfigured as exc:\n"
        "    print('refused:', exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "refused: river.contrib.django.tasks needs Django >= 6.0 (django.tasks); this is Django "
    ), done.stdout

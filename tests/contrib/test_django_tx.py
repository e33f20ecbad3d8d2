"""Django transactions on both of Django's PostgreSQL backends: the cases of
``django_tx_cases.py`` run in a process per backend (Django's settings and its choice of
psycopg 3 or psycopg2 hold for a whole process)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = {"psycopg3": "psycopg", "psycopg2": "psycopg2"}


def test_django_backend(driver: Any, database_url: str) -> None:
    env = {
        **os.environ,
        "RIVER_TEST_DATABASE_URL": database_url,
        "RIVER_TEST_DRIVER": driver.name,
        "RIVER_DJANGO_BACKEND": BACKENDS[driver.name],
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/contrib/django_tx_cases.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    passed = re.search(r"(\d+) passed", done.stdout)
    assert passed is not None and int(passed.group(1)) == 9, done.stdout

"""Running the documentation's sample programs (examples/, docs/snippets/).

A sample reads ``DATABASE_URL`` and names no schema, as a reader's program would. Each run
gets a new schema with River's tables, reached through the URL's ``search_path`` (libpq's
``options``, which all three drivers send), and dropped afterwards.
"""

from __future__ import annotations

import ast
import itertools
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

from river_psycopg3 import PsycopgDriver

from river.migrate import Migrator
from tests._db import create_schema, drop_schema

_runs = itertools.count(1)


def documented_output(path: Path) -> list[str]:
    """The lines after ``Output:`` in the program's docstring."""
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    _, _, out = doc.partition("Output:\n")
    return out.strip().splitlines()


def with_search_path(url: str, schema: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = [*urllib.parse.parse_qsl(parts.query), ("options", f"-c search_path={schema}")]
    return urllib.parse.urlunsplit(
        parts._replace(query=urllib.parse.urlencode(query, quote_via=urllib.parse.quote))
    )


def run_sample(program: Path, database_url: str, *, cwd: Path,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``program`` with ``DATABASE_URL`` leading to a new schema of River's tables."""
    schema = f"river_sample_{os.getpid()}_{next(_runs)}"
    create_schema(database_url, schema)
    try:
        driver = PsycopgDriver.open(database_url, max_size=2)
        try:
            Migrator(driver, schema=schema).migrate_up()
        finally:
            driver.close()
        return subprocess.run(
            [sys.executable, str(program)], capture_output=True, text=True, timeout=120,
            cwd=cwd,
            env={**os.environ, **(env or {}),
                 "DATABASE_URL": with_search_path(database_url, schema)},
        )
    finally:
        drop_schema(database_url, schema)

"""The first hour with the ``river`` command, as installed: an unmigrated database, the
URLs users copy from elsewhere, ``--debug`` anywhere, a closed pipe, and inserting a job
from the shell (``river job insert``). Each runs ``python -m river`` on every driver."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests._db import admin_execute, selected_drivers

DRIVERS = selected_drivers()


def river_cli(*args: str, env: dict[str, str] | None = None, **kw: Any) -> Any:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return subprocess.run(
        [sys.executable, "-m", "river", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, "DATABASE_URL": "", "RIVER_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})},
        **kw,
    )


def one_line_error(done: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert done.returncode == code, done
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("river: "), done.stderr
    return lines[0]


# -- a database without River's tables -------------------------------------------------


@pytest.mark.parametrize("driver_name", DRIVERS)
@pytest.mark.parametrize(
    "command", [["job", "list"], ["queue", "list"], ["job", "get", "1"], ["stats"]]
)
def test_unmigrated_schema_says_what_to_run(
    driver_name: str, command: list[str], database_url: str, fresh_schema: str
) -> None:
    done = river_cli(
        *command, "--database-url", database_url, "--schema", fresh_schema, "--driver", driver_name
    )
    line = one_line_error(done)
    assert f"River's tables are not in schema {fresh_schema}" in line
    assert f"river migrate-up --database-url {database_url} --schema {fresh_schema}" in line
    assert "SELECT" not in line and "FROM" not in line  # no SQL fragment


def test_unmigrated_schema_from_database_url_needs_no_url_flag(
    database_url: str, fresh_schema: str
) -> None:
    done = river_cli("job", "list", "--schema", fresh_schema, env={"DATABASE_URL": database_url})
    line = one_line_error(done)
    assert f"run `river migrate-up --schema {fresh_schema}` first" in line


# -- URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize("driver_name", DRIVERS)
@pytest.mark.parametrize(
    "scheme", ["postgres", "postgresql+asyncpg", "postgresql+psycopg", "postgresql+psycopg2"]
)
def test_sqlalchemy_and_postgres_urls_work(
    driver_name: str, scheme: str, database_url: str, schema: str
) -> None:
    url = scheme + database_url[len("postgresql") :]
    done = river_cli("job", "list", "--json", "--database-url", url, "--schema", schema,
                     "--driver", driver_name)
    assert done.returncode == 0, done
    assert json.loads(done.stdout) == []
    # The same URL from the environment, as the FastAPI example exports it.
    done = river_cli("job", "list", "--schema", schema, "--driver", driver_name,
                     env={"DATABASE_URL": url})
    assert done.returncode == 0, done


@pytest.mark.parametrize("driver_name", DRIVERS)
@pytest.mark.parametrize(
    ("url", "words"),
    [("mysql://u:secret@h/db", "not a PostgreSQL URL"), ("localhost/db", "not a database URL")],
)
def test_unusable_urls_get_one_line(driver_name: str, url: str, words: str) -> None:
    line = one_line_error(river_cli("job", "list", "--database-url", url, "--driver", driver_name))
    assert words in line and "secret" not in line and 'missing "="' not in line
    # migrate-list still lists the bundled migrations, and says the database was not read.
    done = river_cli("migrate-list", "--database-url", url, "--driver", driver_name)
    assert done.returncode == 1, done
    assert "001 create_river_migration" in done.stdout and words in done.stderr


# -- --debug, and a closed pipe ------------------------------------------------------------


def test_debug_after_the_subcommand_shows_the_traceback(tmp_path: Any) -> None:
    (tmp_path / "broken_app.py").write_text("raise RuntimeError('boom at import')\n")
    for argv in (["--debug", "worker", "broken_app:client"],
                 ["worker", "broken_app:client", "--debug"]):
        done = river_cli(*argv, cwd=tmp_path)
        assert done.returncode == 1, done
        assert "Traceback" in done.stderr and "boom at import" in done.stderr
        assert "run with --debug" not in done.stderr  # it was given
    done = river_cli("worker", "broken_app:client", cwd=tmp_path)
    line = one_line_error(done)
    assert "boom at import" in line and "(run with --debug for a traceback)" in line


def test_closed_pipe_exits_quietly() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line: as `river … | head -0`
    try:
        done = subprocess.run(
            [sys.executable, "-m", "river", "migrate-get", "--all", "--up"],
            stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 141  # as a program stopped by SIGPIPE


# -- river job insert -------------------------------------------------------------------


@pytest.mark.parametrize("driver_name", DRIVERS)
def test_job_insert_prints_the_new_id(driver_name: str, database_url: str, schema: str) -> None:
    db = ["--database-url", database_url, "--schema", schema, "--driver", driver_name]
    args = {"email": "ünï@example.com", "n": 2**70, "deep": [[[{"x": None}]]], "rtl": "\u202e"}
    done = river_cli(
        "job", "insert", "send_email", "--args", json.dumps(args), "--queue", "mail",
        "--priority", "3", "--max-attempts", "5", "--tag", "billing", "--tag", "eu_west",
        "--scheduled-at", "2030-01-02T03:04:05+02:00", *db,
    )
    assert done.returncode == 0, done
    job_id = int(done.stdout)
    rows = admin_execute(
        database_url,
        f'SELECT kind, args, queue, priority, max_attempts, tags, state, scheduled_at '
        f'FROM "{schema}".river_job WHERE id = %s',
        (job_id,),
    )
    kind, stored, queue, priority, max_attempts, tags, state, scheduled_at = rows[0]
    assert (kind, stored, queue, priority, max_attempts, tags, state) == (
        "send_email", args, "mail", 3, 5, ["billing", "eu_west"], "scheduled"
    )
    assert scheduled_at.isoformat() == "2030-01-02T01:04:05+00:00"


@pytest.mark.parametrize("driver_name", DRIVERS)
def test_job_insert_unique_by_args_prints_the_existing_id(
    driver_name: str, database_url: str, schema: str
) -> None:
    db = ["--database-url", database_url, "--schema", schema, "--driver", driver_name]
    first = river_cli("job", "insert", "report", "--args", '{"day": 1}', "--unique-by-args", *db)
    assert first.returncode == 0, first
    again = river_cli(
        "job", "insert", "report", "--args", '{"day": 1}', "--unique-by-args", "--json", *db
    )
    assert again.returncode == 0, again
    record = json.loads(again.stdout)
    assert record["id"] == int(first.stdout) and record["unique_skipped_as_duplicate"] is True
    assert "already exists" in again.stderr
    count = admin_execute(database_url, f'SELECT count(*) FROM "{schema}".river_job')
    assert count == [(1,)]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--args", "[1, 2]"], "must be a JSON object"),
        (["--args", "{nope"], "not valid JSON"),
        (["--args", '{"x": NaN}'], "NaN is not JSON"),
        (["--priority", "9"], "invalid choice"),
        (["--max-attempts", "0"], "must be at least 1"),
        (["--scheduled-at", "2030-01-01T00:00:00"], "has no timezone"),
        (["--scheduled-at", "tomorrow"], "not an ISO 8601 time"),
    ],
)
def test_job_insert_bad_usage_exits_2_before_connecting(extra: list[str], words: str) -> None:
    # No database given at all: the arguments are refused first.
    done = river_cli("job", "insert", "k", *extra)
    assert done.returncode == 2, done
    assert words in done.stderr and done.stdout == ""


def test_job_insert_on_an_unmigrated_schema(database_url: str, fresh_schema: str) -> None:
    done = river_cli("job", "insert", "k", "--database-url", database_url, "--schema",
                     fresh_schema)
    assert f"River's tables are not in schema {fresh_schema}" in one_line_error(done)


@pytest.mark.parametrize("driver_name", DRIVERS)
def test_a_silent_server_is_one_line_naming_it(driver_name: str) -> None:
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)  # accepts (the kernel does) and never answers
    try:
        port = server.getsockname()[1]
        done = river_cli("job", "list", "--database-url", f"postgresql://u:pw@127.0.0.1:{port}/db",
                         "--connect-timeout", "1", "--driver", driver_name)
    finally:
        server.close()
    line = one_line_error(done)
    assert f"no answer from the database server at 127.0.0.1:{port}" in line
    assert ":pw@" not in line

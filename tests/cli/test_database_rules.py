"""How the ``river`` program finds its database: ``--database-url``, ``DATABASE_URL``,
libpq's ``PG*`` variables (or service), never a local server unless asked (``--local``)
or benchmarking; a local server stops with the command unless ``--keep-local``.

Every command runs as a real ``river`` process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests._db import admin, selected_drivers

DRIVERS = selected_drivers()
NO_DATABASE = (
    "river: error: no database given: pass --database-url, set DATABASE_URL, or set libpq's "
    "PGHOST/PGPORT/PGDATABASE/PGUSER (or PGSERVICE); --local uses a local PostgreSQL"
)


def _base_env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.pop("DATABASE_URL", None)
    env["XDG_CACHE_HOME"] = str(cache)
    return env


def river(*args: str, cache: Path, env: dict[str, str] | None = None,
          timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "river", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**_base_env(cache), **(env or {})},
    )


def _accepts(port: int) -> bool:
    from river.cli.localpg import server

    return server.accepts_connections(port)


@pytest.fixture
def cache() -> Iterator[Path]:
    """An empty cache directory (no local server in it)."""
    home = Path(tempfile.mkdtemp(prefix="river-cache-"))
    home.chmod(0o755)  # as root, the server's account must enter it
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def local_cache() -> Iterator[Path]:
    """A cache directory whose local server is initialised once for the module and
    stopped at its end."""
    home = Path(tempfile.mkdtemp(prefix="river-cache-"))
    home.chmod(0o755)
    try:
        yield home
    finally:
        river("local", "stop", cache=home)
        shutil.rmtree(home, ignore_errors=True)


def _pg_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    return {
        "PGHOST": parts.hostname or "",
        "PGPORT": str(parts.port or 5432),
        "PGUSER": parts.username or "",
        "PGDATABASE": parts.path.lstrip("/"),
        **({"PGPASSWORD": parts.password} if parts.password else {}),
    }


def _tables(url: str, schema: str) -> set[str]:
    with admin(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
        ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.parametrize(
    "command",
    [["migrate-up"], ["migrate-down"], ["validate"], ["migrate-up", "--dry-run"]],
    ids=lambda c: " ".join(c),
)
def test_without_a_database_commands_refuse_in_one_line(cache: Path, command: list[str]) -> None:
    done = river(*command, cache=cache, env={"DATABASE_URL": "", "PGPASSWORD": "x"})
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [NO_DATABASE]
    assert not (cache / "river-queue").exists()  # no local server was set up


def test_migrate_list_without_a_database_lists_without_a_server(cache: Path) -> None:
    done = river("migrate-list", cache=cache)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "001 create_river_migration"
    assert done.stderr == ""
    assert not (cache / "river-queue").exists()


@pytest.mark.parametrize("name", DRIVERS)
def test_pg_variables_choose_the_database_for_every_driver(
    database_url: str, fresh_schema: str, cache: Path, name: str
) -> None:
    env = _pg_env(database_url)
    db = ["--schema", fresh_schema, "--driver", name]
    up = river("migrate-up", *db, cache=cache, env=env)
    assert up.returncode == 0, up.stderr
    assert "river_job" in _tables(database_url, fresh_schema)
    listed = river("migrate-list", *db, cache=cache, env=env)
    assert listed.stdout.splitlines()[0] == "* 001 create_river_migration", listed.stderr
    assert river("validate", *db, cache=cache, env=env).returncode == 0
    assert not (cache / "river-queue").exists()


@pytest.mark.parametrize("name", DRIVERS)
def test_pg_service_wins_over_pg_variables_for_every_driver(
    database_url: str, fresh_schema: str, cache: Path, tmp_path: Path, name: str
) -> None:
    # As libpq: a service's parameters come before the PG* variables'. asyncpg on its
    # own would ignore PGSERVICE and try the bogus PGHOST.
    pg = _pg_env(database_url)
    service_file = tmp_path / "services.conf"
    service_file.write_text(
        "[other]\nhost=nowhere.invalid\n\n[river_test]\n"
        + "".join(f"{k[2:].lower().replace('database', 'dbname')}={v}\n" for k, v in pg.items())
    )
    env = {"PGSERVICEFILE": str(service_file), "PGSERVICE": "river_test",
           "PGHOST": "nowhere.invalid", "PGPORT": "1"}
    up = river("migrate-up", "--schema", fresh_schema, "--driver", name, cache=cache, env=env)
    assert up.returncode == 0, up.stderr
    assert "river_job" in _tables(database_url, fresh_schema)


def test_unknown_service_is_one_line(cache: Path, tmp_path: Path) -> None:
    service_file = tmp_path / "services.conf"
    service_file.write_text("[a]\nhost=h\n")
    env = {"PGSERVICEFILE": str(service_file), "PGSERVICE": "b"}
    done = river("validate", cache=cache, env=env)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f'river: error: definition of service "b" not found (looked in {service_file})'
    ]


def test_asyncpg_refuses_what_it_cannot_honour(cache: Path) -> None:
    env = {"PGHOST": "127.0.0.1", "PGREQUIREAUTH": "scram-sha-256"}
    done = river("validate", "--driver", "asyncpg", cache=cache, env=env)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "river: error: the asyncpg driver cannot honour PGREQUIREAUTH; unset it or choose "
        "--driver psycopg3 or psycopg2"
    ]


def test_local_and_a_url_conflict(cache: Path) -> None:
    done = river("validate", "--local", "--database-url", "postgresql://h/db", cache=cache)
    assert done.returncode == 1
    assert "--local and a database URL" in done.stderr
    assert not (cache / "river-queue").exists()


def _announced_port(stderr: str) -> int:
    line = next(x for x in stderr.splitlines() if "local PostgreSQL" in x)
    return int(line.split("127.0.0.1:")[1].split("/")[0])


def test_local_server_stops_with_the_command_unless_kept(local_cache: Path) -> None:
    db = ["--schema", "public"]
    once = river("migrate-up", "--local", *db, cache=local_cache)
    assert once.returncode == 0, once.stderr
    assert once.stderr.startswith("river: started local PostgreSQL ")
    assert "stopped when this command ends (--keep-local keeps it)" in once.stderr
    port = _announced_port(once.stderr)
    assert not _accepts(port)
    assert ": stopped (data in " in river("local", "status", cache=local_cache).stdout

    kept = river("validate", "--keep-local", cache=local_cache)
    assert kept.returncode == 0, kept.stderr  # the data stayed: migrated above
    assert "kept running afterwards (river local stop stops it)" in kept.stderr
    port = _announced_port(kept.stderr)
    assert _accepts(port)
    status = river("local", "status", cache=local_cache).stdout
    assert f"running at postgresql://postgres@127.0.0.1:{port}/river" in status

    reused = river("validate", "--local", cache=local_cache)
    assert reused.returncode == 0, reused.stderr
    assert reused.stderr.startswith("river: using the local PostgreSQL ")
    assert _accepts(port)  # not ours to stop

    stopped = river("local", "stop", cache=local_cache)
    assert stopped.stdout.startswith("stopped local PostgreSQL (data in ")
    assert not _accepts(port)
    assert river("local", "stop", cache=local_cache).stdout == "no local PostgreSQL was running\n"


def test_bench_without_a_database_uses_a_local_server_and_stops_it(local_cache: Path) -> None:
    done = river("bench", "-n", "200", "--json", cache=local_cache)
    assert done.returncode == 0, done.stderr
    assert "river: started local PostgreSQL " in done.stderr
    assert '"jobs": 200' in done.stdout
    assert not _accepts(_announced_port(done.stderr))


def test_local_server_of_a_killed_command_is_stopped(local_cache: Path) -> None:
    program = (
        "import argparse, os, signal\n"
        "from river.cli._common import resolve_database_url\n"
        "print(resolve_database_url(argparse.Namespace(local=True)), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=180,
        env=_base_env(local_cache),
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    port = int(urlsplit(done.stdout.strip()).port or 0)
    deadline = time.monotonic() + 30
    while _accepts(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _accepts(port)
    status = river("local", "status", cache=local_cache).stdout
    assert ": stopped (data in " in status  # stopped, its data kept

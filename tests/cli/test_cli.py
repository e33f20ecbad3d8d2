"""The ``river`` command line, run as ``python -m river`` against a real database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from river.migrate import get_migration_sql
from tests._db import admin, selected_drivers

NAMES = [
    "create_river_migration",
    "initial_schema",
    "river_job_tags_non_null",
    "pending_and_more",
    "migration_unique_client",
    "bulk_unique",
    "notification_outbox_sqlite_jsonb_and_sql_cleanup",
    "job_id_autoincrement",
]
DRIVERS = selected_drivers()


def river(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "river", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DATABASE_URL": "", **(env or {})},
    )


def river_objects(url: str, schema: str) -> list[str]:
    with admin(url) as conn:
        rows = conn.execute(
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %(s)s UNION ALL SELECT typname FROM pg_type t "
            "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = %(s)s "
            "UNION ALL SELECT proname FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(s)s",
            {"s": schema},
        ).fetchall()
    return [r[0] for r in rows]


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done
    assert done.stdout == "" and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("river: error: "), done.stderr
    return lines[0]


def test_migrate_up_validate_list_down(database_url: str, fresh_schema: str) -> None:
    db = ["--database-url", database_url, "--schema", fresh_schema]
    invalid = river("validate", *db)
    assert invalid.returncode == 1
    assert invalid.stderr.strip() == "Unapplied migrations: [1, 2, 3, 4, 5, 6, 7, 8]"

    up = river("migrate-up", *db)
    assert up.returncode == 0, up.stderr
    lines = up.stdout.splitlines()
    assert [line.split(" [")[0] for line in lines] == [
        f"applied migration {v:03d}" for v in range(1, 9)
    ]
    assert lines[7].split()[:5] == ["applied", "migration", "008", "[up]", NAMES[7]]
    assert river("migrate-up", *db).stdout == "no migrations to apply\n"

    valid = river("validate", *db)
    assert valid.returncode == 0 and "up to date" in valid.stdout

    listed = river("migrate-list", *db)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [f"* {v:03d} {n}" for v, n in enumerate(NAMES, 1)]

    one = river("migrate-down", *db)  # one step by default
    assert one.returncode == 0 and one.stdout.startswith("applied migration 008 [down] ")
    assert river("migrate-list", *db).stdout.splitlines()[7] == f"  008 {NAMES[7]}"

    down = river("migrate-down", *db, "--target-version", "0")
    assert down.returncode == 0, down.stderr
    assert [line.split(" [")[0] for line in down.stdout.splitlines()] == [
        f"applied migration {v:03d}" for v in range(7, 0, -1)
    ]
    assert river_objects(database_url, fresh_schema) == []
    assert river("validate", *db).returncode == 1


@pytest.mark.parametrize("name", DRIVERS)
def test_each_driver_migrates(database_url: str, fresh_schema: str, name: str) -> None:
    db = ["--database-url", database_url, "--schema", fresh_schema, "--driver", name]
    up = river("migrate-up", *db, "--max-steps", "3")
    assert up.returncode == 0, up.stderr
    assert len(up.stdout.splitlines()) == 3
    up = river("migrate-up", *db, "--target-version", "5")
    assert [line[:21] for line in up.stdout.splitlines()] == [
        "applied migration 004",
        "applied migration 005",
    ]
    listed = river("migrate-list", *db).stdout.splitlines()
    assert [line[:2] for line in listed] == ["* "] * 5 + ["  "] * 3
    down = river("migrate-down", *db, "--target-version", "2")
    assert down.returncode == 0 and len(down.stdout.splitlines()) == 3
    assert river("migrate-down", *db, "--target-version", "0").returncode == 0
    assert river_objects(database_url, fresh_schema) == []


def test_dry_run_shows_sql_and_changes_nothing(database_url: str, fresh_schema: str) -> None:
    db = ["--database-url", database_url, "--schema", fresh_schema]
    dry = river("migrate-up", *db, "--dry-run", "--show-sql", "--max-steps", "2")
    assert dry.returncode == 0, dry.stderr
    assert "migration 001 [up] create_river_migration [DRY RUN]" in dry.stdout
    assert "-- River main migration 002 [up]" in dry.stdout
    assert f'CREATE TABLE "{fresh_schema}".river_job (' in dry.stdout
    assert river_objects(database_url, fresh_schema) == []


def test_migrate_list_without_a_database() -> None:
    listed = river("migrate-list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [f"{v:03d} {n}" for v, n in enumerate(NAMES, 1)]


def test_migrate_get() -> None:
    got = river("migrate-get", "--version", "6", "--up", "--schema", "s")
    assert got.returncode == 0, got.stderr
    assert got.stdout == (
        "-- River main migration 006 [up]\n" + get_migration_sql(6, "up", "s").strip() + "\n"
    )
    assert 'CREATE UNIQUE INDEX IF NOT EXISTS river_job_unique_idx ON "s".river_job' in got.stdout

    two = river("migrate-get", "--version", "3,2", "--down").stdout
    assert two.index("migration 003 [down]") < two.index("migration 002 [down]")
    assert "TEMPLATE" not in two and "DROP TABLE river_job;" in two

    everything = river("migrate-get", "--all", "--down", "--exclude-version", "1").stdout
    headers = [line for line in everything.splitlines() if line.startswith("-- River main")]
    assert headers == [f"-- River main migration {v:03d} [down]" for v in range(8, 1, -1)]

    assert river("migrate-get", "--version", "1").returncode == 2  # --up or --down needed
    assert "migration 9 not found" in one_line_error(river("migrate-get", "--version", "9", "--up"))


def test_version() -> None:
    import river as r

    done = river("version")
    assert done.returncode == 0 and done.stdout == f"river-queue {r.__version__}\n"


@pytest.mark.parametrize("name", DRIVERS)
def test_unreachable_database_is_one_line_without_password(name: str) -> None:
    url = "postgresql://someone:s3cret@127.0.0.1:1/nowhere"
    line = one_line_error(river("validate", "--database-url", url, "--driver", name))
    assert "s3cret" not in line and "cannot connect to postgresql://someone:***@127.0.0.1:1" in line
    env_url = river("migrate-up", env={"DATABASE_URL": url})
    assert "s3cret" not in one_line_error(env_url)


def test_bad_options_are_one_line_errors(database_url: str, fresh_schema: str) -> None:
    db = ["--database-url", database_url]
    assert "invalid schema name" in one_line_error(river("migrate-up", *db, "--schema", "a-b"))
    assert "no driver named 'nope'" in one_line_error(river("validate", *db, "--driver", "nope"))
    assert "did you mean 'main'" in one_line_error(river("migrate-up", *db, "--line", "mian"))
    db += ["--schema", fresh_schema]
    assert "not a valid River migration version" in one_line_error(
        river("migrate-up", *db, "--target-version", "9")
    )
    assert "not applied" in one_line_error(river("migrate-down", *db, "--target-version", "3"))


def test_redact() -> None:
    from river.cli import redact

    assert redact("at postgresql://u:pw@h/db") == "at postgresql://u:***@h/db"
    assert redact("host=h password='a b' user=u") == "host=h password=*** user=u"
    url = "postgresql://u:p%40ss@h/db"
    assert "p@ss" not in redact("failed for p@ss at " + url, url)


@pytest.mark.parametrize("name", ["psycopg3", "psycopg2", "asyncpg"])
def test_plugin_registry_finds_drivers(name: str) -> None:
    from river.plugins.manager import driver_specs, get_driver_class

    spec = driver_specs()[name]
    if spec.load_sync:
        assert get_driver_class(name, is_async=False).name == name  # type: ignore[attr-defined]
    if spec.load_async:
        assert get_driver_class(name, is_async=True).name == name  # type: ignore[attr-defined]


def test_plugin_registry_errors() -> None:
    import river as r
    from river.plugins.manager import get_driver_class

    with pytest.raises(r.DriverNotFoundError, match="sync-only"):
        get_driver_class("psycopg2", is_async=True)
    with pytest.raises(r.DriverNotFoundError, match="available: asyncpg"):
        get_driver_class("mysql", is_async=False)


def test_import_river_imports_no_database_library() -> None:
    code = (
        "import sys, river, river.plugins.manager, river_asyncpg, river_psycopg2;"
        "river.plugins.manager.driver_specs();"
        "bad = [m for m in ('psycopg', 'psycopg2', 'asyncpg') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_missing_library_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['asyncpg'] = None\n"
        "import river_asyncpg\n"
        "try:\n    river_asyncpg.AsyncpgDriver\n"
        "except ImportError as e:\n    print(type(e).__name__, e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "MissingDriverExtraError" in done.stdout
    assert 'pip install "river-queue[asyncpg]"' in done.stdout


@pytest.mark.parametrize("name", ["asyncpg", "psycopg3", "psycopg2"])
def test_bench_json(database_url: str, name: str) -> None:
    done = river("bench", "--database-url", database_url, "--driver", name, "-n", "300", "--json")
    assert done.returncode == 0, done.stderr
    import json

    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["jobs"] == 300 and result["driver"] == name
    assert result["jobs_per_sec_worked"] > 0 and result["plain_copy_jobs_per_sec"] > 0

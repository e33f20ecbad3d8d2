"""The ``river`` command line against a real database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def river(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "river", *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_migrate_up_validate_list_down(database_url: str, fresh_schema: str) -> None:
    db = ["--database-url", database_url, "--schema", fresh_schema]
    assert river("validate", *db).returncode == 1
    up = river("migrate-up", *db)
    assert up.returncode == 0, up.stderr
    assert "applied 007 notification_outbox_sqlite_jsonb_and_sql_cleanup" in up.stdout
    ok = river("validate", *db)
    assert ok.returncode == 0 and "up to date" in ok.stdout
    listed = river("migrate-list", *db)
    assert listed.returncode == 0
    assert [line[:5] for line in listed.stdout.splitlines()] == [
        f"* {v:03d}" for v in range(1, 8)
    ]
    down = river("migrate-down", *db, "--target-version", "0")
    assert down.returncode == 0 and "removed 001" in down.stdout
    assert river("validate", *db).returncode == 1


def test_migrate_list_and_get_need_no_database() -> None:
    listed = river("migrate-list", env={"DATABASE_URL": ""})
    assert listed.returncode == 0 and "  001 create_river_migration" in listed.stdout
    got = river("migrate-get", "--version", "6", "--up", "--schema", "s")
    assert got.returncode == 0 and 'CREATE UNIQUE INDEX IF NOT EXISTS river_job_unique_idx ON "s".river_job' in got.stdout
    assert river("version").stdout.startswith("river-queue ")


def test_errors_are_one_line_and_hide_passwords() -> None:
    bad = river("validate", "--database-url",
                "postgresql://user:s3cret@127.0.0.1:1/nowhere", "--driver", "psycopg2")
    assert bad.returncode == 1
    assert "s3cret" not in bad.stderr and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("river:")
    unknown = river("validate", "--database-url", "postgresql://x@127.0.0.1:1/db",
                    "--driver", "nope")
    assert unknown.returncode == 1 and "no driver named 'nope'" in unknown.stderr


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
    done = river("bench", "--database-url", database_url, "--driver", name, "-n", "300",
                 "--json")
    assert done.returncode == 0, done.stderr
    import json

    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["jobs"] == 300 and result["driver"] == name
    assert result["jobs_per_sec_worked"] > 0 and result["plain_copy_jobs_per_sec"] > 0

"""Migrations across languages on one schema: what ``river migrate-up`` applies River
Go's migrator validates, and the reverse; down migrations likewise; both leave the same
tables, indexes, functions and types; and the SQL ``river migrate-get`` prints does what
River Go's does, version by version, up and down."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest

from river.migrate import migrations
from tests._db import admin, create_schema, drop_schema, selected_drivers
from tests.interop._gopeer import GoPeer, GoPeerError

VERSIONS = [m.version for m in migrations()]


def river_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "river", *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, "DATABASE_URL": ""},
    )


def _cli(url: str, schema: str, driver: str, *args: str) -> subprocess.CompletedProcess[str]:
    done = river_cli(*args, "--database-url", url, "--schema", schema, "--driver", driver)
    assert done.returncode in (0, 1), done.stderr
    return done


def _code(body: str) -> str:
    """A function body without its comments and layout."""
    body = re.sub(r"--[^\n]*", "", body)
    return re.sub(r"\s*([(),;=])\s*", r"\1", re.sub(r"\s+", " ", body)).strip()


def _catalog(url: str, schema: str) -> dict[str, list[tuple[object, ...]]]:
    """River's objects in ``schema``, with the schema's name taken out (and function
    bodies' comments and layout)."""
    queries = {
        "columns": "SELECT table_name, column_name, data_type, udt_name, column_default, "
        "is_nullable, character_maximum_length FROM information_schema.columns "
        "WHERE table_schema = %(s)s",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %(s)s",
        "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
        "WHERE n.nspname = %(s)s",
        "functions": "SELECT proname, pg_get_function_arguments(p.oid), "
        "pg_get_function_result(p.oid), prosrc, provolatile FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(s)s",
        "types": "SELECT typname, array_to_string(array(SELECT enumlabel FROM pg_enum e "
        "WHERE e.enumtypid = t.oid ORDER BY enumsortorder), ',') FROM pg_type t "
        "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = %(s)s",
        "triggers": "SELECT event_object_table, trigger_name, action_statement "
        "FROM information_schema.triggers WHERE trigger_schema = %(s)s",
    }
    name = re.compile(r'"?\b' + re.escape(schema) + r'\b"?\.')
    out = {}
    with admin(url) as conn:
        for key, sql in queries.items():
            rows = conn.execute(sql, {"s": schema}).fetchall()
            if key == "functions":
                rows = [(*row[:3], _code(row[3]), row[4]) for row in rows]
            out[key] = sorted(
                tuple(name.sub("", v) if isinstance(v, str) else v for v in row) for row in rows
            )
    return out


def _differences(
    a: dict[str, list[tuple[object, ...]]], b: dict[str, list[tuple[object, ...]]]
) -> dict[str, tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]:
    """{kind of object: (only in a, only in b)} where the catalogs differ."""
    out = {}
    for key in a:
        only_a = [r for r in a[key] if r not in b[key]]
        only_b = [r for r in b[key] if r not in a[key]]
        if only_a or only_b:
            out[key] = (only_a, only_b)
    return out


@pytest.mark.parametrize("cli_driver", selected_drivers())
def test_migrations_across_languages(
    gopeer: GoPeer, database_url: str, fresh_schema: str, cli_driver: str
) -> None:
    url, schema = database_url, fresh_schema

    def go(**request: object) -> dict[str, object]:
        return gopeer.migrate(schema, **request)  # type: ignore[no-any-return]

    # The versions the peer's River release knows: v0.43 stops at 7, river-queue and later
    # releases go on (8 is a no-op on PostgreSQL).
    known: list[int] = gopeer.migrate(schema, action="all")["versions"]
    assert known == VERSIONS[: len(known)]
    assert go(action="validate")["ok"] is False
    # river migrate-up, then River Go's migrator finds every version applied.
    assert _cli(url, schema, cli_driver, "migrate-up").returncode == 0
    assert go(action="validate") == {"ok": True, "messages": []}
    if known == VERSIONS:
        assert go(action="existing")["versions"] == VERSIONS
    else:
        # An older River release lists applied versions only while it knows them all, as
        # it does on a schema a newer River Go migrated (documented).
        with pytest.raises(GoPeerError, match=f"migration {VERSIONS[-1]} not found"):
            go(action="existing")
    assert go(action="up")["versions"] == []
    by_python = _catalog(url, schema)
    # river migrate-down part of the way: River Go sees what is left and applies the rest.
    assert _cli(url, schema, cli_driver, "migrate-down", "--target-version", "4").returncode == 0
    assert go(action="existing")["versions"] == VERSIONS[:4]
    assert go(action="validate")["ok"] is False
    assert [v["version"] for v in go(action="up")["versions"]] == known[4:]
    # river-queue applies what River Go does not know (nothing, when it knows them all).
    assert _cli(url, schema, cli_driver, "migrate-up").returncode == 0
    assert _cli(url, schema, cli_driver, "validate").returncode == 0
    assert _differences(_catalog(url, schema), by_python) == {}
    # River Go migrates down all the way; river-queue finds nothing applied, and tables gone.
    assert [v["version"] for v in go(action="down", target_version=-1)["versions"]] == (
        known[::-1]
    )
    assert _cli(url, schema, cli_driver, "validate").returncode == 1
    assert _catalog(url, schema) == {k: [] for k in by_python}
    # River Go migrates up; river-queue validates, and the schema is the one it builds.
    assert [v["version"] for v in go(action="up")["versions"]] == known
    assert _cli(url, schema, cli_driver, "validate").returncode == (0 if known == VERSIONS else 1)
    assert _cli(url, schema, cli_driver, "migrate-up").returncode == 0
    assert _cli(url, schema, cli_driver, "validate").returncode == 0
    assert _differences(_catalog(url, schema), by_python) == {}
    # Down by river-queue one step: River Go sees the last version gone.
    _cli(url, schema, cli_driver, "migrate-down", "--max-steps", "1")
    assert go(action="existing")["versions"] == VERSIONS[:-1]


def _cli_sql(schema: str, direction: str) -> dict[int, str]:
    done = river_cli("migrate-get", "--all", f"--{direction}", "--schema", schema)
    assert done.returncode == 0, done.stderr
    parts = re.split(r"^-- River main migration (\d{3}) \[(?:up|down)\]\n", done.stdout, flags=re.M)
    assert parts[0] == ""
    return {int(v): sql.strip() for v, sql in zip(parts[1::2], parts[2::2], strict=True)}


def _column(catalog: dict[str, list[tuple[object, ...]]], name: str) -> list[tuple[object, ...]]:
    return [row for row in catalog["columns"] if row[:2] == ("river_job", name)]


def _only_metadata_nullable(differences: dict[str, Any]) -> bool:
    """River Go's 004 down drops river_job.metadata's NOT NULL and default, which its 002
    up created: the schema it leaves at 3 differs from its own 3 in that column only."""
    if set(differences) != {"columns"}:
        return False
    return all(row[:2] == ("river_job", "metadata") for side in differences["columns"]
               for row in side)


def test_migrate_get_sql_does_what_river_go_sql_does(
    gopeer: GoPeer, database_url: str, fresh_schema: str
) -> None:
    """``river migrate-get`` prints river-queue's own SQL (its comments and layout differ
    from River Go's files): applied version by version it leaves the schema River Go's
    migrator leaves after the same version, up and down, except that River Go's 004 down
    drops river_job.metadata's NOT NULL and default (documented)."""
    ours, theirs = fresh_schema, fresh_schema + "_go"
    create_schema(database_url, theirs)
    try:
        up_sql, down_sql = _cli_sql(ours, "up"), _cli_sql(ours, "down")
        assert list(up_sql) == VERSIONS and list(down_sql) == VERSIONS[::-1]
        # The versions both know (River Go v0.43 stops at 7).
        known = gopeer.migrate(theirs, action="all")["versions"]
        assert known == VERSIONS[: len(known)]
        at = {0: _catalog(database_url, theirs)}  # River Go's schema at each version, going up
        for version in known:
            ran = gopeer.migrate(theirs, action="up", max_steps=1)["versions"]
            assert [v["version"] for v in ran] == [version]
            with admin(database_url) as conn, conn.transaction():
                conn.execute(up_sql[version])
            at[version] = _catalog(database_url, theirs)
            assert _differences(_catalog(database_url, ours), at[version]) == {}, version
        for version in known[::-1]:
            ran = gopeer.migrate(theirs, action="down", max_steps=1)["versions"]
            assert [v["version"] for v in ran] == [version]
            with admin(database_url) as conn, conn.transaction():
                conn.execute(down_sql[version])
            ours_now = _catalog(database_url, ours)
            differences = _differences(ours_now, _catalog(database_url, theirs))
            if version in (4, 3):
                assert _only_metadata_nullable(differences), differences
                # river-queue's metadata column is the one River Go's own up to this
                # version makes.
                assert _column(ours_now, "metadata") == _column(at[version - 1], "metadata")
            else:
                assert differences == {}, version
    finally:
        drop_schema(database_url, theirs)

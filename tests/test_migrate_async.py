"""Migrations produce River's catalog, go down to nothing, and upgrade v6 databases."""

from __future__ import annotations

from typing import Any

import pytest

from river.migrate import AsyncMigrator, get_migration_sql
from tests._db import admin

pytestmark = pytest.mark.anyio

RIVER_JOB_COLUMNS = [
    ("id", "bigint", "nextval"), ("state", "river_job_state", "'available'"),
    ("attempt", "smallint", "0"), ("max_attempts", "smallint", "25"),
    ("attempted_at", "timestamp with time zone", None),
    ("created_at", "timestamp with time zone", "now()"),
    ("finalized_at", "timestamp with time zone", None),
    ("scheduled_at", "timestamp with time zone", "now()"), ("priority", "smallint", "1"),
    ("args", "jsonb", None), ("attempted_by", "text[]", None), ("errors", "jsonb[]", None),
    ("kind", "text", None), ("metadata", "jsonb", "'{}'"), ("queue", "text", "'default'"),
    ("tags", "character varying(255)[]", "'{}'"), ("unique_key", "bytea", None),
    ("unique_states", "bit(8)", None),
]


def _catalog(url: str, schema: str, sql: str) -> list[tuple[Any, ...]]:
    with admin(url) as conn:
        return list(conn.execute(sql, {"s": schema}).fetchall())


def _objects(url: str, schema: str) -> set[str]:
    rows = _catalog(
        url, schema,
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %(s)s UNION ALL SELECT t.typname FROM pg_type t JOIN pg_namespace n "
        "ON n.oid = t.typnamespace WHERE n.nspname = %(s)s AND t.typtype = 'e' UNION ALL "
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = %(s)s",
    )
    return {r[0] for r in rows}


async def test_up_matches_river_catalog(adriver: Any, fresh_schema: str,
                                        database_url: str) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    result = await migrator.migrate_up()
    assert [v.version for v in result.versions] == [1, 2, 3, 4, 5, 6, 7]
    assert await migrator.existing_versions() == [1, 2, 3, 4, 5, 6, 7]
    assert (await migrator.validate()).ok

    cols = _catalog(
        database_url, fresh_schema,
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
        "pg_get_expr(d.adbin, d.adrelid), a.attnotnull FROM pg_attribute a "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = (quote_ident(%(s)s) || '.river_job')::regclass "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
    )
    assert [c[0] for c in cols] == [c[0] for c in RIVER_JOB_COLUMNS]
    for (name, typ, default, _nn), (_, etyp, edefault) in zip(
        cols, RIVER_JOB_COLUMNS, strict=True
    ):
        assert typ.endswith(etyp), (name, typ)
        assert (default is None) == (edefault is None), (name, default)
        if edefault:
            assert default.startswith(edefault), (name, default)
    not_null = {c[0] for c in cols if c[3]}
    assert not_null == {"id", "state", "attempt", "max_attempts", "created_at",
                        "scheduled_at", "priority", "args", "kind", "metadata", "queue", "tags"}

    constraints = dict(_catalog(
        database_url, fresh_schema,
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = (quote_ident(%(s)s) || '.river_job')::regclass",
    ))
    assert set(constraints) == {"river_job_pkey", "max_attempts_is_positive",
                                "priority_in_range", "finalized_or_finalized_at_null",
                                "queue_length", "kind_length"}
    indexes = dict(_catalog(
        database_url, fresh_schema,
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %(s)s "
        "AND tablename = 'river_job'",
    ))
    assert set(indexes) == {"river_job_pkey", "river_job_kind", "river_job_args_index",
                            "river_job_metadata_index", "river_job_prioritized_fetching_index",
                            "river_job_state_and_finalized_at_index", "river_job_unique_idx"}
    assert "river_job_state_in_bitmask(unique_states, state)" in indexes["river_job_unique_idx"]
    assert "(state, queue, priority, scheduled_at, id)" in indexes[
        "river_job_prioritized_fetching_index"]

    labels = [r[0] for r in _catalog(
        database_url, fresh_schema,
        "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
        "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = %(s)s "
        "AND t.typname = 'river_job_state' ORDER BY e.enumsortorder",
    )]
    assert labels == ["available", "cancelled", "completed", "discarded", "pending",
                      "retryable", "running", "scheduled"]
    tables = dict(_catalog(
        database_url, fresh_schema,
        "SELECT relname, relpersistence FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = %(s)s AND c.relkind = 'r'",
    ))
    assert tables == {"river_job": "p", "river_leader": "u", "river_queue": "p",
                      "river_migration": "p", "river_notification": "p"}
    with admin(database_url) as conn:
        row = conn.execute(
            f'SELECT "{fresh_schema}".river_job_state_in_bitmask(B\'11110101\', '
            f"'available'), \"{fresh_schema}\".river_job_state_in_bitmask("
            f"B'11110101', 'cancelled')"
        ).fetchone()
    assert row == (True, False)


async def test_down_to_zero_leaves_nothing(adriver: Any, fresh_schema: str,
                                           database_url: str) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    await migrator.migrate_up()
    one = await migrator.migrate_down()
    assert [v.version for v in one.versions] == [7]
    rest = await migrator.migrate_down(target_version=0)
    assert [v.version for v in rest.versions] == [6, 5, 4, 3, 2, 1]
    assert _objects(database_url, fresh_schema) == set()


async def test_v6_upgrades_to_v7(adriver: Any, fresh_schema: str, database_url: str) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    await migrator.migrate_up(target_version=6)
    assert {"river_client", "river_client_queue"} <= _objects(database_url, fresh_schema)
    await migrator.migrate_up()
    objects = _objects(database_url, fresh_schema)
    assert "river_client" not in objects and "river_notification" in objects
    assert await migrator.existing_versions() == [1, 2, 3, 4, 5, 6, 7]


async def test_steps_dry_run_and_validate(adriver: Any, fresh_schema: str,
                                          database_url: str) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    assert not (await migrator.validate()).ok
    dry = await migrator.migrate_up(dry_run=True)
    assert len(dry.versions) == 7 and _objects(database_url, fresh_schema) == set()
    await migrator.migrate_up(max_steps=2)
    assert await migrator.existing_versions() == [1, 2]
    await migrator.migrate_up(target_version=4)
    assert await migrator.existing_versions() == [1, 2, 3, 4]
    await migrator.migrate_down(max_steps=3)
    assert await migrator.existing_versions() == [1]


def test_migration_sql_is_schema_qualified() -> None:
    text = get_migration_sql(2, "up", "my_schema")
    assert 'CREATE TABLE "my_schema".river_job' in text
    assert "TEMPLATE" not in text
    assert 'CREATE TABLE river_job' in get_migration_sql(2, "up", None)

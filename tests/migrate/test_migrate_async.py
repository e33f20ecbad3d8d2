"""Migrations build River's exact catalog, reverse step by step, and upgrade v6 databases.

The expected catalog below is what River Go's own migrations produce (compared with
pg_dump on Postgres 15), with schema qualifiers removed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from river._acompat import skip_sync
from river.errors import ConfigError
from river.migrate import (
    AsyncMigrator,
    MigrationError,
    ValidateResult,
    get_migration,
    get_migration_sql,
    migrations,
)
from tests._db import admin

pytestmark = pytest.mark.anyio

ALL = [1, 2, 3, 4, 5, 6, 7, 8]
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
TS = "timestamp with time zone"
FINAL = (
    "ARRAY["
    + ", ".join(f"'{s}'::river_job_state" for s in ("cancelled", "completed", "discarded"))
    + "]"
)

# (column, type, default, not null) in physical order.
COLUMNS = {
    "river_job": [
        ("id", "bigint", "nextval('river_job_id_seq'::regclass)", True),
        ("state", "river_job_state", "'available'::river_job_state", True),
        ("attempt", "smallint", "0", True),
        ("max_attempts", "smallint", "25", True),
        ("attempted_at", TS, None, False),
        ("created_at", TS, "now()", True),
        ("finalized_at", TS, None, False),
        ("scheduled_at", TS, "now()", True),
        ("priority", "smallint", "1", True),
        ("args", "jsonb", None, True),
        ("attempted_by", "text[]", None, False),
        ("errors", "jsonb[]", None, False),
        ("kind", "text", None, True),
        ("metadata", "jsonb", "'{}'::jsonb", True),
        ("queue", "text", "'default'::text", True),
        ("tags", "character varying(255)[]", "'{}'::character varying[]", True),
        ("unique_key", "bytea", None, False),
        ("unique_states", "bit(8)", None, False),
    ],
    "river_leader": [
        ("elected_at", TS, None, True),
        ("expires_at", TS, None, True),
        ("leader_id", "text", None, True),
        ("name", "text", "'default'::text", True),
    ],
    "river_migration": [
        ("line", "text", None, True),
        ("version", "bigint", None, True),
        ("created_at", TS, "now()", True),
    ],
    "river_notification": [
        ("id", "bigint", "nextval('river_notification_id_seq'::regclass)", True),
        ("created_at", TS, "now()", True),
        ("payload", "text", None, True),
        ("topic", "text", None, True),
    ],
    "river_queue": [
        ("name", "text", None, True),
        ("created_at", TS, "now()", True),
        ("metadata", "jsonb", "'{}'::jsonb", True),
        ("paused_at", TS, None, False),
        ("updated_at", TS, "CURRENT_TIMESTAMP", True),
    ],
}

CONSTRAINTS = {
    "river_job": {
        "river_job_pkey": "PRIMARY KEY (id)",
        "finalized_or_finalized_at_null": (
            f"CHECK ((((finalized_at IS NULL) AND (state <> ALL ({FINAL}))) OR "
            f"((finalized_at IS NOT NULL) AND (state = ANY ({FINAL})))))"
        ),
        "kind_length": "CHECK (((char_length(kind) > 0) AND (char_length(kind) < 128)))",
        "max_attempts_is_positive": "CHECK ((max_attempts > 0))",
        "priority_in_range": "CHECK (((priority >= 1) AND (priority <= 4)))",
        "queue_length": "CHECK (((char_length(queue) > 0) AND (char_length(queue) < 128)))",
    },
    "river_leader": {
        "river_leader_pkey": "PRIMARY KEY (name)",
        "leader_id_length": (
            "CHECK (((char_length(leader_id) > 0) AND (char_length(leader_id) < 128)))"
        ),
        "name_length": "CHECK ((name = 'default'::text))",
    },
    "river_migration": {
        # 005 creates the new table while the renamed old one still owns river_migration_pkey.
        "river_migration_pkey1": "PRIMARY KEY (line, version)",
        "line_length": "CHECK (((char_length(line) > 0) AND (char_length(line) < 128)))",
        "version_gte_1": "CHECK ((version >= 1))",
    },
    "river_notification": {
        "river_notification_pkey": "PRIMARY KEY (id)",
        "topic_length": "CHECK (((length(topic) > 0) AND (length(topic) < 128)))",
    },
    "river_queue": {"river_queue_pkey": "PRIMARY KEY (name)"},
}

INDEXES = {
    "river_job_pkey": "CREATE UNIQUE INDEX river_job_pkey ON river_job USING btree (id)",
    "river_job_kind": "CREATE INDEX river_job_kind ON river_job USING btree (kind)",
    "river_job_state_and_finalized_at_index": (
        "CREATE INDEX river_job_state_and_finalized_at_index ON river_job USING btree "
        "(state, finalized_at) WHERE (finalized_at IS NOT NULL)"
    ),
    "river_job_prioritized_fetching_index": (
        "CREATE INDEX river_job_prioritized_fetching_index ON river_job USING btree "
        "(state, queue, priority, scheduled_at, id)"
    ),
    "river_job_args_index": "CREATE INDEX river_job_args_index ON river_job USING gin (args)",
    "river_job_metadata_index": (
        "CREATE INDEX river_job_metadata_index ON river_job USING gin (metadata)"
    ),
    "river_job_unique_idx": (
        "CREATE UNIQUE INDEX river_job_unique_idx ON river_job USING btree (unique_key) "
        "WHERE ((unique_key IS NOT NULL) AND (unique_states IS NOT NULL) AND "
        "river_job_state_in_bitmask(unique_states, state))"
    ),
    "river_leader_pkey": "CREATE UNIQUE INDEX river_leader_pkey ON river_leader USING btree (name)",
    "river_migration_pkey1": (
        "CREATE UNIQUE INDEX river_migration_pkey1 ON river_migration USING btree (line, version)"
    ),
    "river_notification_pkey": (
        "CREATE UNIQUE INDEX river_notification_pkey ON river_notification USING btree (id)"
    ),
    "river_notification_created_at_idx": (
        "CREATE INDEX river_notification_created_at_idx ON river_notification "
        "USING btree (created_at)"
    ),
    "river_notification_topic_id_idx": (
        "CREATE INDEX river_notification_topic_id_idx ON river_notification USING btree (topic, id)"
    ),
    "river_queue_pkey": "CREATE UNIQUE INDEX river_queue_pkey ON river_queue USING btree (name)",
}

STATES = [
    "available",
    "cancelled",
    "completed",
    "discarded",
    "pending",
    "retryable",
    "running",
    "scheduled",
]


# -- catalog snapshots (plain psycopg, independent of the driver under test) --------------


def _rows(url: str, schema: str, sql: str) -> list[tuple[Any, ...]]:
    with admin(url) as conn:
        return [tuple(r) for r in conn.execute(sql, {"s": schema}).fetchall()]


def _strip(schema: str, text: Any) -> Any:
    if not isinstance(text, str):
        return text
    return text.replace(f'"{schema}".', "").replace(f"{schema}.", "")


def catalog(url: str, schema: str) -> dict[str, Any]:
    """Everything migrations decide about ``schema``, schema qualifiers removed."""

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(_strip(schema, v) for v in r) for r in _rows(url, schema, sql)]

    ns = "n.nspname = %(s)s"
    columns: dict[str, list[tuple[Any, ...]]] = {}
    for table, *column in rows(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), "
        "pg_get_expr(d.adbin, d.adrelid), a.attnotnull FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        f"WHERE {ns} AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY c.relname, a.attnum"
    ):
        columns.setdefault(table, []).append(tuple(column))
    constraints: dict[str, dict[str, str]] = {}
    # NOT NULL constraints (catalogued from Postgres 18 on) are covered by the columns.
    for table, name, definition in rows(
        "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE {ns} AND k.contype IN ('c', 'p', 'u', 'f', 'x')"
    ):
        constraints.setdefault(table, {})[name] = definition
    return {
        "columns": columns,
        "constraints": constraints,
        "indexes": dict(
            rows("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %(s)s")
        ),
        "relations": sorted(
            rows(
                "SELECT c.relname, c.relkind, c.relpersistence FROM pg_class c "
                f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {ns}"
            )
        ),
        "types": sorted(
            rows(
                "SELECT t.typname, t.typtype FROM pg_type t "
                f"JOIN pg_namespace n ON n.oid = t.typnamespace WHERE {ns}"
            )
        ),
        "enum": [
            r[0]
            for r in rows(
                "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
                f"JOIN pg_namespace n ON n.oid = t.typnamespace WHERE {ns} "
                "AND t.typname = 'river_job_state' ORDER BY e.enumsortorder"
            )
        ],
        "functions": sorted(
            rows(
                "SELECT p.proname, pg_get_function_identity_arguments(p.oid), "
                "format_type(p.prorettype, NULL), l.lanname, p.provolatile, p.prosrc "
                "FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
                f"JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {ns}"
            )
        ),
        "triggers": sorted(
            rows(
                "SELECT c.relname, g.tgname, g.tgfoid::regproc::text FROM pg_trigger g "
                "JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n "
                f"ON n.oid = c.relnamespace WHERE {ns} AND NOT g.tgisinternal"
            )
        ),
        "sequences": sorted(
            rows(
                "SELECT s.relname, t.relname, a.attname FROM pg_depend d "
                "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
                "JOIN pg_class t ON t.oid = d.refobjid "
                "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
                f"JOIN pg_namespace n ON n.oid = s.relnamespace WHERE {ns} AND d.deptype = 'a'"
            )
        ),
    }


def migration_rows(url: str, schema: str) -> list[tuple[Any, ...]]:
    return _rows(url, schema, f'SELECT line, version FROM "{schema}".river_migration ORDER BY 2')


def versions(result: Any) -> list[int]:
    return [v.version for v in result.versions]


# -- up -----------------------------------------------------------------------------------


async def test_up_builds_rivers_catalog(adriver: Any, fresh_schema: str, database_url: str) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    result = await migrator.migrate_up()
    assert result.direction == "up"
    assert versions(result) == ALL
    assert [v.name for v in result.versions] == NAMES
    assert all(v.duration > 0 for v in result.versions)
    assert f'CREATE TABLE "{fresh_schema}".river_job (' in result.versions[1].sql
    assert await migrator.existing_versions() == ALL
    assert (await migrator.validate()).ok
    assert migration_rows(database_url, fresh_schema) == [("main", v) for v in ALL]

    cat = catalog(database_url, fresh_schema)
    assert cat["columns"] == COLUMNS
    assert cat["constraints"] == CONSTRAINTS
    assert cat["indexes"] == INDEXES
    assert cat["enum"] == STATES
    tables = {r[0]: r[2] for r in cat["relations"] if r[1] == "r"}
    assert tables == {
        "river_job": "p",
        "river_leader": "u",  # unlogged
        "river_migration": "p",
        "river_notification": "p",
        "river_queue": "p",
    }
    assert {r[0] for r in cat["relations"] if r[1] == "i"} == set(INDEXES)
    assert cat["sequences"] == [
        ("river_job_id_seq", "river_job", "id"),
        ("river_notification_id_seq", "river_notification", "id"),
    ]
    assert cat["triggers"] == []
    [(name, args, returns, language, volatility, _body)] = cat["functions"]
    assert (name, args, returns, language, volatility) == (
        "river_job_state_in_bitmask",
        "bitmask bit, state river_job_state",
        "boolean",
        "sql",
        "i",
    )
    assert ("river_job_state", "e") in cat["types"]


async def test_bitmask_function_maps_states_to_bits(
    adriver: Any, fresh_schema: str, database_url: str
) -> None:
    await AsyncMigrator(adriver, schema=fresh_schema).migrate_up()
    fn = f'"{fresh_schema}".river_job_state_in_bitmask'
    with admin(database_url) as conn:
        for bit, state in enumerate(STATES):
            mask = "".join("1" if i == 7 - bit else "0" for i in range(8))  # available = LSB
            row = conn.execute(
                f"SELECT array_agg(s::text ORDER BY s) FROM unnest(enum_range(NULL::"
                f'"{fresh_schema}".river_job_state)) s WHERE {fn}(%s::bit(8), s)',
                (mask,),
            ).fetchone()
            assert row is not None and row[0] == [state], (mask, row)


async def test_insert_trigger_lives_until_004(
    adriver: Any, fresh_schema: str, database_url: str
) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    await migrator.migrate_up(target_version=3)
    cat = catalog(database_url, fresh_schema)
    assert cat["triggers"] == [("river_job", "river_notify", "river_job_notify")]
    assert cat["enum"] == [s for s in STATES if s != "pending"]
    assert {r[0] for r in cat["relations"] if r[1] == "r"} == {
        "river_job",
        "river_leader",
        "river_migration",
    }
    await migrator.migrate_up(target_version=4)
    cat = catalog(database_url, fresh_schema)
    assert cat["triggers"] == [] and cat["functions"] == []
    assert cat["enum"] == STATES


# -- down ---------------------------------------------------------------------------------


async def test_down_to_zero_leaves_nothing(
    adriver: Any, fresh_schema: str, database_url: str
) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    await migrator.migrate_up()
    one = await migrator.migrate_down()  # one step by default
    assert one.direction == "down" and versions(one) == [8]
    rest = await migrator.migrate_down(target_version=0)
    assert versions(rest) == [7, 6, 5, 4, 3, 2, 1]
    cat = catalog(database_url, fresh_schema)
    assert cat["relations"] == [] and cat["types"] == [] and cat["functions"] == []
    assert await migrator.existing_versions() == []
    assert versions(await migrator.migrate_down(target_version=0)) == []


async def test_each_down_undoes_its_up(adriver: Any, fresh_schema: str, database_url: str) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    for version in ALL:
        before = catalog(database_url, fresh_schema)
        rows_before = await migrator.existing_versions()
        await migrator.migrate_up(target_version=version)
        await migrator.migrate_down()
        after = catalog(database_url, fresh_schema)
        if version == 4:  # Postgres cannot drop an enum label: 'pending' stays
            assert after["enum"] == STATES
            after["enum"] = before["enum"]
        assert after == before, version
        assert await migrator.existing_versions() == rows_before
        await migrator.migrate_up(target_version=version)


async def test_005_down_keeps_rows_of_other_lines(
    adriver: Any, fresh_schema: str, database_url: str
) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    await migrator.migrate_up()
    with admin(database_url) as conn:
        conn.execute(
            f"INSERT INTO \"{fresh_schema}\".river_migration (line, version) VALUES ('other', 1)"
        )
    with pytest.raises(MigrationError, match=r"version 005 \[DOWN\]"):
        await migrator.migrate_down(target_version=4)
    assert await migrator.existing_versions() == [1, 2, 3, 4, 5]  # 8, 7 and 6 went
    assert ("other", 1) in migration_rows(database_url, fresh_schema)


# -- upgrades and the pre-005 bookkeeping table -------------------------------------------


async def test_v6_database_upgrades_to_v7(
    adriver: Any, fresh_schema: str, database_url: str
) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    await migrator.migrate_up(target_version=6)
    cat = catalog(database_url, fresh_schema)
    tables = {r[0]: r[2] for r in cat["relations"] if r[1] == "r"}
    assert tables["river_client"] == "u" and tables["river_client_queue"] == "u"
    assert "river_notification" not in tables
    assert ("max_attempts", "smallint", None, True) in cat["columns"]["river_job"]
    assert ("updated_at", TS, None, True) in cat["columns"]["river_queue"]
    with admin(database_url) as conn:
        conn.execute(
            f'INSERT INTO "{fresh_schema}".river_job (args, kind, max_attempts) '
            "VALUES ('{\"n\": 1}', 'old_kind', 3)"
        )

    result = await migrator.migrate_up()
    assert versions(result) == [7, 8]
    assert (await migrator.validate()).ok
    cat = catalog(database_url, fresh_schema)
    assert cat["columns"] == COLUMNS and cat["indexes"] == INDEXES
    with admin(database_url) as conn:
        row = conn.execute(f'SELECT kind, max_attempts FROM "{fresh_schema}".river_job').fetchone()
    assert row == ("old_kind", 3)


async def test_pre_005_table_has_no_line_column(
    adriver: Any, fresh_schema: str, database_url: str
) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    await migrator.migrate_up(target_version=4)
    assert (
        COLUMNS["river_migration"]
        != catalog(database_url, fresh_schema)["columns"]["river_migration"]
    )
    assert [r[0] for r in catalog(database_url, fresh_schema)["columns"]["river_migration"]] == [
        "id",
        "created_at",
        "version",
    ]
    assert await migrator.existing_versions() == [1, 2, 3, 4]
    assert (await migrator.validate(target_version=4)).ok
    await migrator.migrate_up(max_steps=1)
    assert migration_rows(database_url, fresh_schema) == [("main", v) for v in [1, 2, 3, 4, 5]]
    await migrator.migrate_down()
    assert await migrator.existing_versions() == [1, 2, 3, 4]


async def test_failed_migration_rolls_back(
    adriver: Any, fresh_schema: str, database_url: str
) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    await migrator.migrate_up(target_version=1)
    with admin(database_url) as conn:
        conn.execute(f'CREATE TABLE "{fresh_schema}".river_leader (x int)')
    with pytest.raises(MigrationError, match=r"error applying version 002 \[UP\]"):
        await migrator.migrate_up()
    assert await migrator.existing_versions() == [1]
    cat = catalog(database_url, fresh_schema)
    assert cat["enum"] == [] and "river_job" not in {r[0] for r in cat["relations"]}


# -- options ------------------------------------------------------------------------------


async def test_target_version_and_max_steps(adriver: Any, fresh_schema: str) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    assert versions(await migrator.migrate_up(max_steps=0)) == []
    assert versions(await migrator.migrate_up(max_steps=2)) == [1, 2]
    assert versions(await migrator.migrate_up(target_version=4)) == [3, 4]
    assert versions(await migrator.migrate_up(target_version=3)) == []  # already there
    assert versions(await migrator.migrate_up(target_version=7, max_steps=1)) == [5]
    assert versions(await migrator.migrate_up()) == [6, 7, 8]
    assert versions(await migrator.migrate_down(max_steps=3)) == [8, 7, 6]
    assert versions(await migrator.migrate_down(target_version=3)) == [5, 4]
    assert versions(await migrator.migrate_down(target_version=0, max_steps=1)) == [3]
    assert await migrator.existing_versions() == [1, 2]
    for bad in (
        lambda: migrator.migrate_up(target_version=9),
        lambda: migrator.migrate_up(target_version=0),
        lambda: migrator.migrate_up(max_steps=-1),
        lambda: migrator.migrate_down(target_version=5),  # not applied
        lambda: migrator.migrate_down(target_version=-2),
    ):
        with pytest.raises(ValueError):
            await bad()
    assert versions(await migrator.migrate_down(target_version=-1)) == [2, 1]  # River's "all"


async def test_dry_run_changes_nothing(adriver: Any, fresh_schema: str, database_url: str) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    dry = await migrator.migrate_up(dry_run=True)
    assert versions(dry) == ALL
    assert all(v.duration == 0.0 and v.sql for v in dry.versions)
    assert catalog(database_url, fresh_schema)["relations"] == []
    await migrator.migrate_up()
    before = catalog(database_url, fresh_schema)
    dry = await migrator.migrate_down(target_version=0, dry_run=True)
    assert versions(dry) == ALL[::-1]
    assert catalog(database_url, fresh_schema) == before
    assert await migrator.existing_versions() == ALL


async def test_validate(adriver: Any, fresh_schema: str) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    result = await migrator.validate()
    assert not result.ok and result.messages == ("Unapplied migrations: [1, 2, 3, 4, 5, 6, 7, 8]",)
    await migrator.migrate_up(target_version=5)
    assert (await migrator.validate()).messages == ("Unapplied migrations: [6, 7, 8]",)
    assert (await migrator.validate(target_version=5)).ok
    await migrator.migrate_up()
    assert await migrator.validate() == ValidateResult(True)
    with pytest.raises(ValueError):
        await migrator.validate(target_version=9)


async def test_migrate_tx_follows_the_callers_transaction(
    adriver: Any, fresh_schema: str, database_url: str
) -> None:
    migrator = AsyncMigrator(adriver, schema=fresh_schema)
    executor = adriver.get_executor(fresh_schema)

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback):
        async with executor.transaction() as tx:
            assert versions(await migrator.migrate_tx(tx, "up", target_version=4)) == [1, 2, 3, 4]
            assert (await migrator.validate_tx(tx, target_version=4)).ok
            raise Rollback
    assert catalog(database_url, fresh_schema)["relations"] == []

    async with executor.transaction() as tx:
        await migrator.migrate_tx(tx, "up", target_version=4)
    # 'pending' (added by 004) is usable in 006 only once 004 has committed.
    async with executor.transaction() as tx:
        assert versions(await migrator.migrate_tx(tx, "up")) == [5, 6, 7, 8]
    assert (await migrator.validate()).ok
    assert catalog(database_url, fresh_schema)["indexes"] == INDEXES

    async with executor.transaction() as tx:
        assert versions(await migrator.migrate_tx(tx, "down", target_version=0)) == ALL[::-1]
    assert catalog(database_url, fresh_schema)["relations"] == []


# -- schemas ------------------------------------------------------------------------------


@pytest.fixture
def mixed_case_schema(database_url: str) -> Iterator[str]:
    name = f"River_Mixed_{os.getpid()}"
    with admin(database_url) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{name}"')
    yield name
    with admin(database_url) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


async def test_schema_names_are_quoted(
    adriver: Any, mixed_case_schema: str, database_url: str
) -> None:
    migrator = AsyncMigrator(adriver, schema=mixed_case_schema)
    await migrator.migrate_up()
    assert (await migrator.validate()).ok
    cat = catalog(database_url, mixed_case_schema)
    assert cat["columns"] == COLUMNS and cat["constraints"] == CONSTRAINTS
    await migrator.migrate_down(target_version=0)
    assert catalog(database_url, mixed_case_schema)["relations"] == []


async def test_schemas_are_independent(
    adriver: Any, fresh_schema: str, mixed_case_schema: str
) -> None:
    await AsyncMigrator(adriver, schema=fresh_schema).migrate_up(target_version=2)
    other = AsyncMigrator(adriver, schema=mixed_case_schema)
    assert await other.existing_versions() == []
    assert versions(await other.migrate_up()) == ALL


async def test_invalid_schema_and_line_are_rejected(adriver: Any) -> None:
    for bad in ('a"b', "x" * 47, "", "has space"):
        with pytest.raises(ConfigError):
            AsyncMigrator(adriver, schema=bad)
    with pytest.raises(ValueError, match="did you mean 'main'"):
        AsyncMigrator(adriver, line="mian")


# -- the bundled files (no database) ------------------------------------------------------


_UNQUALIFIED = re.compile(
    r"\b(TABLE|TABLE IF EXISTS|TYPE|FUNCTION|INTO|FROM|ON|UPDATE|REFERENCES|PROCEDURE|"
    r"DROP INDEX|DROP INDEX IF EXISTS|state|AND|to_regclass\(')\s*river_"
)


@skip_sync
def test_bundled_migrations() -> None:
    assert [(m.version, m.name) for m in migrations()] == list(zip(ALL, NAMES, strict=True))
    for m in migrations():
        for direction in ("up", "down"):
            text = m.sql(direction, "some_schema")
            assert "TEMPLATE" not in text
            # Every reference to a River object is schema-qualified (new names are not).
            unqualified = _UNQUALIFIED.search(text)
            assert unqualified is None, (m.version, direction, unqualified)


@skip_sync
def test_get_migration_sql() -> None:
    qualified = get_migration_sql(2, "up", "my_schema")
    assert 'CREATE TABLE "my_schema".river_job (' in qualified
    assert 'state "my_schema".river_job_state NOT NULL' in qualified
    plain = get_migration_sql(2, "up")
    assert "CREATE TABLE river_job (" in plain and '"' not in plain
    assert get_migration_sql(7, "down") == get_migration(7).sql_down.replace(
        "/* TEMPLATE: schema */", ""
    )
    with pytest.raises(ValueError, match="available versions"):
        get_migration_sql(9)
    with pytest.raises(ConfigError):
        get_migration_sql(1, "up", "bad schema")

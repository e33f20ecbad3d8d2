# WARNING: this file is generated from 'test_job_list_where_attacks_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Raw ``where`` conditions written to escape the listing: each is refused with a typed
error before anything is sent, and afterwards the jobs, the id sequence, large objects,
advisory locks and the settings of the pooled session are as they were.

The second layer is tested on its own too: with the guard switched off (a stand-in for a
hole in it), the read-only transaction the listing runs in, rolled back at its end,
still keeps the data and the session unchanged."""

from __future__ import annotations

from typing import Any

import pytest

import river
import river.driver.job_list as job_list_statement
import river.job_list as job_list_types
from tests._client_helpers import make_config, user_tx
from tests.runtime.test_client import EchoArgs, EchoWorker, _workers

pytestmark = pytest.mark.anyio
SCS_OFF = "set_config('standard_conforming_strings', 'off', false) = 'off'"
# With standard_conforming_strings off, Postgres reads '\' as the start of a string that
# goes on past the second quote, so the DELETE stands outside any string.
BACKSLASH = "kind = '\\' || ' ) ; DELETE FROM {table} ; -- '"
# Ends a smuggled statement so that the rest of the listing's statement still parses.
TAIL = "SELECT * FROM {table} WHERE (true"
# (name, condition); {table} and {schema} name the test's tables.
ATTEMPTS: list[tuple[str, str]] = [
    ("set_config", SCS_OFF),
    ("backslash_quote", BACKSLASH),
    ("nul_truncation", "kind = 'x' OR true\x00) ; DELETE FROM {table} ; --"),
    ("semicolon", "true) ; DELETE FROM {table} ; " + TAIL),
    ("line_comment", "kind = 'x' -- ) OR (true"),
    ("nested_block_comment", "kind = 'x' /* /* */ ) ; DELETE FROM {table} ; /* */ */"),
    ("dollar_quote", "kind = $$ ' $$ OR true) ; DELETE FROM {table} ; SELECT ('"),
    ("tagged_dollar_quote", "kind = $q$') ; DELETE FROM {table} ; --$q$"),
    ("e_string", "kind = E'\\' ) ; DELETE FROM {table} ; --'"),
    ("e_string_lowercase", "kind = e'\\x27) ; DELETE FROM {table} ; --'"),
    ("u_amp_uescape", "kind = U&'!0027) ; DELETE FROM {table} ; --' UESCAPE '!'"),
    (
        "u_amp_identifier",
        "U&\"\\0073et_config\"('standard_conforming_strings', 'off', false) IS NULL",
    ),
    ("quoted_function_name", "\"set_config\"('standard_conforming_strings', 'off', false) = 'off'"),
    (
        "qualified_set_config",
        "pg_catalog.set_config('standard_conforming_strings', 'off', false) = 'off'",
    ),
    ("uppercase_newline", "SET_CONFIG\n('application_name', 'pwned', false) = 'pwned'"),
    ("set_statement", "true) ; SET standard_conforming_strings = off ; " + TAIL),
    ("reset_statement", "true) ; RESET ALL ; " + TAIL),
    ("copy_statement", "true) ; COPY {table} TO PROGRAM 'true' ; " + TAIL),
    ("do_block", "true) ; DO ' BEGIN DELETE FROM {table}; END ' ; " + TAIL),
    ("call_statement", "true) ; CALL {schema}.cleanup() ; " + TAIL),
    ("commit_then_delete", "true) ; COMMIT ; DELETE FROM {table} ; " + TAIL),
    ("dml_in_subquery", "id IN (WITH d AS (DELETE FROM {table} RETURNING id) SELECT id FROM d)"),
    ("for_update_subquery", "id IN (SELECT id FROM {table} FOR UPDATE)"),
    ("pg_terminate_backend", "pg_terminate_backend(pg_backend_pid())"),
    ("advisory_lock", "pg_advisory_lock(4242) IS NOT NULL"),
    ("dblink", "dblink_exec('dbname=postgres', 'DELETE FROM {table}') = 'OK'"),
    ("large_object", "lo_create(0) IS NOT NULL"),
    ("nextval", "nextval('{schema}.river_job_id_seq') > 0"),
    ("query_to_xml", "query_to_xml('DELETE FROM {table} RETURNING 1', true, true, '') IS NOT NULL"),
    ("pg_notify", "pg_notify('river_insert', 'x') IS NULL"),
    ("pg_sleep", "pg_sleep(0) IS NULL"),
    ("other_schema_function", "public.lower(kind) = 'echo'"),
    ("unbalanced_parentheses", "true) OR (true"),
    ("bidi_control", "kind = 'x'\u202e OR true"),
    ("lone_surrogate", "kind = '\ud800'"),
    ("parameter_in_quotes", "kind = '@kind'"),
]


def _text(condition: str, schema: str) -> str:
    return condition.format(table=f'"{schema}".river_job', schema=schema)


def _one_session(driver: Any, database_url: str) -> Any:
    """A driver of the same kind whose pool holds one connection, whose session the test
    inspects afterwards."""
    return type(driver).open(database_url, min_size=1, max_size=1)


def _seeded(lone: Any, schema: str) -> Any:
    client = river.Client(lone, make_config(schema, _workers(EchoWorker())))
    client.insert_many([EchoArgs(message=str(i)) for i in range(3)])
    return client


def _state(lone: Any, schema: str) -> tuple[Any, ...]:
    row = lone.get_executor(schema).fetch_one(
        f'''SELECT (SELECT count(*) FROM "{schema}".river_job),\n            (SELECT last_value FROM "{schema}".river_job_id_seq),\n            current_setting('standard_conforming_strings'),\n            current_setting('transaction_read_only'),\n            current_setting('application_name'),\n            (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'),\n            (SELECT count(*) FROM pg_largeobject_metadata)'''
    )
    assert row is not None
    state = tuple(row)
    assert state[2:4] == ("on", "off")
    return state


@pytest.mark.parametrize(("name", "condition"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
def test_attempt_is_refused_and_changes_nothing(
    driver: Any, schema: str, database_url: str, name: str, condition: str
) -> None:
    lone = _one_session(driver, database_url)
    try:
        client = _seeded(lone, schema)
        before = _state(lone, schema)
        with pytest.raises(river.InvalidJobListParamsError, match="where condition"):
            client.job_list(
                river.JobListParams(where=river.JobListWhere(_text(condition, schema), {}))
            )
        assert _state(lone, schema) == before
        assert len(client.job_list()) == 3
    finally:
        lone.close()


def test_there_are_enough_attempts() -> None:
    assert len(ATTEMPTS) >= 21
    assert len({name for name, _ in ATTEMPTS}) == len(ATTEMPTS)


# What the read-only, rolled-back transaction stops on its own. (Statements after a
# COMMIT smuggled in through ';' on psycopg2, which sends text, and session-level
# advisory locks are stopped by the guard alone.)
SECOND_LAYER: list[tuple[str, list[str]]] = [
    ("reported_bypass", [SCS_OFF, BACKSLASH]),
    ("bypass_in_one_listing", [SCS_OFF + " AND " + BACKSLASH]),
    ("session_setting", ["set_config('application_name', 'pwned', false) = 'pwned'"]),
    ("large_object", ["lo_create(0) IS NOT NULL"]),
    ("nextval", ["nextval('{schema}.river_job_id_seq') > 0"]),
    ("semicolon_delete", ["true) ; DELETE FROM {table} ; " + TAIL]),
    ("semicolon_set", ["true) ; SET standard_conforming_strings = off ; " + TAIL]),
]


@pytest.mark.parametrize(("name", "conditions"), SECOND_LAYER, ids=[a[0] for a in SECOND_LAYER])
def test_read_only_listing_holds_without_the_guard(
    driver: Any,
    schema: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    conditions: list[str],
) -> None:
    # Off where a condition is built and where the statement is made of it.
    monkeypatch.setattr(job_list_types, "check_where", lambda sql, args: None)
    monkeypatch.setattr(job_list_statement, "check_where", lambda sql, args: None)
    lone = _one_session(driver, database_url)
    try:
        client = _seeded(lone, schema)
        before = _state(lone, schema)
        for condition in conditions:
            where = river.JobListWhere(_text(condition, schema), {})
            try:
                listed = client.job_list(river.JobListParams(where=where))
            except Exception as exc:  # the database refused it: fine, if nothing changed
                assert not isinstance(exc, AssertionError)
            else:
                assert len(listed) <= 3
        assert _state(lone, schema) == before
    finally:
        lone.close()


def test_listing_in_a_callers_transaction_leaves_it_writable(driver: Any, schema: str) -> None:
    client = river.Client(driver, make_config(schema, _workers(EchoWorker())))
    where = river.JobListWhere("args->>'message' = @m", {"m": "mine"})
    with user_tx(driver) as tx:
        client.insert_tx(tx, EchoArgs(message="mine"))
        listed = client.job_list_tx(tx, river.JobListParams(where=where))
        assert [j.args["message"] for j in listed] == ["mine"]
        # The listing's read-only savepoint was rolled back: the transaction still writes.
        client.insert_tx(tx, EchoArgs(message="mine"))
    assert len(client.job_list(river.JobListParams(where=where))) == 2

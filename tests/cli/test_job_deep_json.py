"""``river job get|list`` and ``river queue list`` with JSON nested deeper than Python
decodes (as River Go may store it): the job is shown, its JSON as raw text beside the
reason it was not decoded."""

from __future__ import annotations

import json

import pytest

from river.stored_json import MAX_DEPTH
from tests._db import admin
from tests.cli.test_job_queue_commands import river_cli

# 1,000 levels break Python's own parser; 50,000 is about the deepest PostgreSQL accepts.
DEPTHS = [1_000, 50_000]


def _nested(depth: int) -> str:
    return '{"a": ' + "[" * (depth - 1) + '"]"' + "]" * (depth - 1) + "}"


@pytest.mark.parametrize("depth", DEPTHS)
def test_job_and_queue_commands_show_deep_json_as_text(
    database_url: str, schema: str, depth: int
) -> None:
    deep = _nested(depth)
    with admin(database_url) as conn:
        conn.execute("SET max_stack_depth = '7MB'")  # the server's parser recurses too
        row = conn.execute(
            f"INSERT INTO {schema}.river_job (args, kind, max_attempts, metadata)"
            " VALUES (%s::jsonb, 'deep', 25, %s::jsonb) RETURNING id, args::text",
            (deep, deep),
        ).fetchone()
        conn.execute(
            f"INSERT INTO {schema}.river_queue (name, metadata, updated_at)"
            " VALUES ('default', %s::jsonb, now())",
            (deep,),
        )
    assert row is not None
    job_id, stored = row
    db = ["--database-url", database_url, "--schema", schema]
    reason = f"JSON nested deeper than {MAX_DEPTH} levels is not decoded"

    done = river_cli("job", "get", str(job_id), "--json", *db)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    listed = river_cli("job", "list", "--json", *db)
    assert listed.returncode == 0, listed.stderr
    [item] = json.loads(listed.stdout)
    for record in (got, item):
        assert record["id"] == job_id
        assert record["args"] == stored and record["args_not_decoded"] == reason
        assert record["metadata"] == stored and record["metadata_not_decoded"] == reason

    shown = river_cli("job", "get", str(job_id), *db)
    assert shown.returncode == 0, shown.stderr
    assert f"args_not_decoded      {reason}" in shown.stdout
    assert stored in shown.stdout

    queues = river_cli("queue", "list", "--json", *db)
    assert queues.returncode == 0, queues.stderr
    [queue] = json.loads(queues.stdout)
    assert queue["metadata"] == stored and queue["metadata_not_decoded"] == reason

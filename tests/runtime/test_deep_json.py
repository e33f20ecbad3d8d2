# WARNING: this file is generated from 'test_deep_json_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Deeply nested JSON written by another client (River Go stores args and metadata nested
far deeper than Python decodes): reading, listing and fetching such jobs never fails;
their JSON stays text in an ``UndecodableJSON``, and a job whose args cannot be decoded
is retried and then discarded with the reason in its errors, as River does."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river.stored_json import MAX_DEPTH
from tests._client_helpers import make_config, started, wait_for_state
from tests._db import admin

pytestmark = pytest.mark.anyio
# 1,000 levels break Python's own parser; 50,000 is about the deepest a PostgreSQL
# server with an 8 MB stack accepts (its parser refuses 100,000: "stack depth limit
# exceeded", whatever max_stack_depth allows).
DEPTHS = [1000, 50000]


def _nested(depth: int) -> str:
    """An object holding arrays ``depth`` levels deep (a bracket in a string at the core)."""
    return '{"a": ' + "[" * (depth - 1) + '"]}"' + "]" * (depth - 1) + "}"


def _insert_sql(database_url: str, query: str, params: tuple[Any, ...]) -> Any:
    """Run ``query`` on a session whose server stack allows deep ``jsonb`` input, as a
    client writing such JSON (River Go, psql) would need."""
    with admin(database_url) as conn:
        conn.execute("SET max_stack_depth = '7MB'")
        row = conn.execute(query, params).fetchone()
        return row[0] if row else None


def _insert_job(
    database_url: str,
    schema: str,
    *,
    args: str,
    metadata: str = "{}",
    max_attempts: int = 25,
    errors: list[str] | None = None,
    kind: str = "deep",
) -> int:
    job_id: int = _insert_sql(
        database_url,
        f"INSERT INTO {schema}.river_job (args, kind, max_attempts, metadata, errors) VALUES (%s::jsonb, %s, %s, %s::jsonb, %s::jsonb[]) RETURNING id",
        (args, kind, max_attempts, metadata, errors),
    )
    return job_id


def _stored(database_url: str, schema: str, job_id: int, column: str) -> str:
    text: str = _insert_sql(
        database_url, f"SELECT {column}::text FROM {schema}.river_job WHERE id = %s", (job_id,)
    )
    return text


@dataclass
class DeepArgs:
    kind = "deep"
    a: Any = None


class CountingWorker(river.Worker[DeepArgs]):
    def __init__(self) -> None:
        self.worked: list[int] = []

    def work(self, job: river.Job[DeepArgs]) -> None:
        self.worked.append(job.id)


class FarRetry:
    """Retries an hour later: the job waits in ``retryable`` until the test moves it."""

    def next_retry(self, job: river.JobRow) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)


def _client(driver: Any, schema: str, worker: CountingWorker, **overrides: Any) -> Any:
    workers = river.Workers()
    workers.add(worker)
    return river.Client(driver, make_config(schema, workers, **overrides))


@pytest.mark.parametrize("depth", DEPTHS)
def test_get_and_list_keep_deep_json_as_text(
    driver: Any, schema: str, database_url: str, depth: int
) -> None:
    deep = _nested(depth)
    job_id = _insert_job(database_url, schema, args=deep, metadata=deep, errors=[deep, '{"at": 1}'])
    stored_args = _stored(database_url, schema, job_id, "args")
    client = _client(driver, schema, CountingWorker())
    job = client.job_get(job_id)
    listed = client.job_list(river.JobListParams(kinds=["deep"])).jobs
    assert [j.id for j in listed] == [job_id]
    for row in (job, listed[0]):
        assert isinstance(row.args, river.UndecodableJSON)
        assert row.args.text == stored_args == row.encoded_args
        assert f"deeper than {MAX_DEPTH} levels" in row.args.reason
        assert isinstance(row.metadata, river.UndecodableJSON)
        assert row.metadata.text == stored_args  # the same JSON, as Postgres prints it
        assert row.output is None
        # An errors element too deep to decode is kept as its text; an object of another
        # shape is read field by field, as River v0.48 reads it (no "error": empty).
        assert [e.error for e in row.errors] == [stored_args, ""]
        assert row.errors[1].attempt == 0 and row.errors[1].at.year == 1970


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_args_retried_then_discarded_with_reason(
    driver: Any, schema: str, database_url: str, depth: int
) -> None:
    worker = CountingWorker()
    job_id = _insert_job(database_url, schema, args=_nested(depth), max_attempts=2)
    client = _client(driver, schema, worker, retry_policy=FarRetry())
    with started(client):
        first = wait_for_state(client, job_id, river.JobState.RETRYABLE)
        assert first.attempt == 1 and first.scheduled_at > first.attempted_at
        _insert_sql(
            database_url,
            f"UPDATE {schema}.river_job SET state = 'available', scheduled_at = now() WHERE id = %s RETURNING id",
            (job_id,),
        )
        final = wait_for_state(client, job_id, river.JobState.DISCARDED)
    assert worker.worked == []
    assert final.attempt == 2 and len(final.errors) == 2
    for err in final.errors:
        assert f"nested deeper than {MAX_DEPTH} levels" in err.error
        assert "DeepArgs" in err.error


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_metadata_does_not_stop_the_fetch(
    driver: Any, schema: str, database_url: str, depth: int
) -> None:
    worker = CountingWorker()
    deep_id = _insert_job(database_url, schema, args='{"a": 1}', metadata=_nested(depth))
    plain_id = _insert_job(database_url, schema, args='{"a": 2}')
    stored_metadata = _stored(database_url, schema, deep_id, "metadata")
    client = _client(driver, schema, worker)
    with started(client):
        for job_id in (deep_id, plain_id):
            wait_for_state(client, job_id, river.JobState.COMPLETED)
    assert sorted(worker.worked) == sorted([deep_id, plain_id])
    assert _stored(database_url, schema, deep_id, "metadata") == stored_metadata


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_queue_metadata(driver: Any, schema: str, database_url: str, depth: int) -> None:
    _insert_sql(
        database_url,
        f"INSERT INTO {schema}.river_queue (name, metadata, updated_at) VALUES ('default', %s::jsonb, now()) RETURNING name",
        (_nested(depth),),
    )
    worker = CountingWorker()
    client = _client(driver, schema, worker)
    queue = client.queue_get("default")
    assert isinstance(queue.metadata, river.UndecodableJSON)
    assert f"deeper than {MAX_DEPTH} levels" in queue.metadata.reason
    assert [q.name for q in client.queue_list()] == ["default"]
    # The producer reads its queue's metadata when it starts.
    job_id = _insert_job(database_url, schema, args='{"a": 1}')
    with started(client):
        wait_for_state(client, job_id, river.JobState.COMPLETED)
    assert worker.worked == [job_id]

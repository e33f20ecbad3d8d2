"""The fetch of a queue with concurrency limits (see ``river.concurrency``).

With a global limit it runs under ``QUEUE_FETCH_LOCK``, the queue's advisory lock: one
call to ``limited_fetch_function``, a function of the session that takes the lock and
then fetches, or (on one connection, or for a role that may not make temporary objects)
a transaction of its own: the lock, then ``job_get_available_limited(n)``. The lock makes
the limited fetches of one queue take turns, and the fetch, a statement started after the
lock was granted, counts the running jobs with a snapshot that sees every job the fetch
before it set running: two clients fetching at once cannot both take the last free slot.
A local limit alone needs neither: only this client's jobs count.

Running jobs are counted per partition: every job of the queue in state ``running``,
except this client's jobs that have already left its work pool (``@active_ids`` are the
ones still in it), whose completion the completer has not written yet. A partition is
named by its kind (``@by_kind``) and the values of the args fields ``@by_args``, as JSON
text built by the same expression for running and available jobs. ``@global_limit`` /
``@local_limit`` null: no limit.

The chosen jobs are set running exactly as ``sql_job.JOB_GET_AVAILABLE`` sets them (the
same ``updated`` step, with the table's size for ``plan_generation``).
"""

from __future__ import annotations

import functools
import hashlib

from river.driver import sql_job
from river.driver.query import SCHEMA_MARK as S
from river.driver.query import number_params, schema_prefix
from river.driver.sql_batch import JOB_GET_BATCH

# One lock per queue and river_job table (two schemas' queues of one name do not wait
# for each other). Schema names are plain identifiers (see river.config), so the quoted
# table name is safe inside the literal.
QUEUE_FETCH_LOCK = f"""
SELECT pg_advisory_xact_lock(
    hashtext('river_concurrency:' || '{S}river_job'::regclass::oid::text || ':' || @queue::text)
)
"""


def _partition_key(arg_fields: int) -> str:
    # The n-th field's name is the n-th element of @by_args: the statement's text only
    # depends on how many fields there are, never on their names.
    values = ["CASE WHEN @by_kind::boolean THEN river_job.kind END"]
    values += [f"river_job.args -> (@by_args::text[])[{n}]" for n in range(1, arg_fields + 1)]
    return f"jsonb_build_array({', '.join(values)})::text"


# A missing limit: more than any partition can hold (the fetch's LIMIT still applies).
_NO_LIMIT = "2147483647"

_MARK_RUNNING = sql_job.JOB_GET_AVAILABLE[sql_job.JOB_GET_AVAILABLE.index("updated AS (") :]


# A batch leader fetches only jobs of its kind and batch key (see ``sql_batch``).
_OF_BATCH = """
      AND kind = @kind::text
      AND metadata @> jsonb_build_object('river_batch_key', @key::text)"""


def _choose_jobs(arg_fields: int, *, batch: bool = False) -> str:
    """The limited fetch's steps up to the choice of its jobs (``locked_jobs``), of one
    batch's jobs when ``batch``."""
    key = _partition_key(arg_fields)
    of_batch = _OF_BATCH if batch else ""
    return f"""
WITH running AS (
    SELECT {key} AS partition_key,
           river_job.id = any(@active_ids::bigint[]) AS own
    FROM {S}river_job
    WHERE state = 'running'
      AND queue = @queue::text
      AND (river_job.id = any(@active_ids::bigint[])
           OR river_job.attempted_by[array_length(river_job.attempted_by, 1)]
              IS DISTINCT FROM @client_id::text)
),
partition_free AS (
    SELECT partition_key,
           least(coalesce(@global_limit::bigint, {_NO_LIMIT}) - count(*),
                 coalesce(@local_limit::bigint, {_NO_LIMIT}) - count(*) FILTER (WHERE own))
               AS free
    FROM running
    GROUP BY partition_key
),
candidates AS (
    SELECT river_job.id, priority, scheduled_at, {key} AS partition_key
    FROM {S}river_job
    WHERE state = 'available'
      AND queue = @queue::text{of_batch}
      AND scheduled_at <= coalesce(@now::timestamptz, now())
      AND {key} NOT IN (SELECT partition_key FROM partition_free WHERE free <= 0)
    ORDER BY priority ASC, scheduled_at ASC, id ASC
    LIMIT @scan_limit::integer
),
ranked AS (
    SELECT c.id, c.priority, c.scheduled_at,
           row_number() OVER (
               PARTITION BY c.partition_key ORDER BY c.priority, c.scheduled_at, c.id
           ) AS n,
           coalesce(f.free, least(coalesce(@global_limit::bigint, {_NO_LIMIT}),
                                  coalesce(@local_limit::bigint, {_NO_LIMIT}))) AS free
    FROM candidates c LEFT JOIN partition_free f USING (partition_key)
),
locked_jobs AS (
    SELECT river_job.id
    FROM {S}river_job
    WHERE river_job.id = any(ARRAY(
            SELECT id FROM ranked WHERE n <= free
            ORDER BY priority ASC, scheduled_at ASC, id ASC
            LIMIT @max_to_lock::integer))
      AND state = 'available'
    FOR UPDATE SKIP LOCKED
),
"""


@functools.cache
def job_get_available_limited(arg_fields: int) -> str:
    """The limited fetch for a partition by ``arg_fields`` args fields (0: none)."""
    return _choose_jobs(arg_fields) + _MARK_RUNNING


# The function's parameters, in order: the limited fetch's, named as it names them.
_FUNCTION_PARAMS = (
    ("queue", "text"),
    ("now", "timestamptz"),
    ("max_to_lock", "integer"),
    ("max_attempted_by", "integer"),
    ("client_id", "text"),
    ("active_ids", "bigint[]"),
    ("global_limit", "bigint"),
    ("local_limit", "bigint"),
    ("by_args", "text[]"),
    ("by_kind", "boolean"),
    ("scan_limit", "integer"),
)
_FUNCTION_PARAM_NAMES = tuple(name for name, _ in _FUNCTION_PARAMS)
_RETURNING = _MARK_RUNNING.index("RETURNING")


@functools.cache
def limited_fetch_function(arg_fields: int, schema: str | None, generation: int) -> tuple[str, str]:
    """The limited fetch with a global limit as a function of the session, and the
    statement that calls it: ``(create, call)``.

    The function takes the queue's fetch lock, then fetches. In a PL/pgSQL function each
    statement takes a new snapshot, so the fetch counts from a snapshot taken after the
    lock was granted, as the fetch in a transaction does, and its plan is kept for the
    session. Called outside a transaction, the call commits as soon as it ends, so the
    lock is held only while the server works: never across the client's turn to send
    the next statement, as in a transaction. The function lives in ``pg_temp`` (nothing
    is added to River's schema, and it goes with the session). Its name is a digest of
    its text, so a changed statement, another schema or another plan ``generation``
    (``river.driver.plan_generation``) is another function.
    """
    lock = QUEUE_FETCH_LOCK.strip().removeprefix("SELECT ")
    fetch = _choose_jobs(arg_fields) + _MARK_RUNNING[:_RETURNING] + "RETURNING river_job.*\n)\n"
    body = f"BEGIN\nPERFORM {lock};\nRETURN QUERY\n{fetch}SELECT * FROM updated;\nEND\n"
    if generation:
        body = f"-- plan generation {generation}\n{body}"
    body = number_params(body.replace(S, schema_prefix(schema)), _FUNCTION_PARAM_NAMES)
    name = "river_fetch_limited_" + hashlib.sha256(body.encode()).hexdigest()[:20]
    types = ", ".join(t for _, t in _FUNCTION_PARAMS)
    create = (
        f"CREATE OR REPLACE FUNCTION pg_temp.{name}({types})\n"
        f"RETURNS SETOF {schema_prefix(schema)}river_job LANGUAGE plpgsql VOLATILE\n"
        f"AS $river_fetch$\n{body}$river_fetch$"
    )
    arguments = ", ".join(f"@{n}::{t}" for n, t in _FUNCTION_PARAMS)
    call = f"""
SELECT {sql_job.JOB_COLS},
       (SELECT pg_relation_size('{S}river_job'::regclass)) AS table_bytes
FROM pg_temp.{name}({arguments}) AS river_job
ORDER BY priority ASC, scheduled_at ASC, id ASC
"""
    return create, call


@functools.cache
def queue_running_by_partition(arg_fields: int) -> str:
    """The dashboard's queue page: the running jobs of @queue (at most @max read) per
    partition, keyed as the limited fetch keys them: how many run in all and the most any
    one client runs (what the global and the local limit are kept against). The busiest
    @partitions partitions."""
    key = _partition_key(arg_fields)
    return f"""
SELECT partition_key, sum(n)::bigint AS running, max(n)::bigint AS most_in_one_client
FROM (
    SELECT partition_key, client_id, count(*) AS n
    FROM (
        SELECT {key} AS partition_key,
               river_job.attempted_by[cardinality(river_job.attempted_by)] AS client_id
        FROM {S}river_job
        WHERE state = 'running' AND queue = @queue::text
        LIMIT @max::integer
    ) AS running
    GROUP BY 1, 2
) AS per_client
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT @partitions::integer
"""


# A batch leader's fetch sets its jobs running as the batch's own fetch does.
_BATCH_MARK_RUNNING = JOB_GET_BATCH[JOB_GET_BATCH.index("\nUPDATE ") + 1 :]


@functools.cache
def job_get_batch_limited(arg_fields: int) -> str:
    """A batch leader's fetch of more jobs of its key (``sql_batch.JOB_GET_BATCH``) kept
    to the queue's limits: the running jobs are counted as the limited fetch counts them
    (the same ``running`` and ``partition_free`` steps, the leader among @active_ids), and
    each partition gets no more than its free slots."""
    return _choose_jobs(arg_fields, batch=True).rstrip().removesuffix(",") + "\n" + _BATCH_MARK_RUNNING

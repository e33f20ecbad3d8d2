"""The statements on ``river_job`` (River's ``river_job.sql`` and ``river_job_copyfrom.sql``).

Insert, fetch, completion, reads by id and kind, the leader's maintenance, and the counts
per queue read from the table for dashboards. ``@name`` parameters; ``/* TEMPLATE: schema */``
prefixes (see ``river.driver.query``). Jobs are selected with ``job_columns()`` so every
driver returns the same Python types: JSON as text, the state as text, the unique bitmask
as an integer.
"""

from __future__ import annotations

from river.driver.query import SCHEMA_MARK as S

_JOB_COLUMNS = (
    "id",
    "state::text",
    "attempt",
    "max_attempts",
    "attempted_at",
    "created_at",
    "finalized_at",
    "scheduled_at",
    "priority",
    "args::text",
    "attempted_by",
    "errors::text[]",
    "kind",
    "metadata::text",
    "queue",
    "tags::text[]",
    "unique_key",
    "unique_states::int",
)


def job_columns(table: str = "river_job") -> str:
    return ", ".join(f"{table}.{c}" for c in _JOB_COLUMNS)


JOB_COLS = job_columns()

# Column order used by every driver's COPY fast path.
COPY_COLUMNS = (
    "args",
    "created_at",
    "kind",
    "max_attempts",
    "metadata",
    "priority",
    "queue",
    "scheduled_at",
    "state",
    "tags",
    "unique_key",
    "unique_states",
)

JOB_INSERT_FAST_MANY = f"""
INSERT INTO {S}river_job (
    args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state,
    tags, unique_key, unique_states
)
SELECT
    t.args::jsonb, t.created_at, t.kind, t.max_attempts, t.metadata::jsonb, t.priority,
    t.queue, t.scheduled_at, t.state::{S}river_job_state,
    string_to_array(t.tags, ',')::varchar(255)[], nullif(t.unique_key, ''::bytea),
    nullif(t.unique_states, 0)::bit(8)
FROM unnest(
    @args::text[], @created_at::timestamptz[], @kind::text[], @max_attempts::smallint[],
    @metadata::text[], @priority::smallint[], @queue::text[], @scheduled_at::timestamptz[],
    @state::text[], @tags::text[], @unique_key::bytea[], @unique_states::int[]
) AS t(args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state,
       tags, unique_key, unique_states)
ON CONFLICT (unique_key)
    WHERE unique_key IS NOT NULL
      AND unique_states IS NOT NULL
      AND {S}river_job_state_in_bitmask(unique_states, state)
    -- Only an updated row comes back, so the existing job is set to its own values: it
    -- stays as it was (River Go writes the new job's kind into it), and the update
    -- waits for, then sees, a conflicting job another transaction is committing.
    DO UPDATE SET kind = river_job.kind
RETURNING {JOB_COLS}, (xmax != 0) AS unique_skipped_as_duplicate
"""

# The insert and its NOTIFY in one statement: one round trip less per insert, and on a
# connection outside a transaction the whole insert is one round trip. The aggregate
# always yields one row, so the cross join keeps the inserted rows in order and runs
# pg_notify whenever a row comes back (Postgres delivers identical notifications of one
# transaction once).
JOB_INSERT_FAST_MANY_NOTIFY = f"""
WITH inserted AS ({JOB_INSERT_FAST_MANY}),
notified AS (
    SELECT count(pg_notify(@topic::text, payload)) FROM unnest(@payloads::text[]) AS payload
)
SELECT inserted.* FROM inserted CROSS JOIN notified
"""

# The locked ids are handed to the UPDATE as an array: with table statistics the planner
# otherwise joins the CTE by hashing a sequential scan of the whole table on every fetch;
# ``id = any(ARRAY(…))`` is an index scan of the primary key (same rows, same locks).
# The rows come back in fetch order, so jobs start in priority order. Each row also
# carries the table's OID and its size in bytes, read once per fetch (see
# ``river.driver.plan_generation``).
JOB_GET_AVAILABLE = f"""
WITH locked_jobs AS (
    SELECT id
    FROM {S}river_job
    WHERE state = 'available'
      AND queue = @queue::text
      AND scheduled_at <= coalesce(@now::timestamptz, now())
    ORDER BY priority ASC, scheduled_at ASC, id ASC
    LIMIT @max_to_lock::integer
    FOR UPDATE SKIP LOCKED
),
updated AS (
UPDATE {S}river_job
SET state = 'running',
    attempt = river_job.attempt + 1,
    attempted_at = coalesce(@now::timestamptz, now()),
    attempted_by = array_append(
        CASE WHEN coalesce(array_length(river_job.attempted_by, 1), 0)
                  >= @max_attempted_by::integer
             THEN river_job.attempted_by[
                 array_length(river_job.attempted_by, 1) + 2 - @max_attempted_by::integer:]
             ELSE river_job.attempted_by END,
        @client_id::text)
WHERE river_job.id = any(ARRAY(SELECT id FROM locked_jobs))
RETURNING {JOB_COLS}, river_job.tableoid
)
SELECT *, (SELECT pg_relation_size(tableoid) FROM updated LIMIT 1) AS table_bytes
FROM updated ORDER BY priority ASC, scheduled_at ASC, id ASC
"""

# A cancel attempt turns a retry or snooze of a running job into a cancellation; completion,
# a worker's own cancel and a discard keep their result.
JOB_SET_STATE_IF_RUNNING_MANY = f"""
WITH job_input AS (
    SELECT * FROM unnest(
        @ids::bigint[], @attempt_do_update::boolean[], @attempt::integer[],
        @errors_do_update::boolean[], @errors::text[], @finalized_at_do_update::boolean[],
        @finalized_at::timestamptz[], @metadata_do_merge::boolean[],
        @metadata_updates::text[], @scheduled_at_do_update::boolean[],
        @scheduled_at::timestamptz[], @state::text[], @running_attempt::integer[]
    ) AS t(id, attempt_do_update, attempt, errors_do_update, errors, finalized_at_do_update,
           finalized_at, metadata_do_merge, metadata_updates, scheduled_at_do_update,
           scheduled_at, state, running_attempt)
),
job_to_update AS (
    SELECT
        job_input.*,
        -- Running the attempt the change is for (0: any): a rescued attempt's late
        -- outcome leaves the newer attempt alone.
        (river_job.state = 'running'
            AND (job_input.running_attempt = 0
                 OR river_job.attempt = job_input.running_attempt)) AS is_running,
        (river_job.metadata ? 'cancel_attempted_at'
            AND job_input.state IN ('available', 'retryable', 'scheduled')) AS should_cancel
    FROM {S}river_job
    JOIN job_input ON river_job.id = job_input.id
    WHERE river_job.id = any(@ids::bigint[])
      AND (river_job.state = 'running' OR job_input.metadata_do_merge)
    FOR UPDATE OF river_job
),
updated_job AS (
    UPDATE {S}river_job
    SET
        attempt = CASE WHEN j.is_running AND j.attempt_do_update AND NOT j.should_cancel
                       THEN j.attempt ELSE river_job.attempt END,
        errors = CASE WHEN j.is_running AND j.errors_do_update
                      THEN array_append(river_job.errors, j.errors::jsonb)
                      ELSE river_job.errors END,
        finalized_at = CASE WHEN j.is_running AND j.should_cancel THEN now()
                            WHEN j.is_running AND j.finalized_at_do_update THEN j.finalized_at
                            ELSE river_job.finalized_at END,
        metadata = CASE WHEN j.metadata_do_merge
                        THEN river_job.metadata || j.metadata_updates::jsonb
                        ELSE river_job.metadata END,
        scheduled_at = CASE WHEN j.is_running AND j.scheduled_at_do_update
                                 AND NOT j.should_cancel
                            THEN j.scheduled_at ELSE river_job.scheduled_at END,
        state = CASE WHEN j.is_running AND j.should_cancel THEN 'cancelled'
                     WHEN j.is_running THEN j.state::{S}river_job_state
                     ELSE river_job.state END
    FROM job_to_update j
    WHERE river_job.id = j.id
    RETURNING {JOB_COLS}
)
SELECT * FROM updated_job
UNION ALL
SELECT {JOB_COLS}
FROM {S}river_job
WHERE id = any(@ids::bigint[]) AND id NOT IN (SELECT id FROM updated_job)
"""

# The same change for callers that need no rows back (no event subscribers): the
# database does the same work, but nothing is sent back or decoded.
JOB_SET_STATE_IF_RUNNING_MANY_NO_ROWS = (
    JOB_SET_STATE_IF_RUNNING_MANY.split(f"    RETURNING {JOB_COLS}")[0]
    + "    RETURNING river_job.id\n)\nSELECT count(*) FROM updated_job\n"
)

# The common batch: jobs that only completed (no metadata to merge). River's general
# statement gives these rows the same result (state completed, finalized_at set, nothing
# else touched, rows no longer running left alone); this one does it with one join.
JOB_COMPLETE_MANY = f"""
UPDATE {S}river_job
SET state = 'completed', finalized_at = t.finalized_at
FROM unnest(@ids::bigint[], @finalized_at::timestamptz[], @running_attempt::integer[])
    AS t(id, finalized_at, running_attempt)
WHERE river_job.id = t.id AND river_job.state = 'running'
  AND (t.running_attempt = 0 OR river_job.attempt = t.running_attempt)
RETURNING {JOB_COLS}
"""

JOB_COMPLETE_MANY_NO_ROWS = JOB_COMPLETE_MANY.split("RETURNING")[0] + "RETURNING river_job.id\n"

JOB_GET_BY_ID = f"SELECT {JOB_COLS} FROM {S}river_job WHERE id = @id::bigint"

JOB_GET_BY_ID_MANY = (
    f"SELECT {JOB_COLS} FROM {S}river_job WHERE id = any(@ids::bigint[]) ORDER BY id"
)

JOB_GET_BY_KIND_MANY = (
    f"SELECT {JOB_COLS} FROM {S}river_job WHERE kind = any(@kinds::text[]) ORDER BY id"
)

JOB_CANCEL = f"""
WITH locked_job AS (
    SELECT id, queue, state, finalized_at
    FROM {S}river_job
    WHERE id = @id::bigint
    FOR UPDATE
),
notification AS (
    SELECT id, pg_notify(
        @control_topic::text,
        json_build_object('action', 'cancel', 'job_id', id, 'queue', queue)::text
    )
    FROM locked_job
    WHERE state NOT IN ('cancelled', 'completed', 'discarded') AND finalized_at IS NULL
),
updated_job AS (
    UPDATE {S}river_job
    SET
        state = CASE WHEN river_job.state = 'running' THEN river_job.state
                     ELSE 'cancelled' END,
        finalized_at = CASE WHEN river_job.state = 'running' THEN river_job.finalized_at
                            ELSE coalesce(@now::timestamptz, now()) END,
        metadata = jsonb_set(river_job.metadata, '{{cancel_attempted_at}}'::text[],
                             @cancel_attempted_at::jsonb, true)
    FROM notification
    WHERE river_job.id = notification.id
    RETURNING {JOB_COLS}
)
SELECT * FROM updated_job
UNION ALL
-- Locked, so that a caller that waited for another transaction's change gets the row as
-- that transaction committed it rather than the statement's older snapshot (River v0.48).
SELECT * FROM (
    SELECT {JOB_COLS} FROM {S}river_job WHERE id = @id::bigint FOR UPDATE
) AS fallback_job
WHERE fallback_job.id NOT IN (SELECT id FROM updated_job)
"""

JOB_UPDATE = f"""
UPDATE {S}river_job
SET metadata = river_job.metadata || @metadata::jsonb
WHERE id = @id::bigint
RETURNING {JOB_COLS}
"""

JOB_DELETE = f"""
WITH job_to_delete AS (
    SELECT id FROM {S}river_job WHERE id = @id::bigint FOR UPDATE
),
deleted_job AS (
    DELETE FROM {S}river_job
    USING job_to_delete
    WHERE river_job.id = job_to_delete.id AND river_job.state != 'running'
    RETURNING {JOB_COLS}
)
SELECT * FROM deleted_job
UNION ALL
SELECT {JOB_COLS}
FROM {S}river_job
WHERE id = @id::bigint AND id NOT IN (SELECT id FROM deleted_job)
"""

JOB_RETRY = f"""
WITH job_to_update AS (
    SELECT id FROM {S}river_job WHERE id = @id::bigint FOR UPDATE
),
updated_job AS (
    UPDATE {S}river_job
    SET
        state = 'available',
        max_attempts = CASE WHEN river_job.attempt >= river_job.max_attempts
                            THEN river_job.attempt + 1 ELSE river_job.max_attempts END,
        finalized_at = NULL,
        -- A cancellation asked for during an earlier attempt must not cancel the next.
        -- Only then is the metadata rewritten: rebuilding JSON nested tens of thousands
        -- of levels deep exceeds the server's stack depth limit.
        metadata = CASE WHEN river_job.metadata ? 'cancel_attempted_at'
                        THEN river_job.metadata - 'cancel_attempted_at'
                        ELSE river_job.metadata END,
        scheduled_at = coalesce(@now::timestamptz, now())
    FROM job_to_update
    WHERE river_job.id = job_to_update.id
      AND river_job.state != 'running'
      AND NOT (river_job.state = 'available'
               AND river_job.scheduled_at < coalesce(@now::timestamptz, now()))
    RETURNING {JOB_COLS}
)
SELECT * FROM updated_job
UNION ALL
-- Locked, so that a caller that waited for another transaction's change gets the row as
-- that transaction committed it rather than the statement's older snapshot (River v0.48).
SELECT * FROM (
    SELECT {JOB_COLS} FROM {S}river_job WHERE id = @id::bigint FOR UPDATE
) AS fallback_job
WHERE fallback_job.id NOT IN (SELECT id FROM updated_job)
"""

# Scheduled and retryable jobs that are due become available; a unique job whose key is
# taken by a live row (or by an earlier job of the same batch) is discarded instead.
JOB_SCHEDULE = f"""
WITH jobs_to_schedule AS (
    SELECT id, unique_key, unique_states, priority, scheduled_at
    FROM {S}river_job
    WHERE state IN ('retryable', 'scheduled')
      AND scheduled_at <= @now::timestamptz
    ORDER BY priority, scheduled_at, id
    LIMIT @max::integer
    FOR UPDATE SKIP LOCKED
),
jobs_with_row_number AS (
    SELECT *,
        CASE WHEN unique_key IS NOT NULL AND unique_states IS NOT NULL
             THEN row_number() OVER (PARTITION BY unique_key
                                     ORDER BY priority, scheduled_at, id)
        END AS row_num
    FROM jobs_to_schedule
),
unique_conflicts AS (
    SELECT DISTINCT river_job.unique_key
    FROM {S}river_job
    JOIN jobs_with_row_number j ON river_job.unique_key = j.unique_key
    WHERE river_job.unique_key IS NOT NULL
      AND river_job.unique_states IS NOT NULL
      AND {S}river_job_state_in_bitmask(river_job.unique_states, river_job.state)
      AND river_job.id NOT IN (SELECT id FROM jobs_to_schedule)
),
job_updates AS (
    SELECT j.id,
        (j.row_num IS NOT NULL AND (c.unique_key IS NOT NULL OR j.row_num > 1))
            AS conflict_discarded
    FROM jobs_with_row_number j
    LEFT JOIN unique_conflicts c ON j.unique_key = c.unique_key
),
updated_job AS (
    UPDATE {S}river_job
    SET
        state = CASE WHEN u.conflict_discarded THEN 'discarded'::{S}river_job_state
                     ELSE 'available'::{S}river_job_state END,
        finalized_at = CASE WHEN u.conflict_discarded THEN @now::timestamptz
                            ELSE river_job.finalized_at END,
        metadata = CASE WHEN u.conflict_discarded
                        THEN river_job.metadata
                             || '{{"unique_key_conflict": "scheduler_discarded"}}'::jsonb
                        ELSE river_job.metadata END
    FROM job_updates u
    WHERE river_job.id = u.id
    RETURNING {JOB_COLS}, u.conflict_discarded
)
SELECT * FROM updated_job
"""

JOB_GET_STUCK = f"""
SELECT {JOB_COLS}
FROM {S}river_job
WHERE state = 'running'
  AND attempted_at < @stuck_horizon::timestamptz
  AND id > @after_id::bigint
ORDER BY id
LIMIT @max::integer
"""

# Which of a producer's running jobs another client asked to cancel (polled when no
# notification can tell it).
JOB_GET_CANCEL_ATTEMPTED_IDS = f"""
SELECT id
FROM {S}river_job
WHERE id = any(@ids::bigint[])
  AND state = 'running'
  AND (metadata ->> 'cancel_attempted_at') IS NOT NULL
ORDER BY id
"""

JOB_RESCUE_MANY = f"""
UPDATE {S}river_job
SET
    errors = array_append(river_job.errors, u.error::jsonb),
    finalized_at = CASE WHEN u.state IN ('cancelled', 'completed', 'discarded')
                        THEN u.finalized_at END,
    scheduled_at = u.scheduled_at,
    state = u.state::{S}river_job_state,
    metadata = jsonb_set(
        river_job.metadata, '{{river:rescue_count}}'::text[],
        to_jsonb(coalesce(
            CASE WHEN jsonb_typeof(river_job.metadata->'river:rescue_count') = 'number'
                 THEN (river_job.metadata->>'river:rescue_count')::numeric::integer END,
            0) + 1), true)
FROM unnest(
    @ids::bigint[], @errors::text[], @finalized_at::timestamptz[],
    @scheduled_at::timestamptz[], @states::text[]
) AS u(id, error, finalized_at, scheduled_at, state)
WHERE river_job.id = u.id AND river_job.state = 'running'
  -- A job that finished and was fetched again since the rescuer read it is left alone
  -- (River v0.48).
  AND (@stuck_horizon::timestamptz IS NULL
       OR river_job.attempted_at < @stuck_horizon::timestamptz)
RETURNING {JOB_COLS}
"""

JOB_DELETE_BEFORE = f"""
WITH deleted_jobs AS (
    DELETE FROM {S}river_job
    WHERE id IN (
        SELECT id
        FROM {S}river_job
        WHERE (state = 'cancelled' AND finalized_at < @cancelled_before::timestamptz)
           OR (state = 'completed' AND finalized_at < @completed_before::timestamptz
               -- a completed workflow task stays while a task waits for it: deleted,
               -- it would cancel that task (river/driver/sql_workflow.py)
               AND NOT (metadata ? 'workflow_id' AND EXISTS (
                   SELECT 1 FROM {S}river_job waiting
                   WHERE waiting.metadata @> jsonb_build_object(
                             'workflow_id', river_job.metadata->>'workflow_id',
                             'deps', jsonb_build_array(river_job.metadata->>'task'))
                     AND waiting.state = 'pending')))
           OR (state = 'discarded' AND finalized_at < @discarded_before::timestamptz)
        ORDER BY id
        LIMIT @max::bigint
    )
    RETURNING 1
)
SELECT count(*) FROM deleted_jobs
"""

# Jobs per (queue, state), for dashboards and metrics gauges.
# Grouped in the fetch index's (state, queue) order: an index-only scan feeds a streaming
# aggregate, with no hash of every row (about 0.6x the time on 1,000,000 rows).
JOB_COUNT_BY_QUEUE_AND_STATE = f"""
SELECT queue, state::text, count(*)::bigint FROM {S}river_job GROUP BY state, queue ORDER BY queue, state
"""

# Jobs per (queue, state), each count stopping at @cap: the (queue, state) pairs are found
# by skipping through river_job_prioritized_fetching_index (one descent per pair), and
# each count reads at most @cap of its entries, so the cost is bounded on any table size.
JOB_COUNT_BY_QUEUE_AND_STATE_CAPPED = f"""
WITH RECURSIVE pairs AS (
    SELECT s.state, (SELECT min(j.queue) FROM {S}river_job j WHERE j.state = s.state) AS queue
    FROM unnest(enum_range(NULL::{S}river_job_state)) AS s(state)
    UNION ALL
    SELECT p.state, (
        SELECT min(j.queue) FROM {S}river_job j WHERE j.state = p.state AND j.queue > p.queue
    )
    FROM pairs p
    WHERE p.queue IS NOT NULL
)
SELECT p.queue, p.state::text, (
    SELECT count(*) FROM (
        SELECT 1 FROM {S}river_job j WHERE j.state = p.state AND j.queue = p.queue
        LIMIT @cap::bigint
    ) AS capped
)::bigint
FROM pairs p
WHERE p.queue IS NOT NULL
ORDER BY 1, 2
"""

# Jobs finalized per minute and state since a time (the dashboard's throughput chart);
# walks river_job_state_and_finalized_at_index.
JOB_FINALIZED_PER_MINUTE = f"""
SELECT date_trunc('minute', finalized_at) AS minute, state::text, count(*)::bigint
FROM {S}river_job
WHERE state IN ('completed', 'discarded', 'cancelled') AND finalized_at >= @since::timestamptz
GROUP BY 1, 2
ORDER BY 1, 2
"""

# The oldest scheduled_at among available jobs of each named queue: one descent of
# river_job_prioritized_fetching_index per (queue, priority) instead of a scan.
QUEUE_OLDEST_AVAILABLE = f"""
SELECT q.name, (
    SELECT min(first.scheduled_at)
    FROM unnest(ARRAY[1, 2, 3, 4]::smallint[]) AS p(priority),
    LATERAL (
        SELECT scheduled_at FROM {S}river_job
        WHERE state = 'available' AND queue = q.name AND priority = p.priority
        ORDER BY scheduled_at
        LIMIT 1
    ) AS first
)
FROM unnest(@queues::text[]) AS q(name)
ORDER BY q.name
"""

# Clients working jobs now: the last client in each running job's attempted_by, read
# from at most @max running jobs.
JOB_RUNNING_CLIENT_IDS = f"""
SELECT client_id, count(*)::bigint
FROM (
    SELECT attempted_by[cardinality(attempted_by)] AS client_id
    FROM {S}river_job
    WHERE state = 'running' AND cardinality(attempted_by) > 0
    LIMIT @max::bigint
) AS running
GROUP BY 1
ORDER BY 1
"""

# river.testing's worker harness: a job it inserted is set running as a fetch would.
JOB_MARK_RUNNING = f"""
UPDATE {S}river_job
SET state = 'running',
    attempt = river_job.attempt + 1,
    attempted_at = coalesce(@now::timestamptz, now()),
    attempted_by = array_append(river_job.attempted_by, @client_id::text)
WHERE id = @id::bigint
RETURNING {JOB_COLS}
"""

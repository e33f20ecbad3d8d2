"""The statements on ``river_queue`` (River's ``river_queue.sql``).

``@name`` parameters; ``/* TEMPLATE: schema */`` prefixes (see ``river.driver.query``).
"""

from __future__ import annotations

from river.driver.query import SCHEMA_MARK as S

QUEUE_COLS = "name, created_at, metadata::text, paused_at, updated_at"

QUEUE_CREATE_OR_SET_UPDATED_AT = f"""
INSERT INTO {S}river_queue (name, created_at, metadata, paused_at, updated_at)
VALUES (@name::text, coalesce(@now::timestamptz, now()), @metadata::jsonb,
        @paused_at::timestamptz, coalesce(@now::timestamptz, now()))
ON CONFLICT (name) DO UPDATE SET updated_at = EXCLUDED.updated_at
RETURNING {QUEUE_COLS}
"""

QUEUE_GET = f"SELECT {QUEUE_COLS} FROM {S}river_queue WHERE name = @name::text"

QUEUE_LIST = f"SELECT {QUEUE_COLS} FROM {S}river_queue ORDER BY name LIMIT @max::integer"

# River's QueueUpdate: metadata replaced only when asked; updated_at always bumped.
QUEUE_UPDATE = f"""
UPDATE {S}river_queue
SET
    metadata = CASE WHEN @metadata_do_update::boolean THEN @metadata::jsonb ELSE metadata END,
    updated_at = now()
WHERE name = @name::text
RETURNING {QUEUE_COLS}
"""

_QUEUE_SET_PAUSED = """
WITH queues AS (
    SELECT name FROM {S}river_queue
    WHERE CASE WHEN @name::text = '*' THEN true ELSE name = @name::text END
    FOR UPDATE
),
updated AS (
    UPDATE {S}river_queue
    SET paused_at = {value}, updated_at = now()
    FROM queues
    WHERE river_queue.name = queues.name AND river_queue.paused_at IS {cond}
    RETURNING river_queue.name
)
SELECT count(*) FROM queues
"""

QUEUE_PAUSE = _QUEUE_SET_PAUSED.format(S=S, value="coalesce(@now::timestamptz, now())", cond="NULL")

QUEUE_RESUME = _QUEUE_SET_PAUSED.format(S=S, value="NULL", cond="NOT NULL")

QUEUE_DELETE_EXPIRED = f"""
WITH deleted AS (
    DELETE FROM {S}river_queue
    WHERE name IN (
        SELECT name FROM {S}river_queue
        WHERE updated_at < @updated_at_horizon::timestamptz
        ORDER BY name
        LIMIT @max::bigint
    )
    RETURNING name
)
SELECT name FROM deleted
"""

# The dashboard's queue page. Both read through river_job_prioritized_fetching_index
# (state, queue, ...), so their cost is bounded by @max / @cap index entries per state
# rather than by how rare the queue's jobs are among the table's newest ones.

# The clients working @queue's running jobs (the last of attempted_by), each with how
# many it runs, over at most @max running jobs.
QUEUE_RUNNING_CLIENT_IDS = f"""
SELECT client_id, count(*)::bigint
FROM (
    SELECT attempted_by[cardinality(attempted_by)] AS client_id
    FROM {S}river_job
    WHERE state = 'running' AND queue = @queue::text AND cardinality(attempted_by) > 0
    LIMIT @max::bigint
) AS running
GROUP BY 1
ORDER BY 1
"""

# Per final state, the jobs of @queue finalized at or after @since, counted up to @cap.
QUEUE_FINALIZED_SINCE = f"""
SELECT s.state::text, (
    SELECT count(*)
    FROM (
        SELECT 1
        FROM {S}river_job
        WHERE state = s.state AND queue = @queue::text AND finalized_at >= @since::timestamptz
        LIMIT @cap::bigint
    ) AS recent
)::bigint
FROM unnest('{{completed,cancelled,discarded}}'::{S}river_job_state[]) AS s(state)
"""

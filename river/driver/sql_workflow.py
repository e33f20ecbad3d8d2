"""The statements of workflows (DAGs of jobs), stored in River's own ``river_job`` table.

A task is a job whose metadata holds ``workflow_id``, ``workflow_name``, ``task`` (its
name, unique within the workflow) and ``deps`` (the names of the tasks it waits for). A
task with dependencies waits in River's ``pending`` state. Tasks are found through the GIN
index on ``metadata`` (``river_job_metadata_index``) with containment conditions, so each
dependency edge costs an index lookup and promoting a workflow is linear in its tasks.
"""

from __future__ import annotations

from river.driver.query import SCHEMA_MARK as S
from river.driver.sql_job import JOB_COLS

# Serializes the promotions of one workflow: a transaction takes it after changing task
# states and before promoting, in a statement of its own, so that the promotion's snapshot
# (taken once the lock is held) sees every completion committed before. Locks are taken in
# sorted order so two transactions touching the same workflows cannot deadlock.
#
# It also turns JIT compilation off until ``WORKFLOW_JIT_RESTORE``, returning the setting
# to restore: the planner's estimates for the promotion's lookups are far above what they
# cost, and compiling the statement took longer (tens of milliseconds) than running it.
WORKFLOW_LOCK = """
SELECT current_setting('jit'), set_config('jit', 'off', true),
       count(pg_advisory_xact_lock(hashtext('river_workflow:' || wf)))
FROM (SELECT DISTINCT wf FROM unnest(@workflow_ids::text[]) AS w(wf) ORDER BY wf) AS w
"""

WORKFLOW_JIT_RESTORE = "SELECT set_config('jit', @jit::text, true)"

# One dependency's effect on a pending task: "ok" (completed, or a failure the task
# ignores), "doomed" (a failure it does not ignore) or "wait".
_DEP_VERDICT = """
CASE coalesce(dep.state::text, 'deleted')
    WHEN 'completed' THEN 'ok'
    WHEN 'cancelled' THEN CASE WHEN t.metadata @> '{"ignore_cancelled_deps": true}'
                               THEN 'ok' ELSE 'doomed' END
    WHEN 'discarded' THEN CASE WHEN t.metadata @> '{"ignore_discarded_deps": true}'
                               THEN 'ok' ELSE 'doomed' END
    WHEN 'deleted' THEN CASE WHEN t.metadata @> '{"ignore_deleted_deps": true}'
                             THEN 'ok' ELSE 'doomed' END
    ELSE 'wait'
END
"""

# ``state::text = 'pending'`` rather than ``state = 'pending'``: compared as text, the
# state cannot lead the plan through the fetch index, which would visit every pending task
# of every workflow; the tasks are found by the GIN index (or by id) and then checked.
#
# Decides the pending tasks that depend on the (workflow, task) pairs that changed, plus
# the pending tasks of ``@ids``: a task whose dependencies are all "ok" becomes available
# (scheduled when its scheduled_at is ahead), one with a "doomed" dependency is cancelled.
# Returns the tasks changed, so that the caller repeats the statement for the dependents
# of the cancelled ones.
WORKFLOW_PROMOTE = f"""
WITH changed AS (
    SELECT DISTINCT wf, task FROM unnest(@workflow_ids::text[], @tasks::text[]) AS c(wf, task)
),
candidates AS MATERIALIZED (
    SELECT j.id, j.metadata, j.scheduled_at
    FROM changed c
    CROSS JOIN LATERAL (
        SELECT id, metadata, scheduled_at FROM {S}river_job
        WHERE metadata @> jsonb_build_object(
                  'workflow_id', c.wf, 'deps', jsonb_build_array(c.task))
          AND state::text = 'pending'
    ) j
    UNION
    SELECT id, metadata, scheduled_at FROM {S}river_job
    WHERE id = any(@ids::bigint[]) AND state = 'pending'
),
edges AS MATERIALIZED (
    SELECT t.id, t.metadata, t.metadata->>'workflow_id' AS wf, n.name
    FROM candidates t
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE jsonb_typeof(t.metadata->'deps') WHEN 'array' THEN t.metadata->'deps'
             ELSE '[]'::jsonb END
    ) AS n(name)
),
-- Each dependency is looked up once, however many tasks wait for it (a fan-out of
-- 10,000 tasks on one dependency is one lookup, not 10,000).
dep_states AS MATERIALIZED (
    SELECT needed.wf, needed.name, found.state
    FROM (SELECT DISTINCT wf, name FROM edges) AS needed
    CROSS JOIN LATERAL (
        -- an aggregate, not ORDER BY id LIMIT 1, which walks the primary key instead of
        -- using the GIN index
        SELECT (array_agg(state ORDER BY id))[1] AS state FROM {S}river_job
        WHERE metadata @> jsonb_build_object('workflow_id', needed.wf, 'task', needed.name)
    ) found
),
verdicts AS MATERIALIZED (
    SELECT
        t.id,
        bool_or(v.verdict = 'doomed') AS doomed,
        bool_and(v.verdict = 'ok') AS ready
    FROM edges t
    JOIN dep_states dep ON dep.wf = t.wf AND dep.name = t.name
    CROSS JOIN LATERAL (SELECT {_DEP_VERDICT} AS verdict) v
    GROUP BY t.id
    HAVING bool_or(v.verdict = 'doomed') OR bool_and(v.verdict = 'ok')
)
UPDATE {S}river_job
SET
    state = CASE
        WHEN v.doomed THEN 'cancelled'
        WHEN river_job.scheduled_at > coalesce(@now::timestamptz, now()) THEN 'scheduled'
        ELSE 'available'
    END::{S}river_job_state,
    finalized_at = CASE WHEN v.doomed THEN coalesce(@now::timestamptz, now()) END,
    metadata = CASE WHEN v.doomed
        THEN river_job.metadata || '{{"workflow_cancelled_by_dep": true}}'::jsonb
        ELSE river_job.metadata END
FROM verdicts v
WHERE river_job.id = v.id
  AND river_job.state::text = 'pending'
  AND (v.doomed OR v.ready)
RETURNING river_job.id, river_job.state::text, river_job.queue,
          river_job.metadata->>'workflow_id', river_job.metadata->>'task'
"""

# Every task of one workflow (the named ones when @tasks is not null), in insert order.
WORKFLOW_TASKS = f"""
SELECT {JOB_COLS} FROM {S}river_job
WHERE metadata @> jsonb_build_object('workflow_id', @workflow_id::text)
  AND (@tasks::text[] IS NULL OR metadata->>'task' = any(@tasks::text[]))
ORDER BY id
"""

# Workflows, newest first: id, name, first created_at, task counts by state.
WORKFLOW_LIST = f"""
SELECT workflow_id, min(workflow_name), min(created_at), jsonb_object_agg(state, n)::text
FROM (
    SELECT
        metadata->>'workflow_id' AS workflow_id,
        state::text AS state,
        count(*) AS n,
        min(metadata->>'workflow_name') AS workflow_name,
        min(created_at) AS created_at
    FROM {S}river_job
    WHERE metadata ? 'workflow_id'
      AND (@name::text IS NULL OR metadata @> jsonb_build_object('workflow_name', @name::text))
    GROUP BY 1, 2
) per_state
GROUP BY workflow_id
ORDER BY min(created_at) DESC, workflow_id
LIMIT @max::int
"""

# Cancels every task of a workflow not yet finalized and not running (a running one is
# cancelled through River's job cancel, which tells its client to stop it).
#
# It first waits for the running tasks being finished by other transactions (locking them
# in id order, as the completer does): such a transaction holds its task's row and then
# locks the dependents to promote them, so cancelling the dependents first made each wait
# for the other (a deadlock, one of them aborted). The condition on ``running`` makes
# the lock taken before any row is updated.
WORKFLOW_CANCEL = f"""
WITH running AS MATERIALIZED (
    SELECT id FROM {S}river_job
    WHERE metadata @> jsonb_build_object('workflow_id', @workflow_id::text)
      AND state = 'running'
    ORDER BY id
    FOR UPDATE
)
UPDATE {S}river_job
SET state = 'cancelled', finalized_at = coalesce(@now::timestamptz, now())
WHERE metadata @> jsonb_build_object('workflow_id', @workflow_id::text)
  AND state IN ('available', 'pending', 'retryable', 'scheduled')
  AND (SELECT count(*) FROM running) >= 0
RETURNING id
"""

WORKFLOW_RUNNING_IDS = f"""
SELECT id FROM {S}river_job
WHERE metadata @> jsonb_build_object('workflow_id', @workflow_id::text) AND state = 'running'
ORDER BY id
"""

# Puts the failed (discarded) and cancelled tasks of a workflow back to pending (available
# for a task without dependencies), with an attempt left; the promotion that follows makes
# those whose dependencies are done available. The marker of a cancellation by a dependency goes with it.
WORKFLOW_RETRY = f"""
UPDATE {S}river_job
SET
    state = CASE WHEN jsonb_typeof(metadata->'deps') = 'array'
                      AND jsonb_array_length(metadata->'deps') > 0
                 THEN 'pending' ELSE 'available' END::{S}river_job_state,
    finalized_at = NULL,
    scheduled_at = coalesce(@now::timestamptz, now()),
    max_attempts = CASE WHEN attempt >= max_attempts THEN attempt + 1 ELSE max_attempts END,
    metadata = metadata - 'workflow_cancelled_by_dep'
WHERE metadata @> jsonb_build_object('workflow_id', @workflow_id::text)
  AND state IN ('cancelled', 'discarded')
RETURNING id, state::text, queue
"""

# The leader's safety net: pending tasks with a dependency failed or deleted, or with every
# dependency finished (a promotion lost with a crashed client, a dependency deleted or
# cancelled outside a client). Returns (workflow_id, id) of up to @max such tasks.
WORKFLOW_SWEEP_CANDIDATES = f"""
SELECT t.metadata->>'workflow_id', t.id
FROM {S}river_job t
CROSS JOIN LATERAL (
    SELECT bool_or(v.verdict = 'doomed') AS failed, bool_and(v.verdict = 'ok') AS done
    FROM jsonb_array_elements_text(
        CASE jsonb_typeof(t.metadata->'deps') WHEN 'array' THEN t.metadata->'deps'
             ELSE '[]'::jsonb END
    ) AS n(name)
    LEFT JOIN LATERAL (
        SELECT state FROM {S}river_job
        WHERE metadata @> jsonb_build_object(
                  'workflow_id', t.metadata->>'workflow_id', 'task', n.name)
        ORDER BY id
        LIMIT 1
    ) dep ON true
    CROSS JOIN LATERAL (SELECT {_DEP_VERDICT} AS verdict) v
) deps
WHERE t.state = 'pending'
  AND t.metadata ? 'workflow_id'
  AND (deps.failed OR deps.done)
ORDER BY t.id
LIMIT @max::int
"""

"""The statements of sequences, stored in River's own ``river_job`` table.

A job of a sequence has its key in its metadata (``riverpro_sequence_key``) and waits in
River's ``pending`` state until it is its turn. Jobs of a key are found through the GIN
index on ``metadata`` (``river_job_metadata_index``) with a containment condition.
"""

from __future__ import annotations

from river.driver.query import SCHEMA_MARK as S

# Serializes the decisions about one key: a transaction takes it after inserting or
# finishing jobs of the key and before promoting, in a statement of its own, so that the
# promotion's snapshot (taken once the lock is held) sees every change committed before.
# Sorted, so that two transactions locking the same keys cannot deadlock.
SEQUENCE_LOCK = """
SELECT count(pg_advisory_xact_lock(hashtext('river_sequence:' || k)))
FROM (SELECT DISTINCT k FROM unnest(@keys::text[]) AS s(k) ORDER BY k) AS s
"""


# A sequence's next job is its first pending one (lowest id). It may run when no job of
# the sequence can run (available, running, retryable, scheduled: one at a time, whatever
# their ids) and no job before it failed (discarded or cancelled) without the option to
# continue past its failure. A job that failed after it (a later job, or one cancelled
# before its turn) does not hold it.
def _active(t: str) -> str:
    return f"{t}.state::text IN ('available', 'running', 'retryable', 'scheduled')"


def _halts(t: str) -> str:
    return f"""(
    ({t}.state::text = 'cancelled'
     AND NOT {t}.metadata @> '{{"riverpro_sequence_continue_on_cancelled": true}}')
    OR ({t}.state::text = 'discarded'
        AND NOT {t}.metadata @> '{{"riverpro_sequence_continue_on_discarded": true}}')
)"""


# Per key (``keys.k``): its next job, whether a job can run, and its first halting job.
# ``state::text`` rather than ``state``: compared as text, the state cannot lead the plan
# through the fetch index; a key's jobs are found by the GIN index and then checked.
_KEY_STATE = f"""
CROSS JOIN LATERAL (
    SELECT
        min(j.id) FILTER (WHERE j.state::text = 'pending') AS next_id,
        bool_or({_active("j")}) AS busy,
        min(j.id) FILTER (WHERE {_halts("j")}) AS first_halt
    FROM {S}river_job j
    WHERE j.metadata @> jsonb_build_object('riverpro_sequence_key', keys.k)
) found
"""
_NEXT_MAY_RUN = """
found.next_id IS NOT NULL
AND NOT coalesce(found.busy, false)
AND (found.first_halt IS NULL OR found.first_halt > found.next_id)
"""

# For each key whose next job may run, makes it available (scheduled when its
# scheduled_at is ahead). Returns the jobs changed. Compared with clock_timestamp(), not
# now(): in the inserting transaction, now() (its start) is before the scheduled_at the
# client gave a job to run at once.
SEQUENCE_PROMOTE = f"""
WITH nexts AS MATERIALIZED (
    SELECT found.next_id
    FROM (SELECT DISTINCT k FROM unnest(@keys::text[]) AS s(k)) AS keys
    {_KEY_STATE}
    WHERE {_NEXT_MAY_RUN}
)
UPDATE {S}river_job
SET state = CASE
    WHEN river_job.scheduled_at > coalesce(@now::timestamptz, clock_timestamp()) THEN 'scheduled'
    ELSE 'available'
END::{S}river_job_state
FROM nexts
WHERE river_job.id = nexts.next_id AND river_job.state = 'pending'
RETURNING river_job.id, river_job.state::text, river_job.queue,
          river_job.metadata->>'riverpro_sequence_key'
"""

# The leader's safety net: keys whose next job may run (a promotion lost with a crashed
# client, a job deleted or changed outside a client). Up to @max keys.
SEQUENCE_SWEEP_CANDIDATES = f"""
SELECT keys.k
FROM (
    SELECT DISTINCT metadata->>'riverpro_sequence_key' AS k
    FROM {S}river_job
    WHERE state = 'pending' AND metadata ? 'riverpro_sequence_key'
) AS keys
{_KEY_STATE}
WHERE {_NEXT_MAY_RUN}
ORDER BY keys.k
LIMIT @max::int
"""

# A job of a sequence made available by a retry goes back to waiting (pending) while
# another job of its key can run or one before it halts the key; the key's promotion then
# takes it in id order.
SEQUENCE_HOLD = f"""
UPDATE {S}river_job
SET state = 'pending'
WHERE id = @id
  AND state = 'available'
  AND EXISTS (
      SELECT 1 FROM {S}river_job j
      WHERE j.metadata @> jsonb_build_object('riverpro_sequence_key', @key::text)
        AND j.id <> @id
        AND ({_active("j")} OR (j.id < @id AND {_halts("j")}))
  )
RETURNING id
"""

# The dashboard's queue page: the sequences with jobs of @queue waiting (pending) or
# running, read from at most @scan jobs in each of the two states, the @max_keys whose
# first such job is oldest. Per key: its jobs of the queue waiting, its next one, and its
# head: the job of the key that can run (running, available, retryable, scheduled), else
# the failed job before the next one that holds the key (what the promotion checks).
QUEUE_SEQUENCES = f"""
WITH seen AS (
    (SELECT metadata->>'riverpro_sequence_key' AS k, id, true AS waiting
     FROM {S}river_job
     WHERE state = 'pending' AND queue = @queue::text AND metadata ? 'riverpro_sequence_key'
     LIMIT @scan::integer)
    UNION ALL
    (SELECT metadata->>'riverpro_sequence_key', id, false
     FROM {S}river_job
     WHERE state = 'running' AND queue = @queue::text AND metadata ? 'riverpro_sequence_key'
     LIMIT @scan::integer)
),
keys AS (
    SELECT k,
           count(*) FILTER (WHERE waiting) AS waiting,
           min(id) FILTER (WHERE waiting) AS next_id
    FROM seen
    GROUP BY k
    ORDER BY min(id), k
    LIMIT @max_keys::integer
)
SELECT keys.k, keys.waiting::bigint, keys.next_id, head.id, head.state::text, head.kind
FROM keys
LEFT JOIN LATERAL (
    SELECT j.id, j.state, j.kind
    FROM {S}river_job j
    WHERE j.metadata @> jsonb_build_object('riverpro_sequence_key', keys.k)
      AND ({_active("j")} OR ({_halts("j")} AND j.id < coalesce(keys.next_id, 0)))
    ORDER BY {_active("j")} DESC, j.id
    LIMIT 1
) AS head ON true
ORDER BY keys.next_id NULLS LAST, keys.k
"""

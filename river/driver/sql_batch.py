"""The statement of batching: a batch leader's fetch of more jobs of its batch key.

A job of a batch has its key in its metadata (``river_batch_key``); the fetch finds the
key's available jobs of one kind and queue and marks them running exactly as the
producer's fetch does (``sql_job.JOB_GET_AVAILABLE``), so that a job fetched into a batch
is rescued like any running job if its client dies. ``SKIP LOCKED``: two leaders, or a
leader and a producer, never take the same job.
"""

from __future__ import annotations

from river.driver.query import SCHEMA_MARK as S
from river.driver.sql_job import JOB_COLS

JOB_GET_BATCH = f"""
WITH locked_jobs AS (
    SELECT id
    FROM {S}river_job
    WHERE state = 'available'
      AND queue = @queue::text
      AND kind = @kind::text
      AND metadata @> jsonb_build_object('river_batch_key', @key::text)
      AND scheduled_at <= coalesce(@now::timestamptz, now())
    ORDER BY priority ASC, scheduled_at ASC, id ASC
    LIMIT @max_to_lock::integer
    FOR UPDATE SKIP LOCKED
)
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
RETURNING {JOB_COLS}
"""

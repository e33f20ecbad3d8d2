-- unique_states is a bit(8) with one bit per state in enum order: 'available' is the
-- last bit (bit 7 counting from the left), 'scheduled' the first (bit 0). The body's
-- layout matches River's so that both tools store the same function text.
CREATE OR REPLACE FUNCTION /* TEMPLATE: schema */river_job_state_in_bitmask(
    bitmask bit(8), state /* TEMPLATE: schema */river_job_state
)
    RETURNS boolean
    LANGUAGE SQL
    IMMUTABLE
    AS $$
    SELECT CASE state
        WHEN 'available' THEN get_bit(bitmask, 7)
        WHEN 'cancelled' THEN get_bit(bitmask, 6)
        WHEN 'completed' THEN get_bit(bitmask, 5)
        WHEN 'discarded' THEN get_bit(bitmask, 4)
        WHEN 'pending'   THEN get_bit(bitmask, 3)
        WHEN 'retryable' THEN get_bit(bitmask, 2)
        WHEN 'running'   THEN get_bit(bitmask, 1)
        WHEN 'scheduled' THEN get_bit(bitmask, 0)
        ELSE 0
    END = 1;
$$;

-- IF NOT EXISTS: large installations may have added the column and built the index
-- CONCURRENTLY ahead of the migration.
ALTER TABLE /* TEMPLATE: schema */river_job ADD COLUMN IF NOT EXISTS unique_states bit(8);

-- Uniqueness now holds only among jobs whose state is in their own unique_states.
CREATE UNIQUE INDEX IF NOT EXISTS river_job_unique_idx ON /* TEMPLATE: schema */river_job (unique_key)
    WHERE unique_key IS NOT NULL
        AND unique_states IS NOT NULL
        AND /* TEMPLATE: schema */river_job_state_in_bitmask(unique_states, state);

-- IF EXISTS: it may already have been dropped by hand after the new index was built.
DROP INDEX IF EXISTS /* TEMPLATE: schema */river_job_kind_unique_key_idx;

-- An outbox for notifications: River's SQLite driver emulates LISTEN/NOTIFY with it.
-- Postgres gets the table too, so every database has the same schema.
CREATE TABLE /* TEMPLATE: schema */river_notification (
    id bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    payload text NOT NULL,
    topic text NOT NULL,
    CONSTRAINT topic_length CHECK (length(topic) > 0 AND length(topic) < 128)
);

CREATE INDEX river_notification_created_at_idx
    ON /* TEMPLATE: schema */river_notification (created_at);
CREATE INDEX river_notification_topic_id_idx
    ON /* TEMPLATE: schema */river_notification (topic, id);

-- (This version also moves SQLite's JSON columns to jsonb; Postgres has used jsonb all
-- along.)

-- The client registry tables from 005 were never used.
DROP TABLE IF EXISTS /* TEMPLATE: schema */river_client_queue;
DROP TABLE IF EXISTS /* TEMPLATE: schema */river_client;

-- Defaults so that plain SQL inserts need fewer columns.
ALTER TABLE /* TEMPLATE: schema */river_job ALTER COLUMN max_attempts SET DEFAULT 25;
ALTER TABLE /* TEMPLATE: schema */river_queue ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;

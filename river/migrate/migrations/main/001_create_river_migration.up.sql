-- River's migration bookkeeping, in its original shape (one row per applied version).
-- Version 005 rebuilds it with a migration line.
CREATE TABLE /* TEMPLATE: schema */river_migration (
    id bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    version bigint NOT NULL,
    CONSTRAINT version CHECK (version >= 1)
);

CREATE UNIQUE INDEX ON /* TEMPLATE: schema */river_migration USING btree (version);

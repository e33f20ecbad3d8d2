-- Back to the version-only river_migration. That table cannot hold rows of other
-- migration lines, so their presence makes this step refuse rather than lose them.
DO $migrate$
BEGIN
    IF to_regclass('/* TEMPLATE: schema */river_migration') IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM /* TEMPLATE: schema */river_migration WHERE line <> 'main') THEN
            RAISE EXCEPTION 'river_migration holds lines other than main; reverting 005 would lose them';
        END IF;

        ALTER TABLE /* TEMPLATE: schema */river_migration RENAME TO river_migration_old;

        CREATE TABLE /* TEMPLATE: schema */river_migration (
            id bigserial PRIMARY KEY,
            created_at timestamptz NOT NULL DEFAULT now(),
            version bigint NOT NULL,
            CONSTRAINT version CHECK (version >= 1)
        );

        CREATE UNIQUE INDEX ON /* TEMPLATE: schema */river_migration USING btree (version);

        INSERT INTO /* TEMPLATE: schema */river_migration (created_at, version)
            SELECT created_at, version FROM /* TEMPLATE: schema */river_migration_old;

        DROP TABLE /* TEMPLATE: schema */river_migration_old;
    END IF;
END;
$migrate$ LANGUAGE plpgsql;

-- Dropping the column drops river_job_kind_unique_key_idx with it.
ALTER TABLE /* TEMPLATE: schema */river_job DROP COLUMN unique_key;

DROP TABLE /* TEMPLATE: schema */river_client_queue;
DROP TABLE /* TEMPLATE: schema */river_client;

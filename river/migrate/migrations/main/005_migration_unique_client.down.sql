DO $body$
BEGIN
    IF (SELECT to_regclass('/* TEMPLATE: schema */river_migration') IS NOT NULL) THEN
        ALTER TABLE /* TEMPLATE: schema */river_migration RENAME TO river_migration_old;

        CREATE TABLE /* TEMPLATE: schema */river_migration (
            id bigserial PRIMARY KEY,
            created_at timestamptz NOT NULL DEFAULT now(),
            version bigint NOT NULL,
            CONSTRAINT version CHECK (version >= 1)
        );

        CREATE UNIQUE INDEX ON /* TEMPLATE: schema */river_migration USING btree (version);

        INSERT INTO /* TEMPLATE: schema */river_migration (created_at, version)
        SELECT created_at, version
        FROM /* TEMPLATE: schema */river_migration_old
        WHERE line = 'main';

        DROP TABLE /* TEMPLATE: schema */river_migration_old;
    END IF;
END;
$body$
LANGUAGE plpgsql;

DROP INDEX /* TEMPLATE: schema */river_job_kind_unique_key_idx;
ALTER TABLE /* TEMPLATE: schema */river_job DROP COLUMN unique_key;

DROP TABLE /* TEMPLATE: schema */river_client_queue;
DROP TABLE /* TEMPLATE: schema */river_client;

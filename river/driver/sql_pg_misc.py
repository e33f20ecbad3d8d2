"""Statements on PostgreSQL itself, on no River table (River's ``pg_misc.sql``).

Connection checks, settings, notifications, and the reindexer's catalog reads and
rebuilds. ``@name`` parameters.
"""

from __future__ import annotations

# Limits the statements after it in the current transaction (``SET LOCAL`` takes no
# parameters; ``set_config(..., true)`` is its parameterized form).
STATEMENT_TIMEOUT_SET_LOCAL = "SELECT set_config('statement_timeout', @timeout_ms::text, true)"

NOTIFY_MANY = "SELECT pg_notify(@topic::text, unnest(@payloads::text[]))"

CURRENT_SCHEMA = "SELECT coalesce(current_schema(), '')"

PING = "SELECT 1"

INDEX_EXISTS = """
SELECT EXISTS (
    SELECT 1 FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = @schema::text AND c.relname = @index::text AND c.relkind = 'i'
)
"""

# The temporary copies an interrupted REINDEX CONCURRENTLY leaves behind
# (``<index>_ccnew``, ``<index>_ccold``, optionally numbered).
INDEX_REINDEX_LEFTOVERS_EXIST = """
SELECT EXISTS (
    SELECT 1 FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = @schema::text
      AND left(c.relname, length(@index::text)) = @index::text
      AND substr(c.relname, length(@index::text) + 1) ~ '^_cc(new|old)[0-9]*$'
)
"""

# Identifiers cannot be parameters: ``{schema}`` and ``{index}`` are quoted identifiers.
INDEX_REINDEX = "REINDEX INDEX CONCURRENTLY {schema}.{index}"

# A rebuild labelled by a leading comment, so that another connection can find it in
# pg_stat_activity and cancel it when it runs past the reindexer's timeout.
INDEX_REINDEX_LABELLED = "/* river_reindex:{label} */ REINDEX INDEX CONCURRENTLY {schema}.{index}"

INDEX_REINDEX_CANCEL = """
SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity
WHERE pid <> pg_backend_pid() AND state = 'active'
  AND starts_with(query, '/* river_reindex:' || @label::text || ' */')
"""

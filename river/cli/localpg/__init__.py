"""A local PostgreSQL server for the command line and the test suite.

- ``binaries``: finding server binaries (the machine's, else the ``embedded`` extra's);
- ``accounts``: as root, the unprivileged account the server runs as, and permissions;
- ``server``: one cluster's lifecycle (initdb, start, stop) and ``LocalPostgres``;
- ``ephemeral``: ``start_ephemeral()``, a throwaway server removed by ``stop()``;
- ``cached``: one server per user under the cache directory, reused while it runs;
- ``watchdog``: a process (``python -m river.cli.localpg.watchdog``) that stops a server
  whose owner died.

Only the standard library is imported.
"""

from __future__ import annotations

from river.cli.localpg.accounts import ALLOW_EMBEDDED_AS_ROOT_ENV, SERVICE_ACCOUNT
from river.cli.localpg.binaries import (
    EMBEDDED_EXTRA_HINT,
    ServerBinaries,
    find_binaries,
    find_embedded_bindir,
    find_system_bindir,
)
from river.cli.localpg.cached import (
    DATABASE,
    CachedServer,
    CachedStatus,
    clean_local,
    local_database_url,
    local_root,
    local_server,
    local_status,
    start_cached,
    stop_local,
)
from river.cli.localpg.ephemeral import start_ephemeral
from river.cli.localpg.errors import LocalPostgresError
from river.cli.localpg.server import HOST, SUPERUSER, LocalPostgres

__all__ = [
    "ALLOW_EMBEDDED_AS_ROOT_ENV",
    "DATABASE",
    "EMBEDDED_EXTRA_HINT",
    "HOST",
    "SERVICE_ACCOUNT",
    "SUPERUSER",
    "CachedServer",
    "CachedStatus",
    "LocalPostgres",
    "LocalPostgresError",
    "ServerBinaries",
    "clean_local",
    "find_binaries",
    "find_embedded_bindir",
    "find_system_bindir",
    "local_database_url",
    "local_root",
    "local_server",
    "local_status",
    "start_cached",
    "start_ephemeral",
    "stop_local",
]

"""The throwaway policy: a new server in a new temporary directory, removed by
``stop()`` or, should the owner die first, by its watchdog."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from river.cli.localpg import watchdog
from river.cli.localpg.accounts import (
    SERVICE_ACCOUNT,
    Account,
    chown,
    reachable_by_others,
    service_account,
)
from river.cli.localpg.binaries import find_binaries
from river.cli.localpg.errors import LocalPostgresError
from river.cli.localpg.server import (
    LocalPostgres,
    initdb,
    pg_ctl_stop,
    start_on_free_port,
    start_watchdog,
)


def temp_parent(account: Account | None) -> Path:
    """A temporary directory the server's account can reach."""
    parent = Path(tempfile.gettempdir())
    if account is None or reachable_by_others(parent):
        return parent
    fallback = Path("/tmp")
    if fallback.is_dir() and reachable_by_others(fallback):
        return fallback
    raise LocalPostgresError(
        f"temporary directory {parent} is not reachable by the '{SERVICE_ACCOUNT}' user; "
        "set TMPDIR to a directory other users can traverse"
    )


def start_ephemeral(
    *, fast: bool = True, allow_embedded_as_root: bool | None = None, embedded_only: bool = False
) -> LocalPostgres:
    """Start a throwaway server in a new temporary directory, removed by ``stop()``.

    ``fast`` turns off fsync, synchronous commit and full-page writes: fine for tests,
    never for data or benchmarks. ``embedded_only`` uses the embedded extra's server even
    when the machine has its own.
    """
    binaries = find_binaries(
        allow_embedded_as_root=allow_embedded_as_root, embedded_only=embedded_only
    )
    account = service_account()
    base = Path(tempfile.mkdtemp(prefix="river-pg-", dir=temp_parent(account)))
    guard = start_watchdog(binaries, base, account, keep_data=False)
    try:
        chown(base, account)
        initdb(binaries, base, account, fast=fast)
        port = start_on_free_port(binaries, base, account)
    except BaseException:
        pg_ctl_stop(binaries, base, account, mode="immediate")
        watchdog.dismiss(guard)
        shutil.rmtree(base, ignore_errors=True)
        raise
    return LocalPostgres(binaries, base, port, remove_on_stop=True, account=account, watchdog=guard)

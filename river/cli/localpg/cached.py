"""The cached policy: one server per user and major version under the cache directory,
initialised once with default durability (benchmarks run on it) and a ``river``
database; started when needed, and reused while it runs."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from river.cli.localpg import watchdog
from river.cli.localpg.accounts import (
    Account,
    chown,
    reachable_by_others,
    service_account,
)
from river.cli.localpg.binaries import ServerBinaries, find_binaries, has_server
from river.cli.localpg.ephemeral import temp_parent
from river.cli.localpg.errors import LocalPostgresError
from river.cli.localpg.server import (
    HOST,
    SUPERUSER,
    LocalPostgres,
    create_database,
    initdb,
    pg_ctl_stop,
    running_port,
    start_on_free_port,
    start_watchdog,
    wait_accepting,
)

DATABASE = "river"


def _cache_root() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "river-queue" / "pg"


def local_root(account: Account | None = None) -> Path:
    """Directory of the cached servers: the user cache directory, or as root a
    root-owned directory in the temp directory when the cache is closed to the server's
    account (root's home usually is)."""
    cache = _cache_root()
    if account is None or reachable_by_others(cache):
        return cache
    return temp_parent(account) / "river-queue-pg-root"


def _check_private(root: Path) -> None:
    # In a shared temp directory someone else could have planted it.
    st = os.lstat(root)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
        raise LocalPostgresError(
            f"{root} is not a directory owned by this user; remove it or set XDG_CACHE_HOME"
        )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise concurrent commands setting up the same server."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class CachedServer:
    """The cached server and whether this call started it (False: it was running)."""

    server: LocalPostgres
    started: bool


def start_cached(
    *, allow_embedded_as_root: bool | None = None, stop_with_process: bool = False
) -> CachedServer:
    """The cached server, initialised and started as needed.

    ``stop_with_process``: a server this call starts is stopped (its data kept) when this
    process ends, however it ends, unless ``LocalPostgres.keep_running()`` is called.
    """
    binaries = find_binaries(allow_embedded_as_root=allow_embedded_as_root)
    account = service_account()
    root = local_root(account)
    root.mkdir(parents=True, exist_ok=True)
    _check_private(root)
    root.chmod(0o755)  # the server's account must reach its directory
    # One cluster per major version: a data directory only opens with its own major.
    base = root / binaries.major
    guard = None
    with _locked(root / ".lock"):
        base.mkdir(exist_ok=True)
        chown(base, account)
        ready = base / "initialised"
        if not ready.exists():
            shutil.rmtree(base / "data", ignore_errors=True)  # an interrupted initdb
            initdb(binaries, base, account, fast=False)
            create_database(binaries, base, account, DATABASE)
            ready.write_text(f"{binaries.bindir}\n")
        port = running_port(binaries, base, account)
        started = port is None
        if port is None:
            if stop_with_process:
                guard = start_watchdog(binaries, base, account, keep_data=True)
            port_file = base / "port"
            stored = port_file.read_text().strip() if port_file.exists() else ""
            preferred = int(stored) if stored.isdigit() else None
            try:
                port = start_on_free_port(binaries, base, account, preferred)
            except BaseException:
                if guard is not None:
                    watchdog.dismiss(guard)
                raise
            port_file.write_text(f"{port}\n")
        wait_accepting(port)
    server = LocalPostgres(
        binaries, base, port, remove_on_stop=False, account=account, watchdog=guard
    )
    return CachedServer(server, started)


def local_server(*, allow_embedded_as_root: bool | None = None) -> LocalPostgres:
    """The cached server, started when needed and left running."""
    return start_cached(allow_embedded_as_root=allow_embedded_as_root).server


def local_database_url(*, allow_embedded_as_root: bool | None = None) -> str:
    """URL of the ``river`` database on the cached server (left running); says so on
    stderr."""
    server = local_server(allow_embedded_as_root=allow_embedded_as_root)
    url = server.url_for(DATABASE)
    print(
        f"river: using local PostgreSQL {server.version} at {url} (data in {server.base})",
        file=sys.stderr,
    )
    return url


@dataclass(frozen=True)
class CachedStatus:
    """One cached server: its directory, version, and port when running."""

    base: Path
    version: str
    port: int | None

    def url_for(self, database: str = DATABASE) -> str | None:
        if self.port is None:
            return None
        return f"postgresql://{SUPERUSER}@{HOST}:{self.port}/{database}"


def _cached_clusters() -> Iterator[tuple[Path, ServerBinaries, Account | None]]:
    account = service_account()
    root = local_root(account)
    for ready in sorted(root.glob("*/initialised")):
        bindir = Path(ready.read_text().strip())
        if has_server(bindir):
            yield ready.parent, ServerBinaries(bindir, embedded=False), account


def local_status() -> list[CachedStatus]:
    """Every cached server of this user, running or not."""
    return [
        CachedStatus(base, binaries.version, running_port(binaries, base, account))
        for base, binaries, account in _cached_clusters()
    ]


def stop_local() -> list[Path]:
    """Stop the cached servers; returns the directories of those stopped."""
    return [
        base
        for base, binaries, account in _cached_clusters()
        if pg_ctl_stop(binaries, base, account)
    ]


def clean_local() -> list[Path]:
    """Stop the cached servers and remove their directories, data included; returns the
    directories removed. The next ``--local`` or ``river bench`` initialises a new one."""
    root = local_root(service_account())
    if not root.is_dir():
        return []
    stop_local()
    removed = []
    with _locked(root / ".lock"):
        for base in sorted(path for path in root.iterdir() if path.is_dir()):
            shutil.rmtree(base)
            removed.append(base)
    return removed

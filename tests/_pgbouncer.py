"""PgBouncer in front of the test database, and the deployment the suite runs in.

``RIVER_TEST_PGBOUNCER`` chooses the deployment:

- ``transaction``: the pools go through a PgBouncer in transaction mode and every client
  runs with ``poll_only=True`` (no LISTEN at all);
- ``transaction-listen``: the pools go through PgBouncer and each driver's listener
  connects straight to the server (``Driver.open(url, listener_url=...)``), so
  notifications work.

PgBouncer (Debian's ``pgbouncer``) is started like the throwaway server: in a temporary
directory, on a free port, as the server's account when run as root, and stopped at the
end. The suite's ``RIVER_TEST_DATABASE_URL`` then points at PgBouncer and
``RIVER_TEST_DIRECT_URL`` at the server. ``install()`` makes every ``Driver.open`` (in
the test process and in the programs it starts) pass the options each driver needs
behind a transaction-mode pooler, and ``poll_only`` the default in the poll-only
deployment: the settings a deployment sets once in its own code.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MODE_ENV = "RIVER_TEST_PGBOUNCER"
DIRECT_URL_ENV = "RIVER_TEST_DIRECT_URL"
POLL_ONLY = "transaction"
DIRECT_LISTENER = "transaction-listen"
MODES = (POLL_ONLY, DIRECT_LISTENER)
# Server connections per (database, user): fewer than the clients' pools together, so
# transactions really are multiplexed, yet enough for the cluster tests' processes.
DEFAULT_POOL_SIZE = 40
_START_TIMEOUT_S = 30

# Options each driver's pool needs behind a transaction-mode pooler (PgBouncer before
# 1.21 has no prepared statements; even after, only protocol-level ones).
DRIVER_POOL_OPTIONS: dict[str, dict[str, Any]] = {
    "AsyncpgDriver": {"statement_cache_size": 0},
    "PsycopgDriver": {"prepare_threshold": None},
    "AsyncPsycopgDriver": {"prepare_threshold": None},
    "Psycopg2Driver": {},
}


class PgBouncerError(RuntimeError):
    """PgBouncer could not be found or started."""


def mode() -> str | None:
    """The deployment under test, or None when the suite talks to the server directly."""
    value = os.environ.get(MODE_ENV, "").strip()
    if not value:
        return None
    if value not in MODES:
        raise ValueError(f"{MODE_ENV}={value!r}: expected one of {', '.join(MODES)}")
    return value


def find_pgbouncer() -> str:
    found = shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise PgBouncerError("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgBouncer:
    """A PgBouncer in transaction mode in front of the server at ``server_url``."""

    def __init__(self, server_url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self.server_url = server_url
        parts = urlsplit(server_url)
        self._user = parts.username or "postgres"
        self._server_host = parts.hostname or "127.0.0.1"
        self._server_port = parts.port or 5432
        self._pool_size = pool_size
        self.port = 0
        self.base: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``server_url`` with PgBouncer's address instead of the server's."""
        parts = urlsplit(self.server_url)
        return urlunsplit(parts._replace(netloc=f"{self._user}@127.0.0.1:{self.port}"))

    def _config(self, base: Path) -> str:
        return f"""\
[databases]
* = host={self._server_host} port={self._server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {base / "users.txt"}
pool_mode = transaction
default_pool_size = {self._pool_size}
max_client_conn = 2000
max_db_connections = 0
server_reset_query =
server_check_delay = 1
ignore_startup_parameters = extra_float_digits,options,search_path
logfile = {base / "pgbouncer.log"}
pidfile = {base / "pgbouncer.pid"}
admin_users = {self._user}
log_connections = 0
log_disconnections = 0
"""

    def start(self) -> PgBouncer:
        program = find_pgbouncer()
        self.base = Path(tempfile.mkdtemp(prefix="river-pgbouncer-"))
        self.base.chmod(0o755)
        self.port = _free_port()
        (self.base / "users.txt").write_text(f'"{self._user}" ""\n')
        ini = self.base / "pgbouncer.ini"
        ini.write_text(self._config(self.base))
        cmd = [program, str(ini)]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            import pwd

            account = pwd.getpwnam("postgres")
            for path in self.base.iterdir():
                os.chown(path, account.pw_uid, account.pw_gid)
            os.chown(self.base, account.pw_uid, account.pw_gid)
            cmd[1:1] = ["-u", "postgres"]
        # Its output goes to a file: an unread pipe fills up and PgBouncer stalls on it.
        with open(self.base / "stderr.log", "wb") as stderr:
            self._proc = subprocess.Popen(
                cmd, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
            )
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._accepts():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise PgBouncerError(f"pgbouncer did not start: {self._log_tail()}")
            time.sleep(0.05)
        return self

    def _accepts(self) -> bool:
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def _log_tail(self) -> str:
        text = ""
        for name in ("pgbouncer.log", "stderr.log"):
            log = self.base / name if self.base else None
            text += log.read_text(errors="replace") if log and log.exists() else ""
        return text[-2000:]

    def stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.send_signal(signal.SIGINT)  # immediate shutdown
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            self._proc = None
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None


def driver_options(driver_class_name: str) -> dict[str, Any]:
    """What the deployment under test passes to ``<driver>.open``."""
    current = mode()
    if current is None:
        return {}
    options = dict(DRIVER_POOL_OPTIONS.get(driver_class_name, {}))
    direct = os.environ.get(DIRECT_URL_ENV)
    if current == DIRECT_LISTENER and direct:
        options["listener_url"] = direct
    return options


def _wrap_open(cls: Any) -> None:
    original = cls.__dict__["open"].__func__
    if getattr(original, "_river_pgbouncer", False):
        return

    @functools.wraps(original)
    def open_(klass: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        for key, value in driver_options(klass.__name__).items():
            kwargs.setdefault(key, value)
        return original(klass, url, *args, **kwargs)

    open_._river_pgbouncer = True  # type: ignore[attr-defined]
    cls.open = classmethod(open_)


def _force_poll_only() -> None:
    import river.config

    config_cls = river.config.Config
    original = config_cls.__init__
    if getattr(original, "_river_pgbouncer", False):
        return

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("poll_only", True)
        original(self, *args, **kwargs)

    init._river_pgbouncer = True  # type: ignore[attr-defined]
    config_cls.__init__ = init  # type: ignore[method-assign]


def install() -> None:
    """Apply the deployment under test to this process (no-op without one)."""
    current = mode()
    if current is None:
        return
    for module, names in (
        ("river_asyncpg.driver", ("AsyncpgDriver",)),
        ("river_psycopg3.driver", ("PsycopgDriver",)),
        ("river_psycopg3.driver_async", ("AsyncPsycopgDriver",)),
        ("river_psycopg2.driver", ("Psycopg2Driver",)),
    ):
        try:
            imported = __import__(module, fromlist=list(names))
        except ImportError:
            continue
        for name in names:
            _wrap_open(getattr(imported, name))
    if current == POLL_ONLY:
        _force_poll_only()

"""TCP keepalives and user timeout on the drivers' connections, on by default.

A host cut off from the database (a route silently dropped, not a connection closed)
otherwise learns of it only when TCP gives up: after about two hours for an idle
connection (a listener waiting for notifications), after about fifteen minutes for one
waiting on an answer (the kernel's retransmissions). With the defaults below, an idle
connection is probed after ``idle`` seconds of silence, every ``interval`` seconds, and
dropped after ``count`` unanswered probes; data the server does not acknowledge within
``user_timeout`` seconds drops the connection too (``TCP_USER_TIMEOUT``, Linux). Either
way the pool discards the connection and the listener reconnects, within about 30 s.

psycopg 3 and psycopg2 get these as libpq's connection parameters (``keepalives``,
``keepalives_idle``, ``keepalives_interval``, ``keepalives_count``, ``tcp_user_timeout``),
each only when neither the URL nor the options given to ``open`` set it. asyncpg has no
such parameters: its driver sets the same options on each connection's socket.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from river.errors import ConfigError

_KEYWORD_RE = re.compile(r"(\w+)\s*=")
_SCHEME_RE = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.\-]*://")
#: libpq 12 added ``tcp_user_timeout``; older versions refuse it.
_LIBPQ_USER_TIMEOUT_SINCE = 120000


@dataclass(frozen=True)
class TcpKeepalive:
    """How soon a connection to a server that vanished without closing it is dropped.

    ``idle``: seconds of silence before the first probe; ``interval``: seconds between
    probes; ``count``: unanswered probes that drop the connection; ``user_timeout``:
    seconds sent data may stay unacknowledged (0: the system's default, minutes)."""

    idle: int = 10
    interval: int = 5
    count: int = 3
    user_timeout: int = 30

    def __post_init__(self) -> None:
        for name in ("idle", "interval", "count"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"TcpKeepalive.{name} must be a whole number >= 1, got {value!r}")
        if (
            not isinstance(self.user_timeout, int)
            or isinstance(self.user_timeout, bool)
            or self.user_timeout < 0
        ):
            raise ConfigError(
                f"TcpKeepalive.user_timeout must be a whole number of seconds >= 0, "
                f"got {self.user_timeout!r}"
            )

    def libpq_parameters(self, libpq_version: int) -> dict[str, int]:
        """These settings as libpq connection parameters (``tcp_user_timeout`` in ms,
        left out before libpq 12 or when 0)."""
        params = {
            "keepalives": 1,
            "keepalives_idle": self.idle,
            "keepalives_interval": self.interval,
            "keepalives_count": self.count,
        }
        if self.user_timeout and libpq_version >= _LIBPQ_USER_TIMEOUT_SINCE:
            params["tcp_user_timeout"] = self.user_timeout * 1000
        return params

    def apply(self, sock: Any) -> bool:
        """Set these options on a TCP socket; False (nothing set) for another kind of
        socket (a Unix-domain one). Options the platform lacks are skipped."""
        if sock is None or getattr(sock, "family", None) not in (socket.AF_INET, socket.AF_INET6):
            return False
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        # TCP_KEEPIDLE is TCP_KEEPALIVE on macOS.
        idle = getattr(socket, "TCP_KEEPIDLE", getattr(socket, "TCP_KEEPALIVE", None))
        for option, value in (
            (idle, self.idle),
            (getattr(socket, "TCP_KEEPINTVL", None), self.interval),
            (getattr(socket, "TCP_KEEPCNT", None), self.count),
        ):
            if option is not None:
                sock.setsockopt(socket.IPPROTO_TCP, option, value)
        user_timeout = getattr(socket, "TCP_USER_TIMEOUT", None)
        if self.user_timeout and user_timeout is not None:
            sock.setsockopt(socket.IPPROTO_TCP, user_timeout, self.user_timeout * 1000)
        return True


#: What every driver sets unless told otherwise.
DEFAULT_TCP_KEEPALIVE = TcpKeepalive()


def url_parameter_names(url: str | None) -> set[str]:
    """Names of the connection parameters a ``postgresql://`` URL's query, or libpq's
    ``key=value`` string, sets."""
    if not url:
        return set()
    if _SCHEME_RE.match(url):
        try:
            query = urlsplit(url.strip()).query
        except ValueError:
            return set()
        return {name for name, _ in parse_qsl(query, keep_blank_values=True)}
    return set(_KEYWORD_RE.findall(url))


def libpq_keepalive_defaults(
    urls: Iterable[str | None],
    options: Mapping[str, Any],
    libpq_version: int,
    settings: TcpKeepalive = DEFAULT_TCP_KEEPALIVE,
) -> dict[str, int]:
    """The keepalive parameters to add to a libpq driver's connection options: those
    that neither ``options`` nor any of ``urls`` sets."""
    given = set(options)
    for url in urls:
        given |= url_parameter_names(url)
    return {k: v for k, v in settings.libpq_parameters(libpq_version).items() if k not in given}

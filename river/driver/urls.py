"""The database URLs River's drivers accept, and the connect timeout they share.

Every driver's ``open`` passes its URL through ``normalize_url``: SQLAlchemy-style URLs
(``postgresql+asyncpg://``, ``postgresql+psycopg://``, ...) and ``postgres://`` become
the ``postgresql://`` URL that psycopg, psycopg2 and asyncpg all read; anything that is
not PostgreSQL is refused with one line. A connection attempt that gets no answer gives
up after ``DEFAULT_CONNECT_TIMEOUT`` seconds on every driver (``connect_timeout=`` to
change it) with a ``ConnectTimeoutError`` naming the server.
"""

from __future__ import annotations

import math
import re
from urllib.parse import unquote, urlsplit

from river.driver.errors import ConnectTimeoutError
from river.errors import ConfigError

#: Seconds a driver waits for a server to answer a new connection.
DEFAULT_CONNECT_TIMEOUT = 10.0

_POSTGRES_SCHEMES = ("postgresql", "postgres")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
_PASSWORD_RE = re.compile(r"(://[^:/@\s]*):[^@\s]*@")
_KEYWORD_RE = re.compile(r"^\s*\w+\s*=")


def normalize_url(url: str) -> str:
    """``url`` as a ``postgresql://`` URL, or unchanged when it is libpq's
    ``key=value`` form (or empty: libpq's ``PG*`` variables). Raises ``ConfigError`` for
    another database's URL or a bare ``host/db``."""
    text = url.strip()
    if not text or _KEYWORD_RE.match(text):
        return url
    match = _SCHEME_RE.match(text)
    if match is None:
        raise ConfigError(
            f"not a database URL: {redact_url(text)!r}; write "
            "postgresql://user:password@host:port/database (or libpq's key=value form)"
        )
    scheme = match.group(1).lower()
    base = scheme.partition("+")[0]
    if base not in _POSTGRES_SCHEMES:
        raise ConfigError(
            f"not a PostgreSQL URL: {redact_url(text)!r} (scheme {match.group(1)}://); River "
            "works on PostgreSQL: postgresql://user:password@host:port/database"
        )
    return "postgresql://" + text[match.end() :]


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``***``."""
    return _PASSWORD_RE.sub(r"\1:***@", url)


def server_address(url: str) -> str:
    """``host:port`` of the server ``url`` names, as far as the URL says (libpq's
    defaults, ``PGHOST``/``PGPORT`` or a local socket, fill in the rest)."""
    text = url.strip()
    host: str | None
    port: str | None
    if _SCHEME_RE.match(text):
        try:
            parts = urlsplit(text)
            host, port = parts.hostname, str(parts.port) if parts.port else None
        except ValueError:
            host, port = None, None
        netloc = text.split("://", 1)[1].split("/", 1)[0].rpartition("@")[2]
        if host is None and netloc and "," in netloc:  # several hosts: name them as written
            return unquote(netloc)
    else:
        pairs = dict(re.findall(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", text))
        host = pairs.get("host", pairs.get("hostaddr"))
        port = pairs.get("port")
        host = host.strip("'") if host else None
    if host and ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{host or 'localhost'}:{port or 5432}"


def connect_timeout_error(url: str, timeout: float) -> ConnectTimeoutError:
    """The error for a server that did not answer a new connection within ``timeout``."""
    return ConnectTimeoutError(
        f"no answer from the database server at {server_address(url)} within {timeout:g} s "
        "(connect_timeout)"
    )


def libpq_connect_timeout(timeout: float) -> int:
    """``timeout`` as libpq's ``connect_timeout``: whole seconds, at least 2 (libpq's
    floor; 0 would mean no timeout at all)."""
    if not timeout > 0:
        raise ConfigError(f"connect_timeout must be a positive number of seconds, got {timeout!r}")
    return max(2, math.ceil(timeout))

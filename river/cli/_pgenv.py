"""A database URL from libpq's environment: ``PG*`` variables and service files.

libpq's order: a parameter comes from the service (``PGSERVICE``, looked up in
``PGSERVICEFILE`` or ``~/.pg_service.conf``, then ``PGSYSCONFDIR/pg_service.conf``),
else from its environment variable; what neither gives is left to the driver's defaults
(the local socket, port 5432, the login name). Everything found is written into the URL,
so psycopg, psycopg2 and asyncpg connect to the same place with the same settings
(asyncpg alone reads only some of these variables and ignores ``PGSERVICE``).
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

# libpq's environment variables and the connection parameter each one sets.
ENV_PARAMETERS: dict[str, str] = {
    "PGHOST": "host",
    "PGHOSTADDR": "hostaddr",
    "PGPORT": "port",
    "PGDATABASE": "dbname",
    "PGUSER": "user",
    "PGPASSWORD": "password",
    "PGPASSFILE": "passfile",
    "PGCHANNELBINDING": "channel_binding",
    "PGOPTIONS": "options",
    "PGAPPNAME": "application_name",
    "PGSSLMODE": "sslmode",
    "PGSSLNEGOTIATION": "sslnegotiation",
    "PGSSLCERT": "sslcert",
    "PGSSLKEY": "sslkey",
    "PGSSLROOTCERT": "sslrootcert",
    "PGSSLCRL": "sslcrl",
    "PGSSLMINPROTOCOLVERSION": "ssl_min_protocol_version",
    "PGSSLMAXPROTOCOLVERSION": "ssl_max_protocol_version",
    "PGREQUIREAUTH": "require_auth",
    "PGGSSENCMODE": "gssencmode",
    "PGKRBSRVNAME": "krbsrvname",
    "PGGSSLIB": "gsslib",
    "PGCONNECT_TIMEOUT": "connect_timeout",
    "PGTARGETSESSIONATTRS": "target_session_attrs",
    "PGLOADBALANCEHOSTS": "load_balance_hosts",
}
# Variables that say which database to use; the others only adjust how to connect.
SELECTING = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE")
# Parameters asyncpg takes from a URL; any other query parameter it sends to the server
# as a setting, where application_name and options are valid and the rest fail.
ASYNCPG_PARAMETERS = frozenset(
    {
        "host",
        "port",
        "dbname",
        "user",
        "password",
        "passfile",
        "sslmode",
        "sslnegotiation",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "sslcrl",
        "ssl_min_protocol_version",
        "ssl_max_protocol_version",
        "target_session_attrs",
        "krbsrvname",
        "gsslib",
        "application_name",
        "options",
    }
)


class LibpqEnvError(ValueError):
    """The ``PG*`` variables name a service that cannot be found, or settings a driver
    cannot honour."""


def selects_database(environ: Mapping[str, str]) -> bool:
    """Whether the environment names a database (a ``PG*`` variable of ``SELECTING``)."""
    return any(environ.get(name) for name in SELECTING)


def libpq_parameters(environ: Mapping[str, str]) -> dict[str, str]:
    """The connection parameters libpq would take from ``environ``: the service's first,
    then the variables' for the rest."""
    params: dict[str, str] = {}
    service = environ.get("PGSERVICE")
    if service:
        params.update(_service_parameters(service, environ))
    for name, param in ENV_PARAMETERS.items():
        value = environ.get(name)
        if value and param not in params:
            params[param] = value
    return params


def _service_files(environ: Mapping[str, str]) -> list[Path]:
    user_file = environ.get("PGSERVICEFILE")
    files = [Path(user_file)] if user_file else []
    if not user_file:
        home = environ.get("HOME") or os.path.expanduser("~")
        files.append(Path(home) / ".pg_service.conf")
    sysconf = environ.get("PGSYSCONFDIR")
    if sysconf:
        files.append(Path(sysconf) / "pg_service.conf")
    return files


def _service_parameters(service: str, environ: Mapping[str, str]) -> dict[str, str]:
    # libpq uses the first file that has the service, and only that file's section.
    for path in _service_files(environ):
        if not path.is_file():
            continue
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error as exc:
            raise LibpqEnvError(f"cannot read service file {path}: {exc}") from exc
        if parser.has_section(service):
            return {key.strip(): value.strip() for key, value in parser.items(service)}
    where = ", ".join(str(p) for p in _service_files(environ)) or "no service file"
    raise LibpqEnvError(f'definition of service "{service}" not found (looked in {where})')


def parameters_url(params: Mapping[str, str]) -> str:
    """A ``postgresql://`` URL carrying ``params`` (libpq's connection parameters)."""
    rest = dict(params)
    user = rest.pop("user", "")
    password = rest.pop("password", "")
    dbname = rest.pop("dbname", "")
    host = rest.pop("host", "")
    port = rest.pop("port", "")
    auth = quote(user, safe="")
    if password:
        auth += ":" + quote(password, safe="")
    netloc = auth + "@" if auth else ""
    if host and not any(h.startswith("/") for h in host.split(",")):
        hosts = host.split(",")
        ports = port.split(",") if port else []
        if len(ports) == 1:
            ports *= len(hosts)
        netloc += ",".join(
            _netloc_host(h) + (f":{ports[i]}" if i < len(ports) and ports[i] else "")
            for i, h in enumerate(hosts)
        )
    else:  # socket directories go in the query, as libpq documents
        if host:
            rest = {"host": host, **rest}
        if port:
            rest = {"port": port, **rest}
    query = "&".join(f"{key}={quote(value, safe='/,')}" for key, value in rest.items())
    return f"postgresql://{netloc}/{quote(dbname, safe='')}" + (f"?{query}" if query else "")


def _netloc_host(host: str) -> str:
    return f"[{host}]" if ":" in host else quote(host, safe="")


def for_asyncpg(params: Mapping[str, str]) -> dict[str, str]:
    """``params`` as asyncpg can use them: ``hostaddr`` becomes the host it connects to,
    ``connect_timeout`` is left to the pool's own timeout; anything else asyncpg cannot
    honour is an error naming its variable."""
    out = dict(params)
    hostaddr = out.pop("hostaddr", None)
    if hostaddr:
        out["host"] = hostaddr
    out.pop("connect_timeout", None)
    unsupported = sorted(k for k in out if k not in ASYNCPG_PARAMETERS)
    if unsupported:
        names = {param: env for env, param in ENV_PARAMETERS.items()}
        listed = ", ".join(names.get(k, k) for k in unsupported)
        raise LibpqEnvError(
            f"the asyncpg driver cannot honour {listed}; unset it or choose "
            "--driver psycopg3 or psycopg2"
        )
    return out


def libpq_env_url(environ: Mapping[str, str] | None = None, *, driver: str | None = None) -> str | None:
    """The URL the ``PG*`` environment describes for ``driver``, or None when it names
    no database."""
    env = os.environ if environ is None else environ
    if not selects_database(env):
        return None
    params = libpq_parameters(env)
    if driver == "asyncpg":
        params = for_asyncpg(params)
    return parameters_url(params)

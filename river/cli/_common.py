"""What the ``river`` commands share: database options and the one way to resolve the
database (``resolve_database_url``), driver resolution, redaction of passwords, and
one-line error reporting."""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import river
from river.cli._pgenv import LibpqEnvError, libpq_env_url, selects_database
from river.driver.urls import DEFAULT_CONNECT_TIMEOUT

DRIVER_PREFERENCE = ("psycopg3", "psycopg2", "asyncpg")

_URL_PASSWORD_RE = re.compile(r"(\w+://[^:/@\s]*):[^@\s]*@")
_KV_PASSWORD_RE = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def positive_int(what: str) -> Callable[[str], int]:
    """An argparse ``type`` accepting whole numbers ≥ 1; errors name ``what``."""
    return int_at_least(1, what)


def int_at_least(minimum: int, what: str) -> Callable[[str], int]:
    """An argparse ``type`` accepting whole numbers ≥ ``minimum``; errors name ``what``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"not {what}: {text!r} (must be at least {minimum})"
            )
        return value

    return parse


def positive_float(what: str) -> Callable[[str], float]:
    """An argparse ``type`` accepting numbers > 0; errors name ``what``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
        if not value > 0 or value == float("inf"):
            raise argparse.ArgumentTypeError(f"not {what}: {text!r} (must be above 0)")
        return value

    return parse


class CLIError(Exception):
    """A problem to report in one line, without a traceback; ``traceback_helps``: the
    line says that ``--debug`` shows the traceback of its cause."""

    def __init__(self, message: str, *, traceback_helps: bool = False) -> None:
        super().__init__(message)
        self.traceback_helps = traceback_helps


def redact(text: str, url: str | None = None) -> str:
    """``text`` with passwords replaced: in URLs, ``password=`` pairs, and ``url``'s own."""
    password = _password_of(url) if url else None
    if password:
        text = text.replace(password, "***").replace(unquote(password), "***")
    text = _URL_PASSWORD_RE.sub(r"\1:***@", text)
    return _KV_PASSWORD_RE.sub(r"\1***", text)


def _password_of(url: str) -> str | None:
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return None
    password = netloc.rpartition("@")[0].partition(":")[2]
    return password or None


def add_db_options(p: argparse.ArgumentParser) -> None:
    """The options of every command that may talk to a database."""
    p.add_argument(
        "--database-url",
        default=None,
        help="postgresql:// URL (default: $DATABASE_URL, else libpq's PG* variables)",
    )
    p.add_argument("--schema", default=None, help="schema of River's tables (default: search path)")
    p.add_argument(
        "--driver",
        default=None,
        help=f"driver plugin, e.g. {', '.join(DRIVER_PREFERENCE)} "
        "(default: the first of those installed)",
    )
    p.add_argument("--line", default="main", help="migration line (default: main)")
    p.add_argument(
        "--connect-timeout",
        type=positive_float("a number of seconds"),
        default=DEFAULT_CONNECT_TIMEOUT,
        metavar="SECONDS",
        help=f"give up on a server that does not answer within SECONDS "
        f"(default {DEFAULT_CONNECT_TIMEOUT:g})",
    )
    p.add_argument(
        "--local",
        action="store_true",
        help="use a local PostgreSQL started for this command (or the one kept running)",
    )
    p.add_argument(
        "--keep-local",
        action="store_true",
        help="--local, and leave the server running afterwards for later runs "
        "(river local stop stops it)",
    )


NO_DATABASE = (
    "no database given: pass --database-url, set DATABASE_URL, or set libpq's PGHOST/"
    "PGPORT/PGDATABASE/PGUSER (or PGSERVICE); --local uses a local PostgreSQL"
)


def given_database_url(args: argparse.Namespace) -> str | None:
    """``--database-url`` or ``$DATABASE_URL``, if either is set."""
    return getattr(args, "database_url", None) or os.environ.get("DATABASE_URL") or None


def resolve_database_url(args: argparse.Namespace, *, allow_local: bool = False) -> str:
    """The database a command works on, in this order: ``--local`` (a local PostgreSQL),
    ``--database-url``, ``$DATABASE_URL``, libpq's ``PG*`` variables (or service), and,
    only when ``allow_local``, a local PostgreSQL. With none, a ``CLIError`` naming what
    to set. A local server is announced on stderr and stopped when the command ends
    unless ``--keep-local`` (``release_local_servers``)."""
    local = getattr(args, "local", False) or getattr(args, "keep_local", False)
    url = given_database_url(args)
    if local and url:
        raise CLIError("--local and a database URL (--database-url or DATABASE_URL) both given")
    if local:
        return _local_url(args)
    if url:
        return url
    try:
        env_url = libpq_env_url(os.environ, driver=_driver_name(args))
    except LibpqEnvError as exc:
        raise CLIError(str(exc)) from None
    if env_url:
        return env_url
    if allow_local:
        return _local_url(args)
    raise CLIError(NO_DATABASE)


def _driver_name(args: argparse.Namespace) -> str | None:
    name = getattr(args, "driver", None)
    if name is not None:
        return str(name)
    if not selects_database(os.environ):
        return None
    return load_driver_class(None)[0]


# Local servers started by this command, stopped (or kept) by release_local_servers().
_local_servers: list[Any] = []


def _local_url(args: argparse.Namespace) -> str:
    from river.cli import localpg

    if _local_servers:  # asked again within the same command
        return str(_local_servers[-1].url_for(localpg.DATABASE))
    cached = localpg.start_cached(stop_with_process=True)
    server = cached.server
    url = server.url_for(localpg.DATABASE)
    if cached.started:
        _local_servers.append(server)
        until = (
            "kept running afterwards (river local stop stops it)"
            if getattr(args, "keep_local", False)
            else "stopped when this command ends (--keep-local keeps it)"
        )
        print(
            f"river: started local PostgreSQL {server.version} at {url} (data in "
            f"{server.base}); {until}",
            file=sys.stderr,
        )
    else:
        print(
            f"river: using the local PostgreSQL {server.version} kept running at {url} "
            "(river local stop stops it)",
            file=sys.stderr,
        )
    return url


def release_local_servers(*, keep: bool) -> None:
    """Stop the local servers this command started, or leave them running (``keep``)."""
    while _local_servers:
        server = _local_servers.pop()
        if keep:
            server.keep_running()
        else:
            server.stop()


def database_given(args: argparse.Namespace) -> bool:
    """Whether the command was told of a database (so it needs no local server)."""
    local = getattr(args, "local", False) or getattr(args, "keep_local", False)
    return bool(local or given_database_url(args) or selects_database(os.environ))


def load_driver_class(name: str | None) -> tuple[str, type, bool]:
    """``(name, class, is_async)`` of a driver plugin, preferring its sync class.

    With no name, the first of ``DRIVER_PREFERENCE`` whose library is installed.
    """
    from river.errors import MissingDriverExtraError
    from river.plugins.manager import driver_specs, get_driver_class

    if name is None:
        for candidate in DRIVER_PREFERENCE:
            try:
                return load_driver_class(candidate)
            except (MissingDriverExtraError, river.DriverNotFoundError):
                continue
        raise CLIError(
            'no database driver is installed: pip install "river-queue[psycopg3]" '
            "(or [psycopg2], [asyncpg])"
        )
    spec = driver_specs().get(name)
    is_async = spec is not None and spec.load_sync is None
    return name, get_driver_class(name, is_async=is_async), is_async


def run_with_driver(args: argparse.Namespace, action: Callable[[Any], Any]) -> Any:
    """Open the chosen driver on the database, call ``action(driver)`` and close it.

    ``action`` may return an awaitable (for an async-only driver); it is awaited.
    """
    url = resolve_database_url(args)
    _, cls, is_async = load_driver_class(args.driver)
    driver_cls: Any = cls
    options = {"min_size": 1, "max_size": 2}
    if getattr(args, "connect_timeout", None) is not None:
        options["connect_timeout"] = args.connect_timeout
    if not is_async:
        with _connecting(url):
            driver = driver_cls.open(url, **options)
        try:
            return action(driver)
        finally:
            driver.close()

    async def run_async() -> Any:
        with _connecting(url):
            driver = await driver_cls.open(url, **options)
        try:
            result = action(driver)
            return await result if inspect.isawaitable(result) else result
        finally:
            await driver.close()

    return asyncio.run(run_async())


@contextmanager
def _connecting(url: str) -> Iterator[None]:
    try:
        yield
    except river.ConfigError as exc:  # a URL no driver can use: the message says why
        raise CLIError(str(exc)) from exc
    except Exception as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise CLIError(f"cannot connect to {redact(url)}: {reason}") from exc


def describe(exc: BaseException, url: str | None = None) -> str:
    """One line about ``exc``, passwords removed; an unexpected error says that
    ``--debug`` shows its traceback."""
    url = url or os.environ.get("DATABASE_URL")
    if isinstance(exc, river.SchemaNotMigratedError):
        return redact(not_migrated_message(exc, url), url)
    message = " ".join(str(exc).split()) or type(exc).__name__
    expected = isinstance(exc, (CLIError, river.RiverError, ValueError, OSError))
    unexpected = not expected and not type(exc).__module__.startswith(("psycopg", "asyncpg"))
    if unexpected:
        message = f"{type(exc).__name__}: {message}"
    if unexpected or getattr(exc, "traceback_helps", False):
        message += " (run with --debug for a traceback)"
    return redact(message, url)


def not_migrated_message(exc: river.SchemaNotMigratedError, url: str | None) -> str:
    """What to run when River's tables are missing, as one line."""
    where = f"schema {exc.schema}" if exc.schema else "the schemas on the search path"
    database = f" of {redact(url)}" if url else ""
    command = ["river", "migrate-up"]
    if url and url != os.environ.get("DATABASE_URL"):
        command += ["--database-url", shlex.quote(redact(url))]
    if exc.schema:
        command += ["--schema", shlex.quote(exc.schema)]
    return (
        f"River's tables are not in {where}{database} ({exc.relation} does not exist): "
        f"run `{' '.join(command)}` first"
    )


#: ``river worker``'s default for ``--gc-threshold``: see ``tune_gc``.
GC_THRESHOLD_DEFAULT = 50_000


def add_gc_threshold_option(p: argparse.ArgumentParser, *, default: int | None) -> None:
    p.add_argument(
        "--gc-threshold",
        type=int_at_least(0, "a number of allocations"),
        default=default,
        metavar="N",
        help="freeze the objects of start-up and collect the youngest generation every N "
        "allocations; 0 keeps Python's settings (700)"
        + (f" (default {default})" if default else " (default 0)"),
    )


def tune_gc(threshold: int | None) -> None:
    """What a process that only works jobs can do: keep start-up objects out of every
    collection (``gc.freeze``) and collect young objects less often, since most die young,
    jobs included. About a quarter of a no-op job's CPU is the collector's at Python's
    default threshold of 700."""
    if threshold:
        gc.freeze()
        gc.set_threshold(threshold, *gc.get_threshold()[1:])


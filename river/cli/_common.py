"""What the ``river`` commands share: database options, driver resolution, redaction of
passwords, and one-line error reporting."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import river

DRIVER_PREFERENCE = ("psycopg3", "psycopg2", "asyncpg")

_URL_PASSWORD_RE = re.compile(r"(\w+://[^:/@\s]*):[^@\s]*@")
_KV_PASSWORD_RE = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


class CLIError(Exception):
    """A problem to report in one line, without a traceback."""


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
        help="postgresql:// URL (default: $DATABASE_URL, else a local Postgres is started)",
    )
    p.add_argument("--schema", default=None, help="schema of River's tables (default: search path)")
    p.add_argument(
        "--driver",
        default=None,
        help=f"driver plugin, e.g. {', '.join(DRIVER_PREFERENCE)} "
        "(default: the first of those installed)",
    )
    p.add_argument("--line", default="main", help="migration line (default: main)")


def given_database_url(args: argparse.Namespace) -> str | None:
    """``--database-url`` or ``$DATABASE_URL``, if either is set."""
    return args.database_url or os.environ.get("DATABASE_URL") or None


def database_url(args: argparse.Namespace) -> str:
    """The database to use; with none given, a local Postgres (started if needed)."""
    url = given_database_url(args)
    if url:
        return url
    from river.cli.localpg import local_database_url

    return local_database_url()


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
    url = database_url(args)
    name, cls, is_async = load_driver_class(args.driver)
    driver_cls: Any = cls
    if not is_async:
        with _connecting(url):
            _check_reachable(name, url)
            driver = driver_cls.open(url, min_size=1, max_size=2)
        try:
            return action(driver)
        finally:
            driver.close()

    async def run_async() -> Any:
        with _connecting(url):
            _check_reachable(name, url)
            driver = await driver_cls.open(url, min_size=1, max_size=2)
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
    except Exception as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise CLIError(f"cannot connect to {redact(url)}: {reason}") from exc


def _check_reachable(name: str, url: str) -> None:
    # psycopg_pool retries a failing server for 30 s before giving up with a vague
    # timeout; one plain connection reports the real reason at once.
    if name == "psycopg3":
        import psycopg

        psycopg.connect(url, connect_timeout=10).close()


def describe(exc: BaseException, url: str | None = None) -> str:
    """One line about ``exc``, passwords removed."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    expected = isinstance(exc, (CLIError, river.RiverError, ValueError, OSError))
    if not expected and not type(exc).__module__.startswith(("psycopg", "asyncpg")):
        message = f"{type(exc).__name__}: {message} (run with --debug for a traceback)"
    return redact(message, url or os.environ.get("DATABASE_URL"))

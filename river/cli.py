"""The ``river`` command line: migrations, validation, benchmarks and workers."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import river

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


class CLIError(Exception):
    """A problem to report in one line, without a traceback."""


def redact_url(url: str) -> str:
    """The URL with any password replaced, safe for logs and errors."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def add_db_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--database-url",
        default=None,
        help="postgresql:// URL (default: $DATABASE_URL, else a local Postgres)",
    )
    p.add_argument("--schema", default=None, help="schema of River's tables")
    p.add_argument(
        "--driver",
        default="psycopg3",
        help="driver plugin: psycopg3, psycopg2 or asyncpg (default psycopg3)",
    )
    p.add_argument("--line", default="main", help="migration line (default main)")


def database_url(args: argparse.Namespace) -> str:
    url = args.database_url or os.environ.get("DATABASE_URL")
    if url:
        return str(url)
    from river._localpg import local_database_url

    return local_database_url()


def open_sync_driver(url: str, name: str) -> Any:
    """A sync driver for commands; asyncpg (async only) falls back to psycopg3."""
    from river.plugins.manager import open_driver

    if name == "asyncpg":
        name = "psycopg3"
    return open_driver(url, name)


def _migrator(args: argparse.Namespace) -> tuple[Any, Any]:
    from river.migrate import Migrator

    driver = open_sync_driver(database_url(args), args.driver)
    return driver, Migrator(driver, schema=args.schema, line=args.line)


def cmd_migrate(args: argparse.Namespace) -> int:
    driver, migrator = _migrator(args)
    try:
        run = migrator.migrate_up if args.command == "migrate-up" else migrator.migrate_down
        result = run(
            target_version=args.target_version, max_steps=args.max_steps, dry_run=args.dry_run
        )
    finally:
        driver.close()
    verb = "applied" if result.direction == "up" else "removed"
    if not result.versions:
        print(f"no migrations to {'apply' if result.direction == 'up' else 'remove'}")
    for v in result.versions:
        dry = " (dry run)" if args.dry_run else ""
        print(f"{verb} {v.version:03d} {v.name} [{v.duration * 1000:.1f}ms]{dry}")
    return 0


def cmd_migrate_get(args: argparse.Namespace) -> int:
    from river.migrate import migrations

    wanted = {m.version for m in migrations(args.line)} if args.all else set(args.version)
    if not wanted:
        raise CLIError("give --version N (repeatable) or --all")
    direction = "down" if args.down else "up"
    chosen = [m for m in migrations(args.line) if m.version in wanted]
    if direction == "down":
        chosen.reverse()
    for m in chosen:
        print(f"-- River main migration {m.version:03d} [{direction}]")
        print(m.sql(direction, args.schema).rstrip() + "\n")
    return 0


def cmd_migrate_list(args: argparse.Namespace) -> int:
    from river.migrate import migrations

    applied: set[int] = set()
    if args.database_url or os.environ.get("DATABASE_URL"):
        driver, migrator = _migrator(args)
        try:
            applied = set(migrator.existing_versions())
        finally:
            driver.close()
    for m in migrations(args.line):
        mark = "* " if m.version in applied else "  "
        print(f"{mark}{m.version:03d} {m.name}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    driver, migrator = _migrator(args)
    try:
        result = migrator.validate()
    finally:
        driver.close()
    if result.ok:
        print("schema is up to date")
        return 0
    for message in result.messages:
        print(message, file=sys.stderr)
    return 1


def cmd_version(args: argparse.Namespace) -> int:
    print(f"river-queue {river.__version__}")
    return 0


def register_migrate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, helptext in (
        ("migrate-up", "apply migrations"),
        ("migrate-down", "remove migrations (one step by default)"),
    ):
        p = sub.add_parser(name, help=helptext)
        add_db_options(p)
        p.add_argument("--target-version", type=int, default=None)
        p.add_argument("--max-steps", type=int, default=None)
        p.add_argument("--dry-run", action="store_true")
        p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("migrate-get", help="print migration SQL")
    add_db_options(p)
    p.add_argument("--version", type=int, action="append", default=[])
    p.add_argument("--all", action="store_true")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--up", action="store_true")
    group.add_argument("--down", action="store_true")
    p.set_defaults(func=cmd_migrate_get)
    p = sub.add_parser("migrate-list", help="list migrations (* = applied)")
    add_db_options(p)
    p.set_defaults(func=cmd_migrate_list)
    p = sub.add_parser("validate", help="exit 1 unless every migration is applied")
    add_db_options(p)
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("version", help="print the river-queue version")
    p.set_defaults(func=cmd_version)


def _registrations() -> list[Register]:
    regs: list[Register] = [register_migrate]
    try:
        from river.bench import register as register_bench

        regs.append(register_bench)
    except ImportError:
        pass
    try:
        from river.worker_cli import register as register_worker  # type: ignore[import-not-found,unused-ignore]

        regs.append(register_worker)
    except ImportError:
        pass
    return regs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="river", description="River job queue for Python")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in _registrations():
        register(sub)
    args = parser.parse_args(argv)
    # The pool's own connection warnings would repeat the one-line error below.
    logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except (CLIError, river.RiverError, ValueError, OSError) as exc:
        print(f"river: error: {redact_url(str(exc))}", file=sys.stderr)
        return 1
    except Exception as exc:
        if type(exc).__module__.startswith(("psycopg", "asyncpg")):
            print(f"river: database error: {redact_url(str(exc))}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())

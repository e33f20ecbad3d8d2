"""The migration commands of ``river``: migrate-up, migrate-down, migrate-get, migrate-list
and validate (River's ``river`` CLI, same options and output)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from river.cli._common import add_db_options, database_given, describe, run_with_driver
from river.config import validate_schema
from river.migrate.files import migrations
from river.migrate.results import Direction, MigrateResult


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for direction, helptext in (
        ("up", "apply migrations (all missing ones by default)"),
        ("down", "remove migrations (one step by default; --target-version 0 removes all)"),
    ):
        p = sub.add_parser(f"migrate-{direction}", help=helptext, description=helptext)
        add_db_options(p)
        p.add_argument(
            "--target-version",
            type=int,
            default=None,
            help="version to end at (up: applied up to and including it; down: kept, "
            "0 removes everything)",
        )
        p.add_argument("--max-steps", type=int, default=None, help="most migrations to run")
        p.add_argument("--dry-run", action="store_true", help="show what would run, change nothing")
        p.add_argument("--show-sql", action="store_true", help="print each migration's SQL")
        p.set_defaults(func=cmd_migrate, direction=direction)

    p = sub.add_parser("migrate-get", help="print migration SQL (no database needed)")
    add_db_options(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--version", type=_versions, action="extend", help="version(s): --version 3,2,1"
    )
    which.add_argument("--all", action="store_true", help="every version (down: newest first)")
    p.add_argument(
        "--exclude-version", type=_versions, action="extend", default=[], help="skip version(s)"
    )
    direction_group = p.add_mutually_exclusive_group(required=True)
    direction_group.add_argument("--up", action="store_true")
    direction_group.add_argument("--down", action="store_true")
    p.set_defaults(func=cmd_migrate_get)

    p = sub.add_parser("migrate-list", help="list migrations, * marking applied ones")
    add_db_options(p)
    p.set_defaults(func=cmd_migrate_list)

    p = sub.add_parser("validate", help="exit 1 unless every migration is applied")
    add_db_options(p)
    p.set_defaults(func=cmd_validate)


def _versions(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of versions: {text!r}") from None


def _check_options(args: argparse.Namespace) -> None:
    """Reject a bad schema or line before connecting anywhere."""
    if args.schema is not None:
        validate_schema(args.schema)
    migrations(args.line)


def _migrator(driver: Any, args: argparse.Namespace) -> Any:
    from river.driver.driver_async import AsyncDriver

    if isinstance(driver, AsyncDriver):
        from river.migrate.migrator_async import AsyncMigrator

        return AsyncMigrator(driver, schema=args.schema, line=args.line)
    from river.migrate.migrator import Migrator

    return Migrator(driver, schema=args.schema, line=args.line)


def cmd_migrate(args: argparse.Namespace) -> int:
    _check_options(args)
    direction: Direction = args.direction
    result: MigrateResult = run_with_driver(
        args,
        lambda driver: _migrator(driver, args).migrate(
            direction,
            target_version=args.target_version,
            max_steps=args.max_steps,
            dry_run=args.dry_run,
        ),
    )
    _print_result(result, args)
    return 0


def _print_result(result: MigrateResult, args: argparse.Namespace) -> None:
    if not result.versions:
        print("no migrations to apply")
        return
    width = max(len(v.name) for v in result.versions)
    for v in result.versions:
        if args.dry_run:
            print(f"migration {v.version:03d} [{result.direction}] {v.name} [DRY RUN]")
        else:
            took = _duration(v.duration)
            print(
                f"applied migration {v.version:03d} [{result.direction}] {v.name:<{width}} [{took}]"
            )
        if args.show_sql:
            print("-" * 80)
            print(_comment(args.line, v.version, result.direction))
            print(v.sql.strip() + "\n")
    if args.max_steps and len(result.versions) < args.max_steps:
        print("no more migrations to apply")


def _duration(seconds: float) -> str:
    return f"{seconds:.2f}s" if seconds >= 1 else f"{seconds * 1000:.2f}ms"


def _comment(line: str, version: int, direction: str) -> str:
    # Heads each migration's SQL, to tell where it came from once pasted elsewhere.
    return f"-- River {line} migration {version:03d} [{direction}]"


def cmd_migrate_get(args: argparse.Namespace) -> int:
    _check_options(args)
    direction: Direction = "down" if args.down else "up"
    by_version = {m.version: m for m in migrations(args.line)}
    if args.all:
        chosen = sorted(by_version, reverse=direction == "down")
    else:
        unknown = [v for v in args.version if v not in by_version]
        if unknown:
            raise ValueError(
                f"migration {unknown[0]} not found (available versions: {sorted(by_version)})"
            )
        chosen = args.version
    texts = [
        _comment(args.line, v, direction) + "\n" + by_version[v].sql(direction, args.schema).strip()
        for v in chosen
        if v not in args.exclude_version
    ]
    print("\n\n".join(texts))
    return 0


def cmd_migrate_list(args: argparse.Namespace) -> int:
    _check_options(args)
    applied: set[int] | None = None
    code = 0
    if database_given(args):
        try:
            applied = set(
                run_with_driver(args, lambda driver: _migrator(driver, args).existing_versions())
            )
        except Exception as exc:  # still list: the bundled migrations need no database
            print(
                f"river: cannot read applied migrations: {describe(exc, args.database_url)}",
                file=sys.stderr,
            )
            code = 1  # the database asked about was not read
    for m in migrations(args.line):
        mark = "" if applied is None else ("* " if m.version in applied else "  ")
        print(f"{mark}{m.version:03d} {m.name}")
    return code


def cmd_validate(args: argparse.Namespace) -> int:
    _check_options(args)
    result = run_with_driver(args, lambda driver: _migrator(driver, args).validate())
    if result.ok:
        print(f"River schema is up to date ({args.line} line)")
        return 0
    for message in result.messages:
        print(message, file=sys.stderr)
    return 1

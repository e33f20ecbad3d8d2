"""The ``river`` command line (also ``python -m river``): a wing above the library.

Each command group lives in its own module and adds its subcommands through a
``register(subparsers)`` function; ``_common`` holds what they share. Nothing in the
library imports this package.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

import river
from river.cli import bench, job, local, migrate, queue, stats, ui, worker, workflow
from river.cli._common import (
    CLIError,
    add_db_options,
    describe,
    given_database_url,
    redact,
    release_local_servers,
    resolve_database_url,
    run_with_driver,
)

__all__ = [
    "CLIError",
    "add_db_options",
    "build_parser",
    "describe",
    "given_database_url",
    "main",
    "redact",
    "resolve_database_url",
    "run_with_driver",
]

COMMAND_GROUPS = (migrate, bench, worker, job, queue, workflow, stats, ui, local)


def cmd_version(args: argparse.Namespace) -> int:
    print(f"river-queue {river.__version__}")
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    """List plugins and what they add to clients, in the order clients apply it."""
    from river.plugins import manager

    disabled = manager.disabled_plugins()
    for name in manager.plugin_names():
        print(name)
    for label, hook in (
        ("middleware, outermost first", "river_middleware"),
        ("hooks, in call order", "river_hooks"),
    ):
        for colour, is_async in (("sync", False), ("async", True)):
            found = manager.contributions(hook, is_async)
            names = ", ".join(f"{type(obj).__name__} ({plugin})" for plugin, obj in found)
            print(f"{colour} {label}: {names or 'none'}")
    if disabled:
        print(f"disabled by RIVER_DISABLED_PLUGINS: {', '.join(sorted(disabled))}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="river", description="River job queue for Python")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    p = sub.add_parser("version", help="print the river-queue version")
    p.set_defaults(func=cmd_version)
    p = sub.add_parser("plugins", help="list plugins and the middleware and hooks they add")
    p.set_defaults(func=cmd_plugins)
    _add_debug_everywhere(parser)
    return parser


def _add_debug_everywhere(parser: argparse.ArgumentParser) -> None:
    # ``--debug`` after the subcommand too: each subparser takes it, without a default of
    # its own that would hide one given before the subcommand.
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in set(action.choices.values()):
                subparser.add_argument(
                    "--debug", action="store_true", default=argparse.SUPPRESS,
                    help="show tracebacks of errors",
                )
                _add_debug_everywhere(subparser)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The pool logs each failed connection attempt; the error below says it once.
    logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, while it can still be handled
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _closed_pipe()
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"river: error: {describe(exc, getattr(args, 'database_url', None))}", file=sys.stderr
        )
        return 1
    finally:
        release_local_servers(keep=getattr(args, "keep_local", False))


def _closed_pipe() -> int:
    """``river … | head``: the reader went away. Quietly, as a program killed by SIGPIPE;
    stdout now points at /dev/null so the interpreter's last flush cannot complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141

"""``river local status|stop|clean``: the local PostgreSQL that ``river bench`` and
``--local`` start (its data kept in the cache directory), when ``--keep-local`` left it
running, and removing its data."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "local",
        help="show, stop or remove the local PostgreSQL of river bench and --local",
        description="The local PostgreSQL of river bench and --local: its data stays in "
        "the cache directory; --keep-local leaves it running.",
    )
    actions = p.add_subparsers(dest="local_action", required=True, metavar="ACTION")
    actions.add_parser("status", help="say whether a local server runs, and where").set_defaults(
        func=cmd_status
    )
    actions.add_parser("stop", help="stop the local server").set_defaults(func=cmd_stop)
    actions.add_parser(
        "clean", help="stop the local server and remove its data directory"
    ).set_defaults(func=cmd_clean)


def cmd_status(args: argparse.Namespace) -> int:
    from river.cli import localpg

    found = localpg.local_status()
    if not found:
        print("no local PostgreSQL (none was ever started)")
    for status in found:
        url = status.url_for()
        state = f"running at {url}" if url else "stopped"
        print(f"local PostgreSQL {status.version}: {state} (data in {status.base})")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    from river.cli import localpg

    stopped = localpg.stop_local()
    for base in stopped:
        print(f"stopped local PostgreSQL (data in {base})")
    if not stopped:
        print("no local PostgreSQL was running")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    from river.cli import localpg

    removed = localpg.clean_local()
    for base in removed:
        print(f"removed local PostgreSQL data in {base}")
    if not removed:
        print("no local PostgreSQL data to remove")
    return 0

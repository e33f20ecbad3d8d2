"""``river queue list|pause|resume``: see queues and stop or restart their work."""

from __future__ import annotations

import argparse
from typing import Any

from river.cli._ops import (
    EXIT_CODES,
    EXIT_NOT_FOUND,
    EXIT_OK,
    add_options,
    print_json,
    print_table,
    queue_record,
    resolved,
    warn,
    with_client,
)
from river.types import Queue

MAX_QUEUES = 10_000


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("queue", help="list, pause or resume queues", epilog=EXIT_CODES)
    queues = group.add_subparsers(dest="queue_command", required=True, metavar="ACTION")
    p = queues.add_parser("list", help="list queues", epilog=EXIT_CODES)
    add_options(p)
    p.set_defaults(func=cmd_list)
    for action, helptext in (
        ("pause", "stop clients fetching from a queue ('*' for every queue)"),
        ("resume", "let clients fetch from a paused queue again ('*' for every queue)"),
    ):
        p = queues.add_parser(action, help=helptext, epilog=EXIT_CODES)
        add_options(p)
        p.add_argument("name", metavar="NAME")
        p.set_defaults(func=cmd_pause_resume, action=action)


def _list(client: Any) -> Any:
    return resolved(client.queue_list(limit=MAX_QUEUES))


def cmd_list(args: argparse.Namespace) -> int:
    queues: list[Queue] = with_client(args, _list)
    if args.json:
        print_json([queue_record(q) for q in queues])
        return EXIT_OK
    print_table(
        ("NAME", "STATE", "PAUSED AT", "UPDATED AT"),
        [
            (
                q.name,
                "paused" if q.paused_at else "active",
                q.paused_at.strftime("%Y-%m-%d %H:%M:%S") if q.paused_at else "",
                q.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
            )
            for q in queues
        ],
        style_column=1,
    )
    return EXIT_OK


def cmd_pause_resume(args: argparse.Namespace) -> int:
    async def action(client: Any) -> list[Queue] | None:
        if args.name != "*":
            known = {q.name for q in await _list(client)}
            if args.name not in known:
                return None
        await resolved(getattr(client, f"queue_{args.action}")(args.name))
        return [q for q in await _list(client) if args.name in ("*", q.name)]

    changed = with_client(args, action)
    if changed is None:
        warn(f"queue {args.name!r} not found")
        return EXIT_NOT_FOUND
    if args.json:
        print_json([queue_record(q) for q in changed])
    else:
        verb = "paused" if args.action == "pause" else "resumed"
        for q in changed:
            print(f"{verb} queue {q.name}")
    return EXIT_OK

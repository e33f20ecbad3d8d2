"""``river workflow list|get|cancel|retry``: see workflows and their tasks, cancel or retry
one."""

from __future__ import annotations

import argparse
from typing import Any

from river.cli._ops import (
    EXIT_CODES,
    EXIT_NOT_FOUND,
    EXIT_OK,
    add_options,
    job_record,
    print_json,
    print_table,
    resolved,
    warn,
    with_client,
)
from river.workflow import WorkflowInfo, WorkflowNotFoundError, WorkflowSummary

MAX_WORKFLOWS = 10_000


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser(
        "workflow", help="list workflows, show one's tasks, cancel or retry one",
        epilog=EXIT_CODES,
    )
    actions = group.add_subparsers(dest="workflow_command", required=True, metavar="ACTION")
    p = actions.add_parser("list", help="list workflows, newest first", epilog=EXIT_CODES)
    add_options(p)
    p.add_argument("--name", help="only workflows of this name")
    p.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    p.set_defaults(func=cmd_list)
    for action, helptext in (
        ("get", "show a workflow's tasks and their states"),
        ("cancel", "cancel every task not finished (running ones are told to stop)"),
        ("retry", "retry the failed and cancelled tasks"),
    ):
        p = actions.add_parser(action, help=helptext, epilog=EXIT_CODES)
        add_options(p)
        p.add_argument("workflow_id", metavar="WORKFLOW_ID")
        p.set_defaults(func=cmd_one, action=action)


def summary_record(s: WorkflowSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "created_at": s.created_at.isoformat() if s.created_at else None,
        "counts": s.counts,
    }


def info_record(info: WorkflowInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": info.name,
        "tasks": [
            {"name": t.name, "deps": list(t.deps), "job": job_record(t.job)} for t in info.tasks
        ],
    }


def cmd_list(args: argparse.Namespace) -> int:
    limit = max(1, min(args.limit, MAX_WORKFLOWS))

    async def action(client: Any) -> list[WorkflowSummary]:
        found: list[WorkflowSummary] = await resolved(
            client.workflow_list(name=args.name, limit=limit)
        )
        return found

    workflows = with_client(args, action)
    if args.json:
        print_json([summary_record(s) for s in workflows])
        return EXIT_OK
    print_table(
        ("ID", "NAME", "CREATED AT", "TASKS"),
        [
            (
                s.id,
                s.name,
                s.created_at.strftime("%Y-%m-%d %H:%M:%S") if s.created_at else "",
                " ".join(f"{state}={n}" for state, n in sorted(s.counts.items())),
            )
            for s in workflows
        ],
    )
    return EXIT_OK


def cmd_one(args: argparse.Namespace) -> int:
    async def action(client: Any) -> WorkflowInfo | None:
        call = {
            "get": client.workflow_get,
            "cancel": client.workflow_cancel,
            "retry": client.workflow_retry,
        }[args.action]
        try:
            info: WorkflowInfo = await resolved(call(args.workflow_id))
        except WorkflowNotFoundError:
            return None
        return info

    info = with_client(args, action)
    if info is None:
        warn(f"workflow {args.workflow_id!r} not found")
        return EXIT_NOT_FOUND
    if args.json:
        print_json(info_record(info))
        return EXIT_OK
    print(f"workflow {info.id} ({info.name})")
    print_table(
        ("TASK", "STATE", "JOB", "DEPS"),
        [(t.name, t.state.value, str(t.job.id), ", ".join(t.deps)) for t in info.tasks],
        style_column=1,
    )
    return EXIT_OK

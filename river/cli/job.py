"""``river job list|get|insert|cancel|retry|delete``: inspect, add and steer jobs."""

from __future__ import annotations

import argparse
from typing import Any

from river.cli._ops import (
    EXIT_CODES,
    EXIT_NOT_FOUND,
    EXIT_OK,
    add_options,
    ids,
    job_record,
    print_json,
    print_table,
    resolved,
    warn,
    with_client,
)
from river.cli.job_insert import add_insert_options, cmd_insert
from river.driver.job_list import JobListResult
from river.driver.params import JobListOrderBy, JobListParams
from river.errors import JobNotFoundError, JobRunningError
from river.types import JobRow, JobState

STATES = [s.value for s in JobState]
ORDER_FIELDS = [o.value for o in JobListOrderBy]
MAX_LIMIT = 10_000


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser(
        "job", help="list, show, insert, cancel, retry or delete jobs", epilog=EXIT_CODES
    )
    jobs = group.add_subparsers(dest="job_command", required=True, metavar="ACTION")

    p = jobs.add_parser(
        "list",
        help="list jobs, newest first",
        description="List jobs, newest first. When the page is full, the command to list "
        "the next page is printed on stderr (its --after cursor is opaque text).",
        epilog=EXIT_CODES,
    )
    add_options(p)
    p.add_argument(
        "--state",
        action="append",
        choices=STATES,
        default=[],
        help="only jobs in this state (repeatable)",
    )
    p.add_argument("--queue", action="append", default=[], help="only this queue (repeatable)")
    p.add_argument("--kind", action="append", default=[], help="only this kind (repeatable)")
    p.add_argument(
        "--limit", type=_limit, default=50, help=f"at most this many (default 50, max {MAX_LIMIT})"
    )
    p.add_argument(
        "--order-by",
        choices=ORDER_FIELDS,
        default="id",
        help="order by this field (default id); 'time' follows the first --state as in River",
    )
    p.add_argument("--ascending", action="store_true", help="oldest first")
    p.add_argument("--after", metavar="CURSOR", help="continue a listing after this cursor")
    p.set_defaults(func=cmd_list)

    p = jobs.add_parser("get", help="show one job", epilog=EXIT_CODES)
    add_options(p)
    p.add_argument("id", type=ids)
    p.set_defaults(func=cmd_get)

    p = jobs.add_parser(
        "insert",
        help="insert a job and print its id",
        description="Insert one job of KIND with the JSON object --args and print its id "
        "(for a unique job that already exists, the existing job's id, with a note on "
        "stderr).",
        epilog=EXIT_CODES,
    )
    add_options(p)
    add_insert_options(p)
    p.set_defaults(func=cmd_insert)

    for action, helptext in (
        ("cancel", "cancel jobs (a running job is cancelled by its client)"),
        ("retry", "make jobs available to run again now"),
        ("delete", "delete jobs (not running ones)"),
    ):
        p = jobs.add_parser(action, help=helptext, epilog=EXIT_CODES)
        add_options(p)
        p.add_argument("ids", type=ids, nargs="+", metavar="ID")
        p.set_defaults(func=cmd_change, action=action)


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_LIMIT}, got {value}")
    return value


def _table(jobs: list[JobRow]) -> None:
    print_table(
        ("ID", "KIND", "QUEUE", "STATE", "ATTEMPT", "SCHEDULED AT"),
        [
            (
                j.id,
                j.kind,
                j.queue,
                j.state.value,
                f"{j.attempt}/{j.max_attempts}",
                j.scheduled_at.strftime("%Y-%m-%d %H:%M:%S"),
            )
            for j in jobs
        ],
        style_column=3,
    )


def cmd_list(args: argparse.Namespace) -> int:
    params = JobListParams(
        states=[JobState(s) for s in args.state],
        queues=args.queue,
        kinds=args.kind,
        order_by=JobListOrderBy(args.order_by),
        descending=not args.ascending,
        after=args.after,
        limit=args.limit,
    )

    async def action(client: Any) -> JobListResult:
        jobs: JobListResult = await resolved(client.job_list(params))
        return jobs

    jobs = with_client(args, action)
    if args.json:
        print_json([job_record(j) for j in jobs])
    else:
        _table(jobs)
    if len(jobs) == params.limit and jobs.last_cursor is not None:
        warn(f"more jobs may follow: add --after {jobs.last_cursor.encode()}")
    return EXIT_OK


def cmd_get(args: argparse.Namespace) -> int:
    async def action(client: Any) -> JobRow | None:
        try:
            job: JobRow = await resolved(client.job_get(args.id))
        except JobNotFoundError:
            return None
        return job

    job = with_client(args, action)
    if job is None:
        warn(f"job {args.id} not found")
        return EXIT_NOT_FOUND
    if args.json:
        print_json(job_record(job))
        return EXIT_OK
    record = job_record(job)
    errors = record.pop("errors")
    width = max(len(k) for k in record)
    for key, value in record.items():
        shown = value if isinstance(value, str) or value is None else _compact(value)
        print(f"{key.ljust(width)}  {shown if shown is not None else '-'}")
    for e in errors:
        print(f"error (attempt {e['attempt']}, {e['at']}): {e['error']}")
    return EXIT_OK


def _compact(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def cmd_change(args: argparse.Namespace) -> int:
    method = f"job_{args.action}"

    async def action(client: Any) -> list[tuple[int, JobRow | None, str | None]]:
        out: list[tuple[int, JobRow | None, str | None]] = []
        for job_id in args.ids:
            try:
                out.append((job_id, await resolved(getattr(client, method)(job_id)), None))
            except JobNotFoundError:
                out.append((job_id, None, "not found"))
            except JobRunningError as exc:
                out.append((job_id, None, str(exc)))
        return out

    results = with_client(args, action)
    missing = [job_id for job_id, _, problem in results if problem == "not found"]
    refused = [(job_id, p) for job_id, _, p in results if p is not None and p != "not found"]
    if args.json:
        print_json(
            [
                {
                    "id": job_id,
                    "ok": job is not None,
                    "error": problem,
                    "job": job_record(job) if job is not None else None,
                }
                for job_id, job, problem in results
            ]
        )
    else:
        done = [job for _, job, _ in results if job is not None]
        if done:
            _table(done)
    for job_id in missing:
        warn(f"job {job_id} not found")
    for job_id, problem in refused:
        warn(f"job {job_id}: {problem}")
    if refused:
        return 1
    return EXIT_NOT_FOUND if missing else EXIT_OK

"""``river job insert KIND --args JSON``: insert one job from the command line (as
Procrastinate's ``defer`` or ``rq enqueue``), its args checked as a JSON object first."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from river.cli._common import positive_int
from river.cli._ops import EXIT_OK, job_record, print_json, resolved, warn, with_client
from river.driver.params import JobInsertResult
from river.insert_opts import InsertOpts, UniqueOpts


def add_insert_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", metavar="KIND", help="the job's kind, as its worker declares it")
    p.add_argument(
        "--args",
        type=json_object,
        default={},
        metavar="JSON",
        help='the job\'s args, a JSON object (default {}), e.g. \'{"email": "a@b.c"}\'',
    )
    p.add_argument("--queue", default=None, help="queue (default: default)")
    p.add_argument(
        "--priority", type=int, choices=range(1, 5), default=None, metavar="1-4",
        help="1 (first) to 4 (default: 1)",
    )
    p.add_argument(
        "--max-attempts", type=positive_int("a number of attempts"), default=None,
        metavar="N", help="attempts before the job is discarded (default 25)",
    )
    p.add_argument(
        "--scheduled-at", type=timestamp, default=None, metavar="TIME",
        help="run at this ISO 8601 time with a timezone, e.g. 2030-01-01T09:00:00Z "
        "(default: now)",
    )
    p.add_argument(
        "--tag", action="append", default=[], dest="tags", metavar="TAG",
        help="a tag (repeatable)",
    )
    p.add_argument(
        "--unique-by-args", action="store_true",
        help="insert only if no live job of KIND has the same args; print that job's id if one has",
    )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_object(text: str) -> dict[str, Any]:
    """An argparse ``type``: ``text`` parsed as a JSON object (NaN and Infinity refused,
    as Postgres's ``jsonb`` refuses them)."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--args is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(
            f"--args must be a JSON object ({{...}}), not {type(value).__name__}: {text!r}"
        )
    return value


def timestamp(text: str) -> dt.datetime:
    """An argparse ``type``: an ISO 8601 time that says its timezone."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 time: {text!r} (e.g. 2030-01-01T09:00:00Z)"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no timezone: add Z or an offset such as +02:00"
        )
    return value


class CommandLineArgs:
    """Job args given as JSON text; each insert makes a subclass naming its kind."""

    kind: str

    def __init__(self, encoded: str) -> None:
        self._encoded = encoded

    def to_json(self) -> str:
        return self._encoded


def command_line_args(kind: str, args: dict[str, Any]) -> CommandLineArgs:
    cls: type[CommandLineArgs] = type("CommandLineArgs", (CommandLineArgs,), {"kind": kind})
    return cls(json.dumps(args, ensure_ascii=False))


def cmd_insert(args: argparse.Namespace) -> int:
    opts = InsertOpts(
        queue=args.queue,
        priority=args.priority,
        max_attempts=args.max_attempts,
        scheduled_at=args.scheduled_at,
        tags=args.tags or None,
        unique_opts=UniqueOpts(by_args=True) if args.unique_by_args else None,
    )
    job_args = command_line_args(args.kind, args.args)

    async def action(client: Any) -> JobInsertResult:
        result: JobInsertResult = await resolved(client.insert(job_args, opts))
        return result

    result = with_client(args, action)
    if args.json:
        print_json(
            {
                "id": result.job.id,
                "unique_skipped_as_duplicate": result.unique_skipped_as_duplicate,
                "job": job_record(result.job),
            }
        )
    else:
        print(result.job.id)
    if result.unique_skipped_as_duplicate:
        warn(f"job {result.job.id} already exists with these args: not inserted again")
    return EXIT_OK

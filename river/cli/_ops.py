"""What the job, queue and stats commands share: finding the database (never a
throwaway server), running a client on it, JSON records, tables, and exit codes."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from river.cli._common import (
    add_db_options,
    positive_int,
    resolve_database_url,
    run_with_driver,
)
from river.stored_json import UndecodableJSON
from river.types import AttemptError, JobRow, Queue, format_rfc3339_nano

T = TypeVar("T")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2  # argparse's own
EXIT_NOT_FOUND = 3
EXIT_CODES = (
    "exit codes: 0 ok, 1 error (e.g. cannot connect), 2 bad usage, "
    "3 a job or queue was not found (the others given are still handled)"
)


def add_options(p: argparse.ArgumentParser, *, json_output: bool = True) -> None:
    add_db_options(p)
    if json_output:
        p.add_argument("--json", action="store_true", help="print JSON for scripts")


async def resolved(value: Any) -> Any:
    """``value``, awaited if a client call returned an awaitable (an async client)."""
    if inspect.isawaitable(value):
        return await value
    return value


def with_client(args: argparse.Namespace, action: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
    """Run ``action(client)`` on a client of the chosen driver, sync or async alike:
    ``action`` awaits every client call through ``resolved``."""
    args.database_url = resolve_database_url(args)
    from river.config import Config, validate_schema

    if args.schema is not None:
        validate_schema(args.schema)
    config = Config(schema=args.schema)

    def run(driver: Any) -> Any:
        from river.driver.driver_async import AsyncDriver

        if isinstance(driver, AsyncDriver):
            from river.client_async import AsyncClient

            return action(AsyncClient(driver, config))
        from river.client import Client

        return asyncio.run(action(Client(driver, config)))

    result: T = run_with_driver(args, run)
    return result


# -- records -----------------------------------------------------------------------------


def _time(t: Any) -> str | None:
    return format_rfc3339_nano(t) if t is not None else None


def _stored(name: str, value: Any) -> dict[str, Any]:
    """A JSON field of a record. JSON that was not decoded (nested too deeply) is given
    as its raw text, a string, beside ``<name>_not_decoded`` saying why."""
    if isinstance(value, UndecodableJSON):
        return {name: value.text, f"{name}_not_decoded": value.reason}
    return {name: value}


def job_record(job: JobRow) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "queue": job.queue,
        "state": job.state.value,
        "attempt": job.attempt,
        "max_attempts": job.max_attempts,
        "priority": job.priority,
        **_stored("args", job.args),
        **_stored("metadata", job.metadata),
        "tags": job.tags,
        "errors": [_error_record(e) for e in job.errors],
        "attempted_by": job.attempted_by,
        "created_at": _time(job.created_at),
        "scheduled_at": _time(job.scheduled_at),
        "attempted_at": _time(job.attempted_at),
        "finalized_at": _time(job.finalized_at),
    }


def _error_record(e: AttemptError) -> dict[str, Any]:
    return {"at": _time(e.at), "attempt": e.attempt, "error": e.error, "trace": e.trace}


def queue_record(q: Queue) -> dict[str, Any]:
    return {
        "name": q.name,
        "paused": q.paused_at is not None,
        "paused_at": _time(q.paused_at),
        "created_at": _time(q.created_at),
        "updated_at": _time(q.updated_at),
        **_stored("metadata", q.metadata),
    }


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


# -- tables ------------------------------------------------------------------------------

STATE_STYLES = {
    "available": "cyan",
    "running": "blue",
    "completed": "green",
    "retryable": "yellow",
    "scheduled": "magenta",
    "discarded": "red",
    "cancelled": "bright_black",
    "pending": "white",
    "paused": "yellow",
}


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, style_column: int = -1
) -> None:
    """Aligned columns; colours (with ``rich``, when installed) only on a terminal."""
    text_rows = [["" if v is None else str(v) for v in row] for row in rows]
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        try:
            from rich.console import Console
            from rich.table import Table
            from rich.text import Text
        except ImportError:
            pass
        else:
            table = Table(*headers, box=None, header_style="bold", pad_edge=False)
            for row in text_rows:
                # Text, not markup: a job's kind or queue may contain brackets.
                table.add_row(
                    *(
                        Text(v, style=STATE_STYLES.get(v, "") if i == style_column else "")
                        for i, v in enumerate(row)
                    )
                )
            Console().print(table)
            return
    widths = [len(h) for h in headers]
    for row in text_rows:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    for row in (list(headers), *text_rows):
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


ids = positive_int("a job id")


def warn(message: str) -> None:
    print(f"river: {message}", file=sys.stderr)

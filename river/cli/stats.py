"""``river stats``: how many jobs each queue has in each state."""

from __future__ import annotations

import argparse
from typing import Any

from river.cli._ops import (
    EXIT_CODES,
    EXIT_OK,
    add_options,
    print_json,
    print_table,
    resolved,
    with_client,
)
from river.types import JobState, QueueStateCount

STATE_ORDER = [s.value for s in JobState]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "stats",
        help="job counts by queue and state",
        epilog=EXIT_CODES,
        description="Job counts by queue and state (one indexed query).",
    )
    add_options(p)
    p.set_defaults(func=cmd_stats)


def cmd_stats(args: argparse.Namespace) -> int:
    async def action(client: Any) -> list[QueueStateCount]:
        executor = client.driver.get_executor(client.config.schema)
        counts: list[QueueStateCount] = await resolved(executor.job_count_by_queue_and_state())
        return counts

    counts = with_client(args, action)
    table: dict[str, dict[str, int]] = {}
    for c in counts:
        table.setdefault(c.queue, {})[c.state.value] = c.count
    if args.json:
        print_json(
            {
                "queues": {
                    q: {s: by_state.get(s, 0) for s in STATE_ORDER}
                    for q, by_state in sorted(table.items())
                },
                "total": {s: sum(b.get(s, 0) for b in table.values()) for s in STATE_ORDER},
            }
        )
        return EXIT_OK
    rows: list[tuple[Any, ...]] = [
        (queue, *(by_state.get(s, 0) for s in STATE_ORDER), sum(by_state.values()))
        for queue, by_state in sorted(table.items())
    ]
    totals = [sum(row[i] for row in rows) for i in range(1, len(STATE_ORDER) + 2)]
    print_table(("QUEUE", *(s.upper() for s in STATE_ORDER), "TOTAL"), [*rows, ("total", *totals)])
    return EXIT_OK

"""``river bench``: River's benchmark — insert no-op jobs, work them, report rates.

The command line lives here; ``running`` runs the benchmark and its same-run baselines,
``sqlloops`` holds the SQL-only reference loops, ``reporting`` turns a run into figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

ASYNC_MAX_WORKERS = 2000
SYNC_MAX_WORKERS = 400


def cmd_bench(opts: argparse.Namespace) -> int:
    from river.cli._common import CLIError, resolve_database_url, tune_gc
    from river.cli.bench.reporting import print_summary
    from river.cli.bench.running import colour_of, run
    from river.cli.bench.schema import BENCH_SCHEMA, SchemaInUseError
    from river.cli.bench.tally import Tally
    from river.config import validate_schema

    opts.schema = opts.schema or BENCH_SCHEMA
    validate_schema(opts.schema)
    tune_gc(opts.gc_threshold)
    opts.async_max_workers = opts.max_workers or ASYNC_MAX_WORKERS
    if opts.max_workers is None:
        async_colour = colour_of(opts.driver, opts.colour) == "async"
        opts.max_workers = ASYNC_MAX_WORKERS if async_colour else SYNC_MAX_WORKERS
    if opts.duration is None and opts.num_total_jobs is None:
        opts.num_total_jobs = 100_000
    if opts.latency:
        return _cmd_latency(opts, resolve_database_url(opts, allow_local=True))
    opts.tally = Tally()
    try:
        summary = run(opts, resolve_database_url(opts, allow_local=True))
    except KeyboardInterrupt:
        print(opts.tally.partial(time.monotonic()), file=sys.stderr)
        return 130
    except SchemaInUseError as exc:
        raise CLIError(str(exc)) from None
    if opts.json:
        print(json.dumps(summary))
    else:
        print_summary(summary)
    return 0


def _cmd_latency(opts: argparse.Namespace, url: str) -> int:
    import asyncio

    from river.cli._common import CLIError
    from river.cli.bench.latency import GAP_MS, run_latency
    from river.cli.bench.running import colour_of

    if colour_of(opts.driver, opts.colour) != "async":
        raise CLIError("--latency runs the async client: use --driver asyncpg or psycopg3")
    if opts.num_total_jobs is None:
        opts.num_total_jobs = 2_000
    summary = asyncio.run(run_latency(opts, url))
    if opts.json:
        print(json.dumps(summary))
    else:
        lat = summary["latency"]
        print(
            f"latency, insert call to work start, {lat['jobs']} jobs one at a time "
            f"{GAP_MS[0]:g}-{GAP_MS[1]:g} ms apart, library defaults: p50 {lat['p50_ms']} ms, "
            f"p90 {lat['p90_ms']} ms, p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms"
        )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from river.cli._common import add_db_options, add_gc_threshold_option

    p = sub.add_parser(
        "bench",
        help="benchmark inserting and working no-op jobs",
        description="Insert no-op jobs and work them, then report rates. The work phase "
        "prints the jobs worked and jobs/sec every 2 seconds; Ctrl-C prints the figures "
        "so far. Without a database, a local PostgreSQL is started (see river local).",
    )
    add_db_options(p)
    default_driver = os.environ.get("RIVER_BENCH_DRIVER", "asyncpg")
    p.set_defaults(driver=default_driver)
    _set_help(
        p, "driver",
        "driver plugin: asyncpg, psycopg3 or psycopg2 (default asyncpg, or "
        "$RIVER_BENCH_DRIVER)",
    )
    _set_help(
        p, "schema",
        "schema of the benchmark's tables, created, migrated and emptied before the run "
        "(default river_bench; another schema must hold no jobs)",
    )
    p.add_argument(
        "-n",
        "--num-total-jobs",
        type=int,
        default=None,
        help="burn-down: insert N jobs, then work them to zero (default 100,000)",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="continuous mode for this many seconds, measuring latency",
    )
    p.add_argument(
        "--rate",
        type=float,
        default=1000.0,
        metavar="JOBS_PER_SECOND",
        help="continuous mode: jobs offered per second (default 1000)",
    )
    p.add_argument(
        "--colour",
        choices=("sync", "async"),
        default=None,
        help="client colour for psycopg3 (default async)",
    )
    p.add_argument(
        "--max-workers",
        type=int,
        default=None,
        help=f"queue max_workers (default {ASYNC_MAX_WORKERS} async, "
        f"{SYNC_MAX_WORKERS} sync: threads)",
    )
    p.add_argument(
        "--fetch-cooldown",
        type=float,
        default=0.002,
        metavar="SECONDS",
        help="the client's fetch_cooldown in seconds (default 0.002)",
    )
    p.add_argument(
        "--fetch-poll-interval",
        type=float,
        default=0.02,
        metavar="SECONDS",
        help="the client's fetch_poll_interval in seconds (default 0.02)",
    )
    p.add_argument(
        "--processes",
        type=int,
        default=1,
        help="work with N processes (one async client each); one process is the baseline",
    )
    p.add_argument(
        "--ceiling",
        action="store_true",
        help="also run SQL-only fetch/complete loops on the same driver: River's "
        "statements, and the minimal SQL on a table with River's fetch index in 16 shapes "
        "(batches of 100-2,000 jobs, 1-4 connections, at most 20,000 jobs each); the best "
        "shape is the ceiling, reported with its shape",
    )
    p.add_argument(
        "--latency",
        action="store_true",
        help="instead: insert -n jobs (default 2,000) one at a time at random gaps of "
        "5-500 ms from a client of their own, work them with the library's default fetch "
        "cooldown and poll interval, and report insert-to-start latency percentiles",
    )
    p.add_argument(
        "--defaults",
        action="store_true",
        help="also work the jobs with the library's default fetch cooldown and poll interval",
    )
    p.add_argument(
        "--versus-asyncpg",
        action="store_true",
        help="also work the jobs with the asyncpg AsyncClient (baseline for other drivers)",
    )
    # Off by default: the figures are those of a process with Python's own settings.
    add_gc_threshold_option(p, default=None)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_bench)


def _set_help(p: argparse.ArgumentParser, dest: str, text: str) -> None:
    """Replace the help of an option ``add_db_options`` added: the benchmark's differ."""
    for action in p._actions:
        if action.dest == dest:
            action.help = text

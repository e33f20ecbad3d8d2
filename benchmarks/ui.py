"""Dashboard speed: each page's server time with N jobs in ``river_job``, against the same
read queries run directly on the executor in the same run.

    python -m benchmarks.ui --jobs 1000000 [--database-url URL] [--repeat 20] [--explain]

Seeds a new schema ``river_ui_bench_<pid>`` (dropped afterwards unless ``--keep-schema``)
with N jobs spread over every state (most completed over the last day, as a busy queue
looks), VACUUM ANALYZEs it, then renders every page in-process through the ASGI app
(httpx's ASGI transport, no network) and runs the queries each page makes directly. With
no ``--database-url`` and no ``DATABASE_URL`` a throwaway local Postgres is started and
stopped. Prints one JSON object: per page the median and p95 milliseconds of the page and
of its queries, and ``page_over_queries`` (the median ratio); ``--explain`` adds each list
query's plan.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

# One statement builds the whole table: state by bucket of the row number, finalized
# times spread over the last day, errors on failed jobs.
SEED_SQL = """
INSERT INTO {schema}.river_job (
    state, attempt, max_attempts, attempted_at, created_at, finalized_at, scheduled_at,
    priority, args, attempted_by, errors, kind, metadata, queue, tags
)
SELECT
    s.state::{schema}.river_job_state,
    CASE WHEN s.state IN ('available', 'scheduled', 'pending') THEN 0 ELSE 1 END,
    25,
    CASE WHEN s.state IN ('available', 'scheduled', 'pending') THEN NULL ELSE t.at END,
    t.at - interval '1 second',
    CASE WHEN s.state IN ('completed', 'discarded', 'cancelled') THEN t.at END,
    CASE WHEN s.state IN ('scheduled', 'retryable') THEN now() + interval '1 hour' ELSE t.at END,
    1 + g % 4,
    jsonb_build_object('customer_id', g, 'email', 'user' || g || chr(64) || 'example.com'),
    CASE WHEN s.state IN ('available', 'scheduled', 'pending') THEN '{{}}'::text[]
         ELSE ARRAY['client-' || (g % 8)] END,
    CASE WHEN s.state IN ('discarded', 'retryable')
         THEN ARRAY[jsonb_build_object('at', t.at, 'attempt', 1, 'error', 'boom',
                                       'trace', 'Traceback ...')]
         ELSE '{{}}'::jsonb[] END,
    'kind_' || (g % 10),
    '{{}}'::jsonb,
    'queue_' || (g % 5),
    ARRAY['tag_' || (g % 3)]::varchar(255)[]
FROM generate_series(1, @n::bigint) AS g,
LATERAL (SELECT now() - ((g * 7919) % 86400) * interval '1 second' AS at) AS t,
LATERAL (SELECT CASE
    WHEN g % 1000 < 900 THEN 'completed'
    WHEN g % 1000 < 930 THEN 'discarded'
    WHEN g % 1000 < 940 THEN 'cancelled'
    WHEN g % 1000 < 970 THEN 'available'
    WHEN g % 1000 < 980 THEN 'scheduled'
    WHEN g % 1000 < 990 THEN 'retryable'
    WHEN g % 1000 < 995 THEN 'running'
    ELSE 'pending' END AS state) AS s
"""


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


async def _time(fn: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    await fn()  # warm caches and plans
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - t0)
    return samples


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": _ms(statistics.median(ordered)),
        "p95_ms": _ms(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]),
    }


async def run(url: str, jobs: int, repeat: int, explain: bool, keep: bool) -> dict[str, Any]:
    import httpx
    from river_asyncpg import AsyncpgDriver

    from river.driver.params import JobListParams
    from river.migrate.migrator_async import AsyncMigrator
    from river.types import JobState
    from river.ui import create_app
    from river.ui.reads import overview_data, queue_detail

    schema = f"river_ui_bench_{os.getpid()}"
    driver = await AsyncpgDriver.open(url, min_size=1, max_size=4)
    executor = driver.get_executor(schema)
    try:
        await executor.execute(f"CREATE SCHEMA {schema}")
        await AsyncMigrator(driver, schema=schema).migrate_up()
        t0 = time.perf_counter()
        await executor.execute(SEED_SQL.format(schema=schema), {"n": jobs})
        await executor.execute(
            f"INSERT INTO {schema}.river_queue (name, created_at, metadata, updated_at) "
            f"SELECT DISTINCT queue, now(), '{{}}'::jsonb, now() FROM {schema}.river_job"
        )
        await executor.exec_script(f"VACUUM ANALYZE {schema}.river_job")
        seed_seconds = time.perf_counter() - t0
        some_id = (
            await executor.fetch_one(
                f"SELECT id FROM {schema}.river_job WHERE state = 'discarded' LIMIT 1"
            )
            or [1]
        )[0]
        deep = jobs // 2

        def listing(state: JobState, **kw: Any) -> Callable[[], Awaitable[Any]]:
            kw.setdefault("limit", 51)
            params = JobListParams(states=[state], order_by="id", descending=True, **kw)
            return lambda: executor.job_list(params)

        pages: dict[str, tuple[str, Callable[[], Awaitable[Any]]]] = {
            "overview": ("/", lambda: overview_data(executor)),
            "throughput_chart": (
                "/throughput.svg",
                lambda: executor.job_finalized_per_minute(
                    dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
                ),
            ),
            "queues": ("/queues", lambda: overview_data(executor)),
            "jobs_completed": ("/jobs?state=completed", listing(JobState.COMPLETED)),
            "jobs_available": ("/jobs?state=available", listing(JobState.AVAILABLE)),
            "jobs_running": ("/jobs?state=running", listing(JobState.RUNNING)),
            "jobs_discarded_deep_page": (
                f"/jobs?state=discarded&after={deep}",
                listing(JobState.DISCARDED, after=(deep, deep)),
            ),
            "jobs_completed_by_kind_queue": (
                "/jobs?state=completed&kind=kind_3&queue=queue_3",
                listing(JobState.COMPLETED, kinds=["kind_3"], queues=["queue_3"]),
            ),
            "jobs_args_json": (
                '/jobs?state=completed&q={"customer_id":4242}',
                listing(JobState.COMPLETED, args_contains='{"customer_id":4242}'),
            ),
            "job_detail": (f"/jobs/{some_id}", lambda: executor.job_get_by_id(some_id)),
            "queue_page": ("/queue?name=queue_3", lambda: queue_detail(executor, "queue_3")),
            "bulk_confirm_discarded": (
                "/jobs/confirm?action=retry&state=discarded",
                listing(JobState.DISCARDED, limit=501),
            ),
        }
        app = create_app(driver, schema=schema, auth=None)
        transport = httpx.ASGITransport(app=app)
        results: dict[str, Any] = {}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:

            async def page(path: str) -> None:
                response = await http.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status_code}")

            for name, (path, direct) in pages.items():
                page_samples = await _time(lambda path=path: page(path), repeat)
                query_samples = await _time(direct, repeat)
                entry: dict[str, Any] = {
                    "path": path,
                    "page": _summary(page_samples),
                    "queries": _summary(query_samples),
                    "page_over_queries": round(
                        statistics.median(page_samples) / statistics.median(query_samples), 2
                    ),
                }
                results[name] = entry
        if explain:
            results["explain"] = await _explain(executor, schema)
        return {
            "benchmark": "ui",
            "jobs": jobs,
            "repeat": repeat,
            "seed_seconds": round(seed_seconds, 1),
            "pages": results,
            "slowest_page_median_ms": max(
                v["page"]["median_ms"] for k, v in results.items() if k != "explain"
            ),
        }
    finally:
        if not keep:
            await executor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await driver.close()


async def _explain(executor: Any, schema: str) -> dict[str, list[str]]:
    from river.driver.params import JobListParams
    from river.types import JobState

    plans: dict[str, list[str]] = {}
    cases = {
        "completed": JobListParams(states=[JobState.COMPLETED], descending=True, limit=51),
        "running": JobListParams(states=[JobState.RUNNING], descending=True, limit=51),
        "discarded_after": JobListParams(
            states=[JobState.DISCARDED], descending=True, limit=51, after=(500000, 500000)
        ),
    }
    original = executor.fetch_all
    for name, params in cases.items():
        captured: list[tuple[str, Any]] = []

        async def capture(query: str, args: Any = None, captured: Any = captured) -> Any:
            captured.append((query, args))
            return []

        executor.fetch_all = capture
        try:
            await executor.job_list(params)
        finally:
            executor.fetch_all = original
        query, args = captured[0]
        rows = await original("EXPLAIN (ANALYZE, COSTS OFF) " + query, args)
        plans[name] = [str(r[0]) for r in rows]
    return plans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--explain", action="store_true", help="add the list queries' plans")
    parser.add_argument("--keep-schema", action="store_true")
    args = parser.parse_args(argv)
    server = None
    url = args.database_url
    if not url:
        from river.cli.localpg import start_ephemeral

        server = start_ephemeral(fast=True)
        url = server.url
    try:
        result = asyncio.run(run(url, args.jobs, args.repeat, args.explain, args.keep_schema))
    finally:
        if server is not None:
            server.stop()
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ceiling's shapes (``river.cli.bench.shapes``) and its table: River's fetch index
leads the minimal fetch to the available jobs, so the ceiling does not slow as the table
grows."""

from __future__ import annotations

import threading

import pytest

from river.cli.bench.shapes import (
    BATCHES,
    CONNECTIONS,
    JobBudget,
    Shape,
    ShapeRate,
    all_shapes,
    best,
)
from river.cli.bench.sqlloops import MIN_COMPLETE, MIN_CREATE, MIN_FETCH, MIN_FILL, MIN_RESET
from river.plugins.manager import open_driver


def test_every_batch_size_is_measured_on_one_to_four_connections() -> None:
    shapes = all_shapes()
    assert len(shapes) == len(set(shapes)) == 16
    assert {s.batch for s in shapes} == set(BATCHES) == {100, 500, 1000, 2000}
    assert {s.connections for s in shapes} == set(CONNECTIONS) == {1, 2, 3, 4}


def test_best_is_the_fastest_shape() -> None:
    rates = [
        ShapeRate(Shape(100, 1), jobs=1000, seconds=1.0),
        ShapeRate(Shape(1000, 2), jobs=1000, seconds=0.25),
        ShapeRate(Shape(2000, 4), jobs=1000, seconds=0.5),
    ]
    top = best(rates)
    assert top.shape == Shape(1000, 2) and top.jobs_per_sec == 4000.0
    assert top.to_json() == {"batch": 1000, "connections": 2, "jobs_per_sec": 4000.0}
    with pytest.raises(ValueError):
        best([])


def test_budget_hands_out_exactly_its_jobs_across_threads() -> None:
    budget = JobBudget(10_007)
    taken: list[int] = []

    def loop() -> None:
        while n := budget.take(100):
            taken.append(n)

    threads = [threading.Thread(target=loop) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(taken) == 10_007 and max(taken) == 100 and min(taken) == 7
    assert budget.take(100) == 0


def test_the_fetch_goes_through_rivers_fetch_index(database_url: str, schema: str) -> None:
    # 50,000 jobs, 30,000 of them completed ahead of the available ones: the fetch reads
    # the index's available entries, not the table nor the primary key, and neither the
    # fetch nor the completion of a batch scans the whole table.
    driver = open_driver(database_url, "psycopg3")
    try:
        ex = driver.get_executor(schema)
        ex.exec_script(MIN_CREATE)
        ex.execute(MIN_FILL, {"n": 50_000})
        ids = [r[0] for r in ex.fetch_all(MIN_FETCH, {"n": 30_000})]
        ex.execute(MIN_COMPLETE, {"ids": ids})
        ex.exec_script(f'VACUUM ANALYZE "{schema}".bench_minimal')
        plan = "\n".join(r[0] for r in ex.fetch_all("EXPLAIN " + MIN_FETCH, {"n": 500}))
        assert "bench_minimal_prioritized_fetching_index" in plan, plan
        assert "Seq Scan" not in plan, plan
        ids = list(range(30_001, 30_501))
        plan = "\n".join(r[0] for r in ex.fetch_all("EXPLAIN " + MIN_COMPLETE, {"ids": ids}))
        assert "bench_minimal_pkey" in plan and "Seq Scan" not in plan, plan[:500]
        rows = ex.fetch_all(MIN_FETCH, {"n": 500})
        assert len(rows) == 500 and min(r[0] for r in rows) == 30_001
        ex.execute(MIN_RESET)
        left = ex.fetch_all(f'SELECT count(*) FROM "{schema}".bench_minimal WHERE state <> \'available\'')
        assert left == [(0,)]
    finally:
        driver.close()

"""``river bench``'s progress lines every two seconds of the work phase and the figures
an interrupted run prints (pure: the times are given)."""

from __future__ import annotations

from river.cli.bench.tally import PENDING_CHECK_TICKS, Tally


def test_a_line_every_two_seconds_with_the_rate_over_them() -> None:
    tally = Tally(jobs=100)
    assert tally.tick(5.0) is None  # the work phase has not started
    tally.start_work(10.0)
    tally.worked = 30
    assert tally.tick(11.5) is None
    tally.worked = 40
    assert tally.tick(12.0) == "bench: jobs worked [ 40 ], jobs/sec [ 20.0 ] [2s]"
    tally.worked = 4_040
    assert tally.tick(13.0) is None
    assert tally.tick(14.0) == "bench: jobs worked [ 4,040 ], jobs/sec [ 2,000.0 ] [4s]"


def test_partial_figures() -> None:
    tally = Tally(jobs=10)
    assert tally.partial(1.0) == "bench: interrupted: before any job was inserted"
    tally.inserted, tally.insert_seconds = 10_000, 2.0
    assert tally.partial(1.0) == "bench: interrupted: inserted 10,000 jobs (5,000.0 jobs/sec)"
    tally.start_work(100.0)
    tally.worked = 300
    assert tally.partial(104.0) == (
        "bench: interrupted: inserted 10,000 jobs (5,000.0 jobs/sec); "
        "worked 300 jobs in 4.0s (75.0 jobs/sec)"
    )


def test_the_database_is_asked_now_and_then_until_nearly_every_job_started() -> None:
    tally = Tally(jobs=10_000)
    tally.start_work(0.0)
    tally.worked = 5_000
    asked = [t for t in range(100) if tally.pending_check_due(t)]
    assert asked == list(range(0, 100, PENDING_CHECK_TICKS))
    tally.worked = 9_899
    assert not tally.pending_check_due(1)
    tally.worked = 9_900  # all but 1%: completions are near, ask every tick
    assert all(tally.pending_check_due(t) for t in range(1, 100))

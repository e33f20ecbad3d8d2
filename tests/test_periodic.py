"""Periodic job schedules and ``PeriodicJob`` (pure: no database)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import pytest

import river
from river.periodic import CronSchedule, NeverSchedule, PeriodicInterval, PeriodicJob, cron

T0 = dt.datetime(2026, 1, 1, 12, 10, tzinfo=dt.UTC)


@dataclass
class TickArgs:
    kind = "tick"
    n: int = 0


def test_public_names() -> None:
    assert river.PeriodicJob is PeriodicJob
    assert river.PeriodicInterval is PeriodicInterval
    assert river.NeverSchedule is NeverSchedule
    assert river.cron is cron


def test_interval() -> None:
    every = PeriodicInterval(dt.timedelta(minutes=15))
    assert every.next(T0) == T0 + dt.timedelta(minutes=15)
    for bad in (dt.timedelta(0), dt.timedelta(seconds=-1), 5):
        with pytest.raises(river.ConfigError):
            PeriodicInterval(bad)  # type: ignore[arg-type]


def test_cron_next_is_strictly_after() -> None:
    half_past = cron("30 * * * *")
    assert half_past.next(T0) == dt.datetime(2026, 1, 1, 12, 30, tzinfo=dt.UTC)
    assert half_past.next(half_past.next(T0)) == dt.datetime(2026, 1, 1, 13, 30, tzinfo=dt.UTC)
    assert cron("*/5 * * * *").next(T0) == dt.datetime(2026, 1, 1, 12, 15, tzinfo=dt.UTC)
    assert cron("0 0 * * *").next(T0) == dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


def test_cron_results_are_utc_and_accept_naive_and_other_zones() -> None:
    naive = dt.datetime(2026, 1, 1, 12, 10)
    assert cron("30 * * * *").next(naive) == dt.datetime(2026, 1, 1, 12, 30, tzinfo=dt.UTC)
    paris = T0.astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
    got = cron("30 * * * *").next(paris)
    assert got == dt.datetime(2026, 1, 1, 12, 30, tzinfo=dt.UTC)
    assert got.utcoffset() == dt.timedelta(0)


def test_cron_in_a_time_zone() -> None:
    nine_in_paris = cron("0 9 * * *", zoneinfo.ZoneInfo("Europe/Paris"))
    # Winter: UTC+1.
    assert nine_in_paris.next(T0) == dt.datetime(2026, 1, 2, 8, tzinfo=dt.UTC)
    # Summer: UTC+2.
    july = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
    assert nine_in_paris.next(july) == dt.datetime(2026, 7, 2, 7, tzinfo=dt.UTC)


def test_cron_descriptors() -> None:
    assert cron("@hourly").next(T0) == dt.datetime(2026, 1, 1, 13, tzinfo=dt.UTC)
    assert cron("@daily").next(T0) == dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    assert cron("@midnight").next(T0) == dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    assert cron("@weekly").next(T0) == dt.datetime(2026, 1, 4, tzinfo=dt.UTC)  # a Sunday
    assert cron("@monthly").next(T0) == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    assert cron("@yearly").next(T0) == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


def test_cron_with_seconds() -> None:
    assert cron("*/10 * * * * *").next(T0) == T0 + dt.timedelta(seconds=10)


@pytest.mark.parametrize("expr", ["not a cron", "* * * *", "* * * * * * *", "61 * * * *", ""])
def test_invalid_cron(expr: str) -> None:
    with pytest.raises(river.ConfigError):
        cron(expr)


def test_cron_schedule_is_a_value() -> None:
    assert cron("30 * * * *") == CronSchedule("30 * * * *")


def test_never() -> None:
    assert NeverSchedule().next(T0) == dt.datetime.max.replace(tzinfo=dt.UTC)


def test_any_object_with_next_is_a_schedule() -> None:
    class EveryMinuteOnTheMinute:
        def next(self, after: dt.datetime) -> dt.datetime:
            return after.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)

    job = PeriodicJob(EveryMinuteOnTheMinute(), TickArgs)
    assert job.schedule.next(T0) == T0 + dt.timedelta(minutes=1)
    with pytest.raises(river.ConfigError):
        PeriodicJob(object(), TickArgs)  # type: ignore[arg-type]
    with pytest.raises(river.ConfigError):
        PeriodicJob(NeverSchedule(), "not callable")  # type: ignore[arg-type]


def test_options_are_keyword_only_with_defaults() -> None:
    job = PeriodicJob(NeverSchedule(), TickArgs)
    assert (job.run_on_start, job.id, job.opts) == (False, None, None)
    with pytest.raises(TypeError):
        PeriodicJob(NeverSchedule(), TickArgs, True)  # type: ignore[misc]


def test_build_returns_args_and_opts() -> None:
    opts = river.InsertOpts(queue="periodic")
    assert PeriodicJob(NeverSchedule(), lambda: (TickArgs(1), opts)).build() == (TickArgs(1), opts)
    # No opts from the constructor: the job's own.
    default = river.InsertOpts(priority=2)
    job = PeriodicJob(NeverSchedule(), lambda: (TickArgs(2), None), opts=default)
    assert job.build() == (TickArgs(2), default)
    # Bare args are accepted too.
    assert PeriodicJob(NeverSchedule(), TickArgs, opts=default).build() == (TickArgs(), default)
    assert PeriodicJob(NeverSchedule(), TickArgs).build() == (TickArgs(), None)


def test_build_skips_when_the_constructor_returns_none() -> None:
    assert PeriodicJob(NeverSchedule(), lambda: None).build() is None
    assert PeriodicJob(NeverSchedule(), lambda: (None, None)).build() is None


@pytest.mark.parametrize("good", ["nightly", "report.daily", "a_b-c:d/e", "x" * 127])
def test_valid_ids(good: str) -> None:
    assert PeriodicJob(NeverSchedule(), TickArgs, id=good).id == good


@pytest.mark.parametrize("bad", ["", "a", "-leading-dash", "has space", "x" * 128, "é-accent"])
def test_invalid_ids(bad: str) -> None:
    with pytest.raises(river.ConfigError):
        PeriodicJob(NeverSchedule(), TickArgs, id=bad)

"""Periodic jobs: schedules and the jobs the leader inserts on them (River's PeriodicJob).

A schedule is anything with ``next(after) -> datetime``: ``PeriodicInterval``, ``cron``
expressions (through cronsim) or ``NeverSchedule``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from cronsim import CronSim, CronSimError

from river.errors import ConfigError
from river.insert_opts import InsertOpts

_handles = itertools.count(1)


class Schedule(Protocol):
    def next(self, after: dt.datetime) -> dt.datetime: ...


@dataclass(frozen=True, slots=True)
class PeriodicInterval:
    """Every ``interval`` after the previous run."""

    interval: dt.timedelta

    def __post_init__(self) -> None:
        if self.interval <= dt.timedelta(0):
            raise ConfigError(f"periodic interval must be positive, got {self.interval}")

    def next(self, after: dt.datetime) -> dt.datetime:
        return after + self.interval


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """A crontab expression (five fields, UTC), e.g. ``"30 * * * *"``."""

    expr: str

    def __post_init__(self) -> None:
        try:
            CronSim(self.expr, dt.datetime(2000, 1, 1))
        except CronSimError as exc:
            raise ConfigError(f"invalid cron expression {self.expr!r}: {exc}") from exc

    def next(self, after: dt.datetime) -> dt.datetime:
        naive = after.astimezone(dt.UTC).replace(tzinfo=None)
        return next(CronSim(self.expr, naive)).replace(tzinfo=dt.UTC)


def cron(expr: str) -> CronSchedule:
    return CronSchedule(expr)


class NeverSchedule:
    """Never runs on its own (useful with ``run_on_start``)."""

    def next(self, after: dt.datetime) -> dt.datetime:
        return dt.datetime.max.replace(tzinfo=dt.UTC)


Constructor = Callable[[], Any]  # returns args, (args, InsertOpts | None), or None to skip


@dataclass(eq=False)
class PeriodicJob:
    """Insert the constructor's job on ``schedule``; ``run_on_start`` also inserts one when
    the leader's enqueuer starts. ``id`` is stored in the job's metadata."""

    schedule: Schedule
    constructor: Constructor
    run_on_start: bool = False
    id: str | None = None
    handle: int = field(default_factory=lambda: next(_handles), init=False)

    def build(self) -> tuple[Any, InsertOpts | None] | None:
        made = self.constructor()
        if made is None:
            return None
        if isinstance(made, tuple):
            args, opts = made
            return args, opts
        return made, None

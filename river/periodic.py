"""Periodic jobs: schedules and the jobs the leader inserts on them (River's ``PeriodicJob``).

A schedule is any object with ``next(after: datetime) -> datetime`` returning the first run
strictly after ``after`` (an aware datetime): ``PeriodicInterval``, ``cron`` expressions
(evaluated by cronsim) and ``NeverSchedule`` are provided.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, Protocol

from cronsim import CronSim, CronSimError

from river.errors import ConfigError
from river.insert_opts import InsertOpts

__all__ = [
    "CronSchedule",
    "NeverSchedule",
    "PeriodicInterval",
    "PeriodicJob",
    "PeriodicJobBundle",
    "Schedule",
    "cron",
]

# River's rule for user-chosen ids (the same as for job kinds); \w is ASCII-only as in Go.
_ID_RE = re.compile(r"\A[\w][\w\-\[\]<>\/.·:+]+\Z", re.ASCII)
_ID_MAX = 127
# The descriptors of the standard cron parser Go users configure River with.
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_NEVER = dt.datetime.max.replace(tzinfo=dt.UTC)


class Schedule(Protocol):
    """When a periodic job runs next."""

    def next(self, after: dt.datetime) -> dt.datetime:
        """The first run time strictly after ``after``."""
        ...


@dataclass(frozen=True, slots=True)
class PeriodicInterval:
    """Every ``interval``, counted from the previous run (River's ``PeriodicInterval``)."""

    interval: dt.timedelta

    def __post_init__(self) -> None:
        if not isinstance(self.interval, dt.timedelta) or self.interval <= dt.timedelta(0):
            raise ConfigError(
                f"periodic interval must be a positive timedelta, got {self.interval!r}"
            )

    def next(self, after: dt.datetime) -> dt.datetime:
        return after + self.interval


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """A crontab expression in ``tz`` (default UTC): five fields, six with leading seconds,
    or a descriptor (``@hourly``, ``@daily``, ``@weekly``, ``@monthly``, ``@yearly``)."""

    expr: str
    tz: dt.tzinfo = dt.UTC

    def __post_init__(self) -> None:
        try:
            CronSim(self._fields(), dt.datetime(2000, 1, 1, tzinfo=self.tz))
        except CronSimError as exc:
            raise ConfigError(f"invalid cron expression {self.expr!r}: {exc}") from exc

    def _fields(self) -> str:
        return _DESCRIPTORS.get(self.expr.strip().lower(), self.expr)

    def next(self, after: dt.datetime) -> dt.datetime:
        if after.tzinfo is None:
            after = after.replace(tzinfo=dt.UTC)
        return next(CronSim(self._fields(), after.astimezone(self.tz))).astimezone(dt.UTC)


def cron(expr: str, tz: dt.tzinfo = dt.UTC) -> CronSchedule:
    """A cron schedule, e.g. ``cron("30 * * * *")`` for half past every hour (UTC)."""
    return CronSchedule(expr, tz)


@dataclass(frozen=True, slots=True)
class NeverSchedule:
    """Never due on its own; with ``run_on_start`` the job runs once per leadership term."""

    def next(self, after: dt.datetime) -> dt.datetime:
        return _NEVER


Constructor = Callable[[], Any]
"""Returns ``(args, InsertOpts | None)``, bare args, or None to skip this run."""


@dataclass(frozen=True, slots=True, eq=False)
class PeriodicJob:
    """A job inserted on ``schedule`` by the leading client (River's ``NewPeriodicJob``).

    ``constructor`` is called at each run and returns ``(args, opts)`` (``opts`` may be None),
    bare args, or None to skip the run. ``opts`` applies when the constructor gives none.
    ``run_on_start`` also inserts one job as soon as a client becomes leader (next-run
    times live in memory, so a long interval may otherwise never come round across
    restarts). ``id`` is stored in each job's metadata as ``river:periodic_job_id`` and
    lets ``remove_by_id`` find the job; ids must be unique within a client.
    """

    schedule: Schedule
    constructor: Constructor
    _: KW_ONLY
    run_on_start: bool = False
    id: str | None = None
    opts: InsertOpts | None = None

    def __post_init__(self) -> None:
        if not callable(getattr(self.schedule, "next", None)):
            raise ConfigError(f"periodic schedule {self.schedule!r} has no next(after) method")
        if not callable(self.constructor):
            raise ConfigError(f"periodic job constructor {self.constructor!r} is not callable")
        if self.id is not None and (len(self.id) > _ID_MAX or not _ID_RE.match(self.id)):
            raise ConfigError(
                f"invalid periodic job id {self.id!r}: 2 to {_ID_MAX} characters, starting "
                "with a letter, digit or underscore, then letters, digits and - [ ] < > / . · : +"
            )

    def build(self) -> tuple[Any, InsertOpts | None] | None:
        """Call the constructor: ``(args, opts)``, or None when it skips this run."""
        made = self.constructor()
        if made is None:
            return None
        if (
            isinstance(made, tuple)
            and len(made) == 2
            and (made[1] is None or isinstance(made[1], InsertOpts))
        ):
            args, opts = made
            if args is None:
                return None
            return args, opts if opts is not None else self.opts
        return made, self.opts


class PeriodicJobBundle(Protocol):
    """A client's periodic jobs (``client.periodic_jobs``, River's ``PeriodicJobBundle``),
    the same for both colours: changed at any time, inserted by the leading client when
    due. ``add`` returns a handle for ``remove``; ids must be unique (``ConfigError``)."""

    def add(self, job: PeriodicJob) -> int:
        """Add a periodic job; returns its handle."""
        ...

    def add_many(self, jobs: Sequence[PeriodicJob]) -> list[int]:
        """Add periodic jobs; returns their handles, in order."""
        ...

    def remove(self, handle: int) -> None:
        """Remove the job with this handle (an unknown handle is ignored)."""
        ...

    def remove_by_id(self, id: str) -> bool:
        """Remove the job with this id; False if there was none."""
        ...

    def remove_many(self, handles: Sequence[int]) -> None:
        """Remove the jobs with these handles (unknown handles are ignored)."""
        ...

    def remove_many_by_id(self, ids: Sequence[str]) -> None:
        """Remove the jobs with these ids (unknown ids are ignored)."""
        ...

    def clear(self) -> None:
        """Remove every periodic job."""
        ...

    def jobs(self) -> list[PeriodicJob]:
        """The periodic jobs, in the order they were added."""
        ...

"""The periodic jobs of a client and their next runs: River's ``PeriodicJobBundle`` and
the enqueuer's scheduling decisions, without I/O (both colours of enqueuer share it).

Next-run times live in memory, as in River: each leadership term derives them afresh from
the time it starts (``run_on_start`` covers schedules longer than a typical term).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import threading
from collections.abc import Callable, Sequence

from river.errors import ConfigError
from river.insert_opts import InsertManyParams, InsertOpts
from river.periodic import PeriodicJob

IDLE_WAIT = 3600.0  # seconds; adding a job wakes the enqueuer earlier
META_PERIODIC = "periodic"
META_PERIODIC_JOB_ID = "river:periodic_job_id"


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


class PeriodicJobSet:
    """``add``/``add_many``/``remove``/``remove_by_id``/``remove_many``/
    ``remove_many_by_id``/``clear`` may be called at any
    time (from any thread); ``add`` returns a handle for ``remove``. Ids must be unique
    (``ConfigError``). ``changed`` is called after every change."""

    def __init__(self, changed: Callable[[], None]) -> None:
        # A plain lock: held only for dict updates, never across I/O.
        self._lock = threading.Lock()
        self._handles = itertools.count(1)
        self._jobs: dict[int, PeriodicJob] = {}
        self._next: dict[int, dt.datetime] = {}  # this term's next run per handle
        self._changed = changed

    def add(self, job: PeriodicJob) -> int:
        """Add a periodic job; returns its handle."""
        return self.add_many([job])[0]

    def add_many(self, jobs: Sequence[PeriodicJob]) -> list[int]:
        with self._lock:
            ids = {j.id for j in self._jobs.values() if j.id is not None}
            for job in jobs:
                if not isinstance(job, PeriodicJob):
                    raise ConfigError(f"expected a river.PeriodicJob, got {job!r}")
                if job.id is not None:
                    if job.id in ids:
                        raise ConfigError(f"periodic job with id {job.id!r} already added")
                    ids.add(job.id)
            handles = [next(self._handles) for _ in jobs]
            self._jobs.update(zip(handles, jobs, strict=True))
        self._changed()
        return handles

    def remove(self, handle: int) -> None:
        with self._lock:
            self._jobs.pop(handle, None)
            self._next.pop(handle, None)
        self._changed()

    def remove_by_id(self, id: str) -> bool:
        """Remove the job with this id; False if there was none."""
        with self._lock:
            handles = [h for h, j in self._jobs.items() if j.id == id]
            for handle in handles:
                del self._jobs[handle]
                self._next.pop(handle, None)
        self._changed()
        return bool(handles)

    def remove_many(self, handles: Sequence[int]) -> None:
        """Remove the jobs with these handles (unknown handles are ignored)."""
        with self._lock:
            for handle in handles:
                self._jobs.pop(handle, None)
                self._next.pop(handle, None)
        self._changed()

    def remove_many_by_id(self, ids: Sequence[str]) -> None:
        """Remove the jobs with these ids (unknown ids are ignored)."""
        wanted = set(ids)
        with self._lock:
            for handle in [h for h, j in self._jobs.items() if j.id in wanted]:
                del self._jobs[handle]
                self._next.pop(handle, None)
        self._changed()

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._next.clear()
        self._changed()

    def jobs(self) -> list[PeriodicJob]:
        with self._lock:
            return list(self._jobs.values())

    # -- scheduling ----------------------------------------------------------------------

    def forget_next_runs(self) -> None:
        """Start or end a leadership term: next runs are derived afresh."""
        with self._lock:
            self._next.clear()

    def seconds_until_due(self, now: dt.datetime | None = None) -> float:
        """Seconds until the soonest run (0 if a newly added job awaits scheduling)."""
        now = now or dt.datetime.now(dt.UTC)
        with self._lock:
            if any(h not in self._next for h in self._jobs):
                return 0.0
            soonest = min(self._next.values(), default=None)
        if soonest is None:
            return IDLE_WAIT
        return min(IDLE_WAIT, max(0.0, (soonest - now).total_seconds()))

    def take_due(self, now: dt.datetime) -> list[tuple[PeriodicJob, dt.datetime]]:
        """The jobs due at ``now`` with their scheduled times, their next runs moved on;
        jobs new to this term get their first run time (and are due now with
        ``run_on_start``). Missed runs are skipped, not caught up."""
        due: list[tuple[PeriodicJob, dt.datetime]] = []
        with self._lock:
            for handle, job in self._jobs.items():
                when = self._next.get(handle)
                if when is None:
                    self._next[handle] = _aware(job.schedule.next(now))
                    if job.run_on_start:
                        due.append((job, now))
                elif when <= now:
                    due.append((job, when))
                    following = _aware(job.schedule.next(when))
                    if following <= now:  # fell behind (e.g. a long pause): skip missed runs
                        following = _aware(job.schedule.next(now))
                    self._next[handle] = following
        return due


def insert_params(
    job: PeriodicJob, when: dt.datetime, logger: logging.Logger
) -> InsertManyParams | None:
    """What to insert for a run of ``job`` scheduled at ``when``; None when its
    constructor gives nothing or fails (logged)."""
    try:
        built = job.build()
    except Exception as exc:
        logger.error("river: periodic job %s: constructor failed: %s", job.id or "", exc)
        return None
    if built is None:
        return None
    args, opts = built
    opts = opts or InsertOpts()
    metadata = {**(opts.metadata or {}), META_PERIODIC: True}
    if job.id is not None:
        metadata[META_PERIODIC_JOB_ID] = job.id
    return InsertManyParams(
        args,
        dataclasses.replace(opts, metadata=metadata, scheduled_at=opts.scheduled_at or when),
    )

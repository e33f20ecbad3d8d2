"""The periodic job enqueuer: run by the leader, inserts periodic jobs when they are due.

Next-run times live in memory, as in River: each leadership term derives them afresh from
the time it starts (``run_on_start`` covers schedules longer than a typical term).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import random
import threading
from collections.abc import Callable, Sequence
from typing import Any

from river._acompat import AEvent, ensure_async
from river._internal.maintenance.service_async import STAGGER_MAX, AsyncService, utcnow
from river.errors import ConfigError, InvalidInsertError
from river.insert_many import InsertManyParams
from river.insert_opts import InsertOpts
from river.periodic import PeriodicJob

# Returns an awaitable in the async enqueuer (the client's ``insert_many``).
InsertMany = Callable[[list[InsertManyParams]], Any]
IDLE_WAIT = 3600.0  # seconds; adding a job wakes the enqueuer earlier
META_PERIODIC = "periodic"
META_PERIODIC_JOB_ID = "river:periodic_job_id"


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


class AsyncPeriodicJobEnqueuer(AsyncService):
    """Inserts each periodic job at its schedule's times while this client leads.

    ``insert_many`` is the client's own ``insert_many`` (so middleware, hooks and insert
    notifications apply); it receives one ``InsertManyParams(args, opts)`` per due job,
    where ``opts.metadata`` has ``"periodic": true`` (and ``"river:periodic_job_id"`` for
    a job with an id) and ``opts.scheduled_at`` is the scheduled time unless the job's
    constructor set one. A job added while the enqueuer runs is scheduled from that moment
    (and inserted at once with ``run_on_start``). Missed runs are skipped, not caught up.

    ``add``/``add_many``/``remove``/``remove_by_id``/``clear`` may be called at any time;
    ``add`` returns a handle for ``remove``. Ids must be unique (``ConfigError``).
    """

    name = "periodic job enqueuer"

    def __init__(
        self,
        insert_many: InsertMany,
        jobs: Sequence[PeriodicJob] = (),
        logger: logging.Logger | None = None,
        *,
        test_only: bool = False,
    ) -> None:
        super().__init__(interval=IDLE_WAIT, logger=logger, test_only=test_only)
        self._insert_many = insert_many
        # A plain lock: held only for dict updates, never across an await.
        self._lock = threading.Lock()
        self._handles = itertools.count(1)
        self._jobs: dict[int, PeriodicJob] = {}
        self._next: dict[int, dt.datetime] = {}  # this term's next run per handle
        self._changed = AEvent()
        self.add_many(jobs)

    # -- the job set (River's PeriodicJobBundle) -------------------------------------------

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
        self._changed.set()
        return handles

    def remove(self, handle: int) -> None:
        with self._lock:
            self._jobs.pop(handle, None)
            self._next.pop(handle, None)
        self._changed.set()

    def remove_by_id(self, id: str) -> bool:
        """Remove the job with this id; False if there was none."""
        with self._lock:
            handles = [h for h, j in self._jobs.items() if j.id == id]
            for handle in handles:
                del self._jobs[handle]
                self._next.pop(handle, None)
        self._changed.set()
        return bool(handles)

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._next.clear()
        self._changed.set()

    def jobs(self) -> list[PeriodicJob]:
        with self._lock:
            return list(self._jobs.values())

    # -- the service ---------------------------------------------------------------------

    async def run(self) -> None:
        stop = self._stop
        if not self.test_only and await stop.wait_timeout(random.uniform(0, STAGGER_MAX)):
            return
        with self._lock:
            self._next.clear()  # a new term: next runs are derived from now
        while not stop.is_set():
            self._changed.clear()
            await self.run_once_logged()
            wait = self.seconds_until_due()
            if wait > 0:
                await self._changed.wait_timeout(wait)
        with self._lock:
            self._next.clear()

    def stop(self) -> None:
        super().stop()
        self._changed.set()

    def seconds_until_due(self, now: dt.datetime | None = None) -> float:
        """Seconds until the soonest run (0 if a newly added job awaits scheduling)."""
        now = now or utcnow()
        with self._lock:
            if any(h not in self._next for h in self._jobs):
                return 0.0
            soonest = min(self._next.values(), default=None)
        if soonest is None:
            return IDLE_WAIT
        return min(IDLE_WAIT, max(0.0, (soonest - now).total_seconds()))

    async def run_once(self, now: dt.datetime | None = None) -> int:
        """Insert the jobs due at ``now`` (default: the current time) and schedule their next
        runs; jobs new to this term get their first run time (and run now with
        ``run_on_start``). Returns how many jobs were inserted."""
        now = now or utcnow()
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
        params = [p for job, when in due if (p := self._build(job, when)) is not None]
        if not params:
            return 0
        try:
            await ensure_async(self._insert_many, params)
        except InvalidInsertError:
            # One job's bad options (say, ``insert_opts()`` raising) must not hold back the
            # others: insert them one by one.
            return await self._insert_each(params)
        return len(params)

    async def _insert_each(self, params: list[InsertManyParams]) -> int:
        inserted = 0
        for p in params:
            try:
                await ensure_async(self._insert_many, [p])
                inserted += 1
            except InvalidInsertError as exc:
                self.logger.error(
                    "river: periodic job of kind %s not inserted: %s",
                    getattr(p.args, "kind", type(p.args).__name__), exc,
                )
        return inserted

    def _build(self, job: PeriodicJob, when: dt.datetime) -> InsertManyParams | None:
        try:
            built = job.build()
        except Exception as exc:
            self.logger.error("river: periodic job %s: constructor failed: %s", job.id or "", exc)
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

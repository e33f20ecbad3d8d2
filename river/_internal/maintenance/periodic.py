# WARNING: this file is generated from 'periodic_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The periodic job enqueuer: run by the leader, inserts periodic jobs when they are due.

Next-run times live in memory, as in River: a new leader derives them again from now.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from river._acompat import Event
from river.insert_many import InsertManyParams
from river.insert_opts import InsertOpts
from river.periodic import PeriodicJob

InsertMany = Callable[[Sequence[InsertManyParams]], Any]  # a coroutine in the async twin
_IDLE = 3600.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PeriodicJobEnqueuer:
    name = "periodic job enqueuer"

    def __init__(
        self, insert_many: InsertMany, jobs: Sequence[PeriodicJob], logger: logging.Logger
    ) -> None:
        self._insert_many = insert_many
        self._logger = logger
        self._lock = threading.Lock()
        self._jobs: dict[int, PeriodicJob] = {j.handle: j for j in jobs}
        self._next: dict[int, dt.datetime] = {}
        self._started = False
        self._changed = Event()
        self._stop = Event()

    # -- runtime changes (River's PeriodicJobBundle) ----------------------------------

    def add(self, job: PeriodicJob) -> int:
        with self._lock:
            self._jobs[job.handle] = job
            if self._started:
                self._next[job.handle] = _now() if job.run_on_start else job.schedule.next(_now())
        self._changed.set()
        return job.handle

    def remove(self, handle: int) -> None:
        with self._lock:
            self._jobs.pop(handle, None)
            self._next.pop(handle, None)
        self._changed.set()

    def remove_by_id(self, id: str) -> None:
        with self._lock:
            for handle in [h for h, j in self._jobs.items() if j.id == id]:
                self._jobs.pop(handle)
                self._next.pop(handle, None)
        self._changed.set()

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._next.clear()
        self._changed.set()

    def jobs(self) -> list[PeriodicJob]:
        return list(self._jobs.values())

    # -- service ------------------------------------------------------------------------

    def run(self, stagger: bool = True) -> None:
        now = _now()
        with self._lock:
            self._started = True
            for handle, job in self._jobs.items():
                self._next[handle] = now if job.run_on_start else job.schedule.next(now)
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as exc:
                self._logger.warning("river: %s failed: %s", self.name, exc)
            with self._lock:
                soonest = min(self._next.values(), default=None)
            wait = _IDLE if soonest is None else (soonest - _now()).total_seconds()
            if wait > 0:
                self._changed.wait_timeout(min(wait, _IDLE))
                self._changed.clear()
        with self._lock:
            self._started = False
            self._next.clear()

    def run_once(self) -> int:
        """Insert every job that is due; returns how many were inserted."""
        now = _now()
        due: list[tuple[PeriodicJob, dt.datetime]] = []
        with self._lock:
            for handle, when in list(self._next.items()):
                if when <= now:
                    job = self._jobs[handle]
                    due.append((job, when))
                    self._next[handle] = job.schedule.next(max(when, now))
        params = []
        for job, when in due:
            built = job.build()
            if built is None:
                continue
            args, opts = built
            opts = opts or InsertOpts()
            metadata = {**(opts.metadata or {}), "periodic": True}
            if job.id is not None:
                metadata["river:periodic_job_id"] = job.id
            params.append(
                InsertManyParams(
                    args, dataclasses.replace(opts, metadata=metadata, scheduled_at=when)
                )
            )
        if params:
            self._insert_many(params)
        return len(params)

    def stop(self) -> None:
        self._stop.set()
        self._changed.set()

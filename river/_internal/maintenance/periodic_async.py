"""The periodic job enqueuer: run by the leader, inserts periodic jobs when they are due.

The job set and the scheduling decisions are ``periodic_base``'s; this is the service.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable, Sequence
from typing import Any

from river._acompat import AEvent, ensure_async
from river._internal.maintenance.periodic_base import IDLE_WAIT, PeriodicJobSet, insert_params
from river._internal.maintenance.service_async import AsyncService
from river._internal.maintenance.service_base import STAGGER_MAX
from river.errors import InvalidInsertError
from river.insert_opts import InsertManyParams
from river.middleware import PeriodicJobsStartParams, overrides
from river.periodic import PeriodicJob

# Returns an awaitable in the async enqueuer (the client's ``insert_many``).
InsertMany = Callable[[list[InsertManyParams]], Any]


class AsyncPeriodicJobEnqueuer(PeriodicJobSet, AsyncService):
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
        hooks: Sequence[Any] = (),
    ) -> None:
        AsyncService.__init__(self, interval=IDLE_WAIT, logger=logger, test_only=test_only)
        self._insert_many = insert_many
        self._wake = AEvent()
        PeriodicJobSet.__init__(self, changed=self._wake.set)
        self._start_hooks = tuple(h for h in hooks if overrides(h, "periodic_jobs_start"))
        self.add_many(jobs)

    # -- the service ---------------------------------------------------------------------

    async def run(self) -> None:
        stop = self._stop
        if not self.test_only and await stop.wait_timeout(random.uniform(0, STAGGER_MAX)):
            return
        self.forget_next_runs()  # a new term: next runs are derived from now
        if not await self._run_start_hooks():
            return
        while not stop.is_set():
            self._wake.clear()
            await self.run_once_logged()
            wait = self.seconds_until_due(self.time.now_utc())
            if wait > 0:
                await self._wake.wait_timeout(wait)
        self.forget_next_runs()

    async def _run_start_hooks(self) -> bool:
        """Call the ``periodic_jobs_start`` hooks; False (logged) if one raised."""
        params = PeriodicJobsStartParams(periodic_jobs=tuple(self.jobs()))
        for hook in self._start_hooks:
            try:
                await hook.periodic_jobs_start(params)
            except Exception:
                self.logger.exception(
                    "river: periodic_jobs_start hook %r raised; periodic jobs do not run "
                    "in this leadership term", hook,
                )
                return False
        return True

    def stop(self) -> None:
        super().stop()
        self._wake.set()

    def wake(self) -> None:
        """Look for due jobs now (the clock moved)."""
        self._wake.set()

    async def run_once(self, now: dt.datetime | None = None) -> int:
        """Insert the jobs due at ``now`` (default: the current time) and schedule their next
        runs; jobs new to this term get their first run time (and run now with
        ``run_on_start``). Returns how many jobs were inserted."""
        now = now or self.time.now_utc()
        due = self.take_due(now)
        params = [p for job, when in due if (p := insert_params(job, when, self.logger)) is not None]
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


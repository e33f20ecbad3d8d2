# WARNING: this file is generated from 'reindexer_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The reindexer: rebuilds River's indexes concurrently once a day, against index bloat."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from river._internal.maintenance.service import Service
from river.driver.executor import Executor
from river.periodic import Schedule, cron

# River's default list (``reindexerIndexNamesDefault``).
REINDEX_INDEXES = (
    "river_job_args_index",
    "river_job_kind",
    "river_job_metadata_index",
    "river_job_pkey",
    "river_job_prioritized_fetching_index",
    "river_job_state_and_finalized_at_index",
    "river_job_unique_idx",
)


class Reindexer(Service):
    """At each time of ``schedule`` (default: daily at 00:00 UTC), runs
    ``REINDEX INDEX CONCURRENTLY`` on each of ``indexes`` in ``schema_name``.

    An index that does not exist is skipped with a warning, and so is one whose earlier
    concurrent rebuild was interrupted and left ``_ccnew``/``_ccold`` indexes behind (they
    need a look by a human). ``executor`` must be a pool executor, not one bound to a
    transaction: Postgres refuses ``REINDEX CONCURRENTLY`` inside a transaction.
    """

    name = "reindexer"

    def __init__(
        self,
        executor: Executor,
        *,
        schema_name: str,
        indexes: Sequence[str] = REINDEX_INDEXES,
        schedule: Schedule | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        super().__init__(interval=0.0, logger=logger, test_only=True)
        self.executor = executor
        self.schema_name = schema_name
        self.indexes = tuple(indexes)
        self.schedule: Schedule = schedule or cron("0 0 * * *")

    def next_wait(self) -> float:
        # The system clock even when the client's is stubbed: a stub standing still just
        # before a scheduled time would otherwise rebuild the indexes over and over.
        now = dt.datetime.now(dt.UTC)
        return max(0.0, (self.schedule.next(now) - now).total_seconds())

    def run(self) -> None:
        # Runs only at scheduled times, never on start.
        stop = self._stop
        while not stop.wait_timeout(self.next_wait()):
            self.run_once_logged()

    def run_once(self) -> int:
        """Rebuild every index that can be; returns how many were rebuilt."""
        stop = self._stop
        done = 0
        for index in self.indexes:
            if stop.is_set():
                break
            if not self.executor.index_exists(self.schema_name, index):
                self.logger.warning("river: reindexer: index %s does not exist; skipped", index)
                continue
            if self.executor.index_reindex_leftovers_exist(self.schema_name, index):
                self.logger.warning(
                    "river: reindexer: %s has _ccnew/_ccold artifacts of an interrupted concurrent reindex; skipped",
                    index,
                )
                continue
            self.executor.index_reindex(self.schema_name, index)
            done += 1
        return done

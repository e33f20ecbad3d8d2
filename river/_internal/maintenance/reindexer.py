# WARNING: this file is generated from 'reindexer_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The reindexer: rebuilds River's indexes concurrently once a day, against index bloat."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from river._acompat import Event, spawn
from river._internal.maintenance.service import Service
from river.config import REINDEXER_INDEX_NAMES_DEFAULT, REINDEXER_TIMEOUT_DEFAULT
from river.driver.executor import Executor
from river.periodic import Schedule, cron

# River's default list (``reindexerIndexNamesDefault``).
REINDEX_INDEXES = REINDEXER_INDEX_NAMES_DEFAULT


class Reindexer(Service):
    """At each time of ``schedule`` (default: daily at 00:00 UTC), runs
    ``REINDEX INDEX CONCURRENTLY`` on each of ``indexes`` in ``schema_name``. A rebuild
    running longer than ``timeout`` seconds (None: no limit) is cancelled and the next index
    is rebuilt; the cancelled one keeps its interrupted copy and is skipped from then on,
    as River does.

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
        timeout: float | None = REINDEXER_TIMEOUT_DEFAULT,
        logger: logging.Logger | None = None,
    ) -> None:
        super().__init__(interval=0.0, logger=logger, test_only=True)
        self.executor = executor
        self.schema_name = schema_name
        self.indexes = tuple(indexes)
        self.schedule: Schedule = schedule or cron("0 0 * * *")
        self.timeout = timeout

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
            try:
                self._reindex(index)
            except Exception as exc:
                self.logger.error("river: reindexer: rebuilding %s failed: %s", index, exc)
                continue
            done += 1
        return done

    def _reindex(self, index: str) -> None:
        if self.timeout is None:
            self.executor.index_reindex(self.schema_name, index)
            return
        label = uuid.uuid4().hex
        finished = Event()
        watchdog = spawn(self._cancel_after_timeout, index, label, finished)
        try:
            self.executor.index_reindex(self.schema_name, index, label=label)
        finally:
            finished.set()
            _join(watchdog)

    def _cancel_after_timeout(self, index: str, label: str, finished: Event) -> None:
        assert self.timeout is not None
        if finished.wait_timeout(self.timeout):
            return
        self.logger.warning(
            "river: reindexer: rebuilding %s took longer than %gs; cancelling it",
            index,
            self.timeout,
        )
        try:
            self.executor.index_reindex_cancel(label)
        except Exception as exc:
            self.logger.error(
                "river: reindexer: cancelling the rebuild of %s failed: %s", index, exc
            )


def _join(task: Any) -> None:
    task.join()

# WARNING: this file is generated from 'executor_queue_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The executor's statements on ``river_queue`` (``sql_queue``), and the counts of a
queue's jobs that the dashboard and ``river stats`` read.

The sync twin ``executor_queue.py`` is generated from this file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from river.driver import sql_concurrency, sql_job, sql_queue
from river.driver.executor_core import ExecutorCore
from river.driver.params import QueueCreateOrSetUpdatedAtParams, QueuePauseParams, QueueUpdateParams
from river.driver.rows import queue_from_row
from river.types import JobState, MinuteStateCount, Queue, QueueStateCount


class QueueQueries(ExecutorCore):
    """The statements on ``river_queue`` and the counts of queues' jobs."""

    # -- queues -----------------------------------------------------------------------

    def queue_create_or_set_updated_at(self, params: QueueCreateOrSetUpdatedAtParams) -> Queue:
        row = self.fetch_one(
            sql_queue.QUEUE_CREATE_OR_SET_UPDATED_AT,
            {
                "name": params.name,
                "metadata": params.metadata,
                "paused_at": params.paused_at,
                "now": params.now,
            },
        )
        assert row is not None
        return queue_from_row(row)

    def queue_get(self, name: str) -> Queue | None:
        row = self.fetch_one(sql_queue.QUEUE_GET, {"name": name})
        return queue_from_row(row) if row else None

    def queue_list(self, max: int = 100) -> list[Queue]:
        return [queue_from_row(r) for r in self.fetch_all(sql_queue.QUEUE_LIST, {"max": max})]

    def queue_update(self, params: QueueUpdateParams) -> Queue | None:
        """Replace a queue's metadata (when ``params.metadata`` is given) and bump its
        ``updated_at``; None when no queue has that name."""
        row = self.fetch_one(
            sql_queue.QUEUE_UPDATE,
            {
                "name": params.name,
                "metadata": params.metadata,
                "metadata_do_update": params.metadata is not None,
            },
        )
        return queue_from_row(row) if row else None

    def job_count_by_queue_and_state(self) -> list[QueueStateCount]:
        """How many jobs each queue holds in each state (only pairs with jobs)."""
        rows = self.fetch_all(sql_job.JOB_COUNT_BY_QUEUE_AND_STATE, {})
        return [QueueStateCount(queue=r[0], state=JobState(r[1]), count=int(r[2])) for r in rows]

    def job_count_by_queue_and_state_capped(self, cap: int) -> list[QueueStateCount]:
        """``job_count_by_queue_and_state`` with each count stopping at ``cap`` (a count
        equal to ``cap`` means at least that many), at a cost bounded by queues times cap."""
        rows = self.fetch_all(sql_job.JOB_COUNT_BY_QUEUE_AND_STATE_CAPPED, {"cap": cap})
        return [QueueStateCount(queue=r[0], state=JobState(r[1]), count=int(r[2])) for r in rows]

    def job_finalized_per_minute(self, since: dt.datetime) -> list[MinuteStateCount]:
        """Jobs completed, discarded or cancelled per minute since ``since`` (busy minutes only)."""
        rows = self.fetch_all(sql_job.JOB_FINALIZED_PER_MINUTE, {"since": since})
        return [MinuteStateCount(minute=r[0], state=JobState(r[1]), count=int(r[2])) for r in rows]

    def queue_oldest_available(self, queues: Sequence[str]) -> dict[str, dt.datetime | None]:
        """The earliest ``scheduled_at`` of an available job in each queue (None: none)."""
        rows = self.fetch_all(sql_job.QUEUE_OLDEST_AVAILABLE, {"queues": list(queues)})
        return {str(r[0]): r[1] for r in rows}

    def job_running_client_ids(self, max: int = 10000) -> dict[str, int]:
        """Clients working jobs now, each with how many running jobs it holds (counted
        over at most ``max`` running jobs)."""
        rows = self.fetch_all(sql_job.JOB_RUNNING_CLIENT_IDS, {"max": max})
        return {str(r[0]): int(r[1]) for r in rows}

    def queue_pause(self, params: QueuePauseParams) -> int:
        """Pause a queue (or ``*``); returns how many queues matched."""
        row = self.fetch_one(sql_queue.QUEUE_PAUSE, {"name": params.name, "now": params.now})
        return int(row[0]) if row else 0

    def queue_resume(self, params: QueuePauseParams) -> int:
        row = self.fetch_one(sql_queue.QUEUE_RESUME, {"name": params.name})
        return int(row[0]) if row else 0

    def queue_delete_expired(self, horizon: dt.datetime, max: int = 1000) -> list[str]:
        rows = self.fetch_all(
            sql_queue.QUEUE_DELETE_EXPIRED, {"updated_at_horizon": horizon, "max": max}
        )
        return [str(r[0]) for r in rows]

    # -- the dashboard's queue page (sql_queue, sql_concurrency, sql_sequence) ---------

    def queue_running_client_ids(self, queue: str, max: int = 100) -> dict[str, int]:
        """The clients running jobs of ``queue``, each with how many (over at most
        ``max`` running jobs)."""
        rows = self.fetch_all(sql_queue.QUEUE_RUNNING_CLIENT_IDS, {"queue": queue, "max": max})
        return {str(r[0]): int(r[1]) for r in rows}

    def queue_finalized_since(
        self, queue: str, since: dt.datetime, cap: int
    ) -> dict[JobState, int]:
        """Per final state, the jobs of ``queue`` finalized since ``since``, each count
        stopping at ``cap``."""
        rows = self.fetch_all(
            sql_queue.QUEUE_FINALIZED_SINCE, {"queue": queue, "since": since, "cap": cap}
        )
        return {JobState(r[0]): int(r[1]) for r in rows}

    def queue_running_by_partition(
        self,
        queue: str,
        *,
        by_kind: bool,
        by_args: Sequence[str],
        max: int = 2000,
        partitions: int = 50,
    ) -> list[tuple[str, int, int]]:
        """(partition key, running, most running in one client) for the busiest
        ``partitions`` partitions of ``queue``, over at most ``max`` running jobs; the
        key is the JSON array the limited fetch builds (kind or null, then each field)."""
        rows = self.fetch_all(
            sql_concurrency.queue_running_by_partition(len(by_args)),
            {
                "queue": queue,
                "by_kind": by_kind,
                "by_args": list(by_args),
                "max": max,
                "partitions": partitions,
            },
        )
        return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]

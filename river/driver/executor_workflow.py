# WARNING: this file is generated from 'executor_workflow_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The executor's statements on pending jobs waiting for others: workflows
(``sql_workflow``) and sequences (``sql_sequence``), each behind its advisory lock.

The sync twin ``executor_workflow.py`` is generated from this file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from river.driver import sql_sequence, sql_workflow
from river.driver.executor_core import ExecutorCore
from river.driver.rows import job_from_row
from river.types import JobRow, JobState


class WorkflowQueries(ExecutorCore):
    """The statements of workflows and sequences."""

    # -- workflows (river/driver/sql_workflow.py) -------------------------------------

    def workflow_lock(self, workflow_ids: Sequence[str]) -> str:
        """Take the transaction-scoped lock of each workflow (sorted: no deadlock) and
        turn JIT off; returns the JIT setting for ``workflow_jit_restore``."""
        rows = self.fetch_all(sql_workflow.WORKFLOW_LOCK, {"workflow_ids": list(workflow_ids)})
        return str(rows[0][0])

    def workflow_jit_restore(self, jit: str) -> None:
        self.fetch_all(sql_workflow.WORKFLOW_JIT_RESTORE, {"jit": jit})

    def workflow_promote(
        self,
        changed: Sequence[tuple[str, str]],
        ids: Sequence[int] = (),
        now: dt.datetime | None = None,
    ) -> list[tuple[int, JobState, str, str, str]]:
        """Decide the pending dependents of the ``(workflow id, task)`` pairs ``changed``
        and the pending tasks ``ids``: available when every dependency is done, cancelled
        when one failed. Returns (id, new state, queue, workflow id, task) of each."""
        rows = self.fetch_all(
            sql_workflow.WORKFLOW_PROMOTE,
            {
                "workflow_ids": [wf for wf, _ in changed],
                "tasks": [task for _, task in changed],
                "ids": list(ids),
                "now": now,
            },
        )
        return [(int(r[0]), JobState(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]

    def workflow_tasks(self, workflow_id: str, tasks: Sequence[str] | None = None) -> list[JobRow]:
        rows = self.fetch_all(
            sql_workflow.WORKFLOW_TASKS,
            {"workflow_id": workflow_id, "tasks": list(tasks) if tasks is not None else None},
        )
        return [job_from_row(r) for r in rows]

    def workflow_list(
        self, name: str | None = None, max: int = 100
    ) -> list[tuple[str, str, dt.datetime, str]]:
        rows = self.fetch_all(sql_workflow.WORKFLOW_LIST, {"name": name, "max": max})
        return [(str(r[0]), str(r[1] or ""), r[2], str(r[3])) for r in rows]

    def workflow_cancel(
        self, workflow_id: str, now: dt.datetime | None = None
    ) -> tuple[list[int], list[int]]:
        """Cancel the tasks not running; returns (their ids, the ids of running ones)."""
        args = {"workflow_id": workflow_id, "now": now}
        cancelled = self.fetch_all(sql_workflow.WORKFLOW_CANCEL, args)
        running = self.fetch_all(sql_workflow.WORKFLOW_RUNNING_IDS, args)
        return ([int(r[0]) for r in cancelled], [int(r[0]) for r in running])

    def workflow_retry(
        self, workflow_id: str, now: dt.datetime | None = None
    ) -> list[tuple[int, JobState, str]]:
        """Retry the failed and cancelled tasks; returns (id, new state, queue) of each."""
        rows = self.fetch_all(sql_workflow.WORKFLOW_RETRY, {"workflow_id": workflow_id, "now": now})
        return [(int(r[0]), JobState(r[1]), str(r[2])) for r in rows]

    def workflow_sweep_candidates(self, max: int = 1000) -> list[tuple[str, int]]:
        rows = self.fetch_all(sql_workflow.WORKFLOW_SWEEP_CANDIDATES, {"max": max})
        return [(str(r[0]), int(r[1])) for r in rows]

    # -- sequences (river/driver/sql_sequence.py) -------------------------------------

    def sequence_lock(self, keys: Sequence[str]) -> None:
        """Take the transaction-scoped lock of each sequence key (sorted: no deadlock)."""
        self.fetch_all(sql_sequence.SEQUENCE_LOCK, {"keys": list(keys)})

    def sequence_promote(
        self, keys: Sequence[str], now: dt.datetime | None = None
    ) -> list[tuple[int, JobState, str, str]]:
        """Make the next pending job of each key available when nothing is in its way.
        Returns (id, new state, queue, key) of each job changed."""
        rows = self.fetch_all(sql_sequence.SEQUENCE_PROMOTE, {"keys": list(keys), "now": now})
        return [(int(r[0]), JobState(r[1]), str(r[2]), str(r[3])) for r in rows]

    def sequence_hold(self, id: int, key: str) -> bool:
        """Put the available job ``id`` back to pending while another job of its key
        ``key`` is in the way; returns whether it did."""
        return bool(self.fetch_all(sql_sequence.SEQUENCE_HOLD, {"id": id, "key": key}))

    def sequence_sweep_candidates(self, max: int = 1000) -> list[str]:
        rows = self.fetch_all(sql_sequence.SEQUENCE_SWEEP_CANDIDATES, {"max": max})
        return [str(r[0]) for r in rows]

    def sequence_queue_heads(
        self, queue: str, *, scan: int = 5000, max_keys: int = 50
    ) -> list[tuple[str, int, int | None, int | None, JobState | None, str | None]]:
        """The sequences with jobs of ``queue`` waiting or running (see
        ``sql_sequence.QUEUE_SEQUENCES``): (key, jobs waiting, next waiting id, head id,
        head state, head kind), the head None when nothing is in the next job's way."""
        rows = self.fetch_all(
            sql_sequence.QUEUE_SEQUENCES, {"queue": queue, "scan": scan, "max_keys": max_keys}
        )
        return [
            (
                str(r[0]),
                int(r[1]),
                None if r[2] is None else int(r[2]),
                None if r[3] is None else int(r[3]),
                None if r[4] is None else JobState(r[4]),
                None if r[5] is None else str(r[5]),
            )
            for r in rows
        ]

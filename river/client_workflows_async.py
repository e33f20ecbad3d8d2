"""Workflows (``river/workflow.py``): inserting one, reading them, cancelling and
retrying their tasks.

The sync ``river.client_workflows`` is generated from this file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from river._internal.executor.job_outcome import CANCEL_REMOTE
from river._internal.flow.workflow_async import cancel as _workflow_cancel
from river._internal.flow.workflow_async import get as _workflow_get
from river._internal.flow.workflow_async import insert as _workflow_insert
from river._internal.flow.workflow_async import list_workflows as _workflow_list
from river._internal.flow.workflow_async import retry as _workflow_retry
from river._internal.notifier.notification import TOPIC_INSERT
from river.client_jobs_async import AsyncClientJobs
from river.driver.tx_adapters import AsyncOrmTx
from river.types import JobRow, JobState
from river.workflow import Workflow, WorkflowInfo, WorkflowInsertResult, WorkflowSummary

TxT = TypeVar("TxT")


class AsyncClientWorkflows(AsyncClientJobs[TxT]):
    """The methods of ``river.AsyncClient`` for workflows."""

    async def insert_workflow(self, wf: Workflow) -> WorkflowInsertResult:
        """Insert every task of ``wf`` with one COPY, in a transaction of its own. Raises
        ``WorkflowError`` (nothing inserted) for an unknown dependency or a cycle."""
        return await _workflow_insert(self, None, wf)

    async def insert_workflow_tx(self, tx: TxT | AsyncOrmTx, wf: Workflow) -> WorkflowInsertResult:
        """``insert_workflow`` in the caller's transaction: invisible until it commits."""
        return await _workflow_insert(self, await self._tx_executor(tx), wf)

    async def workflow_get(self, workflow_id: str) -> WorkflowInfo:
        """The workflow's tasks with their jobs; ``WorkflowNotFoundError`` if it has none."""
        return await _workflow_get(self._executor, workflow_id)

    async def workflow_tasks(
        self, workflow_id: str, tasks: Sequence[str] | None = None
    ) -> list[JobRow]:
        """The jobs of the workflow's tasks (only those named in ``tasks`` when given)."""
        return await self._executor.workflow_tasks(workflow_id, tasks)

    async def workflow_list(
        self, *, name: str | None = None, limit: int = 100
    ) -> list[WorkflowSummary]:
        """Workflows, newest first, with how many tasks are in each state."""
        return await _workflow_list(self._executor, name, limit)

    async def workflow_cancel(self, workflow_id: str) -> WorkflowInfo:
        """Cancel every task not finalized (running ones are told to stop)."""
        async with self._executor.transaction() as tx:
            info = await _workflow_cancel(self, tx, workflow_id)
        for task in info.tasks:
            if task.state is JobState.RUNNING:
                self._runtime.cancel_job(task.job.id, CANCEL_REMOTE)
        return info

    async def workflow_retry(self, workflow_id: str) -> WorkflowInfo:
        """Retry the failed (discarded) and cancelled tasks: each runs again once its
        dependencies have completed."""
        async with self._executor.transaction() as tx:
            topic = await self._topic(tx, TOPIC_INSERT)
            return await _workflow_retry(self, tx, workflow_id, topic)

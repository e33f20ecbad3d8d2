# WARNING: this file is generated from 'client_workflows_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Workflows (``river/workflow.py``): inserting one, reading them, cancelling and
retrying their tasks.

The sync ``river.client_workflows`` is generated from this file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from river._internal.executor.job_outcome import CANCEL_REMOTE
from river._internal.flow.workflow import cancel as _workflow_cancel
from river._internal.flow.workflow import get as _workflow_get
from river._internal.flow.workflow import insert as _workflow_insert
from river._internal.flow.workflow import list_workflows as _workflow_list
from river._internal.flow.workflow import retry as _workflow_retry
from river._internal.notifier.notification import TOPIC_INSERT
from river.client_jobs import ClientJobs
from river.driver.tx_adapters import OrmTx
from river.types import JobRow, JobState
from river.workflow import Workflow, WorkflowInfo, WorkflowInsertResult, WorkflowSummary

TxT = TypeVar("TxT")


class ClientWorkflows(ClientJobs[TxT]):
    """The methods of ``river.AsyncClient`` for workflows."""

    def insert_workflow(self, wf: Workflow) -> WorkflowInsertResult:
        """Insert every task of ``wf`` with one COPY, in a transaction of its own. Raises
        ``WorkflowError`` (nothing inserted) for an unknown dependency or a cycle."""
        return _workflow_insert(self, None, wf)

    def insert_workflow_tx(self, tx: TxT | OrmTx, wf: Workflow) -> WorkflowInsertResult:
        """``insert_workflow`` in the caller's transaction: invisible until it commits."""
        return _workflow_insert(self, self._tx_executor(tx), wf)

    def workflow_get(self, workflow_id: str) -> WorkflowInfo:
        """The workflow's tasks with their jobs; ``WorkflowNotFoundError`` if it has none."""
        return _workflow_get(self._executor, workflow_id)

    def workflow_tasks(self, workflow_id: str, tasks: Sequence[str] | None = None) -> list[JobRow]:
        """The jobs of the workflow's tasks (only those named in ``tasks`` when given)."""
        return self._executor.workflow_tasks(workflow_id, tasks)

    def workflow_list(self, *, name: str | None = None, limit: int = 100) -> list[WorkflowSummary]:
        """Workflows, newest first, with how many tasks are in each state."""
        return _workflow_list(self._executor, name, limit)

    def workflow_cancel(self, workflow_id: str) -> WorkflowInfo:
        """Cancel every task not finalized (running ones are told to stop)."""
        with self._executor.transaction() as tx:
            info = _workflow_cancel(self, tx, workflow_id)
        for task in info.tasks:
            if task.state is JobState.RUNNING:
                self._runtime.cancel_job(task.job.id, CANCEL_REMOTE)
        return info

    def workflow_retry(self, workflow_id: str) -> WorkflowInfo:
        """Retry the failed (discarded) and cancelled tasks: each runs again once its
        dependencies have completed."""
        with self._executor.transaction() as tx:
            topic = self._topic(tx, TOPIC_INSERT)
            return _workflow_retry(self, tx, workflow_id, topic)

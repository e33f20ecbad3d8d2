"""The driver-neutral executor: River's domain operations over a few driver primitives.

A driver subclasses ``AsyncExecutor`` and supplies ``_execute``, ``_fetch_all``,
``exec_script``, ``transaction`` and ``_copy_jobs`` (``executor_core_async``); the
statements are shared, one class per table as the SQL modules are:
``executor_job_async`` (``river_job``), ``executor_queue_async`` (``river_queue``),
``executor_leader_async`` (``river_leader``), ``executor_migration_async``
(``river_migration`` and the schema), ``executor_workflow_async`` (workflows and
sequences).
"""

from __future__ import annotations

import abc
from contextlib import AbstractAsyncContextManager

from river.driver.executor_job_async import AsyncJobQueries
from river.driver.executor_leader_async import AsyncLeaderQueries
from river.driver.executor_migration_async import AsyncMigrationQueries
from river.driver.executor_queue_async import AsyncQueueQueries
from river.driver.executor_workflow_async import AsyncWorkflowQueries


class AsyncExecutor(
    AsyncJobQueries,
    AsyncQueueQueries,
    AsyncLeaderQueries,
    AsyncMigrationQueries,
    AsyncWorkflowQueries,
    abc.ABC,
):
    """Runs River's queries on a pool (each call autocommits) or on one transaction."""

    @abc.abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[AsyncExecutor]:
        """A transaction (a savepoint when already in one) yielding an executor bound to it."""

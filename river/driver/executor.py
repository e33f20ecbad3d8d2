# WARNING: this file is generated from 'executor_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
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
from contextlib import AbstractContextManager

from river.driver.executor_job import JobQueries
from river.driver.executor_leader import LeaderQueries
from river.driver.executor_migration import MigrationQueries
from river.driver.executor_queue import QueueQueries
from river.driver.executor_workflow import WorkflowQueries


class Executor(JobQueries, QueueQueries, LeaderQueries, MigrationQueries, WorkflowQueries, abc.ABC):
    """Runs River's queries on a pool (each call autocommits) or on one transaction."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[Executor]:
        """A transaction (a savepoint when already in one) yielding an executor bound to it."""

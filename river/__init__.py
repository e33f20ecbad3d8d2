"""river-queue: River, the Postgres-backed job queue, for Python.

Importing ``river`` imports no database library; drivers live in ``river_psycopg3``,
``river_psycopg2`` and ``river_asyncpg``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from river._lazy import lazy_getattr, present_as
from river.batch import BatchError, BatchOpts, BatchResultError, BatchWorkerOpts
from river.clock import TimeGenerator
from river.concurrency import ConcurrencyConfig, ConcurrencyConfigError, PartitionConfig
from river.config import (
    Config,
    ErrorHandler,
    ErrorHandlerResult,
    JobStuckHandler,
    JobStuckHandlerParams,
    JobStuckHandlerResult,
    QueueConfig,
    TestConfig,
)
from river.context import (
    JobCancelledError,
    check_cancelled,
    client_from_context,
    job_cancelled,
    metadata_set,
    record_output,
)
from river.errors import (
    ArgsDecodeError,
    ArgsEncodeError,
    ClientError,
    ConfigError,
    DriverNotFoundError,
    InvalidInsertError,
    InvalidJobListParamsError,
    InvalidJSONValueError,
    InvalidKindError,
    InvalidMaxAttemptsError,
    InvalidMetadataError,
    InvalidPriorityError,
    InvalidQueueError,
    InvalidTagsError,
    InvalidUniqueOptsError,
    JobCancel,
    JobListOrderError,
    JobNotFoundError,
    JobRunningError,
    JobSnooze,
    MissingDriverExtraError,
    QueueAlreadyAddedError,
    QueueNotFoundError,
    RiverError,
    SchemaNotMigratedError,
    UniqueConflictError,
    UnknownJobKindError,
    WrongColourError,
)
from river.events import Event, EventKind, JobStatistics
from river.insert_opts import InsertManyParams, InsertOpts, UniqueOpts
from river.job_list import (
    JobListCursor,
    JobListOrderBy,
    JobListParams,
    JobListResult,
    JobListWhere,
)
from river.middleware import (
    AsyncHook,
    AsyncInsertMiddleware,
    AsyncWorkerMiddleware,
    Hook,
    InsertMiddleware,
    WorkerMiddleware,
)
from river.periodic import (
    CronSchedule,
    NeverSchedule,
    PeriodicInterval,
    PeriodicJob,
    PeriodicJobBundle,
    cron,
)
from river.resumable import (
    ResumableError,
    aresumable_step,
    aresumable_step_cursor,
    resumable_set_cursor,
    resumable_step,
    resumable_step_cursor,
)
from river.retry_policy import DefaultRetryPolicy, RetryPolicy
from river.sequence import SequenceError, SequenceOpts
from river.stored_json import UndecodableJSON
from river.types import (
    AttemptError,
    JobInsertFastParams,
    JobInsertResult,
    JobRow,
    JobState,
    Queue,
)
from river.unique_rules import UniqueRules
from river.worker import AsyncWorker, Job, Worker, Workers, work_func
from river.workflow import (
    Workflow,
    WorkflowError,
    WorkflowInfo,
    WorkflowInsertResult,
    WorkflowNotFoundError,
    WorkflowSummary,
    WorkflowTask,
    WorkflowTaskInfo,
    workflow_outputs,
)

if TYPE_CHECKING:
    from river._internal.flow.batch_worker import AsyncBatchWorker, BatchResults, BatchWorker
    from river.client import Client
    from river.client_async import AsyncClient

__version__ = "0.1.0"

# The clients and plugins load on first use, keeping ``import river`` light.
__getattr__ = lazy_getattr(
    "river",
    {
        "Client": "river.client",
        "AsyncClient": "river.client_async",
        "hookimpl": "river.plugins",
        "BatchWorker": "river._internal.flow.batch_worker",
        "AsyncBatchWorker": "river._internal.flow.batch_worker",
        "BatchResults": "river._internal.flow.batch_worker",
    },
    present=True,
)

__all__ = [
    "ArgsDecodeError",
    "ArgsEncodeError",
    "AsyncBatchWorker",
    "AsyncClient",
    "AsyncHook",
    "AsyncInsertMiddleware",
    "AsyncWorker",
    "AsyncWorkerMiddleware",
    "AttemptError",
    "BatchError",
    "BatchOpts",
    "BatchResultError",
    "BatchResults",
    "BatchWorker",
    "BatchWorkerOpts",
    "Client",
    "ClientError",
    "ConcurrencyConfig",
    "ConcurrencyConfigError",
    "Config",
    "ConfigError",
    "CronSchedule",
    "DefaultRetryPolicy",
    "DriverNotFoundError",
    "ErrorHandler",
    "ErrorHandlerResult",
    "Event",
    "EventKind",
    "Hook",
    "InsertManyParams",
    "InsertMiddleware",
    "InsertOpts",
    "InvalidInsertError",
    "InvalidJSONValueError",
    "InvalidJobListParamsError",
    "InvalidKindError",
    "InvalidMaxAttemptsError",
    "InvalidMetadataError",
    "InvalidPriorityError",
    "InvalidQueueError",
    "InvalidTagsError",
    "InvalidUniqueOptsError",
    "Job",
    "JobCancel",
    "JobCancelledError",
    "JobInsertFastParams",
    "JobInsertResult",
    "JobListCursor",
    "JobListOrderBy",
    "JobListOrderError",
    "JobListParams",
    "JobListResult",
    "JobListWhere",
    "JobNotFoundError",
    "JobRow",
    "JobRunningError",
    "JobSnooze",
    "JobState",
    "JobStatistics",
    "JobStuckHandler",
    "JobStuckHandlerParams",
    "JobStuckHandlerResult",
    "MissingDriverExtraError",
    "NeverSchedule",
    "PartitionConfig",
    "PeriodicInterval",
    "PeriodicJob",
    "PeriodicJobBundle",
    "Queue",
    "QueueAlreadyAddedError",
    "QueueConfig",
    "QueueNotFoundError",
    "ResumableError",
    "RetryPolicy",
    "RiverError",
    "SchemaNotMigratedError",
    "SequenceError",
    "SequenceOpts",
    "TestConfig",
    "TimeGenerator",
    "UndecodableJSON",
    "UniqueConflictError",
    "UniqueOpts",
    "UniqueRules",
    "UnknownJobKindError",
    "Worker",
    "WorkerMiddleware",
    "Workers",
    "Workflow",
    "WorkflowError",
    "WorkflowInfo",
    "WorkflowInsertResult",
    "WorkflowNotFoundError",
    "WorkflowSummary",
    "WorkflowTask",
    "WorkflowTaskInfo",
    "WrongColourError",
    "__version__",
    "aresumable_step",
    "aresumable_step_cursor",
    "check_cancelled",
    "client_from_context",
    "cron",
    "hookimpl",
    "job_cancelled",
    "metadata_set",
    "record_output",
    "resumable_set_cursor",
    "resumable_step",
    "resumable_step_cursor",
    "work_func",
    "workflow_outputs",
]

present_as("river", (globals()[name] for name in __all__ if name in globals()))

"""Workflows: jobs that run once the jobs they depend on have completed (a DAG).

``wf = river.Workflow("nightly-etl")``, ``a = wf.add("extract", ExtractArgs())``,
``wf.add("transform", TransformArgs(), deps=[a])``, then ``client.insert_workflow(wf)``
inserts every task with one ``COPY``. Tasks are River jobs whose metadata holds River
Pro's keys: ``workflow_id``, ``workflow_name``, ``task`` (the task's name, unique within
the workflow) and ``deps`` (the names of the tasks it waits for). A task with
dependencies waits in River's ``pending`` state. When a dependency completes, the
completing transaction makes each dependent whose dependencies have all completed
available; when one is cancelled, discarded or deleted, its dependents are cancelled,
unless a task was added with ``ignore_cancelled_deps``, ``ignore_discarded_deps`` or
``ignore_deleted_deps`` (then that dependency counts as done). The leader sweeps for
tasks a promotion missed (a dependency deleted, a client that crashed mid-way).

This module is colour-free: the workflow builder, the typed results, and the
``river.workflow`` plugin's middleware that gives a task its dependencies' outputs
(``river.workflow_outputs()``).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from river.context import AsyncJobClient, JobClient, current_job
from river.errors import InvalidInsertError, RiverError
from river.insert_opts import InsertManyParams, InsertOpts
from river.middleware import AsyncWorkerMiddleware, WorkerMiddleware, WorksAtOnce
from river.sequence import finished_sequence_job, sequence_key_of
from river.types import JobRow, JobState

METADATA_WORKFLOW_ID = "workflow_id"
METADATA_WORKFLOW_NAME = "workflow_name"
METADATA_TASK = "task"
METADATA_DEPS = "deps"
IGNORE_FLAGS = ("ignore_cancelled_deps", "ignore_discarded_deps", "ignore_deleted_deps")
# Set on a task cancelled because a dependency failed (removed when it is retried).
METADATA_CANCELLED_BY_DEP = "workflow_cancelled_by_dep"
PLUGIN_NAME = "river.workflow"
# JobContext.extras key holding the outputs of the running task's dependencies.
OUTPUTS_KEY = "river.workflow.outputs"
MAX_NAME_LENGTH = 200


class WorkflowError(InvalidInsertError):
    """A workflow that cannot be inserted: a task name repeated or invalid, a dependency
    on a task the workflow does not have, a cycle of dependencies, or no tasks."""


class WorkflowNotFoundError(RiverError, LookupError):
    """No task of the workflow with this id exists."""


@dataclasses.dataclass(frozen=True, slots=True)
class WorkflowTask:
    """One task of a ``Workflow``: a job and the names of the tasks it waits for."""

    name: str
    args: Any
    opts: InsertOpts | None = None
    deps: tuple[str, ...] = ()
    ignore_cancelled_deps: bool = False
    ignore_discarded_deps: bool = False
    ignore_deleted_deps: bool = False


def _check_name(what: str, name: Any) -> str:
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_LENGTH:
        raise WorkflowError(
            f"{what} must be a non-empty string of at most {MAX_NAME_LENGTH} characters, "
            f"got {name!r}"
        )
    if "\x00" in name:
        raise WorkflowError(f"{what} must not contain NUL, got {name!r}")
    return name


class Workflow:
    """A DAG of jobs inserted together (River Pro's ``Workflow``).

    ``id`` defaults to a new random one; give your own to make it predictable (it must be
    unique: tasks of two workflows with one id are one workflow)."""

    def __init__(self, name: str, *, id: str | None = None) -> None:
        self.name = _check_name("workflow name", name)
        self.id = _check_name("workflow id", id) if id is not None else f"wf_{uuid.uuid4().hex}"
        self._tasks: dict[str, WorkflowTask] = {}

    @property
    def tasks(self) -> list[WorkflowTask]:
        """The tasks in the order they were added."""
        return list(self._tasks.values())

    def add(
        self,
        name: str,
        args: Any,
        opts: InsertOpts | None = None,
        *,
        deps: Iterable[WorkflowTask | str] = (),
        ignore_cancelled_deps: bool = False,
        ignore_discarded_deps: bool = False,
        ignore_deleted_deps: bool = False,
    ) -> WorkflowTask:
        """Add task ``name`` running ``args`` once every task of ``deps`` has completed.

        ``deps`` are tasks returned by ``add`` or task names (a name may refer to a task
        added later; it is checked at insert). Raises ``WorkflowError`` for a repeated or
        invalid name, a task of another workflow, or a dependency on itself."""
        _check_name("task name", name)
        if name in self._tasks:
            raise WorkflowError(f"workflow {self.name!r} already has a task named {name!r}")
        dep_names: list[str] = []
        for dep in deps if not isinstance(deps, (str, WorkflowTask)) else [deps]:
            if isinstance(dep, WorkflowTask):
                if self._tasks.get(dep.name) is not dep:
                    raise WorkflowError(
                        f"task {name!r} depends on task {dep.name!r} of another workflow"
                    )
                dep = dep.name
            _check_name(f"dependency of task {name!r}", dep)
            if dep == name:
                raise WorkflowError(f"task {name!r} depends on itself")
            if dep not in dep_names:
                dep_names.append(dep)
        task = WorkflowTask(
            name, args, opts, tuple(dep_names),
            ignore_cancelled_deps, ignore_discarded_deps, ignore_deleted_deps,
        )
        self._tasks[name] = task
        return task

    def validate(self) -> None:
        """Raise ``WorkflowError`` unless every dependency names a task of the workflow
        and the dependencies have no cycle."""
        if not self._tasks:
            raise WorkflowError(f"workflow {self.name!r} has no tasks")
        for task in self._tasks.values():
            for dep in task.deps:
                if dep not in self._tasks:
                    raise WorkflowError(
                        f"task {task.name!r} of workflow {self.name!r} depends on "
                        f"unknown task {dep!r}"
                    )
        cycle = _find_cycle({t.name: t.deps for t in self._tasks.values()})
        if cycle:
            raise WorkflowError(
                f"workflow {self.name!r} has a dependency cycle: {' -> '.join(cycle)}"
            )

    def insert_params(self) -> list[InsertManyParams]:
        """The jobs to insert, validated: tasks with dependencies are pending."""
        self.validate()
        return [
            InsertManyParams(task.args, self._task_opts(task)) for task in self._tasks.values()
        ]

    def _task_opts(self, task: WorkflowTask) -> InsertOpts:
        opts = task.opts or InsertOpts()
        metadata: dict[str, Any] = dict(opts.metadata or {})
        metadata.update(
            {
                METADATA_WORKFLOW_ID: self.id,
                METADATA_WORKFLOW_NAME: self.name,
                METADATA_TASK: task.name,
                METADATA_DEPS: list(task.deps),
            }
        )
        for flag in IGNORE_FLAGS:
            if getattr(task, flag):
                metadata[flag] = True
        return dataclasses.replace(opts, metadata=metadata, pending=bool(task.deps))


def _find_cycle(graph: Mapping[str, Sequence[str]]) -> list[str]:
    """A cycle of ``graph`` (task -> deps) as a path of names, or [] (iterative DFS)."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    for root in graph:
        if colour[root] != white:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        colour[root] = grey
        while stack:
            node, i = stack[-1]
            deps = graph[node]
            if i == len(deps):
                colour[node] = black
                stack.pop()
                continue
            stack[-1] = (node, i + 1)
            nxt = deps[i]
            if colour[nxt] == grey:
                path = [n for n, _ in stack]
                return [*path[path.index(nxt) :], nxt]
            if colour[nxt] == white:
                colour[nxt] = grey
                stack.append((nxt, 0))
    return []


@dataclasses.dataclass(frozen=True, slots=True)
class WorkflowInsertResult:
    """What ``insert_workflow`` inserted."""

    workflow_id: str
    name: str
    count: int


@dataclasses.dataclass(frozen=True, slots=True)
class WorkflowTaskInfo:
    """A task as stored: its name, dependencies and job (with its state and output)."""

    name: str
    deps: tuple[str, ...]
    job: JobRow

    @property
    def state(self) -> JobState:
        return self.job.state


@dataclasses.dataclass(frozen=True, slots=True)
class WorkflowInfo:
    """A workflow as stored (``workflow_get``)."""

    id: str
    name: str
    tasks: tuple[WorkflowTaskInfo, ...]

    def task(self, name: str) -> WorkflowTaskInfo:
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def states(self) -> dict[str, JobState]:
        """Each task's state by task name."""
        return {t.name: t.state for t in self.tasks}


@dataclasses.dataclass(frozen=True, slots=True)
class WorkflowSummary:
    """One workflow of ``workflow_list``: how many of its tasks are in each state."""

    id: str
    name: str
    created_at: Any
    counts: dict[str, int]


def task_info(row: JobRow) -> WorkflowTaskInfo:
    md = row.metadata if isinstance(row.metadata, dict) else {}
    deps = md.get(METADATA_DEPS)
    names = tuple(d for d in deps if isinstance(d, str)) if isinstance(deps, list) else ()
    name = md.get(METADATA_TASK)
    return WorkflowTaskInfo(name if isinstance(name, str) else "", names, row)


def workflow_info(workflow_id: str, rows: Sequence[JobRow]) -> WorkflowInfo:
    if not rows:
        raise WorkflowNotFoundError(f"workflow {workflow_id!r} not found")
    md = rows[0].metadata if isinstance(rows[0].metadata, dict) else {}
    name = md.get(METADATA_WORKFLOW_NAME)
    return WorkflowInfo(
        workflow_id, name if isinstance(name, str) else "", tuple(task_info(r) for r in rows)
    )


def summaries(rows: Sequence[tuple[str, str, Any, str]]) -> list[WorkflowSummary]:
    """``workflow_list`` rows (id, name, created_at, counts as JSON text) as summaries."""
    return [
        WorkflowSummary(wf, name, created_at, {str(k): int(v) for k, v in json.loads(counts).items()})
        for wf, name, created_at, counts in rows
    ]


def workflow_task_of(metadata: Any) -> tuple[str, str] | None:
    """(workflow id, task name) of a job's metadata, or None for a job of no workflow."""
    if not isinstance(metadata, dict) or METADATA_WORKFLOW_ID not in metadata:
        return None
    wf, task = metadata.get(METADATA_WORKFLOW_ID), metadata.get(METADATA_TASK)
    if isinstance(wf, str) and isinstance(task, str):
        return wf, task
    return None


_FINISHING = frozenset((JobState.COMPLETED, JobState.CANCELLED, JobState.DISCARDED))


def finished_task(metadata: Any, state: JobState) -> tuple[str, str] | None:
    """(workflow id, task) of a job moving to ``state`` when that can release or cancel
    its dependents; None for any other change, and for a job of no workflow."""
    if state not in _FINISHING or not isinstance(metadata, dict):
        return None
    return workflow_task_of(metadata) if METADATA_WORKFLOW_ID in metadata else None


# -- what a job leaving its turn frees: its workflow task's dependents, its sequence's next
# job. The completer, ``job_complete_tx`` and the client's cancel and delete decide with
# these, then ``_internal/flow/release_async.release`` promotes in their transaction.


@dataclasses.dataclass(frozen=True, slots=True)
class Release:
    """A job's workflow task (workflow id, task name) and sequence key, either may be None."""

    workflow_task: tuple[str, str] | None = None
    sequence_key: str | None = None


def release_on_finish(metadata: Any, state: JobState) -> Release | None:
    """What a job moving to ``state`` frees; None for any other change, and for a job of
    no workflow and no sequence."""
    if not metadata:  # most jobs: nothing to read
        return None
    task = finished_task(metadata, state)
    key = finished_sequence_job(metadata, state)
    return Release(task, key) if task is not None or key is not None else None


def release_on_removal(metadata: Any) -> Release | None:
    """What a job cancelled or deleted outside a worker frees."""
    task = workflow_task_of(metadata)
    key = sequence_key_of(metadata)
    return Release(task, key) if task is not None or key is not None else None


# -- the plugin's middleware: dependencies' outputs ---------------------------------


def workflow_outputs() -> dict[str, Any]:
    """The outputs of the running task's dependencies by task name (each the value its
    job recorded with ``record_output``, None when it recorded none). Empty for a job of
    no workflow or one without dependencies."""
    ctx = current_job.get()
    if ctx is None:
        raise WorkflowError("workflow_outputs can only be called while a job is being worked")
    outputs = ctx.extras.get(OUTPUTS_KEY)
    if outputs is None:
        raise WorkflowError(
            f"workflow_outputs needs the {PLUGIN_NAME!r} plugin, which is disabled for this "
            "client"
        )
    return dict(outputs)


def _deps_of(job: JobRow) -> tuple[str, list[str]] | None:
    found = workflow_task_of(job.metadata)
    if found is None:
        return None
    deps = task_info(job).deps
    return (found[0], list(deps)) if deps else None


def _outputs(rows: Sequence[JobRow]) -> dict[str, Any]:
    return {task_info(r).name: r.output for r in rows}


def _outputs_at_once(job: JobRow) -> bool:
    """The step of the workflow middleware for a job whose dependencies' outputs need no
    read (no workflow, or no dependencies); False for one whose outputs must be read."""
    ctx = current_job.get()
    if ctx is not None:
        if _deps_of(job):
            return False
        ctx.extras[OUTPUTS_KEY] = {}
    return True


class WorkflowMiddleware(WorkerMiddleware, WorksAtOnce):
    """Reads the outputs of a task's dependencies before it runs (``workflow_outputs``)."""

    def work(self, job: JobRow, call_next: Callable[[], None]) -> None:
        ctx = current_job.get()
        if ctx is not None:
            wanted = _deps_of(job)
            client = cast(JobClient, ctx.client)  # a sync client runs this middleware
            rows = client.workflow_tasks(wanted[0], wanted[1]) if wanted else []
            ctx.extras[OUTPUTS_KEY] = _outputs(rows)
        call_next()

    def work_at_once(self, job: JobRow) -> bool:
        return _outputs_at_once(job)


class AsyncWorkflowMiddleware(AsyncWorkerMiddleware, WorksAtOnce):
    """``WorkflowMiddleware`` for ``river.AsyncClient``."""

    async def work(self, job: JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        ctx = current_job.get()
        if ctx is not None:
            wanted = _deps_of(job)
            aclient = cast(AsyncJobClient, ctx.client)  # an async client runs this one
            rows = await aclient.workflow_tasks(wanted[0], wanted[1]) if wanted else []
            ctx.extras[OUTPUTS_KEY] = _outputs(rows)
        await call_next()

    def work_at_once(self, job: JobRow) -> bool:
        return _outputs_at_once(job)


__all__ = [
    "METADATA_DEPS",
    "METADATA_TASK",
    "METADATA_WORKFLOW_ID",
    "METADATA_WORKFLOW_NAME",
    "AsyncWorkflowMiddleware",
    "Workflow",
    "WorkflowError",
    "WorkflowInfo",
    "WorkflowInsertResult",
    "WorkflowMiddleware",
    "WorkflowNotFoundError",
    "WorkflowSummary",
    "WorkflowTask",
    "WorkflowTaskInfo",
    "workflow_outputs",
]

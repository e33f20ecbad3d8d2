"""The job being worked: its per-job state, carried in a ContextVar (River keeps it in
the job's ``ctx``), and the functions a worker calls about it (River's ``ctx`` helpers)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from river.driver.jsontext import encode_json
from river.errors import InvalidJSONValueError, InvalidMetadataError
from river.types import JobRow

if TYPE_CHECKING:
    from river.clock import TimeGenerator
    from river.config import Config
    from river.driver.driver import Driver
    from river.driver.driver_async import AsyncDriver
    from river.driver.executor import Executor
    from river.driver.executor_async import AsyncExecutor
    from river.worker import Workers


class JobClient(Protocol):
    """What a job's context needs of the ``river.Client`` working it: the functions a
    worker calls inside its job (``job_complete_tx``, resumable steps, workflow outputs)
    reach the client through this, never through the client's class."""

    @property
    def driver(self) -> Driver[Any]: ...
    @property
    def config(self) -> Config: ...
    @property
    def workers(self) -> Workers: ...
    @property
    def time(self) -> TimeGenerator: ...
    def job_get(self, id: int) -> JobRow: ...
    def workflow_tasks(
        self, workflow_id: str, tasks: Sequence[str] | None = None
    ) -> list[JobRow]: ...
    # The schema-qualified channel of a topic, the schema read once per client.
    def _topic(self, executor: Executor, topic: str) -> str: ...


class AsyncJobClient(Protocol):
    """``JobClient`` for ``river.AsyncClient``."""

    @property
    def driver(self) -> AsyncDriver[Any]: ...
    @property
    def config(self) -> Config: ...
    @property
    def workers(self) -> Workers: ...
    @property
    def time(self) -> TimeGenerator: ...
    async def job_get(self, id: int) -> JobRow: ...
    async def workflow_tasks(
        self, workflow_id: str, tasks: Sequence[str] | None = None
    ) -> list[JobRow]: ...
    async def _topic(self, executor: AsyncExecutor, topic: str) -> str: ...


@dataclass(slots=True, eq=False)
class JobContext:
    """The state of one job being worked, seen by its worker, middleware and hooks."""

    # A sync job's context holds a ``JobClient``, an async job's an ``AsyncJobClient``.
    client: JobClient | AsyncJobClient
    job: JobRow
    metadata_updates: dict[str, Any] = field(default_factory=dict)
    cancelled: bool = False
    cancel_reason: str | None = None
    # Sync jobs cannot be interrupted: their timeout is noticed when they check.
    deadline: float | None = None
    # Set once the job's task runs: a task cancelled before that never runs its body.
    started: bool = False
    # Free slots for middleware state (the resumable plugin keeps its state here).
    extras: dict[str, Any] = field(default_factory=dict)
    # The asyncio task working the job, set by the producer (a timeout cancels it).
    task: Any = None

    def is_cancelled(self) -> bool:
        if not self.cancelled and self.deadline is not None and time.monotonic() > self.deadline:
            self.cancel("timeout")
        return self.cancelled

    def cancel(self, reason: str) -> None:
        if self.cancel_reason is None:
            self.cancel_reason = reason
        self.cancelled = True


current_job: ContextVar[JobContext | None] = ContextVar("river_current_job", default=None)


def require_job_context(what: str) -> JobContext:
    """The current job's context; ``RuntimeError`` naming ``what`` outside a job."""
    ctx = current_job.get()
    if ctx is None:
        raise RuntimeError(f"{what} can only be called while a job is being worked")
    return ctx


_MAX_OUTPUT_BYTES = 32 * 1024 * 1024


def record_output(value: Any) -> None:
    """Store ``value`` (JSON-encodable) as the job's output when the attempt finishes."""
    ctx = require_job_context("record_output")
    _encode_output(value)
    ctx.metadata_updates["output"] = value


def output_metadata_merge(job_id: int, output: Any) -> str | None:
    """The metadata JSON that ``job_update`` merges for ``output``: the given value, or
    else the output recorded so far when job ``job_id`` is the one being worked here;
    None when there is nothing to store."""
    if output is None:
        ctx = current_job.get()
        if ctx is None or ctx.job.id != job_id or "output" not in ctx.metadata_updates:
            return None
        output = ctx.metadata_updates["output"]
    return '{"output":' + _encode_output(output) + "}"


def metadata_set(key: str, value: Any) -> None:
    """Stage a metadata key merged into the job's metadata when the attempt finishes."""
    if not isinstance(key, str):
        raise InvalidMetadataError(f"metadata keys are strings, got {key!r}")
    if key.startswith("river:"):
        raise InvalidMetadataError(f"metadata key {key!r} is reserved (prefix 'river:')")
    encode_json(f"metadata[{key!r}]", value)
    require_job_context("metadata_set").metadata_updates[key] = value


def _encode_output(value: Any) -> str:
    """JSON text of an output, refused here (``InvalidJSONValueError``) if it cannot be
    stored: raised inside ``work`` it is the job's error, not a failed completion."""
    encoded = encode_json("output", value)
    if len(encoded) > _MAX_OUTPUT_BYTES:
        raise InvalidJSONValueError(
            "output", value, f"is {len(encoded)} bytes as JSON, more than the 32 MB allowed"
        )
    return encoded


def job_cancelled() -> bool:
    """True once the job was cancelled (client stop, remote cancel or timeout).

    Sync workers cannot be interrupted: long-running ones should check this and return.
    """
    ctx = current_job.get()
    return ctx is not None and ctx.is_cancelled()


class JobCancelledError(Exception):
    """Raised by ``check_cancelled`` in a job whose work was cancelled."""


def check_cancelled() -> None:
    """Raise ``JobCancelledError`` if the current job was cancelled (for sync workers)."""
    ctx = current_job.get()
    if ctx is not None and ctx.is_cancelled():
        raise JobCancelledError(ctx.cancel_reason or "cancelled")


def client_from_context() -> Any:
    """The client working the current job."""
    return require_job_context("client_from_context").client

"""Resumable jobs: named steps a retry skips once an earlier attempt completed them.

A worker calls ``resumable_step(name, fn)`` (``await aresumable_step(...)`` in an async
worker) for each stage. When an attempt fails after some steps completed, the last
completed step is saved in the job's metadata (River's ``river:resumable_step``); the next
attempt skips every step up to and including it. ``resumable_step_cursor`` steps also
receive a cursor saved with ``resumable_set_cursor`` (``river:resumable_cursor``, an
object of cursors by step name), so a loop resumes after its last recorded item.

Everything is done by ``ResumableMiddleware``, installed on every client by the bundled
``river.resumable`` plugin, which reads the saved progress before the job runs and writes
new progress when the attempt ends in an error. The metadata has River Go's keys and
shapes, so Go and Python workers resume each other's jobs. One difference: River Go keeps
a cursor only once some step has completed; here a failing first cursor step keeps its
cursor too (written without ``river:resumable_step``, which River Go reads the same way).
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar, cast

from river.context import AsyncJobClient, JobClient, JobContext, current_job
from river.errors import RiverError
from river.job_args import json_converter, plain_json
from river.middleware import AsyncWorkerMiddleware, WorkerMiddleware
from river.types import JobRow

METADATA_KEY_STEP = "river:resumable_step"
METADATA_KEY_CURSOR = "river:resumable_cursor"
# JobContext.extras key holding the attempt's ResumableState.
STATE_KEY = "river.resumable"
PLUGIN_NAME = "river.resumable"

C = TypeVar("C")


class ResumableError(RiverError):
    """A resumable step was misused: a duplicate step name, a cursor outside a cursor
    step, a step called outside a job, or a saved step missing from the worker."""


@dataclasses.dataclass(slots=True, eq=False)
class ResumableState:
    """One attempt's progress through its steps."""

    resume_step: str = ""
    resume_matched: bool = True
    completed_step: str = ""
    cursors: dict[str, Any] = dataclasses.field(default_factory=dict)
    # Cursor metadata exists in the row (saved earlier, or by a _tx call in this attempt):
    # once every cursor is consumed it must be overwritten with null.
    had_cursors: bool = False
    step_name: str = ""
    seen: set[str] = dataclasses.field(default_factory=set)
    # Steps in the order they were entered, to compare two steps' progress.
    order: list[str] = dataclasses.field(default_factory=list)
    # Steps checkpointed with ``resumable_set_step_tx`` this attempt: durable only if the
    # caller's transaction committed, so they count once the row says so.
    tx_steps: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def from_metadata(cls, metadata: Any) -> ResumableState:
        if not isinstance(metadata, dict):  # another client may have written anything
            metadata = {}
        step = metadata.get(METADATA_KEY_STEP)
        resume = step if isinstance(step, str) else ""
        raw = metadata.get(METADATA_KEY_CURSOR)
        cursors = dict(raw) if isinstance(raw, dict) else {}
        return cls(
            resume_step=resume,
            resume_matched=not resume,
            cursors=cursors,
            had_cursors=bool(cursors),
        )

    def updates_after_error(self, committed: Any = None) -> dict[str, Any]:
        """The metadata to merge when the attempt failed (River's middleware rules).

        ``committed`` is the row's metadata as committed, read when a step checkpointed in
        a transaction: a checkpoint that committed and is ahead of the attempt's own
        progress stays as written; one rolled back is ignored, so its step runs again."""
        if self.tx_steps and isinstance(committed, dict):
            step = committed.get(METADATA_KEY_STEP)
            if step in self.tx_steps and self._index(step) > self._index(self.completed_step):
                return {}
        updates: dict[str, Any] = {}
        if self.cursors:
            updates[METADATA_KEY_CURSOR] = dict(self.cursors)
        elif self.had_cursors and self.completed_step:
            updates[METADATA_KEY_CURSOR] = None  # the merge is additive: clear stale ones
        if self.completed_step:
            updates[METADATA_KEY_STEP] = self.completed_step
        return updates

    def _index(self, step: Any) -> int:
        return self.order.index(step) if step in self.order else -1

    def not_found_error(self) -> ResumableError | None:
        if self.resume_step and not self.resume_matched:
            return ResumableError(f"resumable step {self.resume_step!r} not found in worker")
        return None

    def enter(self, name: str, *, has_cursor: bool) -> bool:
        """Register step ``name``; True when it must run now, False to skip it."""
        if name in self.seen:
            raise ResumableError(f"duplicate resumable step name {name!r}")
        self.seen.add(name)
        self.order.append(name)
        if self.resume_matched:
            return True
        if name != self.resume_step:
            return False
        self.completed_step = name
        self.resume_matched = True
        # A recorded cursor step with a cursor was left partway: run it again from there.
        return has_cursor and name in self.cursors

    def finish(self, name: str) -> None:
        self.cursors.pop(name, None)
        # A step inside another counts only once its outer step completes: recorded on its
        # own, a retry would skip the outer step (not the recorded one), never reach it,
        # and fail every attempt with "not found" until the job is discarded.
        if not self.step_name:
            self.completed_step = name


# Set by the middleware: resumable steps are available, the state is built on first use.
_ENABLED = object()


def _context(what: str) -> tuple[JobContext, ResumableState]:
    ctx = current_job.get()
    if ctx is None:
        raise ResumableError(f"{what} can only be called while a job is being worked")
    state = ctx.extras.get(STATE_KEY)
    if state is _ENABLED:
        state = ctx.extras[STATE_KEY] = ResumableState.from_metadata(ctx.job.metadata)
    if not isinstance(state, ResumableState):
        raise ResumableError(
            f"{what} needs the {PLUGIN_NAME!r} plugin, which is disabled for this client"
        )
    return ctx, state


def resumable_step(name: str, fn: Callable[[], Any]) -> None:
    """Run step ``name`` unless an earlier attempt completed it (River's ``ResumableStep``).

    Step names must be unique within a worker. An exception from ``fn`` propagates and
    fails the attempt; the steps completed before it are skipped on the next attempt.
    """
    _, state = _context("resumable_step")
    if state.enter(name, has_cursor=False):
        with _running(state, name):
            fn()


async def aresumable_step(name: str, fn: Callable[[], Awaitable[Any] | Any]) -> None:
    """``resumable_step`` for async workers: ``fn`` may be a coroutine function."""
    _, state = _context("aresumable_step")
    if state.enter(name, has_cursor=False):
        with _running(state, name):
            result = fn()
            if inspect.isawaitable(result):
                await result


def resumable_step_cursor(
    name: str, fn: Callable[[C], Any], cursor_type: type[C] | None = None
) -> None:
    """Run cursor step ``name`` (River's ``ResumableStepCursor``).

    ``fn`` receives the cursor saved by a failed attempt with ``resumable_set_cursor``,
    or the empty value of its cursor type (``0``, ``""``, ``{}``, a dataclass of empty
    fields, ``None`` when untyped). The type comes from ``cursor_type``, else from the
    annotation of ``fn``'s parameter. A completed cursor step is skipped like any step.
    """
    started = _cursor_step("resumable_step_cursor", name, fn, cursor_type)
    if started is not None:
        state, cursor = started
        with _running(state, name):
            fn(cursor)


async def aresumable_step_cursor(
    name: str, fn: Callable[[C], Awaitable[Any] | Any], cursor_type: type[C] | None = None
) -> None:
    """``resumable_step_cursor`` for async workers: ``fn`` may be a coroutine function."""
    started = _cursor_step("aresumable_step_cursor", name, fn, cursor_type)
    if started is not None:
        state, cursor = started
        with _running(state, name):
            result = fn(cursor)
            if inspect.isawaitable(result):
                await result


def _cursor_step(
    what: str, name: str, fn: Callable[..., Any], cursor_type: Any
) -> tuple[ResumableState, Any] | None:
    """The state and the cursor to run cursor step ``name`` with, or None to skip it."""
    _, state = _context(what)
    if not state.enter(name, has_cursor=True):
        return None
    return state, _load_cursor(state, name, cursor_type or _param_type(fn))


@contextlib.contextmanager
def _running(state: ResumableState, name: str) -> Iterator[None]:
    """Step ``name`` is the current one while it runs, and completed if it returns."""
    previous, state.step_name = state.step_name, name
    try:
        yield
    finally:
        state.step_name = previous
    state.finish(name)


def resumable_set_cursor(cursor: Any) -> None:
    """Record progress of the current cursor step (River's ``ResumableSetCursor``); it is
    saved if the attempt fails. Any JSON-encodable value, dataclass or pydantic model."""
    _, state = _context("resumable_set_cursor")
    if not state.step_name:
        raise ResumableError("resumable_set_cursor can only be called inside a cursor step")
    state.cursors[state.step_name] = encode_cursor(cursor)


def encode_cursor(cursor: Any) -> Any:
    """A cursor as the JSON value stored in metadata (Go-compatible encoding)."""
    try:
        return plain_json(cursor)
    except RiverError as exc:
        raise ResumableError(f"cursor is not JSON-encodable: {exc}") from exc


def _load_cursor(state: ResumableState, name: str, cursor_type: Any) -> Any:
    raw = state.cursors.get(name)
    if raw is None:
        return zero_value(cursor_type)
    try:
        return decode_cursor(cursor_type, raw)
    except Exception as exc:
        raise ResumableError(f"cannot decode the cursor of resumable step {name!r}: {exc}") from exc


def decode_cursor(cursor_type: Any, raw: Any) -> Any:
    if cursor_type is None or cursor_type is Any:
        return raw
    validate = getattr(cursor_type, "model_validate", None)
    if callable(validate):
        return validate(raw)
    if cursor_type is float and type(raw) is int:
        return float(raw)  # JSON has one number type: 3 is a fine float cursor
    if cursor_type in (int, float, str, bool) and not isinstance(raw, cursor_type):
        raise TypeError(f"expected {cursor_type.__name__}, got {raw!r}")
    convert = json_converter(cursor_type)
    return convert(raw) if convert is not None else raw


def zero_value(cursor_type: Any) -> Any:
    """Go's zero value of a cursor type: what the first attempt's step receives."""
    if cursor_type is None or cursor_type is Any:
        return None
    origin = typing.get_origin(cursor_type)
    if origin is typing.Union or origin is types.UnionType:
        return None
    if origin is not None:
        cursor_type = origin
    if dataclasses.is_dataclass(cursor_type) and isinstance(cursor_type, type):
        hints = typing.get_type_hints(cursor_type)
        kwargs = {
            f.name: zero_value(hints.get(f.name))
            for f in dataclasses.fields(cursor_type)
            if f.init
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        }
        return cursor_type(**kwargs)
    if isinstance(cursor_type, type):
        try:
            return cursor_type()
        except TypeError:
            return None
    return None


def _param_type(fn: Callable[..., Any]) -> Any:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    if not params:
        raise ResumableError("a cursor step function takes the cursor as its argument")
    try:
        hints = typing.get_type_hints(fn)
    except Exception:
        return None
    return hints.get(params[0].name)


class ResumableMiddleware(WorkerMiddleware):
    """Makes resumable steps available to a job; saves their progress when it fails."""

    def work(self, job: JobRow, call_next: Callable[[], None]) -> None:
        ctx = _begin()
        try:
            call_next()
        except BaseException:
            state = _progress(ctx)
            if state is not None:
                committed = _committed_metadata(ctx, job) if state.tx_steps else None
                ctx.metadata_updates.update(state.updates_after_error(committed))
            raise
        _check_matched(ctx)


class AsyncResumableMiddleware(AsyncWorkerMiddleware):
    """``ResumableMiddleware`` for ``river.AsyncClient``."""

    async def work(self, job: JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        ctx = _begin()
        try:
            await call_next()
        except BaseException:
            state = _progress(ctx)
            if state is not None:
                committed = await _acommitted_metadata(ctx, job) if state.tx_steps else None
                ctx.metadata_updates.update(state.updates_after_error(committed))
            raise
        _check_matched(ctx)


def _begin() -> JobContext:
    ctx = current_job.get()
    if ctx is None:
        raise ResumableError("the resumable middleware runs only while a job is worked")
    # Most jobs use no steps: the saved progress is read only when a step runs.
    ctx.extras[STATE_KEY] = _ENABLED
    return ctx


def _progress(ctx: JobContext) -> ResumableState | None:
    state = ctx.extras.get(STATE_KEY)
    return state if isinstance(state, ResumableState) else None


def _committed_metadata(ctx: JobContext, job: JobRow) -> Any:
    """The job's metadata as committed (None if it cannot be read)."""
    try:
        return cast(JobClient, ctx.client).job_get(job.id).metadata
    except Exception:
        return None


async def _acommitted_metadata(ctx: JobContext, job: JobRow) -> Any:
    try:
        return (await cast(AsyncJobClient, ctx.client).job_get(job.id)).metadata
    except Exception:
        return None


def _check_matched(ctx: JobContext) -> None:
    state = ctx.extras.get(STATE_KEY)
    metadata = ctx.job.metadata
    if state is _ENABLED and isinstance(metadata, dict) and metadata.get(METADATA_KEY_STEP):
        state = ResumableState.from_metadata(ctx.job.metadata)  # a saved step, no steps run
    if isinstance(state, ResumableState):
        error = state.not_found_error()
        if error is not None:
            raise error


__all__ = [
    "METADATA_KEY_CURSOR",
    "METADATA_KEY_STEP",
    "AsyncResumableMiddleware",
    "ResumableError",
    "ResumableMiddleware",
    "aresumable_step",
    "aresumable_step_cursor",
    "resumable_set_cursor",
    "resumable_step",
    "resumable_step_cursor",
]

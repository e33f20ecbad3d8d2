"""Workers: the code that works jobs of one kind, and the registry a client looks them up in."""

from __future__ import annotations

import datetime as dt
import inspect
import typing
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from river.errors import ConfigError
from river.job_args import decode_args, kind_of
from river.types import AttemptError, JobRow, JobState

T = TypeVar("T")


class Job(Generic[T]):
    """A job being worked: its row, and its args decoded into the worker's args type."""

    __slots__ = ("args", "row")

    def __init__(self, row: JobRow, args: T) -> None:
        self.row = row
        self.args = args

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def kind(self) -> str:
        return self.row.kind

    @property
    def queue(self) -> str:
        return self.row.queue

    @property
    def state(self) -> JobState:
        return self.row.state

    @property
    def priority(self) -> int:
        return self.row.priority

    @property
    def tags(self) -> list[str]:
        return self.row.tags

    @property
    def attempt(self) -> int:
        return self.row.attempt

    @property
    def max_attempts(self) -> int:
        return self.row.max_attempts

    @property
    def metadata(self) -> dict[str, Any]:
        return self.row.metadata

    @property
    def errors(self) -> list[AttemptError]:
        return self.row.errors

    @property
    def scheduled_at(self) -> dt.datetime:
        return self.row.scheduled_at

    @property
    def created_at(self) -> dt.datetime:
        return self.row.created_at

    @property
    def attempted_at(self) -> dt.datetime | None:
        return self.row.attempted_at

    @property
    def finalized_at(self) -> dt.datetime | None:
        return self.row.finalized_at

    @property
    def encoded_args(self) -> str:
        return self.row.encoded_args

    def __repr__(self) -> str:
        return f"Job(id={self.row.id}, kind={self.row.kind!r}, args={self.args!r})"


class _WorkerBase(Generic[T]):
    #: The args class this worker decodes jobs into; inferred from ``Worker[ArgsT]``.
    args_type: type[Any] | None = None

    def timeout(self, job: Job[T]) -> dt.timedelta | float | None:
        """Per-job timeout; None uses the client's ``job_timeout``."""
        return None

    def next_retry(self, job: Job[T]) -> dt.datetime | None:
        """When to retry after an error; None uses the client's retry policy."""
        return None

    def middleware(self, job: JobRow) -> Sequence[Any]:
        """Worker middleware for this worker's jobs, innermost of all (default: none)."""
        return ()

    def hooks(self, job: JobRow) -> Sequence[Any]:
        """Work hooks (``work_begin``/``work_end``) for this worker's jobs (default: none)."""
        return ()


class Worker(_WorkerBase[T]):
    """A synchronous worker, run by ``river.Client`` on a thread pool."""

    is_async: typing.ClassVar[bool] = False

    def work(self, job: Job[T]) -> None:
        raise NotImplementedError


class AsyncWorker(_WorkerBase[T]):
    """An asynchronous worker, run by ``river.AsyncClient`` as an asyncio task."""

    is_async: typing.ClassVar[bool] = True

    async def work(self, job: Job[T]) -> None:
        raise NotImplementedError


AnyWorker = Worker[Any] | AsyncWorker[Any]


class _FuncWorker(Worker[T]):
    def __init__(self, args_type: type[T], fn: Callable[[Job[T]], None]) -> None:
        self.args_type = args_type
        self._fn = fn

    def work(self, job: Job[T]) -> None:
        self._fn(job)


class _AsyncFuncWorker(AsyncWorker[T]):
    def __init__(self, args_type: type[T], fn: Callable[[Job[T]], Awaitable[None]]) -> None:
        self.args_type = args_type
        self._fn = fn

    async def work(self, job: Job[T]) -> None:
        await self._fn(job)


def work_func(
    args_type: type[T], fn: Callable[[Job[T]], None] | Callable[[Job[T]], Awaitable[None]]
) -> AnyWorker:
    """A worker made of a function (River's ``WorkFunc``); a coroutine function makes an
    async worker."""
    if inspect.iscoroutinefunction(fn):
        return _AsyncFuncWorker(args_type, fn)
    return _FuncWorker(args_type, typing.cast(Callable[[Job[T]], None], fn))


def args_type_of(worker: AnyWorker) -> type[Any]:
    if worker.args_type is not None:
        return worker.args_type
    for klass in type(worker).__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            origin = typing.get_origin(base)
            # Worker[ArgsT], AsyncWorker[ArgsT], or a generic subclass (BatchWorker[ArgsT]).
            if isinstance(origin, type) and issubclass(origin, (Worker, AsyncWorker)):
                (arg,) = typing.get_args(base)
                if isinstance(arg, type):
                    return arg
    raise ConfigError(
        f"cannot tell the args type of {type(worker).__name__}: subclass Worker[ArgsT] or "
        "set args_type"
    )


class Workers:
    """The registry of workers by job kind (River's ``Workers``)."""

    def __init__(self) -> None:
        self._by_kind: dict[str, tuple[AnyWorker, type[Any]]] = {}

    def add(self, worker: AnyWorker) -> None:
        """Register a worker; raises ``ConfigError`` for a kind registered twice."""
        err = self.add_safely(worker)
        if err is not None:
            raise err

    def add_safely(self, worker: AnyWorker) -> ConfigError | None:
        """Register a worker, returning the error instead of raising it."""
        if not isinstance(worker, (Worker, AsyncWorker)):
            return ConfigError(f"{worker!r} is not a river.Worker or river.AsyncWorker")
        try:
            args_type = args_type_of(worker)
            kind = kind_of(args_type)
        except (ConfigError, TypeError) as exc:
            return ConfigError(str(exc))
        kinds = [kind, *getattr(args_type, "kind_aliases", ())]
        # Every kind is checked before any is registered, so a refused worker leaves the
        # registry as it was (River v0.50's AddWorkerSafely).
        seen: set[str] = set()
        for name in kinds:
            if name in self._by_kind or name in seen:
                return ConfigError(f"worker for kind {name!r} is already registered")
            seen.add(name)
        for name in kinds:
            self._by_kind[name] = (worker, args_type)
        return None

    def get(self, kind: str) -> tuple[AnyWorker, type[Any]] | None:
        return self._by_kind.get(kind)

    def kinds(self) -> list[str]:
        return sorted(self._by_kind)

    def primary_kinds(self) -> list[str]:
        """The registered kinds without their aliases."""
        return sorted({kind_of(args_type) for _, args_type in self._by_kind.values()})

    def __contains__(self, kind: object) -> bool:
        return kind in self._by_kind

    def __len__(self) -> int:
        return len(self._by_kind)

    def workers(self) -> list[AnyWorker]:
        return [w for w, _ in self._by_kind.values()]


__all__ = ["AsyncWorker", "Job", "JobState", "Worker", "Workers", "work_func"]


def typed_job(row: JobRow, given: Any, args_type: type[Any] | None, workers: Workers) -> Job[Any] | JobRow:
    """``row`` as a ``Job`` with args decoded into the known args type: ``args_type``,
    else the type of ``given``'s args when it is a ``Job``, else the type registered for
    the kind; the plain row when none is known."""
    if args_type is None and isinstance(given, Job):
        args_type = type(given.args)
    if args_type is None:
        found = workers.get(row.kind)
        args_type = found[1] if found is not None else None
    if args_type is None:
        return row
    return Job(row, decode_args(args_type, row.encoded_args))

"""What ``river.Client`` and ``river.AsyncClient`` share that does no I/O (httpx's
``BaseClient`` pattern): checking the configuration and the colour of what is plugged in,
ordering middleware and hooks, building insert parameters, deciding which queues to
notify, and turning control messages into queue events."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from river._internal.executor.hook_lookup import ArgsPluginLookup
from river._internal.insert.insert_notice_limiter import InsertNoticeLimiter
from river._internal.insert.insert_params import iter_build
from river._internal.runtime.runtime_base import RuntimeBase
from river._internal.runtime.settings import Settings
from river.clock import SYSTEM_TIME, TimeGenerator
from river.config import Config
from river.driver.params import JobInsertFastParams
from river.errors import UnknownJobKindError, WrongColourError
from river.events import Event, EventKind
from river.insert_opts import InsertManyParams
from river.middleware import overrides
from river.retry_policy import DefaultRetryPolicy
from river.sequence import has_sequence_opts
from river.types import JobRow, JobState, Queue
from river.worker import Workers

TxT = TypeVar("TxT")


@dataclass(frozen=True, slots=True)
class Colour:
    """The classes that a client of one colour accepts."""

    name: str  # "async" or "sync"
    worker: type
    worker_middleware: type
    insert_middleware: type
    hook: type

    def plugged(self) -> tuple[type, ...]:
        return (self.worker_middleware, self.insert_middleware, self.hook)

    def plugged_names(self) -> str:
        names = [f"river.{t.__name__}" for t in self.plugged()]
        return f"{names[0]}, {names[1]} or {names[2]}"


class _Fetcher(Protocol):
    def trigger_fetch(self) -> None: ...


class _Events(Protocol):
    def has_subscribers(self) -> bool: ...

    def distribute(self, events: Iterable[Event]) -> None: ...


class ClientBase(Generic[TxT]):
    colour: ClassVar[Colour]
    _subscriptions: _Events
    #: Builds, starts and stops the services while the client works jobs.
    _runtime: RuntimeBase[Any]

    def __init__(self, config: Config | None) -> None:
        self.config = config = config or Config()
        config.validate()
        #: Where this client reads the current time (``Config.test.time`` or the system clock).
        self.time: TimeGenerator = config.test.time or SYSTEM_TIME
        if config.test.time is not None and type(config.retry_policy) is DefaultRetryPolicy:
            # As River: the default policy counts its backoff from the client's clock.
            self.config = config = dataclasses.replace(
                config, retry_policy=config.retry_policy.with_now(self.time.now_utc)
            )
        self.logger = config.logger or logging.getLogger("river")
        self.id = config.client_id()
        self.workers = config.workers or Workers()
        self._check_colour()
        from river.plugins.manager import contributions

        disabled = config.disabled_plugins
        plugged = contributions("river_middleware", self._is_async(), disabled=disabled)
        plugged_hooks = contributions("river_hooks", self._is_async(), disabled=disabled)
        kinds = self.colour.plugged()
        for plugin, obj in (*plugged, *plugged_hooks):
            if not isinstance(obj, kinds):
                raise WrongColourError(
                    f"plugin {plugin!r} gave {type(obj).__name__} to a {type(self).__name__}, "
                    f"which needs a subclass of {self.colour.plugged_names()}"
                )
        middleware = [*config.plugins, *config.middleware, *(obj for _, obj in plugged)]
        #: Worker middleware in order, outermost first: ``Config.plugins``, then
        #: ``Config.middleware``, then plugin middleware (plugins registered last first, river's own last); a worker's own
        #: ``middleware(job)`` is innermost.
        self.worker_middleware: tuple[Any, ...] = tuple(
            m for m in middleware if isinstance(m, self.colour.worker_middleware)
        )
        #: Insert middleware in order, outermost first (same order as worker middleware).
        self.insert_middleware: tuple[Any, ...] = tuple(
            m for m in middleware if isinstance(m, self.colour.insert_middleware)
        )
        #: Hooks in call order: ``Config.plugins``, ``Config.hooks``, then plugin hooks.
        self.hooks: tuple[Any, ...] = tuple(
            h for h in (*config.plugins, *config.hooks, *(obj for _, obj in plugged_hooks))
            if isinstance(h, self.colour.hook)
        )
        #: The hooks with an ``insert_begin`` of their own (the rest inherit a no-op).
        self.insert_begin_hooks: tuple[Any, ...] = tuple(
            h for h in self.hooks if overrides(h, "insert_begin")
        )
        #: Hooks and middleware declared by args types, per kind (River's
        #: ``JobArgsWithHooks``/``JobArgsWithPlugins``); registered kinds are looked up now
        #: so a wrong declaration fails here rather than at the first job.
        self.args_plugins = ArgsPluginLookup(is_async=self._is_async())
        for kind in self.workers.kinds():
            found = self.workers.get(kind)
            if found is not None:
                self.args_plugins.by_args_type(found[1])
        self._schema_name: str | None = config.schema
        #: ``config``'s intervals in seconds, resolved once (no default restated here).
        self._settings = Settings.of(config)
        self._cooldown = self._settings.fetch_cooldown
        self._notice_limiter = InsertNoticeLimiter(self._cooldown)

    def _is_async(self) -> bool:
        return self.colour.name == "async"

    def _check_colour(self) -> None:
        colour, client = self.colour, _a(type(self).__name__)
        other = "sync" if self._is_async() else "async"
        for worker in self.workers.workers():
            if not isinstance(worker, colour.worker):
                raise WrongColourError(
                    f"{type(worker).__name__} is {_a(other)} worker; {client} needs "
                    f"river.{colour.worker.__name__} subclasses (or {_a(colour.name)} work_func)"
                )
        for obj in (*self.config.plugins, *self.config.middleware, *self.config.hooks):
            if not isinstance(obj, colour.plugged()):
                raise WrongColourError(
                    f"{type(obj).__name__} is not {colour.name} middleware or "
                    f"{_a(colour.hook.__name__)}; {client} needs {colour.plugged_names()} objects"
                )

    @property
    def started(self) -> bool:
        return self._runtime.started

    @property
    def _producers(self) -> dict[str, Any]:
        """The running producers by queue (the runtime's)."""
        return self._runtime.producers

    def running_jobs(self) -> list[JobRow]:
        """The jobs this client is working now, as fetched (a snapshot; takes no lock, so
        a signal handler may call it)."""
        for _ in range(3):  # a job starting or ending meanwhile: look again
            try:
                return [
                    ctx.job
                    for producer in list(self._producers.values())
                    for ctx in list(producer._active.values())
                ]
            except RuntimeError:
                continue
        return []

    # -- inserting --------------------------------------------------------------------

    def _build(self, params: Sequence[Any]) -> list[JobInsertFastParams]:
        stubbed = self.time.now_utc_or_none()
        built = list(self._iter_build(params, stubbed or dt.datetime.now(dt.UTC)))
        if stubbed is not None:
            built = [
                dataclasses.replace(
                    job, created_at=stubbed, scheduled_at=job.scheduled_at or stubbed
                )
                for job in built
            ]
        return built

    def _build_streamed(
        self, params: Sequence[Any], into: list[JobInsertFastParams]
    ) -> Iterator[JobInsertFastParams] | None:
        """The jobs of ``params`` built as a COPY reads them (each also appended to
        ``into``), so that the database works on the first while the rest are built; None
        when the whole batch must be built first: insert hooks or middleware (of the client
        or of an args type in the batch, or an args type not seen before), jobs of sequences, a stubbed clock,
        or ``params`` that is not a sequence."""
        if (
            self.insert_begin_hooks or self.insert_middleware
            or self.time.now_utc_or_none() is not None
            or not isinstance(params, Sequence)  # read twice below: a generator would not be
        ):
            return None
        classes = {
            (p.args if isinstance(p, InsertManyParams) else p).__class__ for p in params
        }
        for cls in classes:
            declared = self.args_plugins.known(cls)
            if declared is None or declared.insert_begin or declared.insert_middleware:
                return None
            if has_sequence_opts(cls):  # its keys are locked before the insert
                return None
        append = into.append

        def built() -> Iterator[JobInsertFastParams]:
            for job in self._iter_build(params, dt.datetime.now(dt.UTC)):
                append(job)
                yield job

        return built()

    def _iter_build(self, params: Sequence[Any], now: dt.datetime) -> Iterator[JobInsertFastParams]:
        check_kind = len(self.workers) > 0 and not self.config.skip_unknown_job_check

        def on_new_class(cls: type, kind: str) -> None:
            if check_kind and kind not in self.workers:
                raise UnknownJobKindError(kind)
            self.args_plugins.by_args_type(cls)  # caches the kind's hooks

        return iter_build(
            params, default_max_attempts=self.config.max_attempts, now=now,
            enforce_unique=not self.config.test.disable_unique_enforcement,
            unique_rules=self.config.unique_rules_resolved(), on_new_class=on_new_class,
        )

    def _insert_middleware_for(self, params: Sequence[JobInsertFastParams]) -> tuple[Any, ...]:
        """Insert middleware around a batch, outermost first: the client's, then that
        declared by the args type of each kind in the batch (first seen first), as River."""
        lookup = self.args_plugins
        if not lookup.any:
            return self.insert_middleware
        declared = tuple(
            mw
            for kind in dict.fromkeys(p.kind for p in params)
            for mw in lookup.by_kind(kind).insert_middleware
        )
        return self.insert_middleware + declared

    def _queues_to_notify(self, params: Sequence[JobInsertFastParams]) -> tuple[list[str], bool]:
        """Queues that got available jobs and are notified with this insert (a token
        bucket per queue), and whether a flusher must start to notify the others once
        their token comes (``insert_notice_limiter``)."""
        return self._notice_limiter.admit(_available_queues(params), time.monotonic())

    def _forget_notified(self, queues: Sequence[str]) -> None:
        """The insert that would have notified ``queues`` failed: let the next one notify."""
        self._notice_limiter.give_back(queues)

    def _poke_local(self, params: Sequence[JobInsertFastParams]) -> None:
        if self._producers:
            for q in _available_queues(params):
                producer: _Fetcher | None = self._producers.get(q)
                if producer is not None:
                    producer.trigger_fetch()

    # -- events -----------------------------------------------------------------------

    def _emit_queue_event(self, name: str, paused: bool) -> None:
        now = dt.datetime.now(dt.UTC)
        queue = Queue(
            name=name,
            created_at=now,
            metadata={},
            paused_at=now if paused else None,
            updated_at=now,
        )
        kind = EventKind.QUEUE_PAUSED if paused else EventKind.QUEUE_RESUMED
        self._subscriptions.distribute([Event(kind=kind, queue=queue)])


def _a(word: str) -> str:
    return ("an " if word[0].lower() in "aeiou" else "a ") + word


def _available_queues(params: Sequence[JobInsertFastParams]) -> set[str]:
    available = JobState.AVAILABLE
    return {p.queue for p in params if p.state is available}

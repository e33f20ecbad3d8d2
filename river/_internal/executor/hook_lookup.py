"""Hooks and middleware declared by job args types (River's ``JobArgsWithHooks`` and
``JobArgsWithPlugins``), looked up once per kind and cached, as River's ``JobPluginLookup``
does (colour-free).

An args class declares them with classmethods, because they belong to the kind, not to
one job (River builds them from a zero value of the args type for the same reason):

- ``hooks(cls)``: hooks that run for this kind's jobs after the client's hooks;
- ``plugins(cls)``: objects that may be hooks, insert middleware and worker middleware at
  once; each is used as every one of those it is. Their hooks run before those of
  ``hooks()``; their middleware runs inside the client's.

Only ``insert_begin``, ``work_begin`` and ``work_end`` are per kind: ``metric_emit`` and
``periodic_jobs_start`` concern no single kind and are only called on the client's hooks.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from river.errors import ConfigError, WrongColourError
from river.job_args import kind_of
from river.middleware import (
    AsyncHook,
    AsyncInsertMiddleware,
    AsyncWorkerMiddleware,
    Hook,
    InsertMiddleware,
    WorkerMiddleware,
    overrides,
)
from river.types import JobRow
from river.worker import _WorkerBase

_SYNC: tuple[type, type, type] = (Hook, InsertMiddleware, WorkerMiddleware)
_ASYNC: tuple[type, type, type] = (AsyncHook, AsyncInsertMiddleware, AsyncWorkerMiddleware)


@dataclass(frozen=True, slots=True)
class ArgsPlugins:
    """What one kind's args type declares, split by where it is called, in call order."""

    hooks: tuple[Any, ...] = ()  # every declared hook (plugins' first), for display
    insert_begin: tuple[Any, ...] = ()
    work: tuple[Any, ...] = ()  # hooks with their own work_begin or work_end
    insert_middleware: tuple[Any, ...] = ()
    worker_middleware: tuple[Any, ...] = ()


NONE = ArgsPlugins()


class ArgsPluginLookup:
    """The ``ArgsPlugins`` of each kind for a client of one colour, built on first use."""

    def __init__(self, *, is_async: bool) -> None:
        self._is_async = is_async
        self._hook, self._insert_mw, self._worker_mw = _ASYNC if is_async else _SYNC
        self._by_kind: dict[str, ArgsPlugins] = {}
        self._by_type: dict[type, ArgsPlugins] = {}
        self._lock = threading.Lock()
        #: Whether any kind seen so far declared something (skips per-insert work if not).
        self.any = False

    def by_args_type(self, args_type: type) -> ArgsPlugins:
        """The plugins of ``args_type``'s kind; the first args type seen for a kind defines
        them (River caches by kind too). Raises ``ConfigError`` (``WrongColourError`` for
        the other colour) naming the offending object."""
        found = self._by_type.get(args_type)
        if found is not None:
            return found
        with self._lock:
            kind = kind_of(args_type)
            found = self._by_kind.get(kind)
            if found is None:
                found = self._build(args_type)
                self._by_kind[kind] = found
                self.any = self.any or found is not NONE
            self._by_type[args_type] = found
            return found

    def known(self, args_type: type) -> ArgsPlugins | None:
        """The plugins of ``args_type`` if it was looked up before (else None)."""
        return self._by_type.get(args_type)

    def by_kind(self, kind: str) -> ArgsPlugins:
        """The plugins of a kind already seen through ``by_args_type`` (else none)."""
        return self._by_kind.get(kind, NONE)

    def _build(self, args_type: type) -> ArgsPlugins:
        plugins = self._declared(args_type, "plugins")
        hooks = self._declared(args_type, "hooks")
        for source, obj in plugins:
            if not isinstance(obj, (self._hook, self._insert_mw, self._worker_mw)):
                raise self._wrong(source, obj, "hook or middleware")
        for source, obj in hooks:
            if not isinstance(obj, self._hook):
                raise self._wrong(source, obj, "hook")
        all_hooks = [o for _, o in plugins if isinstance(o, self._hook)] + [o for _, o in hooks]
        if not plugins and not hooks:
            return NONE
        return ArgsPlugins(
            hooks=tuple(all_hooks),
            insert_begin=tuple(h for h in all_hooks if overrides(h, "insert_begin")),
            work=tuple(
                h for h in all_hooks if overrides(h, "work_begin") or overrides(h, "work_end")
            ),
            insert_middleware=tuple(o for _, o in plugins if isinstance(o, self._insert_mw)),
            worker_middleware=tuple(o for _, o in plugins if isinstance(o, self._worker_mw)),
        )

    def _declared(self, args_type: type, name: str) -> list[tuple[str, Any]]:
        """``args_type.<name>()`` as (where it came from, object) pairs; [] if undeclared."""
        static = inspect.getattr_static(args_type, name, None)
        if not isinstance(static, (classmethod, staticmethod)):
            if not inspect.isfunction(static):
                return []  # undeclared, or a field's default (a field may be named so)
            raise ConfigError(
                f"{args_type.__name__}.{name} must be a @classmethod returning a list: "
                f"{name} are looked up once per job kind, not per job"
            )
        source = f"{args_type.__name__}.{name}()"
        declared = getattr(args_type, name)()
        if not isinstance(declared, Iterable) or isinstance(declared, (str, bytes)):
            raise ConfigError(f"{source} returned {declared!r}, expected a list")
        return [(source, obj) for obj in declared]

    def _wrong(self, source: str, obj: Any, what: str) -> ConfigError:
        name = type(obj).__name__
        client = "river.AsyncClient" if self._is_async else "river.Client"
        wanted = (
            f"river.{self._hook.__name__}"
            if what == "hook"
            else f"river.{self._hook.__name__}, river.{self._insert_mw.__name__} or "
            f"river.{self._worker_mw.__name__}"
        )
        other = _SYNC if self._is_async else _ASYNC
        if isinstance(obj, other):
            colour = "a sync" if self._is_async else "an async"
            return WrongColourError(
                f"{name} from {source} is {colour} {what}; a {client} needs {wanted} objects"
            )
        return ConfigError(f"{name} from {source} is not a {what}; expected {wanted} objects")


class WorkChains:
    """The work hooks and worker middleware of a job: the client's, then its args type's
    (River's order), then the worker's own. Built once per worker and args type unless the
    worker chooses them per job (overrides ``hooks`` or ``middleware``)."""

    def __init__(
        self, hooks: tuple[Any, ...], middleware: tuple[Any, ...], args_plugins: ArgsPluginLookup
    ) -> None:
        self._hooks = hooks
        self._middleware = middleware
        self._args_plugins = args_plugins
        # By the worker's id (the worker is kept to check it) and the args type.
        self._built: dict[tuple[int, type], tuple[Any, tuple[Any, ...], tuple[Any, ...]]] = {}

    def of(
        self, worker: Any, args_type: type, row: JobRow
    ) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        key = (id(worker), args_type)
        built = self._built.get(key)
        if built is not None and built[0] is worker:
            return built[1], built[2]
        declared = self._args_plugins.by_args_type(args_type)
        hooks = self._hooks + declared.work + tuple(worker.hooks(row))
        middleware = self._middleware + declared.worker_middleware + tuple(worker.middleware(row))
        cls = type(worker)
        if cls.hooks is _WorkerBase.hooks and cls.middleware is _WorkerBase.middleware:
            self._built[key] = (worker, hooks, middleware)
        return hooks, middleware

#!/usr/bin/env python3
"""Generate the sync twin of every ``*_async.py`` module (``x_async.py`` → ``x.py``).

The async file is the source of truth; never edit a generated file. The transform:

* ``async def``/``async with``/``async for``/async comprehensions lose ``async``;
  ``await x`` becomes ``x``; ``ensure_async(f, *args)`` becomes ``f(*args)``;
* names in ``NAMES`` below are renamed wherever they are a name: ``Name`` ids, attribute
  names, imported names (and their ``as`` aliases), names of defined functions, classes and
  parameters, and string literals that are a mapped name or a type expression (forward
  references). Keyword argument names in calls are left alone;
* ``AsyncGenerator[X, None]`` becomes ``Generator[X, None, None]``;
* a module path component ending in ``_async`` loses the suffix in ``import`` and
  ``from … import`` module paths (and in uses of ``import a.b_async``); a name imported with
  ``from pkg import x_async`` is left alone (it may not be a module): import from the module;
* ``if True:  # ASYNC`` … ``else:`` … keeps only the ``else`` body (nothing without one);
* a function or class decorated with ``@skip_sync`` is dropped, with the import.

The result is formatted with ``ruff format`` and its imports are sorted and pruned with
``ruff check --fix --select I,F401,UP034``, so any import left unused by the transform is
dropped. The tool refuses to overwrite an existing output that lacks the generated header.

Usage: python tools/async_to_sync.py [--check] [FILE_async.py ...]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import ast_comments as ast

ROOT = Path(__file__).resolve().parent.parent
RUFF_CONFIG = ROOT / "pyproject.toml"  # line length etc. for the formatted output
SEARCH_DIRS = ("river", "drivers/river_psycopg3", "tests")
SUFFIX = "_async"
HEADER = (
    "# WARNING: this file is generated from '{source}' by tools/async_to_sync.py.\n"
    "# DO NOT EDIT: edit the source and run the tool again.\n"
)
HEADER_RE = re.compile(
    r"^# WARNING: this file is generated from '([^']+)' by tools/async_to_sync\.py"
)

# Async name → sync name, applied to identifiers (never to keyword argument names in calls).
# Extend this when a source uses a new async name whose sync twin has another name.
NAMES: dict[str, str] = {
    # river public and driver API
    "AsyncClient": "Client",
    "AsyncExecutor": "Executor",
    "AsyncExecutorCore": "ExecutorCore",
    "AsyncJobQueries": "JobQueries",
    "AsyncQueueQueries": "QueueQueries",
    "AsyncLeaderQueries": "LeaderQueries",
    "AsyncMigrationQueries": "MigrationQueries",
    "AsyncWorkflowQueries": "WorkflowQueries",
    "AsyncDriver": "Driver",
    "AsyncListener": "Listener",
    "AsyncWorker": "Worker",
    "AsyncWorkerMiddleware": "WorkerMiddleware",
    "AsyncInsertMiddleware": "InsertMiddleware",
    "AsyncHook": "Hook",
    "AsyncMigrator": "Migrator",
    "AsyncResumableMiddleware": "ResumableMiddleware",
    "AsyncWorkflowMiddleware": "WorkflowMiddleware",
    "AsyncBatchWorker": "BatchWorker",
    "AsyncBatchMiddleware": "BatchMiddleware",
    "AsyncTestWorker": "TestWorker",
    "AsyncQueueBundle": "QueueBundle",
    "AsyncNotifyBundle": "NotifyBundle",
    "AsyncClientStopped": "ClientStopped",
    "aresumable_step": "resumable_step",
    "aresumable_step_cursor": "resumable_step_cursor",
    "arequire_inserted": "require_inserted",
    "arequire_inserted_tx": "require_inserted_tx",
    "arequire_many_inserted": "require_many_inserted",
    "arequire_many_inserted_tx": "require_many_inserted_tx",
    "arequire_not_inserted": "require_not_inserted",
    "arequire_not_inserted_tx": "require_not_inserted_tx",
    "AsyncPsycopgDriver": "PsycopgDriver",
    "AsyncPsycopgExecutor": "PsycopgExecutor",
    "AsyncPsycopgListener": "PsycopgListener",
    "resolve_tx_async": "resolve_tx",
    "AsyncOrmTx": "OrmTx",
    # river internals
    "AsyncMaintainer": "Maintainer",
    "AsyncService": "Service",
    "AsyncProducer": "Producer",
    "AsyncJobExecutor": "JobExecutor",
    "AsyncCompleter": "Completer",
    "AsyncBatchCompleter": "BatchCompleter",
    "AsyncNotifier": "Notifier",
    "AsyncElector": "Elector",
    "AsyncSubscription": "Subscription",
    "AsyncSubscriptionManager": "SubscriptionManager",
    "AsyncJobScheduler": "JobScheduler",
    "AsyncJobRescuer": "JobRescuer",
    "AsyncJobCleaner": "JobCleaner",
    "AsyncQueueCleaner": "QueueCleaner",
    "AsyncWorkflowSweeper": "WorkflowSweeper",
    "AsyncSequenceSweeper": "SequenceSweeper",
    "AsyncPeriodicJobEnqueuer": "PeriodicJobEnqueuer",
    "AsyncReindexer": "Reindexer",
    "AsyncRuntime": "Runtime",
    "AsyncStartStop": "StartStop",
    "AsyncClientInserts": "ClientInserts",
    "AsyncClientJobs": "ClientJobs",
    "AsyncClientQueues": "ClientQueues",
    "AsyncClientWorkflows": "ClientWorkflows",
    "AsyncJobClient": "JobClient",
    "AsyncWorkflowClient": "WorkflowClient",
    "AsyncOutcomeSink": "OutcomeSink",
    "AWorkPool": "WorkPool",
    # psycopg / psycopg_pool
    "AsyncConnectionPool": "ConnectionPool",
    "AsyncConnection": "Connection",
    "AsyncCursor": "Cursor",
    "AsyncTransaction": "Transaction",
    # typing, contextlib, protocols
    "AsyncIterator": "Iterator",
    "AsyncIterable": "Iterable",
    "AsyncGenerator": "Generator",
    "AbstractAsyncContextManager": "AbstractContextManager",
    "asynccontextmanager": "contextmanager",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "StopAsyncIteration": "StopIteration",
    "aclose": "close",
    # river._acompat
    "AEvent": "Event",
    "ALock": "Lock",
    "AQueue": "Queue",
    "ACondition": "Condition",
    "asleep": "sleep",
    "aspawn": "spawn",
    "agather": "gather",
    "acancel_scope": "cancel_scope",
    # test fixtures (pytest requests fixtures by parameter name)
    "adriver": "driver",
    "aexecutor": "executor",
    "aclient": "client",
    "aopen_driver": "open_driver",
}

SKIP_SYNC = "skip_sync"
ENSURE_ASYNC = "ensure_async"
_MARKER_RE = re.compile(r"#\s*ASYNC\b")
# Bodies that must hold at least one statement.
_BODY_FIELDS = ("body", "orelse", "finalbody")


def sync_module(name: str) -> str:
    """``a.b_async.c`` → ``a.b.c``."""
    return ".".join(p.removesuffix(SUFFIX) if p.endswith(SUFFIX) else p for p in name.split("."))


def output_path(source: Path) -> Path:
    """``dir/x_async.py`` → ``dir/x.py``."""
    return source.with_name(source.name.removesuffix(f"{SUFFIX}.py") + ".py")


def _is_marker(node: ast.If) -> bool:
    """``if True:  # ASYNC`` (comment on the ``if`` line or first in its body)."""
    first = node.body[0] if node.body else None
    return (
        isinstance(node.test, ast.Constant)
        and node.test.value is True
        and isinstance(first, ast.Comment)
        and _MARKER_RE.match(first.value) is not None
    )


def _is_skip_sync(dec: ast.expr) -> bool:
    if isinstance(dec, ast.Call):
        dec = dec.func
    return (isinstance(dec, ast.Name) and dec.id == SKIP_SYNC) or (
        isinstance(dec, ast.Attribute) and dec.attr == SKIP_SYNC
    )


def _is_callee(func: ast.expr, name: str) -> bool:
    return (isinstance(func, ast.Name) and func.id == name) or (
        isinstance(func, ast.Attribute) and func.attr == name
    )


def _dotted(node: ast.expr) -> list[str] | None:
    """``a.b.c`` → ``["a", "b", "c"]``; None unless a plain dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


class AsyncToSync(ast.NodeTransformer):
    """Turns an async module's tree into its sync twin's, in place."""

    def __init__(self) -> None:
        # Dotted paths brought in by ``import a.b_async`` (no ``as``): uses of them are renamed.
        self.modules: list[list[str]] = []

    def visit_Module(self, node: ast.Module) -> Any:
        for imp in ast.walk(node):
            if isinstance(imp, ast.Import):
                self.modules += [
                    a.name.split(".")
                    for a in imp.names
                    if a.asname is None and sync_module(a.name) != a.name
                ]
        self.generic_visit(node)
        return node

    # -- statements -------------------------------------------------------------------------

    def visit_If(self, node: ast.If) -> Any:
        if _is_marker(node):
            body = list(node.orelse)
            # An inline comment first in ``orelse`` sat on the ``else:`` line: drop it.
            while body and isinstance(body[0], ast.Comment) and body[0].inline:
                body.pop(0)
            kept: list[ast.stmt] = []
            for stmt in body:
                new = self.visit(stmt)
                if isinstance(new, list):
                    kept += new
                elif new is not None:
                    kept.append(new)
            return kept
        self.generic_visit(node)
        return node

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Any:
        if any(_is_skip_sync(d) for d in node.decorator_list):
            return None
        node.name = NAMES.get(node.name, node.name)
        self.generic_visit(node)
        if isinstance(node, ast.FunctionDef):
            return node
        fields = {f: getattr(node, f) for f in node._fields if hasattr(node, f)}
        return ast.copy_location(ast.FunctionDef(**fields), node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> Any:
        return self._function(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        return self._function(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        if any(_is_skip_sync(d) for d in node.decorator_list):
            return None
        node.name = NAMES.get(node.name, node.name)
        self.generic_visit(node)
        return node

    def visit_AsyncWith(self, node: ast.AsyncWith) -> Any:
        self.generic_visit(node)
        new = ast.With(items=node.items, body=node.body, type_comment=node.type_comment)
        return ast.copy_location(new, node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> Any:
        self.generic_visit(node)
        new = ast.For(
            target=node.target,
            iter=node.iter,
            body=node.body,
            orelse=node.orelse,
            type_comment=node.type_comment,
        )
        return ast.copy_location(new, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        if node.module:
            node.module = sync_module(node.module)
        names = []
        for alias in node.names:
            if alias.name == SKIP_SYNC:
                continue
            alias.name = NAMES.get(alias.name, alias.name)
            if alias.asname:
                alias.asname = NAMES.get(alias.asname, alias.asname)
            names.append(alias)
        node.names = names
        return node if names else None

    def visit_Import(self, node: ast.Import) -> Any:
        for alias in node.names:
            alias.name = sync_module(alias.name)
        return node

    # -- expressions ------------------------------------------------------------------------

    def visit_Await(self, node: ast.Await) -> Any:
        return self.visit(node.value)

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        node.is_async = 0
        self.generic_visit(node)
        return node

    def visit_Call(self, node: ast.Call) -> Any:
        # ensure_async(f, *args, **kw) → f(*args, **kw)
        if _is_callee(node.func, ENSURE_ASYNC) and node.args:
            if not isinstance(node.args[0], ast.Starred):
                node.func, node.args = node.args[0], node.args[1:]
        # cast("T", x) and TypeVar(..., bound="T"): the strings are type expressions.
        if _is_callee(node.func, "cast") and node.args:
            node.args[0] = self._annotation(node.args[0])
        if _is_callee(node.func, "TypeVar"):
            for kw in node.keywords:
                if kw.arg == "bound":
                    kw.value = self._annotation(kw.value)
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> Any:
        if any(m[0] == node.id for m in self.modules):
            node.id = sync_module(node.id)
        node.id = NAMES.get(node.id, node.id)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        chain = _dotted(node)
        depth = max((len(m) for m in self.modules if chain and chain[: len(m)] == m), default=0)
        if chain and depth:
            # a.b_async.X where ``import a.b_async``: a.b.X
            n: ast.expr = node
            for i in range(len(chain) - 1, 0, -1):
                assert isinstance(n, ast.Attribute)
                if i < depth:
                    n.attr = sync_module(n.attr)
                n = n.value
        self.generic_visit(node)
        node.attr = NAMES.get(node.attr, node.attr)
        return node

    def visit_Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, str) and node.value in NAMES:
            node.value = NAMES[node.value]
        return node

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        # AsyncGenerator[X, None] → Generator[X, None, None]
        value = node.value
        is_agen = (isinstance(value, ast.Name) and value.id == "AsyncGenerator") or (
            isinstance(value, ast.Attribute) and value.attr == "AsyncGenerator"
        )
        self.generic_visit(node)
        if is_agen and isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2:
            node.slice.elts.insert(1, ast.Constant(value=None))
        return node

    # -- annotations (strings in them are forward references) -------------------------------

    def _annotation(self, node: ast.expr | None) -> Any:
        return None if node is None else _StringAnnotations(self).visit(node)

    def visit_arg(self, node: ast.arg) -> Any:
        node.arg = NAMES.get(node.arg, node.arg)
        node.annotation = self._annotation(node.annotation)
        self.generic_visit(node)
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> Any:
        node.annotation = self._annotation(node.annotation)
        self.generic_visit(node)
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.returns = self._annotation(node.returns)
        blocks = [f for f in _BODY_FIELDS if isinstance(getattr(node, f, None), list)]
        blocks = [f for f in blocks if getattr(node, f)]
        super().generic_visit(node)
        # A dropped statement must not leave a block empty (or holding only comments).
        if not isinstance(node, ast.Module):
            for field in blocks:
                stmts = getattr(node, field)
                if all(isinstance(s, ast.Comment) for s in stmts):
                    stmts.append(ast.Pass())
        return node


class _StringAnnotations(ast.NodeTransformer):
    """Converts the strings (forward references) inside an annotation as type expressions.

    Only strings change here; the caller then converts the annotation's other nodes.
    """

    def __init__(self, outer: AsyncToSync) -> None:
        self.outer = outer

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        if _is_callee(node.value, "Literal"):  # Literal["x"] holds values, not types
            return node
        self.generic_visit(node)
        return node

    def visit_Constant(self, node: ast.Constant) -> Any:
        if not isinstance(node.value, str):
            return node
        try:
            expr = ast.parse(node.value.strip(), mode="eval").body
        except SyntaxError:
            return node
        before = ast.unparse(expr)
        after = ast.unparse(self.outer.visit(self.visit(expr)))
        if after == before:  # nothing renamed: keep the string as written
            return node
        return ast.copy_location(ast.Constant(value=after), node)


# -- driver -----------------------------------------------------------------------------------


class ConversionError(Exception):
    """A source could not be converted."""


def _ruff(args: list[str], text: str, out_path: Path) -> str:
    cmd = [
        sys.executable, "-m", "ruff", *args,
        "--config", str(RUFF_CONFIG),
        "--stdin-filename", str(out_path), "-",
    ]  # fmt: skip
    proc = subprocess.run(cmd, input=text, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise ConversionError(f"ruff {args[0]} failed on the output: {proc.stderr.strip()}")
    return proc.stdout


def convert_source(source: str, source_name: str, out_path: Path | None = None) -> str:
    """The formatted sync twin of the async module ``source`` (named ``source_name``)."""
    tree = AsyncToSync().visit(ast.parse(source))
    ast.fix_missing_locations(tree)
    text = HEADER.format(source=source_name) + ast.unparse(tree) + "\n"
    path = out_path or ROOT / output_path(Path(source_name)).name
    text = _ruff(["format"], text, path)
    # I: sort imports; F401: drop imports the transform left unused; UP034: the extra
    # parentheses ast.unparse puts around a generator expression that is the only argument.
    text = _ruff(["check", "--fix", "--exit-zero", "--select", "I,F401,UP034"], text, path)
    return _ruff(["format"], text, path)


def find_sources() -> list[Path]:
    """Every ``*_async.py`` under ``SEARCH_DIRS``."""
    found: list[Path] = []
    for d in SEARCH_DIRS:
        if (ROOT / d).is_dir():
            found += [p for p in (ROOT / d).rglob(f"*{SUFFIX}.py") if "__pycache__" not in p.parts]
    return sorted(found)


def _candidate_outputs() -> set[Path]:
    """Files that may carry the generated header: git-tracked .py files and SEARCH_DIRS."""
    found: set[Path] = set()
    proc = subprocess.run(
        ["git", "ls-files", "-z", "--", "*.py"], capture_output=True, text=True, cwd=ROOT
    )
    if proc.returncode == 0:
        found |= {ROOT / p for p in proc.stdout.split("\0") if p}
    for d in SEARCH_DIRS:
        if (ROOT / d).is_dir():
            found |= {p for p in (ROOT / d).rglob("*.py") if "__pycache__" not in p.parts}
    return found


def generated_orphans() -> list[Path]:
    """Generated files whose ``_async`` source no longer exists."""
    orphans = []
    for p in sorted(_candidate_outputs()):
        try:
            with p.open(encoding="utf-8") as f:
                m = HEADER_RE.match(f.readline())
        except (OSError, UnicodeDecodeError):
            continue
        if m and not (p.parent / m.group(1)).is_file():
            orphans.append(p)
    return orphans


# -- functions without I/O ---------------------------------------------------------------
#
# A generated twin should hold only code whose two colours differ: a function that awaits
# nothing and names nothing coloured is written twice for no reason and belongs in a
# colour-free module. ``--check`` reports every such function of the library's sources
# (tests are generated whole) unless it is listed here with the reason it stays.
NO_IO_CHECKED_DIRS = ("river", "drivers")
NO_IO_ALLOWED: dict[str, str] = {
    # State of a coloured runtime object, read or changed from both colours' callers.
    **dict.fromkeys(
        [
            "river/_internal/completer/completer_async.py::AsyncBatchCompleter.backlog",
            "river/_internal/completer/completer_async.py::AsyncBatchCompleter.full",
            "river/_internal/completer/completer_async.py::AsyncBatchCompleter.wants_info",
            "river/_internal/completer/completer_async.py::AsyncBatchCompleter._requeue",
            "river/_internal/producer/producer_async.py::AsyncProducer._on_control",
            "river/_internal/producer/producer_async.py::AsyncProducer.handle_control",
            "river/_internal/producer/producer_async.py::AsyncProducer.cancel_jobs",
            "river/_internal/producer/producer_async.py::AsyncProducer.cancel_job",
            "river/_internal/producer/producer_async.py::AsyncProducer.cancel_all",
            "river/_internal/producer/producer_async.py::AsyncProducer.active_count",
            "river/_internal/producer/producer_async.py::AsyncProducer.busy",
            "river/_internal/producer/producer_async.py::AsyncProducer.paused",
            "river/_internal/producer/producer_async.py::AsyncProducer._emit_fetch_metrics",
            "river/_internal/producer/producer_async.py::AsyncProducer.limited_active_ids",
            "river/_internal/notifier/subscription_async.py::AsyncSubscriptionManager.has_subscribers",
            "river/_internal/notifier/subscription_async.py::AsyncSubscriptionManager.distribute",
            "river/_internal/notifier/subscription_async.py::AsyncSubscriptionManager.close_all",
            "river/testing/_worker_async.py::_InlineCompleter.__init__",
            "river/testing/_worker_async.py::_InlineCompleter.add",
            "river/testing/_worker_async.py::_InlineCompleter.full",
            "river/testing/_worker_async.py::_InlineCompleter.wants_info",
        ],
        "state of a coloured object (its tasks, events or queues of the same colour)",
    ),
    "river/_internal/maintenance/reindexer_async.py::AsyncReindexer.next_wait": (
        "overrides the coloured service's wait between passes"
    ),
    # Gather a coloured object's state (its context, workers, clock) for the colour-free
    # decisions in river/_internal/executor/job_outcome.py and job_log.py.
    **dict.fromkeys(
        [
            "river/_internal/executor/job_executor_async.py::_time_out",
            "river/_internal/executor/job_executor_async.py::AsyncJobExecutor._decide",
            "river/_internal/executor/job_executor_async.py::AsyncJobExecutor._next_retry",
            "river/_internal/maintenance/rescuer_async.py::AsyncJobRescuer._rescue_params",
            "river/_internal/maintenance/rescuer_async.py::AsyncJobRescuer._retry_decision",
            "river/_internal/maintenance/rescuer_async.py::AsyncJobRescuer._retry_or_discard",
        ],
        "hands a coloured object's state to the colour-free job outcome decision",
    ),
}


def _is_coloured(node: ast.AST, coloured_attrs: frozenset[str] = frozenset()) -> bool:
    """Whether ``node`` awaits, names something that differs between the colours, or uses
    an attribute of ``self`` that holds a coloured object (``coloured_attrs``)."""
    for child in ast.walk(node):
        if (
            isinstance(child, ast.Attribute)
            and child.attr in coloured_attrs
            and isinstance(child.value, ast.Name)
            and child.value.id == "self"
        ):
            return True
        if isinstance(child, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if isinstance(child, ast.comprehension) and child.is_async:
            return True
        if isinstance(child, ast.Name) and child.id in NAMES:
            return True
        if isinstance(child, ast.Attribute) and child.attr in NAMES:
            return True
        if isinstance(child, ast.If) and _is_marker(child):
            return True
    return False


def _is_interface(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """An abstract method, or an ``async def`` (it implements an awaitable interface)."""
    abstract = any(
        (isinstance(d, ast.Attribute) and d.attr == "abstractmethod")
        or (isinstance(d, ast.Name) and d.id == "abstractmethod")
        for d in node.decorator_list
    )
    return abstract or isinstance(node, ast.AsyncFunctionDef)


def functions_without_io(source: str) -> list[str]:
    """Qualified names of the top-level functions and methods of ``source`` (an async
    module) that await nothing and name nothing coloured."""
    tree = ast.parse(source)
    found: list[str] = []
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}

    def attrs_of(cls: ast.ClassDef) -> frozenset[str]:
        """Attributes of ``self`` given a coloured value, here or in a base class of
        this module."""
        attrs: set[str] = set()
        for base in cls.bases:
            if isinstance(base, ast.Name) and base.id in classes:
                attrs |= attrs_of(classes[base.id])
        for node in ast.walk(cls):
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            if _is_coloured(value):
                attrs |= {
                    t.attr
                    for t in targets
                    if isinstance(t, ast.Attribute)
                    and isinstance(t.value, ast.Name)
                    and t.value.id == "self"
                }
        return frozenset(attrs)

    def check(body: list[ast.stmt], prefix: str, coloured: frozenset[str]) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                check(node.body, f"{prefix}{node.name}.", attrs_of(node))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if any(_is_skip_sync(d) for d in node.decorator_list):
                    continue
                if not (_is_interface(node) or _is_coloured(node, coloured)):
                    found.append(prefix + node.name)

    check(tree.body, "", frozenset())
    return found


def no_io_report(sources: list[Path]) -> list[str]:
    lines = []
    for src in sources:
        rel = _show(src)
        if not rel.startswith(tuple(d + "/" for d in NO_IO_CHECKED_DIRS)):
            continue
        for name in functions_without_io(src.read_text(encoding="utf-8")):
            if f"{rel}::{name}" not in NO_IO_ALLOWED:
                lines.append(f"no I/O, written in both colours: {rel}::{name}")
    return lines


def _show(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _convert_file(src: Path) -> tuple[str, str | None]:
    """(sync text, None) or ("", why it failed)."""
    try:
        return convert_source(src.read_text(encoding="utf-8"), src.name, output_path(src)), None
    except (SyntaxError, ConversionError) as e:
        return "", str(e)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale outputs")
    parser.add_argument("files", nargs="*", type=Path, help="*_async.py files (default: all)")
    opts = parser.parse_args(argv)
    for f in opts.files:
        if not f.name.endswith(f"{SUFFIX}.py"):
            parser.error(f"{f} is not a *{SUFFIX}.py file")
    sources = sorted({f.resolve() for f in opts.files}) if opts.files else find_sources()
    for src in sources:
        if not src.is_file():
            print(f"skipped (no such file): {_show(src)}", file=sys.stderr)
    sources = [src for src in sources if src.is_file()]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(_convert_file, sources))
    bad = []
    for src, (text, error) in zip(sources, results, strict=True):
        out = output_path(src)
        if error is not None:
            bad.append(f"error: {_show(src)}: {error}")
            continue
        current = out.read_text(encoding="utf-8") if out.is_file() else None
        if current == text:
            continue
        if opts.check:
            bad.append(f"{'stale' if current is not None else 'missing'}: {_show(out)}")
        elif current is not None and not HEADER_RE.match(current):
            bad.append(f"error: {_show(out)} is not a generated file; delete it to generate it")
        else:
            out.write_text(text, encoding="utf-8")
            print(f"generated {_show(out)}")
    if opts.check:
        bad += [f"generated file without a source: {_show(p)}" for p in generated_orphans()]
        bad += no_io_report(sources)
    for line in bad:
        print(line, file=sys.stderr)
    if opts.check and bad:
        print("to regenerate: python tools/async_to_sync.py", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

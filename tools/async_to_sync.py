#!/usr/bin/env python3
"""Generate the sync twin of every ``*_async.py`` module (``x_async.py`` → ``x.py``).

The async file is the source of truth. The transform drops ``async``/``await``, renames
async names to their sync twins (``NAMES`` below), strips ``_async`` from imported module
names, keeps only the ``else`` branch of ``if True:  # ASYNC`` blocks, and removes
functions decorated with ``@skip_sync``. Output is formatted with ruff.

Usage: python tools/async_to_sync.py [--check] [FILE ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import ast_comments as ast

ROOT = Path(__file__).resolve().parent.parent
SEARCH_DIRS = ("river", "drivers/river_psycopg3", "tests")
HEADER = (
    "# WARNING: this file is generated from '{source}' by tools/async_to_sync.py.\n"
    "# DO NOT EDIT: edit the source and run the tool again.\n"
)
HEADER_MARK = "is generated from '"

# Async name → sync name. Extend this when a new async name appears in a source file.
NAMES: dict[str, str] = {
    "AsyncClient": "Client",
    "AsyncExecutor": "Executor",
    "AsyncDriver": "Driver",
    "AsyncListener": "Listener",
    "AsyncWorker": "Worker",
    "AsyncWorkerMiddleware": "WorkerMiddleware",
    "AsyncInsertMiddleware": "InsertMiddleware",
    "AsyncHook": "Hook",
    "AsyncMigrator": "Migrator",
    "AsyncPsycopgDriver": "PsycopgDriver",
    "AsyncPsycopgExecutor": "PsycopgExecutor",
    "AsyncPsycopgListener": "PsycopgListener",
    "AsyncConnectionPool": "ConnectionPool",
    "AsyncConnection": "Connection",
    "AsyncCursor": "Cursor",
    "AsyncTransaction": "Transaction",
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
    "AEvent": "Event",
    "ALock": "Lock",
    "AQueue": "Queue",
    "asleep": "sleep",
    "aspawn": "spawn",
    "agather": "gather",
    "AWorkPool": "WorkPool",
    "AsyncResumableMiddleware": "ResumableMiddleware",
    "AsyncBatchCompleter": "BatchCompleter",
    "AsyncJobExecutor": "JobExecutor",
    "AsyncProducer": "Producer",
    "AsyncNotifier": "Notifier",
    "AsyncSubscription": "Subscription",
    "AsyncSubscriptionManager": "SubscriptionManager",
    "AsyncElector": "Elector",
    "AsyncMaintainer": "Maintainer",
    "AsyncService": "Service",
    "AsyncJobScheduler": "JobScheduler",
    "AsyncJobRescuer": "JobRescuer",
    "AsyncJobCleaner": "JobCleaner",
    "AsyncQueueCleaner": "QueueCleaner",
    "AsyncPeriodicJobEnqueuer": "PeriodicJobEnqueuer",
    "AsyncReindexer": "Reindexer",
    "AsyncTestWorker": "TestWorker",
    "adriver": "driver",
    "aexecutor": "executor",
    "aclient": "client",
    "aopen_driver": "open_driver",
}


def _is_async_marker(node: ast.If) -> bool:
    first = node.body[0] if node.body else None
    return (
        isinstance(node.test, ast.Constant)
        and node.test.value is True
        and isinstance(first, ast.Comment)
        and first.value.strip() == "# ASYNC"
    )


def _sync_module(name: str) -> str:
    return ".".join(p[: -len("_async")] if p.endswith("_async") else p for p in name.split("."))


class AsyncToSync(ast.NodeTransformer):
    def visit_If(self, node: ast.If) -> Any:
        if _is_async_marker(node):
            return [self.visit(n) for n in node.orelse] or ast.Pass()
        self.generic_visit(node)
        return node

    def _function(self, node: Any, sync_cls: type) -> Any:
        for dec in node.decorator_list:
            if isinstance(dec, ast.Name) and dec.id == "skip_sync":
                return None
        self.generic_visit(node)
        new = sync_cls(**{f: getattr(node, f) for f in node._fields if hasattr(node, f)})
        return ast.copy_location(new, node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> Any:
        return self._function(node, ast.FunctionDef)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        node.name = NAMES.get(node.name, node.name)
        return self._function(node, ast.FunctionDef)

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        node.name = NAMES.get(node.name, node.name)
        self.generic_visit(node)
        return node

    def visit_AsyncWith(self, node: ast.AsyncWith) -> Any:
        self.generic_visit(node)
        return ast.copy_location(ast.With(items=node.items, body=node.body), node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> Any:
        self.generic_visit(node)
        new = ast.For(target=node.target, iter=node.iter, body=node.body, orelse=node.orelse)
        return ast.copy_location(new, node)

    def visit_Await(self, node: ast.Await) -> Any:
        return self.visit(node.value)

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        node.is_async = 0
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> Any:
        node.id = NAMES.get(node.id, node.id)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        self.generic_visit(node)
        node.attr = NAMES.get(node.attr, node.attr)
        return node

    def visit_arg(self, node: ast.arg) -> Any:
        node.arg = NAMES.get(node.arg, node.arg)
        self.generic_visit(node)
        return node

    def visit_Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, str) and node.value in NAMES:
            node.value = NAMES[node.value]
        return node

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        # AsyncGenerator[X, None] → Generator[X, None, None]
        self.generic_visit(node)
        if (
            isinstance(node.value, ast.Name)
            and node.value.id == "Generator"
            and isinstance(node.slice, ast.Tuple)
            and len(node.slice.elts) == 2
        ):
            node.slice.elts.append(ast.Constant(value=None))
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        if node.module:
            node.module = _sync_module(node.module)
        for alias in node.names:
            alias.name = NAMES.get(alias.name, alias.name)
        node.names = [a for a in node.names if a.name != "skip_sync"]
        return node if node.names else None

    def visit_Import(self, node: ast.Import) -> Any:
        for alias in node.names:
            alias.name = _sync_module(alias.name)
        return node


def _ruff(args: list[str], text: str, out_path: Path) -> str:
    cmd = [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(out_path), "-"]
    proc = subprocess.run(cmd, input=text, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode not in (0, 1) or not proc.stdout:
        raise SystemExit(f"ruff failed on {out_path}: {proc.stderr}")
    return proc.stdout


def convert_source(source: str, source_name: str, out_path: Path | None = None) -> str:
    tree = AsyncToSync().visit(ast.parse(source))
    ast.fix_missing_locations(tree)
    body = ast.unparse(tree)
    text = HEADER.format(source=source_name) + body + "\n"
    path = out_path or ROOT / "generated.py"
    text = _ruff(["check", "--fix", "--exit-zero", "-q"], text, path)
    return _ruff(["format", "-q"], text, path)


def output_path(source: Path) -> Path:
    return source.with_name(source.name.replace("_async.py", ".py"))


def find_sources() -> list[Path]:
    found: list[Path] = []
    for d in SEARCH_DIRS:
        found += [p for p in (ROOT / d).rglob("*_async.py") if "__pycache__" not in p.parts]
    return sorted(found)


def generated_orphans(sources: list[Path]) -> list[Path]:
    expected = {output_path(s) for s in sources}
    orphans = []
    for d in SEARCH_DIRS:
        for p in (ROOT / d).rglob("*.py"):
            if p in expected or "__pycache__" in p.parts:
                continue
            with p.open(encoding="utf-8") as f:
                if HEADER_MARK in f.readline():
                    orphans.append(p)
    return orphans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if an output is stale")
    parser.add_argument("files", nargs="*", type=Path)
    opts = parser.parse_args(argv)
    sources = [f.resolve() for f in opts.files] or find_sources()
    bad = []
    for src in sources:
        if not src.name.endswith("_async.py"):
            parser.error(f"{src} is not an *_async.py file")
        out = output_path(src)
        text = convert_source(src.read_text(encoding="utf-8"), src.name, out)
        current = out.read_text(encoding="utf-8") if out.exists() else None
        if current == text:
            continue
        rel = out.relative_to(ROOT)
        if opts.check:
            bad.append(f"stale or missing: {rel}")
        else:
            out.write_text(text, encoding="utf-8")
            print(f"generated {rel}")
    if opts.check and not opts.files:
        bad += [
            f"generated file without a source: {p.relative_to(ROOT)}"
            for p in generated_orphans(sources)
        ]
    for line in bad:
        print(line, file=sys.stderr)
    if bad:
        print("run: python tools/async_to_sync.py", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

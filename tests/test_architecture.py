"""The allowed import directions (ARCHITECTURE.md), read from the source with ``ast``.

Every import counts, also one inside a function (a deferred import is still a
dependency); imports under ``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = "river"
DRIVERS = ("river_psycopg3", "river_psycopg2", "river_asyncpg")
# Modules that ``import river`` must not load.
HEAVY = (
    "psycopg", "psycopg2", "psycopg_pool", "asyncpg", "sqlalchemy", "django",
    "starlette", "jinja2", "fastapi", "flask", "uvicorn", "opentelemetry",
    "prometheus_client", "river_psycopg3", "river_psycopg2", "river_asyncpg", "river.cli",
    "river.contrib", "river.ui",
)  # fmt: skip
# Layers from the bottom; a module may import its own layer and the ones below. A module
# of ``river`` not named here is colour-free logic (``LOGIC``); drivers stand beside.
LOGIC = "logic"
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("types", (
        "river.types", "river.job_list", "river.where_guard", "river._json_filter",
        "river.stored_json", "river.errors", "river._acompat", "river._lazy",
    )),
    ("driver", ("river.driver",)),
    (LOGIC, ()),
    ("runtime", ("river._internal",)),
    ("migrate", ("river.migrate",)),
    ("client", (
        "river.client", "river.client_async", "river.client_base", "river.client_bundles",
        "river.client_bundles_async", "river.client_bundles_base", "river.client_inserts",
        "river.client_inserts_async", "river.client_jobs", "river.client_jobs_async",
        "river.client_queues", "river.client_queues_async", "river.client_workflows",
        "river.client_workflows_async", "river.job_tx", "river.__init__",
    )),
    ("testing", ("river.testing",)),
    ("contrib", ("river.contrib", "river.ui")),
    ("cli", ("river.cli", "river.__main__")),
]


def _module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> Iterator[tuple[str, Path]]:
    for path in sorted((ROOT / LIBRARY).rglob("*.py")):
        yield _module_name(path, ROOT), path
    for name in DRIVERS:
        for path in sorted((ROOT / "drivers" / name).rglob("*.py")):
            yield _module_name(path, ROOT / "drivers"), path


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # ``from pkg import sub`` imports the submodule ``pkg.sub`` when there is one.
            found.update(f"{target}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    sources = dict(_sources())
    graph: dict[str, set[str]] = {}
    for module, path in sources.items():
        graph[module] = {name for name in _imports(module, path) if name in sources}
    return graph


GRAPH = _graph()


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _layer(module: str) -> int | None:
    if module == LIBRARY:  # the package's face re-exports the client's layer
        module = "river.__init__"
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(_within(module, p) for p in prefixes):
            return rank
    if _within(module, LIBRARY):
        return [name for name, _ in LAYERS].index(LOGIC)
    return None


def _package(module: str) -> str:
    """The node of the package graph: ``river.x`` for anything under ``river/x/``, the
    module itself for a top-level module, the driver package for a driver."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == LIBRARY else parts[0]


def test_the_graph_is_read() -> None:
    assert "river.driver.executor_async" in GRAPH["river.client_inserts_async"]
    assert "river.driver.executor" in GRAPH["river_psycopg3.driver"]


def test_no_cycles_among_packages() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in GRAPH.items():
        for target in targets:
            if _package(target) != _package(module):
                edges[_package(module)].add(_package(target))
    # Tarjan's strongly connected components.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted({_package(m) for m in GRAPH}):
        if node not in index:
            connect(node)
    assert cycles == []


def test_imports_go_down_the_layers() -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if (mine := _layer(module)) is not None
        and (theirs := _layer(target)) is not None
        and theirs > mine
    ]
    assert upward == []


def test_the_library_does_not_import_the_program() -> None:
    offenders = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if not _within(module, "river.cli") and module != "river.__main__"
        for target in targets
        if _within(target, "river.cli")
    ]
    assert offenders == []


def test_integrations_are_imported_only_by_the_program() -> None:
    wings = ("river.contrib", "river.ui")
    offenders = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if not _within(module, "river.cli")
        for target in targets
        for wing in wings
        if _within(target, wing) and not _within(module, wing)
    ]
    assert offenders == []


def test_the_library_does_not_import_the_drivers() -> None:
    # The wings above the client (integrations, the dashboard, the program) may build a
    # driver for the user; the core reaches drivers only through the plugin registry.
    wings = ("river.cli", "river.contrib", "river.ui")
    offenders = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if _package(module) not in DRIVERS and not any(_within(module, w) for w in wings)
        for target in targets
        if _package(target) in DRIVERS
    ]
    assert offenders == []


def test_drivers_use_only_public_river_api() -> None:
    # A driver (the driver layer, and each driver package) reaches the runtime only through
    # public modules (``river.job_tx``): the runtime may be rearranged under it.
    offenders = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if _within(module, "river.driver") or _package(module) in DRIVERS
        for target in targets
        if _within(target, "river._internal")
    ]
    assert offenders == []


def test_public_types_live_at_the_root() -> None:
    # What users name (insert results, hook parameters, job listings) is defined in a
    # public module of ``river``, not in the driver layer that uses it.
    public = {
        "JobInsertResult", "JobInsertFastParams", "JobListParams", "JobListOrderBy",
        "JobListCursor", "JobListResult", "JobListWhere",
    }  # fmt: skip
    defined = {
        node.name: module
        for module, path in _sources()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name in public
    }
    assert set(defined) == public
    assert {name: m for name, m in defined.items() if not m.startswith("river.") or
            m.count(".") != 1 or m.startswith("river._")} == {}


def test_import_river_loads_no_database_library_or_framework() -> None:
    code = (
        "import json, sys, river, river.migrate, river.testing\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    loaded = json.loads(out)
    heavy = [m for m in loaded if any(_within(m, h) for h in HEAVY)]
    assert heavy == []


def _names_any(annotation: ast.expr | None) -> bool:
    """Whether an annotation is ``Any`` (or a union with it), also as a string."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return False
    if isinstance(annotation, ast.Name):
        return annotation.id == "Any"
    if isinstance(annotation, ast.Attribute):
        return annotation.attr == "Any"
    if isinstance(annotation, ast.BinOp):
        return _names_any(annotation.left) or _names_any(annotation.right)
    return False


def _client_typed_any(path: Path) -> Iterator[str]:
    """Parameters and attributes named like a client (``client``, ``_client``, ...) whose
    annotation is ``Any``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            for arg in args:
                if "client" in arg.arg and _names_any(arg.annotation):
                    yield f"{path.relative_to(ROOT)}:{node.lineno} {node.name}({arg.arg})"
        elif isinstance(node, ast.AnnAssign):
            target = node.target
            name = getattr(target, "id", None) or getattr(target, "attr", "")
            if "client" in name and _names_any(node.annotation):
                yield f"{path.relative_to(ROOT)}:{node.lineno} {name}"


def test_no_any_back_references_into_the_client() -> None:
    # Below the client, a service or a job's context holds its client through a Protocol
    # (``river._internal.executor.seams``, ``river.context.JobClient``) that says what it may call,
    # never as ``Any``: a call up the layers through ``Any`` is one no check sees.
    below = [name for name, _ in LAYERS].index("client")
    sources = dict(_sources())
    offenders = [
        found
        for module, path in sources.items()
        if (layer := _layer(module)) is not None and layer < below
        for found in _client_typed_any(path)
    ]
    assert offenders == []


# SQL is written under ``river/driver/``. These files send SQL text of their own, each for
# the reason given; a file that no longer does must leave the list.
SQL_OUTSIDE_THE_DRIVER: dict[str, str] = {
    "river/cli/bench/cputime.py": "asks the server for its backend's pid, to read its CPU time",
    "river/cli/bench/running.py": "empties the benchmark's job table between measured runs",
    "river/cli/bench/schema.py": "creates, empties and watches the benchmark's own schema",
    "river/cli/bench/sqlloops.py": "the raw-SQL reference loops the benchmark measures against",
    "river/cli/bench/sqlloops_async.py": "the raw-SQL reference loops the benchmark measures against",
    "river/cli/localpg/server.py": "creates the local server's database in single-user mode",
    "river/contrib/django/schema.py": "creates the schema through Django's connection in a migration",
    "drivers/river_psycopg3/_copy.py": "the COPY statement psycopg's copy takes, from sql_job's columns",
    "drivers/river_psycopg2/_copy.py": "the COPY statement psycopg2's copy takes, from sql_job's columns",
    "drivers/river_psycopg3/driver.py": "the listener's LISTEN/UNLISTEN on its own connection",
    "drivers/river_psycopg3/driver_async.py": "the listener's LISTEN/UNLISTEN on its own connection",
    "drivers/river_psycopg2/driver.py": (
        "the listener's LISTEN/UNLISTEN, a liveness ping, and transactions and savepoints "
        "(psycopg2 has no API for them)"
    ),
    "drivers/river_asyncpg/driver.py": "the listener's liveness ping",
}  # fmt: skip
_SQL_KEYWORDS = (
    "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "CREATE", "ALTER", "DROP",
    "TRUNCATE", "COPY", "LISTEN", "UNLISTEN", "NOTIFY", "SET", "RESET", "SHOW", "GRANT",
    "REVOKE", "VACUUM", "ANALYZE", "REINDEX", "CLUSTER", "LOCK", "DO", "CALL", "BEGIN",
    "START", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PREPARE", "EXECUTE",
    "DEALLOCATE", "DISCARD", "EXPLAIN", "COMMENT",
)  # fmt: skip
_SQL_START = re.compile(rf"\s*({'|'.join(_SQL_KEYWORDS)})\b(\s|;|$)")
# Methods that send their first argument to the server (DB-API, asyncpg, the executors).
_SENDS = {"execute", "executemany", "fetch", "fetchrow", "fetchval", "fetch_all", "exec_script"}


def _text(node: ast.expr) -> str | None:
    """A string literal's text; an f-string's with each placeholder as ``x``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
    return None


def _sql_texts(path: Path) -> Iterator[str]:
    """SQL statements written in a file: string literals starting with an upper-case SQL
    keyword (docstrings aside), and any literal handed to a method that sends SQL."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and getattr(node.func, "attr", "") in _SENDS:
            sent = _text(node.args[0])
            if sent is not None and _SQL_START.match(sent.upper()):
                yield f"{path.relative_to(ROOT)}:{node.lineno} {sent.strip()[:40]!r}"
        if id(node) not in docstrings and isinstance(node, ast.Constant | ast.JoinedStr):
            text = _text(node)
            if text is not None and _SQL_START.match(text):
                yield f"{path.relative_to(ROOT)}:{node.lineno} {text.strip()[:40]!r}"


def test_sql_is_sent_only_from_the_driver_layer() -> None:
    found: dict[str, list[str]] = defaultdict(list)
    for _, path in _sources():
        relative = path.relative_to(ROOT).as_posix()
        if not relative.startswith("river/driver/"):
            for text in _sql_texts(path):
                found[relative].append(text)
    unlisted = [
        text for file, texts in found.items() if file not in SQL_OUTSIDE_THE_DRIVER for text in texts
    ]
    assert unlisted == [], "SQL belongs in river/driver/, or in SQL_OUTSIDE_THE_DRIVER with a reason"
    stale = sorted(set(SQL_OUTSIDE_THE_DRIVER) - set(found))
    assert stale == [], "these files send no SQL any more: take them off SQL_OUTSIDE_THE_DRIVER"


def test_the_sql_check_sees_sql() -> None:
    sample = ROOT / "river" / "driver" / "sql_leader.py"
    assert any("SELECT" in t or "INSERT" in t or "DELETE" in t for t in _sql_texts(sample))


def test_config_defaults_are_not_restated() -> None:
    # A default lives in ``Config``'s field; code reads it resolved
    # (``river._internal.runtime.settings``), never as ``seconds(config.x) or 0.1``.
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for _, path in _sources()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.BoolOp)
        and isinstance(node.op, ast.Or)
        and any(isinstance(v, ast.Call) and getattr(v.func, "id", "") == "seconds" for v in node.values)
        and any(isinstance(v, ast.Constant) and isinstance(v.value, int | float) and v.value for v in node.values)
    ]
    assert offenders == []

"""The documentation's code samples: every Python block runs in this suite or says it is a
fragment, and every program under docs/snippets/ prints the output it documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests._samples import documented_output, run_sample

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
SNIPPETS = sorted((DOCS / "snippets").glob("*.py"))

FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w+-]*)")
INCLUDE = re.compile(r'^\s*--8<--\s+"(?P<path>[^":]+)(?::[\w-]+)?"\s*$')
FRAGMENT = "<!-- fragment -->"
# Files whose programs the suite runs: top-level examples (tests/test_examples.py), the
# snippets (below), and the example projects and plugin run by their own tests.
RUN_ROOTS = (EXAMPLES, DOCS / "snippets")


def python_blocks(page: Path) -> list[tuple[int, list[str], str]]:
    """(line number, body lines, the previous non-blank line) of each Python block."""
    lines = page.read_text().splitlines()
    blocks: list[tuple[int, list[str], str]] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m["lang"]
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith("```"):
            j += 1
        if lang in ("python", "py", "pycon"):
            prev = next((ln.strip() for ln in reversed(lines[:start]) if ln.strip()), "")
            blocks.append((start + 1, lines[start + 1 : j], prev))
        i = j + 1
    return blocks


def is_run(path: Path) -> bool:
    path = path.resolve()
    return any(path.is_relative_to(r) for r in RUN_ROOTS) and path.suffix in (".py", ".toml")


def test_every_python_block_is_run_or_marked_as_a_fragment() -> None:
    problems: list[str] = []
    pages = [p for p in DOCS.rglob("*.md") if "snippets" not in p.parts]
    assert pages, "no documentation pages found"
    for page in pages:
        for line, body, prev in python_blocks(page):
            where = f"{page.relative_to(ROOT)}:{line}"
            if prev == FRAGMENT:
                continue
            includes = [INCLUDE.match(b) for b in body if b.strip()]
            if not includes or not all(includes):
                problems.append(f"{where}: not included from a tested file and not marked "
                                f"{FRAGMENT}")
                continue
            for m in includes:
                assert m is not None
                target = ROOT / m["path"]
                if not target.is_file():
                    problems.append(f"{where}: includes missing file {m['path']}")
                elif not is_run(target):
                    problems.append(f"{where}: {m['path']} is not run by the test suite")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("program", SNIPPETS, ids=[p.stem for p in SNIPPETS])
def test_snippet(program: Path, database_url: str) -> None:
    """Run as a reader would run it, with only ``DATABASE_URL`` set (tests/_samples.py)."""
    expected = documented_output(program)
    assert expected, f"{program.name} documents no output"
    done = run_sample(program, database_url, cwd=program.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == expected, done.stderr


PUBLIC_MODULES = ("river", "river.testing", "river.migrate", "river.ui", "river_psycopg3",
                  "river_psycopg2", "river_asyncpg")


def public_objects() -> list[tuple[str, object]]:
    import importlib
    import inspect
    import pkgutil

    names = list(PUBLIC_MODULES)
    contrib = importlib.util.find_spec("river.contrib")
    if contrib is not None and contrib.submodule_search_locations:
        names += [f"river.contrib.{m.name}" for m in
                  pkgutil.iter_modules(contrib.submodule_search_locations)
                  if not m.name.startswith("_")]
    found: list[tuple[str, object]] = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:  # an integration whose extra is not installed
            pytest.fail(f"{name} does not import with the dev extras: {exc}")
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismodule(obj):
                found.append((f"{name}.{attr}", obj))
    return found


def own_docstring(obj: object) -> str:
    """The object's own docstring: not inherited, not the signature dataclasses make up."""
    doc = (vars(obj).get("__doc__") if isinstance(obj, type) else obj.__doc__) or ""
    name = getattr(obj, "__name__", "")
    if isinstance(obj, type) and doc.startswith(f"{name}("):
        return ""
    return doc.strip()


def test_every_public_name_has_a_docstring() -> None:
    missing = sorted(name for name, obj in public_objects() if not own_docstring(obj))
    assert not missing, "public names without a docstring:\n" + "\n".join(missing)


#: River Go v0.43's ``Config`` fields and ``Client`` methods (client.go), each of which the
#: names table of docs/migrating/from-river-go.md must name.
RIVER_GO_CONFIG = (
    "AdvisoryLockPrefix CancelledJobRetentionPeriod CompletedJobRetentionPeriod "
    "DiscardedJobRetentionPeriod ErrorHandler FetchCooldown FetchPollInterval ID "
    "JobCleanerTimeout JobInsertMiddleware JobStuckHandler JobStuckThreshold JobTimeout "
    "Hooks Logger MaxAttempts Middleware Plugins PeriodicJobs PollOnly Queues "
    "ReindexerSchedule ReindexerIndexNames ReindexerTimeout RescueStuckJobsAfter "
    "RetryPolicy Schema SoftStopTimeout SkipJobKindValidation SkipUnknownJobCheck Test "
    "TestOnly Workers WorkerMiddleware"
).split()
RIVER_GO_CLIENT = (
    "Driver ID Insert InsertMany InsertManyFast InsertManyFastTx InsertManyTx InsertTx "
    "JobCancel JobCancelTx JobDelete JobDeleteMany JobDeleteManyTx JobDeleteTx JobGet "
    "JobGetTx JobList JobListTx JobRetry JobRetryTx JobUpdate JobUpdateTx Notify "
    "PeriodicJobs Pilot QueueGet QueueGetTx QueueList QueueListTx QueuePause QueuePauseTx "
    "QueueResume QueueResumeTx QueueUpdate QueueUpdateTx Queues RequestResign "
    "RequestResignTx Schema Start Stop StopAndCancel Stopped Subscribe SubscribeConfig"
).split()


def test_the_river_go_page_names_every_config_field_and_client_method() -> None:
    page = (DOCS / "migrating" / "from-river-go.md").read_text()
    table = page[page.index("## Names") :]
    table = table[: table.index("\n## ", 1)]

    def named(name: str) -> bool:
        if re.search(rf"\b{name}\b", table):
            return True
        # ``JobGet(+Tx)`` names both JobGet and JobGetTx.
        return name.endswith("Tx") and re.search(rf"\b{name[:-2]}\(\+Tx\)", table) is not None

    assert [n for n in RIVER_GO_CONFIG + RIVER_GO_CLIENT if not named(n)] == []


def test_the_readme_example_runs_as_it_stands(database_url: str, tmp_path: Path) -> None:
    """The README's one program, copied as a reader would copy it, with DATABASE_URL set."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Example\n") :]
    section = section[: section.index("\n## ")]
    blocks = re.findall(r"^```python\n(.*?)^```$", section, re.M | re.S)
    assert len(blocks) == 1, "the README's example section holds one Python program"
    program = tmp_path / "readme_example.py"
    program.write_text(blocks[0])
    done = run_sample(program, database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Sorted strings: ['bear', 'tiger', 'whale']"], done.stderr

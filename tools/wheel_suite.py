"""Build the distributions and test the package as users install it.

1. ``python -m build``: the sdist, then the wheel built from that sdist;
2. ``twine check --strict`` on both;
3. a new venv with the wheel installed (not editable), with the ``dev`` and ``ui`` extras;
4. the suites that must pass on an installed package (the examples, the command line, the
   dashboard's route and browser tests, the documentation's samples, the wheel's file
   list), run by that venv's Python from a copy of the tests outside the checkout, so
   that ``import river`` can only find the installed package (pytest puts the rootdir on
   ``sys.path``, and the CLI tests run ``python -m river`` from it).

Usage: ``python tools/wheel_suite.py [WORKDIR] [-- pytest args]`` (the ``wheel`` tox env).
Needs ``build`` and ``twine`` in the Python running it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the copied suites read besides themselves: the examples and documentation they
# run, the benchmark programs the CLI tests start, the README some docs tests read, and
# pyproject.toml for pytest's settings (its pythonpath "." is then the copy).
COPIED = ("tests", "examples", "docs", "benchmarks", "README.md", "pyproject.toml")
SUITES = (
    "tests/test_installed.py",
    "tests/test_packaging.py",
    "tests/test_examples.py",
    "tests/contrib/test_django_example.py",
    "tests/contrib/test_asgi_fastapi_example.py",
    "tests/cli",
    "tests/ui",
    "tests/test_docs.py",
)
TEST_DEPS = ("pytest-timeout>=2.3", "httpx>=0.27", "playwright>=1.45")


def run(*cmd: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, check=True)


def build(dist: Path) -> Path:
    run(sys.executable, "-m", "build", "--outdir", dist, ROOT)
    files = sorted(dist.iterdir())
    run(sys.executable, "-m", "twine", "check", "--strict", *files)
    (wheel,) = dist.glob("*.whl")
    return wheel


def install(wheel: Path, venv: Path) -> Path:
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", f"{wheel}[dev,ui]", *TEST_DEPS)
    return python


def copy_tree(tree: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=ignore)
        else:
            shutil.copy2(source, tree / name)


def main(argv: list[str]) -> int:
    pytest_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = argv[: argv.index("--")] if "--" in argv else argv
    work = Path(args[0]) if args else Path(tempfile.mkdtemp(prefix="river-wheel-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    wheel = build(work / "dist")
    python = install(wheel, work / "venv")
    copy_tree(work / "tree")
    env = {
        **os.environ,
        "RIVER_TEST_WHEEL": str(wheel),
        "RIVER_TEST_SOURCE_TREE": str(ROOT),
    }
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [str(python), "-m", "pytest", "-m", "not faults", *(pytest_args or SUITES)],
        cwd=work / "tree", env=env,
    )
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Every example under examples/ runs and prints the output its docstring documents."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROGRAMS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def documented_output(path: Path) -> list[str]:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    _, _, out = doc.partition("Output:\n")
    return [line for line in out.strip().splitlines()]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_example(program: Path, database_url: str) -> None:
    expected = documented_output(program)
    assert expected, f"{program.name} documents no output"
    done = subprocess.run(
        [sys.executable, str(program)], capture_output=True, text=True, timeout=120,
        cwd=EXAMPLES, env={**os.environ, "DATABASE_URL": database_url},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == expected, done.stderr

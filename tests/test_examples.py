"""Every example under examples/ runs and prints the output its docstring documents.

Each runs as a reader would run it, with only ``DATABASE_URL`` set (``tests/_samples.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests._samples import documented_output, run_sample

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROGRAMS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_example(program: Path, database_url: str) -> None:
    expected = documented_output(program)
    assert expected, f"{program.name} documents no output"
    done = run_sample(program, database_url, cwd=EXAMPLES)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == expected, done.stderr


def test_examples_need_no_helper_of_this_repository() -> None:
    """A reader copies an example as it stands: it imports nothing from examples/ or tests/."""
    assert not list(EXAMPLES.glob("_*.py"))
    local = re.compile(r"^\s*(from|import) (_(?!_future__)|tests\b)", re.M)
    for program in PROGRAMS:
        assert not local.search(program.read_text()), program.name

"""The built wheel holds every file of the source tree's packages, and every Python version
the package claims has a tox env that runs the suite on it.

The wheel is ``RIVER_TEST_WHEEL`` (the ``wheel`` tox env passes the one it built), else
one built here with ``python -m build`` (the sdist, then the wheel from it). The source
tree is ``RIVER_TEST_SOURCE_TREE`` (the wheel env runs this file from a copy of the
tests), else this checkout.
"""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel

SOURCE = Path(os.environ.get("RIVER_TEST_SOURCE_TREE") or Path(__file__).resolve().parents[1])


def package_roots(source: Path) -> list[Path]:
    """The import packages' folders: river/ and each package under drivers/."""
    drivers = sorted(p for p in (source / "drivers").iterdir() if (p / "__init__.py").is_file())
    assert drivers, "no driver packages under drivers/"
    return [source / "river", *drivers]


def source_package_files(source: Path) -> set[str]:
    """Every file of the packages, as its path inside a wheel: code, templates, static
    files, SQL, py.typed (not bytecode caches)."""
    files: set[str] = set()
    for root in package_roots(source):
        for path in root.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files.add(f"{root.name}/{path.relative_to(root).as_posix()}")
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("RIVER_TEST_WHEEL")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(SOURCE)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = out.glob("*.whl")
    return built


def test_the_wheel_holds_every_package_file_and_nothing_else(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist()
                   if not n.split("/", 1)[0].endswith(".dist-info")}
    expected = source_package_files(SOURCE)
    assert {"river/ui/templates/throughput.svg", "river/ui/static/style.css",
            "river/py.typed", "river_asyncpg/py.typed"} <= expected
    assert any(f.endswith(".sql") for f in expected)
    assert sorted(expected - shipped) == [], "in the source tree, missing from the wheel"
    assert sorted(shipped - expected) == [], "in the wheel, not in the source tree"


def claimed_versions() -> list[tuple[int, int]]:
    project = tomllib.loads((SOURCE / "pyproject.toml").read_text())["project"]
    found = [re.fullmatch(r"Programming Language :: Python :: (\d+)\.(\d+)", c)
             for c in project["classifiers"]]
    return sorted((int(m[1]), int(m[2])) for m in found if m)


def test_every_claimed_python_has_a_tox_env_running_the_suite() -> None:
    project = tomllib.loads((SOURCE / "pyproject.toml").read_text())["project"]
    floor = re.fullmatch(r">=\s*(\d+)\.(\d+)", project["requires-python"])
    assert floor, project["requires-python"]
    versions = claimed_versions()
    # The lowest claimed version is requires-python's floor: the default envs run on it
    # (.ci/run's python3); every other one has an env of its own.
    assert versions and versions[0] == (int(floor[1]), int(floor[2])), versions
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(SOURCE / "tox.ini")
    for major, minor in versions[1:]:
        section = f"testenv:py{major}{minor}"
        assert tox.has_section(section), f"Python {major}.{minor} is claimed: no [{section}]"
        assert tox[section]["basepython"] == f"python{major}.{minor}"
        # The suite the driver envs run ([testenv]'s commands), not a subset of it.
        assert "commands" not in tox[section], f"[{section}] runs a subset of the suite"

"""The ``wheel`` tox env runs its suites against the installed wheel, not the checkout.

``tools/wheel_suite.py`` installs the built wheel in a new venv and runs the tests from a
copy outside the checkout; this test fails if ``river`` would still come from a source
tree (an editable install, or a checkout on ``sys.path``).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel

PACKAGES = ("river", "river_psycopg3", "river_psycopg2", "river_asyncpg")


def test_river_is_imported_from_the_installed_wheel() -> None:
    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    for name in PACKAGES:
        module = importlib.import_module(name)
        assert module.__file__ is not None
        where = Path(module.__file__).resolve()
        assert where.is_relative_to(site_packages), f"{name} imported from {where}"
    direct_url = importlib.metadata.distribution("river-queue").read_text("direct_url.json")
    if direct_url is not None:  # installed from a file: it must be the wheel, not editable
        info = json.loads(direct_url)
        assert not info.get("dir_info", {}).get("editable"), info
        assert info["url"].endswith(".whl"), info

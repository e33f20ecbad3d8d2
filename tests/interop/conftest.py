"""The interop suite: River Go (built from ``gopeer``) and river-queue on one database.

It runs in the ``interop`` tox env only (the driver envs ignore ``tests/interop``), and
fails, never skips, when the Go toolchain is missing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.interop._gopeer import GoPeer, build

# The peer the interop tox env built; else the session builds it in a temporary folder.
BINARY_ENV = "RIVER_TEST_GOPEER"


@pytest.fixture(scope="session")
def gopeer_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = os.environ.get(BINARY_ENV)
    if built:
        if not os.access(built, os.X_OK):
            pytest.fail(f"{BINARY_ENV}={built!r} is not an executable", pytrace=False)
        return Path(built)
    return build(tmp_path_factory.mktemp("gopeer"))


@pytest.fixture(scope="session")
def gopeer(gopeer_binary: Path, database_url: str) -> Iterator[GoPeer]:
    yield GoPeer(gopeer_binary, database_url)

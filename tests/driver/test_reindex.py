# WARNING: this file is generated from 'test_reindex_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The reindexer's statements: index existence, rebuilds and their leftovers, cancelling a
labelled rebuild.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.driver._conformance import mixed_case_schema

pytestmark = pytest.mark.anyio


@pytest.fixture
def schema(driver: Any) -> Iterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    with mixed_case_schema(driver) as name:
        yield name


def test_index_exists_reindex_and_leftovers(executor: Any, schema: str) -> None:
    assert executor.index_exists(schema, "river_job_kind")
    assert not executor.index_exists(schema, "no_such_index")
    assert not executor.index_reindex_leftovers_exist(schema, "river_job_kind")
    executor.index_reindex(schema, "river_job_kind")
    assert executor.index_exists(schema, "river_job_kind")
    executor.exec_script(f'CREATE INDEX river_job_kind_ccnew ON "{schema}".river_job (kind)')
    assert executor.index_reindex_leftovers_exist(schema, "river_job_kind")


def test_index_reindex_labelled_and_cancel(executor: Any, schema: str) -> None:
    executor.index_reindex(schema, "river_job_kind", label="abc123")
    assert executor.index_exists(schema, "river_job_kind")
    assert not executor.index_reindex_leftovers_exist(schema, "river_job_kind")
    assert executor.index_reindex_cancel("abc123") == 0  # finished: nothing to cancel
    with pytest.raises(ValueError, match="letters and digits"):
        executor.index_reindex(schema, "river_job_kind", label="x */ DROP")

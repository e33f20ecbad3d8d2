"""The reindexer's statements: index existence, rebuilds and their leftovers, cancelling a
labelled rebuild.

Part of the driver conformance suite; ``_conformance_async.py`` holds the set-up
every driver runs in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.driver._conformance_async import mixed_case_schema

pytestmark = pytest.mark.anyio


@pytest.fixture
async def schema(adriver: Any) -> AsyncIterator[str]:
    """A migrated schema of its own, in mixed case (overrides the shared ``schema``)."""
    async with mixed_case_schema(adriver) as name:
        yield name


async def test_index_exists_reindex_and_leftovers(aexecutor: Any, schema: str) -> None:
    assert await aexecutor.index_exists(schema, "river_job_kind")
    assert not await aexecutor.index_exists(schema, "no_such_index")
    assert not await aexecutor.index_reindex_leftovers_exist(schema, "river_job_kind")
    await aexecutor.index_reindex(schema, "river_job_kind")
    assert await aexecutor.index_exists(schema, "river_job_kind")
    await aexecutor.exec_script(f'CREATE INDEX river_job_kind_ccnew ON "{schema}".river_job (kind)')
    assert await aexecutor.index_reindex_leftovers_exist(schema, "river_job_kind")


async def test_index_reindex_labelled_and_cancel(aexecutor: Any, schema: str) -> None:
    await aexecutor.index_reindex(schema, "river_job_kind", label="abc123")
    assert await aexecutor.index_exists(schema, "river_job_kind")
    assert not await aexecutor.index_reindex_leftovers_exist(schema, "river_job_kind")
    assert await aexecutor.index_reindex_cancel("abc123") == 0  # finished: nothing to cancel
    with pytest.raises(ValueError, match="letters and digits"):
        await aexecutor.index_reindex(schema, "river_job_kind", label="x */ DROP")

"""A schema without River's tables: the library says so in one typed error
(``river.SchemaNotMigratedError``), from the executor's statements and from a client's
``start``, instead of Postgres's "relation does not exist"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import river
from river.driver.params import JobListParams
from tests._client_helpers_async import make_config

pytestmark = pytest.mark.anyio


@dataclass
class NothingArgs:
    kind = "nothing"


class NothingWorker(river.AsyncWorker[NothingArgs]):
    async def work(self, job: river.Job[NothingArgs]) -> None:
        return None


async def test_statements_on_an_unmigrated_schema_raise_schema_not_migrated(
    adriver: Any, fresh_schema: str
) -> None:
    executor = adriver.get_executor(fresh_schema)
    with pytest.raises(river.SchemaNotMigratedError) as caught:
        await executor.job_list(JobListParams())
    assert caught.value.schema == fresh_schema
    assert caught.value.relation.startswith("river_")
    assert f"river migrate-up --schema {fresh_schema}" in str(caught.value)
    with pytest.raises(river.SchemaNotMigratedError):
        await executor.queue_list(10)


async def test_client_start_on_an_unmigrated_schema(adriver: Any, fresh_schema: str) -> None:
    workers = river.Workers()
    workers.add(NothingWorker())
    client = river.AsyncClient(adriver, make_config(fresh_schema, workers))
    with pytest.raises(river.SchemaNotMigratedError) as caught:
        await client.start()
    assert caught.value.schema == fresh_schema
    await client.stop()  # not started: nothing to stop, and no error either


async def test_client_start_names_the_schema_of_the_search_path(
    adriver: Any, database_url: str, fresh_schema: str
) -> None:
    # No schema configured: the error names the schema the search path led to.
    opened = await type(adriver).open(
        database_url, max_size=2, **_search_path(adriver, fresh_schema)
    )
    try:
        workers = river.Workers()
        workers.add(NothingWorker())
        client = river.AsyncClient(opened, make_config(None, workers))  # type: ignore[arg-type]
        with pytest.raises(river.SchemaNotMigratedError) as caught:
            await client.start()
        assert caught.value.schema == fresh_schema
    finally:
        await opened.close()


def _search_path(adriver: Any, schema: str) -> dict[str, Any]:
    if adriver.name == "asyncpg":
        return {"server_settings": {"search_path": schema}}
    if adriver.name == "psycopg2":
        return {"options": f"-c search_path={schema}"}
    return {"options": f"-c search_path={schema}"}

"""examples/fastapi_sqlalchemy driven through httpx.ASGITransport with the app's lifespan
(startup starts the River client, shutdown stops it)."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from tests._client_helpers_async import wait_for
from tests.contrib._orm import SA_DIALECTS, job_kinds, sa_url

pytestmark = pytest.mark.anyio

APP = Path(__file__).resolve().parents[2] / "examples" / "fastapi_sqlalchemy" / "app.py"
_loaded = itertools.count()


def load_app(monkeypatch: pytest.MonkeyPatch, url: str, schema: str) -> ModuleType:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RIVER_SCHEMA", schema)
    name = f"fastapi_example_{next(_loaded)}"
    spec = importlib.util.spec_from_file_location(name, APP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


async def test_request_enqueues_in_its_transaction_and_lifespan_works_it(
    adriver: Any, schema: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = load_app(monkeypatch, sa_url(database_url, SA_DIALECTS[adriver.name]), schema)
    await example.create_tables()
    try:
        async with LifespanManager(example.app) as manager:
            client = example.app.state.river
            assert client.started
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
                created = await http.post("/notes", json={"body": "hello"})
                assert created.status_code == 201, created.text
                note_id = created.json()["id"]

                async def processed() -> bool:
                    got = await http.get(f"/notes/{note_id}")
                    return bool(got.json()["processed"])

                await wait_for(processed)
                refused = await http.post("/notes", json={"body": "fail"})
                assert refused.status_code == 422
                missing = await http.get(f"/notes/{note_id + 1}")
                assert missing.status_code == 404
        assert not client.started  # shutdown stopped the client
        assert job_kinds(database_url, schema) == ["process_note"]
        assert example.engine.pool.checkedout() == 0
    finally:
        await example.engine.dispose()

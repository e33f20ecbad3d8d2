"""The dashboard on a schema without River's tables: every page says what to run, with
a 503 page rather than a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from river.ui import create_app

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("path", ["/", "/queues", "/jobs", "/jobs?state=completed", "/jobs/1",
                                  "/throughput.svg"])
async def test_every_page_says_to_migrate(adriver: Any, fresh_schema: str, path: str) -> None:
    app = create_app(adriver, schema=fresh_schema)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://ui") as http:
        response = await http.get(path)
    assert response.status_code == 503
    assert f"River&#39;s tables are not in schema &#39;{fresh_schema}&#39;" in response.text
    assert f"river migrate-up --schema {fresh_schema}" in response.text

"""Attacks on the dashboard from a real browser (Debian's chromium driven by Playwright):
a page on another port of the same host plants the dashboard's cookies and posts a form
with a genuine token; a page frames the dashboard. Both must fail. Also: a long unbroken
error line stays inside the page."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from river.driver.params import JobInsertFastParams
from river.types import AttemptError
from river.ui import create_app
from tests.ui._browser import serve
from tests.ui._seed import seed_every_state

pytestmark = pytest.mark.anyio


@pytest.fixture
async def dashboard(adriver: Any, schema: str) -> AsyncIterator[str]:
    async with serve(create_app(adriver, schema=schema)) as url:
        yield url


def _evil_site(page_html: str) -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(page_html)

    return Starlette(routes=[Route("/", page)])


async def test_cookie_planting_from_another_port_cannot_delete_a_job(
    browser: Browser, dashboard: str, aexecutor: Any
) -> None:
    ids = await seed_every_state(aexecutor)
    target = ids["completed"]
    # What the attacker can get by visiting the dashboard itself: a genuine session
    # cookie and the token that goes with it.
    async with httpx.AsyncClient(base_url=dashboard) as attacker:
        page = await attacker.get("/queues")
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match is not None
        token = match.group(1)
        cookies = dict(attacker.cookies)
    plant = "".join(
        f"document.cookie = {json.dumps(f'{name}={value}; path=/')};"
        for name, value in {**cookies, "river_ui_csrf": token}.items()
    )
    html = f"""<!doctype html><body>
<form id="f" method="post" action="{dashboard}/jobs/{target}/delete">
<input type="hidden" name="csrf_token" value="{token}"></form>
<script>{plant} document.getElementById("f").submit();</script></body>"""
    async with serve(_evil_site(html)) as evil:
        assert evil.rsplit(":", 1)[1] != dashboard.rsplit(":", 1)[1]
        tab = await browser.new_page()
        async with tab.expect_response(f"{dashboard}/jobs/{target}/delete") as info:
            await tab.goto(evil + "/")
        response = await info.value
        assert response.status == 403
        assert "another site" in await response.text()
        # The cookies were planted: the refusal is the origin check's, not a missing cookie.
        planted = {c["name"] for c in await tab.context.cookies(dashboard)}
        assert "river_ui_session" in planted
    assert await aexecutor.job_get_by_id(target) is not None


async def test_a_page_framing_the_dashboard_is_refused(
    browser: Browser, dashboard: str, aexecutor: Any
) -> None:
    await seed_every_state(aexecutor)
    html = f'<!doctype html><body><iframe id="f" src="{dashboard}/jobs"></iframe></body>'
    async with serve(_evil_site(html)) as evil:
        tab = await browser.new_page()
        async with tab.expect_response(f"{dashboard}/jobs") as info:
            await tab.goto(evil + "/")
        response = await info.value
        assert "frame-ancestors 'none'" in (await response.all_headers())["content-security-policy"]
        await tab.wait_for_load_state("load")
        [frame] = [f for f in tab.frames if f is not tab.main_frame]
        # Chromium shows its own error page in place of the refused document.
        assert not frame.url.startswith(dashboard)
        assert "River" not in await frame.content()


async def test_a_long_error_line_stays_inside_the_page(
    browser: Browser, dashboard: str, aexecutor: Any
) -> None:
    [result] = await aexecutor.job_insert_fast_many(
        [JobInsertFastParams(encoded_args=json.dumps({"blob": "x" * 3000}), kind="wide")]
    )
    error = AttemptError(
        at=result.job.created_at, attempt=1, error="E" * 5000, trace="T" * 5000
    ).to_json()
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET state = 'retryable', attempt = 1, "
        "attempted_at = now(), errors = ARRAY[@error::jsonb], scheduled_at = now() + "
        "interval '1 hour' WHERE id = @id::bigint",
        {"error": error, "id": result.job.id},
    )
    tab = await browser.new_page(viewport={"width": 1280, "height": 800})
    for path in (f"/jobs/{result.job.id}", "/jobs?state=retryable"):
        await tab.goto(dashboard + path)
        overflow = await tab.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path

"""The dashboard's features in a real browser (Debian's chromium driven by Playwright):
live refresh without a reload, everything without JavaScript, copy buttons, foldable
JSON, enqueueing, the queue page, dark mode, and no page breaking its own CSP.
Screenshots of the new pages go to ``$RIVER_UI_SCREENSHOTS``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from river.driver.params import JobInsertFastParams, JobListParams
from river.types import JobState
from river.ui import create_app
from tests.ui._browser import screenshots, serve
from tests.ui._seed import seed_every_state

pytestmark = pytest.mark.anyio


@pytest.fixture
async def server(adriver: Any, schema: str, aexecutor: Any) -> AsyncIterator[str]:
    await seed_every_state(aexecutor)
    async with serve(create_app(adriver, schema=schema)) as url:
        yield url


async def test_live_refresh_without_a_reload(browser: Browser, server: str, aexecutor: Any) -> None:
    page = await browser.new_page()
    await page.goto(server + "/jobs?state=available")
    picker = page.locator("select[data-refresh]")
    await expect(picker).to_be_visible()
    await expect(picker).to_have_value("0")  # paused until chosen
    await picker.select_option("1")
    await page.evaluate("window.__same_document = true")
    [result] = await aexecutor.job_insert_fast_many(
        [JobInsertFastParams(encoded_args="{}", kind="arrived_later")]
    )
    await expect(page.locator(f"a[href='/jobs/{result.job.id}']")).to_be_visible()
    await expect(page.locator("nav.tabs a[aria-current] .count")).to_have_text("2")
    assert await page.evaluate("window.__same_document") is True  # no reload
    # The choice is kept: another page starts refreshing at once.
    await page.goto(server + "/queues")
    await expect(page.locator("select[data-refresh]")).to_have_value("1")


async def test_everything_works_without_javascript(
    browser: Browser, server: str, aexecutor: Any
) -> None:
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(server + "/jobs?state=discarded")
    await expect(page.locator("select[data-refresh]")).to_be_hidden()
    await page.click("a.button:has-text('Retry all')")
    await expect(page.locator("#confirm-count")).to_contain_text("1 job matches")
    await page.screenshot(path=str(screenshots() / "confirm.png"), full_page=True)
    await page.click("button:has-text('Retry 1 job')")
    await expect(page.locator(".notice")).to_contain_text("1 job retried")
    job_id = (await aexecutor.job_list(JobListParams(kinds=["report_discarded"])))[0].id
    assert (await aexecutor.job_get_by_id(job_id)).state is JobState.AVAILABLE
    await page.goto(f"{server}/jobs/{job_id}")
    await expect(page.locator("button[data-copy]").first).to_be_hidden()
    await context.close()


async def test_job_page_copy_and_fold(browser: Browser, server: str, aexecutor: Any) -> None:
    [result] = await aexecutor.job_insert_fast_many(
        [
            JobInsertFastParams(
                encoded_args=json.dumps({"order": {"id": 7, "lines": [1, 2, 3]}, "note": "hi"}),
                kind="fold_me",
            )
        ]
    )
    context = await browser.new_context(viewport={"width": 1360, "height": 900})
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = await context.new_page()
    await page.goto(f"{server}/jobs/{result.job.id}")
    tree = page.locator("#args-tree")
    await expect(tree).to_contain_text('"lines"')
    await page.screenshot(path=str(screenshots() / "job-tree.png"), full_page=True)
    nested = tree.locator("details details").first
    await nested.locator("summary").first.click()
    assert await nested.evaluate("d => d.open") is False
    await page.click("button[data-copy='args']")
    await expect(page.locator("button[data-copy='args']")).to_have_text("Copied")
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert json.loads(copied) == {"order": {"id": 7, "lines": [1, 2, 3]}, "note": "hi"}
    await context.close()


async def test_enqueue_and_the_queue_page(browser: Browser, server: str, aexecutor: Any) -> None:
    page = await browser.new_page(viewport={"width": 1360, "height": 900})
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.goto(server + "/")
    await page.click("header nav >> text=Enqueue")
    await page.fill("input[name=kind]", "send_email")
    await page.fill("textarea[name=args]", '{"to": "ops@example.com"}')
    await page.fill("input[name=queue]", "billing")
    await page.select_option("select[name=priority]", "2")
    await page.screenshot(path=str(screenshots() / "enqueue.png"), full_page=True)
    await page.click("button:has-text('Insert')")
    await expect(page.locator(".notice")).to_contain_text("inserted (available)")
    id = int(page.url.rsplit("/", 1)[1])
    job = await aexecutor.job_get_by_id(id)
    assert (job.kind, job.queue, job.priority) == ("send_email", "billing", 2)

    await page.goto(server + "/queues")
    await page.click("a[href='/queue?name=billing']")
    await expect(page.locator("h1")).to_contain_text("billing")
    await expect(page.locator("#clients")).to_contain_text("client-a")
    await page.screenshot(path=str(screenshots() / "queue.png"), full_page=True)
    await page.fill("textarea[name=metadata]", '{"owner": "payments"}')
    await page.click("button:has-text('Save metadata')")
    await expect(page.locator(".notice")).to_have_text("Queue billing's metadata saved.")
    assert (await aexecutor.queue_get("billing")).metadata == {"owner": "payments"}
    await page.click("button:has-text('Pause')")
    await expect(page.locator(".notice")).to_have_text("Queue billing paused.")
    await expect(page.locator("h1 .badge.paused")).to_be_visible()


async def test_dark_mode(browser: Browser, server: str) -> None:
    page = await browser.new_page(color_scheme="dark", viewport={"width": 1360, "height": 900})
    await page.goto(server + "/jobs?state=discarded")
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 19, 27)"
    await page.screenshot(path=str(screenshots() / "jobs-dark.png"), full_page=True)
    light = await browser.new_page(color_scheme="light")
    await light.goto(server + "/")
    assert await light.evaluate("getComputedStyle(document.body).backgroundColor") == (
        "rgb(247, 248, 250)"
    )


async def test_no_page_breaks_its_own_policy(browser: Browser, server: str, aexecutor: Any) -> None:
    page = await browser.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: messages.append(str(e)))
    first = (await aexecutor.job_list(JobListParams(limit=1)))[0].id
    for path in (
        "/",
        "/queues",
        "/queue?name=billing",
        "/jobs",
        "/jobs?state=discarded",
        f"/jobs/{first}",
        "/jobs/new",
        "/jobs/confirm?action=delete&state=completed",
        "/nowhere",
    ):
        await page.goto(server + path)
        await page.wait_for_load_state("load")
    assert [m for m in messages if "404" not in m] == []

"""The dashboard in a real browser (Debian's chromium driven by Playwright) against a real
database and a running client: overview, filters, a failed job's traceback, retry,
cancelling a running job, pausing and resuming a queue. Screenshots of each page go to
``$RIVER_UI_SCREENSHOTS`` (default: a temporary folder)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

import river
from river.driver.params import JobInsertFastParams
from river.types import AttemptError, JobState
from river.ui import create_app
from tests._client_helpers_async import make_config, started, wait_for_state
from tests.ui._browser import screenshots, serve
from tests.ui._seed import TRACE, seed_every_state

pytestmark = pytest.mark.anyio


@dataclass
class FlakyArgs:
    kind = "flaky"
    invoice: int


@dataclass
class SlowArgs:
    kind = "slow"


class FlakyWorker(river.AsyncWorker[FlakyArgs]):
    async def work(self, job: river.Job[FlakyArgs]) -> None:
        return None  # fixed since it was discarded


class SlowWorker(river.AsyncWorker[SlowArgs]):
    async def work(self, job: river.Job[SlowArgs]) -> None:
        await asyncio.sleep(300)


@pytest.fixture
async def server(adriver: Any, schema: str) -> AsyncIterator[str]:
    async with serve(create_app(adriver, schema=schema)) as url:
        yield url


async def _discarded_flaky_job(aexecutor: Any) -> int:
    [result] = await aexecutor.job_insert_fast_many(
        [JobInsertFastParams(encoded_args=json.dumps({"invoice": 42}), kind="flaky")]
    )
    error = AttemptError(
        at=result.job.created_at, attempt=1, error="card declined", trace=TRACE
    ).to_json()
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET state = 'discarded', attempt = 1, "
        "attempted_at = now(), finalized_at = now(), attempted_by = ARRAY['client-a'], "
        "errors = ARRAY[@error::jsonb] WHERE id = @id::bigint",
        {"error": error, "id": result.job.id},
    )
    return int(result.job.id)


async def test_operator_walkthrough(
    browser: Browser, server: str, adriver: Any, aexecutor: Any, schema: str
) -> None:
    shots = screenshots()
    await seed_every_state(aexecutor)
    failed_id = await _discarded_flaky_job(aexecutor)
    workers = river.Workers()
    workers.add(FlakyWorker())
    workers.add(SlowWorker())
    client = river.AsyncClient(adriver, make_config(schema, workers))
    async with started(client):
        slow = await client.insert(SlowArgs())
        await wait_for_state(client, slow.job.id, JobState.RUNNING)

        page: Page = await browser.new_page(viewport={"width": 1360, "height": 900})
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))

        # Overview: counts by state, the chart, queues.
        await page.goto(server + "/")
        await expect(page.locator("h1")).to_have_text("Overview")
        await expect(page.locator(".card.discarded .value")).to_have_text("2")
        chart = page.locator("img.chart")
        await expect(chart).to_be_visible()
        assert await chart.evaluate("img => img.complete && img.naturalWidth > 0")
        await expect(page.locator("table.grid")).to_contain_text("billing")
        await page.screenshot(path=str(shots / "overview.png"), full_page=True)

        # Jobs: a state tab, then a filter by kind.
        await page.click("header nav >> text=Jobs")
        await page.click("nav.tabs >> text=discarded")
        await expect(page.locator("table.jobs tbody tr")).to_have_count(2)
        await page.fill("input[name=kind]", "flaky")
        await page.click("form.filters button")
        await expect(page.locator("table.jobs tbody tr")).to_have_count(1)
        assert "kind=flaky" in page.url
        await page.screenshot(path=str(shots / "jobs.png"), full_page=True)

        # The failed job: its traceback, then retry it and see it complete.
        await page.click(f"a[href='/jobs/{failed_id}']")
        await expect(page.locator("pre.trace")).to_contain_text("ValueError: card declined")
        await page.screenshot(path=str(shots / "job-failed.png"), full_page=True)
        await page.click("button:has-text('Retry')")
        await expect(page.locator(".notice")).to_have_text(f"1 job retried: {failed_id}.")
        await wait_for_state(client, failed_id, JobState.COMPLETED)
        await page.reload()
        await expect(page.locator("h1 .state")).to_have_text("completed")

        # Cancel the running job; its worker is stopped and the job ends cancelled.
        await page.goto(f"{server}/jobs/{slow.job.id}")
        await expect(page.locator("h1 .state")).to_have_text("running")
        await page.screenshot(path=str(shots / "job-running.png"), full_page=True)
        await page.click("button:has-text('Cancel')")
        await expect(page.locator(".notice")).to_contain_text("1 job running, told to stop")
        await wait_for_state(client, slow.job.id, JobState.CANCELLED)
        await page.reload()
        await expect(page.locator("h1 .state")).to_have_text("cancelled")

        # Pause and resume a queue.
        await page.goto(server + "/queues")
        row = page.locator("tr[data-queue='billing']")
        await row.locator("button:has-text('Pause')").click()
        await expect(page.locator(".notice")).to_have_text("Queue billing paused.")
        await expect(row.locator(".badge.paused")).to_be_visible()
        assert (await aexecutor.queue_get("billing")).paused_at is not None
        await page.screenshot(path=str(shots / "queues.png"), full_page=True)
        await row.locator("button:has-text('Resume')").click()
        await expect(page.locator(".notice")).to_have_text("Queue billing resumed.")
        await expect(row.locator(".badge.paused")).to_have_count(0)
        assert (await aexecutor.queue_get("billing")).paused_at is None

        # The <script> seeded into args and errors was shown, never run.
        await page.goto(server + "/jobs?state=discarded")
        await expect(page.locator("table.jobs")).to_contain_text("<script>")
        assert await page.evaluate("window.__pwned") is None


async def test_bulk_retry_in_the_browser(browser: Browser, server: str, aexecutor: Any) -> None:
    ids = await seed_every_state(aexecutor)
    page = await browser.new_page()
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.goto(server + "/jobs?state=discarded")
    await page.check("input[data-select-all]")
    await page.click("button:has-text('Retry selected')")
    await expect(page.locator(".notice")).to_have_text(f"1 job retried: {ids['discarded']}.")
    assert (await aexecutor.job_get_by_id(ids["discarded"])).state is JobState.AVAILABLE

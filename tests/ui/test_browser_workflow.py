"""The workflow pages in a real browser (Debian's chromium driven by Playwright) with a
running client: a workflow whose task failed is drawn with its tasks in columns by depth
and coloured by state (light and dark), and Retry failed tasks runs it to completion.
Screenshots go to ``$RIVER_UI_SCREENSHOTS``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import Browser, expect

import river
from river.types import JobState
from river.ui import create_app
from tests._client_helpers_async import make_config, started, wait_for_state
from tests.ui._browser import screenshots, serve

pytestmark = pytest.mark.anyio

FINISHED = {JobState.COMPLETED, JobState.CANCELLED, JobState.DISCARDED}


@dataclass
class EtlArgs:
    kind = "ui_browser_etl"
    step: str


class EtlWorker(river.AsyncWorker[EtlArgs]):
    def __init__(self) -> None:
        self.broken = True

    async def work(self, job: river.Job[EtlArgs]) -> None:
        if job.args.step == "clean" and self.broken:
            raise RuntimeError("cleaning failed")


async def _until_finished(client: Any, workflow_id: str) -> dict[str, JobState]:
    while True:
        states: dict[str, JobState] = (await client.workflow_get(workflow_id)).states
        if all(s in FINISHED for s in states.values()):
            return states
        await asyncio.sleep(0.05)


async def test_workflow_graph_and_retry_in_the_browser(
    browser: Browser, adriver: Any, schema: str
) -> None:
    shots = screenshots()
    worker = EtlWorker()
    workers = river.Workers()
    workers.add(worker)
    client = river.AsyncClient(adriver, make_config(schema, workers))
    wf = river.Workflow("nightly-etl", id="wf-browser")
    opts = river.InsertOpts(max_attempts=1)
    extract = wf.add("extract", EtlArgs("extract"), opts)
    clean = wf.add("clean", EtlArgs("clean"), opts, deps=[extract])
    stats = wf.add("stats", EtlArgs("stats"), opts, deps=[extract])
    load = wf.add("load", EtlArgs("load"), opts, deps=[clean, stats])
    wf.add("report", EtlArgs("report"), opts, deps=[load])
    async with started(client), serve(create_app(adriver, schema=schema)) as server:
        await client.insert_workflow(wf)
        assert await asyncio.wait_for(_until_finished(client, wf.id), 10) == {
            "extract": JobState.COMPLETED, "clean": JobState.DISCARDED,
            "stats": JobState.COMPLETED, "load": JobState.CANCELLED,
            "report": JobState.CANCELLED,
        }

        page = await browser.new_page(viewport={"width": 1360, "height": 900})
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        await page.goto(server + "/workflows")
        await page.click("text=nightly-etl")
        await expect(page.locator("h1")).to_have_text("Workflow nightly-etl")

        tasks = page.locator("svg.dag a.task")
        await expect(tasks).to_have_count(5)
        await expect(page.locator("svg.dag path.edge")).to_have_count(5)
        boxes = {}
        for i in range(5):
            task = tasks.nth(i)
            name = await task.locator("text.name").text_content()
            box = await task.locator("rect.box").bounding_box()
            assert name is not None and box is not None
            boxes[name] = box
        assert boxes["extract"]["x"] < boxes["clean"]["x"] == boxes["stats"]["x"]
        assert boxes["stats"]["x"] < boxes["load"]["x"] < boxes["report"]["x"]
        assert boxes["clean"]["y"] != boxes["stats"]["y"]
        stripe = page.locator("a.task[data-task-state='discarded'] rect.stripe")
        assert await stripe.evaluate("r => getComputedStyle(r).fill") == "rgb(208, 68, 62)"
        completed = page.locator("a.task[data-task-state='completed'] rect.stripe").first
        assert await completed.evaluate("r => getComputedStyle(r).fill") == "rgb(47, 158, 98)"
        await page.screenshot(path=str(shots / "workflow-failed.png"), full_page=True)

        dark = await browser.new_page(color_scheme="dark", viewport={"width": 1360, "height": 900})
        await dark.goto(f"{server}/workflow?id={wf.id}")
        box_fill = "r => getComputedStyle(r).fill"
        assert await dark.locator("rect.box").first.evaluate(box_fill) == "rgb(28, 34, 48)"
        badge = dark.locator("dd .state.cancelled")
        assert await badge.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(38, 45, 59)"
        await dark.screenshot(path=str(shots / "workflow-dark.png"), full_page=True)
        await dark.close()

        # Retry: clean runs again (fixed now), then load and report.
        worker.broken = False
        await page.click("button:has-text('Retry failed tasks')")
        await expect(page.locator(".notice")).to_have_text(
            "Workflow wf-browser: 3 tasks retried: clean, load, report."
        )
        info = await client.workflow_get(wf.id)
        await wait_for_state(client, info.task("report").job.id, JobState.COMPLETED)
        await page.reload()
        await expect(page.locator("svg.dag a.task[data-task-state='completed']")).to_have_count(5)
        await expect(page.locator("button:has-text('Retry failed tasks')")).to_be_disabled()
        await page.screenshot(path=str(shots / "workflow-retried.png"), full_page=True)

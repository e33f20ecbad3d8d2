"""Each of the dashboard's fixed defects, and the job list and schema features, seen from a
real browser (Debian's chromium driven by Playwright): a job with JSON too deep to decode
is listed, shown and deleted; a retry whose unique key a live job holds is a 409 page
naming it; an args filter with NaN is a 400 page naming it; a URL cannot make a notice,
and retrying a running job says it was not retried; error pages have navigation, bidi
controls are shown as code points, and pausing and resuming leaves an idle queue idle; the
state tabs count in lifecycle order, failed rows show their last error, the metadata
filter; several schemas with a switcher, and /health."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from river.driver.params import JobInsertFastParams
from river.types import JobState
from river.ui import create_app
from tests.ui._browser import serve
from tests.ui._seed import XSS, seed_every_state
from tests.ui.test_deep_json import _insert as insert_raw
from tests.ui.test_deep_json import _nested
from tests.ui.test_defects import _unique_pair

pytestmark = pytest.mark.anyio

RLO = "\u202e"


@pytest.fixture
async def server(adriver: Any, schema: str) -> AsyncIterator[str]:
    async with serve(create_app(adriver, schema=schema)) as url:
        yield url


async def _page(browser: Browser) -> Page:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    return page


# -- defects ------------------------------------------------------------------------------


async def test_a_job_too_deep_to_decode_is_listed_shown_and_deleted(
    browser: Browser, server: str, database_url: str, schema: str, aexecutor: Any
) -> None:
    id = insert_raw(database_url, schema, JobState.DISCARDED, _nested(1_000), "{}")
    page = await _page(browser)
    await page.goto(f"{server}/jobs?state=discarded")
    await expect(page.locator(f"a[href='/jobs/{id}']")).to_be_visible()
    response = await page.goto(f"{server}/jobs/{id}")
    assert response is not None and response.status == 200
    await expect(page.locator("body")).to_contain_text("Not decoded")
    await page.click("button:has-text('Delete')")
    await expect(page.locator(".notice")).to_contain_text(f"1 job deleted: {id}")
    assert page.url.endswith("/jobs")
    assert await aexecutor.job_get_by_id(id) is None


async def test_a_retry_clashing_with_a_live_unique_job_is_a_409_page_naming_it(
    browser: Browser, server: str, aexecutor: Any
) -> None:
    old, holder = await _unique_pair(aexecutor)
    page = await _page(browser)
    await page.goto(f"{server}/jobs/{old}")
    async with page.expect_response(f"{server}/jobs/{old}/retry") as info:
        await page.click("button:has-text('Retry')")
    assert (await info.value).status == 409
    await expect(page.locator("main")).to_contain_text(
        f"Job {old} cannot be retried: its unique key is held by job {holder}"
    )
    await expect(page.locator("header nav")).to_be_visible()
    assert (await aexecutor.job_get_by_id(old)).state is JobState.DISCARDED


async def test_an_args_filter_with_nan_is_a_400_page_naming_it(
    browser: Browser, server: str
) -> None:
    page = await _page(browser)
    await page.goto(f"{server}/jobs")
    await page.fill("input[name=q]", '{"n": NaN}')
    async with page.expect_response(re.compile(r".*/jobs\?.*q=.*")) as info:
        await page.click("form.filters button")
    assert (await info.value).status == 400
    await expect(page.locator("main")).to_contain_text("NaN")


async def test_notices_are_only_what_the_action_did(
    browser: Browser, server: str, aexecutor: Any
) -> None:
    ids = await seed_every_state(aexecutor)
    page = await _page(browser)
    await page.goto(f"{server}/jobs?notice=deleted&count=999999")
    await expect(page.locator("table.jobs")).to_be_visible()
    await expect(page.locator(".notice")).to_have_count(0)
    # The job page offers no Retry for a running job; the list's bulk action does.
    await page.goto(f"{server}/jobs?state=running")
    await page.check(f"input[name=ids][value='{ids['running']}']")
    await page.click("button:has-text('Retry selected')")
    await expect(page.locator(".notice")).to_have_text(
        f"1 job not retried (running): {ids['running']}."
    )
    assert (await aexecutor.job_get_by_id(ids["running"])).state is JobState.RUNNING


async def test_error_pages_bidi_and_an_idle_queue(
    browser: Browser, server: str, aexecutor: Any
) -> None:
    await aexecutor.job_insert_fast_many(
        [JobInsertFastParams(encoded_args="{}", kind=f"mail{RLO}er", queue="quiet")]
    )
    await aexecutor.execute(
        "INSERT INTO /* TEMPLATE: schema */river_queue (name, created_at, metadata, updated_at) "
        "VALUES ('quiet', now(), '{}', now())"
    )
    page = await _page(browser)
    response = await page.goto(f"{server}/nowhere")
    assert response is not None and response.status == 404
    await expect(page.locator("main")).to_contain_text("There is no such page.")
    await page.click("header nav >> text=Jobs")  # the error page leads on
    row = page.locator("table.jobs tbody tr").first
    await expect(row).to_contain_text("mail<U+202E>er")
    assert RLO not in await page.evaluate("document.body.innerText")

    await page.goto(f"{server}/queue?name=quiet")
    await page.click("button:has-text('Pause')")
    await expect(page.locator(".notice")).to_have_text("Queue quiet paused.")
    await page.click("button:has-text('Resume')")
    await expect(page.locator(".notice")).to_have_text("Queue quiet resumed.")
    await expect(page.locator("h1")).to_contain_text("idle")


# -- features ----------------------------------------------------------------------------


async def test_state_tabs_last_errors_and_the_metadata_filter(
    browser: Browser, server: str, aexecutor: Any
) -> None:
    ids = await seed_every_state(aexecutor)
    page = await _page(browser)
    await page.goto(f"{server}/jobs")
    tabs = page.locator("nav.tabs a")
    names = [re.sub(r"[\d,+\s]+$", "", t).strip() for t in await tabs.all_inner_texts()]
    assert names[-8:] == [
        "pending", "scheduled", "available", "running",
        "retryable", "completed", "cancelled", "discarded",
    ]
    await page.click("nav.tabs >> text=discarded")
    await expect(page.locator("nav.tabs a[aria-current] .count")).to_have_text("1")
    await expect(page.locator("table.jobs .last-error")).to_contain_text("card declined")
    await page.goto(f"{server}/jobs?state=discarded")
    await page.fill("input[name=meta]", json.dumps({"river:resumable_step": "charge"}))
    await page.click("form.filters button")
    rows = page.locator("table.jobs tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(str(ids["discarded"]))
    assert await page.evaluate("window.__pwned") is None  # the seeded XSS stayed text
    await expect(page.locator("table.jobs")).to_contain_text(XSS)


@pytest.fixture
def second_schema(schema_pool: Any) -> Iterator[str]:
    name = schema_pool.acquire()
    yield name
    schema_pool.release(name)


async def test_the_schema_switcher_and_health(
    browser: Browser, adriver: Any, schema: str, second_schema: str, aexecutor: Any
) -> None:
    ids = await seed_every_state(aexecutor)
    async with serve(create_app(adriver, schema=[schema, second_schema])) as url:
        page = await _page(browser)
        await page.goto(f"{url}/")
        assert page.url == f"{url}/schemas/{schema}/"
        await page.click("header nav >> text=Jobs")
        await page.click("nav.tabs >> text=discarded")
        await expect(page.locator(f"a[href$='/jobs/{ids['discarded']}']")).to_have_count(1)
        await page.click(f"nav.schema-switch >> text={second_schema}")
        assert page.url == f"{url}/schemas/{second_schema}/"
        await expect(page.locator("nav.schema-switch a[aria-current='page']")).to_have_text(
            second_schema
        )
        await page.click("header nav >> text=Jobs")
        await page.click("nav.tabs >> text=discarded")
        await expect(page.locator("table.jobs")).to_contain_text("No discarded jobs match.")
        response = await page.goto(f"{url}/health")
        assert response is not None and await response.json() == {"status": "ok"}

"""The queue page's concurrency limits and sequences, on a real database: the configured
limits and the metadata's override, the running jobs per partition against the limits in
force, and each sequence's head (running, or holding the sequence after a failure) with
the jobs waiting behind it; keys and partition values with markup or bidi controls are
shown escaped; and the same in a real browser, with a screenshot for the docs."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from river import ConcurrencyConfig, PartitionConfig
from river.driver.params import JobInsertFastParams
from river.sequence import METADATA_CONTINUE_ON_DISCARDED, METADATA_SEQUENCE_KEY
from river.types import JobState
from river.ui import create_app
from tests.ui._browser import screenshots, serve

pytestmark = pytest.mark.anyio

QUEUE = "payments"
RLO = "\u202e"
HOSTILE_KEY = f"<b>k{RLO}ey</b>"
HOSTILE_CUSTOMER = f"<img src=x>{RLO}"
OVERRIDE = {
    "concurrency": {
        "global_limit": 3,
        "local_limit": 2,
        "partition": {"by_args": ["customer_id"], "by_kind": False},
    }
}


def _http(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ui")


async def _job(
    aexecutor: Any,
    state: JobState,
    *,
    queue: str = QUEUE,
    customer: Any = None,
    key: str | None = None,
    client: str = "client-a",
    continue_on_discarded: bool = False,
) -> int:
    metadata: dict[str, Any] = {}
    if key is not None:
        metadata = {METADATA_SEQUENCE_KEY: key, METADATA_CONTINUE_ON_DISCARDED: continue_on_discarded}
    [result] = await aexecutor.job_insert_fast_many(
        [
            JobInsertFastParams(
                encoded_args=json.dumps({"customer_id": customer}, ensure_ascii=False),
                kind="charge",
                queue=queue,
                metadata=json.dumps(metadata, ensure_ascii=False),
                state=JobState.PENDING,
            )
        ]
    )
    now = dt.datetime.now(dt.UTC)
    finalized = state in (JobState.COMPLETED, JobState.CANCELLED, JobState.DISCARDED)
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET "
        "state = @state::text::/* TEMPLATE: schema */river_job_state, "
        "attempted_by = @attempted_by::text[], finalized_at = @finalized_at::timestamptz "
        "WHERE id = @id::bigint",
        {
            "state": state.value,
            "attempted_by": [client] if state is not JobState.PENDING else [],
            "finalized_at": now if finalized else None,
            "id": result.job.id,
        },
    )
    return int(result.job.id)


async def _queue(aexecutor: Any, metadata: dict[str, Any]) -> None:
    await aexecutor.execute(
        "INSERT INTO /* TEMPLATE: schema */river_queue (name, created_at, metadata, updated_at) "
        "VALUES (@name::text, now(), @metadata::jsonb, now()) "
        "ON CONFLICT (name) DO UPDATE SET metadata = EXCLUDED.metadata",
        {"name": QUEUE, "metadata": json.dumps(metadata)},
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _section(html: str, id: str) -> str:
    match = re.search(rf'<section id="{id}">(.*?)</section>', html, re.S)
    assert match, f"no {id} section"
    return match.group(1)


def _rows(section: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.S)
    assert body
    return [
        [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    ]


async def _page(app: Any) -> str:
    async with _http(app) as http:
        response = await http.get("/queue", params={"name": QUEUE})
    assert response.status_code == 200
    return response.text


async def _running(aexecutor: Any) -> None:
    """Four running jobs: three of customer 1 (two in client-a), one of the hostile one."""
    for client in ("client-a", "client-a", "client-b"):
        await _job(aexecutor, JobState.RUNNING, customer=1, client=client)
    await _job(aexecutor, JobState.RUNNING, customer=HOSTILE_CUSTOMER)


async def test_running_jobs_per_partition_against_the_override(
    adriver: Any, schema: str, aexecutor: Any
) -> None:
    await _queue(aexecutor, OVERRIDE)
    await _running(aexecutor)
    await _job(aexecutor, JobState.RUNNING, queue="elsewhere", customer=1)  # not this queue
    configured = {QUEUE: ConcurrencyConfig(global_limit=10)}
    html = await _page(create_app(adriver, schema=schema, concurrency=configured))
    section = _section(html, "concurrency")
    facts = _text(section)
    assert "Configured global 10, local none" in facts
    assert "Metadata override global 3, local 2, partitioned by customer_id" in facts
    assert "In force global 3, local 2, partitioned by customer_id" in facts
    rows = _rows(section)
    assert rows == [
        ["customer_id=1", "3", "3", "2", "2"],
        ['customer_id=&#34;&lt;img src=x&gt;&lt;U+202E&gt;&#34;', "1", "3", "1", "2"],
    ]
    # The partition at its global limit is marked full; the other is not.
    assert re.findall(r'<tr( class="full")?><td><bdi>', section) == [' class="full"', ""]
    assert RLO not in html and "<img src=x>" not in html


async def test_a_bad_override_is_shown_ignored_and_the_configured_limits_apply(
    adriver: Any, schema: str, aexecutor: Any
) -> None:
    await _queue(aexecutor, {"concurrency": {"global_limit": "many"}})
    await _running(aexecutor)
    configured = {
        QUEUE: ConcurrencyConfig(local_limit=4, partition=PartitionConfig(by_kind=True))
    }
    html = await _page(create_app(adriver, schema=schema, concurrency=configured))
    section = _section(html, "concurrency")
    assert "ignored by the clients: concurrency global_limit: expected a non-negative integer" in (
        _text(section).replace("&#39;", "'")
    )
    assert "In force global none, local 4, partitioned by kind" in _text(section)
    assert _rows(section) == [["kind charge", "4", "none", "3", "4"]]


async def test_limits_unknown_without_configs_and_none_with_a_zero_override(
    adriver: Any, schema: str, aexecutor: Any
) -> None:
    await _queue(aexecutor, {})
    await _running(aexecutor)
    section = _section(await _page(create_app(adriver, schema=schema)), "concurrency")
    assert "Configured not known here" in _text(section)
    assert 'id="partitions"' not in section  # nothing to count against

    await _queue(aexecutor, {"concurrency": {"global_limit": 0, "local_limit": 0}})
    app = create_app(adriver, schema=schema, concurrency={QUEUE: None})
    section = _section(await _page(app), "concurrency")
    assert "Configured none" in _text(section)
    assert "Metadata override no limits (both 0)" in _text(section)
    assert "In force no limits" in _text(section)


async def test_sequences_with_their_head_and_waiting_jobs(
    adriver: Any, schema: str, aexecutor: Any
) -> None:
    await _queue(aexecutor, {})
    # A discarded job holds its key: two wait behind it.
    held = await _job(aexecutor, JobState.DISCARDED, key=HOSTILE_KEY)
    held_next = await _job(aexecutor, JobState.PENDING, key=HOSTILE_KEY)
    await _job(aexecutor, JobState.PENDING, key=HOSTILE_KEY)
    # A running job: one waits behind it.
    running = await _job(aexecutor, JobState.RUNNING, key="k-running")
    running_next = await _job(aexecutor, JobState.PENDING, key="k-running")
    # Discarded with the option to go on: nothing is in the way of its next job.
    await _job(aexecutor, JobState.DISCARDED, key="k-free", continue_on_discarded=True)
    free_next = await _job(aexecutor, JobState.PENDING, key="k-free")
    # Another queue's sequence, and a finished one, are not listed.
    await _job(aexecutor, JobState.PENDING, queue="elsewhere", key="k-other")
    await _job(aexecutor, JobState.COMPLETED, key="k-done")

    html = await _page(create_app(adriver, schema=schema))
    section = _section(html, "sequences")
    rows = _rows(section)
    assert rows == [
        [
            "&lt;b&gt;k&lt;U+202E&gt;ey&lt;/b&gt;",
            f"{held} charge discarded holds the sequence: retry or delete it",
            "2",
            str(held_next),
        ],
        [
            "k-running",
            f"{running} charge running",
            "1",
            str(running_next),
        ],
        [
            "k-free",
            "nothing in the way (the next job is made available at once or by the "
            "leader's sweep)",
            "1",
            str(free_next),
        ],
    ]
    assert f'href="/jobs/{held}"' in section and f'href="/jobs/{held_next}"' in section
    assert RLO not in html and "<b>k" not in html


async def test_no_sequence_says_so(adriver: Any, schema: str, aexecutor: Any) -> None:
    await _queue(aexecutor, {})
    await _job(aexecutor, JobState.PENDING)  # not of a sequence
    section = _section(await _page(create_app(adriver, schema=schema)), "sequences")
    assert "No job of a sequence is waiting or running in this queue." in section


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ([("q", 1)], "expected a mapping"),
        ({1: None}, "queue names are strings"),
        ({"q": {"global_limit": 1}}, "expected river.ConcurrencyConfig"),
    ],
)
def test_create_app_checks_concurrency(value: Any, problem: str) -> None:
    with pytest.raises(TypeError, match=problem):
        create_app("postgresql://localhost/x", concurrency=value)


async def test_queue_state_in_the_browser(
    browser: Browser, adriver: Any, schema: str, aexecutor: Any
) -> None:
    await _queue(aexecutor, OVERRIDE)
    await _running(aexecutor)
    held = await _job(aexecutor, JobState.DISCARDED, key=HOSTILE_KEY)
    await _job(aexecutor, JobState.PENDING, key=HOSTILE_KEY)
    await _job(aexecutor, JobState.RUNNING, key="9f2c" * 16, customer=1)
    await _job(aexecutor, JobState.PENDING, key="9f2c" * 16, customer=1)
    configured = {QUEUE: ConcurrencyConfig(global_limit=10)}
    async with serve(create_app(adriver, schema=schema, concurrency=configured)) as url:
        page = await browser.new_page(viewport={"width": 1100, "height": 900})
        await page.goto(f"{url}/queue?name={QUEUE}")
        partitions = page.locator("#partitions tbody tr")
        await expect(partitions).to_have_count(2)
        await expect(partitions.first).to_have_class("full")
        await expect(partitions.first).to_contain_text("customer_id=1")
        sequences = page.locator("#sequences tbody tr")
        await expect(sequences).to_have_count(2)
        await expect(sequences.first).to_contain_text(f"{held} charge discarded holds the sequence")
        await expect(sequences.first.locator("code")).to_have_text("<b>k<U+202E>ey</b>")
        shown = await page.evaluate("document.body.innerText")
        assert RLO not in shown
        await page.locator("#concurrency").scroll_into_view_if_needed()
        await page.screenshot(path=str(screenshots() / "queue-state.png"), full_page=True)

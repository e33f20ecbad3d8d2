"""The dashboard's pages and actions of issue 32's features, through the ASGI interface on
a real database: state tabs with counts in lifecycle order, the last error on failed
rows, the metadata filter, bulk actions on every job matching the filters, the queue
page, the job page's foldable JSON and durations, enqueueing, several schemas and
``/health``."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from river.driver.params import JobInsertFastParams, JobListParams
from river.types import JobState
from river.ui import create_app
from river.ui.forms import MAX_BULK
from tests.ui._seed import seed_every_state

pytestmark = pytest.mark.anyio


def _http(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ui")


@pytest.fixture
async def seeded(aexecutor: Any) -> dict[str, int]:
    return await seed_every_state(aexecutor)


@pytest.fixture
async def http(
    adriver: Any, schema: str, seeded: dict[str, int]
) -> AsyncIterator[httpx.AsyncClient]:
    async with _http(create_app(adriver, schema=schema)) as client:
        yield client


async def _token(http: httpx.AsyncClient, page: str = "/queues") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', (await http.get(page)).text)
    assert match, "no CSRF token in the page"
    return match.group(1)


def _notice(html: str) -> str:
    match = re.search(r'<div class="notice[^"]*" role="status">(.*?)</div>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


# -- 9: job lists -------------------------------------------------------------------------


async def test_state_tabs_count_in_lifecycle_order(http: httpx.AsyncClient) -> None:
    html = (await http.get("/jobs")).text
    tabs = re.findall(r'>(\w+) <span class="count">([\d,+]+)</span></a>', html)
    assert [state for state, _ in tabs] == [
        "pending",
        "scheduled",
        "available",
        "running",
        "retryable",
        "completed",
        "cancelled",
        "discarded",
    ]
    assert all(count == "1" for _, count in tabs)
    # With a queue filter, the counts are that queue's.
    html = (await http.get("/jobs", params={"queue": "default"})).text
    counts = dict(re.findall(r'>(\w+) <span class="count">([\d,+]+)</span></a>', html))
    assert counts["pending"] == "1" and counts["completed"] == "0"


async def test_failed_rows_show_their_last_error(
    http: httpx.AsyncClient, seeded: dict[str, int]
) -> None:
    for state in ("retryable", "discarded"):
        html = (await http.get("/jobs", params={"state": state})).text
        assert re.search(r'class="last-error"[^>]*><bdi class="error-text">card declined', html)
    html = (await http.get("/jobs", params={"state": "completed"})).text
    assert "last-error" not in html


async def test_metadata_filter(http: httpx.AsyncClient, aexecutor: Any) -> None:
    [acme, other] = await aexecutor.job_insert_fast_many(
        [
            JobInsertFastParams(encoded_args="{}", kind="bill", metadata=json.dumps(m))
            for m in ({"customer": "acme", "n": 1}, {"customer": "globex"})
        ]
    )
    html = (await http.get("/jobs", params={"meta": '{"customer": "acme"}'})).text
    assert f'href="/jobs/{acme.job.id}"' in html and f'href="/jobs/{other.job.id}"' not in html
    assert 'name="meta" value="{&#34;customer&#34;: &#34;acme&#34;}"' in html
    for bad in ("acme", "[1]", '{"n": NaN}', '{"n": 1e999}', "{oops", '{"a": "\\u0000"}'):
        response = await http.get("/jobs", params={"meta": bad})
        assert response.status_code == 400, bad
        assert "meta" in response.text


async def test_every_matching_job_after_a_confirmation_with_the_count(
    http: httpx.AsyncClient, aexecutor: Any, seeded: dict[str, int]
) -> None:
    confirm = await http.get("/jobs/confirm", params={"action": "retry", "state": "discarded"})
    assert confirm.status_code == 200
    assert "<strong>1</strong> job matches" in confirm.text
    assert ">Retry 1 job</button>" in confirm.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
    assert token is not None
    response = await http.post(
        "/jobs/bulk",
        data={
            "csrf_token": token.group(1),
            "action": "retry",
            "all_matching": "1",
            "return_query": "state=discarded",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/jobs?state=discarded"
    notice = _notice((await http.get(response.headers["location"])).text)
    assert notice == f"1 job retried: {seeded['discarded']}."
    assert (await aexecutor.job_get_by_id(seeded["discarded"])).state is JobState.AVAILABLE


async def test_every_matching_job_is_capped(http: httpx.AsyncClient, aexecutor: Any) -> None:
    extra = 3
    await aexecutor.job_insert_fast_many(
        [JobInsertFastParams(encoded_args="{}", kind="many") for _ in range(MAX_BULK + extra)]
    )
    query = {"action": "delete", "state": "available", "kind": "many"}
    confirm = (await http.get("/jobs/confirm", params=query)).text
    assert f"<strong>{MAX_BULK}</strong> jobs match (more than {MAX_BULK} do" in confirm
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm)
    assert token is not None
    response = await http.post(
        "/jobs/bulk",
        data={
            "csrf_token": token.group(1),
            "action": "delete",
            "all_matching": "1",
            "return_query": "state=available&kind=many",
        },
    )
    assert response.status_code == 303
    assert _notice((await http.get("/jobs")).text).startswith(f"{MAX_BULK} jobs deleted:")
    left = (await http.get("/jobs/confirm", params=query)).text
    assert f"<strong>{extra}</strong> jobs match" in left


async def test_bulk_buttons_for_every_match_are_links_to_the_confirmation(
    http: httpx.AsyncClient,
) -> None:
    html = (await http.get("/jobs", params={"state": "discarded", "kind": "k"})).text
    assert 'href="/jobs/confirm?action=retry&amp;state=discarded&amp;kind=k"' in html


# -- 10: the queue page ---------------------------------------------------------------------


async def test_queue_page(http: httpx.AsyncClient, aexecutor: Any) -> None:
    response = await http.get("/queue", params={"name": "billing"})
    assert response.status_code == 200
    html = response.text
    assert 'href="/jobs?state=discarded&amp;queue=billing">1</a>' in html
    assert re.search(r"<code><bdi>client-a</bdi></code> — 1 running", html)
    finalized = re.search(r'<dl class="facts" id="throughput">(.*?)</dl>', html, re.S)
    assert finalized is not None
    assert re.findall(r"<dt>(\w+)</dt><dd>(\d+)</dd>", finalized.group(1)) == [
        ("completed", "1"),
        ("cancelled", "1"),
        ("discarded", "1"),
    ]
    overview = (await http.get("/queues")).text
    assert 'href="/queue?name=billing"' in overview

    token = await _token(http, "/queue?name=billing")
    response = await http.post(
        "/queues/pause", data={"csrf_token": token, "name": "billing", "back": "queue"}
    )
    assert response.headers["location"] == "/queue?name=billing"
    assert "Queue billing paused." in (await http.get(response.headers["location"])).text

    response = await http.post(
        "/queue/metadata",
        data={"csrf_token": token, "name": "billing", "metadata": '{"limit": 5}'},
    )
    assert response.status_code == 303
    assert (await aexecutor.queue_get("billing")).metadata == {"limit": 5}
    for bad in ("[1]", '{"a": NaN}', "{oops"):
        response = await http.post(
            "/queue/metadata", data={"csrf_token": token, "name": "billing", "metadata": bad}
        )
        assert response.status_code == 400, bad
    assert (await aexecutor.queue_get("billing")).metadata == {"limit": 5}
    response = await http.post(
        "/queue/metadata", data={"csrf_token": token, "name": "nope", "metadata": "{}"}
    )
    assert response.status_code == 404
    assert (await http.get("/queue", params={"name": "nope"})).status_code == 404
    assert (await http.get("/queue", params={"name": "*"})).status_code == 400


# -- 11: the job page ------------------------------------------------------------------------


async def test_job_page_json_tree_copy_and_durations(
    http: httpx.AsyncClient, seeded: dict[str, int]
) -> None:
    html = (await http.get(f"/jobs/{seeded['completed']}")).text
    tree = re.search(r'<div class="json-tree" id="args-tree">(.*?)</div>', html, re.S)
    assert tree is not None
    assert "<details open><summary>{ 2 keys }</summary>" in tree.group(1)
    assert '<span class="jkey"><bdi>&#34;state&#34;</bdi></span>' in tree.group(1)
    assert 'data-copy="args" hidden>Copy</button>' in html  # shown by ui.js
    assert 'data-copy="job-id" hidden' in html
    # Seeded: scheduled 5 min ago, attempted 30 s ago, finalized now.
    wait = re.search(r'<strong id="wait">([^<]+)</strong>', html)
    run = re.search(r'<strong id="run">([^<]+)</strong>', html)
    assert wait is not None and wait.group(1) in ("4m 29s", "4m 30s")
    assert run is not None and re.fullmatch(r"3\d\.\ds", run.group(1))


async def test_job_page_shows_the_log_and_output_once(
    http: httpx.AsyncClient, aexecutor: Any, seeded: dict[str, int]
) -> None:
    id = seeded["discarded"]
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET metadata = metadata || "
        """'{"output": {"receipt": "r-77"}}' WHERE id = @id::bigint""",
        {"id": id},
    )
    html = (await http.get(f"/jobs/{id}")).text
    assert html.count("charging card 4242") == 1
    assert html.count("r-77") == 1
    metadata = re.search(r'<pre class="json" id="metadata">([^<]*)</pre>', html)
    assert metadata is not None and "river:log" not in metadata.group(1)
    assert "origin" in metadata.group(1)


# -- 12: enqueue -----------------------------------------------------------------------------


async def test_enqueue_a_job(http: httpx.AsyncClient, aexecutor: Any) -> None:
    page = await http.get("/jobs/new")
    assert page.status_code == 200 and 'name="kind"' in page.text
    token = await _token(http, "/jobs/new")
    response = await http.post(
        "/jobs/new",
        data={
            "csrf_token": token,
            "kind": "send_email",
            "args": '{"to": "a@example.com", "n": 12345678901234567890}',
            "queue": "mail",
            "priority": "3",
            "max_attempts": "7",
            "scheduled_at": "2031-01-02T03:04:05",
        },
    )
    assert response.status_code == 303, response.text
    id = int(response.headers["location"].rsplit("/", 1)[1])
    job = await aexecutor.job_get_by_id(id)
    assert (job.kind, job.queue, job.priority, job.max_attempts) == ("send_email", "mail", 3, 7)
    assert job.args == {"to": "a@example.com", "n": 12345678901234567890}
    assert job.state is JobState.SCHEDULED
    assert job.scheduled_at == dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert _notice((await http.get(f"/jobs/{id}")).text) == f"Job {id} inserted (scheduled)."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "", "kind is required"),
        ("args", "[1]", "args must be a JSON object"),
        ("args", '{"a": NaN}', "NaN is not a JSON value"),
        ("args", '{"a": "\\u0000"}', "args cannot be matched"),
        ("args", "{" * 5000, "args"),
        ("priority", "9", "priority must be a whole number from 1 to 4"),
        ("max_attempts", "-1", "max_attempts"),
        ("scheduled_at", "tomorrow", "scheduled_at is not an ISO 8601 time"),
        ("queue", "a\x00b", "queue contains control characters"),
    ],
)
async def test_enqueue_refuses_bad_input_and_keeps_the_form(
    http: httpx.AsyncClient, aexecutor: Any, field: str, value: str, message: str
) -> None:
    token = await _token(http, "/jobs/new")
    data = {"csrf_token": token, "kind": "send_email", "args": '{"keep": "me"}', field: value}
    response = await http.post("/jobs/new", data=data)
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")
    if field != "args":
        assert "{&#34;keep&#34;: &#34;me&#34;}" in response.text  # the form as it was sent
    rows = await aexecutor.job_list(JobListParams(kinds=["send_email"], limit=5))
    assert rows == []


async def test_enqueue_is_refused_read_only(adriver: Any, schema: str, aexecutor: Any) -> None:
    async with _http(create_app(adriver, schema=schema, read_only=True)) as http:
        assert "/jobs/new" not in (await http.get("/jobs")).text
        assert (await http.get("/jobs/new")).status_code == 403
        token = await _token(http, "/jobs")
        response = await http.post("/jobs/new", data={"csrf_token": token, "kind": "x"})
        assert response.status_code == 403


# -- 13: several schemas, /health ---------------------------------------------------------


@pytest.fixture
def second_schema(schema_pool: Any) -> Iterator[str]:
    name = schema_pool.acquire()
    yield name
    schema_pool.release(name)


async def test_several_schemas_from_one_app(
    adriver: Any, schema: str, second_schema: str, seeded: dict[str, int]
) -> None:
    app = create_app(adriver, schema=[schema, second_schema])
    async with _http(app) as http:
        response = await http.get("/")
        assert response.status_code == 307
        assert response.headers["location"] == f"/schemas/{schema}/"
        first = await http.get(f"/schemas/{schema}/jobs?state=discarded")
        assert f'href="/schemas/{schema}/jobs/{seeded["discarded"]}"' in first.text
        assert f'<a href="/schemas/{second_schema}/" >{second_schema}</a>' in first.text
        assert f'href="/schemas/{schema}/" aria-current="page"' in first.text
        second = await http.get(f"/schemas/{second_schema}/jobs?state=discarded")
        assert "/jobs/" + str(seeded["discarded"]) not in second.text
        assert (await http.get("/health")).json() == {"status": "ok"}
        missing = await http.get("/nowhere")
        assert missing.status_code == 404
        assert f'href="/schemas/{schema}/jobs"' in missing.text  # navigation that leads on
        token = await _token(http, f"/schemas/{second_schema}/jobs")
        response = await http.post(
            f"/schemas/{second_schema}/jobs/{seeded['discarded']}/retry",
            data={"csrf_token": token},
        )
        assert response.status_code == 404  # that schema has no such job
    with pytest.raises(ValueError, match="each schema once"):
        create_app(adriver, schema=[schema, schema])


async def test_health(adriver: Any, schema: str, fresh_schema: str, seeded: dict[str, int]) -> None:
    async with _http(create_app(adriver, schema=schema)) as http:
        response = await http.get("/health")
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        assert response.headers["cache-control"] == "no-store"
    async with _http(create_app(adriver, schema=fresh_schema)) as http:
        response = await http.get("/health")
        assert response.status_code == 503 and response.json() == {"status": "not migrated"}
    # Load balancers send no credentials: /health answers without them.
    app = create_app(adriver, schema=schema, auth=lambda request: False)
    async with _http(app) as http:
        assert (await http.get("/health")).json() == {"status": "ok"}
        assert (await http.get("/")).status_code == 401

"""Every page and action of the dashboard through its ASGI interface, on a real database:
auth, CSRF and read-only refusals, bad input as 400 pages, HTML escaping."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from river.types import JobState
from river.ui import basic_auth, create_app
from tests.ui._seed import XSS, seed_every_state

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
    response = await http.get(page)
    assert response.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, "no CSRF token in the page"
    return match.group(1)


async def test_overview_shows_counts_per_queue_leader_and_chart(
    http: httpx.AsyncClient, aexecutor: Any
) -> None:
    response = await http.get("/")
    assert response.status_code == 200
    html = response.text
    assert "billing" in html and "default" in html
    assert 'href="/jobs?state=discarded&amp;queue=billing">1</a>' in html
    assert 'src="/throughput.svg"' in html
    assert "client-a" in html  # the running job's client
    assert "No leader elected" in html


async def test_throughput_chart_is_svg(http: httpx.AsyncClient) -> None:
    response = await http.get("/throughput.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    svg = response.text
    assert svg.startswith("<svg")
    # One stacked bar: the minute the seeded jobs were finalized in, one rect per state.
    assert len(set(re.findall(r'<rect x="([\d.]+)"', svg))) == 1
    assert svg.count("<rect ") == 3
    assert 'class="completed"><title>' in svg
    assert "completed 1" in svg and "failed (discarded) 1" in svg and "cancelled 1" in svg


async def test_queues_page_pause_and_resume(http: httpx.AsyncClient, aexecutor: Any) -> None:
    token = await _token(http)
    response = await http.post("/queues/pause", data={"csrf_token": token, "name": "billing"})
    assert response.status_code == 303
    assert response.headers["location"] == "/queues"
    assert (await aexecutor.queue_get("billing")).paused_at is not None
    page = await http.get(response.headers["location"])
    assert "Queue billing paused." in page.text and "Resume</button>" in page.text
    again = await http.get("/queues")
    assert "Queue billing paused." not in again.text  # a notice is shown once
    response = await http.post("/queues/resume", data={"csrf_token": token, "name": "billing"})
    assert response.status_code == 303
    assert (await aexecutor.queue_get("billing")).paused_at is None


async def test_pausing_an_unknown_queue_is_404(http: httpx.AsyncClient) -> None:
    token = await _token(http)
    response = await http.post("/queues/pause", data={"csrf_token": token, "name": "nope"})
    assert response.status_code == 404
    assert "nope" in response.text


async def test_jobs_tabs_and_filters(http: httpx.AsyncClient, seeded: dict[str, int]) -> None:
    for state in JobState:
        response = await http.get("/jobs", params={"state": state.value})
        assert response.status_code == 200
        assert f'href="/jobs/{seeded[state.value]}"' in response.text
        others = [i for s, i in seeded.items() if s != state.value]
        assert not any(f'href="/jobs/{i}"' in response.text for i in others)
    completed = seeded["completed"]
    for params in (
        {"state": "completed", "kind": "report_completed"},
        {"state": "completed", "queue": "billing"},
        {"state": "completed", "tag": "nightly"},
        {"state": "completed", "q": 'STATE": "COMPLETED'},  # args' JSON text, any case
        {"state": "completed", "q": '{"state": "completed"}'},
        {"id": str(completed)},
    ):
        response = await http.get("/jobs", params=params)
        assert response.status_code == 200, params
        assert f'href="/jobs/{completed}"' in response.text, params
    for params in (
        {"state": "completed", "kind": "other"},
        {"state": "completed", "tag": "weekly"},
        {"state": "completed", "q": '{"state": "running"}'},
    ):
        response = await http.get("/jobs", params=params)
        assert f'href="/jobs/{completed}"' not in response.text, params


async def test_jobs_keyset_pages(http: httpx.AsyncClient, aexecutor: Any) -> None:
    from river.driver.params import JobInsertFastParams

    results = await aexecutor.job_insert_fast_many(
        [JobInsertFastParams(encoded_args="{}", kind="many", queue="bulk") for _ in range(120)]
    )
    ids = sorted(r.job.id for r in results)
    first = await http.get("/jobs", params={"queue": "bulk"})
    shown = [int(i) for i in re.findall(r'href="/jobs/(\d+)"', first.text)]
    assert shown == ids[::-1][:50]
    next_link = re.search(r'href="(/jobs\?[^"]+)" rel="next"', first.text)
    assert next_link
    second = await http.get(next_link.group(1).replace("&amp;", "&"))
    shown = [int(i) for i in re.findall(r'href="/jobs/(\d+)"', second.text)]
    assert shown == ids[::-1][50:100]
    assert "« Newest" in second.text


async def test_job_detail_shows_everything_escaped(
    http: httpx.AsyncClient, seeded: dict[str, int]
) -> None:
    response = await http.get(f"/jobs/{seeded['discarded']}")
    assert response.status_code == 200
    html = response.text
    assert XSS not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "ValueError: card declined" in html  # the traceback
    assert "charging card 4242" in html  # river:log
    assert "charge" in html and "17" in html  # resumable step and cursor
    assert "client-a" in html
    assert "finalized: discarded" in html
    completed = await http.get(f"/jobs/{seeded['completed']}")
    assert "0102" in completed.text  # unique key, hex
    assert "available, completed" in completed.text  # unique states
    listing = await http.get("/jobs", params={"state": "discarded"})
    assert XSS not in listing.text and "&lt;script&gt;" in listing.text


async def test_job_actions_go_through_the_client(
    http: httpx.AsyncClient, aexecutor: Any, seeded: dict[str, int]
) -> None:
    token = await _token(http)
    discarded = seeded["discarded"]
    response = await http.post(f"/jobs/{discarded}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == f"/jobs/{discarded}"
    assert (await aexecutor.job_get_by_id(discarded)).state is JobState.AVAILABLE
    page = await http.get(response.headers["location"])
    assert f"1 job retried: {discarded}." in page.text

    available = seeded["available"]
    response = await http.post(f"/jobs/{available}/cancel", data={"csrf_token": token})
    assert response.status_code == 303
    assert (await aexecutor.job_get_by_id(available)).state is JobState.CANCELLED

    running = seeded["running"]
    response = await http.post(f"/jobs/{running}/cancel", data={"csrf_token": token})
    assert response.status_code == 303
    job = await aexecutor.job_get_by_id(running)
    assert "cancel_attempted_at" in job.metadata  # told to stop; its worker finishes it

    response = await http.post(f"/jobs/{running}/delete", data={"csrf_token": token})
    assert response.status_code == 409
    response = await http.post(f"/jobs/{available}/delete", data={"csrf_token": token})
    assert response.status_code == 303
    assert await aexecutor.job_get_by_id(available) is None
    response = await http.post(f"/jobs/{available}/delete", data={"csrf_token": token})
    assert response.status_code == 404


async def test_bulk_actions(
    http: httpx.AsyncClient, aexecutor: Any, seeded: dict[str, int]
) -> None:
    token = await _token(http)
    ids = [seeded["discarded"], seeded["cancelled"]]
    response = await http.post(
        "/jobs/bulk",
        data={
            "csrf_token": token,
            "action": "retry",
            "ids": [str(i) for i in ids],
            "return_query": "state=discarded&kind=x",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/jobs?state=discarded&kind=x"
    page = await http.get("/jobs")
    assert f"2 jobs retried: {min(ids)}, {max(ids)}." in page.text
    for id in ids:
        assert (await aexecutor.job_get_by_id(id)).state is JobState.AVAILABLE
    response = await http.post(
        "/jobs/bulk",
        data={
            "csrf_token": token,
            "action": "delete",
            "ids": [str(seeded["running"]), str(seeded["completed"])],
        },
    )
    assert response.status_code == 303
    page = await http.get("/jobs")
    assert f"1 job deleted: {seeded['completed']}." in page.text
    assert f"1 job not deleted (running): {seeded['running']}." in page.text
    assert await aexecutor.job_get_by_id(seeded["completed"]) is None
    assert await aexecutor.job_get_by_id(seeded["running"]) is not None
    response = await http.post(
        "/jobs/bulk",
        data={"csrf_token": token, "action": "cancel", "ids": [str(seeded["scheduled"])]},
    )
    assert response.status_code == 303
    assert (await aexecutor.job_get_by_id(seeded["scheduled"])).state is JobState.CANCELLED


@pytest.mark.parametrize(
    "path",
    [
        "/jobs?state=bogus",
        "/jobs?id=abc",
        "/jobs?id=-1",
        "/jobs?id=99999999999999999999999",
        "/jobs?after=1.5",
        "/jobs?kind=" + "k" * 200,
        "/jobs?queue=a%00b",
        "/jobs?q=%7B%22a%22%3A%22%5Cu0000%22%7D",
        "/jobs/abc",
        "/jobs/0",
        "/jobs/99999999999999999999",
    ],
)
async def test_bad_input_is_a_400_page(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path)
    assert response.status_code == 400, response.text
    assert "Bad request" in response.text
    assert "<script>" not in response.text


async def test_bad_form_input_is_a_400_page(http: httpx.AsyncClient) -> None:
    token = await _token(http)
    cases = [
        ("/jobs/bulk", {"action": "explode", "ids": ["1"]}),
        ("/jobs/bulk", {"action": "retry"}),
        ("/jobs/bulk", {"action": "retry", "ids": ["1", "x"]}),
        ("/jobs/bulk", {"action": "retry", "ids": ["1"], "return_query": "state=nope"}),
        ("/jobs/1/explode", {}),
        ("/jobs/x/retry", {}),
        ("/queues/explode", {"name": "billing"}),
        ("/queues/pause", {}),
    ]
    for path, data in cases:
        response = await http.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 400, (path, data, response.text)


async def test_unknown_job_is_404(http: httpx.AsyncClient) -> None:
    response = await http.get("/jobs/123456789")
    assert response.status_code == 404
    assert "was not found" in response.text


async def test_csrf_refusal(
    http: httpx.AsyncClient, aexecutor: Any, seeded: dict[str, int]
) -> None:
    await _token(http)  # the cookie is set
    discarded = seeded["discarded"]
    for data in ({}, {"csrf_token": "forged"}):
        response = await http.post(f"/jobs/{discarded}/retry", data=data)
        assert response.status_code == 403
        assert "security token" in response.text
    async with _http(http._transport.app) as stranger:  # type: ignore[attr-defined]
        token = await _token(http)
        response = await stranger.post(f"/jobs/{discarded}/retry", data={"csrf_token": token})
        assert response.status_code == 403  # a token without its cookie
    assert (await aexecutor.job_get_by_id(discarded)).state is JobState.DISCARDED


async def test_mutations_are_post_only(http: httpx.AsyncClient, seeded: dict[str, int]) -> None:
    response = await http.get(f"/jobs/{seeded['discarded']}/retry")
    assert response.status_code == 405
    response = await http.get("/queues/pause?name=billing")
    assert response.status_code == 405


async def test_read_only_hides_and_refuses_actions(
    adriver: Any, schema: str, aexecutor: Any, seeded: dict[str, int]
) -> None:
    async with _http(create_app(adriver, schema=schema, read_only=True)) as http:
        detail = await http.get(f"/jobs/{seeded['discarded']}")
        assert detail.status_code == 200
        assert "read-only" in detail.text
        assert '<button type="submit"' not in detail.text  # copy buttons only
        queues = await http.get("/queues")
        assert "Pause</button>" not in queues.text
        jobs = await http.get("/jobs?state=discarded")
        assert "Retry selected" not in jobs.text
        token = await _token(http, "/jobs")
        for path, data in (
            (f"/jobs/{seeded['discarded']}/retry", {}),
            ("/jobs/bulk", {"action": "delete", "ids": [str(seeded["completed"])]}),
            ("/queues/pause", {"name": "billing"}),
        ):
            response = await http.post(path, data={"csrf_token": token, **data})
            assert response.status_code == 403
            assert "read-only" in response.text
    assert (await aexecutor.job_get_by_id(seeded["discarded"])).state is JobState.DISCARDED
    assert (await aexecutor.queue_get("billing")).paused_at is None


async def test_auth_refusal(adriver: Any, schema: str, seeded: dict[str, int]) -> None:
    app = create_app(adriver, schema=schema, auth=basic_auth("ops", "s3cret"))
    good = "Basic " + base64.b64encode(b"ops:s3cret").decode()
    bad = "Basic " + base64.b64encode(b"ops:wrong").decode()
    async with _http(app) as http:
        for path in ("/", "/throughput.svg", "/queues", "/jobs", f"/jobs/{seeded['discarded']}"):
            response = await http.get(path)
            assert response.status_code == 401
            assert response.headers["www-authenticate"].startswith("Basic")
            assert (await http.get(path, headers={"authorization": bad})).status_code == 401
            assert (await http.get(path, headers={"authorization": good})).status_code == 200
        response = await http.post(f"/jobs/{seeded['discarded']}/retry", data={"csrf_token": "x"})
        assert response.status_code == 401


async def test_auth_hook_may_be_async_and_boolean(
    adriver: Any, schema: str, seeded: dict[str, int]
) -> None:
    async def only_admins(request: Any) -> bool:
        return request.headers.get("x-user") == "admin"

    async with _http(create_app(adriver, schema=schema, auth=only_admins)) as http:
        assert (await http.get("/")).status_code == 401
        assert (await http.get("/", headers={"x-user": "admin"})).status_code == 200


async def test_mounted_under_a_prefix(adriver: Any, schema: str, seeded: dict[str, int]) -> None:
    host = Starlette(routes=[Mount("/admin/river", app=create_app(adriver, schema=schema))])
    async with _http(host) as http:
        response = await http.get("/admin/river/jobs?state=discarded")
        assert response.status_code == 200
        assert f'href="/admin/river/jobs/{seeded["discarded"]}"' in response.text
        assert 'href="/admin/river/static/style.css"' in response.text
        assert (await http.get("/admin/river/static/ui.js")).status_code == 200
        token = await _token(http, "/admin/river/queues")
        response = await http.post(
            "/admin/river/queues/pause", data={"csrf_token": token, "name": "billing"}
        )
        assert response.headers["location"] == "/admin/river/queues"


async def test_base_path_for_hosts_passing_the_full_path(
    adriver: Any, schema: str, seeded: dict[str, int]
) -> None:
    async with _http(create_app(adriver, schema=schema, base_path="/river")) as http:
        response = await http.get("/river/")
        assert response.status_code == 200
        assert 'href="/river/queues"' in response.text
        assert (await http.get("/river/static/style.css")).status_code == 200
        assert (await http.get("/queues")).status_code == 404


async def test_create_app_from_url_opens_and_closes_its_pool(
    database_url: str, schema: str
) -> None:
    app = create_app(database_url, schema=schema)
    async with app.router.lifespan_context(app), _http(app) as http:
        response = await http.get("/queues")
        assert response.status_code == 200
        assert app.state.river_dashboard._driver is not None
    assert app.state.river_dashboard._driver is None


def test_create_app_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match="async driver"):
        create_app(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="schema"):
        create_app("postgresql://x/y", schema="bad-name;")
    with pytest.raises(ValueError, match="base_path"):
        create_app("postgresql://x/y", base_path="river/")

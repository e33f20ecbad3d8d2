"""The dashboard's workflow pages on a real database: the list with task counts, a
workflow's graph and tasks, cancel and retry with notices counting what changed, and the
refusals (unknown or malformed ids, read-only, CSRF, another schema)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

import river
from river.types import JobState
from river.ui import create_app
from tests.ui._seed import XSS

pytestmark = pytest.mark.anyio

RLO = "\u202e"


@dataclass
class StepArgs:
    kind = "ui_workflow_step"
    step: str


def _http(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ui")


async def _token(http: httpx.AsyncClient, page: str = "/jobs") -> str:
    response = await http.get(page)
    assert response.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, "no CSRF token in the page"
    return match.group(1)


async def _insert_etl(
    adriver: Any, schema: str, id: str = "wf-etl", name: str = "etl"
) -> dict[str, int]:
    """extract -> (clean, stats) -> load -> report; returns each task's job id."""
    client = river.AsyncClient(adriver, river.Config(schema=schema))
    wf = river.Workflow(name, id=id)
    extract = wf.add("extract", StepArgs("extract"))
    clean = wf.add("clean", StepArgs("clean"), deps=[extract])
    stats = wf.add("stats", StepArgs("stats"), deps=[extract])
    load = wf.add("load", StepArgs("load"), deps=[clean, stats])
    wf.add("report", StepArgs("report"), deps=[load])
    await client.insert_workflow(wf)
    info = await client.workflow_get(id)
    return {t.name: t.job.id for t in info.tasks}


async def _set_state(aexecutor: Any, job_id: int, state: JobState) -> None:
    finalized = state in (JobState.COMPLETED, JobState.CANCELLED, JobState.DISCARDED)
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET "
        "state = @state::text::/* TEMPLATE: schema */river_job_state, "
        "attempt = CASE WHEN @state::text IN ('available', 'pending') THEN 0 ELSE 1 END, "
        "finalized_at = CASE WHEN @finalized::boolean THEN now() END WHERE id = @id::bigint",
        {"state": state.value, "finalized": finalized, "id": job_id},
    )


async def _states(aexecutor: Any, ids: dict[str, int]) -> dict[str, str]:
    return {name: (await aexecutor.job_get_by_id(id)).state.value for name, id in ids.items()}


@pytest.fixture
async def http(adriver: Any, schema: str) -> AsyncIterator[httpx.AsyncClient]:
    async with _http(create_app(adriver, schema=schema)) as client:
        yield client


async def test_list_shows_each_workflow_with_its_task_counts(
    http: httpx.AsyncClient, adriver: Any, schema: str, aexecutor: Any
) -> None:
    ids = await _insert_etl(adriver, schema)
    await _insert_etl(adriver, schema, id="wf-other", name="other")
    await _set_state(aexecutor, ids["extract"], JobState.COMPLETED)
    response = await http.get("/workflows")
    assert response.status_code == 200
    html = response.text
    assert 'href="/workflows" aria-current="page"' in html  # the nav link
    row = html[html.index('href="/workflow?id=wf-etl"') :]
    row = row[: row.index("</tr>")]
    cells = dict(re.findall(r'<td class="num (\w+)">(?:<a [^>]*>)?(?:<span class="zero">)?(\d+)', row))
    assert cells == {
        "available": "0", "running": "0", "retryable": "0", "scheduled": "0",
        "completed": "1", "discarded": "0", "cancelled": "0", "pending": "4",
    }
    # A count leads to the job list filtered by the workflow's id.
    assert "/jobs?state=pending&amp;meta=%7B%22workflow_id%22%3A%20%22wf-etl%22%7D" in row
    jobs = await http.get("/jobs?state=pending&meta=%7B%22workflow_id%22%3A%20%22wf-etl%22%7D")
    assert sorted(int(i) for i in re.findall(r'href="/jobs/(\d+)"', jobs.text)) == sorted(
        ids[n] for n in ("clean", "stats", "load", "report")
    )
    named = await http.get("/workflows", params={"name": "other"})
    assert "wf-other" in named.text and "wf-etl" not in named.text
    none = await http.get("/workflows", params={"name": "nothing"})
    assert "No workflow is named" in none.text
    assert "Workflows</a>" in (await http.get("/")).text


async def test_page_draws_the_graph_in_columns_by_depth_coloured_by_state(
    http: httpx.AsyncClient, adriver: Any, schema: str, aexecutor: Any
) -> None:
    ids = await _insert_etl(adriver, schema)
    await _set_state(aexecutor, ids["extract"], JobState.COMPLETED)
    await _set_state(aexecutor, ids["clean"], JobState.DISCARDED)
    response = await http.get("/workflow", params={"id": "wf-etl"})
    assert response.status_code == 200
    html = response.text
    boxes = {
        int(job): (float(x), state)
        for job, state, x in re.findall(
            r'<a href="/jobs/(\d+)" class="task" data-task-state="(\w+)">\s*<title>[^<]*</title>\s*'
            r'<rect class="box" x="([\d.]+)"',
            html,
        )
    }
    assert len(boxes) == 5
    x = {name: boxes[id][0] for name, id in ids.items()}
    assert x["extract"] < x["clean"] == x["stats"] < x["load"] < x["report"]
    assert boxes[ids["clean"]][1] == "discarded" and boxes[ids["extract"]][1] == "completed"
    assert 'class="stripe discarded"' in html
    assert html.count('<path class="edge ') == 5
    assert 'class="edge discarded"' in html  # clean -> load, from a failed dependency
    assert "Cancel workflow</button>" in html and "Retry failed tasks</button>" in html
    assert 'name="id" value="wf-etl"' in html


async def test_cancel_and_retry_say_what_they_changed(
    http: httpx.AsyncClient, adriver: Any, schema: str, aexecutor: Any
) -> None:
    ids = await _insert_etl(adriver, schema)
    await _set_state(aexecutor, ids["extract"], JobState.COMPLETED)
    await _set_state(aexecutor, ids["stats"], JobState.RUNNING)
    token = await _token(http)
    response = await http.post("/workflow/cancel", data={"csrf_token": token, "id": "wf-etl"})
    assert response.status_code == 303
    assert response.headers["location"] == "/workflow?id=wf-etl"
    page = await http.get(response.headers["location"])
    assert "Workflow wf-etl: 3 tasks cancelled: clean, load, report." in page.text
    assert "Workflow wf-etl: 1 task running, told to stop" in page.text
    assert await _states(aexecutor, ids) == {
        "extract": "completed", "clean": "cancelled", "stats": "running",
        "load": "cancelled", "report": "cancelled",
    }
    # The running task ends cancelled; cancelling again changes nothing and says so.
    await _set_state(aexecutor, ids["stats"], JobState.CANCELLED)
    page = await http.get("/workflow", params={"id": "wf-etl"})
    assert re.search(r"<button [^>]*disabled>Cancel workflow", page.text)
    response = await http.post("/workflow/cancel", data={"csrf_token": token, "id": "wf-etl"})
    page = await http.get(response.headers["location"])
    assert "no task cancelled (every task had finished)" in page.text

    response = await http.post("/workflow/retry", data={"csrf_token": token, "id": "wf-etl"})
    assert response.status_code == 303
    page = await http.get(response.headers["location"])
    assert "Workflow wf-etl: 4 tasks retried: clean, stats, load, report." in page.text
    assert await _states(aexecutor, ids) == {
        "extract": "completed", "clean": "available", "stats": "available",
        "load": "pending", "report": "pending",
    }
    response = await http.post("/workflow/retry", data={"csrf_token": token, "id": "wf-etl"})
    page = await http.get(response.headers["location"])
    assert "no task retried (none was cancelled or discarded)" in page.text


@pytest.mark.parametrize(
    ("method", "path", "data", "status"),
    [
        ("GET", "/workflow?id=nope", None, 404),
        ("GET", "/workflow", None, 400),
        ("GET", "/workflow?id=", None, 400),
        ("GET", "/workflow?id=a%00b", None, 400),
        ("GET", "/workflow?id=" + "x" * 201, None, 400),
        ("GET", "/workflows?name=a%01b", None, 400),
        ("POST", "/workflow/cancel", {"id": "nope"}, 404),
        ("POST", "/workflow/retry", {"id": "nope"}, 404),
        ("POST", "/workflow/retry", {}, 400),
        ("POST", "/workflow/retry", {"id": "a\x00b"}, 400),
        ("POST", "/workflow/explode", {"id": "wf-etl"}, 400),
        ("GET", "/workflow/cancel", None, 405),
    ],
)
async def test_bad_input_is_refused_with_4xx(
    http: httpx.AsyncClient, adriver: Any, schema: str,
    method: str, path: str, data: dict[str, str] | None, status: int,
) -> None:
    await _insert_etl(adriver, schema)
    if method == "GET":
        response = await http.get(path)
    else:
        response = await http.post(path, data={"csrf_token": await _token(http), **(data or {})})
    assert response.status_code == status, response.text
    if status == 404:
        assert "was not found" in response.text


async def test_hostile_names_and_ids_are_shown_inert(
    http: httpx.AsyncClient, adriver: Any, schema: str, aexecutor: Any
) -> None:
    wf_id = f"a/b ?&#{RLO}x {XSS}"
    client = river.AsyncClient(adriver, river.Config(schema=schema))
    wf = river.Workflow(f"{XSS}{RLO}", id=wf_id)
    first = wf.add(f"t{RLO}1 {XSS}", StepArgs("1"))
    wf.add("second", StepArgs("2"), deps=[first])
    await client.insert_workflow(wf)
    listing = await http.get("/workflows")
    page = await http.get("/workflow", params={"id": wf_id})
    assert listing.status_code == page.status_code == 200
    # The forms carry the id exactly (an attribute value, never shown); text shows it inert.
    assert f'name="id" value="a/b ?&amp;#{RLO}x &lt;script&gt;' in page.text
    for html in (listing.text, re.sub(r'value="[^"]*"', "", page.text)):
        assert XSS not in html and RLO not in html
        assert "&lt;script&gt;" in html and "&lt;U+202E&gt;" in html
    token = await _token(http)
    response = await http.post("/workflow/cancel", data={"csrf_token": token, "id": wf_id})
    assert response.status_code == 303
    shown = re.sub(r'value="[^"]*"', "", (await http.get(response.headers["location"])).text)
    assert "2 tasks cancelled" in shown and RLO not in shown and XSS not in shown


async def test_stored_oddities_are_drawn_and_named(
    http: httpx.AsyncClient, adriver: Any, schema: str, aexecutor: Any
) -> None:
    """Another client may store a dependency on no task, or a cycle: the page still draws."""
    ids = await _insert_etl(adriver, schema)
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET metadata = jsonb_set(metadata, '{deps}', "
        "@deps::jsonb) WHERE id = @id::bigint",
        {"deps": '["report", "ghost"]', "id": ids["extract"]},
    )
    page = await http.get("/workflow", params={"id": "wf-etl"})
    assert page.status_code == 200
    assert 'id="missing-deps"' in page.text and "ghost" in page.text
    assert 'id="cyclic"' in page.text


async def test_read_only_hides_and_refuses_the_actions(
    adriver: Any, schema: str, aexecutor: Any
) -> None:
    ids = await _insert_etl(adriver, schema)
    async with _http(create_app(adriver, schema=schema, read_only=True)) as http:
        page = await http.get("/workflow", params={"id": "wf-etl"})
        assert page.status_code == 200 and "<svg" in page.text
        assert "Cancel workflow" not in page.text and "/workflow/cancel" not in page.text
        token = await _token(http)
        for action in ("cancel", "retry"):
            response = await http.post(
                f"/workflow/{action}", data={"csrf_token": token, "id": "wf-etl"}
            )
            assert response.status_code == 403 and "read-only" in response.text
    assert set((await _states(aexecutor, ids)).values()) == {"available", "pending"}


async def test_csrf_and_origin_refusals(
    http: httpx.AsyncClient, adriver: Any, schema: str, aexecutor: Any
) -> None:
    ids = await _insert_etl(adriver, schema)
    token = await _token(http)
    for data in ({"id": "wf-etl"}, {"id": "wf-etl", "csrf_token": "forged"}):
        response = await http.post("/workflow/cancel", data=data)
        assert response.status_code == 403 and "security token" in response.text
    response = await http.post(
        "/workflow/cancel", data={"csrf_token": token, "id": "wf-etl"},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert set((await _states(aexecutor, ids)).values()) == {"available", "pending"}


async def test_each_schema_shows_its_own_workflows(
    adriver: Any, schema: str, schema_pool: Any
) -> None:
    other = schema_pool.acquire()
    try:
        await _insert_etl(adriver, schema)
        async with _http(create_app(adriver, schema=[schema, other])) as http:
            mine = await http.get(f"/schemas/{schema}/workflows")
            assert f'href="/schemas/{schema}/workflow?id=wf-etl"' in mine.text
            assert f'href="/schemas/{schema}/workflows" aria-current="page"' in mine.text
            page = await http.get(f"/schemas/{schema}/workflow?id=wf-etl")
            assert page.status_code == 200
            assert f'<a href="/schemas/{schema}/jobs/' in page.text
            assert (await http.get(f"/schemas/{other}/workflow?id=wf-etl")).status_code == 404
            token = await _token(http, f"/schemas/{other}/jobs")
            response = await http.post(
                f"/schemas/{other}/workflow/cancel", data={"csrf_token": token, "id": "wf-etl"}
            )
            assert response.status_code == 404
    finally:
        schema_pool.release(other)


async def test_hostile_values_are_never_a_server_error(
    adriver: Any, schema: str, aexecutor: Any
) -> None:
    """The fuzz table's values (tests/ui/test_fuzz.py) in every workflow parameter."""
    from tests.ui.test_fuzz import VALUES

    await _insert_etl(adriver, schema)
    app = create_app(adriver, schema=schema)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://ui") as http:
        token = await _token(http)
        statuses: dict[str, int] = {}
        for key, value in VALUES.items():
            for url in (f"/workflows?name={value}", f"/workflow?id={value}"):
                statuses[url[:60]] = (await http.get(url)).status_code
            for action in ("cancel", "retry", value[:1000] or "x"):
                for content_type in (
                    "application/x-www-form-urlencoded",
                    "application/x-www-form-urlencoded; charset=latin-1",
                ):
                    response = await http.post(
                        f"/workflow/{action}", content=f"csrf_token={token}&id={value}",
                        headers={"content-type": content_type},
                    )
                    statuses[f"POST {action[:20]} {key} {content_type[-7:]}"] = response.status_code
        assert {k: s for k, s in statuses.items() if s >= 500} == {}
        assert statuses["POST cancel nul encoded"] == 400
        assert statuses["POST retry long encoded"] == 400


async def test_a_task_s_job_page_leads_to_its_workflow(
    http: httpx.AsyncClient, adriver: Any, schema: str
) -> None:
    ids = await _insert_etl(adriver, schema, id="wf a/b&c")
    page = await http.get(f"/jobs/{ids['load']}")
    assert '<dd>task <bdi>load</bdi> of <a href="/workflow?id=wf%20a/b%26c" id="job-workflow">' in page.text
    workflow = await http.get("/workflow", params={"id": "wf a/b&c"})
    assert workflow.status_code == 200 and f'href="/jobs/{ids["load"]}"' in workflow.text

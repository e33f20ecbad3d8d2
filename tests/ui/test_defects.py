"""The dashboard's defects of issue 32, each through the ASGI interface on a real
database: unique conflicts on retry (409, per-id bulk results), notices that say what
the database changed, CSRF bound to a signed session and the page's origin, security
headers, styled error pages, relative redirects and bidi controls in user text."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from river.driver.params import JobInsertFastParams
from river.driver.unique_batch import STATE_BITS
from river.types import JobState
from river.ui import create_app
from river.ui.dashboard import FLASH_COOKIE, SESSION_COOKIE
from river.ui.signing import Signer
from tests.ui._seed import seed_every_state

pytestmark = pytest.mark.anyio

SECRET = "test-secret-of-at-least-16-bytes"
LIVE = (
    JobState.AVAILABLE,
    JobState.PENDING,
    JobState.RUNNING,
    JobState.RETRYABLE,
    JobState.SCHEDULED,
)
LIVE_MASK = sum(STATE_BITS[s] for s in LIVE)


def _http(app: Any, base_url: str = "http://ui", **kw: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, **kw)
    return httpx.AsyncClient(transport=transport, base_url=base_url)


@pytest.fixture
async def seeded(aexecutor: Any) -> dict[str, int]:
    return await seed_every_state(aexecutor)


@pytest.fixture
async def http(
    adriver: Any, schema: str, seeded: dict[str, int]
) -> AsyncIterator[httpx.AsyncClient]:
    async with _http(create_app(adriver, schema=schema, secret=SECRET)) as client:
        yield client


async def _token(http: httpx.AsyncClient, page: str = "/queues") -> str:
    response = await http.get(page)
    assert response.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, "no CSRF token in the page"
    return match.group(1)


def _notice(html: str) -> str:
    match = re.search(r'<div class="notice[^"]*" role="status">(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


async def _unique_pair(aexecutor: Any) -> tuple[int, int]:
    """A discarded job and an available one with the same unique key: retrying the
    first would make two live jobs with one key."""
    key = b"\x0b\x0c" * 8
    results = await aexecutor.job_insert_fast_many(
        [
            JobInsertFastParams(
                encoded_args=json.dumps({"n": n}),
                kind="unique_report",
                unique_key=key if n == 2 else None,
                unique_states=LIVE_MASK if n == 2 else None,
            )
            for n in (1, 2)
        ]
    )
    old, holder = (int(r.job.id) for r in results)
    # The first is discarded with the same key: a finished job does not hold its key.
    await aexecutor.execute(
        "UPDATE /* TEMPLATE: schema */river_job SET state = 'discarded', "
        "unique_key = @key::bytea, unique_states = @mask::integer::bit(8), "
        "finalized_at = now() WHERE id = @id::bigint",
        {"key": key, "mask": LIVE_MASK, "id": old},
    )
    return old, holder


# -- 2: a retry whose unique key is taken --------------------------------------------


async def test_retry_clashing_with_a_live_unique_job_is_409_naming_it(
    http: httpx.AsyncClient, aexecutor: Any
) -> None:
    old, holder = await _unique_pair(aexecutor)
    token = await _token(http)
    response = await http.post(f"/jobs/{old}/retry", data={"csrf_token": token})
    assert response.status_code == 409, response.text
    assert f"Job {old} cannot be retried" in response.text
    assert f"job {holder}" in response.text
    assert (await aexecutor.job_get_by_id(old)).state is JobState.DISCARDED


async def test_bulk_retry_reports_each_id(
    http: httpx.AsyncClient, aexecutor: Any, seeded: dict[str, int]
) -> None:
    old, holder = await _unique_pair(aexecutor)
    token = await _token(http)
    discarded, running = seeded["discarded"], seeded["running"]
    response = await http.post(
        "/jobs/bulk",
        data={
            "csrf_token": token,
            "action": "retry",
            "ids": [str(discarded), str(old), str(running), "987654321"],
        },
    )
    assert response.status_code == 303
    notice = _notice((await http.get(response.headers["location"])).text)
    assert f"1 job retried: {discarded}." in notice
    assert f"1 job not retried (its unique key is held by another job): {old}." in notice
    assert f"1 job not retried (running): {running}." in notice
    assert "1 job not retried (not found): 987654321." in notice
    assert (await aexecutor.job_get_by_id(discarded)).state is JobState.AVAILABLE
    assert (await aexecutor.job_get_by_id(old)).state is JobState.DISCARDED
    assert (await aexecutor.job_get_by_id(holder)).state is JobState.AVAILABLE


# -- 4: notices say what the database did ---------------------------------------------


async def test_retrying_a_running_job_says_it_was_not_retried(
    http: httpx.AsyncClient, aexecutor: Any, seeded: dict[str, int]
) -> None:
    running = seeded["running"]
    token = await _token(http)
    response = await http.post(f"/jobs/{running}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    notice = _notice((await http.get(response.headers["location"])).text)
    assert notice.strip() == f"1 job not retried (running): {running}."
    assert (await aexecutor.job_get_by_id(running)).state is JobState.RUNNING


async def test_retrying_an_available_job_says_it_already_was(
    http: httpx.AsyncClient, seeded: dict[str, int]
) -> None:
    available = seeded["available"]
    token = await _token(http)
    response = await http.post(f"/jobs/{available}/retry", data={"csrf_token": token})
    notice = _notice((await http.get(response.headers["location"])).text)
    assert notice.strip() == f"1 job not retried (already available): {available}."


async def test_cancelling_finished_jobs_says_they_were_not_cancelled(
    http: httpx.AsyncClient, aexecutor: Any, seeded: dict[str, int]
) -> None:
    token = await _token(http)
    ids = [seeded["completed"], seeded["discarded"], seeded["scheduled"], seeded["running"]]
    response = await http.post(
        "/jobs/bulk", data={"csrf_token": token, "action": "cancel", "ids": [str(i) for i in ids]}
    )
    notice = _notice((await http.get(response.headers["location"])).text)
    assert f"1 job cancelled: {seeded['scheduled']}." in notice
    assert "1 job running, told to stop" in notice and str(seeded["running"]) in notice
    assert f"1 job not cancelled (already completed): {seeded['completed']}." in notice
    assert f"1 job not cancelled (already discarded): {seeded['discarded']}." in notice
    assert (await aexecutor.job_get_by_id(seeded["completed"])).state is JobState.COMPLETED


async def test_bulk_delete_names_running_and_missing_ids(
    http: httpx.AsyncClient, aexecutor: Any, seeded: dict[str, int]
) -> None:
    token = await _token(http)
    ids = [seeded["completed"], seeded["running"], 987654321]
    response = await http.post(
        "/jobs/bulk", data={"csrf_token": token, "action": "delete", "ids": [str(i) for i in ids]}
    )
    notice = _notice((await http.get(response.headers["location"])).text)
    assert f"1 job deleted: {seeded['completed']}." in notice
    assert f"1 job not deleted (running): {seeded['running']}." in notice
    assert "1 job not deleted (not found): 987654321." in notice


async def test_star_is_not_a_queue_name(http: httpx.AsyncClient, aexecutor: Any) -> None:
    token = await _token(http)
    response = await http.post("/queues/pause", data={"csrf_token": token, "name": "*"})
    assert response.status_code == 400
    assert "is not a queue name" in response.text
    for name in ("billing", "default"):
        assert (await aexecutor.queue_get(name)).paused_at is None


async def test_pausing_a_paused_queue_says_so(http: httpx.AsyncClient) -> None:
    token = await _token(http)
    await http.post("/queues/pause", data={"csrf_token": token, "name": "billing"})
    await http.get("/queues")  # the first notice is shown
    response = await http.post("/queues/pause", data={"csrf_token": token, "name": "billing"})
    notice = _notice((await http.get(response.headers["location"])).text)
    assert notice.strip() == "Queue billing was already paused."


@pytest.mark.parametrize(
    "path",
    [
        "/jobs?notice=deleted&count=999999",
        "/queues?notice=paused",
        "/jobs/1?notice=retried&count=1",
    ],
)
async def test_a_url_cannot_make_a_notice(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path)
    assert 'class="notice' not in response.text
    assert "999999" not in response.text


async def test_a_forged_or_foreign_notice_is_not_shown(
    adriver: Any, schema: str, seeded: dict[str, int]
) -> None:
    app = create_app(adriver, schema=schema, secret=SECRET)
    async with _http(app) as http, _http(app) as other:
        await http.get("/")
        await other.get("/")
        forged = Signer(b"another-secret-16-bytes").flash("x", {"level": "ok", "lines": ["Hi"]})
        http.cookies.set(FLASH_COOKIE, forged)
        assert 'class="notice' not in (await http.get("/jobs")).text
        # A genuine notice made for another session.
        other_session = Signer(SECRET.encode()).session_id(other.cookies.get(SESSION_COOKIE))
        assert other_session is not None
        notice = Signer(SECRET.encode()).flash(other_session, {"level": "ok", "lines": ["Hi"]})
        http.cookies.set(FLASH_COOKIE, notice)
        assert 'class="notice' not in (await http.get("/jobs")).text
        other.cookies.set(FLASH_COOKIE, notice)
        assert "Hi" in _notice((await other.get("/jobs")).text)


# -- 5: CSRF ----------------------------------------------------------------------------


async def test_a_planted_cookie_and_matching_token_are_refused(
    adriver: Any, schema: str, aexecutor: Any, seeded: dict[str, int]
) -> None:
    """What a page on another port could do: set a cookie of its choosing for the host
    and post a form carrying the same value."""
    discarded = seeded["discarded"]
    async with _http(create_app(adriver, schema=schema)) as http:
        for name in (SESSION_COOKIE, "river_ui_csrf"):
            http.cookies.clear()
            http.cookies.set(name, "planted")
            response = await http.post(f"/jobs/{discarded}/delete", data={"csrf_token": "planted"})
            assert response.status_code == 403, name
    assert await aexecutor.job_get_by_id(discarded) is not None


async def test_a_token_is_bound_to_its_session(
    adriver: Any, schema: str, aexecutor: Any, seeded: dict[str, int]
) -> None:
    app = create_app(adriver, schema=schema)
    discarded = seeded["discarded"]
    async with _http(app) as mine, _http(app) as theirs:
        token = await _token(mine)
        await theirs.get("/")  # a session of its own
        response = await theirs.post(f"/jobs/{discarded}/delete", data={"csrf_token": token})
        assert response.status_code == 403
    assert await aexecutor.job_get_by_id(discarded) is not None


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "http://ui:8081"},  # the same host, another port
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},  # a sibling subdomain or another port
        {"sec-fetch-site": "same-origin", "origin": "https://evil.example"},
    ],
)
async def test_a_post_from_another_origin_is_refused(
    http: httpx.AsyncClient, aexecutor: Any, seeded: dict[str, int], headers: dict[str, str]
) -> None:
    discarded = seeded["discarded"]
    token = await _token(http)
    response = await http.post(
        f"/jobs/{discarded}/delete", data={"csrf_token": token}, headers=headers
    )
    assert response.status_code == 403
    assert "Refused" in response.text
    assert await aexecutor.job_get_by_id(discarded) is not None


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://ui"},
        {"sec-fetch-site": "same-origin", "origin": "null"},  # the pages' no-referrer policy
        {"sec-fetch-site": "same-origin", "origin": "http://ui"},
        {"origin": "https://river.example.com"},  # trusted: what a proxy makes it
    ],
)
async def test_a_post_from_the_dashboard_itself_is_accepted(
    adriver: Any, schema: str, aexecutor: Any, seeded: dict[str, int], headers: dict[str, str]
) -> None:
    app = create_app(adriver, schema=schema, trusted_origins=["https://river.example.com/"])
    async with _http(app) as http:
        token = await _token(http)
        response = await http.post(
            f"/jobs/{seeded['completed']}/delete", data={"csrf_token": token}, headers=headers
        )
        assert response.status_code == 303, response.text
    assert await aexecutor.job_get_by_id(seeded["completed"]) is None


async def test_https_cookies_are_host_only_and_secure(
    adriver: Any, schema: str, seeded: dict[str, int]
) -> None:
    async with _http(create_app(adriver, schema=schema), base_url="https://ui") as http:
        response = await http.get("/")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"__Host-{SESSION_COOKIE}=")
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        token = await _token(http)
        response = await http.post(
            f"/jobs/{seeded['completed']}/delete", data={"csrf_token": token}
        )
        assert response.status_code == 303
        assert response.headers["set-cookie"].startswith(f"__Host-{FLASH_COOKIE}=")
        # The plain-HTTP name (which any page on the host may set) is not read.
        http.cookies.clear()
        http.cookies.set(SESSION_COOKIE, Signer(b"x" * 16).new_session())
        response = await http.post(
            f"/jobs/{seeded['discarded']}/delete", data={"csrf_token": token}
        )
        assert response.status_code == 403


async def test_the_secret_signs_across_processes(
    adriver: Any, schema: str, aexecutor: Any, seeded: dict[str, int], monkeypatch: Any
) -> None:
    monkeypatch.setenv("RIVER_UI_SECRET", SECRET)
    one, two = create_app(adriver, schema=schema), create_app(adriver, schema=schema)
    stranger = create_app(adriver, schema=schema, secret="a-different-secret-value")
    async with _http(one) as http:
        token = await _token(http)
        cookies = dict(http.cookies)
    async with _http(stranger) as http:
        http.cookies.update(cookies)
        response = await http.post(
            f"/jobs/{seeded['completed']}/delete", data={"csrf_token": token}
        )
        assert response.status_code == 403
    async with _http(two) as http:
        http.cookies.update(cookies)
        response = await http.post(
            f"/jobs/{seeded['completed']}/delete", data={"csrf_token": token}
        )
        assert response.status_code == 303
    assert await aexecutor.job_get_by_id(seeded["completed"]) is None


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        create_app("postgresql://x/y", secret="short")


# -- 6: security headers ----------------------------------------------------------------


async def test_every_response_has_security_headers(
    http: httpx.AsyncClient, seeded: dict[str, int]
) -> None:
    token = await _token(http)
    responses = [
        await http.get(path)
        for path in (
            "/",
            "/queues",
            "/jobs",
            f"/jobs/{seeded['discarded']}",
            "/jobs/123456789",
            "/nowhere",
            "/jobs?id=x",
            "/throughput.svg",
            "/health",
        )
    ]
    responses.append(
        await http.post(f"/jobs/{seeded['completed']}/delete", data={"csrf_token": token})
    )
    for response in responses:
        h = response.headers
        csp = h["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, response.url
        assert "unsafe-inline" not in csp.split("style-src")[0], response.url  # no inline script
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer"
        assert h["cache-control"] == "no-store", response.url
    page = responses[0].text
    assert "script-src 'self'" in responses[0].headers["content-security-policy"]
    # Every script comes from a file; no inline handlers or styles the CSP would block.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/ui.js" defer>']
    assert not re.search(r"\son[a-z]+=|\sstyle=", page)


# -- 7: error pages, redirects, bidi controls ------------------------------------------


async def test_error_pages_are_styled_with_navigation(
    adriver: Any, schema: str, seeded: dict[str, int]
) -> None:
    def boom(request: Any) -> bool:
        if "x-boom" in request.headers:
            raise RuntimeError("a bug")
        return True

    app = create_app(adriver, schema=schema, auth=boom)
    async with _http(app, raise_app_exceptions=False) as http:
        token = await _token(http)
        cases = [
            (await http.get("/nowhere"), 404),
            (await http.get("/jobs/1/retry"), 405),
            (
                await http.post(
                    "/jobs/bulk",
                    content="&".join(["ids=1"] * 1001) + f"&csrf_token={token}",
                    headers={"content-type": "application/x-www-form-urlencoded"},
                ),
                413,
            ),
            (await http.get("/", headers={"x-boom": "1"}), 500),
        ]
        for response, status in cases:
            assert response.status_code == status, response.text
            assert response.headers["content-type"].startswith("text/html")
            assert '<header class="top">' in response.text and 'href="/jobs"' in response.text
            assert "/static/style.css" in response.text
        assert "a bug" not in cases[3][0].text


async def test_trailing_slash_redirect_is_relative(http: httpx.AsyncClient) -> None:
    response = await http.get("/jobs/?state=completed", headers={"host": "evil.example"})
    assert response.status_code in (307, 308)
    assert response.headers["location"] == "/jobs?state=completed"
    response = await http.get("http://ui//evil.example/", headers={"host": "evil.example"})
    assert response.status_code == 404
    assert "location" not in response.headers


async def test_bidi_controls_are_isolated_and_shown(
    http: httpx.AsyncClient, aexecutor: Any
) -> None:
    rlo = "\u202e"
    [result] = await aexecutor.job_insert_fast_many(
        [
            JobInsertFastParams(
                encoded_args=json.dumps({"to": f"gpj.{rlo}exe"}, ensure_ascii=False),
                kind=f"mail{rlo}er",
                queue=f"q{rlo}x",
            )
        ]
    )
    id = result.job.id
    for path in ("/jobs", f"/jobs/{id}", "/queues", "/"):
        html = (await http.get(path)).text
        assert rlo not in re.sub(r"<[^>]*>", "", html), path  # in no text shown
    listing = (await http.get("/jobs")).text
    assert "<td><bdi>mail&lt;U+202E&gt;er</bdi></td>" in listing
    assert "gpj.\\u202eexe" in listing  # the args' JSON, with the control escaped
    detail = (await http.get(f"/jobs/{id}")).text
    assert "&#34;to&#34;: &#34;gpj.\\u202eexe&#34;" in detail


async def test_pause_and_resume_leave_an_idle_queue_idle(
    http: httpx.AsyncClient, aexecutor: Any
) -> None:
    await aexecutor.execute(
        "INSERT INTO /* TEMPLATE: schema */river_queue (name, created_at, metadata, updated_at) "
        "VALUES ('quiet', now() - interval '1 hour', '{}', now() - interval '1 hour')",
        {},
    )
    token = await _token(http)
    for action in ("pause", "resume"):
        response = await http.post(f"/queues/{action}", data={"csrf_token": token, "name": "quiet"})
        assert response.status_code == 303
    row = re.search(r'<tr data-queue="quiet">.*?</tr>', (await http.get("/queues")).text, re.S)
    assert row is not None
    assert '<span class="muted">idle</span>' in row.group(0)
    assert "badge live" not in row.group(0)
    # A queue with a running job is active (the seeded billing queue).
    billing = re.search(
        r'<tr data-queue="billing">.*?</tr>', (await http.get("/queues")).text, re.S
    )
    assert billing is not None and "badge live" in billing.group(0)

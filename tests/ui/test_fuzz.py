"""Every route's query, path and form parameters with the values users and other clients
really send: non-finite numbers, deep JSON, huge and negative ids, bidi controls, NUL,
invalid UTF-8, lone surrogates, huge text. None may be a 500."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from river.ui import create_app
from tests.ui._seed import seed_every_state

pytestmark = pytest.mark.anyio

# Percent-encoded as they go on the wire; the raw ones are invalid UTF-8 on purpose.
VALUES = {
    "nan": "NaN",
    "inf": "Infinity",
    "neg_inf": "-Infinity",
    "huge_float": "1e400",
    "json_nan": quote('{"a": NaN}'),
    "json_big": quote('{"a": 1e400}'),
    # As deep as a URL can carry (httpx refuses URLs past 64 KiB).
    "deep_json": quote('{"a":' + "[" * 6000 + "]" * 6000 + "}"),
    "deep_array": quote("[" * 15_000),
    "huge_id": "9" * 40,
    "max_bigint_plus": str(2**63),
    "negative": "-1",
    "zero": "0",
    "bidi": quote("a\u202eb\u2066c"),
    "nul": "%00",
    "nul_json": quote('{"a": "\\u0000"}'),
    "invalid_utf8": "%FF%FE%C0",
    "lone_surrogate": "%ED%A0%80",
    "surrogate_escape": quote('{"a": "\\ud800"}'),
    "long": "x" * 20_000,
    "empty": "",
    "star": "*",
    "newline": "a%0Ab",
    "space": "%20%20",
}

GET_PARAMS = {
    "/": ["x"],
    "/queues": ["x"],
    "/jobs": ["state", "kind", "queue", "tag", "id", "q", "after", "meta"],
    "/jobs/confirm": ["action", "state", "kind", "queue", "tag", "id", "q", "meta"],
    "/jobs/new": ["x"],
    "/queue": ["name"],
    "/throughput.svg": ["x"],
    "/health": ["x"],
}
FORM_POSTS = {
    "/jobs/bulk": ["action", "ids", "return_query", "all_matching"],
    "/jobs/{id}/retry": [],
    "/queues/pause": ["name"],
    "/queues/resume": ["name"],
    "/queue/metadata": ["name", "metadata"],
    "/jobs/new": ["kind", "args", "queue", "priority", "max_attempts", "scheduled_at"],
}


@pytest.fixture
async def http(adriver: Any, schema: str, aexecutor: Any) -> AsyncIterator[httpx.AsyncClient]:
    await seed_every_state(aexecutor)
    app = create_app(adriver, schema=schema)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://ui") as client:
        yield client


async def _token(http: httpx.AsyncClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', (await http.get("/queues")).text)
    assert match is not None
    return match.group(1)


def _bad(response: httpx.Response) -> str | None:
    if response.status_code >= 500:
        return f"{response.request.method} {response.request.url}: {response.status_code}"
    return None


async def test_query_parameters_never_500(http: httpx.AsyncClient) -> None:
    failures = []
    for path, names in GET_PARAMS.items():
        for name in names:
            for value in VALUES.values():
                failures.append(_bad(await http.get(f"{path}?{name}={value}")))
    assert [f for f in failures if f] == []


async def test_path_parameters_never_500(http: httpx.AsyncClient) -> None:
    token = await _token(http)
    failures = []
    for value in VALUES.values():
        if not value:
            continue
        failures.append(_bad(await http.get(f"/jobs/{value}")))
        for action in ("retry", "cancel", "delete", value[:1000]):
            response = await http.post(
                f"/jobs/{value}/{action}",
                content=f"csrf_token={token}",
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            failures.append(_bad(response))
        response = await http.post(
            f"/queues/{value}",
            content=f"csrf_token={token}&name=billing",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        failures.append(_bad(response))
    assert [f for f in failures if f] == []


async def test_form_parameters_never_500(http: httpx.AsyncClient) -> None:
    token = await _token(http)
    base = {
        "/jobs/bulk": "action=retry&ids=1&all_matching=1",
        "/queues/pause": "name=billing",
        "/queue/metadata": "name=billing&metadata=%7B%7D",
        "/jobs/new": "kind=fuzzed&args=%7B%7D",
    }
    failures = []
    for path, names in FORM_POSTS.items():
        url = path.replace("{id}", "1")
        for name in names or ["x"]:
            for value in VALUES.values():
                body = f"csrf_token={token}&{base.get(path, 'x=1')}&{name}={value}"
                for content_type in (
                    "application/x-www-form-urlencoded",
                    "application/x-www-form-urlencoded; charset=latin-1",
                ):
                    response = await http.post(
                        url, content=body, headers={"content-type": content_type}
                    )
                    failures.append(_bad(response))
        # Other bodies: none, JSON, a broken multipart.
        for content, content_type in (
            ("", "application/x-www-form-urlencoded"),
            ('{"csrf_token": 1}', "application/json"),
            ("--x\r\nbroken", "multipart/form-data; boundary=x"),
            ("--x\r\nbroken", "multipart/form-data"),
        ):
            response = await http.post(url, content=content, headers={"content-type": content_type})
            failures.append(_bad(response))
    assert [f for f in failures if f] == []


async def test_cookies_and_headers_never_500(http: httpx.AsyncClient) -> None:
    failures = []
    for value in ("\x7f", "a" * 5000, "x.y.z", "%FF", '"quoted"', "a.b"):
        for name in ("river_ui_session", "river_ui_flash"):
            http.cookies.clear()
            http.cookies.set(name, value)
            failures.append(_bad(await http.get("/jobs")))
            failures.append(_bad(await http.post("/jobs/1/retry", data={"csrf_token": value})))
    for origin in ("\x00", "http://ui:99999", "null", "a" * 5000):
        response = await http.post("/jobs/1/retry", data={}, headers={"origin": origin})
        failures.append(_bad(response))
    assert [f for f in failures if f] == []

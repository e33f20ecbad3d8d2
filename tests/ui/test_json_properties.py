"""Property: the dashboard shows every job a hostile value went through (NaN, ±Infinity,
huge integers, deep nesting, NUL, lone surrogates, bidi controls, markup, megabyte
strings, in args, metadata, output or an error): its page and the listings answer 200
or a 4xx, never a 500, and the raw value is never markup nor reorders the page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from river.ui import create_app
from river.ui.present import _BIDI
from tests._client_helpers_async import started
from tests._hostile_jobs_async import (
    BATCH,
    INSERTS,
    KIND,
    MODES,
    HostileWorker,
    hostile_client,
    run_batch,
)
from tests._json_strategies import MEGABYTE, big_text, deep, json_values, property_settings, unwrap

pytestmark = pytest.mark.anyio

MARKUP = ("<script>alert(1)", "<img src=x", "</pre><script>")
Setup = tuple[Any, HostileWorker, httpx.AsyncClient]


@pytest.fixture
async def setup(adriver: Any, schema: str) -> AsyncIterator[Setup]:
    """A started client working hostile jobs and the dashboard on the same schema,
    shared by the test's examples (each makes its own jobs)."""
    client, worker = hostile_client(adriver, schema)
    app = create_app(adriver, schema=schema)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        started(client),
        httpx.AsyncClient(transport=transport, base_url="http://ui") as http,
    ):
        yield client, worker, http


def _check_page(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url}"
    assert response.status_code == 200 or 400 <= response.status_code < 500, (
        where,
        response.status_code,
        response.text[:500],
    )
    page = response.text
    for raw in MARKUP:
        assert raw not in page, (where, raw)
    assert not any(c in page for c in _BIDI), (where, "a raw bidi control")
    assert "\x00" not in page, where


@property_settings(max_examples=25)
@given(
    value=json_values,
    mode=st.sampled_from(MODES),
    position=st.integers(0, BATCH - 1),
    how=st.sampled_from(INSERTS),
)
@example(value="</pre><script>alert(1)</script>\u202e", mode="args", position=0, how="insert_many")
@example(value={"<img src=x>": "\u2066"}, mode="metadata", position=1, how="insert_many")
@example(value=["<script>alert(1)", "\u202e"], mode="output", position=2, how="insert_many_fast")
@example(value="<script>alert(1)</script>\u202e\x00", mode="raise", position=3, how="insert_many")
@example(
    value=deep(300, "dict", "\u202e<script>alert(1)"),
    mode="metadata_set",
    position=0,
    how="insert_many",
)
@example(value=deep(400, "list", "<img src=x>"), mode="args", position=1, how="insert_many")
@example(
    value=big_text("\u202e<script>alert(1)", MEGABYTE // 17),
    mode="output",
    position=1,
    how="insert_many",
)
@example(value=float("nan"), mode="output", position=2, how="insert_many")
@example(value=10**4000, mode="metadata", position=3, how="insert_many")
async def test_every_page_of_a_hostile_job_answers_and_escapes_it(
    setup: Setup, value: Any, mode: str, position: int, how: str
) -> None:
    client, worker, http = setup
    value = unwrap(value)
    rows = await run_batch(client, worker, value, mode, position, how)
    for row in rows:
        _check_page(await http.get(f"/jobs/{row.id}"))
    if position >= 0 and isinstance(value, str) and "\x00" not in value:
        # The value itself is on its job's page, escaped.
        page = (await http.get(f"/jobs/{rows[position].id}")).text
        if "<script>alert(1)" in value:
            assert "&lt;script&gt;alert(1)" in page
        if "\u202e" in value:
            assert "\\u202e" in page or "&lt;U+202E&gt;" in page
    for query in (
        {"state": rows[max(position, 0)].state.value},
        {"kind": KIND},
        {"state": "completed", "kind": KIND},
        {"state": "discarded"},
    ):
        _check_page(await http.get("/jobs", params=query))
    _check_page(await http.get("/"))

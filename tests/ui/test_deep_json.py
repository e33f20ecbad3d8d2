"""The dashboard with JSON other clients write: args and metadata nested far deeper than
Python decodes are listed and shown as raw text (pages stay 200), and an args filter
holding a value JSON does not have (NaN, ±Infinity, a number past a float's range) is a
400 page naming it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from river.stored_json import MAX_DEPTH
from river.types import FINALIZED_STATES, JobState
from river.ui import create_app
from river.ui.present import RAW_JSON_SHOWN
from tests._db import admin

pytestmark = pytest.mark.anyio

# 1,000 levels break Python's own parser; 50,000 is about the deepest PostgreSQL accepts.
DEPTHS = [1_000, 50_000]


def _nested(depth: int, leaf: str = '"core"') -> str:
    return '{"a": ' + "[" * (depth - 1) + leaf + "]" * (depth - 1) + "}"


def _insert(database_url: str, schema: str, state: JobState, args: str, metadata: str) -> int:
    """A job written straight into ``river_job``, as River Go or psql would."""
    finalized = dt.datetime.now(dt.UTC) if state in FINALIZED_STATES else None
    with admin(database_url) as conn:
        conn.execute("SET max_stack_depth = '7MB'")  # the server's parser recurses too
        row = conn.execute(
            f"INSERT INTO {schema}.river_job"
            " (args, kind, max_attempts, metadata, state, finalized_at)"
            " VALUES (%s::jsonb, 'deep', 25, %s::jsonb, %s, %s) RETURNING id",
            (args, metadata, state.value, finalized),
        ).fetchone()
    assert row is not None
    job_id: int = row[0]
    return job_id


@pytest.fixture
async def http(adriver: Any, schema: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(adriver, schema=schema)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ui"
    ) as client:
        yield client


async def _token(http: httpx.AsyncClient) -> str:
    page = await http.get("/jobs")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.mark.parametrize("depth", DEPTHS)
async def test_deep_jobs_listed_in_every_tab_and_shown(
    http: httpx.AsyncClient, database_url: str, schema: str, depth: int
) -> None:
    deep = _nested(depth)
    ids = {state: _insert(database_url, schema, state, deep, deep) for state in JobState}

    response = await http.get("/jobs")  # the default tab
    assert response.status_code == 200, response.text[:500]
    assert f'href="/jobs/{ids[JobState.AVAILABLE]}"' in response.text
    for state, job_id in ids.items():
        response = await http.get("/jobs", params={"state": state.value})
        assert response.status_code == 200, (state, response.text[:500])
        assert f'href="/jobs/{job_id}"' in response.text
        assert "{&#34;a&#34;: [[[[" in response.text  # the args preview, raw

    response = await http.get(f"/jobs/{ids[JobState.DISCARDED]}")
    assert response.status_code == 200, response.text[:500]
    page = response.text
    for section in ("args", "metadata"):
        note = re.search(rf'<p class="muted" id="{section}-note">([^<]*)</p>', page)
        assert note, section
        assert f"nested deeper than {MAX_DEPTH} levels" in note.group(1)
        assert f"{len(deep):,} characters" in note.group(1)
        shown = re.search(rf'<pre class="json" id="{section}">([^<]*)</pre>', page)
        assert shown, section
        text = shown.group(1)
        assert text.startswith("{&#34;a&#34;: [[[[")
        assert len(text) < RAW_JSON_SHOWN + 200  # cut short, not the whole stored text
    assert len(page) < 4 * RAW_JSON_SHOWN + 20_000


@pytest.mark.parametrize("depth", DEPTHS)
async def test_redirects_after_actions_land_on_pages_that_show_deep_jobs(
    http: httpx.AsyncClient, database_url: str, schema: str, depth: int
) -> None:
    deep = _nested(depth)
    kept = _insert(database_url, schema, JobState.DISCARDED, deep, deep)
    gone = _insert(database_url, schema, JobState.DISCARDED, deep, deep)
    retried = _insert(database_url, schema, JobState.DISCARDED, deep, deep)
    token = await _token(http)

    response = await http.post(f"/jobs/{gone}/delete", data={"csrf_token": token})
    assert response.status_code == 303
    landed = await http.get(response.headers["location"])
    assert landed.status_code == 200, landed.text[:500]

    response = await http.post(
        "/jobs/bulk",
        data={
            "csrf_token": token,
            "action": "retry",
            "ids": [str(retried)],
            "return_query": "state=discarded",
        },
    )
    assert response.status_code == 303
    landed = await http.get(response.headers["location"])
    assert landed.status_code == 200, landed.text[:500]
    assert f'href="/jobs/{kept}"' in landed.text

    response = await http.post(f"/jobs/{retried}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    landed = await http.get(response.headers["location"])
    assert landed.status_code == 200, landed.text[:500]
    assert 'id="args-note"' in landed.text


async def test_json_at_the_depth_limit_is_decoded(
    http: httpx.AsyncClient, database_url: str, schema: str
) -> None:
    # ``_nested(d)`` nests d levels (the object and d - 1 arrays).
    at_limit = _insert(
        database_url, schema, JobState.AVAILABLE, _nested(MAX_DEPTH), _nested(MAX_DEPTH)
    )
    past_limit = _insert(database_url, schema, JobState.AVAILABLE, _nested(MAX_DEPTH + 1), "{}")
    response = await http.get(f"/jobs/{at_limit}")
    assert response.status_code == 200
    assert 'id="args-note"' not in response.text and 'id="metadata-note"' not in response.text
    assert "&#34;core&#34;" in response.text  # pretty-printed
    response = await http.get(f"/jobs/{past_limit}")
    assert response.status_code == 200
    assert 'id="args-note"' in response.text and 'id="metadata-note"' not in response.text


@pytest.mark.parametrize(
    ("q", "named"),
    [
        ('{"n": NaN}', "NaN"),
        ('{"n": Infinity}', "Infinity"),
        ('{"n": -Infinity}', "-Infinity"),
        ('{"n": 1e400}', "1e400"),
        ('{"n": [1, -1E+999]}', "-1E+999"),
    ],
)
async def test_args_filter_without_a_json_value_is_a_400_page(
    http: httpx.AsyncClient, q: str, named: str
) -> None:
    response = await http.get("/jobs", params={"state": "available", "q": q})
    assert response.status_code == 400, response.text[:500]
    assert "Bad request" in response.text
    assert named in response.text and "q cannot be matched" in response.text


async def test_args_filter_matches_finite_numbers(
    http: httpx.AsyncClient, database_url: str, schema: str
) -> None:
    job_id = _insert(database_url, schema, JobState.AVAILABLE, '{"n": 1.5e300}', "{}")
    response = await http.get("/jobs", params={"state": "available", "q": '{"n": 1.5e300}'})
    assert response.status_code == 200
    assert f'href="/jobs/{job_id}"' in response.text

"""River UI (River's own web UI, built from ``riverqueue.com/riverui``) over a schema that
river-queue writes: its JSON API lists river-queue's jobs and queues, and its actions
(pause, resume, cancel, retry, delete) take effect on a running river-queue client.

River UI's API is called with blocking requests: each is short, and the client under test
runs its own work while River UI talks to Postgres."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

import river
from river._acompat import asleep, skip_sync
from river.types import JobState
from tests._client_helpers_async import make_config, started, wait_for, wait_for_state
from tests.interop._args import raw_args, raw_args_type
from tests.interop._riverui import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RIVERUI_VERSION,
    RiverUI,
    RiverUIError,
    build,
    serve,
)

pytestmark = pytest.mark.anyio

# The River UI the interop tox env built; else the session builds it in a temporary folder.
BINARY_ENV = "RIVER_TEST_RIVERUI"
ECHO = "riverui_echo"
SLOW = "riverui_slow"
FLAKY = "riverui_flaky"
SLOW_SECONDS = 120
# How long a client that ignored a pause gets to show it by working a job.
GRACE = 1.5


@pytest.fixture(scope="session")
def riverui_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = os.environ.get(BINARY_ENV)
    if built:
        if not os.access(built, os.X_OK):
            pytest.fail(f"{BINARY_ENV}={built!r} is not an executable", pytrace=False)
        return Path(built)
    return build(tmp_path_factory.mktemp("riverui"))


@pytest.fixture
def ui(riverui_binary: Path, database_url: str, schema: str) -> Iterator[RiverUI]:
    with serve(riverui_binary, database_url, schema) as served:
        yield served


class Recorder(river.AsyncWorker[Any]):
    """Records each attempt it starts; ``slow`` runs until cancelled, ``flaky`` fails its
    first attempt."""

    def __init__(self, kind: str, started: list[tuple[int, int]], behaviour: str = "") -> None:
        self.args_type = raw_args_type(kind)
        self.started = started
        self.behaviour = behaviour

    async def work(self, job: river.Job[Any]) -> None:
        self.started.append((job.id, job.attempt))
        if self.behaviour == "slow":
            # A sync worker is not interrupted: it checks for a cancel between naps.
            for _ in range(int(SLOW_SECONDS / 0.05)):
                river.check_cancelled()
                await asleep(0.05)
        if self.behaviour == "flaky" and job.attempt == 1:
            raise RuntimeError("first attempt fails")


@contextlib.asynccontextmanager
async def python_worker(
    adriver: Any, schema: str, started_ids: list[tuple[int, int]]
) -> AsyncIterator[Any]:
    workers = river.Workers()
    workers.add(Recorder(ECHO, started_ids))
    workers.add(Recorder(SLOW, started_ids, "slow"))
    workers.add(Recorder(FLAKY, started_ids, "flaky"))
    client = river.AsyncClient(adriver, make_config(schema, workers))
    async with started(client):
        await wait_for(lambda: _queue_exists(client, "default"), timeout=30)
        yield client


async def _queue_exists(client: Any, name: str) -> bool:
    return any(q.name == name for q in await client.queue_list())


async def _started(started_ids: list[tuple[int, int]], job_id: int) -> bool:
    return (job_id, 1) in started_ids


async def _paused(ui: RiverUI, queue: str) -> bool:
    return ui.get(f"/api/queues/{queue}")["paused_at"] is not None


def _listed_ids(ui: RiverUI, state: str) -> list[int]:
    return [int(job["id"]) for job in ui.get(f"/api/jobs?state={state}&limit=100")["data"]]


async def test_lists_river_queue_jobs_and_queues(adriver: Any, schema: str, ui: RiverUI) -> None:
    # The build is the pinned River UI (riverui/go.mod).
    assert ui.get("/api/version")["version"] == RIVERUI_VERSION
    # The queue's row in river_queue is written by a river-queue producer.
    workers = river.Workers()
    workers.add(Recorder(ECHO, []))
    producer = river.AsyncClient(
        adriver, make_config(schema, workers, queues={"billing": river.QueueConfig(max_workers=1)})
    )
    async with started(producer):
        await wait_for(lambda: _queue_exists(producer, "billing"), timeout=30)
    client = river.AsyncClient(adriver, river.Config(schema=schema))
    args_text = '{"n":1,"name":"caf\\u00e9 \\u202e","deep":[[[{"x":null}]]]}'
    billing = river.InsertOpts(queue="billing", tags=["invoice", "eu_west"], priority=2)
    job = (await client.insert(raw_args(ECHO, args_text), billing)).job
    next_year = river.InsertOpts(scheduled_at=job.created_at.replace(year=job.created_at.year + 1))
    scheduled = (await client.insert(raw_args(ECHO, "{}"), next_year)).job

    assert _listed_ids(ui, "available") == [job.id]
    assert _listed_ids(ui, "scheduled") == [scheduled.id]
    got = ui.get(f"/api/jobs/{job.id}")
    assert (got["kind"], got["queue"], got["tags"], got["priority"], got["state"]) == (
        ECHO,
        "billing",
        ["invoice", "eu_west"],
        2,
        "available",
    )
    assert json.loads(got["args"]) == json.loads(args_text)
    counts = ui.get("/api/states")
    assert counts["available"]["count"] == 1 and counts["scheduled"]["count"] == 1

    # River-queue's queue is listed, with its pause and its counts.
    await client.queue_pause("billing")
    queues = {q["name"]: q for q in ui.get("/api/queues")["data"]}
    assert set(queues) == {"billing"}
    assert queues["billing"]["paused_at"] is not None
    assert queues["billing"]["count_available"] == 1
    # An unknown job is a 404, not a 500.
    with pytest.raises(RiverUIError) as missing:
        ui.get("/api/jobs/999999999")
    assert missing.value.status == 404


async def test_pause_and_resume_reach_a_running_python_client(
    adriver: Any, schema: str, ui: RiverUI
) -> None:
    started_ids: list[tuple[int, int]] = []
    async with python_worker(adriver, schema, started_ids) as client:
        sub = client.subscribe(river.EventKind.QUEUE_PAUSED, river.EventKind.QUEUE_RESUMED)
        ui.request("PUT", "/api/queues/default/pause")
        event = await sub.get(timeout=30)
        assert event is not None and event.kind is river.EventKind.QUEUE_PAUSED
        assert ui.get("/api/queues/default")["paused_at"] is not None
        job = (await client.insert(raw_args(ECHO, "{}"))).job
        await asleep(GRACE)
        assert started_ids == []
        assert (await client.job_get(job.id)).state is JobState.AVAILABLE

        ui.request("PUT", "/api/queues/default/resume")
        event = await sub.get(timeout=30)
        assert event is not None and event.kind is river.EventKind.QUEUE_RESUMED
        await wait_for_state(client, job.id, JobState.COMPLETED, timeout=30)
    assert started_ids == [(job.id, 1)]


async def test_cancel_reaches_a_running_python_job(adriver: Any, schema: str, ui: RiverUI) -> None:
    started_ids: list[tuple[int, int]] = []
    async with python_worker(adriver, schema, started_ids) as client:
        job = (await client.insert(raw_args(SLOW, "{}"))).job
        await wait_for(lambda: _started(started_ids, job.id), timeout=30)
        assert _listed_ids(ui, "running") == [job.id]
        ui.request("POST", "/api/jobs/cancel", {"ids": [str(job.id)]})
        # The worker itself ends the attempt as cancelled, while the client still runs.
        row = await wait_for_state(client, job.id, JobState.CANCELLED, timeout=30)
        assert row.finalized_at is not None
        assert row.errors and "cancel" in row.errors[-1].error.lower()
    assert _listed_ids(ui, "cancelled") == [job.id]


async def test_retry_makes_a_python_client_run_a_discarded_job_again(
    adriver: Any, schema: str, ui: RiverUI
) -> None:
    started_ids: list[tuple[int, int]] = []
    async with python_worker(adriver, schema, started_ids) as client:
        job = (await client.insert(raw_args(FLAKY, "{}"), river.InsertOpts(max_attempts=1))).job
        await wait_for_state(client, job.id, JobState.DISCARDED, timeout=30)
        assert _listed_ids(ui, "discarded") == [job.id]
        ui.request("POST", "/api/jobs/retry", {"ids": [str(job.id)]})
        row = await wait_for_state(client, job.id, JobState.COMPLETED, timeout=30)
    assert started_ids == [(job.id, 1), (job.id, 2)]
    assert row.attempt == 2 and len(row.errors) == 1


async def test_delete_removes_a_job_the_python_client_then_never_runs(
    adriver: Any, schema: str, ui: RiverUI
) -> None:
    started_ids: list[tuple[int, int]] = []
    async with python_worker(adriver, schema, started_ids) as client:
        await client.queue_pause("default")
        await wait_for(lambda: _paused(ui, "default"), timeout=30)
        kept = (await client.insert(raw_args(ECHO, '{"keep":true}'))).job
        doomed = (await client.insert(raw_args(ECHO, '{"keep":false}'))).job
        ui.request("POST", "/api/jobs/delete", {"ids": [str(doomed.id)]})
        with pytest.raises(river.JobNotFoundError):
            await client.job_get(doomed.id)
        await client.queue_resume("default")
        await wait_for_state(client, kept.id, JobState.COMPLETED, timeout=30)
    assert started_ids == [(kept.id, 1)]
    # A running job is not deleted: River UI reports the refusal as a client error.
    async with python_worker(adriver, schema, started_ids) as client:
        slow = (await client.insert(raw_args(SLOW, "{}"))).job
        await wait_for(lambda: _started(started_ids, slow.id), timeout=30)
        with pytest.raises(RiverUIError) as refused:
            ui.request("POST", "/api/jobs/delete", {"ids": [str(slow.id)]})
        assert 400 <= refused.value.status < 500
        assert (await client.job_get(slow.id)).state is JobState.RUNNING


@skip_sync
async def test_the_page_shows_river_queue_jobs_in_chromium(
    adriver: Any, schema: str, ui: RiverUI
) -> None:
    """River UI's embedded frontend renders river-queue's jobs in a real browser (once,
    not per driver); the screenshot goes to ``$RIVER_UI_SCREENSHOTS`` (the docs' image)
    when set."""
    from playwright.async_api import async_playwright, expect

    client = river.AsyncClient(adriver, river.Config(schema=schema))
    for n, queue in enumerate(["default", "billing", "email", "default"]):
        await client.insert(
            raw_args(ECHO, f'{{"invoice":{1000 + n},"customer":"acme-{n}"}}'),
            river.InsertOpts(queue=queue, tags=["river-queue"]),
        )
    folder = Path(os.environ.get("RIVER_UI_SCREENSHOTS") or tempfile.mkdtemp(prefix="riverui-"))
    folder.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1360, "height": 820})
            page.set_default_timeout(30_000)
            await page.goto(ui.base_url + "/jobs?state=available")
            await expect(page.get_by_text(ECHO).first).to_be_visible()
            await expect(page.get_by_text("acme-3").first).to_be_visible()
            await page.screenshot(path=str(folder / "riverui-jobs.png"))
        finally:
            await browser.close()
    assert (folder / "riverui-jobs.png").stat().st_size > 0

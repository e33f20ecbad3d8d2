"""river.contrib.asgi with a plain Starlette app, and ``async with client``."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import river
from river.contrib.asgi import get_client, lifespan, run_client
from tests.contrib._orm import NoteArgs, config, job_kinds

pytestmark = pytest.mark.anyio


async def enqueue(request: Request) -> JSONResponse:
    result = await get_client(request).insert(NoteArgs("from a request"))
    return JSONResponse({"id": result.job.id})


class SlowWorker(river.AsyncWorker[NoteArgs]):
    def __init__(self) -> None:
        self.began = asyncio.Event()
        self.cancelled = False

    async def work(self, job: river.Job[NoteArgs]) -> None:
        self.began.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.cancelled = True
            raise


async def test_starlette_lifespan_with_an_async_factory(
    adriver: Any, schema: str, database_url: str
) -> None:
    async def make() -> river.AsyncClient[Any]:
        return river.AsyncClient(adriver, config(schema))  # insert-only: not started

    app = Starlette(routes=[Route("/enqueue", enqueue, methods=["POST"])], lifespan=lifespan(make))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            response = await http.post("/enqueue")
            assert response.status_code == 200
            assert not app.state.river.started
    assert job_kinds(database_url, schema) == ["note"]


async def test_get_client_without_the_lifespan_is_a_clear_error() -> None:
    app = Starlette(routes=[Route("/enqueue", enqueue, methods=["POST"])])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        with pytest.raises(RuntimeError, match=r"river\.contrib\.asgi\.lifespan"):
            await http.post("/enqueue")


async def test_shutdown_is_bounded_then_cancels_running_jobs(adriver: Any, schema: str) -> None:
    worker = SlowWorker()
    workers = river.Workers()
    workers.add(worker)
    client = river.AsyncClient(adriver, config(schema, workers))
    async with run_client(client, stop_timeout=0.2):
        assert client.started
        await client.insert(NoteArgs("slow"))
        await asyncio.wait_for(worker.began.wait(), 10)
    assert worker.cancelled
    assert not client.started


async def test_async_with_starts_and_stops_a_working_client(adriver: Any, schema: str) -> None:
    workers = river.Workers()
    workers.add(SlowWorker())
    client = river.AsyncClient(adriver, config(schema, workers))
    async with client as entered:
        assert entered is client
        assert client.started
    assert not client.started
    inserter = river.AsyncClient(adriver, config(schema))
    async with inserter:  # no queues: entered without starting
        assert not inserter.started
        await inserter.insert(NoteArgs())

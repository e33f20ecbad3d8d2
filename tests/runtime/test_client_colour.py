"""A client of the wrong colour's objects is refused with a message naming its own colour."""

from __future__ import annotations

from typing import Any

import pytest

import river
from river.client_base import Colour


class _SyncArgs:
    kind = "colour_sync"


class _AsyncArgs:
    kind = "colour_async"


class _SyncWorker(river.Worker[_SyncArgs]):
    def work(self, job: river.Job[_SyncArgs]) -> None:
        return None


class _AsyncWorker(river.AsyncWorker[_AsyncArgs]):
    async def work(self, job: river.Job[_AsyncArgs]) -> None:
        return None


def _config(schema: str, worker: Any = None, middleware: Any = ()) -> river.Config:
    workers = river.Workers()
    if worker is not None:
        workers.add(worker)
    return river.Config(schema=schema, workers=workers, middleware=middleware)


def test_sync_client_names_sync_classes(driver: Any, schema: str) -> None:
    with pytest.raises(river.WrongColourError) as worker_error:
        river.Client(driver, _config(schema, _AsyncWorker()))
    assert str(worker_error.value) == (
        "_AsyncWorker is an async worker; a Client needs river.Worker subclasses "
        "(or a sync work_func)"
    )
    with pytest.raises(river.WrongColourError) as middleware_error:
        river.Client(driver, _config(schema, middleware=[river.AsyncWorkerMiddleware()]))
    assert str(middleware_error.value) == (
        "AsyncWorkerMiddleware is not sync middleware or a Hook; a Client needs "
        "river.WorkerMiddleware, river.InsertMiddleware or river.Hook objects"
    )


@pytest.mark.anyio
async def test_async_client_names_async_classes(adriver: Any, schema: str) -> None:
    with pytest.raises(river.WrongColourError) as worker_error:
        river.AsyncClient(adriver, _config(schema, _SyncWorker()))
    assert str(worker_error.value) == (
        "_SyncWorker is a sync worker; an AsyncClient needs river.AsyncWorker subclasses "
        "(or an async work_func)"
    )
    with pytest.raises(river.WrongColourError) as middleware_error:
        river.AsyncClient(adriver, _config(schema, middleware=[river.WorkerMiddleware()]))
    assert str(middleware_error.value) == (
        "WorkerMiddleware is not async middleware or an AsyncHook; an AsyncClient needs "
        "river.AsyncWorkerMiddleware, river.AsyncInsertMiddleware or river.AsyncHook objects"
    )


def test_colour_lists_what_it_accepts() -> None:
    colour = Colour("sync", river.Worker, river.WorkerMiddleware, river.InsertMiddleware, river.Hook)
    assert colour.plugged() == (river.WorkerMiddleware, river.InsertMiddleware, river.Hook)

"""River in an ASGI application (FastAPI, Starlette): the client runs with the app.

``lifespan`` starts an ``AsyncClient`` when the application starts and stops it softly
when it shuts down (running jobs may finish for ``stop_timeout`` seconds, then they are
cancelled); ``get_client`` gives the client to a request handler (a FastAPI dependency)::

    app = FastAPI(lifespan=river.contrib.asgi.lifespan(make_client))

    @app.post("/notes")
    async def create(client: AsyncClient = Depends(get_client)): ...

``run_client`` is the same as an async context manager, for an application that has a
lifespan of its own.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from starlette.requests import Request

from river.client_async import AsyncClient

#: Where the client is kept: the lifespan state (``request.state``) and ``app.state``.
STATE_KEY = "river"

ClientSource = AsyncClient[Any] | Callable[[], AsyncClient[Any] | Awaitable[AsyncClient[Any]]]


@asynccontextmanager
async def run_client(
    client: AsyncClient[Any], *, stop_timeout: float = 10.0
) -> AsyncIterator[AsyncClient[Any]]:
    """Start ``client`` (when it has queues and workers; an insert-only client is used as
    it is), and on exit stop it: softly for up to ``stop_timeout`` seconds, then
    cancelling running jobs. A pool the client opened (``from_url``) is closed."""
    if client.config.queues and len(client.workers) and not client.started:
        await client.start()
    try:
        yield client
    finally:
        try:
            await asyncio.wait_for(asyncio.shield(client.stop()), stop_timeout)
        except TimeoutError:
            await client.stop_and_cancel()
        await client.close()


async def _resolve(source: ClientSource) -> AsyncClient[Any]:
    if isinstance(source, AsyncClient):
        return source
    made = source()
    client = await made if inspect.isawaitable(made) else made
    if not isinstance(client, AsyncClient):
        raise TypeError(f"the client factory returned {type(client).__name__}, not an AsyncClient")
    return client


def lifespan(
    source: ClientSource, *, stop_timeout: float = 10.0
) -> Callable[[Any], AbstractAsyncContextManager[dict[str, Any]]]:
    """A ``lifespan=`` for FastAPI or Starlette running the client ``source`` (a client,
    or a function, sync or async, making one at startup) for the life of the app. The
    client is in the lifespan state (``request.state.river``) and on ``app.state.river``."""

    @asynccontextmanager
    async def run(app: Any) -> AsyncIterator[dict[str, Any]]:
        client = await _resolve(source)
        async with run_client(client, stop_timeout=stop_timeout):
            state = getattr(app, "state", None)
            if state is not None:
                setattr(state, STATE_KEY, client)
            yield {STATE_KEY: client}

    return run


def get_client(request: Request) -> AsyncClient[Any]:
    """The client run by ``lifespan``, for a request handler (``Depends(get_client)``)."""
    client = getattr(request.state, STATE_KEY, None)
    if client is None:
        client = getattr(request.app.state, STATE_KEY, None)
    if not isinstance(client, AsyncClient):
        raise RuntimeError(
            "no River client: give the application river.contrib.asgi.lifespan(...) as its "
            "lifespan"
        )
    return client


__all__ = ["STATE_KEY", "get_client", "lifespan", "run_client"]

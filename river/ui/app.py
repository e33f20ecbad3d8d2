"""The dashboard's ASGI application: the routes of each schema's pages (``job_pages``,
``queue_pages``, ``workflow_pages``), several schemas under ``/schemas/<name>``, and the
security headers. Pages read through the executor; actions go through
``river.AsyncClient`` so River's rules and notifications apply."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from river.concurrency import ConcurrencyConfig
from river.driver.driver_async import AsyncDriver
from river.ui import job_pages, queue_pages, workflow_pages
from river.ui.dashboard import HERE, AuthHook, Dashboard
from river.ui.error_pages import endpoint, error_handlers
from river.ui.headers import SecurityHeaders
from river.ui.signing import resolve_secret

__all__ = ["AuthHook", "create_app"]

SCHEMAS_PREFIX = "/schemas"


def create_app(
    driver: AsyncDriver[Any] | str,
    *,
    schema: str | Sequence[str] | None = None,
    auth: AuthHook | None = None,
    read_only: bool = False,
    base_path: str = "",
    secret: str | bytes | None = None,
    trusted_origins: Sequence[str] = (),
    concurrency: Mapping[str, ConcurrencyConfig | None] | None = None,
) -> Starlette:
    """The dashboard as an ASGI application.

    ``driver`` is an async driver (its pool is shared, never closed here) or a
    ``postgresql://`` URL (a small pool is opened on first request and closed at
    shutdown). ``schema`` holds River's tables (default: the search path); several
    schemas (a list) are served from one app, each under ``/schemas/<name>/`` with a
    switcher in the header (``/`` leads to the first; with a URL each schema opens its
    own small pool). ``auth`` is called with each request (see ``AuthHook``); ``None``
    lets everyone in, so leave it out only where the host application already checks
    who is asking. ``read_only`` hides and refuses every action. ``base_path`` serves
    the pages under a prefix (e.g. ``"/river"``) for hosts that pass the full path;
    Starlette and FastAPI mounts set the prefix themselves. ``/health`` answers 200
    (``{"status": "ok"}``) while the database answers, else 503, for load balancers.

    ``secret`` (at least 16 bytes; default ``$RIVER_UI_SECRET``) signs the session
    cookie, the forms' CSRF tokens and the notices actions leave; without either, a
    random secret is made per process, so sessions and tokens do not survive a restart
    and are not shared by several processes. A POST is accepted only from the
    dashboard's own origin (``Origin`` and ``Sec-Fetch-Site``); ``trusted_origins``
    (e.g. ``["https://river.example.com"]``) adds the origins a proxy in front makes the
    browser see.

    ``concurrency`` maps queue names to the ``river.ConcurrencyConfig`` the clients
    working them were given (``{name: qc.concurrency for name, qc in config.queues.items()}``):
    the database holds only the runtime override in a queue's metadata, so without it
    the queue page shows that override alone.
    """
    if base_path and (not base_path.startswith("/") or base_path.endswith("/")):
        raise ValueError(f"base_path must start with / and not end with one: {base_path!r}")
    schemas: list[str | None] = (
        [schema] if schema is None or isinstance(schema, str) else list(schema)
    )
    if not schemas:
        raise ValueError("schema: give at least one schema")
    if len(set(schemas)) != len(schemas) or (len(schemas) > 1 and None in schemas):
        raise ValueError(f"schema: each schema once, and named: {schemas!r}")
    key = resolve_secret(secret)
    limits = _concurrency_configs(concurrency)
    dashes = [
        Dashboard(driver, s, auth, read_only, key, trusted_origins, limits) for s in schemas
    ]
    if len(dashes) > 1:
        names = [str(s) for s in schemas]
        for dash in dashes:
            dash.mount = f"{SCHEMAS_PREFIX}/{dash.schema}"
            dash.schema_names = names

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        for dash in dashes:
            await dash.client()  # a URL's pool opens now, so a bad URL fails at start
        yield
        for dash in dashes:
            await dash.close()

    if len(dashes) == 1:
        routes, handlers = _dashboard_routes(dashes[0])
    else:
        routes = [
            Route("/", _to_first_schema(dashes[0])),
            Route("/health", _health_of_all(dashes)),
            *(Mount(dash.mount, app=_inner_app(dash)) for dash in dashes),
        ]
        handlers = error_handlers(dashes[0], routes)
    if base_path:
        inner = Starlette(routes=routes, exception_handlers=handlers)
        inner.router.redirect_slashes = False
        app = Starlette(
            routes=[Mount(base_path, app=inner)], lifespan=lifespan, exception_handlers=handlers
        )
    else:
        app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers)
    app.router.redirect_slashes = False
    app.add_middleware(SecurityHeaders)
    app.state.river_dashboard = dashes[0]
    app.state.river_dashboards = dashes
    return app


def _concurrency_configs(
    value: Mapping[str, ConcurrencyConfig | None] | None,
) -> dict[str, ConcurrencyConfig] | None:
    """``create_app``'s ``concurrency``, checked (a queue mapped to None has no limits)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"concurrency: expected a mapping of queue names, got {value!r}")
    checked: dict[str, ConcurrencyConfig] = {}
    for name, config in value.items():
        if not isinstance(name, str):
            raise TypeError(f"concurrency: queue names are strings, got {name!r}")
        if config is None:
            continue
        if not isinstance(config, ConcurrencyConfig):
            raise TypeError(
                f"concurrency[{name!r}]: expected river.ConcurrencyConfig, got {config!r}"
            )
        checked[name] = config
    return checked


Page = Callable[[Dashboard, Request], Awaitable[Response]]


def _dashboard_routes(dash: Dashboard) -> tuple[list[Any], dict[Any, Any]]:
    def bound(page: Page) -> Callable[[Request], Awaitable[Response]]:
        async def handler(request: Request) -> Response:
            return await page(dash, request)

        return handler

    def route(path: str, page: Page, **kw: Any) -> Route:
        return Route(path, endpoint(dash, bound(page)), **kw)

    routes: list[Any] = [
        route("/", queue_pages.overview, name="overview"),
        # Open to load balancers, which send no credentials; it says only ok or not.
        Route("/health", bound(queue_pages.health), name="health"),
        route("/throughput.svg", queue_pages.throughput, name="throughput"),
        route("/queues", queue_pages.queues, name="queues"),
        route("/queues/{action}", queue_pages.queue_action, methods=["POST"]),
        route("/queue", queue_pages.queue_page, name="queue"),
        route("/queue/metadata", queue_pages.queue_metadata, methods=["POST"]),
        route("/jobs", job_pages.jobs, name="jobs"),
        route("/jobs/bulk", job_pages.jobs_bulk, methods=["POST"]),
        route("/jobs/confirm", job_pages.jobs_confirm, name="jobs_confirm"),
        route("/jobs/new", job_pages.enqueue_page, name="enqueue"),
        route("/jobs/new", job_pages.enqueue, methods=["POST"]),
        route("/jobs/{id}", job_pages.job, name="job"),
        route("/jobs/{id}/{action}", job_pages.job_action, methods=["POST"]),
        route("/workflows", workflow_pages.workflows, name="workflows"),
        route("/workflow", workflow_pages.workflow_page, name="workflow"),
        route("/workflow/{action}", workflow_pages.workflow_action, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return routes, error_handlers(dash, routes)


def _inner_app(dash: Dashboard) -> Starlette:
    routes, handlers = _dashboard_routes(dash)
    inner = Starlette(routes=routes, exception_handlers=handlers)
    inner.router.redirect_slashes = False
    return inner


def _to_first_schema(dash: Dashboard) -> Callable[[Request], Awaitable[Response]]:
    async def first(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        return RedirectResponse(f"{root}{dash.mount}/", status_code=307)

    return first


def _health_of_all(dashes: list[Dashboard]) -> Callable[[Request], Awaitable[Response]]:
    async def health(request: Request) -> Response:
        worst: Response | None = None
        for dash in dashes:
            response = await queue_pages.health(dash, request)
            if response.status_code != 200:
                worst = response
        return worst or JSONResponse({"status": "ok"})

    return health


"""The dashboard's ASGI application: pages read through the executor, actions go through
``river.AsyncClient`` so River's rules and notifications apply."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from river.client_async import AsyncClient
from river.config import Config, validate_schema
from river.driver.driver_async import AsyncDriver
from river.driver.executor_async import AsyncExecutor
from river.errors import (
    ClientError,
    JobNotFoundError,
    JobRunningError,
    SchemaNotMigratedError,
)
from river.types import FINALIZED_STATES
from river.ui import present
from river.ui.chart import throughput_chart
from river.ui.forms import (
    JOB_ACTIONS,
    PAGE_SIZE,
    QUEUE_ACTIONS,
    BadRequest,
    JobFilters,
    parse_choice,
    parse_id,
    parse_ids,
    parse_text,
)
from river.ui.reads import COUNT_CAP, STATES, overview_data

HERE = Path(__file__).parent
CSRF_COOKIE = "river_ui_csrf"
CSRF_FIELD = "csrf_token"
#: ``auth(request)`` returns a true value to let the request in; a false one (401) or a
#: ``Response`` (sent as is: a 401 asking for credentials, a redirect to a login page)
#: refuses.
AuthHook = Callable[[Request], "bool | Response | Awaitable[bool | Response]"]

NOTICES = {
    "retried": "{count} job(s) made available to run again.",
    "cancelled": "{count} job(s) cancelled (running jobs are told to stop).",
    "deleted": "{count} job(s) deleted.",
    "paused": "Queue paused.",
    "resumed": "Queue resumed.",
}
_PAST = {"retry": "retried", "cancel": "cancelled", "delete": "deleted"}


class HTTPProblem(Exception):
    """A refusal shown as an error page with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Dashboard:
    def __init__(
        self,
        target: AsyncDriver[Any] | str,
        schema: str | None,
        auth: AuthHook | None,
        read_only: bool,
    ) -> None:
        if schema is not None:
            validate_schema(schema)
        if isinstance(target, str):
            self._url: str | None = target
            self._driver: AsyncDriver[Any] | None = None
        elif isinstance(target, AsyncDriver):
            self._url, self._driver = None, target
        else:
            raise TypeError(
                "create_app needs an async driver (river_asyncpg.AsyncpgDriver, "
                "river_psycopg3.AsyncPsycopgDriver) or a postgresql:// URL, "
                f"not {type(target).__name__}"
            )
        self.schema = schema
        self.auth = auth
        self.read_only = read_only
        self._client: AsyncClient[Any] | None = None
        self._lock = asyncio.Lock()
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html", "svg"], default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # templates ship with the package; no stat() per render
        )
        self.templates.filters.update(present.FILTERS)

    async def client(self) -> AsyncClient[Any]:
        """The client actions go through (opening the URL's pool on first use)."""
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    driver = self._driver
                    if driver is None:
                        assert self._url is not None
                        driver = await _open_driver(self._url)
                        self._driver = driver
                    self._client = AsyncClient(driver, Config(schema=self.schema))
        return self._client

    async def executor(self) -> AsyncExecutor:
        client = await self.client()
        return client.driver.get_executor(self.schema)

    async def close(self) -> None:
        if self._url is not None and self._driver is not None:
            await self._driver.close()
            self._driver, self._client = None, None

    # -- rendering ---------------------------------------------------------------------

    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        root = request.scope.get("root_path", "")
        body = self.templates.get_template(template).render(
            root=root,
            path=request.url.path,
            read_only=self.read_only,
            csrf_field=CSRF_FIELD,
            csrf_token=token,
            states=STATES,
            cap=COUNT_CAP,
            **context,
        )
        response = HTMLResponse(body, status_code=status)
        if request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(
                CSRF_COOKIE, token, path=root or "/", httponly=True, samesite="strict"
            )
        return response

    def redirect(self, request: Request, path: str, query: dict[str, str]) -> Response:
        root = request.scope.get("root_path", "")
        url = root + path + ("?" + urlencode(query) if query else "")
        return RedirectResponse(url, status_code=303)

    # -- guards ------------------------------------------------------------------------

    async def check_auth(self, request: Request) -> Response | None:
        if self.auth is None:
            return None
        verdict = self.auth(request)
        if inspect.isawaitable(verdict):
            verdict = await verdict
        if isinstance(verdict, Response):
            return verdict
        if verdict:
            return None
        return self.render(request, "error.html", 401, message="Not authorised.")

    async def mutation_form(self, request: Request) -> FormData:
        """The form of a POST, after the read-only and CSRF checks."""
        if self.read_only:
            raise HTTPProblem(403, "This dashboard is read-only.")
        form = await request.form()
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = form.get(CSRF_FIELD)
        if not cookie or not isinstance(sent, str) or not secrets.compare_digest(cookie, sent):
            raise HTTPProblem(
                403, "The form's security token is missing or stale: reload the page and try again."
            )
        return form

    # -- pages -------------------------------------------------------------------------

    async def overview(self, request: Request) -> Response:
        # The chart is its own request (an <img>), so this page never waits for it.
        data = await overview_data(await self.executor())
        return self.render(request, "overview.html", nav="overview", data=data)

    async def throughput(self, request: Request) -> Response:
        now = dt.datetime.now(dt.UTC)
        executor = await self.executor()
        counts = await executor.job_finalized_per_minute(now - dt.timedelta(hours=1))
        body = self.templates.get_template("throughput.svg").render(
            chart=throughput_chart(counts, now)
        )
        return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    async def queues(self, request: Request) -> Response:
        data = await overview_data(await self.executor())
        return self.render(request, "queues.html", nav="queues", data=data, notice=_notice(request))

    async def jobs(self, request: Request) -> Response:
        filters = JobFilters.parse(request.query_params)
        executor = await self.executor()
        rows = await executor.job_list(filters.list_params(PAGE_SIZE + 1))
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        return self.render(
            request,
            "jobs.html",
            nav="jobs",
            filters=filters,
            jobs=rows,
            next_query=filters.query(after=rows[-1].id) if more and rows else None,
            first_query=filters.query(after=None) if filters.after else None,
            tab_query=lambda state: filters.query(state=state.value, after=None, id=None),
            return_query=urlencode(filters.query()),
            notice=_notice(request),
        )

    async def job(self, request: Request) -> Response:
        id = parse_id(request.path_params["id"])
        try:
            job = await (await self.client()).job_get(id)
        except JobNotFoundError:
            raise HTTPProblem(404, f"Job {id} was not found (it may have been deleted).") from None
        return self.render(
            request,
            "job.html",
            nav="jobs",
            job=job,
            detail=present.job_detail(job),
            finalized=job.state in FINALIZED_STATES,
            notice=_notice(request),
        )

    # -- actions -----------------------------------------------------------------------

    async def job_action(self, request: Request) -> Response:
        await self.mutation_form(request)
        id = parse_id(request.path_params["id"])
        action = parse_choice(request.path_params["action"], "action", JOB_ACTIONS)
        await self._apply(action, [id])
        if action == "delete":
            return self.redirect(request, "/jobs", {"notice": "deleted", "count": "1"})
        return self.redirect(request, f"/jobs/{id}", {"notice": _PAST[action], "count": "1"})

    async def jobs_bulk(self, request: Request) -> Response:
        form = await self.mutation_form(request)
        action = parse_choice(_form_str(form, "action"), "action", JOB_ACTIONS)
        ids = parse_ids([v for v in form.getlist("ids") if isinstance(v, str)])
        back = JobFilters.parse(dict(parse_qsl(_form_str(form, "return_query") or "")))
        done = await self._apply(action, ids)
        query = back.query(after=None)
        query.update(notice=_PAST[action], count=str(done))
        return self.redirect(request, "/jobs", query)

    async def _apply(self, action: str, ids: list[int]) -> int:
        client = await self.client()
        method = {
            "retry": client.job_retry,
            "cancel": client.job_cancel,
            "delete": client.job_delete,
        }[action]
        done = 0
        for id in ids:
            try:
                await method(id)
                done += 1
            except JobNotFoundError:
                if len(ids) == 1:
                    raise HTTPProblem(404, f"Job {id} was not found.") from None
            except JobRunningError:
                if len(ids) == 1:
                    raise HTTPProblem(
                        409, f"Job {id} is running: cancel it first, then delete it."
                    ) from None
        return done

    async def queue_action(self, request: Request) -> Response:
        form = await self.mutation_form(request)
        action = parse_choice(request.path_params["action"], "action", QUEUE_ACTIONS)
        name = parse_text(_form_str(form, "name"), "queue")
        if name is None:
            raise BadRequest("queue is required")
        client = await self.client()
        try:
            await (client.queue_pause(name) if action == "pause" else client.queue_resume(name))
        except ClientError as exc:
            raise HTTPProblem(404, str(exc)) from None
        return self.redirect(
            request, "/queues", {"notice": "paused" if action == "pause" else "resumed"}
        )


def _form_str(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _notice(request: Request) -> str | None:
    key = request.query_params.get("notice")
    if key is None:
        return None
    if key not in NOTICES:
        raise BadRequest(f"unknown notice {key!r}")
    raw = request.query_params.get("count")
    count = parse_id(raw, "count") if raw not in (None, "0") else 0
    return NOTICES[key].format(count=count)


async def _open_driver(url: str) -> AsyncDriver[Any]:
    from river.errors import MissingDriverExtraError
    from river.plugins.manager import aopen_driver

    for name in ("asyncpg", "psycopg3"):
        try:
            driver: AsyncDriver[Any] = await aopen_driver(url, name, min_size=1, max_size=4)
            return driver
        except MissingDriverExtraError:
            continue
    raise MissingDriverExtraError(
        'the dashboard needs an async driver: pip install "river-queue[asyncpg]" (or [psycopg3])'
    )


def _endpoint(
    dash: _Dashboard, handler: Callable[[Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """``handler`` behind the auth hook, with refusals and bad input as error pages."""

    async def endpoint(request: Request) -> Response:
        refused = await dash.check_auth(request)
        if refused is not None:
            return refused
        try:
            return await handler(request)
        except BadRequest as exc:
            return dash.render(request, "error.html", 400, message=f"Bad request: {exc}")
        except HTTPProblem as exc:
            return dash.render(request, "error.html", exc.status, message=exc.message)
        except SchemaNotMigratedError as exc:  # a database not migrated yet: say what to run
            return dash.render(request, "error.html", 503, message=str(exc))

    return endpoint


def create_app(
    driver: AsyncDriver[Any] | str,
    *,
    schema: str | None = None,
    auth: AuthHook | None = None,
    read_only: bool = False,
    base_path: str = "",
) -> Starlette:
    """The dashboard as an ASGI application.

    ``driver`` is an async driver (its pool is shared, never closed here) or a
    ``postgresql://`` URL (a small pool is opened on first request and closed at
    shutdown). ``schema`` holds River's tables (default: the search path). ``auth`` is
    called with each request (see ``AuthHook``); ``None`` lets everyone in, so leave it
    out only where the host application already checks who is asking. ``read_only``
    hides and refuses every action. ``base_path`` serves the pages under a prefix (e.g.
    ``"/river"``) for hosts that pass the full path; Starlette and FastAPI mounts set
    the prefix themselves.
    """
    if base_path and (not base_path.startswith("/") or base_path.endswith("/")):
        raise ValueError(f"base_path must start with / and not end with one: {base_path!r}")
    dash = _Dashboard(driver, schema, auth, read_only)

    def route(path: str, handler: Callable[[Request], Awaitable[Response]], **kw: Any) -> Route:
        return Route(path, _endpoint(dash, handler), **kw)

    routes = [
        route("/", dash.overview, name="overview"),
        route("/throughput.svg", dash.throughput, name="throughput"),
        route("/queues", dash.queues, name="queues"),
        route("/queues/{action}", dash.queue_action, methods=["POST"]),
        route("/jobs", dash.jobs, name="jobs"),
        route("/jobs/bulk", dash.jobs_bulk, methods=["POST"]),
        route("/jobs/{id}", dash.job, name="job"),
        route("/jobs/{id}/{action}", dash.job_action, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await dash.client()  # a URL's pool opens now, so a bad URL fails at start
        yield
        await dash.close()

    if base_path:
        inner = Starlette(routes=routes)
        app = Starlette(routes=[Mount(base_path, app=inner)], lifespan=lifespan)
    else:
        app = Starlette(routes=routes, lifespan=lifespan)
    app.state.river_dashboard = dash
    return app

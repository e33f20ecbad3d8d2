"""The dashboard's ASGI application: pages read through the executor, actions go through
``river.AsyncClient`` so River's rules and notifications apply."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Match, Mount, Route
from starlette.staticfiles import StaticFiles

from river.client_async import AsyncClient
from river.config import Config, validate_schema
from river.driver.driver_async import AsyncDriver
from river.driver.executor_async import AsyncExecutor
from river.errors import (
    ClientError,
    InvalidInsertError,
    JobNotFoundError,
    QueueNotFoundError,
    SchemaNotMigratedError,
)
from river.types import FINALIZED_STATES
from river.ui import present
from river.ui.actions import apply_job_action
from river.ui.chart import throughput_chart
from river.ui.dag import MAX_DRAWN, layout
from river.ui.enqueue import EnqueueForm
from river.ui.forms import (
    JOB_ACTIONS,
    MAX_BULK,
    PAGE_SIZE,
    QUEUE_ACTIONS,
    BadRequest,
    JobFilters,
    json_object_text,
    parse_choice,
    parse_id,
    parse_ids,
    parse_queue_name,
)
from river.ui.headers import SecurityHeaders
from river.ui.outcomes import queue_notice
from river.ui.reads import (
    COUNT_CAP,
    FINALIZED_SCANNED,
    STATES,
    overview_data,
    queue_detail,
    state_counts,
)
from river.ui.signing import Signer, resolve_secret
from river.ui.workflows import (
    LIST_LIMIT,
    WORKFLOW_ACTIONS,
    finished,
    parse_workflow_id,
    parse_workflow_name,
    retryable,
    workflow_notice,
)
from river.workflow import WorkflowInfo, WorkflowNotFoundError, workflow_task_of

HERE = Path(__file__).parent
SESSION_COOKIE = "river_ui_session"
FLASH_COOKIE = "river_ui_flash"
CSRF_FIELD = "csrf_token"
#: A form larger than this is refused (413) before it is parsed.
MAX_FORM_BYTES = 256 * 1024
#: ``auth(request)`` returns a true value to let the request in; a false one (401) or a
#: ``Response`` (sent as is: a 401 asking for credentials, a redirect to a login page)
#: refuses.
AuthHook = Callable[[Request], "bool | Response | Awaitable[bool | Response]"]

_HTTP_MESSAGES = {
    404: "There is no such page.",
    405: "This address does not take that method.",
}


class HTTPProblem(Exception):
    """A refusal shown as an error page with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def cookie_name(request: Request, base: str) -> str:
    """Over HTTPS a ``__Host-`` cookie: the browser takes it only with ``Secure``, path
    ``/`` and no domain, so no sibling subdomain or plain-HTTP page can set it."""
    return f"__Host-{base}" if request.url.scheme == "https" else base


class _Dashboard:
    def __init__(
        self,
        target: AsyncDriver[Any] | str,
        schema: str | None,
        auth: AuthHook | None,
        read_only: bool,
        secret: str | bytes | None = None,
        trusted_origins: Sequence[str] = (),
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
        self.signer = Signer(resolve_secret(secret))
        #: With several schemas: where this one is mounted and every schema's name.
        self.mount = ""
        self.schema_names: list[str] = []
        self.trusted_origins = frozenset(o.rstrip("/") for o in trusted_origins)
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

    # -- sessions, rendering and redirects ---------------------------------------------

    def _session(self, request: Request) -> tuple[str | None, str]:
        """The session id of the request's cookie (None when missing or not signed by
        this server) and the cookie value to keep or set."""
        cookie = request.cookies.get(cookie_name(request, SESSION_COOKIE))
        session_id = self.signer.session_id(cookie)
        if session_id is not None and cookie is not None:
            return session_id, cookie
        return None, self.signer.new_session()

    def _set_cookie(
        self, request: Request, response: Response, base: str, value: str, max_age: int | None
    ) -> None:
        https = request.url.scheme == "https"
        response.set_cookie(
            cookie_name(request, base),
            value,
            max_age=max_age,
            path="/" if https else (request.scope.get("root_path") or "/"),
            secure=https,
            httponly=True,
            samesite="strict",
        )

    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        session_id, cookie = self._session(request)
        known = session_id is not None
        session_id = session_id or self.signer.session_id(cookie)
        assert session_id is not None
        flash_cookie = request.cookies.get(cookie_name(request, FLASH_COOKIE))
        notice = self.signer.read_flash(session_id, flash_cookie) if known else None
        root = request.scope.get("root_path", "")
        if self.mount and not root.endswith(self.mount):
            root += self.mount  # a page of the app holding every schema: link to the first
        body = self.templates.get_template(template).render(
            root=root,
            path=request.url.path,
            read_only=self.read_only,
            csrf_field=CSRF_FIELD,
            csrf_token=self.signer.csrf_token(session_id),
            states=STATES,
            cap=COUNT_CAP,
            notice=notice,
            schema=self.schema,
            schema_names=self.schema_names,
            outer_root=root[: len(root) - len(self.mount)] if self.mount else root,
            **context,
        )
        response = HTMLResponse(body, status_code=status)
        if not known:
            self._set_cookie(request, response, SESSION_COOKIE, cookie, None)
        if flash_cookie is not None:  # shown once, then gone
            self._set_cookie(request, response, FLASH_COOKIE, "", 0)
        return response

    def redirect(
        self,
        request: Request,
        path: str,
        query: dict[str, str] | None = None,
        notice: dict[str, Any] | None = None,
    ) -> Response:
        """A 303 to ``path`` under the dashboard, without scheme or host (never taken
        from the request), carrying ``notice`` in a signed one-time cookie."""
        root = request.scope.get("root_path", "")
        url = root + path + ("?" + urlencode(query) if query else "")
        response = RedirectResponse(url, status_code=303)
        session_id, _ = self._session(request)
        if notice is not None and session_id is not None:
            value = self.signer.flash(session_id, notice)
            self._set_cookie(request, response, FLASH_COOKIE, value, None)
        return response

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

    def _cross_origin_reason(self, request: Request) -> str | None:
        """Why a POST looks sent by another site's page, or None. Browsers send
        ``Sec-Fetch-Site`` and ``Origin``; each, when present, must say this origin
        (a page on another port of the same host is another origin)."""
        site = request.headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return f"it was sent from another site's page (Sec-Fetch-Site: {site})"
        origin = request.headers.get("origin")
        if origin is None or (origin == "null" and site is not None):
            return None  # null: the pages' no-referrer policy; Sec-Fetch-Site decided
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin.rstrip("/") != own and origin.rstrip("/") not in self.trusted_origins:
            return f"it was sent from another origin ({origin[:100]})"
        return None

    async def mutation_form(self, request: Request) -> FormData:
        """The form of a POST, after the read-only, origin and CSRF checks."""
        if self.read_only:
            raise HTTPProblem(403, "This dashboard is read-only.")
        reason = self._cross_origin_reason(request)
        if reason is not None:
            raise HTTPProblem(403, f"Refused: {reason}.")
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_FORM_BYTES:
            raise HTTPProblem(413, "The form is too large.")
        form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
        session_id, _ = self._session(request)
        if not self.signer.csrf_ok(session_id, form.get(CSRF_FIELD)):
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

    async def health(self, request: Request) -> Response:
        """For load balancers: 200 when the database answers, else 503."""
        try:
            executor = await self.executor()
            await executor.queue_list(1)
        except SchemaNotMigratedError:
            return JSONResponse({"status": "not migrated"}, status_code=503)
        except Exception:  # any failure to reach the database means "down"
            return JSONResponse({"status": "database unreachable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def queues(self, request: Request) -> Response:
        data = await overview_data(await self.executor())
        return self.render(request, "queues.html", nav="queues", data=data)

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
            counts=await state_counts(executor, filters.queue),
            matching_query=urlencode(filters.query(after=None)),
            next_query=filters.query(after=rows[-1].id) if more and rows else None,
            first_query=filters.query(after=None) if filters.after else None,
            tab_query=lambda state: filters.query(state=state.value, after=None, id=None),
            return_query=urlencode(filters.query()),
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
            workflow=workflow_task_of(job.metadata),
        )

    async def jobs_confirm(self, request: Request) -> Response:
        """Before a bulk action on every job matching the filters: how many it takes."""
        action = parse_choice(request.query_params.get("action"), "action", JOB_ACTIONS)
        filters = JobFilters.parse(request.query_params).without_cursor()
        executor = await self.executor()
        rows = await executor.job_list(filters.list_params(MAX_BULK + 1))
        return self.render(
            request,
            "confirm.html",
            nav="jobs",
            action=action,
            filters=filters,
            count=min(len(rows), MAX_BULK),
            more=len(rows) > MAX_BULK,
            bulk_cap=MAX_BULK,
            return_query=urlencode(filters.query()),
        )

    async def enqueue_page(self, request: Request) -> Response:
        if self.read_only:
            raise HTTPProblem(403, "This dashboard is read-only.")
        return self.render(request, "enqueue.html", nav="enqueue", form={}, error=None)

    async def enqueue(self, request: Request) -> Response:
        form = await self.mutation_form(request)
        try:
            wanted = EnqueueForm.parse(form)
            result = await (await self.client()).insert(wanted.job_args(), wanted.opts())
        except (BadRequest, InvalidInsertError) as exc:
            echo = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
            return self.render(
                request, "enqueue.html", 400, nav="enqueue", form=echo, error=str(exc)
            )
        id = result.job.id
        line = f"Job {id} inserted ({result.job.state.value})."
        if result.unique_skipped_as_duplicate:
            line = f"Not inserted: job {id} is a live duplicate of it."
        return self.redirect(request, f"/jobs/{id}", notice={"level": "ok", "lines": [line]})

    async def queue_page(self, request: Request) -> Response:
        name = parse_queue_name(request.query_params.get("name"))
        detail = await queue_detail(await self.executor(), name)
        if detail is None:
            raise HTTPProblem(404, f"Queue {name} was not found.")
        return self.render(
            request,
            "queue.html",
            nav="queues",
            q=detail.summary,
            detail=detail,
            finalized_cap=FINALIZED_SCANNED,
        )

    async def queue_metadata(self, request: Request) -> Response:
        form = await self.mutation_form(request)
        name = parse_queue_name(_form_str(form, "name"))
        metadata = json_object_text((_form_str(form, "metadata") or "").strip() or "{}", "metadata")
        assert metadata is not None
        client = await self.client()
        try:
            await client.queue_update(name, metadata=json.loads(metadata))
        except QueueNotFoundError:
            raise HTTPProblem(404, f"Queue {name} was not found.") from None
        except InvalidInsertError as exc:
            raise BadRequest(str(exc)) from None
        notice = {"level": "ok", "lines": [f"Queue {name}'s metadata saved."]}
        return self.redirect(request, "/queue", {"name": name}, notice)

    async def workflows(self, request: Request) -> Response:
        name = parse_workflow_name(request.query_params.get("name"))
        found = await (await self.client()).workflow_list(name=name, limit=LIST_LIMIT + 1)
        return self.render(
            request,
            "workflows.html",
            nav="workflows",
            workflows=found[:LIST_LIMIT],
            more=len(found) > LIST_LIMIT,
            limit=LIST_LIMIT,
            name=name,
        )

    async def workflow_page(self, request: Request) -> Response:
        info = await self._workflow(parse_workflow_id(request.query_params.get("id")))
        return self.render(
            request,
            "workflow.html",
            nav="workflows",
            wf=info,
            dag=layout(info.tasks) if len(info.tasks) <= MAX_DRAWN else None,
            max_drawn=MAX_DRAWN,
            tasks=info.tasks[:MAX_TASK_ROWS],
            max_rows=MAX_TASK_ROWS,
            counts=_state_counts(info),
            can_cancel=not finished(info),
            can_retry=retryable(info),
        )

    async def workflow_action(self, request: Request) -> Response:
        form = await self.mutation_form(request)
        action = parse_choice(request.path_params["action"], "action", WORKFLOW_ACTIONS)
        workflow_id = parse_workflow_id(_form_str(form, "id"))
        before = await self._workflow(workflow_id)
        client = await self.client()
        try:
            call = client.workflow_cancel if action == "cancel" else client.workflow_retry
            after = await call(workflow_id)
        except WorkflowNotFoundError:
            raise HTTPProblem(404, _workflow_missing(workflow_id)) from None
        notice = workflow_notice(action, before, after)
        return self.redirect(request, "/workflow", {"id": workflow_id}, notice)

    async def _workflow(self, workflow_id: str) -> WorkflowInfo:
        try:
            return await (await self.client()).workflow_get(workflow_id)
        except WorkflowNotFoundError:
            raise HTTPProblem(404, _workflow_missing(workflow_id)) from None

    # -- actions -----------------------------------------------------------------------

    async def job_action(self, request: Request) -> Response:
        await self.mutation_form(request)
        id = parse_id(request.path_params["id"])
        action = parse_choice(request.path_params["action"], "action", JOB_ACTIONS)
        outcomes, conflicts = await apply_job_action(
            await self.client(), await self.executor(), action, [id]
        )
        if outcomes.skipped.get("not found"):
            raise HTTPProblem(404, f"Job {id} was not found (it may have been deleted).")
        if id in conflicts:
            raise HTTPProblem(409, conflicts[id])
        if action == "delete" and outcomes.skipped.get("running"):
            raise HTTPProblem(409, f"Job {id} is running: cancel it first, then delete it.")
        if action == "delete" and outcomes.changed:
            return self.redirect(request, "/jobs", notice=outcomes.notice())
        return self.redirect(request, f"/jobs/{id}", notice=outcomes.notice())

    async def jobs_bulk(self, request: Request) -> Response:
        form = await self.mutation_form(request)
        action = parse_choice(_form_str(form, "action"), "action", JOB_ACTIONS)
        back = JobFilters.parse(dict(parse_qsl(_form_str(form, "return_query") or "")))
        if _form_str(form, "all_matching") == "1":
            # Every job the filters match now (up to MAX_BULK), listed again here.
            executor = await self.executor()
            rows = await executor.job_list(back.without_cursor().list_params(MAX_BULK))
            ids = [job.id for job in rows]
            if not ids:
                notice = {"level": "warn", "lines": ["No job matches these filters now."]}
                return self.redirect(request, "/jobs", back.query(after=None), notice)
        else:
            ids = parse_ids([v for v in form.getlist("ids") if isinstance(v, str)])
        outcomes, _ = await apply_job_action(
            await self.client(), await self.executor(), action, ids
        )
        return self.redirect(request, "/jobs", back.query(after=None), outcomes.notice())

    async def queue_action(self, request: Request) -> Response:
        form = await self.mutation_form(request)
        action = parse_choice(request.path_params["action"], "action", QUEUE_ACTIONS)
        name = parse_queue_name(_form_str(form, "name"))
        client = await self.client()
        executor = await self.executor()
        queue = await executor.queue_get(name)
        if queue is None:
            raise HTTPProblem(404, f"Queue {name} was not found.")
        try:
            await (client.queue_pause(name) if action == "pause" else client.queue_resume(name))
        except ClientError as exc:
            raise HTTPProblem(404, str(exc)) from None
        notice = queue_notice(name, action, was_paused=queue.paused_at is not None)
        back = _form_str(form, "back")
        if back == "queue":
            return self.redirect(request, "/queue", {"name": name}, notice)
        return self.redirect(request, "/queues", notice=notice)


MAX_FORM_FIELDS = 1_000
#: Tasks the workflow page lists (its graph is drawn up to ``dag.MAX_DRAWN``).
MAX_TASK_ROWS = 1_000


def _workflow_missing(workflow_id: str) -> str:
    return f"Workflow {present.clip(present.bidi(workflow_id), 100)} was not found (it may have been deleted)."


def _state_counts(info: WorkflowInfo) -> dict[str, int]:
    counts: dict[str, int] = {}
    for task in info.tasks:
        counts[task.state.value] = counts.get(task.state.value, 0) + 1
    return counts


def _form_str(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


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
        except HTTPException as exc:  # the form parser's refusals
            status = 413 if "Too many" in str(exc.detail) else exc.status_code
            return dash.render(request, "error.html", status, message=f"Refused: {exc.detail}")
        except SchemaNotMigratedError as exc:  # a database not migrated yet: say what to run
            return dash.render(request, "error.html", 503, message=str(exc))

    return endpoint


def _error_handlers(dash: _Dashboard, routes: list[Any]) -> dict[Any, Any]:
    """Router refusals and unexpected failures as styled pages with navigation."""

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404 and request.method in ("GET", "HEAD"):
            redirect = _slash_redirect(request, routes)
            if redirect is not None:
                return redirect
        message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        return dash.render(request, "error.html", exc.status_code, message=message)

    async def server_error(request: Request, exc: Exception) -> Response:
        return dash.render(
            request,
            "error.html",
            500,
            message="The dashboard failed to show this page; the server's log has the details.",
        )

    return {HTTPException: http_error, 500: server_error}


def _slash_redirect(request: Request, routes: list[Any]) -> Response | None:
    """``/jobs/`` → ``/jobs``: a relative redirect (path and query only, so a forged
    ``Host`` header cannot send it elsewhere)."""
    path: str = request.scope["path"]
    if path == "/" or not path.endswith("/"):
        return None
    stripped = "/" + path.strip("/")
    scope = {**request.scope, "path": stripped, "method": "GET"}
    if not any(route.matches(scope)[0] is Match.FULL for route in routes):
        return None
    root = request.scope.get("root_path", "")
    query = request.url.query
    return RedirectResponse(root + stripped + ("?" + query if query else ""), status_code=307)


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
    dashes = [_Dashboard(driver, s, auth, read_only, key, trusted_origins) for s in schemas]
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
        handlers = _error_handlers(dashes[0], routes)
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


def _dashboard_routes(dash: _Dashboard) -> tuple[list[Any], dict[Any, Any]]:
    def route(path: str, handler: Callable[[Request], Awaitable[Response]], **kw: Any) -> Route:
        return Route(path, _endpoint(dash, handler), **kw)

    routes: list[Any] = [
        route("/", dash.overview, name="overview"),
        # Open to load balancers, which send no credentials; it says only ok or not.
        Route("/health", dash.health, name="health"),
        route("/throughput.svg", dash.throughput, name="throughput"),
        route("/queues", dash.queues, name="queues"),
        route("/queues/{action}", dash.queue_action, methods=["POST"]),
        route("/queue", dash.queue_page, name="queue"),
        route("/queue/metadata", dash.queue_metadata, methods=["POST"]),
        route("/jobs", dash.jobs, name="jobs"),
        route("/jobs/bulk", dash.jobs_bulk, methods=["POST"]),
        route("/jobs/confirm", dash.jobs_confirm, name="jobs_confirm"),
        route("/jobs/new", dash.enqueue_page, name="enqueue"),
        route("/jobs/new", dash.enqueue, methods=["POST"]),
        route("/jobs/{id}", dash.job, name="job"),
        route("/jobs/{id}/{action}", dash.job_action, methods=["POST"]),
        route("/workflows", dash.workflows, name="workflows"),
        route("/workflow", dash.workflow_page, name="workflow"),
        route("/workflow/{action}", dash.workflow_action, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return routes, _error_handlers(dash, routes)


def _inner_app(dash: _Dashboard) -> Starlette:
    routes, handlers = _dashboard_routes(dash)
    inner = Starlette(routes=routes, exception_handlers=handlers)
    inner.router.redirect_slashes = False
    return inner


def _to_first_schema(dash: _Dashboard) -> Callable[[Request], Awaitable[Response]]:
    async def first(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        return RedirectResponse(f"{root}{dash.mount}/", status_code=307)

    return first


def _health_of_all(dashes: list[_Dashboard]) -> Callable[[Request], Awaitable[Response]]:
    async def health(request: Request) -> Response:
        worst: Response | None = None
        for dash in dashes:
            response = await dash.health(request)
            if response.status_code != 200:
                worst = response
        return worst or JSONResponse({"status": "ok"})

    return health

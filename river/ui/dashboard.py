"""One schema's dashboard: the client and executor it reads and acts through, signed
sessions, rendering, redirects carrying one-time notices, and the checks every request
(the auth hook) and every form (read-only, origin, size, CSRF token) goes through."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from river.client_async import AsyncClient
from river.concurrency import ConcurrencyConfig
from river.config import Config, validate_schema
from river.driver.driver_async import AsyncDriver
from river.driver.executor_async import AsyncExecutor
from river.ui import present
from river.ui.reads import COUNT_CAP, STATES
from river.ui.signing import Signer, resolve_secret

HERE = Path(__file__).parent
SESSION_COOKIE = "river_ui_session"
FLASH_COOKIE = "river_ui_flash"
CSRF_FIELD = "csrf_token"
#: A form larger than this is refused (413) before it is parsed.
MAX_FORM_BYTES = 256 * 1024
MAX_FORM_FIELDS = 1_000
#: ``auth(request)`` returns a true value to let the request in; a false one (401) or a
#: ``Response`` (sent as is: a 401 asking for credentials, a redirect to a login page)
#: refuses.
AuthHook = Callable[[Request], "bool | Response | Awaitable[bool | Response]"]

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


class Dashboard:
    """One schema's dashboard: its database access, sessions, rendering and the checks
    every request and every form goes through; the pages are functions of it
    (``job_pages``, ``queue_pages``, ``workflow_pages``)."""

    def __init__(
        self,
        target: AsyncDriver[Any] | str,
        schema: str | None,
        auth: AuthHook | None,
        read_only: bool,
        secret: str | bytes | None = None,
        trusted_origins: Sequence[str] = (),
        concurrency: Mapping[str, ConcurrencyConfig] | None = None,
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
        #: The limits the clients' QueueConfig set per queue (the database holds only
        #: the metadata override); None: not known.
        self.concurrency = concurrency
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


def form_str(form: FormData, name: str) -> str | None:
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



"""Every route's request behind the auth hook, and every refusal or failure (bad
input, a missing job, a router 404 or 405, a form too large, a database not migrated, an
unexpected error) as a styled error page with navigation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match

from river.errors import SchemaNotMigratedError
from river.ui.dashboard import Dashboard, HTTPProblem
from river.ui.forms import BadRequest

_HTTP_MESSAGES = {
    404: "There is no such page.",
    405: "This address does not take that method.",
}


def endpoint(
    dash: Dashboard, handler: Callable[[Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """``handler`` behind the auth hook, with refusals and bad input as error pages."""

    async def guarded(request: Request) -> Response:
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

    return guarded


def error_handlers(dash: Dashboard, routes: list[Any]) -> dict[Any, Any]:
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

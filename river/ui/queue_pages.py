"""The pages about queues: the overview, its throughput chart, the queues list, one
queue's page, and pausing, resuming and editing a queue's metadata; ``/health``."""

from __future__ import annotations

import datetime as dt
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from river.errors import ClientError, InvalidInsertError, QueueNotFoundError, SchemaNotMigratedError
from river.ui.chart import throughput_chart
from river.ui.dashboard import Dashboard, HTTPProblem, form_str
from river.ui.forms import (
    QUEUE_ACTIONS,
    BadRequest,
    json_object_text,
    parse_choice,
    parse_queue_name,
)
from river.ui.outcomes import queue_notice
from river.ui.reads import FINALIZED_SCANNED, overview_data, queue_detail


async def overview(dash: Dashboard, request: Request) -> Response:
    # The chart is its own request (an <img>), so this page never waits for it.
    data = await overview_data(await dash.executor())
    return dash.render(request, "overview.html", nav="overview", data=data)


async def throughput(dash: Dashboard, request: Request) -> Response:
    now = dt.datetime.now(dt.UTC)
    executor = await dash.executor()
    counts = await executor.job_finalized_per_minute(now - dt.timedelta(hours=1))
    body = dash.templates.get_template("throughput.svg").render(
        chart=throughput_chart(counts, now)
    )
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


async def health(dash: Dashboard, request: Request) -> Response:
    """For load balancers: 200 when the database answers, else 503."""
    try:
        executor = await dash.executor()
        await executor.queue_list(1)
    except SchemaNotMigratedError:
        return JSONResponse({"status": "not migrated"}, status_code=503)
    except Exception:  # any failure to reach the database means "down"
        return JSONResponse({"status": "database unreachable"}, status_code=503)
    return JSONResponse({"status": "ok"})


async def queues(dash: Dashboard, request: Request) -> Response:
    data = await overview_data(await dash.executor())
    return dash.render(request, "queues.html", nav="queues", data=data)


async def queue_page(dash: Dashboard, request: Request) -> Response:
    name = parse_queue_name(request.query_params.get("name"))
    detail = await queue_detail(await dash.executor(), name, dash.concurrency)
    if detail is None:
        raise HTTPProblem(404, f"Queue {name} was not found.")
    return dash.render(
        request,
        "queue.html",
        nav="queues",
        q=detail.summary,
        detail=detail,
        finalized_cap=FINALIZED_SCANNED,
    )


async def queue_metadata(dash: Dashboard, request: Request) -> Response:
    form = await dash.mutation_form(request)
    name = parse_queue_name(form_str(form, "name"))
    metadata = json_object_text((form_str(form, "metadata") or "").strip() or "{}", "metadata")
    assert metadata is not None
    client = await dash.client()
    try:
        await client.queue_update(name, metadata=json.loads(metadata))
    except QueueNotFoundError:
        raise HTTPProblem(404, f"Queue {name} was not found.") from None
    except InvalidInsertError as exc:
        raise BadRequest(str(exc)) from None
    notice = {"level": "ok", "lines": [f"Queue {name}'s metadata saved."]}
    return dash.redirect(request, "/queue", {"name": name}, notice)


async def queue_action(dash: Dashboard, request: Request) -> Response:
    form = await dash.mutation_form(request)
    action = parse_choice(request.path_params["action"], "action", QUEUE_ACTIONS)
    name = parse_queue_name(form_str(form, "name"))
    client = await dash.client()
    executor = await dash.executor()
    queue = await executor.queue_get(name)
    if queue is None:
        raise HTTPProblem(404, f"Queue {name} was not found.")
    try:
        await (client.queue_pause(name) if action == "pause" else client.queue_resume(name))
    except ClientError as exc:
        raise HTTPProblem(404, str(exc)) from None
    notice = queue_notice(name, action, was_paused=queue.paused_at is not None)
    back = form_str(form, "back")
    if back == "queue":
        return dash.redirect(request, "/queue", {"name": name}, notice)
    return dash.redirect(request, "/queues", notice=notice)

"""The workflow pages: the list of workflows, one workflow with its graph and tasks, and
cancelling or retrying it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from river.ui import present
from river.ui.dag import MAX_DRAWN, layout
from river.ui.dashboard import Dashboard, HTTPProblem, form_str
from river.ui.forms import parse_choice
from river.ui.workflows import (
    LIST_LIMIT,
    WORKFLOW_ACTIONS,
    finished,
    parse_workflow_id,
    parse_workflow_name,
    retryable,
    workflow_notice,
)
from river.workflow import WorkflowInfo, WorkflowNotFoundError

#: Tasks the workflow page lists (its graph is drawn up to ``dag.MAX_DRAWN``).
MAX_TASK_ROWS = 1_000


def _workflow_missing(workflow_id: str) -> str:
    return f"Workflow {present.clip(present.bidi(workflow_id), 100)} was not found (it may have been deleted)."


def _state_counts(info: WorkflowInfo) -> dict[str, int]:
    counts: dict[str, int] = {}
    for task in info.tasks:
        counts[task.state.value] = counts.get(task.state.value, 0) + 1
    return counts


async def workflows(dash: Dashboard, request: Request) -> Response:
    name = parse_workflow_name(request.query_params.get("name"))
    found = await (await dash.client()).workflow_list(name=name, limit=LIST_LIMIT + 1)
    return dash.render(
        request,
        "workflows.html",
        nav="workflows",
        workflows=found[:LIST_LIMIT],
        more=len(found) > LIST_LIMIT,
        limit=LIST_LIMIT,
        name=name,
    )


async def workflow_page(dash: Dashboard, request: Request) -> Response:
    info = await _workflow(dash, parse_workflow_id(request.query_params.get("id")))
    return dash.render(
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


async def workflow_action(dash: Dashboard, request: Request) -> Response:
    form = await dash.mutation_form(request)
    action = parse_choice(request.path_params["action"], "action", WORKFLOW_ACTIONS)
    workflow_id = parse_workflow_id(form_str(form, "id"))
    before = await _workflow(dash, workflow_id)
    client = await dash.client()
    try:
        call = client.workflow_cancel if action == "cancel" else client.workflow_retry
        after = await call(workflow_id)
    except WorkflowNotFoundError:
        raise HTTPProblem(404, _workflow_missing(workflow_id)) from None
    notice = workflow_notice(action, before, after)
    return dash.redirect(request, "/workflow", {"id": workflow_id}, notice)


async def _workflow(dash: Dashboard, workflow_id: str) -> WorkflowInfo:
    try:
        return await (await dash.client()).workflow_get(workflow_id)
    except WorkflowNotFoundError:
        raise HTTPProblem(404, _workflow_missing(workflow_id)) from None
